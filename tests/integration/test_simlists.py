"""Issue 18, twelfth session: the similar lists shared by the workers (simlists.h).  The first worker
to score a city's list publishes it; every other worker of the same index reads it instead of scoring
the wave again.  Two FastCGI servers of three workers each, on the stack's database, both telling on
stderr what they scored and read (CITYBENCH_SIMSHARE_TRACE): one with the lists shared, one without
(CITYBENCH_SIMLISTS=0).  Each city's pages are asked once, then many times by six clients at once:
with the lists shared, each city is scored once over the whole run, and other workers read its list;
every answer is byte for byte the other server's.  Then a new city uploads a twin of a city's answers
(the data version moves, every index's print with it): that city's list must name the twin on both
servers, and every answer must still be alike, those of the cities with that city among their first
four too, whose lists one worker shared for the older index (no list of an older index is read)."""
import collections
import concurrent.futures
import os
import re
import time
import urllib.parse

import test_compare_blocks as tcb
from test_compare_blocks import REQUEST_ID
from test_profile_blocks import settle, upload
from test_simtops import filled
from cb import get_json, new_city

q = urllib.parse.quote


class Server(tcb.SqlServer):
    """citybench-fcgi with three workers, the cache off, the similar lists' trace on, and `extra`."""

    def __init__(self, **extra):
        super().__init__(env=dict(extra, CITYBENCH_SIMSHARE_TRACE="1"), workers=3, prefix="cb-simlists.")

    def trace(self):
        """[(pid, 'scored' or 'read', row)] of the similar lists, in order."""
        self.log.flush()
        return [(int(m.group(1)), m.group(2), int(m.group(3))) for m in
                re.finditer(r"simlists: pid (\d+) (scored|read) row (\d+)", open(os.path.join(self.dir, "log")).read())]


def urls(slugs):
    out = []
    for s in slugs:
        out += ["/cities/%s.json?survey=2020" % s, "/cities/%s?survey=2020" % s,
                "/cities/%s.json?survey=2020&peers=%s" % (s, q("similar:" + s))]
    return out


def many(srv, us, clients=6, rounds=3):
    with concurrent.futures.ThreadPoolExecutor(clients) as ex:
        for r in ex.map(srv.get, us * rounds):
            assert r[0] == 200, r[:2]


def alike(a, b, us):
    for u in us:
        x, y = a.get(u), b.get(u)
        assert x[:2] == y[:2] and REQUEST_ID.sub(b"", x[2]) == REQUEST_ID.sub(b"", y[2]), (u, x[:2], y[:2])


def test_lists_scored_once_for_all_workers():
    shared = Server()
    alone = Server(CITYBENCH_SIMLISTS="0")
    try:
        cities = [c["slug"] for c in get_json("/cities.json?survey=2020&limit=10000")["cities"]]
        # cities with a list: one that has nothing in common with any other city keeps no list (an
        # empty one is what simindex_top also says out of memory) and is scored on every visit
        slugs = ["toronto"] + [s for s in cities[::13] if s != "toronto" and
                               get_json("/cities/%s.json?survey=2020" % s)["similar"]][:19]
        us = urls(slugs)
        for srv in (shared, alone):
            for s in slugs:
                assert srv.get("/cities/%s.json?survey=2020" % s)[0] == 200
        first = shared.trace()
        assert len([t for t in first if t[1] == "scored"]) == len(slugs), first
        many(shared, us)
        many(alone, us)
        alike(shared, alone, us)

        # with the lists shared: each row scored once over the run, and read by other workers
        trace = shared.trace()
        scored = collections.Counter(row for _, what, row in trace if what == "scored")
        assert len(scored) == len(slugs) and set(scored.values()) == {1}, scored
        scorer = dict((row, pid) for pid, what, row in trace if what == "scored")
        read = [(pid, row) for pid, what, row in trace if what == "read"]
        assert read and all(pid != scorer[row] for pid, row in read), (read, scorer)
        # without: the workers each score their own (three workers, 360 requests: more than once)
        scored = collections.Counter(row for _, what, row in alone.trace() if what == "scored")
        assert sum(scored.values()) > len(slugs) and not [t for t in alone.trace() if t[1] == "read"], scored

        # a new version: a twin of one city (the one most often among the others' first four) uploads
        # its answers; the twin is in that city's list on both servers, every answer alike.  The cities
        # with that city among their first four are asked once before (one worker scores and shares
        # each list, for the older index) and by everyone after: a worker that read a list of the older
        # index would miss the twin, who ties with the city it copies.
        firsts = dict((c, get_json("/cities/%s.json?survey=2020" % c)["similar"][:4]) for c in cities[:400])
        # not a city with a twin already, nor Toronto (test_simtops twins it)
        twinned = set(c for c, f in firsts.items() if f and f[0]["score"] == 1.0) | {"toronto"}
        firsts = dict((c, [h["slug"] for h in f]) for c, f in firsts.items() if c not in slugs)
        model = collections.Counter(h for f in firsts.values() for h in f if h not in twinned).most_common(1)[0][0]
        late = [c for c, f in firsts.items() if model in f][:8]
        assert late, firsts
        for srv in (shared, alone):
            for s in late:
                assert srv.get("/cities/%s.json?survey=2020" % s)[0] == 200
        m = get_json("/cities/%s.json?survey=2020" % model)
        twin = new_city("sl", country=m["city"]["country"], region=m["city"]["region"])
        upload(twin, filled(m["answers"]))
        settle()
        for srv in (shared, alone):
            for _ in range(600):
                if ('"slug":"%s"' % twin) in srv.get("/cities/%s.json?survey=2020" % model)[2].decode().replace(" ", ""):
                    break
                time.sleep(0.05)
        after = us + urls(late + [twin])
        many(shared, after, rounds=2)
        alike(shared, alone, after)
        similar = [(h["slug"], h["score"]) for h in get_json("/cities/%s.json?survey=2020" % model)["similar"]]
        assert (twin, 1.0) in similar, similar
    finally:
        shared.stop()
        alone.stop()
