-- 007_plugin_versions.sql: a plugin update that is refused, and every version of a metric's plugin.
--
-- * plugin_refusals: the last refusal of a plugin file (by its name in plugins/), kept until the file
--   loads again or goes away.  While an earlier version of the file's metrics is installed, that
--   version keeps serving and the metric's page says that an update was refused.
-- * metric_versions: every version of a metric's plugin that was ever installed, with its source;
--   retired_at null for the one serving.  The serving version's values are metric_values (which
--   records plugin_version); when a version is retired its values are kept in
--   metric_version_values, so /metrics/{id}?version=V keeps answering with what V gave.
-- Only the operator's commands (plugins reload, the server's start) write these; workers read them.
create table if not exists plugin_refusals (
	plugin     text primary key,
	line       integer,
	message    text not null,
	refused_at timestamptz not null default now()
);

create table if not exists metric_versions (
	metric_id    text not null references metrics (id),
	version      text not null,
	plugin       text not null,
	source       text not null,
	installed_at timestamptz not null default now(),
	retired_at   timestamptz,
	primary key (metric_id, version)
);
create unique index if not exists metric_versions_current on metric_versions (metric_id) where retired_at is null;

create table if not exists metric_version_values (
	metric_id text not null,
	version   text not null,
	survey_id text not null references surveys (id),
	city_id   integer not null references cities (id),
	value     double precision not null,
	primary key (metric_id, version, survey_id, city_id),
	foreign key (metric_id, version) references metric_versions (metric_id, version)
);

-- What was installed before this migration: its current version, from when it was loaded.
insert into metric_versions (metric_id, version, plugin, source, installed_at, retired_at)
select id, version, plugin, source, loaded_at, case when active then null else loaded_at end from metrics
on conflict do nothing;

grant select on plugin_refusals, metric_versions, metric_version_values to citybench_web;
