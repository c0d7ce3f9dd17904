"""A region peer group's name is taken as the cities spell it (region:north america is region:North
America) from the list of regions kept per data version (cgi/core/view.c canonical_region; issue 18,
tenth session: the statement scanned every city on each request).  Hostile cases: a region that
appears after the list was read (a city added: a new data version), a region of one city, a region
no city has, an empty name, case and spaces, and the cohort's counts and ranks against the old
statements (CITYBENCH_PEERS_SQL's path repeated in PostgreSQL by the wavefacts/wavemetrics tests)."""
import urllib.parse

from cb import get, get_json, new_city


def profile(slug, peers):
    return get_json("/cities/%s.json?peers=%s" % (slug, urllib.parse.quote(peers, safe="")))


def members(peers):
    d = get_json("/cities.json?limit=10000&peers=%s" % urllib.parse.quote(peers, safe=""))
    return sorted(c["slug"] for c in d["cities"])


def test_region_named_as_cities_spell_it():
    for peers in ("region:north america", "region:NORTH AMERICA", "region:North America"):
        for _ in range(4):  # every worker
            p = profile("toronto", peers)
            assert p["peers"] == "region:North America", p["peers"]
            assert p["cohort_size"] == len(members("region:North America"))


def test_region_added_after_the_list_was_read():
    profile("toronto", "region:europe")  # the workers read the list
    slug = new_city(prefix="rk", region="Zq Kept Region")
    for _ in range(4):
        p = profile(slug, "region:zq kept region")
        assert p["peers"] == "region:Zq Kept Region", p["peers"]
        assert p["cohort_size"] in (0, 1)  # one city: in the cohort once it has a fact row of the wave


def test_region_nobody_has_and_odd_names():
    for peers in ("region:No Such Region Anywhere", "region:%s" % ("x" * 200), "region:europe ",
                  "region:Europe%00"):
        r = get("/cities/toronto.json?peers=%s" % urllib.parse.quote(peers, safe="%"))
        assert r.status in (200, 400), (peers, r.status)
        if r.status == 200:
            p = r.json()
            assert p["cohort_size"] == 0 or p["peers"] == "region:Europe", (peers, p["peers"])
    p = profile("toronto", "region:No Such Region Anywhere")
    assert p["cohort_size"] == 0 and p["peers"] == "region:No Such Region Anywhere"
    r = get("/cities/toronto.json?peers=region:")
    assert r.status in (200, 400), r.status
