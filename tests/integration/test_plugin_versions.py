"""A plugin's versions: an update that is refused (syntax error, runtime error, bad declaration) leaves
the last good version serving (JSON, HTML, SVG, CSV) with a notice on the metric's page, and `plugins
reload` exits 1 naming what it refused and what it kept; every installed version is recorded with its
source, and a retired version's values are kept."""
import os
import shutil
import tempfile

from cb import ROOT, cli, get, get_json, psql

FILE = "zz_versioned.lua"
ID = "pv_versioned_%d" % os.getpid()   # versions are kept for ever: one metric per run


def plugin(version, body="return 1", extra="", id=None):
    return '''
return {
  id = "%s", title = "Versioned", description = "A plugin the tests update.",
  unit = "share", higher_is_better = true, version = "%s", inputs = { "mayor" },%s
  compute = function(city)
    if city.answers.mayor == nil then return nil end
    %s
  end,
}
''' % (id or ID, version, extra, body)


BROKEN = {
    "syntax": (plugin("1.2", "return 1 +"), ":8:"),
    "runtime": (plugin("1.2", "if city.slug == 'toronto' then error('boom') end return 1"), "boom"),
    "declaration": (plugin("1.2").replace("higher_is_better", "higher_is_beter"), "higher_is_beter"),
}


def _tree(source):
    d = tempfile.mkdtemp()
    shutil.copytree(os.path.join(ROOT, "plugins"), os.path.join(d, "plugins"))
    with open(os.path.join(d, "plugins", FILE), "w") as f:
        f.write(source)
    return d


def _reload(source):
    d = _tree(source)
    try:
        return cli("plugins", "reload", check=False, env={"CITYBENCH_ROOT": d})
    finally:
        shutil.rmtree(d)


def _values():
    return {v["city"]: v["value"] for v in get_json("/metrics/%s.json?survey=2020" % ID)["values"]}


def test_refused_update_keeps_the_last_good_version():
    try:
        st, out, err = _reload(plugin("1.1"))
        assert st == 0, (st, out[-800:], err)
        assert "loaded %s: %s (version 1.1)" % (FILE, ID) in out, out[-800:]
        good = _values()
        assert len(good) > 50 and set(good.values()) == {1}, good
        assert "update_refused" not in get_json("/metrics/%s.json" % ID)["metric"]

        for kind, (source, why) in BROKEN.items():
            st, out, err = _reload(source)
            assert st == 1, (kind, st, out[-800:])
            assert "refused" in err, (kind, err)
            refused = [l for l in out.splitlines() if l.startswith("refused %s" % FILE)]
            assert refused and why in refused[0], (kind, out[-800:])
            assert "kept %s: %s (version 1.1) still serving" % (FILE, ID) in out, (kind, out[-800:])
            assert out.rstrip().endswith("reloaded: 1 refused"), (kind, out[-300:])

            d = get_json("/metrics/%s.json?survey=2020" % ID)
            assert d["metric"]["version"] == "1.1", (kind, d["metric"])
            assert "return 1 +" not in d["metric"]["source"]
            r = d["metric"]["update_refused"]
            assert r["file"] == FILE and why in r["message"], (kind, r)
            if kind == "syntax":
                assert r["line"] == 8, r
            assert _values() == good, kind
            assert ID in {m["id"] for m in get_json("/metrics.json")["metrics"]}

            h = get("/metrics/%s?survey=2020" % ID)
            assert h.status == 200, (kind, h.status)
            page = h.text
            assert 'id="update-refused"' in page and "plugin was refused" in page, kind
            assert FILE in page and "version 1.1" in page, kind
            fr = get("/metrics/%s?survey=2020&lang=fr" % ID).text
            assert "a été refusée" in fr and "plugin was refused" not in fr, kind
            assert "Le dernier rechargement des modules a refusé" in fr and "The last reload" not in fr, kind
            for path in ("/metrics/%s.svg?survey=2020" % ID, "/metrics/%s.csv?survey=2020" % ID):
                assert get(path).status == 200, (kind, path)

        # A good 1.2 loads: the notice goes, 1.1 is retired with its values kept.
        st, out, err = _reload(plugin("1.2", "if city.slug == 'toronto' then return 2 end return 1"))
        assert st == 0, (st, out[-800:])
        d = get_json("/metrics/%s.json?survey=2020" % ID)
        assert d["metric"]["version"] == "1.2" and "update_refused" not in d["metric"], d["metric"]
        assert _values()["toronto"] == 2
        rows = psql("select version, retired_at is null, position('return 2' in source) > 0 from metric_versions "
                    "where metric_id = '%s' order by installed_at" % ID).split("\n")
        assert rows == ["1.1|f|f", "1.2|t|t"], rows
        kept = psql("select count(*), max(value) from metric_version_values where metric_id = '%s' "
                    "and version = '1.1' and survey_id = '2020'" % ID)
        assert kept == "%d|1" % len(good), kept
        assert psql("select count(*) from metric_values where metric_id = '%s' and plugin_version <> '1.2'"
                    % ID) == "0"

        # the versions, as JSON, CSV and HTML
        vs = get_json("/metrics/%s/versions.json" % ID)
        assert vs["metric"] == ID and [v["version"] for v in vs["versions"]] == ["1.1", "1.2"], vs
        v11, v12 = vs["versions"]
        assert v11["current"] is False and v11["retired_at"] and "return 1 +" not in v11["source"], v11
        assert v12["current"] is True and v12["retired_at"] is None and "return 2" in v12["source"], v12
        assert set(v11) == {"version", "installed_at", "retired_at", "source", "current"}
        c = get("/metrics/%s/versions.csv" % ID)
        assert c.status == 200 and c.text.startswith("version,installed_at,retired_at,current,source\r\n1.1,"), c.text[:200]
        h = get("/metrics/%s/versions" % ID)
        assert h.status == 200 and "?version=1.1" in h.text and "/versions/1.2/diff?from=1.1" in h.text
        fr = get("/metrics/%s/versions?lang=fr" % ID).text
        for said in ("Versions de", "Version 1.2 (en service)", "Installée le", "Ses valeurs</a>",
                     "ce qu'elle a changé depuis la version 1.1</a>", "lang=fr"):
            assert said in fr, said
        for english in ("Its values", "Installed ", "(serving)", "what it changed"):
            assert english not in fr, english

        # a retired version's values keep answering
        old = get_json("/metrics/%s.json?survey=2020&version=1.1" % ID)
        assert old["metric"]["version"] == "1.1" and old["metric"]["current"] is False, old["metric"]
        assert {v["city"]: v["value"] for v in old["values"]} == good
        assert get_json("/metrics/%s.json?survey=2020&version=1.2" % ID)["metric"]["version"] == "1.2"
        h = get("/metrics/%s?survey=2020&version=1.1" % ID)
        assert h.status == 200 and 'id="retired-version"' in h.text
        fr = get("/metrics/%s?survey=2020&version=1.1&lang=fr" % ID).text
        assert "Voici les valeurs que la version 1.1 du module" in fr and "These are the values" not in fr
        assert get("/metrics/%s.svg?survey=2020&version=1.1" % ID).status == 200
        assert get("/metrics/%s.csv?survey=2020&version=1.1&peers=region:Europe" % ID).status == 200
        for bad in ("9.9", "1.1%27", "x" * 80):
            assert get("/metrics/%s.json?version=%s" % (ID, bad)).status == 404, bad
        assert get("/metrics/%s.json?version=%%00" % ID).status in (400, 404)

        # what 1.2 changed: toronto's value (1 -> 2) and the ranks
        d = get_json("/metrics/%s/versions/1.2/diff.json?from=1.1&survey=2020" % ID)
        tor = [c for c in d["changes"] if c["city"] == "toronto"]
        assert tor and tor[0]["value_from"] == 1 and tor[0]["value_to"] == 2 and tor[0]["rank_to"] == 1, tor
        assert all(c["survey"] == "2020" for c in d["changes"])
        assert get_json("/metrics/%s/versions/1.1/diff.json?from=1.1" % ID)["changes"] == []
        c = get("/metrics/%s/versions/1.2/diff.csv?from=1.1" % ID)
        assert c.status == 200 and "\r\ntoronto," in c.text, c.text[:300]
        h = get("/metrics/%s/versions/1.2/diff?from=1.1" % ID)
        assert h.status == 200 and "Toronto" in h.text
        fr = get("/metrics/%s/versions/1.2/diff?from=1.1&lang=fr" % ID).text
        for said in ("Version 1.2 de", "par rapport à la version 1.1", "Villes dont la valeur ou le rang a changé",
                     "Valeur avant", "Rang après"):
            assert said in fr, said
        assert "Value before" not in fr and "against version" not in fr
        none = get("/metrics/%s/versions/1.1/diff?from=1.1&lang=fr" % ID).text
        assert "Aucune ville" in none and "No city" not in none
        assert get("/metrics/%s/versions/1.2/diff.json" % ID).status == 400
        assert get("/metrics/%s/versions/1.2/diff.json?from=7" % ID).status == 400
        assert get("/metrics/%s/versions/7/diff.json?from=1.1" % ID).status == 404
        assert get("/metrics/nope_metric/versions.json").status == 404
    finally:
        st, out, err = cli("plugins", "reload", check=False)
    # the file gone: its metric leaves the catalogue, its refusal is forgotten; the bundled ones load
    assert st == 0, (st, out[-800:], err)
    assert get("/metrics/%s.json" % ID).status == 404
    assert get("/metrics/%s/versions.json" % ID).status == 404
    assert psql("select count(*) from plugin_refusals where plugin = '%s'" % FILE) == "0"


def test_refused_new_plugin_is_not_served():
    st, out, err = _reload(plugin("1.0", "return 1 +"))
    assert st == 1 and "refused %s" % FILE in out, (st, out[-500:])
    assert "kept " not in out
    assert get("/metrics/%s.json" % ID).status == 404
    st, out, err = cli("plugins", "reload", check=False)
    assert st == 0, out[-500:]


UNDECLARED = plugin("1.0", "local x = city.answers.population_total\n    return 1", id="pv_undeclared")


def test_reading_an_undeclared_input_is_an_error_naming_it():
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(UNDECLARED)
    try:
        for cmd in ("check", "test"):
            st, out, err = cli("plugin", cmd, f.name, check=False)
            assert st == 1, (cmd, st, out[-300:])
            assert "population_total" in err and "inputs" in err and ":7:" in err, (cmd, err)
    finally:
        os.unlink(f.name)
    from cb import error_of, post, researcher_token
    e = error_of(post("/api/plugins/preview", UNDECLARED, "text/x-lua", researcher_token("undeclared")), 422)
    assert "population_total" in e["message"] and e["details"][0]["line"] == 7, e
    # a declared input without an answer is still nil, not an error
    ok = plugin("1.0", "if city.answers.mayor == nil then return nil end return 1", id="pv_undeclared")
    st, out, err = _reload(ok)
    try:
        assert st == 0, (st, out[-500:], err)
    finally:
        cli("plugins", "reload", check=False)
