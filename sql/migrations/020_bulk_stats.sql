-- 020_bulk_stats.sql: the statistics rebuild of a bulk write in one statement per table, and a cities
-- update of any size in one statement (issue 18, writes at 10,000 cities).
--
-- Redefined here: stats_refresh() (from 013; also: ANALYZE only after a rebuild), cities_dirty() (from 002), cities_facts() (from 012).
-- New: stats_rebuild_counts_set(text[]), stats_rebuild_dist_set(text[]).
--
-- * Before, stats_refresh() rebuilt the dirty waves one after the other (stats_rebuild_counts) and the
--   dirty (metric, wave) pairs one after the other (stats_rebuild_dist: 16 calls for an import of 8
--   metrics x 2 waves), each a scan of the wave's rows.  Now one INSERT ... SELECT per table for every
--   dirty pair at once (still only the dirty ones: what a bulk write did not touch is not read), the
--   old rows of those pairs removed through their primary keys' prefixes.
-- * The statement triggers on cities joined their old and new transition tables on id.  PL/pgSQL keeps
--   the plan of its first run, made for a handful of rows (a nested loop over two unindexed tuple
--   stores): a 10,000-row update spent 22 s there, quadratic, which is why the import wrote its cities
--   500 rows at a time.  The rows that changed are now an EXCEPT of the two tables (hashed or sorted,
--   never a nested loop), the same set: an update keeps every id, and EXCEPT compares NULLs as equal,
--   as IS DISTINCT FROM does.

-- The counts of the waves given ('*': every one) from scratch: stats_rebuild_counts (002) for many
-- waves in one statement.
create function stats_rebuild_counts_set(waves text[]) returns void language plpgsql
set work_mem = '64MB' as $$
declare
	every boolean := '*' = any(waves);
begin
	delete from cohort_counts where every or survey_id = any(waves);
	with g as (
		select cs.survey_id, c.region, c.country, a.code, o.option, count(*) as n
		from current_submissions cs join cities c on c.id = cs.city_id
		join answers a on a.submission_id = cs.submission_id join questions q on q.code = a.code
		cross join lateral answer_facts(q.type, a.value) o
		where a.value <> 'null'::jsonb and (every or cs.survey_id = any(waves))
		group by 1, 2, 3, 4, 5
		union all
		select cs.survey_id, c.region, c.country, '', '', count(*)
		from current_submissions cs join cities c on c.id = cs.city_id
		where every or cs.survey_id = any(waves)
		group by 1, 2, 3)
	insert into cohort_counts (survey_id, scope, key, code, option, n)
	select survey_id, 'all', '', code, option, sum(n) from g group by 1, 4, 5
	union all select survey_id, 'region', region, code, option, sum(n) from g group by 1, 3, 4, 5
	union all select survey_id, 'country', country, code, option, sum(n) from g group by 1, 3, 4, 5;
end $$;

-- The steps of the (metric, wave) pairs given ('metric/wave'; '*/*': every one; only 'dist' rows of
-- cities_dirty name '*', and then both) brought up to date,
-- writing only the rows that differ: stats_rebuild_dist (002) for many pairs in one statement.
create function stats_rebuild_dist_set(pairs text[]) returns void language plpgsql
set work_mem = '64MB' as $$
declare
	every boolean := '*/*' = any(pairs);
begin
	with p as (
		select distinct split_part(x, '/', 1) as metric_id, split_part(x, '/', 2) as survey_id
		from unnest(pairs) x),
	g as (
		select mv.metric_id, mv.survey_id,
			case when grouping(c.region) = 0 then 'region' when grouping(c.country) = 0 then 'country'
			else 'all' end as scope, coalesce(c.region, c.country, '') as key, mv.value, count(*) as eq
		from metric_values mv join cities c on c.id = mv.city_id
		where every or (mv.metric_id, mv.survey_id) in (select p.metric_id, p.survey_id from p)
		group by grouping sets ((mv.metric_id, mv.survey_id, mv.value),
			(mv.metric_id, mv.survey_id, c.region, mv.value), (mv.metric_id, mv.survey_id, c.country, mv.value))),
	fresh as (
		select g.metric_id, g.survey_id, g.scope, g.key, g.value, (sum(g.eq) over p)::int as n, g.eq::int as eq,
			(sum(g.eq) over p - sum(g.eq) over w)::int as gt
		from g
		window p as (partition by g.metric_id, g.survey_id, g.scope, g.key),
			w as (partition by g.metric_id, g.survey_id, g.scope, g.key order by g.value)),
	gone as (
		delete from metric_steps t
		where (every or (t.metric_id, t.survey_id) in (select p.metric_id, p.survey_id from p))
		and not exists (select 1 from fresh f where f.metric_id = t.metric_id
			and f.survey_id = t.survey_id and f.scope = t.scope and f.key = t.key and f.value = t.value))
	insert into metric_steps as t select * from fresh f order by 1, 2, 3, 4, 5
	on conflict (metric_id, survey_id, scope, key, value) do update
	set n = excluded.n, eq = excluded.eq, gt = excluded.gt
	where (t.n, t.eq, t.gt) is distinct from (excluded.n, excluded.eq, excluded.gt);
end $$;

-- From 013: the per-wave and per-pair loops replaced by one call each.
create or replace function stats_refresh() returns void language plpgsql as $$
declare
	cwaves text[];
	dpairs text[];
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
		if cardinality(cwaves) > 0 then
			delete from counts_moves cm where '*' = any(cwaves) or cm.survey_id = any(cwaves);
			perform stats_rebuild_counts_set(cwaves);
		end if;
		-- The moves of what is rebuilt are in the rebuild (committed ones: in its snapshot; this
		-- transaction's own: visible to it).
		if cardinality(dpairs) > 0 then
			if '*/*' = any(dpairs) then
				delete from metric_moves;
			else
				delete from metric_moves mm where mm.metric_id || '/' || mm.survey_id = any(dpairs);
			end if;
			perform stats_rebuild_dist_set(dpairs);
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
	-- seconds where a hash join takes milliseconds).  ANALYZE samples: its cost is bounded.  Only after
	-- a rebuild: a bulk write that changed no value (a recompute giving the same values, as `plugins
	-- reload` at every start does) marked nothing, and its 0.4 s of ANALYZE at 10,000 cities was the
	-- largest statement of that reload.
	if stats_bulk() and cardinality(dpairs) > 0 then
		analyze metric_values, metric_steps;
	end if;
	if stats_bulk() then
		if cardinality(cwaves) > 0 then
			analyze cohort_counts, current_submissions, submissions, answers;
		end if;
	end if;
end $$;

-- From 002: the changed rows by EXCEPT, not a join of the transition tables.
create or replace function cities_dirty() returns trigger language plpgsql as $$
begin
	if exists (select n.id, n.region, n.country from new_rows n
	    except select o.id, o.region, o.country from old_rows o) then
		insert into stats_dirty (kind, survey_id, metric_id) values ('counts', '*', ''), ('dist', '*', '*');
	end if;
	return null;
end $$;

-- From 012: the same.
create or replace function cities_facts() returns trigger
language plpgsql security definer set search_path = public, pg_temp as $$
declare
	ids integer[];
begin
	select array_agg(x.id) into ids from (select n.id, n.population, n.region, n.country from new_rows n
		except select o.id, o.population, o.region, o.country from old_rows o) x;
	if ids is not null then
		perform city_facts_refresh(ids);
	end if;
	return null;
end $$;
revoke all on function cities_facts() from public;

-- The import's answers insert skips the per-row foreign-key triggers (store.c, after one anti-join
-- proved the batch) only with the right to set session_replication_role: a superuser's, or one granted
-- (PostgreSQL 15).  In production the CLI runs as the schema owner, not a superuser, and checked each of
-- ~700,000 rows twice at 10,000 cities.  The guide's database step grants it (docs/operations.md, as
-- postgres); a migration run by a superuser for a schema owner who is not one grants it here too.  The
-- owner could drop those constraints anyway; the workers' role is not given it.
do $$
declare
	o name := (select tableowner from pg_tables where schemaname = 'public' and tablename = 'answers');
begin
	if (select rolsuper from pg_roles where rolname = current_user)
	    and not (select rolsuper from pg_roles where rolname = o) then
		execute format('grant set on parameter session_replication_role to %I', o);
	end if;
end $$;
