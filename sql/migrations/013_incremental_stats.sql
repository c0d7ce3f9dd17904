-- 013_incremental_stats.sql: an upload's statistics update touches only what it changed, without one
-- lock serialising every writer (issue 18).
--
-- Before: a write of metric_values marked its (metric, wave) dirty and bump_data_version() rebuilt the
-- steps of the whole wave from every value, under one advisory lock held to the commit: at 10,000 cities
-- every upload paid a scan of the wave's values per metric, one writer at a time.
--
-- Now (redefined here: metric_values_dirty(), current_submissions_stats(), stats_apply_counts(),
-- stats_refresh() from 002, cb_write_begin() from 008; new: metric_moves, counts_moves,
-- stats_apply_moves()):
-- * A write of metric_values outside a bulk write records its moves in metric_moves: -1 for each value
--   that went (or changed), +1 for each that came.  Moves are increments: they commute.
-- * stats_refresh() applies the transaction's moves to metric_steps: per cohort (metric, wave, scope,
--   key), the rows at the values that moved (eq), the rows between the lowest and the highest moved
--   value (gt: a value moving from a to b changes the count above exactly the steps in [a, b)) and, only
--   when the cohort gains or loses a value, every row of the cohort (n).  Writers of one (metric, wave)
--   apply one at a time (a transaction advisory lock per pair, taken in one order); writers of others
--   proceed.  Every applier first takes ROW EXCLUSIVE on metric_steps, so a rebuild (SHARE ROW EXCLUSIVE)
--   waits for the appliers in flight and they for it: a rebuild never misses a move, and a move is
--   applied either in a rebuild's snapshot or on top of it.
-- * Rebuilds stay for what is not an upload: a bulk writer (citybench.bulk), a city moving region, and
--   more than 256 moves of one (metric, wave) in one transaction (a recompute).  They keep the global
--   advisory lock, which uploads no longer take.
-- * cohort_counts: an upload's increments are recorded (counts_moves) and applied at the bump, so their
--   row locks are held from there to the commit only; stats_apply_counts() deletes the emptied rows by
--   key, not by a scan of the table.
-- * The data version stays one row updated last by every writer (the version must increase in commit
--   order, or a cache could be keyed to a version without the data of a writer committing after it):
--   writers serialise only on that update and their commit.

create table metric_moves (
	metric_id text not null,
	survey_id text not null,
	city_id   integer not null,
	value     float8 not null,
	sign      integer not null	-- +1 a value came, -1 it went
);
create index metric_moves_pair_idx on metric_moves (metric_id, survey_id);

create or replace function metric_values_dirty() returns trigger language plpgsql as $$
declare
	many boolean;
begin
	-- A statement writing many values (a recompute of every city) marks its pairs for a rebuild: one
	-- rebuild costs less than recording and applying thousands of moves.
	if tg_op = 'DELETE' then
		many := (select count(*) from (select 1 from old_rows limit 257) x) > 256;
	else
		many := (select count(*) from (select 1 from new_rows limit 257) x) > 256;
	end if;
	if stats_bulk() or many then
		if tg_op = 'DELETE' then
			insert into stats_dirty (kind, survey_id, metric_id)
			select distinct 'dist', survey_id, metric_id from old_rows;
		else
			insert into stats_dirty (kind, survey_id, metric_id)
			select distinct 'dist', survey_id, metric_id from new_rows;
		end if;
	elsif tg_op = 'INSERT' then
		insert into metric_moves select n.metric_id, n.survey_id, n.city_id, n.value, 1 from new_rows n;
	elsif tg_op = 'DELETE' then
		insert into metric_moves select o.metric_id, o.survey_id, o.city_id, o.value, -1 from old_rows o;
	else
		-- Rows whose value did not change (a new plugin version giving the same value) move nothing.
		insert into metric_moves
		select o.metric_id, o.survey_id, o.city_id, o.value, -1 from old_rows o
		where not exists (select 1 from new_rows n where n.metric_id = o.metric_id and n.survey_id = o.survey_id
			and n.city_id = o.city_id and n.value = o.value)
		union all
		select n.metric_id, n.survey_id, n.city_id, n.value, 1 from new_rows n
		where not exists (select 1 from old_rows o where n.metric_id = o.metric_id and n.survey_id = o.survey_id
			and n.city_id = o.city_id and n.value = o.value);
	end if;
	return null;
end $$;
-- The update trigger needs the old rows too now.
drop trigger metric_values_dirty_upd on metric_values;
create trigger metric_values_dirty_upd after update on metric_values
	referencing old table as old_rows new table as new_rows
	for each statement execute function metric_values_dirty();

-- Applies the moves recorded (by this transaction, or left by one that did not finish) to metric_steps.
create function stats_apply_moves() returns void language plpgsql as $$
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
			c.vals, c.ds
		from c join metric_steps t on t.metric_id = c.metric_id and t.survey_id = c.survey_id
			and t.scope = c.scope and t.key = c.key and t.value between c.lo and c.hi
		where c.dn = 0	-- an index range, not a scan of the cohort
		union all
		select c.metric_id, c.survey_id, c.scope, c.key, t.value, t.eq, t.gt, c.n0, c.dn, c.vals, c.ds
		from c join metric_steps t on t.metric_id = c.metric_id and t.survey_id = c.survey_id
			and t.scope = c.scope and t.key = c.key
		where c.dn <> 0
		union all
		select c.metric_id, c.survey_id, c.scope, c.key, d.value, 0,
			-- values above a new one before: the count above the greatest step below it, or all of them
			coalesce((select s.gt from metric_steps s where s.metric_id = d.metric_id and s.survey_id = d.survey_id
				and s.scope = d.scope and s.key = d.key and s.value < d.value order by s.value desc limit 1),
				c.n0), c.n0, c.dn, c.vals, c.ds
		from d join c on c.metric_id = d.metric_id and c.survey_id = d.survey_id and c.scope = d.scope
			and c.key = d.key
		where d.d > 0 and not exists (select 1 from metric_steps s where s.metric_id = d.metric_id
			and s.survey_id = d.survey_id and s.scope = d.scope and s.key = d.key and s.value = d.value)),
	f as (	-- a cohort has a move or two: their arrays, not a join a step
		select v.metric_id, v.survey_id, v.scope, v.key, v.value, v.n0 + v.dn as n,
			v.eq0 + coalesce((select sum(u.dd) from unnest(v.vals, v.ds) u(val, dd) where u.val = v.value), 0)::int
				as eq,
			v.gt0 + coalesce((select sum(u.dd) from unnest(v.vals, v.ds) u(val, dd) where u.val > v.value), 0)::int
				as gt
		from v),
	gone as (
		delete from metric_steps t using f where f.eq <= 0 and t.metric_id = f.metric_id
			and t.survey_id = f.survey_id and t.scope = f.scope and t.key = f.key and t.value = f.value)
	insert into metric_steps as t (metric_id, survey_id, scope, key, value, n, eq, gt)
	select f.metric_id, f.survey_id, f.scope, f.key, f.value, f.n, f.eq, f.gt from f where f.eq > 0
	order by 1, 2, 3, 4, 5
	on conflict (metric_id, survey_id, scope, key, value) do update
	set n = excluded.n, eq = excluded.eq, gt = excluded.gt
	where (t.n, t.eq, t.gt) is distinct from (excluded.n, excluded.eq, excluded.gt);
end $$;

-- The answer sets an upload made current (+1) or replaced (-1), applied to cohort_counts by
-- stats_refresh() at the end of the transaction, not by the statement that stored them: the rows of
-- cohort_counts an upload increments (every city of the wave answering the same option) are then locked
-- from the data version's bump to the commit only, not across the metrics' recompute.
create table counts_moves (
	city_id       integer not null,
	survey_id     text not null,
	submission_id bigint not null,
	sign          integer not null
);

-- From 002: records the moves instead of applying them.
create or replace function current_submissions_stats() returns trigger language plpgsql as $$
begin
	if stats_bulk() then
		insert into stats_dirty (kind, survey_id) select distinct 'counts', survey_id from new_rows;
		return null;
	end if;
	if tg_op = 'INSERT' then
		insert into counts_moves select n.city_id, n.survey_id, n.submission_id, 1 from new_rows n;
	else
		insert into counts_moves
		select n.city_id, n.survey_id, n.submission_id, 1 from new_rows n
		union all
		select o.city_id, o.survey_id, o.submission_id, -1 from old_rows o;
	end if;
	return null;
end $$;

-- From 002: the emptied rows deleted by their keys (a scan of cohort_counts grew with the cohorts).
create or replace function stats_apply_counts(d jsonb) returns void language plpgsql as $$
declare
	zero jsonb;
begin
	with up as (
		insert into cohort_counts as cc (survey_id, scope, key, code, option, n)
		select x.survey_id, s.scope, s.key, f.code, f.option, sum(x.sign)
		from jsonb_to_recordset(d) as x(city_id int, survey_id text, submission_id bigint, sign int)
		join cities c on c.id = x.city_id
		cross join lateral (values ('all', ''), ('region', c.region), ('country', c.country)) s(scope, key)
		cross join lateral submission_facts(x.submission_id) f
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

-- From 002: rebuilds only what a bulk writer, a region change or a recompute made dirty (under the
-- global lock, as before); an upload's moves are applied incrementally by stats_apply_moves().
create or replace function stats_refresh() returns void language plpgsql as $$
declare
	cwaves text[];
	dpairs text[];
	x text;
	cj jsonb;
begin
	-- Many moves of one (metric, wave) (a recompute of every city): one rebuild costs less.
	insert into stats_dirty (kind, survey_id, metric_id)
	select 'dist', mm.survey_id, mm.metric_id from metric_moves mm
	group by mm.survey_id, mm.metric_id having count(*) > 256;
	if exists (select 1 from stats_dirty) then
		if exists (select 1 from stats_dirty where kind = 'counts') then
			-- A rebuild must not miss an increment of a writer still in flight: wait for them all (they
			-- hold ROW EXCLUSIVE on the table until they commit) and keep new ones out until this commits.
			lock table cohort_counts in share row exclusive mode;
		end if;
		if exists (select 1 from stats_dirty where kind = 'dist') then
			-- The same for the moves appliers (stats_apply_moves()).
			lock table metric_steps in share row exclusive mode;
		end if;
		perform pg_advisory_xact_lock(hashtext('citybench.stats'));
		-- After the lock, with a fresh snapshot: take what is dirty now, in one statement.
		with d as (delete from stats_dirty returning kind, survey_id, metric_id)
		select coalesce(array_agg(distinct d.survey_id) filter (where d.kind = 'counts'), '{}'),
			coalesce(array_agg(distinct d.metric_id || '/' || d.survey_id) filter (where d.kind = 'dist'), '{}')
		into cwaves, dpairs from d;
		-- The counts moves of what is rebuilt are in the rebuild (as the metric moves below).
		delete from counts_moves cm where '*' = any(cwaves) or cm.survey_id = any(cwaves);
		if '*' = any(cwaves) then
			perform stats_rebuild_counts('*');
		else
			foreach x in array cwaves loop
				perform stats_rebuild_counts(x);
			end loop;
		end if;
		-- The moves of what is rebuilt are in the rebuild (committed ones: in its snapshot; this
		-- transaction's own: visible to it).
		if '*/*' = any(dpairs) then
			delete from metric_moves;
			perform stats_rebuild_dist('*', '*');
		else
			delete from metric_moves mm where mm.metric_id || '/' || mm.survey_id = any(dpairs);
			foreach x in array dpairs loop
				perform stats_rebuild_dist(split_part(x, '/', 1), split_part(x, '/', 2));
			end loop;
		end if;
	end if;
	-- Counts first, then steps: every writer takes the two tables in this order.
	if exists (select 1 from counts_moves) then
		with m as (delete from counts_moves returning city_id, survey_id, submission_id, sign)
		select jsonb_agg(to_jsonb(m)) into cj from m;
		if cj is not null then
			perform stats_apply_counts(cj);
		end if;
	end if;
	if exists (select 1 from metric_moves) then
		perform stats_apply_moves();
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

-- Room on each page for the updated versions of its steps: the updates of an upload's moves stay
-- heap-only (no new index entries), and the table is rewritten in key order.
alter table metric_steps set (fillfactor = 50);
cluster metric_steps using metric_steps_pkey;

-- From 008: the clean-up of finished transactions' grants skips the rows another writer is deleting.
-- Before, a writer deleted the rows a concurrent writer had already deleted and waited for that writer
-- to commit: every partner's whole upload ran one after the other (20 partners at once: p50 10 s at
-- 10,000 cities, nearly all of it in this statement).
create or replace function cb_write_begin(p_token_id integer, p_cred text, p_session boolean)
returns boolean language plpgsql volatile security definer set search_path = public, pg_temp as $$
declare
	c record;
begin
	select * into c from cb_credential(p_token_id, p_cred, p_session);
	if not found or c.role <> 'partner' then
		return false;
	end if;
	-- The grants of finished transactions are of no use to anyone.
	delete from web_grant_writes where ctid in (select w.ctid from web_grant_writes w
		where w.txid < txid_snapshot_xmin(txid_current_snapshot()) for update skip locked);
	delete from web_grants where ctid in (select g.ctid from web_grants g
		where g.txid < txid_snapshot_xmin(txid_current_snapshot()) for update skip locked);
	insert into web_grants (txid, token_id, city_id, actor) values (txid_current(), c.token_id, c.city_id, c.actor)
		on conflict (txid) do nothing;
	return exists (select 1 from web_grants g where g.txid = txid_current() and g.token_id = c.token_id);
end $$;
