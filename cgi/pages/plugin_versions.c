/* plugin_versions.c: the versions of a metric's plugin as the pages show them: a refused update (the
 * version that loaded last keeps serving; recorded by sync.c at reload and start), the versions ever
 * installed (/metrics/{id}/versions), a retired version's values (/metrics/{id}?version=V) and what
 * a version moved (/metrics/{id}/versions/{V}/diff?from=U). */
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "csv.h"
#include "html.h"
#include "lang.h"
#include "ltext.h"
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
		html_raw(b, "<p class=\"credit\">");
		/* TRANSLATORS: {1} the researcher's name, {2} a date (YYYY-MM-DD) */
		ltext(b, _("Contributed by {1}, approved on {2} (<a href=\"/plugins\">the review queue</a>)."), 0,
		    view_str(author, "name"), view_str(author, "approved_on"), NULL, NULL);
		html_raw(b, "</p>\n");
	}
	if (json_object_get(metric, "update_refused") == NULL)
		return;
	html_raw(b, "<p class=\"notice\" id=\"update-refused\">");
	/* TRANSLATORS: {1} a plugin's version ("1.0") */
	ltext(b, _("An update of this metric's plugin was refused. The values shown are still those of version "
	    "{1}, the last version that loaded (<a href=\"#refused\">why</a>)."), 0, view_str(metric, "version"),
	    NULL, NULL, NULL);
	html_raw(b, "</p>\n");
}

void
metric_refusal_detail_html(struct buf *b, json_t *metric)
{
	json_t *o = json_object_get(metric, "update_refused"), *line;

	if (o == NULL)
		return;
	line = json_object_get(o, "line");
	html_raw(b, "<p id=\"refused\">");
	if (json_is_integer(line)) {
		char n[24];
		snprintf(n, sizeof(n), "%lld", (long long)json_integer_value(line));
		/* TRANSLATORS: {1} a plugin file, {2} its line, {3} a date and time; the refusal's message follows */
		ltext(b, _("The last reload of plugins refused <code>{1}</code> (line {2}) on {3}:"), 0,
		    view_str(o, "file"), n, view_str(o, "refused_at"), NULL);
	} else {
		/* TRANSLATORS: {1} a plugin file, {2} a date and time; the refusal's message follows */
		ltext(b, _("The last reload of plugins refused <code>{1}</code> on {2}:"), 0, view_str(o, "file"),
		    view_str(o, "refused_at"), NULL, NULL);
	}
	html_raw(b, "</p>\n<pre class=\"error\"><code>");
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
	html_raw(b, "<p class=\"notice\" id=\"retired-version\">");
	/* TRANSLATORS: {1} a retired version, {2} the serving version, {3} the metric's id (in links) */
	ltext(b, _("These are the values version {1} of the plugin gave while it was installed; version {2} "
	    "serves now. <a href=\"/metrics/{3}\">The current values</a>, <a href=\"/metrics/{3}/versions\">every "
	    "version</a>."), 0, view_str(metric, "version"), view_str(metric, "current_version"),
	    view_str(metric, "id"), NULL);
	html_raw(b, "</p>\n");
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
	html_raw(&r->out, "<h1>");
	/* TRANSLATORS: {1} a metric's id */
	ltext(&r->out, _("Versions of <a href=\"/metrics/{1}\"><code>{1}</code></a>"), 0, id, NULL, NULL, NULL);
	html_raw(&r->out, "</h1>\n<p>");
	html_raw(&r->out, _("Every version of the metric's plugin that was ever installed, oldest first, with its "
	    "source. A retired version's values are kept: follow its link."));
	html_raw(&r->out, "</p>\n");
	view_twin_links(r, N_("This list as data"), path.data, 0);
	for (i = 0; i < n; i++) {
		const char *v = PQgetvalue(res, i, Q_METRIC_VERSIONS_VERSION),
		    *retired = PQgetvalue(res, i, Q_METRIC_VERSIONS_RETIRED_AT);
		int current = PQgetvalue(res, i, Q_METRIC_VERSIONS_CURRENT)[0] == 't';
		const char *installed = PQgetvalue(res, i, Q_METRIC_VERSIONS_INSTALLED_AT);
		html_raw(&r->out, "<section><h2>");
		/* TRANSLATORS: a heading: {1} a plugin's version */
		ltext(&r->out, current ? _("Version {1} (serving)") : _("Version {1}"), 0, v, NULL, NULL, NULL);
		html_raw(&r->out, "</h2>\n<p>");
		/* TRANSLATORS: {1} when the version was installed, {2} when it was retired (dates and times) */
		ltext(&r->out, *retired ? _("Installed {1}, retired {2}.") : _("Installed {1}."), 0, installed,
		    retired, NULL, NULL);
		html_raw(&r->out, " ");
		if (i > 0)
			/* TRANSLATORS: links: {1} the metric's id, {2} this version, {3} the version before it */
			ltext(&r->out, _("<a href=\"/metrics/{1}?version={2}\">Its values</a>, <a href=\"/metrics/{1}"
			    "/versions/{2}/diff?from={3}\">what it changed from version {3}</a>."), 0, id, v,
			    PQgetvalue(res, i - 1, Q_METRIC_VERSIONS_VERSION), NULL);
		else
			/* TRANSLATORS: a link: {1} the metric's id, {2} this version */
			ltext(&r->out, _("<a href=\"/metrics/{1}?version={2}\">Its values</a>."), 0, id, v, NULL, NULL);
		html_raw(&r->out, "</p>\n<pre><code>");
		html_text(&r->out, PQgetvalue(res, i, Q_METRIC_VERSIONS_SOURCE));
		html_raw(&r->out, "</code></pre></section>\n");
	}
	page_end(r);
	buf_free(&path);
	PQclear(res);
	return 0;
}

/* A value of the diff as PostgreSQL wrote it, with a decimal comma on a French page. */
static void
diff_value_html(struct buf *b, const char *s)
{
	const char *dot = lang_current() == LANG_FR ? strchr(s, '.') : NULL;

	if (dot == NULL) {
		html_text(b, s);
		return;
	}
	buf_append(b, s, (size_t)(dot - s));
	buf_putc(b, ',');
	html_text(b, dot + 1);
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
	html_raw(&r->out, "<h1>");
	/* TRANSLATORS: a heading: {1} the new version, {2} the metric's id, {3} the version compared with */
	ltext(&r->out, _("Version {1} of <a href=\"/metrics/{2}\"><code>{2}</code></a> against version {3}"), 0, to,
	    id, from, NULL);
	html_raw(&r->out, "</h1>\n");
	if (n == 0) {
		html_raw(&r->out, "<p class=\"notice\">");
		html_raw(&r->out, _("No city's value or rank differs between these versions."));
		html_raw(&r->out, "</p>\n");
	} else {
		static const char *const heads[] = { N_("City"), N_("Wave"), N_("Value before"), N_("Value after"),
		    N_("Rank before"), N_("Rank after") };
		html_raw(&r->out, "<table class=\"data\"><caption>");
		html_text(&r->out, _("Cities whose value or rank changed"));
		html_raw(&r->out, "</caption><thead><tr>");
		for (k = 0; k < 6; k++) {
			html_raw(&r->out, k < 2 ? "<th scope=\"col\">" : "<th scope=\"col\" class=\"num\">");
			html_text(&r->out, _(heads[k]));
			html_raw(&r->out, "</th>");
		}
		html_raw(&r->out, "</tr></thead><tbody>\n");
		for (i = 0; i < n; i++) {
			html_raw(&r->out, "<tr><th scope=\"row\">");
			html_text(&r->out, PQgetvalue(res, i, Q_VERSION_DIFF_NAME));
			for (k = Q_VERSION_DIFF_SURVEY; k <= Q_VERSION_DIFF_RANK_TO; k++) {
				html_raw(&r->out, k == Q_VERSION_DIFF_SURVEY ? "</th><td>" : "</td><td class=\"num\">");
				if (*PQgetvalue(res, i, k) == '\0')
					html_text(&r->out, "–");
				else if (k == Q_VERSION_DIFF_VALUE_FROM || k == Q_VERSION_DIFF_VALUE_TO)
					diff_value_html(&r->out, PQgetvalue(res, i, k));
				else
					html_text(&r->out, PQgetvalue(res, i, k));
			}
			html_raw(&r->out, "</td></tr>\n");
		}
		html_raw(&r->out, "</tbody></table>\n");
	}
	page_end(r);
	PQclear(res);
	return 0;
}
