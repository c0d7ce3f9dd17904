"""The portal's pages for people: home, a city's versions, one version, the guide, the profile's sentences,
their JSON twins, 404s, escaping of hostile names and answers, and the security headers."""
import csv
import io
import json
import os
import re
import tempfile
import html as htmlmod

from cb import cli, error_of, get, get_json, new_city, psql

HOSTILE = "<script>alert(1)</script>"


def _import(obj):
    with tempfile.TemporaryDirectory() as d:
        p = os.path.join(d, "answers.json")
        with open(p, "w", encoding="utf-8") as f:
            json.dump(obj, f)
        cli("import", p)


def _html(path, status=200):
    r = get(path)
    assert r.status == status, "GET %s: %d, wanted %d: %r" % (path, r.status, status, r.body[:300])
    assert (r.header("Content-Type") or "").startswith("text/html"), r.header("Content-Type")
    return r


def _text(page):
    """The visible text of a page's <main>, tags dropped, entities decoded, spaces collapsed."""
    m = page[page.index("<main"):page.index("</main>")]
    m = re.sub(r"</?a\b[^>]*>", "", m)	# links are inline: "(<a>81</a> of <a>100</a>)"
    return re.sub(r"\s+", " ", htmlmod.unescape(re.sub(r"<[^>]+>", " ", m)))


def _half_up(n, d):
    return (200 * n + d) // (2 * d) if d > 0 else 0


def test_home():
    r = _html("/")
    page = r.text
    assert page.count("<h1") == 1 and "<main" in page
    assert 'action="/cities"' in page and 'name="q"' in page, "no city search"
    ids = psql("select id from metrics where active order by id").split()
    assert ids, "no active metric in the sample"
    for i in ids:
        assert 'href="/metrics/%s"' % i in page, "metric %s not in the catalogue" % i
    for needle in ["CC BY 4.0", "OECD", "Bloomberg Philanthropies", "synthetic", 'href="/surveys/2018"',
                   'href="/surveys/2020"', 'href="/surveys/2020/template.csv"', 'href="/surveys/2018/template.csv"',
                   'href="/guide"', "/api/plugins/preview", 'href="/upload"', 'href="/compare"', 'href="/cities"',
                   'href="/data"', 'href="/cities/toronto?survey=2018"', 'href="/cities/toronto?survey=2020"']:
        assert needle in page, "home lacks %r" % needle
    n = int(psql("select count(*) from cities where synthetic"))
    assert "{:,}".format(n) in _text(page) or str(n) in _text(page), "the synthetic count is not stated"


def test_security_headers():
    for path in ["/", "/cities/toronto", "/guide", "/cities/no-such-city"]:
        r = get(path)
        csp = r.header("Content-Security-Policy") or ""
        assert "script-src 'self'" in csp and "style-src 'self'" in csp and "frame-ancestors 'none'" in csp, (path, csp)
        assert "style=" not in r.text and not re.search(r"<script(?![^>]*\bsrc=)", r.text), "inline style/script on " + path
    r = get("/cities/toronto.json")
    assert r.header("Content-Security-Policy") is None, "JSON needs no page policy"


def test_guide():
    page = _html("/guide").text
    assert page.count("<h1") == 1
    text = _text(page)
    for needle in ["POST /api/plugins/preview", "plugin check", "plugin test", "compute", "sandbox",
                   "city.answers", "/data", "plugins reload"]:
        assert needle in text, "the guide lacks %r" % needle
    # The page is docs/plugins.md for people: every section of the document is there.
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
    with open(os.path.join(root, "docs", "plugins.md"), encoding="utf-8") as f:
        heads = [h[3:].strip().replace("`", "") for h in f.read().splitlines() if h.startswith("## ")]
    assert heads, "docs/plugins.md has no sections"
    for h in heads:
        assert h in text, "the guide lacks the section %r of docs/plugins.md" % h


def test_submissions_json_csv_html():
    d = get_json("/cities/toronto/submissions.json")
    subs = d["submissions"]
    assert {s["survey"] for s in subs} >= {"2018", "2020"}, subs
    for s in subs:
        assert {"id", "survey", "version", "created_at", "answered", "source", "changed", "actor"} <= set(s), s
        assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", s["created_at"]), s
    for w in {s["survey"] for s in subs}:
        versions = [s["version"] for s in subs if s["survey"] == w]
        assert versions == list(range(1, len(versions) + 1)), versions
    one = [s for s in subs if s["survey"] == "2020"][-1]
    v = get_json("/submissions/%d.json" % one["id"])
    assert one["answered"] == sum(1 for x in v["answers"].values() if x is not None)
    only = get_json("/cities/toronto/submissions.json?survey=2018")["submissions"]
    assert only and all(s["survey"] == "2018" for s in only)

    r = get("/cities/toronto/submissions.csv")
    assert r.status == 200 and r.header("Content-Type").startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.text)))
    assert rows[0] == ["id", "survey", "version", "created_at", "answered", "source", "changed", "actor"], rows[0]
    assert [int(x[0]) for x in rows[1:]] == [s["id"] for s in subs]

    page = _html("/cities/toronto/submissions").text
    for s in subs:
        assert 'href="/submissions/%d"' % s["id"] in page


def test_versions_changed_and_previous():
    slug = new_city("ver")
    _import({"city": slug, "survey": "2020", "answers": {"dedicated_funding": True, "mayor": "Ada One",
                                                        "innovation_roles_count": 4}})
    _import({"city": slug, "survey": "2020", "answers": {"dedicated_funding": False, "innovation_roles_count": 4}})
    subs = get_json("/cities/%s/submissions.json" % slug)["submissions"]
    assert [(s["survey"], s["version"]) for s in subs] == [("2020", 1), ("2020", 2)], subs
    assert subs[0]["answered"] == 3 and subs[1]["answered"] == 3, subs
    assert subs[1]["changed"] == 1 and subs[1]["source"] == "import", subs[1]
    v2 = get_json("/submissions/%d.json" % subs[1]["id"])
    assert v2["submission"]["city"] == slug and v2["submission"]["survey"] == "2020" and v2["submission"]["version"] == 2
    assert {"id", "city", "survey", "version", "created_at"} <= set(v2["submission"])
    assert v2["changed"] == ["dedicated_funding"], v2["changed"]
    a = v2["answers"]
    assert a["dedicated_funding"] is False and a["mayor"] == "Ada One" and a["innovation_roles_count"] == 4
    assert "spotlight" in a and a["spotlight"] is None, "an asked, unanswered question is null"
    assert len(a) == int(psql("select count(*) from survey_questions where survey_id = '2020'"))

    page = _html("/submissions/%d" % subs[1]["id"]).text
    row = re.search(r"<tr class=\"changed\">.*?dedicated_funding.*?</tr>", page, re.S)
    assert row, "the changed answer is not marked"
    cells = re.findall(r"<td>(.*?)</td>", row.group(0), re.S)
    assert "No" in cells[0] and "changed" in cells[0] and "Yes" in cells[1], cells
    assert page.count('class="changed"') == 1, "only the changed answer is marked"
    assert 'href="/submissions/%d"' % subs[0]["id"] in page, "no link to the version before"
    v1 = _html("/submissions/%d" % subs[0]["id"]).text
    assert "first version" in v1


def test_versions_404_and_400():
    for path in ["/submissions/999999999", "/submissions/abc", "/submissions/-1", "/submissions/1e3",
                 "/submissions/99999999999999999999", "/submissions/12abc", "/submissions/1%20", "/cities/no-such-city/submissions",
                 "/cities/no-such-city/submissions?survey=2020"]:
        assert get(path).status == 404, path
    for path in ["/submissions/abc.json", "/submissions/999999999.json", "/cities/no-such-city/submissions.json",
                 "/cities/toronto/submissions.json?survey=1999"]:
        error_of(get(path), 404)
    error_of(get("/cities/toronto/submissions.json?survey=20x0"), 400)


def test_hostile_names_and_answers_escaped():
    slug = "xss-%d-%d" % (os.getpid(), int.from_bytes(os.urandom(3), "big"))
    cli("city", "add", slug, "--name", HOSTILE, "--country", "FR", "--region", "<b>Europe</b>",
        "--population", 1000, "--synthetic")
    _import({"city": slug, "survey": "2020", "answers": {"mayor": "<img src=x onerror=alert(1)>",
                                                        "team1_name": "\"><svg onload=alert(2)>", "team1_staff": 3,
                                                        "spotlight": "a & b < c"}})
    _import({"city": slug, "survey": "2020", "answers": {"mayor": "x\"' <i>y</i>"}})
    subs = get_json("/cities/%s/submissions.json" % slug)["submissions"]
    for path in ["/cities/" + slug, "/cities/%s?survey=2020&peers=%s" % (slug, slug), "/cities/%s/submissions" % slug,
                 "/submissions/%d" % subs[0]["id"], "/submissions/%d" % subs[1]["id"], "/cities?q=script"]:
        page = _html(path).text
        assert HOSTILE not in page, "raw script tag on " + path
        assert "<img src=x" not in page and "<svg onload" not in page and "<b>Europe" not in page and "<i>y</i>" not in page, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page, "the name is not shown escaped on " + path
    profile = _html("/cities/" + slug).text
    assert "&lt;img src=x onerror=alert(1)&gt;" not in profile  # replaced by the second version
    assert "x&quot;&#39; &lt;i&gt;y&lt;/i&gt;" in profile and "a &amp; b &lt; c" in profile
    assert "Synthetic demonstration city" in profile
    j = get_json("/cities/%s.json" % slug)
    assert j["city"]["name"] == HOSTILE


def test_profile_statements_follow_the_twin():
    for survey in ["2020", "2018"]:
        m = get_json("/cities/toronto.json?survey=" + survey)
        text = _text(_html("/cities/toronto?survey=" + survey).text)
        s = m["cohort"]["explicit_strategy"]
        yes, no, n = s["counts"].get("yes", 0), s["counts"].get("no", 0), s["answered"]
        # the statement names the share of the city's own answer, or (when most cities answered the other
        # way, as other tests' cities can make it) the share it differs from
        if m["answers"]["explicit_strategy"]:
            wants = ["Like %d%% of cities surveyed (%d of %d), Toronto has an explicit innovation strategy" % (
                _half_up(yes, n), yes, n), "Unlike %d%% of cities surveyed (%d of %d), Toronto has an explicit "
                "innovation strategy" % (_half_up(no, n), no, n)]
        else:
            wants = ["Along with %d%% of cities surveyed (%d of %d), Toronto does not have an explicit innovation "
                     "strategy" % (_half_up(no, n), no, n), "Unlike %d%% of cities surveyed (%d of %d), Toronto does "
                     "not have an explicit innovation strategy" % (_half_up(yes, n), yes, n)]
        assert any(w in text for w in wants), (survey, wants)
        bad = [x.group(0) for x in re.finditer(r"(\d+)% of [^()]*?\((\d+) of (\d+)\)", text)
               if _half_up(int(x.group(2)), int(x.group(3))) != int(x.group(1))]
        assert not bad, bad
        assert ("%s wave, compared with all %d cities surveyed" % (survey, m["cohort_size"])) in text
    m = get_json("/cities/toronto.json")
    f = m["cohort"]["dedicated_funding"]
    text = _text(_html("/cities/toronto").text)
    assert ("Like %d%% of cities surveyed (%d of %d), Toronto has dedicated funding" % (
        _half_up(f["counts"]["yes"], f["answered"]), f["counts"]["yes"], f["answered"])) in text
    assert "Toronto utilizes 3 different innovation skills or roles" in text
    assert "2,800,000 (2016)" in text and "John Tory" in text and "Alice Xu" in text


def test_profile_no_and_unanswered_wording():
    slug = new_city("yn")
    _import({"city": slug, "survey": "2020", "answers": {"dedicated_funding": False, "explicit_strategy": None}})
    m = get_json("/cities/%s.json" % slug)
    text = _text(_html("/cities/" + slug).text)
    f = m["cohort"]["dedicated_funding"]
    yes, no, d = f["counts"].get("yes", 0), f["counts"].get("no", 0), f["answered"]
    if 2 * no >= d:
        want = "Along with %d%% of cities surveyed (%d of %d)" % (_half_up(no, d), no, d)
    else:
        want = "Unlike %d%% of cities surveyed (%d of %d)" % (_half_up(yes, d), yes, d)
    assert want + ", Test city %s has no dedicated funding" % slug in text, want
    assert "(no answer) Test city %s did not answer whether it has an explicit innovation strategy" % slug in text


def test_profile_peers_and_empty_city():
    page = _text(_html("/cities/toronto?peers=country:CA").text)
    assert "compared with the peer group country:CA" in page, page[:300]
    none = _text(_html("/cities/toronto?peers=country:ZZ").text)
    assert "No city of this wave is in the peer group" in none
    error_of(get("/cities/toronto.json?peers=population:abc"), 400)
    slug = new_city("empty")
    page = _text(_html("/cities/" + slug).text)
    assert "has not answered any wave" in page
