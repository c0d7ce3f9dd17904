-- 001_schema.sql: cities, survey waves and their questions, versioned submissions, tokens, audit, metrics.
--
-- "Not asked in this wave", "asked, not answered" and "No" stay apart: a question is asked in a wave when
-- survey_questions has its row; a submission's answer row holds JSON null when asked and not answered,
-- and false/0/"" only when that was the answer; no row at all when the question was not asked.

create table meta (
	key   text primary key,
	value text not null
);

create table cities (
	id         serial primary key,
	slug       text not null unique check (slug ~ '^[a-z0-9-]{1,64}$'),
	name       text not null check (length(name) between 1 and 200),
	country    text not null check (country ~ '^[A-Z]{2}$'),
	region     text not null check (length(region) between 1 and 100),
	population bigint check (population > 0),
	synthetic  boolean not null default false,
	created_at timestamptz not null default now(),
	updated_at timestamptz not null default now()
);
create index cities_name_idx on cities (lower(name));

create table surveys (
	id        text primary key check (id ~ '^[0-9]{4}$'),
	title     text not null,
	loaded_at timestamptz not null default now()
);

-- A question is one across waves: its code and type never change.
create table questions (
	code text primary key check (code ~ '^[a-z0-9_]{1,64}$'),
	type text not null check (type in ('bool', 'single', 'multi', 'integer', 'number', 'text'))
);

create table survey_questions (
	survey_id  text not null references surveys (id),
	code       text not null references questions (code),
	position   integer not null,
	section    text not null,
	text       text not null,
	min        numeric,
	max        numeric,
	max_length integer,
	primary key (survey_id, code)
);

create table question_options (
	survey_id   text not null,
	code        text not null,
	option_code text not null check (option_code ~ '^[a-z0-9_]{1,64}$'),
	label       text not null,
	position    integer not null,
	primary key (survey_id, code, option_code),
	foreign key (survey_id, code) references survey_questions (survey_id, code)
);

create table tokens (
	id          serial primary key,
	role        text not null check (role in ('partner', 'researcher')),
	city_id     integer references cities (id),
	name        text,
	secret_hash bytea not null,
	created_at  timestamptz not null default now(),
	expires_at  timestamptz,
	revoked_at  timestamptz,
	check ((role = 'partner') = (city_id is not null))
);

-- Versions are immutable: numbered 1, 2, 3 ... per city and wave without gaps.
create table submissions (
	id          bigserial primary key,
	city_id     integer not null references cities (id),
	survey_id   text not null references surveys (id),
	version     integer not null check (version > 0),
	created_at  timestamptz not null default now(),
	token_id    integer references tokens (id),
	actor       text not null,
	source      text not null check (source in ('import', 'upload', 'withdraw')),
	withdraws   bigint references submissions (id),
	changed     text[] not null default '{}',
	unique (city_id, survey_id, version)
);

-- The complete answer set of one version.  value is JSON: null = asked, not answered.
create table answers (
	submission_id bigint not null references submissions (id),
	code          text not null references questions (code),
	value         jsonb not null,
	primary key (submission_id, code)
);

-- The version that is current for each city and wave.
create table current_submissions (
	city_id       integer not null references cities (id),
	survey_id     text not null references surveys (id),
	submission_id bigint not null references submissions (id),
	version       integer not null,
	population    bigint,		-- the version's answer to `population`, if any
	primary key (city_id, survey_id)
);

create table metrics (
	id               text primary key check (id ~ '^[a-z0-9_]{1,64}$'),
	title            text not null,
	description      text not null,
	unit             text not null,
	higher_is_better boolean not null,
	version          text not null,
	plugin           text not null,
	source           text not null,
	inputs           text[] not null,
	position         integer not null default 0,
	active           boolean not null default true,
	loaded_at        timestamptz not null default now()
);

create table metric_values (
	metric_id      text not null references metrics (id),
	survey_id      text not null references surveys (id),
	city_id        integer not null references cities (id),
	value          double precision not null,
	plugin_version text not null,
	computed_at    timestamptz not null default now(),
	primary key (metric_id, survey_id, city_id)
);
create index metric_values_rank_idx on metric_values (metric_id, survey_id, value);

create table audit_log (
	id        bigserial primary key,
	at        timestamptz not null default now(),
	actor     text not null,
	token_id  integer references tokens (id),
	action    text not null,
	city      text,
	survey    text,
	accepted  boolean not null,
	status    integer,
	detail    jsonb
);
create index audit_log_city_idx on audit_log (city, at);

-- Every write bumps the data version; workers learn of it by NOTIFY and key caches and ETags on it.
create table data_version (
	one     boolean primary key default true check (one),
	version bigint not null,
	at      timestamptz not null default now()
);
insert into data_version values (true, 1, now());

create function bump_data_version() returns bigint language sql as $$
	update data_version set version = version + 1, at = now() returning version;
$$;

create function notify_data_version() returns trigger language plpgsql as $$
begin
	perform pg_notify('citybench_data', new.version::text);
	return null;
end $$;
create trigger data_version_notify after update on data_version
	for each row execute function notify_data_version();

-- The workers' role: read everything, append versions and audit rows, store metric values; never
-- rewrite or delete a submitted answer, never change the schema.
do $$ begin
	if not exists (select 1 from pg_roles where rolname = 'citybench_web') then
		create role citybench_web login;
	end if;
end $$;
grant select on all tables in schema public to citybench_web;
grant insert on submissions, answers, audit_log to citybench_web;
grant insert, update on current_submissions to citybench_web;
grant insert, update, delete on metric_values to citybench_web;
grant update on data_version to citybench_web;
grant usage on all sequences in schema public to citybench_web;
grant execute on function bump_data_version() to citybench_web;
revoke create on schema public from public;

create view current_answers as
	select cs.city_id, cs.survey_id, cs.submission_id, a.code, a.value
	from current_submissions cs join answers a on a.submission_id = cs.submission_id;
grant select on current_answers to citybench_web;
