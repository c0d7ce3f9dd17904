-- 002_stats.sql: the cohort statistics a read needs, kept up to date on write.
--
-- A profile, a comparison and a ranking state counts ("81 of 100 cities have dedicated funding") and
-- ranks within a cohort.  For the cohorts every visitor starts from (every city of a wave, a region, a
-- country) they are stored here and maintained by the writers, so that a read looks them up instead of
-- aggregating every answer of the cohort again.  Peer groups by population or by a list of cities are
-- still computed per request (queries.def).
--
-- How they stay right:
-- * cohort_counts changes with current_submissions: a statement trigger adds the facts of the new
--   current versions and subtracts those of the versions they replace (increments commute, so
--   concurrent uploads need no lock of their own).  A bulk writer (`set local citybench.bulk = 'on'`:
--   the CLI's import) only marks the waves dirty and bump_data_version() rebuilds them once.
-- * metric_steps holds each cohort's distinct values of a metric with the counts above and at each; a
--   rank and a percentile are then one index probe.  Writes of metric_values mark the
--   (metric, wave) dirty; bump_data_version(), which every writer calls last in its transaction,
--   rebuilds the dirty ones under one advisory lock, each statement with a fresh snapshot, so a later
--   writer's rebuild sees an earlier writer's committed values.
-- * A city's region or country changing marks everything dirty.
-- * A metric value exists only for a current city-wave (compute.c computes values for those, and a
--   city-wave never stops being current: current_submissions rows are replaced, never deleted), so the
--   values of a wave need no join to find their cohort.  tests/integration/test_stats.py checks it.

create table cohort_counts (
	survey_id text not null,
	scope     text not null check (scope in ('all', 'region', 'country')),
	key       text not null,	-- '' for all, else the region or the country
	code      text not null,	-- '' : the cohort itself
	option    text not null,	-- '' : cities that answered (code ''), else yes/no or the option
	n         integer not null,
	primary key (survey_id, scope, key, code, option)
);

-- Per cohort and metric, each distinct value with how many of the cohort's values lie above and below
-- it: a city's rank and percentile are then one index probe for the greatest value at or below its own
-- (which also serves a city outside the cohort), in either direction of the metric.
create table metric_steps (
	metric_id text not null,
	survey_id text not null,
	scope     text not null check (scope in ('all', 'region', 'country')),
	key       text not null,
	value     float8 not null,
	n         integer not null,	-- the cohort's values
	eq        integer not null,	-- values equal to this one
	gt        integer not null,	-- values above it
	primary key (metric_id, survey_id, scope, key, value)
);

-- A city's own values in a wave (profiles, comparisons) without a scan of the metric's values.
create index metric_values_city_idx on metric_values (survey_id, city_id);

-- What a transaction made stale; consumed by its own bump_data_version().  No unique key: concurrent
-- writers must not wait on each other's rows.
create table stats_dirty (
	kind      text not null check (kind in ('counts', 'dist')),
	survey_id text not null,	-- '*' : every wave
	metric_id text not null default ''
);

-- The facts one answer contributes: '' (the question was answered), and for a bool, single or multi
-- answer each option chosen (yes/no for a bool).  The caller leaves out null answers.  A single SELECT,
-- so the planner inlines it where it is used.
create function answer_facts(t text, v jsonb) returns table (option text)
language sql immutable as $$
	select o from unnest(case t
		when 'bool' then array['', case when v = 'true'::jsonb then 'yes' else 'no' end]
		when 'single' then array['', v #>> '{}']
		when 'multi' then '{""}'::text[] || array(select jsonb_array_elements_text(
			case when jsonb_typeof(v) = 'array' then v else '[]'::jsonb end))
		else '{""}'::text[] end) o
$$;

-- The facts of one answer set: its answers' (code, option), and ('', '') for the set itself (a cohort's
-- size counts those).
create function submission_facts(sub bigint) returns table (code text, option text)
language sql stable as $$
	select '', ''
	union all
	select a.code, f.option
	from answers a join questions q on q.code = a.code cross join lateral answer_facts(q.type, a.value) f
	where a.submission_id = sub and a.value <> 'null'::jsonb
$$;

create function stats_bulk() returns boolean language sql stable as $$
	select coalesce(current_setting('citybench.bulk', true), '') = 'on'
$$;

-- Adds (sign 1) or removes (sign -1) the facts of submissions given as (city, wave, submission, sign).
create function stats_apply_counts(d jsonb) returns void language plpgsql as $$
begin
	insert into cohort_counts as cc (survey_id, scope, key, code, option, n)
	select x.survey_id, s.scope, s.key, f.code, f.option, sum(x.sign)
	from jsonb_to_recordset(d) as x(city_id int, survey_id text, submission_id bigint, sign int)
	join cities c on c.id = x.city_id
	cross join lateral (values ('all', ''), ('region', c.region), ('country', c.country)) s(scope, key)
	cross join lateral submission_facts(x.submission_id) f
	group by 1, 2, 3, 4, 5
	having sum(x.sign) <> 0
	order by 1, 2, 3, 4, 5	-- rows locked in one order by every writer: no deadlock
	on conflict (survey_id, scope, key, code, option) do update set n = cc.n + excluded.n;
	delete from cohort_counts where n = 0;
end $$;

-- The counts of a wave ('*': every one) from scratch, for bulk writers: one pass over the answers
-- grouped by region and country, then rolled up to the three scopes (about 1.5 microseconds an answer).
create function stats_rebuild_counts(wave text) returns void language plpgsql set work_mem = '64MB' as $$
begin
	delete from cohort_counts where wave = '*' or survey_id = wave;
	with g as (
		select cs.survey_id, c.region, c.country, a.code, o.option, count(*) as n
		from current_submissions cs join cities c on c.id = cs.city_id
		join answers a on a.submission_id = cs.submission_id join questions q on q.code = a.code
		cross join lateral answer_facts(q.type, a.value) o
		where a.value <> 'null'::jsonb and (wave = '*' or cs.survey_id = wave)
		group by 1, 2, 3, 4, 5
		union all
		select cs.survey_id, c.region, c.country, '', '', count(*)
		from current_submissions cs join cities c on c.id = cs.city_id
		where wave = '*' or cs.survey_id = wave
		group by 1, 2, 3)
	insert into cohort_counts (survey_id, scope, key, code, option, n)
	select survey_id, 'all', '', code, option, sum(n) from g group by 1, 4, 5
	union all select survey_id, 'region', region, code, option, sum(n) from g group by 1, 3, 4, 5
	union all select survey_id, 'country', country, code, option, sum(n) from g group by 1, 3, 4, 5;
end $$;

-- Brings the steps of a metric ('*': every one) in a wave ('*': every one) up to date, writing only the
-- rows that differ: after one upload most steps of a metric stay as they were.
create function stats_rebuild_dist(metric text, wave text) returns void language sql set work_mem = '64MB' as $$
	with g as (
		select mv.metric_id, mv.survey_id,
			case when grouping(c.region) = 0 then 'region' when grouping(c.country) = 0 then 'country'
			else 'all' end as scope, coalesce(c.region, c.country, '') as key, mv.value, count(*) as eq
		from metric_values mv join cities c on c.id = mv.city_id
		where (metric = '*' or mv.metric_id = metric) and (wave = '*' or mv.survey_id = wave)
		group by grouping sets ((mv.metric_id, mv.survey_id, mv.value),
			(mv.metric_id, mv.survey_id, c.region, mv.value), (mv.metric_id, mv.survey_id, c.country, mv.value))),
	fresh as (
		select g.metric_id, g.survey_id, g.scope, g.key, g.value, (sum(g.eq) over p)::int as n, g.eq::int as eq,
			(sum(g.eq) over p - sum(g.eq) over w)::int as gt
		from g
		window p as (partition by g.metric_id, g.survey_id, g.scope, g.key),
			w as (partition by g.metric_id, g.survey_id, g.scope, g.key order by g.value)),
	gone as (
		delete from metric_steps t
		where (metric = '*' or t.metric_id = metric) and (wave = '*' or t.survey_id = wave)
		and not exists (select 1 from fresh f where f.metric_id = t.metric_id
			and f.survey_id = t.survey_id and f.scope = t.scope and f.key = t.key and f.value = t.value))
	insert into metric_steps as t select * from fresh f order by 1, 2, 3, 4, 5
	on conflict (metric_id, survey_id, scope, key, value) do update
	set n = excluded.n, eq = excluded.eq, gt = excluded.gt
	where (t.n, t.eq, t.gt) is distinct from (excluded.n, excluded.eq, excluded.gt)
$$;

-- Where value v stands in a stored cohort of metric values: n values, le of them <= v, lt of them < v.
-- v need not be one of them (a city outside the cohort): the greatest step at or below it says.
create function metric_position(metric text, wave text, sc text, k text, v float8)
returns table (n integer, le integer, lt integer) language sql stable as $$
	select coalesce(t.n, 0),
		coalesce((select s.n - s.gt from metric_steps s where s.metric_id = metric and s.survey_id = wave
			and s.scope = sc and s.key = k and s.value <= v order by s.value desc limit 1), 0),
		coalesce((select s.n - s.gt from metric_steps s where s.metric_id = metric and s.survey_id = wave
			and s.scope = sc and s.key = k and s.value < v order by s.value desc limit 1), 0)
	from (select (select s.n from metric_steps s where s.metric_id = metric and s.survey_id = wave
		and s.scope = sc and s.key = k limit 1) as n) t
$$;

create function current_submissions_stats() returns trigger language plpgsql as $$
begin
	if stats_bulk() then
		insert into stats_dirty (kind, survey_id) select distinct 'counts', survey_id from new_rows;
		return null;
	end if;
	if tg_op = 'INSERT' then
		perform stats_apply_counts((select jsonb_agg(to_jsonb(t)) from (
			select n.city_id, n.survey_id, n.submission_id, 1 as sign from new_rows n) t));
	else
		perform stats_apply_counts((select jsonb_agg(to_jsonb(t)) from (
			select n.city_id, n.survey_id, n.submission_id, 1 as sign from new_rows n
			union all
			select o.city_id, o.survey_id, o.submission_id, -1 from old_rows o) t));
	end if;
	return null;
end $$;
create trigger current_submissions_stats_ins after insert on current_submissions
	referencing new table as new_rows for each statement execute function current_submissions_stats();
create trigger current_submissions_stats_upd after update on current_submissions
	referencing old table as old_rows new table as new_rows
	for each statement execute function current_submissions_stats();

create function metric_values_dirty() returns trigger language plpgsql as $$
begin
	if tg_op = 'DELETE' then
		insert into stats_dirty (kind, survey_id, metric_id)
		select distinct 'dist', survey_id, metric_id from old_rows;
	else
		insert into stats_dirty (kind, survey_id, metric_id)
		select distinct 'dist', survey_id, metric_id from new_rows;
	end if;
	return null;
end $$;
create trigger metric_values_dirty_ins after insert on metric_values
	referencing new table as new_rows for each statement execute function metric_values_dirty();
create trigger metric_values_dirty_upd after update on metric_values
	referencing new table as new_rows for each statement execute function metric_values_dirty();
create trigger metric_values_dirty_del after delete on metric_values
	referencing old table as old_rows for each statement execute function metric_values_dirty();

create function cities_dirty() returns trigger language plpgsql as $$
begin
	if exists (select 1 from old_rows o join new_rows n on n.id = o.id
	    where n.region is distinct from o.region or n.country is distinct from o.country) then
		insert into stats_dirty (kind, survey_id, metric_id) values ('counts', '*', ''), ('dist', '*', '*');
	end if;
	return null;
end $$;
create trigger cities_dirty after update on cities
	referencing old table as old_rows new table as new_rows
	for each statement execute function cities_dirty();

-- Brings the statistics up to date with what this transaction (and any writer before it that did not
-- finish the job) made dirty.
create function stats_refresh() returns void language plpgsql as $$
declare
	cwaves text[];
	dpairs text[];
	x text;
begin
	if not exists (select 1 from stats_dirty) then
		return;
	end if;
	if exists (select 1 from stats_dirty where kind = 'counts') then
		-- A rebuild must not miss an increment of a writer still in flight: wait for them all (they
		-- hold ROW EXCLUSIVE on the table until they commit) and keep new ones out until this commits.
		lock table cohort_counts in share row exclusive mode;
	end if;
	perform pg_advisory_xact_lock(hashtext('citybench.stats'));
	-- After the lock, with a fresh snapshot: take what is dirty now, in one statement.
	with d as (delete from stats_dirty returning kind, survey_id, metric_id)
	select coalesce(array_agg(distinct d.survey_id) filter (where d.kind = 'counts'), '{}'),
		coalesce(array_agg(distinct d.metric_id || '/' || d.survey_id) filter (where d.kind = 'dist'), '{}')
	into cwaves, dpairs from d;
	if '*' = any(cwaves) then
		perform stats_rebuild_counts('*');
	else
		foreach x in array cwaves loop
			perform stats_rebuild_counts(x);
		end loop;
	end if;
	if '*/*' = any(dpairs) then
		perform stats_rebuild_dist('*', '*');
	else
		foreach x in array dpairs loop
			perform stats_rebuild_dist(split_part(x, '/', 1), split_part(x, '/', 2));
		end loop;
	end if;
	-- A bulk write changed much of the data: the planner's statistics must follow before the first
	-- reads, not when autovacuum gets round to it (a nested loop over a never-analysed table took
	-- seconds where a hash join takes milliseconds).  ANALYZE samples: its cost is bounded.
	if stats_bulk() then
		analyze metric_values, metric_steps;
		if cardinality(cwaves) > 0 then
			analyze cohort_counts, current_submissions, submissions, answers;
		end if;
	end if;
end $$;

-- The version that ETags and caches are keyed on; every writer calls it last.  Refreshes the
-- statistics first, so that the version a reader sees always comes with statistics to match.
create or replace function bump_data_version() returns bigint language plpgsql as $$
declare
	v bigint;
begin
	perform stats_refresh();
	update data_version set version = version + 1, at = now() returning version into v;
	return v;
end $$;

grant select, insert, update, delete on cohort_counts, metric_steps, stats_dirty to citybench_web;

select stats_rebuild_counts('*');
select stats_rebuild_dist('*', '*');
