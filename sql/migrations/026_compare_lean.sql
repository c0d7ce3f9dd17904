-- 026_compare_lean.sql: /compare's stored-cohort statement (compare_stored(), migration 019) with fewer
-- probes and plan nodes per request (issue 18, eighth session).  The question, its rows and their text
-- are 019's (checked row for row on 288 parameter sets: waves known and unknown, every scope, unknown
-- cities and metrics, every metric; and byte for byte through the pages).  Measured in one backend at
-- 1,000 cities, 5 cities x 5 metrics (callgrind, single-user backend, marginal cost of 100 calls):
-- 2.42 M instructions a call to 1.74 M; PostgreSQL's time a request (tests/bench/profile.sh) 0.84 to
-- 0.71 ms at 1,000 cities and ~2.1 to ~1.1 ms at 10,000.  Four cuts:
--   - the cohort's size per metric (`of`) is probed for the metrics asked for only: 019 read it for every
--     active metric and dropped the others in a semi join afterwards (9 probes for 5 metrics);
--   - each city is probed once, in its own materialised CTE, instead of through a memoised lateral join
--     beside every (city, metric) row;
--   - the values are read in one scan of the cities' values of the wave (metric_values_city_idx: a
--     city's values, as many as there are metrics, whatever the cohort's size) and hash-joined to the
--     cells, instead of a probe per (city, metric) row, slot rows included (36 probes for 25 cells);
--   - "every active metric" (no metrics asked) is made the list of their ids first, in their order, so
--     the main statement's plan has one branch for the metrics (fewer nodes to start per call).
-- What remains is mostly executor start-up of the generic plan (~0.75 M) and the b-tree descents
-- (~33 a call, ~21 k instructions each; a C-collated copy of metric_steps' key measured no better).

create or replace function compare_stored(p_wave text, p_scope text, p_key text, p_slugs text[], p_ids text[])
returns table (city_slot bigint, slug text, name text, synthetic boolean, metric_slot bigint,
	metric_id text, title text, unit text, higher_is_better boolean, value double precision,
	rank integer, unused text, "of" integer, wave text, wave_known boolean, waves text,
	all_metrics text, lat double precision, lon double precision)
language plpgsql stable
set plan_cache_mode = force_generic_plan
as $$
#variable_conflict use_column
begin
	if p_ids is null then
		p_ids := array(select m.id from metrics m where m.active order by m.position, m.id);
	end if;
	return query
	with wc as materialized (select t.s, t.n, c.id, c.name, c.synthetic, c.lat, c.lon, c.region, c.country
		from unnest(p_slugs) with ordinality as t(s, n)
		left join lateral (select c.* from cities c where c.slug = t.s limit 1) c on true
		union all select null, 0, null, null, null, null, null, null, null),
	wm as (select t.s, t.n from unnest(p_ids) with ordinality as t(s, n) union all select null, 0),
	sm as (select m.id, m.title, m.unit, m.higher_is_better,
		(select s.n from metric_steps s where s.metric_id = m.id and s.survey_id = p_wave
		and s.scope = p_scope and s.key = p_key limit 1) as n
		from metrics m where m.active and m.id = any(p_ids)),
	mv as materialized (select v.metric_id, v.city_id, v.value from metric_values v
		where v.survey_id = p_wave and v.metric_id = any(array(select sm.id from sm))
		and v.city_id = any(array(select wc.id from wc where wc.id is not null)))
	select c.n, c.s, c.name, c.synthetic, wm.n, wm.s, sm.title, sm.unit, sm.higher_is_better, mv.value,
	case when mv.value is null or not (p_scope = 'all' or (p_scope = 'region' and c.region = p_key)
		or (p_scope = 'country' and c.country = p_key)) then null
	when sm.higher_is_better then 1 + coalesce(sm.n, 0) - coalesce((select s.n - s.gt from metric_steps s
		where s.metric_id = sm.id and s.survey_id = p_wave and s.scope = p_scope and s.key = p_key
		and s.value <= mv.value order by s.value desc limit 1), 0)
	else 1 + coalesce((select s.n - s.gt from metric_steps s
		where s.metric_id = sm.id and s.survey_id = p_wave and s.scope = p_scope and s.key = p_key
		and s.value < mv.value order by s.value desc limit 1), 0) end,
	null::text, sm.n, p_wave,
	exists (select 1 from surveys sv where sv.id = p_wave), null::text, null::text, c.lat, c.lon
	from wc c cross join wm
	left join sm on sm.id = wm.s
	left join mv on mv.metric_id = sm.id and mv.city_id = c.id
	order by c.n, wm.n;
end
$$;

grant execute on function compare_stored(text, text, text, text[], text[]) to citybench_web;
