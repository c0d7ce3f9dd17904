-- Issue 18, eighth session: metric_position (002) in one probe of metric_steps instead of three.
-- The steps of a cohort are its distinct values (a step whose eq falls to 0 is deleted, 023), every
-- one with the cohort's size n, and n - gt - eq of a step counts the values below it. So the greatest
-- step at or below v gives all three: n; le = n - gt; lt = n - gt - eq when that step is v itself,
-- else le (no value lies between it and v). Without such a step (v below every value, or null) le
-- and lt are 0 and n is read as before. The same numbers as 002's text, which was:
--   select coalesce(t.n, 0),
--     coalesce((select s.n - s.gt ... and s.value <= v order by s.value desc limit 1), 0),
--     coalesce((select s.n - s.gt ... and s.value < v order by s.value desc limit 1), 0)
--   from (select (select s.n ... limit 1) as n) t
-- Still a single select in SQL, stable: the planner inlines it into the statements that call it.
create or replace function metric_position(metric text, wave text, sc text, k text, v float8)
returns table (n integer, le integer, lt integer) language sql stable as $$
	select coalesce(s.n, (select t.n from metric_steps t where t.metric_id = metric and t.survey_id = wave
			and t.scope = sc and t.key = k limit 1), 0),
		coalesce(s.n - s.gt, 0),
		coalesce(case when s.value = v then s.n - s.gt - s.eq else s.n - s.gt end, 0)
	from (select 1) one
	left join lateral (select st.n, st.gt, st.eq, st.value from metric_steps st
		where st.metric_id = metric and st.survey_id = wave and st.scope = sc and st.key = k
		and st.value <= v order by st.value desc limit 1) s on true
$$;
