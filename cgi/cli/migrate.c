/* migrate.c: `citybench db migrate`: the numbered SQL files of sql/migrations, applied in order, each
 * once, each in a transaction with its row in schema_migrations.
 *
 * These statements run as plain SQL, not as named prepared statements: a migration is a script of
 * many statements, and schema_migrations may not exist until the first run creates it. */
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "migrate.h"

/* The largest migration file read (a schema script, not data). */
#define MIGRATE_MAX_FILE (16u << 20)

/* Several hosts may run `db migrate` at once during an upgrade: one at a time (SQL_MIGRATE_LOCK, which
 * ends with the session).  Its SQL is in queries.def (SQL_MIGRATE_*). */

static int
cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
is_migration(const char *name)
{
	size_t len = strlen(name);

	return len > 4 && strcmp(name + len - 4, ".sql") == 0 && isdigit((unsigned char)name[0]);
}

void
migrate_names_free(char **names, size_t n)
{
	size_t i;

	for (i = 0; names && i < n; i++)
		free(names[i]);
	free(names);
}

int
migrate_list(const char *dir, char ***names, char **err)
{
	char **v = NULL, **grown;
	size_t n = 0, cap = 0;
	struct dirent *e;
	DIR *d;

	*names = NULL;
	if ((d = opendir(dir)) == NULL) {
		if (asprintf(err, "cannot open %s", dir) < 0)
			*err = NULL;
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		if (!is_migration(e->d_name))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			if ((grown = realloc(v, cap * sizeof(*v))) == NULL)
				goto nomem;
			v = grown;
		}
		if ((v[n] = strdup(e->d_name)) == NULL)
			goto nomem;
		n++;
	}
	closedir(d);
	if (n)
		qsort(v, n, sizeof(*v), cmp_name);
	*names = v;
	return (int)n;
nomem:
	closedir(d);
	migrate_names_free(v, n);
	*err = strdup("out of memory");
	return -1;
}

int
migrate_version(const char *name)
{
	return atoi(name);
}

/* Runs sql; on failure sets *err (when err is not NULL) to PostgreSQL's message. 0 or -1. */
static int
exec_sql(struct db *db, const char *sql, char **err)
{
	PGresult *res = db_exec(db, sql);
	int ok = db_ok(res);

	if (!ok && err) {
		free(*err);
		*err = strdup(res ? PQresultErrorMessage(res) : "the database is unreachable");
	}
	PQclear(res);
	return ok ? 0 : -1;
}

int
migrate_apply(struct db *db, const char *dir, FILE *out, char **err)
{
	char **names = NULL, *sql = NULL, *why = NULL, *path = NULL;
	PGresult *res = NULL;
	int n, i, applied = 0, rc = -1;

	*err = NULL;
	if ((n = migrate_list(dir, &names, err)) < 0)
		return -1;
	if (exec_sql(db, SQL_MIGRATE_LOCK, &why) == -1 ||
	    exec_sql(db, SQL_MIGRATE_TABLE, &why) == -1) {
		if (asprintf(err, "migrate: %s", why) < 0)
			*err = NULL;
		goto out;
	}
	for (i = 0; i < n; i++) {
		char ver[16];
		const char *p[2];

		snprintf(ver, sizeof(ver), "%d", migrate_version(names[i]));
		p[0] = ver;
		p[1] = names[i];
		res = db_exec_params(db, SQL_MIGRATE_SEEN, 1, p);
		if (!db_ok(res)) {
			*err = strdup("migrate: cannot read schema_migrations");
			goto out;
		}
		if (PQntuples(res) == 1) {
			PQclear(res);
			res = NULL;
			continue;
		}
		PQclear(res);
		res = NULL;
		free(path);
		if (asprintf(&path, "%s/%s", dir, names[i]) < 0) {
			path = NULL;
			*err = strdup("out of memory");
			goto out;
		}
		if ((sql = buf_read_file(path, NULL, MIGRATE_MAX_FILE)) == NULL) {
			if (asprintf(err, "migrate: cannot read %s", path) < 0)
				*err = NULL;
			goto out;
		}
		if (exec_sql(db, SQL_BEGIN, &why) == -1 || exec_sql(db, sql, &why) == -1) {
			exec_sql(db, SQL_ROLLBACK, NULL);
			if (asprintf(err, "migrate: %s: %s", names[i], why) < 0)
				*err = NULL;
			goto out;
		}
		free(sql);
		sql = NULL;
		res = db_exec_params(db, SQL_MIGRATE_RECORD, 2, p);
		if (!db_ok(res) || exec_sql(db, SQL_COMMIT, &why) == -1) {
			exec_sql(db, SQL_ROLLBACK, NULL);
			if (asprintf(err, "migrate: %s: cannot record it", names[i]) < 0)
				*err = NULL;
			goto out;
		}
		PQclear(res);
		res = NULL;
		fprintf(out, "applied %s\n", names[i]);
		applied++;
	}
	if (applied == 0)
		fprintf(out, "database is up to date (%d migrations)\n", n);
	rc = 0;
out:
	if (rc == -1 && *err == NULL)
		*err = strdup("migrate: failed");
	PQclear(res);
	migrate_names_free(names, (size_t)n);
	free(path);
	free(sql);
	free(why);
	return rc;
}
