"""city_facts_compute() redefined by sql/migrations/029_upload_facts_probe.sql (the given cities' current
submissions found by an index probe, not a scan of all of them): the same rows as 025's text for every
kind of argument (null, empty, duplicates, nulls in the array, unknown ids, cities with one wave and with
two), and an upload's fact rows still equal a fresh computation."""
import json
import os
import re

from cb import ROOT, new_city, post, psql, token_for_city
from test_city_facts import assert_facts


def _old_function():
    """025's city_facts_compute() as pg_temp.facts_025()."""
    text = open(os.path.join(ROOT, "sql", "migrations", "025_import_facts_lean.sql")).read()
    m = re.search(r"create or replace function city_facts_compute(\(p_cities integer\[\]\).*?\n\$\$;)", text, re.S)
    assert m, "025's city_facts_compute not found"
    return "create function pg_temp.facts_025" + m.group(1)


def _same(arg):
    """'t' when both functions give the same rows (as a multiset) for the SQL expression arg."""
    rows = lambda f: ("(select coalesce(md5(string_agg(x::text, '|' order by x::text)), '') || count(*) "
                      "from %s(%s) x)" % (f, arg))
    return psql("begin;" + _old_function() + ";select %s = %s;rollback;"
                % (rows("pg_temp.facts_025"), rows("city_facts_compute")))


def upload(slug, tok, answers, wave):
    r = post("/api/submissions", json.dumps({"city": slug, "survey": wave, "answers": answers}),
             "application/json", tok)
    assert r.status == 201, r


def test_the_rows_are_the_former_functions_for_every_argument():
    two = new_city("fp")
    tok = token_for_city(two)
    upload(two, tok, {"team3_staff": 3}, "2018")
    upload(two, tok, {"team3_staff": 4, "population": 123457}, "2020")
    none = new_city("fp")	# no submission at all
    ids = dict(x.split("|") for x in psql("select slug, id from cities where slug in ('%s', '%s')"
                                           % (two, none)).splitlines())
    a, b = ids[two], ids[none]
    for arg in ["'{}'::int[]", "array[%s]" % a, "array[%s, %s, %s]" % (a, a, b),
                "array[null, %s]::int[]" % a, "array[%s]" % b, "array[-1, 2147483647]",
                "(select array_agg(id order by id desc) from (select id from cities order by id limit 60) c)",
                "array[%s] || (select array_agg(city_id) from current_submissions where survey_id = '2018')" % a]:
        assert _same(arg) == "t", arg
    if int(psql("select count(*) from cities")) <= 2000:	# every city: the tests' stack, not a 10,000-city one
        assert _same("null::int[]") == "t"
    assert psql("select count(*) from city_facts where city_id = %s" % a) == "3"	# 2018, 2020, latest
    assert_facts()
