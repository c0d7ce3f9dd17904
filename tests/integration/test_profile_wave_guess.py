"""Issue 18: a profile without survey= sends its stored metrics with the first batch of statements for
the wave it guesses is the city's latest (city.c: latest_wave_guess, from the cities whose latest wave
is not the newest, read once per data version).  Whatever the guess, the page is the city's latest
wave, the same as asking for that wave, and an upload that makes the newest wave the city's latest
moves the guess with the data version, whichever worker answers."""
import json

from cb import get_json, new_city, post, token_for_city


def upload(slug, wave, answers):
    r = post("/api/submissions", json.dumps({"city": slug, "survey": wave, "answers": answers}),
             "application/json", token_for_city(slug))
    assert r.status == 201, r


def same_as_wave(slug, wave):
    # read several times so that every worker keeps this version's guesses
    for _ in range(6):
        got = get_json("/cities/%s.json" % slug)
        assert got["survey"] == wave, got["survey"]
        assert got == get_json("/cities/%s.json?survey=%s" % (slug, wave))
        assert get_json("/cities/%s.json?lang=fr" % slug) == get_json("/cities/%s.json?survey=%s&lang=fr" % (slug, wave))
    return got


def test_a_city_whose_latest_wave_is_older_then_newest():
    slug = new_city("wg")
    upload(slug, "2018", {"explicit_strategy": True, "dedicated_funding": False})
    before = same_as_wave(slug, "2018")
    assert before["metrics"], before
    upload(slug, "2020", {"explicit_strategy": True, "dedicated_funding": True})
    after = same_as_wave(slug, "2020")
    assert after["waves"] == ["2018", "2020"], after["waves"]
    # toronto (latest wave the newest) and a city of 2018 only beside them
    same_as_wave("toronto", "2020")


def test_a_city_without_answers_and_a_missing_one():
    slug = new_city("wg")
    a = get_json("/cities/%s.json" % slug)
    assert a == get_json("/cities/%s.json" % slug)
    get_json("/cities/no-such-city-wg.json", 404)
