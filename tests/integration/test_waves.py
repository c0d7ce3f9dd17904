"""test_waves.py: a third wave loaded with `citybench survey load` appears everywhere a wave is listed,
with no change to the code (the wave lists come from the database).

The wave is a copy of the 2020 questionnaire under another id, loaded for the test and removed after it
(the data version bumped both times), so the tests that count the waves see two of them before and
after this file; test_zz_faults runs later still."""
import json
import os
import re
import tempfile

from cb import ROOT, cli, get, get_json, psql

WAVE = "2022"


def _load_third_wave():
    doc = json.load(open(os.path.join(ROOT, "sql", "surveys", "2020.json"), encoding="utf-8"))
    doc["survey"]["id"] = WAVE
    doc["survey"]["title"] = "City innovation capacity survey, %s wave (test copy)" % WAVE
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "%s.json" % WAVE)
        with open(path, "w", encoding="utf-8") as f:
            json.dump(doc, f)
        cli("survey", "load", path)


def _remove_third_wave():
    psql("begin; delete from question_options where survey_id = '%s'; "
         "delete from survey_questions where survey_id = '%s'; delete from surveys where id = '%s'; "
         "select bump_data_version(); commit;" % (WAVE, WAVE, WAVE))


def _html(path):
    r = get(path)
    assert r.status == 200, (path, r)
    assert r.header("Content-Type").startswith("text/html"), r.header("Content-Type")
    return r.text


def _wave_options(page):
    """The waves offered by the /cities form's wave picker, in order."""
    m = re.search(r'<select id="survey" name="survey">(.*?)</select>', page, re.S)
    assert m, "no wave picker"
    return re.findall(r'<option value="([^"]*)"', m.group(1))


def test_third_wave_everywhere():
    assert psql("select count(*) from surveys where id = '%s'" % WAVE) == "0", "the wave is there already"
    before = _wave_options(_html("/cities"))
    assert before[0] == "" and "2018" in before and "2020" in before and WAVE not in before, before
    upload = _html("/upload")
    assert '<a href="/surveys/2020/template.csv">2020</a>' in upload
    assert '<a href="/surveys/2018/template.csv">2018</a>' in upload
    _load_third_wave()
    try:
        page = _html("/cities")
        assert _wave_options(page) == [""] + sorted(before[1:] + [WAVE]), _wave_options(page)
        page = _html("/cities?survey=" + WAVE)
        assert '<option value="%s" selected>%s</option>' % (WAVE, WAVE) in page, "the new wave is not selected"
        assert re.search(r'(>|\b)0(</data>)? cities found', page), "a wave nobody answered yet lists no city"
        assert get_json("/cities.json?survey=" + WAVE)["total"] == 0

        upload = _html("/upload")
        assert '<a href="/surveys/%s/template.csv">%s</a>' % (WAVE, WAVE) in upload, \
            "the upload form does not offer the new wave's form"
        assert '<option>%s</option>' % WAVE in upload or '<option selected>%s</option>' % WAVE in upload, \
            "the upload form's wave picker does not offer the new wave"
        assert 'checked against the wave\'s <a href="/surveys/%s">questionnaire</a>' % WAVE in upload, \
            "the upload page does not point to the newest questionnaire"

        home = _html("/")
        assert 'href="/surveys/%s/template.csv"' % WAVE in home, "the home page does not list the new wave"
        data = _html("/data")
        assert 'href="/data/answers-%s.csv"' % WAVE in data, "the data page does not list the new wave"
        assert get("/surveys/%s/template.csv" % WAVE).status == 200
        assert get_json("/surveys/%s.json" % WAVE)["survey"]["id"] == WAVE
    finally:
        _remove_third_wave()
    page = _html("/cities")
    assert _wave_options(page) == before, "the removed wave is still offered: %r" % _wave_options(page)
    assert WAVE not in _html("/upload"), "the removed wave is still on the upload page"
