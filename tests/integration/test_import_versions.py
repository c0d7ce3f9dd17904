"""The bulk import's versions (Q_BULK_VERSIONS): a set without a previous version records its non-null
answers as changed without looking answers up, a set with one the answers that differ; both as an
upload would.  And all or nothing on the paths around it: a bad row at the end of a large file, an
import killed in the middle."""
import json
import os
import signal
import subprocess
import tempfile
import time

from cb import cli, new_city, post, psql, token_for_city

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
