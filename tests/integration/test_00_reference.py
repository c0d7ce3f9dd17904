"""The reference statements, checked first: later tests add cities and versions that change the cohort."""
from cb import get_json

CITY_KEYS = {"slug", "name", "country", "region", "population", "synthetic"}

def test_profile_toronto_2020():
    d = get_json("/cities/toronto.json")
    assert d["survey"] == "2020" and d["waves"] == ["2018", "2020"]
    assert CITY_KEYS <= set(d["city"])
    a = d["answers"]
    assert a["dedicated_funding"] is True and a["explicit_strategy"] is False
    assert a["mayor"] == "John Tory" and a["lead_innovation_officer"] == "Alice Xu"
    assert a["population"] == 2800000 and a["population_year"] == 2016
    assert a["innovation_roles_count"] == 3 and a["innovation_roles"] == ["data_scientist"]
    assert a["innovation_activities"][:3] == ["taking_risks", "data_analytics", "engaging_residents"]
    assert a["measures_outcomes"] is None  # asked, not answered
    c = d["cohort"]
    assert c["dedicated_funding"]["answered"] == 100 and c["dedicated_funding"]["counts"]["yes"] == 81
    assert c["explicit_strategy"]["counts"]["no"] == 50
    assert c["funded_activities"]["counts"]["training_capacity"] == 61
    for m in d["metrics"]:
        assert {"id", "title", "value", "rank", "of", "percentile"} <= set(m), m


def test_profile_toronto_2018():
    d = get_json("/cities/toronto.json?survey=2018")
    assert d["survey"] == "2018"
    a = d["answers"]
    assert a["explicit_strategy"] is True and a["lead_innovation_officer"] == "Paula Kwan"
    assert a["innovation_roles_count"] == 5 and len(a["innovation_roles"]) == 4
    assert "spotlight" not in a  # not asked in 2018
    assert "data_policing" not in a
    assert a["dedicated_funding"] is None  # asked, not answered
    c = d["cohort"]
    # 44%: Toronto and 39 of the 89 synthetic cities of 2018
    assert c["explicit_strategy"] == {"answered": 90, "counts": {"yes": 40, "no": 50}}, c["explicit_strategy"]
    # Toronto's 2018 page does not give its funding sources: 89 other cities answered, 70 of them (79%)
    # name the municipal budget, as published
    assert a["funding_sources"] is None
    assert c["funding_sources"]["answered"] == 89 and c["funding_sources"]["counts"]["municipal_budget"] == 70
    assert d["cohort_size"] == 90




def test_wave_sizes():
    d18 = get_json("/cities.json?survey=2018")
    d20 = get_json("/cities.json?survey=2020")
    assert d18["total"] == 90 and d20["total"] == 100, (d18["total"], d20["total"])
