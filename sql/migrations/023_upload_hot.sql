-- 023_upload_hot.sql: an upload's city_facts rows updated in place (issue 18: upload p50).
--
-- Redefined here: city_facts_refresh(integer[]) (from 014, its current text; the upsert only) and
-- stats_apply_moves() (from 013, its current text; how the changed steps are written back).
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
--
-- stats_apply_moves(): the steps between a value's old and new place are still rewritten (each one's
-- count above changes), but each existing step is written back by its row's address (ctid, read in the
-- same statement) with a plain UPDATE or DELETE, not by an INSERT ... ON CONFLICT that probed the key
-- index again for every row: ~25% fewer buffers for the same moves, with the same resulting rows.  The
-- address cannot go stale within the statement: the (metric, wave) pairs are locked (advisory, taken
-- before the statement's snapshot) against other appliers, and a rebuild takes SHARE ROW EXCLUSIVE on
-- metric_steps, which waits for this transaction's ROW EXCLUSIVE; nothing else writes the table.  New
-- steps are inserted as before.

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
		choices = case when t.choices::text = excluded.choices::text then t.choices else excluded.choices end,
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

-- From 013: existing steps written back by their address.
create or replace function stats_apply_moves() returns void language plpgsql as $$
declare
	pairs text[];
begin
	-- Rebuilds (SHARE ROW EXCLUSIVE) wait for this transaction from here on, and it for a running one.
	lock table metric_steps in row exclusive mode;
	select coalesce(array_agg(p order by p), '{}') into pairs
	from (select distinct metric_id || '/' || survey_id as p from metric_moves) o;
	-- One writer of a (metric, wave) at a time, in one order: no deadlock.
	perform pg_advisory_xact_lock(hashtext('citybench.steps'), hashtext(p)) from unnest(pairs) p order by p;
	-- One statement, so one snapshot of metric_steps (stable: the pairs are locked) for every step.
	with m as (
		delete from metric_moves mm where mm.metric_id || '/' || mm.survey_id = any(pairs)
		returning mm.metric_id, mm.survey_id, mm.city_id, mm.value, mm.sign),
	d as (	-- per cohort and value: how many values came (+) or went (-)
		select m.metric_id, m.survey_id, s.scope, s.key, m.value, sum(m.sign)::int as d
		from m join cities c on c.id = m.city_id
		cross join lateral (values ('all', ''), ('region', c.region), ('country', c.country)) s(scope, key)
		group by 1, 2, 3, 4, 5 having sum(m.sign) <> 0),
	c as (	-- per cohort: the change of its size, the range of values that moved and their changes, its
		-- size before
		select d.metric_id, d.survey_id, d.scope, d.key, sum(d.d)::int as dn, min(d.value) as lo,
			max(d.value) as hi, array_agg(d.value) as vals, array_agg(d.d) as ds,
			coalesce((select s.n from metric_steps s where s.metric_id = d.metric_id
			and s.survey_id = d.survey_id and s.scope = d.scope and s.key = d.key limit 1), 0) as n0
		from d group by 1, 2, 3, 4),
	v as (	-- the steps that change: existing ones in the range (every one if the size changes), new ones
		select c.metric_id, c.survey_id, c.scope, c.key, t.value, t.eq as eq0, t.gt as gt0, c.n0, c.dn,
			c.vals, c.ds, t.ctid as tid
		from c join metric_steps t on t.metric_id = c.metric_id and t.survey_id = c.survey_id
			and t.scope = c.scope and t.key = c.key and t.value between c.lo and c.hi
		where c.dn = 0	-- an index range, not a scan of the cohort
		union all
		select c.metric_id, c.survey_id, c.scope, c.key, t.value, t.eq, t.gt, c.n0, c.dn, c.vals, c.ds, t.ctid
		from c join metric_steps t on t.metric_id = c.metric_id and t.survey_id = c.survey_id
			and t.scope = c.scope and t.key = c.key
		where c.dn <> 0
		union all
		select c.metric_id, c.survey_id, c.scope, c.key, d.value, 0,
			-- values above a new one before: the count above the greatest step below it, or all of them
			coalesce((select s.gt from metric_steps s where s.metric_id = d.metric_id and s.survey_id = d.survey_id
				and s.scope = d.scope and s.key = d.key and s.value < d.value order by s.value desc limit 1),
				c.n0), c.n0, c.dn, c.vals, c.ds, null::tid
		from d join c on c.metric_id = d.metric_id and c.survey_id = d.survey_id and c.scope = d.scope
			and c.key = d.key
		where d.d > 0 and not exists (select 1 from metric_steps s where s.metric_id = d.metric_id
			and s.survey_id = d.survey_id and s.scope = d.scope and s.key = d.key and s.value = d.value)),
	f as (	-- a cohort has a move or two: their arrays, not a join a step
		select v.metric_id, v.survey_id, v.scope, v.key, v.value, v.n0 + v.dn as n,
			v.eq0 + coalesce((select sum(u.dd) from unnest(v.vals, v.ds) u(val, dd) where u.val = v.value), 0)::int
				as eq,
			v.gt0 + coalesce((select sum(u.dd) from unnest(v.vals, v.ds) u(val, dd) where u.val > v.value), 0)::int
				as gt,
			v.tid
		from v),
	-- The steps that were there are found again by their row's address (read in this statement's
	-- snapshot; the pairs are locked, so no other writer moves them), not by a probe of the key index.
	gone as (
		delete from metric_steps t using f where f.eq <= 0 and f.tid is not null and t.ctid = f.tid),
	upd as (
		update metric_steps t set n = f.n, eq = f.eq, gt = f.gt from f
		where f.eq > 0 and f.tid is not null and t.ctid = f.tid
		and (t.n, t.eq, t.gt) is distinct from (f.n, f.eq, f.gt))
	insert into metric_steps as t (metric_id, survey_id, scope, key, value, n, eq, gt)
	select f.metric_id, f.survey_id, f.scope, f.key, f.value, f.n, f.eq, f.gt from f
	where f.eq > 0 and f.tid is null
	order by 1, 2, 3, 4, 5
	on conflict (metric_id, survey_id, scope, key, value) do update
	set n = excluded.n, eq = excluded.eq, gt = excluded.gt
	where (t.n, t.eq, t.gt) is distinct from (excluded.n, excluded.eq, excluded.gt);
end $$;
