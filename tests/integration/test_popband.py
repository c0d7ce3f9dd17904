"""Issue 18, eleventh session: a profile against a population band (peers=population:A-B) is answered
from blocks of the wave's cities in population order (cgi/core/popband.c): the band's counts are sums
kept per block and the city's ranks binary searches in them, with no pass over the band's members.
A second FastCGI server of the same build runs with CITYBENCH_POPBAND=0 (the members found and summed
as before) and must answer every URL byte for byte alike, and so must a third with blocks of 3 cities
(CITYBENCH_POPBAND_B=3: the sample's bands then hold many whole blocks and end on and inside them): JSON and HTML, French, both waves, bands
around a city, of one population, open at either end, of the whole wave, of no city, with the city
inside and outside the band; before any write, after a new city joins a band, after a member's
population moves it to another band and its answers change, and after a member's population answer is
cleared (its fact row then has the city's registered population), and after a metric is made lower
is better."""
import json
import os
import urllib.parse

from test_profile_blocks import REQUEST_ID, ProfileSqlServer, same, settle, upload
from cb import get_json, new_city, post, psql, token_for_city

q = urllib.parse.quote
FLIP = "data_sufficiency"  # 9 distinct values among 100 cities: ties


def bands(pops):
    """Bands of every kind around the populations given."""
    out = ["0-1000000000000", "-1000000000000", "1-2", "0-0"]
    for p in pops:
        out += ["%d-%d" % (p, p), "%d-%d" % (p // 2, p * 2), "%d-" % p, "-%d" % p, "%d-%d" % (p + 1, p * 3)]
    return out


def urls(slugs, pops):
    out = []
    for i, s in enumerate(slugs):
        for j, b in enumerate(bands(pops)):
            p = q("population:" + b)
            out.append("/cities/%s.json?peers=%s" % (s, p))
            if (i + j) % 3 == 0:
                out.append("/cities/%s?peers=%s" % (s, p))
            if (i + j) % 3 == 1:
                out.append("/cities/%s?lang=fr&peers=%s" % (s, p))
            if (i + j) % 4 == 0:
                out.append("/cities/%s.json?survey=2018&peers=%s" % (s, p))
            if (i + j) % 4 == 1:
                out.append("/cities/%s?survey=2018&lang=fr&peers=%s" % (s, p))
    return out


def size(slug, band):
    return get_json("/cities/%s.json?peers=%s" % (slug, q("population:" + band)))["cohort_size"]


def same_servers(a, b, us):
    for u in us:
        x, y = a.get(u), b.get(u)
        assert x[:2] == y[:2] and REQUEST_ID.sub(b"", x[2]) == REQUEST_ID.sub(b"", y[2]), (u, x[:2], y[:2])


def test_bands_as_the_members_summed():
    srv = ProfileSqlServer(CITYBENCH_POPBAND="0")
    # blocks of 3 cities: many whole blocks, many edges; it says on stderr each band it answered
    small = ProfileSqlServer(CITYBENCH_POPBAND_B="3", CITYBENCH_SIMSHARE_TRACE="1")

    flipped = False

    def check():
        settle()
        assert same(srv, us) > len(us) // 2
        same_servers(small, srv, us)
    try:
        cities = get_json("/cities.json?survey=2020&limit=10000")["cities"]
        withpop = [c for c in cities if c.get("population")]
        picked = ["toronto"] + [c["slug"] for c in withpop[::29] if c["slug"] != "toronto"][:4]
        pops = sorted({c["population"] for c in withpop if c["slug"] in picked})[:3]
        a, b = (new_city("pb", country="NZ", region="Oceania") for _ in range(2))
        slugs = picked + [a, b]
        us = urls(slugs, pops)
        one, two = "%d-%d" % (pops[0], pops[0]), "%d-%d" % (pops[0], pops[0] + 1)
        s1, s2 = size("toronto", one), size("toronto", two)  # earlier runs' cities may be there too
        check()

        # a new city joins the band around the first population, with a twin of its population
        upload(a, {"dedicated_funding": True, "population": pops[0], "funding_sources": ["municipal_budget"]})
        upload(b, {"dedicated_funding": False, "population": pops[0] + 1, "funding_sources": ["municipal_budget"]})
        check()
        assert (size(a, one), size(a, two)) == (s1 + 1, s2 + 2)

        # a member moves to another band, its answers changed
        upload(a, {"dedicated_funding": False, "population": pops[-1] * 2 + 7, "funding_sources": ["municipal_budget"]})
        check()
        assert (size(a, one), size(a, two)) == (s1, s2 + 1)

        # a member's population answer cleared: it has the city's registered population again (500000)
        r = post("/api/submissions?clear=1", json.dumps({"city": b, "survey": "2020", "answers": {
            "dedicated_funding": True, "population": None, "funding_sources": ["municipal_budget"]}}),
            "application/json", token_for_city(b))
        assert r.status == 201, r
        check()
        assert size(a, two) == s2

        # lower is better (the sample's metrics are all higher is better), with ties of value
        psql("update metrics set higher_is_better = not higher_is_better where id = '%s'; "
             "select bump_data_version()" % FLIP)
        flipped = True
        check()
        # the blocks answered the bands (not the long way, which gives the same answers)
        log = open(os.path.join(small.dir, "log")).read()
        assert log.count("popband: ") >= 5 * len(pops), log[-2000:]
    finally:
        if flipped:
            psql("update metrics set higher_is_better = not higher_is_better where id = '%s'; "
                 "select bump_data_version()" % FLIP)
        srv.stop()
        small.stop()
