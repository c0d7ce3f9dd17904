"""Sessions, the questionnaire in the browser, and restoring a version, through nginx: sign in once,
answer in the form (kept on a refusal, stored through the upload's checks), restore an earlier version;
and the hostile cases: forged cookie, missing or forged CSRF token, expired session, revoked token,
another city's form or version."""
import hashlib
import html
import json
import re
import time
import urllib.parse

from cb import cli, error_of, get, get_json, new_city, post, psql, request, researcher_token, token_for_city

FORM = "application/x-www-form-urlencoded"
API = "/api/submissions"


def signin(token, next_=None):
    """Signs in; returns the session id of the cookie.  Waits out the sign-in rate limit."""
    body = {"token": token}
    if next_:
        body["next"] = next_
    for _ in range(30):
        r = post("/signin", urllib.parse.urlencode(body), FORM)
        if r.status != 429:
            break
        time.sleep(int(r.header("Retry-After") or 1))
    assert r.status == 303, r
    m = re.match(r"cb_session=([0-9a-f]{64});", r.header("Set-Cookie") or "")
    assert m, r.header("Set-Cookie")
    return m.group(1)


def jar(sid):
    return {"Cookie": "theme=dark; cb_session=%s; other=1" % sid}


def csrf_of(text):
    m = re.search(r'name="csrf" value="([0-9a-f]{64})"', text)
    assert m, "no CSRF field on the page"
    return m.group(1)


def form_post(path, fields, sid=None, headers=None):
    h = dict(jar(sid) if sid else {})
    h.update(headers or {})
    return post(path, urllib.parse.urlencode(fields, doseq=True), FORM, headers=h)


def upload(slug, tok, answers, wave="2020"):
    r = post(API, json.dumps({"city": slug, "survey": wave, "answers": answers}), "application/json", tok)
    assert r.status in (200, 201), r
    return r.json()["submissions"][0]


def versions(slug, wave="2020"):
    out = psql("select version from submissions s join cities c on c.id = s.city_id "
               "where c.slug = '%s' and s.survey_id = '%s' order by version" % (slug, wave))
    return [int(v) for v in out.split()] if out else []


def answers_of(slug, wave="2020"):
    return get_json("/cities/%s.json?survey=%s" % (slug, wave))["answers"]


def form_fields(text):
    """The fields a browser would send for the page's answers form, as it is shown."""
    fields = [("csrf", csrf_of(text))]
    for m in re.finditer(r"<input ([^>]*)>", text):
        a = dict(re.findall(r'([a-z-]+)="([^"]*)"', m.group(1)))
        name = html.unescape(a.get("name", ""))
        if not name.startswith("a."):
            continue
        if a.get("type") in ("radio", "checkbox"):
            if " checked" in m.group(1):
                fields.append((name, html.unescape(a["value"])))
        else:
            fields.append((name, html.unescape(a.get("value", ""))))
    for m in re.finditer(r'<textarea [^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', text, re.S):
        fields.append((html.unescape(m.group(1)), html.unescape(m.group(2))))
    return fields


def replace(fields, name, *values):
    return [(k, v) for k, v in fields if k != name] + [(name, v) for v in values]


# ---- signing in ----

def test_signin_cookie_and_what_is_stored():
    slug = new_city("si")
    tok = token_for_city(slug)
    r = get("/signin")
    assert r.status == 200 and 'name="token"' in r.text and 'type="password"' in r.text
    r = post("/signin", urllib.parse.urlencode({"token": tok}), FORM)
    assert r.status == 303 and r.header("Location") == "/cities/%s/answers" % slug, r
    c = r.header("Set-Cookie")
    parts = [p.strip() for p in c.split(";")]
    assert re.fullmatch(r"cb_session=[0-9a-f]{64}", parts[0]), c
    assert {"Path=/", "Max-Age=28800", "HttpOnly", "SameSite=Strict"} <= set(parts), c
    assert "Secure" not in parts, "plain HTTP: no Secure attribute"
    sid = parts[0].split("=", 1)[1]
    # only a hash of the id is kept, with the token, the expiry and the CSRF secret
    row = psql("select s.id_hash, s.token_id, round(extract(epoch from s.expires_at - s.created_at)), "
               "length(s.csrf_secret) from sessions s where s.id_hash = '%s'" % hashlib.sha256(sid.encode()).hexdigest())
    h, tid, secs, clen = row.split("|")
    assert tid == tok.split("_")[1] and secs == "28800" and clen == "64", row
    assert psql("select count(*) from sessions where id_hash = '%s'" % sid) == "0"
    # the next page is a partner's page, signed in
    r = get("/signin", headers=jar(sid))
    assert r.status == 200 and "Signed in" in r.text and 'action="/signout"' in r.text
    # next= stays on the portal
    r = post("/signin", urllib.parse.urlencode({"token": tok, "next": "/upload"}), FORM)
    assert r.header("Location") == "/upload", r.header("Location")
    for bad in ["//evil.example/", "https://evil.example/", "/\\evil", "/x\r\nSet-Cookie: a=b"]:
        r = post("/signin", urllib.parse.urlencode({"token": tok, "next": bad}), FORM)
        assert r.status == 303 and r.header("Location") == "/cities/%s/answers" % slug, (bad, r.header("Location"))


def test_signin_refusals_are_plain():
    slug = new_city("sr")
    tok = token_for_city(slug)
    for t, words in [("cb_1_" + "0" * 64, "unknown token"), ("nonsense", "malformed token"), ("", "enter your token")]:
        r = post("/signin", urllib.parse.urlencode({"token": t}), FORM)
        assert r.status == 401 and r.header("Set-Cookie") is None, r
        assert "That token was not accepted: " + words in r.text, r.text[-800:]
        assert 'name="token"' in r.text  # the form again
    r = post("/signin", "token=" + tok, "text/plain")
    assert r.status == 415, r
    cli("token", "revoke", tok)
    r = post("/signin", urllib.parse.urlencode({"token": tok}), FORM)
    assert r.status == 401 and "revoked" in r.text
    # a researcher signs in too, and lands on the sign-in page that says who it is
    r = post("/signin", urllib.parse.urlencode({"token": researcher_token("session-tester")}), FORM)
    assert r.status == 303 and r.header("Location") == "/signin", r
    assert get("/signout").status == 405


def test_signout_needs_csrf_and_ends_the_session():
    slug = new_city("so")
    sid = signin(token_for_city(slug))
    page = get("/signin", headers=jar(sid))
    token = csrf_of(page.text)
    assert form_post("/signout", {}, sid).status == 403
    assert form_post("/signout", {"csrf": "0" * 64}, sid).status == 403
    assert form_post("/signout", {"csrf": token}).status == 401  # no cookie
    r = form_post("/signout", {"csrf": token}, sid)
    assert r.status == 200 and "signed out" in r.text, r
    assert "cb_session=;" in r.header("Set-Cookie") and "Max-Age=0" in r.header("Set-Cookie")
    r = get("/cities/%s/answers" % slug, headers=jar(sid))
    assert r.status == 200 and "/signin?next=" in r.text and 'name="a.' not in r.text
    r = form_post("/cities/%s/answers?survey=2020" % slug, {"csrf": token, "a.mayor": "X"}, sid)
    assert r.status == 401 and "signed out" in r.text, r


# ---- the questionnaire in the browser ----

def test_answers_page_signed_out_says_sign_in():
    slug = new_city("ao")
    r = get("/cities/%s/answers?survey=2020" % slug)
    assert r.status == 200, r
    assert ('href="/signin?next=%s"' % urllib.parse.quote("/cities/%s/answers?survey=2020" % slug, safe="")) in r.text
    assert "<input" not in r.text.split("<main", 1)[1] and "<textarea" not in r.text
    assert get("/cities/no-such-city-x/answers").status == 404
    assert get("/cities/%s/answers?survey=1999" % slug).status == 404


def test_answers_form_prefilled_grouped_by_section():
    slug = new_city("af")
    tok = token_for_city(slug)
    upload(slug, tok, {"dedicated_funding": True, "explicit_strategy": False, "approach": "both",
                       "funding_sources": ["philanthropy", "municipal_budget"], "team1_staff": 7,
                       "mayor": "Ana <b>& \"Bo\"", "spotlight": "Line one\nLine two"})
    sid = signin(tok)
    r = get("/cities/%s/answers?survey=2020" % slug, headers=jar(sid))
    assert r.status == 200 and r.header("Cache-Control") == "no-store", r
    t = r.text
    survey = get_json("/surveys/2020.json")
    # sections in the questionnaire's order, each question once
    secs = []
    for q in survey["questions"]:
        if not secs or secs[-1] != q["section"]:
            if q["section"] not in secs:
                secs.append(q["section"])
    assert re.findall(r'<h2 id="s-([a-z_]+)"', t) == secs, re.findall(r'<h2 id="s-([a-z_]+)"', t)
    for q in survey["questions"]:
        assert 'id="q-%s"' % q["code"] in t, q["code"]
    assert re.search(r'id="q-dedicated_funding" name="a.dedicated_funding" value="yes" checked', t)
    assert re.search(r'id="q-explicit_strategy-no" name="a.explicit_strategy" value="no" checked', t)
    assert re.search(r'name="a.approach" value="both" checked', t)
    assert re.search(r'name="a.funding_sources" value="philanthropy" checked', t)
    assert re.search(r'name="a.funding_sources" value="municipal_budget" checked', t)
    assert not re.search(r'name="a.funding_sources" value="private_sector" checked', t)
    assert re.search(r'id="q-data_policing-none" name="a.data_policing" value="" checked', t)  # no answer
    assert re.search(r'id="q-team1_staff" name="a.team1_staff" type="number" inputmode="numeric" step="1" '
                     r'min="0" max="10000"[^>]* value="7"', t)
    assert re.search(r'<textarea id="q-mayor" name="a.mayor" rows="1" maxlength="200"[^>]*>Ana &lt;b&gt;&amp; '
                     r'&quot;Bo&quot;</textarea>', t)
    assert 'maxlength="4000"' in t and "Line one\nLine two</textarea>" in t
    assert 'src="/static/answers.js"' in t and "<script>" not in t
    # every field's help is named by it
    assert 'aria-describedby="help-team1_staff"' in t and 'id="help-team1_staff"' in t
    csrf = csrf_of(t)
    assert psql("select csrf_secret from sessions where id_hash = '%s'" % hashlib.sha256(sid.encode()).hexdigest()) == csrf


def test_answers_form_stores_a_version_and_unchanged_makes_none():
    slug = new_city("as")
    tok = token_for_city(slug)
    upload(slug, tok, {"dedicated_funding": True, "team1_staff": 7, "mayor": "Ana"})
    sid = signin(tok)
    page = get("/cities/%s/answers?survey=2020" % slug, headers=jar(sid)).text
    fields = form_fields(page)
    # unchanged: no version, a notice
    r = form_post("/cities/%s/answers?survey=2020" % slug, fields, sid)
    assert r.status == 200 and "Nothing changed" in r.text and versions(slug) == [1], (r, versions(slug))
    # change a few answers as a person would
    fields = replace(fields, "a.team1_staff", "12")
    fields = replace(fields, "a.dedicated_funding", "no")
    fields = replace(fields, "a.funding_sources", "", "philanthropy", "private_sector")
    fields = replace(fields, "a.spotlight", "First\r\nSecond")
    r = form_post("/cities/%s/answers?survey=2020" % slug, fields, sid)
    assert r.status == 201 and "stored as version 2" in r.text and "(4 answers changed)" in r.text, r
    a = answers_of(slug)
    assert a["team1_staff"] == 12 and a["dedicated_funding"] is False and a["mayor"] == "Ana"
    assert a["funding_sources"] == ["philanthropy", "private_sector"] and a["spotlight"] == "First\nSecond"
    assert versions(slug) == [1, 2]
    row = psql("select source, actor from submissions s join cities c on c.id = s.city_id "
               "where c.slug = '%s' and version = 2" % slug)
    assert row == "upload|%s" % slug, row
    # the page after storing shows the stored answers
    assert re.search(r'name="a.team1_staff"[^>]* value="12"', r.text)
    # a POST names only what it carries: the rest stays
    r = form_post("/cities/%s/answers?survey=2020" % slug, {"csrf": csrf_of(page), "a.mayor": "Bea"}, sid)
    assert r.status == 201, r
    a = answers_of(slug)
    assert a["mayor"] == "Bea" and a["team1_staff"] == 12 and a["funding_sources"] == ["philanthropy", "private_sector"]
    # unticking every option of a multi makes it unanswered
    fields = replace(form_fields(r.text), "a.funding_sources", "")
    r = form_post("/cities/%s/answers?survey=2020" % slug, fields, sid)
    assert r.status in (201, 409), r  # 409 once clearing needs intent
    if r.status == 201:
        assert answers_of(slug)["funding_sources"] is None


def test_answers_form_refusal_keeps_what_was_typed():
    slug = new_city("ar")
    tok = token_for_city(slug)
    upload(slug, tok, {"team1_staff": 7, "mayor": "Ana"})
    sid = signin(tok)
    fields = form_fields(get("/cities/%s/answers?survey=2020" % slug, headers=jar(sid)).text)
    fields = replace(fields, "a.team1_staff", "20000")          # out of range
    fields = replace(fields, "a.population", "lots")            # not a number
    fields = replace(fields, "a.mayor", "Typed <mayor>")         # fine, must be kept
    fields = replace(fields, "a.approach", "sideways")          # not an option
    r = form_post("/cities/%s/answers?survey=2020" % slug, fields, sid)
    assert r.status == 422, r
    t = r.text
    assert "Nothing was stored: 3 answers to fix" in t, t[:3000]
    for code, words in [("team1_staff", "out of range (0 to 10000)"), ("population", "takes a whole number"),
                        ("approach", "is not an option of approach")]:
        m = re.search(r'<p class="field-error" id="err-%s">(.*?)</p>' % code, t)
        assert m and words in m.group(1), (code, m and m.group(1))
        assert '<a href="#q-%s">' % code in t, code  # the summary links to the field
        assert re.search(r'id="q-%s"[^>]*aria-describedby="[^"]*err-%s"[^>]*aria-invalid="true"' % (code, code), t) or \
            re.search(r'<fieldset aria-describedby="[^"]*err-%s" aria-invalid="true"' % code, t), code
    assert re.search(r'name="a.team1_staff"[^>]* value="20000"', t)
    assert re.search(r'name="a.population"[^>]* value="lots"', t)
    assert "Typed &lt;mayor&gt;</textarea>" in t
    assert re.search(r'<p class="field-error" id="err-mayor" hidden>', t)
    assert versions(slug) == [1] and answers_of(slug)["mayor"] == "Ana"


def test_answers_form_hostile():
    a, b = new_city("ha"), new_city("hb")
    ta, tb = token_for_city(a), token_for_city(b)
    upload(b, tb, {"mayor": "B's mayor"})
    sid = signin(ta)
    csrf = csrf_of(get("/cities/%s/answers" % a, headers=jar(sid)).text)
    path = "/cities/%s/answers?survey=2020" % a
    good = {"csrf": csrf, "a.mayor": "Mine"}
    # no session, a forged one, a malformed one: 401
    assert form_post(path, good).status == 401
    r = form_post(path, good, "f" * 64)
    assert r.status == 401 and "not valid" in r.text, r
    assert form_post(path, good, "not-hex").status == 401
    # the session without its CSRF token, or with another one: 403
    assert form_post(path, {"a.mayor": "Mine"}, sid).status == 403
    assert form_post(path, {"csrf": "0" * 64, "a.mayor": "Mine"}, sid).status == 403
    other = signin(tb)
    assert form_post(path, {"csrf": csrf_of(get("/signin", headers=jar(other)).text), "a.mayor": "x"}, sid).status == 403
    # a session's CSRF token with another session's cookie: 403 too
    assert form_post(path, good, other).status == 403
    # A's partner on B's form: the page says so (403), the POST is refused, B unchanged
    r = get("/cities/%s/answers" % b, headers=jar(sid))
    assert r.status == 403 and 'name="a.' not in r.text and "only the partner of" in r.text, r
    r = form_post("/cities/%s/answers?survey=2020" % b, {"csrf": csrf, "a.mayor": "Hijacked"}, sid)
    assert r.status == 403, r
    assert answers_of(b)["mayor"] == "B's mayor" and versions(b) == [1]
    # wrong content type
    r = post(path, json.dumps(good), "application/json", headers=jar(sid))
    assert r.status == 415, r
    assert versions(a) == []
    # still fine with everything right
    assert form_post(path, good, sid).status == 201


def test_expired_session_and_revoked_token():
    slug = new_city("ex")
    tok = token_for_city(slug)
    sid = signin(tok)
    csrf = csrf_of(get("/cities/%s/answers" % slug, headers=jar(sid)).text)
    path = "/cities/%s/answers?survey=2020" % slug
    psql("update sessions set expires_at = now() - interval '1 minute' where id_hash = '%s'"
         % hashlib.sha256(sid.encode()).hexdigest())
    r = form_post(path, {"csrf": csrf, "a.mayor": "Late"}, sid)
    assert r.status == 401 and "expired" in r.text, r
    r = get(path, headers=jar(sid))
    assert 'name="a.' not in r.text and "/signin?next=" in r.text
    # a new session works until the token is revoked
    sid = signin(tok)
    csrf = csrf_of(get(path, headers=jar(sid)).text)
    assert form_post(path, {"csrf": csrf, "a.mayor": "On time"}, sid).status == 201
    cli("token", "revoke", tok)
    r = form_post(path, {"csrf": csrf, "a.mayor": "Revoked"}, sid)
    assert r.status == 401 and "revoked" in r.text, r
    assert answers_of(slug)["mayor"] == "On time"


def test_upload_form_with_a_session():
    slug = new_city("uf")
    tok = token_for_city(slug)
    sid = signin(tok)
    r = get("/upload", headers=jar(sid))
    assert r.status == 200 and 'name="token"' not in r.text and "Signed in for" in r.text, r
    csrf = csrf_of(r.text)
    assert 'name="token"' in get("/upload").text

    def multipart(fields, filename="a.csv", data=""):
        b = "----cbtest"
        out = ""
        for k, v in fields.items():
            out += '--%s\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n' % (b, k, v)
        out += ('--%s\r\nContent-Disposition: form-data; name="file"; filename="%s"\r\nContent-Type: text/csv\r\n\r\n'
                '%s\r\n--%s--\r\n' % (b, filename, data, b))
        return out, "multipart/form-data; boundary=" + b

    csv = "city,survey,question,value\n%s,2020,mayor,Uma\n" % slug
    body, ct = multipart({"csrf": csrf}, data=csv)
    r = post("/upload", body, ct, headers=jar(sid))
    assert r.status == 201, r
    assert answers_of(slug)["mayor"] == "Uma"
    body, ct = multipart({}, data=csv.replace("Uma", "Vic"))
    assert post("/upload", body, ct, headers=jar(sid)).status == 403
    body, ct = multipart({"csrf": csrf}, data=csv.replace("Uma", "Vic"))
    assert post("/upload", body, ct, headers=jar("e" * 64)).status == 401
    assert answers_of(slug)["mayor"] == "Uma"
    # a token typed in the form still works, session or not
    body, ct = multipart({"token": tok}, data=csv.replace("Uma", "Wes"))
    assert post("/upload", body, ct).status == 201 and answers_of(slug)["mayor"] == "Wes"


# ---- restore ----

def test_restore_api():
    slug, other = new_city("rs"), new_city("ro")
    tok, tok_other = token_for_city(slug), token_for_city(other)
    v1 = upload(slug, tok, {"mayor": "One", "team1_staff": 1, "funding_sources": ["philanthropy"]})
    v2 = upload(slug, tok, {"mayor": "Two", "team1_staff": 2, "spotlight": "added in two"})
    o1 = upload(other, tok_other, {"mayor": "Other"})
    r = post("%s/%d/restore" % (API, v1["id"]), "", token=tok)
    assert r.status == 201, r
    s = r.json()["submissions"][0]
    assert set(s) >= {"id", "city", "survey", "version", "changed"} and s["version"] == 3 and s["city"] == slug
    assert s["changed"] == 3 and s["survey"] == "2020", s  # mayor, team1_staff, spotlight
    a = answers_of(slug)
    assert a["mayor"] == "One" and a["team1_staff"] == 1 and a["spotlight"] is None
    assert a["funding_sources"] == ["philanthropy"]
    assert get_json("/submissions/%d.json" % s["id"])["answers"]["mayor"] == "One"
    assert psql("select source from submissions where id = %d" % s["id"]) == "restore"
    # restoring what is current: no version
    r = post("%s/%d/restore" % (API, v1["id"]), "", token=tok)
    assert r.status == 200 and r.json()["submissions"][0]["changed"] == 0, r
    assert r.json()["submissions"][0]["version"] == 3 and versions(slug) == [1, 2, 3]
    # refusals: another city's version, unknown, malformed, no token, a researcher
    e = error_of(post("%s/%d/restore" % (API, o1["id"]), "", token=tok), 403)
    assert slug in e["message"] and other in e["message"], e
    error_of(post("%s/999999999/restore" % API, "", token=tok), 404)
    error_of(post("%s/abc/restore" % API, "", token=tok), 404)
    error_of(post("%s/%d/restore" % (API, v2["id"]), ""), 401)
    error_of(post("%s/%d/restore" % (API, v2["id"]), "", token="cb_1_" + "a" * 64), 401)
    error_of(post("%s/%d/restore" % (API, v2["id"]), "", token=researcher_token("restorer")), 403)
    assert versions(other) == [1] and answers_of(other)["mayor"] == "Other"
    assert request("GET", "%s/%d/restore" % (API, v2["id"])).status == 405
    # with a session: the CSRF token as a header or a form field
    sid = signin(tok)
    csrf = csrf_of(get("/signin", headers=jar(sid)).text)
    error_of(post("%s/%d/restore" % (API, v2["id"]), "", headers=jar(sid)), 403)
    error_of(post("%s/%d/restore" % (API, v2["id"]), "", headers=dict(jar(sid), **{"X-CSRF-Token": "1" * 64})), 403)
    error_of(post("%s/%d/restore" % (API, v2["id"]), "", headers=dict(jar("1" * 64), **{"X-CSRF-Token": csrf})), 401)
    r = post("%s/%d/restore" % (API, v2["id"]), "", headers=dict(jar(sid), **{"X-CSRF-Token": csrf}))
    assert r.status == 201 and r.json()["submissions"][0]["version"] == 4, r
    r = form_post("%s/%d/restore" % (API, v1["id"]), {"csrf": csrf}, sid)
    assert r.status == 201 and r.json()["submissions"][0]["version"] == 5, r
    assert answers_of(slug)["mayor"] == "One"
    audit = psql("select count(*) from audit_log where city = '%s' and action = 'restore'" % slug)
    assert int(audit) >= 5, audit


def test_restore_button_on_the_versions_pages():
    slug, other = new_city("rb"), new_city("rc")
    tok = token_for_city(slug)
    v1 = upload(slug, tok, {"mayor": "One"})
    v2 = upload(slug, tok, {"mayor": "Two"})
    # anonymous first: the page a visitor is given (and that the workers may keep) has no button
    for _ in range(3):
        assert "Restore this version" not in get("/cities/%s/submissions" % slug).text
    assert "Restore this version" not in get("/submissions/%d" % v1["id"]).text
    sid = signin(tok)
    r = get("/cities/%s/submissions" % slug, headers=jar(sid))
    assert r.status == 200 and r.header("Cache-Control") == "no-store" and r.header("ETag") is None, r
    assert r.text.count("Restore this version") == 1, "a button for version 1, none for the current one"
    assert 'action="/submissions/%d/restore"' % v1["id"] in r.text
    csrf = csrf_of(r.text)
    r = get("/submissions/%d" % v1["id"], headers=jar(sid))
    assert 'action="/submissions/%d/restore"' % v1["id"] in r.text
    assert "Restore this version" not in get("/submissions/%d" % v2["id"], headers=jar(sid)).text
    # another city's partner sees no button
    sid_other = signin(token_for_city(other))
    assert "Restore this version" not in get("/cities/%s/submissions" % slug, headers=jar(sid_other)).text
    # the button: without its CSRF token 403; with it, a new version and a page that says so
    assert form_post("/submissions/%d/restore" % v1["id"], {}, sid).status == 403
    assert form_post("/submissions/%d/restore" % v1["id"], {"csrf": csrf}, sid_other).status == 403
    assert form_post("/submissions/%d/restore" % v1["id"], {"csrf": csrf}).status == 401
    r = form_post("/submissions/%d/restore" % v1["id"], {"csrf": csrf}, sid)
    assert r.status == 201 and "Version 1 restored" in r.text and "stored as version" in r.text, r
    assert answers_of(slug)["mayor"] == "One" and versions(slug) == [1, 2, 3]
    r = get("/cities/%s/submissions" % slug, headers=jar(sid))
    assert "restore of an earlier version" in r.text and r.text.count("Restore this version") == 2


def test_zz_signin_is_rate_limited_per_address():
    slug = new_city("rl")
    tok = token_for_city(slug)
    statuses = []
    for _ in range(15):
        r = post("/signin", urllib.parse.urlencode({"token": "cb_1_" + "b" * 64}), FORM)
        statuses.append(r.status)
        if r.status == 429:
            break
    assert statuses[-1] == 429 and set(statuses[:-1]) == {401}, statuses
    assert int(r.header("Retry-After")) >= 1
    # while limited, a good token waits too (a guess that happens to be right learns nothing).  The
    # bucket refills (one sign-in every 5 s): the good token's answer proves something only when it was
    # asked within Retry-After - 1 seconds of a refusal (Retry-After is rounded up), measured from before
    # the refusal was asked.  Bad tokens are sent until a refusal says 3 s or more (a refusal just after
    # a charged attempt says about 5); a slower round (a loaded machine) is done again.
    good, end = None, time.time() + 120
    while good is None:
        assert time.time() < end, "no round asked the good token soon enough after a refusal"
        t0 = time.monotonic()
        r = post("/signin", urllib.parse.urlencode({"token": "cb_1_" + "b" * 64}), FORM)
        assert r.status in (401, 429), r
        if r.status != 429 or int(r.header("Retry-After")) < 3:
            continue
        wait = int(r.header("Retry-After"))
        answer = post("/signin", urllib.parse.urlencode({"token": tok}), FORM)
        if time.monotonic() - t0 < wait - 1:
            good = answer
    assert good.status == 429, good
    signin(tok)  # after the wait, it works


def nav_label(text):
    m = re.search(r'<nav aria-label="[^"]*">.*?<a href="/signin(?:\?lang=[a-z]+)?">([^<]*)</a>', text, re.S)
    assert m, "no sign-in link in the navigation"
    return m.group(1)


def test_the_navigation_says_who_is_signed_in_on_every_page():
    slug = new_city("nav")
    sid = signin(token_for_city(slug))
    anon = get("/cities/%s" % slug)
    assert nav_label(anon.text) == "Sign in" and anon.header("ETag"), anon
    # signed in, a public page says so, in the page's language, and is this person's own: no ETag to
    # revalidate later (signed out, a 304 would bring this copy back), not kept by the browser
    for path, want in (("/cities/%s" % slug, "Signed in"), ("/metrics", "Signed in"),
                       ("/cities/%s?lang=fr" % slug, "Connecté"), ("/no-such-page", "Signed in")):
        r = get(path, headers=jar(sid))
        assert nav_label(r.text) == want, (path, nav_label(r.text))
        assert r.header("ETag") is None and r.header("Cache-Control") == "no-store", (path, r.headers)
    # the shared copy another visitor gets is still the public one
    assert nav_label(get("/cities/%s" % slug).text) == "Sign in"
    # a cookie that names no live session: "Sign in" (a forged one, then the same session signed out)
    assert nav_label(get("/cities/%s" % slug, headers=jar("0" * 64)).text) == "Sign in"
    token = csrf_of(get("/signin", headers=jar(sid)).text)
    assert form_post("/signout", {"csrf": token}, sid).status == 200
    assert nav_label(get("/cities/%s" % slug, headers=jar(sid)).text) == "Sign in"


def test_the_upload_page_starts_from_the_signed_in_partners_city():
    slug = new_city("upc")
    sid = signin(token_for_city(slug))
    mine = get("/upload", headers=jar(sid))
    assert mine.status == 200 and 'id="city" name="city"' in mine.text, mine
    assert re.search(r'<input id="city" name="city"[^>]* value="%s"' % slug, mine.text), "the city is not filled in"
    # a city named in the address still wins; without a session, nothing is filled in
    other = get("/upload?city=toronto", headers=jar(sid))
    assert re.search(r'<input id="city" name="city"[^>]* value="toronto"', other.text)
    assert re.search(r'<input id="city" name="city"[^>]* value=""', get("/upload").text)
