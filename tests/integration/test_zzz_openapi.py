"""Last of the suite: every JSON answer the integration tests saw (recorded by cb.record in
$CB_JSON_LOG, which runner.py sets) fits the schema /api/openapi.json gives for its method, path and
status; an error on a path the document does not name fits the Error shape."""
import os

from test_openapi import node_check


def test_every_answer_the_suite_saw_fits_the_document():
    log = os.environ.get("CB_JSON_LOG")
    if not log or not os.path.exists(log) or os.path.getsize(log) == 0:
        return      # run alone: nothing recorded (test_openapi.py checks a representative set itself)
    st, out = node_check("answers", log)
    bad = [l for l in out.splitlines() if l.startswith("not ok")]
    assert st == 0, "%d answers do not fit: %s" % (len(bad), "\n".join(bad[:40]))
