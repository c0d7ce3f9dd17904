"""A peer page's metric ranks are counted in the worker from the wave's metric values kept per data
version (cgi/core/wavemetrics.c, shared by the workers; issue 18, eighth session): rank, of and
percentile must be those of the old statement (Q_PEERS_METRICS_IDS, still the path under
CITYBENCH_PEERS_SQL), which sql_metrics() below repeats in PostgreSQL for the same cohort.  Hostile
cases: ties, a value missing, NaN in the cohort, a city without a value, higher_is_better false,
'latest', a metric deactivated and back, a plugin recompute, values written straight to the table."""
import json
import os
import urllib.parse

from cb import cli, get_json, new_city, post, psql, token_for_city


def members_of(wave, peers):
    d = get_json("/cities.json?survey=%s&limit=10000&peers=%s" % (wave, urllib.parse.quote(peers, safe="")))
    return sorted(c["slug"] for c in d["cities"])


def sql_metrics(slug, wave, members):
    """[(id, value, rank, of, percentile)] as the old statement ranks the city within the cohort."""
    rows = psql("""with cohort as (select f.city_id, f.survey_id from city_facts f join cities c
        on c.id = f.city_id where f.wave = '{w}' and c.slug = any('{{{s}}}'::text[])),
      me as (select id from cities where slug = '{c}'),
      mine as (select metric_id, value from metric_values where city_id = (select id from me) and
        (survey_id = '{w}' or ('{w}' = 'latest' and survey_id = (select max(l.survey_id)
        from current_submissions l where l.city_id = (select id from me))))),
      agg as (select mv.metric_id, count(*) as n, count(*) filter (where mv.value > mine.value) as gt,
        count(*) filter (where mv.value < mine.value) as lt from metric_values mv
        join cohort k on k.city_id = mv.city_id and k.survey_id = mv.survey_id
        left join mine on mine.metric_id = mv.metric_id group by mv.metric_id)
      select m.id, coalesce(mine.value::text, ''), coalesce(agg.n, 0),
        case when mine.value is null then '' when m.higher_is_better then (1 + coalesce(agg.gt, 0))::text
        else (1 + coalesce(agg.lt, 0))::text end,
        case when mine.value is null then '' when m.higher_is_better then coalesce(agg.n - agg.gt, 0)::text
        else coalesce(agg.n - agg.lt, 0)::text end, m.higher_is_better, m.title
      from metrics m left join mine on mine.metric_id = m.id left join agg on agg.metric_id = m.id
      where m.active order by m.position, m.id""".format(w=wave, s=",".join(members), c=slug))
    out = []
    for line in rows.splitlines():
        mid, value, of, rank, nb, hib, title = line.split("|")
        of = int(of)
        out.append({"id": mid, "value": float(value) if value else None, "rank": int(rank) if rank else None,
                    "of": of, "percentile": 100.0 * float(nb) / of if nb and of > 0 else None,
                    "higher_is_better": hib == "t"})
    return out


def check(slug, peers, wave="2020", times=4):
    """The page's metrics (each worker asked: several requests) are the old statement's."""
    members = members_of(wave, peers)
    want = sql_metrics(slug, wave, members)
    q = "peers=%s&survey=%s" % (urllib.parse.quote(peers, safe=""), wave)
    for _ in range(times):
        p = get_json("/cities/%s.json?%s" % (slug, q))
        got = [dict((k, m[k]) for k in ("id", "value", "rank", "of", "percentile", "higher_is_better"))
               for m in p["metrics"]]
        assert got == want, (slug, peers, wave, got, want)
        assert p["cohort_size"] == len(members), (peers, wave)
    return want


def test_ranks_are_the_statements_for_each_kind_and_wave():
    cities = get_json("/cities.json?limit=10000")["cities"]
    some = ",".join(c["slug"] for c in cities[:9])
    for wave in ("2020", "2018", "latest"):
        for peers in ("population:100000-900000", "population:1-", "population:1-2", some,
                      "answer:dedicated_funding=yes", "answered:funding_sources", "similar:toronto",
                      "answer:dedicated_funding=no;population:100000-5000000", "country:ZZ",
                      "answer:mayor=nobody", "answer:no_such_question=yes"):
            check("toronto", peers, wave, times=2)
        other = psql("select c.slug from city_facts f join cities c on c.id = f.city_id where f.wave = '%s' "
                     "and c.slug <> 'toronto' order by c.id offset 5 limit 1" % wave)
        check(other, "population:100000-900000", wave, times=2)
        check(other, some, wave, times=2)


def upload(slug, tok, answers, wave="2020"):
    r = post("/api/submissions", json.dumps({"city": slug, "survey": wave, "answers": answers}),
             "application/json", tok)
    assert r.status == 201, r
    return r


def test_ties_missing_nan_and_a_city_without_values():
    pop = 470000 + os.getpid() % 20000  # a band of its own on every run against the same database
    band = "population:%d-%d" % (pop, pop + 2)
    slugs = [new_city("wm", country="NZ", region="Oceania", population=pop + i) for i in range(3)]
    for i, s in enumerate(slugs):
        upload(s, token_for_city(s), {"dedicated_funding": i % 2 == 0, "population": pop + i,
                                      "funding_sources": ["municipal_budget"]})
    check(slugs[0], band)
    ids = ",".join("'%s'" % s for s in slugs)
    m = psql("select id from metrics where active order by position, id limit 1")
    try:
        # a tie, NaN above every number, then a value missing, each written straight (version bumped)
        psql("""insert into metric_values (metric_id, survey_id, city_id, value, plugin_version)
            select m.id, '2020', c.id, case when c.slug = '{n}' and m.id = '{m}' then 'NaN'::float8
            when m.id = '{m}' then 5 else c.id % 3 end, 'test' from metrics m, cities c
            where m.active and c.slug in ({i})
            on conflict (metric_id, survey_id, city_id) do update set value = excluded.value;
            select bump_data_version()""".format(i=ids, m=m, n=slugs[2]))
        got = check(slugs[0], band)
        first = [r for r in got if r["id"] == m][0]
        assert first["value"] == 5.0 and first["of"] == 3, first
        check(slugs[1], band)
        psql("""delete from metric_values mv using cities c where c.id = mv.city_id and c.slug = '{s}'
            and mv.survey_id = '2020'; select bump_data_version()""".format(s=slugs[1]))
        check(slugs[0], band)
        got = check(slugs[1], band)  # no value at all: rank and percentile null, of still counted
        assert all(r["value"] is None and r["rank"] is None for r in got), got
        check(slugs[1], band, "latest")
    finally:
        cli("plugins", "reload")  # the plugins' values again (a recompute)
    check(slugs[0], band)
    check(slugs[1], band, "latest")


def test_higher_is_better_flipped_and_a_metric_deactivated():
    m = psql("select id from metrics where active order by position, id offset 1 limit 1")
    try:
        psql("update metrics set higher_is_better = not higher_is_better where id = '%s'; "
             "select bump_data_version()" % m)
        for wave in ("2020", "latest"):
            check("toronto", "population:100000-900000", wave, times=3)
        psql("update metrics set active = false where id = '%s'; select bump_data_version()" % m)
        got = check("toronto", "population:100000-900000", times=3)
        assert m not in [r["id"] for r in got]
    finally:
        psql("update metrics set active = true, higher_is_better = not higher_is_better where id = '%s'; "
             "select bump_data_version()" % m)
    got = check("toronto", "population:100000-900000", times=3)
    assert m in [r["id"] for r in got]
