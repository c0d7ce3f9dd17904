"""An upload runs only the plugins whose metrics read what it changed (store.c, compute_metrics_changed:
a metric's compute sees only its declared inputs, the city's slug, wave and population): the values of
the others cannot differ, so they are not computed again.  A city-wave's first version runs every
plugin; a new population runs every plugin (each compute sees it); a changed input runs its plugins."""
import json

from cb import new_city, post, psql, token_for_city
from test_stats import assert_consistent


def _value(slug, metric):
    return psql("select mv.value from metric_values mv join cities c on c.id = mv.city_id "
                "where c.slug = '%s' and mv.survey_id = '2020' and mv.metric_id = '%s'" % (slug, metric))


def _upload(slug, tok, answers):
    r = post("/api/submissions", json.dumps({"city": slug, "survey": "2020", "answers": answers}),
             "application/json", tok)
    assert r.status == 201, (r.status, r.body)
    return r


def _tamper(slug, metric, value):
    """A stored value changed behind the application's back: a plugin run for the city sets it right."""
    psql("update metric_values mv set value = %s from cities c where c.id = mv.city_id and c.slug = '%s' "
         "and mv.survey_id = '2020' and mv.metric_id = '%s'" % (value, slug, metric))


def test_an_upload_runs_the_plugins_whose_inputs_it_changed():
    slug = new_city("upl", population=200000)
    tok = token_for_city(slug)
    # The first version: every plugin runs.
    _upload(slug, tok, {"population": 200000, "team1_staff": 4, "explicit_strategy": True})
    assert _value(slug, "innovation_staff") == "4"
    assert _value(slug, "innovation_staff_per_100k") == "2"
    assert _value(slug, "explicit_strategy") == "1"
    # A staff count changed: the staff plugins run, explicit_strategy's does not.
    _tamper(slug, "explicit_strategy", 7)
    _upload(slug, tok, {"team1_staff": 6})
    assert _value(slug, "innovation_staff") == "6"
    assert _value(slug, "innovation_staff_per_100k") == "3"
    assert _value(slug, "explicit_strategy") == "7", "a plugin whose inputs did not change was run"
    # Its input changed: it runs (and the staff plugins do not).
    _tamper(slug, "innovation_staff", 99)
    _upload(slug, tok, {"explicit_strategy": False})
    assert _value(slug, "explicit_strategy") == "0"
    assert _value(slug, "innovation_staff") == "99", "a plugin whose inputs did not change was run"
    # The population is every compute's input: every plugin runs.
    _tamper(slug, "explicit_strategy", 7)
    _upload(slug, tok, {"population": 300000})
    assert _value(slug, "innovation_staff") == "6"
    assert _value(slug, "innovation_staff_per_100k") == "2"
    assert _value(slug, "explicit_strategy") == "0"
    # The statistics follow the values (the tampered ones were set right by the uploads above).
    assert_consistent()


def test_an_answer_no_metric_reads_runs_no_plugin():
    slug = new_city("upn", population=150000)
    tok = token_for_city(slug)
    _upload(slug, tok, {"population": 150000, "team2_staff": 3, "approach": "holistic"})
    assert _value(slug, "innovation_staff") == "3"
    _tamper(slug, "innovation_staff", 5)
    _upload(slug, tok, {"approach": "both"})
    assert _value(slug, "innovation_staff") == "5", "a plugin whose inputs did not change was run"
    _upload(slug, tok, {"team2_staff": 4})
    assert _value(slug, "innovation_staff") == "4"
    assert_consistent()
