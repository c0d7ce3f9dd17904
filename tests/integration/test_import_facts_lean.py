"""Issue 18, migration 025: city_facts_compute takes an answer's options from a lateral union of one arm
per question type instead of answer_facts() (002); the fact rows it gives must hold the same facts as
answer_facts() gives, for every kind of answer and for shapes the validation would not let through
(written here straight into the tables, inside a transaction that is rolled back).  city_facts' wide
columns are compressed with lz4 where the server has it."""
import os
import subprocess

from cb import new_city, psql

PSQL = "/usr/lib/postgresql/15/bin/psql"


def _sql(s):
    return "'" + s.replace("'", "''") + "'"


def _script(sql):
    """Runs a psql script as the owner (one session, stops at the first error); its output lines."""
    p = subprocess.run([PSQL, "-qAtX", "-v", "ON_ERROR_STOP=1", os.environ["CITYBENCH_DB"]], input=sql,
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, "psql: " + p.stderr
    return p.stdout.split()


def _code(kind, n=0):
    return psql("select code from questions where type = '%s' order by code offset %d limit 1" % (kind, n))


# The facts answer_facts() gives for a submission's answers, as a sorted array, and the choices.
REF = """(select coalesce(array_agg(x order by x), '{}') from (
  select case when o.option = '' then a.code else a.code || '=' || o.option end as x
  from answers a join questions q on q.code = a.code cross join lateral answer_facts(q.type, a.value) o
  where a.submission_id = f.submission_id and a.value <> 'null'::jsonb) r)"""
SORTED = "(select coalesce(array_agg(x order by x), '{}') from unnest(f.facts) x)"


def _check(answers):
    """Stores one version of a new city with the answers given ((code, json text) pairs) straight into
    the tables (the facts trigger computes its rows); returns (rows, rows whose facts equal
    answer_facts()'s, rows equal to a direct call of city_facts_compute, its facts in order)."""
    slug = new_city("lean")
    city = "(select id from cities where slug = %s)" % _sql(slug)
    values = ", ".join("(%s, %s::jsonb)" % (_sql(c), _sql(v)) for c, v in answers)
    out = _script("""
begin;
with s as (insert into submissions (city_id, survey_id, version, actor, source)
  values (%(city)s, '2020', 1, 'test', 'import') returning id)
insert into answers (submission_id, code, value) select s.id, v.c, v.v from s, (values %(values)s) v(c, v);
insert into current_submissions (city_id, survey_id, submission_id, version)
  select city_id, survey_id, id, version from submissions where city_id = %(city)s;
select count(*) from city_facts f where f.city_id = %(city)s;
select count(*) from city_facts f where f.city_id = %(city)s and %(sorted)s = %(ref)s
  and cardinality(f.facts) = cardinality(%(ref)s);
select count(*) from city_facts f join city_facts_compute(array[%(city)s]) c using (wave, city_id)
  where (f.survey_id, f.submission_id, f.population, f.region, f.country, f.facts, f.choices, f.similar_encoded)
    is not distinct from (c.survey_id, c.submission_id, c.population, c.region, c.country, c.facts, c.choices,
    c.similar_encoded);
select array_to_string(f.facts, ' ', 'NULL') from city_facts f where f.city_id = %(city)s and f.wave = 'latest';
rollback;
""" % {"city": city, "values": values, "sorted": SORTED, "ref": REF})
    return int(out[0]), int(out[1]), int(out[2]), out[3:]


def test_every_kind_of_answer_gives_answer_facts_facts():
    b, s, m, t, i = _code("bool"), _code("single"), _code("multi"), _code("text"), _code("integer")
    rows, same, direct, facts = _check([
        (b, "true"), (s, '"holistic"'), (m, '["philanthropy", "public_budget"]'), (t, '"a text"'),
        (i, "12"), ("population", "250000")])
    assert (rows, same, direct) == (2, 2, 2)
    # in each answer's order: the code, then its options (the multi's in the array's order)
    assert facts[facts.index(b):facts.index(b) + 2] == [b, b + "=yes"]
    assert facts[facts.index(m):facts.index(m) + 3] == [m, m + "=philanthropy", m + "=public_budget"]
    assert facts[facts.index(s) + 1] == s + "=holistic"
    assert t in facts and not any(f.startswith(t + "=") for f in facts)


def test_odd_shapes_give_answer_facts_facts_too():
    b, s = _code("bool"), _code("single")
    m0, m1, m2, m3 = (_code("multi", k) for k in range(4))
    rows, same, direct, facts = _check([
        (b, '"yes"'),                           # a bool that is not true: 'no', as answer_facts
        (s, "3"),                               # a single that is a number: its text
        (_code("single", 1), '"a=b \' \\" é"'),  # quotes, '=' and a non-ASCII letter in the option
        (m0, '["x", 3, true, "é"]'),            # a multi of mixed elements, in order
        (m1, '"not an array"'),                 # a multi that is not an array: the code alone
        (m2, "[]"),                             # an empty multi: the code alone
        (m3, '[null, "y"]'),                    # a null element: a NULL fact, as answer_facts
        (_code("text"), "null"),                # a null answer: no fact
        (_code("bool", 1), "false")])
    assert (rows, same, direct) == (2, 2, 2)
    assert b + "=no" in facts and s + "=3" in facts
    assert facts[facts.index(m0):facts.index(m0) + 5] == [m0, m0 + "=x", m0 + "=3", m0 + "=true", m0 + "=é"]
    assert [f for f in facts if f.startswith(m1)] == [m1] and [f for f in facts if f.startswith(m2)] == [m2]
    assert facts[facts.index(m3):facts.index(m3) + 3] == [m3, "NULL", m3 + "=y"]
    assert _code("text") not in facts and _code("bool", 1) + "=no" in facts


def test_the_import_path_keeps_the_facts_exact():
    # every stored row (the sample's import, the suite's uploads and imports) equals the function's
    assert psql("select count(*) from city_facts f full join city_facts_compute(null) c using (wave, city_id) "
                "where (f.survey_id, f.submission_id, f.population, f.region, f.country, f.choices, "
                "f.similar_encoded) is distinct from (c.survey_id, c.submission_id, c.population, c.region, "
                "c.country, c.choices, c.similar_encoded) "
                "or (select array_agg(x order by x) from unnest(f.facts) x) is distinct from "
                "(select array_agg(x order by x) from unnest(c.facts) x)") == "0"


def test_wide_columns_are_lz4_where_the_server_has_it():
    p = subprocess.run([PSQL, "-qAtX", os.environ["CITYBENCH_DB"], "-c", "set default_toast_compression = lz4"],
                       capture_output=True, text=True, timeout=60)
    want = "l" if p.returncode == 0 else ""
    got = psql("select string_agg(attname || ':' || attcompression::text, ' ' order by attname) from pg_attribute "
               "where attrelid = 'city_facts'::regclass and attname in ('facts', 'choices', 'similar_encoded')")
    assert got == "choices:%s facts:%s similar_encoded:%s" % (want, want, want), got
