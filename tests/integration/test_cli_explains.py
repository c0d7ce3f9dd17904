"""The operator's CLI explains itself (issue 19): what was wrong with a command line, import problems
grouped and counted in data terms, `import --dry-run`, what a re-import updated, a region that looks like
a typo, progress a line a second; and every command that changes data is in the audit log with the OS
user, the command and what changed."""
import json
import os
import pwd
import re
import tempfile

from cb import cli, get_json, new_city, psql

NO_DB = {"CITYBENCH_DB": "host=/nonexistent-cb-socket-dir dbname=none connect_timeout=1"}
ME = pwd.getpwuid(os.geteuid()).pw_name


def _last_line(err):
    return err.strip().splitlines()[-1]


def test_unknown_commands_and_arity_name_what_was_wrong():
    st, out, err = cli("frob", check=False, env=NO_DB)
    assert (st, out, err) == (2, "", "citybench: unknown command 'frob'; see citybench --help\n")
    st, out, err = cli("token", "frob", check=False, env=NO_DB)
    assert st == 2 and _last_line(err) == "citybench: unknown command 'token frob'; see citybench token --help", err
    st, out, err = cli("token", check=False, env=NO_DB)
    assert st == 2 and "'token' needs a command" in _last_line(err), err
    st, out, err = cli("token", "revoke", "1", "2", check=False, env=NO_DB)
    assert st == 2 and err.startswith("usage: citybench token revoke"), err
    assert _last_line(err) == "citybench: token revoke: too many arguments ('2' is one too many); it takes ID-or-TOKEN"
    st, out, err = cli("submission", "withdraw", check=False, env=NO_DB)
    assert st == 2 and "submission withdraw: its arguments are missing; it takes ID" in _last_line(err), err
    st, out, err = cli("city", "add", "x", "--nickname", "y", check=False)
    assert st == 2 and _last_line(err) == "citybench: city add: unknown option --nickname", err
    st, out, err = cli("import", "--frob", "a.csv", check=False)
    assert st == 2 and "import: unknown option --frob" in _last_line(err), err


def test_help_is_help_wherever_it_is():
    for args in [("import", "--help"), ("import", "a.csv", "--help"), ("import", "--dry-run", "--help"),
                 ("token", "create", "--city", "x", "--help")]:
        st, out, err = cli(*args, check=False, env=NO_DB)
        assert st == 0 and err == "" and out.startswith("usage: citybench " + " ".join(args[:2 if args[0] == "token" else 1])), \
            (args, st, out, err)
    st, out, err = cli("token", "--help", check=False, env=NO_DB)
    assert st == 0 and err == "" and out.startswith("usage: citybench token ") and "token revoke" in out, out
    assert "--dry-run" in cli("import", "--help", env=NO_DB)[1]


def _files(d, **files):
    paths = []
    for name, text in files.items():
        p = os.path.join(d, name.replace("_", ".", 1) if "_" in name else name)
        with open(p, "w") as f:
            f.write(text)
        paths.append(p)
    return paths


def _audit_rows(action, since):
    rows = psql("select actor || '|' || coalesce(city, '-') || '|' || accepted || '|' || detail::text "
                "from audit_log where action = '%s' and id > %d order by id" % (action, since))
    return [r.split("|", 3) for r in rows.splitlines() if r]


def _last_audit_id():
    return int(psql("select coalesce(max(id), 0) from audit_log"))


def test_answers_before_cities_is_one_grouped_counted_report():
    with tempfile.TemporaryDirectory() as d:
        cli("gen", "--cities", "40", "--seed", "11", "--out", d)
        answers = os.path.join(d, "answers.csv")
        import csv
        named = [r["city"] for r in csv.DictReader(open(answers))]
        known = set(psql("select slug from cities where slug = any('{%s}')" % ",".join(set(named))).split())
        nrows = sum(1 for c in named if c not in known)
        ncities = len(set(named) - known)
        st, out, err = cli("import", answers, check=False)
        assert st == 1 and out == "", (st, out)
        lines = err.splitlines()
        assert len(lines) <= 4, err                              # not one line per row
        assert not any(re.search(r"row ,|row\s*$|, ,", l) for l in lines), err   # no malformed lines
        grouped = [l for l in lines if "unknown cities" in l]
        assert len(grouped) == 1, err
        assert re.search(r": %d rows \(2, 3, 4, 5, …\) name %d unknown cities \(" % (nrows, ncities), grouped[0]), grouped[0]
        assert "import the cities file first (cities.csv)" in grouped[0], grouped[0]
        assert _last_line(err) == "citybench: import: %d problems in 1 of 1 file; nothing imported" % nrows, err


def test_every_problem_of_a_cities_row_in_data_terms():
    with tempfile.TemporaryDirectory() as d:
        good = "ok-%d" % os.getpid()
        [p] = _files(d, cities_csv="slug,name,country,region,population\n"
                     "%s,Good,FR,Europe,5\nBad Slug,,Canada,Europe,-4\nx2-%d,X,CAN,,abc\n" % (good, os.getpid()))
        st, out, err = cli("import", p, check=False)
        assert st == 1 and out == "", (st, out, err)
        assert "--" not in err, err                              # data terms, not the flags'
        want = ["row 3, column slug: a slug such as saint-denis",
                "row 3, column name: required",
                "2 rows (3, 4), column country: a two-letter code such as CA",
                "2 rows (3, 4), column population: a positive whole number",
                "row 4, column region: required"]
        for w in want:
            assert ("%s: %s" % (p, w)) in err, (w, err)
        assert "7 problems in a cities file of 3 rows" in err, err
        assert _last_line(err) == "citybench: import: 7 problems in 1 of 1 file; nothing imported", err
        assert get_json("/cities.json?q=" + good)["cities"] == []   # all or nothing


def test_dry_run_then_import_then_reimport_say_what_they_do():
    tag = "dr%d" % os.getpid()
    with tempfile.TemporaryDirectory() as d:
        [cities] = _files(d, cities_csv="slug,name,country,region,population\n"
                          "%s-a,A,FR,Europe,1000\n%s-b,B,DE,Europe,2000\n" % (tag, tag))
        [answers] = _files(d, answers_csv="city,survey,question,value\n%s-a,2020,dedicated_funding,true\n" % tag)
        since = _last_audit_id()
        st, out, err = cli("import", "--dry-run", cities, answers)
        assert out == "dry run: would add 2 cities, update 0, store 1 version; nothing stored\n", (out, err)
        assert get_json("/cities.json?q=" + tag)["cities"] == []
        out = cli("import", cities, answers)[1]
        assert out == "imported: 2 cities added, 0 updated; 1 version stored\n", out
        assert len(get_json("/cities.json?q=" + tag)["cities"]) == 2
        st, out, err = cli("import", cities)
        assert out == "imported: 0 cities added, 0 updated, 2 unchanged; 0 versions stored\n", out
        assert "%s: 2 cities (0 new, 0 updated, 2 unchanged)" % cities in err, err
        rows = _audit_rows("import", since)
        assert [r[0] for r in rows] == [ME] * 3 and [r[2] for r in rows] == ["true"] * 3, rows
        details = [json.loads(r[3]) for r in rows]
        assert [x["dry_run"] for x in details] == [True, False, False]
        assert [(x["cities_added"], x["cities_updated"], x["cities_unchanged"], x["versions"],
                 x["sets_unchanged"]) for x in details] == [(2, 0, 0, 1, 0), (2, 0, 0, 1, 0), (0, 0, 2, 0, 0)], details
        assert details[0]["command"] == "citybench import --dry-run %s %s" % (cities, answers), details[0]
        # A refused import is in the log too, refused.
        [bad] = _files(d, bad_csv="slug,name,country,region\n%s-c,C,XXX,Europe\n" % tag)
        assert cli("import", bad, check=False)[0] == 1
        assert _audit_rows("import", since)[-1][2] == "false"


def test_a_region_like_an_existing_one_needs_new_region():
    slug = "rg-%d" % os.getpid()
    base = ["city", "add", slug, "--name", "Region test", "--country", "CA"]
    new_city("rgx", country="CA", region="North America")
    for typo in ["Northamerica", "north america", "North Amerika"]:
        st, out, err = cli(*base, "--region", typo, check=False)
        assert st == 1 and out == "", (typo, st, out, err)
        assert "did you mean North America?" in err and "--new-region" in err, err
        assert get_json("/cities.json?q=" + slug)["cities"] == []
    st, out, err = cli(*base, "--region", "Northamerica", "--new-region")
    assert out == "added %s\n" % slug, out
    assert get_json("/cities.json?q=" + slug)["cities"][0]["region"] == "Northamerica"
    st, out, err = cli("city", "edit", slug, "--region", "North Amerika", check=False)
    assert st == 1 and "did you mean" in err, err
    # A region unlike any other is new: taken, with a note.
    other = "Kuiper Belt %d" % os.getpid()
    st, out, err = cli("city", "edit", slug, "--region", other)
    assert "'%s' is a new region" % other in err, err


def test_every_cli_change_is_audited_with_the_os_user():
    since = _last_audit_id()
    slug = "au-%d" % os.getpid()
    cli("city", "add", slug, "--name", "Audited", "--country", "FR", "--region", "Europe", "--population", "77")
    cli("city", "edit", slug, "--population", "78")
    tok = cli("token", "create", "--city", slug, "--expires", "3")[1].strip().splitlines()[-1]
    tid = int(tok.split("_")[1])
    cli("token", "revoke", tok)
    r = cli("token", "create", "--researcher", "Audit R")[1].strip().splitlines()[-1]
    cli("token", "revoke", r.split("_")[1])
    cli("plugins", "reload", check=False)
    cli("db", "migrate")
    rows = psql("select actor || '|' || action || '|' || coalesce(city, '-') || '|' || accepted || '|' || detail::text "
                "from audit_log where id > %d and detail->>'via' = 'cli' order by id" % since).splitlines()
    rows = [x.split("|", 4) for x in rows]
    assert all(x[0] == ME for x in rows), rows
    got = [(x[1], x[2], x[3]) for x in rows]
    assert got[:4] == [("city add", slug, "true"), ("city edit", slug, "true"), ("token create", slug, "true"),
                       ("token revoke", "-", "true")], got
    assert [g[0] for g in got[4:]] == ["token create", "token revoke", "plugins reload", "db migrate"], got
    d = [json.loads(x[4]) for x in rows]
    assert d[0]["fields"] == {"name": "Audited", "country": "FR", "region": "Europe", "population": "77"}, d[0]
    assert d[1]["fields"] == {"population": "78"} and d[1]["command"] == "citybench city edit %s --population 78" % slug
    assert d[2]["token"] == tid and d[2]["role"] == "partner" and d[2]["expires_days"] == 3, d[2]
    assert d[3] == {"via": "cli", "token": tid, "command": "citybench token revoke cb_…"}, d[3]
    assert tok not in psql("select string_agg(detail::text, ' ') from audit_log"), "a token's secret in the log"
    assert d[4]["role"] == "researcher" and d[4]["researcher"] == "Audit R", d[4]
    # `citybench audit` shows them, with the OS user as who.
    out = cli("audit", "--city", slug)[1].splitlines()
    assert out[0].startswith("when\twho\t") and len(out) == 4, out
    assert all(line.split("\t")[1] == ME for line in out[1:]), out
    assert [line.split("\t")[3] for line in out[1:]] == ["city add", "city edit", "token create"], out
    # A refused change is logged as refused; a usage error (nothing tried) is not logged.
    n = _last_audit_id()
    assert cli("city", "edit", "no-such-city-%d" % os.getpid(), "--name", "x", check=False)[0] == 1
    assert cli("city", "edit", slug, "--frob", "x", check=False)[0] == 2
    rows = psql("select action || '|' || accepted from audit_log where id > %d order by id" % n).splitlines()
    assert rows == ["city edit|false"], rows


def test_withdraw_is_audited():
    slug = new_city("wd")
    with tempfile.TemporaryDirectory() as d:
        [a] = _files(d, answers_csv="city,survey,question,value\n%s,2020,dedicated_funding,true\n" % slug)
        cli("import", a)
    sid = psql("select s.id from submissions s join cities c on c.id = s.city_id where c.slug = '%s' "
               "order by s.id desc limit 1" % slug)
    since = _last_audit_id()
    cli("submission", "withdraw", sid)
    rows = _audit_rows("submission withdraw", since)
    assert len(rows) == 1 and rows[0][0] == ME and rows[0][1] == slug and rows[0][2] == "true", rows
    assert json.loads(rows[0][3])["submission"] == int(sid), rows


def test_progress_a_line_a_second_when_not_a_terminal():
    with tempfile.TemporaryDirectory() as d:
        cli("gen", "--cities", "400", "--seed", "23", "--out", d)
        # A dry run does all the work (and leaves the shared database as it was).
        st, out, err = cli("import", "--dry-run", os.path.join(d, "cities.csv"), os.path.join(d, "answers.csv"))
        assert out.startswith("dry run: would add "), out
        assert "\r" not in err, "a terminal's rewriting in a log"
        ticks = re.findall(r"^citybench: (.+?)… (?:\d+/\d+, )?(\d+) s$", err, re.M)
        done = re.findall(r"^citybench: (.+?): done in ([\d.]+) s$", err, re.M)
        for step, took in done:
            # A step that took N seconds said so every second it ran.
            n = max([int(s) for name, s in ticks if name == step] or [0])
            assert n >= int(float(took)) - 1 and n >= 1, (step, took, err)
        assert {step for step, _ in ticks} <= {"reading the files", "storing cities", "checking the answers",
                                                 "storing versions", "recomputing the metrics"}, ticks
