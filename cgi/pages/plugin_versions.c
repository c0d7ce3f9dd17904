/* plugin_versions.c: the versions of a metric's plugin as the pages show them: a refused update (the
 * version that loaded last keeps serving; recorded by sync.c at reload and start), the versions ever
 * installed (/metrics/{id}/versions), a retired version's values (/metrics/{id}?version=V) and what
 * a version moved (/metrics/{id}/versions/{V}/diff?from=U). */
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "csv.h"
#include "html.h"
#include "page.h"
#include "plugin_versions.h"
#include "query.h"
#include "reply.h"
#include "view.h"

int
metric_refusal_model(struct db *db, json_t *metric)
{
	const char *id = view_str(metric, "id");
	PGresult *res = db_query(db, Q_METRIC_REFUSAL, 1, &id);
	json_t *o;

	if (!db_ok(res)) {
		PQclear(res);
		return -1;
	}
	if (PQntuples(res) == 1) {
		const char *line = PQgetvalue(res, 0, Q_METRIC_REFUSAL_LINE);
		o = json_pack("{s:s, s:o, s:s, s:s}", "file", PQgetvalue(res, 0, Q_METRIC_REFUSAL_PLUGIN),
		    "line", *line ? json_integer(atoi(line)) : json_null(), "message", PQgetvalue(res, 0, Q_METRIC_REFUSAL_MESSAGE),
		    "refused_at", PQgetvalue(res, 0, Q_METRIC_REFUSAL_REFUSED_AT));
		if (o == NULL || json_object_set_new(metric, "update_refused", o) == -1) {
			PQclear(res);
			return -1;
		}
	}
	PQclear(res);
	/* The researcher whose approved submission installed it (the review queue): credited. */
	res = db_query(db, Q_QUEUE_AUTHOR, 1, &id);
	if (db_ok(res) && PQntuples(res) == 1)
		json_object_set_new(metric, "author", json_pack("{s:s, s:s}",
		    "name", PQgetvalue(res, 0, Q_QUEUE_AUTHOR_SUBMITTED_BY),
		    "approved_on", PQgetvalue(res, 0, Q_QUEUE_AUTHOR_APPROVED_ON)));
	PQclear(res);
	return 0;
}

void
metric_refusal_notice_html(struct buf *b, json_t *metric)
{
	json_t *author = json_object_get(metric, "author");

	if (author) {
		html_raw(b, "<p class=\"credit\">Contributed by ");
		html_text(b, view_str(author, "name"));
		html_raw(b, ", approved on ");
		html_text(b, view_str(author, "approved_on"));
		html_raw(b, " (<a href=\"/plugins\">the review queue</a>).</p>\n");
	}
	if (json_object_get(metric, "update_refused") == NULL)
		return;
	html_raw(b, "<p class=\"notice\" id=\"update-refused\">An update of this metric's plugin was refused. "
	    "The values shown are still those of version ");
	html_text(b, view_str(metric, "version"));
	html_raw(b, ", the last version that loaded (<a href=\"#refused\">why</a>).</p>\n");
}

void
metric_refusal_detail_html(struct buf *b, json_t *metric)
{
	json_t *o = json_object_get(metric, "update_refused"), *line;

	if (o == NULL)
		return;
	line = json_object_get(o, "line");
	html_raw(b, "<p id=\"refused\">The last reload of plugins refused <code>");
	html_text(b, view_str(o, "file"));
	html_raw(b, "</code>");
	if (json_is_integer(line))
		buf_printf(b, " (line %lld)", (long long)json_integer_value(line));
	html_raw(b, " on ");
	html_text(b, view_str(o, "refused_at"));
	html_raw(b, ":</p>\n<pre class=\"error\"><code>");
	html_text(b, view_str(o, "message"));
	html_raw(b, "</code></pre>\n");
}

/* A version as the URL gives it: 1 to 64 bytes of [A-Za-z0-9._-] (a plugin's version is a short string). */
static int
version_valid(const char *v)
{
	size_t n = v ? strlen(v) : 0, i;

	if (n == 0 || n > 64)
		return 0;
	for (i = 0; i < n; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-", v[i]))
			return 0;
	return 1;
}

int
metric_version_arg(struct request *r, const char *id, const char **version, PGresult **res)
{
	const char *p[2];

	*res = NULL;
	*version = query_get(&r->query, "version");
	if (*version == NULL || **version == '\0') {
		*version = NULL;
		return 0;
	}
	if (!version_valid(*version))
		return reply_errorf(r, 404, "metric \"%s\" has no such version", id);
	p[0] = id;
	p[1] = *version;
	*res = db_query(r->app->db, Q_METRIC_VERSION, 2, p);
	if (!db_ok(*res)) {
		view_db_error(r, *res);
		PQclear(*res);
		*res = NULL;
		return -1;
	}
	if (PQntuples(*res) == 0) {
		PQclear(*res);
		*res = NULL;
		return reply_errorf(r, 404, "metric \"%s\" has no version %s", id, *version);
	}
	if (PQgetvalue(*res, 0, Q_METRIC_VERSION_CURRENT)[0] == 't') {
		PQclear(*res);
		*res = NULL;
		return 0;
	}
	return 1;
}

int
metric_version_model(json_t *metric, const char *version, const PGresult *res)
{
	int rc = 0;

	rc |= json_object_set(metric, "current_version", json_object_get(metric, "version"));
	rc |= json_object_set_new(metric, "version", json_string(version));
	rc |= json_object_set_new(metric, "source", json_string(PQgetvalue(res, 0, Q_METRIC_VERSION_SOURCE)));
	rc |= json_object_set_new(metric, "current", json_false());
	return rc ? -1 : 0;
}

void
metric_version_notice_html(struct buf *b, json_t *metric)
{
	if (!json_is_false(json_object_get(metric, "current")))
		return;
	html_raw(b, "<p class=\"notice\" id=\"retired-version\">These are the values version ");
	html_text(b, view_str(metric, "version"));
	html_raw(b, " of the plugin gave while it was installed; version ");
	html_text(b, view_str(metric, "current_version"));
	html_raw(b, " serves now. <a href=\"/metrics/");
	html_attr(b, view_str(metric, "id"));
	html_raw(b, "\">The current values</a>, <a href=\"/metrics/");
	html_attr(b, view_str(metric, "id"));
	html_raw(b, "/versions\">every version</a>.</p>\n");
}

/* The metric's id from the path, and that it is an active metric: 0, or -1 when answered. */
static int
metric_arg(struct request *r, const char **id)
{
	*id = r->args[0];
	if (!ident_valid(*id))
		return reply_error(r, 404, "no such metric", NULL);
	return 0;
}

int
metric_versions_get(struct request *r)
{
	const char *id;
	PGresult *res;
	struct buf path = BUF_INIT;
	json_t *list;
	int i, n;

	if (metric_arg(r, &id) == -1)
		return -1;
	if (view_not_modified(r))
		return 0;
	res = db_query(r->app->db, Q_METRIC_VERSIONS, 1, &id);
	if (!db_ok(res)) {
		view_db_error(r, res);
		PQclear(res);
		return -1;
	}
	n = PQntuples(res);
	if (n == 0) {
		PQclear(res);
		return reply_errorf(r, 404, "no metric called \"%s\"", id);
	}
	if (r->fmt == FMT_JSON) {
		list = json_array();
		for (i = 0; i < n; i++) {
			const char *retired = PQgetvalue(res, i, Q_METRIC_VERSIONS_RETIRED_AT);
			json_array_append_new(list, json_pack("{s:s, s:s, s:o, s:s, s:b}",
			    "version", PQgetvalue(res, i, Q_METRIC_VERSIONS_VERSION), "installed_at", PQgetvalue(res, i, Q_METRIC_VERSIONS_INSTALLED_AT),
			    "retired_at", *retired ? json_string(retired) : json_null(),
			    "source", PQgetvalue(res, i, Q_METRIC_VERSIONS_SOURCE), "current", PQgetvalue(res, i, Q_METRIC_VERSIONS_CURRENT)[0] == 't'));
		}
		PQclear(res);
		return reply_json(r, 200, json_pack("{s:s, s:o}", "metric", id, "versions", list));
	}
	if (r->fmt == FMT_CSV) {
		r->ctype = "text/csv";
		buf_puts(&r->out, "version,installed_at,retired_at,current,source\r\n");
		for (i = 0; i < n; i++) {
			csv_text(&r->out, PQgetvalue(res, i, Q_METRIC_VERSIONS_VERSION));
			csv_sep(&r->out);
			csv_text(&r->out, PQgetvalue(res, i, Q_METRIC_VERSIONS_INSTALLED_AT));
			csv_sep(&r->out);
			csv_text(&r->out, PQgetvalue(res, i, Q_METRIC_VERSIONS_RETIRED_AT));
			csv_sep(&r->out);
			csv_text(&r->out, PQgetvalue(res, i, Q_METRIC_VERSIONS_CURRENT)[0] == 't' ? "true" : "false");
			csv_sep(&r->out);
			csv_text(&r->out, PQgetvalue(res, i, Q_METRIC_VERSIONS_SOURCE));
			csv_eol(&r->out);
		}
		PQclear(res);
		return 0;
	}
	buf_printf(&path, "/metrics/%s/versions", id);
	page_begin(r, _("Versions of a metric's plugin"));
	html_raw(&r->out, "<h1>Versions of <a href=\"/metrics/");
	html_attr(&r->out, id);
	html_raw(&r->out, "\"><code>");
	html_text(&r->out, id);
	html_raw(&r->out, "</code></a></h1>\n<p>Every version of the metric's plugin that was ever installed, "
	    "oldest first, with its source. A retired version's values are kept: follow its link.</p>\n");
	view_twin_links(r, N_("This list as data"), path.data, 0);
	for (i = 0; i < n; i++) {
		const char *v = PQgetvalue(res, i, Q_METRIC_VERSIONS_VERSION),
		    *retired = PQgetvalue(res, i, Q_METRIC_VERSIONS_RETIRED_AT);
		int current = PQgetvalue(res, i, Q_METRIC_VERSIONS_CURRENT)[0] == 't';
		html_raw(&r->out, "<section><h2>Version ");
		html_text(&r->out, v);
		html_raw(&r->out, current ? " (serving)" : "");
		html_raw(&r->out, "</h2>\n<p>Installed ");
		html_text(&r->out, PQgetvalue(res, i, Q_METRIC_VERSIONS_INSTALLED_AT));
		if (*retired) {
			html_raw(&r->out, ", retired ");
			html_text(&r->out, retired);
		}
		html_raw(&r->out, ". <a href=\"/metrics/");
		html_attr(&r->out, id);
		html_raw(&r->out, "?version=");
		html_attr(&r->out, v);
		html_raw(&r->out, "\">Its values</a>");
		if (i > 0) {
			html_raw(&r->out, ", <a href=\"/metrics/");
			html_attr(&r->out, id);
			html_raw(&r->out, "/versions/");
			html_attr(&r->out, v);
			html_raw(&r->out, "/diff?from=");
			html_attr(&r->out, PQgetvalue(res, i - 1, Q_METRIC_VERSIONS_VERSION));
			html_raw(&r->out, "\">what it changed from version ");
			html_text(&r->out, PQgetvalue(res, i - 1, Q_METRIC_VERSIONS_VERSION));
			html_raw(&r->out, "</a>");
		}
		html_raw(&r->out, ".</p>\n<pre><code>");
		html_text(&r->out, PQgetvalue(res, i, Q_METRIC_VERSIONS_SOURCE));
		html_raw(&r->out, "</code></pre></section>\n");
	}
	page_end(r);
	buf_free(&path);
	PQclear(res);
	return 0;
}

/* A number of the diff ('' none) as JSON. */
static json_t *
diff_num(const char *s, int integer)
{
	if (*s == '\0')
		return json_null();
	return integer ? json_integer(strtoll(s, NULL, 10)) : json_real(strtod(s, NULL));
}

int
metric_version_diff_get(struct request *r)
{
	const char *id, *to = r->args[1], *from = query_get(&r->query, "from"), *wave, *p[4];
	PGresult *res = NULL;
	json_t *list;
	int i, n, k;

	if (metric_arg(r, &id) == -1)
		return -1;
	if (!version_valid(to))
		return reply_errorf(r, 404, "metric \"%s\" has no such version", id);
	if (from == NULL || !version_valid(from))
		return reply_error(r, 400, "from must name the version to compare with (?from=1.0)", NULL);
	if (view_wave_param(r, &wave) == -1)
		return -1;
	if (view_not_modified(r))
		return 0;
	for (k = 0; k < 2; k++) {
		p[0] = id;
		p[1] = k ? from : to;
		res = db_query(r->app->db, Q_METRIC_VERSION, 2, p);
		if (!db_ok(res)) {
			view_db_error(r, res);
			PQclear(res);
			return -1;
		}
		n = PQntuples(res);
		PQclear(res);
		if (n == 0)
			return reply_errorf(r, k ? 400 : 404, "metric \"%s\" has no version %s", id, p[1]);
	}
	p[0] = id;
	p[1] = to;
	p[2] = from;
	p[3] = wave;
	res = db_query(r->app->db, Q_VERSION_DIFF, 4, p);
	if (!db_ok(res)) {
		view_db_error(r, res);
		PQclear(res);
		return -1;
	}
	n = PQntuples(res);
	if (r->fmt == FMT_JSON) {
		list = json_array();
		for (i = 0; i < n; i++)
			json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:o}",
			    "city", PQgetvalue(res, i, Q_VERSION_DIFF_SLUG), "name", PQgetvalue(res, i, Q_VERSION_DIFF_NAME),
			    "survey", PQgetvalue(res, i, Q_VERSION_DIFF_SURVEY),
			    "value_from", diff_num(PQgetvalue(res, i, Q_VERSION_DIFF_VALUE_FROM), 0),
			    "value_to", diff_num(PQgetvalue(res, i, Q_VERSION_DIFF_VALUE_TO), 0),
			    "rank_from", diff_num(PQgetvalue(res, i, Q_VERSION_DIFF_RANK_FROM), 1),
			    "rank_to", diff_num(PQgetvalue(res, i, Q_VERSION_DIFF_RANK_TO), 1)));
		PQclear(res);
		return reply_json(r, 200, json_pack("{s:s, s:s, s:s, s:o, s:o}", "metric", id, "from", from,
		    "version", to, "survey", wave ? json_string(wave) : json_null(), "changes", list));
	}
	if (r->fmt == FMT_CSV) {
		r->ctype = "text/csv";
		buf_puts(&r->out, "city,name,survey,value_from,value_to,rank_from,rank_to\r\n");
		for (i = 0; i < n; i++) {
			for (k = Q_VERSION_DIFF_SLUG; k <= Q_VERSION_DIFF_RANK_TO; k++) {
				if (k > Q_VERSION_DIFF_SLUG)
					csv_sep(&r->out);
				csv_text(&r->out, PQgetvalue(res, i, k));
			}
			csv_eol(&r->out);
		}
		PQclear(res);
		return 0;
	}
	page_begin(r, _("What a plugin version changed"));
	html_raw(&r->out, "<h1>Version ");
	html_text(&r->out, to);
	html_raw(&r->out, " of <a href=\"/metrics/");
	html_attr(&r->out, id);
	html_raw(&r->out, "\"><code>");
	html_text(&r->out, id);
	html_raw(&r->out, "</code></a> against version ");
	html_text(&r->out, from);
	html_raw(&r->out, "</h1>\n");
	if (n == 0) {
		html_raw(&r->out, "<p class=\"notice\">No city's value or rank differs between these versions.</p>\n");
	} else {
		html_raw(&r->out, "<table class=\"data\"><caption>Cities whose value or rank changed</caption><thead><tr>"
		    "<th scope=\"col\">City</th><th scope=\"col\">Wave</th>"
		    "<th scope=\"col\" class=\"num\">Value before</th><th scope=\"col\" class=\"num\">Value after</th>"
		    "<th scope=\"col\" class=\"num\">Rank before</th><th scope=\"col\" class=\"num\">Rank after</th>"
		    "</tr></thead><tbody>\n");
		for (i = 0; i < n; i++) {
			html_raw(&r->out, "<tr><th scope=\"row\">");
			html_text(&r->out, PQgetvalue(res, i, Q_VERSION_DIFF_NAME));
			for (k = Q_VERSION_DIFF_SURVEY; k <= Q_VERSION_DIFF_RANK_TO; k++) {
				html_raw(&r->out, k == Q_VERSION_DIFF_SURVEY ? "</th><td>" : "</td><td class=\"num\">");
				html_text(&r->out, *PQgetvalue(res, i, k) ? PQgetvalue(res, i, k) : "–");
			}
			html_raw(&r->out, "</td></tr>\n");
		}
		html_raw(&r->out, "</tbody></table>\n");
	}
	page_end(r);
	PQclear(res);
	return 0;
}
