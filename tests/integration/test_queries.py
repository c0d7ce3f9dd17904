"""The statement table against the real database: every Q row prepares, with the parameters it declares,
and its C rows are the columns PostgreSQL describes (PQdescribePrepared), by number and by name."""
import os
import subprocess

from cb import ROOT


def test_statements_match_their_declared_columns():
    exe = os.path.join(ROOT, os.environ.get("BUILD", "build/rel"), "tests", "test_queries")
    assert os.access(exe, os.X_OK), exe + " is not built (make units)"
    p = subprocess.run([exe], capture_output=True, text=True, env=dict(os.environ), timeout=120)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "not described" not in p.stdout, p.stdout
    assert "statement prepares, with its Q row's parameters" in p.stdout, p.stdout
