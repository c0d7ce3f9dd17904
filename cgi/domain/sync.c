/* sync.c: plugins/ into the database.  Run by `citybench plugins reload` and by the server at start;
 * workers never run this: they read the stored values. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "compute.h"
#include "plugin.h"
#include "sync.h"

/* Runs one statement of the reload; -1 with err set when it failed. */
static int
run(struct db *db, enum query_id q, int n, const char *const *p, char **err)
{
	PGresult *res = db_query(db, q, n, p);
	int ok = db_ok(res);

	if (!ok)
		*err = strdup(res ? PQresultErrorMessage(res) : "the database is unreachable");
	PQclear(res);
	return ok ? 0 : -1;
}

/* Version `version` of metric `id` installed: the one serving until now retired, its values kept. */
static int
keep_version(struct db *db, const char *id, const char *version, const char *file, const char *source,
    char **err)
{
	const char *p[4] = { id, version, file, source };

	if (run(db, Q_VERSION_RETIRE, 2, p, err) == -1)
		return -1;
	return run(db, Q_VERSION_INSTALL, 4, p, err);
}

/* A refused file: recorded; the metrics it installed before keep serving (their last good version).
 * Prints the refusal and what keeps serving.  0 or -1 (err set). */
static int
refuse_file(struct db *db, const struct plugin_file *f, const char *msg, FILE *out, char **err)
{
	char line[16];
	const char *p[3] = { f->name, NULL, msg };
	PGresult *res;
	int i;

	if (f->status != 0 && f->result.error.line > 0) {
		snprintf(line, sizeof(line), "%d", f->result.error.line);
		p[1] = line;
	}
	if (run(db, Q_REFUSAL_PUT, 3, p, err) == -1)
		return -1;
	res = db_query(db, Q_REFUSAL_KEEPS, 1, p);
	if (!db_ok(res)) {
		*err = strdup("cannot read the metrics");
		PQclear(res);
		return -1;
	}
	if (out) {
		fprintf(out, "refused %s\n", msg);
		for (i = 0; i < PQntuples(res); i++)
			fprintf(out, "kept %s: %s (version %s) still serving\n", f->name, PQgetvalue(res, i, Q_REFUSAL_KEEPS_ID),
			    PQgetvalue(res, i, Q_REFUSAL_KEEPS_VERSION));
	}
	PQclear(res);
	return 0;
}

/* Registers one loaded file's metrics; refuses (returns 1, message in why) an id another file owns. */
static int
register_file(struct db *db, const struct plugin_file *f, int *position, char *why, size_t n, char **err)
{
	struct buf ids = BUF_INIT;
	const char *p[10];
	char pos[16];
	size_t k, j;
	PGresult *res;

	for (k = 0; k < f->result.nmetrics; k++) {
		const char *id = f->result.metrics[k].id;
		res = db_query(db, Q_METRIC_OWNER, 1, &id);
		if (!db_ok(res)) {
			*err = strdup("cannot read the metrics");
			PQclear(res);
			return -1;
		}
		if (PQntuples(res) == 1 && PQgetvalue(res, 0, Q_METRIC_OWNER_ACTIVE)[0] == 't' &&
		    strcmp(PQgetvalue(res, 0, Q_METRIC_OWNER_PLUGIN), f->name) != 0) {
			snprintf(why, n, "metric id \"%s\" is already defined by %s", id, PQgetvalue(res, 0, Q_METRIC_OWNER_PLUGIN));
			PQclear(res);
			return 1;
		}
		PQclear(res);
	}
	buf_putc(&ids, '{');
	for (k = 0; k < f->result.nmetrics; k++) {
		const struct plugin_metric *m = &f->result.metrics[k];
		struct buf inputs = BUF_INIT;

		buf_putc(&inputs, '{');
		for (j = 0; j < m->ninputs; j++)
			buf_printf(&inputs, j ? ",%s" : "%s", m->inputs[j]);	/* [a-z0-9_] only */
		buf_putc(&inputs, '}');
		snprintf(pos, sizeof(pos), "%d", (*position)++);
		p[0] = m->id;
		p[1] = m->title;
		p[2] = m->description;
		p[3] = m->unit;
		p[4] = m->higher_is_better ? "true" : "false";
		p[5] = m->version;
		p[6] = f->name;
		p[7] = f->source;
		p[8] = pos;
		p[9] = inputs.data;
		res = db_query(db, Q_PUT_METRIC, 10, p);
		buf_free(&inputs);
		if (!db_ok(res)) {
			*err = strdup(res ? PQresultErrorMessage(res) : "the database is unreachable");
			PQclear(res);
			buf_free(&ids);
			return -1;
		}
		PQclear(res);
		p[1] = m->title_fr;
		p[2] = m->description_fr;
		res = db_query(db, Q_PUT_METRIC_FR, 3, p);
		if (!db_ok(res)) {
			*err = strdup(res ? PQresultErrorMessage(res) : "the database is unreachable");
			PQclear(res);
			buf_free(&ids);
			return -1;
		}
		PQclear(res);
		if (keep_version(db, m->id, m->version, f->name, f->source, err) == -1) {
			buf_free(&ids);
			return -1;
		}
		buf_printf(&ids, k ? ",%s" : "%s", m->id);
	}
	buf_putc(&ids, '}');
	p[0] = f->name;
	p[1] = ids.data;
	res = db_query(db, Q_DEACTIVATE_PLUGIN_EXCEPT, 2, p);
	buf_free(&ids);
	if (!db_ok(res)) {
		*err = strdup("cannot update the metrics");
		PQclear(res);
		return -1;
	}
	PQclear(res);
	return 0;
}

/* The union of the inputs the loaded files declare, as a text[] literal (codes are [a-z0-9_]). */
static int
inputs_of(const struct plugin_file *files, size_t nfiles, struct buf *codes)
{
	size_t i, k, j;
	int e = buf_putc(codes, '{');

	for (i = 0; i < nfiles; i++)
		for (k = 0; files[i].status == 0 && k < files[i].result.nmetrics; k++)
			for (j = 0; j < files[i].result.metrics[k].ninputs; j++)
				e |= buf_printf(codes, codes->len > 1 ? ",%s" : "%s",
				    files[i].result.metrics[k].inputs[j]);
	return e | buf_putc(codes, '}');
}

int
sync_plugins(struct db *db, const char *dir, FILE *out, char **err)
{
	struct city_inputs in;
	struct compute_values vals;
	struct plugin_limits lim;
	struct plugin_file *files = NULL;
	struct plugin_job *jobs = NULL;
	struct buf names = BUF_INIT, codes = BUF_INIT;
	size_t nfiles = 0, njobs = 0, i, k;
	int refused = 0, position = 0, rc = -1;
	PGresult *res;
	char why[512];

	memset(&in, 0, sizeof(in));
	memset(&vals, 0, sizeof(vals));
	if (db_begin(db) == -1) {
		*err = strdup("the database is unreachable");
		return -1;
	}
	/* One reload at a time. */
	if (db_exec_ok(db, SQL_PLUGINS_RELOAD_LOCK) == -1) {
		*err = strdup("cannot take the reload lock");
		goto out;
	}
	if (db_exec_ok(db, SQL_PLUGINS_RELOAD_BULK) == -1) {
		*err = strdup("the database is unreachable");
		goto out;
	}
	/* Every file loaded once without cities to learn its inputs, then only those answers read and
	 * each file that loaded run over them (from the same bytes). */
	plugin_limits_default(&lim);
	if (plugin_run_dir(dir, NULL, 0, &lim, &files, &nfiles, err) == -1)
		goto out;
	if (inputs_of(files, nfiles, &codes) == -1) {
		*err = strdup("out of memory");
		goto out;
	}
	if (city_inputs_load(db, NULL, 0, NULL, codes.data, &in, err) == -1 ||
	    compute_values_current(db, &vals, &in, err) == -1)
		goto out;
	/* Every file that loaded, in one sandbox process (plugin_run_many: each as plugin_run). */
	if (nfiles && (jobs = calloc(nfiles, sizeof(*jobs))) == NULL) {
		*err = strdup("out of memory");
		goto out;
	}
	for (i = 0; i < nfiles; i++) {
		if (files[i].status != 0)
			continue;
		jobs[njobs].file = files[i].name;
		jobs[njobs].source = files[i].source;
		jobs[njobs].len = files[i].len;
		njobs++;
	}
	plugin_run_many(jobs, njobs, in.cities, in.n, &lim);
	for (i = 0, k = 0; i < nfiles; i++) {
		struct plugin_file *f = &files[i];
		struct plugin_job *jb;

		if (f->status != 0)
			continue;
		jb = &jobs[k++];
		plugin_result_free(&f->result);
		f->status = jb->status;
		f->result = jb->result;
		memset(&jb->result, 0, sizeof(jb->result));
		if (f->status < 0) {
			f->result.error.message = jb->err ? jb->err : strdup("system error");
			f->result.error.file = strdup(f->name);
			jb->err = NULL;
		}
		free(jb->err);
		jb->err = NULL;
	}
	free(jobs);

	buf_putc(&names, '{');
	for (i = 0; i < nfiles; i++) {
		struct plugin_file *f = &files[i];
		const char *name = f->name;
		struct buf msg = BUF_INIT;

		buf_printf(&names, "%s\"%s\"", i ? "," : "", f->name);	/* names are *.lua we listed */
		if (f->status == 0) {
			int r = register_file(db, f, &position, why, sizeof(why), err);
			if (r == -1)
				goto out;
			if (r == 0) {
				if (run(db, Q_REFUSAL_CLEAR, 1, &name, err) == -1)
					goto out;
				/* the values of every file are written at once, below */
				for (k = 0; k < f->result.nmetrics; k++)
					if (compute_values_add(&vals, &in, &f->result.metrics[k]) == -1) {
						*err = strdup("out of memory");
						goto out;
					}
				if (out) {
					fprintf(out, "loaded %s:", f->name);
					for (k = 0; k < f->result.nmetrics; k++)
						fprintf(out, " %s (version %s)", f->result.metrics[k].id,
						    f->result.metrics[k].version);
					fprintf(out, "\n");
				}
				continue;
			}
			buf_puts(&msg, f->name);
			buf_puts(&msg, ": ");
			buf_puts(&msg, why);
		} else {
			plugin_error_format(&f->result.error, &msg);
			if (msg.len == 0)
				buf_printf(&msg, "%s: could not be run", f->name);
		}
		refused++;
		if (refuse_file(db, f, msg.data ? msg.data : f->name, out, err) == -1) {
			buf_free(&msg);
			goto out;
		}
		buf_free(&msg);
	}
	buf_putc(&names, '}');
	if (compute_values_write(db, &vals, err) == -1)
		goto out;
	{
		const char *p[1] = { names.data };
		res = db_query(db, Q_DEACTIVATE_MISSING, 1, p);
		PQclear(res);
		if (run(db, Q_REFUSAL_CLEAR_MISSING, 1, p, err) == -1)
			goto out;
	}
	res = db_query(db, Q_BUMP_VERSION, 0, NULL);
	PQclear(res);
	if (db_commit(db) == -1) {
		*err = strdup("could not commit the reload");
		goto out_rolled;
	}
	rc = refused;
	goto out_rolled;
out:
	db_rollback(db);
out_rolled:
	buf_free(&names);
	buf_free(&codes);
	plugin_files_free(files, nfiles);
	city_inputs_free(&in);
	compute_values_free(&vals);
	return rc;
}

void
sync_plugins_at_start(const char *conninfo, const char *root)
{
	struct db *db = db_new(conninfo);
	char dir[4096], *err = NULL;

	snprintf(dir, sizeof(dir), "%s/plugins", root);
	if (db == NULL || db_ensure(db) == -1) {
		fprintf(stderr, "citybench-fcgi: plugins not loaded: the database is unreachable\n");
	} else if (sync_plugins(db, dir, stderr, &err) == -1) {
		fprintf(stderr, "citybench-fcgi: plugins not loaded: %s\n", err ? err : "error");
		free(err);
	}
	db_free(db);
}
