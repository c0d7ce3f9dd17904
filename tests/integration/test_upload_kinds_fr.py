"""Issue 20: an upload's validation messages by kind.  Every detail (and the summary) of a refused upload
carries a stable `code` and its `args` beside the English `message` (unchanged); an HTML page writes the
kind's French template with the same values.  Each kind the shipped questionnaires can meet is driven
through the real interface (the API for the codes, the upload form in French for the text); the sources'
kinds all have a French template in po/fr.po."""
import json
import os
import re
import uuid

from cb import new_city, post, token_for_city

ROOT = os.environ.get("CITYBENCH_ROOT") or os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
API = "/api/submissions"
H = "city,survey,question,value\n"
NNBSP = "\u202f"
FR = {"Accept-Language": "fr"}


def _kinds():
    """The kinds of cgi/domain/vmsg.c: code -> [English templates]."""
    src = open(os.path.join(ROOT, "cgi/domain/vmsg.c"), encoding="utf-8").read()
    table = src[src.index("vmsg_kinds[] = {"):src.index("vmsg_nkinds =")]
    kinds = {}
    for m in re.finditer(r'\{ "([a-z0-9_]+)", (N_|NP_)\((.*?)\)(?:,\s*NULL)?,\s*\d', table, re.S):
        forms = re.findall(r'"(?:[^"\\]|\\.)*"(?:\s*"(?:[^"\\]|\\.)*")*', m.group(3))
        kinds[m.group(1)] = ["".join(lit[1:-1] for lit in re.findall(r'"(?:[^"\\]|\\.)*"', f)).replace('\\"', '"')
                             for f in forms]
    return kinds


def _po():
    """po/fr.po: msgid -> [msgstr...] (the translated ones)."""
    text = open(os.path.join(ROOT, "po/fr.po"), encoding="utf-8").read()
    out = {}
    for block in text.split("\n\n"):
        if "#, fuzzy" in block or block.lstrip().startswith("#~"):
            continue
        cur, parts = None, {}
        for line in block.split("\n"):
            m = re.match(r'^(msgid|msgid_plural|msgstr(?:\[\d\])?) "(.*)"$', line)
            if m:
                cur = m.group(1)
                parts[cur] = m.group(2)
            elif line.startswith('"') and cur:
                parts[cur] += line[1:-1]
        if "msgid" in parts:
            strs = [v.replace('\\"', '"') for k, v in sorted(parts.items()) if k.startswith("msgstr")]
            out[parts["msgid"].replace('\\"', '"')] = strs
    return out


def test_every_kind_has_a_french_template_and_every_code_used_is_a_kind():
    kinds = _kinds()
    assert len(kinds) >= 60, sorted(kinds)
    po = _po()
    for code, tmpls in kinds.items():
        assert tmpls and tmpls[0] in po, (code, tmpls)
        strs = po[tmpls[0]]
        assert strs and all(s for s in strs), (code, strs)
        for k in re.findall(r"\{\d\}", "".join(tmpls)):
            assert k in "".join(strs), (code, k, strs)
    used = set()
    for d in ("cgi/domain", "cgi/pages", "cgi/lib", "cgi/cli"):
        for name in os.listdir(os.path.join(ROOT, d)):
            if name.endswith(".c"):
                src = open(os.path.join(ROOT, d, name), encoding="utf-8").read()
                used |= set(re.findall(r'(?:ingest_problem_k\(in, [^,\n]+, [^,\n]+, |vmsg_make\(|ingest_summary\(in, |'
                                       r'vprob\(p, |seterr\(err, [^,\n]+, [^,\n]+, )"([a-z0-9_]+)"', src))
    assert used and not used - set(kinds), sorted(used - set(kinds))


def _form(tok, data, filename):
    b = "----cbtest" + uuid.uuid4().hex
    out = b""
    for name, value, fn in [("token", tok.encode(), None), ("file", data, filename)]:
        out += ("--%s\r\nContent-Disposition: form-data; name=\"%s\"%s\r\n\r\n" %
                (b, name, '; filename="%s"' % fn if fn else "")).encode() + value + b"\r\n"
    return out + ("--%s--\r\n" % b).encode(), "multipart/form-data; boundary=" + b


def _html_text(s):
    return s.replace("&#39;", "'").replace("&quot;", '"').replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")


def test_each_kind_in_french_through_the_form():
    slug = new_city("frkinds")
    other = new_city("frkinds")
    j = lambda o: json.dumps(o).encode()  # noqa: E731
    c = lambda rows: (H + "".join("%s\n" % r for r in rows)).encode()  # noqa: E731
    long_field = "x" * 70000
    # (the kind, the body, the file's name, a French phrase the page must show)
    cases = [
        ("body_empty", b"", "a.csv", "Le fichier ne contient rien"),
        ("file_kind", b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 40, "a.csv",
         "Le fichier est un classeur de tableur (un fichier Excel .xlsx ou OpenDocument .ods), pas un fichier CSV. "
         "Ouvrez-le dans votre tableur"),
        ("file_kind", b"\xff\xfec\x00i\x00t\x00y\x00", "a.json", "du texte UTF-16"),
        ("not_utf8", b"city,survey\n\xe9t\xe9\n", "a.csv", "Le fichier est binaire ou dans un autre codage que UTF-8"),
        ("separator", ("city;survey;question;value\n%s;2020;mayor;x\n" % slug).encode(), "a.csv",
         "Le fichier sépare ses champs par des points-virgules (;), pas par des virgules. Dans votre tableur"),
        ("separator", ("city\tsurvey\tquestion\tvalue\n").encode(), "a.csv", "par des tabulations"),
        ("column_unknown", b"city,survey,question,value,colour\n", "a.csv", "La colonne «" + NNBSP + "colour"),
        ("column_twice", b"city,survey,question,value,city\n", "a.csv", "figure deux fois dans l'en-tête"),
        ("column_missing", b"city,survey,question\n", "a.csv", "La colonne «" + NNBSP + "value" + NNBSP + "» manque"),
        ("row_fields", c(["%s,2020,mayor" % slug]), "a.csv", "Cette ligne a 3 champs là où l'en-tête en a 4"),
        ("csv_fields_max", (",".join(["a"] * 1001) + "\n").encode(), "a.csv", "Plus de 1000 champs dans un enregistrement"),
        ("csv_quote_open", c(['%s,2020,mayor,"Jane' % slug]), "a.csv", "n'est jamais fermé"),
        ("csv_after_quote", c(['%s,2020,mayor,"Jane"x' % slug]), "a.csv", "Des caractères suivent le guillemet fermant"),
        ("csv_field_long", c(["%s,2020,mayor,%s" % (slug, long_field)]), "a.csv", "Champ de plus de 65536 octets"),
        ("csv_no_rows", b"\n", "a.csv", "Le fichier ne contient aucune ligne"),
        ("json_syntax", b"{\"city\":", "a.json", "Ligne 1, colonne"),
        ("json_list_empty", b"[]", "a.json", "La liste est vide"),
        ("json_not_object", b"[1]", "a.json", "Un objet avec city, survey et answers est attendu"),
        ("json_field_unknown", j({"city": slug, "survey": "2020", "answers": {"mayor": "J"}, "colour": 1}), "a.json",
         "Le champ «" + NNBSP + "colour" + NNBSP + "» ne fait pas partie d'un envoi"),
        ("json_city_type", j({"city": 1, "survey": "2020", "answers": {"mayor": "J"}}), "a.json",
         "La ville doit être une chaîne"),
        ("json_survey_type", j({"city": slug, "survey": 2020, "answers": {"mayor": "J"}}), "a.json",
         "La vague doit être une chaîne"),
        ("json_answers_type", j({"city": slug, "survey": "2020", "answers": []}), "a.json",
         "Les réponses doivent être un objet"),
        ("json_answers_empty", j({"city": slug, "survey": "2020", "answers": {}}), "a.json", "L'objet des réponses est vide"),
        ("city_empty", c([",2020,mayor,J"]), "a.csv", "La colonne city est vide à la ligne 2"),
        ("other_city", c(["%s,2020,mayor,J" % other]), "a.csv", "Ce jeton écrit pour"),
        ("wave_unknown", c(["%s,1999,mayor,J" % slug]), "a.csv", "Vague d'enquête inconnue «" + NNBSP + "1999"),
        ("question_unknown", c(["%s,2020,no_such_q,1" % slug]), "a.csv", "Question inconnue «" + NNBSP + "no_such_q"),
        ("question_not_in_wave", c(["%s,2020,external_funding,yes" % slug]), "a.csv",
         "n'est pas posée dans la vague 2020"),
        ("not_bool", c(["%s,2020,dedicated_funding,perhaps" % slug]), "a.csv", "n'est ni oui ni non"),
        ("option_unknown_list", c(["%s,2020,approach,nope" % slug]), "a.csv", "(options" + NNBSP + ":"),
        ("not_integer", c(["%s,2020,population,many" % slug]), "a.csv", "n'est pas un nombre entier"),
        ("not_url", c(["%s,2020,innovation_website,ftp://example.org" % slug]), "a.csv",
         "n'est pas une adresse web pour innovation_website" + NNBSP + ": elle ne commence pas par http:// ou https://"),
        ("not_url", c(["%s,2020,innovation_website,https://a b.org" % slug]), "a.csv", "contient une espace"),
        ("json_bool", j({"city": slug, "survey": "2020", "answers": {"dedicated_funding": "yes"}}), "a.json",
         "La question dedicated_funding accepte true ou false"),
        ("json_single", j({"city": slug, "survey": "2020", "answers": {"approach": 1}}), "a.json",
         "accepte un code d'option"),
        ("option_unknown", j({"city": slug, "survey": "2020", "answers": {"approach": "nope"}}), "a.json",
         "n'est pas une option de approach"),
        ("json_multi", j({"city": slug, "survey": "2020", "answers": {"policy_areas": "x"}}), "a.json",
         "accepte une liste de codes d'option"),
        ("json_multi_strings", j({"city": slug, "survey": "2020", "answers": {"policy_areas": [1]}}), "a.json",
         "(des chaînes)"),
        ("json_integer", j({"city": slug, "survey": "2020", "answers": {"population": "x"}}), "a.json",
         "accepte un nombre entier"),
        ("json_text", j({"city": slug, "survey": "2020", "answers": {"mayor": 1}}), "a.json", "accepte du texte"),
        ("json_url", j({"city": slug, "survey": "2020", "answers": {"innovation_website": 1}}), "a.json",
         "accepte une adresse web"),
        ("out_of_range", c(["%s,2020,population,0" % slug]), "a.csv", "est hors limites (de 1 à 100000000)"),
        ("control_char", j({"city": slug, "survey": "2020", "answers": {"mayor": "a\u0001b"}}), "a.json",
         "contient un caractère de contrôle"),
        ("too_long", c(["%s,2020,mayor,%s" % (slug, "y" * 201)]), "a.csv", "est trop longue (201 caractères"),
        ("multi_empty_and_options", c(["%s,2020,policy_areas," % slug, "%s,2020,policy_areas,health" % slug]), "a.csv",
         "est nommée avec une valeur vide et avec des options"),
        ("option_twice", c(["%s,2020,policy_areas,health" % slug, "%s,2020,policy_areas,health" % slug]), "a.csv",
         "L'option «" + NNBSP + "health" + NNBSP + "» de policy_areas est donnée deux fois"),
        ("question_twice", c(["%s,2020,mayor,A" % slug, "%s,2020,mayor,B" % slug]), "a.csv",
         "est nommée deux fois pour"),
        ("not_asked", c(["%s,2018,dedicated_funding,no" % slug, "%s,2018,external_funding,yes" % slug]), "a.csv",
         "n'est posée qu'aux villes dont la réponse à dedicated_funding est yes"),
    ]
    tokens = [token_for_city(slug) for _ in range(2)]
    seen = set()
    for i, (kind, body, fn, phrase) in enumerate(cases):
        tok = tokens[i % 2]
        ct = "application/json" if fn.endswith(".json") else "text/csv"
        if kind != "body_empty":
            r = post(API, body, ct, tok)
            assert r.status in (400, 403, 422), (kind, r)
            err = r.json()["error"]
            codes = [d.get("code") for d in err["details"]]
            if kind not in ("city_empty", "other_city"):
                assert kind in codes, (kind, err)
                d = err["details"][codes.index(kind)]
                assert d["message"] and isinstance(d["args"], list), d
            seen.add(kind)
        data, fct = _form(tok, body, fn)
        r = post("/upload", data, fct, headers=FR)
        assert r.status in (400, 403, 422), (kind, r)
        page = _html_text(r.text)
        assert phrase in page, (kind, phrase, page[page.find("<main"):][:3000])
        # the English wording of the kind is gone
        for tmpl in _kinds()[kind]:
            head = re.split(r"\{\d\}", tmpl)[0].strip()
            if len(head) > 12:
                assert head not in page, (kind, head)
        seen.add(kind)
    # the summaries, in French too
    r = post("/upload", *_form(tokens[0], c(["%s,2020,dedicated_funding,perhaps" % slug]), "a.csv"), headers=FR)
    assert "L'envoi ne respecte pas le questionnaire" + NNBSP + ": 1 problème." in _html_text(r.text)
    r = post("/upload", *_form(tokens[0], b"[1,2]", "a.json"), headers=FR)
    assert "Le JSON n'est pas un envoi" + NNBSP + ": 2 problèmes." in _html_text(r.text)
    # the kinds the shipped questionnaires and a healthy server cannot produce (no `number` question; out of
    # memory; the database failing; a byte NUL inside a field fails the file's UTF-8 check first)
    unreachable = {"not_number", "json_number", "csv_oom", "csv_nul", "csv_field_utf8", "oom", "busy",
                   "db_unreachable", "db_store", "db_commit", "over_limits", "researcher_upload", "would_clear",
                   "would_clear_summary", "csv_unreadable", "csv_empty", "json_unreadable", "json_shape_summary",
                   "no_answers", "json_not_upload", "invalid", "not_asked_summary", "file_kind_summary",
                   "not_utf8_summary", "separator_summary", "file_nothing", "no_answer_rows",
                   # the JSON reader takes only an object or an array at the top
                   "json_shape",
                   # a partner's upload naming another city is refused (403) before the names are checked
                   "city_unknown"}
    missing = set(_kinds()) - seen - unreachable
    assert not missing, sorted(missing)


def test_summaries_clear_and_researcher_in_french():
    """would_clear (the 409's details and summary), the researcher's refusal, a 400's summary."""
    from cb import researcher_token
    slug = new_city("frkinds")
    tok = token_for_city(slug)
    r = post(API, H + "%s,2020,mayor,Jane Doe\n" % slug, "text/csv", tok)
    assert r.status == 201, r
    body = (H + "%s,2020,mayor,\n" % slug).encode()
    r = post(API, body, "text/csv", tok)
    assert r.status == 409 and r.json()["error"]["details"][0]["code"] == "would_clear", r
    assert r.json()["error"]["details"][0]["args"] == ["mayor", '"Jane Doe"'], r.json()
    assert r.json()["error"]["message"].startswith("The upload would clear 1 answered question of "), r.json()
    page = _html_text(post("/upload", *_form(tok, body, "a.csv"), headers=FR).text)
    assert "L'envoi effacerait mayor (actuellement «" not in page  # the value is quoted as stored
    assert "L'envoi effacerait mayor (actuellement \"Jane Doe\")" + NNBSP + ": sa valeur y est vide" in page, page[-3000:]
    assert "L'envoi effacerait 1 question répondue de %s" % slug in page, page[-3000:]
    res = researcher_token("frkinds")
    page = _html_text(post("/upload", *_form(res, body, "a.csv"), headers=FR).text)
    assert "Un jeton de chercheur ne peut pas envoyer de réponses" in page, page[-2000:]
    r = post("/upload", *_form(tok, b"", "a.csv"), headers=FR)
    assert "Le corps de la requête est vide." in _html_text(r.text) and "Le fichier ne contient rien" in _html_text(r.text)
    r = post("/upload", *_form(tok, b"[]", "a.json"), headers=FR)
    page = _html_text(r.text)
    assert "L'envoi ne contient aucune réponse." in page and "La liste est vide." in page, page[-2000:]


def test_descriptions_and_scores_in_french():
    """Issue 20: <meta name=description> and og:description in the page's language; the similar-cities
    page's scores with a decimal comma in French (the exact value in <data value> keeps its point)."""
    import html as htmlmod
    from cb import get

    def metas(path):
        b = get(path).text
        d = htmlmod.unescape(re.search(r'<meta name="description" content="([^"]*)">', b).group(1))
        og = htmlmod.unescape(re.search(r'<meta property="og:description" content="([^"]*)">', b).group(1))
        return d, og
    d, og = metas("/cities/toronto?lang=fr")
    assert d == og and d.startswith("Toronto (") and "habitants" + NNBSP + ": ses réponses à l'enquête" in d, d
    assert "population" not in d and "metrics" not in d, d
    d, og = metas("/cities/toronto")
    assert "population 2,800,000: its answers to the" in d, d
    d, og = metas("/compare?cities=toronto,aldilmere&lang=fr")
    assert d == og and d.startswith("Toronto et Aldilmere côte à côte dans l'enquête"), d
    d, og = metas("/compare?lang=fr")
    assert d.startswith("Choisissez de deux à douze villes"), d
    d, og = metas("/cities/toronto/similar?lang=fr")
    assert d.startswith("citybench compare la façon"), d
    fr = get("/cities/toronto/similar?lang=fr").text
    scores = re.findall(r'<td class="num"><data value="([^"]*)">([^<]*)</data>', fr)
    assert scores and all(re.fullmatch(r"[01],\d\d", shown) for _, shown in scores), scores[:5]
    en = get("/cities/toronto/similar").text
    assert all(re.fullmatch(r"[01]\.\d\d", shown) for _, shown in
               re.findall(r'<td class="num"><data value="([^"]*)">([^<]*)</data>', en))


def test_versions_version_and_restore_in_french():
    """Issue 20: what a partner sees after an upload, in French: the versions, one version with what it
    changed."""
    from cb import get
    slug = new_city("frvers")
    tok = token_for_city(slug)
    for v in ("Jane", "Joan"):
        assert post(API, H + "%s,2020,mayor,%s\n" % (slug, v), "text/csv", tok).status == 201
    subs = get("/cities/%s/submissions.json" % slug).json()["submissions"]
    assert len(subs) == 2
    page = _html_text(get("/cities/%s/submissions?lang=fr" % slug).text)
    for phrase in ["Versions des réponses de", "2 versions.", "Version 1", "envoyée par la ville", "Toutes les vagues"]:
        assert phrase in page, (phrase, page[page.find("<main"):][:2000])
    for phrase in ["Versions of", "uploaded", "Every wave", "Answers given", "Back to the profile"]:
        assert phrase not in page, phrase
    page = _html_text(get("/submissions/%s?lang=fr" % subs[1]["id"]).text)
    for phrase in ["vague 2020, version 2", "Créée le (UTC)", "Les réponses que cette version a modifiées",
                   "modifiée", "Avant", "identique", "Toutes les versions", "Le profil actuel"]:
        assert phrase in page, (phrase, page[page.find("<main"):][:2000])
    for phrase in [" wave, version", "Created (UTC)", "Answers this version changed", "Every version",
                   ">same<", ">Before<"]:
        assert phrase not in page, phrase
    page = _html_text(get("/submissions/%s?lang=fr" % subs[0]["id"]).text)
    assert "La première version" + NNBSP + ": chaque réponse est nouvelle." in page
