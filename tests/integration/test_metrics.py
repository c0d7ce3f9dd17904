"""/metrics and /metrics/{id}: the catalogue, rankings checked against a brute-force computation, summaries
recomputed, peers, highlight, the twins agreeing with the HTML, the embeddable SVG, escaping."""
import csv
import io
import os
import re
import tempfile
import time
import xml.etree.ElementTree as ET

from cb import cli, error_of, get, get_json, psql

CATALOGUE_KEYS = {"id", "title", "description", "unit", "higher_is_better", "plugin", "version"}
_n = [0]


def add_city(prefix, name, answers=(), country="FR", region="Europe", population=500000, wave="2020"):
    """A city of the test's own with the given answers [(question, value)] imported in `wave`."""
    _n[0] += 1
    slug = "%s-%d-%d" % (prefix, os.getpid(), _n[0])
    cli("city", "add", slug, "--name", name, "--country", country, "--region", region,
        "--population", population, "--synthetic")
    if answers:
        with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False, newline="") as f:
            w = csv.writer(f)
            w.writerow(["city", "survey", "question", "value"])
            for q, v in answers:
                w.writerow([slug, wave, q, v])
        try:
            cli("import", f.name)
        finally:
            os.unlink(f.name)
    return slug


def eventually(fn, timeout=30.0):   # a generous bound: a loaded machine is slow
    """fn() until it returns a true value (workers learn of a write by NOTIFY)."""
    end = time.time() + timeout
    while True:
        v = fn()
        if v or time.time() > end:
            return v
        time.sleep(0.1)


def brute(values, hib):
    """Ranks (ties share the best) and percentiles, the slow and obvious way."""
    out = []
    for v in values:
        better = sum(1 for w in values if (w > v if hib else w < v))
        beaten = sum(1 for w in values if (w <= v if hib else w >= v))
        out.append((1 + better, 100.0 * beaten / len(values)))
    return out


def median(xs):
    s = sorted(xs)
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def check_metric(d):
    """The contract's shape and every number of a /metrics/{id}.json recomputed from its values."""
    assert CATALOGUE_KEYS | {"source"} <= set(d["metric"]), d["metric"]
    assert isinstance(d["survey"], str) and set(d["summary"]) >= {"n", "mean", "median", "min", "max"}
    vals = d["values"]
    for row in vals:
        assert {"city", "name", "value", "rank", "synthetic"} <= set(row), row
    hib = d["metric"]["higher_is_better"]
    xs = [row["value"] for row in vals]
    for row, (rank, pct) in zip(vals, brute(xs, hib)):
        assert row["rank"] == rank, (d["metric"]["id"], row, rank)
        assert abs(row["percentile"] - pct) < 1e-9, (row, pct)
    # best first: ranks never go down, values in the metric's direction
    assert [r["rank"] for r in vals] == sorted(r["rank"] for r in vals)
    assert xs == sorted(xs, reverse=hib)
    s = d["summary"]
    assert s["n"] == len(vals)
    if vals:
        assert abs(s["mean"] - sum(xs) / len(xs)) <= 1e-9 * max(1.0, abs(s["mean"])), (s, sum(xs) / len(xs))
        assert s["median"] == median(xs) and s["min"] == min(xs) and s["max"] == max(xs), s
        assert sum(b["count"] for b in d["histogram"]) == len(vals)
    else:
        assert s["mean"] is None and s["median"] is None and s["min"] is None and s["max"] is None
    return d


def test_catalogue():
    d = get_json("/metrics.json")
    ms = d["metrics"]
    assert len(ms) >= 9 and all(CATALOGUE_KEYS <= set(m) for m in ms), ms
    assert len({m["id"] for m in ms}) == len(ms)
    assert "funding_share" in {m["id"] for m in ms}
    r = get("/metrics.csv")
    assert r.status == 200 and r.header("Content-Type").startswith("text/csv"), r
    rows = list(csv.reader(io.StringIO(r.text)))
    assert rows[0] == ["id", "title", "description", "unit", "higher_is_better", "plugin", "version"]
    assert [x[0] for x in rows[1:]] == [m["id"] for m in ms]
    for x, m in zip(rows[1:], ms):
        assert x[1] == m["title"] and x[3] == m["unit"] and x[4] == ("true" if m["higher_is_better"] else "false")
        assert x[5] == m["plugin"] and x[6] == m["version"]
    h = get("/metrics")
    assert h.status == 200 and h.header("Content-Type").startswith("text/html")
    for m in ms:
        assert 'href="/metrics/%s"' % m["id"] in h.text, m["id"]
    assert h.text.count("<h1") == 1


def test_every_metric_and_wave_ranks_brute_force():
    for m in get_json("/metrics.json")["metrics"]:
        for wave in ("2018", "2020"):
            d = check_metric(get_json("/metrics/%s.json?survey=%s" % (m["id"], wave)))
            assert d["survey"] == wave
            for k in CATALOGUE_KEYS:
                assert d["metric"][k] == m[k], (k, d["metric"][k], m[k])
            assert "return" in d["metric"]["source"]


def test_ties_share_the_best_rank():
    d = check_metric(get_json("/metrics/innovation_roles.json?survey=2020"))
    ranks = [r["rank"] for r in d["values"]]
    assert len(set(ranks)) < len(ranks), "the sample has ties"
    # after a tie of k cities at rank r the next rank is r + k (1, 2, 2, 4)
    i = 0
    while i < len(ranks):
        j = i
        while j < len(ranks) and ranks[j] == ranks[i]:
            j += 1
        assert ranks[i] == i + 1, (i, ranks[i])
        i = j


def test_default_survey_is_latest_with_values():
    d = get_json("/metrics/data_sufficiency.json")
    assert d["survey"] == "2020" and d["summary"]["n"] > 0
    # the data questions were not asked in 2018: a known wave, an empty ranking
    e = check_metric(get_json("/metrics/data_sufficiency.json?survey=2018"))
    assert e["values"] == [] and e["summary"]["n"] == 0


def test_share_summary():
    d = check_metric(get_json("/metrics/funding_share.json?survey=2020"))
    s = d["summary"]
    yes = sum(1 for r in d["values"] if r["value"] == 1)
    assert s["share"]["yes"] == yes and s["share"]["of"] == s["n"]
    assert s["share"]["percent"] == (200 * yes + s["n"]) // (2 * s["n"])  # half up
    h = get("/metrics/funding_share?survey=2020").text
    assert "%d%% of cities (%d of %d)" % (s["share"]["percent"], yes, s["n"]) in h


def cities_where(query):
    return {c["slug"] for c in get_json("/cities.json?" + query)["cities"]}


def test_peers_change_the_cohort():
    all_ = check_metric(get_json("/metrics/innovation_staff.json?survey=2020"))
    everyone = {r["city"] for r in all_["values"]}
    cases = [
        ("region:Europe", cities_where("region=Europe")),
        ("country:CA", cities_where("country=CA")),
        ("population:1000000-3000000", cities_where("population=1000000-3000000&survey=2020")),
    ]
    for peers, slugs in cases:
        d = check_metric(get_json("/metrics/innovation_staff.json?survey=2020&peers=" + peers))
        got = {r["city"] for r in d["values"]}
        assert got == everyone & slugs, (peers, got ^ (everyone & slugs))
        assert 0 < d["summary"]["n"] < all_["summary"]["n"], (peers, d["summary"]["n"])
        assert d["peers"] == peers
    d = check_metric(get_json("/metrics/innovation_staff.json?survey=2020&peers=toronto,harithorpe"))
    assert {r["city"] for r in d["values"]} == {"toronto", "harithorpe"} and d["summary"]["n"] == 2
    # the contract: an unknown slug in the list is a 404 naming it
    e = get_json("/metrics/innovation_staff.json?survey=2020&peers=toronto,harithorpe,nosuch", 404)
    assert "nosuch" in e["error"]["message"]
    # an unknown region is an empty cohort, not an error
    d = get_json("/metrics/innovation_staff.json?peers=region:Atlantis")
    assert d["summary"]["n"] == 0 and d["values"] == []


def test_highlight():
    d = check_metric(get_json("/metrics/innovation_roles.json?survey=2020&city=toronto"))
    h = d["highlight"]
    row = [r for r in d["values"] if r["city"] == "toronto"][0]
    for k in ("city", "name", "value", "rank", "percentile"):
        assert h[k] == row[k], (k, h, row)
    assert h["in_cohort"] is True and h["of"] == d["summary"]["n"]
    html = get("/metrics/innovation_roles?survey=2020&city=toronto").text
    m = re.search(r'<tr class="selected" aria-current="true"><td class="num">(\d+)</td>'
                  r'<th scope="row"><a href="/cities/toronto">Toronto</a>.*?◀ selected', html)
    assert m and int(m.group(1)) == row["rank"], "highlighted row marked by class, aria-current and text"
    assert html.count('aria-current="true"') == 1
    # outside the cohort: shown with its value, no rank
    d = get_json("/metrics/innovation_roles.json?survey=2020&city=toronto&peers=region:Europe")
    assert d["highlight"]["in_cohort"] is False and d["highlight"]["rank"] is None
    assert d["highlight"]["value"] == row["value"]
    assert "toronto" not in {r["city"] for r in d["values"]}
    # an unknown or malformed city is a bad parameter
    for q in ("city=nosuch-city", "city=Bad!", "city=" + "a" * 65):
        e = error_of(get("/metrics/innovation_roles.json?" + q), 400)
        assert "unknown city" in e["message"], e
    assert get("/metrics/innovation_roles?city=nosuch-city").status == 400


def test_unknown_and_bad_parameters():
    error_of(get("/metrics/nosuch.json"), 404)
    error_of(get("/metrics/nosuch.svg"), 404)
    error_of(get("/metrics/Bad-Id.json"), 404)
    assert get("/metrics/nosuch").status == 404
    error_of(get("/metrics/funding_share.json?survey=2019"), 404)
    error_of(get("/metrics/funding_share.csv?survey=2019"), 404)
    error_of(get("/metrics/funding_share.json?survey=20x0"), 400)
    error_of(get("/metrics/funding_share.json?peers=population:abc"), 400)
    error_of(get("/metrics/funding_share.json?peers=country:CAN"), 400)
    error_of(get("/metrics/funding_share.svg?chart=pie"), 400)
    assert get("/metrics/funding_share?peers=population:9-1").status == 400


def neutral(text):
    """A CSV text cell as the contract writes it: a leading ' before = + - @ (and tab or CR)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def test_csv_twin_reads_back_exactly():
    for mid in ("innovation_staff_per_100k", "data_sufficiency", "funding_share"):
        d = get_json("/metrics/%s.json?survey=2020&peers=region:Europe" % mid)
        r = get("/metrics/%s.csv?survey=2020&peers=region:Europe" % mid)
        assert r.status == 200 and r.header("Content-Type") == "text/csv; charset=utf-8"
        assert r.body.endswith(b"\r\n")
        rows = list(csv.reader(io.StringIO(r.text, newline="")))
        assert rows[0] == ["rank", "city", "name", "value"]
        assert len(rows) - 1 == len(d["values"])
        for x, v in zip(rows[1:], d["values"]):
            assert int(x[0]) == v["rank"] and x[1] == v["city"] and x[2] == neutral(v["name"]), (x, v)
            assert float(x[3]) == v["value"], (x, v)


def test_html_shows_the_json_numbers():
    d = get_json("/metrics/innovation_staff_per_100k.json?survey=2020&peers=region:Europe")
    html = get("/metrics/innovation_staff_per_100k?survey=2020&peers=region:Europe&all=1").text
    assert html.count("<h1") == 1
    for k in ("mean", "median", "min", "max"):
        m = re.search(r'<dd id="summary-%s"><data value="([^"]+)"' % k, html)
        assert m and float(m.group(1)) == d["summary"][k], (k, m and m.group(1), d["summary"][k])
    rows = re.findall(r'<td class="num">(\d+)</td><th scope="row"><a href="/cities/([a-z0-9-]+)">.*?'
                      r'<td class="num"><data value="([^"]+)">', html)
    assert len(rows) == len(d["values"]) > 0
    for (rank, slug, value), v in zip(rows, d["values"]):
        assert (int(rank), slug, float(value)) == (v["rank"], v["city"], v["value"])
    # the distribution table beside the chart holds the histogram's counts
    counts = [int(c) for c in re.findall(r'<tr(?: class="selected")?><th scope="row">[^<]*(?:<strong[^>]*>[^<]*'
                                         r'</strong>)?</th><td class="num">(\d+)</td></tr>', html)]
    assert counts == [b["count"] for b in d["histogram"]], counts
    # twins, form, source
    assert 'href="/metrics/innovation_staff_per_100k.json?survey=2020&amp;peers=region:Europe&amp;all=1"' in html
    assert '.csv?survey=2020&amp;peers=region:Europe&amp;all=1"' in html
    assert '<form class="view" method="get" action="/metrics/innovation_staff_per_100k">' in html
    assert 'name="survey"' in html and 'name="peers"' in html and 'name="city"' in html
    assert "<pre><code>-- innovation_staff_per_100k.lua" in html
    assert 'role="img" aria-labelledby="dist-title dist-desc"' in html


def test_long_ranking_is_cut_in_html_only():
    """Over 200 cities the HTML lists the first 100 and the highlighted city's neighbours; the twins all."""
    d = get_json("/metrics/innovation_staff.json?survey=2020&city=toronto")
    html = get("/metrics/innovation_staff?survey=2020&city=toronto").text
    rows = re.findall(r'<td class="num">(\d+)</td><th scope="row"><a href="/cities/([a-z0-9-]+)">', html)
    n = len(d["values"])
    if n <= 200:
        assert len(rows) == n and "Show all" not in html
        return
    pos = [i for i, r in enumerate(d["values"]) if r["city"] == "toronto"][0]
    want = [i for i in range(n) if i < 100 or abs(i - pos) <= 3]
    assert [s for _, s in rows] == [d["values"][i]["city"] for i in want]
    assert "Show all %d cities" % n in html and "all=1" in html
    full = get("/metrics/innovation_staff?survey=2020&city=toronto&all=1").text
    assert len(re.findall(r'<th scope="row"><a href="/cities/', full)) == n


def test_svg_chart():
    for q in ("", "?city=toronto", "?chart=ranking&city=toronto", "?survey=2018&peers=region:Europe"):
        r = get("/metrics/innovation_roles.svg" + q)
        assert r.status == 200, r
        assert r.header("Content-Type") == "image/svg+xml", r.header("Content-Type")
        csp = r.header("Content-Security-Policy")
        assert csp == "default-src 'none'; style-src 'unsafe-inline'", csp
        assert "frame-ancestors" not in csp
        assert b"<script" not in r.body.lower() and b"javascript:" not in r.body.lower()
        root = ET.fromstring(r.body)
        ns = "{http://www.w3.org/2000/svg}"
        assert root.tag == ns + "svg" and root.get("role") == "img" and root.get("viewBox")
        ids = root.get("aria-labelledby").split()
        assert [e.get("id") for e in root if e.tag in (ns + "title", ns + "desc")] == ids
        assert root.find(ns + "title").text and root.find(ns + "desc").text
        for el in root.iter():
            assert "style" not in el.attrib and not any(a.startswith("on") for a in el.attrib)
            fs = el.get("font-size")
            assert fs is None or float(fs) >= 14, fs
    body = get("/metrics/innovation_roles.svg?chart=ranking&city=toronto").text
    d = get_json("/metrics/innovation_roles.json?city=toronto")
    assert "%d. Toronto" % d["highlight"]["rank"] in body and "◀ selected" in body


def test_hostile_city_names_are_escaped():
    name = "<script>alert(1)</script>"
    slug = add_city("xss", name, [("dedicated_funding", "yes"), ("innovation_roles", "designer"),
                                  ("innovation_roles", "data_scientist")])
    d = eventually(lambda: (get_json("/metrics/funding_share.json?city=%s" % slug)
                            if get("/metrics/funding_share.json?city=%s" % slug).status == 200 else None))
    assert d and d["highlight"]["name"] == name and d["highlight"]["value"] == 1, d and d.get("highlight")
    html = get("/metrics/funding_share?city=%s&peers=%s,toronto" % (slug, slug)).text
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    for chart in ("histogram", "ranking"):
        r = get("/metrics/funding_share.svg?chart=%s&city=%s&peers=%s,toronto" % (chart, slug, slug))
        assert r.status == 200 and b"<script" not in r.body, chart
        assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in r.body, chart
        ET.fromstring(r.body)
    r = get("/metrics/funding_share.csv?peers=%s,toronto" % slug)
    assert [x[2] for x in csv.reader(io.StringIO(r.text)) if x[1] == slug] == [name]


def test_formula_names_neutralised_in_csv():
    name = '=HYPERLINK("x")'
    slug = add_city("fx", name, [("dedicated_funding", "no")])
    r = eventually(lambda: (lambda x: x if slug.encode() in x.body else None)(
        get("/metrics/funding_share.csv?peers=%s" % slug)))
    assert r, "the new city's value arrived"
    rows = list(csv.reader(io.StringIO(r.text)))
    assert rows[1][1] == slug and rows[1][2] == "'" + name and float(rows[1][3]) == 0, rows


def test_not_modified():
    r = get("/metrics/funding_share.json")
    tag = r.header("ETag")
    assert tag
    r2 = get("/metrics/funding_share.json", headers={"If-None-Match": tag})
    assert r2.status == 304 and r2.body == b""


def test_lower_is_better_ranks():
    """No sample plugin ranks downwards: a metric of the test's own, stored directly, for the duration."""
    mid = "zz_lower_%d" % os.getpid()
    psql("insert into metrics (id, title, description, unit, higher_is_better, version, plugin, source, "
         "position, inputs) values ('%s', 'Lower is better', 'test', 'count', false, '0.1', 'zz.lua', "
         "'return {}', 999, '{}'); insert into metric_values (metric_id, survey_id, city_id, value, "
         "plugin_version) select '%s', survey_id, city_id, value, '0.1' from metric_values "
         "where metric_id = 'innovation_roles'; select bump_data_version()" % (mid, mid))
    try:
        d = eventually(lambda: get_json("/metrics/%s.json?survey=2020&city=toronto" % mid)
                       if get("/metrics/%s.json" % mid).status == 200 else None)
        assert d and d["metric"]["higher_is_better"] is False
        check_metric(d)
        up = get_json("/metrics/innovation_roles.json?survey=2020")
        assert d["values"][0]["value"] == up["summary"]["min"] and d["values"][0]["rank"] == 1
        t = [r for r in up["values"] if r["city"] == "toronto"][0]
        n = d["summary"]["n"]
        assert d["highlight"]["rank"] == 1 + sum(1 for r in up["values"] if r["value"] < t["value"])
        assert abs(d["highlight"]["percentile"] - 100.0 * sum(1 for r in up["values"] if r["value"] >= t["value"])
                   / n) < 1e-9
        c = get_json("/compare.json?cities=toronto,harithorpe&metrics=%s,innovation_roles" % mid)
        assert c["ranks"][mid]["toronto"] == d["highlight"]["rank"]
    finally:
        psql("delete from metric_values where metric_id = '%s'; delete from metrics where id = '%s'; "
             "select bump_data_version()" % (mid, mid))
