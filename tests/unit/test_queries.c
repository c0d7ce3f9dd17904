/* test_queries.c: the statement table of include/queries*.def.  Always: each statement's declared
 * columns (C rows) are the positions 0..n-1, each once; db_query refuses a wrong parameter count.  With
 * a database (CITYBENCH_DB set: the integration stage runs it so, tests/integration/test_queries.py),
 * every statement is prepared and described (PQdescribePrepared): its parameter count is the Q row's,
 * its columns are the C rows', in number and by name (the SQL's alias is the column's name in lower
 * case).  `test_queries --dump` prints what PostgreSQL says of each statement (for writing C rows). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "t.h"

static void
lower(char *dst, const char *src, size_t size)
{
	size_t i;

	for (i = 0; src[i] && i + 1 < size; i++)
		dst[i] = (char)tolower((unsigned char)src[i]);
	dst[i] = '\0';
}

/* The declared columns of q, by position (names[pos]); their number, or -1 when a position is
 * missing, doubled or out of range. */
static int
declared(enum query_id q, const char **names, int max)
{
	int n = 0, i;
	size_t k;

	for (i = 0; i < max; i++)
		names[i] = NULL;
	for (k = 0; k < db_ncolumns; k++) {
		if (db_columns[k].q != q)
			continue;
		if (db_columns[k].pos < 0 || db_columns[k].pos >= max || names[db_columns[k].pos])
			return -1;
		names[db_columns[k].pos] = db_columns[k].name;
		n++;
	}
	for (i = 0; i < n; i++)
		if (names[i] == NULL)
			return -1;
	return n;
}

static void
static_checks(void)
{
	const char *names[64];
	char msg[160];
	int q, bad = 0;
	struct db *db;
	const char *p[1] = { "x" };

	for (q = 0; q < Q__COUNT; q++) {
		if (declared((enum query_id)q, names, 64) == -1) {
			snprintf(msg, sizeof(msg), "%s: its columns are the positions 0..n-1, each once",
			    db_statement((enum query_id)q)->name);
			CHECK(0, msg);
			bad++;
		}
	}
	CHECK(bad == 0, "every statement's C rows number its columns 0..n-1");
	CHECK_STR(db_statement(Q_CITY)->name, "Q_CITY", "the table names its statements");
	CHECK(Q_CITY_SLUG == 1 && Q_COMPARE_WAVE_KNOWN == 14, "a column's constant is its position");

	/* A wrong parameter count is refused before the database is asked (none is reachable here). */
	db = db_new("host=/nonexistent-citybench-test connect_timeout=1");
	CHECK(db != NULL, "db_new without a database");
	CHECK(db_query(db, Q_PING, 1, p) == NULL, "db_query: one parameter to a statement of none: NULL");
	CHECK(db_query(db, Q_CITY, 0, NULL) == NULL, "db_query: none to a statement of one: NULL");
	CHECK(db_query(db, (enum query_id)Q__COUNT, 0, NULL) == NULL, "db_query: no such statement: NULL");
	db_free(db);
}

static void
db_checks(const char *conninfo, int dump)
{
	PGconn *c = PQconnectdb(conninfo);
	PGresult *res;
	const char *names[64];
	char want[96], msg[256];
	int q, i, bad = 0;

	CHECK(PQstatus(c) == CONNECTION_OK, "connects to CITYBENCH_DB");
	if (PQstatus(c) != CONNECTION_OK) {
		PQfinish(c);
		return;
	}
	/* The bulk import's statements read its temporary tables: made as store.c makes them. */
	res = PQexec(c, SQL_BEGIN);
	PQclear(res);
	res = PQexec(c, SQL_BULK_TABLES);
	CHECK(db_ok(res), "SQL_BULK_TABLES runs");
	PQclear(res);
	res = PQexec(c, SQL_VALUES_TABLE);
	CHECK(db_ok(res), "SQL_VALUES_TABLE runs");
	PQclear(res);
	res = PQexec(c, SQL_CITIES_TABLE);
	CHECK(db_ok(res), "SQL_CITIES_TABLE runs");
	PQclear(res);
	for (q = 0; q < Q__COUNT; q++) {
		const struct db_statement *s = db_statement((enum query_id)q);
		int n = declared((enum query_id)q, names, 64);

		res = PQprepare(c, s->name, s->sql, 0, NULL);
		if (!db_ok(res)) {
			snprintf(msg, sizeof(msg), "%s prepares: %s", s->name, PQresultErrorMessage(res));
			CHECK(0, msg);
			bad++;
			PQclear(res);
			continue;
		}
		PQclear(res);
		res = PQdescribePrepared(c, s->name);
		if (dump) {
			printf("%s %d %d", s->name, PQnparams(res), PQnfields(res));
			for (i = 0; i < PQnfields(res); i++)
				printf(" %s", PQfname(res, i));
			printf("\n");
		}
		if (PQnparams(res) != s->nparams) {
			snprintf(msg, sizeof(msg), "%s: %d parameters in its SQL, %d in its Q row", s->name,
			    PQnparams(res), s->nparams);
			CHECK(0, msg);
			bad++;
		}
		if (PQnfields(res) != n) {
			snprintf(msg, sizeof(msg), "%s: %d columns in its SQL, %d C rows", s->name,
			    PQnfields(res), n);
			if (!dump)
				CHECK(0, msg);
			bad++;
		} else {
			for (i = 0; i < n; i++) {
				lower(want, names[i], sizeof(want));
				if (strcmp(PQfname(res, i), want) != 0) {
					snprintf(msg, sizeof(msg), "%s: column %d is %s in its SQL, %s in its C row",
					    s->name, i, PQfname(res, i), names[i]);
					CHECK(0, msg);
					bad++;
				}
			}
		}
		PQclear(res);
	}
	CHECK(bad == 0, "every statement prepares, with its Q row's parameters and its C rows' columns");
	res = PQexec(c, SQL_ROLLBACK);
	PQclear(res);
	PQfinish(c);
}

int
main(int argc, char **argv)
{
	const char *conninfo = getenv("CITYBENCH_DB");
	int dump = argc > 1 && strcmp(argv[1], "--dump") == 0;

	if (!dump)
		static_checks();
	if (conninfo && *conninfo)
		db_checks(conninfo, dump);
	else
		printf("# CITYBENCH_DB unset: the statements are not described\n");
	return T_DONE();
}
