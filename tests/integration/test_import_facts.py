"""Issue 18, migration 014: city_facts.similar_encoded is computed once per current city-wave by
city_facts_compute (the 'latest' row a copy of its wave's row) instead of a generated column per row;
a row trigger keeps it equal to similar_encode(choices) for any other write of the row."""
import json

from cb import new_city, post, psql, token_for_city

DIFF = "select count(*) from city_facts where similar_encoded is distinct from similar_encode(choices)"


def _sql(s):
    return "'" + s.replace("'", "''") + "'"


def _answer(slug, answers):
    body = json.dumps({"city": slug, "survey": "2020", "answers": answers})
    r = post("/api/submissions", body, ctype="application/json", token=token_for_city(slug))
    assert r.status in (200, 201), r


def test_every_row_encodes_its_choices():
    assert psql(DIFF) == "0"
    # the 'latest' row carries its wave's text
    assert psql("select count(*) from city_facts l join city_facts w on w.city_id = l.city_id "
                "and w.wave = l.survey_id where l.wave = 'latest' "
                "and l.similar_encoded is distinct from w.similar_encoded") == "0"


def test_writes_keep_it():
    slug = new_city("impfacts")
    _answer(slug, {"approach": "holistic", "funding_sources": ["philanthropy"], "population": 1000})
    city = "(select id from cities where slug = %s)" % _sql(slug)
    mine = "select count(*) from city_facts where city_id = %s" % city
    assert psql(mine) == "2"
    assert psql(DIFF) == "0"
    try:
        # choices written without the text: encoded again (a number jansson cannot read, inside an object: NULL)
        psql("update city_facts set choices = '{\"approach\": \"x\", \"zz\": {\"a\": [1, %s]}}'::jsonb where city_id = %s"
             % ("9" * 20, city))
        assert psql(mine + " and similar_encoded is null") == "2"
        psql("update city_facts set choices = '{\"approach\": \"x;1:\"}'::jsonb where city_id = %s" % city)
        assert psql(mine + " and similar_encoded = '8:approachs4:x;1:'") == "2"
        # a row inserted without it
        psql("delete from city_facts where city_id = %s and wave = 'latest'" % city)
        psql("insert into city_facts (wave, city_id, survey_id, submission_id, population, region, country, "
             "facts, choices) select 'latest', city_id, survey_id, submission_id, population, region, country, "
             "facts, choices from city_facts where city_id = %s" % city)
        assert psql(mine + " and similar_encoded = '8:approachs4:x;1:'") == "2"
    finally:
        psql("delete from city_facts where city_id = %s; select city_facts_refresh(array[%s])" % (city, city))
    assert psql(DIFF) == "0"
    assert psql(mine + " and choices ? 'funding_sources'") == "2"
