"""Issue 16 item 6: survey=latest takes each city at the latest wave it answered (a city counts once), on
every page that takes survey: profile shares, /cities, rankings, compare, the map, their JSON and CSV
twins; a share then says which waves it pools.  Checked through nginx against relations, not fixed
numbers: earlier tests add cities and versions."""
import csv
import io
import re
import html

from cb import get, get_json


def text_of(page):
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def total(path):
    return get_json(path)["total"]


def latest_wave_of():
    """{slug: latest wave answered}, from the per-wave lists."""
    out = {}
    # every wave: Toronto's, and those other tests add (a partner's own wave, say)
    waves = set(get_json("/cities/toronto.json")["waves"]) | \
        set(get_json("/cities/toronto.json?survey=latest")["pooled_waves"])
    for w in sorted(waves):
        for c in get_json("/cities.json?survey=%s&limit=10000" % w)["cities"]:
            out[c["slug"]] = max(out.get(c["slug"], w), w)
    return out


def test_a_city_counts_once():
    latest = latest_wave_of()
    d = get_json("/cities.json?survey=latest&limit=10000")
    slugs = [c["slug"] for c in d["cities"]]
    assert len(slugs) == len(set(slugs)) == d["total"] == len(latest)
    p = get_json("/cities/toronto.json?survey=latest")
    assert p["survey"] == "latest" and p["cohort_size"] == len(latest)
    pools = p["pooled_waves"]
    assert sum(pools.values()) == len(latest)
    for w, n in pools.items():
        assert n == sum(1 for v in latest.values() if v == w), (w, n)
    m = get_json("/map.json?survey=latest")
    ms = [c["slug"] for c in m["cities"]] + m["unplaced"]
    assert len(ms) == len(set(ms)) == len(latest) and m["pooled_waves"] == pools
    rows = list(csv.reader(io.StringIO(get("/map.csv?survey=latest").text)))
    assert len(rows) - 1 == len(m["cities"])


def test_toronto_at_2020():
    p = get_json("/cities/toronto.json?survey=latest")
    assert p["city_survey"] == "2020"
    assert p["answers"] == get_json("/cities/toronto.json?survey=2020")["answers"]
    # a city known only by its 2018 answers is taken at 2018
    latest = latest_wave_of()
    only18 = sorted(s for s, w in latest.items() if w == "2018")
    assert only18
    q = get_json("/cities/%s.json?survey=latest" % only18[0])
    assert q["city_survey"] == "2018"
    assert q["answers"] == get_json("/cities/%s.json?survey=2018" % only18[0])["answers"]


def test_counts_behind_shares_equal_the_lists_total():
    c = get_json("/cities/toronto.json?survey=latest")["cohort"]
    for code in ("dedicated_funding", "funding_sources", "innovation_helps", "explicit_strategy"):
        assert c[code]["answered"] == total("/cities.json?survey=latest&peers=answered:%s&limit=1" % code), code
        for opt, n in c[code]["counts"].items():
            assert n == total("/cities.json?survey=latest&peers=answer:%s=%s&limit=1" % (code, opt)), (code, opt)
    # pooled: more cities answered funding_sources than in any one wave
    per_wave = [get_json("/cities/toronto.json?survey=%s" % w)["cohort"]["funding_sources"]["answered"]
                for w in ("2020",)] + [get_json("/cities/toronto.json?survey=2018")["cohort"]["funding_sources"]["answered"]]
    assert c["funding_sources"]["answered"] > max(per_wave)
    # with peers: the same relation
    pc = get_json("/cities/toronto.json?survey=latest&peers=region:Europe")
    n = pc["cohort"]["dedicated_funding"]["counts"].get("yes", 0)
    assert n == total("/cities.json?survey=latest&peers=region:Europe;answer:dedicated_funding=yes&limit=1")
    assert pc["cohort_size"] == sum(pc["pooled_waves"].values()) == \
        total("/cities.json?survey=latest&peers=region:Europe&limit=1")


def test_the_share_says_which_waves_it_pools():
    p = get_json("/cities/toronto.json?survey=latest")
    page = get("/cities/toronto?survey=latest").text
    t = text_of(page)
    parts = [("%d city at its %s answers" if n == 1 else "%d cities at their %s answers") % (n, w)
             for w, n in p["pooled_waves"].items()]
    words = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    assert "Each city at the latest wave it answered, counted once: the shares pool " + words in t, t[:600]
    assert "2020 wave, its latest" in t
    # the counts link to the lists under latest
    assert 'href="/cities?survey=latest&amp;peers=answer%3Adedicated_funding%3Dyes"' in page
    for path in ("/metrics/innovation_staff?survey=latest", "/map?survey=latest",
                 "/compare?cities=toronto,%s&survey=latest" % p["similar"][0]["slug"]):
        assert "the shares pool " + words in text_of(get(path).text), path


def test_rankings_and_compare_take_each_city_at_its_latest():
    latest = latest_wave_of()
    d = get_json("/metrics/innovation_staff.json?survey=latest&limit=10000")
    assert d["survey"] == "latest" and d["pooled_waves"] == get_json("/cities/toronto.json?survey=latest")["pooled_waves"]
    vals = {v["city"]: v["value"] for v in d["values"]}
    assert len(vals) == len(d["values"]) == d["total"] == d["summary"]["n"]
    by_wave = {w: {v["city"]: v["value"] for v in get_json(
        "/metrics/innovation_staff.json?survey=%s&limit=10000" % w)["values"]} for w in set(latest.values())}
    for slug, v in vals.items():
        assert v == by_wave[latest[slug]][slug], slug
    assert len(vals) == sum(1 for s, w in latest.items() if s in by_wave[w])
    rows = list(csv.reader(io.StringIO(get("/metrics/innovation_staff.csv?survey=latest&limit=10000").text)))
    assert len(rows) - 1 == d["total"]
    hl = get_json("/metrics/innovation_staff.json?survey=latest&city=toronto")["highlight"]
    assert hl["value"] == by_wave["2020"]["toronto"] if "value" in hl else True
    only18 = sorted(s for s, w in latest.items() if w == "2018" and s in by_wave["2018"])[0]
    cmp = get_json("/compare.json?cities=toronto,%s&metrics=innovation_staff&survey=latest" % only18)
    assert cmp["survey"] == "latest"
    assert cmp["values"]["innovation_staff"] == {"toronto": by_wave["2020"]["toronto"], only18: by_wave["2018"][only18]}
    assert cmp["metrics"][0]["of"] == len(vals)


def test_latest_where_it_is_not_taken():
    assert get("/cities/toronto.json?survey=latest2").status == 400
    assert get("/cities/toronto/submissions.json?survey=latest").status == 400


def test_the_wave_pickers_offer_latest():
    for path in ("/cities/toronto?survey=latest", "/metrics/innovation_staff?survey=latest",
                 "/map?survey=latest", "/cities?survey=latest"):
        page = get(path).text
        assert '<option value="latest" selected>Each city at its latest wave</option>' in page, path
    assert '<option value="latest">Each city at its latest wave</option>' in get("/map").text
    # the map's filters keep their options under latest (the newest wave's)
    m = get("/map?survey=latest").text
    assert 'value="data_scientist"' in m
    # and the filters work: the cities matching under latest are the list's
    d = get_json("/map.json?survey=latest&peers=answer:dedicated_funding=yes")
    assert d["in_peers"] == total("/cities.json?survey=latest&peers=answer:dedicated_funding=yes&limit=1")
