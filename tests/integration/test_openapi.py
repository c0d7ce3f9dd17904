"""/api/openapi.json: the document is served, is valid OpenAPI 3.1 (a real validator from the npm
registry, tests/openapi/), and every JSON answer of a representative set (every documented path, the
reads and the writes, their refusals: 400, 401, 403, 404, 405, 409, 413, 415, 422) fits the schema the
document gives for its method, path and status (ajv).  And the check can fail: a wrong shape is caught."""
import json
import os
import subprocess
import tempfile

from cb import ROOT, error_of, get, get_json, new_city, post, request, researcher_token, token_for_city

HERE = os.path.join(ROOT, "tests", "openapi")
API = "/api/submissions"


def node_check(*args):
    """Runs tests/openapi/check.js (installing its packages from the lock file first when missing);
    returns (exit status, output)."""
    if not os.path.isdir(os.path.join(HERE, "node_modules", "ajv")) or \
            not os.path.isdir(os.path.join(HERE, "node_modules", "@seriousme")):
        p = subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=HERE, capture_output=True, text=True,
                           timeout=300)
        assert p.returncode == 0, "npm ci in tests/openapi failed: %s" % (p.stdout + p.stderr)[-1500:]
    p = subprocess.run(["node", os.path.join(HERE, "check.js")] + list(args), capture_output=True, text=True,
                       timeout=300)
    return p.returncode, p.stdout + p.stderr


def check_answers(answers):
    """answers: (method, path, status, body bytes); returns (exit status, output) of the ajv check."""
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
        for method, path, status, body in answers:
            f.write(json.dumps({"method": method, "path": path, "status": status,
                                "body": body.decode("utf-8") if isinstance(body, bytes) else body}) + "\n")
        name = f.name
    try:
        return node_check("answers", name)
    finally:
        os.unlink(name)


def test_document_served_and_valid():
    r = get("/api/openapi.json")
    assert r.status == 200, r
    assert r.header("Content-Type").startswith("application/json"), r.header("Content-Type")
    doc = r.json()
    assert doc["openapi"].startswith("3.1"), doc["openapi"]
    for p in ["/cities.json", "/cities/{slug}.json", "/cities/{slug}/submissions.json", "/submissions/{id}.json",
              "/compare.json", "/metrics.json", "/metrics/{id}.json", "/surveys/{wave}.json",
              "/cities/{slug}/answers.json", "/map.json", "/api/submissions", "/api/submissions/{id}/restore",
              "/api/plugins/preview"]:
        assert p in doc["paths"], p
    up = doc["paths"]["/api/submissions"]["post"]
    assert {"text/csv", "application/json"} <= set(up["requestBody"]["content"]), up["requestBody"]
    assert {"200", "201", "409", "422"} <= set(up["responses"]), up["responses"].keys()
    # What nginx serves is the file in the repository, byte for byte.
    with open(os.path.join(ROOT, "web", "static", "api", "openapi.json"), "rb") as f:
        assert r.body == f.read()
    st, out = node_check("document", os.path.join(ROOT, "web", "static", "api", "openapi.json"))
    assert st == 0, out
    assert "is a valid OpenAPI 3.1" in out, out
    # Only GET and HEAD: anything else is the contract's JSON error.
    error_of(request("POST", "/api/openapi.json", body=b"{}", headers={"Content-Type": "application/json"}), 405)
    assert request("HEAD", "/api/openapi.json").status == 200


def test_validator_rejects_a_bad_document():
    doc = get_json("/api/openapi.json")
    doc["paths"]["/cities.json"]["get"]["responses"]["200"]["content"]["application/json"]["schema"] = \
        {"type": "object", "required": "cities"}          # "required" must be a list
    doc["openapi"] = "3.1.0"
    doc["info"].pop("title")                               # the OpenAPI schema requires a title
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(doc, f)
    try:
        st, out = node_check("document", f.name)
    finally:
        os.unlink(f.name)
    assert st == 1, out
    assert "is not a valid OpenAPI document" in out, out


def reads():
    """Every documented read, with its answers and refusals."""
    sub = get_json("/cities/toronto/submissions.json")["submissions"][0]["id"]
    paths = [
        "/cities.json", "/cities.json?survey=2018&region=europe&limit=5&offset=3", "/cities.json?q=tor",
        "/cities.json?population=100000-500000", "/cities.json?survey=latest", "/cities.json?survey=1999",
        "/cities.json?limit=0",
        "/cities/toronto.json", "/cities/toronto.json?survey=2018", "/cities/toronto.json?peers=region:Europe",
        "/cities/toronto.json?lang=fr", "/cities/atlantis.json", "/cities/toronto.json?survey=x",
        "/cities/toronto/submissions.json", "/cities/toronto/submissions.json?survey=2020",
        "/cities/atlantis/submissions.json",
        "/submissions/%d.json" % sub, "/submissions/%d.json" % (sub + 1), "/submissions/999999999.json",
        "/submissions/abc.json",
        "/compare.json?cities=toronto,montreal", "/compare.json?cities=toronto,montreal&metrics=funding_share",
        "/compare.json?cities=toronto,montreal&survey=2018&peers=region:North%20America",
        "/compare.json?cities=toronto", "/compare.json?cities=toronto,atlantis",
        "/compare.json?cities=" + ",".join("c%d" % i for i in range(13)),
        "/metrics.json", "/metrics.json?lang=fr",
        "/metrics/funding_share.json", "/metrics/funding_share.json?survey=2018&limit=3&offset=2",
        "/metrics/innovation_staff.json?peers=country:CA&city=toronto", "/metrics/nope.json",
        "/metrics/funding_share.json?limit=0", "/metrics/funding_share.json?peers=toronto,atlantis",
        "/surveys/2020.json", "/surveys/2018.json", "/surveys/1999.json", "/surveys/2020.json?lang=fr",
        "/cities/toronto/answers.json", "/cities/toronto/answers.json?survey=2018", "/cities/atlantis/answers.json",
        "/map.json", "/map.json?metric=funding_share&city=toronto", "/map.json?peers=region:Europe&survey=2018",
        "/map.json?metric=nope", "/map.json?survey=1999",
        "/healthz.json", "/nope.json", "/cities/toronto/nope.json",
    ]
    out = []
    for p in paths:
        r = get(p)
        assert (r.header("Content-Type") or "").startswith("application/json"), (p, r)
        assert r.status < 500, (p, r)
        out.append(("GET", p, r.status, r.body))
    statuses = {a[2] for a in out}
    assert {200, 400, 404} <= statuses, statuses
    return out


CSV = "city,survey,question,value\n"


def writes():
    """The writing APIs: every answer they give, refusals included."""
    slug = new_city("oa")
    other = new_city("oa")
    tok = token_for_city(slug)
    rt = researcher_token("openapi")
    out = []

    def rec(method, path, r, status):
        assert r.status == status, (method, path, r, status)
        assert (r.header("Content-Type") or "").startswith("application/json"), (path, r)
        out.append((method, path, r.status, r.body))
        return r

    rec("POST", API, post(API, CSV + "%s,2020,dedicated_funding,yes\n%s,2020,innovation_staff_total,7\n" % (slug, slug),
                          "text/csv", tok), 422)
    r = rec("POST", API, post(API, CSV + "%s,2020,dedicated_funding,yes\n%s,2020,funding_sources,philanthropy\n"
                              "%s,2020,funding_sources,municipal_budget\n" % (slug, slug, slug), "text/csv", tok), 201)
    v1 = r.json()["submissions"][0]["id"]
    rec("POST", API, post(API, CSV + "%s,2020,dedicated_funding,YES\n" % slug, "text/csv", tok), 200)
    body = json.dumps({"city": slug, "survey": "2020", "answers": {"dedicated_funding": None}})
    rec("POST", API + "?dry_run=1", post(API + "?dry_run=1", body, "application/json", tok), 200)
    rec("POST", API, post(API, body, "application/json", tok), 409)
    rec("POST", API + "?clear=1", post(API + "?clear=1", body, "application/json", tok), 201)
    arr = json.dumps([{"city": slug, "survey": "2020", "answers": {"dedicated_funding": False, "mayor": "A. Name"}}])
    rec("POST", API, post(API, arr, "application/json", tok), 201)
    rec("POST", API, post(API, json.dumps({"city": slug, "survey": "2020", "answers": {"funding_sources": ["nope"]}}),
                          "application/json", tok), 422)
    rec("POST", API, post(API, "{not json", "application/json", tok), 400)
    rec("POST", API, post(API, CSV + "%s,2020,dedicated_funding,yes\n" % slug, "text/csv"), 401)
    rec("POST", API, post(API, CSV + "%s,2020,dedicated_funding,yes\n" % slug, "text/csv", "cb_1_forged"), 401)
    rec("POST", API, post(API, CSV + "%s,2020,dedicated_funding,yes\n" % other, "text/csv", tok), 403)
    rec("POST", API, post(API, "<x/>", "application/xml", tok), 415)
    rec("POST", API, post(API, "x" * (9 << 20), "text/csv", tok), 413)
    rec("GET", API, get(API), 405)
    # restore: a new version, then the same again (no change), then refusals
    rec("POST", API + "/%d/restore" % v1, post(API + "/%d/restore" % v1, "", token=tok), 201)
    rec("POST", API + "/%d/restore" % v1, post(API + "/%d/restore" % v1, "", token=tok), 200)
    rec("POST", API + "/999999999/restore", post(API + "/999999999/restore", "", token=tok), 404)
    rec("POST", API + "/%d/restore" % v1, post(API + "/%d/restore" % v1, ""), 401)
    rec("POST", API + "/%d/restore" % v1, post(API + "/%d/restore" % v1, "", token=token_for_city(other)), 403)
    # previews
    good = ('return { id = "oa_named", title = "Named", description = "d", unit = "share",\n'
            ' higher_is_better = true, version = "0.1", inputs = { "mayor" },\n'
            ' compute = function(city) if city.answers.mayor == nil then return 0 end return 1 end }\n')
    rec("POST", "/api/plugins/preview", post("/api/plugins/preview", good, "text/x-lua", rt), 200)
    rec("POST", "/api/plugins/preview", post("/api/plugins/preview", "return {\n id = 'x',\n", "text/plain", rt), 422)
    rec("POST", "/api/plugins/preview", post("/api/plugins/preview", good, "text/x-lua"), 401)
    rec("POST", "/api/plugins/preview", post("/api/plugins/preview", good, "text/x-lua", tok), 403)
    rec("POST", "/api/plugins/preview", post("/api/plugins/preview", good, "application/json", rt), 415)
    rec("POST", "/api/plugins/preview", post("/api/plugins/preview", "x" * (300 << 10), "text/plain", rt), 413)
    return out


def test_every_answer_fits_the_document():
    answers = reads() + writes()
    st, out = check_answers(answers)
    assert st == 0, out[-3000:]
    assert "# %d answers checked, 0 did not fit" % len(answers) in out, out[-500:]


def test_the_check_can_fail():
    """Shapes that break the contract are caught: each of these must be refused by the ajv check."""
    city = get_json("/cities/toronto.json")
    no_metrics = dict(city)
    del no_metrics["metrics"]
    bad_value = json.loads(json.dumps(city))
    bad_value["answers"]["explicit_strategy"] = {"yes": True}    # an answer is never an object
    cities = get_json("/cities.json")
    no_total = {"cities": cities["cities"]}
    bad_slug = json.loads(json.dumps(cities))
    bad_slug["cities"][0]["slug"] = "Toronto City"
    err = error_of(get("/cities/atlantis.json"), 404)
    string_status = {"error": dict(err, status="404")}
    cases = [("GET", "/cities/toronto.json", 200, no_metrics), ("GET", "/cities/toronto.json", 200, bad_value),
             ("GET", "/cities.json", 200, no_total), ("GET", "/cities.json", 200, bad_slug),
             ("GET", "/cities/atlantis.json", 404, string_status),
             ("GET", "/nope.json", 404, {"message": "no such page"}),          # an error not in the shape
             ("POST", API, 201, {"submissions": [{"id": 1, "city": "x", "survey": "2020", "version": 0, "changed": 1}]}),
             ("POST", API, 418, err),                                        # a status the document does not give
             ("GET", "/cities/toronto/similar-things.json", 200, {})]        # a path it does not name
    # one run of the checker: the good answer passes, each bad one is named
    good = ("GET", "/cities/toronto.json?good=1", 200, city)
    st, out = check_answers([(c[0], c[1] + "?case=%d" % i, c[2], json.dumps(c[3])) for i, c in enumerate(cases)] +
                            [good[:3] + (json.dumps(good[3]),)])
    assert st == 1, out
    assert "# %d answers checked, %d did not fit" % (len(cases) + 1, len(cases)) in out, out
    bad = [l for l in out.splitlines() if l.startswith("not ok - ")]
    for i, c in enumerate(cases):
        assert any(l.startswith("not ok - %s %s?case=%d %d" % (c[0], c[1], i, c[2])) for l in bad), (c, out)
    assert "?good=1" not in out, out


def test_upload_page_links_the_document_and_its_curl_example_runs():
    import html
    import re
    r = get("/upload")
    assert r.status == 200, r
    assert 'href="/api/openapi.json"' in r.text, r.text[-2000:]
    m = re.search(r"<pre><code>(curl .*?)</code></pre>", r.text, re.S)
    assert m, "no curl example on /upload"
    cmd = html.unescape(m.group(1))
    slug = new_city("oacurl")
    d = tempfile.mkdtemp()
    try:
        with open(os.path.join(d, "answers.csv"), "w") as f:
            f.write(CSV + "%s,2020,dedicated_funding,yes\n" % slug)
        env = dict(os.environ, CITYBENCH_URL=os.environ.get("BASE_URL", "http://127.0.0.1:8080"),
                   CITYBENCH_TOKEN=token_for_city(slug))
        p = subprocess.run(["bash", "-c", cmd], cwd=d, env=env, capture_output=True, text=True, timeout=60)
        assert p.returncode == 0, (cmd, p.stdout, p.stderr)
        out = json.loads(p.stdout)
        assert out["dry_run"] is True and out["submissions"][0]["city"] == slug, out
        assert get_json("/cities/%s/submissions.json" % slug)["submissions"] == []   # a dry run stores nothing
    finally:
        for f in os.listdir(d):
            os.unlink(os.path.join(d, f))
        os.rmdir(d)
