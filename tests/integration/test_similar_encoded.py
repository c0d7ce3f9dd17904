"""Issue 18: the similarity index is built from Q_SIMILAR_ENCODED's flat text (no JSON parser), and
scores as the JSON path does.  Hostile city_facts.choices (odd strings, unicode, numbers jsonb prints
differently from how they were written, numbers and nesting jansson rejects, empty lists, non-string
list items) are written straight into the fact rows; then the profile's five most similar and
peers=similar: (the index) must equal /cities/{slug}/similar.json (jansson and similar_score) city for
city and score for score, for each hostile city and for a plain one."""
import json
import urllib.parse

from cb import get_json, new_city, post, psql, token_for_city

ODD = 'odd:1;s2:"\\\n\u20ac\U0001F600 \u00e9'
HUGE_INT = "9" * 20
HUGE_REAL = "1" + "0" * 400 + ".5"	# beyond a double: jansson's "real number overflow"


def nest(k):
    return "[" * k + "]" * k


# Each: the choices (JSON text as written; jsonb normalises it) and whether jansson reads it.
HOSTILE = [
    ('{"approach": %s, "funding_sources": ["odd;1:", "\U0001F600", 1, null, {"a": 1}, ["x"], "odd;1:"], '
     '"dedicated_funding": true, "population": 1e3}' % json.dumps(ODD), True),
    ('{"approach": %s, "funding_sources": ["\U0001F600"], "dedicated_funding": true, '
     '"population": 1049.999999999999999999999}' % json.dumps(ODD), True),
    ('{"approach": %s, "funding_sources": [], "dedicated_funding": "true", "population": -0}' % json.dumps(ODD),
     True),
    ('{"approach": %s, "funding_sources": ["odd;1:"], "dedicated_funding": false, '
     '"population": 9223372036854775807, "explicit_strategy": 1, "zz": {"a": [1.5, "x"]}}' % json.dumps(ODD),
     True),
    ('{"approach": %s, "funding_sources": [1e-400, "odd;1:"], "population": 1000.0}' % json.dumps(ODD), True),
    ('{"approach": %s, "funding_sources": ["\U0001F600", %s], "population": 1000}' % (json.dumps(ODD), HUGE_INT),
     False),
    ('{"approach": %s, "population": 1e400}' % json.dumps(ODD), False),
    ('{"approach": %s, "population": -%s}' % (json.dumps(ODD), HUGE_INT), False),
    ('{"approach": %s, "population": %s}' % (json.dumps(ODD), HUGE_REAL), False),
    ('{"approach": %s, "zz": {"a": [1, %s]}}' % (json.dumps(ODD), HUGE_REAL), False),
    # nesting: the root is level 1, a value 2, a list's item 3; jansson stops past 2048
    ('{"approach": %s, "funding_sources": ["odd;1:", %s]}' % (json.dumps(ODD), nest(2046)), True),
    ('{"approach": %s, "funding_sources": ["odd;1:", %s]}' % (json.dumps(ODD), nest(2047)), False),
    ('{"approach": %s, "zz": %s}' % (json.dumps(ODD), nest(2047)), True),
    ('{"approach": %s, "zz": %s}' % (json.dumps(ODD), nest(2048)), False),
]


def _answer(slug, answers):
    body = json.dumps({"city": slug, "survey": "2020", "answers": answers})
    r = post("/api/submissions", body, ctype="application/json", token=token_for_city(slug))
    assert r.status in (200, 201), r


def _sql(s):
    return "'" + s.replace("'", "''") + "'"


def test_hostile_choices_score_as_the_json_path():
    cities = []
    try:
        _hostile(cities)
    finally:	# the fact rows as the triggers keep them (test_city_facts compares them with a fresh computation)
        ids = "array(select id from cities where slug = any(array[%s]::text[]))" % ",".join(map(_sql, cities or ["-"]))
        psql("delete from city_facts where city_id = any(%s); select city_facts_refresh(%s)" % (ids, ids))


def _hostile(cities):
    for text, _ in HOSTILE:
        slug = new_city("simenc")
        _answer(slug, {"approach": "holistic", "population": 1000})
        psql("update city_facts set choices = %s::jsonb where city_id = (select id from cities where slug = %s)"
             % (_sql(text), _sql(slug)))
        cities.append(slug)
    plain = new_city("simenc")
    cities.append(plain)
    _answer(plain, {"approach": "holistic", "funding_sources": ["philanthropy"], "population": 1000})
    psql("update city_facts set choices = %s::jsonb where city_id = (select id from cities where slug = %s)"
         % (_sql('{"approach": %s, "funding_sources": ["odd;1:"], "population": 1020}' % json.dumps(ODD)),
            _sql(plain)))
    _answer(new_city("simenc"), {"approach": "holistic"})	# moves the data version: the index is rebuilt
    for slug, (text, readable) in zip(cities, HOSTILE + [("", True)]):
        jansson = get_json("/cities/%s/similar.json?survey=2020&limit=25" % slug)["similar"]
        assert bool(jansson) == readable, (text[:80], jansson[:2])
        profile = get_json("/cities/%s.json?survey=2020" % slug)["similar"]
        assert [(c["slug"], c["name"], c["score"]) for c in profile] == \
            [(c["slug"], c["name"], c["score"]) for c in jansson[:5]], text[:80]
        peers = get_json("/cities.json?survey=2020&limit=100&peers=%s" % urllib.parse.quote("similar:" + slug))
        assert {c["slug"] for c in peers["cities"]} - {slug} == {c["slug"] for c in jansson[:10]}, text[:80]
    mine = {c["slug"] for c in get_json("/cities/%s/similar.json?survey=2020&limit=25" % plain)["similar"]}
    for slug, (_, readable) in zip(cities, HOSTILE):
        assert (slug in mine) == readable, "a city jansson cannot read is like no city"
