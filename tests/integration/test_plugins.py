"""Metric plugins end to end: the catalogue and rankings, `plugin check/test`, a reload that picks up a new
plugin without a restart, and every hostile plugin refused or stopped through check, reload and preview
while the server keeps serving and the other metrics keep their values."""
import glob
import json
import os
import shutil
import tempfile
import time

from cb import ROOT, cli, error_of, get, get_json, post, researcher_token, token_for_city, new_city

# Every hostile plugin but string_tamper.lua, which tries to tamper with the string metatable of
# later plugins and must simply have no effect (it loads fine).
HOSTILE = sorted(p for p in glob.glob(os.path.join(ROOT, "tests", "plugins", "hostile", "*.lua"))
                 if not p.endswith("/string_tamper.lua"))
GOOD = '''
return {
  id = "mayor_named", title = "Mayor named", description = "1 when the city named its mayor.",
  unit = "share", higher_is_better = true, version = "0.1", inputs = { "mayor" },
  compute = function(city)
    local v = city.answers.mayor
    if v == nil then return nil end
    return 1
  end,
}
'''


def values_of(metric):
    return {(v["city"]): v["value"] for v in get_json("/metrics/%s.json?survey=2020" % metric)["values"]}


def test_bundled_metrics_computed_for_both_waves():
    ids = {m["id"] for m in get_json("/metrics.json")["metrics"]}
    want = {"funding_share", "explicit_strategy", "innovation_roles", "innovation_staff",
            "innovation_staff_per_100k", "funding_source_diversity", "training_investment",
            "data_sufficiency", "partnership_breadth"}
    assert want <= ids, want - ids
    for m in want:
        for w in ("2018", "2020"):
            if (m, w) in {("training_investment", "2018"), ("data_sufficiency", "2018")}:
                continue  # those questions are not asked in 2018
            d = get_json("/metrics/%s.json?survey=%s" % (m, w))
            assert d["summary"]["n"] > 50, (m, w, d["summary"])


def test_plugin_check_and_test_cli():
    st, out, err = cli("plugin", "check", os.path.join(ROOT, "plugins", "funding_share.lua"))
    assert "funding_share" in out
    st, out, err = cli("plugin", "test", os.path.join(ROOT, "plugins", "funding_share.lua"))
    rows = [l.split("\t") for l in out.strip().splitlines()]
    assert ["toronto", "2020", "1"] in rows, rows[:5]
    assert all(len(r) == 3 for r in rows)


def test_hostile_plugins_via_check():
    assert len(HOSTILE) >= 20
    slow = []
    for path in HOSTILE:
        t0 = time.time()
        st, out, err = cli("plugin", "check", path, check=False)
        took = time.time() - t0
        name = os.path.basename(path)
        assert st == 1, (name, st, out[-300:])
        assert err.strip(), name
        if took > 60:   # stopped by the sandbox's limits (seconds), not left to run; generous for a loaded machine
            slow.append((name, took))
    assert not slow, slow
    assert get("/healthz").status == 200


def test_syntax_error_reports_line():
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write("return {\n  id = 'x',\n  compute = function(city)\n    return 1 +\n  end,\n}\n")
        p = f.name
    st, out, err = cli("plugin", "check", p, check=False)
    os.unlink(p)
    assert st == 1 and ":5:" in err or ":4:" in err, err


def _tree_with(extra):
    """A copy of the tree's plugins/ with more files, to reload from (CITYBENCH_ROOT points at it)."""
    d = tempfile.mkdtemp()
    shutil.copytree(os.path.join(ROOT, "plugins"), os.path.join(d, "plugins"))
    for name, data in extra.items():
        with open(os.path.join(d, "plugins", name), "wb") as f:
            f.write(data if isinstance(data, bytes) else data.encode())
    return d


def test_reload_adds_plugin_and_survives_hostile_ones():
    before = values_of("funding_share")
    extra = {"mayor_named.lua": GOOD}
    for path in HOSTILE:
        extra["zz_" + os.path.basename(path)] = open(path, "rb").read()
    d = _tree_with(extra)
    try:
        t0 = time.time()
        st, out, err = cli("plugins", "reload", check=False, env={"CITYBENCH_ROOT": d})
        took = time.time() - t0
        assert st == 1 and "refused" in err, (st, err)  # anything refused: exit 1
        assert "loaded mayor_named.lua" in out, out[-500:]
        refused = [l for l in out.splitlines() if l.startswith("refused ")]
        assert len(refused) >= len(HOSTILE) - 2, (len(refused), out[-2000:])  # duplicates of bundled ids count too
        # the new metric shows without a restart; the others keep their values
        ids = {m["id"] for m in get_json("/metrics.json")["metrics"]}
        assert "mayor_named" in ids
        assert values_of("funding_share") == before
        assert get_json("/metrics/mayor_named.json?survey=2020")["summary"]["n"] > 50
        assert took < 120, took
    finally:
        cli("plugins", "reload")
        shutil.rmtree(d)
    assert "mayor_named" not in {m["id"] for m in get_json("/metrics.json")["metrics"]}
    assert values_of("funding_share") == before
    assert get("/healthz").status == 200


def test_preview_good_and_errors():
    rt = researcher_token("previewer")
    r = post("/api/plugins/preview", GOOD, "text/x-lua", rt)
    assert r.status == 200, r
    m = r.json()["metrics"][0]
    assert m["id"] == "mayor_named" and m["values"]["2020"]["toronto"] == 1
    assert "mayor_named" not in {x["id"] for x in get_json("/metrics.json")["metrics"]}  # not installed
    error_of(post("/api/plugins/preview", GOOD, "text/x-lua"), 401)
    error_of(post("/api/plugins/preview", GOOD, "application/json", rt), 415)
    slug = new_city("prev")
    error_of(post("/api/plugins/preview", GOOD, "text/plain", token_for_city(slug)), 403)
    error_of(post("/api/plugins/preview", "x" * (300 * 1024), "text/plain", rt), 413)
    e = error_of(post("/api/plugins/preview", "return {\n id = 'x',\n", "text/plain", rt), 422)
    assert e["details"][0]["line"] is not None, e
    fails_on_city = GOOD.replace("return 1\n", "if city.slug == 'toronto' then error('boom') end return 1\n")
    e = error_of(post("/api/plugins/preview", fails_on_city, "text/plain", rt), 422)
    assert e["details"][0]["city"] == "toronto" and e["details"][0]["line"], e


def test_hostile_plugins_via_preview():
    rt = researcher_token("hostile")
    for path in HOSTILE:
        t0 = time.time()
        r = post("/api/plugins/preview", open(path, "rb").read(), "text/x-lua", rt)
        took = time.time() - t0
        name = os.path.basename(path)
        if name == "duplicate_id.lua":
            assert r.status in (200, 422), (name, r)  # a duplicate of an installed id is a reload matter
            continue
        assert r.status in (422, 429), (name, r)
        if r.status == 429:
            time.sleep(2)
        assert took < 60, (name, took)   # stopped by the sandbox's limits; generous for a loaded machine
        assert get("/healthz").status == 200
    assert values_of("funding_share")["toronto"] == 1
