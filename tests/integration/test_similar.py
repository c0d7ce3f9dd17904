"""Issue 16: /cities/{slug}/similar — the cities most like one in a wave, score in [0, 1] and reasons."""
import csv
import io
import json

from cb import get, get_json, post, new_city, token_for_city, error_of


def _answer(slug, answers, wave="2020"):
    body = json.dumps({"city": slug, "survey": wave, "answers": answers})
    r = post("/api/submissions", body, ctype="application/json", token=token_for_city(slug))
    assert r.status in (200, 201), r


def test_similar_scores_and_reasons():
    a, b, c, d = (new_city("sim") for _ in range(4))
    _answer(a, {"dedicated_funding": True, "funding_sources": ["municipal_budget", "philanthropy"],
                "approach": "holistic", "population": 1000000})
    _answer(b, {"dedicated_funding": True, "funding_sources": ["philanthropy", "municipal_budget"],
                "approach": "holistic", "population": 1400000})
    _answer(c, {"dedicated_funding": False, "funding_sources": ["municipal_budget"],
                "approach": "both", "population": 1600000})
    _answer(d, {"explicit_strategy": True}, wave="2018")
    got = get_json("/cities/%s/similar.json?survey=2020&limit=10000" % a)
    assert got["city"]["slug"] == a and got["survey"] == "2020"
    assert "lat" in got["city"] and "lon" in got["city"]
    sim = got["similar"]
    slugs = [s["slug"] for s in sim]
    assert a not in slugs, "a city is not like itself in its own list"
    assert d not in slugs, "a city that did not answer the wave is not in it"
    for s in sim:
        assert set(s) >= {"slug", "name", "score", "reasons", "lat", "lon"}, s
        assert 0 <= s["score"] <= 1, s
        for r in s["reasons"]:
            assert isinstance(r["question"], str) and isinstance(r["shared"], list), r
    scores = [s["score"] for s in sim]
    assert scores == sorted(scores, reverse=True), "most alike first"
    # b: the same answers (options in another order, population within 50 %): 1, among the first (cities
    # of earlier runs of this test may tie with it), before any 1 over fewer questions
    sb = [s for s in sim if s["slug"] == b][0]
    assert sb["score"] == 1 and sb["questions"] == 4, sb
    assert all(s["score"] == 1 and s["questions"] == 4 for s in sim[:slugs.index(b) + 1]), sim[:3]
    rb = {r["question"]: sorted(r["shared"]) for r in sb["reasons"]}
    assert rb == {"dedicated_funding": ["yes"], "funding_sources": ["municipal_budget", "philanthropy"],
                  "approach": ["holistic"], "population": []}, rb
    # c: bool 0, Jaccard 1/2, single 0, population 1.6 M beyond 1 M ± 50 %: 0: (0 + .5 + 0 + 0) / 4
    sc = [s for s in sim if s["slug"] == c][0]
    assert abs(sc["score"] - 0.125) < 1e-9, sc
    assert sc["reasons"] == [{"question": "funding_sources", "shared": ["municipal_budget"], "of": 2}], sc
    # limit, the default of 10, unknown parameters ignored
    assert len(get_json("/cities/%s/similar.json?survey=2020" % a)["similar"]) == min(10, len(sim))
    two = get_json("/cities/%s/similar.json?survey=2020&limit=2&utm_campaign=x" % a)["similar"]
    assert [s["slug"] for s in two] == slugs[:2]
    # the CSV twin and the page say the same
    rows = list(csv.reader(io.StringIO(get("/cities/%s/similar.csv?survey=2020&limit=3" % a).text)))
    assert rows[0] == ["rank", "city", "name", "score", "reasons"], rows[0]
    assert [r[1] for r in rows[1:]] == slugs[:3] and float(rows[1][3]) == 1.0, rows
    page = get("/cities/%s/similar?survey=2020" % a)
    assert page.status == 200 and 'id="method"' in page.text and "Jaccard" in page.text
    assert 'href="/cities/%s?survey=2020"' % b in page.text
    assert "/compare?cities=%s,%s&amp;survey=2020" % (a, ",".join(slugs[:5])) in page.text


def test_similar_errors():
    error_of(get("/cities/no-such-city-here/similar.json"), 404)
    error_of(get("/cities/toronto/similar.json?survey=1999"), 404)
    error_of(get("/cities/toronto/similar.json?survey=abc"), 400)
    for q in ("limit=0", "limit=x", "limit=-3", "limit=10001"):
        error_of(get("/cities/toronto/similar.json?" + q), 400)
    e = new_city("simx")
    error_of(get("/cities/%s/similar.json" % e), 404)	# answered no wave
    assert get("/cities/toronto/similar").status == 200
    assert get("/cities/toronto/similar.json?limit=").status == 200


def test_peers_similar_is_the_ten_most_alike():
    for survey in ("2020", "2018"):
        top = [s["slug"] for s in get_json("/cities/toronto/similar.json?survey=%s" % survey)["similar"]]
        got = get_json("/cities.json?survey=%s&peers=similar:toronto&limit=100" % survey)
        assert got["total"] == len(top) == 10, (got["total"], top)
        assert sorted(c["slug"] for c in got["cities"]) == sorted(top)
        # joined to another filter: both must hold
        eu = get_json("/cities.json?survey=%s&peers=similar:toronto;region:Europe&limit=100" % survey)
        assert {c["slug"] for c in eu["cities"]} <= set(top)
        assert all(c["region"] == "Europe" for c in eu["cities"])
    # the cohort works on the pages that take peers
    m = get_json("/metrics/funding_share.json?survey=2020&peers=similar:toronto")
    assert m["peers"] == "similar:toronto" and m["summary"]["n"] <= 10
    assert {v["city"] for v in m["values"]} <= set(get_json("/cities/toronto/similar.json?survey=2020")["similar"][i]["slug"] for i in range(10))
    assert get("/cities/toronto?peers=similar:toronto").status == 200
    error_of(get("/cities.json?peers=similar:no-such-city-here"), 404)
    error_of(get("/cities.json?peers=similar:Not_A_Slug"), 400)
    error_of(get("/cities.json?peers=similar:"), 400)


def test_profile_shows_the_five_most_similar_and_compare_with_these():
    """Issue 16 item 5: the profile's top five, the same as /similar's first five, with a compare link."""
    from cb import get, get_json
    prof = get_json("/cities/toronto.json")
    top = [c["slug"] for c in get_json("/cities/toronto/similar.json?limit=5")["similar"]]
    assert [c["slug"] for c in prof["similar"]] == top and len(top) == 5, (prof["similar"], top)
    page = get("/cities/toronto").text
    href = "/compare?cities=toronto," + ",".join(top) + "&amp;survey=2020"
    assert 'href="%s">Compare with these</a>' % href in page, href
    for slug in top:
        assert 'href="/cities/%s?survey=2020"' % slug in page
    # the compare page it leads to answers with the six cities
    d = get_json("/compare.json?cities=toronto," + ",".join(top) + "&survey=2020")
    assert [c["slug"] for c in d["cities"]] == ["toronto"] + top
    # an older wave: the five of that wave
    p18 = get_json("/cities/toronto.json?survey=2018")
    top18 = [c["slug"] for c in get_json("/cities/toronto/similar.json?survey=2018&limit=5")["similar"]]
    assert [c["slug"] for c in p18["similar"]] == top18


def test_similar_page_reads_well_on_any_screen():
    """The table in a labelled region that may scroll by itself (the reflow check in the browser stage
    looks at it at 320 px), and no question that ends in a colon followed by a second one, nor one that
    asks followed by a colon ("strategy?: both no"): a dash then."""
    import re
    for lang in ("", "&lang=fr"):
        t = get("/cities/toronto/similar?survey=2020" + lang).text
        assert '<div class="scroll" tabindex="0" role="region" aria-labelledby="cap-similar">' in t
        assert '<caption id="cap-similar">' in t
        reasons = re.findall(r'<ul class="reasons">(.*?)</ul>', t, re.S)
        assert reasons, t[:500]
        doubled = [r for r in reasons if re.search(r'[:?](\s|&nbsp;|\u202f|\xa0)*:', r)]
        assert not doubled, doubled[0][:300]
        assert any(re.search(r'\?(\s|\xa0)\u2014 ', r) for r in reasons), reasons[0][:300]


def test_similar_page_reasons_in_french():
    """The reasons name the questions and options in the page's language (the questionnaire's
    translations), as the profile does."""
    qs = {q["code"]: q for q in get_json("/surveys/2020.json")["questions"]}
    q = qs["explicit_strategy"]
    assert q.get("text_fr") and q["text_fr"] != q["text"]
    fr = get("/cities/toronto/similar?survey=2020&lang=fr").text
    en = get("/cities/toronto/similar?survey=2020").text
    assert q["text"] in en and q["text_fr"] in fr, fr[:300]
    assert q["text"] not in fr
    # an option the reasons name (whichever the cities share): its French label on the French page
    import html
    import re
    named = set()
    for li in re.findall(r"<li>(.*?)</li>", en):
        tail = re.sub(r" \(\d+ of \d+ chosen by either\)$", "", html.unescape(li).rsplit(": ", 1)[-1])
        named.update(tail.split(", "))
    shown = [x for q in qs.values() for x in q.get("options", [])
             if x.get("label_fr") and x["label_fr"] != x["label"] and x["label"] in named]
    assert shown, "no option with a French label among the reasons"
    assert all(x["label_fr"] in fr for x in shown[:5]), shown[:5]
