"""Issue 18, eighth session (round 2): /compare.json for a stored cohort is answered from the per-version
blocks (the wave's metric values, cgi/core/wavemetrics.c) with no statement; CITYBENCH_COMPARE_SQL
forces compare_stored().  A second FastCGI server of the same build is started here with that switch
(one worker, cache off, speaking FastCGI straight over its socket) and every URL below must be answered
byte for byte (status, type, body) as the stack answers it: both waves, the default wave, 'latest',
region and country cohorts, unknown, duplicate, upper-case and hostile cities and metrics, `questions`,
CSV and HTML; then after values written straight to the table (a tie, NaN, a value missing), a city
with values but no fact row (the block is then not exact: the statement answers), an upload, a metric
flipped and deactivated, and a plugin recompute."""
import json
import re
import os
import subprocess
import tempfile
import time
import urllib.parse

import fcgi_client
from cb import ROOT, cli, get, get_json, new_city, post, psql, token_for_city


class SqlServer:
    """citybench-fcgi on a socket of its own, the cache off: with CITYBENCH_COMPARE_SQL=1, or with the
    environment `env` instead; `workers` workers (the other tests' servers are made by this one)."""

    def __init__(self, env=None, workers=1, prefix="cb-cmpsql."):
        self.dir = tempfile.mkdtemp(prefix=prefix)
        self.sock = os.path.join(self.dir, "fcgi.sock")
        binary = os.path.join(os.environ.get("CB_BIN", os.path.join(ROOT, "build", "rel")), "citybench-fcgi")
        env = dict(os.environ, CITYBENCH_CACHE="0", CITYBENCH_SKIP_SYNC="1", CITYBENCH_CONF="/dev/null",
                   CITYBENCH_ROOT=ROOT, **(env if env is not None else {"CITYBENCH_COMPARE_SQL": "1"}))
        self.log = open(os.path.join(self.dir, "log"), "w")
        self.p = subprocess.Popen([binary, "--socket", self.sock, "--workers", str(workers)], env=env,
                                  stdout=self.log, stderr=subprocess.STDOUT)
        for _ in range(600):
            if os.path.exists(self.sock):
                return
            assert self.p.poll() is None, open(os.path.join(self.dir, "log")).read()
            time.sleep(0.1)
        raise AssertionError("the SQL-forced server did not start")

    def get(self, path):
        status, head, body = fcgi_client.request(self.sock, fcgi_client.get_params(path), timeout=60)
        ctype = ""
        for line in head.split("\r\n"):
            k, _, v = line.partition(":")
            if k.lower() == "content-type":
                ctype = v.strip()
        return status, ctype, body

    def stop(self):
        self.p.terminate()
        self.p.wait(timeout=30)
        self.log.close()


REQUEST_ID = re.compile(rb'(request[_ -]id|Identifiant de la requ\xc3\xaate)[^0-9a-f]{0,20}[0-9a-f]{8,64}', re.I)


def same(srv, urls):
    """Every URL answered alike by the stack (blocks) and the SQL-forced server; the count of 200s."""
    ok = 0
    for u in urls:
        r = get(u)
        st, ct, body = srv.get(u)
        assert (r.status, (r.header("Content-Type") or "").split(";")[0]) == (st, ct.split(";")[0]), (u, r, st, body[:200])
        a, b = (REQUEST_ID.sub(b"", x) for x in (r.body, body))
        at = next((i for i in range(min(len(a), len(b))) if a[i] != b[i]), min(len(a), len(b)))
        assert a == b, (u, a[max(0, at - 200):at + 200], b[max(0, at - 200):at + 200])
        ok += r.status == 200
    return ok


def urls_for(cities, metrics, region, country, fmt=".json"):
    a = ",".join(cities[:5])
    m5 = ",".join(metrics[:5])
    out = []
    for wave in ("", "&survey=2018", "&survey=2020", "&survey=latest", "&survey=1999"):
        for peers in ("", "&peers=region:" + urllib.parse.quote(region), "&peers=country:" + country,
                      "&peers=country:ZZ", "&peers=region:Nowhere"):
            out.append("/compare%s?cities=%s&metrics=%s%s%s" % (fmt, a, m5, wave, peers))
        out.append("/compare%s?cities=%s%s" % (fmt, a, wave))
    rev = ",".join(reversed(metrics[:3]))
    out += ["/compare%s?cities=%s&metrics=%s" % (fmt, ",".join(cities[2:7]), rev),
            "/compare%s?cities=%s,%s&metrics=%s,%s" % (fmt, cities[0], cities[0].upper(), metrics[0], metrics[0]),
            "/compare%s?cities=%s&cities=%s&metrics=%s" % (fmt, cities[0], cities[1], metrics[1]),
            "/compare%s?cities=%%20%s%%20,,%s,&metrics=,%s" % (fmt, cities[0], cities[1], metrics[0]),
            "/compare%s?cities=%s,no-such-city&metrics=%s" % (fmt, cities[0], metrics[0]),
            "/compare%s?cities=%s,%s&metrics=no_such_metric" % (fmt, cities[0], cities[1]),
            "/compare%s?cities=%s,%s&metrics=%%3Cscript%%3E" % (fmt, cities[0], cities[1]),
            "/compare%s?cities=%s,%%3Cb%%3E" % (fmt, cities[0]),
            "/compare%s?cities=%s" % (fmt, cities[0]),
            "/compare%s?cities=%s" % (fmt, ",".join(cities[:13])),
            "/compare%s?cities=%s&questions=dedicated_funding" % (fmt, a),
            "/compare%s?cities=%s&survey=20x0" % (fmt, a),
            "/compare%s?cities=%s&peers=population:1-" % (fmt, a)]
    return out


def context():
    cities = [c["slug"] for c in get_json("/cities.json?survey=2020&limit=10000")["cities"]]
    picked = ["toronto"] + [s for s in cities[::11] if s != "toronto"][:12]
    metrics = [m["id"] for m in get_json("/metrics.json")["metrics"]]
    t = get_json("/cities/toronto.json?survey=2020")["city"]
    return picked, metrics, t["region"], t["country"]


def test_blocks_answer_as_the_statement():
    srv = SqlServer()
    try:
        cities, metrics, region, country = context()
        n = same(srv, urls_for(cities, metrics, region, country))
        n += same(srv, urls_for(cities[3:], metrics[2:], region, country))
        assert n > 40, n
        same(srv, urls_for(cities, metrics, region, country, ".csv")[:12])
        same(srv, urls_for(cities, metrics, region, country, "")[:6])
    finally:
        srv.stop()


def upload(slug, answers, wave="2020"):
    r = post("/api/submissions", json.dumps({"city": slug, "survey": wave, "answers": answers}),
             "application/json", token_for_city(slug))
    assert r.status == 201, r


def test_after_writes():
    srv = SqlServer()
    cities, metrics, region, country = context()
    slugs = [new_city("cb", country="NZ", region="Oceania") for _ in range(3)]
    for i, s in enumerate(slugs):
        upload(s, {"dedicated_funding": i % 2 == 0, "population": 300000 + i,
                   "funding_sources": ["municipal_budget"]})
    stray = new_city("cs", country="NZ", region="Oceania")  # values, but no submission: no fact row
    ids = ",".join("'%s'" % s for s in slugs)
    m = metrics[0]
    base = slugs + cities[:2]

    def check():
        same(srv, urls_for(base, metrics, "Oceania", "NZ")[:14])
        same(srv, ["/compare.json?cities=%s&survey=2020" % ",".join(base),
                   "/compare.json?cities=%s,%s&survey=2020&peers=country:NZ" % (stray, slugs[0])])
    try:
        check()
        psql("""insert into metric_values (metric_id, survey_id, city_id, value, plugin_version)
            select m.id, '2020', c.id, case when c.slug = '{n}' and m.id = '{m}' then 'NaN'::float8
            when m.id = '{m}' then 5 else c.id % 3 end, 'test' from metrics m, cities c
            where m.active and c.slug in ({i})
            on conflict (metric_id, survey_id, city_id) do update set value = excluded.value;
            select bump_data_version()""".format(i=ids, m=m, n=slugs[2]))
        check()
        psql("""delete from metric_values mv using cities c where c.id = mv.city_id and c.slug = '{s}'
            and mv.survey_id = '2020' and mv.metric_id = '{m}'; select bump_data_version()""".format(s=slugs[1], m=m))
        check()
        psql("""insert into metric_values (metric_id, survey_id, city_id, value, plugin_version)
            select '{m}', '2020', c.id, 1, 'test' from cities c where c.slug = '{s}';
            select bump_data_version()""".format(s=stray, m=m))
        check()
        psql("delete from metric_values mv using cities c where c.id = mv.city_id and c.slug = '%s'; "
             "select bump_data_version()" % stray)
        upload(slugs[1], {"dedicated_funding": True, "population": 300009, "funding_sources": ["municipal_budget"]})
        check()
        h = metrics[1]
        psql("update metrics set higher_is_better = not higher_is_better where id = '%s'; "
             "select bump_data_version()" % h)
        check()
        psql("update metrics set active = false where id = '%s'; select bump_data_version()" % h)
        check()
        psql("update metrics set active = true, higher_is_better = not higher_is_better where id = '%s'; "
             "select bump_data_version()" % h)
    finally:
        cli("plugins", "reload")  # the plugins' values again (a recompute)
        srv.stop()
    srv = SqlServer()
    try:
        check()
    finally:
        srv.stop()
