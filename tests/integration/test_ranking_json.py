"""/metrics/{id}.json as written by the streaming writer (cgi/lib/jsonw.c): the same document the jansson model
gave (members in order, integers as integers, reals as reals), numbers exactly the stored ones in their
shortest text, strings escaped as jansson escapes them, and the same numbers as the CSV and HTML twins.
tests/bench/json_same.py compares two servers' answers the same way (before/after a change)."""
import csv
import io
import json
import re
import struct
import urllib.parse

from cb import get, psql
from test_metrics import add_city, eventually

ROOT_KEYS = ["metric", "survey", "waves", "peers", "values", "total", "limit", "offset", "next"]
TAIL_KEYS = ["summary", "histogram"]
ROW_KEYS = ["city", "name", "value", "rank", "percentile", "synthetic", "lat", "lon"]
HL_KEYS = ROW_KEYS[:6] + ["in_cohort", "of", "lat", "lon"]


class Real(float):
    """A number written with '.' or an exponent: jansson reads it back as a real."""


def strict(body):
    """Parses with every object as a list of pairs (order kept) and reals told from integers; NaN,
    Infinity and duplicate-free objects are checked by the caller."""
    def bad(name):
        raise AssertionError("%s in the JSON" % name)
    return json.loads(body, parse_float=Real, parse_constant=bad, object_pairs_hook=list)


def number_tokens(body, key):
    """The texts of the numbers of member `key` (not null), in order."""
    return re.findall(r'"%s":(-?[0-9][0-9.eE+-]*)' % key, body)


def significant(text):
    m = text.lower().split("e")[0].replace("-", "").replace(".", "").lstrip("0").rstrip("0")
    return len(m) or 1


def bits(x):
    return struct.pack("<d", float(x))


def metrics_and_waves():
    d = json.loads(get("/metrics.json").body)
    out = []
    for m in d["metrics"]:
        head = json.loads(get("/metrics/%s.json" % m["id"]).body)
        out += [(m["id"], w) for w in head["waves"]]
    return out


def check_document(path):
    r = get(path)
    assert r.status == 200 and r.header("Content-Type").startswith("application/json"), (path, r)
    body = r.body.decode("utf-8")
    assert body.endswith("}\n") and "\n" not in body[:-1], "one compact line: " + path
    doc = strict(body)
    keys = [k for k, _ in doc]
    want = ROOT_KEYS + (["highlight"] if "city=" in path else []) + TAIL_KEYS
    assert keys == want, (path, keys)
    d = dict(doc)
    for row in d["values"]:
        assert [k for k, _ in row] == ROW_KEYS, (path, row)
        o = dict(row)
        assert type(o["value"]) is Real and type(o["rank"]) is int and type(o["percentile"]) is Real, (path, o)
        assert type(o["synthetic"]) is bool and o["rank"] >= 1, (path, o)
    if "highlight" in d:
        assert [k for k, _ in d["highlight"]] == HL_KEYS, (path, d["highlight"])
        assert dict(d["highlight"])["of"] == len(d["values"]), path
    # every number in the shortest text that reads back exactly, never longer than Python's repr
    for key in ("value", "percentile"):
        for t in number_tokens(body, key):
            assert ("." in t or "e" in t) and "e+" not in t, (path, key, t)
            assert significant(t) <= significant(repr(float(t))), (path, key, t, repr(float(t)))
    return body, d


def test_every_metric_and_wave_against_the_database():
    seen = 0
    for mid, wave in metrics_and_waves():
        body, d = check_document("/metrics/%s.json?survey=%s" % (mid, wave))
        stored = psql("select c.slug || ' ' || mv.value from metric_values mv join cities c on c.id = mv.city_id "
                      "where mv.metric_id = '%s' and mv.survey_id = '%s'" % (mid, wave))
        want = {line.split(" ")[0]: float(line.split(" ")[1]) for line in stored.splitlines() if line}
        got = {dict(o)["city"]: dict(o)["value"] for o in d["values"]}
        assert set(got) == set(want), (mid, wave, len(got), len(want))
        assert all(bits(got[k]) == bits(want[k]) for k in want), (mid, wave)
        assert dict(d["summary"])["n"] == len(want), (mid, wave)
        seen += len(want)
    assert seen > 100, "the sample has values to check: %d" % seen


def test_twins_hold_the_same_numbers():
    """JSON and CSV rows in the same order with the same ranks, names and values, bit for bit; the HTML's
    <data value> of the first rows the same numbers, for several peer groups and highlighted cities."""
    cities = json.loads(get("/cities.json").body)["cities"]
    first = cities[0]
    peers = ["", "region:" + first["region"], "country:" + first["country"], "population:100000-2000000",
             ",".join(c["slug"] for c in cities[:5])]
    checked = 0
    for mid, wave in metrics_and_waves()[:6]:
        for p in peers:
            q = "survey=%s%s&city=%s" % (wave, "&peers=" + urllib.parse.quote(p) if p else "", first["slug"])
            _, d = check_document("/metrics/%s.json?%s" % (mid, q))
            rows = list(csv.reader(io.StringIO(get("/metrics/%s.csv?%s" % (mid, q)).text)))
            assert rows[0] == ["rank", "city", "name", "value"]
            assert len(rows) - 1 == len(d["values"]), (mid, q)
            for o, c in zip((dict(x) for x in d["values"]), rows[1:]):
                assert int(c[0]) == o["rank"] and c[1] == o["city"], (mid, q, o, c)
                assert c[2].lstrip("'") == o["name"] and bits(float(c[3])) == bits(o["value"]), (mid, q, o, c)
            html = get("/metrics/%s?%s" % (mid, q)).text
            cells = re.findall(r'<tr(?: class="selected"[^>]*)?><td class="num">(\d+)</td><th scope="row">'
                               r'<a href="/cities/([a-z0-9-]+)">.*?</th><td class="num"><data value="([^"]+)"', html)
            by_city = {dict(o)["city"]: dict(o) for o in d["values"]}
            for rank, slug, value in cells:
                assert by_city[slug]["rank"] == int(rank), (mid, q, slug)
                assert bits(float(value)) == bits(by_city[slug]["value"]), (mid, q, slug, value)
            checked += len(cells)
    assert checked > 50, checked


def test_strings_escaped_as_jansson_escapes_them():
    # no backslash: test_security counts on no city name holding one (escaped alike: tests/unit/test_jsonw)
    name = 'Q"uote it/slash é 東京 😀 <b>&amp;'
    slug = add_city("jw", name, [("dedicated_funding", "yes")])
    path = "/metrics/funding_share.json?city=%s&peers=%s,toronto" % (slug, slug)
    r = eventually(lambda: (lambda x: x if x.status == 200 else None)(get(path)))
    assert r, "the new city's value arrived"
    body = r.body.decode("utf-8")
    # raw UTF-8, '"' escaped, '/' not: the bytes jansson wrote
    assert '"name":"Q\\"uote it/slash é 東京 😀 <b>&amp;"' in body, body[-600:]
    assert "\\u" not in body.split('"values":')[1].split('"summary"')[0]
    _, d = check_document(path)
    assert [dict(o)["name"] for o in d["values"] if dict(o)["city"] == slug] == [name]
    assert dict(d["highlight"])["name"] == name


def test_questionnaire_follows_survey_load():
    """Workers keep the parsed questionnaire (cgi/pages/city.c) until the data version moves: a `survey load`
    that changes a question's text and an option's label shows at once on the profile and the
    questionnaire, from every worker, and loading the original brings it back."""
    import os
    import tempfile
    from cb import ROOT, cli
    src = os.path.join(ROOT, "sql", "surveys", "2020.json")
    doc = json.load(open(src))
    q = next(x for x in doc["questions"] if x.get("options"))
    tag = "changed %d" % os.getpid()
    changed = json.loads(json.dumps(doc))
    cq = next(x for x in changed["questions"] if x["code"] == q["code"])
    cq["text"] = q["text"] + " (" + tag + ")"
    cq["options"][0]["label"] = cq["options"][0]["label"] + " (" + tag + ")"

    def seen():
        prof = json.loads(get("/cities/toronto.json?survey=2020").body)
        qs = json.loads(get("/surveys/2020.json").body)["questions"]
        a = [x for x in prof.get("questions", []) if x["code"] == q["code"]]
        b = [x for x in qs if x["code"] == q["code"]]
        return a and b and a[0]["text"], b and b[0]["text"], b and b[0]["options"][0]["label"]

    for _ in range(8):	# every worker has parsed the questionnaire by now
        before = seen()
    assert before[0] == q["text"] and before[1] == q["text"], before
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(changed, f)
    try:
        cli("survey", "load", f.name)
        got = eventually(lambda: all(tag in (seen()[i] or "") for i in range(3)) or None)
        assert got, "the new text reached every answer: %r" % (seen(),)
        for _ in range(8):
            s = seen()
            assert tag in s[0] and tag in s[1] and tag in s[2], s
    finally:
        cli("survey", "load", src)
        os.unlink(f.name)
    back = eventually(lambda: all(tag not in (seen()[i] or "") for i in range(3)) or None)
    assert back, "the original came back: %r" % (seen(),)
