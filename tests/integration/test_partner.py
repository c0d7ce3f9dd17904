"""Partner cities (issue 13): their own answers in the upload form and back unchanged, clearing only
with intent (409), files as people have them, the /upload page's messages, and `url` answers."""
import csv
import io
import json
import os
import re
import tempfile
import threading
import uuid

from cb import ROOT, cli, error_of, get, get_json, new_city, post, psql, token_for_city

API = "/api/submissions"
HEADER = ["city", "survey", "question", "value", "label", "help"]


def versions(slug, wave="2020"):
    out = psql("select version from submissions s join cities c on c.id = s.city_id "
               "where c.slug = '%s' and s.survey_id = '%s' order by version" % (slug, wave))
    return [int(v) for v in out.split()] if out else []


def rows_of(text):
    return list(csv.reader(io.StringIO(text)))


def form(parts):
    b = "----cbtest" + uuid.uuid4().hex
    out = b""
    for name, value, filename in parts:
        out += ("--%s\r\nContent-Disposition: form-data; name=\"%s\"%s\r\n\r\n" %
                (b, name, '; filename="%s"' % filename if filename else "")).encode() + value + b"\r\n"
    return out + ("--%s--\r\n" % b).encode(), "multipart/form-data; boundary=" + b


ANSWERS = {"dedicated_funding": True, "explicit_strategy": False, "approach": "both",
           "funding_sources": ["municipal_budget", "philanthropy"], "team1_staff": 12, "mayor": "Ana Li",
           "spotlight": "=1+1, \"quoted\"\nsecond line", "team1_name": "'-dash", "population": 250000,
           "policy_areas": []}


def seeded(prefix):
    slug = new_city(prefix)
    tok = token_for_city(slug)
    r = post(API, json.dumps({"city": slug, "survey": "2020", "answers": ANSWERS}), "application/json", tok)
    assert r.status == 201, r
    return slug, tok


def test_answers_csv_round_trip_changes_nothing():
    slug, tok = seeded("rt")
    r = get("/cities/%s/answers.csv?survey=2020" % slug)
    assert r.status == 200 and r.header("Content-Type").startswith("text/csv"), r
    rows = rows_of(r.text)
    assert rows[0] == HEADER, rows[0]
    assert all(x[0] == slug and x[1] == "2020" for x in rows[1:])
    by = {}
    for x in rows[1:]:
        by.setdefault(x[2], []).append(x[3])
    assert by["funding_sources"] == ["municipal_budget", "philanthropy"], by
    assert by["dedicated_funding"] == ["yes"] and by["team1_staff"] == ["12"] and by["mayor"] == ["Ana Li"]
    assert by["spotlight"] == ["'=1+1, \"quoted\"\nsecond line"], by["spotlight"]  # a formula stays text
    assert by["team1_name"] == ["''-dash"], by["team1_name"]
    assert by["team1_location"] == [""], "an unanswered question is a row with an empty value"
    assert "policy_areas" not in by, "none of the options has no CSV form: left out, so it is kept"
    labels = {x[2]: x[4] for x in rows[1:]}
    assert labels["dedicated_funding"] and all(x[5] for x in rows[1:])
    q2020 = {q["code"] for q in get_json("/surveys/2020.json")["questions"]}
    assert set(by) == q2020 - {"policy_areas"}
    # uploaded unchanged: 200, the current version, changed 0, and no new version
    r = post(API, r.body, "text/csv", tok)
    assert r.status == 200, r
    s = r.json()["submissions"][0]
    assert s["changed"] == 0 and s["version"] == 1 and s["id"] > 0, s
    assert versions(slug) == [1]
    prof = get_json("/cities/%s.json?survey=2020" % slug)["answers"]
    for k, v in ANSWERS.items():
        assert prof[k] == v, (k, prof[k], v)
    # edit one row in a spreadsheet: only that answer changes
    text = get("/cities/%s/answers.csv" % slug).text.replace(",mayor,Ana Li,", ",mayor,Bo Chen,")
    r = post(API, text, "text/csv", tok)
    assert r.status == 201 and r.json()["submissions"][0]["changed"] == 1, r
    assert versions(slug) == [1, 2]
    sub = get_json("/submissions/%d.json" % r.json()["submissions"][0]["id"])
    assert sub["changed"] == ["mayor"], sub["changed"]
    assert get_json("/cities/%s.json" % slug)["answers"]["mayor"] == "Bo Chen"


def test_answers_json_round_trip_and_defaults():
    slug, tok = seeded("rtj")
    post(API, json.dumps({"city": slug, "survey": "2018", "answers": {"explicit_strategy": True}}),
         "application/json", tok)
    d = get_json("/cities/%s/answers.json" % slug)
    assert d["city"] == slug and d["survey"] == "2020", "the latest wave the city answered"
    assert d["answers"]["policy_areas"] == [] and d["answers"]["team1_location"] is None
    r = post(API, json.dumps(d), "application/json", tok)
    assert r.status == 200 and r.json()["submissions"][0]["changed"] == 0, r
    d18 = get_json("/cities/%s/answers.json?survey=2018" % slug)
    assert d18["survey"] == "2018" and d18["answers"]["explicit_strategy"] is True
    assert post(API, json.dumps(d18), "application/json", tok).status == 200
    assert versions(slug) == [1] and versions(slug, "2018") == [1]
    # a city that never answered: the empty form of the latest wave, its city filled in
    fresh = new_city("rtf")
    e = get_json("/cities/%s/answers.json" % fresh)
    assert e["survey"] == "2020" and all(v is None for v in e["answers"].values())
    rows = rows_of(get("/cities/%s/answers.csv" % fresh).text)
    assert all(x[0] == fresh and x[3] == "" for x in rows[1:])
    error_of(get("/cities/no-such-city-x/answers.json"), 404)
    error_of(get("/cities/no-such-city-x/answers.csv"), 404)
    error_of(get("/cities/%s/answers.json?survey=20x0" % slug), 400)
    error_of(get("/cities/%s/answers.json?survey=1899" % slug), 404)
    assert get("/cities/%s/answers.svg" % slug).status == 404


def test_headers_any_case_and_extra_columns():
    slug = new_city("hdr")
    tok = token_for_city(slug)
    body = "\ufeff City ,SURVEY,Question,VALUE,Label,help\n%s,2020,dedicated_funding,yes,Funding?,yes or no\n" % slug
    r = post(API, body, "text/csv", tok)
    assert r.status == 201, r
    e = error_of(post(API, "city,survey,question,value,notes\n%s,2020,mayor,x,y\n" % slug, "text/csv", tok), 400)
    assert "notes" in e["message"] + json.dumps(e["details"])


def test_template_with_city():
    slug = new_city("tpl")
    tok = token_for_city(slug)
    r = get("/surveys/2020/template.csv?city=" + slug)
    assert r.status == 200, r
    rows = rows_of(r.text)
    assert rows[0] == HEADER and all(x[0] == slug and x[3] == "" for x in rows[1:])
    error_of(get("/surveys/2020/template.csv?city=no-such-city-x"), 404)
    error_of(get("/surveys/2020/template.csv?city=../etc"), 404)
    # the plain template leaves the city empty: the 403 says so, in a sentence
    plain = get("/surveys/2020/template.csv")
    assert all(x[0] == "" for x in rows_of(plain.text)[1:])
    e = error_of(post(API, plain.body, "text/csv", tok), 403)
    assert "city column is empty" in e["message"] and "not ." not in e["message"] and \
        not e["message"].endswith("not "), e
    assert slug in e["message"]
    # a first upload from the filled-in template: every question asked, nothing answered
    r = post(API, r.body, "text/csv", tok)
    assert r.status == 201, r
    a = get_json("/cities/%s.json" % slug)["answers"]
    assert a and all(v is None for v in a.values())


def test_empty_template_cannot_wipe_a_city():
    slug, tok = seeded("wipe")
    before = get_json("/cities/%s.json" % slug)["answers"]
    answered = [k for k, v in before.items() if v is not None]
    tpl = get("/surveys/2020/template.csv?city=" + slug).body
    e = error_of(post(API, tpl, "text/csv", tok), 409)
    qs = [d["question"] for d in e["details"]]
    assert sorted(qs) == sorted(answered), (qs, answered)
    for d in e["details"]:
        assert d["column"] == "value" and isinstance(d["row"], int) and d["row"] >= 2, d
        assert d["question"] in d["message"] and "would clear" in d["message"] and d["message"].endswith("."), d
    assert "clear=1" in e["message"]
    assert versions(slug) == [1] and get_json("/cities/%s.json" % slug)["answers"] == before
    # a dry run answers 200 and lists them as warnings
    r = post(API + "?dry_run=1", tpl, "text/csv", tok)
    assert r.status == 200, r
    w = r.json()["warnings"]
    assert sorted(x["question"] for x in w) == sorted(answered) and versions(slug) == [1]
    # JSON null is the same
    e = error_of(post(API, json.dumps({"city": slug, "survey": "2020", "answers": {"mayor": None}}),
                      "application/json", tok), 409)
    assert [(d["row"], d["column"], d["question"]) for d in e["details"]] == [(1, "answers.mayor", "mayor")], e
    assert "Ana Li" in e["details"][0]["message"]
    # null for a question that has no answer is not a clearing
    r = post(API, json.dumps({"city": slug, "survey": "2020", "answers": {"team1_location": None, "mayor": "Cy"}}),
             "application/json", tok)
    assert r.status == 201 and r.json()["submissions"][0]["changed"] == 1, r
    # 422 comes before 409; 403 before both
    e = error_of(post(API, "city,survey,question,value\n%s,2020,mayor,\n%s,2020,team1_staff,lots\n" % (slug, slug),
                      "text/csv", tok), 422)
    other = new_city("wipo")
    error_of(post(API, "city,survey,question,value\n%s,2020,mayor,\n" % other, "text/csv", tok), 403)
    # with intent
    r = post(API + "?clear=1", "city,survey,question,value\n%s,2020,mayor,\n%s,2020,funding_sources,\n" % (slug, slug),
             "text/csv", tok)
    assert r.status == 201 and r.json()["submissions"][0]["changed"] == 2, r
    a = get_json("/cities/%s.json" % slug)["answers"]
    assert a["mayor"] is None and a["funding_sources"] is None and a["dedicated_funding"] is True
    assert versions(slug) == [1, 2, 3]


def test_racing_uploads_stay_gapless():
    slug, tok = seeded("race13")
    same = get("/cities/%s/answers.csv" % slug).body
    results = []

    def one(i):
        if i % 4 == 3:   # some upload what is stored already, some try to clear
            r = post(API, same, "text/csv", tok)
        elif i % 4 == 2:
            r = post(API, json.dumps({"city": slug, "survey": "2020", "answers": {"mayor": None}}), "application/json", tok)
        else:
            r = post(API, json.dumps({"city": slug, "survey": "2020", "answers": {"team1_staff": 100 + i}}),
                     "application/json", tok)
        results.append((i, r.status))
    threads = [threading.Thread(target=one, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    made = [i for i, s in results if s == 201]
    assert all(s == 201 for i, s in results if i % 4 in (0, 1)), results
    assert all(s == 409 for i, s in results if i % 4 == 2), results
    assert all(s in (200, 201) for i, s in results if i % 4 == 3), results
    vs = versions(slug)
    assert vs == list(range(1, len(vs) + 1)) and len(vs) == 1 + len(made), (vs, results)
    assert get_json("/cities/%s.json" % slug)["answers"]["mayor"] == "Ana Li"


XLSX = b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00" + b"[Content_Types].xml" + b"\x00" * 40
XLS = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 200


def test_files_as_people_have_them():
    slug = new_city("files")
    tok = token_for_city(slug)
    text = "city,survey,question,value\n%s,2020,dedicated_funding,yes\n%s,2020,mayor,Zoë\n" % (slug, slug)
    bad = {
        "xlsx": (XLSX, "workbook"), "xls": (XLS, "Excel"),
        "utf16": (text.encode("utf-16"), "UTF-16"), "utf16le": (text.encode("utf-16-le"), "UTF-16"),
        "semicolon": (text.replace(",", ";").encode(), "semicolons"),
        "tabs": (text.replace(",", "\t").encode(), "tabs"),
        "latin1": (text.encode("latin-1"), "UTF-8"),
    }
    for name, (body, word) in bad.items():
        e = error_of(post(API, body, "text/csv", tok), 400)   # an unparsable body: 400
        assert len(e["details"]) == 1, (name, e)
        msg = e["message"] + " " + e["details"][0]["message"]
        assert word in msg and "CSV UTF-8 (comma delimited)" in e["details"][0]["message"], (name, e)
        assert e["message"].endswith(".") and e["details"][0]["message"].endswith("."), (name, e)
    # the same through the form, with a spreadsheet's own file name
    body, ct = form([("token", tok.encode(), None), ("file", XLSX, "answers.xlsx")])
    r = post("/upload", body, ct)
    assert r.status == 400 and "CSV UTF-8 (comma delimited)" in r.text and "<li>" in r.text, r
    assert versions(slug) == []
    # what Excel's "CSV UTF-8" writes: a BOM and CRLF
    r = post(API, b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode(), "text/csv", tok)
    assert r.status == 201, r
    assert get_json("/cities/%s.json" % slug)["answers"]["mayor"] == "Zoë"


def test_every_message_is_a_sentence():
    slug = new_city("msg")
    tok = token_for_city(slug)
    bodies = [("", "text/csv"), ("city,survey\n", "text/csv"), ("city,survey,question,value\n", "text/csv"),
              ("city,survey,question,value\n%s,2020,dedicated_funding,maybe\n%s,2020,nope,1\n"
               "%s,2020,team1_staff,-3\n%s,1999,mayor,x\n%s,2020,approach,odd\n%s,2020,team1_staff,x\n" % ((slug,) * 6),
               "text/csv"),
              ('{"city":1}', "application/json"), ("[]", "application/json"), ("{", "application/json"),
              ('{"city":"%s","survey":"2020","answers":{"mayor":5,"x":1}}' % slug, "application/json"),
              ("city,survey,question,value\nnope-city,2020,mayor,x\n", "text/csv"),
              ("city,survey,question,value\n%s,2020,mayor,\"x\n" % slug, "text/csv")]
    for body, ct in bodies:
        r = post(API, body, ct, tok)
        e = r.json()["error"]
        for m in [e["message"]] + [d["message"] for d in e["details"]]:
            assert re.match(r'^[A-Z"“]', m) and m.rstrip().endswith((".", "?", "!")), (body, m)


def test_upload_page_messages_token_and_clearing():
    slug, tok = seeded("page")
    r = get("/upload?city=%s&survey=2020" % slug)
    assert r.status == 200, r
    t = r.text
    assert "Download your current answers" in t and "/cities/%s/answers.csv?survey=2020" % slug in t
    assert "/surveys/2020/template.csv?city=" + slug in t
    assert t.index("Download your current answers") < t.index('type="file"'), "downloads come first"
    assert "No city is registered" in get("/upload?city=no-such-city-x").text
    # three problems: a heading, a list, "Nothing was stored." on its own, the token kept
    bad = ("city,survey,question,value\n%s,2020,dedicated_funding,maybe\n%s,2020,nope,1\n%s,2020,team1_staff,x\n"
           % (slug, slug, slug)).encode()
    body, ct = form([("token", tok.encode(), None), ("file", bad, "a.csv")])
    r = post("/upload", body, ct)
    assert r.status == 422, r
    assert re.search(r"<h2>3 problems</h2>\s*<ul class=\"problems\">(\s*<li>.*?</li>){3}", r.text, re.S), r.text
    assert "<p>Nothing was stored.</p>" in r.text
    assert 'value="%s"' % tok in r.text, "the token field stays filled"
    # a wrong token is not offered back
    body, ct = form([("token", b"cb_1_nope", None), ("file", bad, "a.csv")])
    r = post("/upload", body, ct)
    assert r.status == 401 and "cb_1_nope" not in r.text.split("<form")[-1]
    # the empty template: the list of what would be cleared, and a checkbox to confirm
    tpl = get("/surveys/2020/template.csv?city=" + slug).body
    body, ct = form([("token", tok.encode(), None), ("file", tpl, "form.csv")])
    r = post("/upload", body, ct)
    assert r.status == 409 and 'name="clear"' in r.text and "would be cleared" in r.text, r
    assert "mayor" in r.text and versions(slug) == [1]
    assert 'name="clear"' not in get("/upload").text, "the checkbox comes only with the list"
    body, ct = form([("token", tok.encode(), None), ("file", tpl, "form.csv"), ("clear", b"1", None)])
    r = post("/upload", body, ct)
    assert r.status == 201 and versions(slug) == [1, 2], r
    # the template with an empty city, through the form
    body, ct = form([("token", tok.encode(), None), ("file", get("/surveys/2020/template.csv").body, "t.csv")])
    r = post("/upload", body, ct)
    assert r.status == 403 and "city column is empty" in r.text, r
    # uploading what is stored: nothing changes, and the page says so
    body, ct = form([("token", tok.encode(), None), ("file", get("/cities/%s/answers.csv" % slug).body, "a.csv")])
    r = post("/upload", body, ct)
    assert r.status == 200 and "Nothing changed" in r.text and versions(slug) == [1, 2], r


def test_profile_offers_current_answers_first():
    slug, tok = seeded("prof")
    t = get("/cities/%s?survey=2020" % slug).text
    assert "/cities/%s/answers.csv?survey=2020" % slug in t and "/surveys/2020/template.csv?city=" + slug in t
    assert t.index("/answers.csv") < t.index("/surveys/2020/template.csv?city=")
    fresh = new_city("prof0")
    assert "/cities/%s/answers.csv" % fresh in get("/cities/" + fresh).text


URL_WAVE = "1990"


def _load_url_wave():
    doc = {"survey": {"id": URL_WAVE, "title": "Test wave with a web address"},
           "questions": [{"code": "innovation_website", "section": "profile", "type": "url",
                          "text": "Innovation website"},
                         {"code": "mayor", "section": "profile", "type": "text", "text": "Mayor",
                          "max_length": 200}]}
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(doc, f)
    try:
        cli("survey", "load", f.name)
    finally:
        os.unlink(f.name)


def test_url_question():
    _load_url_wave()
    qs = get_json("/surveys/%s.json" % URL_WAVE)["questions"]
    assert [q["type"] for q in qs if q["code"] == "innovation_website"] == ["url"]
    slug = new_city("url")
    tok = token_for_city(slug)
    good = "https://example.org/innovation?x=1&y=2"
    r = post(API, json.dumps({"city": slug, "survey": URL_WAVE, "answers": {"innovation_website": good}}),
             "application/json", tok)
    assert r.status == 201, r
    page = get("/cities/%s?survey=%s" % (slug, URL_WAVE)).text
    assert '<a class="answer-url" rel="nofollow noopener" href="https://example.org/innovation?x=1&amp;y=2">' in page, page[-3000:]
    bad = ["javascript:alert(1)", "ftp://example.org/", "http://", "https:///path", "//example.org/x", "example.org",
           "https://exa mple.org/", "https://example.org/\"onmouseover=\"x", "https://user@evil.example/",
           "data:text/html,<b>x</b>", "https://" + "a" * 1990 + ".org", " https://example.org/", "HTTPS://"]
    for b in bad:
        e = error_of(post(API, json.dumps({"city": slug, "survey": URL_WAVE, "answers": {"innovation_website": b}}),
                          "application/json", tok), 422)
        assert e["details"][0]["column"] == "answers.innovation_website", (b, e)
        out = io.StringIO()
        csv.writer(out).writerows([["city", "survey", "question", "value"], [slug, URL_WAVE, "innovation_website", b]])
        error_of(post(API, out.getvalue(), "text/csv", tok), 422)
    error_of(post(API, json.dumps({"city": slug, "survey": URL_WAVE, "answers": {"innovation_website": 5}}),
                  "application/json", tok), 422)
    ok2000 = "http://example.org/" + "a" * (2000 - len("http://example.org/"))
    assert post(API, json.dumps({"city": slug, "survey": URL_WAVE, "answers": {"innovation_website": ok2000}}),
                "application/json", tok).status == 201
    e = error_of(post(API, json.dumps({"city": slug, "survey": URL_WAVE,
                                       "answers": {"innovation_website": ok2000 + "a"}}), "application/json", tok), 422)
    assert "2,000" in e["details"][0]["message"]
    # round trip of the form, and the CSV form says what it takes
    rows = rows_of(get("/cities/%s/answers.csv?survey=%s" % (slug, URL_WAVE)).text)
    assert any(x[2] == "innovation_website" and x[3] == ok2000 and "https://" in x[5] for x in rows)
    assert post(API, get("/cities/%s/answers.csv?survey=%s" % (slug, URL_WAVE)).body, "text/csv", tok).status == 200
    assert "innovation_website" in get("/surveys/%s" % URL_WAVE).text
