-- 016_upload_values.sql: an upload's metric values in one statement for every metric (issue 18, the
-- upload's cost at 10,000 cities).
--
-- New: cb_put_values_many().  Nothing earlier is redefined.
--
-- Before, an upload wrote each metric's values with its own cb_put_values() call (Q_PUT_VALUES): nine
-- plugins and fifteen metrics made fifteen round trips, each firing metric_values' statement triggers
-- (013's metric_values_dirty(), for the insert and for the update of the upsert).  Now the values of
-- every metric of the upload go in one call: one delete and one upsert, the triggers fired once.  The
-- moves recorded are the same rows (per (metric, wave, city)), so stats_refresh() applies the same
-- increments.  The caller (compute.c) sends at most 256 rows a call (or one metric's, when it alone
-- has more), so that metric_values_dirty() takes the same path (moves, not a rebuild) as the calls
-- one metric at a time did.

-- Element i: metric p_metrics[i] (plugin version p_versions[i]) for city p_cities[i] in wave
-- p_waves[i], value p_values[i] (NULL: no value, the row is removed).  The checks of cb_put_values
-- (008) for every metric named: for the workers, only the serving version of each metric and only the
-- city-waves their transaction wrote.
create function cb_put_values_many(p_metrics text[], p_versions text[], p_cities integer[], p_waves text[],
    p_values float8[])
returns void language plpgsql volatile security definer set search_path = public, pg_temp as $$
declare
	g web_grants;
	web boolean := not cb_trusted();
begin
	if web then
		g := cb_grant();
		if exists (select 1 from unnest(p_metrics, p_versions) as x(metric_id, version)
			where x.version is distinct from (select m.version from metrics m where m.id = x.metric_id and m.active))
		then
			raise exception 'citybench: not the serving version of that metric' using errcode = '42501';
		end if;
	end if;
	-- A metric named twice for one city-wave: its last element, as calls one after the other left it.
	with v as (select distinct on (t.metric_id, t.survey_id, t.city_id) t.*
		from unnest(p_metrics, p_versions, p_cities, p_waves, p_values)
		with ordinality as t(metric_id, version, city_id, survey_id, value, ord)
		where not web or exists (select 1 from web_grant_writes w where w.txid = g.txid
		and w.city_id = t.city_id and w.survey_id = t.survey_id)
		order by t.metric_id, t.survey_id, t.city_id, t.ord desc),
	del as (delete from metric_values mv using v where mv.metric_id = v.metric_id and mv.city_id = v.city_id
		and mv.survey_id = v.survey_id and v.value is null)
	insert into metric_values (metric_id, survey_id, city_id, value, plugin_version)
	select v.metric_id, v.survey_id, v.city_id, v.value, v.version from v where v.value is not null
	order by v.metric_id, v.survey_id, v.city_id	-- rows locked in one order by every writer
	on conflict (metric_id, survey_id, city_id) do update set value = excluded.value,
		plugin_version = excluded.plugin_version, computed_at = now()
	where (metric_values.value, metric_values.plugin_version) is distinct from (excluded.value, excluded.plugin_version);
end $$;

revoke execute on function cb_put_values_many(text[], text[], integer[], text[], float8[]) from public;
grant execute on function cb_put_values_many(text[], text[], integer[], text[], float8[]) to citybench_web;
