"""The map (/map, .svg, .json, .csv), cities' places (lat, lon) and peer groups by answers
(answer:CODE=OPTION, answered:CODE, filters joined by ';') on every page that takes `peers`."""
import csv
import io
import os
import re
import tempfile
import urllib.parse
import xml.etree.ElementTree as ET

from cb import cli, error_of, get, get_json, psql
from test_stats import comparable, profile

SVG = "{http://www.w3.org/2000/svg}"

# Filter expressions and the same cohort in independent SQL (over the current answers of wave W).
CASES = [
    ("answer:dedicated_funding=yes",
     "exists (select 1 from current_answers a where a.city_id = c.id and a.survey_id = cs.survey_id "
     "and a.code = 'dedicated_funding' and a.value = 'true')"),
    ("answer:dedicated_funding=no",
     "exists (select 1 from current_answers a where a.city_id = c.id and a.survey_id = cs.survey_id "
     "and a.code = 'dedicated_funding' and a.value = 'false')"),
    ("answer:innovation_roles=data_scientist;region:Europe",
     "c.region = 'Europe' and exists (select 1 from current_answers a where a.city_id = c.id "
     "and a.survey_id = cs.survey_id and a.code = 'innovation_roles' and a.value ? 'data_scientist')"),
    ("answer:approach=both",
     "exists (select 1 from current_answers a where a.city_id = c.id and a.survey_id = cs.survey_id "
     "and a.code = 'approach' and a.value = '\"both\"')"),
    ("answered:spotlight;population:-1000000",
     "coalesce(cs.population, c.population) <= 1000000 and exists (select 1 from current_answers a "
     "where a.city_id = c.id and a.survey_id = cs.survey_id and a.code = 'spotlight' and a.value <> 'null')"),
    ("region:EUROPE;country:%(cc)s",
     "c.region = 'Europe' and c.country = '%(CC)s'"),
]


def members(wave, where):
    out = psql("select string_agg(c.slug, ',' order by c.slug) from current_submissions cs "
               "join cities c on c.id = cs.city_id where cs.survey_id = '%s' and %s" % (wave, where))
    return out.split(",") if out else []


def q(**kw):
    return urllib.parse.urlencode({k: v for k, v in kw.items() if v is not None})


def test_answer_filters_equal_the_same_cities_as_a_list():
    """Every page that takes peers: the filters and the same cities as a slug list give the same
    numbers; /cities lists exactly those cities."""
    checked = 0
    mid = get_json("/metrics.json")["metrics"][0]["id"]
    cc = psql("select c.country from current_submissions cs join cities c on c.id = cs.city_id "
              "where cs.survey_id = '2018' and c.region = 'Europe' group by 1 order by count(*) desc, 1 limit 1")
    for wave in ("2020", "2018"):
        for expr, where in CASES:
            expr, where = expr % {"cc": cc.lower()} if "%(" in expr else expr, where % {"CC": cc} if "%(" in where else where
            slugs = members(wave, where)
            assert slugs or (wave, expr) == ("2018", "answered:spotlight;population:-1000000"), (wave, expr)
            listed = get_json("/cities.json?" + q(survey=wave, peers=expr))
            assert sorted(c["slug"] for c in listed["cities"]) == slugs, (wave, expr)
            assert listed["total"] == len(slugs)
            if not slugs or len(slugs) > 500:
                continue
            for slug in ("toronto", slugs[0]):
                a = profile(slug, expr, wave)
                b = profile(slug, ",".join(slugs), wave)
                assert comparable(a) == comparable(b), (wave, expr, slug)
                checked += 1
            a = get_json("/metrics/%s.json?%s" % (mid, q(survey=wave, peers=expr)))
            b = get_json("/metrics/%s.json?%s" % (mid, q(survey=wave, peers=",".join(slugs))))
            a.pop("peers", None), b.pop("peers", None)
            assert a == b, (wave, expr)
            cmp = {"cities": "toronto," + slugs[0], "survey": wave}
            a = get_json("/compare.json?" + q(peers=expr, **cmp))
            b = get_json("/compare.json?" + q(peers=",".join(slugs), **cmp))
            a.pop("peers", None), b.pop("peers", None)
            assert a == b, (wave, expr)
            m = get_json("/map.json?" + q(survey=wave, peers=expr))
            placed = set(members(wave, "c.lat is not null"))
            assert sorted(c["slug"] for c in m["cities"] if c["in_peers"]) == [s for s in slugs if s in placed], \
                (wave, expr)
            assert sorted(m["unplaced"]) == sorted(set(members(wave, "true")) - placed)
    assert checked >= 16, checked


def test_peers_canonical_and_errors():
    p = get_json("/cities/toronto.json?peers=" + urllib.parse.quote(" Answer:dedicated_funding=yes ; ;region:Europe;"))
    assert p["peers"] == "answer:dedicated_funding=yes;region:Europe", p["peers"]
    for bad in ("answer:dedicated_funding", "answer:Bad=yes", "foo:bar", "toronto;region:Europe",
                "population:9-1;answered:x", "region:" + "x" * 101):
        for path in ("/cities/toronto.json", "/cities.json", "/metrics", "/compare.json", "/map.json"):
            if path == "/metrics":
                path = "/metrics/%s.json" % get_json("/metrics.json")["metrics"][0]["id"]
            extra = "&cities=toronto,toronto-nope" if path.startswith("/compare") else ""
            error_of(get(path + "?peers=" + urllib.parse.quote(bad) + extra), 400)
    e = error_of(get("/map.json?peers=toronto,no-such-city-x"), 404)
    assert "no-such-city-x" in e["message"]
    e = error_of(get("/cities/toronto.json?peers=toronto,no-such-city-y"), 404)
    assert "no-such-city-y" in e["message"]
    error_of(get("/cities.json?peers=no-such-city-z"), 404)
    # an unknown question or option: an empty cohort, not an error
    m = get_json("/map.json?peers=answer:no_such_question=yes")
    assert m["cities"] and not any(c["in_peers"] for c in m["cities"])


def test_places():
    m = get_json("/map.json?survey=2020")
    toronto = [c for c in m["cities"] if c["slug"] == "toronto"]
    assert toronto and toronto[0]["lat"] == 43.6532 and toronto[0]["lon"] == -79.3832, toronto
    assert m["unplaced"] == [] or all(psql("select lat is null from cities where slug = '%s'" % s) == "t"
                                      for s in m["unplaced"])
    boxes = {"Europe": (-9.5, 28, 37, 61), "North America": (-123, -71, 29, 50)}
    rows = psql("select slug, region, lat, lon from cities where synthetic and lat is not null "
                "and slug !~ '[0-9]'").splitlines()
    assert len(rows) >= 90, len(rows)
    for row in rows:
        slug, region, lat, lon = row.split("|")
        if region in boxes:
            x0, x1, y0, y1 = boxes[region]
            assert x0 <= float(lon) <= x1 and y0 <= float(lat) <= y1, row
    assert psql("select synthetic from cities where slug = 'toronto'") == "f"


def test_cities_file_and_cli_places():
    slug = "place-%d" % os.getpid()
    with tempfile.TemporaryDirectory() as d:
        def imp(body):
            path = os.path.join(d, "cities.csv")
            with open(path, "w") as f:
                f.write(body)
            return cli("import", path, check=False)
        head = "slug,name,country,region,population,synthetic,lat,lon\n"
        rc, _, err = imp(head + "%s,Placed,FR,Europe,100000,true,48.8566,2.3522\n" % slug)
        assert rc == 0, err
        assert psql("select lat, lon from cities where slug = '%s'" % slug) == "48.8566|2.3522"
        for row, col in (("48.8566,", "lon"), (",2.35", "lat"), ("91,2", "lat"), ("45,181", "lon"),
                         ("nan,2", "lat"), ("4e1,2", "lat"), ("x,y", "lat")):
            rc, _, err = imp(head + "%s,Placed,FR,Europe,100000,true,%s\n" % (slug, row))
            assert rc == 1 and ("column %s" % col) in err, (row, rc, err)
        assert psql("select lat, lon from cities where slug = '%s'" % slug) == "48.8566|2.3522"
        # without the columns a city keeps its place; with both empty it is not placed
        rc, _, err = imp("slug,name,country,region,population,synthetic\n%s,Placed,FR,Europe,100000,true\n" % slug)
        assert rc == 0, err
        assert psql("select lat from cities where slug = '%s'" % slug) == "48.8566"
        rc, _, err = imp(head + "%s,Placed,FR,Europe,100000,true,,\n" % slug)
        assert rc == 0, err
        assert psql("select lat is null and lon is null from cities where slug = '%s'" % slug) == "t"
    cli("city", "edit", slug, "--lat", "-33.8688", "--lon", "151.2093")
    assert psql("select lat, lon from cities where slug = '%s'" % slug) == "-33.8688|151.2093"
    rc, _, err = cli("city", "edit", slug, "--lat", "10", check=False)
    assert rc == 1 and "lon" in err, err
    rc, _, err = cli("city", "edit", slug, "--lat", "100", "--lon", "0", check=False)
    assert rc == 1 and "lat" in err, err


def svg_cities(root):
    """The names in the circles' <title>s of the map's image."""
    names = []
    for g in root.iter(SVG + "g"):
        t = g.find(SVG + "title")
        if t is not None and g.find(SVG + "circle") is not None:
            names.append(re.sub(r" \([A-Z]{2}\).*$", "", t.text))
    return names


def test_map_formats_list_the_same_cities():
    view = q(survey="2020", policy="health", population="1000000-4999999", city="toronto",
             metric=get_json("/metrics.json")["metrics"][0]["id"])
    m = get_json("/map.json?" + view)
    assert m["survey"] == "2020" and m["metric"] and m["city"] == "toronto"
    assert m["peers"] == "answer:policy_areas=health;population:1000000-4999999", m["peers"]
    for c in m["cities"]:
        assert set(c) >= {"slug", "name", "lat", "lon", "in_peers", "value"}, c
    slugs = [c["slug"] for c in m["cities"]]
    want = members("2020", "c.lat is not null")
    assert sorted(slugs) == want
    inside = members("2020", "c.lat is not null and "
                     "coalesce(cs.population, c.population) between 1000000 and 4999999 and "
                     "exists (select 1 from current_answers a where a.city_id = c.id and a.survey_id = '2020' "
                     "and a.code = 'policy_areas' and a.value ? 'health')")
    assert sorted(c["slug"] for c in m["cities"] if c["in_peers"]) == inside
    r = get("/map.csv?" + view)
    assert r.status == 200 and r.header("Content-Type").startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert list(rows[0].keys()) == ["city", "name", "lat", "lon", "in_peers", "value"]
    assert [x["city"] for x in rows] == slugs
    assert [x["in_peers"] == "true" for x in rows] == [c["in_peers"] for c in m["cities"]]
    assert [float(x["value"]) if x["value"] else None for x in rows] == [c["value"] for c in m["cities"]]
    r = get("/map.svg?" + view)
    assert r.status == 200 and r.header("Content-Type").startswith("image/svg+xml")
    root = ET.fromstring(r.body)
    assert root.get("viewBox") and root.get("width") == "100%"
    title = root.find(SVG + "title").text
    assert "2020" in title and "policy_areas=health" in title and "population:1000000-4999999" in title
    text = " ".join(t.text or "" for t in root.iter(SVG + "text"))
    assert "Natural Earth" in text and "world-atlas" in text and "citybench" in text and "licence" in text
    assert "Toronto (highlighted)" in text and (" to " in text or "every value shown" in text)  # legend
    names = svg_cities(root)
    assert sorted(names) == sorted(c["name"] for c in m["cities"])
    assert len(root.findall(".//%spath" % SVG)) == 1
    r = get("/map?" + view)
    assert r.status == 200
    html = r.text
    table = html[html.index("<table"):html.index("</table>")]
    linked = re.findall(r'<a href="/cities/([a-z0-9-]+)\?survey=2020">', table)
    assert linked == slugs
    inline = html[html.index("<svg"):html.index("</svg>") + 6]
    assert sorted(svg_cities(ET.fromstring(inline))) == sorted(names)
    n = len(set(psql("select c.country from current_submissions cs join cities c on c.id = cs.city_id "
                     "where cs.survey_id = '2020'").splitlines()))
    k = len(members("2020", "coalesce(cs.population, c.population) between 1000000 and 4999999 and "
                    "exists (select 1 from current_answers a where a.city_id = c.id and a.survey_id = '2020' "
                    "and a.code = 'policy_areas' and a.value ? 'health')"))
    assert "%d cities in %d countries answered the 2020 survey; %d match the filters" % (
        len(members("2020", "true")), n, k) in html


def test_map_query_errors():
    for bad, status in (("survey=20x0", 400), ("survey=1999", 404), ("policy=Health!", 400),
                        ("population=1-2", 400), ("country=CAN", 400), ("metric=no_such_metric", 404),
                        ("city=Not%20a%20slug", 400), ("city=no-such-city", 400),
                        ("peers=region:", 400)):
        for ext in (".json", ".csv", ".svg", ""):
            r = get("/map%s?%s" % (ext, bad))
            assert r.status == status, (ext, bad, r.status)
    assert get("/map?utm_source=x&survey=2020").status == 200      # unknown parameters are ignored
    m = get_json("/map.json?region=Europe&country=fr")
    assert m["peers"] == "region:Europe;country:FR", m["peers"]
