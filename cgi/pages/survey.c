/* survey.c: /surveys/{wave} — the questionnaire; /surveys/{wave}/template.csv — an empty upload form. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "answers_export.h"
#include "app.h"
#include "csv.h"
#include "html.h"
#include "page.h"
#include "qlang.h"
#include "query.h"
#include "reply.h"
#include "routes.h"
#include "survey.h"
#include "survey_lang.h"
#include "view.h"

static const struct {
	const char *code, *title;
} sections[] = {
	{ "profile", "About the city" },
	{ "goals", "Goals and approach" },
	{ "organisation", "Organisation, teams and roles" },
	{ "funding", "Funding and resources" },
	{ "data", "Data use" },
	{ "outcomes", "Outcomes, measurement and partnerships" },
};

const char *
survey_section_title(const char *code)
{
	size_t s;

	for (s = 0; code && s < sizeof(sections) / sizeof(sections[0]); s++)
		if (strcmp(sections[s].code, code) == 0)
			return sections[s].title;
	return code ? code : "";
}

/* Loads the wave and its questions; answers 404 for an unknown wave. */
static int
load(struct request *r, json_t **survey, json_t **questions)
{
	const char *wave = r->args[0];
	const char *p[1] = { wave };
	PGresult *res;

	*survey = *questions = NULL;
	if (!wave_valid(wave))
		return reply_errorf(r, 404, "no such survey wave");
	res = db_query(r->app->db, Q_SURVEY, 1, p);
	if (!db_ok(res))
		return view_db_error(r, res), PQclear(res), -1;
	if (PQntuples(res) == 0) {
		PQclear(res);
		return reply_errorf(r, 404, "no survey wave %s", wave);
	}
	*survey = json_pack("{s:s, s:s}", "id", PQgetvalue(res, 0, Q_SURVEY_ID), "title", PQgetvalue(res, 0, Q_SURVEY_TITLE));
	if (!PQgetisnull(res, 0, Q_SURVEY_TITLE_FR))
		json_object_set_new(*survey, "title_fr", json_string(PQgetvalue(res, 0, Q_SURVEY_TITLE_FR)));
	PQclear(res);
	/* The JSON is the shape `survey load` reads, both languages; pages and forms: the page's. */
	*questions = r->fmt == FMT_JSON ? city_survey_questions(r->app, wave) : survey_questions_lang(r, wave);
	if (*questions == NULL) {
		json_decref(*survey);
		*survey = NULL;
		return view_db_error(r, NULL);
	}
	return 0;
}

static const char *
type_help(const char *type)
{
	if (strcmp(type, "bool") == 0) return "yes or no";
	if (strcmp(type, "single") == 0) return "one option";
	if (strcmp(type, "multi") == 0) return "any number of options (one CSV row each)";
	if (strcmp(type, "integer") == 0) return "a whole number";
	if (strcmp(type, "number") == 0) return "a number";
	if (strcmp(type, "url") == 0) return "a web address (http:// or https://)";
	return "text";
}

/* An option's help, when the questionnaire gives one: "e.g. data storage/analytics; open data". */
static void
option_help(struct buf *b, const json_t *o)
{
	const char *h = json_string_value(json_object_get(o, "help"));

	if (!h)
		return;
	html_raw(b, "<br><span class=\"option-help\">");
	html_text(b, h);
	html_raw(b, "</span>");
}

/* "Asked only of the cities that answered dedicated_funding: yes." */
static void
asked_if_note(struct buf *b, const json_t *q)
{
	const json_t *ai = json_object_get(q, "asked_if");

	if (!ai)
		return;
	html_raw(b, "<p class=\"asked-if\">Asked only of the cities whose answer to <code>");
	html_text(b, json_string_value(json_object_get(ai, "question")));
	html_raw(b, "</code> is <code>");
	html_text(b, json_string_value(json_object_get(ai, "answer")));
	html_raw(b, "</code>; its shares are over those cities.</p>");
}

int
survey_get(struct request *r)
{
	json_t *survey, *questions, *q, *o;
	struct buf *b = &r->out;
	size_t i, j, s;

	if (view_not_modified(r))
		return 0;
	if (load(r, &survey, &questions) == -1)
		return -1;
	if (r->fmt == FMT_JSON)
		return reply_json(r, 200, json_pack("{s:o, s:o}", "survey", survey, "questions", questions));

	json_object_set_new(survey, "title", json_string(qlang_str(survey, "title", lang_code(r->lang))));
	{
		struct buf d = BUF_INIT;
		buf_printf(&d, "The questionnaire of the %s municipal innovation survey: its %zu questions as cities "
		    "answer them, each with its help and options, and the file to fill in.",
		    json_string_value(json_object_get(survey, "id")) ? json_string_value(json_object_get(survey, "id")) : "",
		    json_array_size(questions));
		page_begin_described(r, json_string_value(json_object_get(survey, "title")), d.data);
		buf_free(&d);
	}
	html_raw(b, "<h1>");
	html_text(b, json_string_value(json_object_get(survey, "title")));
	html_raw(b, "</h1>\n<p>The questionnaire of the ");
	html_text(b, json_string_value(json_object_get(survey, "id")));
	html_raw(b, " wave. Partner cities answer it with an <a href=\"/upload\">upload</a>; "
	    "<a href=\"/surveys/");
	html_attr(b, json_string_value(json_object_get(survey, "id")));
	html_raw(b, "/template.csv\">download an empty upload form (CSV)</a> or the <a href=\"/surveys/");
	html_attr(b, json_string_value(json_object_get(survey, "id")));
	html_raw(b, ".json\">questionnaire as JSON</a>.</p>\n");
	for (s = 0; s < sizeof(sections) / sizeof(sections[0]); s++) {
		int any = 0;
		json_array_foreach(questions, i, q) {
			if (strcmp(json_string_value(json_object_get(q, "section")), sections[s].code) != 0)
				continue;
			if (!any++) {
				html_raw(b, "<section><h2>");
				html_text(b, sections[s].title);
				html_raw(b, "</h2>\n<dl class=\"questionnaire\">\n");
			}
			html_raw(b, "<dt><code>");
			html_text(b, json_string_value(json_object_get(q, "code")));
			html_raw(b, "</code> ");
			html_text(b, json_string_value(json_object_get(q, "text")));
			html_raw(b, "</dt>\n<dd>");
			html_text(b, type_help(json_string_value(json_object_get(q, "type"))));
			if (json_object_get(q, "min") || json_object_get(q, "max")) {
				html_raw(b, ", ");
				if (json_object_get(q, "min"))
					view_number(b, json_number_value(json_object_get(q, "min")));
				html_raw(b, " to ");
				if (json_object_get(q, "max"))
					view_number(b, json_number_value(json_object_get(q, "max")));
			}
			if (json_object_get(q, "max_length"))
				buf_printf(b, ", at most %lld characters",
				    (long long)json_integer_value(json_object_get(q, "max_length")));
			if (json_array_size(json_object_get(q, "options"))) {
				html_raw(b, "<ul>");
				json_array_foreach(json_object_get(q, "options"), j, o) {
					html_raw(b, "<li><code>");
					html_text(b, json_string_value(json_object_get(o, "code")));
					html_raw(b, "</code> ");
					html_text(b, json_string_value(json_object_get(o, "label")));
					option_help(b, o);
					html_raw(b, "</li>");
				}
				html_raw(b, "</ul>");
			}
			asked_if_note(b, q);
			html_raw(b, "</dd>\n");
		}
		if (any)
			html_raw(b, "</dl></section>\n");
	}
	page_end(r);
	json_decref(survey);
	json_decref(questions);
	return 0;
}

/* The wave's empty upload form; ?city=SLUG fills the city column in (an unknown city is a 404). */
int
survey_template_get(struct request *r)
{
	json_t *survey, *questions;
	const char *city = query_get(&r->query, "city"), *p[1];
	PGresult *res;
	char disp[160];
	int rows;

	if (city && *city) {
		if (!path_segment_valid_slug(city, strlen(city)))
			return reply_error(r, 404, "There is no city with that slug.", NULL);
		p[0] = city;
		res = db_query(r->app->db, Q_CITY, 1, p);
		if (!db_ok(res))
			return view_db_error(r, res), PQclear(res), -1;
		rows = PQntuples(res);
		PQclear(res);
		if (rows == 0)
			return reply_errorf(r, 404, "No city is registered as \"%s\".", city);
	} else {
		city = "";
	}
	if (view_not_modified(r))
		return 0;
	if (load(r, &survey, &questions) == -1)
		return -1;
	r->ctype = "text/csv";
	snprintf(disp, sizeof(disp), "attachment; filename=\"citybench-%s%s%s-form.csv\"",
	    json_string_value(json_object_get(survey, "id")), *city ? "-" : "", city);
	http_header(r, "Content-Disposition", disp);
	answers_csv(&r->out, city, json_string_value(json_object_get(survey, "id")), questions, NULL);
	json_decref(survey);
	json_decref(questions);
	return 0;
}
