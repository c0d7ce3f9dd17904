/* data.c: /data — bulk downloads, licence and sources; /data/{file}.csv — every city, every current
 * answer of a wave, every metric value of a wave.
 *
 * The files, each one statement, rows in a stable order:
 *   cities.csv        slug,name,country,region,population,synthetic   (the `import` cities form)
 *   answers-W.csv     city,survey,question,value   (the upload form, one row per option of a multi;
 *                     a question asked and not answered is a row with an empty value, so the file
 *                     re-imports to the same answers)
 *   metrics-W.csv     metric,city,value,plugin_version
 * An unknown file or wave is a 404.  Answers come one row per city (a JSON array of its answers),
 * which keeps the result small at 10,000 cities; the CSV is buffered in r->out.
 * Known limit of the round trip: a multi-choice answer with no option ticked ([]) has no CSV form and
 * is written as unanswered; a text that starts with = + - @ gets the contract's leading '. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "app.h"
#include "csv.h"
#include "html.h"
#include "lang.h"
#include "ltext.h"
#include "page.h"
#include "query.h"
#include "reply.h"
#include "routes.h"
#include "view.h"

static void
wave_links(struct buf *b, const PGresult *waves)
{
	int i;

	html_raw(b, "<div class=\"table-scroll\" tabindex=\"0\" role=\"region\" aria-label=\"");
	html_attr(b, _("Files per survey wave, scrolls sideways"));
	html_raw(b, "\"><table class=\"data downloads\"><caption>");
	html_text(b, _("Files per survey wave"));
	html_raw(b, "</caption><thead><tr><th scope=\"col\">");
	html_text(b, _("Wave"));
	html_raw(b, "</th><th scope=\"col\">");
	html_text(b, _("Every answer"));
	html_raw(b, "</th><th scope=\"col\">");
	html_text(b, _("Every metric value"));
	html_raw(b, "</th><th scope=\"col\">");
	html_text(b, _("Questionnaire"));
	html_raw(b, "</th></tr></thead><tbody>\n");
	for (i = 0; i < PQntuples(waves); i++) {
		const char *w = PQgetvalue(waves, i, Q_DATA_WAVES_ID);
		html_raw(b, "<tr><th scope=\"row\">");
		html_text(b, w);
		html_raw(b, "<br><span class=\"title\">");
		html_text(b, PQgetvalue(waves, i, Q_DATA_WAVES_TITLE));
		html_raw(b, "</span></th><td><a href=\"/data/answers-");
		url_encode(b, w);
		html_raw(b, ".csv\" download>answers-");
		html_text(b, w);
		html_raw(b, ".csv</a><br>");
		/* TRANSLATORS: {1} a number of cities; keep the <code> column names */
		ltext(b, _("{1} cities, <code>city,survey,question,value</code>"), 0,
		    PQgetvalue(waves, i, Q_DATA_WAVES_CITIES), NULL, NULL, NULL);
		html_raw(b, "</td><td><a href=\"/data/metrics-");
		url_encode(b, w);
		html_raw(b, ".csv\" download>metrics-");
		html_text(b, w);
		html_raw(b, ".csv</a><br>");
		/* TRANSLATORS: {1} a number of values; keep the <code> column names */
		ltext(b, _("{1} values, <code>metric,city,value,plugin_version</code>"), 0,
		    PQgetvalue(waves, i, Q_DATA_WAVES_METRIC_VALUES), NULL, NULL, NULL);
		html_raw(b, "</td><td><a href=\"/surveys/");
		url_encode(b, w);
		html_raw(b, "\">");
		html_text(b, _("the questions"));
		html_raw(b, "</a><br><a href=\"/surveys/");
		url_encode(b, w);
		html_raw(b, ".json\">");
		html_text(b, _("as JSON"));
		html_raw(b, "</a>, <a href=\"/surveys/");
		url_encode(b, w);
		html_raw(b, "/template.csv\">");
		html_text(b, _("an empty upload form"));
		html_raw(b, "</a></td></tr>\n");
	}
	html_raw(b, "</tbody></table></div>\n");
}

int
data_get(struct request *r)
{
	PGresult *waves = NULL;
	struct buf *b = &r->out;

	if (view_not_modified(r))
		return 0;
	waves = db_query(r->app->db, Q_DATA_WAVES, 0, NULL);
	if (!db_ok(waves)) {
		view_db_error(r, waves);
		PQclear(waves);
		return -1;
	}
	page_begin_described(r, _("Data"), _("The open data of citybench under CC BY 4.0: the cities, every answer "
	    "and every metric value as CSV and JSON, the questionnaires, and the API."));
	html_raw(b, "<h1>");
	html_text(b, _("Data"));
	html_raw(b, "</h1>\n<p>");
	/* TRANSLATORS: keep the <code> markup */
	html_raw(b, _("Everything the portal shows can be downloaded as CSV (RFC 4180, UTF-8, a "
	    "header row first). Numbers read back exactly; an empty cell means no value; a text cell that "
	    "begins with <code>=</code>, <code>+</code>, <code>-</code> or <code>@</code> starts with an "
	    "apostrophe so that spreadsheets do not run it as a formula. Every page also has a "
	    "<code>.json</code> twin."));
	html_raw(b, "</p>\n<section aria-labelledby=\"files-h\"><h2 id=\"files-h\">");
	html_text(b, _("Downloads"));
	html_raw(b, "</h2>\n<p><a href=\"/data/cities.csv\" download>cities.csv</a>");
	/* TRANSLATORS: {1} how many cities (or "none yet"); keep the <code> column names */
	ltext(b, _(": every city ({1}), <code>slug,name,country,region,population,synthetic</code>, with the "
	    "population registered for the city (a wave's answer may differ)."), 0,
	    PQntuples(waves) > 0 ? PQgetvalue(waves, 0, Q_DATA_WAVES_ALL_CITIES) : _("none yet"), NULL, NULL, NULL);
	html_raw(b, "</p>\n");
	wave_links(b, waves);
	html_raw(b, "<p>");
	/* TRANSLATORS: keep the <code> markup */
	html_raw(b, _("An answers file is in the upload form, one row per answer and one row per option of "
	    "a multiple-choice answer; a question asked but not answered has an empty value. "
	    "<code>citybench import</code> reads these files back."));
	html_raw(b, "</p></section>\n<section aria-labelledby=\"licence-h\"><h2 id=\"licence-h\">");
	html_text(b, _("Licence"));
	html_raw(b, "</h2>\n<p>");
	/* TRANSLATORS: keep the link and its address */
	html_raw(b, _("The survey answers are published under the <a href=\"https://creativecommons.org/licenses/by/4.0/\" rel=\"license\">"
	    "Creative Commons Attribution 4.0 International licence (CC BY 4.0)</a>: you may share and adapt "
	    "them for any purpose, crediting the source. The portal's code, the metric plugins included, is "
	    "under the MIT licence."));
	html_raw(b, "</p></section>\n<section aria-labelledby=\"sources-h\"><h2 id=\"sources-h\">");
	html_text(b, _("Sources"));
	html_raw(b, "</h2>\n<ul>\n<li>");
	html_text(b, _("The questionnaire follows the OECD / Bloomberg Philanthropies survey of innovation capacity "
	    "in cities (waves 2018 and 2020)."));
	html_raw(b, "</li>\n<li>");
	/* TRANSLATORS: keep the <cite> markup (the title stays in English) */
	html_raw(b, _("Toronto's answers are transcribed from its public profile pages in that survey: the 2020 "
	    "profile, and the 2018 wave's profile with the figures of OECD, <cite>Enhancing Innovation "
	    "Capacity in City Government</cite> (2019). Where a page does not say, the answer is left "
	    "unanswered."));
	html_raw(b, "</li>\n<li>");
	/* TRANSLATORS: keep the markup */
	html_raw(b, _("<strong>Every other city is synthetic</strong>: generated demonstration data, marked "
	    "<span class=\"tag-synthetic\">synthetic</span> on every page and <code>synthetic=true</code> in "
	    "the files. The synthetic cohort reproduces the survey's published totals (for example, 81 of "
	    "100 cities with dedicated innovation funding in 2020) but no real city's answers."));
	html_raw(b, "</li>\n</ul></section>\n");
	page_end(r);
	PQclear(waves);
	return 0;
}

/* The rows of a file's statement (wave: its one parameter, or NULL for none), with the answer made a
 * CSV attachment called NAME.csv that starts with `header` (may be NULL); NULL having answered 503
 * when the database failed. */
static PGresult *
file_rows(struct request *r, enum query_id q, const char *wave, const char *name, const char *header)
{
	const char *p[1] = { wave };
	PGresult *res = db_query(r->app->db, q, wave ? 1 : 0, wave ? p : NULL);
	char h[128];

	if (!db_ok(res)) {
		view_db_error(r, res);
		PQclear(res);
		return NULL;
	}
	r->ctype = "text/csv";
	snprintf(h, sizeof(h), "attachment; filename=\"%s.csv\"", name);
	http_header(r, "Content-Disposition", h);
	if (header)
		buf_puts(&r->out, header);
	return res;
}

static int
cities_csv(struct request *r)
{
	PGresult *res = file_rows(r, Q_DATA_CITIES, NULL, "cities", NULL);

	if (res == NULL)
		return -1;
	view_cities_csv(&r->out, res);
	PQclear(res);
	return 0;
}

static void
answer_row(struct buf *b, const char *slug, const char *wave, const char *code, json_t *v)
{
	csv_text(b, slug);
	csv_sep(b);
	csv_text(b, wave);
	csv_sep(b);
	csv_text(b, code);
	csv_sep(b);
	answer_csv(b, v);	/* bool yes/no, numbers exact, text neutralised, null empty */
	csv_eol(b);
}

static int
answers_csv(struct request *r, const char *wave, const char *name)
{
	PGresult *res = file_rows(r, Q_DATA_ANSWERS, wave, name, "city,survey,question,value\r\n");
	int i;

	if (res == NULL)
		return -1;
	for (i = 0; i < PQntuples(res); i++) {
		const char *slug = PQgetvalue(res, i, Q_DATA_ANSWERS_SLUG);
		json_t *list = json_loads(PQgetvalue(res, i, Q_DATA_ANSWERS_ANSWERS), JSON_DECODE_ANY, NULL), *pair, *o;
		size_t j, k;

		json_array_foreach(list, j, pair) {
			const char *code = json_string_value(json_array_get(pair, 0));
			json_t *v = json_array_get(pair, 1);
			if (code == NULL)
				continue;
			if (json_is_array(v) && json_array_size(v) > 0) {
				json_array_foreach(v, k, o)
					answer_row(&r->out, slug, wave, code, o);
			} else {
				/* [] cannot be said in the CSV form: it is written as unanswered */
				answer_row(&r->out, slug, wave, code, json_is_array(v) ? json_null() : v);
			}
		}
		json_decref(list);
	}
	PQclear(res);
	return 0;
}

static int
metrics_csv(struct request *r, const char *wave, const char *name)
{
	PGresult *res = file_rows(r, Q_DATA_METRICS, wave, name, "metric,city,value,plugin_version\r\n");
	int i;

	if (res == NULL)
		return -1;
	for (i = 0; i < PQntuples(res); i++) {
		csv_text(&r->out, PQgetvalue(res, i, Q_DATA_METRICS_METRIC_ID)); csv_sep(&r->out);
		csv_text(&r->out, PQgetvalue(res, i, Q_DATA_METRICS_SLUG)); csv_sep(&r->out);
		csv_number(&r->out, strtod(PQgetvalue(res, i, Q_DATA_METRICS_VALUE), NULL)); csv_sep(&r->out);
		csv_text(&r->out, PQgetvalue(res, i, Q_DATA_METRICS_PLUGIN_VERSION));
		csv_eol(&r->out);
	}
	PQclear(res);
	return 0;
}

int
data_file_get(struct request *r)
{
	const char *name = r->args[0], *wave = NULL;
	const char *p[1];
	PGresult *res;
	int answers = 0;

	if (strcmp(name, "cities") == 0) {
		if (view_not_modified(r))
			return 0;
		return cities_csv(r);
	}
	if (strncmp(name, "answers-", 8) == 0) {
		wave = name + 8;
		answers = 1;
	} else if (strncmp(name, "metrics-", 8) == 0) {
		wave = name + 8;
	}
	if (wave == NULL || !wave_valid(wave))
		return reply_error(r, 404, "no such file: the files are cities.csv, answers-WAVE.csv and "
		    "metrics-WAVE.csv", NULL);
	p[0] = wave;
	res = db_query(r->app->db, Q_SURVEY, 1, p);
	if (!db_ok(res)) {
		view_db_error(r, res);
		PQclear(res);
		return -1;
	}
	if (PQntuples(res) == 0) {
		PQclear(res);
		return reply_errorf(r, 404, "no survey wave %s", wave);
	}
	PQclear(res);
	if (view_not_modified(r))
		return 0;
	return answers ? answers_csv(r, wave, name) : metrics_csv(r, wave, name);
}
