"""The operator's CLI: the overall usage, `COMMAND --help`, arity (exit 2, usage on stderr), and
`survey load` refusing bad questionnaires (exit 1, a message naming the file and the problem, nothing
changed)."""
import json
import os
import tempfile

from cb import ROOT, cli, get, get_json

# Every command of the contract's CLI table that exists today, by its words.
COMMANDS = [("db", "migrate"), ("survey", "load"), ("city", "add"), ("city", "edit"), ("token", "create"),
            ("token", "list"), ("token", "revoke"), ("import",), ("gen",), ("submission", "withdraw"),
            ("audit",), ("plugin", "check"), ("plugin", "test"), ("plugins", "reload"),
            ("plugin", "queue"), ("plugin", "approve"), ("plugin", "reject")]

# A database no command can reach: a command that gets that far exits 1, not 0 or 2.
NO_DB = {"CITYBENCH_DB": "host=/nonexistent-cb-socket-dir dbname=none connect_timeout=1"}


def test_overall_usage():
    for args in [("--help",), ("-h",), ("help",)]:
        st, out, err = cli(*args, check=False)
        assert st == 0 and err == "", (args, st, err)
        assert out.startswith("usage: citybench COMMAND"), out
        for words in COMMANDS:
            assert "\n  " + " ".join(words) in out, (words, out)
    st, out, err = cli(check=False)
    assert st == 2 and out == "" and err.startswith("usage: citybench COMMAND"), (st, out, err)
    st, out, err = cli("frobnicate", "--help", check=False)
    assert st == 2 and out == "" and err == "citybench: unknown command 'frobnicate'; see citybench --help\n", \
        (st, out, err)


def test_command_help():
    for words in COMMANDS:
        # --help answers before the database is needed.
        st, out, err = cli(*words, "--help", check=False, env=NO_DB)
        assert st == 0 and err == "", (words, st, err)
        assert out.startswith("usage: citybench " + " ".join(words)), (words, out)
        assert len(out.splitlines()) == 2, (words, out)


def test_word_help_lists_its_commands():
    for word in ["db", "survey", "city", "token", "submission", "plugin", "plugins"]:
        st, out, err = cli(word, "--help", check=False, env=NO_DB)
        assert st == 0 and err == "", (word, st, err)
        assert out.startswith("usage: citybench %s " % word), out
        subs = [w for w in COMMANDS if w[0] == word]
        for w in subs:
            assert "\n  " + " ".join(w) in out, (w, out)
        assert len([line for line in out.splitlines() if line.startswith("  " + word + " ")]) == len(subs), out
    # A word without its command: that word's usage on stderr, exit 2.
    for args in [("token",), ("token", "frob"), ("db",), ("city", "remove", "x")]:
        st, out, err = cli(*args, check=False, env=NO_DB)
        assert st == 2 and out == "", (args, st, out)
        assert err.startswith("usage: citybench %s " % args[0]), (args, err)


def test_wrong_arity_is_a_usage_error():
    cases = [("db", "migrate", "now"), ("survey", "load"), ("city", "add"), ("token", "list", "all"),
             ("token", "revoke"), ("token", "revoke", "1", "2"), ("token", "create", "--city"), ("import",),
             ("gen", "--cities"), ("submission", "withdraw"), ("submission", "withdraw", "1", "2"),
             ("audit", "--city", "a", "b"), ("plugin", "check"), ("plugin", "test", "a.lua", "b.lua"),
             ("plugins", "reload", "now")]
    for args in cases:
        # Arity is checked before connecting: exit 2 even when the database is unreachable.
        st, out, err = cli(*args, check=False, env=NO_DB)
        assert st == 2 and out == "", (args, st, out, err)
        n = 2 if args[0] not in ("import", "gen", "audit") else 1
        assert err.startswith("usage: citybench " + " ".join(args[:n])), (args, err)


def test_bad_options_print_the_commands_usage():
    # Found by the command's own parser, after connecting (as before): exit 2, that command's usage.
    for args in [("city", "add", "x", "--nickname", "y"), ("token", "create", "--city", "a", "--researcher", "b"),
                 ("audit", "--town", "x"), ("gen", "--cities", "5", "--colour", "red")]:
        st, out, err = cli(*args, check=False)
        assert st == 2 and out == "", (args, st, out, err)
        n = 2 if args[0] in ("city", "token") else 1
        assert err.startswith("usage: citybench " + " ".join(args[:n])), (args, err)


def test_every_option_at_once_is_within_the_arity():
    """The longest form of each command that takes options: the arity bound must let it through."""
    slug = "cli-max-%d" % os.getpid()
    cli("city", "add", slug, "--name", "Every option", "--country", "FR", "--region", "Europe",
        "--population", "1234", "--synthetic")
    cli("city", "edit", slug, "--name", "Every option again", "--country", "BE", "--region", "Europe",
        "--population", "4321", "--synthetic")
    d = get_json("/cities.json?q=" + slug)
    assert [(c["name"], c["country"], c["population"], c["synthetic"]) for c in d["cities"]] == \
        [("Every option again", "BE", 4321, True)], d
    tok = cli("token", "create", "--city", slug, "--expires", "2")[1].strip().splitlines()[-1]
    assert tok.startswith("cb_"), tok
    cli("token", "revoke", tok)
    assert cli("audit", "--city", slug)[1].startswith("when\t")
    with tempfile.TemporaryDirectory() as d:
        out = cli("gen", "--cities", "3", "--seed", "5", "--out", d)[1]
        assert "3 cities, seed 5" in out and os.path.getsize(os.path.join(d, "cities.csv")) > 0, out


def test_unreachable_database_is_a_refusal():
    st, out, err = cli("token", "list", check=False, env=NO_DB)
    assert st == 1 and out == "" and err.startswith("citybench: "), (st, out, err)


def _state():
    """What a survey load could change: the questionnaire pages (their ETag carries the data version)."""
    a, b = get("/surveys/2020.json"), get("/surveys/2099.json")
    return a.status, a.header("ETag"), a.body, b.status


def _load(doc, raw=None):
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        f.write(raw if raw is not None else json.dumps(doc))
    try:
        st, out, err = cli("survey", "load", f.name, check=False)
    finally:
        os.unlink(f.name)
    return st, out, err, f.name


def test_survey_load_refuses_bad_files_and_changes_nothing():
    good = json.load(open(os.path.join(ROOT, "sql", "surveys", "2020.json")))
    before = _state()
    assert before[0] == 200 and before[3] == 404, before

    def variant(wave="2020", title="Changed title", questions=None):
        d = json.loads(json.dumps(good))
        d["survey"]["id"], d["survey"]["title"] = wave, title
        if questions is not None:
            d["questions"] = questions
        return d

    q = good["questions"]
    opt = next(x for x in q if x.get("options"))
    cases = [
        # (document or raw text, what the message must say)
        (None, "line 1", "{not json"),
        (None, "duplicate", '{"survey": {"id": "2020", "id": "2099", "title": "x"}, "questions": []}'),
        ({"survey": {"id": "20x0", "title": "x"}, "questions": []}, "expected {\"survey\""),
        ({"survey": {"id": "2099"}, "questions": []}, "expected {\"survey\""),
        ({"survey": {"id": "2099", "title": "x"}, "questions": {}}, "expected {\"survey\""),
        (variant(questions=q + [{"code": "Bad Code", "type": "bool", "text": "x"}]),
         ": question %d\n" % (len(q) + 1)),
        (variant(questions=q[:3] + [{"code": "h3_new", "type": "colour", "text": "x"}] + q[3:]), ": question 4\n"),
        (variant(questions=[{"code": "h3_new", "type": "bool"}] + q), ": question 1\n"),
        (variant(questions=[dict(opt, options=opt["options"] + [{"code": "no_label"}])]),
         "each option needs code ([a-z0-9_]) and label"),
        # Found in the database, after the first questions were written: rolled back.
        (variant(wave="2099", questions=q[:5] + [dict(q[5], type="text" if q[5]["type"] != "text" else "bool")]),
         "question %s is a %s in another wave" % (q[5]["code"], q[5]["type"])),
        (variant(questions=q + [dict(opt, code="h3_dup_options", options=opt["options"] + opt["options"][:1])]),
         "citybench: "),
    ]
    for case in cases:
        doc, want = case[0], case[1]
        raw = case[2] if len(case) > 2 else None
        st, out, err, name = _load(doc, raw)
        assert st == 1, (want, st, out, err)
        assert out == "", (want, out)
        assert err.startswith("citybench: " + name + ": "), (want, err)
        assert want in err, (want, err)
        assert _state() == before, "a refused load changed something: %r" % (want,)


def test_survey_load_stops_at_the_first_bad_file():
    src = os.path.join(ROOT, "sql", "surveys", "2020.json")
    before = _state()
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        f.write("[]")
    try:
        st, out, err = cli("survey", "load", f.name, src, check=False)
    finally:
        os.unlink(f.name)
    assert st == 1 and out == "" and err.startswith("citybench: " + f.name + ": expected"), (st, out, err)
    assert _state() == before
