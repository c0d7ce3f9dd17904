"""Forgiving search and filters (issue 15, item 5): queries trimmed and in any case, country names found,
/cities/Toronto 301s to /cities/toronto, region and country filters in any case, one hit goes to its
profile, an unknown slug in peers a 404 naming it on every page taking peers (the HTML page keeping the
notice and the form); and every CSV downloads under a name that says what it holds."""
import re

from cb import error_of, get, get_json


def text(r):
    return r.body.decode("utf-8") if isinstance(r.body, bytes) else r.body


def slugs(path):
    return [c["slug"] for c in get_json(path)["cities"]]


def test_query_trimmed_and_in_any_case():
    assert "toronto" in slugs("/cities.json?q=Toronto%20")
    assert "toronto" in slugs("/cities.json?q=%20%20TORONTO%09")
    assert slugs("/cities.json?q=%20") == slugs("/cities.json")


def test_country_names_are_found():
    canada = slugs("/cities.json?country=CA&limit=10000")
    assert canada and sorted(slugs("/cities.json?q=canada&limit=10000")) == sorted(canada)
    assert sorted(slugs("/cities.json?q=Canada%20&limit=10000")) == sorted(canada)
    # a word of the name, not any substring: "land" is no country (Finland, Poland…), "korea" is
    kr = slugs("/cities.json?country=KR&limit=10000")
    assert kr and set(kr) <= set(slugs("/cities.json?q=korea&limit=10000"))
    assert not set(slugs("/cities.json?q=land&limit=10000")) >= set(slugs("/cities.json?country=FI&limit=10000")) or \
        not slugs("/cities.json?country=FI&limit=10000")


def test_region_and_country_in_any_case():
    exact = slugs("/cities.json?region=North%20America&limit=10000")
    assert exact
    assert slugs("/cities.json?region=north%20america&limit=10000") == exact
    assert slugs("/cities.json?region=%20NORTH%20AMERICA%20&limit=10000") == exact
    # peers is a cohort of the wave (cities that answered it), region= is every registered city
    in_wave = slugs("/cities.json?peers=region:North%20America&limit=10000")
    assert in_wave and set(in_wave) <= set(exact)
    assert slugs("/cities.json?peers=region:north%20america&limit=10000") == in_wave
    assert slugs("/cities.json?country=ca&limit=10000") == slugs("/cities.json?country=CA&limit=10000")
    # the metric page's statistics for a region are the same whatever the case
    a = get_json("/metrics/innovation_staff.json?peers=region:Europe")
    b = get_json("/metrics/innovation_staff.json?peers=region:EUROPE")
    assert a["summary"] == b["summary"] and a["summary"]["n"] > 0
    assert [v["rank"] for v in a["values"]] == [v["rank"] for v in b["values"]]


def test_capital_slug_redirects():
    r = get("/cities/Toronto")
    assert r.status == 301 and r.header("Location") == "/cities/toronto"
    r = get("/cities/TORONTO.json?survey=2018")
    assert r.status == 301 and r.header("Location") == "/cities/toronto.json?survey=2018"
    r = get("/cities/Toronto/similar?limit=3")
    assert r.status == 301 and r.header("Location") == "/cities/toronto/similar?limit=3"
    # not a slug even in small letters: still 404
    assert get("/cities/To_ronto").status == 404
    assert get("/cities/Nowhere-City").status == 301
    assert get("/cities/nowhere-city").status == 404


def test_one_hit_goes_to_the_profile():
    r = get("/cities?q=toronto%20&survey=2018")
    assert r.status == 302 and r.header("Location") == "/cities/toronto?survey=2018"
    # programs get the list
    assert get("/cities.json?q=toronto").status == 200
    # several hits: the list
    assert get("/cities?q=canada").status == 200


PEER_PAGES = ["/cities", "/cities/toronto", "/metrics/innovation_staff", "/map",
              "/compare?cities=toronto,brevathorpe"]


def test_unknown_peer_is_a_404_naming_it_everywhere():
    for page in PEER_PAGES:
        sep = "&" if "?" in page else "?"
        for fmt in ("json",):
            base, _, q = page.partition("?")
            url = base + "." + fmt + "?" + (q + "&" if q else "") + "peers=toronto,no-such-peer"
            assert "no-such-peer" in error_of(get(url), 404)["message"], url
        r = get(page + sep + "peers=toronto,no-such-peer&survey=2020")
        assert r.status == 404, page
        body = text(r)
        assert r.header("Content-Type").startswith("text/html")
        assert "no-such-peer" in body
        assert re.search(r'<div class="notice" role="alert">', body), page
        form = re.search(r'<form class="filters peers" method="get" action="([^"]*)">(.*?)</form>', body, re.S)
        assert form and form.group(1) == page.split("?")[0], page
        assert 'name="survey" value="2020"' in form.group(2)
        assert 'id="peers" name="peers"' in form.group(2) and 'value="toronto"' in form.group(2)
    assert error_of(get("/metrics/innovation_staff.svg?peers=no-such-peer"), 404)


def test_unknown_peer_suggests_and_escapes():
    body = text(get("/metrics/innovation_staff?peers=torontoo"))
    assert "Did you mean" in body and ">Toronto</a>" in body
    assert 'href="/metrics/innovation_staff?peers=toronto"' in body
    r = get("/metrics/innovation_staff?peers=toronto,x-1&q=%3Cscript%3E")
    assert r.status == 404 and "<script>" not in text(r) and "&lt;script&gt;" in text(r)


def test_csv_names():
    want = {
        "/cities.csv": "citybench-cities.csv",
        "/metrics.csv": "citybench-metrics.csv",
        "/metrics/innovation_staff.csv?survey=2018": "citybench-metrics-innovation_staff-2018.csv",
        "/cities/toronto.csv?survey=2020": "citybench-cities-toronto-2020.csv",
        "/compare.csv?cities=toronto,brevathorpe": "citybench-compare.csv",
        "/map.csv": "citybench-map.csv",
        "/cities/toronto/similar.csv": "citybench-cities-toronto-similar.csv",
        "/cities/toronto/submissions.csv": "citybench-cities-toronto-submissions.csv",
    }
    for path, name in want.items():
        r = get(path)
        assert r.status == 200, path
        assert r.header("Content-Disposition") == 'attachment; filename="%s"' % name, (path, r.header("Content-Disposition"))
    # the templates of two waves do not share a name
    a = get("/surveys/2018/template.csv").header("Content-Disposition")
    b = get("/surveys/2020/template.csv").header("Content-Disposition")
    assert a and b and a != b


def test_country_names_beside_codes():
    body = text(get("/cities?country=CA"))
    assert "Canada (CA)" in body
    assert re.search(r'<select id="country" name="country">.*<option value="CA" selected>Canada \(CA\)</option>', body, re.S)


def test_compare_answers_side_by_side():
    body = text(get("/compare?cities=toronto,brevathorpe&questions=dedicated_funding,innovation_roles"
                    "&questions=population&metrics=funding_share"))
    sec = re.search(r'<h2 id="answers-h">Answers side by side</h2>(.*?)</section>', body, re.S)
    assert sec, body[:3000]
    rows = re.findall(r'<tr data-question="([a-z0-9_]+)">', sec.group(1))
    assert sorted(rows) == ["dedicated_funding", "innovation_roles", "population"], rows
    j = get_json("/cities/toronto.json?survey=2020")
    want = "Yes" if j["answers"]["dedicated_funding"] else "No"
    cell = re.search(r'<tr data-question="dedicated_funding">.*?<td data-city="toronto">(.*?)</td>', sec.group(1), re.S)
    assert cell and ">%s<" % want in cell.group(1), cell and cell.group(1)
    assert "2,800,000" in sec.group(1)
    # the chooser keeps the rest of the view and ticks the questions chosen
    assert '<input type="hidden" name="cities" value="toronto,brevathorpe">' in sec.group(1)
    assert 'id="question-dedicated_funding" value="dedicated_funding" checked' in sec.group(1)
    # none chosen: the chooser alone, open; an unknown code is left out, hostile text escaped
    none = text(get("/compare?cities=toronto,brevathorpe"))
    assert '<details class="choose-questions" open>' in none and 'data-question=' not in none
    odd = get("/compare?cities=toronto,brevathorpe&questions=%3Cscript%3E,no_such_q")
    assert odd.status == 200 and "<script>" not in text(odd) and "None of the questions named" in text(odd)
    # the JSON twin is unchanged by questions
    assert get_json("/compare.json?cities=toronto,brevathorpe&questions=population")["cities"]


def test_peers_drop_downs():
    a = get_json("/metrics/innovation_staff.json?peers_region=europe")
    b = get_json("/metrics/innovation_staff.json?peers=region:Europe")
    assert a["peers"] == "region:Europe" and a["summary"] == b["summary"]
    both = get_json("/cities/toronto.json?peers=population:1-99999999&peers_country=ca")
    assert both["peers"] == "population:1-99999999;country:CA"
    # the drop-down's region or country replaces the one the text names (the page shows its group in the
    # text box): another region moves the group, it does not ask for cities in both
    moved = get_json("/metrics/innovation_staff.json?peers=region:North%20America;population:1-99999999"
                     "&peers_region=Europe")
    assert moved["peers"] == "population:1-99999999;region:Europe" and moved["summary"]["n"] > 0, moved["peers"]
    assert get_json("/cities/toronto.json?peers=country:FR&peers_country=ca")["peers"] == "country:CA"
    # a list of slugs stands alone
    assert get_json("/metrics/innovation_staff.json?peers=toronto,brevathorpe&peers_region=Europe")["peers"] == \
        "toronto,brevathorpe"
    for page in ("/cities/toronto", "/metrics/innovation_staff", "/compare?cities=toronto,brevathorpe"):
        sep = "&" if "?" in page else "?"
        body = text(get(page + sep + "peers_region=Europe&peers_country=CA"))
        assert '<select id="peers_region" name="peers_region">' in body, page
        assert '<option value="Europe" selected>Europe</option>' in body, page
        assert '<option value="CA" selected>Canada (CA)</option>' in body, page


def test_metric_over_time():
    d18 = get_json("/metrics/innovation_staff.json?survey=2018&city=toronto")["highlight"]
    d20 = get_json("/metrics/innovation_staff.json?survey=2020&city=toronto")["highlight"]
    body = text(get("/metrics/innovation_staff?city=toronto"))
    sec = re.search(r'<section id="over-time".*?</section>', body, re.S)
    assert sec and "Toronto over time: 2018 → 2020" in sec.group(0)
    row = re.search(r'<tr data-metric="innovation_staff">(.*?)</tr>', sec.group(0), re.S).group(1)
    for wave, h in (("2018", d18), ("2020", d20)):
        cell = re.search(r'data-wave="%s"><data value="([^"]*)">' % wave, row)
        assert cell and float(cell.group(1)) == h["value"], (wave, row)
    profile = text(get("/cities/toronto"))
    assert '<h2 id="h-over-time">Toronto over time: 2018 → 2020</h2>' in profile
    assert len(re.findall(r'<tr data-metric="[a-z0-9_]+">', re.search(r'id="over-time".*?</section>', profile, re.S).group(0))) >= 2
    # no city chosen: no trend on the metric page
    assert 'id="over-time"' not in text(get("/metrics/innovation_staff"))


def test_meta_tags_and_back_to_top():
    for page in ("/", "/cities", "/cities/toronto", "/metrics/innovation_staff?city=toronto", "/map", "/upload",
                 "/compare?cities=toronto,brevathorpe"):
        body = text(get(page))
        assert re.search(r'<meta name="description" content="[^"]{40,}">', body), page
        for prop in ("og:title", "og:description", "og:type", "og:url"):
            assert '<meta property="%s" content="' % prop in body, (page, prop)
        assert '<p class="to-top"><a href="#main">Back to the top</a></p>' in body, page
    body = text(get("/metrics/innovation_staff?city=toronto"))
    assert '<meta property="og:image" content="/metrics/innovation_staff.svg?city=toronto">' in body
    assert '<meta property="og:url" content="/metrics/innovation_staff?city=toronto">' in body
    assert "og:image" not in text(get("/cities"))
    hostile = text(get('/cities?q=%22%3E%3Cscript%3E'))
    assert '"><script>' not in hostile


def test_unknown_peer_group_kind_is_a_400_that_lists_the_kinds():
    """peers=list:... (a kind that is not one): a 400 that says what was wrong once ("bad peers
    expression: unknown group 'list:'", not "...: peers: unknown group") and names every kind,
    similar:SLUG among them."""
    for url in ("/cities/toronto?peers=list:a,b", "/cities/toronto.json?peers=list:a,b"):
        r = get(url)
        assert r.status == 400, (url, r.status)
        assert "bad peers expression: unknown group" in r.text and "peers: peers" not in r.text \
            and "expression: peers:" not in r.text, r.text[:400]
        assert "similar:SLUG" in r.text, r.text[:400]


def test_a_counts_list_says_which_peer_group_it_is():
    # a profile's count opens /cities with its group: the page names it, keeps it in the search form and
    # links back to every city with the other filters kept
    want = get_json("/cities.json?survey=2020&peers=answer:dedicated_funding=yes")["total"]
    body = text(get("/cities?survey=2020&peers=answer%3Adedicated_funding%3Dyes"))
    assert "Only the cities of the peer group <code>answer:dedicated_funding=yes</code> (2020 wave)" in body
    assert '<input type="hidden" name="peers" value="answer:dedicated_funding=yes">' in body
    assert '<a href="/cities?survey=2020">Every city</a>' in body
    assert '<data id="total" value="%d">' % want in body
    fr = text(get("/cities?survey=2020&peers=answer%3Adedicated_funding%3Dyes&lang=fr"))
    assert "Seulement les villes du groupe de pairs" in fr and "(vague 2020)" in fr
    # without a group, no such line
    assert "Only the cities of the peer group" not in text(get("/cities?survey=2020"))
