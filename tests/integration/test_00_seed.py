"""Issue 16 item 9: the seed whole, through nginx.  Runs early (test_00_*): later tests add cities and
versions that change the cohort.

Option help texts, the innovation website as a link, "Activities being funded" over every city surveyed
(each at its latest answer), the 2018 funding figures with Toronto's unstated sources left unanswered,
and the conditional question (external funding, asked only of cities with dedicated funding)."""
import html
import re
import xml.etree.ElementTree as ET

from cb import get, get_json

HELP = {
    ("innovation_activities", "taking_risks"):
        "e.g. prototyping new programs or models to address a persistent city challenge",
    ("innovation_activities", "data_analytics"): "e.g. data storage/analytics; open data; big data",
    ("funding_sources", "municipal_budget"):
        "This could include, for instance, City Council approved funds; operating budget; a special funding "
        "process (bond, Mayoral special initiative funding, etc.); and participatory budgeting / "
        "citizen-selected budgeting.",
}
LATEST = [("launching_projects", 47, "Launching or sustaining a project"),
          ("idea_generation", 79, "Idea generation & brainstorming"),
          ("digital_systems", 51, "Investing in digital systems"),
          ("physical_infrastructure", 36, "Investing in physical infrastructure"),
          ("paying_for_services", 30, "Paying for services")]


def text_of(page):
    t = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())
    return t.replace("( ", "(").replace(" )", ")")


def test_option_help_in_the_questionnaire_json():
    d = get_json("/surveys/2020.json")
    opts = {(q["code"], o["code"]): o for q in d["questions"] for o in q["options"]}
    for key, want in HELP.items():
        assert opts[key].get("help") == want, (key, opts[key])
    # an option without help has no help key (never null or "")
    assert "help" not in opts[("innovation_activities", "engaging_residents")]


def test_option_help_on_the_pages():
    page = get("/surveys/2020")
    assert page.status == 200
    t = text_of(page.text)
    for want in HELP.values():
        assert want in t, want
    prof = text_of(get("/cities/toronto").text)
    for want in HELP.values():
        assert want in prof, want
    # the template's help column carries them as well
    tpl = get("/surveys/2020/template.csv").text
    for want in HELP.values():
        assert want in tpl, want
    form = get("/cities/toronto/answers.csv?survey=2020").text
    assert HELP[("funding_sources", "municipal_budget")] in form


def test_innovation_website_is_a_link():
    d = get_json("/cities/toronto.json")
    assert d["answers"]["innovation_website"] == "http://www.toronto.ca"
    q = [q for q in get_json("/surveys/2020.json")["questions"] if q["code"] == "innovation_website"]
    assert q and q[0]["type"] == "url"
    page = get("/cities/toronto").text
    assert re.search(r'<a [^>]*href="http://www\.toronto\.ca"', page), "no link to the website"
    # 2018: asked, not answered
    assert get_json("/cities/toronto.json?survey=2018")["answers"]["innovation_website"] is None


def test_activities_funded_over_every_city_at_its_latest_answer():
    d = get_json("/cities/toronto.json")
    l = d["latest"]["funded_activities"]
    for code, n, _ in LATEST:
        assert l["counts"][code] == n, (code, l["counts"])
    assert l["waves"] == {"2018": 58, "2020": 100}, l["waves"]
    assert l["answered"] == 158 == sum(l["waves"].values())
    # the same counts whatever the peer group or wave of the page: the cohort is every city surveyed
    assert get_json("/cities/toronto.json?survey=2018&peers=region:Europe")["latest"] == d["latest"]
    # every city counted once: the two waves' lists know 158 cities between them (other tests may add
    # cities of their own waves)
    both = set()
    for w in ("2018", "2020"):
        both |= {c["slug"] for c in get_json("/cities.json?survey=%s&limit=10000" % w)["cities"]}
    assert len(both) == 158, len(both)
    t = text_of(get("/cities/toronto").text)
    i = t.index("Activities being funded, over every city surveyed")
    block = t[i:i + 1200]
    assert "each at its latest answer" in block and "58 at their 2018 answer" in block, block
    for _, n, label in LATEST:
        assert "%d cities %s" % (n, label) in block, (n, label, block)
    assert "an option in 2018 only" in block


def test_2020_figures_still_come_out():
    c = get_json("/cities/toronto.json")["cohort"]
    assert c["dedicated_funding"] == {"answered": 100, "counts": {"yes": 81, "no": 19}}
    assert c["explicit_strategy"]["counts"]["no"] == 50 and c["explicit_strategy"]["answered"] == 100
    assert c["funded_activities"]["answered"] == 100 and c["funded_activities"]["counts"]["training_capacity"] == 61
    t = text_of(get("/cities/toronto").text)
    for s in ("Like 81% of cities surveyed (81 of 100), Toronto has dedicated funding",
              "50% of cities surveyed (50 of 100)", "61% of cities surveyed (61 of 100)"):
        assert s in t, s


def test_2018_funding_keeps_only_what_the_page_states():
    d = get_json("/cities/toronto.json?survey=2018")
    a, c = d["answers"], d["cohort"]
    assert a["funding_sources"] is None and a["dedicated_funding"] is None and a["external_funding"] is None
    # 89 cities other than Toronto answered; 70 of them (79%) name the municipal budget, as published
    assert d["cohort_size"] == 90
    assert c["funding_sources"]["answered"] == 89 and c["funding_sources"]["counts"]["municipal_budget"] == 70
    t = text_of(get("/cities/toronto?survey=2018").text)
    assert "Of the 89 cities surveyed that answered, of the 90 cities surveyed in 2018" in t
    assert "Municipal budget 70 79%" in t, t[t.index("Municipal budget"):][:80]
    # the lists behind the 70 and the 89
    assert get_json("/cities.json?survey=2018&peers=answer:funding_sources=municipal_budget")["total"] == 70
    assert get_json("/cities.json?survey=2018&peers=answered:funding_sources")["total"] == 89
    # the other 2018 shares, Toronto among them (90 cities answered the wave)
    for s, n in (("44%", 40), ("82%", 74), ("60%", 54), ("56%", 50)):
        assert "%s of cities surveyed (%d of 90)" % (s, n) in t, s
    assert re.search(r"Like 44% of cities surveyed \(40 of 90\), Toronto has an explicit", t)


def test_external_funding_is_a_share_among_the_cities_with_funding():
    q = [q for q in get_json("/surveys/2018.json")["questions"] if q["code"] == "external_funding"][0]
    assert q["type"] == "bool" and q["asked_if"] == {"question": "dedicated_funding", "answer": "yes"}
    c = get_json("/cities/toronto.json?survey=2018")["cohort"]
    funded = c["dedicated_funding"]["counts"]["yes"]
    assert c["external_funding"]["counts"]["yes"] == 30
    # asked only of the cities with dedicated funding: its base is theirs
    assert c["external_funding"]["answered"] == funded, (c["external_funding"], funded)
    t = text_of(get("/cities/toronto?survey=2018").text)
    share = (200 * 30 + funded) // (2 * funded)
    assert "Of the cities with dedicated funding that answered, %d%% of them (30 of %d) said yes" % (
        share, funded) in t
    qp = text_of(get("/surveys/2018").text)
    assert "Asked only of the cities whose answer to dedicated_funding is yes" in qp
    # not asked in 2020
    assert "external_funding" not in get_json("/cities/toronto.json")["answers"]


def test_metric_value_links_to_its_ranking_and_plugin_version():
    """Issue 16 item 4: a metric's value on a profile links to its ranking with the city highlighted
    and to the plugin source and version that computed it."""
    d = get_json("/cities/toronto.json")
    page = get("/cities/toronto").text
    withv = [m for m in d["metrics"] if m["value"] is not None]
    assert withv
    for m in withv:
        v = m["plugin_version"]
        cat = [c for c in get_json("/metrics.json")["metrics"] if c["id"] == m["id"]][0]
        assert v == cat["version"], (m, cat)
        rank = "/metrics/%s?survey=2020&amp;city=toronto#ranking-h" % m["id"]
        src = "/metrics/%s?survey=2020&amp;version=%s#source" % (m["id"], v)
        assert 'href="%s"' % rank in page and 'href="%s"' % src in page, m["id"]
        r = get(src.replace("&amp;", "&").split("#")[0])
        assert r.status == 200 and v in r.text
        hl = get_json("/metrics/%s.json?survey=2020&city=toronto" % m["id"])
        assert hl["highlight"]["city"] == "toronto" and hl["highlight"]["rank"] == m["rank"]
