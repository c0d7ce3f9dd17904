/* home.c: / — the way in: search for a city, the metric catalogue, what the data is, where it comes
 * from and its licence, and where each kind of user starts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "html.h"
#include "ltext.h"
#include "names.h"
#include "page.h"
#include "routes.h"
#include "view.h"

static void
search_form(struct buf *b)
{
	html_raw(b, "<form class=\"search\" method=\"get\" action=\"/cities\" role=\"search\">\n"
	    "<label for=\"home-q\">");
	html_text(b, _("Find a city"));
	html_raw(b, "</label>\n<div class=\"row\"><input id=\"home-q\" name=\"q\" "
	    "type=\"search\" autocomplete=\"off\" placeholder=\"");
	html_attr(b, _("e.g. Toronto"));
	html_raw(b, "\"><button type=\"submit\">");
	html_text(b, _("Search"));
	html_raw(b, "</button></div>\n</form>\n");
}

static void
catalogue(struct app *a, struct buf *b, PGresult *metrics)
{
	int i;

	html_raw(b, "<section aria-labelledby=\"h-metrics\"><h2 id=\"h-metrics\">");
	html_text(b, _("The metrics"));
	html_raw(b, "</h2>\n");
	if (PQntuples(metrics) == 0) {
		html_raw(b, "<p>");
		html_text(b, _("No metric is published yet."));
		html_raw(b, "</p>\n</section>\n");
		return;
	}
	html_raw(b, "<p>");
	/* TRANSLATORS: keep the link */
	html_raw(b, _("Each metric is computed from the answers by a small, sandboxed plugin; every city is "
	    "ranked on it within its wave. <a href=\"/metrics\">The catalogue</a> has the plugins' sources."));
	html_raw(b, "</p>\n<dl class=\"catalogue\">\n");
	for (i = 0; i < PQntuples(metrics); i++) {
		html_raw(b, "<div><dt><a href=\"/metrics/");
		url_encode(b, PQgetvalue(metrics, i, Q_PAGES_HOME_METRICS_ID));
		html_raw(b, "\">");
		names_metric_title_html(a, b, PQgetvalue(metrics, i, Q_PAGES_HOME_METRICS_ID),
		    PQgetvalue(metrics, i, Q_PAGES_HOME_METRICS_TITLE));
		html_raw(b, "</a></dt><dd>");
		names_metric_description_html(a, b, PQgetvalue(metrics, i, Q_PAGES_HOME_METRICS_ID),
		    PQgetvalue(metrics, i, Q_PAGES_HOME_METRICS_DESCRIPTION));
		html_raw(b, "</dd></div>\n");
	}
	html_raw(b, "</dl>\n</section>\n");
}

int
home_get(struct request *r)
{
	PGresult *metrics = NULL, *counts = NULL, *waves = NULL, *real = NULL;
	struct buf *b = &r->out;
	long long cities = 0, synthetic = 0;
	int i, status = -1;

	if (view_not_modified(r))
		return 0;
	metrics = db_query(r->app->db, Q_PAGES_HOME_METRICS, 0, NULL);
	counts = db_query(r->app->db, Q_PAGES_HOME_COUNTS, 0, NULL);
	waves = db_query(r->app->db, Q_PAGES_HOME_WAVES, 0, NULL);
	real = db_query(r->app->db, Q_PAGES_HOME_REAL, 0, NULL);
	if (!db_ok(metrics) || !db_ok(counts) || !db_ok(waves) || !db_ok(real)) {
		view_db_error(r, !db_ok(metrics) ? metrics : !db_ok(counts) ? counts : !db_ok(waves) ? waves : real);
		goto out;
	}
	cities = strtoll(PQgetvalue(counts, 0, Q_PAGES_HOME_COUNTS_CITIES), NULL, 10);
	synthetic = strtoll(PQgetvalue(counts, 0, Q_PAGES_HOME_COUNTS_SYNTHETIC), NULL, 10);

	page_begin_described(r, _("City innovation capacity, compared"), _("How cities organise public-sector innovation, "
	    "from their survey answers: find a city, compare cities, rank them on metrics, map them, and download "
	    "the open data (CC BY 4.0)."));
	html_raw(b, "<h1>");
	html_text(b, _("City innovation capacity, compared"));
	html_raw(b, "</h1>\n<p class=\"lead\">");
	html_text(b, _("citybench publishes how "
	    "cities answered the city innovation capacity survey, each answer beside how the other cities "
	    "answered, and metrics that rank them."));
	html_raw(b, "</p>\n");
	search_form(b);

	html_raw(b, "<div class=\"columns ways\">\n<section aria-labelledby=\"h-visitors\"><h2 id=\"h-visitors\">");
	html_text(b, _("Visitors"));
	html_raw(b, "</h2>\n<ul>\n<li>");
	/* TRANSLATORS: the home page's lists: keep the links */
	html_raw(b, _("<a href=\"/cities\">Browse the cities</a>: each city's profile, answer by answer, beside the cohort"));
	html_raw(b, "</li>\n<li>");
	html_raw(b, _("<a href=\"/compare\">Compare cities</a> side by side on the metrics"));
	html_raw(b, "</li>\n<li>");
	html_raw(b, _("<a href=\"/metrics\">Rankings by metric</a>, with their distribution"));
	html_raw(b, "</li>\n</ul>\n</section>\n<section aria-labelledby=\"h-partners\"><h2 id=\"h-partners\">");
	html_text(b, _("Partner cities"));
	html_raw(b, "</h2>\n<ul>\n<li>");
	html_raw(b, _("<a href=\"/upload\">Upload your answers</a> with your city's token (a CSV or "
	    "JSON file; every upload is kept as a new version)"));
	html_raw(b, "</li>\n");
	for (i = 0; i < PQntuples(waves); i++) {
		struct buf u = BUF_INIT;
		url_encode(&u, PQgetvalue(waves, i, Q_PAGES_HOME_WAVES_ID));
		html_raw(b, "<li>");
		/* TRANSLATORS: {1} the wave in a link's address, {2} the wave */
		ltext(b, _("The <a href=\"/surveys/{1}\">{2} questionnaire</a> and its <a href=\"/surveys/{1}/template.csv\">"
		    "empty upload form (<abbr>CSV</abbr>)</a>"), 1, u.data ? u.data : "",
		    PQgetvalue(waves, i, Q_PAGES_HOME_WAVES_ID), NULL, NULL);
		html_raw(b, "</li>\n");
		buf_free(&u);
	}
	html_raw(b, "</ul>\n</section>\n<section aria-labelledby=\"h-researchers\"><h2 id=\"h-researchers\">");
	html_text(b, _("Researchers"));
	html_raw(b, "</h2>\n<ul>\n<li>");
	html_raw(b, _("<a href=\"/guide\">Write a metric plugin</a>: the plugin author's guide"));
	html_raw(b, "</li>\n<li>");
	html_raw(b, _("Try a plugin on the published data without installing it: <code>POST "
	    "/api/plugins/preview</code> with a researcher's token (<a href=\"/guide#preview\">how</a>)"));
	html_raw(b, "</li>\n<li>");
	html_raw(b, _("<a href=\"/data\">Bulk downloads</a>: every city, answer and metric value, per wave, as CSV"));
	html_raw(b, "</li>\n<li>");
	html_raw(b, _("Every page has a <code>.json</code> twin, and tables a <code>.csv</code> one"));
	html_raw(b, "</li>\n</ul>\n</section>\n</div>\n");

	catalogue(r->app, b, metrics);

	html_raw(b, "<section aria-labelledby=\"h-data\"><h2 id=\"h-data\">");
	html_text(b, _("What the data is"));
	html_raw(b, "</h2>\n<p>");
	html_text(b, _("The answers of cities to the city innovation capacity survey of the OECD and Bloomberg "
	    "Philanthropies: how a city government organises, funds and measures its innovation work: its "
	    "strategy, teams and roles, funding, partnerships and the data it has. The survey ran in "));
	for (i = 0; i < PQntuples(waves); i++) {
		struct buf nb = BUF_INIT;
		long long nc = strtoll(PQgetvalue(waves, i, Q_PAGES_HOME_WAVES_CITIES), NULL, 10);
		if (i > 0)
			html_text(b, i == PQntuples(waves) - 1 ? _(" and ") : _(", "));
		view_int(&nb, nc);
		/* TRANSLATORS: {1} a wave, {2} its number of cities */
		ltext(b, P_("{1} ({2} city here)", "{1} ({2} cities here)", (unsigned long)nc), 2,
		    PQgetvalue(waves, i, Q_PAGES_HOME_WAVES_ID), nb.data ? nb.data : "", NULL, NULL);
		buf_free(&nb);
	}
	html_text(b, _("; the same question keeps its code across waves, so a city's answers can be read side "
	    "by side."));
	html_raw(b, "</p>\n<p>");
	{
		struct buf nb = BUF_INIT;
		view_int(&nb, cities);
		ltext(b, P_("citybench holds {1} city.", "citybench holds {1} cities.", (unsigned long)cities), 1,
		    nb.data ? nb.data : "", NULL, NULL, NULL);
		buf_free(&nb);
	}
	html_raw(b, " ");
	html_text(b, _("A share on a profile is the number of cities with that answer divided by the cities "
	    "of the cohort that answered the question, rounded half up, always shown with both numbers."));
	html_raw(b, "</p>\n</section>\n");

	html_raw(b, "<section aria-labelledby=\"h-sources\"><h2 id=\"h-sources\">");
	html_text(b, _("Where it comes from"));
	html_raw(b, "</h2>\n<p>");
	if (PQntuples(real) > 0) {
		for (i = 0; i < PQntuples(real); i++) {
			json_t *w = view_answer_json(PQgetvalue(real, i, Q_PAGES_HOME_REAL_WAVES)), *x;
			size_t j;
			if (i > 0)
				html_text(b, i == PQntuples(real) - 1 ? _(" and ") : _(", "));
			html_raw(b, "<a href=\"/cities/");
			url_encode(b, PQgetvalue(real, i, Q_PAGES_HOME_REAL_SLUG));
			html_raw(b, "\">");
			html_text(b, PQgetvalue(real, i, Q_PAGES_HOME_REAL_NAME));
			html_raw(b, "</a>");
			if (json_array_size(w) > 0) {
				html_raw(b, " (");
				json_array_foreach(w, j, x) {
					if (j > 0)
						html_text(b, _(" and "));
					html_raw(b, "<a href=\"/cities/");
					url_encode(b, PQgetvalue(real, i, Q_PAGES_HOME_REAL_SLUG));
					html_raw(b, "?survey=");
					url_encode(b, json_string_value(x));
					html_raw(b, "\">");
					html_text(b, json_string_value(x));
					html_raw(b, "</a>");
				}
				html_raw(b, ")");
			}
			json_decref(w);
		}
		html_text(b, PQntuples(real) == 1 ? _(" is a real city: its answers are transcribed from its "
		    "public profile pages in the OECD / Bloomberg Philanthropies survey of innovation capacity in "
		    "cities (the 2020 profile, and an earlier stored copy of the same page for 2018).") :
		    _(" are real cities: their answers come from their public profile pages in the OECD / "
		    "Bloomberg Philanthropies survey of innovation capacity in cities, or from their own uploads."));
	} else {
		html_text(b, _("No real city is registered yet."));
	}
	html_raw(b, "</p>\n<p>");
	if (synthetic > 0) {
		struct buf nb = BUF_INIT;
		view_int(&nb, synthetic);
		/* TRANSLATORS: keep the markup; {1} the number of synthetic cities */
		ltext(b, P_("<strong>The rest of the cohort is synthetic:</strong> {1} demonstration city, generated so "
		    "that the cohort reproduces the survey's published figures, such as the share of cities with "
		    "dedicated funding for innovation. They are marked <span class=\"tag-synthetic\">synthetic</span> "
		    "wherever they appear and describe no real city.",
		    "<strong>The rest of the cohort is synthetic:</strong> {1} demonstration cities, generated so "
		    "that the cohort reproduces the survey's published figures, such as the share of cities with "
		    "dedicated funding for innovation. They are marked <span class=\"tag-synthetic\">synthetic</span> "
		    "wherever they appear and describe no real city.", (unsigned long)synthetic), 1, nb.data ? nb.data : "",
		    NULL, NULL, NULL);
		buf_free(&nb);
	} else {
		html_text(b, _("No synthetic city is in the cohort."));
	}
	html_raw(b, "</p>\n</section>\n");

	html_raw(b, "<section aria-labelledby=\"h-licence\"><h2 id=\"h-licence\">");
	html_text(b, _("Licence"));
	html_raw(b, "</h2>\n<p>");
	/* TRANSLATORS: keep the link */
	html_raw(b, _("The answers "
	    "are published under the <a href=\"https://creativecommons.org/licenses/by/4.0/\" rel=\"license\">"
	    "Creative Commons Attribution 4.0 International licence (CC BY 4.0)</a>: reuse them freely, "
	    "naming the survey of the OECD and Bloomberg Philanthropies and citybench as sources. The "
	    "synthetic cities are demonstration data; do not cite them as facts about cities."));
	html_raw(b, "</p>\n</section>\n");
	page_end(r);
	status = 0;
out:
	PQclear(metrics);
	PQclear(counts);
	PQclear(waves);
	PQclear(real);
	return status;
}
