/* queue.c: the operator's side of the review queue (queue.h).  The CLI runs as the database's
 * owner, so it reads and decides submissions directly; it is the only thing that ever writes a
 * submitted plugin into plugins/, and only once the operator approved it. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "compute.h"
#include "db.h"
#include "plugin.h"
#include "query.h"
#include "queue.h"
#include "say.h"
#include "sync.h"
#include "utf8.h"

/* 1 when s is valid UTF-8 without control characters. */
static int
utf8_text_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (!utf8_valid(s, n))
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

static int
id_ok(const char *id)
{
	size_t n = strlen(id);

	return n > 0 && n < 19 && strspn(id, "0123456789") == n;
}

int
queue_list(struct db *db, FILE *out)
{
	PGresult *res = db_query(db, Q_QUEUE_LIST, 0, NULL);
	int i, n;

	if (!db_ok(res)) {
		say_refusal("cannot read the queue: %s", PQresultErrorMessage(res));
		PQclear(res);
		return 1;
	}
	n = PQntuples(res);
	fprintf(out, "id\tstatus\tsubmitted_at\tsubmitted_by\tmetrics\tfile\treason\n");
	for (i = 0; i < n; i++)
		fprintf(out, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", PQgetvalue(res, i, Q_QUEUE_LIST_ID),
		    PQgetvalue(res, i, Q_QUEUE_LIST_STATUS), PQgetvalue(res, i, Q_QUEUE_LIST_SUBMITTED_AT),
		    PQgetvalue(res, i, Q_QUEUE_LIST_SUBMITTED_BY), PQgetvalue(res, i, Q_QUEUE_LIST_METRICS),
		    PQgetvalue(res, i, Q_QUEUE_LIST_FILENAME), PQgetvalue(res, i, Q_QUEUE_LIST_REASON));
	if (n == 0)
		fprintf(out, "(no submissions)\n");
	PQclear(res);
	return 0;
}

/* The pending submission id, or NULL with a refusal said. */
static PGresult *
pending(struct db *db, const char *id)
{
	PGresult *res;

	if (!id_ok(id)) {
		say_refusal("%s: not a submission id (a number: see `citybench plugin queue`)", id);
		return NULL;
	}
	res = db_query(db, Q_QUEUE_GET, 1, &id);
	if (!db_ok(res) || PQntuples(res) != 1) {
		say_refusal("no submission %s (see `citybench plugin queue`)", id);
		PQclear(res);
		return NULL;
	}
	if (strcmp(PQgetvalue(res, 0, Q_QUEUE_GET_STATUS), "pending") != 0) {
		say_refusal("submission %s is %s already", id, PQgetvalue(res, 0, Q_QUEUE_GET_STATUS));
		PQclear(res);
		return NULL;
	}
	return res;
}

static int
decide(struct db *db, const char *id, const char *status, const char *why)
{
	const char *p[3] = { id, status, why };
	PGresult *res = db_query(db, Q_QUEUE_DECIDE, 3, p);
	int ok = db_ok(res) && PQntuples(res) == 1;

	if (!ok)
		say_refusal("submission %s was decided meanwhile, or the database refused: %s", id,
		    PQresultErrorMessage(res));
	PQclear(res);
	return ok ? 0 : 1;
}

int
queue_reject(struct db *db, const char *id, const char *why, FILE *out, json_t **changed)
{
	PGresult *res;
	size_t n = strlen(why);

	if (n == 0 || n > 2000 || !utf8_text_ok(why)) {
		say_refusal("--why: give a reason of 1 to 2000 characters, shown on /plugins");
		return 1;
	}
	if ((res = pending(db, id)) == NULL)
		return 1;
	*changed = json_pack("{s:s, s:s, s:s, s:s}", "submission", id, "decision", "rejected", "reason", why,
	    "metrics", PQgetvalue(res, 0, Q_QUEUE_GET_METRICS));
	PQclear(res);
	if (decide(db, id, "rejected", why) != 0)
		return 1;
	fprintf(out, "rejected submission %s: %s\n", id, why);
	return 0;
}

int
queue_approve(struct db *db, const char *dir, const char *id, FILE *out, json_t **changed)
{
	PGresult *res, *f;
	struct city_inputs in;
	struct plugin_result r;
	struct buf path = BUF_INIT, tmp = BUF_INIT, msg = BUF_INIT;
	char *err = NULL, file[PLUGIN_ID_MAX + 8], metrics[PLUGIN_MAX_METRICS * (PLUGIN_ID_MAX + 1) + 1];
	const char *src, *first;
	FILE *fp = NULL;
	int st, rc = 1, refused;

	memset(&r, 0, sizeof(r));
	memset(&in, 0, sizeof(in));
	if ((res = pending(db, id)) == NULL)
		return 1;
	src = PQgetvalue(res, 0, Q_QUEUE_GET_SOURCE);
	snprintf(metrics, sizeof(metrics), "%s", PQgetvalue(res, 0, Q_QUEUE_GET_METRICS));
	first = strtok(metrics, ",");
	if (first == NULL || !ident_valid(first)) {
		say_refusal("submission %s declares no metric", id);
		goto out;
	}
	/* Checked again, over the data as it is now. */
	if (city_inputs_load(db, NULL, 0, NULL, NULL, &in, &err) == -1) {
		say_refusal("%s", err ? err : "cannot read the data");
		goto out;
	}
	st = plugin_run(first, src, strlen(src), in.cities, in.n, NULL, &r, &err);
	if (st != 0) {
		if (st == 1)
			plugin_error_format(&r.error, &msg);
		say_refusal("submission %s no longer runs, not approved: %s", id,
		    msg.data ? msg.data : err ? err : "error");
		goto out;
	}
	/* An update of an installed metric replaces its file; a new metric gets a file of its own. */
	f = db_query(db, Q_QUEUE_METRIC_FILE, 1, &first);
	if (db_ok(f) && PQntuples(f) == 1 && strlen(PQgetvalue(f, 0, Q_QUEUE_METRIC_FILE_PLUGIN)) < sizeof(file) &&
	    strchr(PQgetvalue(f, 0, Q_QUEUE_METRIC_FILE_PLUGIN), '/') == NULL)
		snprintf(file, sizeof(file), "%s", PQgetvalue(f, 0, Q_QUEUE_METRIC_FILE_PLUGIN));
	else
		snprintf(file, sizeof(file), "%s.lua", first);
	PQclear(f);
	buf_printf(&path, "%s/%s", dir, file);
	buf_printf(&tmp, "%s/.%s.approve-%s", dir, file, id);
	if (path.data == NULL || tmp.data == NULL || (fp = fopen(tmp.data, "wx")) == NULL ||
	    fwrite(src, 1, strlen(src), fp) != strlen(src) || fflush(fp) != 0 || fsync(fileno(fp)) != 0) {
		say_refusal("cannot write %s: %s", tmp.data ? tmp.data : dir, strerror(errno));
		if (fp) {
			fclose(fp);
			unlink(tmp.data);
		}
		goto out;
	}
	fclose(fp);
	if (decide(db, id, "approved", NULL) != 0) {
		unlink(tmp.data);
		goto out;
	}
	if (rename(tmp.data, path.data) != 0) {
		say_refusal("cannot install %s: %s (submission %s is marked approved: move %s there by hand)",
		    path.data, strerror(errno), id, tmp.data);
		goto out;
	}
	*changed = json_pack("{s:s, s:s, s:s, s:s, s:s}", "submission", id, "decision", "approved",
	    "file", file, "metrics", PQgetvalue(res, 0, Q_QUEUE_GET_METRICS),
	    "submitted_by", PQgetvalue(res, 0, Q_QUEUE_GET_SUBMITTED_BY));
	fprintf(out, "approved submission %s by %s: installed as plugins/%s\n", id,
	    PQgetvalue(res, 0, Q_QUEUE_GET_SUBMITTED_BY), file);
	free(err);
	err = NULL;
	refused = sync_plugins(db, dir, out, &err);
	if (refused < 0) {
		say_refusal("installed, but loading plugins/ failed: %s (run `citybench plugins reload`)",
		    err ? err : "error");
		goto out;
	}
	rc = 0;
out:
	PQclear(res);
	plugin_result_free(&r);
	city_inputs_free(&in);
	buf_free(&path);
	buf_free(&tmp);
	buf_free(&msg);
	free(err);
	return rc;
}
