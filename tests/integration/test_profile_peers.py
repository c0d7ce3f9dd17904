"""A profile against a peer group without stored statistics (population, list, answer, answered,
similar, their combinations, and any cohort under survey=latest) reads its cohort's size, counts and
metrics from one statement (Q_PEERS_PROFILE, include/queries_peers.def).  Each part equals a fresh
computation written here independently: the members from cities and answers, the counts over their
answers, each metric's rank and cohort size over their values; an empty cohort and an answer filter on
a question that is not a choice answer the same way; the HTML twin answers 200."""
import urllib.parse

from cb import get, get_json, psql

# The current versions of a wave with their population (the version's, else the city's); under
# 'latest' each city at its latest wave.
CUR = """(select cs.city_id, cs.survey_id, cs.submission_id, coalesce(cs.population, c.population) as pop,
  c.slug from current_submissions cs join cities c on c.id = cs.city_id
  where cs.survey_id = '{w}' or ('{w}' = 'latest' and cs.survey_id =
  (select max(l.survey_id) from current_submissions l where l.city_id = cs.city_id)))"""


def members(wave, where):
    out = psql("select string_agg(k.slug, ',' order by k.slug) from " + CUR.format(w=wave) +
               " k where " + where)
    return out.split(",") if out else []


def fresh_counts(wave, slugs):
    """{code: {answered, counts}} over the answers of the cities (bool as yes/no, single, multi)."""
    if not slugs:
        return {}
    rows = psql("""select a.code, q.type, a.value::text from {cur} k join answers a on a.submission_id =
        k.submission_id join questions q on q.code = a.code where a.value <> 'null'::jsonb
        and k.slug = any('{{{s}}}'::text[])""".format(cur=CUR.format(w=wave), s=",".join(slugs)))
    import json
    out = {}
    for line in rows.splitlines():
        code, typ, value = line.split("|", 2)
        q = out.setdefault(code, {"answered": 0, "counts": {}})
        q["answered"] += 1
        v = json.loads(value)
        opts = []
        if typ == "bool":
            opts = ["yes" if v else "no"]
        elif typ == "single":
            opts = [v]
        elif typ == "multi":
            opts = list(v)
        for o in opts:
            q["counts"][o] = q["counts"].get(o, 0) + 1
    return out


def fresh_ranks(wave, slug, slugs):
    """{metric: (rank, of)} of the city's metrics among the cities' values."""
    rows = psql("""select m.id, m.higher_is_better, (select mv.value from metric_values mv join {cur} k
        on k.city_id = mv.city_id and k.survey_id = mv.survey_id where k.slug = '{me}' and mv.metric_id = m.id),
        coalesce((select string_agg(mv.value::text, ' ') from metric_values mv join {cur} k
        on k.city_id = mv.city_id and k.survey_id = mv.survey_id where mv.metric_id = m.id
        and k.slug = any('{{{s}}}'::text[])), '') from metrics m where m.active""".format(
        cur=CUR.format(w=wave), me=slug, s=",".join(slugs) or "-"))
    out = {}
    for line in rows.splitlines():
        mid, hib, mine, vals = line.split("|")
        vals = [float(x) for x in vals.split()]
        if mine == "":
            out[mid] = (None, len(vals))
            continue
        mine = float(mine)
        better = [x for x in vals if (x > mine if hib == "t" else x < mine)]
        out[mid] = (1 + len(better), len(vals))
    return out


def check(slug, peers, wave, slugs):
    q = "peers=" + urllib.parse.quote(peers, safe="") + "&survey=" + wave
    p = get_json("/cities/%s.json?%s" % (slug, q))
    assert p["cohort_size"] == len(slugs), (peers, wave)
    assert p["cohort"] == fresh_counts(wave, slugs), (peers, wave)
    ranks = fresh_ranks(wave, slug, slugs)
    for m in p["metrics"]:
        assert (m["rank"], m["of"]) == ranks[m["id"]], (peers, wave, m["id"])
    r = get("/cities/%s?%s" % (slug, q))
    assert r.status == 200 and b"<html" in r.body[:200].lower(), (peers, wave, r.status)


def test_each_kind_of_peer_group_matches_a_fresh_computation():
    band = "coalesce(k.pop, 0) between 100000 and 900000"
    yes = ("exists (select 1 from answers a where a.submission_id = k.submission_id "
           "and a.code = 'dedicated_funding' and a.value = 'true')")
    for wave in ("2020", "latest"):
        check("toronto", "population:100000-900000", wave, members(wave, "k.pop between 100000 and 900000"))
        check("toronto", "answer:dedicated_funding=yes", wave, members(wave, yes))
        check("toronto", "answer:dedicated_funding=yes;population:100000-900000", wave,
              members(wave, yes + " and " + band))
        answered = members(wave, "exists (select 1 from answers a where a.submission_id = k.submission_id "
                           "and a.code = 'funding_sources' and a.value <> 'null')")
        check("toronto", "answered:funding_sources", wave, answered)
    some = members("2020", "true")[:5] + ["toronto"]
    check("toronto", ",".join(some), "2020", sorted(set(some) & set(members("2020", "true"))))
    sim = [s["slug"] for s in get_json("/cities/toronto/similar.json?survey=2020")["similar"]]
    check("toronto", "similar:toronto", "2020", sorted(sim))
    # the region's stored statistics under survey=latest take the live statement too
    region = psql("select region from cities where slug = 'toronto'")
    check("toronto", "region:" + region, "latest", members("latest", "k.slug in (select slug from cities "
          "where region = '%s')" % region.replace("'", "''")))


def test_an_empty_cohort_and_a_filter_on_a_question_that_is_not_a_choice():
    check("toronto", "population:1-2", "2020", [])
    p = get_json("/cities/toronto.json?survey=2020&peers=population:1-2")
    assert p["cohort"] == {} and all(m["of"] == 0 and m["percentile"] is None for m in p["metrics"])
    # a text question: the filter is checked on the answers themselves (COHORT_OK), never matches a choice
    code = psql("select code from questions where type = 'text' order by code limit 1")
    check("toronto", "answer:%s=nothing_like_this" % code, "2020", [])
