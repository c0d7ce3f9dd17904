-- 030_upload_plans.sql: an upload's statements planned once per session, not on every upload (issue 18:
-- 20 partners uploading at once at 10,000 cities), and its counts moved by the answers that differ.
--
-- Redefined here: city_facts_compute(integer[]) (from 029: the same statement, now in PL/pgSQL),
-- city_facts_refresh(integer[]) (from 023: its delete split in two), cb_trusted() (from 008: the same
-- expression, in PL/pgSQL), stats_apply_counts(jsonb) (from 013: below); stats_apply_moves() (028) is
-- unchanged but for the setting below.
--
-- With pg_stat_statements' planning counters (track = all, track_planning) on a 10,000-city stack, 200
-- uploads of 20 partners at once planned ~4.4 ms of statements per upload, for ~10 ms of execution:
-- * city_facts_compute(): 1.6 ms.  A SQL function with `set` is not inlined, and PostgreSQL plans a SQL
--   function's body on every call (its plan lives for the calling statement only).  PL/pgSQL keeps a
--   statement's plan for the session (until an ANALYZE or a change of a table it reads).
-- * stats_apply_moves()' statement: 1.6 ms, inside the (metric, wave) lock, so the serialized part of
--   the burst was half planning.  With plan_cache_mode = auto PostgreSQL compared the generic plan's cost
--   with a custom plan's for the pairs given, found the custom one cheaper and planned it again on every
--   call.  Both plans were read with EXPLAIN ANALYZE at 10,000 cities for a value crossing 5,872 steps
--   and for a value that is new to its cohorts (every step's size changes): the same joins and index
--   scans (metric_moves read whole, the steps by their key index, written back by address), the same
--   execution time within its noise (30-50 ms for such moves).  So the generic plan is the one kept (as
--   019 does for the compare).
-- * city_facts_refresh()'s delete: 0.4 ms, custom for the same reason; `p_cities is null or city_id =
--   any(p_cities)` has no generic plan that probes the index, so the two cases are two statements.
-- * cb_trusted(): 0.1 ms on each of its four calls (a SQL function with a subquery is not inlined).
-- The rows written are the same (tests/integration/test_city_facts.py compares the fact rows with a
-- fresh computation, test_upload_steps the steps).  test_upload_plans checks that these functions keep
-- their language and setting (a later CREATE OR REPLACE without the setting would drop it).
--
-- city_facts_compute()'s generic plan has the shape the SQL function's plan had: PostgreSQL planned a
-- SQL function's body without the values of its arguments.  The import's call (NULL, or ~12,000 ids
-- through the triggers) runs the same plan; it is now made once per session rather than per call (the
-- import's bulk refresh analyzes the tables it reads, which makes the next call plan again).
--
-- stats_apply_counts() (013) expanded every answer of both versions of an upload's city-wave into its
-- facts (~45 answers, ~80 facts, times three cohorts, each version) to find the few that do not cancel:
-- 1.8 ms an upload.  A city-wave whose moves are exactly one version out and one in (an upload, a
-- withdrawal, a restore: cb_store_version replaces the current version) now expands only the answers
-- whose stored text differs between the two (an answer both versions hold the same gives the same facts
-- in both, which cancel); any other city-wave (a first version, several versions at once, moves left
-- from before) expands every answer as before.  The counts written are the same (test_stats and
-- test_upload_plans compare them with a fresh count after each kind of change).

create or replace function city_facts_compute(p_cities integer[])
returns table (wave text, city_id integer, survey_id text, submission_id bigint, population bigint,
    region text, country text, facts text[], choices jsonb, similar_encoded text)
language plpgsql stable set search_path = public, pg_temp set plan_cache_mode = force_generic_plan as $$
#variable_conflict use_column
begin
	return query
		with r as materialized (
			select cs.city_id, cs.survey_id, cs.submission_id, coalesce(cs.population, c.population) as population,
				c.region, c.country, x.facts, x.choices, similar_encode(x.choices) as similar_encoded,
				cs.survey_id = (select max(l.survey_id) from current_submissions l where l.city_id = cs.city_id)
					as latest
			from (select s.city_id, s.survey_id, s.submission_id, s.population from current_submissions s
				where p_cities is null
				union all	-- the cities given: an index probe each, not a scan of every current submission
				select s.city_id, s.survey_id, s.submission_id, s.population
				from (select distinct u from unnest(p_cities) u) i(id)
				join current_submissions s on s.city_id = i.id) cs
			join cities c on c.id = cs.city_id
			cross join lateral (
				select coalesce(array_agg(case when o.option = '' then a.code else a.code || '=' || o.option end),
					'{}') as facts,
					coalesce(jsonb_object_agg(a.code, a.value) filter (where o.option = ''
						and (q.type in ('bool', 'single', 'multi') or a.code = 'population')), '{}') as choices
				from answers a join questions q on q.code = a.code
				cross join lateral (select '' as option
					union all select case when a.value = 'true'::jsonb then 'yes' else 'no' end where q.type = 'bool'
					union all select a.value #>> '{}' where q.type = 'single'
					union all select e from jsonb_array_elements_text(case when q.type = 'multi'
						and jsonb_typeof(a.value) = 'array' then a.value else '[]'::jsonb end) e) o
				where a.submission_id = cs.submission_id and a.value <> 'null'::jsonb) x)
		select r.survey_id, r.city_id, r.survey_id, r.submission_id, r.population, r.region, r.country, r.facts,
			r.choices, r.similar_encoded from r
		union all
		select 'latest', r.city_id, r.survey_id, r.submission_id, r.population, r.region, r.country, r.facts,
			r.choices, r.similar_encoded from r where r.latest;
end $$;

revoke all on function city_facts_compute(integer[]) from public;

-- From 023: the delete as two statements, each with a plan that does not depend on p_cities.
create or replace function city_facts_refresh(p_cities integer[]) returns void
language plpgsql set search_path = public, pg_temp set plan_cache_mode = force_generic_plan as $$
declare
	id integer;
begin
	if p_cities is null or cardinality(p_cities) > 200 or stats_bulk() then
		perform pg_advisory_xact_lock(hashtext('citybench.facts'), 0);
	else
		perform pg_advisory_xact_lock_shared(hashtext('citybench.facts'), 0);
		foreach id in array (select array_agg(distinct u order by u) from unnest(p_cities) u) loop
			perform pg_advisory_xact_lock(hashtext('citybench.facts'), id);
		end loop;
	end if;
	-- after the locks, each statement with a fresh snapshot: an earlier writer's rows are seen
	insert into city_facts as t (wave, city_id, survey_id, submission_id, population, region, country, facts,
		choices, similar_encoded)
	select * from city_facts_compute(p_cities)
	on conflict (wave, city_id) do update set survey_id = excluded.survey_id,
		submission_id = excluded.submission_id, population = excluded.population, region = excluded.region,
		country = excluded.country,
		facts = case when t.facts = excluded.facts then t.facts else excluded.facts end,
		choices = case when t.choices::text = excluded.choices::text then t.choices else excluded.choices end,
		similar_encoded = case when t.similar_encoded is not distinct from excluded.similar_encoded
			then t.similar_encoded else excluded.similar_encoded end
	where (t.survey_id, t.submission_id, t.population, t.region, t.country)
		is distinct from (excluded.survey_id, excluded.submission_id, excluded.population, excluded.region,
		excluded.country);
	if p_cities is null then
		delete from city_facts t where not exists (select 1 from current_submissions cs
			where cs.city_id = t.city_id and cs.survey_id = t.survey_id);
	else
		delete from city_facts t where t.city_id = any(p_cities)
			and not exists (select 1 from current_submissions cs where cs.city_id = t.city_id
			and cs.survey_id = t.survey_id);
	end if;
end $$;

revoke all on function city_facts_refresh(integer[]) from public;

-- From 008: the same test, its plan kept for the session.
create or replace function cb_trusted() returns boolean language plpgsql stable as $$
begin
	return session_user = current_user
		or coalesce((select rolsuper from pg_roles where rolname = session_user), false);
end $$;

alter function stats_apply_moves() set plan_cache_mode = force_generic_plan;

-- From 013: a city-wave's pair of versions (one out, one in) expands only the answers that differ.
create or replace function stats_apply_counts(d jsonb) returns void language plpgsql as $$
declare
	zero jsonb;
begin
	with x as (
		select * from jsonb_to_recordset(d) as x(city_id int, survey_id text, submission_id bigint, sign int)),
	g as (	-- per city-wave: how many moves, their sum, the versions out and in
		select x.city_id, x.survey_id, count(*) as k, sum(x.sign) as s, min(x.submission_id) as s1,
			max(x.submission_id) as s2
		from x group by 1, 2),
	p as materialized (	-- once per city-wave: a pair's codes whose answers differ (others' facts cancel)
		select g.city_id, g.survey_id,
			case when g.k = 2 and g.s = 0 and g.s1 <> g.s2 then coalesce((select array_agg(coalesce(a1.code,
				a2.code)) from (select a.code, a.value from answers a where a.submission_id = g.s1) a1
				full join (select a.code, a.value from answers a where a.submission_id = g.s2) a2
				on a2.code = a1.code where a1.value::text is distinct from a2.value::text), '{}') end as codes
		from g),
	up as (
		insert into cohort_counts as cc (survey_id, scope, key, code, option, n)
		select x.survey_id, s.scope, s.key, f.code, f.option, sum(x.sign)
		from x
		join p on p.city_id = x.city_id and p.survey_id = x.survey_id
		join cities c on c.id = x.city_id
		cross join lateral (values ('all', ''), ('region', c.region), ('country', c.country)) s(scope, key)
		cross join lateral submission_facts(x.submission_id) f
		where p.codes is null or f.code = any(p.codes)
		group by 1, 2, 3, 4, 5
		having sum(x.sign) <> 0
		order by 1, 2, 3, 4, 5	-- rows locked in one order by every writer: no deadlock
		on conflict (survey_id, scope, key, code, option) do update set n = cc.n + excluded.n
		returning cc.survey_id, cc.scope, cc.key, cc.code, cc.option, cc.n)
	select jsonb_agg(to_jsonb(up)) into zero from up where up.n = 0;
	if zero is not null then
		delete from cohort_counts t using jsonb_to_recordset(zero) as z(survey_id text, scope text, key text,
			code text, option text)
		where t.survey_id = z.survey_id and t.scope = z.scope and t.key = z.key and t.code = z.code
			and t.option = z.option and t.n = 0;
	end if;
end $$;
