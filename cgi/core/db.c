/* db.c: libpq connection of a worker or of the CLI: named statements prepared once per connection,
 * re-prepared after a reconnect; LISTEN for data-version changes. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"

static const struct db_statement queries[Q__COUNT] = {
#define Q(id, n, text) [id] = { #id, n, text },
#define C(q, column, pos)
#define S(name, sql)
#include "queries.def"
#undef Q
#undef C
#undef S
};

const struct db_column db_columns[] = {
#define Q(id, n, text)
#define C(q, column, pos) { q, #column, pos },
#define S(name, sql)
#include "queries.def"
#undef Q
#undef C
#undef S
};
const size_t db_ncolumns = sizeof(db_columns) / sizeof(db_columns[0]);

#define Q(id, n, text)
#define C(q, column, pos)
#define S(name, sql) const char name[] = sql;
#include "queries.def"
#undef Q
#undef C
#undef S

const struct db_statement *
db_statement(enum query_id q)
{
	return q >= 0 && q < Q__COUNT ? &queries[q] : NULL;
}

static void
notice_quiet(void *arg, const PGresult *res)
{
	(void)arg;
	(void)res;
}

static void
db_disconnect(struct db *db)
{
	PQfinish(db->conn);
	db->conn = NULL;
	db->listening = 0;
	memset(db->prepared, 0, sizeof(db->prepared));
}

struct db *
db_new(const char *conninfo)
{
	struct db *db;

	if ((db = calloc(1, sizeof(*db))) == NULL)
		return NULL;
	if ((db->conninfo = strdup(conninfo ? conninfo : "")) == NULL) {
		free(db);
		return NULL;
	}
	db_ensure(db);
	return db;
}

void
db_free(struct db *db)
{
	if (db == NULL)
		return;
	db_disconnect(db);
	free(db->conninfo);
	free(db);
}

int
db_ensure(struct db *db)
{
	int want_listen;

	if (db_connected(db))
		return 0;
	if (db->in_tx)
		return -1;	/* the transaction is lost: only db_rollback() may reconnect */
	want_listen = db->listening;
	db_disconnect(db);
	db->conn = PQconnectdb(db->conninfo);
	if (PQstatus(db->conn) != CONNECTION_OK) {
		db_disconnect(db);
		db->listening = want_listen;
		return -1;
	}
	db->connects++;
	PQsetNoticeReceiver(db->conn, notice_quiet, NULL);
	if (want_listen && db_listen(db) == -1)
		return -1;
	return 0;
}

static int
prepare(struct db *db, enum query_id q)
{
	PGresult *res;
	int ok;

	if (db->prepared[q])
		return 0;
	res = PQprepare(db->conn, queries[q].name, queries[q].sql, 0, NULL);
	ok = db_ok(res);
	PQclear(res);
	if (!ok)
		return -1;
	db->prepared[q] = 1;
	return 0;
}

int
db_connected(const struct db *db)
{
	return db->conn != NULL && PQstatus(db->conn) == CONNECTION_OK;
}

unsigned long
db_connects(const struct db *db)
{
	return db->connects;
}

static int
connection_lost(struct db *db)
{
	return !db_connected(db);
}

PGresult *
db_query(struct db *db, enum query_id q, int nparams, const char *const *params)
{
	PGresult *res = NULL;
	int attempt;

	if (q < 0 || q >= Q__COUNT) {
		fprintf(stderr, "citybench: db_query: no statement %d\n", (int)q);
		return NULL;
	}
	if (nparams != queries[q].nparams) {
		fprintf(stderr, "citybench: db_query: %s takes %d parameters, given %d\n", queries[q].name,
		    queries[q].nparams, nparams);
		return NULL;
	}
	for (attempt = 0; attempt < 2; attempt++) {
		if (db_ensure(db) == -1)
			return NULL;
		if (prepare(db, q) == -1) {
			if (connection_lost(db))
				continue;
			/* A statement that does not prepare is a bug; run it unprepared to get the error. */
			return PQexecParams(db->conn, queries[q].sql, nparams, NULL,
			    params, NULL, NULL, 0);
		}
		res = PQexecPrepared(db->conn, queries[q].name, nparams, params, NULL, NULL, 0);
		if (res && PQresultStatus(res) != PGRES_FATAL_ERROR)
			return res;
		if (!connection_lost(db) || db->in_tx)
			return res;
		/* The connection dropped: retry once, but never inside a transaction. */
		PQclear(res);
		res = NULL;
	}
	return res;
}

void
db_batch_clear(struct db_batch_item *items, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		PQclear(items[i].res);
		items[i].res = NULL;
	}
}

/* Sends the batch in pipeline mode and reads a result for each item: 0, or -1 (results cleared) when
 * the pipeline broke; the connection is then left for db_ensure to replace. */
static int
batch_pipeline(struct db *db, struct db_batch_item *items, int n)
{
	PGresult *res;
	int i, ok = 1;

	if (!PQenterPipelineMode(db->conn))
		return -1;
	for (i = 0; i < n && ok; i++)
		ok = PQsendQueryPrepared(db->conn, queries[items[i].q].name, items[i].nparams,
		    items[i].params, NULL, NULL, 0) == 1;
	if (ok)
		ok = PQpipelineSync(db->conn) == 1;
	for (i = 0; i < n && ok; i++) {
		if ((items[i].res = PQgetResult(db->conn)) == NULL) {
			ok = 0;
			break;
		}
		/* the NULL that ends this statement's results (none after an aborted one's) */
		while ((res = PQgetResult(db->conn)) != NULL) {
			if (PQresultStatus(res) == PGRES_PIPELINE_SYNC) {
				ok = 0;		/* the sync came early: results went missing */
				PQclear(res);
				break;
			}
			PQclear(res);
		}
	}
	if (ok) {
		res = PQgetResult(db->conn);
		ok = res && PQresultStatus(res) == PGRES_PIPELINE_SYNC;
		PQclear(res);
	}
	if (ok)
		ok = PQexitPipelineMode(db->conn) == 1;
	if (!ok) {
		db_batch_clear(items, n);
		return -1;
	}
	return 0;
}

int
db_batch(struct db *db, struct db_batch_item *items, int n)
{
	int i, attempt;

	for (i = 0; i < n; i++)
		items[i].res = NULL;
	for (i = 0; i < n; i++) {
		if (items[i].q < 0 || items[i].q >= Q__COUNT) {
			fprintf(stderr, "citybench: db_batch: no statement %d\n", (int)items[i].q);
			return -1;
		}
		if (items[i].nparams != queries[items[i].q].nparams) {
			fprintf(stderr, "citybench: db_batch: %s takes %d parameters, given %d\n",
			    queries[items[i].q].name, queries[items[i].q].nparams, items[i].nparams);
			return -1;
		}
	}
	for (attempt = 0; attempt < 2; attempt++) {
		int lost = 0;
		if (db_ensure(db) == -1)
			return -1;
		for (i = 0; i < n && !lost; i++) {
			if (prepare(db, items[i].q) == 0)
				continue;
			if ((lost = connection_lost(db)) != 0)
				break;
			/* A statement that does not prepare is a bug: each runs as db_query runs it. */
			for (i = 0; i < n; i++)
				items[i].res = db_query(db, items[i].q, items[i].nparams, items[i].params);
			return 0;
		}
		if (lost)
			continue;
		if (batch_pipeline(db, items, n) == 0) {
			for (i = 0; i < n; i++)
				if (PQresultStatus(items[i].res) == PGRES_FATAL_ERROR)
					break;
			if (i == n || !connection_lost(db) || db->in_tx)
				return 0;
			db_batch_clear(items, n);
			continue;	/* the connection dropped: once more on a new one */
		}
		if (!connection_lost(db))
			db_disconnect(db);	/* a pipeline left half read: start afresh */
		if (db->in_tx)
			return -1;	/* the transaction is lost: db_rollback() */
	}
	return -1;
}

PGresult *
db_exec(struct db *db, const char *sql)
{
	if (db_ensure(db) == -1)
		return NULL;
	return PQexec(db->conn, sql);
}

int
db_exec_ok(struct db *db, const char *sql)
{
	PGresult *res = db_exec(db, sql);
	int ok = db_ok(res);

	PQclear(res);
	return ok ? 0 : -1;
}

PGresult *
db_exec_params(struct db *db, const char *sql, int nparams, const char *const *params)
{
	if (db_ensure(db) == -1)
		return NULL;
	return PQexecParams(db->conn, sql, nparams, NULL, params, NULL, NULL, 0);
}

static int
simple(struct db *db, const char *sql)
{
	PGresult *res;
	int ok;

	if (!db_connected(db))
		return -1;
	res = PQexec(db->conn, sql);
	ok = db_ok(res);
	PQclear(res);
	return ok ? 0 : -1;
}

int
db_begin(struct db *db)
{
	if (db_ensure(db) == -1 || simple(db, SQL_BEGIN) == -1)
		return -1;
	db->in_tx = 1;
	return 0;
}

int
db_commit(struct db *db)
{
	PGresult *res;
	int ok;

	/* A COMMIT whose answer was lost leaves us not knowing: the caller reports failure.  A transaction
	 * in which a statement failed ends in a ROLLBACK, which PostgreSQL answers to COMMIT as a success
	 * (command tag ROLLBACK): nothing was stored, so that is a failure too. */
	db->in_tx = 0;
	if (!db_connected(db))
		return -1;
	res = PQexec(db->conn, SQL_COMMIT);
	ok = db_ok(res) && strcmp(PQcmdStatus(res), "COMMIT") == 0;
	PQclear(res);
	return ok ? 0 : -1;
}

void
db_rollback(struct db *db)
{
	if (db->in_tx && db_connected(db) &&
	    PQtransactionStatus(db->conn) != PQTRANS_IDLE)
		simple(db, SQL_ROLLBACK);
	db->in_tx = 0;
}

int
db_copy_begin(struct db *db, const char *sql, char **err)
{
	PGresult *res;
	int ok;

	if (!db_connected(db)) {
		*err = strdup("the database is unreachable");
		return -1;
	}
	res = PQexec(db->conn, sql);
	ok = res && PQresultStatus(res) == PGRES_COPY_IN;
	if (!ok)
		*err = strdup(res ? PQresultErrorMessage(res) : "the database is unreachable");
	PQclear(res);
	return ok ? 0 : -1;
}

int
db_copy_put(struct db *db, const char *data, size_t len)
{
	if (len > INT_MAX)
		return -1;
	return PQputCopyData(db->conn, data, (int)len) == 1 ? 0 : -1;
}

int
db_copy_end(struct db *db, const char *abort_reason, char **err)
{
	PGresult *res;
	int ok = 1;

	if (PQputCopyEnd(db->conn, abort_reason) != 1)
		ok = 0;
	while ((res = PQgetResult(db->conn)) != NULL) {
		if (ok && PQresultStatus(res) != PGRES_COMMAND_OK) {
			ok = 0;
			if (*err == NULL)
				*err = strdup(PQresultErrorMessage(res));
		}
		PQclear(res);
	}
	if ((!ok || abort_reason) && *err == NULL)
		*err = strdup(PQerrorMessage(db->conn)[0] ? PQerrorMessage(db->conn) : "the copy failed");
	return ok && abort_reason == NULL ? 0 : -1;
}

int
db_ok(const PGresult *res)
{
	ExecStatusType st;

	if (res == NULL)
		return 0;
	st = PQresultStatus(res);
	return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
}

const char *
db_sqlstate(const PGresult *res)
{
	const char *s;

	if (res == NULL)
		return "";
	s = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	return s ? s : "";
}

int
db_listen(struct db *db)
{
	PGresult *res;
	int ok;

	db->listening = 1;
	if (db->conn == NULL)
		return -1;
	res = PQexec(db->conn, SQL_LISTEN);
	ok = db_ok(res);
	PQclear(res);
	if (!ok)
		return -1;
	if (prepare(db, Q_DATA_VERSION) == -1)
		return 0;	/* the version is learnt at the next NOTIFY */
	res = PQexecPrepared(db->conn, queries[Q_DATA_VERSION].name, 0, NULL, NULL, NULL, 0);
	if (db_ok(res) && PQntuples(res) == 1) {
		long long v = strtoll(PQgetvalue(res, 0, Q_DATA_VERSION_VERSION), NULL, 10);
		if (v > db->seen_version)
			db->seen_version = v;
	}
	PQclear(res);
	return 0;
}

long long
db_poll(struct db *db)
{
	PGnotify *n;

	if (db->conn == NULL || !PQconsumeInput(db->conn))
		return db->seen_version;
	while ((n = PQnotifies(db->conn)) != NULL) {
		long long v = strtoll(n->extra, NULL, 10);
		if (v > db->seen_version)
			db->seen_version = v;
		PQfreemem(n);
	}
	return db->seen_version;
}
