"""test_front_door.py: issue 14's uploads bounded before they cost and the front door.

- An upload over the limits of one upload (10,000 answer sets, 200,000 answers) is refused with 413 by
  a scan that builds nothing, before the token is looked at; the workers' own memory is back under
  64 MiB afterwards, also after a parse that was within the limits (malloc_trim after every body).
- 40 such uploads at once while a visitor's reads are answered (their success is asserted, not their
  time); at most workers - 1 uploads and previews run at once (429 with Retry-After for the next).
- /api/submissions and /upload answer each pair of faults in the contract's order: 413, 401, 415, 400,
  403, 422.
- Write attempts are limited per client address by nginx (the contract's JSON 429), whatever the
  Authorization header says; reads from that address are not.
- /static/ answers carry the headers SECURITY.md promises and exactly one Cache-Control.
- An unknown query parameter is dropped before the page and the cache see it: ?utm_source=x is served
  from the same cache entry, and its links do not carry it.

Every loop is bounded; every request goes to loopback."""
import http.client
import json
import os
import re
import threading
import time
import uuid

from cb import (HOST, PORT, ROOT, Response, error_of, get, new_city, post, record, request, researcher_token,
                token_for_city)

API = "/api/submissions"
MIB = 1 << 20
EMPTY_OBJECTS = ("[" + ",".join(["{}"] * (8 * MIB // 3 - 8)) + "]").encode()   # just under 8 MiB


def _ops_text():
    import test_security
    return test_security.ops_get("/ops/metrics")[2]


def _metric(name):
    m = re.search(r"^%s (\d+)$" % name, _ops_text(), re.M)
    assert m, name
    return int(m.group(1))


def _worker_pids():
    with open(os.path.join(os.environ["CB_RT"], "fcgi.pid")) as f:
        sup = f.read().strip()
    with open("/proc/%s/task/%s/children" % (sup, sup)) as f:
        pids = [int(p) for p in f.read().split()]
    assert pids, "no workers under the supervisor %s" % sup
    return pids


def _own_memory_kib(pid):
    """(VmRSS, RssAnon) of a worker, in KiB: RssAnon is its own (VmRSS also counts the pages of the
    shared response cache it has touched, which belong to every worker)."""
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("VmRSS", "RssAnon"):
                out[k] = int(v.split()[0])
    return out["VmRSS"], out["RssAnon"]


def _assert_workers_small():
    for pid in _worker_pids():
        try:
            rss, anon = _own_memory_kib(pid)
        except FileNotFoundError:
            continue    # a worker that left (restarted): nothing of it is kept
        assert anon < 64 * 1024, "worker %d keeps %d KiB of its own (VmRSS %d KiB)" % (pid, anon, rss)


def _multipart(fields, boundary="cbfrontdoorXyZ"):
    """fields: [(name, filename or None, content type or None, bytes)] -> (body, content type)."""
    out = b""
    for name, filename, ctype, data in fields:
        out += b"--" + boundary.encode() + b"\r\n"
        disp = 'form-data; name="%s"' % name + ('; filename="%s"' % filename if filename else "")
        out += ("Content-Disposition: %s\r\n" % disp).encode()
        if ctype:
            out += ("Content-Type: %s\r\n" % ctype).encode()
        out += b"\r\n" + data + b"\r\n"
    out += b"--" + boundary.encode() + b"--\r\n"
    return out, "multipart/form-data; boundary=" + boundary


def _post_from(source, path, body, headers):
    """A POST from another loopback address (its own bucket in nginx's per-address limit)."""
    conn = http.client.HTTPConnection(HOST, PORT, timeout=60, source_address=(source, 0))
    h = dict(headers)
    h["Content-Length"] = str(len(body))
    conn.request("POST", path, body=body, headers=h)
    r = conn.getresponse()
    out = Response(r.status, r.getheaders(), r.read())
    conn.close()
    record("POST", path, out)
    return out


# ---- uploads bounded before they cost ----

def test_empty_objects_refused_by_the_count_and_memory_given_back():
    slug = new_city("door")
    tok = token_for_city(slug)
    r = post(API, EMPTY_OBJECTS, "application/json", tok)
    e = error_of(r, 413)
    assert "10,000" in e["message"] and "200,000" in e["message"], e
    # the same without a token: 413 first (the contract's order), and through the form
    error_of(post(API, EMPTY_OBJECTS, "application/json"), 413)
    body, ctype = _multipart([("token", None, None, tok.encode()),
                              ("file", "big.json", "application/json", EMPTY_OBJECTS)])
    assert post("/upload", body, ctype).status == 413
    _assert_workers_small()


def test_limits_are_exact():
    slug = new_city("doorx")
    tok = token_for_city(slug)   # a token a check: each big body costs its bucket a token per 64 KiB
    sets = lambda n: ("[" + ",".join(['{"city":"%s","survey":"2020","answers":{}}' % slug] * n) + "]")
    assert post(API + "?dry_run=1", sets(10000), "application/json", tok).status != 413
    error_of(post(API + "?dry_run=1", sets(10001), "application/json", tok), 413)
    # answers: values inside the sets (fields, answers, options)
    one = {"city": slug, "survey": "2020", "answers": {"q%d" % i: 1 for i in range(199997)}}
    tok = token_for_city(slug)
    assert post(API + "?dry_run=1", json.dumps(one), "application/json", tok).status == 422
    one["answers"]["q199997"] = 1
    error_of(post(API + "?dry_run=1", json.dumps(one), "application/json", tok), 413)
    # CSV: records, the header included; quoted line breaks are inside a record
    head = "city,survey,question,value\n"
    rows = "".join('%s,2020,mayor,"a\nb"\n' % slug for _ in range(200000))
    tok = token_for_city(slug)
    assert post(API + "?dry_run=1", head + rows, "text/csv", tok).status == 422
    error_of(post(API + "?dry_run=1", head + rows + "%s,2020,mayor,x\n" % slug, "text/csv", tok), 413)
    # a parse within the limits (200,000 answers) is refused, and its memory given back
    _assert_workers_small()


def test_forty_uploads_at_once_while_a_visitor_reads():
    slug = new_city("doorp")
    tok = token_for_city(slug)
    uploads, reads = [], []

    def upload():
        uploads.append(post(API, EMPTY_OBJECTS, "application/json", tok).status)
    threads = [threading.Thread(target=upload) for _ in range(40)]
    for t in threads:
        t.start()
    for i in range(20):
        reads.append(get("/cities/toronto.json?limit=%d" % (i + 1) if i % 2 else "/healthz").status)
    for t in threads:
        t.join()
    assert reads == [200] * 20, reads
    assert sorted(set(uploads)) in ([413], [413, 429]), uploads
    _assert_workers_small()


def test_uploads_share_the_preview_slots():
    """At most workers - 1 uploads (of a body over 64 KiB: a small one parses in a moment) and previews
    at once: with every slot held by a preview, such an upload is told to come back (429, Retry-After),
    a small one is stored, and a read is answered."""
    import test_security
    n = max(1, test_security._workers() - 1)
    toks = [researcher_token("doorslot%d" % i) for i in range(n)]
    slug = new_city("doors")
    tok = token_for_city(slug)
    body = json.dumps({"city": slug, "survey": "2020", "answers": {"team1_staff": 3}}) + " " * (70 << 10)
    small = json.dumps({"city": slug, "survey": "2020", "answers": {"team1_staff": 4}})
    results = []
    threads = [threading.Thread(target=lambda t=t: results.append(
        post("/api/plugins/preview", test_security.SLOW_PLUGIN, "text/x-lua", t))) for t in toks]
    for t in threads:
        t.start()
    held = False
    end = time.time() + 30   # until every slot is taken (a generous bound: a loaded machine starts them late)
    while time.time() < end:
        if re.search(r"^citybench_previews_running %d$" % n, _ops_text(), re.M):
            held = True
            break
        time.sleep(0.02)
    r = post(API, body, "application/json", tok) if held else None
    stored = post(API, small, "application/json", tok) if held else None
    read = get("/healthz")
    for t in threads:
        t.join()
    assert len(results) == n and all(test_security.slot_holder_answered(x) for x in results), results
    assert held, "the previews did not hold every slot at once"
    e = error_of(r, 429)
    assert "busy" in e["message"] and int(r.header("Retry-After")) >= 1, (e, r.headers)
    assert stored.status == 201, stored
    assert read.status == 200
    assert post(API, body, "application/json", tok).status == 201


def test_the_token_bucket_is_charged_by_size():
    # 120 tokens refilled at 2 a second: one such upload costs 85 of them, so the second is refused
    # unless 25 s passed between them.  A round slower than 20 s (a loaded machine) proves nothing and
    # is done again with a fresh city and token.
    for _ in range(3):
        slug = new_city("doorb")
        tok = token_for_city(slug)
        big = "city,survey,question,value\n" + "%s,2020,mayor,%s\n" % (slug, "x" * 60) * 70000   # ~5.4 MiB
        statuses = []
        t0 = time.monotonic()
        for _ in range(5):
            statuses.append(post(API + "?dry_run=1", big, "text/csv", tok).status)
            if statuses[-1] == 429:
                break
        if len(statuses) >= 2 and time.monotonic() - t0 >= 20:
            continue
        break
    else:
        raise AssertionError("no round of two uploads within 20 s: %r" % statuses)
    assert statuses[-1] == 429 and len(statuses) == 2, statuses


# ---- the contract's order, a pair of faults at a time ----

def test_api_error_order_for_each_pair():
    slug = new_city("doore")
    other = new_city("doore")
    tok, res, other_tok = token_for_city(slug), researcher_token("doororder"), token_for_city(other)
    good = json.dumps({"city": slug, "survey": "2020", "answers": {"team1_staff": 3}})
    unknown_q = json.dumps({"city": slug, "survey": "2020", "answers": {"no_such_question": 3}})
    over = "[" + ",".join(["{}"] * 10001) + "]"
    too_big = b"x" * (8 * MIB + 1)
    cases = [
        # (wanted, body, content type, token, what)
        (413, too_big, "text/xml", None, "nginx 413 + 401 + 415"),
        (413, too_big, "application/json", res, "nginx 413 + 400 + 403"),
        (413, over, "application/json", None, "count 413 + 401"),
        (413, over + "]]", "application/json", tok, "count 413 + 400"),
        (413, over, "application/json", res, "count 413 + 403"),
        (413, over.replace("{}", '{"city":"%s","survey":"2020","answers":{"x":1}}' % slug, 1), "application/json",
         tok, "count 413 + 422"),
        (401, good, "text/xml", None, "401 + 415"),
        (401, good, "text/xml", "cb_1_" + "0" * 64, "401 (unknown token) + 415"),
        (401, "{not json", "application/json", None, "401 + 400"),
        (401, unknown_q, "application/json", None, "401 + 422"),
        (415, "{not json", "text/xml", tok, "415 + 400"),
        (415, good, "text/xml", res, "415 + 403"),
        (415, unknown_q, "text/xml", tok, "415 + 422"),
        (400, "{not json", "application/json", res, "400 + 403"),
        (400, "{not json", "application/json", other_tok, "400 + 403 (another city)"),
        (403, unknown_q, "application/json", res, "403 + 422"),
        (403, unknown_q, "application/json", other_tok, "403 (another city) + 422"),
        (422, unknown_q, "application/json", tok, "422 alone"),
    ]
    for wanted, body, ctype, token, what in cases:
        r = post(API + "?dry_run=1", body, ctype, token)
        assert r.status == wanted, "%s: %d, wanted %d: %r" % (what, r.status, wanted, r.body[:200])


def test_form_error_order_for_each_pair():
    slug = new_city("doorf")
    tok, res = token_for_city(slug), researcher_token("doorform")
    good = json.dumps({"city": slug, "survey": "2020", "answers": {"team1_staff": 3}}).encode()
    unknown_q = json.dumps({"city": slug, "survey": "2020", "answers": {"no_such_question": 3}}).encode()
    over = ("[" + ",".join(["{}"] * 10001) + "]").encode()

    def form(token, data, name="a.json"):
        fields = ([("token", None, None, token.encode())] if token else []) + \
            ([("file", name, "application/json", data)] if data is not None else [])
        return _multipart(fields)

    cases = [
        (413, _multipart([("file", "a.json", None, b"x" * (8 * MIB + 100))]), "nginx 413 + 401"),
        (413, form(None, over), "count 413 + 401"),
        (413, form(res, over), "count 413 + 403"),
        (401, ("token=&x=1", "application/x-www-form-urlencoded"), "401 + 415"),
        (401, (b"--nope\r\nbroken", "multipart/form-data; boundary=zzz"), "401 + 400 (unreadable form)"),
        (401, form(None, None), "401 + 400 (no file)"),
        (401, form("cb_1_" + "0" * 64, unknown_q), "401 (unknown token) + 422"),
        (415, ("token=%s" % tok, "application/x-www-form-urlencoded"), "415 + 400"),
        (415, ("token=%s" % res, "application/x-www-form-urlencoded"), "415 + 403"),
        (400, form(res, None), "400 (no file) + 403"),
        (400, form(res, b"{not json"), "400 + 403"),
        (403, form(res, unknown_q), "403 + 422"),
        (422, form(tok, unknown_q), "422 alone"),
        (200, form(tok, good), "good (dry run)"),
    ]
    for wanted, (body, ctype), what in cases:
        if wanted == 200:
            body = body.replace(b"--cbfrontdoorXyZ--", b'--cbfrontdoorXyZ\r\nContent-Disposition: form-data; '
                                b'name="dry_run"\r\n\r\n1\r\n--cbfrontdoorXyZ--')
        r = post("/upload", body, ctype)
        assert r.status == wanted, "%s: %d, wanted %d: %r" % (what, r.status, wanted, r.body[:300])
    # a program's Authorization header names the token as well as the form's field
    body, ctype = form(None, unknown_q)
    assert post("/upload", body, ctype, token=res).status == 403
    assert post("/upload", "x", "text/plain", token=tok).status == 415


# ---- the front door ----

def _flood(source, path, body, headers, limit=3000):
    """Write attempts from one address, 8 at a time, until nginx answers 429 (at most limit of them)."""
    seen, got = [], []
    lock = threading.Lock()

    def worker():
        while True:
            with lock:
                if got or len(seen) >= limit:
                    return
                seen.append(None)
            h = dict(headers)
            h["Authorization"] = "Bearer cb_%d_%s" % (len(seen), uuid.uuid4().hex * 2)  # a new one each time
            r = _post_from(source, path, body, h)
            with lock:
                seen[-1] = r.status
                if r.status == 429 and "Retry-After" not in dict(r.headers):   # nginx's, not a worker's
                    got.append(r)
    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert got, "no 429 from nginx after %d write attempts from %s: %s" % (len(seen), source, sorted(set(
        s for s in seen if s)))
    return got[0], seen


def test_anonymous_writes_limited_per_address():
    r, seen = _flood("127.0.0.2", API, "city,survey,question,value\n", {"Content-Type": "text/csv"})
    e = error_of(r, 429)
    assert set(s for s in seen if s) <= {401, 429}, set(seen)
    # reads from that address are not counted; another address is not held back
    conn = http.client.HTTPConnection(HOST, PORT, timeout=30, source_address=("127.0.0.2", 0))
    conn.request("GET", "/healthz")
    assert conn.getresponse().status == 200
    conn.close()
    assert post(API, "city,survey,question,value\n", "text/csv").status == 401
    # the form and the sign-in are limited per address too
    r, _ = _flood("127.0.0.3", "/upload", "token=x", {"Content-Type": "application/x-www-form-urlencoded"})
    error_of(r, 429)
    r, _ = _flood("127.0.0.4", "/signin", "token=x", {"Content-Type": "application/x-www-form-urlencoded"})
    error_of(r, 429)


def test_static_answers_carry_the_promised_headers():
    for path in ("/static/citybench.css", "/static/citybench.js", "/favicon.ico", "/api/openapi.json"):
        r = get(path)
        assert r.status == 200, (path, r)
        names = [k.lower() for k, _ in r.headers]
        assert names.count("cache-control") == 1, (path, r.headers)
        assert r.header("Referrer-Policy") == "same-origin", (path, r.headers)
        assert r.header("X-Content-Type-Options") == "nosniff", (path, r.headers)
    r = get("/static/citybench.css")
    assert r.header("X-Frame-Options") == "DENY", r.headers
    for path in ("/static/no-such-file.css", "/static/"):
        r = get(path)
        error_of(r, 404)
        assert r.header("Referrer-Policy") == "same-origin", (path, r.headers)


def test_unknown_parameters_share_the_cache_entry():
    base = "/cities.json?survey=2020&limit=3"
    first = get(base)
    assert first.status == 200
    get(base)     # in the cache now, whoever made it
    hits, misses = _metric("citybench_cache_hits_total"), _metric("citybench_cache_misses_total")
    again = get(base + "&utm_source=x&fbclid=abc")
    assert again.status == 200 and again.body == first.body
    assert _metric("citybench_cache_misses_total") == misses, "?utm_source made a new cache entry"
    assert _metric("citybench_cache_hits_total") == hits + 1
    # first with the tracking parameter: its links do not carry it (the page it makes is the same page)
    page = get("/cities?survey=2018&limit=2&utm_campaign=spring")
    assert page.status == 200 and "utm_campaign" not in page.text and "spring" not in page.text
    assert get("/cities?survey=2018&limit=2").body == page.body


def test_every_parameter_a_page_reads_is_known():
    """The table of parameters (routes.c) holds every one the pages read: one missing would be
    dropped before its page sees it."""
    with open(os.path.join(ROOT, "cgi", "pages", "routes.c")) as f:
        src = f.read()
    table = re.search(r"known_params\[\] = \{(.*?)\};", src, re.S).group(1)
    known = set(re.findall(r'"([a-z_]+)"', table))
    used = set()
    for d in ("core", "pages"):
        for name in os.listdir(os.path.join(ROOT, "cgi", d)):
            with open(os.path.join(ROOT, "cgi", d, name)) as f:
                text = f.read()
            used |= set(re.findall(r'(?:param|query_getv?|read_list)\w*\([^;"]*"([a-z_]+)"', text))
            if name == "mappage.c":
                used |= set(re.findall(r'\{ "([a-z_]+)", "[a-z_]+", (?:N_\()?"', text))
    assert used - known == set(), used - known
    assert {"survey", "peers", "limit", "offset", "cities", "metrics", "policy"} <= used
