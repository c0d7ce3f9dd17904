-- 029_upload_facts_probe.sql: an upload's fact rows computed from its city's current submissions
-- only (issue 18: 20 partners uploading at once at 10,000 cities).
--
-- Redefined here: city_facts_compute(integer[]) (from 025, its current text; only how the current
-- submissions of the cities given are found).
--
-- city_facts_refresh() (023) runs on every upload for the uploading city, and its upsert reads
-- city_facts_compute(ARRAY[city]).  That function is SQL with `set search_path`, so it is not inlined
-- and its statement is planned once with p_cities a parameter: `p_cities is null or cs.city_id =
-- any(p_cities)` cannot use an index, so every upload scanned all of current_submissions (~12,000 rows
-- at 10,000 cities, testing each against the array: ~1,050 buffers and 15-30 ms of the upload's
-- transaction, measured with pg_stat_statements track=all on a 10,000-city stack).  (The refresh's
-- delete, PL/pgSQL with a custom plan, was already an index probe per city: 0.2 ms, 12 buffers.)
-- Now the rows come from two arms: all of current_submissions when p_cities is null (a one-time
-- filter: the arm is skipped otherwise), else the distinct ids given, each joined to
-- current_submissions by its primary key's first column.  The same rows as before for every argument
-- (null, empty, duplicates, unknown ids): tests/integration/test_upload_facts_probe.py compares them
-- with 025's text, and test_city_facts with a fresh computation.
--
-- The import calls the same function (through the triggers) with ~10,000 ids: an index probe per id
-- instead of a linear search of the array for each of ~12,000 current submissions.

create or replace function city_facts_compute(p_cities integer[])
returns table (wave text, city_id integer, survey_id text, submission_id bigint, population bigint,
    region text, country text, facts text[], choices jsonb, similar_encoded text)
language sql stable set search_path = public, pg_temp as $$
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
		r.choices, r.similar_encoded from r where r.latest
$$;

revoke all on function city_facts_compute(integer[]) from public;
