-- 014_import_facts.sql: city_facts.similar_encoded computed once per current city-wave, not once per
-- fact row (issue 18: the import of 10,000 cities x 2 waves).
--
-- Redefined here: city_facts_compute(integer[]) (from 012: dropped and created again, it returns one
-- more column), city_facts_refresh(integer[]) (from 012).  New: city_facts_encode() and the row
-- triggers city_facts_encode_ins / city_facts_encode_upd on city_facts.  city_facts.similar_encoded
-- (018) is no longer a generated column.
--
-- * similar_encoded was a stored generated column (018): similar_encode(choices) ran for every row
--   written, ~0.13 ms a row, and a city's 'latest' row is a copy of its latest wave's row, so it ran
--   twice for the same choices: at 10,000 cities 22,461 calls, ~2.8 s CPU of the import's ~7 s facts
--   step.  Now city_facts_compute aggregates each current city-wave once (a materialised CTE; the
--   'latest' row is the same row under wave 'latest') and gives similar_encode(choices) with it: 11,973
--   calls.
-- * The column stays derived from choices for any other writer: a row trigger computes it when a row is
--   inserted without it (NULL: also what an unreadable document encodes to, so such a row is encoded
--   again, to NULL) or when choices changes and the update does not set it.  Only the schema owner
--   writes city_facts (012): citybench_web can only read it.
-- * Order of the migrations: on a new database this runs before 018, which then finds the column here
--   (`add column if not exists`) and only defines similar_encode(); on a database that has 018 the
--   generated expression is dropped (the stored values stay).  No fact row is written between the two
--   on a new database (city_facts is empty until data is loaded, after every migration).

do $$
begin
	if not exists (select 1 from pg_attribute where attrelid = 'city_facts'::regclass
	    and attname = 'similar_encoded' and not attisdropped) then
		alter table city_facts add column similar_encoded text;
	elsif exists (select 1 from pg_attribute where attrelid = 'city_facts'::regclass
	    and attname = 'similar_encoded' and attgenerated <> '') then
		alter table city_facts alter column similar_encoded drop expression;
	end if;
end $$;

create or replace function city_facts_encode() returns trigger
language plpgsql security definer set search_path = public, pg_temp as $$
begin
	new.similar_encoded := similar_encode(new.choices);
	return new;
end $$;
drop trigger if exists city_facts_encode_ins on city_facts;
drop trigger if exists city_facts_encode_upd on city_facts;
create trigger city_facts_encode_ins before insert on city_facts
	for each row when (new.similar_encoded is null) execute function city_facts_encode();
create trigger city_facts_encode_upd before update on city_facts
	for each row when (new.choices is distinct from old.choices
		and new.similar_encoded is not distinct from old.similar_encoded)
	execute function city_facts_encode();

-- From 012: each current city-wave aggregated once, 'latest' a copy of its row, and similar_encoded.
-- (similar_encode() is 018's: on a new database not there yet, so the body is checked when first run.)
set local check_function_bodies = off;
drop function if exists city_facts_compute(integer[]);
create function city_facts_compute(p_cities integer[])
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
			from answers a join questions q on q.code = a.code cross join lateral answer_facts(q.type, a.value) o
			where a.submission_id = cs.submission_id and a.value <> 'null'::jsonb) x
		where p_cities is null or cs.city_id = any(p_cities))
	select r.survey_id, r.city_id, r.survey_id, r.submission_id, r.population, r.region, r.country, r.facts,
		r.choices, r.similar_encoded from r
	union all
	select 'latest', r.city_id, r.survey_id, r.submission_id, r.population, r.region, r.country, r.facts,
		r.choices, r.similar_encoded from r where r.latest
$$;
set local check_function_bodies = on;

-- From 012: the columns named (similar_encoded with the rest).
create or replace function city_facts_refresh(p_cities integer[]) returns void
language plpgsql set search_path = public, pg_temp as $$
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
		country = excluded.country, facts = excluded.facts, choices = excluded.choices,
		similar_encoded = excluded.similar_encoded
	where (t.survey_id, t.submission_id, t.population, t.region, t.country)
		is distinct from (excluded.survey_id, excluded.submission_id, excluded.population, excluded.region,
		excluded.country);
	delete from city_facts t where (p_cities is null or t.city_id = any(p_cities))
		and not exists (select 1 from current_submissions cs where cs.city_id = t.city_id
		and cs.survey_id = t.survey_id);
end $$;

revoke all on function city_facts_compute(integer[]), city_facts_refresh(integer[]), city_facts_encode()
	from public;
