/* preview.c: POST /api/plugins/preview — a researcher runs a plugin's source in the sandbox over the
 * published data without installing it.  Fewer previews run at once than there are workers, so that
 * previews can never take every worker from visitors. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "auth.h"
#include "compute.h"
#include "heavy.h"
#include "plugin.h"
#include "preview.h"
#include "reply.h"
#include "routes.h"
#include "upload.h"

#define PREVIEW_RATE 0.5	/* per second per token, sustained */
#define PREVIEW_BURST 20.0

static const char *const preview_media[] = { "text/x-lua", "text/plain", NULL };

static const struct upload_guard preview_guard = {
	.rate = PREVIEW_RATE,
	.burst = PREVIEW_BURST,
	.rate_key_sign = -1,	/* previews have their own bucket, apart from the token's uploads */
	.rate_message = "too many previews with this token: slow down and retry",
	.media = preview_media,
	.media_message = "send the plugin's source as text/x-lua or text/plain",
	.need_partner = 0,
	.role_message = "previews need a researcher's token",
};

void
preview_filename(const char *in, char *out, size_t cap)
{
	const char *base = in;
	size_t i, n;

	if (in)
		for (i = 0; in[i]; i++)
			if (in[i] == '/' || in[i] == '\\')
				base = in + i + 1;
	if (base == NULL || *base == '\0') {
		snprintf(out, cap, "preview.lua");
		return;
	}
	n = strlen(base);
	if (n > PREVIEW_FILENAME_MAX)
		n = PREVIEW_FILENAME_MAX;
	if (n > cap - 1)
		n = cap - 1;
	for (i = 0; i < n; i++)
		out[i] = strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-", base[i]) ?
		    base[i] : '_';
	out[n] = '\0';
}

json_t *
preview_log_json(const char *log)
{
	json_t *a = json_array();
	const char *p, *nl;

	for (p = log; a && p && *p; p = nl + 1) {
		if ((nl = strchr(p, '\n')) == NULL)
			nl = p + strlen(p) - 1;
		json_array_append_new(a, json_stringn(p, (size_t)(nl - p)));
	}
	return a;
}

/* {"metrics":[{"id", "title", "unit", "version", "values":{WAVE:{SLUG: VALUE}}}]} */
json_t *
preview_values_json(const struct plugin_result *res, const struct city_inputs *in)
{
	json_t *metrics = json_array();
	size_t k, i;

	for (k = 0; k < res->nmetrics; k++) {
		const struct plugin_metric *m = &res->metrics[k];
		json_t *values = json_object(), *w;

		for (i = 0; i < in->n; i++) {
			if (isnan(m->values[i]))
				continue;
			if ((w = json_object_get(values, in->cities[i].survey)) == NULL) {
				w = json_object();
				json_object_set_new(values, in->cities[i].survey, w);
			}
			json_object_set_new(w, in->cities[i].slug, json_real(m->values[i]));
		}
		json_array_append_new(metrics, json_pack("{s:s, s:s, s:s, s:s, s:b, s:o}", "id", m->id,
		    "title", m->title, "unit", m->unit, "version", m->version,
		    "higher_is_better", m->higher_is_better, "values", values));
		if (m->title_fr)
			json_object_set_new(json_array_get(metrics, k), "title_fr", json_string(m->title_fr));
	}
	return json_pack("{s:o, s:o}", "metrics", metrics, "log", preview_log_json(res->log));
}

int
preview_refuse(struct request *r, const struct plugin_result *res)
{
	struct buf m = BUF_INIT;
	json_t *d = json_pack("{s:s}", "message", res->error.message ? res->error.message : "failed");

	plugin_error_format(&res->error, &m);
	json_object_set_new(d, "row", json_null());
	json_object_set_new(d, "column", json_null());
	json_object_set_new(d, "line", res->error.line > 0 ? json_integer(res->error.line) : json_null());
	json_object_set_new(d, "city", res->error.city ? json_string(res->error.city) : json_null());
	json_object_set_new(d, "survey", res->error.survey ? json_string(res->error.survey) : json_null());
	json_object_set_new(d, "metric", res->error.metric ? json_string(res->error.metric) : json_null());
	reply_error_with(r, 422, m.data ? m.data : "the plugin failed", json_pack("[o]", d), "log",
	    preview_log_json(res->log));
	buf_free(&m);
	return -1;
}

int
preview_execute(struct request *r, const char *file, const char *src, size_t len,
    struct plugin_result *res, struct city_inputs *in)
{
	struct plugin_limits lim;
	char *err = NULL;
	int running, st;

	memset(in, 0, sizeof(*in));
	memset(res, 0, sizeof(*res));
	running = atomic_fetch_add(&r->app->shm->previews_running, 1);
	atomic_fetch_add(&r->app->shm->worker_previews[r->app->worker_index], 1);
	if (running >= (r->app->workers > 1 ? r->app->workers - 1 : 1)) {
		st = -2;
	} else if (city_inputs_load(r->app->db, NULL, 0, NULL, NULL, in, &err) == -1) {
		st = -3;
	} else {
		plugin_limits_default(&lim);
		st = plugin_run(file, src, len, in->cities, in->n, &lim, res, &err);
		if (st < 0) {
			fprintf(stderr, "citybench: request %s: preview: %s\n", r->request_id, err ? err : "error");
			st = -1;
		}
	}
	atomic_fetch_sub(&r->app->shm->worker_previews[r->app->worker_index], 1);
	atomic_fetch_sub(&r->app->shm->previews_running, 1);
	free(err);
	return st;
}

int
preview_post(struct request *r)
{
	struct token tok;
	struct city_inputs in;
	struct plugin_limits lim;
	struct plugin_result res;
	const char *msg;
	char *err = NULL, file[PREVIEW_FILENAME_MAX + 1];
	int st, retry = 0, media, rc = -1;

	memset(&in, 0, sizeof(in));
	memset(&res, 0, sizeof(res));
	/* The token on the primary (a new one may not have reached a replica); the published data from
	 * the read connection, like any page. */
	st = upload_check(r, &preview_guard, r->authorization, 1, r->content_type, r->body_short, &tok, &media,
	    &retry, &msg);
	if (st == 0 && r->body_len == 0) {
		st = 400;
		msg = "the body is empty: send a plugin's Lua source";
	}
	if (st != 0) {
		audit_write(r, tok.id > 0 ? tok.name : "anonymous", tok.id, "preview", NULL, NULL, 0, st, NULL);
		return upload_refuse(r, st, msg, NULL, retry);
	}

	/* At most workers - 1 previews and uploads at once (at least one). */
	if (heavy_enter(r->app) == -1) {
		audit_write(r, tok.name, tok.id, "preview", NULL, NULL, 0, 429, NULL);
		return upload_refuse(r, 429, "every slot for previews and uploads is busy: retry in a few seconds", NULL, 2);
	}
	if (city_inputs_load(r->app->db, NULL, 0, NULL, NULL, &in, &err) == -1) {
		reply_error(r, 503, "the database is unreachable", NULL);
		goto out;
	}
	plugin_limits_default(&lim);
	preview_filename(query_get(&r->query, "filename"), file, sizeof(file));
	st = plugin_run(file, r->body, r->body_len, in.cities, in.n, &lim, &res, &err);
	if (st == 0) {
		reply_json(r, 200, preview_values_json(&res, &in));
		audit_write(r, tok.name, tok.id, "preview", NULL, NULL, 1, 200, NULL);
		rc = 0;
	} else if (st == 1) {
		preview_refuse(r, &res);
		audit_write(r, tok.name, tok.id, "preview", NULL, NULL, 0, 422, NULL);
	} else {
		fprintf(stderr, "citybench: request %s: preview: %s\n", r->request_id, err ? err : "error");
		reply_error(r, 503, "the sandbox could not be started; try again", NULL);
	}
out:
	heavy_leave(r->app);
	plugin_result_free(&res);
	city_inputs_free(&in);
	free(err);
	return rc;
}
