-- 025_import_facts_lean.sql: the import's fact rows cost less to compute and to write (issue 18).
--
-- city_facts_compute (014; redefined here from its current text, only the facts' per-answer options):
-- the options of an answer were answer_facts(type, value) (002), an inlined SQL function whose `multi`
-- arm is an array subquery: one subplan start per answer of every city-wave (~110,000 multi answers at
-- 10,000 cities, ~10 % of the import's facts statement).  The same options now come from a lateral
-- union of one arm per type ('' first, then the bool's yes/no, the single's value, the multi's elements in
-- their order), each arm empty unless the answer is of its type, so each city-wave's facts are the same
-- texts in the same order (checked against the previous function on the bench's 10,000-city set: no
-- row differs, `except all` both ways; and tests/integration/test_import_facts_lean.py for every kind
-- of answer, odd shapes too).  answer_facts() itself is unchanged (the uploads' counts use it).
--
-- city_facts' wide columns are compressed with lz4 where the server has it: the 22,461 rows an import
-- writes (~4 KB each before compression, facts and choices compressed inline or to TOAST) spent ~14 %
-- of the facts statement's CPU in pglz_compress, ~3 % with lz4; reading them back (the cohort
-- statements' detoasting) is faster too.  Values already stored stay as they are (both read the same);
-- a server built without lz4 keeps pglz.

do $$
begin
	alter table city_facts alter column facts set compression lz4,
		alter column choices set compression lz4,
		alter column similar_encoded set compression lz4;
exception when feature_not_supported or invalid_parameter_value then
	raise notice 'city_facts: lz4 is not available in this server; pglz kept';
end $$;

create or replace function city_facts_compute(p_cities integer[])
returns table (wave text, city_id integer, survey_id text, submission_id bigint, population bigint,
    region text, country text, facts text[], choices jsonb, similar_encoded text)
language sql stable set search_path = public, pg_temp as $$
	with r as materialized (
		select cs.city_id, cs.survey_id, cs.submission_id, coalesce(cs.population, c.population) as population,
			c.region, c.country, x.facts, x.choices, similar_encode(x.choices) as similar_encoded,
			cs.survey_id = (select max(l.survey_id) from current_submissions l where l.city_id = cs.city_id)
				as latest
		from current_submissions cs join cities c on c.id = cs.city_id
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
			where a.submission_id = cs.submission_id and a.value <> 'null'::jsonb) x
		where p_cities is null or cs.city_id = any(p_cities))
	select r.survey_id, r.city_id, r.survey_id, r.submission_id, r.population, r.region, r.country, r.facts,
		r.choices, r.similar_encoded from r
	union all
	select 'latest', r.city_id, r.survey_id, r.submission_id, r.population, r.region, r.country, r.facts,
		r.choices, r.similar_encoded from r where r.latest
$$;

revoke all on function city_facts_compute(integer[]) from public;
