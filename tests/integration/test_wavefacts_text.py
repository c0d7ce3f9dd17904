"""Issue 18, ninth session: the wave facts block is built in the worker from each fact row's array as
text (Q_WAVEFACTS).  Options the array text form would quote (a comma, a quote, a backslash, braces,
NULL, non-ASCII) are refused at upload (not the questionnaire's options) and in a peer filter (option
codes are [a-z0-9_]); a text answer holding them is a fact as its code only.  The counts of a cohort
holding such a city equal PostgreSQL's in every wave."""
import json
import os
import urllib.parse

from cb import get_json, new_city, post, token_for_city
from test_peers_wavefacts import check, cohort

ODD = ["a,b", 'say "hi"', "back\\slash", "{braces}", "two  spaces", "NULL", "null", "Ünïcödé é", "=", "x=y", ""]


def test_odd_option_texts_are_refused_and_counts_stay_postgresqls():
    # options the array text form would quote (comma, quote, backslash, braces, NULL, non-ASCII) cannot
    # reach city_facts through an upload (options are the questionnaire's); text answers holding them
    # are facts as codes only; either way the worker's counts equal PostgreSQL's
    pop = 470000 + os.getpid() % 20000
    slug = new_city("wt", country="NZ", region="Oceania", population=pop)
    tok = token_for_city(slug)
    r = post("/api/submissions", json.dumps({"city": slug, "survey": "2020", "answers": {
        "population": pop, "funding_sources": ODD, "approach": 'q"uo\\te, {x}'}}), "application/json", tok)
    assert r.status == 422, r
    r = post("/api/submissions", json.dumps({"city": slug, "survey": "2020", "answers": {
        "population": pop, "mayor": 'NULL, "q" \\ {x} Ünï', "funding_sources": ["municipal_budget"]}}),
        "application/json", tok)
    assert r.status == 201, r
    band = "population:%d-%d" % (pop, pop)
    for wave in ("2020", "latest"):
        got = check(slug, band, wave)      # PostgreSQL's counts (another city of the suite may share the band)
        assert got["funding_sources"]["counts"].get("municipal_budget", 0) >= 1, got
        assert not set(got["funding_sources"]["counts"]) & set(ODD), got
        assert slug in cohort(wave, "answer:funding_sources=municipal_budget")
