"""Languages (issue 20, contract "Languages"): lang=en|fr, else Accept-Language, else English; the
choice in the cache key; links keep it; <html lang>, hreflang alternates and a language switch on every
page; errors in the page's language on HTML pages, a stable code in JSON; the gettext coverage."""
import csv as csvmod
import io
import os
import re
import shutil
import subprocess
import tempfile

from cb import get

ROOT = os.environ.get("CITYBENCH_ROOT") or os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
PAGES = ["/", "/cities", "/cities/toronto", "/compare?cities=toronto,montreal", "/metrics", "/data", "/upload",
         "/signin", "/guide", "/map", "/feed"]


def _lang(r):
    m = re.search(r'<html lang="([a-z]+)"', r.text)
    return m.group(1) if m else None


def test_lang_param_and_default():
    for path in ["/", "/cities", "/cities/toronto", "/metrics"]:
        assert _lang(get(path)) == "en", path
        fr = get(path + ("&" if "?" in path else "?") + "lang=fr")
        assert fr.status == 200 and _lang(fr) == "fr", path
        assert fr.header("Content-Language") == "fr"
        assert _lang(get(path + ("&" if "?" in path else "?") + "lang=en")) == "en"
    # another value is as if absent: English, no error
    for bad in ["de", "", "xx-fr", "f", "fr%00", "%ff"]:
        r = get("/cities?lang=" + bad)
        assert r.status in (200, 400) and r.status != 500, (bad, r.status)
        if r.status == 200:
            assert _lang(r) == "en", bad
    assert _lang(get("/cities?lang=FR")) == "fr" and _lang(get("/cities?lang=fr-CA")) == "fr"


def test_accept_language():
    cases = [
        ("fr", "fr"), ("fr-CA,fr;q=0.9,en;q=0.8", "fr"), ("en-GB,en;q=0.9,fr;q=0.8", "en"),
        ("de-DE,de;q=0.9,fr;q=0.5", "fr"), ("de", "en"), ("fr;q=0, en", "en"), ("*", "en"),
        ("en;q=0.2, fr;q=0.7", "fr"), ("fr;q=0.5, en;q=0.5", "fr"), ("en, fr", "en"),
        ("fr;q=abc", "en"), (";;;,,,q=", "en"), ("x" * 3000, "en"),
    ]
    for header, want in cases:
        r = get("/cities", headers={"Accept-Language": header})
        assert r.status == 200 and _lang(r) == want, (header, _lang(r))
        assert "Accept-Language" in (r.header("Vary") or ""), header
    # lang= wins over the header
    assert _lang(get("/cities?lang=en", headers={"Accept-Language": "fr"})) == "en"


def test_cache_key_separates_languages():
    # the same address, asked twice in each language: the second of each comes from the shared cache
    for _ in range(2):
        en = get("/metrics", headers={"Accept-Language": "en"})
        fr = get("/metrics", headers={"Accept-Language": "fr"})
        assert _lang(en) == "en" and _lang(fr) == "fr"
        assert en.header("ETag") != fr.header("ETag"), (en.header("ETag"), fr.header("ETag"))
    # a conditional GET with the English tag does not give the French page a 304
    r = get("/metrics", headers={"Accept-Language": "fr", "If-None-Match": en.header("ETag")})
    assert r.status == 200 and _lang(r) == "fr"
    r = get("/metrics", headers={"Accept-Language": "fr", "If-None-Match": fr.header("ETag")})
    assert r.status == 304


def test_links_keep_the_choice():
    for path in ["/", "/cities", "/cities/toronto", "/metrics"]:
        page = get(path + ("&" if "?" in path else "?") + "lang=fr").text
        # links, and the addresses POST forms send to (a GET form carries a hidden lang field instead)
        hrefs = re.findall(r' href="(/[^"]*)"', page) + \
            re.findall(r'<form\b[^>]*method="post"[^>]*action="(/[^"]*)"', page, re.I) + \
            re.findall(r'<form\b[^>]*action="(/[^"]*)"[^>]*method="post"', page, re.I)
        inside = [h for h in hrefs if not h.startswith(("/static/", "//"))]
        assert inside, path
        lost = [h for h in inside if "lang=" not in h]
        assert not lost, (path, lost[:10])
        # GET forms carry the language as a field
        for form in re.findall(r"<form\b[^>]*>.*?</form>", page, re.S):
            if 'method="post"' not in form.lower():
                assert '<input type="hidden" name="lang" value="fr">' in form, (path, form[:200])
        # English chosen explicitly with a French browser: links keep lang=en
        en = get(path + ("&" if "?" in path else "?") + "lang=en", headers={"Accept-Language": "fr"}).text
        assert '<a href="/cities?lang=en">' in en, path
    # without lang= the links are bare (the browser's header chooses again)
    assert '<a href="/cities">' in get("/", headers={"Accept-Language": "fr"}).text
    # a redirect keeps it too (forgiving search: one match goes straight to the city)
    r = get("/cities?q=toronto&lang=fr")
    if r.status in (301, 302, 303):
        assert "lang=fr" in r.header("Location"), r.header("Location")


def test_frame_lang_switch_and_alternates():
    for path in PAGES:
        for lang in ["en", "fr"]:
            r = get(path + ("&" if "?" in path else "?") + "lang=" + lang)
            if r.status != 200 or not (r.header("Content-Type") or "").startswith("text/html"):
                continue
            page = r.text
            assert _lang(r) == lang, path
            assert '<link rel="alternate" hreflang="en" href="' in page and \
                '<link rel="alternate" hreflang="fr" href="' in page, path
            sw = re.search(r'<nav class="lang-switch" aria-label="([^"]+)">(.*?)</nav>', page, re.S)
            assert sw, path
            assert sw.group(1) == ("Language" if lang == "en" else "Langue")
            other = "fr" if lang == "en" else "en"
            name = {"en": "English", "fr": "Français"}
            # the other language a link to this page in it, the page's own plain text
            assert re.search(r'<a lang="%s" hreflang="%s" href="[^"]*lang=%s">%s</a>' % (other, other, other, name[other]),
                             sw.group(2)), (path, sw.group(2))
            assert '<span class="current" lang="%s">%s</span>' % (lang, name[lang]) in sw.group(2), path
    fr = get("/cities?lang=fr").text
    assert ">Villes</a>" in fr and ">Aller au contenu principal</a>" in fr


def test_errors_in_the_page_language_and_json_codes():
    r = get("/cities/no-such-city-xyz?lang=fr")
    assert r.status == 404 and _lang(r) == "fr"
    assert "404 Introuvable" in r.text and 'lang="en"' in r.text
    r = get("/no/such/page?lang=fr")
    assert r.status == 404 and "cette page n&#39;existe pas" in r.text, r.text[-800:]
    assert get("/cities/no-such-city-xyz").text.count("Not Found") >= 1
    for path, status, code in [("/cities/no-such-city-xyz.json", 404, "not_found"),
                               ("/cities.json?limit=abc", 400, "bad_request"),
                               ("/cities.json?lang=fr&limit=abc", 400, "bad_request")]:
        r = get(path)
        e = r.json()["error"]
        assert r.status == status and e["status"] == status and e["code"] == code, (path, e)
    # JSON keeps English messages whatever the language
    e = get("/cities.json?lang=fr&limit=abc").json()["error"]
    assert e["message"].startswith("limit must be"), e


def test_json_and_csv_keep_numbers_and_codes():
    en = get("/cities/toronto.json").json()
    fr = get("/cities/toronto.json?lang=fr").json()
    assert en["answers"] == fr["answers"] and en["cohort"] == fr["cohort"]
    # the labels follow the language; codes and values stay as they are (no French digit grouping)
    rows = list(csvmod.DictReader(io.StringIO(get("/cities/toronto/answers.csv?lang=fr").text)))
    assert any(r["question"] == "dedicated_funding" for r in rows)
    pop = [r for r in rows if r["question"] == "population" and r["survey"] == "2020"][0]
    assert pop["value"] == "2800000" and pop["label"] == "Population de la ville", pop
    assert not any("\u202f" in r["value"] for r in rows if r["question"] not in ("spotlight",))


def test_gettext_coverage():
    """Every message marked in the sources has a French translation in po/fr.po (xgettext now,
    merged into the po, no untranslated or fuzzy entry)."""
    if not shutil.which("xgettext"):
        raise AssertionError("gettext's tools are missing (Debian package gettext)")
    out = subprocess.run(["make", "-s", "-C", ROOT, "--no-print-directory", "po-check"], capture_output=True,
                         text=True)
    assert out.returncode == 0, out.stdout + out.stderr


# The body of the pages translated (issue 20, items 1 and 5): English phrases each page shows in English
# that its French version must not show, and French ones it must.
BODY_FR = [
    ("/cities/toronto", ["Compare with", "Peers in the region", "Any region", "Back to the sections",
                         "Compare Toronto with other cities", "Each city at its latest wave", ">Show<",
                         "Leave empty to compare", "answers by wave", "This profile as JSON", " of its plugin",
                         "Compare with these", "rank 1 of", "metrics by wave", "Situated in", "consists of",
                         "municipal innovation survey", "cities most like it"],
     ["Comparer Toronto avec d’autres villes…", "Pairs dans la région", "Retour aux sections",
      "Réponses de Toronto par vague", "Rang", "Centile", "Toronto\u202f: indicateurs par vague",
      "indicateurs classés parmi", "les villes qui lui ressemblent le plus"]),
    ("/compare?cities=toronto,aldilmere", ["Untick a city", "Add cities", "None ticked", "Peers (for ranks)",
                                           "Metric values in the", ", percentile", "rank 1 of",
                                           "Answers side by side", "Change the comparison",
                                           "This comparison as data", "Choose the questions to compare",
                                           "side by side in the", "with each city"],
     ["Modifier la comparaison", "Valeurs des indicateurs pour la vague 2020", "centile",
      "Les réponses côte à côte", "Cette comparaison en données", "Toronto et Aldilmere côte à côte dans"]),
    ("/compare?cities=toronto,torronto", ["No city called", "Did you mean", "Choose at least two cities"],
     ["Aucune ville ne s’appelle", "Vouliez-vous dire", "\u202f?"]),
    ("/metrics/data_sufficiency?city=toronto", ["Embed this chart", "Highlight a city", "every city with a value",
                                                "How it is computed", "Cities with a value", "the share of these cities",
                                                "how many cities have each value", ": ranking", "Rank 1 is the best",
                                                ">Better<", ">higher<", "As a frame"],
     ["Intégrer ce graphique", "Mettre une ville en évidence", "Comment il est calculé", "Résumé",
      "rang <span id=\"highlight-rank\">", "\u202f: classement", "Le rang 1 est le meilleur", ">plus haut<",
      "Histogramme des valeurs de"]),
    ("/metrics/data_sufficiency?survey=latest", ["Each city at the latest wave it answered", "cities at their"],
     ["Chaque ville à la dernière vague à laquelle elle a répondu", "villes selon leur réponse de"]),
    ("/metrics", ["Active metrics", "What it measures", "Each metric is computed by a plugin", ">higher<"],
     ["Indicateurs actifs", "Ce qu’il mesure", "Chaque indicateur est calculé", ">Meilleur<"]),
    ("/map?peers=region:Europe&metric=data_sufficiency", ["Any policy area", "Shade by metric", "Other filters",
                                                           "answered the 2020 survey", "match the filters",
                                                           "Cities on the map", "In the filters", "No value",
                                                           "Narrow image, for phones", "Under 250,000"],
     ["Tous les domaines d’action", "Colorer selon l’indicateur", "Autres filtres",
      "ont répondu à l’enquête 2020", "correspondent aux filtres", "Villes sur la carte", "Aucune valeur",
      "Moins de 250 000", "Filtres\u202f: "]),
    ("/cities?region=Europe", ["City name", "Answered the wave", "Any wave", ">Search<", "cities found",
                               "Download as CSV", "Next page"],
     ["Nom de la ville", "A répondu à la vague", "Toutes les vagues", ">Rechercher<", "villes trouvées",
      "Télécharger en CSV", "Page suivante"]),
    ("/", ["Find a city", "Browse the cities", "Partner cities", "Upload your answers", "Write a metric plugin",
           "What the data is", "cities here)", "citybench holds", "Where it comes from", "is a real city",
           "The rest of the cohort is synthetic", "reuse them freely", "The metrics"],
     ["Trouver une ville", "Parcourir les villes", "Villes partenaires", "Ce que sont les données",
      "villes ici)", "citybench contient", "D’où elles viennent", "Le reste de la cohorte est fictif",
      "réutilisez-les librement", "Les indicateurs"]),
    ("/upload?city=toronto", ["Start from your current answers", "Download your current answers",
                              "First upload for this wave", "Your city (its slug)", "Show my downloads",
                              "Your city's token", "Answers file (CSV or JSON)", "Check only (dry run)",
                              "Or upload from a program", "Partner cities send", "2. Upload the file",
                              "it stores the upload"],
     ["Partir de vos réponses actuelles", "Télécharger vos réponses actuelles (CSV)", "Envoyer le fichier",
      "Le jeton de votre ville", "essai à blanc", "Ou envoyer depuis un programme", "vague 2020"]),
    ("/data", ["Everything the portal shows", "Files per survey wave", "Every metric value", "an empty upload form",
               "Every other city is synthetic", "The questionnaire follows", "with the population registered"],
     ["Téléchargements", "Fichiers par vague d&#39;enquête", "Toutes les autres villes sont fictives",
      "un formulaire d&#39;envoi vide", "Licence"]),
    ("/plugins/preview", ["Preview a plugin", "Run a metric plugin", "Previews are for researchers"],
     ["Prévisualiser un module", "réservées aux chercheurs", "Comment en écrire un"]),
    ("/plugins", ["Plugins submitted for review", "Researchers submit metric plugins"],
     ["Modules soumis à examen", "la page de prévisualisation"]),
    ("/cities/toronto/similar", ["Cities like Toronto", "How the score is computed", "What they share",
                                 "Compare with the first five", "most alike first"],
     ["Villes proches de Toronto", "Comment le score est calculé", "Ce qu&#39;elles ont en commun",
      "Comparer avec les cinq premières"]),
    ("/cities/toronto/submissions", ["Versions of Toronto", "Every accepted upload", "Back to the profile",
                                     "Every wave", "Versions by wave", "Answers given", "Download as CSV"],
     ["Versions des réponses de Toronto", "Retour au profil", "Toutes les vagues", "Réponses données",
      "Versions par vague"]),
    ("/upload?city=no-such-city-xyz", ["No city is registered as"],
     ["Aucune ville n'est enregistrée sous «\u202fno-such-city-xyz\u202f»"]),
]


def test_page_bodies_in_french():
    for path, english, french in BODY_FR:
        fr = get(path + ("&" if "?" in path else "?") + "lang=fr")
        assert fr.status in (200, 404) and _lang(fr) == "fr", path
        for phrase in english:
            assert phrase not in fr.text, (path, phrase)
        for phrase in french:
            assert phrase in fr.text, (path, phrase)
        # the data formats keep their own names (a twin link reads "JSON", not a validation phrase's "du JSON")
        assert ">du JSON</a>" not in fr.text, path
        # the English page still says it in English
        en = get(path)
        assert sum(1 for phrase in english if phrase in en.text) >= len(english) // 2, path


def test_upload_report_in_french():
    """The upload form's answers in French: the refusal page, each problem and where it is, the summary;
    the JSON API keeps its English messages."""
    import uuid
    from cb import new_city, post, token_for_city
    slug = new_city("frup")
    tok = token_for_city(slug)
    b = "----cbtest" + uuid.uuid4().hex
    ct = "multipart/form-data; boundary=" + b

    def form(parts):
        out = b""
        for name, value, filename in parts:
            out += ("--%s\r\nContent-Disposition: form-data; name=\"%s\"%s\r\n\r\n" %
                    (b, name, '; filename="%s"' % filename if filename else "")).encode() + value + b"\r\n"
        return out + ("--%s--\r\n" % b).encode()
    bad = ("city,survey,question,value\n%s,2020,dedicated_funding,perhaps\n%s,2020,no_such_q,1\n" %
           (slug, slug)).encode()
    fr = {"Accept-Language": "fr"}
    r = post("/upload", form([("token", tok.encode(), None), ("file", bad, "a.csv")]), ct, headers=fr)
    assert r.status == 422 and _lang(r) == "fr", r
    for phrase in ["Upload refused", "Nothing was stored", "problems</h2>", "Row 2", "is not yes or no",
                   "Unknown question", "The upload breaks the questionnaire", "Try again"]:
        assert phrase not in r.text, phrase
    for phrase in ["Envoi refusé", "Rien n&#39;a été enregistré.", "2 problèmes", "Ligne 2, colonne <code>value</code>\u202f:",
                   "«\u202fperhaps\u202f» n'est ni oui ni non\u202f: dedicated_funding accepte",
                   "Question inconnue «\u202fno_such_q\u202f».", "Réessayer"]:
        assert phrase in r.text, (phrase, r.text[-3000:])
    # English unchanged
    r = post("/upload", form([("token", tok.encode(), None), ("file", bad, "a.csv")]), ct)
    assert r.status == 422 and "Upload refused" in r.text and "Row 2, column <code>value</code>:" in r.text
    assert '"perhaps" is not yes or no: dedicated_funding takes' in r.text
    # a dry run that passes, in French
    good = ("city,survey,question,value\n%s,2020,dedicated_funding,yes\n" % slug).encode()
    r = post("/upload", form([("token", tok.encode(), None), ("file", good, "a.csv"), ("dry_run", b"1", None)]), ct,
             headers=fr)
    assert r.status == 200 and "Envoi vérifié" in r.text and "Envoyer pour de bon" in r.text, r
    assert "passes every check" not in r.text and "Answers changed" not in r.text
    # the JSON API keeps English whatever the language
    r = post("/api/submissions?lang=fr", bad, "text/csv", token=tok, headers=fr)
    assert r.status == 422 and "is not yes or no" in r.text, r


def test_answers_form_in_french():
    """The web answer form, its refusal (each problem beside its field, translated) and its notice."""
    from cb import new_city, token_for_city
    from test_session import form_fields, form_post, jar, replace, signin
    slug = new_city("frans")
    sid = signin(token_for_city(slug))
    fr = {"Accept-Language": "fr"}
    page = get("/cities/%s/answers?survey=2020" % slug, headers=dict(jar(sid), **fr))
    assert page.status == 200 and _lang(page) == "fr"
    for phrase in ["questionnaire <span", "Save answers", "No answer", "Your answers are stored as a new version",
                   "the versions page", "A whole number"]:
        assert phrase not in page.text, phrase
    for phrase in ["Répondre au questionnaire 2020", "Enregistrer les réponses", "Sans réponse",
                   "la page des versions", "Un nombre entier"]:
        assert phrase in page.text, phrase
    fields = replace(form_fields(page.text), "a.team1_staff", "20000")
    fields = replace(fields, "a.approach", "sideways")
    r = form_post("/cities/%s/answers?survey=2020" % slug, fields, sid, headers=fr)
    assert r.status == 422 and _lang(r) == "fr", r
    assert "Nothing was stored" not in r.text and "out of range" not in r.text and "is not an option" not in r.text
    assert "Rien n&#39;a été enregistré\u202f: 2 réponses à corriger" in r.text or \
        "Rien n'a été enregistré\u202f: 2 réponses à corriger" in r.text, r.text[:3000]
    assert "La valeur de team1_staff est hors limites (de 0 à 10\u202f000)." in r.text or \
        "La valeur de team1_staff est hors limites (de 0 à 10000)." in r.text, r.text[:3000]
    assert "«\u202fsideways\u202f» n'est pas une option de approach" in r.text
    # signed out: how to sign in, in French
    r = get("/cities/%s/answers?survey=2020&lang=fr" % slug)
    assert "Connectez-vous avec le jeton de votre ville" in r.text and "Sign in with your city" not in r.text


def test_signin_in_french():
    import urllib.parse
    from cb import post
    r = get("/signin?lang=fr")
    for phrase in ["Your token", "You stay signed in for 8 hours", "Partner cities sign in", ">Sign in</button>"]:
        assert phrase not in r.text, phrase
    for phrase in ["Votre jeton", "Vous restez connecté 8 heures", ">Se connecter</button>"]:
        assert phrase in r.text, phrase
    r = post("/signin", urllib.parse.urlencode({"token": "cb_1_nope"}), "application/x-www-form-urlencoded",
             headers={"Accept-Language": "fr"})
    if r.status == 401:
        assert "That token was not accepted" not in r.text and "Ce jeton n'a pas été accepté\u202f:" in r.text, r.text
    r = post("/signin", urllib.parse.urlencode({"token": "cb_1_nope"}), "application/x-www-form-urlencoded")
    if r.status == 401:
        assert "That token was not accepted: " in r.text


def test_guide_content_is_marked_english():
    fr = get("/guide?lang=fr").text
    assert _lang(get("/guide?lang=fr")) == "fr" and '<div lang="en">' in fr
    assert '<div lang="en">' not in get("/guide").text
