"""/compare: cities side by side; 0/1/2/12/13 cities, repeated parameters, unknown ids, ranks within the
peers against /metrics/{id}, CSV read back exactly and neutralised, HTML numbers, escaping."""
import csv
import io
import os
import re
import tempfile
import time
import xml.etree.ElementTree as ET

from cb import cli, error_of, get, get_json

_n = [0]


def add_city(prefix, name, answers=(), country="FR", region="Europe", population=500000, wave="2020"):
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
    end = time.time() + timeout
    while True:
        v = fn()
        if v or time.time() > end:
            return v
        time.sleep(0.1)


def catalogue():
    return [m["id"] for m in get_json("/metrics.json")["metrics"]]


def test_shape_and_agreement_with_metric_pages():
    d = get_json("/compare.json?cities=toronto,harithorpe&metrics=innovation_roles,funding_share&survey=2020")
    assert d["survey"] == "2020"
    assert [c["slug"] for c in d["cities"]] == ["toronto", "harithorpe"]
    assert all({"slug", "name"} <= set(c) for c in d["cities"]) and d["cities"][0]["name"] == "Toronto"
    assert [m["id"] for m in d["metrics"]] == ["innovation_roles", "funding_share"]
    assert all({"id", "title", "unit"} <= set(m) for m in d["metrics"])
    for mid in ("innovation_roles", "funding_share"):
        page = get_json("/metrics/%s.json?survey=2020" % mid)
        by = {r["city"]: r for r in page["values"]}
        for slug in ("toronto", "harithorpe"):
            assert d["values"][mid][slug] == by[slug]["value"], (mid, slug)
            assert d["ranks"][mid][slug] == by[slug]["rank"], (mid, slug)
            assert abs(d["percentiles"][mid][slug] - by[slug]["percentile"]) < 1e-9


def test_no_metrics_means_every_active_one():
    d = get_json("/compare.json?cities=toronto,harithorpe")
    assert [m["id"] for m in d["metrics"]] == catalogue()
    assert set(d["values"]) == set(catalogue())
    d2 = get_json("/compare.json?cities=toronto,harithorpe&metrics=&metrics=,")
    assert d2 == d


def test_fewer_than_two_cities():
    for q in ("", "?cities=", "?cities=toronto", "?cities=toronto,toronto", "?cities=toronto&cities=TORONTO"):
        e = error_of(get("/compare.json" + q), 400)
        assert "at least 2" in e["message"], e
        error_of(get("/compare.csv" + q), 400)
        r = get("/compare" + q)
        assert r.status == 200 and r.header("Content-Type").startswith("text/html"), (q, r)
        assert 'class="notice"' in r.text and "at least two cities" in r.text
        assert '<form class="compare" method="get" action="/compare">' in r.text
        assert "<table" not in r.text
    r = get("/compare?cities=toronto")
    assert 'name="cities" id="city-toronto" value="toronto" checked' in r.text


def test_twelve_cities_and_thirteen():
    slugs = [c["slug"] for c in get_json("/cities.json?survey=2020")["cities"]][:13]
    assert len(slugs) == 13
    d = get_json("/compare.json?cities=" + ",".join(slugs[:12]))
    assert len(d["cities"]) == 12
    for fmt in (".json", ".csv", ""):
        r = get("/compare%s?cities=%s" % (fmt, ",".join(slugs)))
        assert r.status == 400, (fmt, r)
    error_of(get("/compare.json?cities=%s&cities=%s" % (",".join(slugs[:7]), ",".join(slugs[7:]))), 400)
    # duplicates do not count twice
    d = get_json("/compare.json?cities=%s,%s" % (",".join(slugs[:12]), slugs[0]))
    assert len(d["cities"]) == 12


def test_repeated_parameters_join():
    a = get_json("/compare.json?cities=toronto,harithorpe,jorargate&metrics=funding_share,innovation_roles")
    b = get_json("/compare.json?cities=toronto&cities=harithorpe&cities=jorargate"
                 "&metrics=funding_share&metrics=innovation_roles")
    c = get_json("/compare.json?cities=+Toronto+,harithorpe&cities=toronto&cities=&cities=jorargate,harithorpe"
                 "&metrics=funding_share,innovation_roles,funding_share")
    assert a == b == c
    assert [x["slug"] for x in a["cities"]] == ["toronto", "harithorpe", "jorargate"]


def test_unknown_and_malformed():
    e = error_of(get("/compare.json?cities=toronto,no-such-city"), 404)
    assert "no-such-city" in e["message"]
    error_of(get("/compare.csv?cities=toronto,no-such-city"), 404)
    assert get("/compare?cities=toronto,no-such-city").status == 404
    e = error_of(get("/compare.json?cities=toronto,harithorpe&metrics=funding_share,no_such_metric"), 404)
    assert "no_such_metric" in e["message"]
    error_of(get("/compare.json?cities=toronto,bad!slug"), 400)
    error_of(get("/compare.json?cities=toronto,harithorpe&metrics=Bad-Metric"), 400)
    error_of(get("/compare.json?cities=toronto,harithorpe&survey=2019"), 404)
    error_of(get("/compare.json?cities=toronto,harithorpe&survey=later"), 400)
    error_of(get("/compare.json?cities=toronto,harithorpe&peers=population:x"), 400)


def test_peers_rank_within_the_cohort():
    page = get_json("/metrics/innovation_staff.json?peers=region:Europe")
    by = {r["city"]: r for r in page["values"]}
    eu = page["values"][len(page["values"]) // 2]["city"]
    d = get_json("/compare.json?cities=toronto,%s&metrics=innovation_staff&peers=region:Europe" % eu)
    # Toronto is not in Europe: its value stays, its rank goes
    assert d["values"]["innovation_staff"]["toronto"] is not None
    assert d["ranks"]["innovation_staff"]["toronto"] is None
    assert d["percentiles"]["innovation_staff"]["toronto"] is None
    assert d["ranks"]["innovation_staff"][eu] == by[eu]["rank"]
    everyone = get_json("/compare.json?cities=toronto,%s&metrics=innovation_staff" % eu)
    assert everyone["ranks"]["innovation_staff"][eu] >= d["ranks"]["innovation_staff"][eu]
    assert d["peers"] == "region:Europe"
    assert d["metrics"][0]["of"] == page["summary"]["n"] < everyone["metrics"][0]["of"]
    assert "not among the peers" in get("/compare?cities=toronto,%s&metrics=innovation_staff&peers=region:Europe"
                                        % eu).text


def test_csv_twin():
    ids = catalogue()
    d = get_json("/compare.json?cities=toronto,harithorpe,jorargate&survey=2018")
    r = get("/compare.csv?cities=toronto,harithorpe,jorargate&survey=2018")
    assert r.status == 200 and r.header("Content-Type") == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(r.text, newline="")))
    assert rows[0] == ["city", "name"] + ids
    assert [x[0] for x in rows[1:]] == ["toronto", "harithorpe", "jorargate"]
    for x in rows[1:]:
        for mid, cell in zip(ids, x[2:]):
            v = d["values"][mid][x[0]]
            assert (cell == "" and v is None) or float(cell) == v, (mid, x[0], cell, v)


def test_formula_and_script_names():
    fx = add_city("cfx", '=HYPERLINK("x")', [("dedicated_funding", "yes")])
    xs = add_city("cxs", "<script>alert(1)</script>", [("dedicated_funding", "no"), ("team1_staff", "4")])
    q = "cities=%s,%s,toronto&metrics=funding_share,innovation_staff" % (fx, xs)
    d = eventually(lambda: (lambda r: r.json() if r.status == 200 and
                            r.json()["values"]["funding_share"][fx] is not None else None)(get("/compare.json?" + q)))
    assert d, "the new cities arrived"
    rows = list(csv.reader(io.StringIO(get("/compare.csv?" + q).text)))
    assert rows[1][:2] == [fx, "'" + '=HYPERLINK("x")'], rows[1]
    assert float(rows[1][2]) == 1 and rows[1][3] == ""
    html = get("/compare?" + q).text
    assert "<script>alert(1)" not in html
    assert html.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 3  # picker, table, chart
    svg = html[html.index("<svg"):html.index("</svg>") + 6]
    ET.fromstring(svg)


def test_html_page():
    q = "cities=toronto,harithorpe&metrics=innovation_roles,funding_share,innovation_staff_per_100k&survey=2020"
    d = get_json("/compare.json?" + q)
    r = get("/compare?" + q)
    assert r.status == 200
    h = r.text
    assert h.count("<h1") == 1 and "<caption>" in h
    assert '<th scope="col"><a href="/cities/toronto?survey=2020">Toronto</a></th>' in h
    assert h.count('<th scope="row">') >= 3
    for mid in ("innovation_roles", "funding_share", "innovation_staff_per_100k"):
        for slug in ("toronto", "harithorpe"):
            m = re.search(r'data-city="%s" data-metric="%s"><data value="([^"]+)">[^<]*</data>'
                          r'<br><span class="rank">rank (\d+) of (\d+)' % (slug, mid), h)
            assert m, (mid, slug)
            assert float(m.group(1)) == d["values"][mid][slug] and int(m.group(2)) == d["ranks"][mid][slug]
    # the chart: inline, accessible, the same values written beside its bars
    svg = h[h.index("<svg"):h.index("</svg>") + 6]
    root = ET.fromstring(svg)
    assert root.get("role") == "img" and root.get("aria-labelledby") == "cmp-title cmp-desc"
    assert "style=" not in svg.replace("font-style=", "")
    # the form: checkboxes of the chosen cities, a text input for more, metric checkboxes, wave, peers
    assert 'name="cities" id="city-harithorpe" value="harithorpe" checked' in h
    assert '<input id="add-cities" name="cities"' in h
    assert 'name="metrics" id="metric-funding_share" value="funding_share" checked' in h
    assert 'name="metrics" id="metric-innovation_staff" value="innovation_staff">' in h
    assert '<select id="survey" name="survey">' in h and 'name="peers"' in h
    assert 'href="/compare.json?cities=toronto,harithorpe&amp;metrics=' in h
    # a submitted form: checkbox values, an empty text input, metric boxes, repeated
    r2 = get("/compare?cities=toronto&cities=harithorpe&cities=&metrics=innovation_roles&metrics=funding_share"
             "&metrics=innovation_staff_per_100k&survey=2020&peers=")
    assert r2.status == 200 and 'data-city="harithorpe" data-metric="funding_share"' in r2.text
