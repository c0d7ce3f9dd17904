/* plugin_queue.c: the review queue of researchers' plugins.
 *
 * POST /api/plugins (a researcher's token, the plugin's source as text/x-lua or text/plain, at most
 * 256 KiB): the plugin is previewed in the sandbox like POST /api/plugins/preview, and when it runs
 * it is stored as a pending submission (through plugin_submit, a security-definer function that
 * checks the token itself) with a summary of its preview: 201 {"plugin":{"id","status"}}.  A plugin
 * that fails is refused with the preview's 422 and not stored; a metric id already pending review
 * in another submission gets 409.  Nothing here ever runs a stored submission: the operator's CLI
 * (plugin approve) installs it into plugins/.  GET /plugins lists the submissions with their status,
 * reason, preview and source.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "auth.h"
#include "compute.h"
#include "db.h"
#include "html.h"
#include "lang.h"
#include "ltext.h"
#include "names.h"
#include "page.h"
#include "plugin.h"
#include "preview.h"
#include "reply.h"
#include "routes.h"
#include "upload.h"
#include "view.h"

#define QUEUE_RATE 0.5		/* per second per token, shared with the token's previews */
#define QUEUE_BURST 20.0
#define QUEUE_TOP 3		/* cities shown at each end of a wave's ranking in the summary */

static const char *const queue_media[] = { "text/x-lua", "text/plain", NULL };

static const struct upload_guard queue_guard = {
	.rate = QUEUE_RATE,
	.burst = QUEUE_BURST,
	.rate_key_sign = -1,	/* the previews' bucket: a submission is a preview too */
	.rate_message = "too many previews and submissions with this token: slow down and retry",
	.media = queue_media,
	.media_message = "send the plugin's source as text/x-lua or text/plain",
	.need_partner = 0,
	.role_message = "submitting a plugin needs a researcher's token",
};

struct wv {			/* one city's value in one wave, for sorting */
	const char *slug;
	double v;
};

static int
by_value(const void *a, const void *b)
{
	const struct wv *x = a, *y = b;

	if (x->v != y->v)
		return x->v < y->v ? 1 : -1;	/* highest first */
	return strcmp(x->slug, y->slug);
}

static json_t *
ends_json(const struct wv *v, size_t n, int top)
{
	json_t *a = json_array();
	size_t i, k = n < QUEUE_TOP ? n : QUEUE_TOP;

	for (i = 0; i < k; i++) {
		const struct wv *e = top ? &v[i] : &v[n - 1 - i];

		json_array_append_new(a, json_pack("{s:s, s:f}", "city", e->slug, "value", e->v));
	}
	return a;
}

/* {"metrics":[{"id","title","unit","version","higher_is_better","waves":{W:{"n","mean","min","max",
 * "top":[{city,value}],"bottom":[…]}}}],"log":[…]}: what the queue keeps of a preview. */
static json_t *
summary_json(const struct plugin_result *res, const struct city_inputs *in)
{
	json_t *metrics = json_array();
	struct wv *v = malloc((in->n ? in->n : 1) * sizeof(*v));
	size_t k, i, j, n;

	if (v == NULL)
		return NULL;
	for (k = 0; k < res->nmetrics; k++) {
		const struct plugin_metric *m = &res->metrics[k];
		json_t *waves = json_object();

		for (i = 0; i < in->n; i++) {
			const char *w = in->cities[i].survey;
			double sum = 0;

			if (json_object_get(waves, w))
				continue;
			for (j = i, n = 0; j < in->n; j++)
				if (strcmp(in->cities[j].survey, w) == 0 && !isnan(m->values[j])) {
					v[n].slug = in->cities[j].slug;
					v[n++].v = m->values[j];
					sum += m->values[j];
				}
			qsort(v, n, sizeof(*v), by_value);
			/* top and bottom as the ranking reads: the best first */
			json_object_set_new(waves, w, json_pack("{s:i, s:o, s:o, s:o, s:o, s:o}", "n", (json_int_t)n,
			    "mean", n ? json_real(sum / (double)n) : json_null(),
			    "min", n ? json_real(v[n - 1].v) : json_null(), "max", n ? json_real(v[0].v) : json_null(),
			    "top", ends_json(v, n, m->higher_is_better), "bottom", ends_json(v, n, !m->higher_is_better)));
		}
		json_array_append_new(metrics, json_pack("{s:s, s:s, s:s, s:s, s:b, s:o}", "id", m->id,
		    "title", m->title, "unit", m->unit, "version", m->version,
		    "higher_is_better", m->higher_is_better, "waves", waves));
		if (m->title_fr)
			json_object_set_new(json_array_get(metrics, k), "title_fr", json_string(m->title_fr));
	}
	free(v);
	return json_pack("{s:o, s:o}", "metrics", metrics, "log", preview_log_json(res->log));
}

int
plugins_submit_post(struct request *r)
{
	struct token tok;
	struct city_inputs in;
	struct plugin_result res;
	const char *msg, *p[5], *auth = r->authorization ? r->authorization : "";
	char file[PREVIEW_FILENAME_MAX + 1], *preview = NULL;
	struct buf ids = BUF_INIT;
	PGresult *q = NULL;
	json_t *sum = NULL;
	size_t k;
	int st, retry = 0, media, rc = -1;

	memset(&in, 0, sizeof(in));
	memset(&res, 0, sizeof(res));
	st = upload_check(r, &queue_guard, r->authorization, 1, r->content_type, r->body_short, &tok, &media,
	    &retry, &msg);
	if (st == 0 && r->body_len == 0) {
		st = 400;
		msg = "the body is empty: send a plugin's Lua source";
	}
	if (st != 0) {
		audit_write(r, tok.id > 0 ? tok.name : "anonymous", tok.id, "plugin submit", NULL, NULL, 0, st, NULL);
		return upload_refuse(r, st, msg, NULL, retry);
	}
	preview_filename(query_get(&r->query, "filename"), file, sizeof(file));
	if (strcmp(file, "preview.lua") == 0)
		snprintf(file, sizeof(file), "plugin.lua");
	st = preview_execute(r, file, r->body, r->body_len, &res, &in);
	if (st == -2) {
		audit_write(r, tok.name, tok.id, "plugin submit", NULL, NULL, 0, 429, NULL);
		upload_refuse(r, 429, "every preview slot is busy: retry in a few seconds", NULL, 2);
		goto out;
	}
	if (st == -3 || st == -1) {
		reply_error(r, 503, st == -3 ? "the database is unreachable" :
		    "the sandbox could not be started; try again", NULL);
		goto out;
	}
	if (st == 1) {
		json_t *d = json_pack("{s:s}", "message", res.error.message ? res.error.message : "failed");

		audit_write(r, tok.name, tok.id, "plugin submit", NULL, NULL, 0, 422, d);
		preview_refuse(r, &res);
		goto out;
	}
	buf_putc(&ids, '{');
	for (k = 0; k < res.nmetrics; k++)
		buf_printf(&ids, "%s%s", k ? "," : "", res.metrics[k].id);	/* ids are [a-z0-9_] */
	buf_putc(&ids, '}');
	if ((sum = summary_json(&res, &in)) == NULL ||
	    (preview = json_dumps(sum, JSON_COMPACT)) == NULL || ids.data == NULL) {
		reply_error(r, 503, "out of memory; try again", NULL);
		goto out;
	}
	p[0] = strncmp(auth, "Bearer ", 7) == 0 ? auth + 7 : auth;
	p[1] = file;
	p[2] = r->body;
	p[3] = ids.data;
	p[4] = preview;
	if (memchr(r->body, '\0', r->body_len)) {
		reply_error(r, 400, "the plugin's source contains a NUL byte", NULL);
		goto out;
	}
	q = db_query(app_writer(r->app), Q_QUEUE_SUBMIT, 5, p);
	if (!db_ok(q)) {
		const char *state = db_sqlstate(q);

		if (state && strcmp(state, "23505") == 0) {
			const char *m = PQresultErrorField(q, PG_DIAG_MESSAGE_PRIMARY);

			audit_write(r, tok.name, tok.id, "plugin submit", NULL, NULL, 0, 409, NULL);
			reply_error(r, 409, m ? m : "a metric it declares is already pending review", NULL);
		} else if (state && strcmp(state, "28000") == 0) {
			audit_write(r, tok.name, tok.id, "plugin submit", NULL, NULL, 0, 401, NULL);
			upload_refuse(r, 401, "not a researcher's token", NULL, 0);
		} else {
			view_db_error(r, q);
		}
		goto out;
	}
	{
		const char *id = PQgetvalue(q, 0, Q_QUEUE_SUBMIT_ID);
		json_t *detail = json_pack("{s:s, s:s}", "submission", id, "metrics", ids.data);

		audit_write(r, tok.name, tok.id, "plugin submit", NULL, NULL, 1, 201, detail);
		reply_json(r, 201, json_pack("{s:{s:I, s:s, s:s, s:O}}", "plugin", "id", (json_int_t)atoll(id),
		    "status", "pending", "filename", file, "preview", sum));
	}
	rc = 0;
out:
	PQclear(q);
	json_decref(sum);
	free(preview);
	buf_free(&ids);
	plugin_result_free(&res);
	city_inputs_free(&in);
	return rc;
}

/* --- GET /plugins ----------------------------------------------------------------------------- */

static void
summary_html(struct buf *b, json_t *preview)
{
	json_t *metrics = json_object_get(preview, "metrics"), *m, *log = json_object_get(preview, "log");
	size_t k, i;

	json_array_foreach(metrics, k, m) {
		const char *w;
		json_t *s;

		html_raw(b, "<h4><code>");
		html_text(b, json_string_value(json_object_get(m, "id")));
		html_raw(b, "</code> ");
		names_json_title_html(b, m);
		html_raw(b, " (");
		html_text(b, json_string_value(json_object_get(m, "unit")));
		html_raw(b, ", version ");
		html_text(b, json_string_value(json_object_get(m, "version")));
		html_raw(b, ")</h4>\n<table class=\"data\"><thead><tr>");
		{
			const char *cols[] = { N_("Wave"), N_("Cities"), N_("Mean"), N_("Min"), N_("Max"), N_("First"),
			    N_("Last") };
			size_t c;

			for (c = 0; c < sizeof(cols) / sizeof(cols[0]); c++) {
				html_raw(b, "<th scope=\"col\">");
				html_text(b, _(cols[c]));
				html_raw(b, "</th>");
			}
		}
		html_raw(b, "</tr></thead><tbody>\n");
		json_object_foreach(json_object_get(m, "waves"), w, s) {
			const char *ends[2] = { "top", "bottom" };
			int e;

			html_raw(b, "<tr><th scope=\"row\">");
			html_text(b, w);
			buf_printf(b, "</th><td>%lld</td>", (long long)json_integer_value(json_object_get(s, "n")));
			for (i = 0; i < 3; i++) {
				json_t *x = json_object_get(s, i == 0 ? "mean" : i == 1 ? "min" : "max");

				if (json_is_number(x))
					buf_printf(b, "<td>%.4g</td>", json_number_value(x));
				else
					html_raw(b, "<td>–</td>");
			}
			for (e = 0; e < 2; e++) {
				json_t *c;
				size_t j;

				html_raw(b, "<td>");
				json_array_foreach(json_object_get(s, ends[e]), j, c) {
					if (j)
						html_raw(b, ", ");
					html_text(b, json_string_value(json_object_get(c, "city")));
					buf_printf(b, " %.4g", json_number_value(json_object_get(c, "value")));
				}
				html_raw(b, "</td>");
			}
			html_raw(b, "</tr>\n");
		}
		html_raw(b, "</tbody></table>\n");
	}
	if (json_array_size(log)) {
		json_t *l;

		html_raw(b, "<p>");
		html_text(b, _("What it printed:"));
		html_raw(b, "</p><pre>");
		json_array_foreach(log, i, l) {
			html_text(b, json_string_value(l));
			html_raw(b, "\n");
		}
		html_raw(b, "</pre>\n");
	}
}

int
plugins_get(struct request *r)
{
	PGresult *res = db_query(r->app->db, Q_QUEUE_LIST, 0, NULL);
	json_t *list;
	int i, n;

	if (!db_ok(res)) {
		view_db_error(r, res);
		PQclear(res);
		return -1;
	}
	n = PQntuples(res);
	list = json_array();
	for (i = 0; i < n; i++) {
		const char *reason = PQgetvalue(res, i, Q_QUEUE_LIST_REASON);
		json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:o, s:o, s:s, s:s, s:o}",
		    "id", (json_int_t)atoll(PQgetvalue(res, i, Q_QUEUE_LIST_ID)),
		    "submitted_by", PQgetvalue(res, i, Q_QUEUE_LIST_SUBMITTED_BY),
		    "submitted_at", PQgetvalue(res, i, Q_QUEUE_LIST_SUBMITTED_AT),
		    "status", PQgetvalue(res, i, Q_QUEUE_LIST_STATUS),
		    "reason", *reason ? json_string(reason) : json_null(),
		    "metrics", json_loads(PQgetvalue(res, i, Q_QUEUE_LIST_METRICS), 0, NULL),
		    "filename", PQgetvalue(res, i, Q_QUEUE_LIST_FILENAME),
		    "source", PQgetvalue(res, i, Q_QUEUE_LIST_SOURCE),
		    "preview", json_loads(PQgetvalue(res, i, Q_QUEUE_LIST_PREVIEW), 0, NULL));

		if (o)
			json_array_append_new(list, o);
	}
	PQclear(res);
	if (r->fmt == FMT_JSON)
		return reply_json(r, 200, json_pack("{s:o}", "plugins", list));
	page_begin(r, _("Plugins submitted for review"));
	html_raw(&r->out, "<h1>");
	html_text(&r->out, _("Plugins submitted for review"));
	html_raw(&r->out, "</h1>\n<p>");
	/* TRANSLATORS: keep the markup and the links' addresses */
	html_raw(&r->out, _("Researchers submit metric plugins with "
	    "<code>POST /api/plugins</code> (see <a href=\"/guide#queue\">the guide</a>); the portal's "
	    "operator approves them, which installs them, or rejects them with a reason. A pending plugin "
	    "is never run except in its preview. Try yours first on <a href=\"/plugins/preview\">the "
	    "preview page</a>."));
	html_raw(&r->out, "</p>\n");
	if (json_array_size(list) == 0) {
		html_raw(&r->out, "<p>");
		html_text(&r->out, _("No plugin has been submitted yet."));
		html_raw(&r->out, "</p>\n");
	}
	{
		size_t k;
		json_t *o;

		json_array_foreach(list, k, o) {
			json_t *ms = json_object_get(o, "metrics"), *m;
			const char *status = json_string_value(json_object_get(o, "status"));
			size_t j;

			char id[32];

			snprintf(id, sizeof(id), "%lld", (long long)json_integer_value(json_object_get(o, "id")));
			buf_printf(&r->out, "<section aria-labelledby=\"sub-%s\"><h2 id=\"sub-%s\">", id, id);
			ltext(&r->out, _("Submission {1}: "), 0, id, NULL, NULL, NULL);
			json_array_foreach(ms, j, m) {
				if (j)
					html_raw(&r->out, ", ");
				html_raw(&r->out, "<code>");
				html_text(&r->out, json_string_value(m));
				html_raw(&r->out, "</code>");
			}
			html_raw(&r->out, "</h2>\n<p>");
			/* TRANSLATORS: {1} the status (pending, approved, rejected: a code, kept as is) */
			ltext(&r->out, _("Status: <strong>{1}</strong>"), 0, status, NULL, NULL, NULL);
			if (json_is_string(json_object_get(o, "reason")))
				ltext(&r->out, _(" — reason: {1}"), 0, json_string_value(json_object_get(o, "reason")), NULL,
				    NULL, NULL);
			/* TRANSLATORS: {1} who, {2} when, {3} the file's name; keep the markup */
			ltext(&r->out, _(". Submitted by {1} on <time>{2}</time> as <code>{3}</code>."), 0,
			    json_string_value(json_object_get(o, "submitted_by")),
			    json_string_value(json_object_get(o, "submitted_at")),
			    json_string_value(json_object_get(o, "filename")), NULL);
			html_raw(&r->out, "</p>\n<h3>");
			html_text(&r->out, _("Its preview"));
			html_raw(&r->out, "</h3>\n");
			summary_html(&r->out, json_object_get(o, "preview"));
			html_raw(&r->out, "<details><summary>");
			html_text(&r->out, _("Its source"));
			html_raw(&r->out, "</summary><pre><code>");
			html_text(&r->out, json_string_value(json_object_get(o, "source")));
			html_raw(&r->out, "</code></pre></details></section>\n");
		}
	}
	json_decref(list);
	page_end(r);
	return 0;
}
