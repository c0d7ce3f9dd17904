"""Hostile input from every side, through nginx: SQL, markup, path traversal and CR/LF in every query
parameter, path segment, header and upload field; CSV formulas in every export; the security headers of
every page; nginx's limits (request line, headers, bodies, slow clients) and the per-token limits; the
access log and the operator's counters.  Nothing here may change data it was not meant to change."""
import csv
import html.parser
import http.client
import io
import json
import os
import re
import socket
import subprocess
import threading
import time
import urllib.parse
import uuid

from cb import HOST, PORT, cli, error_of, get, get_json, new_city, post, psql, request, researcher_token, token_for_city

SQL = ["' or 1=1 --", '"; drop table cities; --', "$1", "1) or (1=1", "x'; select pg_sleep(30); --"]
MARKUP = ["<script>alert(1)</script>", '"><svg onload=alert(1)>', "javascript:alert(1)",
          "'><img src=x onerror=alert(1)>", "</title><script>alert(1)</script>"]
TRAVERSAL = ["../../../../etc/passwd", "..\\..\\windows\\win.ini"]
CRLF = ["\r\nSet-Cookie: pwned=1\r\nX-Injected: 1", "\nSet-Cookie: pwned=1"]
PAYLOADS = SQL + MARKUP + TRAVERSAL + CRLF

# Every page's parameters and path segments; {p} is the payload, percent-encoded; {e} a format.
TARGETS = [
    ("/cities{e}?q={p}", ["", ".json", ".csv"]),
    ("/cities{e}?region={p}", ["", ".json", ".csv"]),
    ("/cities{e}?country={p}", ["", ".json"]),
    ("/cities{e}?population={p}", ["", ".json"]),
    ("/cities{e}?survey={p}", ["", ".json"]),
    ("/cities{e}?page={p}", [""]),
    ("/cities/toronto{e}?peers={p}", ["", ".json", ".csv"]),
    ("/cities/toronto{e}?peers=region:{p}", ["", ".json"]),
    ("/cities/toronto{e}?survey={p}", ["", ".json"]),
    ("/cities/toronto/submissions{e}?survey={p}", ["", ".json"]),
    ("/compare{e}?cities=toronto,{p}", ["", ".json", ".csv"]),
    ("/compare{e}?cities={p},toronto,osteport", ["", ".json"]),
    ("/compare{e}?cities=toronto,osteport&metrics={p}", ["", ".json"]),
    ("/compare{e}?cities=toronto,osteport&peers={p}", ["", ".json"]),
    ("/compare{e}?cities=toronto,osteport&peers=region:{p}", ["", ".json", ".csv"]),
    ("/compare{e}?cities=toronto,osteport&survey={p}", [""]),
    ("/metrics/funding_share{e}?city={p}", ["", ".json", ".svg"]),
    ("/metrics/funding_share{e}?peers={p}", ["", ".json", ".csv", ".svg"]),
    ("/metrics/funding_share{e}?peers=region:{p}", ["", ".svg"]),
    ("/metrics/funding_share{e}?survey={p}", ["", ".json"]),
    ("/metrics{e}?{p}={p}", ["", ".json"]),
    ("/cities/{p}{e}", ["", ".json", ".csv"]),
    ("/cities/{p}/submissions{e}", ["", ".json"]),
    ("/submissions/{p}{e}", ["", ".json"]),
    ("/metrics/{p}{e}", ["", ".json", ".svg"]),
    ("/surveys/{p}{e}", ["", ".json"]),
    ("/surveys/{p}/template{e}", [".csv"]),
    ("/data/{p}{e}", ["", ".csv"]),
    ("/{p}{e}", ["", ".json"]),
    ("/upload{e}?{p}={p}", [""]),
    ("/?q={p}", [""]),
]

TABLES = ["cities", "surveys", "questions", "question_options", "tokens", "submissions", "answers",
          "current_submissions", "metrics", "metric_values"]

URL_ATTRS = {"href", "src", "action", "formaction", "xlink:href", "data", "poster"}
NUMBER = re.compile(r"^-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")


def q(s):
    return urllib.parse.quote(s, safe="")


def counts():
    return psql("select " + ", ".join("(select count(*) from %s)" % t for t in TABLES))


def ctype(r):
    return (r.header("Content-Type") or "").split(";")[0].strip()


def check_headers(r, where):
    for k, v in r.headers:
        assert "\r" not in v and "\n" not in v, (where, k, v)
        assert k.lower() not in ("set-cookie", "x-injected"), ("header injected", where, k, v)


def check_csv_formulas(text, where):
    """A text cell never starts with = + - @ (unless it is a number): it is prefixed with '."""
    for row in csv.reader(io.StringIO(text)):
        for cell in row:
            if cell[:1] in ("=", "+", "-", "@"):
                assert NUMBER.match(cell), ("formula cell", where, cell)


class Markup(html.parser.HTMLParser):
    """What a browser would run: inline scripts, event handler attributes, javascript: URLs."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.bad = []

    def handle_starttag(self, tag, attrs):
        names = {k.lower() for k, _ in attrs}
        if tag.lower() == "script" and "src" not in names:
            self.bad.append("inline <script>")
        for k, v in attrs:
            k = k.lower()
            if k.startswith("on"):
                self.bad.append("%s attribute on <%s>" % (k, tag))
            if k in URL_ATTRS and v and re.sub(r"[\s\x00-\x1f]", "", v).lower().startswith(("javascript:", "vbscript:")):
                self.bad.append("%s=%r" % (k, v))

    handle_startendtag = handle_starttag


def check_body(r, where, payload=None):
    t = ctype(r)
    if t in ("text/html", "image/svg+xml"):
        body = r.text
        if payload and any(c in payload for c in "<>\"'"):
            assert payload not in body, ("raw payload in the page", where, payload)
        m = Markup()
        m.feed(body)
        m.close()
        assert not m.bad, ("markup that would run", where, m.bad[:3])
    elif t == "application/json":
        json.loads(r.body)
    elif t == "text/csv":
        check_csv_formulas(r.text, where)
    assert b"root:x:0:0" not in r.body and b"worker_processes" not in r.body, ("a file leaked", where)


def check(r, where, payload=None):
    assert r.status < 500, ("5xx", where, r)
    check_headers(r, where)
    check_body(r, where, payload)


def raw(data, timeout=10):
    """Sends bytes as they are; returns (status, headers dict (lower-case names), body)."""
    s = socket.create_connection((HOST, PORT), timeout=timeout)
    try:
        s.sendall(data)
        out = b""
        while True:
            try:
                d = s.recv(65536)
            except socket.timeout:
                break
            if not d:
                break
            out += d
    finally:
        s.close()
    head, _, body = out.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1]) if lines and lines[0].startswith("HTTP/") else 0
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers.setdefault(k.strip().lower(), []).append(v.strip())
    return status, headers, body


def nginx_error(status, headers, body, want):
    assert status == want, (status, body[:300])
    assert headers.get("content-type", [""])[0].startswith("application/json"), headers
    e = json.loads(body)["error"]
    assert e["status"] == want and e["message"] and e["request_id"], e
    return e


# ---- injection through every parameter and path segment ----

def test_every_parameter_and_segment():
    before = counts()
    slow = []
    for template, exts in TARGETS:
        for e in exts:
            for p in PAYLOADS:
                url = template.format(e=e, p=q(p))
                t0 = time.time()
                r = get(url)
                if time.time() - t0 > 25:   # pg_sleep(30) reaching SQL; not a loaded machine's pace
                    slow.append(url)
                check(r, url, p)
    assert not slow, ("requests that took over 25 s (pg_sleep reached SQL?)", slow[:5])
    assert counts() == before, "a GET changed data"
    assert get("/healthz").status == 200


def test_sql_strings_are_data():
    """Bound parameters: an SQL string is a value that matches nothing, not a clause that matches all."""
    for p in SQL:
        assert get_json("/cities.json?q=" + q(p))["total"] == 0, p
        assert get_json("/cities.json?region=" + q(p))["total"] == 0, p
    # LIKE wildcards typed by a visitor are plain characters too
    # (other tests may have added cities whose names hold them: only those may be found)
    for p in ["%", "_", "%%", "\\"]:
        found = get_json("/cities.json?q=" + q(p))["cities"]
        assert all(p in c["name"].lower() or p in c["slug"] for c in found), (p, found[:3])
        assert len(found) < 5, (p, len(found))
    assert get_json("/cities.json?q=toronto")["total"] >= 1


def test_raw_request_line_payloads():
    """Characters a browser would encode, sent raw: escaped all the same."""
    before = counts()
    for path in ['/cities?q="><svg/onload=alert(1)>', "/cities?q='><svg/onload=alert(1)>",
                 '/cities/toronto?peers=region:"><svg/onload=alert(1)>',
                 '/compare?cities=toronto,osteport&peers=region:"><svg/onload=alert(1)>',
                 '/metrics/funding_share?peers=region:"><svg/onload=alert(1)>&city=toronto',
                 '/metrics/funding_share.svg?peers=region:"><svg/onload=alert(1)>',
                 '/cities?q=x&"><svg/onload=alert(1)>=1', '/cities?q=<script>alert(1)</script>',
                 "/cities?q=' or 1=1 --", '/upload?"><svg/onload=alert(1)>']:
        status, headers, body = raw(("GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" % path).encode())
        assert 0 < status < 500, (path, status)
        assert b"<svg/onload" not in body and b"<script>alert" not in body, path
        assert "set-cookie" not in headers
    assert counts() == before


def test_crlf_never_splits_a_header():
    for url in ["/cities/%0d%0aSet-Cookie:%20pwned=1", "/cities?q=%0d%0aSet-Cookie:%20pwned=1",
                "/nope%0d%0aX-Injected:%201", "/cities/toronto?peers=%0d%0aSet-Cookie:%20pwned=1",
                "/metrics/funding_share.svg?city=%0aSet-Cookie:%20pwned=1", "/%0d%0a%0d%0a<script>alert(1)</script>",
                "/compare.csv?cities=toronto,osteport%0d%0aSet-Cookie:%20pwned=1"]:
        r = get(url)
        check(r, url)
        status, headers, body = raw(("GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" % url).encode())
        assert "set-cookie" not in headers and "x-injected" not in headers, (url, headers)
    # CR or LF inside a request header: nginx refuses the request, in the contract's JSON
    for h in [b"X-Test: a\rSet-Cookie: pwned=1", b"X-Test: a\r\x00b"]:
        status, headers, body = raw(b"GET /cities HTTP/1.1\r\nHost: x\r\n" + h + b"\r\nConnection: close\r\n\r\n")
        assert status == 400 or (0 < status < 500 and "set-cookie" not in headers), (h, status)
        if status == 400:
            nginx_error(status, headers, body, 400)


def test_path_traversal():
    for url in ["/static/../../../../etc/passwd", "/static/..%2f..%2f..%2fetc%2fpasswd",
                "/static/%2e%2e/%2e%2e/%2e%2e/etc/passwd", "/static../nginx/nginx.conf",
                "/static/..%2fnginx%2fnginx.conf", "/static/../nginx/nginx.conf", "/static//etc/passwd",
                "/data/..%2f..%2f..%2fetc%2fpasswd.csv", "/data/%2e%2e%2fconninfo.csv", "/surveys/..%2f2020.json",
                "/cities/..%2f..%2fetc%2fpasswd.json", "/favicon.ico/../../etc/passwd",
                "/static/citybench.css%00.json", "/metrics/..%5c..%5cetc%5cpasswd.svg"]:
        r = get(url)
        assert r.status in (400, 403, 404), (url, r.status, r.body[:200])
        check(r, url)
        body = r.body
        assert b"host=" not in body and b"user=postgres" not in body, url   # the conninfo file
    assert get("/static/citybench.css").status == 200


# ---- headers from the client ----

def test_every_request_header():
    tok = token_for_city(new_city("hdr"))
    before = counts()
    hostile = [p for p in PAYLOADS if "\r" not in p and "\n" not in p]
    for p in hostile:
        for name in ["User-Agent", "Referer", "Cookie", "X-Forwarded-For", "X-Real-IP", "If-None-Match",
                     "Accept", "Accept-Language", "Origin", "X-Request-Id", "Content-Type"]:
            for path in ["/", "/cities/toronto", "/metrics/funding_share.svg"]:
                r = get(path, headers={name: p})
                check(r, "%s: %s on %s" % (name, p, path), p)
        # the request id nginx passes is its own: a client's X-Request-Id never reaches the answer
        r = get("/nope.json", headers={"X-Request-Id": p})
        assert error_of(r, 404)["request_id"] != p
        # tokens made of SQL and markup are unknown tokens, nothing more
        for path, ctype_ in [("/api/submissions", "text/csv"), ("/api/plugins/preview", "text/x-lua")]:
            for auth in ["Bearer " + p, "Bearer cb_1_" + p, "Bearer cb_" + p + "_" + "0" * 64, p]:
                r = post(path, "city,survey,question,value\n", ctype_, headers={"Authorization": auth})
                error_of(r, 401)
                check_headers(r, auth)
        r = post("/api/submissions", "city,survey,question,value\n", p, tok)
        assert r.status in (400, 415, 422), (p, r)
    assert counts() == before


# ---- upload fields ----

def _csv(rows):
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["city", "survey", "question", "value"])
    w.writerows(rows)
    return out.getvalue()


def _form(fields):
    b = "----cbsec" + uuid.uuid4().hex
    out = b""
    for name, value, filename in fields:
        disp = 'form-data; name="%s"' % name + ('; filename="%s"' % filename if filename is not None else "")
        out += ("--%s\r\nContent-Disposition: %s\r\n\r\n" % (b, disp)).encode() + value + b"\r\n"
    return out + ("--%s--\r\n" % b).encode(), "multipart/form-data; boundary=" + b


def test_upload_fields_refused_without_effect():
    slug = new_city("upf")
    toks = [token_for_city(slug) for _ in SQL + MARKUP + TRAVERSAL]
    before = counts()
    for p, tok in zip(SQL + MARKUP + TRAVERSAL, toks):
        for rows, want in [([[p, "2020", "mayor", "x"]], (403,)),          # another "city": out of scope
                           ([[slug, p, "mayor", "x"]], (422,)),
                           ([[slug, "2020", p, "x"]], (422,)),
                           ([[slug, "2020", "dedicated_funding", p]], (422,)),
                           ([[slug, "2020", "team1_staff", p]], (422,)),
                           ([[slug, "2020", "funding_sources", p]], (422,))]:
            r = post("/api/submissions", _csv(rows), "text/csv", tok)
            assert r.status in want, (rows, r)
            error_of(r, r.status)
        body = json.dumps({"city": slug, "survey": "2020", "answers": {p: "x"}})
        error_of(post("/api/submissions", body, "application/json", tok), 422)
        body = json.dumps({"city": slug, "survey": "2020", "answers": {"mayor": "x"}, p: 1})
        error_of(post("/api/submissions", body, "application/json", tok), 400)
        r = post("/api/submissions?dry_run=" + q(p), _csv([[slug, "2020", "dedicated_funding", "perhaps"]]), "text/csv", tok)
        error_of(r, 422)
        # the form: a refusal shows the problem, escaped
        form, ct = _form([("token", tok.encode(), None), ("file", _csv([[slug, "2020", "dedicated_funding", p]]).encode(), "a.csv")])
        r = post("/upload", form, ct)
        assert r.status == 422, r
        check(r, "form value " + p, p)
        form, ct = _form([("token", p.encode(), None), ("file", b"x", "a.csv")])
        r = post("/upload", form, ct)
        assert r.status == 401, r
        check(r, "form token " + p, p)
        form, ct = _form([("token", tok.encode(), None), ("file", _csv([[slug, "2020", "dedicated_funding", "maybe"]]).encode(), p.replace('"', "'"))])
        r = post("/upload", form, ct)
        assert r.status in (400, 422), r
        check(r, "form filename " + p, p)
        form, ct = _form([(p.replace('"', "'"), b"x", None), ("token", tok.encode(), None)])
        r = post("/upload", form, ct)
        assert r.status == 400, r
        check(r, "form field name " + p, p)
    assert counts() == before, "a refused upload changed data"


def test_uploaded_text_and_city_names_escaped_everywhere():
    """Markup as answers and as a city's name: stored as text, shown escaped on every page and chart."""
    slug = new_city("xsu")
    cli("city", "edit", slug, "--name", MARKUP[1] + " " + MARKUP[0])
    tok = token_for_city(slug)
    answers = {"mayor": MARKUP[0], "team1_name": MARKUP[1], "team1_location": MARKUP[2],
               "lead_innovation_officer": MARKUP[3], "spotlight": MARKUP[4] + " " + SQL[1],
               "dedicated_funding": True, "team1_staff": 4}
    r = post("/api/submissions", json.dumps({"city": slug, "survey": "2020", "answers": answers}), "application/json", tok)
    assert r.status == 201, r
    sid = r.json()["submissions"][0]["id"]
    stored = get_json("/cities/%s.json" % slug)
    assert stored["answers"]["mayor"] == MARKUP[0] and stored["city"]["name"].startswith(MARKUP[1])
    assert psql("select count(*) from cities where slug = 'toronto'") == "1"   # the SQL text was only text
    pages = ["/cities/" + slug, "/cities/%s?survey=2020" % slug, "/cities/%s/submissions" % slug,
             "/submissions/%d" % sid, "/cities?q=" + q("svg onload"), "/cities?q=" + q(slug),
             "/compare?cities=toronto,%s" % slug, "/compare?cities=%s,toronto&peers=%s,toronto" % (slug, slug),
             "/metrics/funding_share?city=" + slug, "/metrics/funding_share.svg?city=" + slug,
             "/metrics/funding_share?peers=%s,toronto" % slug, "/metrics/innovation_staff?city=" + slug,
             "/cities/%s?peers=%s,toronto" % (slug, slug), "/data", "/"]
    for path in pages:
        r = get(path)
        # a search that finds one city goes to its profile (issue 15): the 302's page names it, escaped
        assert r.status == 200 or (r.status == 302 and path.startswith("/cities?q=")), (path, r)
        for p in MARKUP + [MARKUP[1] + " " + MARKUP[0]]:
            check(r, path, p)
    r = get("/cities/" + slug)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in r.text, "the answer is not shown (escaped)"


def test_csv_exports_neutralise_formulas():
    formulas = ["=HYPERLINK(\"http://evil.example/\",\"x\")", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1+1)*cmd|' /C calc'!A0"]
    slugs = []
    for f in formulas:
        slug = new_city("fx")
        cli("city", "edit", slug, "--name", f)
        tok = token_for_city(slug)
        r = post("/api/submissions", json.dumps({"city": slug, "survey": "2020", "answers": {
            "mayor": f, "team1_name": f, "dedicated_funding": True, "team1_staff": 7, "population": 123456}}),
            "application/json", tok)
        assert r.status == 201, r
        slugs.append(slug)
    urls = ["/cities.csv", "/cities.csv?q=fx-", "/data/cities.csv", "/data/answers-2020.csv", "/data/metrics-2020.csv",
            "/compare.csv?cities=" + ",".join(slugs), "/metrics/funding_share.csv", "/metrics/innovation_staff.csv"]
    urls += ["/cities/%s.csv" % s for s in slugs]
    cells = set()
    for url in urls:
        r = get(url)
        assert r.status == 200 and ctype(r) == "text/csv", (url, r)
        check_csv_formulas(r.text, url)
        for row in csv.reader(io.StringIO(r.text)):
            cells.update(row)
    for f in formulas:
        assert "'" + f in cells, ("the neutralised text never showed", f)
    # numbers are written as numbers: no quote, no prefix
    rows = list(csv.reader(io.StringIO(get("/cities.csv?q=fx-").text)))
    pop = rows[0].index("population")
    assert all(NUMBER.match(r[pop]) for r in rows[1:] if r[pop]), rows[:3]
    prof = dict(csv.reader(io.StringIO(get("/cities/%s.csv" % slugs[2]).text)))
    assert prof["team1_staff"] == "7" and prof["population"] == "123456" and prof["mayor"] == "'-2+3", prof


# ---- the headers of every answer ----

def _csp(r):
    out = {}
    for d in (r.header("Content-Security-Policy") or "").split(";"):
        parts = d.split()
        if parts:
            out[parts[0].lower()] = parts[1:]
    return out


def test_security_headers_on_every_page():
    slug = new_city("hd")
    sub = get_json("/cities/toronto/submissions.json")["submissions"][0]["id"]
    pages = ["/", "/cities", "/cities?q=tor", "/cities/toronto", "/cities/toronto/submissions", "/submissions/%d" % sub,
             "/compare?cities=toronto,osteport", "/compare", "/metrics", "/metrics/funding_share", "/surveys/2020",
             "/data", "/guide", "/upload", "/cities/" + slug,
             "/nope", "/cities/no-such-city", "/cities?page=x", "/cities/toronto?peers=region:"]
    for path in pages:
        r = get(path)
        assert ctype(r) == "text/html", (path, r.header("Content-Type"))
        csp = _csp(r)
        script = csp.get("script-src", csp.get("default-src"))
        assert script is not None, (path, "no script policy")
        assert not ({"'unsafe-inline'", "'unsafe-eval'", "*", "data:", "http:", "https:"} & set(script)), (path, script)
        assert csp.get("frame-ancestors") == ["'none'"], (path, csp)
        assert csp.get("object-src") == ["'none'"] and csp.get("base-uri") in (["'none'"], ["'self'"]), (path, csp)
        assert r.header("X-Content-Type-Options") == "nosniff", path
        assert r.header("Referrer-Policy"), path
        assert r.header("Set-Cookie") is None, path
    # the chart is embeddable elsewhere, and runs no script
    r = get("/metrics/funding_share.svg")
    assert r.status == 200 and ctype(r) == "image/svg+xml"
    csp = _csp(r)
    assert "'none'" not in csp.get("frame-ancestors", []) and r.header("X-Frame-Options") is None, csp
    assert csp.get("default-src") == ["'none'"] and "script-src" not in csp, csp
    assert r.header("X-Content-Type-Options") == "nosniff"
    # every other kind of answer is nosniff too, nginx's own included
    for path in ["/cities.json", "/cities.csv", "/static/citybench.css", "/nope.json", "/static/nope.css"]:
        assert get(path).header("X-Content-Type-Options") == "nosniff", path


# ---- limits ----

def test_request_line_and_headers_too_large():
    status, headers, body = raw(b"GET /cities?q=" + b"a" * 20000 + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    nginx_error(status, headers, body, 414)
    status, headers, body = raw(b"GET /" + b"b" * 20000 + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    nginx_error(status, headers, body, 414)
    status, headers, body = raw(b"GET /cities HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20000 + b"\r\nConnection: close\r\n\r\n")
    assert 400 <= status < 500, status
    nginx_error(status, headers, body, status)
    many = b"".join(b"X-H%d: %s\r\n" % (i, b"a" * 8000) for i in range(12))
    status, headers, body = raw(b"GET /cities HTTP/1.1\r\nHost: x\r\n" + many + b"Connection: close\r\n\r\n")
    assert 400 <= status < 500, status
    nginx_error(status, headers, body, status)
    status, headers, body = raw(b"GET /cities HTTP/1.1\r\nHost: x\r\nno colon here\r\nConnection: close\r\n\r\n")
    nginx_error(status, headers, body, 400)
    assert get("/healthz").status == 200


def test_bodies_over_their_limits():
    slug = new_city("short")
    tok = token_for_city(slug)
    before = counts()
    # the form: nginx's 8 MiB
    form, ct = _form([("token", b"cb_1_x", None), ("file", b"x" * (9 << 20), "a.csv")])
    r = post("/upload", form, ct)
    error_of(r, 413)
    # a preview: 256 KiB, 413 before 401 (no token at all)
    r = post("/api/plugins/preview", "-- " + "x" * (300 << 10), "text/x-lua")
    error_of(r, 413)
    # a body shorter than its Content-Length: 400, nothing stored
    body = _csv([[slug, "2020", "mayor", "x"]]).encode()
    s = socket.create_connection((HOST, PORT), timeout=30)
    s.sendall(b"POST /api/submissions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + tok.encode() +
              b"\r\nContent-Type: text/csv\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % (len(body) + 10) + body)
    s.shutdown(socket.SHUT_WR)
    out = b""
    while True:
        d = s.recv(65536)
        if not d:
            break
        out += d
    s.close()
    status = int(out.split(b" ", 2)[1]) if out.startswith(b"HTTP/") else 0
    assert status in (0, 400), out[:300]    # nginx may drop the connection, or answer 400
    assert counts() == before


def _conf_seconds(name, default):
    rt = os.environ.get("CB_RT")
    try:
        m = re.search(r"^\s*%s\s+(\d+)s?\s*;" % name, open(os.path.join(rt, "nginx", "nginx.conf")).read(), re.M)
        return int(m.group(1)) if m else default
    except (OSError, TypeError):
        return default


def test_slow_clients_cut_off_without_pinning_workers():
    body_timeout = _conf_seconds("client_body_timeout", 10)
    header_timeout = _conf_seconds("client_header_timeout", 10)
    assert body_timeout <= 12 and header_timeout <= 12, "a slow client may hold a connection too long"
    socks = []
    t0 = time.time()
    for i in range(8):   # more than there are workers
        s = socket.create_connection((HOST, PORT), timeout=30)
        s.sendall(b"POST /api/submissions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer cb_1_x\r\n"
                  b"Content-Type: text/csv\r\nContent-Length: 1000\r\n\r\ncity,survey,question,value\n")
        socks.append(("body", s))
    s = socket.create_connection((HOST, PORT), timeout=30)
    s.sendall(b"GET /cities HTTP/1.1\r\nHost: x\r\nX-Slow: ")
    socks.append(("header", s))
    # the portal goes on meanwhile: nginx holds the slow bodies, no worker waits for them
    for path in ["/healthz", "/cities.json", "/cities/toronto"]:
        assert get(path).status == 200, path
    results = []

    def wait(kind, s):
        out = b""
        try:
            while True:
                d = s.recv(4096)
                if not d:
                    break
                out += d
        except OSError as e:
            out += repr(e).encode()
        results.append((kind, time.time() - t0, out))
        s.close()
    threads = [threading.Thread(target=wait, args=x) for x in socks]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)   # a generous bound against a hang: nginx's timeouts are checked above (<= 12 s)
    assert len(results) == len(socks), "a slow client was never cut off"
    for kind, elapsed, out in results:
        limit = body_timeout if kind == "body" else header_timeout
        # not before its timeout (a loaded machine only makes the cut later; the socket's own 30 s
        # timeout would show as a socket.timeout in out)
        assert limit - 1 <= elapsed, (kind, elapsed, out[:200])
        assert b"timed out" not in out, (kind, elapsed, out[:200])
        # cut off: either closed without an answer, or a JSON error; never a 2xx or a 5xx
        if out.startswith(b"HTTP/"):
            st = int(out.split(b" ", 2)[1])
            assert 400 <= st < 500, out[:300]
    assert get("/healthz").status == 200


def _workers():
    m = re.search(r"^citybench_workers (\d+)$", ops_get("/ops/metrics")[2], re.M)
    return int(m.group(1)) if m else 4


# Slow for its first 150 cities only (the sample's count): the shared stack gains hundreds of cities from
# earlier tests, and a cost growing with them met the sandbox's wall-clock budget (5 s) on a loaded machine.
SLOW_PLUGIN = """local n = 0
return { id = "slow_sec", title = "Slow", description = "slow", unit = "number",
  higher_is_better = true, version = "1", inputs = { "population" },
  compute = function(city) local x = 0 n = n + 1 if n <= 150 then for i = 1, 40000 do x = x + i end end return x end }"""


def slot_holder_answered(r):
    """A slow preview that held a slot: answered 200, or stopped by the sandbox's wall-clock budget
    (a 422 saying so) when a loaded machine stretched it: either way it held the slot throughout."""
    return r.status == 200 or (r.status == 422 and "wall-clock budget" in r.text)
QUICK_PLUGIN = """return { id = "quick_sec", title = "Quick", description = "quick", unit = "number",
  higher_is_better = true, version = "1", inputs = { "population" },
  compute = function(city) return city.answers.population end }"""


def test_preview_limits_429_json():
    # every preview slot busy: at most workers - 1 run at once, the next is told to come back
    n = max(1, _workers() - 1)
    toks = [researcher_token("slots%d" % i) for i in range(n + 1)]
    results = []
    threads = [threading.Thread(target=lambda t=t: results.append(post("/api/plugins/preview", SLOW_PLUGIN, "text/x-lua", t)))
               for t in toks[:n]]
    for t in threads:
        t.start()
    held = False
    end = time.time() + 30   # until every slot is taken (a generous bound: a loaded machine starts them late)
    while time.time() < end and not held:
        held = bool(re.search(r"^citybench_previews_running %d$" % n, ops_get("/ops/metrics")[2], re.M))
        if not held:
            time.sleep(0.02)
    r = post("/api/plugins/preview", QUICK_PLUGIN, "text/x-lua", toks[n]) if held else None
    for t in threads:
        t.join()
    assert len(results) == n and all(slot_holder_answered(x) for x in results), results
    assert held, "the slow previews did not hold every slot at once"
    e = error_of(r, 429)
    assert r.header("Retry-After"), r.headers
    # one token's rate: a burst, then 429 with Retry-After
    tok = researcher_token("rate")
    statuses = []
    for _ in range(200):   # a burst of 20 refilled at 0.5 a second: a slow machine may need more than 40
        r = post("/api/plugins/preview", QUICK_PLUGIN, "text/x-lua", tok)
        statuses.append(r.status)
        if r.status == 429:
            break
    assert statuses[-1] == 429 and statuses.count(200) >= 10, statuses
    e = error_of(r, 429)
    assert int(r.header("Retry-After")) >= 1
    # another researcher is not held back
    assert post("/api/plugins/preview", QUICK_PLUGIN, "text/x-lua", researcher_token("rate2")).status == 200


# ---- logs and the operator's counters ----

def _log(name):
    rt = os.environ.get("CB_RT")
    assert rt, "CB_RT names the test stack's runtime directory"
    with open(os.path.join(rt, *name), "rb") as f:
        return f.read()


def test_access_log_never_holds_a_token():
    slug = new_city("log")
    tok = token_for_city(slug)
    rtok = researcher_token("log")
    secrets = [tok.split("_")[2], rtok.split("_")[2]]
    post("/api/submissions", _csv([[slug, "2020", "mayor", "Log"]]), "text/csv", tok)
    post("/api/submissions?dry_run=1&token=" + tok, _csv([[slug, "2020", "mayor", "Log"]]), "text/csv", tok)
    post("/api/plugins/preview", QUICK_PLUGIN, "text/x-lua", rtok)
    form, ct = _form([("token", tok.encode(), None), ("file", _csv([[slug, "2020", "mayor", "Form"]]).encode(), "a.csv")])
    assert post("/upload", form, ct).status == 201
    get("/cities?token=" + tok, headers={"Cookie": "token=" + tok, "Referer": "http://x/?token=" + tok})
    post("/api/submissions", "x", "text/csv", tok + "x")   # a refused token is not logged either
    # the access log is flushed every second: a last request to a path of its own marks the end of this
    # test's lines (written in order), waited for with a generous bound instead of sleeping past a flush
    marker = "/log-marker-" + uuid.uuid4().hex
    get(marker)
    end = time.time() + 30
    while time.time() < end and marker.encode() not in _log(("nginx", "logs", "access.log")):
        time.sleep(0.1)
    access = _log(("nginx", "logs", "access.log"))
    assert marker.encode() in access and access.count(b"/api/submissions") >= 2, "the access log is not where the test looks"
    workers = _log(("fcgi.log",))
    for s in secrets:
        assert s.encode() not in access, "a token reached the access log"
        assert s.encode() not in workers, "a token reached the workers' log"
    audit = cli("audit", "--city", slug)[1]
    assert secrets[0] not in audit


def ops_get(path, sock=None):
    """GET through the operator's unix socket: (status, content type, body)."""
    sock = sock or os.path.join(os.environ.get("CB_RT", ""), "ops", "ops.sock")

    class Conn(http.client.HTTPConnection):
        def connect(self):
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.settimeout(10)
            self.sock.connect(sock)
    c = Conn("ops")
    c.request("GET", path)
    r = c.getresponse()
    out = (r.status, r.getheader("Content-Type") or "", r.read().decode())
    c.close()
    return out


def _prom(text):
    """Prometheus text format: {name{labels}: value}, with every sample's metric declared by # TYPE."""
    types, samples = {}, {}
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split()
            types[name] = kind
        elif line.startswith("# HELP ") or not line.strip():
            continue
        else:
            m = re.match(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$", line)
            assert m, ("not the text format", line)
            base = re.sub(r"_(bucket|sum|count)$", "", m.group(1))
            assert m.group(1) in types or base in types, ("no # TYPE for", line)
            samples[m.group(1) + (m.group(2) or "")] = float(m.group(3))
    return types, samples


def test_ops_metrics_for_the_operator_only():
    # the public port: nginx refuses the path, and a header cannot pretend to be the operator's server
    for path in ["/ops/metrics", "/ops/", "/ops/metrics.json", "/ops/../ops/metrics", "/%6fps/metrics"]:
        r = get(path, headers={"Citybench-Ops": "1", "X-Citybench-Ops": "1"})
        assert r.status == 404, (path, r)
        assert "citybench_requests_total" not in r.text
    status, ct, text = ops_get("/ops/metrics")
    assert status == 200 and ct.startswith("text/plain"), (status, ct)
    types, s = _prom(text)
    for name in ["citybench_requests_total", "citybench_errors_total", "citybench_cache_hits_total",
                 "citybench_cache_misses_total"]:
        assert types.get(name) == "counter", name
    assert types.get("citybench_previews_running") == "gauge" and types.get("citybench_data_version") == "gauge"
    assert types.get("citybench_request_duration_seconds") == "histogram"
    buckets = [(k, v) for k, v in s.items() if k.startswith("citybench_request_duration_seconds_bucket")]
    les = [re.search(r'le="([^"]+)"', k).group(1) for k, _ in buckets]
    assert les[-1] == "+Inf" and len(les) >= 5, les
    vals = [v for _, v in buckets]
    assert vals == sorted(vals), "buckets are cumulative"
    assert vals[-1] == s["citybench_request_duration_seconds_count"] and s["citybench_requests_total"] >= 1
    # the counters move: requests, and the data version after a write
    slug = new_city("ops")
    tok = token_for_city(slug)
    for _ in range(5):
        get("/cities.json?q=ops")
    r = post("/api/submissions", _csv([[slug, "2020", "mayor", "Ops"]]), "text/csv", tok)
    assert r.status == 201
    _, s2 = _prom(ops_get("/ops/metrics")[2])
    assert s2["citybench_requests_total"] >= s["citybench_requests_total"] + 6
    assert s2["citybench_data_version"] >= r.json()["data_version"] > s["citybench_data_version"] - 1
    # the operator's socket serves nothing else
    assert ops_get("/cities")[0] == 404 and ops_get("/")[0] == 404
    # and only its owner may connect
    if os.geteuid() == 0:
        sock = os.path.join(os.environ["CB_RT"], "ops", "ops.sock")
        p = subprocess.run(["runuser", "-u", "www-data", "--", "python3", "-c",
                            "import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])", sock],
                           capture_output=True, text=True, timeout=30)
        assert p.returncode != 0 and "Permission" in p.stderr, (p.returncode, p.stderr[-300:])
