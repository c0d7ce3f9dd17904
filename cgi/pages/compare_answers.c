/* compare_answers.c: the compared cities' answers side by side (see compare_answers.h).
 *
 * Decisions where the issue is silent: no `questions` shows none (the metrics are the comparison;
 * the form offers every question of the wave); `questions=all` every question; an unknown code is
 * left out (the list of the wave's questions is in the form beside it); at most 100 codes are read.
 * The .json twin gains "questions" and "answers" only when `questions` is named (the same choice, the
 * answers as the profile's JSON gives them, null where a city has none); the .csv twin a column per
 * chosen question, "answer:CODE", after the metrics. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "app.h"
#include "compare_answers.h"
#include "html.h"
#include "lang.h"
#include "ltext.h"
#include "query.h"
#include "survey_lang.h"
#include "view.h"

#define MAX_CODES 100

/* The wave's questions as answer_html wants them ([{code, type, text, options}]), in the page's
 * language; NULL on failure. */
static json_t *
questions_of(struct request *r, const char *wave)
{
	return survey_questions_lang(r, wave);
}

/* 1 when code is among the chosen ones (all: every code). */
static int
chosen(const char *list, const char *code)
{
	size_t n = strlen(code);
	const char *s = list;

	if (list == NULL)
		return 0;
	if (strcmp(list, "all") == 0)
		return 1;
	while (*s) {
		while (*s == ',' || *s == ' ')
			s++;
		if (strncmp(s, code, n) == 0 && (s[n] == ',' || s[n] == ' ' || s[n] == '\0'))
			return 1;
		while (*s && *s != ',')
			s++;
	}
	return 0;
}

/* {CODE: value} of one city in the wave; NULL when the city or the database failed.  Appends to langs
 * the language the city writes its free text in (null when unknown). */
static json_t *
answers_of(struct request *r, const char *slug, const char *wave, json_t *langs)
{
	const char *p[2] = { slug, wave };
	PGresult *city = db_query(r->app->db, Q_CITY, 1, p), *res = NULL;
	json_t *out = NULL;
	char id[24];
	int i;

	json_array_append_new(langs, db_ok(city) && PQntuples(city) == 1 ?
	    json_string(PQgetvalue(city, 0, Q_CITY_LANG)) : json_null());
	if (!db_ok(city) || PQntuples(city) == 0)
		goto done;
	snprintf(id, sizeof(id), "%s", PQgetvalue(city, 0, Q_CITY_ID));
	p[0] = id;
	res = db_query(r->app->db, Q_CITY_ANSWERS, 2, p);
	if (!db_ok(res))
		goto done;
	out = json_object();
	for (i = 0; i < PQntuples(res); i++)
		json_object_set_new(out, PQgetvalue(res, i, Q_CITY_ANSWERS_CODE), PQgetisnull(res, i, Q_CITY_ANSWERS_VALUE)
		    ? json_null() : view_answer_json(PQgetvalue(res, i, Q_CITY_ANSWERS_VALUE)));
done:
	PQclear(city);
	PQclear(res);
	return out;
}

static void
chooser(struct request *r, json_t *questions, const char *list)
{
	struct buf *b = &r->out;
	json_t *q;
	size_t i;

	html_raw(b, "<details class=\"choose-questions\"");
	if (list == NULL)
		html_raw(b, " open");
	html_raw(b, "><summary>");
	html_text(b, _("Choose the questions to compare"));
	html_raw(b, "</summary>\n<form class=\"compare-questions\" method=\"get\" action=\"/compare\">\n");
	for (i = 0; i < r->query.n; i++) {
		if (strcmp(r->query.p[i].key, "questions") == 0)
			continue;
		html_raw(b, "<input type=\"hidden\" name=\"");
		html_attr(b, r->query.p[i].key);
		html_raw(b, "\" value=\"");
		html_attr(b, r->query.p[i].value);
		html_raw(b, "\">\n");
	}
	html_raw(b, "<fieldset><legend>");
	html_text(b, _("Questions"));
	html_raw(b, "</legend><ul class=\"choices\">\n");
	json_array_foreach(questions, i, q) {
		const char *code = view_str(q, "code");
		html_raw(b, "<li><input type=\"checkbox\" name=\"questions\" id=\"question-");
		html_attr(b, code);
		html_raw(b, "\" value=\"");
		html_attr(b, code);
		html_raw(b, chosen(list, code) ? "\" checked> <label for=\"question-" : "\"> <label for=\"question-");
		html_attr(b, code);
		html_raw(b, "\">");
		html_text(b, view_str(q, "text"));
		html_raw(b, "</label></li>\n");
	}
	html_raw(b, "</ul></fieldset>\n<button type=\"submit\">");
	html_text(b, _("Compare these answers"));
	html_raw(b, "</button>\n</form>\n</details>\n");
}

/* The codes named by `questions`, joined by commas into *joined (data NULL: none named). */
static void
chosen_list(struct request *r, struct buf *joined)
{
	const char *vals[MAX_CODES];
	size_t nv = query_getv(&r->query, "questions", vals, MAX_CODES), i;

	for (i = 0; i < nv; i++)	/* checkboxes come repeated; a link names them with commas */
		if (*vals[i])
			buf_printf(joined, "%s%s", joined->len ? "," : "", vals[i]);
}

int
compare_answers_json(struct request *r, json_t *model)
{
	struct buf joined = BUF_INIT;
	json_t *cities = json_object_get(model, "cities"), *questions = NULL, *mine = NULL, *c, *q;
	json_t *qs = NULL, *answers = NULL, *langs = json_array();
	const char *wave = view_str(model, "survey");
	size_t i, j;
	int rc = -1;

	chosen_list(r, &joined);
	if (joined.data == NULL) {
		rc = 0;
		goto out;
	}
	if ((questions = questions_of(r, wave)) == NULL)
		goto out;
	qs = json_array();
	answers = json_object();
	mine = json_array();
	json_array_foreach(cities, i, c) {
		json_t *a = answers_of(r, view_str(c, "slug"), wave, langs);
		if (a == NULL)
			goto out;
		json_array_append_new(mine, a);
	}
	json_array_foreach(questions, j, q) {
		const char *code = view_str(q, "code");
		json_t *row;
		if (!chosen(joined.data, code))
			continue;
		json_array_append_new(qs, json_pack("{s:s, s:s, s:s}", "code", code, "text", view_str(q, "text"),
		    "type", view_str(q, "type")));
		row = json_object();
		json_array_foreach(cities, i, c) {
			json_t *v = json_object_get(json_array_get(mine, i), code);
			json_object_set_new(row, view_str(c, "slug"), v ? json_incref(v) : json_null());
		}
		json_object_set_new(answers, code, row);
	}
	json_object_set(model, "questions", qs);
	json_object_set(model, "answers", answers);
	rc = 0;
out:
	json_decref(questions);
	json_decref(qs);
	json_decref(answers);
	json_decref(mine);
	json_decref(langs);
	buf_free(&joined);
	return rc;
}

void
compare_answers_html(struct request *r, json_t *model)
{
	struct buf *b = &r->out, joined = BUF_INIT;
	json_t *cities = json_object_get(model, "cities"), *questions, *answers, *c, *q, *langs;
	const char *wave = view_str(model, "survey"), *list = NULL;
	size_t nc = json_array_size(cities), i, j, shown = 0;

	chosen_list(r, &joined);
	list = joined.data;
	html_raw(b, "<section aria-labelledby=\"answers-h\"><h2 id=\"answers-h\">");
	html_text(b, _("Answers side by side"));
	html_raw(b, "</h2>\n");
	if (nc < 2 || *wave == '\0' || (questions = questions_of(r, wave)) == NULL) {
		html_raw(b, "<p class=\"notice\">");
		html_text(b, _("The answers cannot be shown just now."));
		html_raw(b, "</p></section>\n");
		buf_free(&joined);
		return;
	}
	answers = json_array();
	langs = json_array();
	json_array_foreach(cities, i, c)
		json_array_append_new(answers, list ? answers_of(r, view_str(c, "slug"), wave, langs) : json_null());
	if (list) {
		html_raw(b, "<div class=\"table-scroll\" tabindex=\"0\" role=\"region\" aria-labelledby=\"answers-caption\">"
		    "<table class=\"data answers-compare\"><caption id=\"answers-caption\">");
		ltext(b, _("Answers in the {1} wave"), 0, wave, NULL, NULL, NULL);
		html_raw(b, "</caption><thead><tr><th scope=\"col\">");
		html_text(b, _("Question"));
		html_raw(b, "</th>");
		json_array_foreach(cities, i, c) {
			html_raw(b, "<th scope=\"col\"><a href=\"/cities/");
			url_encode(b, view_str(c, "slug"));
			html_raw(b, "?survey=");
			url_encode(b, wave);
			html_raw(b, "\">");
			html_text(b, view_str(c, "name"));
			html_raw(b, "</a></th>");
		}
		html_raw(b, "</tr></thead><tbody>\n");
		json_array_foreach(questions, j, q) {
			const char *code = view_str(q, "code");
			if (!chosen(list, code))
				continue;
			shown++;
			html_raw(b, "<tr data-question=\"");
			html_attr(b, code);
			html_raw(b, "\"><th scope=\"row\">");
			html_text(b, view_str(q, "text"));
			html_raw(b, "</th>");
			json_array_foreach(cities, i, c) {
				json_t *mine = json_array_get(answers, i);
				html_raw(b, "<td data-city=\"");
				html_attr(b, view_str(c, "slug"));
				/* the city's name before its answer when the rows are stacked (narrow screens); the
				 * column header says it to screen readers */
				html_raw(b, "\"><span class=\"cell-label\" aria-hidden=\"true\">");
				html_text(b, view_str(c, "name"));
				html_raw(b, lang_current() == LANG_FR ? NNBSP ": </span>" : ": </span>");
				if (!json_is_object(mine))
					html_raw(b, "–");
				else
					answer_html_lang(b, q, json_object_get(mine, code), json_object_get(mine, code) != NULL,
					    json_string_value(json_array_get(langs, i)));
				html_raw(b, "</td>");
			}
			html_raw(b, "</tr>\n");
		}
		html_raw(b, "</tbody></table></div>\n");
		if (shown == 0)
		{
			html_raw(b, "<p class=\"notice\" role=\"status\">");
			html_text(b, _("None of the questions named is in this wave's questionnaire: choose them below."));
			html_raw(b, "</p>\n");
		}
	} else {
		html_raw(b, "<p>");
		html_text(b, _("Choose questions below to see each city's answers side by side."));
		html_raw(b, "</p>\n");
	}
	chooser(r, questions, list);
	html_raw(b, "</section>\n");
	json_decref(answers);
	json_decref(langs);
	json_decref(questions);
	buf_free(&joined);
}
