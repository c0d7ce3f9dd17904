<?php
// index.php: the third reference of `make bench`: what a competent PHP developer would write instead of
// citybench for three of its JSON answers, over citybench's own tables (see README in this folder).
//
//   GET /metrics/{id}.json?survey=W&city=SLUG&limit=N&offset=K   a metric's ranking
//   GET /compare.json?cities=A,B,...&metrics=M,N,...&survey=W     values, ranks and percentiles side by side
//   GET /cities/{slug}.json?survey=W                              a city's profile
//   GET /cities/{slug}.json?peers=region:R|country:CC|population:A-B   the same against a peer group
//
// Prepared statements (pg_prepare/pg_execute on a persistent connection), ranks and percentiles by window
// functions in the database, json_encode, no cache.  Peer groups of one filter (region, country or a
// population band: the wave's population, else the city's; a city without one is in no band); any other
// peers expression is a 400 here: the bench's peer-group workload asks for these three kinds only, and
// the answer, similar and list cohorts are measured as citybench's profile HTML (no PHP row reads them).
declare(strict_types=1);

const JSON_FLAGS = JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_PRESERVE_ZERO_FRACTION;

// A peer group: the current submissions of wave $1 whose city passes the filters $2..$5.
const PEER = 'select cs.city_id, cs.submission_id from current_submissions cs join cities c on c.id = cs.city_id
		where cs.survey_id = $1 and ($2::text is null or c.region = $2) and ($3::text is null or c.country = $3)
		and (($4::bigint is null and $5::bigint is null)
		     or coalesce(cs.population, c.population) between coalesce($4::bigint, 0) and coalesce($5::bigint, 9223372036854775807))';

// The statements, prepared once per connection (a persistent connection keeps them across requests).
const STATEMENTS = [
	'wave' => 'select coalesce($1::text, (select max(survey_id) from metric_values), (select max(id) from surveys)) as wave,
		(select coalesce(json_agg(id order by id), \'[]\') from surveys)::text as waves,
		$1::text is null or exists (select 1 from surveys where id = $1::text) as known',
	'metric_head' => 'select m.id, m.title, m.description, m.unit, m.higher_is_better, m.plugin, m.version, m.source,
		coalesce($2::text, (select max(v.survey_id) from metric_values v where v.metric_id = m.id),
		         (select max(s.id) from surveys s)) as wave,
		$2::text is null or exists (select 1 from surveys s where s.id = $2::text) as known,
		(select coalesce(json_agg(s.id order by s.id), \'[]\') from surveys s)::text as waves
		from metrics m where m.id = $1 and m.active',
	'ranking' => 'select c.slug, c.name, c.synthetic, mv.value, c.lat, c.lon,
		rank() over (order by case when m.higher_is_better then -mv.value else mv.value end) as rank,
		count(*) over () as n
		from metric_values mv join metrics m on m.id = mv.metric_id join cities c on c.id = mv.city_id
		where mv.metric_id = $1 and mv.survey_id = $2
		order by rank, c.name collate "C", c.slug collate "C"',
	'city' => 'select c.slug, c.name, c.country, c.region, c.population, c.synthetic, c.lat, c.lon,
		(select mv.value from metric_values mv where mv.city_id = c.id and mv.metric_id = $2 and mv.survey_id = $3) as value
		from cities c where c.slug = $1',
	'compare_cities' => 'select c.slug, c.name, c.synthetic, c.lat, c.lon from cities c where c.slug = any($1::text[])',
	'compare_metrics' => 'select id, title, unit, higher_is_better from metrics
		where active and ($1::text[] is null or id = any($1::text[]))
		order by array_position($1::text[], id), position, id',
	'compare_values' => 'select metric_id, slug, value, rank, n from (
		select mv.metric_id, c.slug, mv.value,
			rank() over (partition by mv.metric_id order by case when m.higher_is_better then -mv.value else mv.value end) as rank,
			count(*) over (partition by mv.metric_id) as n
		from metric_values mv join metrics m on m.id = mv.metric_id join cities c on c.id = mv.city_id
		where mv.survey_id = $1 and mv.metric_id = any($2::text[])) r
		where slug = any($3::text[])',
	'compare_of' => 'select metric_id, count(*) as n from metric_values
		where survey_id = $1 and metric_id = any($2::text[]) group by metric_id',
	'profile_city' => 'select c.id, c.slug, c.name, c.country, c.region, c.synthetic, c.lat, c.lon,
		coalesce((select cs.population from current_submissions cs where cs.city_id = c.id
		          and cs.survey_id = coalesce($2::text, (select max(survey_id) from current_submissions where city_id = c.id))),
		         c.population) as population,
		(select coalesce(json_agg(cs.survey_id order by cs.survey_id), \'[]\') from current_submissions cs
		 where cs.city_id = c.id)::text as waves,
		(select max(cs.survey_id) from current_submissions cs where cs.city_id = c.id) as latest
		from cities c where c.slug = $1',
	'profile_answers' => 'select sq.code, q.type, a.value::text as value
		from survey_questions sq join questions q on q.code = sq.code
		left join current_submissions cs on cs.city_id = $1 and cs.survey_id = sq.survey_id
		left join answers a on a.submission_id = cs.submission_id and a.code = sq.code
		where sq.survey_id = $2 order by sq.position, sq.code',
	'profile_cohort' => 'select a.code, q.type, count(*) as answered,
		coalesce((select json_object_agg(k, n) from (
			select e.k, count(*) as n from answers a2 join current_submissions cs2 on cs2.submission_id = a2.submission_id,
			lateral (select case when jsonb_typeof(a2.value) = \'boolean\' then case when a2.value = \'true\' then \'yes\' else \'no\' end
			                     when jsonb_typeof(a2.value) = \'string\' then a2.value #>> \'{}\' end as k
			         where q.type in (\'bool\', \'single\')
			         union all select x from jsonb_array_elements_text(case when q.type = \'multi\' and jsonb_typeof(a2.value) = \'array\'
			                                                               then a2.value else \'[]\' end) x) e
			where cs2.survey_id = $1 and a2.code = a.code and a2.value <> \'null\' and e.k is not null
			group by e.k order by e.k) t), \'{}\')::text as counts
		from answers a join current_submissions cs on cs.submission_id = a.submission_id
		join questions q on q.code = a.code
		where cs.survey_id = $1 and a.value <> \'null\'
		group by a.code, q.type order by a.code',
	'profile_metrics' => 'select m.id, m.title, m.description, m.unit, m.higher_is_better, r.value, r.rank, coalesce(r.n, 0) as n
		from metrics m left join (
			select mv.metric_id, mv.city_id, mv.value,
				rank() over (partition by mv.metric_id order by case when m2.higher_is_better then -mv.value else mv.value end) as rank,
				count(*) over (partition by mv.metric_id) as n
			from metric_values mv join metrics m2 on m2.id = mv.metric_id where mv.survey_id = $2) r
		  on r.metric_id = m.id and r.city_id = $1
		where m.active order by m.position, m.id',
	'profile_of' => 'select metric_id, count(*) as n from metric_values where survey_id = $1 group by metric_id',
	// The same two against a peer group: $1 the wave, $2 region, $3 country, $4 and $5 the population band
	// (NULL: that filter is not asked for), as one CTE of the cohort's current submissions.
	'peer_cohort' => 'with peer as (' . PEER . ')
		select a.code, q.type, count(*) as answered,
		coalesce((select json_object_agg(k, n) from (
			select e.k, count(*) as n from answers a2 join peer p2 on p2.submission_id = a2.submission_id,
			lateral (select case when jsonb_typeof(a2.value) = \'boolean\' then case when a2.value = \'true\' then \'yes\' else \'no\' end
			                     when jsonb_typeof(a2.value) = \'string\' then a2.value #>> \'{}\' end as k
			         where q.type in (\'bool\', \'single\')
			         union all select x from jsonb_array_elements_text(case when q.type = \'multi\' and jsonb_typeof(a2.value) = \'array\'
			                                                               then a2.value else \'[]\' end) x) e
			where a2.code = a.code and a2.value <> \'null\' and e.k is not null
			group by e.k order by e.k) t), \'{}\')::text as counts
		from answers a join peer p on p.submission_id = a.submission_id
		join questions q on q.code = a.code
		where a.value <> \'null\'
		group by a.code, q.type order by a.code',
	'peer_metrics' => 'with peer as (' . PEER . ')
		select m.id, m.title, m.description, m.unit, m.higher_is_better, r.value, r.rank, coalesce(r.n, 0) as n
		from metrics m left join (
			select mv.metric_id, mv.city_id, mv.value,
				rank() over (partition by mv.metric_id order by case when m2.higher_is_better then -mv.value else mv.value end) as rank,
				count(*) over (partition by mv.metric_id) as n
			from metric_values mv join metrics m2 on m2.id = mv.metric_id join peer p on p.city_id = mv.city_id
			where mv.survey_id = $1) r
		  on r.metric_id = m.id and r.city_id = $6
		where m.active order by m.position, m.id',
	'peer_size' => 'with peer as (' . PEER . ') select count(*) as n from peer',
];

function db()
{
	static $db = null;
	if ($db === null) {
		$db = pg_pconnect(getenv('CITYBENCH_DB') ?: '');
		if ($db === false)
			fail(503, 'unavailable', 'no database');
	}
	return $db;
}

// Runs a named statement, preparing it on first use on this (persistent) connection.
function q(string $name, array $params): array
{
	$db = db();
	$r = @pg_execute($db, $name, $params);
	if ($r === false) {
		if (pg_prepare($db, $name, STATEMENTS[$name]) === false)
			fail(500, 'internal', 'prepare ' . $name);
		$r = pg_execute($db, $name, $params);
		if ($r === false)
			fail(500, 'internal', 'execute ' . $name);
	}
	$rows = pg_fetch_all($r);
	return $rows === false ? [] : $rows;
}

function fail(int $status, string $code, string $message): never
{
	http_response_code($status);
	header('Content-Type: application/json');
	echo json_encode(['error' => ['status' => $status, 'code' => $code, 'message' => $message, 'details' => []]],
		JSON_FLAGS), "\n";
	exit;
}

function send(array $doc): never
{
	header('Content-Type: application/json');
	echo json_encode($doc, JSON_FLAGS), "\n";
	exit;
}

function num(?string $v): ?float { return $v === null ? null : (float)$v; }
function boolean(?string $v): bool { return $v === 't'; }
function pct(int $rank, int $of): float { return 100.0 * ($of - $rank + 1) / $of; }

function param(string $name): ?string
{
	$v = $_GET[$name] ?? null;
	return is_string($v) && $v !== '' ? $v : null;
}

function pg_array(array $items): string
{
	return '{' . implode(',', array_map(fn($s) => '"' . addcslashes($s, "\"\\") . '"', $items)) . '}';
}

function ranking(string $id): never
{
	$head = q('metric_head', [$id, param('survey')]);
	if (!$head)
		fail(404, 'not_found', "no metric called \"$id\"");
	$h = $head[0];
	if (!boolean($h['known']))
		fail(404, 'not_found', 'no such survey');
	$limit = (int)(param('limit') ?? 1000);
	$offset = (int)(param('offset') ?? 0);
	if ($limit < 1 || $limit > 10000 || $offset < 0)
		fail(400, 'bad_request', 'limit is 1 to 10,000, offset 0 or more');
	$rows = q('ranking', [$id, $h['wave']]);
	$n = count($rows);
	$values = [];
	$all = [];
	$sum = 0.0;
	$city = param('city');
	$highlight = null;
	foreach ($rows as $i => $r) {
		$v = (float)$r['value'];
		$rank = (int)$r['rank'];
		$row = ['city' => $r['slug'], 'name' => $r['name'], 'value' => $v, 'rank' => $rank,
			'percentile' => pct($rank, $n), 'synthetic' => boolean($r['synthetic']),
			'lat' => num($r['lat']), 'lon' => num($r['lon'])];
		if ($i >= $offset && $i < $offset + $limit)
			$values[] = $row;
		if ($city !== null && $r['slug'] === $city)
			$highlight = array_slice($row, 0, 6) + ['in_cohort' => true, 'of' => $n] + array_slice($row, 6);
		$sum += $v;
		$all[] = $v;
	}
	if ($city !== null && $highlight === null) {
		$c = q('city', [$city, $id, $h['wave']]);
		if (!$c)
			fail(400, 'bad_request', "unknown city \"$city\" (city names the city to highlight)");
		$c = $c[0];
		$highlight = ['city' => $c['slug'], 'name' => $c['name'], 'value' => num($c['value']), 'rank' => null,
			'percentile' => null, 'synthetic' => boolean($c['synthetic']), 'in_cohort' => false, 'of' => $n,
			'lat' => num($c['lat']), 'lon' => num($c['lon'])];
	}
	sort($all);
	$doc = [
		'metric' => ['id' => $h['id'], 'title' => $h['title'], 'description' => $h['description'],
			'unit' => $h['unit'], 'higher_is_better' => boolean($h['higher_is_better']), 'plugin' => $h['plugin'],
			'version' => $h['version'], 'source' => $h['source']],
		'survey' => $h['wave'],
		'waves' => json_decode($h['waves']),
		'values' => $values,
		'total' => $n,
		'limit' => $limit,
		'offset' => $offset,
	];
	if ($highlight !== null)
		$doc['highlight'] = $highlight;
	$doc['summary'] = ['n' => $n, 'mean' => $n ? $sum / $n : null,
		'median' => $n ? ($n % 2 ? $all[intdiv($n, 2)] : ($all[intdiv($n, 2) - 1] + $all[intdiv($n, 2)]) / 2) : null,
		'min' => $n ? $all[0] : null, 'max' => $n ? $all[$n - 1] : null];
	send($doc);
}

function compare(): never
{
	$slugs = array_values(array_unique(explode(',', param('cities') ?? '')));
	if (!$slugs || $slugs === [''])
		fail(400, 'bad_request', 'cities is required');
	$w = q('wave', [param('survey')])[0];
	if (!boolean($w['known']))
		fail(404, 'not_found', 'no such survey');
	$found = [];
	foreach (q('compare_cities', [pg_array($slugs)]) as $c)
		$found[$c['slug']] = ['slug' => $c['slug'], 'name' => $c['name'], 'synthetic' => boolean($c['synthetic']),
			'lat' => num($c['lat']), 'lon' => num($c['lon'])];
	$cities = [];
	foreach ($slugs as $s) {
		if (!isset($found[$s]))
			fail(404, 'not_found', "no city called \"$s\"");
		$cities[] = $found[$s];
	}
	$want = param('metrics');
	$metrics = q('compare_metrics', [$want === null ? null : pg_array(explode(',', $want))]);
	$ids = array_column($metrics, 'id');
	$of = [];
	foreach (q('compare_of', [$w['wave'], pg_array($ids)]) as $r)
		$of[$r['metric_id']] = (int)$r['n'];
	$values = $ranks = $pcts = [];
	foreach ($ids as $id)
		foreach ($slugs as $s) {
			$values[$id][$s] = null;
			$ranks[$id][$s] = null;
			$pcts[$id][$s] = null;
		}
	foreach (q('compare_values', [$w['wave'], pg_array($ids), pg_array($slugs)]) as $r) {
		$values[$r['metric_id']][$r['slug']] = (float)$r['value'];
		$ranks[$r['metric_id']][$r['slug']] = (int)$r['rank'];
		$pcts[$r['metric_id']][$r['slug']] = pct((int)$r['rank'], (int)$r['n']);
	}
	send([
		'survey' => $w['wave'],
		'waves' => json_decode($w['waves']),
		'cities' => $cities,
		'metrics' => array_map(fn($m) => ['id' => $m['id'], 'title' => $m['title'], 'unit' => $m['unit'],
			'higher_is_better' => boolean($m['higher_is_better']), 'of' => $of[$m['id']] ?? 0], $metrics),
		'values' => (object)array_map(fn($x) => (object)$x, $values),
		'ranks' => (object)array_map(fn($x) => (object)$x, $ranks),
		'percentiles' => (object)array_map(fn($x) => (object)$x, $pcts),
	]);
}

// peers=region:R, country:CC or population:A-B (either end may be left out) as the parameters $2..$5 of
// PEER; anything else is a 400.
function peer_filter(string $peers): array
{
	[$kind, $v] = array_pad(explode(':', $peers, 2), 2, '');
	if ($kind === 'region' && $v !== '')
		return [$v, null, null, null];
	if ($kind === 'country' && $v !== '')
		return [null, $v, null, null];
	if ($kind === 'population' && preg_match('/^(\d{0,15})-(\d{0,15})$/', $v, $m) && ($m[1] !== '' || $m[2] !== ''))
		return [null, null, $m[1] === '' ? null : $m[1], $m[2] === '' ? null : $m[2]];
	fail(400, 'bad_request', 'peers: only region:R, country:CC or population:A-B here');
}

function profile(string $slug): never
{
	$c = q('profile_city', [$slug, param('survey')]);
	if (!$c)
		fail(404, 'not_found', "no city called \"$slug\"");
	$c = $c[0];
	$waves = json_decode($c['waves']);
	$wave = param('survey') ?? $c['latest'];
	if ($wave === null || !in_array($wave, $waves, true))
		fail(404, 'not_found', "no answers from this city in that survey");
	$answers = [];
	foreach (q('profile_answers', [$c['id'], $wave]) as $a)
		$answers[$a['code']] = $a['value'] === null ? null : json_decode($a['value']);
	$peers = param('peers');
	$filter = $peers === null ? null : peer_filter($peers);
	$cohort = [];
	foreach ($filter === null ? q('profile_cohort', [$wave]) : q('peer_cohort', array_merge([$wave], $filter)) as $r)
		$cohort[$r['code']] = ['answered' => (int)$r['answered'], 'counts' => (object)json_decode($r['counts'], true)];
	$metrics = [];
	$rows = $filter === null ? q('profile_metrics', [$c['id'], $wave])
		: q('peer_metrics', array_merge([$wave], $filter, [$c['id']]));
	foreach ($rows as $m) {
		$in = $m['rank'] !== null;
		$metrics[] = ['id' => $m['id'], 'title' => $m['title'], 'description' => $m['description'], 'unit' => $m['unit'],
			'higher_is_better' => boolean($m['higher_is_better']), 'value' => num($m['value']),
			'rank' => $in ? (int)$m['rank'] : null, 'of' => (int)$m['n'],
			'percentile' => $in ? pct((int)$m['rank'], (int)$m['n']) : null];
	}
	$doc = [
		'city' => ['slug' => $c['slug'], 'name' => $c['name'], 'country' => $c['country'], 'region' => $c['region'],
			'population' => $c['population'] === null ? null : (int)$c['population'],
			'synthetic' => boolean($c['synthetic']), 'lat' => num($c['lat']), 'lon' => num($c['lon'])],
		'waves' => $waves,
		'survey' => $wave,
		'answers' => (object)$answers,
		'cohort' => (object)$cohort,
		'metrics' => $metrics,
	];
	if ($filter !== null) {
		$doc['peers'] = $peers;
		$doc['cohort_size'] = (int)q('peer_size', array_merge([$wave], $filter))[0]['n'];
	}
	send($doc);
}

$path = parse_url($_SERVER['REQUEST_URI'] ?? '/', PHP_URL_PATH);
if (($_SERVER['REQUEST_METHOD'] ?? 'GET') !== 'GET')
	fail(405, 'method_not_allowed', 'method not allowed here');
if (preg_match('#^/metrics/([a-z0-9_]{1,64})\.json$#', $path, $m))
	ranking($m[1]);
if ($path === '/compare.json')
	compare();
if (preg_match('#^/cities/([a-z0-9-]{1,64})\.json$#', $path, $m))
	profile($m[1]);
fail(404, 'not_found', 'no such page');
