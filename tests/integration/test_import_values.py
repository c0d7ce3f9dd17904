"""The import's metric values (migration 022, compute.c): the bulk insert runs without its per-row
foreign-key checks once the batch is proven, with metric_values' statistics triggers firing ALWAYS.
What is stored equals what a recompute computes, the statistics equal a fresh count, and the foreign keys
still refuse any other write naming a missing parent."""
import os
import tempfile

from cb import cli, psql
from test_stats import assert_consistent

N = 40


def _write(path, text):
    with open(path, "w") as f:
        f.write(text)


def _files(d, tag):
    c, a = os.path.join(d, "c.csv"), os.path.join(d, "a.csv")
    _write(c, "slug,name,country,region,population\n" + "".join(
        "iv-%s-%d,Zz values %s %d,NO,Valueland %s,%d\n" % (tag, i, tag, i, tag, 30000 + 7 * i) for i in range(N)))
    rows = ["city,survey,question,value"]
    for i in range(N):
        s = "iv-%s-%d" % (tag, i)
        rows += ["%s,2020,population,%d" % (s, 40000 + 11 * i), "%s,2020,explicit_strategy,%s" %
                 (s, "yes" if i % 3 else "no"), "%s,2018,population,%d" % (s, 35000 + 13 * i)]
    _write(a, "\n".join(rows) + "\n")
    return c, a


def _values(tag):
    return psql("select count(*) || ':' || coalesce(md5(string_agg(mv.metric_id || '/' || mv.survey_id || '/' || "
                "c.slug || '/' || mv.value || '/' || mv.plugin_version || '/' || mv.computed_at, ',' "
                "order by mv.metric_id, mv.survey_id, c.slug)), '') from metric_values mv join cities c on "
                "c.id = mv.city_id where c.slug like 'iv-%s-%%'" % tag)


def test_imported_values_equal_a_recompute_and_keep_the_statistics_exact():
    tag = "v%d" % os.getpid()
    with tempfile.TemporaryDirectory() as d:
        c, a = _files(d, tag)
        cli("import", c, a)
        stored = _values(tag)
        assert int(stored.split(":")[0]) > 0, "the import stored no metric value"
        assert_consistent()
        # A re-import of the same files and a recompute of every metric change no value (not even its
        # computed_at: nothing is rewritten) and leave the statistics exact.
        cli("import", c, a)
        assert _values(tag) == stored
        assert_consistent()
        cli("plugins", "reload")
        assert _values(tag) == stored
        assert_consistent()


def test_statistics_triggers_fire_always_and_foreign_keys_stay_enforced():
    assert psql("select string_agg(tgname || '=' || tgenabled::text, ',' order by tgname) from pg_trigger "
                "where tgrelid = 'metric_values'::regclass and not tgisinternal") == \
        "metric_values_dirty_del=A,metric_values_dirty_ins=A,metric_values_dirty_upd=A"
    metric = psql("select id from metrics order by id limit 1")
    assert metric, "no metric loaded"
    for sql in ("insert into metric_values (metric_id, survey_id, city_id, value, plugin_version) "
                "values ('%s', '2020', -1, 1, 'x')" % metric,
                "insert into metric_values (metric_id, survey_id, city_id, value, plugin_version) "
                "select 'no-such-metric', '2020', min(id), 1, 'x' from cities",
                "insert into metric_values (metric_id, survey_id, city_id, value, plugin_version) "
                "select '%s', '1999', min(id), 1, 'x' from cities" % metric):
        try:
            psql(sql)
        except AssertionError as e:
            assert "foreign key" in str(e), str(e)
        else:
            raise AssertionError("a value naming a missing parent was stored: " + sql)
    assert psql("select count(*) from stats_dirty") == "0"
