"""A city registered but not yet answered: its profile answers 200 in every format and language, says
so, and its JSON (survey null) keeps to the published OpenAPI document (test_zzz_openapi checks it)."""
from cb import get, get_json, new_city


def test_profile_of_a_city_with_no_answers():
    slug = new_city("unanswered")
    d = get_json("/cities/%s.json" % slug)
    assert d["city"]["slug"] == slug and d["survey"] is None, d
    assert not any(v is not None for v in d["answers"].values()), d["answers"]
    assert get_json("/cities/%s.json?lang=fr" % slug)["survey"] is None
    for lang, said in (("en", "Test city %s" % slug), ("fr", 'lang="fr"')):
        h = get("/cities/%s?lang=%s" % (slug, lang))
        assert h.status == 200 and said in h.text, (lang, h.status, h.text[:300])
    c = get("/cities/%s.csv" % slug)
    assert c.status == 200, c.status
