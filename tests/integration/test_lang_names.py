"""Issue 20: names the data gives in English, in French on French pages.  Metric titles and descriptions
from the plugins' optional title_fr and description_fr (the English, marked lang="en", when a plugin has
none); region names through gettext; country names through iso-codes' own French; JSON keeping the
English title with title_fr beside it; `plugin check` refusing a bad title_fr; `city add|edit --lang`."""
import html
import os
import re
import tempfile

from cb import cli, get, get_json, post, psql, researcher_token

NNBSP = "\u202f"
FRENCH = {
    "funding_share": "Financement dédié à l\u2019innovation",
    "explicit_strategy": "Stratégie d\u2019innovation explicite",
    "innovation_staff_per_100k": "Personnel d\u2019innovation pour 100" + NNBSP + "000 habitants",
    "partnership_breadth": "Étendue des partenariats",
}
ENGLISH = {
    "funding_share": "Dedicated innovation funding",
    "explicit_strategy": "Explicit innovation strategy",
    "innovation_staff_per_100k": "Innovation staff per 100,000 inhabitants",
    "partnership_breadth": "Partnership breadth",
}


def _html(path):
    r = get(path)
    assert r.status == 200, (path, r.status, r.body[:300])
    return html.unescape(r.body.decode("utf-8"))


def test_every_bundled_plugin_has_its_french():
    for m in get_json("/metrics.json")["metrics"]:
        if m["plugin"] in os.listdir(os.path.join(os.environ["CITYBENCH_ROOT"], "plugins")):
            assert m.get("title_fr") and m.get("description_fr"), m
            assert m["title_fr"] != m["title"] or m["id"] == "x", m


def test_metrics_catalogue_in_french():
    page = _html("/metrics?lang=fr")
    for mid, t in FRENCH.items():
        assert t in page, (mid, t)
        assert ENGLISH[mid] not in page, ENGLISH[mid]
    assert "Parmi les douze domaines d\u2019action" in page, "a description in French"
    page = _html("/metrics?lang=en")
    for mid, t in ENGLISH.items():
        assert t in page and FRENCH[mid] not in page, mid


def test_metric_page_and_its_charts_in_french():
    page = _html("/metrics/funding_share?lang=fr&city=toronto")
    assert "<h1>Financement dédié à l\u2019innovation</h1>" in page
    assert "La ville dispose-t-elle d\u2019un financement dédié à l\u2019innovation" + NNBSP + "?" in page
    assert re.search(r"<title>Financement dédié à l\u2019innovation, 2020", page), "the page's title"
    svg = get("/metrics/funding_share.svg?lang=fr").body.decode("utf-8")
    assert "Financement dédié à l\u2019innovation" in html.unescape(svg), svg[:600]
    assert "Dedicated innovation funding" not in svg
    assert "Dedicated innovation funding" in get("/metrics/funding_share.svg?lang=en").body.decode("utf-8")


def test_profile_compare_home_map_in_french():
    page = _html("/cities/toronto?lang=fr")
    assert FRENCH["funding_share"] in page and ENGLISH["funding_share"] not in page
    assert "Canada (CA), Amérique du Nord" in page, "country and region in French"
    page = _html("/compare?cities=toronto,brevathorpe&lang=fr")
    assert FRENCH["explicit_strategy"] in page and ENGLISH["explicit_strategy"] not in page
    page = _html("/?lang=fr")
    assert FRENCH["partnership_breadth"] in page
    page = _html("/map?lang=fr")
    assert '<option value="funding_share">' + FRENCH["funding_share"] in page
    assert '<option value="North America">Amérique du Nord</option>' in page
    assert '<option value="Asia-Pacific">Asie-Pacifique</option>' in page
    page = _html("/map?lang=fr&metric=funding_share")
    assert FRENCH["funding_share"] in page


def test_regions_and_countries_in_french():
    page = _html("/cities?lang=fr")
    for en, fr in [("North America", "Amérique du Nord"), ("Europe", "Europe"), ("Latin America", "Amérique latine"),
                   ("Asia-Pacific", "Asie-Pacifique"), ("Africa", "Afrique"), ("Middle East", "Moyen-Orient")]:
        assert '<option value="%s">%s</option>' % (en, fr) in page, en
    assert "Corée du Sud (KR)" in page and "Allemagne (DE)" in page, "iso-codes' French names"
    assert "<td>Amérique du Nord</td>" in _html("/cities?lang=fr&region=North+America")
    page = _html("/cities?lang=en")
    assert '<option value="North America">North America</option>' in page and "South Korea (KR)" in page
    # a French page finds a country by its French name too; an English one by its English name only
    assert "Allemagne (DE)</td>" in _html("/cities?lang=fr&q=Allemagne")
    assert "Allemagne (DE)</td>" in _html("/cities?lang=fr&q=Germany")
    assert "(DE)</td>" not in _html("/cities?lang=en&q=Allemagne")
    # the peers drop-downs of the profile
    page = _html("/cities/toronto?lang=fr")
    assert '<option value="Europe">Europe</option>' in page and '>Moyen-Orient</option>' in page


def test_json_keeps_english_title_with_french_beside():
    for q in ["", "?lang=fr"]:
        ms = {m["id"]: m for m in get_json("/metrics.json" + q)["metrics"]}
        assert ms["funding_share"]["title"] == ENGLISH["funding_share"]
        assert ms["funding_share"]["title_fr"] == FRENCH["funding_share"]
        assert ms["funding_share"]["description_fr"].startswith("La ville dispose-t-elle")
    m = get_json("/metrics/funding_share.json?lang=fr")["metric"]
    assert m["title"] == ENGLISH["funding_share"] and m["title_fr"] == FRENCH["funding_share"], m
    d = get_json("/compare.json?cities=toronto,brevathorpe&lang=fr")
    m = {m["id"]: m for m in d["metrics"]}["explicit_strategy"]
    assert m["title"] == ENGLISH["explicit_strategy"] and m["title_fr"] == FRENCH["explicit_strategy"], m
    d = get_json("/cities/toronto.json?lang=fr")
    m = {m["id"]: m for m in d["metrics"]}["partnership_breadth"]
    assert m["title"] == ENGLISH["partnership_breadth"] and m["title_fr"] == FRENCH["partnership_breadth"], m
    # CSV keeps the English (codes and the catalogue's own columns)
    assert ENGLISH["funding_share"] in get("/metrics.csv?lang=fr").body.decode("utf-8")


def test_english_fallback_marked_when_a_plugin_has_no_french():
    old = psql("select title_fr || '|' || description_fr from metrics where id = 'innovation_roles'")
    psql("update metrics set title_fr = null, description_fr = null where id = 'innovation_roles'; "
         "select bump_data_version()")
    try:
        page = _html("/metrics?lang=fr")
        assert '<span lang="en">Innovation roles</span>' in page, "the English title, marked"
        assert '<span lang="en">How many different innovation skills' in page, "the English description"
        page = _html("/metrics/innovation_roles?lang=fr")
        assert '<h1><span lang="en">Innovation roles</span></h1>' in page
        page = _html("/cities/toronto?lang=fr")
        assert '<span lang="en">Innovation roles</span>' in page
        m = {m["id"]: m for m in get_json("/metrics.json?lang=fr")["metrics"]}["innovation_roles"]
        assert "title_fr" not in m and "description_fr" not in m and m["title"] == "Innovation roles", m
        # English pages never mark their own language
        assert '<span lang="en">Innovation roles' not in _html("/metrics?lang=en")
    finally:
        t, d = old.split("|", 1)
        psql("update metrics set title_fr = '%s', description_fr = '%s' where id = 'innovation_roles'; "
             "select bump_data_version()" % (t.replace("'", "''"), d.replace("'", "''")))
    assert "R\u00f4les d\u2019innovation" in _html("/metrics?lang=fr")


PLUGIN = '''return {
  id = "fr_names_probe", title = "Probe", description = "A probe.",%s
  unit = "share", higher_is_better = true, version = "0.1", inputs = { "dedicated_funding" },
  compute = function(city) return nil end,
}
'''


def _check(extra):
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(PLUGIN % extra)
    try:
        return cli("plugin", "check", f.name, check=False)
    finally:
        os.unlink(f.name)


def test_plugin_check_validates_the_french_fields():
    st, out, err = _check('\n  title_fr = "Sonde", description_fr = "Une sonde\u202f!",')
    assert st == 0, (st, out, err)
    st, out, err = _check("")
    assert st == 0, (st, out, err)
    st, out, err = _check("\n  title_fr = 42,")
    assert st == 1 and "title_fr" in err and "must be a string" in err, (st, err)
    st, out, err = _check("\n  description_fr = { 'x' },")
    assert st == 1 and "description_fr" in err and "must be a string" in err, (st, err)
    st, out, err = _check('\n  title_fr = "%s",' % ("é" * 101))
    assert st == 1 and "title_fr" in err and "200 bytes" in err, (st, err)
    st, out, err = _check('\n  title_fr = "",')
    assert st == 1 and "title_fr" in err, (st, err)
    st, out, err = _check('\n  title_fr = "two\\nlines",')
    assert st == 1 and "title_fr" in err and "one line" in err, (st, err)
    st, out, err = _check('\n  titel_fr = "Sonde",')
    assert st == 1 and "titel_fr" in err and "did you mean title_fr" in err, (st, err)


def test_preview_carries_title_fr():
    rt = researcher_token("fr-names")
    r = post("/api/plugins/preview", PLUGIN % '\n  title_fr = "Sonde",', "text/x-lua", rt)
    assert r.status == 200, r.body[:300]
    m = r.json()["metrics"][0]
    assert m["title"] == "Probe" and m["title_fr"] == "Sonde", m
    r = post("/api/plugins/preview", PLUGIN % "", "text/x-lua", rt)
    assert r.status == 200 and "title_fr" not in r.json()["metrics"][0], r.body[:300]


def test_cli_city_lang():
    slug = "lang-%d" % os.getpid()
    cli("city", "add", slug, "--name", "Moncton test", "--country", "CA", "--region", "North America",
        "--lang", "fr")
    assert psql("select lang from cities where slug = '%s'" % slug) == "fr"
    st, out, err = cli("city", "edit", slug, "--lang", "de", check=False)
    assert st == 1 and "--lang takes en or fr" in err, (st, err)
    st, out, err = cli("city", "edit", slug, "--lang", "FR; drop table cities", check=False)
    assert st == 1, (st, err)
    assert psql("select lang from cities where slug = '%s'" % slug) == "fr", "a refused edit changes nothing"
    st, out, err = cli("city", "edit", slug, "--lang", check=False)
    assert st == 2 and "--lang needs a value" in err, (st, err)
    cli("city", "edit", slug, "--lang", "en")
    assert psql("select lang from cities where slug = '%s'" % slug) == "en"
    # without --lang an edit keeps it; add without --lang is English
    cli("city", "edit", slug, "--lang", "fr")
    cli("city", "edit", slug, "--population", "79000")
    assert psql("select lang from cities where slug = '%s'" % slug) == "fr"
    st, out, err = cli("city", "add", "--help")
    assert "[--lang en|fr]" in out
    audit = cli("audit", "--city", slug)[1]
    assert '"lang"' in audit or "lang" in audit, audit[-500:]
