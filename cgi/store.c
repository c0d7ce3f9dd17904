/* store.c: new versions of a city's answers, all or nothing, numbered without gaps. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compute.h"
#include "store.h"

int
store_begin(struct db *db)
{
	return db_begin(db);
}

int
store_commit(struct db *db)
{
	return db_commit(db);
}

void
store_rollback(struct db *db)
{
	db_rollback(db);
}

static void
db_err(PGresult *res, char **err)
{
	*err = strdup(res ? PQresultErrorMessage(res) : "the database is unreachable");
}

int
store_sets(struct db *db, const struct catalog *cat, const struct answer_set *sets, size_t n,
    const char *actor, int token_id, const char *source, int dry_run, struct stored *out,
    long long *version, void (*progress)(size_t done, size_t total), FILE *log, char **err)
{
	int *ids = NULL, *bulk_ids = NULL;
	char cid[16], tid[16];
	const char *waves[16];
	size_t i, nw = 0, w;
	PGresult *res;
	int rc = -1, many_waves = 0;

	*version = 0;
	if ((ids = calloc(n + 1, sizeof(int))) == NULL) {
		*err = strdup("out of memory");
		return -1;
	}
	snprintf(tid, sizeof(tid), "%d", token_id);
	for (i = 0; i < n; i++) {
		const struct answer_set *s = &sets[i];
		char *named = json_dumps(s->answers, JSON_COMPACT);
		const char *p[7];

		ids[i] = catalog_city_id(cat, s->city);
		snprintf(cid, sizeof(cid), "%d", ids[i]);
		if (named == NULL) {
			*err = strdup("out of memory");
			goto out;
		}
		p[0] = cid;
		p[1] = s->survey;
		p[2] = named;
		if (dry_run) {
			res = db_query(db, Q_DRY_CHANGES, 3, p);
			free(named);
			if (!db_ok(res)) {
				db_err(res, err);
				PQclear(res);
				goto out;
			}
			out[i].id = 0;
			out[i].changed = atoi(PQgetvalue(res, 0, 0));
			out[i].version = atoi(PQgetvalue(res, 0, 1));
			PQclear(res);
			continue;
		}
		res = db_query(db, Q_LOCK_CITY_WAVE, 2, p);
		if (!db_ok(res)) {
			free(named);
			db_err(res, err);
			PQclear(res);
			goto out;
		}
		PQclear(res);
		p[3] = actor;
		p[4] = token_id > 0 ? tid : NULL;
		p[5] = source;
		p[6] = NULL;
		res = db_query(db, Q_STORE_VERSION, 7, p);
		free(named);
		if (!db_ok(res) || PQntuples(res) != 1) {
			db_err(res, err);
			PQclear(res);
			goto out;
		}
		out[i].id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		out[i].version = atoi(PQgetvalue(res, 0, 1));
		out[i].changed = atoi(PQgetvalue(res, 0, 2));
		PQclear(res);
		for (w = 0; w < nw; w++)
			if (strcmp(waves[w], s->survey) == 0)
				break;
		if (w == nw && nw < 16)
			waves[nw++] = s->survey;
		else if (w == nw)
			many_waves = 1;
		if (progress && (i + 1) % 1000 == 0)
			progress(i + 1, n);
	}
	if (progress)
		progress(n, n);
	if (dry_run) {
		rc = 0;
		goto out;
	}
	/* Metric values for what changed: per wave, the cities named in it. */
	if ((bulk_ids = calloc(n + 1, sizeof(int))) == NULL) {
		*err = strdup("out of memory");
		goto out;
	}
	if (many_waves && compute_metrics(db, NULL, 0, NULL, log, err) == -1)
		goto out;
	for (w = 0; !many_waves && w < nw; w++) {
		size_t k = 0;
		for (i = 0; i < n; i++)
			if (strcmp(sets[i].survey, waves[w]) == 0)
				bulk_ids[k++] = ids[i];
		if (k && compute_metrics(db, n > 2000 ? NULL : bulk_ids, n > 2000 ? 0 : k, waves[w], log,
		    err) == -1)
			goto out;
	}
	res = db_query(db, Q_BUMP_VERSION, 0, NULL);
	if (!db_ok(res)) {
		db_err(res, err);
		PQclear(res);
		goto out;
	}
	*version = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	rc = 0;
out:
	free(ids);
	free(bulk_ids);
	return rc;
}
