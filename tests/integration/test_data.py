"""/data and its files: the page's links, licence and sources; cities, answers and metric values as CSV, read
back exactly, agreeing with the pages, and the answers file importing back without a change."""
import csv
import io
import os
import tempfile
import time

from cb import cli, error_of, get, get_json, post, psql, token_for_city

_n = [0]


def add_city(prefix, name, answers=(), country="FR", region="Europe", population=500000, wave="2020"):
    _n[0] += 1
    slug = "%s-%d-%d" % (prefix, os.getpid(), _n[0])
    cli("city", "add", slug, "--name", name, "--country", country, "--region", region,
        "--population", population, "--synthetic")
    if answers:
        import_rows([(slug, wave, q, v) for q, v in answers])
    return slug


def import_rows(rows):
    with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False, newline="") as f:
        w = csv.writer(f)
        w.writerow(["city", "survey", "question", "value"])
        w.writerows(rows)
    try:
        return cli("import", f.name)
    finally:
        os.unlink(f.name)


def eventually(fn, timeout=30.0):   # a generous bound: a loaded machine is slow
    end = time.time() + timeout
    while True:
        v = fn()
        if v or time.time() > end:
            return v
        time.sleep(0.1)


def csv_of(path):
    r = get(path)
    assert r.status == 200, (path, r)
    assert r.header("Content-Type") == "text/csv; charset=utf-8", r.header("Content-Type")
    name = path.rsplit("/", 1)[1].split("?")[0]
    assert r.header("Content-Disposition") == 'attachment; filename="%s"' % name, r.header("Content-Disposition")
    assert r.body.endswith(b"\r\n") and b"\r\n" in r.body
    return list(csv.reader(io.StringIO(r.text, newline="")))


def test_page():
    r = get("/data")
    assert r.status == 200 and r.header("Content-Type").startswith("text/html")
    h = r.text
    assert h.count("<h1") == 1
    for href in ("/data/cities.csv", "/data/answers-2018.csv", "/data/answers-2020.csv", "/data/metrics-2018.csv",
                 "/data/metrics-2020.csv", "/surveys/2018", "/surveys/2020", "/surveys/2020/template.csv"):
        assert 'href="%s"' % href in h, href
    for words in ("CC BY 4.0", "MIT", "OECD", "Bloomberg Philanthropies", "synthetic", "Toronto", "2018", "2020"):
        assert words in h, words
    # every link on it answers
    for href in ("/data/cities.csv", "/data/answers-2018.csv", "/data/metrics-2020.csv"):
        assert get(href).status == 200, href


def test_unknown_files():
    for path in ("/data/answers-2019.csv", "/data/metrics-2019.csv", "/data/nope.csv", "/data/answers-20x0.csv",
                 "/data/answers-.csv", "/data/answers-2020-x.csv", "/data/cities-2020.csv"):
        error_of(get(path), 404)
    assert get("/data/cities.json").status == 404
    assert get("/data/cities").status == 404


def test_cities_file():
    rows = csv_of("/data/cities.csv")
    assert rows[0] == ["slug", "name", "country", "region", "population", "synthetic"]
    assert ["toronto", "Toronto", "CA", "North America", "2800000", "false"] in rows
    slugs = [x[0] for x in rows[1:]]
    assert slugs == sorted(slugs) and len(slugs) == len(set(slugs)) >= 100
    assert all(x[5] in ("true", "false") for x in rows[1:])
    assert sum(1 for x in rows[1:] if x[5] == "false") >= 1
    n = int(psql("select count(*) from cities"))
    assert len(rows) - 1 == n


def test_formula_name_in_cities_file():
    slug = add_city("dfx", "@SUM(A1)")
    rows = eventually(lambda: (lambda rs: rs if any(x[0] == slug for x in rs) else None)(csv_of("/data/cities.csv")))
    assert [x[1] for x in rows if x[0] == slug] == ["'@SUM(A1)"]


def answers_of(rows, slug, wave):
    """The answer set a city's rows in the upload form describe (multi: a list per question)."""
    out = {}
    for c, w, q, v in rows[1:]:
        if c == slug and w == wave:
            out.setdefault(q, []).append(v)
    return out


def test_answers_file_holds_toronto():
    for wave in ("2018", "2020"):
        rows = csv_of("/data/answers-%s.csv" % wave)
        assert rows[0] == ["city", "survey", "question", "value"]
        assert all(len(x) == 4 and x[1] == wave for x in rows[1:])
        got = answers_of(rows, "toronto", wave)
        prof = get_json("/cities/toronto.json?survey=%s" % wave)
        assert set(got) == set(prof["answers"]), set(got) ^ set(prof["answers"])
        for code, v in prof["answers"].items():
            cells = got[code]
            if v is None or v == []:
                assert cells == [""], (code, cells)
            elif isinstance(v, list):
                assert cells == v, (code, cells, v)  # one row per option, in order
            elif isinstance(v, bool):
                assert cells == ["yes" if v else "no"], (code, cells)
            elif isinstance(v, (int, float)):
                assert len(cells) == 1 and float(cells[0]) == v, (code, cells, v)
            else:
                assert cells == [v], (code, cells, v)
    rows = csv_of("/data/answers-2020.csv")
    assert ["toronto", "2020", "mayor", "John Tory"] in rows
    assert ["toronto", "2020", "dedicated_funding", "yes"] in rows
    assert ["toronto", "2020", "funding_sources", "municipal_budget"] in rows
    assert ["toronto", "2020", "measures_outcomes", ""] in rows  # asked, not answered
    cities = {x[0] for x in rows[1:]}
    assert len(cities) == int(psql("select count(*) from current_submissions where survey_id = '2020'"))


def test_answers_file_validates_as_an_upload():
    """Toronto's rows of the file, sent as a dry run by its partner: accepted, nothing would change."""
    rows = csv_of("/data/answers-2020.csv")
    mine = [x for x in rows[1:] if x[0] == "toronto"]
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows([rows[0]] + mine)
    r = post("/api/submissions?dry_run=1", buf.getvalue(), "text/csv", token_for_city("toronto"))
    assert r.status == 200, r
    subs = r.json()["submissions"]
    assert len(subs) == 1 and subs[0]["changed"] == 0, subs


def test_answers_file_reimports_without_change():
    text = "A note, with a comma and \"quotes\"\nand a second line"
    slug = add_city("dre", "Reimport city", [
        ("dedicated_funding", "no"), ("funding_sources", "philanthropy"), ("funding_sources", "municipal_budget"),
        ("team1_staff", "12"), ("policy_area_notes", text), ("mayor", ""), ("approach", "both")])
    rows = eventually(lambda: (lambda rs: rs if any(x[0] == slug for x in rs) else None)(
        csv_of("/data/answers-2020.csv")))
    mine = [x for x in rows[1:] if x[0] == slug]
    got = answers_of(rows, slug, "2020")
    assert got["funding_sources"] == ["philanthropy", "municipal_budget"]
    assert got["policy_area_notes"] == [text] and got["mayor"] == [""] and got["team1_staff"] == ["12"]
    before = psql("select max(version) from submissions s join cities c on c.id = s.city_id where c.slug = '%s'"
                  % slug)
    import_rows(mine)
    # the file's answers are the city's: no answer changes, so (as for an upload) no new version
    out = psql("select max(version) from submissions s join cities c on c.id = s.city_id where c.slug = '%s'"
               % slug)
    assert out == before, (before, out)
    assert get_json("/cities/%s.json" % slug)["answers"]["policy_area_notes"] == text


def test_metrics_file_matches_metric_pages():
    cat = get_json("/metrics.json")["metrics"]
    version = {m["id"]: m["version"] for m in cat}
    for wave in ("2018", "2020"):
        rows = csv_of("/data/metrics-%s.csv" % wave)
        assert rows[0] == ["metric", "city", "value", "plugin_version"]
        by = {}
        for m, c, v, pv in rows[1:]:
            by.setdefault(m, {})[c] = float(v)
            assert pv == version[m], (m, pv)
        ids = [m for m in version if m in by]
        assert [x[0] for x in rows[1:]] == sorted((x[0] for x in rows[1:]), key=ids.index)  # catalogue order
        for mid in version:
            page = get_json("/metrics/%s.json?survey=%s" % (mid, wave))
            assert by.get(mid, {}) == {r["city"]: r["value"] for r in page["values"]}, (mid, wave)
