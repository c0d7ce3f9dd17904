-- 012_city_facts.sql: one fact row per current city-wave, kept on write, so that a cohort by
-- population, by a list of cities, by answers or of similar cities is found by index probes instead of
-- aggregating the answers of every city of the wave per request (issue 18).
--
-- city_facts holds, for each current version (current_submissions), what a cohort is selected by and
-- what its counts are made of: the population (the version's answer, else the city's), the city's
-- region and country, and `facts`: one text per answered question ('code') and per option chosen
-- ('code=option'; yes/no for a bool), exactly the facts answer_facts() gives (002_stats.sql), so that
-- the counts of a cohort are `unnest(facts)` over its rows and an answer filter is a GIN probe.
-- `choices` is the {code: value} of the bool, single and multi answers and of population, which the
-- similarity score reads (Q_SIMILAR_ANSWERS).  A city also has a row under wave 'latest': a copy of
-- its latest current wave (`survey=latest`), so every probe is on (wave, ...).
--
-- How it stays right: its own statement triggers, on current_submissions (every writer: uploads and
-- withdrawals through cb_store_version, the CLI's import in bulk, restore) and on cities (population,
-- region, country), rebuild the rows of the cities the statement touched, set-based, in the writer's
-- transaction.  The trigger functions are SECURITY DEFINER (owned by the schema owner): citybench_web
-- can only read the table.  Two writers of one city are serialised by an advisory lock on the city (a
-- bulk writer takes one lock for all), so the 'latest' row never keeps an older writer's view.
-- tests/integration/test_city_facts.py checks the rows against a fresh computation after each kind of
-- write.

create table if not exists city_facts (
	wave          text not null,	-- the wave's id, or 'latest'
	city_id       integer not null,
	survey_id     text not null,	-- the wave the facts are of (the city's latest for 'latest')
	submission_id bigint not null,
	population    bigint,
	region        text not null,
	country       text not null,
	facts         text[] not null,
	choices       jsonb not null,
	primary key (wave, city_id)
);
create index if not exists city_facts_population_idx on city_facts (wave, population);
create index if not exists city_facts_region_idx on city_facts (wave, region);
create index if not exists city_facts_country_idx on city_facts (wave, country);
create index if not exists city_facts_city_idx on city_facts (city_id);
create index if not exists city_facts_facts_idx on city_facts using gin (facts);

-- The fact rows of the cities given, from the current data (both the waves and 'latest').
create or replace function city_facts_compute(p_cities integer[])
returns table (wave text, city_id integer, survey_id text, submission_id bigint, population bigint,
    region text, country text, facts text[], choices jsonb)
language sql stable set search_path = public, pg_temp as $$
	select w.wave, cs.city_id, cs.survey_id, cs.submission_id, coalesce(cs.population, c.population),
		c.region, c.country, x.facts, x.choices
	from current_submissions cs join cities c on c.id = cs.city_id
	cross join lateral (select cs.survey_id union all select 'latest' where cs.survey_id =
		(select max(l.survey_id) from current_submissions l where l.city_id = cs.city_id)) w(wave)
	cross join lateral (
		select coalesce(array_agg(case when o.option = '' then a.code else a.code || '=' || o.option end),
			'{}') as facts,
			coalesce(jsonb_object_agg(a.code, a.value) filter (where o.option = ''
				and (q.type in ('bool', 'single', 'multi') or a.code = 'population')), '{}') as choices
		from answers a join questions q on q.code = a.code cross join lateral answer_facts(q.type, a.value) o
		where a.submission_id = cs.submission_id and a.value <> 'null'::jsonb) x
	where p_cities is null or cs.city_id = any(p_cities)
$$;

-- Brings the rows of the cities given (NULL: every city) up to date.
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
	insert into city_facts as t select * from city_facts_compute(p_cities)
	on conflict (wave, city_id) do update set survey_id = excluded.survey_id,
		submission_id = excluded.submission_id, population = excluded.population, region = excluded.region,
		country = excluded.country, facts = excluded.facts, choices = excluded.choices
	where (t.survey_id, t.submission_id, t.population, t.region, t.country)
		is distinct from (excluded.survey_id, excluded.submission_id, excluded.population, excluded.region,
		excluded.country);
	delete from city_facts t where (p_cities is null or t.city_id = any(p_cities))
		and not exists (select 1 from current_submissions cs where cs.city_id = t.city_id
		and cs.survey_id = t.survey_id);
end $$;

-- (An INSERT ... ON CONFLICT DO UPDATE fires the INSERT trigger with no new rows: nothing to do then;
-- a NULL list would mean every city.)
create or replace function current_submissions_facts() returns trigger
language plpgsql security definer set search_path = public, pg_temp as $$
declare
	ids integer[];
begin
	if tg_op = 'INSERT' then
		select array_agg(distinct n.city_id) into ids from new_rows n;
	elsif tg_op = 'UPDATE' then
		select array_agg(distinct x) into ids from (select n.city_id from new_rows n
			union select o.city_id from old_rows o) s(x);
	else
		select array_agg(distinct o.city_id) into ids from old_rows o;
	end if;
	if ids is not null then
		perform city_facts_refresh(ids);
	end if;
	return null;
end $$;
drop trigger if exists current_submissions_facts_ins on current_submissions;
drop trigger if exists current_submissions_facts_upd on current_submissions;
drop trigger if exists current_submissions_facts_del on current_submissions;
create trigger current_submissions_facts_ins after insert on current_submissions
	referencing new table as new_rows for each statement execute function current_submissions_facts();
create trigger current_submissions_facts_upd after update on current_submissions
	referencing old table as old_rows new table as new_rows
	for each statement execute function current_submissions_facts();
create trigger current_submissions_facts_del after delete on current_submissions
	referencing old table as old_rows for each statement execute function current_submissions_facts();

create or replace function cities_facts() returns trigger
language plpgsql security definer set search_path = public, pg_temp as $$
declare
	ids integer[];
begin
	select array_agg(n.id) into ids from old_rows o join new_rows n on n.id = o.id
	where (n.population, n.region, n.country) is distinct from (o.population, o.region, o.country);
	if ids is not null then
		perform city_facts_refresh(ids);
	end if;
	return null;
end $$;
drop trigger if exists cities_facts on cities;
create trigger cities_facts after update on cities
	referencing old table as old_rows new table as new_rows
	for each statement execute function cities_facts();

revoke all on function city_facts_compute(integer[]), city_facts_refresh(integer[]),
	current_submissions_facts(), cities_facts() from public;
revoke insert, update, delete, truncate on city_facts from citybench_web;
grant select on city_facts to citybench_web;

-- The rows of the data already there.
select city_facts_refresh(null);
analyze city_facts;
