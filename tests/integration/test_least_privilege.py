"""Issue 14: the workers' database role can only do what a token (or a session) allows.

Connects as citybench_web (what a compromised worker could do) and is refused each write it could do
before 008_least_privilege.sql; a partner upload still works with the audit's actor taken from the token;
the workers' environment holds no owner conninfo; anonymous refusals are counted, not appended."""
import hashlib
import http.client
import os
import re
import subprocess
import threading
import time
import uuid

from cb import HOST, PORT, cli, new_city, post, psql, token_for_city

PSQL = "/usr/lib/postgresql/15/bin/psql"
API = "/api/submissions"


def web_conninfo():
    c = os.environ["CITYBENCH_DB"]
    c = re.sub(r"\buser=\S+", "user=citybench_web", c)
    return re.sub(r"\s*\bpassfile=\S+", "", c)


def as_web(sql):
    """Runs sql as the workers' role; returns (exit status, stdout + stderr)."""
    p = subprocess.run([PSQL, "-qAtX", "-v", "ON_ERROR_STOP=1", web_conninfo(), "-c", sql],
                       capture_output=True, text=True, timeout=60)
    return p.returncode, (p.stdout + p.stderr).strip()


def refused(sql):
    rc, out = as_web(sql)
    assert rc != 0, "the web role was allowed: %s -> %s" % (sql, out)
    assert "permission denied" in out or "write grant" in out or "does not write" in out or \
        "no valid token" in out or "serving version" in out, (sql, out)
    return out


def token_id(tok):
    return int(tok.split("_")[1])


def secret_hash(tok):
    return hashlib.sha256(tok.split("_")[2].encode()).hexdigest()


def test_web_role_owns_nothing_and_cannot_write_any_table():
    assert psql("select count(*) from pg_class c join pg_roles r on r.oid = c.relowner "
                "where r.rolname = 'citybench_web'") == "0"
    assert psql("select count(*) from pg_proc p join pg_roles r on r.oid = p.proowner "
                "where r.rolname = 'citybench_web'") == "0"
    writable = psql("select string_agg(c.relname, ',') from pg_class c join pg_namespace n on n.oid = c.relnamespace "
                    "where n.nspname = 'public' and c.relkind in ('r', 'v', 'p') and "
                    "(has_table_privilege('citybench_web', c.oid, 'INSERT, UPDATE, DELETE, TRUNCATE') or "
                    "has_any_column_privilege('citybench_web', c.oid, 'INSERT, UPDATE'))")
    assert writable == "", "the web role may write " + writable
    for table, col in [("tokens", "secret_hash"), ("sessions", "id_hash"), ("sessions", "csrf_secret")]:
        assert psql("select has_column_privilege('citybench_web', '%s', '%s', 'SELECT')" % (table, col)) == "f"
    # every definer function pins its search_path and belongs to the schema's owner
    bad = psql("select string_agg(p.proname, ',') from pg_proc p join pg_namespace n on n.oid = p.pronamespace "
               "where n.nspname = 'public' and p.prosecdef and not coalesce(p.proconfig::text like '%search_path=public, pg_temp%', false)")
    assert bad == "", bad


def test_web_role_refused_each_write_it_could_do():
    slug = new_city("lp")
    other = new_city("lpo")
    tok = token_for_city(slug)
    r = post(API, "city,survey,question,value\n%s,2020,team1_staff,3\n" % slug, "text/csv", tok)
    assert r.status == 201, r
    cid = psql("select id from cities where slug = '%s'" % slug)
    oid = psql("select id from cities where slug = '%s'" % other)
    sub = psql("select submission_id from current_submissions where city_id = %s and survey_id = '2020'" % cid)
    tid, h = token_id(tok), secret_hash(tok)
    for sql in [
        "insert into audit_log (actor, action, accepted) values ('mallory', 'upload', true)",
        "update audit_log set actor = 'mallory'",
        "delete from audit_log",
        "truncate audit_log",
        "update current_submissions set submission_id = 1 where city_id = %s" % cid,
        "insert into current_submissions values (%s, '2018', %s, 1, null)" % (oid, sub),
        "insert into submissions (city_id, survey_id, version, actor, source) values (%s, '2020', 99, 'x', 'upload')" % oid,
        "insert into answers values (%s, 'team1_staff', '1')" % sub,
        "update answers set value = '0' where submission_id = %s" % sub,
        "delete from answers where submission_id = %s" % sub,
        "update metric_values set value = 0",
        "delete from metric_values",
        "insert into metric_values (metric_id, survey_id, city_id, value, plugin_version) "
        "select id, '2020', %s, 1, version from metrics limit 1" % oid,
        "update data_version set version = version + 1",
        "delete from cohort_counts", "delete from metric_steps", "insert into stats_dirty values ('counts', '*', '')",
        "select secret_hash from tokens",
        "select id_hash from sessions", "select csrf_secret from sessions",
        "update tokens set revoked_at = null",
        "insert into tokens (role, city_id, secret_hash) values ('partner', %s, '\\x00')" % oid,
        "insert into sessions (id_hash, token_id, csrf_secret, expires_at) values (repeat('a', 64), %d, "
        "repeat('b', 64), now() + interval '1 day')" % tid,
        "update sessions set expires_at = now() + interval '1 year'",
        "select * from web_grants",
        "insert into web_grants values (txid_current(), %d, %s, 'mallory')" % (tid, oid),
        "update metrics set active = false", "delete from metric_versions", "insert into plugin_refusals values ('x', 1, 'y')",
        "create table public.mine (x int)",
        "set role postgres",
        # the definer functions, without a grant for this transaction
        "select * from cb_store_version(%s, '2020', '{\"team1_staff\": 9}', 'mallory', null, 'upload', null)" % oid,
        "select cb_put_values((select id from metrics limit 1), array[%s], array['2020'], array[1.0::float8], "
        "(select version from metrics limit 1))" % oid,
        "select cb_put_values_many(array[(select id from metrics limit 1)], array[(select version from metrics "
        "limit 1)], array[%s], array['2020'], array[1.0::float8])" % oid,
        "select bump_data_version()",
        "select cb_session_open(%d, repeat('0', 64), repeat('c', 64), repeat('d', 64))" % tid,
    ]:
        refused(sql)
    # a forged credential opens no grant
    rc, out = as_web("select cb_write_begin(%d, repeat('0', 64), false)" % tid)
    assert rc == 0 and out == "f", out
    refused("begin; select cb_write_begin(%d, repeat('0', 64), false); select * from cb_store_version(%s, '2020', "
            "'{\"team1_staff\": 9}', 'mallory', null, 'upload', null); commit" % (tid, cid))
    # a real token's grant writes its own city only, never another, and never under another name
    refused("begin; select cb_write_begin(%d, '%s', false); select * from cb_store_version(%s, '2020', "
            "'{\"team1_staff\": 9}', 'mallory', null, 'upload', null); commit" % (tid, h, oid))
    refused("begin; select cb_write_begin(%d, '%s', false); select * from cb_store_version(%s, '2020', "
            "'{\"team1_staff\": 9}', 'mallory', null, 'withdraw', 1); commit" % (tid, h, cid))
    rc, out = as_web("begin; select cb_write_begin(%d, '%s', false); select version from cb_store_version(%s, '2020', "
                     "'{\"team1_staff\": 7}', 'mallory', 999, 'upload', null); rollback" % (tid, h, cid))
    assert rc == 0, out
    # metric values only for what the transaction wrote: another city's are ignored
    before = psql("select count(*) || '/' || coalesce(sum(value), 0) from metric_values where city_id = %s" % oid)
    rc, out = as_web("begin; select cb_write_begin(%d, '%s', false); "
                     "select cb_put_values(m.id, array[%s], array['2020'], array[12345.0::float8], m.version) "
                     "from metrics m where m.active; commit" % (tid, h, oid))
    assert rc == 0, out
    assert psql("select count(*) || '/' || coalesce(sum(value), 0) from metric_values where city_id = %s" % oid) == before
    # the same through the upload's call for every metric at once (016), and never another version
    rc, out = as_web("begin; select cb_write_begin(%d, '%s', false); "
                     "select cb_put_values_many(array_agg(m.id), array_agg(m.version), array_agg(%s), "
                     "array_agg('2020'::text), array_agg(12345.0::float8)) from metrics m where m.active; commit"
                     % (tid, h, oid))
    assert rc == 0, out
    assert psql("select count(*) || '/' || coalesce(sum(value), 0) from metric_values where city_id = %s" % oid) == before
    refused("begin; select cb_write_begin(%d, '%s', false); select cb_put_values_many(array[m.id], "
            "array['not-' || m.version], array[%s], array['2020'], array[1.0::float8]) from metrics m "
            "where m.active limit 1; commit" % (tid, h, cid))
    # an audit row under any name: the actor is the token's, or the row is an anonymous refusal
    run = uuid.uuid4().hex
    client = "10.%d.%d.%d" % tuple(uuid.uuid4().bytes[:3])
    as_web("select from cb_audit('mallory', %d, 'upload', '%s', '2020', true, 201, '{}', 'r1%s', null, false, '%s')"
           % (tid, other, run, client))
    as_web("select from cb_audit('mallory', null, 'upload', '%s', '2020', true, 201, '{}', 'r2%s', null, false, '%s')"
           % (other, run, client))
    as_web("select from cb_audit('mallory', %d, 'upload', '%s', '2020', true, 201, '{}', 'r3%s', '%s', false, '%s')"
           % (tid, other, run, h, client))
    assert psql("select count(*) from audit_log where actor = 'mallory'") == "0"
    # the row with the token's credential: the token's name, and not the other city's
    assert psql("select count(*) from audit_log where city = '%s' and action = 'upload'" % other) == "0"
    assert psql("select actor || '/' || token_id || '/' || coalesce(city, '-') from audit_log "
                "where detail->>'request_id' = 'r3%s'" % run) == "%s/%d/-" % (slug, tid)
    assert psql("select sum((detail->>'count')::int) || '/' || bool_and(not accepted and actor = 'anonymous') "
                "from audit_log where client = '%s'" % client) == "2/true"


def test_partner_upload_end_to_end_actor_from_the_token():
    slug = new_city("lpu")
    tok = token_for_city(slug)
    r = post(API, "city,survey,question,value\n%s,2020,dedicated_funding,yes\n%s,2020,team1_staff,12\n" % (slug, slug),
             "text/csv", tok)
    assert r.status == 201, r
    row = psql("select s.actor || '|' || s.token_id || '|' || s.source from submissions s join cities c on c.id = s.city_id "
               "where c.slug = '%s'" % slug)
    assert row == "%s|%d|upload" % (slug, token_id(tok)), row
    audit = psql("select actor || '|' || token_id || '|' || accepted from audit_log where city = '%s' and action = 'upload'"
                 % slug)
    assert audit == "%s|%d|true" % (slug, token_id(tok)), audit
    # the derived data followed: the city's metric values were written in the same transaction
    assert int(psql("select count(*) from metric_values mv join cities c on c.id = mv.city_id where c.slug = '%s'"
                    % slug)) > 0
    # and the grant does not outlive its transaction
    assert psql("select count(*) from web_grants where txid >= txid_snapshot_xmin(txid_current_snapshot())") == "0"


def test_workers_environment_has_no_owner_conninfo():
    rt = os.environ.get("CB_RT")
    assert rt, "CB_RT names the stack's runtime directory"
    with open(os.path.join(rt, "fcgi.pid")) as f:
        sup = int(f.read().split()[0])
    pids = [sup] + [int(p) for p in subprocess.run(["pgrep", "-P", str(sup)], capture_output=True,
                                                   text=True).stdout.split()]
    assert len(pids) > 1, "no workers found"
    for pid in pids:
        with open("/proc/%d/environ" % pid, "rb") as f:
            env = f.read().decode("utf-8", "replace").split("\0")
        db = [e for e in env if e.startswith("CITYBENCH_DB=")]
        assert db and "user=citybench_web" in db[0], db
        assert not [e for e in env if e.startswith("CITYBENCH_OWNER_DB=") and e != "CITYBENCH_OWNER_DB="], pid
        assert not [e for e in env if "user=postgres" in e or "passfile" in e or e.startswith("PGPASS")], pid
    # the owner is not let in without its password
    c = re.sub(r"\s*\bpassfile=\S+", "", os.environ["CITYBENCH_DB"]) + " passfile=/dev/null"
    p = subprocess.run([PSQL, "-qAtX", "-w", c, "-c", "select 1"], capture_output=True, text=True, timeout=60)
    assert p.returncode != 0, "the owner logs in without a password"


def test_refused_anonymous_writes_are_counted_not_appended():
    n_api, n_form = 1000, 300
    rows0 = int(psql("select count(*) from audit_log"))
    sum0 = int(psql("select coalesce(sum((detail->>'count')::int), 0) from audit_log where client is not null"))
    statuses = {API: {}, "/upload": {}}
    lock = threading.Lock()

    def hammer(path, n, ctype, body):
        conn = http.client.HTTPConnection(HOST, PORT, timeout=60)
        for _ in range(n):
            conn.request("POST", path, body=body, headers={"Content-Type": ctype, "Content-Length": str(len(body))})
            r = conn.getresponse()
            r.read()
            with lock:
                statuses[path][r.status] = statuses[path].get(r.status, 0) + 1
            if r.getheader("Connection", "").lower() == "close":
                conn.close()
                conn = http.client.HTTPConnection(HOST, PORT, timeout=60)
        conn.close()

    body = b"city,survey,question,value\nx,2020,team1_staff,1\n"
    threads = [threading.Thread(target=hammer, args=(API, n_api // 4, "text/csv", body)) for _ in range(4)]
    threads += [threading.Thread(target=hammer, args=("/upload", n_form // 2, "application/x-www-form-urlencoded",
                                                      b"token=&survey=2020")) for _ in range(2)]
    t0 = time.time()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    minutes = int(time.time() // 60) - int(t0 // 60) + 1   # the minutes the run touched (a loaded machine: more)
    assert sum(statuses[API].values()) == n_api and sum(statuses["/upload"].values()) == n_form, statuses
    # nginx may refuse some itself (its limits: 429 or 503); nothing else may fail
    assert not [s for d in statuses.values() for s in d if s >= 500 and s != 503], statuses
    added = int(psql("select count(*) from audit_log")) - rows0
    # one row per client, action and minute: two actions, in each minute the run touched
    assert added <= 2 * minutes, "%d audit rows for %d refused requests in %d minutes (%r)" % (
        added, n_api + n_form, minutes, statuses)
    # every refusal the API answered is counted (the form's may be refused before the audit)
    counted = int(psql("select coalesce(sum((detail->>'count')::int), 0) from audit_log where client is not null")) - sum0
    api_refused = sum(n for s, n in statuses[API].items() if s < 429)
    assert api_refused <= counted <= n_api + n_form, (counted, statuses)
