"""Issue 18, eleventh session: each worker keeps every city's similar list once it has scored it, and
carries the lists to the next data version's index: a list whose city did not change keeps its
entries among the cities that did not change, and each changed city is scored against it once
(simtops.h).  A second FastCGI server of the same build runs with CITYBENCH_SIMTOPS=0 (every page
scores the wave) and must answer every URL byte for byte alike: before any write, after a new city
uploads a twin of Toronto's answers (it must come first in Toronto's list: carried, not scored again),
after the twin changes its answers, after one of Toronto's neighbours copies them, and after a city
is renamed.  The stack's pages are asked several times first, so that its workers hold the lists.
A third server, of one worker with the lists on, tells on stderr what it carried
(CITYBENCH_SIMSHARE_TRACE): its answers must be the same too, and it must have carried lists and
scored the changed cities against them (not scored every list again)."""
import os
import re
import json
import urllib.parse

from test_profile_blocks import REQUEST_ID, ProfileSqlServer, same, settle, upload
from cb import cli, get, get_json, new_city

q = urllib.parse.quote


def urls(slugs):
    out = []
    for s in slugs:
        out += ["/cities/%s.json" % s, "/cities/%s" % s, "/cities/%s?lang=fr" % s,
                "/cities/%s.json?peers=%s" % (s, q("similar:" + s)), "/cities/%s?peers=%s" % (s, q("similar:" + s)),
                "/cities/%s.json?survey=2018" % s]
    return out + ["/cities/toronto/similar", "/cities.json?peers=similar:toronto"]


def warm(us, rounds=4, srv=None):
    for _ in range(rounds):
        for u in us:
            srv.get(u) if srv else get(u)


def same_servers(a, b, us):
    for u in us:
        x, y = a.get(u), b.get(u)
        assert x[:2] == y[:2] and REQUEST_ID.sub(b"", x[2]) == REQUEST_ID.sub(b"", y[2]), (u, x[:2], y[:2])


def carried(srv):
    """(lists carried, scores) summed over the trace lines of srv's log."""
    lists = scores = 0
    for m in re.finditer(r"simtops: carried: (\d+) of \d+ lists carried, \d+ rows changed, (\d+) scores",
                         open(os.path.join(srv.dir, "log")).read()):
        lists += int(m.group(1))
        scores += int(m.group(2))
    return lists, scores


def similar_of(slug):
    return [(h["slug"], h["score"]) for h in get_json("/cities/%s.json?survey=2020" % slug)["similar"]]


def filled(answers):
    return dict((k, v) for k, v in answers.items() if v is not None and v != "" and v != [])


def test_lists_carried_across_writes():
    srv = ProfileSqlServer(CITYBENCH_SIMTOPS="0")
    on = ProfileSqlServer(CITYBENCH_SIMSHARE_TRACE="1")
    try:
        toronto = get_json("/cities/toronto.json?survey=2020")
        near = [h["slug"] for h in toronto["similar"]]
        others = [c["slug"] for c in get_json("/cities.json?survey=2020&limit=10000")["cities"]][::17][:6]
        twin = new_city("st", country="CA", region="North America")
        slugs = ["toronto"] + near + [s for s in others if s not in near and s != "toronto"] + [twin]
        us = urls(slugs)
        warm(us)
        warm(us, 1, on)
        assert same(srv, us) > 40
        same_servers(on, srv, us)
        before = similar_of("toronto")

        # a new city with Toronto's answers: first in Toronto's list, everyone's lists carried
        upload(twin, filled(toronto["answers"]))
        settle()
        got = similar_of("toronto")
        assert (twin, 1.0) in got, got
        assert [h for h in got if h[0] != twin] == before[:4], (got, before)
        assert same(srv, us) > 40
        same_servers(on, srv, us)
        warm(us, 2)

        # the twin moves away: it falls in the lists it was in (or leaves them: their next is scored again)
        far = get_json("/cities/%s.json?survey=2020" % others[-1])["answers"]
        upload(twin, dict(filled(far), population=toronto["answers"]["population"] * 7))
        settle()
        assert dict(similar_of("toronto")).get(twin, 0) < 1.0
        assert same(srv, us) > 40
        same_servers(on, srv, us)
        warm(us, 2)

        # one of Toronto's neighbours copies its answers: it moves up in Toronto's list
        upload(near[-1], filled(toronto["answers"]))
        settle()
        page = get_json("/cities/toronto/similar.json?limit=10000")["similar"]
        assert [h["score"] for h in page if h["slug"] == near[-1]] == [1.0]
        assert same(srv, us) > 40
        same_servers(on, srv, us)
        warm(us, 2)

        # a rename (the tie-break by name): the lists follow it
        cli("city", "edit", near[0], "--name", "Aaa " + near[0])
        settle()
        assert same(srv, us) > 40
        same_servers(on, srv, us)
        lists, scores = carried(on)
        assert lists >= 3 * len(slugs) and scores >= 2 * len(slugs), (lists, scores)
        assert json.loads(get("/cities/toronto.json").body)["similar"] == \
            json.loads(srv.get("/cities/toronto.json")[2])["similar"]
    finally:
        srv.stop()
        on.stop()
