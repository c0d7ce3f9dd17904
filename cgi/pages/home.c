/* home.c: / — the way in: search for a city, the metric catalogue, what the data is, where it comes
 * from and its licence, and where each kind of user starts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "html.h"
#include "page.h"
#include "routes.h"
#include "view.h"

static void
search_form(struct buf *b)
{
	html_raw(b, "<form class=\"search\" method=\"get\" action=\"/cities\" role=\"search\">\n"
	    "<label for=\"home-q\">Find a city</label>\n<div class=\"row\"><input id=\"home-q\" name=\"q\" "
	    "type=\"search\" autocomplete=\"off\" placeholder=\"e.g. Toronto\">"
	    "<button type=\"submit\">Search</button></div>\n</form>\n");
}

static void
catalogue(struct buf *b, PGresult *metrics)
{
	int i;

	html_raw(b, "<section aria-labelledby=\"h-metrics\"><h2 id=\"h-metrics\">The metrics</h2>\n");
	if (PQntuples(metrics) == 0) {
		html_raw(b, "<p>No metric is published yet.</p>\n</section>\n");
		return;
	}
	html_raw(b, "<p>Each metric is computed from the answers by a small, sandboxed plugin; every city is "
	    "ranked on it within its wave. <a href=\"/metrics\">The catalogue</a> has the plugins' sources.</p>\n"
	    "<dl class=\"catalogue\">\n");
	for (i = 0; i < PQntuples(metrics); i++) {
		html_raw(b, "<div><dt><a href=\"/metrics/");
		url_encode(b, PQgetvalue(metrics, i, Q_PAGES_HOME_METRICS_ID));
		html_raw(b, "\">");
		html_text(b, PQgetvalue(metrics, i, Q_PAGES_HOME_METRICS_TITLE));
		html_raw(b, "</a></dt><dd>");
		html_text(b, PQgetvalue(metrics, i, Q_PAGES_HOME_METRICS_DESCRIPTION));
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

	page_begin_described(r, _("City innovation capacity, compared"), "How cities organise public-sector innovation, "
	    "from their survey answers: find a city, compare cities, rank them on metrics, map them, and download "
	    "the open data (CC BY 4.0).");
	html_raw(b, "<h1>");
	html_text(b, _("City innovation capacity, compared"));
	html_raw(b, "</h1>\n<p class=\"lead\">citybench publishes how "
	    "cities answered the city innovation capacity survey, each answer beside how the other cities "
	    "answered, and metrics that rank them.</p>\n");
	search_form(b);

	html_raw(b, "<div class=\"columns ways\">\n<section aria-labelledby=\"h-visitors\"><h2 id=\"h-visitors\">"
	    "Visitors</h2>\n<ul>\n<li><a href=\"/cities\">Browse the cities</a>: each city's profile, answer "
	    "by answer, beside the cohort</li>\n<li><a href=\"/compare\">Compare cities</a> side by side on the "
	    "metrics</li>\n<li><a href=\"/metrics\">Rankings by metric</a>, with their distribution</li>\n"
	    "</ul>\n</section>\n<section aria-labelledby=\"h-partners\"><h2 id=\"h-partners\">Partner cities"
	    "</h2>\n<ul>\n<li><a href=\"/upload\">Upload your answers</a> with your city's token (a CSV or "
	    "JSON file; every upload is kept as a new version)</li>\n");
	for (i = 0; i < PQntuples(waves); i++) {
		html_raw(b, "<li>The <a href=\"/surveys/");
		url_encode(b, PQgetvalue(waves, i, Q_PAGES_HOME_WAVES_ID));
		html_raw(b, "\">");
		html_text(b, PQgetvalue(waves, i, Q_PAGES_HOME_WAVES_ID));
		html_raw(b, " questionnaire</a> and its <a href=\"/surveys/");
		url_encode(b, PQgetvalue(waves, i, Q_PAGES_HOME_WAVES_ID));
		html_raw(b, "/template.csv\">empty upload form (<abbr>CSV</abbr>)</a></li>\n");
	}
	html_raw(b, "</ul>\n</section>\n<section aria-labelledby=\"h-researchers\"><h2 id=\"h-researchers\">"
	    "Researchers</h2>\n<ul>\n<li><a href=\"/guide\">Write a metric plugin</a>: the plugin author's "
	    "guide</li>\n<li>Try a plugin on the published data without installing it: <code>POST "
	    "/api/plugins/preview</code> with a researcher's token (<a href=\"/guide#preview\">how</a>)</li>\n"
	    "<li><a href=\"/data\">Bulk downloads</a>: every city, answer and metric value, per wave, as "
	    "CSV</li>\n<li>Every page has a <code>.json</code> twin, and tables a <code>.csv</code> one</li>\n"
	    "</ul>\n</section>\n</div>\n");

	catalogue(b, metrics);

	html_raw(b, "<section aria-labelledby=\"h-data\"><h2 id=\"h-data\">What the data is</h2>\n<p>The "
	    "answers of cities to the city innovation capacity survey of the OECD and Bloomberg "
	    "Philanthropies: how a city government organises, funds and measures its innovation work: its "
	    "strategy, teams and roles, funding, partnerships and the data it has. The survey ran in ");
	for (i = 0; i < PQntuples(waves); i++) {
		if (i > 0)
			html_raw(b, i == PQntuples(waves) - 1 ? " and " : ", ");
		html_text(b, PQgetvalue(waves, i, Q_PAGES_HOME_WAVES_ID));
		html_raw(b, " (");
		view_int(b, strtoll(PQgetvalue(waves, i, Q_PAGES_HOME_WAVES_CITIES), NULL, 10));
		html_raw(b, " cities here)");
	}
	html_raw(b, "; the same question keeps its code across waves, so a city's answers can be read side "
	    "by side.</p>\n<p>citybench holds ");
	view_int(b, cities);
	html_raw(b, cities == 1 ? " city" : " cities");
	html_raw(b, ". A share on a profile is the number of cities with that answer divided by the cities "
	    "of the cohort that answered the question, rounded half up, always shown with both numbers.</p>\n"
	    "</section>\n");

	html_raw(b, "<section aria-labelledby=\"h-sources\"><h2 id=\"h-sources\">Where it comes from</h2>\n<p>");
	if (PQntuples(real) > 0) {
		for (i = 0; i < PQntuples(real); i++) {
			json_t *w = view_answer_json(PQgetvalue(real, i, Q_PAGES_HOME_REAL_WAVES)), *x;
			size_t j;
			if (i > 0)
				html_raw(b, i == PQntuples(real) - 1 ? " and " : ", ");
			html_raw(b, "<a href=\"/cities/");
			url_encode(b, PQgetvalue(real, i, Q_PAGES_HOME_REAL_SLUG));
			html_raw(b, "\">");
			html_text(b, PQgetvalue(real, i, Q_PAGES_HOME_REAL_NAME));
			html_raw(b, "</a>");
			if (json_array_size(w) > 0) {
				html_raw(b, " (");
				json_array_foreach(w, j, x) {
					if (j > 0)
						html_raw(b, " and ");
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
		html_raw(b, PQntuples(real) == 1 ? " is a real city: its answers are transcribed from its "
		    "public profile pages in the OECD / Bloomberg Philanthropies survey of innovation capacity in "
		    "cities (the 2020 profile, and an earlier stored copy of the same page for 2018)." :
		    " are real cities: their answers come from their public profile pages in the OECD / "
		    "Bloomberg Philanthropies survey of innovation capacity in cities, or from their own uploads.");
	} else {
		html_raw(b, "No real city is registered yet.");
	}
	html_raw(b, "</p>\n<p>");
	if (synthetic > 0) {
		html_raw(b, "<strong>The rest of the cohort is synthetic:</strong> ");
		view_int(b, synthetic);
		html_raw(b, synthetic == 1 ? " demonstration city, generated" : " demonstration cities, generated");
		html_raw(b, " so that the cohort reproduces the survey's published figures, such as the share "
		    "of cities with dedicated funding for innovation. They are marked <span class=\"tag-synthetic\">"
		    "synthetic</span> wherever they appear and describe no real city.");
	} else {
		html_raw(b, "No synthetic city is in the cohort.");
	}
	html_raw(b, "</p>\n</section>\n");

	html_raw(b, "<section aria-labelledby=\"h-licence\"><h2 id=\"h-licence\">Licence</h2>\n<p>The answers "
	    "are published under the <a href=\"https://creativecommons.org/licenses/by/4.0/\" rel=\"license\">"
	    "Creative Commons Attribution 4.0 International licence (CC BY 4.0)</a>: reuse them freely, "
	    "naming the survey of the OECD and Bloomberg Philanthropies and citybench as sources. The "
	    "synthetic cities are demonstration data; do not cite them as facts about cities.</p>\n</section>\n");
	page_end(r);
	status = 0;
out:
	PQclear(metrics);
	PQclear(counts);
	PQclear(waves);
	PQclear(real);
	return status;
}
