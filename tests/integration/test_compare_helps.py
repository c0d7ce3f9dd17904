"""/compare that helps (issue 15): an unknown city keeps the page (the form, the other cities compared, a
notice naming it with suggestions) while the JSON and CSV twins keep their 404; one spelling per number:
binary metrics as Yes/No, percentiles as whole numbers, the same text on the profile, compare and the
metric page; hostile slugs escaped."""
import re

from cb import error_of, get, get_json


def text(r):
    return r.body.decode("utf-8") if isinstance(r.body, bytes) else r.body


def test_unknown_city_keeps_the_page():
    r = get("/compare?cities=toronto,torronto,brevathorpe&metrics=funding_share")
    assert r.status == 404
    body = text(r)
    assert r.header("Content-Type").startswith("text/html")
    # the notice names the city not found and suggests one that puts a real city in its place
    notice = re.search(r'<div class="notice" role="status" id="not-found">(.*?)</div>', body, re.S)
    assert notice, body[:2000]
    assert "No city called <strong>torronto</strong>" in notice.group(1)
    assert '<a href="/compare?cities=toronto,brevathorpe,toronto&amp;survey=2020">Toronto</a>' in notice.group(1)
    # the form keeps the other cities, and they are compared
    assert 'id="city-toronto" value="toronto" checked' in body
    assert 'id="city-brevathorpe" value="brevathorpe" checked' in body
    assert 'id="city-torronto"' not in body
    assert '<table class="data compare">' in body
    assert 'data-city="brevathorpe"' in body and 'data-city="torronto"' not in body
    # programs still get the contract's 404
    assert "torronto" in error_of(get("/compare.json?cities=toronto,torronto,brevathorpe"), 404)["message"]
    error_of(get("/compare.csv?cities=toronto,torronto,brevathorpe"), 404)


def test_unknown_cities_leave_fewer_than_two():
    r = get("/compare?cities=toronto,nowhere-at-all")
    assert r.status == 404
    body = text(r)
    assert "No city called <strong>nowhere-at-all</strong>" in body
    assert "Choose at least two cities" in body
    assert '<form class="compare"' in body and '<table class="data compare">' not in body


def test_hostile_unknown_slug_is_escaped():
    r = get("/compare?cities=toronto,brevathorpe,%3Cscript%3E")
    assert r.status == 400  # not a slug at all: a bad parameter, as before
    r = get("/compare?cities=toronto,brevathorpe,a-" + "x" * 60)
    assert r.status in (400, 404)
    if r.status == 404:
        assert "No city called <strong>a-" + "x" * 60 + "</strong>" in text(r)


def test_one_spelling():
    j = get_json("/compare.json?cities=toronto,brevathorpe&metrics=funding_share")
    assert j["values"]["funding_share"]["toronto"] in (0, 1)  # the JSON stays exact
    want = "Yes" if j["values"]["funding_share"]["toronto"] == 1 else "No"
    compare = text(get("/compare?cities=toronto,brevathorpe&metrics=funding_share"))
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
    csv = text(get("/compare.csv?cities=toronto,brevathorpe&metrics=funding_share"))
    assert csv.splitlines()[0] == "city,name,funding_share"
    assert re.search(r"^toronto,Toronto,[01]\r?$", csv, re.M)
