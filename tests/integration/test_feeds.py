"""Issue 16 item 7: Atom 1.0 feeds of a city's new versions, withdrawals and restores, and of every
city; parsed as Atom (RFC 4287: feed and entries carry id, title, updated, link; the feed an author)."""
import json
import xml.etree.ElementTree as ET

from cb import cli, get, new_city, post, token_for_city

A = "{http://www.w3.org/2005/Atom}"


def parse(path):
    r = get(path)
    assert r.status == 200, (path, r)
    assert r.header("Content-Type").startswith("application/atom+xml"), r.header("Content-Type")
    root = ET.fromstring(r.body)
    assert root.tag == A + "feed"
    for el in ("id", "title", "updated"):
        assert root.find(A + el) is not None and root.find(A + el).text, el
    assert root.find(A + "author/" + A + "name").text
    assert any(l.get("rel") == "self" for l in root.findall(A + "link"))
    entries = root.findall(A + "entry")
    for e in entries:
        for el in ("id", "title", "updated", "summary"):
            assert e.find(A + el) is not None and e.find(A + el).text, (el, ET.tostring(e))
        link = e.find(A + "link")
        assert link is not None and link.get("href", "").startswith("/submissions/")
    ups = [e.find(A + "updated").text for e in entries]
    assert ups == sorted(ups, reverse=True), "newest first"
    return root, entries


def test_city_feed_has_versions_withdrawals_and_restores():
    slug = new_city("fd")
    tok = token_for_city(slug)
    for staff in (3, 4):
        r = post("/api/submissions", json.dumps({"city": slug, "survey": "2020",
                                                 "answers": {"innovation_roles_count": staff}}),
                 "application/json", token=tok)
        assert r.status == 201, r
    root, entries = parse("/cities/%s/feed.atom" % slug)
    assert len(entries) == 2
    assert "version 2" in entries[0].find(A + "title").text
    assert "innovation_roles_count" in entries[0].find(A + "summary").text
    sub = entries[0].find(A + "link").get("href").rsplit("/", 1)[1]
    # a withdrawal is an entry that says what it withdrew
    cli("submission", "withdraw", sub)
    root, entries = parse("/cities/%s/feed.atom" % slug)
    assert len(entries) == 3 and "withdrawal" in entries[0].find(A + "title").text
    assert "Withdraws version 2" in entries[0].find(A + "summary").text
    # a restore as well
    r = post("/api/submissions/%s/restore" % sub, "", "application/json", token=tok)
    assert r.status == 201, r
    root, entries = parse("/cities/%s/feed.atom" % slug)
    assert len(entries) == 4 and "restore" in entries[0].find(A + "title").text
    assert "Restores" in entries[0].find(A + "summary").text
    # the all-cities feed carries the newest entry too
    root, all_entries = parse("/feed.atom")
    assert all_entries[0].find(A + "id").text == entries[0].find(A + "id").text


def test_feed_errors_and_discovery():
    assert get("/cities/no-such-city/feed.atom").status == 404
    assert get("/cities/NOT_A_SLUG/feed.atom").status in (400, 404)
    parse("/cities/toronto/feed.atom")
    page = get("/cities/toronto").text
    assert 'rel="alternate" type="application/atom+xml"' in page and 'href="/cities/toronto/feed.atom"' in page
    assert 'type="application/atom+xml"' in get("/cities").text and 'href="/feed.atom"' in get("/").text
