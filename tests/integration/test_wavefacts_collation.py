"""Issue 18, ninth session: the worker sorts a wave's facts byte by byte (wavefacts.c), so it uses the
block only where the database orders text the same way (Q_DB_BYTEWISE); elsewhere the counts come from
the statements, in the database's order.  The statement's own answer: true on the suite's database
(C.UTF-8 of the libc provider), false on a database whose default collation is ICU's."""
import os
import re
import subprocess

from cb import psql

PSQL = "/usr/lib/postgresql/15/bin/psql"


def statement(name):
    text = open(os.path.join(os.environ.get("CITYBENCH_ROOT", "."), "include", "queries_peers.def")).read()
    body = re.search(r"Q\(%s, 0,(.*?)\)\nC\(" % name, text, re.S).group(1)
    return "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', body))


def test_the_block_is_used_only_on_a_bytewise_database():
    q = statement("Q_DB_BYTEWISE")
    assert psql(q) == "t"
    name = "cb_icu_%d" % os.getpid()
    psql("create database %s template template0 locale_provider icu icu_locale 'en-US' locale 'C.UTF-8'" % name)
    try:
        conn = re.sub(r"dbname=\S+", "dbname=" + name, os.environ["CITYBENCH_DB"])
        p = subprocess.run([PSQL, "-qAtX", conn, "-c", q], capture_output=True, text=True, timeout=60)
        assert p.returncode == 0, p.stderr
        assert p.stdout.strip() == "f", p.stdout
    finally:
        psql("drop database if exists %s" % name)
