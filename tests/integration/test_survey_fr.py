"""test_survey_fr.py: the questionnaires in French (issue 20, item 4).

/surveys/{wave}.json carries the French beside the English (the shape `survey load` reads); the
questionnaire page, its upload form and the profile use the page's language, English where a
translation is missing; a city's own free text stays as written, marked with its `lang`."""
import html
import json
import os
import re
import tempfile

from cb import ROOT, cli, get, get_json, new_city, post, psql, token_for_city

NNBSP = "\u202f"


def _html(path, headers=None):
    r = get(path, headers=headers)
    assert r.status == 200, (path, r)
    assert r.header("Content-Type").startswith("text/html"), r.header("Content-Type")
    return r.text


def _shipped(wave):
    return json.load(open(os.path.join(ROOT, "sql", "surveys", "%s.json" % wave), encoding="utf-8"))


def test_survey_json_carries_french():
    for wave in ("2018", "2020"):
        d = get_json("/surveys/%s.json?lang=fr" % wave)
        assert d["survey"]["title_fr"] == _shipped(wave)["survey"]["title_fr"], d["survey"]
        assert d["survey"]["title"].startswith("City innovation capacity survey"), "the English stays"
        for q in d["questions"]:
            assert q.get("text_fr"), q
            for o in q["options"]:
                assert o.get("label_fr"), (q["code"], o)
                assert ("help" in o) == ("help_fr" in o), (q["code"], o)
    q = {q["code"]: q for q in get_json("/surveys/2020.json?lang=fr")["questions"]}
    assert q["explicit_strategy"]["text_fr"] == \
        "Votre ville s\u2019est-elle dotée d\u2019une stratégie d\u2019innovation explicite" + NNBSP + "?"
    assert q["explicit_strategy"]["text"] == "Does your city have an explicit innovation strategy?"
    # The same JSON without lang: both languages too (it is the file's shape, not a page).
    assert get_json("/surveys/2020.json")["questions"][6]["options"][2]["label_fr"] == "Les deux"


def test_questionnaire_page_in_french():
    page = _html("/surveys/2020?lang=fr")
    assert "<h1>Enquête sur la capacité d\u2019innovation des villes, vague 2020</h1>" in page
    assert "Comment votre ville aborde-t-elle le renforcement de sa capacité d\u2019innovation" + NNBSP + "?" in page
    assert "</code> Les deux</li>" in page
    # an option's help in French
    assert html.escape("p. ex. stockage et analyse de données" + NNBSP + "; données ouvertes", quote=False) in page
    assert "How does your city approach innovation capacity?" not in page
    # Accept-Language chooses French too; English stays the default.
    assert "</code> Les deux</li>" in _html("/surveys/2020", headers={"Accept-Language": "fr-CA,fr;q=0.9"})
    page = _html("/surveys/2020?lang=en")
    assert "How does your city approach innovation capacity?" in page and "Les deux" not in page


def test_template_labels_follow_lang():
    r = get("/surveys/2020/template.csv?lang=fr")
    assert r.status == 200 and r.header("Content-Type").startswith("text/csv"), r
    rows = {line.split(",")[2]: line for line in r.text.splitlines()[1:]}
    assert ",population,,Population de la ville," in rows["population"], rows["population"]
    assert "approach" in rows and "Approche globale" in rows["approach"], rows["approach"]
    r = get("/surveys/2020/template.csv?lang=en")
    assert "Population of the city" in r.text and "Population de la ville" not in r.text


def test_profile_french_option_labels_and_text_lang():
    page = _html("/cities/toronto?lang=fr")
    # an option label of Toronto's answers, in French; the question in French
    assert "Logement / itinérance" in page
    assert "Personne responsable de l\u2019innovation" in page
    # the data availability lists name the areas without the question's prefix, in French too
    area = "services policiers et application de la loi"
    assert page.count(area) > page.count("Disponibilité des données" + NNBSP + ": " + area), "no list names the area alone"
    # Toronto's own free text stays English and says so
    assert '<span lang="en">Smart City team</span>' in page, "a team's name is not marked"
    assert re.search(r'<span lang="en">The City of Toronto has innovation embedded', page), "the spotlight"
    assert 'lang="en">Alice Xu</span>' in page
    d = get_json("/cities/toronto.json")
    assert d["city"]["lang"] == "en"
    # the English profile keeps the English labels
    assert "Housing / homelessness" in _html("/cities/toronto?lang=en")


def test_french_city_text_marked_fr():
    slug = new_city("fr")
    psql("update cities set lang = 'fr' where slug = '%s'" % slug)
    tok = token_for_city(slug)
    body = "city,survey,question,value\n%s,2020,spotlight,La ville mise sur l\u2019innovation ouverte.\n" \
           "%s,2020,team1_name,Laboratoire d\u2019innovation urbaine\n" % (slug, slug)
    r = post("/api/submissions", body.encode("utf-8"), "text/csv", token=tok)
    assert r.status == 201, r
    page = _html("/cities/%s?lang=en" % slug)
    assert '<span lang="fr">La ville mise sur l\u2019innovation ouverte.</span>' in page
    assert '<span lang="fr">Laboratoire d\u2019innovation urbaine</span>' in page
    assert get_json("/cities/%s.json" % slug)["city"]["lang"] == "fr"
    sub = r.json()["submissions"][0]["id"]
    page = _html("/submissions/%s?lang=fr" % sub)
    assert '<span lang="fr">Laboratoire d\u2019innovation urbaine</span>' in page, "the version's page"


def _load(doc, wave):
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "%s.json" % wave)
        with open(path, "w", encoding="utf-8") as f:
            json.dump(doc, f)
        return cli("survey", "load", path, check=False)


def test_missing_french_falls_back_and_bad_french_refused():
    wave = "2023"
    doc = _shipped("2020")
    doc["survey"]["id"] = wave
    del doc["survey"]["title_fr"]
    for q in doc["questions"]:
        if q["code"] == "approach":
            del q["text_fr"]
            del q["options"][0]["label_fr"]
    try:
        rc, out, err = _load(doc, wave)
        assert rc == 0, err
        d = get_json("/surveys/%s.json" % wave)
        assert "title_fr" not in d["survey"]
        page = _html("/surveys/%s?lang=fr" % wave)
        assert "How does your city approach innovation capacity?" in page, "no English fallback for the text"
        assert "</code> Holistic / macro level</li>" in page, "no English fallback for the label"
        assert "</code> Les deux</li>" in page
        assert "<h1>City innovation capacity survey, 2020 wave</h1>" in page, "no fallback for the title"
        # a French text that is not a text is refused, and nothing changes
        bad = json.loads(json.dumps(doc))
        bad["questions"][0]["text_fr"] = 12
        bad["questions"][0]["text"] = "Changed"
        rc, out, err = _load(bad, wave)
        assert rc == 1 and "text_fr, when given, is a text" in err, (rc, err)
        assert get_json("/surveys/%s.json" % wave)["questions"][0]["text"] == "Population of the city"
        bad = json.loads(json.dumps(doc))
        bad["questions"][6]["options"][1]["label_fr"] = ""
        rc, out, err = _load(bad, wave)
        assert rc == 1 and "label_fr" in err, (rc, err)
    finally:
        psql("begin; delete from question_options where survey_id = '%s'; "
             "delete from survey_questions where survey_id = '%s'; delete from surveys where id = '%s'; "
             "select bump_data_version(); commit;" % (wave, wave, wave))


def test_compare_answers_french_labels_and_text_lang():
    page = _html("/compare?cities=toronto,brevathorpe&questions=approach,team1_name,policy_areas&lang=fr")
    sec = re.search(r'<h2 id="answers-h">.*?</section>', page, re.S)
    assert sec, "no answers side by side"
    sec = sec.group(0)
    assert "Comment votre ville aborde-t-elle" in sec, "the question is not in French"
    assert "Les deux" in sec or "Approche globale" in sec or "Dans des domaines" in sec, "an option not in French"
    assert '<span lang="en">Smart City team</span>' in sec, "Toronto's team name is not marked"


def test_answer_form_in_french():
    from test_session import jar, signin
    slug = new_city("frm")
    sid = signin(token_for_city(slug))
    page = _html("/cities/%s/answers?survey=2020&lang=fr" % slug, headers=jar(sid))
    assert "Comment votre ville aborde-t-elle le renforcement de sa capacité d\u2019innovation" + NNBSP + "?" in page
    assert "Approche globale / à l\u2019échelle macro" in page
    assert "How does your city approach innovation capacity?" not in page
    page = _html("/cities/%s/answers?survey=2020&lang=en" % slug, headers=jar(sid))
    assert "How does your city approach innovation capacity?" in page
