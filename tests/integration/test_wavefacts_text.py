"""Issue 18, ninth session: the wave facts block is built in the worker from each fact row's array as
text (Q_WAVEFACTS), so a fact whose option holds what the array text form quotes or escapes (a comma,
a quote, a backslash, braces, spaces, the word NULL, non-ASCII) must come out of it as PostgreSQL has
it: the counts of a cohort holding such a city, and an answer filter on such an option, equal
PostgreSQL's."""
import json
import os
import urllib.parse

from cb import get_json, new_city, post, token_for_city
from test_peers_wavefacts import check, cohort

ODD = ["a,b", 'say "hi"', "back\\slash", "{braces}", "two  spaces", "NULL", "null", "Ünïcödé é", "=", "x=y", ""]


def test_odd_option_texts_survive_the_array_text_form():
    pop = 470000 + os.getpid() % 20000
    slug = new_city("wt", country="NZ", region="Oceania", population=pop)
    r = post("/api/submissions", json.dumps({"city": slug, "survey": "2020", "answers": {
        "population": pop, "funding_sources": ODD, "approach": 'q"uo\\te, {x}'}}),
        "application/json", token_for_city(slug))
    assert r.status == 201, r
    band = "population:%d-%d" % (pop, pop)
    for wave in ("2020", "latest"):
        got = check(slug, band, wave)
        assert sorted(got["funding_sources"]["counts"]) == sorted(set(ODD)), got["funding_sources"]
        assert got["approach"]["counts"] == {'q"uo\\te, {x}': 1}, got["approach"]
        for opt in ("a,b", 'say "hi"', "back\\slash", "NULL", "Ünïcödé é", "x=y"):
            peers = "answer:funding_sources=%s" % opt
            assert slug in cohort(wave, peers), (wave, opt)
            check(slug, peers, wave, times=2)
