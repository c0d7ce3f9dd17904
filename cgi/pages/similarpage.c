/* similarpage.c: /cities/{slug}/similar — the cities whose answers in a wave are most like this city's,
 * each with its score and the reasons (what they share); the score is similar_score's (similar.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "csv.h"
#include "html.h"
#include "lang.h"
#include "ltext.h"
#include "page.h"
#include "query.h"
#include "reply.h"
#include "routes.h"
#include "similar.h"
#include "survey_lang.h"
#include "view.h"

#define SIMILAR_DEFAULT	10
#define SIMILAR_MAX	10000

struct match {
	int row;		/* in the answers' result */
	double score;
	size_t both;		/* questions both answered */
	json_t *reasons;
};

static const PGresult *sort_res;

static int
by_score(const void *x, const void *y)
{
	const struct match *a = x, *b = y;
	int c;

	if (a->score != b->score)
		return a->score < b->score ? 1 : -1;
	if (a->both != b->both)
		return a->both < b->both ? 1 : -1;
	if ((c = strcmp(PQgetvalue(sort_res, a->row, Q_SIMILAR_ANSWERS_NAME), PQgetvalue(sort_res, b->row, Q_SIMILAR_ANSWERS_NAME))) != 0)
		return c;
	return strcmp(PQgetvalue(sort_res, a->row, Q_SIMILAR_ANSWERS_SLUG), PQgetvalue(sort_res, b->row, Q_SIMILAR_ANSWERS_SLUG));
}

/* The reason for people: "Success factors: A, B (2 of 5 chosen by either)". */
static void
reason_html(struct buf *b, json_t *reason, json_t *texts, json_t *labels)
{
	const char *code = view_str(reason, "question");
	json_t *shared = json_object_get(reason, "shared"), *o;
	json_t *lab = json_object_get(labels, code);
	size_t i, of = (size_t)json_integer_value(json_object_get(reason, "of"));

	if (strcmp(code, "population") == 0 && json_array_size(shared) == 0) {
		/* xgettext:no-c-format */
		html_text(b, _("population within ±50 %"));
		return;
	}
	{
		const char *t = json_string_value(json_object_get(texts, code)) ? json_string_value(json_object_get(texts, code)) : code;
		size_t tl = strlen(t);

		html_text(b, t);
		/* a question that ends in a colon already ("Innovation is helping to:") takes no second, and one
		 * that asks ("…strategy?") no colon after its question mark ("?:", "? :"): a dash */
		html_text(b, tl > 0 && t[tl - 1] == ':' ? " " : tl > 0 && t[tl - 1] == '?' ? " — " : _(": "));
	}
	json_array_foreach(shared, i, o) {
		const char *opt = json_string_value(o), *l = json_string_value(json_object_get(lab, opt));
		if (i)
			html_raw(b, ", ");
		if (strcmp(opt, "yes") == 0 && l == NULL)
			l = _("both yes");
		else if (strcmp(opt, "no") == 0 && l == NULL)
			l = _("both no");
		html_text(b, l ? l : opt);
	}
	if (of > 1) {
		char n1[32], n2[32];

		snprintf(n1, sizeof(n1), "%zu", json_array_size(shared));
		snprintf(n2, sizeof(n2), "%zu", of);
		ltext(b, _(" ({1} of {2} chosen by either)"), 0, n1, n2, NULL, NULL);
	}
}

static void
similar_html(struct request *r, json_t *model, json_t *texts, json_t *labels)
{
	struct buf *b = &r->out, title = BUF_INIT, path = BUF_INIT;
	json_t *city = json_object_get(model, "city"), *list = json_object_get(model, "similar"), *o, *x;
	const char *wave = view_str(model, "survey");
	size_t i, j;

	{
		const char *p;

		/* the title is plain text: the template's values put in place */
		for (p = _("Cities like {1}, {2}"); *p; p++) {
			if (p[0] == '{' && (p[1] == '1' || p[1] == '2') && p[2] == '}') {
				buf_puts(&title, p[1] == '1' ? view_str(city, "name") : wave);
				p += 2;
			} else {
				buf_putc(&title, *p);
			}
		}
	}
	buf_printf(&path, "/cities/%s/similar", view_str(city, "slug"));
	page_begin(r, title.data ? title.data : _("Similar cities"));
	html_raw(b, "<h1>");
	ltext(b, _("Cities like {1}"), 0, view_str(city, "name"), NULL, NULL, NULL);
	html_raw(b, "</h1>\n<p class=\"lead\">");
	{
		struct buf a = BUF_INIT;

		html_raw(&a, "<a href=\"/cities/");
		url_encode(&a, view_str(city, "slug"));
		html_raw(&a, "?survey=");
		url_encode(&a, wave);
		html_raw(&a, "\">");
		html_text(&a, view_str(city, "name"));
		html_raw(&a, "</a>");
		/* TRANSLATORS: {1} a wave (a year), {2} the city's name as a link */
		ltext(b, _("The cities whose answers to the {1} survey are most like those of {2}."), 2, wave, a.data,
		    NULL, NULL);
		buf_free(&a);
	}
	html_raw(b, "</p>\n<section aria-labelledby=\"how-h\"><h2 id=\"how-h\">");
	html_text(b, _("How the score is computed"));
	html_raw(b, "</h2>\n<p id=\"method\">");
	/* xgettext:no-c-format */
	html_text(b, _("The score is the mean, over the questions both cities answered, of: for a "
	    "multiple-choice question, the options both chose divided by the options either chose (Jaccard "
	    "overlap; both choosing none counts as 1); for a single-choice or yes/no question, 1 for the same "
	    "answer and 0 for another; for the population, 1 when the other city's is within ±50 % of this "
	    "city's, else 0. Numbers and free text do not count. A score of 1 means the same answers; 0, "
	    "nothing in common. Between equal scores, the city with more questions answered by both comes first, then by name."));
	html_raw(b, "</p></section>\n");
	view_twin_links(r, N_("This list as data"), path.data ? path.data : "/cities", 0);
	if (json_array_size(list) == 0) {
		html_raw(b, "<p class=\"notice\">");
		ltext(b, _("No other city answered a question of this wave that {1} answered."), 0,
		    view_str(city, "name"), NULL, NULL, NULL);
		html_raw(b, "</p>\n");
	} else {
		html_raw(b, "<p><a href=\"/compare?cities=");
		url_encode(b, view_str(city, "slug"));
		json_array_foreach(list, i, o) {
			if (i >= 5)
				break;
			html_raw(b, ",");
			url_encode(b, view_str(o, "slug"));
		}
		html_raw(b, "&amp;survey=");
		url_encode(b, wave);
		html_raw(b, "\">");
		html_text(b, _("Compare with the first five"));
		html_raw(b, "</a></p>\n<div class=\"scroll\" tabindex=\"0\" role=\"region\" aria-labelledby=\"cap-similar\">"
		    "<table class=\"data similar\"><caption id=\"cap-similar\">");
		ltext(b, _("Cities like {1}, most alike first"), 0, view_str(city, "name"), NULL, NULL, NULL);
		html_raw(b, "</caption><thead><tr><th scope=\"col\" class=\"num\">");
		html_text(b, _("Rank"));
		html_raw(b, "</th><th scope=\"col\">");
		html_text(b, _("City"));
		html_raw(b, "</th><th scope=\"col\" class=\"num\">");
		html_text(b, _("Score"));
		html_raw(b, "</th><th scope=\"col\">");
		html_text(b, _("What they share"));
		html_raw(b, "</th></tr></thead><tbody>\n");
		json_array_foreach(list, i, o) {
			buf_printf(b, "<tr><td class=\"num\">%zu</td><th scope=\"row\"><a href=\"/cities/", i + 1);
			url_encode(b, view_str(o, "slug"));
			html_raw(b, "?survey=");
			url_encode(b, wave);
			html_raw(b, "\">");
			html_text(b, view_str(o, "name"));
			html_raw(b, "</a>");
			if (json_is_true(json_object_get(o, "synthetic")))
			{
				html_raw(b, " <span class=\"tag-synthetic\">");
				html_text(b, _("synthetic"));
				html_raw(b, "</span>");
			}
			{
				char sc[32], *dot;

				snprintf(sc, sizeof(sc), "%.2f", view_num(o, "score"));
				if (lang_current() == LANG_FR && (dot = strchr(sc, '.')) != NULL)
					*dot = ',';	/* French: a decimal comma */
				buf_printf(b, "</th><td class=\"num\"><data value=\"%.17g\">%s</data></td><td>",
				    view_num(o, "score"), sc);
			}
			if (json_array_size(json_object_get(o, "reasons")) == 0)
				html_text(b, _("nothing"));
			else {
				html_raw(b, "<ul class=\"reasons\">");
				json_array_foreach(json_object_get(o, "reasons"), j, x) {
					html_raw(b, "<li>");
					reason_html(b, x, texts, labels);
					html_raw(b, "</li>");
				}
				html_raw(b, "</ul>");
			}
			html_raw(b, "</td></tr>\n");
		}
		html_raw(b, "</tbody></table></div>\n");
	}
	page_end(r);
	buf_free(&title);
	buf_free(&path);
}

static void
similar_csv(struct request *r, json_t *model)
{
	json_t *o, *x, *s;
	size_t i, j, k;

	r->ctype = "text/csv";
	buf_puts(&r->out, "rank,city,name,score,reasons\r\n");
	json_array_foreach(json_object_get(model, "similar"), i, o) {
		struct buf why = BUF_INIT;
		json_array_foreach(json_object_get(o, "reasons"), j, x) {
			if (j)
				buf_puts(&why, "; ");
			buf_puts(&why, view_str(x, "question"));
			json_array_foreach(json_object_get(x, "shared"), k, s)
				buf_printf(&why, "%s%s", k ? " " : ": ", json_string_value(s));
		}
		csv_int(&r->out, (long long)i + 1);
		csv_sep(&r->out);
		csv_text(&r->out, view_str(o, "slug"));
		csv_sep(&r->out);
		csv_text(&r->out, view_str(o, "name"));
		csv_sep(&r->out);
		csv_number(&r->out, view_num(o, "score"));
		csv_sep(&r->out);
		csv_text(&r->out, why.data ? why.data : "");
		csv_eol(&r->out);
		buf_free(&why);
	}
}

int
similar_get(struct request *r)
{
	const char *slug = r->args[0], *want = NULL, *wave = NULL, *s, *p[1];
	PGresult *city = NULL, *waves = NULL, *qs = NULL, *ans = NULL;
	json_t *types = NULL, *texts = NULL, *labels = NULL, *mine = NULL, *model = NULL, *list;
	struct match *m = NULL;
	long limit = SIMILAR_DEFAULT;
	int i, n = 0, me = -1, status = -1;
	char *end, city_id[24];

	if (!path_segment_valid_slug(slug, strlen(slug)) && view_slug_arg(r, slug, "city") == -1)
		return -1;
	if (view_wave_param(r, &want) == -1)
		return -1;
	s = query_get(&r->query, "limit");
	if (s && *s) {
		limit = strtol(s, &end, 10);
		if (*s < '0' || *s > '9' || *end || limit < 1 || limit > SIMILAR_MAX)
			return reply_error(r, 400, "limit must be a whole number from 1 to 10000", NULL);
	}
	if (view_not_modified(r))
		return 0;
	if ((city = view_city(r, slug)) == NULL)
		return -1;
	snprintf(city_id, sizeof(city_id), "%s", PQgetvalue(city, 0, Q_CITY_ID));
	p[0] = city_id;
	waves = db_query(r->app->db, Q_CITY_WAVES, 1, p);
	if (!db_ok(waves)) {
		view_db_error(r, waves);
		goto out;
	}
	for (i = 0; i < PQntuples(waves); i++)
		if (want == NULL || strcmp(want, PQgetvalue(waves, i, Q_CITY_WAVES_SURVEY_ID)) == 0)
			wave = PQgetvalue(waves, i, Q_CITY_WAVES_SURVEY_ID);
	if (wave == NULL) {
		if (want)
			reply_errorf(r, 404, "%s has no answers for the %s wave", PQgetvalue(city, 0, Q_CITY_NAME), want);
		else
			reply_errorf(r, 404, "%s has answered no wave", PQgetvalue(city, 0, Q_CITY_NAME));
		goto out;
	}
	p[0] = wave;
	qs = db_query(r->app->db, Q_SIMILAR_QUESTIONS, 1, p);
	ans = db_query(r->app->db, Q_SIMILAR_ANSWERS, 1, p);
	if (!db_ok(qs) || !db_ok(ans)) {
		view_db_error(r, db_ok(qs) ? ans : qs);
		goto out;
	}
	types = json_object();
	texts = json_object();
	labels = json_object();
	for (i = 0; i < PQntuples(qs); i++) {
		json_object_set_new(types, PQgetvalue(qs, i, Q_SIMILAR_QUESTIONS_CODE), json_string(PQgetvalue(qs, i, Q_SIMILAR_QUESTIONS_TYPE)));
		json_object_set_new(texts, PQgetvalue(qs, i, Q_SIMILAR_QUESTIONS_CODE), json_string(PQgetvalue(qs, i, Q_SIMILAR_QUESTIONS_TEXT)));
		json_object_set_new(labels, PQgetvalue(qs, i, Q_SIMILAR_QUESTIONS_CODE), view_answer_json(PQgetvalue(qs, i, Q_SIMILAR_QUESTIONS_LABELS)));
	}
	if (lang_current() != LANG_EN) {
		/* the page's reasons in its language: the questionnaire's translations, English where a
		 * text has none (survey_questions_lang) */
		json_t *ql = survey_questions_lang(r, wave), *q, *o;
		size_t k, j;

		json_array_foreach(ql, k, q) {
			const char *code = json_string_value(json_object_get(q, "code"));
			json_t *lab;

			if (code == NULL || json_object_get(texts, code) == NULL)
				continue;
			if (json_is_string(json_object_get(q, "text")))
				json_object_set(texts, code, json_object_get(q, "text"));
			if ((lab = json_object()) == NULL)
				continue;
			json_array_foreach(json_object_get(q, "options"), j, o)
				if (json_is_string(json_object_get(o, "code")) && json_is_string(json_object_get(o, "label")))
					json_object_set(lab, json_string_value(json_object_get(o, "code")), json_object_get(o, "label"));
			json_object_set_new(labels, code, lab);
		}
		json_decref(ql);
	}
	for (i = 0; i < PQntuples(ans); i++)
		if (strcmp(PQgetvalue(ans, i, Q_SIMILAR_ANSWERS_SLUG), slug) == 0)
			me = i;
	mine = me >= 0 ? view_answer_json(PQgetvalue(ans, me, Q_SIMILAR_ANSWERS_ANSWERS)) : json_object();
	if (PQntuples(ans) > 0 && (m = calloc((size_t)PQntuples(ans), sizeof(*m))) == NULL) {
		reply_error(r, 503, "out of memory", NULL);
		goto out;
	}
	for (i = 0; i < PQntuples(ans); i++) {
		json_t *theirs, *reasons;
		double score;
		if (i == me)
			continue;
		theirs = view_answer_json(PQgetvalue(ans, i, Q_SIMILAR_ANSWERS_ANSWERS));
		reasons = json_array();
		score = similar_score_n(types, mine, theirs, reasons, &m[n].both);
		json_decref(theirs);
		if (score < 0) {
			json_decref(reasons);
			continue;
		}
		m[n].row = i;
		m[n].score = score;
		m[n].reasons = reasons;
		n++;
	}
	sort_res = ans;
	if (n > 1)
		qsort(m, (size_t)n, sizeof(*m), by_score);
	list = json_array();
	model = json_pack("{s:{s:s, s:s, s:o, s:o}, s:s, s:o, s:s}",
	    "city", "slug", PQgetvalue(city, 0, Q_CITY_SLUG), "name", PQgetvalue(city, 0, Q_CITY_NAME),
	    "lat", view_coord_json(city, 0, Q_CITY_LAT),
	    "lon", view_coord_json(city, 0, Q_CITY_LON),
	    "survey", wave, "similar", list,
	    "method", "mean over the questions both answered of: Jaccard overlap (multi), equality (single, "
	    "bool), population within ±50 % (1 or 0)");
	if (model == NULL) {
		reply_error(r, 503, "out of memory", NULL);
		goto out;
	}
	for (i = 0; i < n && i < limit; i++) {
		json_array_append_new(list, json_pack("{s:s, s:s, s:f, s:o, s:I, s:b, s:o, s:o}",
		    "slug", PQgetvalue(ans, m[i].row, Q_SIMILAR_ANSWERS_SLUG), "name", PQgetvalue(ans, m[i].row, Q_SIMILAR_ANSWERS_NAME),
		    "score", m[i].score, "reasons", json_incref(m[i].reasons), "questions", (json_int_t)m[i].both,
		    "synthetic", PQgetvalue(ans, m[i].row, Q_SIMILAR_ANSWERS_SYNTHETIC)[0] == 't',
		    "lat", view_coord_json(ans, m[i].row, Q_SIMILAR_ANSWERS_LAT), "lon", view_coord_json(ans, m[i].row, Q_SIMILAR_ANSWERS_LON)));
	}
	if (r->fmt == FMT_JSON) {
		reply_json(r, 200, json_incref(model));
	} else if (r->fmt == FMT_CSV) {
		similar_csv(r, model);
	} else {
		similar_html(r, model, texts, labels);
	}
	status = 0;
out:
	for (i = 0; i < n; i++)
		json_decref(m[i].reasons);
	free(m);
	json_decref(model);
	json_decref(mine);
	json_decref(types);
	json_decref(texts);
	json_decref(labels);
	PQclear(ans);
	PQclear(qs);
	PQclear(waves);
	PQclear(city);
	return status;
}
