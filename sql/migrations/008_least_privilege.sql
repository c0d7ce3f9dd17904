-- 008_least_privilege.sql: the workers' role can only do what a token (or a session) allows (issue 14).
--
-- citybench_web owns nothing, has no INSERT/UPDATE/DELETE on any table and cannot read a token's or a
-- session's hash (nor a session's CSRF secret).  Every write the workers make is one of the
-- SECURITY DEFINER functions below (owned by the schema owner, search_path pinned, EXECUTE granted to
-- citybench_web only), and each checks the credential itself:
--
-- * cb_token_check(id, sha256 of the secret): the token's identity when the hash matches (auth.c).
-- * cb_session_open / cb_session_get / cb_session_end: a session is opened only with a token's secret
--   hash, read and ended only with the session's own id hash (the cookie's SHA-256).
-- * A write transaction starts with cb_write_begin(token, credential, is_session): it checks the
--   token's secret hash or the session's id hash and records a grant keyed on txid_current() in
--   web_grants (which the workers cannot touch).  In that transaction, and only in it:
--     - cb_store_version writes a version of the grant's own city only, with the actor and token id
--       taken from the grant (never from the caller), the answers and the current pointer together,
--       and notes the city-wave in web_grant_writes;
--     - cb_put_values stores metric values only for city-waves this transaction wrote (others are
--       ignored: a legitimate worker only recomputes unchanged values for them) and only for the
--       active version of the metric;
--     - bump_data_version() (now a definer function) may bump the data version.
-- * cb_audit: in a granted transaction the actor is the grant's; outside one, a token's row needs the
--   token's credential (its actor is then the token's name); a token's row names no city but its own;
--   anything else is an anonymous refusal,
--   counted in one row per client address, action and minute (detail.count), at most 1,000 such rows
--   a minute (beyond that the client is 'other'), so no one can grow the log without bound.
--
-- The schema owner (and a superuser) calling these functions is trusted as before: the CLI's import,
-- withdraw and plugin sync pass their own actor.  tests/integration/test_least_privilege.py connects as
-- citybench_web and is refused each write it could do before this migration.
--
-- A later migration must not `grant select on all tables ... to citybench_web` again: that would give
-- back tokens.secret_hash and sessions (the test above would fail).

create table if not exists web_grants (
	txid     bigint primary key,
	token_id integer not null references tokens (id),
	city_id  integer,
	actor    text not null,
	at       timestamptz not null default now()
);
create table if not exists web_grant_writes (
	txid      bigint not null,
	city_id   integer not null,
	survey_id text not null,
	primary key (txid, city_id, survey_id)
);

alter table audit_log add column if not exists client text;
create unique index if not exists audit_log_refused_idx on audit_log (client, action, at) where client is not null;

-- True when the caller is the schema owner or a superuser (the CLI), not the workers.
create or replace function cb_trusted() returns boolean language sql stable as $$
	select session_user = current_user or coalesce((select rolsuper from pg_roles where rolname = session_user), false)
$$;

-- The token behind a credential: its secret's SHA-256 (hex), or a session's id hash when p_session.
create or replace function cb_credential(p_token_id integer, p_cred text, p_session boolean)
returns table (token_id integer, role text, city_id integer, actor text)
language plpgsql stable security definer set search_path = public, pg_temp as $$
begin
	if p_token_id is null or p_cred is null or p_cred !~ '^[0-9a-f]{64}$' then
		return;
	end if;
	if p_session then
		return query select t.id, t.role, t.city_id, coalesce(t.name, c.slug)
			from sessions s join tokens t on t.id = s.token_id left join cities c on c.id = t.city_id
			where s.id_hash = p_cred and s.token_id = p_token_id and s.ended_at is null
			and s.expires_at > now() and t.revoked_at is null and (t.expires_at is null or t.expires_at > now());
	else
		return query select t.id, t.role, t.city_id, coalesce(t.name, c.slug)
			from tokens t left join cities c on c.id = t.city_id
			where t.id = p_token_id and t.secret_hash = decode(p_cred, 'hex')
			and t.revoked_at is null and (t.expires_at is null or t.expires_at > now());
	end if;
end $$;

-- auth_check: the token's row when the secret's hash matches (revoked and expired said, as before).
create or replace function cb_token_check(p_token_id integer, p_hash text)
returns table (role text, city_id integer, slug text, revoked boolean, expired boolean, name text)
language plpgsql stable security definer set search_path = public, pg_temp as $$
begin
	if p_hash is null or p_hash !~ '^[0-9a-f]{64}$' then
		return;
	end if;
	return query select t.role, t.city_id, c.slug, t.revoked_at is not null,
		t.expires_at is not null and t.expires_at <= now(), coalesce(t.name, c.slug)
		from tokens t left join cities c on c.id = t.city_id
		where t.id = p_token_id and t.secret_hash = decode(p_hash, 'hex');
end $$;

create or replace function cb_session_open(p_token_id integer, p_secret_hash text, p_id_hash text, p_csrf text)
returns bigint language plpgsql volatile security definer set search_path = public, pg_temp as $$
declare
	sid bigint;
begin
	if not exists (select 1 from cb_credential(p_token_id, p_secret_hash, false)) then
		raise exception 'citybench: no valid token for this session' using errcode = '42501';
	end if;
	insert into sessions (id_hash, token_id, csrf_secret, expires_at)
		values (p_id_hash, p_token_id, p_csrf, now() + interval '8 hours') returning id into sid;
	return sid;
end $$;

create or replace function cb_session_get(p_id_hash text)
returns table (id bigint, token_id integer, csrf_secret text, expired boolean, ended boolean)
language sql stable security definer set search_path = public, pg_temp as $$
	select s.id, s.token_id, s.csrf_secret, s.expires_at <= now(), s.ended_at is not null
	from sessions s where s.id_hash = p_id_hash
$$;

create or replace function cb_session_end(p_id_hash text)
returns void language sql volatile security definer set search_path = public, pg_temp as $$
	update sessions set ended_at = now() where id_hash = p_id_hash and ended_at is null
$$;

-- Opens a write for the credential's token in this transaction; false when the credential is not valid.
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
	delete from web_grant_writes where txid < txid_snapshot_xmin(txid_current_snapshot());
	delete from web_grants where txid < txid_snapshot_xmin(txid_current_snapshot());
	insert into web_grants (txid, token_id, city_id, actor) values (txid_current(), c.token_id, c.city_id, c.actor)
		on conflict (txid) do nothing;
	return exists (select 1 from web_grants g where g.txid = txid_current() and g.token_id = c.token_id);
end $$;

-- This transaction's grant (the workers' callers only); raises when there is none.
create or replace function cb_grant() returns web_grants
language plpgsql stable security definer set search_path = public, pg_temp as $$
declare
	g web_grants;
begin
	select * into g from web_grants where txid = txid_current();
	if not found then
		raise exception 'citybench: this transaction holds no write grant' using errcode = '42501';
	end if;
	return g;
end $$;

-- Q_STORE_VERSION's statement: $1 city id, $2 wave, $3 the named answers, $4 actor, $5 token id,
-- $6 source, $7 withdrawn id (actor, token and withdrawn id: the CLI's only).
create or replace function cb_store_version(p_city integer, p_wave text, p_named jsonb, p_actor text,
    p_token_id integer, p_source text, p_withdraws bigint)
returns table (id bigint, version integer, nchanged integer)
language plpgsql volatile security definer set search_path = public, pg_temp as $$
#variable_conflict use_column
declare
	g web_grants;
begin
	if not cb_trusted() then
		g := cb_grant();
		if g.city_id is distinct from p_city or p_source not in ('upload', 'restore') then
			raise exception 'citybench: this token does not write that city' using errcode = '42501';
		end if;
		p_actor := g.actor;
		p_token_id := g.token_id;
		p_withdraws := null;
		insert into web_grant_writes values (g.txid, p_city, p_wave) on conflict do nothing;
	end if;
	return query
	with cur as (select cs.submission_id from current_submissions cs
		where cs.city_id = p_city and cs.survey_id = p_wave),
	old as (select coalesce(jsonb_object_agg(a.code, a.value), '{}'::jsonb) as set from answers a
		where a.submission_id = (select submission_id from cur)),
	new as (select (select set from old) || p_named as set),
	chg as (select coalesce(array_agg(n.key order by n.key), '{}') as codes from jsonb_each(p_named) n
		where coalesce((select set from old) -> n.key, 'null'::jsonb) is distinct from n.value),
	sub as (insert into submissions (city_id, survey_id, version, token_id, actor, source, changed, withdraws)
		select p_city, p_wave, coalesce((select max(s.version) from submissions s where s.city_id = p_city
		and s.survey_id = p_wave), 0) + 1, p_token_id, p_actor, p_source, (select codes from chg), p_withdraws
		returning submissions.id, submissions.version, submissions.changed),
	ins as (insert into answers (submission_id, code, value)
		select (select sub.id from sub), e.key, e.value from jsonb_each((select set from new)) e),
	upd as (insert into current_submissions (city_id, survey_id, submission_id, version, population)
		select p_city, p_wave, sub.id, sub.version, ((select set from new) ->> 'population')::bigint from sub
		on conflict (city_id, survey_id) do update set submission_id = excluded.submission_id,
		version = excluded.version, population = excluded.population)
	select sub.id, sub.version, cardinality(sub.changed) from sub;
end $$;

-- Q_PUT_VALUES's statement: metric $1's values for city-waves ($2, $3, $4; NULL: no value), plugin version $5.
create or replace function cb_put_values(p_metric text, p_cities integer[], p_waves text[], p_values float8[],
    p_version text)
returns void language plpgsql volatile security definer set search_path = public, pg_temp as $$
declare
	g web_grants;
	web boolean := not cb_trusted();
begin
	if web then
		g := cb_grant();
		if p_version is distinct from (select m.version from metrics m where m.id = p_metric and m.active) then
			raise exception 'citybench: not the serving version of that metric' using errcode = '42501';
		end if;
	end if;
	with v as (select * from unnest(p_cities, p_waves, p_values) as t(city_id, survey_id, value)
		where not web or exists (select 1 from web_grant_writes w where w.txid = g.txid
		and w.city_id = t.city_id and w.survey_id = t.survey_id)),
	del as (delete from metric_values mv using v where mv.metric_id = p_metric and mv.city_id = v.city_id
		and mv.survey_id = v.survey_id and v.value is null)
	insert into metric_values (metric_id, survey_id, city_id, value, plugin_version)
	select p_metric, v.survey_id, v.city_id, v.value, p_version from v where v.value is not null
	on conflict (metric_id, survey_id, city_id) do update set value = excluded.value,
		plugin_version = excluded.plugin_version, computed_at = now()
	where (metric_values.value, metric_values.plugin_version) is distinct from (excluded.value, excluded.plugin_version);
end $$;

-- The data version: the workers bump it only in a granted transaction.
create or replace function bump_data_version() returns bigint
language plpgsql volatile security definer set search_path = public, pg_temp as $$
declare
	v bigint;
begin
	if not cb_trusted() then
		perform cb_grant();
	end if;
	perform stats_refresh();
	update data_version set version = version + 1, at = now() returning version into v;
	return v;
end $$;

-- Q_AUDIT's statement.  p_client: the client's address (anonymous refusals are counted per address).
create or replace function cb_audit(p_actor text, p_token_id integer, p_action text, p_city text, p_survey text,
    p_accepted boolean, p_status integer, p_detail jsonb, p_request_id text, p_cred text, p_session boolean,
    p_client text)
returns void language plpgsql volatile security definer set search_path = public, pg_temp as $$
declare
	c record;
	minute timestamptz := date_trunc('minute', now());
	who text;
begin
	if cb_trusted() then
		insert into audit_log (actor, token_id, action, city, survey, accepted, status, detail)
			values (p_actor, p_token_id, p_action, p_city, p_survey, p_accepted, p_status,
			coalesce(p_detail, '{}') || jsonb_build_object('request_id', p_request_id));
		return;
	end if;
	select g.token_id, g.actor, g.city_id into c from web_grants g where g.txid = txid_current();
	if not found then
		select k.token_id, k.actor, k.city_id into c from cb_credential(p_token_id, p_cred, p_session) k;
	end if;
	if c.token_id is not null then
		-- A token's row names its own city only.
		insert into audit_log (actor, token_id, action, city, survey, accepted, status, detail)
			values (c.actor, c.token_id, left(p_action, 64),
			(select x.slug from cities x where x.id = c.city_id and x.slug = p_city), left(p_survey, 16), p_accepted,
			p_status, coalesce(p_detail, '{}') || jsonb_build_object('request_id', p_request_id));
		return;
	end if;
	-- Anonymous (or a credential that does not hold): refused, counted per client, action and minute.
	who := left(coalesce(nullif(p_client, ''), '-'), 64);
	if not exists (select 1 from audit_log a where a.client = who and a.action = left(p_action, 64) and a.at = minute)
	    and (select count(*) from audit_log a where a.client is not null and a.at = minute) >= 1000 then
		who := 'other';
	end if;
	insert into audit_log (actor, action, accepted, status, detail, at, client)
		values ('anonymous', left(p_action, 64), false, p_status,
		jsonb_build_object('count', 1, 'client', who, 'request_id', p_request_id), minute, who)
		on conflict (client, action, at) where client is not null do update
		set detail = audit_log.detail || jsonb_build_object('count', (audit_log.detail->>'count')::int + 1,
		'request_id', p_request_id), status = excluded.status;
end $$;

-- What the workers may do: read what is public, call these functions.  Nothing else.
revoke insert, update, delete, truncate, references, trigger on all tables in schema public from citybench_web;
revoke all on all sequences in schema public from citybench_web;
revoke select on tokens, sessions, web_grants, web_grant_writes from citybench_web;
grant select (id, role, city_id, name, created_at, expires_at, revoked_at) on tokens to citybench_web;

revoke execute on function cb_trusted(), cb_credential(integer, text, boolean), cb_token_check(integer, text),
	cb_session_open(integer, text, text, text), cb_session_get(text), cb_session_end(text),
	cb_write_begin(integer, text, boolean), cb_grant(), cb_store_version(integer, text, jsonb, text, integer, text, bigint),
	cb_put_values(text, integer[], text[], float8[], text), bump_data_version(),
	cb_audit(text, integer, text, text, text, boolean, integer, jsonb, text, text, boolean, text) from public;
grant execute on function cb_token_check(integer, text), cb_session_open(integer, text, text, text),
	cb_session_get(text), cb_session_end(text), cb_write_begin(integer, text, boolean),
	cb_store_version(integer, text, jsonb, text, integer, text, bigint),
	cb_put_values(text, integer[], text[], float8[], text), bump_data_version(),
	cb_audit(text, integer, text, text, text, boolean, integer, jsonb, text, text, boolean, text) to citybench_web;
