-- 009_plugin_queue.sql: plugins researchers submit for the operator's review (POST /api/plugins).
--
-- * plugin_submissions: one row per submission, with its source, the metric ids it declares, the
--   preview it gave when submitted, and its status: pending, then approved (the operator's CLI
--   installs it in plugins/) or rejected with a reason.  Never deleted.
-- The workers only read it, and add a row only through plugin_submit (security definer), which
-- checks the researcher's token itself and takes the author from it; two pending submissions may
-- not declare the same metric id (the second is told, 409).  The CLI (the owner) decides.
create table if not exists plugin_submissions (
	id           bigserial primary key,
	token_id     integer not null references tokens (id),
	submitted_by text not null,
	submitted_at timestamptz not null default now(),
	filename     text not null check (filename ~ '^[A-Za-z0-9._-]{1,64}$'),
	source       text not null check (octet_length(source) between 1 and 262144),
	metrics      text[] not null check (cardinality(metrics) between 1 and 32),
	preview      jsonb not null,
	status       text not null default 'pending' check (status in ('pending', 'approved', 'rejected')),
	reason       text,
	decided_at   timestamptz,
	check ((status = 'rejected') = (reason is not null))
);
create index if not exists plugin_submissions_status_idx on plugin_submissions (status, id);

grant select on plugin_submissions to citybench_web;

-- A researcher's submission: p_token is the whole token (cb_ID_SECRET).  Returns the new id; raises
-- 28000 (invalid_authorization_specification) for a token that is not a live researcher's, and
-- 23505 (unique_violation) naming the metric when one of p_metrics is already pending review.
create or replace function plugin_submit(p_token text, p_filename text, p_source text,
    p_metrics text[], p_preview jsonb) returns bigint
language plpgsql security definer set search_path = public, pg_temp as $$
declare
	t tokens%rowtype;
	tid integer;
	clash text;
	other bigint;
	new_id bigint;
begin
	if p_token !~ '^cb_[0-9]{1,9}_[^_]+$' then
		raise exception 'not a researcher token' using errcode = '28000';
	end if;
	tid := split_part(p_token, '_', 2)::integer;
	select * into t from tokens where id = tid;
	if not found or t.role <> 'researcher' or t.revoked_at is not null
	    or (t.expires_at is not null and t.expires_at <= now())
	    or t.secret_hash <> sha256(convert_to(split_part(p_token, '_', 3), 'UTF8')) then
		raise exception 'not a researcher token' using errcode = '28000';
	end if;
	lock table plugin_submissions in share row exclusive mode;
	select m, s.id into clash, other from plugin_submissions s, unnest(s.metrics) m
	    where s.status = 'pending' and m = any(p_metrics) order by s.id limit 1;
	if found then
		raise exception 'metric % is already pending review (submission %)', clash, other
		    using errcode = '23505';
	end if;
	insert into plugin_submissions (token_id, submitted_by, filename, source, metrics, preview)
	    values (t.id, coalesce(t.name, 'researcher ' || t.id), p_filename, p_source, p_metrics, p_preview)
	    returning id into new_id;
	return new_id;
end;
$$;
revoke all on function plugin_submit(text, text, text, text[], jsonb) from public;
grant execute on function plugin_submit(text, text, text, text[], jsonb) to citybench_web;
