"""A ranking page of a stored cohort (every city, a region, a country) is served from the values' index
and the stored steps (queries_rank.def); other cohorts rank the whole cohort (Q_METRIC_RANKING).  Both
must give the same rows, ranks, percentiles, summary and histogram: a list cohort naming every city is
ranked the old way and compared with the stored one; pages cut anywhere (inside ties too) join up to the
whole ranking; offset past the end, a city outside the cohort, and a value moved by an import."""
import json
import urllib.parse

from cb import get_json
from test_metrics import add_city, eventually

q = urllib.parse.quote


def ranking(metric, **args):
    return get_json("/metrics/%s.json?%s" % (metric, urllib.parse.urlencode(args)))


def metrics():
    return [m["id"] for m in get_json("/metrics.json")["metrics"]]


def test_stored_cohort_ranks_as_the_whole_cohort_does():
    # Every city and each region, against the list of the same cities (ranked the old way).  Other tests
    # add cities to the shared stack: a list that would make the URL longer than a browser's is left out.
    regions = sorted({c["region"] for c in get_json("/cities.json?limit=10000")["cities"] if c["region"]})
    compared = 0
    for m in metrics():
        for wave in ("2018", "2020"):
            for peers in [None] + ["region:" + r for r in regions]:
                args = dict(survey=wave, limit=10000)
                if peers:
                    args["peers"] = peers
                whole = ranking(m, **args)
                slugs = ",".join(v["city"] for v in whole["values"])
                if not slugs or len(slugs) > 6000:
                    continue
                live = ranking(m, survey=wave, limit=10000, peers=slugs)
                assert live["values"] == whole["values"], (m, wave, peers)
                assert live["summary"] == whole["summary"] and live["histogram"] == whole["histogram"], (m, wave, peers)
                assert whole["total"] == len(whole["values"]) == whole["summary"]["n"]
                compared += 1
    assert compared >= len(metrics()) * 2, compared


def test_pages_join_up_to_the_whole_ranking_ties_included():
    for m in metrics()[:2]:
        whole = ranking(m, survey="2020", limit=10000)
        n = whole["total"]
        for limit in (7, 50):
            rows, offset = [], 0
            while offset < n:
                p = ranking(m, survey="2020", limit=limit, offset=offset)
                assert p["total"] == n and p["offset"] == offset and p["limit"] == limit
                assert p["summary"] == whole["summary"] and p["histogram"] == whole["histogram"]
                rows += p["values"]
                offset += limit
                assert (p["next"] is None) == (offset >= n)
            assert rows == whole["values"], (m, limit)


def test_region_pages_and_offset_past_the_end():
    whole = ranking("innovation_roles", survey="2020", peers="region:Europe", limit=10000)
    assert all(v["rank"] >= 1 for v in whole["values"])
    n = whole["total"]
    part = ranking("innovation_roles", survey="2020", peers="region:Europe", offset=3, limit=5)
    assert part["values"] == whole["values"][3:8]
    for offset in (n, n + 1, 1000000):
        p = ranking("innovation_roles", survey="2020", peers="region:Europe", offset=offset, limit=5)
        assert p["values"] == [] and p["total"] == n and p["next"] is None
        assert p["summary"] == whole["summary"]


def test_highlight_outside_the_cohort_and_outside_the_page():
    whole = ranking("innovation_roles", survey="2020", limit=10000)
    last = whole["values"][-1]
    p = ranking("innovation_roles", survey="2020", city=last["city"], limit=1)
    hl = p["highlight"]
    assert hl["in_cohort"] is True and hl["rank"] == last["rank"] and hl["percentile"] == last["percentile"]
    assert hl["of"] == whole["total"] and len(p["values"]) == 1
    outside = add_city("rp", "Ranking page outsider", [("innovation_roles_count", "3")], country="NZ",
                       region="Oceania")
    p = eventually(lambda: ranking("innovation_roles", survey="2020", city=outside, peers="region:Europe"))
    assert p["highlight"]["in_cohort"] is False and p["highlight"]["rank"] is None
    assert p["highlight"]["value"] == 3.0


def test_an_import_moves_a_value_and_the_page_follows():
    slug = add_city("rq", "Ranking page mover", [("innovation_roles_count", "50")], country="NZ",
                    region="Oceania")

    def row():
        d = ranking("innovation_roles", survey="2020", limit=10000, city=slug)
        return d if d["highlight"]["in_cohort"] else None
    d = eventually(row)
    assert d and d["highlight"]["rank"] == 1 and d["summary"]["max"] == 50.0
    top = [v for v in d["values"] if v["value"] == 50.0]
    assert slug in [v["city"] for v in top] and all(v["rank"] == 1 for v in top)
    assert [v["name"] for v in top] == sorted((v["name"] for v in top), key=lambda s: s.encode())
    page = ranking("innovation_roles", survey="2020", limit=len(top), city=slug)
    assert page["values"] == top and page["highlight"] == d["highlight"]
