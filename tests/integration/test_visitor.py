"""Issue 16 (the visitor's side): every JSON city record carries lat and lon; every count on a profile is
a link to its cities, whose list's total equals the count; long lists are paged (limit, offset, total,
next) with every figure over the whole cohort; unknown query parameters are ignored."""
import html
import re
import urllib.parse

from cb import get, get_json, error_of

COUNT_LINK = re.compile(r'<a class="count" href="([^"]+)">([0-9][0-9,\u202f\u00a0 ]*)</a>')


def _placed(rec, where):
    assert "lat" in rec and "lon" in rec, "%s: no lat/lon in %r" % (where, rec)
    for k, lim in (("lat", 90), ("lon", 180)):
        v = rec[k]
        assert v is None or (isinstance(v, (int, float)) and -lim <= v <= lim), (where, rec)


def test_every_city_record_has_lat_and_lon():
    d = get_json("/cities.json?limit=10000")
    assert d["cities"], d
    for c in d["cities"]:
        _placed(c, "/cities.json")
    t = get_json("/cities/toronto.json")["city"]
    _placed(t, "/cities/toronto.json")
    assert abs(t["lat"] - 43.65) < 0.1 and abs(t["lon"] + 79.38) < 0.1, t
    other = d["cities"][0]["slug"] if d["cities"][0]["slug"] != "toronto" else d["cities"][1]["slug"]
    cmp = get_json("/compare.json?cities=toronto,%s" % other)
    assert [c["slug"] for c in cmp["cities"]] == ["toronto", other]
    for c in cmp["cities"]:
        _placed(c, "/compare.json")
    assert cmp["cities"][0]["lat"] == t["lat"]
    m = get_json("/metrics/funding_share.json?city=toronto")
    assert m["values"]
    for v in m["values"]:
        _placed(v, "/metrics/funding_share.json")
    _placed(m["highlight"], "/metrics highlight")
    tor = [v for v in m["values"] if v["city"] == "toronto"]
    assert tor and tor[0]["lat"] == t["lat"], tor
    sub = get_json("/cities/toronto/submissions.json")
    if "city" in sub:
        _placed(sub["city"], "/cities/toronto/submissions.json")


def _number(s):
    return int(re.sub(r"[^0-9]", "", s))


def _check_links(page, want_peers_prefix, at_least):
    r = get(page)
    assert r.status == 200, (page, r)
    links = COUNT_LINK.findall(r.text)
    assert len(links) >= at_least, (page, len(links))
    seen = {}
    for href, n in links:
        href = html.unescape(href)
        seen[href] = _number(n)
    for href, n in seen.items():
        u = urllib.parse.urlsplit(href)
        assert u.path == "/cities", href
        q = urllib.parse.parse_qs(u.query)
        assert q["survey"] and re.fullmatch(r"[0-9]{4}", q["survey"][0]), href
        peers = q["peers"][0]
        assert peers.startswith(want_peers_prefix), (peers, want_peers_prefix)
        last = peers.split(";")[-1]
        assert re.fullmatch(r"answer:[a-z0-9_]+=[a-z0-9_]+|answered:[a-z0-9_]+", last), peers
    return seen


def test_every_count_on_a_profile_is_a_link_to_its_cities():
    seen = _check_links("/cities/toronto?survey=2020", "", 20)
    # the 81 and the 100 of one statement: both link, and each list's total is the count
    for i, (href, n) in enumerate(sorted(seen.items())):
        u = urllib.parse.urlsplit(href)
        d = get_json("/cities.json?" + u.query)
        assert d["total"] == n, "%s: total %d, the page says %d" % (href, d["total"], n)
        if i < 3:	# the HTML list says the same
            page = get(href).text
            m = re.search(r'<data id="total" value="([0-9]+)"', page)
            assert m and int(m.group(1)) == n, href


def test_count_links_keep_the_peers():
    seen = _check_links("/cities/toronto?survey=2020&peers=region:North%20America", "region:North America;", 5)
    seen.update(_check_links("/cities/toronto?survey=2018&peers=population:100000-5000000",
                             "population:100000-5000000;", 5))
    for href, n in list(seen.items())[:40]:
        d = get_json("/cities.json?" + urllib.parse.urlsplit(href).query)
        assert d["total"] == n, (href, d["total"], n)
    # a share's two counts: the denominator counts every city that answered
    d2 = get_json("/cities/toronto.json?survey=2020&peers=region:North%20America")
    code = "dedicated_funding"
    if code in d2["cohort"]:
        c = d2["cohort"][code]
        lst = get_json("/cities.json?survey=2020&peers=" + urllib.parse.quote("region:North America;answered:" + code))
        assert lst["total"] == c["answered"], (lst["total"], c)
        lst = get_json("/cities.json?survey=2020&peers=" + urllib.parse.quote("region:North America;answer:%s=yes" % code))
        assert lst["total"] == c["counts"].get("yes", 0), (lst["total"], c)


def test_a_list_of_slugs_as_peers_leaves_counts_plain():
    d = get_json("/cities.json?limit=3")
    slugs = ",".join(["toronto"] + [c["slug"] for c in d["cities"] if c["slug"] != "toronto"][:2])
    r = get("/cities/toronto?survey=2020&peers=" + slugs)
    assert r.status == 200, r
    assert 'class="count"' not in r.text


def test_cities_paged():
    whole = get_json("/cities.json?limit=10000")
    total = whole["total"]
    assert total == len(whole["cities"]) and total > 10 and whole["next"] is None
    got, url, pages = [], "/cities.json?limit=7&utm_source=newsletter", 0
    while url:
        d = get_json(url)
        assert d["total"] == total, d["total"]
        assert len(d["cities"]) <= 7
        got += [c["slug"] for c in d["cities"]]
        url = d["next"]
        pages += 1
        assert pages < 1000
    assert got == [c["slug"] for c in whole["cities"]]
    assert pages == (total + 6) // 7
    d = get_json("/cities.json?limit=5&offset=%d" % (total + 10))
    assert d["cities"] == [] and d["total"] == total and d["next"] is None
    # the default is 1,000; unknown parameters change nothing
    assert get_json("/cities.json?fbclid=abc")["cities"] == get_json("/cities.json")["cities"]
    csv = get("/cities.csv?limit=3&offset=2").text.strip().split("\r\n")
    assert len(csv) == 4, csv
    assert csv[1].split(",")[0] == whole["cities"][2]["slug"], csv
    h = get("/cities?limit=4&offset=4").text
    assert 'value="%d"' % total in h
    assert h.count('<tr><th scope="row"><a href="/cities/') == 4
    assert 'rel="next"' in h


def test_paging_errors():
    for q in ("limit=0", "limit=10001", "limit=abc", "limit=-1", "offset=-1", "offset=x", "limit=1.5",
              "limit=%20"):
        for path in ("/cities.json", "/metrics/funding_share.json", "/metrics/funding_share.csv"):
            error_of(get(path + "?" + q), 400)
    assert get("/metrics/funding_share.json?limit=").status == 200
    # the chart is not a list: limit does not apply to it
    assert get("/metrics/funding_share.svg?limit=0").status == 200


def test_metric_paged_over_the_whole_cohort():
    whole = get_json("/metrics/funding_share.json?peers=region:Europe&limit=10000")
    n = whole["summary"]["n"]
    assert whole["total"] == n == len(whole["values"]) and whole["next"] is None
    d = get_json("/metrics/funding_share.json?peers=region:Europe&limit=5&offset=5&ref=x")
    assert d["summary"] == whole["summary"], "the figures are over the whole cohort"
    assert d["histogram"] == whole["histogram"]
    assert d["values"] == whole["values"][5:10]
    assert d["total"] == n
    nxt = urllib.parse.urlsplit(d["next"])
    assert nxt.path == "/metrics/funding_share.json"
    q = urllib.parse.parse_qs(nxt.query)
    assert q["offset"] == ["10"] and q["limit"] == ["5"] and q["peers"] == ["region:Europe"], q
    assert get_json(d["next"])["values"] == whole["values"][10:15]
    last = get_json("/metrics/funding_share.json?peers=region:Europe&limit=5&offset=%d" % (n - 5))
    assert last["next"] is None and len(last["values"]) == 5
    csv = get("/metrics/funding_share.csv?peers=region:Europe&limit=5&offset=5").text.strip().split("\r\n")
    assert csv[0] == "rank,city,name,value" and len(csv) == 6
    assert [l.split(",")[1] for l in csv[1:]] == [v["city"] for v in whole["values"][5:10]]
    # the default limit is 1,000: every row of a cohort of at most 1,000
    assert get_json("/metrics/funding_share.json")["values"] == get_json("/metrics/funding_share.json?limit=10000")["values"]
    h = get("/metrics/funding_share?peers=region:Europe&limit=5&offset=5").text
    assert "6 to 10 of %d cities" % n in h
