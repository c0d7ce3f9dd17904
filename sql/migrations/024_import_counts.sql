-- 024_import_counts.sql: the counts rebuild reads the fact rows (issue 18: the import of 10,000 cities
-- x 2 waves).
--
-- Redefined here: stats_rebuild_counts_set(text[]) (from 020, its current text: only its source).
--
-- The counts of a wave are, per (region, country, code, option), how many current city-waves have the
-- fact: the rebuild expanded every current answer again through answer_facts() (~930,000 answers at
-- 10,000 cities, the largest part of an import's statistics step).  city_facts (012) holds those very
-- facts per current city-wave, kept in the same transaction as current_submissions and cities by
-- their statement triggers, with the city's region and country: its wave rows (not the 'latest'
-- copies) give the same counts from one unnest per row, grouped by the fact's text before it is split.  A fact is 'code' (answer_facts' option '')
-- or 'code=option'; a code never holds '=' (001: ^[a-z0-9_]{1,64}$), so the first '=' splits them.
-- The rows are the same (checked against the old statement on the 10,000-city import, and by
-- tests/integration/test_bulk_stats.py and test_stats.py against a fresh computation).
create or replace function stats_rebuild_counts_set(waves text[]) returns void language plpgsql
set work_mem = '64MB' as $$
declare
	every boolean := '*' = any(waves);
begin
	delete from cohort_counts where every or survey_id = any(waves);
	with f as (
		-- each distinct fact string split once, not once per city-wave holding it
		select f.survey_id, f.region, f.country, x, count(*) as n
		from city_facts f cross join lateral unnest(f.facts) x
		where f.wave <> 'latest' and (every or f.wave = any(waves))
		group by 1, 2, 3, 4),
	g as (
		select f.survey_id, f.region, f.country, split_part(f.x, '=', 1) as code,
			case when strpos(f.x, '=') = 0 then '' else substr(f.x, strpos(f.x, '=') + 1) end as option, f.n
		from f
		union all
		select f.survey_id, f.region, f.country, '', '', count(*)
		from city_facts f
		where f.wave <> 'latest' and (every or f.wave = any(waves))
		group by 1, 2, 3)
	insert into cohort_counts (survey_id, scope, key, code, option, n)
	select survey_id, 'all', '', code, option, sum(n) from g group by 1, 4, 5
	union all select survey_id, 'region', region, code, option, sum(n) from g group by 1, 3, 4, 5
	union all select survey_id, 'country', country, code, option, sum(n) from g group by 1, 3, 4, 5;
end $$;
