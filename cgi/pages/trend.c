/* trend.c: a city's metrics over time (see trend.h). */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "html.h"
#include "ltext.h"
#include "names.h"
#include "trend.h"
#include "view.h"

#define MAX_WAVES 16

/* Q_PROFILE_TREND answers as Q_CITY_METRIC_TREND did (ranks from the stored steps): the code reads
 * the older statement's names. */
DB_SAME_COLUMN(Q_CITY_METRIC_TREND, Q_PROFILE_TREND, ID);
DB_SAME_COLUMN(Q_CITY_METRIC_TREND, Q_PROFILE_TREND, TITLE);
DB_SAME_COLUMN(Q_CITY_METRIC_TREND, Q_PROFILE_TREND, UNIT);
DB_SAME_COLUMN(Q_CITY_METRIC_TREND, Q_PROFILE_TREND, WAVE);
DB_SAME_COLUMN(Q_CITY_METRIC_TREND, Q_PROFILE_TREND, VALUE);
DB_SAME_COLUMN(Q_CITY_METRIC_TREND, Q_PROFILE_TREND, OF);
DB_SAME_COLUMN(Q_CITY_METRIC_TREND, Q_PROFILE_TREND, RANK);

/* Q_PROFILE_TREND of every metric for one request's city, read ahead in the profile's batch. */
static struct {
	const struct request *r;
	char slug[72];
	PGresult *res;
} ahead;

void
trend_read_ahead(const struct request *r, const char *slug, PGresult *res)
{
	PQclear(ahead.res);
	ahead.r = NULL;
	ahead.res = NULL;
	if (r == NULL || slug == NULL || strlen(slug) >= sizeof(ahead.slug)) {
		PQclear(res);
		return;
	}
	ahead.r = r;
	snprintf(ahead.slug, sizeof(ahead.slug), "%s", slug);
	ahead.res = res;
}

void
trend_html(struct request *r, const char *slug, const char *name, const char *metric)
{
	const char *p[2] = { slug, metric };
	PGresult *res = NULL;

	if (ahead.res && ahead.r == r && metric == NULL && slug && strcmp(ahead.slug, slug) == 0) {
		res = ahead.res;
		ahead.res = NULL;
		ahead.r = NULL;
	} else if (r->app && slug && *slug) {
		res = db_query(r->app->db, Q_PROFILE_TREND, 2, p);
	}
	struct buf *b = &r->out;
	const char *waves[MAX_WAVES];
	size_t nw = 0, k;
	int i, j, n, multi = 0;

	if (!db_ok(res)) {
		PQclear(res);
		return;
	}
	n = PQntuples(res);
	for (i = 0; i < n; i++) {
		const char *w = PQgetvalue(res, i, Q_CITY_METRIC_TREND_WAVE);
		for (k = 0; k < nw && strcmp(waves[k], w) != 0; k++)
			;
		if (k == nw && nw < MAX_WAVES)
			waves[nw++] = w;
		if (i > 0 && strcmp(PQgetvalue(res, i - 1, Q_CITY_METRIC_TREND_ID), PQgetvalue(res, i, Q_CITY_METRIC_TREND_ID)) == 0)
			multi = 1;
	}
	if (!multi) {	/* one wave each: nothing moves over time */
		PQclear(res);
		return;
	}
	for (k = 1; k < nw; k++) {	/* the waves in order (few: insertion sort) */
		const char *w = waves[k];
		size_t m = k;
		for (; m > 0 && strcmp(waves[m - 1], w) > 0; m--)
			waves[m] = waves[m - 1];
		waves[m] = w;
	}
	html_raw(b, "<section id=\"over-time\" class=\"trend\" aria-labelledby=\"h-over-time\"><h2 id=\"h-over-time\">");
	{
		/* TRANSLATORS: "Toronto over time: 2018 → 2020" */
		const char *t = _("{city} over time: "), *c = strstr(t, "{city}");
		if (c) {
			buf_append(b, t, (size_t)(c - t));
			html_text(b, name);
			html_raw(b, c + 6);
		} else {
			html_raw(b, t);
		}
	}
	for (k = 0; k < nw; k++) {
		if (k)
			html_raw(b, " → ");
		html_text(b, waves[k]);
	}
	html_raw(b, "</h2>\n<p>");
	html_text(b, _("Each wave's value, and its rank among every city with a value in that wave (1 is the best)."));
	html_raw(b, "</p>\n<div class=\"table-scroll\" tabindex=\"0\" role=\"region\" aria-labelledby=\"over-time-caption\">"
	    "<table class=\"data trend\"><caption id=\"over-time-caption\" class=\"visually-hidden\">");
	/* TRANSLATORS: {1} the city */
	ltext(b, _("{1}: metrics by wave"), 0, name, NULL, NULL, NULL);
	html_raw(b, "</caption><thead><tr><th scope=\"col\">");
	html_text(b, _("Metric"));
	html_raw(b, "</th>");
	for (k = 0; k < nw; k++) {
		html_raw(b, "<th scope=\"col\" class=\"num\">");
		html_text(b, waves[k]);
		html_raw(b, "</th>");
	}
	html_raw(b, "</tr></thead><tbody>\n");
	for (i = 0; i < n; i = j) {
		const char *id = PQgetvalue(res, i, Q_CITY_METRIC_TREND_ID);
		for (j = i; j < n && strcmp(PQgetvalue(res, j, Q_CITY_METRIC_TREND_ID), id) == 0; j++)
			;
		html_raw(b, "<tr data-metric=\"");
		html_attr(b, id);
		html_raw(b, "\"><th scope=\"row\"><a href=\"/metrics/");
		url_encode(b, id);
		html_raw(b, "?city=");
		url_encode(b, slug);
		html_raw(b, "\">");
		names_metric_title_html(r->app, b, id, PQgetvalue(res, i, Q_CITY_METRIC_TREND_TITLE));
		html_raw(b, "</a></th>");
		for (k = 0; k < nw; k++) {
			int row;
			for (row = i; row < j && strcmp(PQgetvalue(res, row, Q_CITY_METRIC_TREND_WAVE), waves[k]) != 0; row++)
				;
			html_raw(b, "<td class=\"num\" data-wave=\"");
			html_attr(b, waves[k]);
			html_raw(b, "\">");
			if (row == j) {
				html_raw(b, "–");
			} else {
				view_number_html(b, strtod(PQgetvalue(res, row, Q_CITY_METRIC_TREND_VALUE), NULL),
				    PQgetvalue(res, row, Q_CITY_METRIC_TREND_UNIT));
				html_raw(b, "<br><span class=\"rank\">");
				/* TRANSLATORS: {1} a rank of {2} cities */
				ltext(b, _("rank {1} of {2}"), 0, PQgetvalue(res, row, Q_CITY_METRIC_TREND_RANK),
				    PQgetvalue(res, row, Q_CITY_METRIC_TREND_OF), NULL, NULL);
				html_raw(b, "</span>");
			}
			html_raw(b, "</td>");
		}
		html_raw(b, "</tr>\n");
	}
	html_raw(b, "</tbody></table></div></section>\n");
	PQclear(res);
}
