"""Issue 16: a question the wave asks only of the cities that answered another a certain way (2018's
external_funding, asked only of the cities with dedicated funding) answered by a city that did not is a
422 naming both questions, in every form of upload; the check reads the set the upload makes (its answers
over the city's current ones), and a dry run refuses it as well."""
import json

from cb import error_of, get_json, new_city, post, token_for_city

API = "/api/submissions"
HEAD = "city,survey,question,value\n"


def test_asked_if_in_the_questionnaire():
    q = [q for q in get_json("/surveys/2018.json")["questions"] if q["code"] == "external_funding"][0]
    assert q["asked_if"] == {"question": "dedicated_funding", "answer": "yes"}


def test_answered_by_a_city_it_is_not_asked_of_is_a_422():
    slug = new_city("askedif")
    tok = token_for_city(slug)
    # in the same upload, CSV
    body = HEAD + "%s,2018,dedicated_funding,no\n%s,2018,external_funding,yes\n" % (slug, slug)
    e = error_of(post(API, body, "text/csv", tok), 422)
    assert "external_funding" in e["message"] and "dedicated_funding" in e["message"], e
    d = e["details"]
    assert len(d) == 1 and d[0]["question"] == "external_funding" and d[0]["asked_if"] == "dedicated_funding"
    assert d[0]["row"] == 3 and d[0]["column"] == "question" and d[0]["city"] == slug and d[0]["survey"] == "2018"
    assert "dedicated_funding" in d[0]["message"] and "external_funding" in d[0]["message"]
    # a dry run says the same
    error_of(post(API + "?dry_run=1", body, "text/csv", tok), 422)
    # nothing was stored
    get_json("/cities/%s.json?survey=2018" % slug, status=404)
    # JSON: the field is the column
    doc = {"city": slug, "survey": "2018", "answers": {"dedicated_funding": False, "external_funding": False}}
    e = error_of(post(API, json.dumps(doc), "application/json", tok), 422)
    assert e["details"][0]["column"] == "answers.external_funding" and e["details"][0]["row"] == 1
    # unanswered condition counts as not that way
    e = error_of(post(API, HEAD + "%s,2018,external_funding,no\n" % slug, "text/csv", tok), 422)
    assert e["details"][0]["question"] == "external_funding"
    # leaving it unanswered is fine; so is answering it with the condition met
    r = post(API, HEAD + "%s,2018,dedicated_funding,no\n%s,2018,external_funding,\n" % (slug, slug), "text/csv", tok)
    assert r.status == 201, r.text
    r = post(API, HEAD + "%s,2018,dedicated_funding,yes\n%s,2018,external_funding,yes\n" % (slug, slug), "text/csv", tok)
    assert r.status == 201, r.text


def test_the_check_reads_the_current_answers():
    slug = new_city("askedif")
    tok = token_for_city(slug)
    r = post(API, HEAD + "%s,2018,dedicated_funding,yes\n%s,2018,external_funding,yes\n" % (slug, slug), "text/csv", tok)
    assert r.status == 201, r.text
    # the condition changed alone, while the dependent answer stays: refused, naming both
    e = error_of(post(API, HEAD + "%s,2018,dedicated_funding,no\n" % slug, "text/csv", tok), 422)
    d = e["details"][0]
    assert d["question"] == "external_funding" and d["asked_if"] == "dedicated_funding"
    assert d["row"] == 2, d  # the row that named the condition: the dependent one is not in the upload
    # 422 comes before 409: clearing the condition while external_funding stays answered
    e = error_of(post(API, HEAD + "%s,2018,dedicated_funding,\n" % slug, "text/csv", tok), 422)
    # both at once: cleared (with clear=1) and changed together is fine
    r = post(API + "?clear=1", HEAD + "%s,2018,dedicated_funding,no\n%s,2018,external_funding,\n" % (slug, slug),
             "text/csv", tok)
    assert r.status == 201, r.text
    a = get_json("/cities/%s.json?survey=2018" % slug)["answers"]
    assert a["dedicated_funding"] is False and a["external_funding"] is None
