"""Toronto's profile in French (issue 20): the English reference statements that test_pages.py and
test_00_reference.py check, translated, with French typography: a narrow no-break space (U+202F)
before % and between thousands, "sur" for "of", each sentence kind with its own word order.  Runs
right after test_00_reference, before later tests add cities to the cohort."""
import html as htmlmod
import re

from cb import get

NNBSP = "\u202f"


def _text(page):
    m = page[page.index("<main"):page.index("</main>")]
    m = re.sub(r"</?a\b[^>]*>", "", m)
    m = re.sub(r"</?(strong|data|code|span)\b[^>]*>", "", m)
    return re.sub(r"[ \t\n]+", " ", htmlmod.unescape(re.sub(r"<[^>]+>", " ", m)))


def _page(path):
    r = get(path)
    assert r.status == 200, (path, r.status)
    assert '<html lang="fr">' in r.text, path
    return r.text


# The English reference statements (test_pages.test_profile_statements_follow_the_twin, 004_*.txt),
# as the French profile says them.
EXPECTED_2020 = [
    "À l'instar de 50 % des villes sondées (50 sur 100), Toronto n'a pas de stratégie d'innovation explicite.",
    "Comme 54 % des villes sondées (54 sur 100), Toronto aborde la capacité d'innovation à la fois de manière "
    "globale (à l'échelle macro) et dans des domaines d'action précis.",
    "Comme 81 % des villes sondées (81 sur 100), Toronto dispose d'un financement dédié à l'innovation.",
    "Comme 61 % des villes participantes (61 sur 100), le financement de la capacité d'innovation de Toronto "
    "est aussi consacré à",
    "Toronto mobilise 3 compétences ou rôles d'innovation différents",
    "2 800 000 (2016)",
    "John Tory",
    "Alice Xu",
    "Les activités d'innovation les plus courantes de Toronto",
    "Comment l'innovation est-elle financée ici ?",
    "vague 2020, comparée aux 100 villes sondées",
]

EXPECTED_2018 = [
    "Comme 44 % des villes sondées (40 sur 90), Toronto dispose d'une stratégie d'innovation explicite.",
    "Parmi les villes disposant d'un financement dédié ayant répondu, 37 % d'entre elles (30 sur 81) ont répondu oui.",
    "70 % des villes participantes (62 sur 89) consacrent leur financement de la capacité d'innovation à",
    "(sans réponse) Toronto n'a pas précisé si elle dispose d'un financement dédié à l'innovation.",
]


def _french(s):
    """The expected text with French typography: U+202F before % ? : and inside 2 800 000."""
    s = re.sub(r"(\d) %", "\\1" + NNBSP + "%", s)
    s = re.sub(r" ([?:;!])", NNBSP + "\\1", s)
    return re.sub(r"(\d) (\d{3})", "\\1" + NNBSP + "\\2", re.sub(r"(\d) (\d{3})", "\\1" + NNBSP + "\\2", s))


def test_toronto_french_profile_2020():
    text = _text(_page("/cities/toronto?lang=fr"))
    missing = [s for s in EXPECTED_2020 if _french(s) not in text]
    assert not missing, (missing, text[:3000])
    # the English sentences are gone, the numbers are the French ones
    assert "Like 81%" not in text and "of cities surveyed" not in text
    assert "2,800,000" not in text and "81%" not in text


def test_toronto_french_profile_2018():
    text = _text(_page("/cities/toronto?lang=fr&survey=2018"))
    missing = [s for s in EXPECTED_2018 if _french(s) not in text]
    assert not missing, (missing, text[:3000])


def test_french_shares_follow_the_twin():
    """Every "N % des … (n sur d)" of the French page is n/d rounded half up, as in English."""
    text = _text(_page("/cities/toronto?lang=fr"))
    found = re.findall(r"(\d+)\u202f% (?:des|d'entre) [^()]*?\((\d+) sur (\d+)\)", text)
    assert len(found) >= 5, found
    bad = [f for f in found if (200 * int(f[1]) + int(f[2])) // (2 * int(f[2])) != int(f[0])]
    assert not bad, bad
