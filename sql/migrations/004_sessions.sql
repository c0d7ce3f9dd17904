-- 004_sessions.sql: signed-in sessions of partners and researchers; restored versions.
--
-- A session is what a browser holds after /signin: the cookie carries a random id (256 bits), the table
-- only its SHA-256, so a copy of the table lets no one in.  A session belongs to the token it was
-- opened with: revoking or expiring the token ends its sessions (every check joins the token), and a
-- session ends by itself 8 hours after it began, or at /signout.  csrf_secret is the value every form
-- of the session carries; a POST whose form does not carry it is refused.
create table sessions (
	id          bigserial primary key,
	id_hash     text not null unique check (id_hash ~ '^[0-9a-f]{64}$'),
	token_id    integer not null references tokens (id),
	csrf_secret text not null check (csrf_secret ~ '^[0-9a-f]{64}$'),
	created_at  timestamptz not null default now(),
	expires_at  timestamptz not null,
	ended_at    timestamptz
);
create index sessions_token_idx on sessions (token_id);

-- The workers open sessions and end them; they never rewrite who a session belongs to or when it expires.
grant select, insert on sessions to citybench_web;
grant update (ended_at) on sessions to citybench_web;
grant usage on sequence sessions_id_seq to citybench_web;

-- A partner restores an earlier version: a new version whose source says so.
alter table submissions drop constraint submissions_source_check;
alter table submissions add constraint submissions_source_check
	check (source in ('import', 'upload', 'withdraw', 'restore'));
