"""cb.py: what the integration tests share: HTTP through nginx, the CLI, assertions.

Tests are functions named test_* in tests/integration/test_*.py; each takes no argument, raises
AssertionError (or anything) to fail, and may return nothing.  The runner prints TAP lines."""
import http.client
import json
import os
import subprocess
import threading
import urllib.parse

BASE = os.environ.get("BASE_URL", "http://127.0.0.1:8080")
ROOT = os.environ.get("CITYBENCH_ROOT", os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
_u = urllib.parse.urlsplit(BASE)
HOST, PORT = _u.hostname, _u.port or 80


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    @property
    def text(self):
        return self.body.decode("utf-8")

    def json(self):
        return json.loads(self.body)

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def __repr__(self):
        return "<%d %r>" % (self.status, self.body[:300])


def request(method, path, body=None, headers=None, timeout=60):
    """One request through nginx.  path is sent as given (no quoting)."""
    conn = http.client.HTTPConnection(HOST, PORT, timeout=timeout)
    h = dict(headers or {})
    if isinstance(body, str):
        body = body.encode("utf-8")
    conn.putrequest(method, path, skip_accept_encoding=True)
    for k, v in h.items():
        conn.putheader(k, v)
    if body is not None and "Content-Length" not in h:
        conn.putheader("Content-Length", str(len(body)))
    conn.endheaders()
    if body is not None:
        conn.send(body)
    r = conn.getresponse()
    out = Response(r.status, r.getheaders(), r.read())
    conn.close()
    record(method, path, out)
    return out


def record(method, path, r):
    """Appends a JSON answer to $CB_JSON_LOG (one JSON line each), which test_zzz_openapi.py checks
    against /api/openapi.json: every JSON answer the suite sees."""
    log = os.environ.get("CB_JSON_LOG")
    if not log or method == "HEAD" or not (r.header("Content-Type") or "").startswith("application/json"):
        return
    line = (json.dumps({"method": method, "path": path, "status": r.status,
                        "body": r.body.decode("utf-8", "replace")}) + "\n").encode("utf-8")
    with _record_lock:     # tests that send from threads: one whole line per write, appended
        fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)


_record_lock = threading.Lock()


def get(path, headers=None):
    return request("GET", path, headers=headers)


def get_json(path, status=200):
    r = get(path)
    assert r.status == status, "GET %s: %d, wanted %d: %r" % (path, r.status, status, r.body[:400])
    assert r.header("Content-Type").startswith("application/json"), r.header("Content-Type")
    return r.json()


def post(path, body, ctype=None, token=None, headers=None):
    h = dict(headers or {})
    if ctype:
        h["Content-Type"] = ctype
    if token:
        h["Authorization"] = "Bearer " + token
    return request("POST", path, body=body, headers=h)


def cli(*args, check=True, input=None, env=None):
    """Runs bin/citybench; returns (status, stdout, stderr)."""
    e = dict(os.environ)
    e.update(env or {})
    p = subprocess.run([os.path.join(os.environ.get("CB_BIN", os.path.join(ROOT, "bin")), "citybench")] + [str(a) for a in args],
                       capture_output=True, text=True, input=input, env=e, timeout=300)
    if check and p.returncode != 0:
        raise AssertionError("citybench %s: exit %d: %s" % (" ".join(map(str, args)), p.returncode,
                                                            p.stderr.strip()[-800:]))
    return p.returncode, p.stdout, p.stderr


def token_for_city(slug, expires=None):
    args = ["token", "create", "--city", slug] + (["--expires", expires] if expires else [])
    return cli(*args)[1].strip().splitlines()[-1]


def researcher_token(name="tester"):
    return cli("token", "create", "--researcher", name)[1].strip().splitlines()[-1]


_n = [0]


def new_city(prefix="t", population=500000, country="FR", region="Europe"):
    """A fresh city of the test's own, so tests that write do not disturb each other."""
    _n[0] += 1
    slug = "%s-%d-%d" % (prefix, os.getpid(), _n[0])
    cli("city", "add", slug, "--name", "Test city %s" % slug, "--country", country, "--region", region,
        "--population", population, "--synthetic")
    return slug


def error_of(r, status):
    """Checks the contract's error body and returns it."""
    assert r.status == status, "status %d, wanted %d: %r" % (r.status, status, r.body[:500])
    assert (r.header("Content-Type") or "").startswith("application/json"), r.header("Content-Type")
    e = r.json()["error"]
    assert e["status"] == status, e
    assert isinstance(e["message"], str) and e["message"], e
    assert isinstance(e.get("request_id"), str) and e["request_id"], e
    assert isinstance(e.get("details"), list), e
    return e


def psql(sql):
    """Runs SQL as the owner (the tests' own checks of what is stored)."""
    p = subprocess.run(["/usr/lib/postgresql/15/bin/psql", "-qAtX", os.environ["CITYBENCH_DB"], "-c", sql],
                       capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        raise AssertionError("psql: " + p.stderr)
    return p.stdout.strip()
