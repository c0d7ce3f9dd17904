"""/compare that helps (issue 15): an unknown city keeps the page (the form, the other cities compared, a
notice naming it with suggestions) while the JSON and CSV twins keep their 404; one spelling per number:
binary metrics as Yes/No, percentiles as whole numbers, the same text on the profile, compare and the
metric page; hostile slugs escaped."""
import re

from cb import error_of, get, get_json


def text(r):
    return r.body.decode("utf-8") if isinstance(r.body, bytes) else r.body


def test_unknown_city_keeps_the_page():
    r = get("/compare?cities=toronto,torronto,harithorpe&metrics=funding_share")
    assert r.status == 404
    body = text(r)
    assert r.header("Content-Type").startswith("text/html")
    # the notice names the city not found and suggests one that puts a real city in its place
    notice = re.search(r'<div class="notice" role="status" id="not-found">(.*?)</div>', body, re.S)
    assert notice, body[:2000]
    assert "No city called <strong>torronto</strong>" in notice.group(1)
    assert '<a href="/compare?cities=toronto,harithorpe,toronto&amp;survey=2020">Toronto</a>' in notice.group(1)
    # the form keeps the other cities, and they are compared
    assert 'id="city-toronto" value="toronto" checked' in body
    assert 'id="city-harithorpe" value="harithorpe" checked' in body
    assert 'id="city-torronto"' not in body
    assert '<table class="data compare">' in body
    assert 'data-city="harithorpe"' in body and 'data-city="torronto"' not in body
    # programs still get the contract's 404
    assert "torronto" in error_of(get("/compare.json?cities=toronto,torronto,harithorpe"), 404)["message"]
    error_of(get("/compare.csv?cities=toronto,torronto,harithorpe"), 404)


def test_unknown_cities_leave_fewer_than_two():
    r = get("/compare?cities=toronto,nowhere-at-all")
    assert r.status == 404
    body = text(r)
    assert "No city called <strong>nowhere-at-all</strong>" in body
    assert "Choose at least two cities" in body
    assert '<form class="compare"' in body and '<table class="data compare">' not in body


def test_hostile_unknown_slug_is_escaped():
    r = get("/compare?cities=toronto,harithorpe,%3Cscript%3E")
    assert r.status == 400  # not a slug at all: a bad parameter, as before
    r = get("/compare?cities=toronto,harithorpe,a-" + "x" * 60)
    assert r.status in (400, 404)
    if r.status == 404:
        assert "No city called <strong>a-" + "x" * 60 + "</strong>" in text(r)


def test_one_spelling():
    j = get_json("/compare.json?cities=toronto,harithorpe&metrics=funding_share")
    assert j["values"]["funding_share"]["toronto"] in (0, 1)  # the JSON stays exact
    want = "Yes" if j["values"]["funding_share"]["toronto"] == 1 else "No"
    compare = text(get("/compare?cities=toronto,harithorpe&metrics=funding_share"))
    cell = re.search(r'data-city="toronto" data-metric="funding_share"><data value="[^"]*">([^<]*)</data>', compare)
    assert cell and cell.group(1) == want, compare[:3000]
    assert "(yes)" not in compare and "(no)" not in compare
    # percentiles are whole numbers on the page, exact in <data value>
    for shown in re.findall(r'percentile <data value="[^"]*">([^<]*)</data>', compare):
        assert re.fullmatch(r"\d+", shown), shown
    profile = text(get("/cities/toronto"))
    row = re.search(r'href="/metrics/funding_share\?city=toronto[^"]*">[^<]*</a></th><td class="num"><data value="[^"]*">([^<]*)</data>', profile)
    assert row and row.group(1) == want
    metric = text(get("/metrics/funding_share?city=toronto"))
    assert "(yes)" not in metric and "(no)" not in metric
    for shown in re.findall(r'<td class="num"><data value="[0-9.]+">([^<]*)</data></td></tr>', metric):
        assert re.fullmatch(r"\d+|Yes|No", shown), shown
    # percentages with at most one decimal everywhere people read them
    pct = text(get("/metrics/data_sufficiency?city=toronto"))
    assert not re.search(r">\d+\.\d\d+%<", pct)


def test_svg_and_csv_stay_exact():
    csv = text(get("/compare.csv?cities=toronto,harithorpe&metrics=funding_share"))
    assert csv.splitlines()[0] == "city,name,funding_share"
    assert re.search(r"^toronto,Toronto,[01]\r?$", csv, re.M)


def test_profile_offers_compare():
    body = text(get("/cities/toronto"))
    assert '<p class="compare-with"><a href="/compare?cities=toronto&amp;survey=2020">Compare' in body
    r = get("/compare?cities=toronto&survey=2020")
    assert r.status == 200 and "Choose at least two cities" in text(r)


def test_embedded_chart_stands_alone():
    import xml.etree.ElementTree as ET
    SVG = "{http://www.w3.org/2000/svg}"
    for q, chart in (("", None), ("&chart=ranking", "ranking")):
        r = get("/metrics/funding_share.svg?survey=2020&peers=country:CA&city=toronto" + q)
        assert r.status == 200 and r.header("Content-Type").startswith("image/svg+xml")
        root = ET.fromstring(r.body)
        assert root.get("viewBox") and root.get("width") == "100%" and root.get("height") is None
        shown = [t.text or "" for t in root.iter(SVG + "text")]
        assert shown[0].startswith("Dedicated funding") or "2020" in shown[0], shown[:3]
        assert any("2020 wave" in t and "peer group country:CA" in t for t in shown), shown[:3]
        assert any("citybench" in t and "CC BY 4.0" in t for t in shown), shown[-3:]
        link = [t for t in shown if t.startswith("/metrics/funding_share.svg?")]
        assert link and "peers=country%3ACA" in link[0] and "city=toronto" in link[0], shown[-3:]
        if chart:
            assert "chart=ranking" in link[0]
    # without peers: all cities
    root = ET.fromstring(get("/metrics/funding_share.svg").body)
    assert any("all " in (t.text or "") and "cities with a value" in (t.text or "") for t in root.iter(SVG + "text"))


def test_metric_page_offers_embed_snippet():
    body = text(get("/metrics/funding_share?city=toronto&peers=country:CA"))
    m = re.search(r'<textarea id="embed-iframe" readonly rows="5">([^<]*)</textarea>', body)
    assert m, body[:500]
    assert m.group(1).startswith("&lt;iframe src=&quot;/metrics/funding_share.svg?city=toronto&amp;peers=country")
    assert '<textarea id="embed-img" readonly rows="5">&lt;img src=&quot;/metrics/funding_share.svg?' in body
    # a hostile query is escaped in the snippet
    body = text(get('/metrics/funding_share?city=toronto&x="><script>'))
    assert "<script>" not in body.split("<textarea")[1] if "<textarea" in body else True
