"""Honest checks of a plugin (issue 17): every problem of a declaration reported at once with "did you
mean" for near-misses, preview errors named after the file the researcher sent, `print` into a bounded
log returned with previews and printed by `plugin check`/`plugin test` (never to the server's log), and
`plugin test` sorted by wave and slug."""
import os
import tempfile

from cb import cli, error_of, post, researcher_token

BROKEN = '''
return {
  id = "broken_decl", title = "Broken", description = "Two slips at once.",
  unit = "shares", higher_is_beter = true, version = "1.0", inputs = { "dedicated_funding" },
  compute = function(city) return 1 end,
}
'''

PRINTS = '''
return {
  id = "prints_a_lot", title = "Prints", description = "Prints too much.",
  unit = "count", higher_is_better = true, version = "1.0", inputs = { "dedicated_funding" },
  compute = function(city)
    if city.slug == "toronto" then print("toronto", city.survey, city.answers.dedicated_funding) end
    if city.slug == "toronto" then print("values", {}, print, city) end
    for i = 1, 3 do print(string.rep("x", 500)) end
    return 1
  end,
}
'''

FAILS_AFTER_PRINT = '''
print("loading")
return {
  id = "fails_after_print", title = "Fails", description = "Prints, then fails.",
  unit = "count", higher_is_better = true, version = "1.0", inputs = { "dedicated_funding" },
  compute = function(city) print("at " .. city.slug) return nil + 1 end,
}
'''


def tmpfile(text, name):
    d = tempfile.mkdtemp()
    path = os.path.join(d, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def test_every_declaration_problem_at_once_with_did_you_mean():
    st, out, err = cli("plugin", "check", tmpfile(BROKEN, "broken_decl.lua"), check=False)
    assert st == 1, (st, out, err)
    assert "higher_is_beter" in err and "did you mean higher_is_better?" in err, err
    assert "'shares'" in err and "did you mean share?" in err, err
    assert "broken_decl.lua" in err, err
    tok = researcher_token("checks")
    r = post("/api/plugins/preview?filename=my_metric.lua", BROKEN, "text/x-lua", tok)
    e = error_of(r, 422)
    assert e["message"].startswith("my_metric.lua:"), e
    assert "did you mean higher_is_better?" in e["message"] and "did you mean share?" in e["message"], e


def test_preview_names_the_file_sent_and_defaults():
    tok = researcher_token("checks")
    e = error_of(post("/api/plugins/preview", "return {", "text/x-lua", tok), 422)
    assert e["message"].startswith("preview.lua:"), e
    e = error_of(post("/api/plugins/preview?filename=../../etc/My%20File.lua", "return {", "text/x-lua", tok), 422)
    assert e["message"].startswith("My_File.lua:"), e


def test_print_log_is_bounded_and_returned():
    tok = researcher_token("checks")
    r = post("/api/plugins/preview", PRINTS, "text/x-lua", tok)
    assert r.status == 200, r.body[:300]
    log = r.json()["log"]
    assert len(log) == 101, len(log)
    assert log[-1] == "\u2026 truncated", log[-1]
    assert all(len(l) <= 200 for l in log), max(map(len, log))
    assert any(l.startswith("toronto\t20") for l in log), log[:5]
    # print names a table or a function by its type, never by its address
    assert "values\ttable\tfunction\ttable" in log, [l for l in log if l.startswith("values")]
    assert not any("0x" in l for l in log)
    # a failing plugin's log comes with its error
    e = error_of(post("/api/plugins/preview", FAILS_AFTER_PRINT, "text/x-lua", tok), 422)
    assert e["log"][:2] == ["loading", e["log"][1]] and e["log"][1].startswith("at "), e["log"]
    # the CLI prints it, apart from the values
    st, out, err = cli("plugin", "check", tmpfile(PRINTS, "prints_a_lot.lua"))
    assert "log: toronto\t20" in out and "log: \u2026 truncated" in out, out[:500]
    st, out, err = cli("plugin", "test", tmpfile(FAILS_AFTER_PRINT, "f.lua"), check=False)
    assert st == 1 and "# log: loading" in out, (out, err)


def test_plugin_test_sorted_by_wave_and_slug():
    root = os.environ.get("CITYBENCH_ROOT", ".")
    st, out, err = cli("plugin", "test", os.path.join(root, "plugins", "funding_share.lua"))
    rows = [l.split("\t") for l in out.splitlines() if not l.startswith("#")]
    keys = [(r[1], r[0]) for r in rows]
    assert keys == sorted(keys), keys[:10]
    assert {"2018", "2020"} <= {r[1] for r in rows}  # and any wave other tests add


def test_print_never_reaches_the_server_log():
    tok = researcher_token("checks")
    marker = "secret-marker-7f3a9"
    src = PRINTS.replace('"toronto", city.survey', '"%s", city.survey' % marker)
    assert post("/api/plugins/preview", src, "text/x-lua", tok).status == 200
    rt = os.environ.get("CB_RT")
    if rt:
        for dirpath, _, files in os.walk(rt):
            for f in files:
                if f.endswith(".log") or f.endswith("stderr"):
                    try:
                        with open(os.path.join(dirpath, f), errors="replace") as fh:
                            assert marker not in fh.read(), f
                    except (PermissionError, IsADirectoryError):
                        pass
