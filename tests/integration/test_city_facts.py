"""The fact rows kept on write (sql/migrations/012_city_facts.sql): after uploads, racing uploads, a
withdrawal, a city changing population or region, and imports (a new wave moving a city's 'latest'),
city_facts equals a fresh computation over the current answers, written here independently of the
migration's functions; cohorts read from it (population, answers, similar, survey=latest) hold the
cities a direct query names; the web role can read it and not write it."""
import concurrent.futures
import json
import os

from cb import cli, get_json, new_city, post, psql, token_for_city
from test_least_privilege import as_web, refused
from test_metrics import add_city

# One row per difference between city_facts and a fresh computation: every current city-wave and each
# city's latest one, with its population (the version's, else the city's), region, country, the sorted
# facts ('code' answered, 'code=option' chosen) and the choices the similarity score reads.
FACTS_DIFF = """
with cs as (select *, max(survey_id) over (partition by city_id) as last from current_submissions),
cur as (
  select survey_id as wave, city_id, survey_id, submission_id, population from cs
  union all
  select 'latest', city_id, survey_id, submission_id, population from cs where survey_id = last),
ans as (select a.submission_id, a.code, q.type, a.value from current_submissions cs
  join answers a on a.submission_id = cs.submission_id join questions q on q.code = a.code
  where a.value <> 'null'::jsonb),
opts as (
  select submission_id, code from ans
  union all select submission_id, code || '=' || case when value = 'true'::jsonb then 'yes' else 'no' end
    from ans where type = 'bool'
  union all select submission_id, code || '=' || (value #>> '{}') from ans where type = 'single'
  union all select submission_id, code || '=' || o from ans, jsonb_array_elements_text(value) o
    where type = 'multi'),
per_sub as (select submission_id, array_agg(code order by code) as facts from opts group by 1),
ch as (select submission_id, jsonb_object_agg(code, value) as choices from ans
  where type in ('bool', 'single', 'multi') or code = 'population' group by 1),
fresh as (
  select k.wave, k.city_id, k.survey_id, k.submission_id, coalesce(k.population, c.population) as population,
    c.region, c.country, coalesce(p.facts, '{}') as facts, coalesce(h.choices, '{}') as choices
  from cur k join cities c on c.id = k.city_id left join per_sub p on p.submission_id = k.submission_id
  left join ch h on h.submission_id = k.submission_id),
kept as (
  select wave, city_id, survey_id, submission_id, population, region, country,
    coalesce((select array_agg(x order by x) from unnest(facts) x), '{}') as facts, choices from city_facts)
select count(*) from (
  (select * from kept except select * from fresh) union all (select * from fresh except select * from kept)) d
"""

# Populations no other city has (one set per test process: the shared stack outlives a run).
P1, P2, P3, P4, P5 = (90000001 + os.getpid() % 900000 * 10 + i for i in range(5))


def assert_facts():
    assert psql(FACTS_DIFF) in ("0",), "city_facts differs from a fresh computation"


def upload(slug, tok, answers, wave="2020"):
    r = post("/api/submissions", json.dumps({"city": slug, "survey": wave, "answers": answers}),
             "application/json", tok)
    assert r.status == 201, r
    return r


def members(wave, where):
    """The slugs of the wave's current cities passing a condition on c (cities), cs, and a(code) -> value."""
    return sorted(psql(
        "select string_agg(c.slug, ' ') from current_submissions cs join cities c on c.id = cs.city_id "
        "where cs.survey_id = '%s' and %s" % (wave, where)).split())


def cohort(peers, wave="2020"):
    d = get_json("/cities.json?survey=%s&limit=10000&peers=%s" % (wave, peers))
    return sorted(c["slug"] for c in d["cities"])


def test_facts_match_a_fresh_computation():
    assert_facts()
    assert int(psql("select count(*) from city_facts where wave = 'latest'")) == \
        int(psql("select count(distinct city_id) from current_submissions"))


def test_upload_and_withdrawal_update_the_facts():
    slug = new_city("cf", country="JP", region="Asia", population=P1)
    tok = token_for_city(slug)
    other = "select f.xmin::text from city_facts f join cities c on c.id = f.city_id where c.slug = 'toronto' " \
        "and f.wave = 'latest'"
    before = psql(other)
    upload(slug, tok, {"dedicated_funding": True, "funding_sources": ["municipal_budget"]})
    assert psql(other) == before, "an upload rewrote another city's fact row"
    row = psql("select f.facts::text, f.population from city_facts f join cities c on c.id = f.city_id "
               "where c.slug = '%s' and f.wave = '2020'" % slug)
    assert "dedicated_funding=yes" in row and "funding_sources=municipal_budget" in row and \
        row.endswith("|%d" % P1), row
    assert slug in cohort("answer:dedicated_funding=yes;population:%d-%d" % (P1, P1))
    r = upload(slug, tok, {"dedicated_funding": False, "population": P2})
    assert slug in cohort("answer:dedicated_funding=no;population:%d-%d" % (P2, P2))
    assert slug not in cohort("answer:dedicated_funding=yes")
    assert_facts()
    cli("submission", "withdraw", str(r.json()["submissions"][0]["id"]))
    assert slug in cohort("answer:dedicated_funding=yes;population:%d-%d" % (P1, P1))
    assert_facts()


def test_racing_uploads_keep_the_facts_exact():
    cities = [new_city("cr", country="KR", region="Asia") for _ in range(4)]
    toks = {c: token_for_city(c) for c in cities}

    def one(i):
        c = cities[i % len(cities)]
        wave = "2020" if i % 3 else "2018"
        body = {"city": c, "survey": wave, "answers": {"dedicated_funding": i % 2 == 0}}
        return post("/api/submissions", json.dumps(body), "application/json", toks[c]).status

    with concurrent.futures.ThreadPoolExecutor(8) as ex:
        st = list(ex.map(one, range(16)))
    assert set(st) <= {200, 201, 429}, st
    assert_facts()


def test_a_city_changing_population_or_region_moves_its_facts():
    here, there = "Facts %d" % os.getpid(), "Elsewhere %d" % os.getpid()
    slug = add_city("cm", "Moving Facts", [("dedicated_funding", "true")], region=here, population=P3)
    assert cohort("population:%d-%d" % (P3, P3)) == [slug]
    cli("city", "edit", slug, "--population", str(P4), "--region", there, "--new-region")
    assert cohort("population:%d-%d" % (P3, P3)) == []
    assert cohort("population:%d-%d" % (P4, P4)) == [slug]
    assert psql("select f.region from city_facts f join cities c on c.id = f.city_id where c.slug = '%s' "
                "and f.wave = 'latest'" % slug) == there
    assert_facts()


def test_import_of_a_later_wave_moves_latest():
    slug = add_city("cl", "Latest Facts", [("dedicated_funding", "false")], wave="2018", population=P5)
    assert slug in cohort("answer:dedicated_funding=no;population:%d-%d" % (P5, P5), "latest")
    add_city_wave = [("dedicated_funding", "true")]
    import csv
    import tempfile
    with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False, newline="") as f:
        w = csv.writer(f)
        w.writerow(["city", "survey", "question", "value"])
        for q, v in add_city_wave:
            w.writerow([slug, "2020", q, v])
    try:
        cli("import", f.name)
    finally:
        os.unlink(f.name)
    assert slug in cohort("answer:dedicated_funding=yes;population:%d-%d" % (P5, P5), "latest")
    assert slug not in cohort("answer:dedicated_funding=no", "latest")
    assert slug in cohort("answer:dedicated_funding=no;population:%d-%d" % (P5, P5), "2018")
    assert_facts()


def test_cohorts_from_facts_name_the_cities_a_direct_query_names():
    yes = members("2020", "exists (select 1 from answers a where a.submission_id = cs.submission_id "
                  "and a.code = 'dedicated_funding' and a.value = 'true')")
    assert cohort("answer:dedicated_funding=yes") == yes
    answered = members("2020", "exists (select 1 from answers a where a.submission_id = cs.submission_id "
                       "and a.code = 'funding_sources' and a.value <> 'null')")
    assert cohort("answered:funding_sources") == answered
    band = members("2020", "coalesce(cs.population, c.population) between 100000 and 900000")
    assert cohort("population:100000-900000") == band
    both = sorted(set(yes) & set(band))
    assert cohort("answer:dedicated_funding=yes;population:100000-900000") == both
    sim = get_json("/cities/toronto/similar.json?survey=2020")["similar"]
    assert cohort("similar:toronto") == sorted(s["slug"] for s in sim)
    # the profile's counts from the facts equal the counts over the same cities given as a list
    a = get_json("/cities/toronto.json?survey=2020&peers=population:100000-900000")
    b = get_json("/cities/toronto.json?survey=2020&peers=" + ",".join(band))
    assert a["cohort"] == b["cohort"] and a["cohort_size"] == b["cohort_size"] == len(band)


def test_the_web_role_reads_and_cannot_write_the_facts():
    rc, out = as_web("select count(*) from city_facts")
    assert rc == 0 and int(out.strip()) > 0, out
    refused("delete from city_facts")
    refused("update city_facts set population = 1")
    refused("insert into city_facts select wave, city_id, survey_id, submission_id, population, region, country, "
            "facts, choices from city_facts limit 1")
    refused("select city_facts_refresh(null)")
