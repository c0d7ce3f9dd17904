"""The operator's bulk import (set-based, cgi/store.c store_bulk): the same versions as uploads make,
versions without gaps when uploads race it, a city-wave named twice, and a failure half way through
that leaves nothing behind."""
import json
import os
import subprocess
import tempfile
import threading
import time

from cb import cli, new_city, post, psql, token_for_city

API = "/api/submissions"


def versions(slug, wave="2020"):
    out = psql("select version from submissions s join cities c on c.id = s.city_id "
               "where c.slug = '%s' and s.survey_id = '%s' order by version" % (slug, wave))
    return [int(v) for v in out.split()] if out else []


def current(slug, wave="2020"):
    out = psql("select a.code || '=' || a.value::text from current_answers ca join cities c on c.id = ca.city_id "
               "join answers a on a.submission_id = ca.submission_id and a.code = ca.code "
               "where c.slug = '%s' and ca.survey_id = '%s' order by a.code" % (slug, wave))
    return dict(l.split("=", 1) for l in out.splitlines()) if out else {}


def write(lines):
    f = tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False)
    f.write("city,survey,question,value\n" + "".join(l + "\n" for l in lines))
    f.close()
    return f.name


def test_import_same_as_upload_and_named_twice():
    slug = new_city("imp")
    tok = token_for_city(slug)
    r = post(API, json.dumps({"city": slug, "survey": "2020", "answers": {"mayor": "One", "team1_staff": 3,
                                                                          "population": 123456}}),
             "application/json", tok)
    assert r.status == 201, r.body
    # Two files naming the same city-wave: two versions, in order, each on top of the previous one.
    a = write(["%s,2020,mayor,Two" % slug, "%s,2020,team1_staff,3" % slug])
    b = write(["%s,2020,mayor,Three" % slug, "%s,2020,population,654321" % slug,
               "%s,2020,funding_sources,philanthropy" % slug, "%s,2020,funding_sources,municipal_budget" % slug])
    try:
        cli("import", a, b)
    finally:
        os.unlink(a)
        os.unlink(b)
    assert versions(slug) == [1, 2, 3]
    changed = psql("select version || ':' || array_to_string(changed, ',') from submissions s join cities c "
                   "on c.id = s.city_id where c.slug = '%s' order by version" % slug).splitlines()
    # team1_staff was named with the value it had: not a change
    assert changed == ["1:mayor,population,team1_staff", "2:mayor", "3:funding_sources,mayor,population"], changed
    cur = current(slug)
    assert cur["mayor"] == '"Three"' and cur["team1_staff"] == "3" and cur["population"] == "654321", cur
    assert json.loads(cur["funding_sources"]) == ["philanthropy", "municipal_budget"], cur
    assert psql("select cs.version || ' ' || cs.population from current_submissions cs join cities c "
                "on c.id = cs.city_id where c.slug = '%s' and cs.survey_id = '2020'" % slug) == "3 654321"
    # Version 2 holds the complete set: version 1's answers with mayor replaced.
    v2 = psql("select count(*) from answers a join submissions s on s.id = a.submission_id join cities c "
              "on c.id = s.city_id where c.slug = '%s' and s.version = 2" % slug)
    assert v2 == "3", v2


def test_import_racing_uploads_no_gaps():
    cities = [new_city("irace") for _ in range(4)]
    toks = {c: token_for_city(c) for c in cities}
    # Imports again and again while uploads to the same city-waves run; each import's two files change
    # every set they name (a set that changes nothing makes no version).
    def lines(k):
        out = []
        for c in cities:
            out += ["%s,2020,mayor,Imported %s %d" % (c, c, k), "%s,2020,team1_staff,%d" % (c, k)]
            out += ["%s,2018,team1_staff,%d" % (c, k)]
        return out
    statuses = []
    stop = time.time() + 6

    def uploader(c):
        i = 0
        while time.time() < stop:
            i += 1
            r = post(API, json.dumps({"city": c, "survey": "2020" if i % 3 else "2018",
                                      "answers": {"team2_staff": i}}), "application/json", toks[c])
            statuses.append(r.status)
            if len(statuses) > 400:
                break

    threads = [threading.Thread(target=uploader, args=(c,)) for c in cities]
    for t in threads:
        t.start()
    imports = 0
    try:
        while time.time() < stop - 1:
            f1, f2 = write(lines(2 * imports)), write(lines(2 * imports + 1))
            try:
                cli("import", f1, f2)
            finally:
                os.unlink(f1)
                os.unlink(f2)
            imports += 1
    finally:
        for t in threads:
            t.join()
    assert imports >= 1
    assert statuses and all(s == 201 for s in statuses), set(statuses)
    total = 0
    for c in cities:
        for wave in ("2018", "2020"):
            v = versions(c, wave)
            assert v == list(range(1, len(v) + 1)), (c, wave, v)
            total += len(v)
            cur = psql("select cs.version from current_submissions cs join cities c on c.id = cs.city_id "
                       "where c.slug = '%s' and cs.survey_id = '%s'" % (c, wave))
            assert int(cur) == len(v), (c, wave, cur, v)
    # each import: two files, each naming two sets per city (2018 and 2020)
    assert total == len(statuses) + imports * 2 * 2 * len(cities), (total, len(statuses), imports)


def test_import_failing_half_way_changes_nothing():
    slug = new_city("ifail")
    fresh = "ifail-new-%d" % os.getpid()
    cities = tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False)
    cities.write("slug,name,country,region,population,synthetic\n%s,Fresh,FR,Europe,1000,true\n" % fresh)
    cities.close()
    answers = write(["%s,2020,mayor,Never" % slug, "%s,2020,mayor,Never" % fresh])
    before = psql("select (select count(*) from submissions) || ' ' || (select count(*) from answers) || ' ' || "
                  "(select count(*) from current_submissions) || ' ' || (select version from data_version)")
    # Hold current_submissions against writes: the import stores its versions and answers, then
    # gives up on the current versions (lock_timeout) and must roll every part of it back.
    # The holder keeps the lock until this test cancels it (not for a fixed 4 s that a slow import could
    # outlast), and the import starts only once the lock is seen granted (not after a 0.5 s sleep that a
    # loaded machine could outrun).
    app = "cb-holder-%d-%d" % (os.getpid(), time.time_ns())
    holder = subprocess.Popen(["/usr/lib/postgresql/15/bin/psql", "-qAtX", os.environ["CITYBENCH_DB"], "-c",
                               "begin; lock table current_submissions in exclusive mode; "
                               "select pg_sleep(300); commit;"], env=dict(os.environ, PGAPPNAME=app),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        end = time.time() + 60
        while psql("select count(*) from pg_locks l join pg_stat_activity a on a.pid = l.pid "
                   "where a.application_name = '%s' and l.relation = 'current_submissions'::regclass "
                   "and l.granted" % app) != "1":
            assert holder.poll() is None and time.time() < end, "the lock holder never held its lock"
            time.sleep(0.05)
        rc, out, err = cli("import", cities.name, answers, check=False,
                           env={"PGOPTIONS": "-c lock_timeout=1500"})
    finally:
        psql("select pg_cancel_backend(pid) from pg_stat_activity where application_name = '%s'" % app)
        holder.wait(timeout=60)
        os.unlink(cities.name)
        os.unlink(answers)
    # (the message may be "current transaction is aborted": db.c retries a statement that did not
    # prepare, here for the lock timeout, unprepared to get its error)
    assert rc == 1 and "citybench:" in err, (rc, out, err)
    after = psql("select (select count(*) from submissions) || ' ' || (select count(*) from answers) || ' ' || "
                 "(select count(*) from current_submissions) || ' ' || (select version from data_version)")
    assert after == before, (before, after)
    assert psql("select count(*) from cities where slug = '%s'" % fresh) == "0"
    assert versions(slug) == []
    # And the same import goes through once nothing holds the table.
    answers = write(["%s,2020,mayor,Now" % slug])
    try:
        cli("import", answers)
    finally:
        os.unlink(answers)
    assert versions(slug) == [1]
