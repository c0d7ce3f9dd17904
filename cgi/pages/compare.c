/* compare.c: /compare — cities side by side on metrics, with each value's rank within a cohort.
 *
 * `cities` and `metrics` are comma lists, and may also come repeated (`cities=a&cities=b`, as plain
 * checkbox forms send them): the lists are joined, blanks trimmed, ASCII letters lowered, empty items
 * skipped, duplicates dropped, order kept.  One statement (Q_COMPARE) answers the whole view; the HTML
 * page runs one more for the city picker's suggestions.
 *
 * Decisions where the contract is silent:
 * - Fewer than 2 cities: the HTML page shows its form and a notice (200); the .json and .csv twins
 *   answer 400, since a comparison of one city is not a table a program can use.
 * - More than MAX_CITIES cities: 400 in every format; more than MAX_METRICS metrics: 400.
 * - An item that cannot be a slug / metric id is a bad parameter (400); a well-formed one that names no
 *   city / no active metric is a 404 naming it (the contract's "no such city, metric"), in every
 *   format, the first unknown one in the order given.
 * - No `metrics` (or only empty ones): every active metric, in the catalogue's order.
 * - A compared city outside the cohort keeps its value; its rank and percentile are null.
 * - The chart is one grouped bar chart: a group per metric, a bar per city, each metric on its own
 *   scale (metrics have different units); the table beside it holds the same numbers.
 * - `questions` adds the chosen answers side by side to every format (compare_answers.c). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "app.h"
#include "chart.h"
#include "compare_answers.h"
#include "compare_json.h"
#include "csv.h"
#include "html.h"
#include "latest.h"
#include "ltext.h"
#include "names.h"
#include "page.h"
#include "query.h"
#include "reply.h"
#include "routes.h"
#include "versioned.h"
#include "view.h"

#define MAX_CITIES	12
#define MAX_METRICS	100
#define PICKER_MAX	1000	/* suggestions offered in the city picker */

struct list {
	char *items[MAX_METRICS + 1];
	size_t n;
	struct buf literal;	/* a PostgreSQL text[] literal of the items */
};

static void
list_free(struct list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->items[i]);
	l->n = 0;
	buf_free(&l->literal);
}

/* Joins every value of key into l (see the file comment); max items at most.  Answers 400 and returns
 * -1 for a malformed item or too many. */
static int
read_list(struct request *r, const char *key, struct list *l, size_t max, int slugs)
{
	const char *vals[QUERY_MAX_PARAMS];
	size_t nv = query_getv(&r->query, key, vals, QUERY_MAX_PARAMS), i, j;

	for (i = 0; i < nv; i++) {
		const char *s = vals[i];
		while (*s) {
			const char *e = strchr(s, ',');
			size_t len = e ? (size_t)(e - s) : strlen(s);
			char *item;
			int ok, dup = 0;

			while (len && isspace((unsigned char)*s))
				s++, len--;
			while (len && isspace((unsigned char)s[len - 1]))
				len--;
			if (len) {
				if ((item = strndup(s, len)) == NULL)
					return reply_error(r, 503, "out of memory", NULL);
				for (j = 0; item[j]; j++)
					item[j] = (char)tolower((unsigned char)item[j]);
				ok = slugs ? path_segment_valid_slug(item, len) : ident_valid(item);
				if (!ok) {
					reply_errorf(r, 400, "\"%.64s\" in %s is not a %s", item, key,
					    slugs ? "city slug (such as toronto)" : "metric id (such as funding_share)");
					free(item);
					return -1;
				}
				for (j = 0; j < l->n; j++)
					if (strcmp(l->items[j], item) == 0)
						dup = 1;
				if (dup) {
					free(item);
				} else if (l->n == max) {
					free(item);
					return reply_errorf(r, 400, "at most %zu %s at a time", max,
					    slugs ? "cities can be compared" : "metrics can be shown");
				} else {
					l->items[l->n++] = item;
				}
			}
			s = e ? e + 1 : s + len + strlen(s + len);
		}
	}
	buf_putc(&l->literal, '{');
	for (i = 0; i < l->n; i++) {
		if (i)
			buf_putc(&l->literal, ',');
		buf_puts(&l->literal, l->items[i]);	/* [a-z0-9_-]: no quoting needed */
	}
	buf_putc(&l->literal, '}');
	return 0;
}

/* Q_COMPARE_STORED's columns sit where Q_COMPARE's do: build_model reads either. */
#define SAME_COLUMN(col) _Static_assert(Q_COMPARE_##col == Q_COMPARE_STORED_##col, "Q_COMPARE_STORED." #col)
SAME_COLUMN(CITY_SLOT); SAME_COLUMN(SLUG); SAME_COLUMN(NAME); SAME_COLUMN(SYNTHETIC); SAME_COLUMN(METRIC_SLOT);
SAME_COLUMN(METRIC_ID); SAME_COLUMN(TITLE); SAME_COLUMN(UNIT); SAME_COLUMN(HIGHER_IS_BETTER); SAME_COLUMN(VALUE);
SAME_COLUMN(RANK); SAME_COLUMN(OF); SAME_COLUMN(WAVE); SAME_COLUMN(WAVE_KNOWN); SAME_COLUMN(LAT); SAME_COLUMN(LON);

/* The wave /compare shows when none is asked for (Q_COMPARE_DEFAULT_WAVE), read once per data version;
 * NULL when there is none or the database failed (Q_COMPARE then resolves it itself). */
static const char *
default_wave(struct app *a, json_t **keep)
{
	json_t *w = versioned_get(a, "compare:wave");
	PGresult *res;

	if (w == NULL) {
		res = db_query(a->db, Q_COMPARE_DEFAULT_WAVE, 0, NULL);
		if (!db_ok(res) || PQntuples(res) != 1 || PQgetisnull(res, 0, Q_COMPARE_DEFAULT_WAVE_WAVE)) {
			PQclear(res);
			return NULL;
		}
		w = json_string(PQgetvalue(res, 0, Q_COMPARE_DEFAULT_WAVE_WAVE));
		PQclear(res);
		versioned_put(a, "compare:wave", w);
	}
	*keep = w;
	return json_string_value(w);
}

/* Every wave's id in order (Q_SURVEYS), kept per data version under the key city.c uses; a copy the
 * caller owns, or NULL. */
static json_t *
kept_waves(struct app *a)
{
	json_t *ids = versioned_get(a, "surveys"), *copy;
	PGresult *res;
	int k;

	if (ids == NULL) {
		res = db_query(a->db, Q_SURVEYS, 0, NULL);
		if (!db_ok(res)) {
			PQclear(res);
			return NULL;
		}
		ids = json_array();
		for (k = 0; k < PQntuples(res); k++)
			json_array_append_new(ids, json_string(PQgetvalue(res, k, Q_SURVEYS_ID)));
		PQclear(res);
		versioned_put(a, "surveys", ids);
	}
	copy = json_copy(ids);
	json_decref(ids);
	return copy;
}

/* Every active metric as [[id, title]...] in the catalogue's order (the form's list), kept per data
 * version; a copy the caller owns, or NULL. */
static json_t *
kept_metrics(struct app *a)
{
	json_t *all = versioned_get(a, "compare:metrics"), *copy;
	PGresult *res;
	int k;

	if (all == NULL) {
		res = db_query(a->db, Q_METRICS_LIST, 0, NULL);
		if (!db_ok(res)) {
			PQclear(res);
			return NULL;
		}
		all = json_array();
		for (k = 0; k < PQntuples(res); k++)
			json_array_append_new(all, json_pack("[s, s]", PQgetvalue(res, k, Q_METRICS_LIST_ID),
			    PQgetvalue(res, k, Q_METRICS_LIST_TITLE)));
		PQclear(res);
		versioned_put(a, "compare:metrics", all);
	}
	copy = json_deep_copy(all);
	json_decref(all);
	return copy;
}

/* The model from Q_COMPARE's (or Q_COMPARE_STORED's) rows (see queries_metrics.def); waves is every
 * wave (a reference taken over); NULL when memory ran out. */
static json_t *
build_model(const PGresult *res, const struct cohort *c, json_t *waves)
{
	json_t *model, *cities, *metrics, *values, *ranks, *pcts;
	int i;

	cities = json_array();
	metrics = json_array();
	values = json_object();
	ranks = json_object();
	pcts = json_object();
	model = json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o}",
	    "survey", PQgetvalue(res, 0, Q_COMPARE_WAVE), "peers", c->canonical.data ? c->canonical.data : "",
	    "waves", waves,
	    "cities", cities, "metrics", metrics, "values", values, "ranks", ranks, "percentiles", pcts);
	if (model == NULL)
		return NULL;
	for (i = 0; i < PQntuples(res); i++) {
		int cslot = atoi(PQgetvalue(res, i, Q_COMPARE_CITY_SLOT)), mslot = atoi(PQgetvalue(res, i, Q_COMPARE_METRIC_SLOT));
		const char *slug = PQgetvalue(res, i, Q_COMPARE_SLUG), *mid = PQgetvalue(res, i, Q_COMPARE_METRIC_ID);

		if (cslot == 0 && mslot > 0) {
			json_t *m = json_pack("{s:s, s:o, s:o, s:o, s:o}", "id", mid,
			    "title", PQgetisnull(res, i, Q_COMPARE_TITLE) ? json_null() : json_string(PQgetvalue(res, i, Q_COMPARE_TITLE)),
			    "unit", PQgetisnull(res, i, Q_COMPARE_UNIT) ? json_null() : json_string(PQgetvalue(res, i, Q_COMPARE_UNIT)),
			    "higher_is_better", PQgetisnull(res, i, Q_COMPARE_HIGHER_IS_BETTER) ? json_null() :
				json_boolean(PQgetvalue(res, i, Q_COMPARE_HIGHER_IS_BETTER)[0] == 't'),
			    "of", json_integer(PQgetisnull(res, i, Q_COMPARE_OF) ? 0 :
				strtoll(PQgetvalue(res, i, Q_COMPARE_OF), NULL, 10)));
			json_array_append_new(metrics, m);
			json_object_set_new(values, mid, json_object());
			json_object_set_new(ranks, mid, json_object());
			json_object_set_new(pcts, mid, json_object());
		} else if (cslot > 0 && mslot == 0) {
			json_array_append_new(cities, json_pack("{s:s, s:o, s:o, s:o, s:o}", "slug", slug,
			    "name", PQgetisnull(res, i, Q_COMPARE_NAME) ? json_null() : json_string(PQgetvalue(res, i, Q_COMPARE_NAME)),
			    "synthetic", json_boolean(PQgetvalue(res, i, Q_COMPARE_SYNTHETIC)[0] == 't'),
			    "lat", view_coord_json(res, i, Q_COMPARE_LAT),
			    "lon", view_coord_json(res, i, Q_COMPARE_LON)));
		} else if (cslot > 0 && mslot > 0) {
			long long of = PQgetisnull(res, i, Q_COMPARE_OF) ? 0 : strtoll(PQgetvalue(res, i, Q_COMPARE_OF), NULL, 10);
			json_object_set_new(json_object_get(values, mid), slug, PQgetisnull(res, i, Q_COMPARE_VALUE) ?
			    json_null() : json_real(strtod(PQgetvalue(res, i, Q_COMPARE_VALUE), NULL)));
			json_object_set_new(json_object_get(ranks, mid), slug, PQgetisnull(res, i, Q_COMPARE_RANK) ?
			    json_null() : json_integer(strtoll(PQgetvalue(res, i, Q_COMPARE_RANK), NULL, 10)));
			/* rank - 1 values are strictly better: it equals or beats of - rank + 1 */
			json_object_set_new(json_object_get(pcts, mid), slug,
			    PQgetisnull(res, i, Q_COMPARE_RANK) || of <= 0 ? json_null() : json_real(100.0 *
			    (double)(of - strtoll(PQgetvalue(res, i, Q_COMPARE_RANK), NULL, 10) + 1) / (double)of));
		}
	}
	return model;
}

/* The first unknown city or metric of the model, as a 404; 0 when every one is known. */
static int
unknown_item(struct request *r, json_t *model)
{
	json_t *o;
	size_t i;

	json_array_foreach(json_object_get(model, "cities"), i, o)
		if (json_is_null(json_object_get(o, "name")))
			return reply_errorf(r, 404, "no city called \"%s\"", view_str(o, "slug"));
	json_array_foreach(json_object_get(model, "metrics"), i, o)
		if (json_is_null(json_object_get(o, "title")))
			return reply_errorf(r, 404, "no metric called \"%s\"", view_str(o, "id"));
	return 0;
}

/* An answer as one cell: a list of options joined by ";", none empty. */
static void
answer_cell(struct buf *b, json_t *v)
{
	struct buf t = BUF_INIT;
	json_t *o;
	size_t i;

	if (json_is_string(v)) {
		csv_text(b, json_string_value(v));
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, o)
			buf_printf(&t, "%s%s", i ? ";" : "", json_string_value(o) ? json_string_value(o) : "");
		if (t.data)
			csv_text(b, t.data);
		buf_free(&t);
	} else if (v && !json_is_null(v)) {
		answer_csv(b, v);
	}
}

static void
compare_csv(struct request *r, json_t *model)
{
	json_t *metrics = json_object_get(model, "metrics"), *values = json_object_get(model, "values");
	json_t *c, *m;
	size_t i, j;

	r->ctype = "text/csv";
	buf_puts(&r->out, "city,name");
	json_array_foreach(metrics, j, m) {
		csv_sep(&r->out);
		csv_text(&r->out, view_str(m, "id"));
	}
	json_array_foreach(json_object_get(model, "questions"), j, m) {
		csv_sep(&r->out);
		buf_puts(&r->out, "answer:");
		csv_text(&r->out, view_str(m, "code"));
	}
	csv_eol(&r->out);
	json_array_foreach(json_object_get(model, "cities"), i, c) {
		csv_text(&r->out, view_str(c, "slug"));
		csv_sep(&r->out);
		csv_text(&r->out, view_str(c, "name"));
		json_array_foreach(metrics, j, m) {
			csv_sep(&r->out);
			csv_number(&r->out, view_num(json_object_get(values, view_str(m, "id")), view_str(c, "slug")));
		}
		json_array_foreach(json_object_get(model, "questions"), j, m) {
			json_t *v = json_object_get(json_object_get(json_object_get(model, "answers"),
			    view_str(m, "code")), view_str(c, "slug"));
			csv_sep(&r->out);
			answer_cell(&r->out, v);
		}
		csv_eol(&r->out);
	}
}

/* ?survey=W&peers=P as a query for links that keep the view's wave and cohort. */
static void
wave_peers_query(struct buf *b, json_t *model)
{
	html_raw(b, "?survey=");
	url_encode(b, view_str(model, "survey"));
	if (*view_str(model, "peers")) {
		html_raw(b, "&amp;peers=");
		url_encode(b, view_str(model, "peers"));
	}
}

static void
form_html(struct request *r, json_t *model, const struct list *asked_metrics, PGresult *picker)
{
	struct buf *b = &r->out;
	json_t *o, *all = json_object_get(model, "all_metrics");
	size_t i, j;
	int n;

	html_raw(b, "<form class=\"compare\" method=\"get\" action=\"/compare\">\n<fieldset><legend>");
	html_text(b, _("Cities (2 to 12)"));
	html_raw(b, "</legend>\n");
	if (json_array_size(json_object_get(model, "cities")) > 0) {
		html_raw(b, "<ul class=\"choices\">\n");
		json_array_foreach(json_object_get(model, "cities"), i, o) {
			html_raw(b, "<li><input type=\"checkbox\" name=\"cities\" id=\"city-");
			html_attr(b, view_str(o, "slug"));
			html_raw(b, "\" value=\"");
			html_attr(b, view_str(o, "slug"));
			html_raw(b, "\" checked> <label for=\"city-");
			html_attr(b, view_str(o, "slug"));
			html_raw(b, "\">");
			html_text(b, view_str(o, "name"));
			html_raw(b, " <span class=\"slug\">(");
			html_text(b, view_str(o, "slug"));
			html_raw(b, ")</span></label></li>\n");
		}
		html_raw(b, "</ul>\n<p class=\"help\">");
		html_text(b, _("Untick a city to leave it out."));
		html_raw(b, "</p>\n");
	}
	html_raw(b, "<div class=\"field\"><label for=\"add-cities\">");
	html_text(b, _("Add cities"));
	html_raw(b, "</label><input id=\"add-cities\" name=\"cities\" autocomplete=\"off\" aria-describedby=\"add-help\"");
	n = picker ? PQntuples(picker) : 0;
	if (n > 0 && n <= PICKER_MAX)
		html_raw(b, " list=\"city-options\"");
	html_raw(b, "><p id=\"add-help\" class=\"help\">");
	/* TRANSLATORS: keep the markup and the <code> examples */
	html_raw(b, _("City slugs separated by commas, for example "
	    "<code>toronto, brevathorpe</code>. A city's slug is the last part of its address: "
	    "<code>toronto</code> in /cities/toronto. <a href=\"/cities\">Find a city</a>."));
	html_raw(b, "</p></div>\n");
	if (n > 0 && n <= PICKER_MAX) {
		html_raw(b, "<datalist id=\"city-options\">");
		for (n = 0; n < PQntuples(picker); n++) {
			html_raw(b, "<option value=\"");
			html_attr(b, PQgetvalue(picker, n, Q_COMPARE_CITY_LIST_SLUG));
			html_raw(b, "\">");
			html_text(b, PQgetvalue(picker, n, Q_COMPARE_CITY_LIST_NAME));
			html_raw(b, "</option>");
		}
		html_raw(b, "</datalist>\n");
	}
	html_raw(b, "</fieldset>\n<fieldset><legend>");
	html_text(b, _("Metrics"));
	html_raw(b, "</legend>\n<ul class=\"choices\">\n");
	json_array_foreach(all, i, o) {
		const char *id = json_string_value(json_array_get(o, 0));
		int on = asked_metrics->n == 0;
		if (id == NULL)
			continue;
		for (j = 0; j < asked_metrics->n; j++)
			if (strcmp(asked_metrics->items[j], id) == 0)
				on = 1;
		html_raw(b, "<li><input type=\"checkbox\" name=\"metrics\" id=\"metric-");
		html_attr(b, id);
		html_raw(b, "\" value=\"");
		html_attr(b, id);
		html_raw(b, on ? "\" checked> <label for=\"metric-" : "\"> <label for=\"metric-");
		html_attr(b, id);
		html_raw(b, "\">");
		names_metric_title_html(r->app, b, id, json_string_value(json_array_get(o, 1)));
		html_raw(b, "</label></li>\n");
	}
	html_raw(b, "</ul>\n<p class=\"help\">");
	html_text(b, _("None ticked: every metric."));
	html_raw(b, "</p></fieldset>\n<div class=\"field\"><label for=\"survey\">");
	html_text(b, _("Wave"));
	html_raw(b, "</label><select id=\"survey\" name=\"survey\">");
	view_wave_options(b, json_object_get(model, "waves"), view_str(model, "survey"));
	html_raw(b, "</select></div>\n<div class=\"field\"><label for=\"peers\">");
	html_text(b, _("Peers (for ranks)"));
	html_raw(b, "</label><input id=\"peers\" name=\"peers\" aria-describedby=\"peers-help\" value=\"");
	html_attr(b, view_str(model, "peers"));
	html_raw(b, "\"><p id=\"peers-help\" class=\"help\">");
	/* TRANSLATORS: keep the <code> examples */
	html_raw(b, _("Empty for every city; or <code>region:Europe</code>, "
	    "<code>country:CA</code>, <code>population:100000-2000000</code>, or city slugs separated "
	    "by commas."));
	html_raw(b, "</p></div>\n");
	view_peers_selects(r, b);
	html_raw(b, "<button type=\"submit\">");
	html_text(b, _("Compare"));
	html_raw(b, "</button>\n</form>\n");
}

static void
table_html(struct buf *b, json_t *model)
{
	json_t *cities = json_object_get(model, "cities"), *c, *m;
	json_t *values = json_object_get(model, "values"), *ranks = json_object_get(model, "ranks");
	json_t *pcts = json_object_get(model, "percentiles");
	const char *peers = view_str(model, "peers");
	size_t i, j;

	html_raw(b, "<div class=\"table-scroll\" tabindex=\"0\" role=\"region\" aria-label=\"");
	html_attr(b, _("Metric values, scrolls sideways"));
	html_raw(b, "\"><table class=\"data compare\"><caption>");
	/* TRANSLATORS: {1} the wave, {2} the peer group (code) */
	ltext(b, *peers ? _("Metric values in the {1} wave, with each city's rank among the peers <code>{2}</code>") :
	    _("Metric values in the {1} wave, with each city's rank among every city with a value"), 0,
	    view_str(model, "survey"), peers, NULL, NULL);
	html_raw(b, "</caption>\n<thead><tr><th scope=\"col\">");
	html_text(b, _("Metric"));
	html_raw(b, "</th>");
	json_array_foreach(cities, i, c) {
		html_raw(b, "<th scope=\"col\"><a href=\"/cities/");
		url_encode(b, view_str(c, "slug"));
		html_raw(b, "?survey=");
		url_encode(b, view_str(model, "survey"));
		html_raw(b, "\">");
		html_text(b, view_str(c, "name"));
		html_raw(b, "</a>");
		if (json_is_true(json_object_get(c, "synthetic")))
		{
			html_raw(b, " <span class=\"tag-synthetic\">");
			html_text(b, _("synthetic"));
			html_raw(b, "</span>");
		}
		html_raw(b, "</th>");
	}
	html_raw(b, "</tr></thead>\n<tbody>\n");
	json_array_foreach(json_object_get(model, "metrics"), j, m) {
		const char *id = view_str(m, "id");
		html_raw(b, "<tr><th scope=\"row\"><a href=\"/metrics/");
		url_encode(b, id);
		wave_peers_query(b, model);
		html_raw(b, "\">");
		names_json_title_html(b, m);
		html_raw(b, "</a></th>");
		json_array_foreach(cities, i, c) {
			const char *slug = view_str(c, "slug");
			json_t *rk = json_object_get(json_object_get(ranks, id), slug);
			html_raw(b, "<td class=\"num\" data-city=\"");
			html_attr(b, slug);
			html_raw(b, "\" data-metric=\"");
			html_attr(b, id);
			html_raw(b, "\">");
			view_number_html(b, view_num(json_object_get(values, id), slug), view_str(m, "unit"));
			if (json_is_integer(rk)) {
				char rs[24], os[24];
				struct buf pc = BUF_INIT;

				snprintf(rs, sizeof(rs), "%lld", (long long)json_integer_value(rk));
				snprintf(os, sizeof(os), "%lld", (long long)json_integer_value(json_object_get(m, "of")));
				view_percentile_html(&pc, view_num(json_object_get(pcts, id), slug));
				html_raw(b, "<br><span class=\"rank\">");
				/* TRANSLATORS: {1} a rank of {2} cities, {3} the percentile */
				ltext(b, _("rank {1} of {2}, percentile {3}"), 4, rs, os, pc.data ? pc.data : "", NULL);
				html_raw(b, "</span>");
				buf_free(&pc);
			} else if (json_is_number(json_object_get(json_object_get(values, id), slug))) {
				html_raw(b, "<br><span class=\"rank\">");
				html_text(b, _("not among the peers"));
				html_raw(b, "</span>");
			}
			html_raw(b, "</td>");
		}
		html_raw(b, "</tr>\n");
	}
	html_raw(b, "</tbody></table></div>\n");
}

static void
chart_html(struct buf *b, json_t *model)
{
	json_t *cities = json_object_get(model, "cities"), *metrics = json_object_get(model, "metrics");
	json_t *values = json_object_get(model, "values"), *c, *m;
	size_t nc = json_array_size(cities), nm = json_array_size(metrics), i, j;
	const char **series = calloc(nc + 1, sizeof(*series));
	const char **groups = calloc(nm + 1, sizeof(*groups));
	const char **units = calloc(nm + 1, sizeof(*units));
	double *v = calloc(nc * nm + 1, sizeof(*v));
	struct buf title = BUF_INIT;
	struct chart ch;

	if (series && groups && units && v) {
		json_array_foreach(cities, i, c)
			series[i] = view_str(c, "name");
		json_array_foreach(metrics, j, m) {
			groups[j] = names_json_title(m, NULL);
			units[j] = view_str(m, "unit");
			json_array_foreach(cities, i, c)
				v[j * nc + i] = view_num(json_object_get(values, view_str(m, "id")), view_str(c, "slug"));
		}
		char ns[24];

		snprintf(ns, sizeof(ns), "%zu", nc);
		/* TRANSLATORS: a chart's title: {1} cities, {2} the wave (plain text) */
		ltext(&title, P_("Metric values of {1} city in the {2} wave", "Metric values of {1} cities in the {2} wave",
		    (unsigned long)nc), 3, ns, view_str(model, "survey"), NULL, NULL);
		ch = (struct chart){ .id = "cmp", .title = title.data,
			.desc = _("One group of bars per metric, one bar per city, each metric on its own scale "
			    "from zero to its highest value here; the values are written beside the bars and in "
			    "the table above.") };
		html_raw(b, "<figure class=\"chart\"><div class=\"chart-scroll\" tabindex=\"0\" role=\"region\" aria-label=\"");
		html_attr(b, _("Chart of the metric values, scrolls sideways"));
		html_raw(b, "\">");
		chart_grouped(b, &ch, groups, units, nm, series, nc, v, -1);
		html_raw(b, "</div>");
		html_raw(b, "<figcaption>");
		html_text(b, _("The values of the table above as bars, each metric on its own scale."));
		html_raw(b, "</figcaption></figure>\n");
	}
	buf_free(&title);
	free(series);
	free(groups);
	free(units);
	free(v);
}

/* Takes the cities the database does not know out of the model (the HTML page compares the others);
 * returns their slugs, in the order given, or NULL when every city is known. */
static json_t *
drop_unknown_cities(json_t *model)
{
	json_t *cities = json_object_get(model, "cities"), *missing = NULL, *o;
	size_t i = 0;

	while (i < json_array_size(cities)) {
		o = json_array_get(cities, i);
		if (!json_is_null(json_object_get(o, "name"))) {
			i++;
			continue;
		}
		if (missing == NULL)
			missing = json_array();
		json_array_append_new(missing, json_string(view_str(o, "slug")));
		json_array_remove(cities, i);
	}
	return missing;
}

/* "No city called "torronto": did you mean Toronto?": up to 5 cities of the picker whose slug starts
 * like the one not found (its first 3 characters), as links that put them in its place. */
static void
missing_notice(struct buf *b, json_t *model, json_t *missing, PGresult *picker)
{
	json_t *o, *c;
	size_t i, k;
	int j, shown;

	html_raw(b, "<div class=\"notice\" role=\"status\" id=\"not-found\">\n");
	json_array_foreach(missing, i, o) {
		const char *slug = json_string_value(o);
		size_t len = strlen(slug) < 3 ? strlen(slug) : 3;

		struct buf links = BUF_INIT, *out = b;

		b = &links;
		for (j = 0, shown = 0; picker && j < PQntuples(picker) && shown < 5; j++) {
			if (strncmp(PQgetvalue(picker, j, Q_COMPARE_CITY_LIST_SLUG), slug, len) != 0)
				continue;
			html_raw(b, shown++ ? ", " : "");
			html_raw(b, "<a href=\"/compare?cities=");
			json_array_foreach(json_object_get(model, "cities"), k, c) {
				url_encode(b, view_str(c, "slug"));
				html_raw(b, ",");
			}
			url_encode(b, PQgetvalue(picker, j, Q_COMPARE_CITY_LIST_SLUG));
			html_raw(b, "&amp;survey=");
			url_encode(b, view_str(model, "survey"));
			html_raw(b, "\">");
			html_text(b, PQgetvalue(picker, j, Q_COMPARE_CITY_LIST_NAME));
			html_raw(b, "</a>");
		}
		b = out;
		html_raw(b, "<p>");
		/* TRANSLATORS: {1} the address part asked for, {2} links to cities with a name like it */
		ltext(b, shown ? _("No city called <strong>{1}</strong>. Did you mean {2}? The other cities are compared "
		    "below.") : _("No city called <strong>{1}</strong>. The other cities are compared below; "
		    "<a href=\"/cities\">find a city</a>."), 2, slug, links.data ? links.data : "", NULL, NULL);
		html_raw(b, "</p>\n");
		buf_free(&links);
	}
	html_raw(b, "</div>\n");
}

/* The page's description (issue 15): the cities compared, the metrics and the wave; or what the
 * page offers when fewer than two cities are chosen. */
static void
description(json_t *model, struct buf *d)
{
	json_t *cities = json_object_get(model, "cities"), *c;
	size_t nc = json_array_size(cities), i;

	if (nc < 2) {
		buf_puts(d, _("Choose two to twelve cities by name and see them side by side: each metric's value "
		    "and rank, and their survey answers question by question."));
		return;
	}
	{
		struct buf names = BUF_INIT, all = BUF_INIT;
		size_t nm = json_array_size(json_object_get(model, "metrics"));
		char n[32];

		for (i = 0; i + 1 < nc; i++)
			buf_printf(&names, "%s%s", i ? ", " : "", view_str(json_array_get(cities, i), "name"));
		/* TRANSLATORS: the last two of a list of cities: {1} the others, {2} the last */
		ltext(&all, _("{1} and {2}"), 3, names.data ? names.data : "",
		    view_str(json_array_get(cities, nc - 1), "name"), NULL, NULL);
		snprintf(n, sizeof(n), "%zu", nm);
		/* TRANSLATORS: a comparison's description: {1} the cities, {2} a wave, {3} how many metrics */
		ltext(d, P_("{1} side by side in the {2} municipal innovation survey: {3} metric with each city's value and "
		    "rank, and their answers question by question.", "{1} side by side in the {2} municipal innovation "
		    "survey: {3} metrics with each city's value and rank, and their answers question by question.", nm), 7,
		    all.data ? all.data : "", view_str(model, "survey"), n, NULL);
		buf_free(&names);
		buf_free(&all);
		(void)c;
	}
}

static void
compare_html(struct request *r, json_t *model, const struct list *asked_metrics, PGresult *picker,
    json_t *missing)
{
	struct buf *b = &r->out, desc = BUF_INIT;
	size_t nc = json_array_size(json_object_get(model, "cities"));

	description(model, &desc);
	page_begin_described(r, _("Compare cities"), desc.data);
	buf_free(&desc);
	html_raw(b, "<h1>");
	html_text(b, _("Compare cities"));
	html_raw(b, "</h1>\n");
	if (json_array_size(missing) > 0) {
		r->status = 404;	/* the contract's "no such city"; the page stays whole */
		missing_notice(b, model, missing, picker);
	}
	if (nc < 2)
	{
		html_raw(b, "<p class=\"notice\" role=\"status\">");
		html_text(b, _("Choose at least two cities to compare, up to 12: tick or add them below."));
		html_raw(b, "</p>\n");
	}
	if (nc >= 2) {
		/* results first, the form to change them after (issue 15); the query names the cities */
		latest_pools_html(b, model);
		table_html(b, model);
		chart_html(b, model);
		compare_answers_html(r, model);
		view_twin_links(r, N_("This comparison as data"), "/compare", 0);
		html_raw(b, "<h2 id=\"change\">");
		html_text(b, _("Change the comparison"));
		html_raw(b, "</h2>\n");
	}
	form_html(r, model, asked_metrics, picker);
	page_end(r);
}

int
compare_get(struct request *r)
{
	struct list cities = { .n = 0 }, metrics = { .n = 0 };
	struct cohort c;
	PGresult *res = NULL, *picker = NULL;
	json_t *model = NULL, *missing = NULL, *kept_wave = NULL, *waves;
	const char *wave, *p[8];
	int n, status = -1, have_cohort = 0, stored = 0;

	memset(&cities, 0, sizeof(cities));
	memset(&metrics, 0, sizeof(metrics));
	if (read_list(r, "cities", &cities, MAX_CITIES, 1) == -1 ||
	    read_list(r, "metrics", &metrics, MAX_METRICS, 0) == -1 ||
	    view_wave_param_latest(r, &wave) == -1)
		goto out;
	if (cities.n < 2 && r->fmt != FMT_HTML) {
		reply_error(r, 400, "compare needs at least 2 cities: cities=a,b", NULL);
		goto out;
	}
	if (view_cohort(r, &c) == -1)
		goto out;
	have_cohort = 1;
	if (view_not_modified(r)) {
		status = 0;
		goto out;
	}
	if (wave == NULL)
		wave = default_wave(r->app, &kept_wave);
	if (wave != NULL && !view_wave_is_latest(wave) && view_cohort_is_stored(&c)) {
		/* the waves kept first: compare_json.c writes from them (else the model answered the first
		 * request of a data version, which dropped a NaN value's key where the rows' writer says null) */
		if (r->fmt == FMT_JSON)
			json_decref(kept_waves(r->app));
		/* the plain JSON answer from the per-version blocks, no statement (compare_json.c) */
		if (getenv("CITYBENCH_COMPARE_SQL") == NULL && (n = compare_json_blocks(r, wave, c.stored[0],
		    c.stored[1], cities.items, cities.n, metrics.items, metrics.n, c.canonical.data)) != 0) {
			if (n == -1)
				reply_error(r, 503, "out of memory", NULL);
			status = 0;
			goto out;
		}
		/* a stored cohort at a wave: probes only (queries_compare.def) */
		p[0] = wave;
		p[1] = c.stored[0];
		p[2] = c.stored[1];
		p[3] = cities.literal.data;
		p[4] = metrics.n ? metrics.literal.data : NULL;
		res = db_query(r->app->db, Q_COMPARE_STORED, 5, p);
		stored = 1;
	} else {
		n = view_cohort_params(&c, wave, p);
		p[n++] = cities.literal.data;
		p[n++] = metrics.n ? metrics.literal.data : NULL;
		res = db_query(r->app->db, Q_COMPARE, n, p);
	}
	if (!db_ok(res) || PQntuples(res) == 0) {
		view_db_error(r, res);
		goto out;
	}
	if (stored && (n = compare_json_stored(r, res, c.canonical.data)) != 0) {
		/* the plain JSON answer straight from the rows (compare_json.c) */
		if (n == -1)
			reply_error(r, 503, "out of memory", NULL);
		status = 0;
		goto out;
	}
	if (PQgetvalue(res, 0, Q_COMPARE_WAVE_KNOWN)[0] != 't') {
		reply_errorf(r, 404, "no survey wave %s", PQgetvalue(res, 0, Q_COMPARE_WAVE));
		goto out;
	}
	waves = stored ? kept_waves(r->app) : view_answer_json(PQgetvalue(res, 0, Q_COMPARE_WAVES));
	if (waves == NULL) {
		view_db_error(r, NULL);
		goto out;
	}
	if ((model = build_model(res, &c, waves)) == NULL) {
		reply_error(r, 503, "out of memory", NULL);
		goto out;
	}
	names_metrics_json(r->app, json_object_get(model, "metrics"));
	if (view_wave_is_latest(wave) && latest_pools_set(r->app->db, &c, model) == -1) {
		view_db_error(r, NULL);
		goto out;
	}
	if (r->fmt == FMT_HTML)
		missing = drop_unknown_cities(model);
	if (unknown_item(r, model) == -1)
		goto out;
	if (r->fmt != FMT_HTML && compare_answers_json(r, model) == -1) {
		reply_error(r, 503, "the database is unreachable", NULL);
		goto out;
	}
	if (r->fmt == FMT_JSON) {
		reply_json(r, 200, json_incref(model));
	} else if (r->fmt == FMT_CSV) {
		compare_csv(r, model);
	} else {
		json_object_set_new(model, "all_metrics", stored ? kept_metrics(r->app) :
		    view_answer_json(PQgetvalue(res, 0, Q_COMPARE_ALL_METRICS)));
		picker = db_query(r->app->db, Q_COMPARE_CITY_LIST, 0, NULL);
		compare_html(r, model, &metrics, db_ok(picker) ? picker : NULL, missing);
		json_object_del(model, "all_metrics");
	}
	status = 0;
out:
	if (have_cohort)
		view_cohort_free(&c);
	list_free(&cities);
	list_free(&metrics);
	json_decref(model);
	json_decref(missing);
	json_decref(kept_wave);
	PQclear(res);
	PQclear(picker);
	return status;
}
