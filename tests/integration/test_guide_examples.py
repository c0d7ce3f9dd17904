"""The plugin guide's examples run as written on the sample data (issue 17): every Lua plugin shown in
docs/plugins.md and on /guide passes `plugin check`, and every `$ bin/citybench plugin check|test` shown
prints what the guide says it prints; the error example is the one the CLI gives for the typo it names."""
import html
import os
import re
import tempfile

from cb import ROOT, cli, get

CMD = re.compile(r"^\$ bin/citybench plugin (check|test) (\S+?)( \| head -(\d+))?$")


def blocks_md():
    with open(os.path.join(ROOT, "docs", "plugins.md")) as f:
        text = f.read()
    return [m.group(1) for m in re.finditer(r"```[a-z]*\n(.*?)```", text, re.S)]


def blocks_guide():
    r = get("/guide")
    assert r.status == 200
    return [html.unescape(m.group(1)) + "\n"
            for m in re.finditer(r"<pre><code>(.*?)</code></pre>", r.text, re.S)]


def plugins_in(blocks):
    """{file name: source} of the Lua plugins shown (a block opening with '-- NAME.lua:')."""
    out = {}
    for b in blocks:
        m = re.match(r"-- (\w+\.lua):", b)
        if m and "compute = function" in b and "io.open" not in b:
            out[m.group(1)] = b
    return out


def run_examples(blocks):
    d = tempfile.mkdtemp()
    plugins = plugins_in(blocks)
    assert {"outcome_measurement.lua", "debug_outcomes.lua"} <= set(plugins), sorted(plugins)
    for name, src in plugins.items():
        with open(os.path.join(d, name), "w") as f:
            f.write(src)
        st, out, err = cli("plugin", "check", os.path.join(d, name), check=False)
        assert st == 0, (name, err)
    shown = 0
    for b in blocks:
        lines = b.rstrip("\n").split("\n")
        i = 0
        while i < len(lines):
            m = CMD.match(lines[i])
            if not m:
                i += 1
                continue
            j = i + 1
            while j < len(lines) and not lines[j].startswith("$ "):
                j += 1
            want = lines[i + 1:j]
            name = os.path.basename(m.group(2))
            st, out, err = cli("plugin", m.group(1), os.path.join(d, name))
            got = out.rstrip("\n").split("\n")
            if m.group(4):
                got = got[:int(m.group(4))]
            # other tests add cities to the shared stack: the counts are the sample data's only there
            counts = re.compile(r"\d+ values over \d+ city-waves")
            assert [counts.sub("N values over M city-waves", l) for l in got] == \
                [counts.sub("N values over M city-waves", l) for l in want], (lines[i], want, got)
            shown += 1
            i = j
    assert shown >= 3, shown
    # The error example: the worked example with the typo the guide names.
    err_line = [l for b in blocks for l in b.split("\n") if l.startswith("citybench: outcome_measurement.lua:")]
    assert len(err_line) == 1, err_line
    src = plugins["outcome_measurement.lua"].replace("city.answers.measures_outcomes", "city.answers.measures_outcome")
    path = os.path.join(d, "typo", "outcome_measurement.lua")
    os.makedirs(os.path.dirname(path))
    with open(path, "w") as f:
        f.write(src)
    st, out, err = cli("plugin", "check", path, check=False)
    assert st == 1 and err.strip() == err_line[0], (err, err_line)


def test_docs_examples_run_as_written():
    run_examples(blocks_md())


def test_guide_page_examples_run_as_written():
    run_examples(blocks_guide())
