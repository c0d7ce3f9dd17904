-- 028_upload_steps.sql: an upload's moves applied to metric_steps with one sort, not two subqueries a
-- step (issue 18: 20 partners uploading at once at 10,000 cities).
--
-- Redefined here: stats_apply_moves() (from 023, its current text; only how each changed step's new eq
-- and gt are computed).
--
-- Every upload of a wave moves the same (metric, wave) pairs, and their steps are written one upload
-- at a time (the pair's advisory lock, then the rows' locks, held to the commit): that statement is the
-- serialized part of the 20 partners' burst.  A value moving from a to b changes the count above every
-- step in [a, b): at 10,000 cities a move of innovation_staff_per_100k rewrites ~3,300 steps over its
-- three cohorts.  For each of them the statement evaluated two subqueries over the cohort's moves
-- (unnest of two arrays, a sum each): a third of the statement's time under load (auto_explain: 44 of
-- 170 ms).  Now the moves are rows beside the steps (dd, no address) and one window over each cohort in
-- descending value gives each step the sum of the moves above it (gt) and at it (eq): one sort of the
-- rows the statement reads anyway.  The steps written, the rows and values, are the same
-- (tests/integration/test_upload_steps.py replays moves through both forms).

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
	c as (	-- per cohort: the change of its size, the range of values that moved, its size before
		select d.metric_id, d.survey_id, d.scope, d.key, sum(d.d)::int as dn, min(d.value) as lo,
			max(d.value) as hi,
			coalesce((select s.n from metric_steps s where s.metric_id = d.metric_id
			and s.survey_id = d.survey_id and s.scope = d.scope and s.key = d.key limit 1), 0) as n0
		from d group by 1, 2, 3, 4),
	v as (	-- the steps that change: existing ones in the range (every one if the size changes), new ones;
		-- and the moves themselves (step false, dd their change), whose sums the window below takes
		select c.metric_id, c.survey_id, c.scope, c.key, t.value, t.eq as eq0, t.gt as gt0, c.n0, c.dn,
			t.ctid as tid, true as step, 0 as dd
		from c join metric_steps t on t.metric_id = c.metric_id and t.survey_id = c.survey_id
			and t.scope = c.scope and t.key = c.key and t.value between c.lo and c.hi
		where c.dn = 0	-- an index range, not a scan of the cohort
		union all
		select c.metric_id, c.survey_id, c.scope, c.key, t.value, t.eq, t.gt, c.n0, c.dn, t.ctid, true, 0
		from c join metric_steps t on t.metric_id = c.metric_id and t.survey_id = c.survey_id
			and t.scope = c.scope and t.key = c.key
		where c.dn <> 0
		union all
		select c.metric_id, c.survey_id, c.scope, c.key, d.value, 0,
			-- values above a new one before: the count above the greatest step below it, or all of them
			coalesce((select s.gt from metric_steps s where s.metric_id = d.metric_id and s.survey_id = d.survey_id
				and s.scope = d.scope and s.key = d.key and s.value < d.value order by s.value desc limit 1),
				c.n0), c.n0, c.dn, null::tid, true, 0
		from d join c on c.metric_id = d.metric_id and c.survey_id = d.survey_id and c.scope = d.scope
			and c.key = d.key
		where d.d > 0 and not exists (select 1 from metric_steps s where s.metric_id = d.metric_id
			and s.survey_id = d.survey_id and s.scope = d.scope and s.key = d.key and s.value = d.value)
		union all
		select d.metric_id, d.survey_id, d.scope, d.key, d.value, 0, 0, 0, 0, null::tid, false, d.d
		from d),
	w as (	-- per row: the moves at and above its value (the frame: every row down to its value's last
		-- peer), and those at its value
		select v.*,
			sum(v.dd) over (partition by v.metric_id, v.survey_id, v.scope, v.key order by v.value desc
				range between unbounded preceding and current row) as upto,
			sum(v.dd) over (partition by v.metric_id, v.survey_id, v.scope, v.key, v.value) as at
		from v),
	f as (
		select w.metric_id, w.survey_id, w.scope, w.key, w.value, w.n0 + w.dn as n,
			(w.eq0 + w.at)::int as eq, (w.gt0 + w.upto - w.at)::int as gt, w.tid
		from w where w.step),
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
