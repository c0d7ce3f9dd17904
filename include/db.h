/* db.h: the PostgreSQL connection of a worker or of the CLI: named prepared statements, reconnect. */
#ifndef CB_DB_H
#define CB_DB_H

#include <stddef.h>

#include <libpq-fe.h>

/* The advisory-lock keys of the programs' own jobs, each named once (text: they are spliced into the
 * SQL of the .def files).  The waves' locks are key pairs, (DB_LOCK_WAVES, hashtext(wave)) and (city
 * id, hashtext(wave)): see Q_LOCK_CITY_WAVE in queries.def (no city has id 0).  The statistics'
 * rebuild takes hashtext('citybench.stats') in SQL (sql/migrations/002_stats.sql, stats_refresh). */
#define DB_LOCK_MIGRATE		"7244160518"	/* `citybench db migrate`: one runner at a time */
#define DB_LOCK_PLUGINS_RELOAD	"7277001"	/* `plugins reload` and the start's sync: one at a time */
#define DB_LOCK_WAVES		"0"		/* with hashtext(wave): a wave's writers and bulk imports */

/* Every SQL text of the programs lives in include/queries.def (and the queries_*.def files it
 * includes), in three kinds of rows:
 *   Q(name, nparams, sql)   a statement run by name with db_query (prepared once per connection);
 *   C(name, COLUMN, pos)    the columns of its select list, each by position, right after it: code
 *                           reads PQgetvalue(res, i, name_COLUMN), never a number;
 *   S(name, sql)            SQL that cannot be prepared (the migration runner's, COPY, LISTEN …): a
 *                           constant string `name`, run with db_exec, db_exec_params or db_copy_begin.
 * tests/unit/test_queries.c checks the columns (positions 0..n-1, each once) and, given a database,
 * prepares every statement and compares its parameters and columns (PQdescribePrepared) with the rows. */
enum query_id {
#define Q(name, nparams, sql) name,
#define C(q, column, pos)
#define S(name, sql)
#include "queries.def"
#undef Q
#undef C
#undef S
	Q__COUNT
};

/* The columns, by name: Q_CITY_SLUG is the position of `slug` in Q_CITY's select list. */
enum query_column {
#define Q(name, nparams, sql)
#define C(q, column, pos) q##_##column = pos,
#define S(name, sql)
#include "queries.def"
#undef Q
#undef C
#undef S
	Q__COLUMN_NONE = -1
};

/* Code that reads the rows of two statements alike (one of them chosen at run time) says so, and the
 * compiler checks that both place the column at the same position. */
#define DB_SAME_COLUMN(a, b, column) \
	_Static_assert(a##_##column == b##_##column, #a " and " #b " place " #column " alike")

/* The SQL that is not a prepared statement (S rows), as constants. */
#define Q(name, nparams, sql)
#define C(q, column, pos)
#define S(name, sql) extern const char name[];
#include "queries.def"
#undef Q
#undef C
#undef S

/* The tables themselves, for the checks: a statement's name, parameter count and SQL; every C row. */
struct db_statement {
	const char *name;
	int nparams;
	const char *sql;
};
struct db_column {
	enum query_id q;
	const char *name;	/* as written, upper case: the SQL's alias is its lower case */
	int pos;
};
const struct db_statement *db_statement(enum query_id q);
extern const struct db_column db_columns[];
extern const size_t db_ncolumns;

struct db {
	PGconn *conn;
	char *conninfo;
	unsigned char prepared[Q__COUNT];
	long long seen_version;		/* highest data version learnt by NOTIFY */
	int listening;
	int in_tx;			/* inside BEGIN … COMMIT/ROLLBACK (db_begin) */
	unsigned long connects;		/* connections made so far: a new one starts a new session */
};

/* Connects (or keeps trying later: a NULL conn is allowed and retried by db_ensure).
 * Returns NULL only when memory ran out. */
struct db *db_new(const char *conninfo);
void db_free(struct db *db);

/* Makes sure the connection is up, reconnecting when it went away.  Returns 0 or -1 (database down). */
int db_ensure(struct db *db);

/* 1 when the connection is up as far as libpq knows (no round trip), else 0. */
int db_connected(const struct db *db);

/* How many connections db has made: a session's state (a version read on it, say) holds while this
 * stays the same. */
unsigned long db_connects(const struct db *db);

/* Runs a named statement, preparing it on this connection the first time.  Text parameters (NULL is SQL
 * NULL).  Returns a result the caller PQclear()s, or NULL when the database could not be reached or
 * nparams is not the statement's (a programming error, logged to stderr); a result whose status is not
 * OK carries PostgreSQL's error. A read that failed because the connection
 * dropped is retried once on a new connection. */
PGresult *db_query(struct db *db, enum query_id q, int nparams, const char *const *params);

/* Several named statements sent together and read in order, one round trip (libpq's pipeline mode):
 * each item's res is set as db_query would return it (a result the caller PQclear()s; a result whose
 * status is not OK carries PostgreSQL's error, and the items after a failed one are not run:
 * PGRES_PIPELINE_ABORTED).  Returns 0, or -1 with every res NULL when the database could not be
 * reached or an item's nparams is not its statement's (logged).  A batch that failed because the
 * connection dropped is sent again once on a new connection, never inside a transaction. */
struct db_batch_item {
	enum query_id q;
	int nparams;
	const char *const *params;
	PGresult *res;
};
int db_batch(struct db *db, struct db_batch_item *items, int n);
/* PQclear()s every item's result. */
void db_batch_clear(struct db_batch_item *items, int n);

/* A transaction: while one is open, a lost connection is never silently replaced (the statements
 * after it would run outside the transaction); every call fails until db_rollback().  0 or -1. */
int db_begin(struct db *db);
int db_commit(struct db *db);
void db_rollback(struct db *db);

/* Plain SQL without parameters (migrations, BEGIN/COMMIT); same failure contract as db_query. */
PGresult *db_exec(struct db *db, const char *sql);
/* db_exec when only success matters (BEGIN, SAVEPOINT, SET LOCAL, a temporary table): 0 or -1. */
int db_exec_ok(struct db *db, const char *sql);

/* Unprepared SQL with text parameters, for statements run once (the migration runner's bookkeeping);
 * same failure contract as db_exec. */
PGresult *db_exec_params(struct db *db, const char *sql, int nparams, const char *const *params);

/* COPY … FROM STDIN in text format: db_copy_begin runs the statement (0, or -1 with *err set);
 * db_copy_put sends rows (0 or -1: the copy is then lost, db_copy_end says why); db_copy_end finishes
 * it, or aborts it when abort_reason is not NULL, and reads its outcome: 0, or -1 with *err set (if
 * it was NULL).  Inside a transaction, as every statement of a bulk write. */
int db_copy_begin(struct db *db, const char *sql, char **err);
int db_copy_put(struct db *db, const char *data, size_t len);
int db_copy_end(struct db *db, const char *abort_reason, char **err);

/* 1 if res is PGRES_COMMAND_OK or PGRES_TUPLES_OK. */
int db_ok(const PGresult *res);

/* Listens for data-version notifications; db_poll returns the highest version announced so far
 * (without a round trip), or db->seen_version when nothing new arrived. */
int db_listen(struct db *db);
long long db_poll(struct db *db);

/* The SQLSTATE of a failed result, or "" */
const char *db_sqlstate(const PGresult *res);

#endif
