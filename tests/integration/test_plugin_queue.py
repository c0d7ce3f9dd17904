"""The review queue (issue 17): a researcher submits a plugin with POST /api/plugins; it is previewed,
stored and listed on /plugins as pending with its preview and source; the operator lists, approves
(installing it into plugins/, where it survives reloads, its page crediting its author) or rejects it
with a reason; every step is audited; a second pending submission of the same metric id gets 409; a
hostile or broken plugin is refused with its reason and never stored; the operator's metrics count
refused plugins."""
import os
import shutil
import tempfile

from cb import ROOT, cli, error_of, get, get_json, post, psql, researcher_token, token_for_city

SRC = '''-- %(id)s.lua: a submitted metric
return {
  id = "%(id)s", title = "Strategy, submitted", description = "1 when the city has an explicit strategy.",
  unit = "share", higher_is_better = true, version = "%(version)s", inputs = { "explicit_strategy" },
  compute = function(city)
    local v = city.answers.explicit_strategy
    if city.slug == "toronto" then print("toronto", city.survey, v) end
    if v == nil then return nil end
    return v and 1 or 0
  end,
}
'''


def src(mid, version="1.0"):
    return SRC % {"id": mid, "version": version}


def submit(body, tok, filename=None):
    path = "/api/plugins" + ("?filename=" + filename if filename else "")
    return post(path, body, "text/x-lua", tok)


def listed(sid):
    for p in get_json("/plugins.json")["plugins"]:
        if p["id"] == sid:
            return p
    raise AssertionError("submission %s not on /plugins.json" % sid)


def test_submit_list_approve_installs_and_credits():
    mid = "queued_strategy_%d" % os.getpid()
    tok = researcher_token("Ada Researcher")
    r = submit(src(mid), tok, "my_strategy.lua")
    assert r.status == 201, r.body[:400]
    sid = r.json()["plugin"]["id"]
    assert r.json()["plugin"]["status"] == "pending"
    p = listed(sid)
    assert p["status"] == "pending" and p["reason"] is None and p["metrics"] == [mid], p
    assert p["submitted_by"] == "Ada Researcher" and p["source"] == src(mid), p
    w = p["preview"]["metrics"][0]["waves"]["2020"]
    assert w["n"] > 50 and len(w["top"]) == 3 and 0 <= w["mean"] <= 1, w
    assert any(l.startswith("toronto\t") for l in p["preview"]["log"]), p["preview"]["log"]
    page = get("/plugins")
    assert page.status == 200 and "pending" in page.text and mid in page.text and "Ada Researcher" in page.text
    # the queue never runs it: not a metric until approved
    assert get("/metrics/%s.json" % mid).status == 404
    st, out, err = cli("plugin", "queue")
    assert any(l.startswith("%s\tpending\t" % sid) for l in out.splitlines()), out
    # the same metric id pending twice: the second researcher is told
    tok2 = researcher_token("Bob Researcher")
    e = error_of(submit(src(mid, "1.1"), tok2), 409)
    assert mid in e["message"] and str(sid) in e["message"], e
    # approval installs it into plugins/ (a copy of the tree here), loads it, credits the author
    d = tempfile.mkdtemp()
    shutil.copytree(os.path.join(ROOT, "plugins"), os.path.join(d, "plugins"))
    try:
        st, out, err = cli("plugin", "approve", sid, env={"CITYBENCH_ROOT": d})
        assert "installed as plugins/%s.lua" % mid in out, out
        with open(os.path.join(d, "plugins", mid + ".lua")) as f:
            assert f.read() == src(mid)
        assert listed(sid)["status"] == "approved"
        m = get_json("/metrics/%s.json?survey=2020" % mid)
        assert m["metric"]["author"]["name"] == "Ada Researcher", m["metric"]
        assert "Contributed by Ada Researcher" in get("/metrics/%s" % mid).text
        # it survives a reload of that plugins/
        cli("plugins", "reload", env={"CITYBENCH_ROOT": d})
        assert get("/metrics/%s.json" % mid).status == 200
        # decided once only
        st, out, err = cli("plugin", "approve", sid, check=False, env={"CITYBENCH_ROOT": d})
        assert st == 1 and "approved already" in err, err
        # now the id is free to submit again (an update)
        r = submit(src(mid, "1.1"), tok2)
        assert r.status == 201, r.body[:300]
        sid2 = r.json()["plugin"]["id"]
        st, out, err = cli("plugin", "reject", sid2, "--why", "version 1.1 changes nothing", env={"CITYBENCH_ROOT": d})
        p = listed(sid2)
        assert p["status"] == "rejected" and p["reason"] == "version 1.1 changes nothing", p
        assert "version 1.1 changes nothing" in get("/plugins").text
    finally:
        cli("plugins", "reload", check=False)
        shutil.rmtree(d)
    # every step audited
    rows = psql("select action, status from audit_log where detail::text like '%%\"%s\"%%' "
                "or detail::text like '%%%s%%' order by id" % (sid, mid))
    assert "plugin submit" in rows and "201" in rows, rows
    st, out, err = cli("audit")
    assert "plugin approve" in out and "plugin reject" in out, out[-1500:]


def test_refusals_hostile_and_bad_input():
    tok = researcher_token("Eve Researcher")
    before = get_json("/plugins.json")["plugins"]
    loop = src("looping_%d" % os.getpid()).replace("local v = city.answers.explicit_strategy",
                                                    "while true do end local v = nil")
    e = error_of(submit(loop, tok), 422)
    assert "budget" in e["message"] or "stopped" in e["message"], e
    e = error_of(submit("return {", tok, "broken.lua"), 422)
    assert e["message"].startswith("broken.lua:"), e
    error_of(post("/api/plugins", src("x_no_token"), "text/x-lua"), 401)
    error_of(post("/api/plugins", src("x_partner"), "text/x-lua", token_for_city("toronto")), 403)
    error_of(post("/api/plugins", src("x_type"), "application/json", tok), 415)
    error_of(post("/api/plugins", "", "text/x-lua", tok), 400)
    r = post("/api/plugins", "-- " + "x" * (257 * 1024) + "\n", "text/x-lua", tok)
    assert r.status == 413, r.status
    assert get_json("/plugins.json")["plugins"] == before  # nothing stored
    st, out, err = cli("plugin", "reject", "999999999", "--why", "x", check=False)
    assert st == 1, (st, err)
    st, out, err = cli("plugin", "reject", "1", check=False)
    assert st == 2, (st, err)


def test_ops_metrics_count_refused_plugins():
    from test_ops_door import _fcgi, _key
    st, _, body = _fcgi({"PATH_INFO": "/ops/metrics", "CITYBENCH_OPS": _key()})
    text = body.decode()
    assert st == 200 and "citybench_plugins_refused " in text, text[-800:]
    assert 'citybench_plugin_submissions{status="rejected"}' in text, text[-800:]
    refused = psql("select count(*) from plugin_refusals").strip()
    assert "citybench_plugins_refused %s\n" % refused in text, (refused, text[-800:])
