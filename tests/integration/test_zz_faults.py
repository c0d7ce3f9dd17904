"""Faults, run last (the file sorts last): PostgreSQL stopped and started again, a worker killed in the
middle of a request, a read-only database, nginx reloaded under load.  Each failure is answered cleanly
(503 from the workers, 502 from nginx, in the contract's JSON or as a page), never a 500, nothing is
half-stored, and the service comes back by itself.  Every test leaves the stack healthy."""
import json
import os
import re
import signal
import subprocess
import threading
import time
import uuid

from cb import ROOT, error_of, get, get_json, new_city, post, psql, researcher_token, token_for_city
from test_security import QUICK_PLUGIN, SLOW_PLUGIN, ops_get, slot_holder_answered

API = "/api/submissions"


def rt():
    r = os.environ.get("CB_RT")
    assert r, "CB_RT names the test stack's runtime directory"
    return r


def stack(cmd):
    """tests/stack.sh pgstop|pgstart on the test stack (its port read from the conninfo)."""
    env = dict(os.environ)
    m = re.search(r"\bport=(\d+)", os.environ.get("CITYBENCH_DB", ""))
    if m:
        env["CB_PGPORT"] = m.group(1)
    p = subprocess.run([os.path.join(ROOT, "tests", "stack.sh"), cmd], env=env, capture_output=True, text=True,
                       timeout=120)
    assert p.returncode == 0, "stack.sh %s: %s" % (cmd, p.stderr[-500:])


def wait_healthy(seconds=30):
    end = time.time() + seconds
    while time.time() < end:
        try:
            if get("/healthz").status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError("the portal did not come back within %ds" % seconds)


def versions(slug):
    out = psql("select version from submissions s join cities c on c.id = s.city_id where c.slug = '%s' "
               "order by version" % slug)
    return [int(v) for v in out.split()] if out else []


def upload(slug, tok, mayor):
    return post(API, json.dumps({"city": slug, "survey": "2020", "answers": {"mayor": mayor}}), "application/json", tok)


def form_upload(slug, tok):
    b = "----cbfault" + uuid.uuid4().hex
    body = ("--%s\r\nContent-Disposition: form-data; name=\"token\"\r\n\r\n%s\r\n"
            "--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\r\n"
            "city,survey,question,value\n%s,2020,mayor,Form\n\r\n--%s--\r\n" % (b, tok, b, slug, b))
    return post("/upload", body, "multipart/form-data; boundary=" + b)


def is_503_page(r):
    return (r.status == 503 and (r.header("Content-Type") or "").startswith("text/html") and "<h1" in r.text
            and "database" in r.text)


def workers():
    sup = open(os.path.join(rt(), "fcgi.pid")).read().strip()
    out = subprocess.run(["pgrep", "-P", sup], capture_output=True, text=True).stdout.split()
    return [int(p) for p in out]


def busy_child_parent(parents):
    """The one of parents (pids) with a child process that has used CPU: the sandbox running a
    preview.  A spare sandbox started ahead for the next upload waits idle, with no CPU yet, so it
    does not count.  Read from /proc directly: a loaded machine starts pgrep too slowly to catch a
    preview of a few tenths of a second."""
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            stat = open("/proc/%s/stat" % name).read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()   # from field 3 (state) on
        ppid, utime, stime = int(fields[1]), int(fields[11]), int(fields[12])
        if ppid in parents and (fields[0] == "R" or utime + stime >= 2):
            return ppid
    return None


def metric(name):
    m = re.search(r"^%s (\S+)$" % name, ops_get("/ops/metrics")[2], re.M)
    return float(m.group(1)) if m else None


def test_1_postgres_stopped_then_started():
    slug = new_city("pgdown")
    tok = token_for_city(slug)
    rtok = researcher_token("pgdown")
    assert upload(slug, tok, "Before").status == 201
    n = len(workers())
    stack("pgstop")
    try:
        r = get("/healthz")
        assert is_503_page(r), r
        error_of(get("/healthz.json"), 503)
        u = uuid.uuid4().hex[:8]   # query strings no cache has seen: the page must ask the database
        r = get("/cities/toronto?peers=population:1-%d" % (int(u, 16) + 1))
        assert is_503_page(r) and "unreachable" in r.text, r
        e = error_of(get("/cities.json?q=" + u), 503)
        assert "database" in e["message"]
        for path in ["/", "/cities?q=" + u, "/cities/%s?survey=2020&peers=%s" % (slug, slug), "/compare?cities=toronto,%s" % slug,
                     "/metrics/funding_share?city=" + slug, "/metrics/funding_share.svg?city=" + slug,
                     "/surveys/2020?x=" + u, "/data/answers-2020.csv?x=" + u, "/cities/toronto/submissions.json?x=" + u,
                     "/upload", "/guide", "/static/citybench.css"]:
            r = get(path)
            assert r.status in (200, 503), (path, r)   # 200: a page that needs no database
            if r.status == 503 and not (r.header("Content-Type") or "").startswith("text/html"):
                error_of(r, 503)
        r = upload(slug, tok, "During")
        e = error_of(r, 503)
        error_of(post(API + "?dry_run=1", "city,survey,question,value\n%s,2020,mayor,x\n" % slug, "text/csv", tok), 503)
        r = form_upload(slug, tok)
        assert r.status == 503 and "<h1" in r.text, r
        error_of(post("/api/plugins/preview", QUICK_PLUGIN, "text/x-lua", rtok), 503)
        # the operator finds the failure in the workers' log by the request id the answer carried
        # (the worker writes its line after answering: waited for with a generous bound, not a sleep)
        end = time.time() + 30
        while e["request_id"] not in open(os.path.join(rt(), "fcgi.log"), errors="replace").read() and time.time() < end:
            time.sleep(0.05)
        log = open(os.path.join(rt(), "fcgi.log"), errors="replace").read()
        assert e["request_id"] in log, "the 503's request id is not in fcgi.log"
    finally:
        stack("pgstart")
    wait_healthy()
    # every worker reconnects by itself: enough reads to reach each of them
    for i in range(4 * n):
        assert get("/cities/toronto.json?x=%d" % i).status == 200
    r = upload(slug, tok, "After")
    assert r.status == 201, r
    assert versions(slug) == [1, 2], versions(slug)
    for _ in range(2 * n):
        assert get_json("/cities/%s.json" % slug)["answers"]["mayor"] == "After"
    assert form_upload(slug, tok).status == 201
    assert post("/api/plugins/preview", QUICK_PLUGIN, "text/x-lua", rtok).status == 200


def test_2_worker_killed_mid_request():
    n = len(workers())
    for attempt in range(5):
        rtok = researcher_token("kill%d" % attempt)
        out = []
        t = threading.Thread(target=lambda: out.append(post("/api/plugins/preview", SLOW_PLUGIN, "text/x-lua", rtok)))
        t.start()
        victim = None
        end = time.time() + 30   # bounded by the preview's end anyway: a loaded machine starts it late
        ws = set(workers())
        while victim is None and time.time() < end and t.is_alive():
            victim = busy_child_parent(ws)   # the worker whose sandbox child is running the preview
            if victim is None:
                time.sleep(0.005)
        if victim:
            os.kill(victim, signal.SIGKILL)
        t.join()
        if victim and out and not slot_holder_answered(out[0]):
            break
        # the preview finished (or was stopped by its wall-clock budget) just before the kill landed: the
        # worker died idle; try again
        end = time.time() + 30
        while time.time() < end and len(workers()) < n:
            time.sleep(0.1)
        victim = None
    assert victim, "never caught a worker in the middle of a preview"
    e = error_of(out[0], 502)          # nginx's answer, in the contract's JSON
    # the supervisor replaces the worker, and gives back the preview slot it held
    end = time.time() + 30
    while time.time() < end and (len(workers()) < n or victim in workers()):
        time.sleep(0.1)
    assert len(workers()) == n and victim not in workers(), workers()
    assert metric("citybench_previews_running") == 0
    assert "killed by signal 9" in open(os.path.join(rt(), "fcgi.log"), errors="replace").read()
    for i in range(2 * n):
        assert get("/cities/toronto?x=%d" % i).status == 200
    for i in range(n):   # every slot is free again: as many previews at once as before
        assert post("/api/plugins/preview", QUICK_PLUGIN, "text/x-lua", researcher_token("after%d" % i)).status == 200


def _web_backends_gone():
    psql("select pg_terminate_backend(pid) from pg_stat_activity where usename = 'citybench_web'")


def test_3_read_only_database():
    slug = new_city("ro")
    tok = token_for_city(slug)
    assert upload(slug, tok, "Writable").status == 201
    psql("alter role citybench_web set default_transaction_read_only = on")
    try:
        _web_backends_gone()   # the workers reconnect, now read-only
        for mayor in ["RO1", "RO2"]:
            e = error_of(upload(slug, tok, mayor), 503)
            assert "nothing was stored" in e["message"], e
        r = form_upload(slug, tok)
        assert r.status == 503 and "Nothing was stored" in r.text, r
        assert versions(slug) == [1], versions(slug)
        for i in range(8):   # reads go on
            for path in ("/cities/%s.json?x=%d" % (slug, i), "/cities?q=ro-&x=%d" % i):
                r = get(path)
                assert r.status == 200, (path, r.status, r.body[:300])
        assert get_json("/cities/%s.json" % slug)["answers"]["mayor"] == "Writable"
    finally:
        psql("alter role citybench_web reset default_transaction_read_only")
        _web_backends_gone()
    wait_healthy()
    r = upload(slug, tok, "Writable again")
    assert r.status == 201, r
    assert versions(slug) == [1, 2]


def _nginx_workers():
    master = open(os.path.join(rt(), "nginx", "nginx.pid")).read().strip()
    out = subprocess.run(["pgrep", "-P", master], capture_output=True, text=True).stdout.split()
    return {int(p) for p in out}


def _get_once_more_if_unanswered(path):
    """A GET on a fresh connection.  An old nginx worker winding down after a reload may close a
    connection it had just accepted before reading its request (its error log: "open socket ... left in
    connection", "aborting"): closed with no byte of an answer, which HTTP/1.1 lets a client send again
    (an idempotent request).  That is asked once more, on a new connection, and counted; a cut answer
    (a status line then less than its body), a refused connection or a second failure is not."""
    import http.client
    from cb import HOST, PORT
    for attempt in (1, 2):
        conn = http.client.HTTPConnection(HOST, PORT, timeout=60)
        try:
            conn.request("GET", path)
            try:
                r = conn.getresponse()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                if attempt == 2:
                    raise
                continue
            r.read()   # a cut body raises here: a failure
            return r.status, attempt - 1
        finally:
            conn.close()


def test_4_nginx_reload_under_load():
    r = rt()
    statuses, errors, asked_again = [], [], []
    done = threading.Event()
    counts = [0, 0, 0]

    def loop(k, paths):
        i = 0
        while not done.is_set():
            i += 1
            try:
                st, again = _get_once_more_if_unanswered(paths[i % len(paths)])
                statuses.append(st)
                asked_again.append(again)
            except Exception as e:   # a refused, reset or cut connection is a failure
                errors.append(repr(e))
            counts[k] += 1

    def wait_each(n, why):
        # no wall-clock window: every loop makes n more requests (a generous bound only against a hang)
        want = [c + n for c in counts]
        end = time.time() + 120
        while any(c < w for c, w in zip(counts, want)) and time.time() < end:
            time.sleep(0.05)
        assert all(c >= w for c, w in zip(counts, want)), ("the load stalled " + why, counts, want)
    threads = [threading.Thread(target=loop, args=(k, p)) for k, p in enumerate(
               (["/cities/toronto", "/cities.json"], ["/metrics/funding_share.svg", "/healthz"],
                ["/static/citybench.css", "/compare?cities=toronto,osteport"]))]
    for t in threads:
        t.start()
    try:
        wait_each(10, "before the reload")
        old = _nginx_workers()
        p = subprocess.run(["/usr/sbin/nginx", "-p", os.path.join(r, "nginx"), "-c", os.path.join(r, "nginx", "nginx.conf"),
                            "-s", "reload"], capture_output=True, text=True, timeout=30)
        assert p.returncode == 0, p.stderr
        # the load goes on until every old worker has gone (the swap happened under it), then a little more
        end = time.time() + 120
        while _nginx_workers() & old and time.time() < end:
            time.sleep(0.05)
        assert not (_nginx_workers() & old), "the old nginx workers did not exit"
        wait_each(10, "after the reload")
    finally:
        done.set()
        for t in threads:
            t.join()
    assert not errors, errors[:5]
    assert len(statuses) >= 60 and all(s < 500 for s in statuses), [s for s in statuses if s >= 500][:5]
    # a connection closed unanswered is the reload's rare race, not the rule
    assert sum(asked_again) <= max(3, len(statuses) // 20), (sum(asked_again), len(statuses))
    assert get("/healthz").status == 200


def test_9_statistics_exact_after_every_fault():
    """Whatever was killed or refused above, the stored cohort statistics still equal a fresh count:
    a write that did not commit left none of its increments behind."""
    from test_stats import assert_consistent
    assert_consistent()
