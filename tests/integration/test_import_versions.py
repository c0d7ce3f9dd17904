"""The bulk import's versions (Q_BULK_VERSIONS): a set without a previous version records its non-null
answers as changed without looking answers up, a set with one the answers that differ; both as an
upload would.  A set, or a cities row, that changes nothing makes no version and no new data version.  And all or nothing on the paths around it: a bad row at the end of a large file, an
import killed in the middle."""
import json
import os
import signal
import subprocess
import tempfile
import time

from cb import cli, get_json, new_city, post, psql, token_for_city

API = "/api/submissions"


def write(lines, header="city,survey,question,value"):
    f = tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False)
    f.write(header + "\n" + "".join(l + "\n" for l in lines))
    f.close()
    return f.name


def changed(slug, wave="2020"):
    return psql("select version || ':' || array_to_string(changed, ',') from submissions s join cities c "
                "on c.id = s.city_id where c.slug = '%s' and s.survey_id = '%s' order by version"
                % (slug, wave)).splitlines()


def answers(slug, wave="2020"):
    return psql("select a.code || '=' || a.value::text from current_submissions cs join cities c on c.id = cs.city_id "
                "join answers a on a.submission_id = cs.submission_id where c.slug = '%s' and cs.survey_id = '%s' "
                "order by a.code" % (slug, wave)).splitlines()


def test_first_and_next_versions_record_what_an_upload_records():
    fresh, up, known = new_city("ivf"), new_city("ivu"), new_city("ivk")
    # the same first set by upload and by import: the null answer is stored, not counted as changed
    r = post(API, json.dumps({"city": up, "survey": "2020", "answers": {"mayor": "One", "team1_staff": 3,
                                                                        "population": None}}),
             "application/json", token_for_city(up))
    assert r.status == 201, r.body
    r = post(API, json.dumps({"city": known, "survey": "2020", "answers": {"mayor": "One", "team1_staff": 3}}),
             "application/json", token_for_city(known))
    assert r.status == 201, r.body
    f = write(["%s,2020,mayor,One" % fresh, "%s,2020,team1_staff,3" % fresh, "%s,2020,population," % fresh,
               # a city with a version in the same import: only what differs
               "%s,2020,mayor,One" % known, "%s,2020,team1_staff,4" % known, "%s,2020,population," % known])
    try:
        cli("import", f)
    finally:
        os.unlink(f)
    assert changed(fresh) == changed(up) == ["1:mayor,team1_staff"], (changed(fresh), changed(up))
    assert answers(fresh) == answers(up), (answers(fresh), answers(up))
    assert changed(known) == ["1:mayor,team1_staff", "2:team1_staff"], changed(known)
    assert 'population=null' in answers(known) and 'team1_staff=4' in answers(known), answers(known)


def snapshot():
    return psql("select (select count(*) from submissions) || ' ' || (select count(*) from answers) || ' ' || "
                "(select count(*) from cities) || ' ' || (select max(version) from data_version)")


def test_a_bad_row_at_the_end_of_a_large_file_changes_nothing():
    slugs = [new_city("ivb") for _ in range(3)]
    rows = ["%s,2020,team1_staff,%d" % (slugs[i % 3], i % 50) for i in range(3000)]
    rows.append("%s,2020,team1_staff,not-a-number" % slugs[0])
    f = write(rows)
    before = snapshot()
    try:
        rc, _, err = cli("import", f, check=False)
    finally:
        os.unlink(f)
    assert rc != 0 and "nothing imported" in err, err
    assert snapshot() == before


def test_an_import_killed_in_the_middle_changes_nothing():
    slugs = [new_city("ivk") for _ in range(8)]
    f = write(["%s,2020,team%d_staff,%d" % (s, k, k) for s in slugs for k in range(1, 4)] +
              ["%s,2020,mayor,M%d" % (s, i) for i, s in enumerate(slugs)])
    before = snapshot()
    env = dict(os.environ)
    # stopped as soon as the versions are being stored: the transaction is rolled back
    p = subprocess.Popen([os.path.join(os.environ.get("CB_BIN", os.path.join(
        os.environ["CITYBENCH_ROOT"], "bin")), "citybench"), "import", f],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    time.sleep(0.05)
    p.send_signal(signal.SIGKILL)
    p.wait()
    os.unlink(f)
    after = snapshot()
    # killed before or after the commit: nothing or everything, never part
    if after != before:
        assert all(len(changed(s)) == 1 for s in slugs), "part of a killed import was stored"
    for s in slugs:
        assert len(changed(s)) in (0, 1)
    assert len({len(changed(s)) for s in slugs}) == 1, "part of a killed import was stored"


def data_version():
    return psql("select version from data_version")


def import_out(*files, dry=False):
    args = ["import"] + (["--dry-run"] if dry else []) + list(files)
    try:
        return cli(*args)[1]
    finally:
        if not dry:
            for f in files:
                os.unlink(f)


def test_an_import_that_changes_nothing_makes_no_version():
    same, moved = new_city("ivs"), new_city("ivm")
    for slug in (same, moved):
        r = post(API, json.dumps({"city": slug, "survey": "2020", "answers": {"mayor": "One", "team1_staff": 3}}),
                 "application/json", token_for_city(slug))
        assert r.status == 201, r.body
    before = data_version()
    # the city's answers as they are (population named empty where it was never answered: still nothing)
    rows = ["%s,2020,mayor,One" % same, "%s,2020,team1_staff,3" % same, "%s,2020,population," % same]
    f = write(rows)
    assert import_out(f, dry=True) == ("dry run: would add 0 cities, update 0, store 0 versions, "
                                       "1 city-wave unchanged; nothing stored\n")
    assert import_out(f) == "imported: 0 cities added, 0 updated; 0 versions stored, 1 city-wave unchanged\n"
    assert changed(same) == ["1:mayor,team1_staff"], changed(same)
    assert data_version() == before, "an import that changed nothing made a new data version"
    assert [s["version"] for s in get_json("/cities/%s/submissions.json" % same)["submissions"]] == [1]
    # one city-wave as it is, one changed: one version, of the changed answer only
    out = import_out(write(rows + ["%s,2020,mayor,One" % moved, "%s,2020,team1_staff,5" % moved]))
    assert out == "imported: 0 cities added, 0 updated; 1 version stored, 1 city-wave unchanged\n", out
    assert changed(same) == ["1:mayor,team1_staff"] and changed(moved) == ["1:mayor,team1_staff",
                                                                            "2:team1_staff"], changed(moved)
    assert data_version() != before
    # a city-wave named twice: the naming that changes it makes a version, the one that repeats it none
    out = import_out(write(["%s,2020,team1_staff,6" % moved]), write(["%s,2020,team1_staff,6" % moved]))
    assert out == "imported: 0 cities added, 0 updated; 1 version stored, 1 city-wave unchanged\n", out
    out = import_out(write(["%s,2020,team1_staff,6" % moved]), write(["%s,2020,team1_staff,7" % moved]))
    assert out == "imported: 0 cities added, 0 updated; 1 version stored, 1 city-wave unchanged\n", out
    assert changed(moved)[2:] == ["3:team1_staff", "4:team1_staff"], changed(moved)
    assert "team1_staff=7" in answers(moved), answers(moved)


def test_a_cities_file_naming_cities_as_they_are_changes_nothing():
    tag = "ivc%d" % os.getpid()
    f = write(["%s-a,A,FR,Europe,1000" % tag, "%s-b,B,DE,Europe,2000" % tag],
              header="slug,name,country,region,population")
    assert cli("import", f)[1] == "imported: 2 cities added, 0 updated; 0 versions stored\n"
    stamp = psql("select string_agg(updated_at::text, ',' order by slug) from cities where slug like '%s-%%'" % tag)
    before = data_version()
    rc, out, err = cli("import", f)
    assert out == "imported: 0 cities added, 0 updated, 2 unchanged; 0 versions stored\n", out
    assert "2 cities (0 new, 0 updated, 2 unchanged)" in err, err
    assert data_version() == before
    assert psql("select string_agg(updated_at::text, ',' order by slug) from cities where slug like '%s-%%'"
                % tag) == stamp
    os.unlink(f)
    out = import_out(write(["%s-a,A,FR,Europe,1000" % tag, "%s-b,B,DE,Europe,2500" % tag],
                           header="slug,name,country,region,population"))
    assert out == "imported: 0 cities added, 1 updated, 1 unchanged; 0 versions stored\n", out
    assert data_version() != before
    assert psql("select population from cities where slug = '%s-b'" % tag) == "2500"


def metric_value(slug):
    return psql("select mv.value from metric_values mv join cities c on c.id = mv.city_id "
                "where c.slug = '%s' and mv.metric_id = 'innovation_staff_per_100k' and mv.survey_id = '2020'"
                % slug)


def test_a_population_change_alone_computes_the_metrics_again():
    tag = "ivp%d" % os.getpid()
    cities = lambda pop: write(["%s-a,A,FR,Europe,%d" % (tag, pop)], header="slug,name,country,region,population")
    answers = lambda: write(["%s-a,2020,team1_staff,10" % tag])
    assert import_out(cities(100000), answers()) == "imported: 1 city added, 0 updated; 1 version stored\n"
    assert float(metric_value(tag + "-a")) == 10.0
    # the registered population is the metric's input (no population answer): the same answers, a new
    # population, and the value follows, though no version is made
    out = import_out(cities(200000), answers())
    assert out == "imported: 0 cities added, 1 updated; 0 versions stored, 1 city-wave unchanged\n", out
    assert float(metric_value(tag + "-a")) == 5.0, metric_value(tag + "-a")
    # the same through the row-by-row path (a slug named twice in one file) and a cities file alone
    f = write(["%s-a,A,FR,Europe,300000" % tag, "%s-a,A,FR,Europe,400000" % tag],
              header="slug,name,country,region,population")
    assert import_out(f) == "imported: 0 cities added, 2 updated; 0 versions stored\n"
    assert float(metric_value(tag + "-a")) == 2.5, metric_value(tag + "-a")


def test_a_cities_file_with_places_counts_a_move_on_the_map():
    tag = "ivl%d" % os.getpid()
    h = "slug,name,country,region,population,synthetic,lat,lon"
    row = lambda lat: "%s-a,A,FR,Europe,1000,false,%s,2.35" % (tag, lat)
    assert import_out(write([row("48.85")], header=h)) == "imported: 1 city added, 0 updated; 0 versions stored\n"
    before = data_version()
    assert import_out(write([row("48.85")], header=h)) == \
        "imported: 0 cities added, 0 updated, 1 unchanged; 0 versions stored\n"
    assert data_version() == before
    assert import_out(write([row("48.86")], header=h)) == "imported: 0 cities added, 1 updated; 0 versions stored\n"
    assert data_version() != before
    # row by row (named twice): the first row moves it, the second names it as it is then
    before = data_version()
    out = import_out(write([row("48.87"), row("48.87")], header=h))
    assert out == "imported: 0 cities added, 1 updated, 1 unchanged; 0 versions stored\n", out
    assert data_version() != before
    assert psql("select lat from cities where slug = '%s-a'" % tag) == "48.87"
