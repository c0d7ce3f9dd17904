"""The foundation: first pages with the contract's shapes, the CLI, imports all or nothing."""
import csv
import io
import json
import os
import tempfile

from cb import cli, error_of, get, get_json, new_city, psql, request

CITY_KEYS = {"slug", "name", "country", "region", "population", "synthetic"}


def test_healthz():
    r = get("/healthz")
    assert r.status == 200 and r.text.strip() == "ok", r


def test_cities_json_shape():
    d = get_json("/cities.json")
    assert d["total"] >= 100, d["total"]
    assert len(d["cities"]) == d["total"]
    for c in d["cities"]:
        assert CITY_KEYS <= set(c), c
        assert isinstance(c["synthetic"], bool)
    toronto = [c for c in d["cities"] if c["slug"] == "toronto"][0]
    assert toronto["synthetic"] is False and toronto["country"] == "CA"
    assert sum(1 for c in d["cities"] if c["synthetic"]) >= 99


def test_cities_filters():
    d = get_json("/cities.json?q=toron")
    assert [c["slug"] for c in d["cities"]] == ["toronto"], d
    d = get_json("/cities.json?country=CA&region=North%20America")
    assert all(c["country"] == "CA" and c["region"] == "North America" for c in d["cities"])
    d = get_json("/cities.json?population=2000000-3000000")
    assert d["cities"] and all(2000000 <= c["population"] <= 3000000 for c in d["cities"])
    assert "toronto" in [c["slug"] for c in d["cities"]]


def test_cities_csv():
    r = get("/cities.csv?q=toronto")
    assert r.status == 200 and r.header("Content-Type").startswith("text/csv"), r
    rows = list(csv.reader(io.StringIO(r.text)))
    assert rows[0] == ["slug", "name", "country", "region", "population", "synthetic"], rows[0]
    assert rows[1] == ["toronto", "Toronto", "CA", "North America", "2800000", "false"], rows[1]


def test_cities_html_pages():
    r = get("/cities")
    assert r.status == 200 and "text/html" in r.header("Content-Type")
    assert r.text.count("<h1") == 1 and "cities found" in r.text
    assert "Toronto" in get("/cities?q=toronto").text
    r = get("/cities?page=2")
    assert r.status == 200 and "page 2 of" in r.text, r.text[:200]


def test_profile_csv():
    r = get("/cities/toronto.csv")
    rows = list(csv.reader(io.StringIO(r.text)))
    assert rows[0] == ["question", "value"]
    vals = {}
    for q, v in rows[1:]:
        vals.setdefault(q, []).append(v)
    assert vals["dedicated_funding"] == ["yes"] and vals["population"] == ["2800000"]
    assert vals["measures_outcomes"] == [""]
    assert vals["innovation_terms"] == ["human_centered_design"]


def test_survey_json():
    d = get_json("/surveys/2020.json")
    assert d["survey"]["id"] == "2020" and d["survey"]["title"]
    codes = {q["code"]: q for q in d["questions"]}
    assert "dedicated_funding" in codes and codes["dedicated_funding"]["type"] == "bool"
    assert {"code", "label"} <= set(codes["funding_sources"]["options"][0])
    assert codes["population"]["min"] == 1
    d18 = get_json("/surveys/2018.json")
    assert "spotlight" not in {q["code"] for q in d18["questions"]}


def test_survey_template_csv():
    r = get("/surveys/2020/template.csv")
    assert r.status == 200 and r.text.startswith("city,survey,question,value")


def test_errors_are_json_and_never_500():
    error_of(get("/nope.json"), 404)
    error_of(get("/cities/no-such-city.json"), 404)
    error_of(get("/cities/BAD%20SLUG.json"), 404)
    error_of(get("/surveys/1999.json"), 404)
    error_of(get("/cities.json?survey=20x0"), 400)
    error_of(get("/cities.json?population=abc"), 400)
    error_of(get("/cities.json?q=%ZZ"), 400)
    error_of(get("/cities.json?q=%C3%28"), 400)  # invalid UTF-8
    error_of(get("/cities/toronto.json?survey=2016"), 404)
    error_of(get("/cities/toronto.json?peers=region:"), 400)
    r = request("DELETE", "/cities.json")
    error_of(r, 405)
    assert "GET" in (r.header("Allow") or "")
    r = get("/nope")
    assert r.status == 404 and "text/html" in r.header("Content-Type") and "<h1" in r.text
    assert get("/healthz").status == 200  # still serving


def test_hostile_paths():
    for p in ["/cities/%2e%2e/%2e%2e/etc/passwd", "/cities/toronto%00.json", "/" + "a" * 3000,
              "/cities/" + "x" * 65 + ".json", "/cities/toronto.json?" + "&".join("k%d=v" % i for i in range(200)),
              "/cities.json?q=" + "%41" * 5000, "/metrics/../../etc/passwd"]:
        r = get(p)
        assert 400 <= r.status < 500, (p, r.status)
    assert get("/healthz").status == 200


def test_etag_304():
    r = get("/cities/toronto.json")
    tag = r.header("ETag")
    assert tag and r.header("Cache-Control") == "no-cache"
    r2 = get("/cities/toronto.json", headers={"If-None-Match": tag})
    assert r2.status == 304 and r2.body == b""


def test_cli_usage_and_migrate():
    st, out, err = cli("db", "migrate")
    assert "up to date" in out, out
    assert cli("frobnicate", check=False)[0] == 2
    assert cli("city", "add", "BAD SLUG", "--name", "x", "--country", "FR", "--region", "Europe", check=False)[0] == 1


def test_city_add_edit():
    slug = new_city("cli")
    cli("city", "edit", slug, "--population", "123456", "--name", "Renamed")
    d = get_json("/cities.json?q=" + slug)
    assert d["cities"][0]["name"] == "Renamed" and d["cities"][0]["population"] == 123456
    assert cli("city", "add", slug, "--name", "x", "--country", "FR", "--region", "Europe", check=False)[0] == 1
    assert cli("city", "edit", "no-such-city-x", "--name", "y", check=False)[0] == 1


def test_tokens_cli():
    slug = new_city("tok")
    st, out, err = cli("token", "create", "--city", slug)
    tok = out.strip().splitlines()[-1]
    assert tok.startswith("cb_") and len(tok.split("_")[2]) == 64
    st, out, err = cli("token", "list")
    assert tok.split("_")[2] not in out and slug in out
    tid = tok.split("_")[1]
    assert psql("select count(*) from tokens where id = %s and encode(secret_hash, 'hex') = '%s'" %
                (tid, tok.split("_")[2])) == "0"  # only a hash is stored
    cli("token", "revoke", tok)
    assert "revoked" in cli("token", "list")[1]
    assert cli("token", "create", "--city", "no-such-city-y", check=False)[0] == 1


def _write(d, name, text):
    p = os.path.join(d, name)
    with open(p, "w") as f:
        f.write(text)
    return p


def test_import_all_or_nothing():
    slug = new_city("imp")
    before = psql("select count(*) from submissions")
    with tempfile.TemporaryDirectory() as d:
        bad = _write(d, "bad.csv", "city,survey,question,value\n"
                     "%s,2020,dedicated_funding,maybe\n"
                     "%s,2020,innovation_staff_x,3\n"
                     "%s,2020,team1_staff,-4\n"
                     "nowhere,2020,mayor,X\n"
                     "%s,2031,mayor,X\n"
                     "%s,2020,funding_sources,lottery\n" % (slug, slug, slug, slug, slug))
        st, out, err = cli("import", bad, check=False)
        assert st == 1, (st, out, err)
        for needle in ["row 2", "row 3", "row 4", "row 5", "row 6", "row 7", "column value", "column question"]:
            assert needle in err, (needle, err)
        assert psql("select count(*) from submissions") == before
        good = _write(d, "good.csv", "\ufeffcity,survey,question,value\r\n"
                      "%s,2020,dedicated_funding,YES\r\n"
                      "%s,2020,mayor,\"Doe, \"\"Jane\"\"\nthe second\"\r\n"
                      "%s,2020,funding_sources,municipal_budget\r\n"
                      "%s,2020,funding_sources,philanthropy\r\n" % (slug, slug, slug, slug))
        cli("import", good)
    d = get_json("/cities/%s.json" % slug)
    assert d["answers"]["dedicated_funding"] is True
    assert d["answers"]["mayor"] == 'Doe, "Jane"\nthe second'
    assert d["answers"]["funding_sources"] == ["municipal_budget", "philanthropy"]
    assert d["answers"]["explicit_strategy"] is None
    assert "funding_share" in {m["id"] for m in d["metrics"] if m["value"] is not None}


def test_import_json_and_versions():
    slug = new_city("impj")
    with tempfile.TemporaryDirectory() as d:
        p = _write(d, "a.json", json.dumps([{"city": slug, "survey": "2020", "answers": {"dedicated_funding": False}},
                                            {"city": slug, "survey": "2018", "answers": {"explicit_strategy": True}}]))
        cli("import", p)
        p2 = _write(d, "b.json", json.dumps({"city": slug, "survey": "2020", "answers": {"dedicated_funding": True, "mayor": None}}))
        cli("import", p2)
    rows = psql("select survey_id, version from submissions s join cities c on c.id = s.city_id "
                "where c.slug = '%s' order by survey_id, version" % slug).split()
    assert rows == ["2018|1", "2020|1", "2020|2"], rows


def test_import_malformed_json():
    with tempfile.TemporaryDirectory() as d:
        for body in ['{"city": "toronto", "survey": "2020", "answers": {"mayor": "a", "mayor": "b"}}',
                     "[" * 10000 + "]" * 10000, "not json", '{"city": 5}', "[]"]:
            p = _write(d, "x.json", body)
            st, out, err = cli("import", p, check=False)
            assert st == 1, (body[:40], st, err)


def test_gen_deterministic():
    with tempfile.TemporaryDirectory() as d:
        cli("gen", "--cities", 30, "--seed", 7, "--out", d + "/a")
        cli("gen", "--cities", 30, "--seed", 7, "--out", d + "/b")
        for f in ["cities.csv", "answers.csv"]:
            assert open(d + "/a/" + f, "rb").read() == open(d + "/b/" + f, "rb").read()
        assert len(open(d + "/a/cities.csv").read().splitlines()) == 31


def test_web_role_cannot_rewrite_history():
    """The workers' role may append versions but never rewrite or delete an answer, nor change the schema."""
    import subprocess
    web = os.environ["CITYBENCH_DB"].replace("user=postgres", "user=citybench_web")
    for sql in ["update answers set value = 'true' where code = 'mayor'",
                "delete from submissions where id = 1",
                "delete from answers",
                "create table evil (x int)",
                "drop table audit_log"]:
        p = subprocess.run(["/usr/lib/postgresql/15/bin/psql", "-qAtX", web, "-c", sql],
                           capture_output=True, text=True, timeout=30)
        assert p.returncode != 0 and "permission denied" in p.stderr or "must be owner" in p.stderr, (sql, p.stderr)
