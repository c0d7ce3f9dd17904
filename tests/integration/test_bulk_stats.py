"""A bulk write's statistics (sql/migrations/020_bulk_stats.sql): an import's cities file is one upsert
of every row, so the cities triggers see hundreds of updated rows in one statement (they compare the old
and new rows by EXCEPT); the statistics rebuild of every dirty wave and (metric, wave) runs in one
statement per table.  After each import the stored tables equal a fresh computation."""
import os
import tempfile

from cb import cli, psql
from test_city_facts import FACTS_DIFF
from test_stats import assert_consistent

N = 600   # more than the 500 rows a slice once held


def _write(path, text):
    with open(path, "w") as f:
        f.write(text)


def _cities(tag, region):
    rows = ["slug,name,country,region,population"]
    for i in range(N):
        rows.append("bulk-%s-%d,Zz bulk %s %d,%s,%s,%d" % (tag, i, tag, i, "NO" if i % 2 else "SE", region,
                                                     10000 + i))
    return "\n".join(rows) + "\n"


def _answers(tag):
    rows = ["city,survey,question,value"]
    for i in range(N):
        slug = "bulk-%s-%d" % (tag, i)
        rows += ["%s,2020,population,%d" % (slug, 20000 + i), "%s,2020,explicit_strategy,%s" %
                 (slug, "yes" if i % 3 else "no"), "%s,2020,approach,holistic" % slug]
    return "\n".join(rows) + "\n"


def test_a_cities_file_of_hundreds_of_moves_keeps_the_statistics_exact():
    tag = "b%d" % os.getpid()
    # (A version without answers left by another test differs in FACTS_DIFF's spelling of no facts:
    # the imports must add no difference of their own.)
    facts_before = psql(FACTS_DIFF)

    def assert_facts():
        assert psql(FACTS_DIFF) == facts_before, "city_facts differs from a fresh computation"
    with tempfile.TemporaryDirectory() as d:
        c1, c2, a = os.path.join(d, "c1.csv"), os.path.join(d, "c2.csv"), os.path.join(d, "a.csv")
        _write(c1, _cities(tag, "Bulkland " + tag))
        _write(c2, _cities(tag, "Bulkmoved " + tag))
        _write(a, _answers(tag))
        cli("import", c1, a)
        assert_consistent()
        assert_facts()
        assert psql("select n from cohort_counts where survey_id = '2020' and scope = 'region' "
                    "and key = 'Bulkland %s' and code = '' and option = ''" % tag) == str(N)
        # Every city moves region: one update of N rows through both cities triggers.
        cli("import", c2)
        assert_consistent()
        assert_facts()
        assert psql("select count(*) from cohort_counts where key = 'Bulkland %s'" % tag) == "0"
        assert psql("select n from cohort_counts where survey_id = '2020' and scope = 'region' "
                    "and key = 'Bulkmoved %s' and code = 'explicit_strategy' and option = 'yes'" % tag) == \
            str(sum(1 for i in range(N) if i % 3))
        assert psql("select count(*) from city_facts where region = 'Bulkmoved %s'" % tag) == str(2 * N)
        # A file that changes nothing marks nothing dirty and moves nothing.
        before = psql("select version from data_version")
        cli("import", c2)
        assert_consistent()
        assert psql("select count(*) from stats_dirty") == "0"
        assert int(psql("select version from data_version")) >= int(before)
