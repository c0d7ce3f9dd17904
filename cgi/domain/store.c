/* store.c: new versions of a city's answers, all or nothing, numbered without gaps. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "compute.h"
#include "phasetime.h"
#include "store.h"

static void
db_err(PGresult *res, char **err)
{
	*err = strdup(res ? PQresultErrorMessage(res) : "the database is unreachable");
}

/* Consumes the result of a statement that only matters as success: 0, or -1 with *err set. */
static int
done(PGresult *res, char **err)
{
	int ok = db_ok(res);

	if (!ok)
		db_err(res, err);
	PQclear(res);
	return ok ? 0 : -1;
}

static int
run(struct db *db, enum query_id q, int nparams, const char *const *p, char **err)
{
	return done(db_query(db, q, nparams, p), err);
}

/* The distinct waves of the sets, at most max of them; *many is set when there are more. */
static size_t
distinct_waves(const struct answer_set *sets, size_t n, const char **waves, size_t max, int *many)
{
	size_t i, w, nw = 0;

	*many = 0;
	for (i = 0; i < n; i++) {
		for (w = 0; w < nw; w++)
			if (strcmp(waves[w], sets[i].survey) == 0)
				break;
		if (w == nw && nw < max)
			waves[nw++] = sets[i].survey;
		else if (w == nw)
			*many = 1;
	}
	return nw;
}

/* Takes the waves' advisory locks with q (Q_LOCK_WAVES_SHARED or Q_LOCK_WAVES), given the waves as a
 * text[] literal (waves are [0-9]{4}, checked by ingest): the distinct ones, or every set's when there
 * were too many to list (the statement keeps them distinct).  0, or -1 with *err set. */
static int
lock_waves(struct db *db, enum query_id q, const struct answer_set *sets, size_t n,
    const char *const *waves, size_t nw, int many_waves, char **err)
{
	struct buf wa = BUF_INIT;
	const char *p[1];
	size_t i;
	int rc;

	buf_putc(&wa, '{');
	if (many_waves) {
		for (i = 0; i < n; i++)
			buf_printf(&wa, i ? ",%s" : "%s", sets[i].survey);
	} else {
		for (i = 0; i < nw; i++)
			buf_printf(&wa, i ? ",%s" : "%s", waves[i]);
	}
	buf_putc(&wa, '}');
	p[0] = wa.data;
	rc = run(db, q, 1, p, err);
	buf_free(&wa);
	return rc;
}

/* Metric values for what changed (per wave, the cities named in it), then the data version. */
static int
after_store(struct db *db, const struct answer_set *sets, const int *ids, size_t n, const char *const *waves,
    size_t nw, int many_waves, int bulk, long long *version, FILE *log, char **err)
{
	int (*compute)(struct db *, const int *, size_t, const char *, FILE *, char **) =
	    bulk ? compute_metrics_bulk : compute_metrics;
	int *bulk_ids = NULL;
	PGresult *res;
	size_t i, w;
	int rc = -1;

	if ((bulk_ids = calloc(n + 1, sizeof(int))) == NULL) {
		*err = strdup("out of memory");
		goto out;
	}
	if (many_waves && compute(db, NULL, 0, NULL, log, err) == -1)
		goto out;
	for (w = 0; !many_waves && w < nw; w++) {
		size_t k = 0;
		for (i = 0; i < n; i++)
			if (strcmp(sets[i].survey, waves[w]) == 0)
				bulk_ids[k++] = ids[i];
		if (k && compute(db, n > 2000 ? NULL : bulk_ids, n > 2000 ? 0 : k, waves[w], log,
		    err) == -1)
			goto out;
	}
	phasetime_mark("metrics (all waves)");
	res = db_query(db, Q_BUMP_VERSION, 0, NULL);
	if (!db_ok(res)) {
		db_err(res, err);
		PQclear(res);
		goto out;
	}
	phasetime_mark("bump_data_version");
	*version = strtoll(PQgetvalue(res, 0, Q_BUMP_VERSION_VERSION), NULL, 10);
	PQclear(res);
	rc = 0;
out:
	free(bulk_ids);
	return rc;
}

void
store_stored_free(struct stored *out, size_t n)
{
	size_t i;

	for (i = 0; out && i < n; i++) {
		json_decref(out[i].cleared);
		out[i].cleared = NULL;
		json_decref(out[i].not_asked);
		out[i].not_asked = NULL;
	}
}

/* What storing a set would do (Q_UPLOAD_PLAN) into *o; 0 or -1 with *err set. */
static int
plan(struct db *db, const char *const *p, struct stored *o, char **err)
{
	PGresult *res = db_query(db, Q_UPLOAD_PLAN, 3, p);
	json_t *cleared;
	int has_current;

	if (!db_ok(res) || PQntuples(res) != 1) {
		db_err(res, err);
		PQclear(res);
		return -1;
	}
	o->changed = atoi(PQgetvalue(res, 0, Q_UPLOAD_PLAN_CHANGES));
	has_current = !PQgetisnull(res, 0, Q_UPLOAD_PLAN_VERSION);
	/* a first version is made even when every answer is null: the city has then taken part */
	o->made = o->changed > 0 || !has_current;
	o->version = o->made ? atoi(PQgetvalue(res, 0, Q_UPLOAD_PLAN_NEXT_VERSION)) : atoi(PQgetvalue(res, 0, Q_UPLOAD_PLAN_VERSION));
	o->id = has_current && !o->made ? strtoll(PQgetvalue(res, 0, Q_UPLOAD_PLAN_SUBMISSION_ID), NULL, 10) : 0;
	cleared = json_loads(PQgetvalue(res, 0, Q_UPLOAD_PLAN_CLEARED), 0, NULL);
	json_decref(o->not_asked);
	o->not_asked = json_loads(PQgetvalue(res, 0, Q_UPLOAD_PLAN_NOT_ASKED), 0, NULL);
	if (json_array_size(o->not_asked) == 0) {
		json_decref(o->not_asked);
		o->not_asked = NULL;
	}
	PQclear(res);
	json_decref(o->cleared);
	o->cleared = NULL;
	if (json_array_size(cleared) > 0)
		o->cleared = cleared;
	else
		json_decref(cleared);
	return 0;
}

int
store_sets(struct db *db, const struct catalog *cat, const struct answer_set *sets, size_t n,
    const char *actor, int token_id, const char *source, int flags, struct stored *out,
    long long *version, void (*progress)(size_t done, size_t total), FILE *log, char **err)
{
	int *ids = NULL, dry_run = flags & STORE_DRY_RUN;
	char **named = NULL;
	char cid[16], tid[16];
	const char *waves[16];
	size_t i, nw, made = 0;
	PGresult *res;
	int rc = -1, many_waves = 0, refused = 0, not_asked = 0;

	*version = 0;
	memset(out, 0, n * sizeof(*out));
	ids = calloc(n + 1, sizeof(int));
	named = calloc(n + 1, sizeof(char *));
	if (ids == NULL || named == NULL) {
		*err = strdup("out of memory");
		goto out;
	}
	snprintf(tid, sizeof(tid), "%d", token_id);
	nw = distinct_waves(sets, n, waves, 16, &many_waves);
	if (!dry_run && (nw > 1 || many_waves)) {
		/* Several waves: their shared locks first, in order, as a bulk import takes them. */
		if (lock_waves(db, Q_LOCK_WAVES_SHARED, sets, n, waves, nw, many_waves, err) == -1)
			goto out;
	}
	/* First every set's plan, under its lock: what it changes and what it would clear. */
	for (i = 0; i < n; i++) {
		const char *p[3];

		ids[i] = catalog_city_id(cat, sets[i].city);
		snprintf(cid, sizeof(cid), "%d", ids[i]);
		if ((named[i] = json_dumps(sets[i].answers, JSON_COMPACT)) == NULL) {
			*err = strdup("out of memory");
			goto out;
		}
		p[0] = cid;
		p[1] = sets[i].survey;
		p[2] = named[i];
		if (!dry_run && run(db, Q_LOCK_CITY_WAVE, 2, p, err) == -1)
			goto out;
		if (plan(db, p, &out[i], err) == -1)
			goto out;
		if (out[i].cleared)
			refused = 1;
		if (out[i].not_asked && (flags & STORE_ASKED_IF))
			not_asked = 1;
	}
	if (not_asked) {
		rc = 2;
		goto out;
	}
	if (dry_run) {
		rc = 0;
		goto out;
	}
	if (refused && (flags & STORE_KEEP)) {
		rc = 1;
		goto out;
	}
	for (i = 0; i < n; i++) {
		const char *p[7];

		if (!out[i].made)
			continue;
		snprintf(cid, sizeof(cid), "%d", ids[i]);
		p[0] = cid;
		p[1] = sets[i].survey;
		p[2] = named[i];
		p[3] = actor;
		p[4] = token_id > 0 ? tid : NULL;
		p[5] = source;
		p[6] = NULL;
		res = db_query(db, Q_STORE_VERSION, 7, p);
		if (!db_ok(res) || PQntuples(res) != 1) {
			db_err(res, err);
			PQclear(res);
			goto out;
		}
		out[i].id = strtoll(PQgetvalue(res, 0, Q_STORE_VERSION_ID), NULL, 10);
		out[i].version = atoi(PQgetvalue(res, 0, Q_STORE_VERSION_VERSION));
		out[i].changed = atoi(PQgetvalue(res, 0, Q_STORE_VERSION_NCHANGED));
		PQclear(res);
		made++;
		if (progress && (i + 1) % 1000 == 0)
			progress(i + 1, n);
	}
	if (progress)
		progress(n, n);
	/* Nothing changed: no metric to compute, no new data version. */
	rc = made ? after_store(db, sets, ids, n, waves, nw, many_waves, 0, version, log, err) : 0;
out:
	for (i = 0; named && i < n; i++)
		free(named[i]);
	free(named);
	free(ids);
	return rc;
}

/* ---- the bulk import ---- */

/* Temporary tables of one import's transaction, filled by COPY: SQL_BULK_* in queries.def. */

/* A COPY FROM STDIN in text format, fed in chunks. */
struct copy {
	struct db *db;
	struct buf b;
};

static int
exec_plain(struct db *db, const char *sql, char **err)
{
	return done(db_exec(db, sql), err);
}

static int
copy_begin(struct copy *c, struct db *db, const char *sql, char **err)
{
	memset(c, 0, sizeof(*c));
	c->db = db;
	return db_copy_begin(db, sql, err);
}

static int
copy_flush(struct copy *c)
{
	int ok = c->b.len == 0 || db_copy_put(c->db, c->b.data, c->b.len) == 0;

	buf_reset(&c->b);
	return ok ? 0 : -1;
}

/* Ends the COPY (aborts it when failed is set) and reads its outcome: 0, or -1 with *err set. */
static int
copy_end(struct copy *c, int failed, char **err)
{
	int rc;

	if (!failed && copy_flush(c) == -1)
		failed = 1;
	rc = db_copy_end(c->db, failed ? "import aborted" : NULL, err);
	buf_free(&c->b);
	return rc;
}

/* Appends s escaped for COPY's text format. */
static int
copy_text(struct buf *b, const char *s, size_t len)
{
	size_t i, from = 0;
	int e = 0;

	for (i = 0; i < len; i++) {
		const char *rep;
		switch (s[i]) {
		case '\\': rep = "\\\\"; break;
		case '\t': rep = "\\t"; break;
		case '\n': rep = "\\n"; break;
		case '\r': rep = "\\r"; break;
		default: continue;
		}
		e |= buf_append(b, s + from, i - from) | buf_puts(b, rep);
		from = i + 1;
	}
	return e | buf_append(b, s + from, len - from);
}

static int
dump_cb(const char *s, size_t len, void *arg)
{
	return copy_text(arg, s, len);
}

struct by_key {
	const struct answer_set *sets;
	const int *ids;
};

static const struct by_key *sort_ctx;	/* qsort has no argument; the CLI is single-threaded */

static int
cmp_set(const void *a, const void *b)
{
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	int c;

	if (sort_ctx->ids[i] != sort_ctx->ids[j])
		return sort_ctx->ids[i] < sort_ctx->ids[j] ? -1 : 1;
	if ((c = strcmp(sort_ctx->sets[i].survey, sort_ctx->sets[j].survey)) != 0)
		return c;
	return i < j ? -1 : i > j;
}

int
store_bulk(struct db *db, const struct catalog *cat, const struct answer_set *sets, size_t n,
    const char *actor, const char *source, struct stored *out, long long *version,
    void (*progress)(size_t done, size_t total), FILE *log, char **err)
{
	struct by_key key;
	struct copy c;
	const char *waves[16], *p[4];
	struct answer_set *made_sets = NULL;
	size_t *order = NULL, i, nw, made = 0;
	int *ids = NULL, *round = NULL, rounds = 0, r, many_waves = 0, rc = -1, proven;
	char rs[16];
	PGresult *res;

	*version = 0;
	*err = NULL;
	ids = calloc(n + 1, sizeof(int));
	round = calloc(n + 1, sizeof(int));
	order = calloc(n + 1, sizeof(size_t));
	made_sets = calloc(n + 1, sizeof(*made_sets));
	if (ids == NULL || round == NULL || order == NULL || made_sets == NULL) {
		*err = strdup("out of memory");
		goto out;
	}
	/* A city-wave named k times goes in rounds 1..k, in the order given. */
	for (i = 0; i < n; i++) {
		ids[i] = catalog_city_id(cat, sets[i].city);
		order[i] = i;
	}
	key.sets = sets;
	key.ids = ids;
	sort_ctx = &key;
	qsort(order, n, sizeof(*order), cmp_set);
	sort_ctx = NULL;
	for (i = 0; i < n; i++) {
		size_t k = order[i], prev = i ? order[i - 1] : 0;
		round[k] = i && ids[prev] == ids[k] && strcmp(sets[prev].survey, sets[k].survey) == 0 ?
		    round[prev] + 1 : 1;
		if (round[k] > rounds)
			rounds = round[k];
	}

	/* The waves' locks, exclusive: uploads to them wait for this transaction (and it for theirs). */
	nw = distinct_waves(sets, n, waves, 16, &many_waves);
	if (lock_waves(db, Q_LOCK_WAVES, sets, n, waves, nw, many_waves, err) == -1)
		goto out;
	if (exec_plain(db, SQL_BULK_TABLES, err) == -1)
		goto out;
	phasetime_mark("bulk: sort, lock, tables");

	if (copy_begin(&c, db, SQL_BULK_COPY_SETS, err) == -1)
		goto out;
	for (i = 0; i < n; i++) {
		buf_printf(&c.b, "%zu\t%d\t%d\t", i, round[i], ids[i]);
		copy_text(&c.b, sets[i].survey, strlen(sets[i].survey));
		buf_putc(&c.b, '\n');
		if (c.b.len > (1u << 20) && copy_flush(&c) == -1)
			break;
	}
	if (copy_end(&c, i < n, err) == -1)
		goto out;

	if (copy_begin(&c, db, SQL_BULK_COPY_ANSWERS, err) == -1)
		goto out;
	for (i = 0; i < n; i++) {
		const char *code;
		json_t *v;
		int bad = 0;

		json_object_foreach(sets[i].answers, code, v) {
			buf_printf(&c.b, "%zu\t", i);
			copy_text(&c.b, code, strlen(code));
			buf_putc(&c.b, '\t');
			if (json_dump_callback(v, dump_cb, &c.b, JSON_COMPACT | JSON_ENCODE_ANY) == -1) {
				bad = 1;
				break;
			}
			buf_putc(&c.b, '\n');
		}
		if (bad || (c.b.len > (1u << 20) && copy_flush(&c) == -1))
			break;
		if (progress && (i + 1) % 5000 == 0)
			progress(i + 1, n);
	}
	if (copy_end(&c, i < n, err) == -1)
		goto out;
	phasetime_mark("bulk: copy sets and answers");
	if (exec_plain(db, SQL_BULK_ANALYZE, err) == -1)
		goto out;
	phasetime_mark("bulk: analyze");

	/* The answers' foreign keys, proven for the whole batch: every staged code is a question (one
	 * anti-join here), every submission id is one Q_BULK_VERSIONS just inserted (cb_import_new), and
	 * the answers carried over from a previous version were already checked when stored.  Then the
	 * per-row checks (two lookups for each of ~500,000 rows at 10,000 cities, most of the insert's
	 * time) are not needed: the answers' insert alone runs with session_replication_role = replica,
	 * which skips the foreign-key triggers (answers has no others); the constraints stay declared and
	 * enforced for every other write.  Without the privilege to set it, each row is checked as before. */
	res = db_query(db, Q_BULK_UNKNOWN_CODES, 0, NULL);
	if (!db_ok(res)) {
		db_err(res, err);
		PQclear(res);
		goto out;
	}
	proven = PQntuples(res) == 0;
	PQclear(res);
	for (r = 1; r <= rounds; r++) {
		int off = 0;

		snprintf(rs, sizeof(rs), "%d", r);
		p[0] = rs;
		p[1] = actor;
		p[2] = NULL;
		p[3] = source;
		if (run(db, Q_BULK_VERSIONS, 4, p, err) == -1)
			goto out;
		phasetime_mark("bulk: Q_BULK_VERSIONS");
		if (proven) {
			res = db_query(db, Q_BULK_FK_OFF, 0, NULL);
			if (!db_ok(res)) {
				db_err(res, err);
				PQclear(res);
				goto out;
			}
			off = !PQgetisnull(res, 0, Q_BULK_FK_OFF_ROLE);
			PQclear(res);
		}
		if (run(db, Q_BULK_ANSWERS, 1, p, err) == -1 ||
		    (off && run(db, Q_BULK_FK_ON, 0, NULL, err) == -1))
			goto out;
		phasetime_mark("bulk: Q_BULK_ANSWERS");
		if (run(db, Q_BULK_CURRENT, 1, p, err) == -1)
			goto out;
		phasetime_mark("bulk: Q_BULK_CURRENT (facts)");
	}
	res = db_query(db, Q_BULK_STORED, 0, NULL);
	if (!db_ok(res) || (size_t)PQntuples(res) != n) {
		if (db_ok(res))
			*err = strdup("the import stored another number of versions than it was given");
		else
			db_err(res, err);
		PQclear(res);
		goto out;
	}
	for (i = 0; i < n; i++) {
		size_t k = strtoul(PQgetvalue(res, (int)i, Q_BULK_STORED_ORD), NULL, 10);
		if (k < n) {
			out[k].id = strtoll(PQgetvalue(res, (int)i, Q_BULK_STORED_ID), NULL, 10);
			out[k].version = atoi(PQgetvalue(res, (int)i, Q_BULK_STORED_VERSION));
			out[k].changed = atoi(PQgetvalue(res, (int)i, Q_BULK_STORED_NCHANGED));
			out[k].made = PQgetvalue(res, (int)i, Q_BULK_STORED_MADE)[0] == 't';
		}
	}
	PQclear(res);
	if (progress)
		progress(n, n);
	phasetime_mark("bulk: stored");
	/* The metric values of the city-waves that have a new version; nothing made, nothing to compute
	 * and no new data version (as an upload that changes nothing). */
	for (i = 0; i < n; i++) {
		if (!out[i].made)
			continue;
		made_sets[made] = sets[i];
		ids[made++] = ids[i];
	}
	nw = distinct_waves(made_sets, made, waves, 16, &many_waves);
	rc = made ? after_store(db, made_sets, ids, made, waves, nw, many_waves, 1, version, log, err) : 0;
out:
	free(ids);
	free(round);
	free(order);
	free(made_sets);
	return rc;
}
