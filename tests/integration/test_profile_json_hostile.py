"""Hostile answer texts through the profile JSON (issue 18, ninth session: common answer texts read
without jansson's parser, strings and keys written in one copy when nothing needs escaping): a text
answer and a list answer holding quotes, a backslash, control characters, DEL, non-ASCII, U+2028 and
U+2029 and markup read back equal in the answers and the history, in English, French and survey=latest,
escaped as jansson escapes them; and the answer is the same again once they are restored."""
import json
import time

import cb
from cb import psql

HOSTILE = 'q " b \\ t\t n\n c\x01\x1f del\x7f café 東京 😀 \u2028 \u2029 </script> [1, 2] ", "x'


def _get(path):
    """A GET whose answer is not logged for test_zzz_openapi: the list answer written here straight into
    the database holds texts that are not option codes, which no upload can store and the OpenAPI
    document rightly refuses."""
    saved = cb.record
    cb.record = lambda *a, **k: None
    try:
        return cb.get(path)
    finally:
        cb.record = saved


def _json(path):
    r = _get(path)
    assert r.status == 200, path
    assert r.header("Content-Type").startswith("application/json"), path
    return r.body if isinstance(r.body, bytes) else r.body.encode("utf-8")


def _changed(path, old):
    """The answer once the workers have heard of the new data version (a notification: asynchronous)."""
    for _ in range(200):
        body = _json(path)
        if body != old:
            return body
        time.sleep(0.05)
    return body


def _q(s):
    return "'" + s.replace("'", "''") + "'"


def test_hostile_answer_texts_in_profile_json():
    model = json.loads(_json("/cities/toronto.json"))
    wave = model["survey"]
    text_code = next(k for k, v in model["answers"].items() if isinstance(v, str))
    list_code = next(k for k, v in model["answers"].items() if isinstance(v, list) and v)
    sub = "(select submission_id from current_submissions cs join cities c on c.id = cs.city_id " \
          "where c.slug = 'toronto' and cs.survey_id = %s)" % _q(wave)
    old = json.loads(psql("select json_build_array((select value from answers where submission_id = %s "
                          "and code = %s), (select value from answers where submission_id = %s and code = %s))::text"
                          % (sub, _q(text_code), sub, _q(list_code))))
    paths = ("/cities/toronto.json", "/cities/toronto.json?lang=fr", "/cities/toronto.json?survey=latest")
    before = {p: _json(p) for p in paths}
    hostile_list = [HOSTILE, "plain", "é", ""]
    try:
        psql("update answers set value = %s::jsonb where submission_id = %s and code = %s; "
             "update answers set value = %s::jsonb where submission_id = %s and code = %s; "
             "select bump_data_version()"
             % (_q(json.dumps(HOSTILE)), sub, _q(text_code), _q(json.dumps(hostile_list)), sub, _q(list_code)))
        for path in paths:
            body = _changed(path, before[path])
            got = json.loads(body)
            assert got["answers"][text_code] == HOSTILE, (path, got["answers"][text_code])
            assert got["answers"][list_code] == hostile_list, path
            assert got["history"][wave][text_code] == HOSTILE, path
            # escaped as jansson writes (compact, no ASCII escaping: U+2028 and non-ASCII as they are)
            want = json.dumps(HOSTILE, ensure_ascii=False).replace("\\u001f", "\\u001F").encode("utf-8")
            assert want in body, path
            assert b"\x01" not in body and b"\x1f" not in body, path
            assert "\u2028".encode("utf-8") in body, path
    finally:
        lit = lambda v: "null" if v is None else _q(json.dumps(v))
        psql("update answers set value = coalesce(%s::jsonb, value) where submission_id = %s and code = %s; "
             "update answers set value = coalesce(%s::jsonb, value) where submission_id = %s and code = %s; "
             "select bump_data_version()" % (lit(old[0]), sub, _q(text_code), lit(old[1]), sub, _q(list_code)))
    for path, body in before.items():
        again = _json(path)
        for _ in range(200):
            if again == body:
                break
            time.sleep(0.05)
            again = _json(path)
        assert again == body, path
