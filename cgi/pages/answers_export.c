/* answers_export.c: /cities/{slug}/answers.csv and .json — a city's current answers for a wave in the
 * upload form, to edit and upload again; the CSV form itself, shared with /surveys/{wave}/template.csv.
 *
 * Decisions where the contract is silent: `survey` defaults to the latest wave the city answered, else
 * the latest wave (a city that never answered gets its empty form); a wave the city has not answered
 * gives the empty form with the city filled in rather than a 404.  The JSON names every question the
 * wave asks (null when unanswered): the upload reads null as "unanswered", which it already is. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "answers_export.h"
#include "app.h"
#include "csv.h"
#include "query.h"
#include "reply.h"
#include "routes.h"
#include "survey_lang.h"
#include "view.h"

static const char *
str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

/* What a question takes, for the help column. */
static void
help_of(json_t *q, struct buf *h)
{
	const char *type = str(q, "type");
	json_t *mn = json_object_get(q, "min"), *mx = json_object_get(q, "max"), *o;
	size_t i;

	if (strcmp(type, "bool") == 0) {
		buf_puts(h, "yes or no");
	} else if (strcmp(type, "single") == 0 || strcmp(type, "multi") == 0) {
		buf_puts(h, strcmp(type, "single") == 0 ? "one option: " :
		    "any options, one row per option: ");
		json_array_foreach(json_object_get(q, "options"), i, o)
			buf_printf(h, "%s%s (%s%s%s)", i ? "; " : "", str(o, "code"), str(o, "label"),
			    *str(o, "help") ? ": " : "", str(o, "help"));
	} else if (strcmp(type, "integer") == 0 || strcmp(type, "number") == 0) {
		buf_puts(h, strcmp(type, "integer") == 0 ? "a whole number" : "a number");
		if (mn) {
			buf_puts(h, " from ");
			csv_number(h, json_number_value(mn));
		}
		if (mx) {
			buf_puts(h, mn ? " to " : " up to ");
			csv_number(h, json_number_value(mx));
		}
	} else if (strcmp(type, "url") == 0) {
		buf_puts(h, "a web address starting with https:// or http://, at most 2000 characters");
	} else {
		buf_puts(h, "text");
		if (json_integer_value(json_object_get(q, "max_length")) > 0)
			buf_printf(h, ", at most %lld characters",
			    (long long)json_integer_value(json_object_get(q, "max_length")));
	}
	buf_puts(h, "; leave the value empty for no answer");
}

/* A text answer as a cell that reads back as it is: csv_text guards a formula character with one
 * quote, and ingest takes one quote off a run of them before a formula character, so a run that is
 * part of the answer gets one more. */
static void
text_cell(struct buf *b, const char *s)
{
	size_t k = strspn(s, "'");

	if (k > 0 && s[k] != '\0' && strchr("=+-@\t\r", s[k]) != NULL)
		buf_putc(b, '\'');
	csv_text(b, s);
}

/* One option or one scalar: a list is written a row per option by the caller. */
static void
value_cell(struct buf *b, json_t *v)
{
	if (json_is_string(v))
		text_cell(b, json_string_value(v));
	else if (!json_is_array(v))
		answer_csv(b, v);
}

static void
row(struct buf *b, const char *city, const char *wave, json_t *q, json_t *v, const char *help)
{
	csv_text(b, city);
	csv_sep(b);
	csv_text(b, wave);
	csv_sep(b);
	csv_text(b, str(q, "code"));
	csv_sep(b);
	value_cell(b, v);
	csv_sep(b);
	csv_text(b, str(q, "text"));
	csv_sep(b);
	csv_text(b, help);
	csv_eol(b);
}

int
answers_csv(struct buf *b, const char *city, const char *wave, json_t *questions, json_t *answers)
{
	json_t *q, *v, *o;
	size_t i, j;

	buf_puts(b, "city,survey,question,value,label,help\r\n");
	json_array_foreach(questions, i, q) {
		struct buf h = BUF_INIT;

		v = answers ? json_object_get(answers, str(q, "code")) : NULL;
		help_of(q, &h);
		if (json_is_array(v)) {
			/* a row per option, the list of options on the first; "none of the options" has no
			 * CSV form: the row is left out, so the upload keeps it */
			json_array_foreach(v, j, o) {
				struct buf oh = BUF_INIT;
				json_t *opt;
				size_t k;
				json_array_foreach(json_object_get(q, "options"), k, opt)
					if (strcmp(str(opt, "code"), json_string_value(o) ? json_string_value(o) : "") == 0)
						buf_printf(&oh, "this option: %s%s%s", str(opt, "label"),
						    *str(opt, "help") ? ": " : "", str(opt, "help"));
				if (j == 0)
					buf_printf(&oh, "%s%s", oh.data ? "; " : "", h.data ? h.data : "");
				row(b, city, wave, q, o, oh.data ? oh.data : "");
				buf_free(&oh);
			}
		} else {
			row(b, city, wave, q, v, h.data ? h.data : "");
		}
		buf_free(&h);
	}
	return b->data == NULL ? -1 : 0;
}

/* The wave to export: the one asked for, else the latest the city answered, else the latest. */
static int
choose_wave(struct request *r, const char *city_id, char *wave, size_t n)
{
	const char *want, *p[1] = { city_id };
	PGresult *res;
	int rows;

	if (view_wave_param(r, &want) == -1)
		return -1;
	if (want) {
		p[0] = want;
		res = db_query(r->app->db, Q_SURVEY, 1, p);
		if (!db_ok(res))
			return view_db_error(r, res), PQclear(res), -1;
		rows = PQntuples(res);
		PQclear(res);
		if (rows == 0)
			return reply_errorf(r, 404, "There is no survey wave %s.", want);
		snprintf(wave, n, "%s", want);
		return 0;
	}
	res = db_query(r->app->db, Q_CITY_WAVES, 1, p);
	if (db_ok(res) && PQntuples(res) == 0) {
		PQclear(res);
		res = db_query(r->app->db, Q_SURVEYS, 0, NULL);
	}
	if (!db_ok(res))
		return view_db_error(r, res), PQclear(res), -1;
	if (PQntuples(res) == 0) {
		PQclear(res);
		return reply_errorf(r, 404, "No survey wave is loaded yet.");
	}
	snprintf(wave, n, "%s", PQgetvalue(res, PQntuples(res) - 1, Q_SURVEYS_ID));
	PQclear(res);
	return 0;
}

int
answers_export_get(struct request *r)
{
	const char *slug = r->args[0], *p[2];
	PGresult *city = NULL, *res = NULL;
	json_t *questions = NULL, *answers = NULL;
	char city_id[16], wave[16], disp[160];
	int i, status = -1;

	if (view_slug_arg(r, slug, "city") == -1)
		return -1;
	if (view_not_modified(r))
		return 0;
	p[0] = slug;
	city = db_query(r->app->db, Q_CITY, 1, p);
	if (!db_ok(city)) {
		view_db_error(r, city);
		goto out;
	}
	if (PQntuples(city) == 0) {
		reply_errorf(r, 404, "No city is registered as \"%s\".", slug);
		goto out;
	}
	snprintf(city_id, sizeof(city_id), "%s", PQgetvalue(city, 0, Q_CITY_ID));
	if (choose_wave(r, city_id, wave, sizeof(wave)) == -1)
		goto out;
	if ((questions = survey_questions_lang(r, wave)) == NULL) {
		view_db_error(r, NULL);
		goto out;
	}
	p[0] = city_id;
	p[1] = wave;
	res = db_query(r->app->db, Q_CITY_ANSWERS, 2, p);
	if (!db_ok(res)) {
		view_db_error(r, res);
		goto out;
	}
	answers = json_object();
	for (i = 0; i < PQntuples(res); i++)
		json_object_set_new(answers, PQgetvalue(res, i, Q_CITY_ANSWERS_CODE),
		    view_answer_json(PQgetisnull(res, i, Q_CITY_ANSWERS_VALUE) ? NULL : PQgetvalue(res, i, Q_CITY_ANSWERS_VALUE)));
	if (r->fmt == FMT_JSON) {
		reply_json(r, 200, json_pack("{s:s, s:s, s:O}", "city", slug, "survey", wave, "answers", answers));
	} else {
		r->ctype = "text/csv";
		snprintf(disp, sizeof(disp), "attachment; filename=\"%s-%s-answers.csv\"", slug, wave);
		http_header(r, "Content-Disposition", disp);
		answers_csv(&r->out, slug, wave, questions, answers);
	}
	status = 0;
out:
	json_decref(questions);
	json_decref(answers);
	PQclear(city);
	PQclear(res);
	return status;
}
