"""Issue 18: the cohort-wide results a worker keeps per data version (cohort counts and size, the waves,
the similar cities' answers; cgi/core/versioned.c) never outlive the version: after an upload every
profile shows the new counts, size and similar cities at once, in English and French, whichever
worker answers."""
import json

from cb import get_json, new_city, post, token_for_city


def upload(slug, answers):
    r = post("/api/submissions", json.dumps({"city": slug, "survey": "2020", "answers": answers}),
             "application/json", token_for_city(slug))
    assert r.status == 201, r


def profile(slug, lang=""):
    return get_json("/cities/%s.json?survey=2020%s" % (slug, "&lang=" + lang if lang else ""))


def test_an_upload_moves_the_kept_counts_size_and_similar_cities():
    # a and b answer as toronto does: each is among the cities most like the other
    same = {k: v for k, v in get_json("/cities/toronto.json?survey=2020")["answers"].items() if v is not None}
    same["dedicated_funding"] = True
    a = new_city("pv", country="JP", region="Asia")
    upload(a, same)
    # read several times so that every worker keeps this version's results
    for _ in range(6):
        before = profile(a)
        profile(a, "fr")
    yes = before["cohort"]["dedicated_funding"]["counts"].get("yes", 0)
    size = before["cohort_size"]
    b = new_city("pv", country="JP", region="Asia")
    upload(b, same)
    for _ in range(6):
        for lang in ("", "fr"):
            after = profile(a, lang)
            assert after["cohort_size"] == size + 1, after["cohort_size"]
            assert after["cohort"]["dedicated_funding"]["counts"]["yes"] == yes + 1
            assert b in [s["slug"] for s in after["similar"]], after["similar"]
    upload(b, dict(same, dedicated_funding=False))
    for _ in range(6):
        after = profile(a)
        assert after["cohort_size"] == size + 1
        assert after["cohort"]["dedicated_funding"]["counts"]["yes"] == yes
