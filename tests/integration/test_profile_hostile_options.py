"""The profile's option labels and helps through the writer (issue 18, ninth session: options looked up
through a per-question index, numbers written without printf): hostile labels and helps (markup,
quotes, ampersands, non-ASCII, a long label) are escaped in English and French, in the chosen list, the
table by number of cities and the answers across waves, and the page says the same again once they are
restored."""
import json

from cb import get, psql

HOSTILE = '<script>alert("x")</script> & \'q\' — café ✓ ' + "long " * 80
ESCAPED = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39; — café ✓ "


def _page(path):
    r = get(path)
    assert r.status == 200, path
    return r.body.decode("utf-8") if isinstance(r.body, bytes) else r.body


def _q(s):
    return "'" + s.replace("'", "''") + "'"


def test_hostile_option_label_and_help_escaped():
    model = json.loads(_page("/cities/toronto.json"))
    wave = model["survey"]
    code = next(k for k, v in model["answers"].items() if isinstance(v, list) and v)
    opt = model["answers"][code][0]
    where = "survey_id = %s and code = %s and option_code = %s" % (_q(wave), _q(code), _q(opt))
    old = psql("select json_build_array(label, help, label_fr, help_fr)::text from question_options where " + where)
    assert old, (wave, code, opt)
    before = {p: _page(p) for p in ("/cities/toronto", "/cities/toronto?lang=fr")}
    try:
        psql("update question_options set label = %s, help = %s, label_fr = %s, help_fr = %s where %s; "
             "select bump_data_version()" % (_q(HOSTILE), _q(HOSTILE + "help"), _q(HOSTILE + "fr"),
                                             _q(HOSTILE + "aide"), where))
        for path in ("/cities/toronto", "/cities/toronto?lang=fr"):
            body = _page(path)
            assert "<script>alert" not in body, path
            assert body.count(ESCAPED) >= 2, path          # the chosen list and the table at least
            assert ESCAPED + "long " * 79 + "long " in body  # the long label whole
    finally:
        label, help_, label_fr, help_fr = json.loads(old)
        lit = lambda v: "null" if v is None else _q(v)
        psql("update question_options set label = %s, help = %s, label_fr = %s, help_fr = %s where %s; "
             "select bump_data_version()" % (lit(label), lit(help_), lit(label_fr), lit(help_fr), where))
    for path, body in before.items():
        again = _page(path)
        assert again == body, path
