-- 019_compare_stored.sql: /compare's stored-cohort statement (Q_COMPARE_STORED) as one plpgsql function
-- whose plan is kept (issue 18).
--
-- Measured at 1,000 cities (EXPLAIN ANALYZE, 5 cities x 5 metrics): the statement planned every time
-- (~0.65 ms of planning for ~0.7 ms of execution): with plan_cache_mode = auto PostgreSQL compared the
-- generic plan's estimate with the custom ones and kept planning custom plans, though the generic plan
-- runs as fast (every value, rank and cohort size is an index probe whatever the parameters).  A
-- plpgsql function keeps its statements' plans per session; `set plan_cache_mode = force_generic_plan`
-- makes that plan the generic one, planned once per worker connection.
--
-- The question is Q_COMPARE_STORED's (see include/queries_compare.def), its rows and their text the
-- same; one cut beside the planning: the cohort's size (`of`, and metric_position's n) is read once per
-- metric instead of twice per cell, and a value's rank takes metric_position's two step probes inline.
-- rank = 1 + n - le (higher is better) or 1 + lt, exactly as with metric_position(): n the cohort's size
-- (0 when the metric has no step), le / lt the values at or below / below the city's (0 when none).

create function compare_stored(p_wave text, p_scope text, p_key text, p_slugs text[], p_ids text[])
returns table (city_slot bigint, slug text, name text, synthetic boolean, metric_slot bigint,
	metric_id text, title text, unit text, higher_is_better boolean, value double precision,
	rank integer, unused text, "of" integer, wave text, wave_known boolean, waves text,
	all_metrics text, lat double precision, lon double precision)
language plpgsql stable
set plan_cache_mode = force_generic_plan
as $$
#variable_conflict use_column
begin
	return query
	with wc as (select t.s, t.n from unnest(p_slugs) with ordinality as t(s, n) union all select null, 0),
	wm as (select t.s, t.n from unnest(p_ids) with ordinality as t(s, n) where p_ids is not null
		union all select m.id, row_number() over (order by m.position, m.id) from metrics m
		where m.active and p_ids is null union all select null, 0),
	sm as (select m.id, m.title, m.unit, m.higher_is_better,
		(select s.n from metric_steps s where s.metric_id = m.id and s.survey_id = p_wave
		and s.scope = p_scope and s.key = p_key limit 1) as n
		from metrics m where m.active and m.id in (select wm.s from wm))
	select wc.n, wc.s, c.name, c.synthetic, wm.n, wm.s, sm.title, sm.unit, sm.higher_is_better, mv.value,
	case when mv.value is null or not (p_scope = 'all' or (p_scope = 'region' and c.region = p_key)
		or (p_scope = 'country' and c.country = p_key)) then null
	when sm.higher_is_better then 1 + coalesce(sm.n, 0) - coalesce((select s.n - s.gt from metric_steps s
		where s.metric_id = sm.id and s.survey_id = p_wave and s.scope = p_scope and s.key = p_key
		and s.value <= mv.value order by s.value desc limit 1), 0)
	else 1 + coalesce((select s.n - s.gt from metric_steps s
		where s.metric_id = sm.id and s.survey_id = p_wave and s.scope = p_scope and s.key = p_key
		and s.value < mv.value order by s.value desc limit 1), 0) end,
	null::text, sm.n, p_wave,
	exists (select 1 from surveys sv where sv.id = p_wave), null::text, null::text, c.lat, c.lon
	from wc cross join wm left join lateral (select c.* from cities c where c.slug = wc.s limit 1) c on true
	left join sm on sm.id = wm.s
	left join lateral (select v.value from metric_values v where v.metric_id = sm.id
		and v.survey_id = p_wave and v.city_id = c.id limit 1) mv on true
	order by wc.n, wm.n;
end
$$;

grant execute on function compare_stored(text, text, text, text[], text[]) to citybench_web;
