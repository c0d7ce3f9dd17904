"""Issue 15, second round: narrow standalone charts and map, compare's answers in the JSON and CSV twins,
the map's country drop-down, a description per page, back to the top in the flow, compare's answers
stacked on narrow screens (the browser suite, tests/browser/reflow.js, measures the text)."""
import csv
import html
import io
import re
import xml.etree.ElementTree as ET

from cb import error_of, get, get_json

SVG = "{http://www.w3.org/2000/svg}"


def text(r):
    return r.body.decode() if isinstance(r.body, bytes) else r.text


def svg_of(path):
    r = get(path)
    assert r.status == 200, (path, r.status)
    assert (r.header("Content-Type") or "").startswith("image/svg+xml")
    return ET.fromstring(r.body if isinstance(r.body, bytes) else r.text.encode())


def viewbox(root):
    x, y, w, h = (float(v) for v in root.get("viewBox").split())
    return w, h


def least_font(root):
    """The smallest font size a text of the image is drawn in (user units), and the texts' count."""
    sizes, n = [], 0

    def walk(e, size):
        nonlocal n
        size = float(e.get("font-size", size))
        if e.tag == SVG + "text":
            n += 1
            sizes.append(size)
        for c in e:
            walk(c, size)
    walk(root, 16)
    return min(sizes), n


def test_narrow_chart_holds_9px_at_320():
    for path in ("/metrics/innovation_staff_per_100k.svg?layout=narrow&city=toronto",
                 "/metrics/innovation_staff_per_100k.svg?layout=narrow&chart=ranking&city=toronto",
                 "/metrics/funding_share.svg?layout=narrow&peers=region:Europe"):
        root = svg_of(path)
        w, h = viewbox(root)
        assert root.get("width") == "100%" and root.get("height") is None, path
        least, n = least_font(root)
        # a 320 px phone's column of 288 px: no text under 9 px (font size times the scale)
        assert n > 5 and least * 288 / w >= 9, (path, w, least)
        words = " ".join("".join(t.itertext()) for t in root.iter(SVG + "text"))
        # the title, the wave, the peer group, the source, the licence and the permalink are all shown
        assert "2020" in words and "CC BY 4.0" in words and "citybench" in words, words
        assert "layout=narrow" in words, words
        if "peers" in path:
            assert "region:Europe" in words
    wide = svg_of("/metrics/innovation_staff_per_100k.svg?city=toronto")
    assert viewbox(wide)[0] == 800 and wide.get("width") == "100%"
    assert viewbox(svg_of("/metrics/innovation_staff_per_100k.svg?layout=wide"))[0] == 800
    for bad in ("layout=tiny", "layout=%3Cscript%3E"):
        r = get("/metrics/innovation_staff_per_100k.svg?" + bad)
        assert "layout" in error_of(r, 400)["message"], bad


def test_narrow_map():
    for q in ("layout=narrow", "layout=narrow&metric=funding_share&city=toronto",
              "layout=narrow&region=Europe&country=fr"):
        root = svg_of("/map.svg?" + q)
        w, h = viewbox(root)
        least, n = least_font(root)
        assert w == 400 and least * 288 / w >= 9, (q, w, least)
        words = " ".join("".join(t.itertext()) for t in root.iter(SVG + "text"))
        assert "Cities of the 2020 survey" in words and "CC BY 4.0" in words, words
        # the map itself inside, in its own frame
        inner = root.find(SVG + "svg")
        assert inner is not None and inner.get("viewBox") == "0 0 960 472"
    assert "Dedicated innovation funding" in " ".join(
        "".join(t.itertext()) for t in svg_of("/map.svg?layout=narrow&metric=funding_share").iter(SVG + "text"))
    assert get("/map.svg?layout=huge").status == 400
    page = text(get("/map"))
    assert re.search(r'href="/map\.svg\?survey=2020&amp;layout=narrow">Narrow image', page), page[-3000:]


def test_embed_snippet_is_narrow():
    body = text(get("/metrics/innovation_staff_per_100k?city=toronto&peers=region:Europe"))
    frame = html.unescape(re.search(r'<textarea id="embed-iframe"[^>]*>(.*?)</textarea>', body, re.S).group(1))
    img = html.unescape(re.search(r'<textarea id="embed-img"[^>]*>(.*?)</textarea>', body, re.S).group(1))
    src = re.search(r'src="([^"]+)"', frame).group(1)
    assert src == re.search(r'src="([^"]+)"', img).group(1)
    assert "layout=narrow" in src and "peers=region" in src and "city=toronto" in src, src
    # the frame is as high as the chart: never shrunk to fit it
    root = svg_of(src)
    assert 'height="%d"' % viewbox(root)[1] in frame, (frame, viewbox(root))


def test_compare_json_answers():
    j = get_json("/compare.json?cities=toronto,brevathorpe&questions=dedicated_funding,innovation_roles"
                 "&questions=population,no_such_q&metrics=funding_share")
    assert [q["code"] for q in j["questions"]] == sorted(j["answers"], key=[q["code"] for q in j["questions"]].index)
    assert set(j["answers"]) == {"dedicated_funding", "innovation_roles", "population"}
    prof = get_json("/cities/toronto.json?survey=2020")["answers"]
    for code in j["answers"]:
        assert set(j["answers"][code]) == {"toronto", "brevathorpe"}
        assert j["answers"][code]["toronto"] == prof.get(code), code
    assert all(q["text"] and q["type"] for q in j["questions"])
    # without questions, the shape is the contract's alone
    plain = get_json("/compare.json?cities=toronto,brevathorpe")
    assert "answers" not in plain and "questions" not in plain
    # all; a hostile code is left out
    everything = get_json("/compare.json?cities=toronto,brevathorpe&questions=all")
    assert len(everything["questions"]) > 20
    odd = get_json("/compare.json?cities=toronto,brevathorpe&questions=%3Cscript%3E")
    assert odd["questions"] == [] and odd["answers"] == {}
    # the 2018 wave's questions
    old = get_json("/compare.json?cities=toronto,brevathorpe&survey=2018&questions=all")
    assert old["survey"] == "2018" and old["questions"]


def test_compare_csv_answers():
    r = get("/compare.csv?cities=toronto,brevathorpe&questions=dedicated_funding,innovation_roles,population"
            "&metrics=funding_share")
    assert r.status == 200
    rows = list(csv.reader(io.StringIO(text(r))))
    assert rows[0][:3] == ["city", "name", "funding_share"]
    # the questionnaire's order, as the JSON's questions
    order = [q["code"] for q in get_json("/compare.json?cities=toronto,brevathorpe&questions=dedicated_funding,"
                                         "innovation_roles,population")["questions"]]
    assert rows[0][3:] == ["answer:" + c for c in order], rows[0]
    assert sorted(order) == ["dedicated_funding", "innovation_roles", "population"]
    j = get_json("/cities/toronto.json?survey=2020")["answers"]
    tor = dict(zip(rows[0], [row for row in rows if row[0] == "toronto"][0]))
    assert tor["answer:population"] == str(j["population"]), tor
    roles = j.get("innovation_roles")
    assert tor["answer:innovation_roles"] == (";".join(roles) if roles else ""), tor
    assert tor["answer:dedicated_funding"] in ("true", "false", "yes", "no", "1", "0"), tor
    plain = list(csv.reader(io.StringIO(text(get("/compare.csv?cities=toronto,brevathorpe&metrics=funding_share")))))
    assert plain[0] == ["city", "name", "funding_share"]


def test_map_country_drop_down():
    body = text(get("/map?country=fr"))
    sel = re.search(r'<select id="f-country" name="country">(.*?)</select>', body, re.S)
    assert sel, body[:4000]
    assert '<option value="">Any country</option>' in sel.group(1)
    assert re.search(r'<option value="FR" selected>France \(FR\)</option>', sel.group(1)), sel.group(1)[:600]
    assert '<label for="f-country">Country</label>' in body


def test_descriptions_say_what_the_page_shows():
    seen = set()
    for page, want in (("/cities/toronto", ("Toronto (Canada)", "2,800,000", "2020")),
                       ("/metrics/innovation_staff_per_100k?city=toronto", ("Innovation staff", "Toronto", "rank", "median")),
                       ("/compare?cities=toronto,brevathorpe", ("Toronto and Brevathorpe", "2020")),
                       ("/map?metric=funding_share", ("2020", "countries", "shaded by")),
                       ("/", ()), ("/cities", ()), ("/upload", ()), ("/data", ()), ("/metrics", ()),
                       ("/surveys/2020", ("2020", "questions"))):
        body = text(get(page))
        title = html.unescape(re.search(r"<title>(.*?)</title>", body, re.S).group(1))
        desc = html.unescape(re.search(r'<meta name="description" content="([^"]*)">', body).group(1))
        og = html.unescape(re.search(r'<meta property="og:description" content="([^"]*)">', body).group(1))
        assert desc == og and len(desc) >= 60, (page, desc)
        assert not desc.startswith(title.split(" · ")[0].split(" — ")[0]) or page == "/cities/toronto", (page, title, desc)
        for w in want:
            assert w in desc, (page, w, desc)
        assert desc not in seen, (page, desc)
        seen.add(desc)


def test_back_to_top_in_the_flow():
    css = text(get("/static/citybench.css"))
    rule = re.search(r"p\.to-top \{([^}]*)\}", css).group(1)
    assert "sticky" not in rule and "fixed" not in rule, rule
    body = text(get("/cities/toronto"))
    assert '<nav class="toc" id="on-this-page"' in body
    assert body.count('<a href="#on-this-page">Back to the sections</a>') >= 3


def test_compare_answers_stack():
    body = text(get("/compare?cities=toronto,brevathorpe,harithorpe&questions=dedicated_funding"))
    cell = re.search(r'<td data-city="harithorpe"><span class="cell-label" aria-hidden="true">Harithorpe: </span>', body)
    assert cell, body[:200]
    css = text(get("/static/citybench.css"))
    assert re.search(r"@media \(max-width: 40rem\) \{\s*table\.answers-compare", css)
