"""test_ops_door.py: what reaches the workers without nginx's public server in front: FastCGI spoken
straight to the workers' socket.  /ops/metrics needs the operator's key (CITYBENCH_OPS=1 is not
enough), and the request line and header limits nginx enforces over HTTP/1.1 hold there too (as they
must over HTTP/2, where nginx measures headers compressed)."""
import json
import os

import fcgi_client
from cb import get


def _fcgi(params, body=b""):
    """One FastCGI request to the workers' socket: (status, headers text, body bytes)."""
    return fcgi_client.request(os.path.join(os.environ["CB_RT"], "fcgi.sock"), {"REQUEST_ID": "t0", **params}, body)


def _key():
    return open(os.path.join(os.environ["CB_RT"], "ops.key")).read().strip()


def test_ops_metrics_need_the_operators_key():
    for value in ["1", "true", "", "0" * 64, _key()[:-1], _key() + "0"]:
        st, _, body = _fcgi({"PATH_INFO": "/ops/metrics", "CITYBENCH_OPS": value})
        assert st == 404, (value, st, body[:200])
    st, _, body = _fcgi({"PATH_INFO": "/ops/metrics", "HTTP_CITYBENCH_OPS": _key()})
    assert st == 404, (st, body[:200])
    st, head, body = _fcgi({"PATH_INFO": "/ops/metrics", "CITYBENCH_OPS": _key()})
    assert st == 200 and b"citybench_requests_total" in body, (st, body[:200])
    assert "text/plain" in head


def test_request_limits_hold_without_nginx_in_front():
    long = "a" * 20000
    for params, want, message in [
        ({"PATH_INFO": "/cities.json", "HTTP_X_LONG": long}, 431, "request headers too large"),
        ({"PATH_INFO": "/cities.json", "HTTP_ACCEPT": "application/json", **{"HTTP_X_%d" % i: "b" * 9000 for i in range(8)}},
         431, "request headers too large"),
        ({"PATH_INFO": "/cities.json", "REQUEST_URI": "/cities.json?q=" + long, "QUERY_STRING": "q=" + long},
         414, "request line too long"),
    ]:
        st, head, body = _fcgi(params)
        assert st == want, (want, st, body[:200])
        err = json.loads(body)["error"]
        assert err["status"] == want and err["message"] == message and err["request_id"], err
    # within the limits: answered
    st, _, body = _fcgi({"PATH_INFO": "/cities.json", "HTTP_X_MID": "m" * 15000,
                         "REQUEST_URI": "/cities.json?" + "z" * 15000})
    assert st == 200, (st, body[:200])
    # and the server goes on
    assert get("/healthz").status == 200


def test_request_limits_at_their_edges():
    # A header line ("X-Long: value") of exactly 16 KiB passes, one byte more is refused; likewise a
    # REQUEST_URI of 16 KiB and one byte more.  (The workers skip the per-line walk when all the
    # parameters together are within 16 KiB: each of these is past that, so the walk decides.)
    edge = 16 * 1024 - len("X-Long: ")
    for n, want in [(edge, 200), (edge + 1, 431)]:
        st, _, body = _fcgi({"PATH_INFO": "/cities.json", "HTTP_X_LONG": "c" * n})
        assert st == want, (n, want, st, body[:200])
    for n, want in [(16 * 1024, 200), (16 * 1024 + 1, 414)]:
        uri = "/cities.json?" + "d" * (n - len("/cities.json?"))
        st, _, body = _fcgi({"PATH_INFO": "/cities.json", "REQUEST_URI": uri})
        assert st == want, (n, want, st, body[:200])
    # Many small parameters, together within 16 KiB (the quick path) and far past it: answered.
    for count in (10, 60):
        st, _, body = _fcgi({"PATH_INFO": "/cities.json", **{"HTTP_X_P%d" % i: "e" * 900 for i in range(count)}})
        assert st == 200, (count, st, body[:200])
