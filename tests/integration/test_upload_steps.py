"""An upload's moves applied to metric_steps (sql/migrations/028_upload_steps.sql): the statement that
computes each changed step's eq and gt with one window over the cohort writes the same steps as the
form it replaced (023's stats_apply_moves(), kept here as a temporary function) from the same steps,
for moves that keep a cohort's size (a value moving up, down, onto another city's value, to a value no
city had), that grow it and that shrink it.  Each replay runs in a transaction rolled back: nothing is left behind."""
import os
import re

from cb import psql

ROOT = os.environ.get("CITYBENCH_ROOT", os.path.join(os.path.dirname(__file__), "..", ".."))


def _old_function():
    """023's stats_apply_moves() as pg_temp.apply_moves_023()."""
    text = open(os.path.join(ROOT, "sql", "migrations", "023_upload_hot.sql")).read()
    m = re.search(r"create or replace function stats_apply_moves\(\)(.*?\nend \$\$;)", text, re.S)
    assert m, "023's stats_apply_moves() not found"
    return "create function pg_temp.apply_moves_023()" + m.group(1)


# The moves replayed: for the first metrics and waves with values, cities' values moved (-1 at the value,
# +1 elsewhere: up, down, onto the value of the city two rows on, to a value no city has), some cities
# losing their value (-1 only) and some gaining one (+1 only: cities without a value of that metric).
MOVES = """
create temp table moves_in on commit drop as
with p as (select metric_id, survey_id from metric_values group by 1, 2 order by count(*) desc, 1, 2 limit 3),
r as (select mv.metric_id, mv.survey_id, mv.city_id, mv.value,
	lead(mv.value, 2) over (partition by mv.metric_id, mv.survey_id order by mv.city_id) as other,
	row_number() over (partition by mv.metric_id, mv.survey_id order by mv.city_id) as i
	from metric_values mv join p using (metric_id, survey_id))
select metric_id, survey_id, city_id, value, -1 as sign from r where i <= 12
union all
select metric_id, survey_id, city_id, case i % 4 when 0 then value * 2 + 1 when 1 then value / 3
	when 2 then coalesce(other, value + 0.5) else value + 0.123456 end, 1 from r where i <= 8
union all
select p.metric_id, p.survey_id, c.id, 1 + c.id % 7, 1 from p
	cross join lateral (select c.id from cities c where not exists (select 1 from metric_values x
	where x.metric_id = p.metric_id and x.survey_id = p.survey_id and x.city_id = c.id)
	order by c.id limit 3) c;
"""

STEPS = ("select * from metric_steps where (metric_id, survey_id) in "
         "(select distinct metric_id, survey_id from moves_in)")


def _replay():
    """Rows of steps written by 023's form, by the current one, in one differ but not the other (both
    ways), and the steps that the moves changed at all (so that the comparison is not vacuous)."""
    return psql(
        "begin;" + _old_function() + MOVES +
        "create temp table before on commit drop as " + STEPS + ";"
        "insert into metric_moves select * from moves_in;"
        "select pg_temp.apply_moves_023();"
        "create temp table r_old on commit drop as " + STEPS + ";"
        # the steps as they were (rows written anew: the statement reads their addresses itself)
        "delete from metric_steps where (metric_id, survey_id) in (select metric_id, survey_id from moves_in);"
        "insert into metric_steps select * from before;"
        "insert into metric_moves select * from moves_in;"
        "select stats_apply_moves();"
        "create temp table r_new on commit drop as " + STEPS + ";"
        "select (select count(*) from ((table r_old except all table r_new) union all "
        "(table r_new except all table r_old)) x) || ' ' || (select count(*) from "
        "((table r_old except all table before) union all (table before except all table r_old)) y) || ' ' || "
        "(select count(*) from moves_in) || ' ' || (select count(*) from metric_moves);"
        "rollback;")


def test_the_moves_write_the_steps_the_former_statement_wrote():
    out = _replay().split("\n")[-1].split()
    differ, changed, moves, left = (int(x) for x in out)
    assert moves > 20, "too few moves to compare: %d" % moves
    assert changed > 0, "the moves changed no step: the comparison says nothing"
    assert differ == 0, "%d rows of metric_steps differ from 023's statement's" % differ
    assert left == 0, "moves left in metric_moves after they were applied"
