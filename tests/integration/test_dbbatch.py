"""db_batch (cgi/core/db.c) against the real database: several named statements in one round trip,
each answered as db_query answers it; a failing item, a dropped connection, a transaction
(tests/unit/test_dbbatch.c)."""
import os
import subprocess

from cb import ROOT


def test_db_batch_against_the_database():
    exe = os.path.join(ROOT, os.environ.get("BUILD", "build/rel"), "tests", "test_dbbatch")
    assert os.access(exe, os.X_OK), exe + " is not built (make units)"
    p = subprocess.run([exe], capture_output=True, text=True, env=dict(os.environ), timeout=120)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "no batch was sent" not in p.stdout, p.stdout
    assert "each item's result is db_query's" in p.stdout, p.stdout
