-- 023_upload_hot.sql: an upload's city_facts rows updated in place (issue 18: upload p50).
--
-- Redefined here: city_facts_refresh(integer[]) (from 014, its current text; the upsert only).
--
-- An upload replaces a city-wave's version: its two fact rows (the wave's and 'latest') get the new
-- submission_id, and most often nothing else changes (a number's answer is the fact 'code' whatever
-- its value).  Before, each such row was written as a new version on another page (city_facts rows are
-- ~1.5 KB and their pages were full), so every index got a new entry for it, the GIN index one per
-- fact (~100 a row): ~200 buffers and most of the trigger's time per upload.  Now:
-- * the upsert keeps the stored datum of facts, choices and similar_encoded when the new value is equal
--   (the same bytes, the same TOAST pointer), so no indexed column changes and the update can be HOT
--   (heap-only: no index entry at all);
-- * the table's pages keep a quarter free (fillfactor 75) so that the new version fits beside the old
--   one.  Pages written before this migration get that room when their rows next move (an update that
--   does not fit goes to a new page, filled to 75%); rows written from now on (imports) have it at once.
--   The cost: the heap is up to a third larger for the reads that scan a whole wave.
-- What the rows hold is unchanged (tests/integration/test_city_facts.py compares them with a fresh
-- computation).

alter table city_facts set (fillfactor = 75);

-- From 014: equal values keep their stored datum.
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
		country = excluded.country,
		facts = case when t.facts = excluded.facts then t.facts else excluded.facts end,
		choices = case when t.choices = excluded.choices then t.choices else excluded.choices end,
		similar_encoded = case when t.similar_encoded is not distinct from excluded.similar_encoded
			then t.similar_encoded else excluded.similar_encoded end
	where (t.survey_id, t.submission_id, t.population, t.region, t.country)
		is distinct from (excluded.survey_id, excluded.submission_id, excluded.population, excluded.region,
		excluded.country);
	delete from city_facts t where (p_cities is null or t.city_id = any(p_cities))
		and not exists (select 1 from current_submissions cs where cs.city_id = t.city_id
		and cs.survey_id = t.survey_id);
end $$;

revoke all on function city_facts_refresh(integer[]) from public;
