/* test_dbbatch.c: db_batch, several named statements in one round trip (issue 18).  Without a database
 * only the refusals are checked; with one (CITYBENCH_DB set: tests/integration/test_dbbatch.py runs it
 * so) each item's result is compared with db_query's for the same statement, a failing item's error and
 * the items after it, a dropped connection, and a batch inside a transaction. */
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "t.h"

/* 1 when two results have the same status, columns and cells. */
static int
same_result(const PGresult *a, const PGresult *b)
{
	int i, j;

	if (a == NULL || b == NULL || PQresultStatus(a) != PQresultStatus(b) || PQntuples(a) != PQntuples(b) ||
	    PQnfields(a) != PQnfields(b))
		return 0;
	for (j = 0; j < PQnfields(a); j++)
		if (strcmp(PQfname(a, j), PQfname(b, j)) != 0)
			return 0;
	for (i = 0; i < PQntuples(a); i++)
		for (j = 0; j < PQnfields(a); j++)
			if (PQgetisnull(a, i, j) != PQgetisnull(b, i, j) ||
			    strcmp(PQgetvalue(a, i, j), PQgetvalue(b, i, j)) != 0)
				return 0;
	return 1;
}

static void
static_checks(void)
{
	const char *p[1] = { "x" };
	struct db_batch_item it[2] = { { Q_PING, 0, NULL, NULL }, { Q_CITY, 0, NULL, NULL } };
	struct db *db = db_new("host=/nonexistent-citybench-test connect_timeout=1");

	CHECK(db != NULL, "db_new without a database");
	CHECK(db_batch(db, it, 2) == -1 && it[0].res == NULL && it[1].res == NULL,
	    "a wrong parameter count: -1, no results");
	it[1].nparams = 1;
	it[1].params = p;
	CHECK(db_batch(db, it, 2) == -1 && it[0].res == NULL && it[1].res == NULL,
	    "no database: -1, no results");
	it[0].q = (enum query_id)Q__COUNT;
	CHECK(db_batch(db, it, 2) == -1, "no such statement: -1");
	CHECK(db_batch(db, it, 0) == -1, "an empty batch without a database: -1");
	db_batch_clear(it, 2);
	db_free(db);
}

static void
db_checks(const char *conninfo)
{
	struct db *db = db_new(conninfo);
	PGconn *other = PQconnectdb(conninfo);
	PGresult *res, *one;
	const char *slug[1], *none[1] = { "no-such-city-here" }, *bad[1] = { "not a number" };
	char s[128], pid[32];
	int i, same = 1;
	unsigned long before;

	CHECK(db && db_connected(db) && PQstatus(other) == CONNECTION_OK, "connects to CITYBENCH_DB");
	if (db == NULL || !db_connected(db) || PQstatus(other) != CONNECTION_OK)
		goto out;
	res = PQexec(other, "select slug from cities c where exists (select 1 from current_submissions cs "
	    "where cs.city_id = c.id) order by slug limit 1");
	CHECK(db_ok(res) && PQntuples(res) == 1, "a city with answers to read");
	snprintf(s, sizeof(s), "%s", db_ok(res) && PQntuples(res) == 1 ? PQgetvalue(res, 0, 0) : "");
	PQclear(res);
	slug[0] = s;

	/* the same answers as the statements run one at a time */
	{
		struct db_batch_item it[5] = { { Q_CITY, 1, slug, NULL }, { Q_CITY_WAVES_SLUG, 1, slug, NULL },
			{ Q_PROFILE_ANSWERS_SLUG, 1, slug, NULL }, { Q_SIMILAR_CITY_WAVE, 1, slug, NULL },
			{ Q_PING, 0, NULL, NULL } };
		CHECK(db_batch(db, it, 5) == 0, "a batch of five: 0");
		for (i = 0; i < 5; i++) {
			one = db_query(db, it[i].q, it[i].nparams, it[i].params);
			same &= db_ok(it[i].res) && same_result(it[i].res, one);
			PQclear(one);
		}
		CHECK(same, "each item's result is db_query's");
		CHECK(PQntuples(it[0].res) == 1 && PQntuples(it[1].res) > 0 && PQntuples(it[2].res) > 0,
		    "the city, its waves and its answers were read");
		/* the slug twins answer as the id statements */
		if (PQntuples(it[0].res) == 1) {
			const char *id[1] = { PQgetvalue(it[0].res, 0, Q_CITY_ID) };
			one = db_query(db, Q_CITY_WAVES, 1, id);
			CHECK(same_result(one, it[1].res), "Q_CITY_WAVES_SLUG answers as Q_CITY_WAVES");
			PQclear(one);
			one = db_query(db, Q_PROFILE_ANSWERS, 1, id);
			CHECK(same_result(one, it[2].res), "Q_PROFILE_ANSWERS_SLUG answers as Q_PROFILE_ANSWERS");
			PQclear(one);
			if (PQntuples(it[1].res) > 0) {
				const char *wave = PQgetvalue(it[1].res, 0, Q_CITY_WAVES_SURVEY_ID);
				const char *mi[4] = { wave, "all", "", id[0] }, *ms[4] = { wave, "all", "", slug[0] };
				const char *vi[2] = { wave, id[0] }, *vs[2] = { wave, slug[0] };
				struct db_batch_item tw[2] = { { Q_STATS_CITY_METRICS_SLUG, 4, ms, NULL },
					{ Q_CITY_METRIC_VERSIONS_SLUG, 2, vs, NULL } };
				CHECK(db_batch(db, tw, 2) == 0, "the metrics twins in a batch");
				one = db_query(db, Q_STATS_CITY_METRICS, 4, mi);
				CHECK(db_ok(one) && PQntuples(one) > 0 && same_result(one, tw[0].res),
				    "Q_STATS_CITY_METRICS_SLUG answers as Q_STATS_CITY_METRICS");
				PQclear(one);
				one = db_query(db, Q_CITY_METRIC_VERSIONS, 2, vi);
				CHECK(same_result(one, tw[1].res),
				    "Q_CITY_METRIC_VERSIONS_SLUG answers as Q_CITY_METRIC_VERSIONS");
				PQclear(one);
				db_batch_clear(tw, 2);
			}
		}
		db_batch_clear(it, 5);
		CHECK(it[0].res == NULL && it[4].res == NULL, "db_batch_clear empties the items");
	}
	/* a slug no city has: no rows, as the id statements answer a missing id */
	{
		struct db_batch_item it[3] = { { Q_CITY, 1, none, NULL }, { Q_CITY_WAVES_SLUG, 1, none, NULL },
			{ Q_PROFILE_ANSWERS_SLUG, 1, none, NULL } };
		CHECK(db_batch(db, it, 3) == 0 && db_ok(it[0].res) && db_ok(it[1].res) && db_ok(it[2].res) &&
		    PQntuples(it[0].res) == 0 && PQntuples(it[1].res) == 0 && PQntuples(it[2].res) == 0,
		    "a missing city: every item OK with no rows");
		db_batch_clear(it, 3);
	}
	/* a failing item: its error, the items before it answered, those after it not run */
	{
		struct db_batch_item it[3] = { { Q_PING, 0, NULL, NULL }, { Q_CITY_WAVES, 1, bad, NULL },
			{ Q_CITY, 1, slug, NULL } };
		CHECK(db_batch(db, it, 3) == 0, "a batch with a failing item: 0");
		CHECK(db_ok(it[0].res), "the item before the failure answered");
		CHECK(!db_ok(it[1].res) && PQresultStatus(it[1].res) == PGRES_FATAL_ERROR &&
		    strcmp(db_sqlstate(it[1].res), "22P02") == 0, "the failing item carries PostgreSQL's error");
		CHECK(it[2].res && PQresultStatus(it[2].res) == PGRES_PIPELINE_ABORTED, "the item after it: aborted");
		db_batch_clear(it, 3);
		one = db_query(db, Q_PING, 0, NULL);
		CHECK(db_ok(one), "the connection serves db_query after a failed batch");
		PQclear(one);
	}
	/* the connection dropped under it: sent again once on a new one */
	one = db_exec(db, "select pg_backend_pid()");
	snprintf(pid, sizeof(pid), "%s", db_ok(one) ? PQgetvalue(one, 0, 0) : "0");
	PQclear(one);
	{
		const char *p[1] = { pid };
		struct db_batch_item it[2] = { { Q_PING, 0, NULL, NULL }, { Q_CITY, 1, slug, NULL } };
		res = PQexecParams(other, "select pg_terminate_backend($1::int)", 1, NULL, p, NULL, NULL, 0);
		CHECK(db_ok(res), "the batch's connection is terminated");
		PQclear(res);
		before = db_connects(db);
		CHECK(db_batch(db, it, 2) == 0 && db_ok(it[0].res) && db_ok(it[1].res) &&
		    PQntuples(it[1].res) == 1, "a dropped connection: the batch is answered on a new one");
		CHECK(db_connects(db) == before + 1, "one new connection");
		db_batch_clear(it, 2);
	}
	/* inside a transaction: the batch sees the transaction's own writes */
	CHECK(db_begin(db) == 0, "begin");
	CHECK(db_exec_ok(db, "create temporary table batch_probe(x int) on commit drop") == 0,
	    "a temporary table in the transaction");
	{
		struct db_batch_item it[2] = { { Q_PING, 0, NULL, NULL }, { Q_CITY, 1, slug, NULL } };
		CHECK(db_batch(db, it, 2) == 0 && db_ok(it[0].res) && db_ok(it[1].res), "a batch inside it");
		db_batch_clear(it, 2);
	}
	res = db_exec(db, "select count(*) from batch_probe");
	CHECK(db_ok(res), "the transaction is still open after the batch");
	PQclear(res);
	CHECK(db_commit(db) == 0, "commit");
	/* a transaction in which a statement failed: its COMMIT is a ROLLBACK, reported as a failure */
	CHECK(db_begin(db) == 0, "begin again");
	CHECK(db_exec_ok(db, "create temporary table commit_probe(x int)") == 0, "a write in the transaction");
	CHECK(db_exec_ok(db, "select 1 / 0") == -1, "a statement that fails");
	CHECK(db_commit(db) == -1, "the commit of a failed transaction is a failure (nothing was stored)");
	res = db_exec(db, "select to_regclass('pg_temp.commit_probe') is null as gone");
	CHECK(db_ok(res) && strcmp(PQgetvalue(res, 0, 0), "t") == 0, "the transaction's write is gone");
	PQclear(res);
	/* an empty batch */
	CHECK(db_batch(db, NULL, 0) == 0, "an empty batch: 0");
out:
	PQfinish(other);
	db_free(db);
}

int
main(void)
{
	const char *conninfo = getenv("CITYBENCH_DB");

	static_checks();
	if (conninfo && *conninfo)
		db_checks(conninfo);
	else
		printf("# CITYBENCH_DB unset: no batch was sent\n");
	return T_DONE();
}
