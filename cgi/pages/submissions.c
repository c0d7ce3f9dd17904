/* submissions.c: a city's versions (/cities/{slug}/submissions) and one version with what it changed
 * from the one before (/submissions/{id}).  Each handler builds the model its .json twin serves and
 * writes the HTML and CSV from it. */
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
#include "restore.h"
#include "routes.h"
#include "survey_lang.h"
#include "view.h"

static const char *
source_text(const char *source)
{
	if (strcmp(source, "import") == 0)
		return _("imported by the operator");
	if (strcmp(source, "upload") == 0)
		return _("uploaded");
	if (strcmp(source, "withdraw") == 0)
		return _("withdrawal of an earlier version");
	if (strcmp(source, "restore") == 0)
		return _("restore of an earlier version");
	return source;
}

static void
synthetic_notice(struct buf *b)
{
	html_raw(b, "<p class=\"notice synthetic\" role=\"note\"><strong>");
	html_text(b, _("Synthetic demonstration city."));
	html_raw(b, "</strong> ");
	html_text(b, _("Its answers were generated; they describe no real city."));
	html_raw(b, "</p>\n");
}

static void
versions_html(struct request *r, json_t *model, const char *wave)
{
	struct buf *b = &r->out;
	json_t *city = json_object_get(model, "city"), *list = json_object_get(model, "submissions"), *s;
	const char *slug = view_str(city, "slug");
	char title[300];
	size_t i;
	struct session sess;
	int can = restore_signed_in_for(r, slug, &sess);

	/* TRANSLATORS: a page's title: %s a city */
	snprintf(title, sizeof(title), _("Versions of %s's answers"), view_str(city, "name"));
	page_begin(r, title);
	html_raw(b, "<h1>");
	/* TRANSLATORS: {1} a city */
	ltext(b, _("Versions of {1}'s answers"), 0, view_str(city, "name"), NULL, NULL, NULL);
	if (wave) {
		html_raw(b, " <span class=\"subtitle\">");
		/* TRANSLATORS: {1} a wave (a year) */
		ltext(b, _("{1} wave"), 0, wave, NULL, NULL, NULL);
		html_raw(b, "</span>");
	}
	html_raw(b, "</h1>\n");
	if (json_is_true(json_object_get(city, "synthetic")))
		synthetic_notice(b);
	html_raw(b, "<p>");
	html_text(b, _("Every accepted upload or import makes a new version holding the complete set of answers; "
	    "earlier versions are kept."));
	html_raw(b, " <a href=\"/cities/");
	url_encode(b, slug);
	html_raw(b, "\">");
	html_text(b, _("Back to the profile"));
	html_raw(b, "</a>.</p>\n<form class=\"filters\" method=\"get\" action=\"/cities/");
	url_encode(b, slug);
	html_raw(b, "/submissions\"><div class=\"field\"><label for=\"survey\">");
	html_text(b, _("Wave"));
	html_raw(b, "</label><select id=\"survey\" name=\"survey\"><option value=\"\">");
	html_text(b, _("Every wave"));
	html_raw(b, "</option>");
	{
		json_t *w;
		json_array_foreach(json_object_get(model, "waves"), i, w) {
			html_raw(b, "<option value=\"");
			html_attr(b, json_string_value(w));
			html_raw(b, wave && strcmp(wave, json_string_value(w)) == 0 ? "\" selected>" : "\">");
			html_text(b, json_string_value(w));
			html_raw(b, "</option>");
		}
	}
	html_raw(b, "</select></div><button type=\"submit\">");
	html_text(b, _("Show"));
	html_raw(b, "</button></form>\n<p class=\"count\">");
	{
		char n[32];
		snprintf(n, sizeof(n), "%zu", json_array_size(list));
		ltext(b, P_("{1} version.", "{1} versions.", json_array_size(list)), 0, n, NULL, NULL, NULL);
	}
	html_raw(b, " <a href=\"/cities/");
	url_encode(b, slug);
	html_raw(b, "/submissions.csv");
	if (wave) {
		html_raw(b, "?survey=");
		url_encode(b, wave);
	}
	html_raw(b, "\">");
	html_text(b, _("Download as CSV"));
	html_raw(b, "</a> · <a href=\"/cities/");
	url_encode(b, slug);
	html_raw(b, "/submissions.json");
	if (wave) {
		html_raw(b, "?survey=");
		url_encode(b, wave);
	}
	html_raw(b, "\">JSON</a></p>\n");
	if (json_array_size(list) == 0) {
		page_end(r);
		return;
	}
	html_raw(b, "<div class=\"scroll\" tabindex=\"0\" role=\"region\" aria-labelledby=\"cap-versions\">"
	    "<table class=\"data\"><caption id=\"cap-versions\">");
	html_text(b, _("Versions by wave, oldest first"));
	html_raw(b, "</caption>\n<thead><tr><th scope=\"col\">");
	html_text(b, _("Version"));
	html_raw(b, "</th><th scope=\"col\">");
	html_text(b, _("Wave"));
	html_raw(b, "</th><th scope=\"col\">");
	html_text(b, _("Created (UTC)"));
	html_raw(b, "</th><th scope=\"col\" class=\"num\">");
	html_text(b, _("Answers given"));
	html_raw(b, "</th><th scope=\"col\" class=\"num\">");
	html_text(b, _("Answers changed"));
	html_raw(b, "</th><th scope=\"col\">");
	html_text(b, _("How"));
	html_raw(b, "</th><th scope=\"col\">");
	html_text(b, _("By"));
	html_raw(b, "</th>");
	if (can) {
		html_raw(b, "<th scope=\"col\">");
		html_text(b, _("Restore"));
		html_raw(b, "</th>");
	}
	html_raw(b, "</tr></thead>\n<tbody>\n");
	json_array_foreach(list, i, s) {
		{
			char v[32];
			buf_printf(b, "<tr><th scope=\"row\"><a href=\"/submissions/%lld\">",
			    (long long)json_integer_value(json_object_get(s, "id")));
			snprintf(v, sizeof(v), "%lld", (long long)json_integer_value(json_object_get(s, "version")));
			/* TRANSLATORS: {1} a version's number */
			ltext(b, _("Version {1}"), 0, v, NULL, NULL, NULL);
			html_raw(b, "</a></th><td>");
		}
		html_text(b, view_str(s, "survey"));
		html_raw(b, "</td><td><time datetime=\"");
		html_attr(b, view_str(s, "created_at"));
		html_raw(b, "\">");
		html_text(b, view_str(s, "created_at"));
		buf_printf(b, "</time></td><td class=\"num\">%lld</td><td class=\"num\">%lld</td><td>",
		    (long long)json_integer_value(json_object_get(s, "answered")),
		    (long long)json_integer_value(json_object_get(s, "changed")));
		html_text(b, source_text(view_str(s, "source")));
		html_raw(b, "</td><td>");
		html_text(b, view_str(s, "actor"));
		html_raw(b, "</td>");
		if (can) {
			json_t *next = json_array_get(list, i + 1);
			html_raw(b, "<td>");
			/* every version but the current one of its wave */
			if (next && strcmp(view_str(next, "survey"), view_str(s, "survey")) == 0)
				restore_button(b, (long long)json_integer_value(json_object_get(s, "id")),
				    (long long)json_integer_value(json_object_get(s, "version")), &sess);
			else
				html_text(b, _("current"));
			html_raw(b, "</td>");
		}
		html_raw(b, "</tr>\n");
	}
	html_raw(b, "</tbody></table></div>\n");
	page_end(r);
}

int
submissions_city_get(struct request *r)
{
	PGresult *city = NULL, *res = NULL, *waves = NULL;
	json_t *model = NULL, *list, *wl;
	const char *slug = r->args[0], *wave, *p[2];
	char city_id[24];
	int i, status = -1;

	if (view_slug_arg(r, slug, "city") == -1 || view_wave_param(r, &wave) == -1)
		return -1;
	if (view_not_modified(r))
		return 0;
	if ((city = view_city(r, slug)) == NULL)
		goto out;
	if (wave) {
		p[0] = wave;
		waves = db_query(r->app->db, Q_SURVEY, 1, p);
		if (!db_ok(waves)) {
			view_db_error(r, waves);
			goto out;
		}
		if (PQntuples(waves) == 0) {
			reply_errorf(r, 404, "no survey wave %s", wave);
			goto out;
		}
		PQclear(waves);
	}
	waves = db_query(r->app->db, Q_SURVEYS, 0, NULL);
	if (!db_ok(waves)) {
		view_db_error(r, waves);
		goto out;
	}
	snprintf(city_id, sizeof(city_id), "%s", PQgetvalue(city, 0, Q_CITY_ID));
	p[0] = city_id;
	p[1] = wave;
	res = db_query(r->app->db, Q_PAGES_SUBMISSIONS, 2, p);
	if (!db_ok(res)) {
		view_db_error(r, res);
		goto out;
	}
	list = json_array();
	for (i = 0; i < PQntuples(res); i++)
		json_array_append_new(list, json_pack("{s:I, s:s, s:I, s:s, s:I, s:s, s:I, s:s, s:o}",
		    "id", (json_int_t)strtoll(PQgetvalue(res, i, Q_PAGES_SUBMISSIONS_ID), NULL, 10),
		    "survey", PQgetvalue(res, i, Q_PAGES_SUBMISSIONS_SURVEY_ID),
		    "version", (json_int_t)strtoll(PQgetvalue(res, i, Q_PAGES_SUBMISSIONS_VERSION), NULL, 10),
		    "created_at", PQgetvalue(res, i, Q_PAGES_SUBMISSIONS_CREATED_AT),
		    "answered", (json_int_t)strtoll(PQgetvalue(res, i, Q_PAGES_SUBMISSIONS_ANSWERED), NULL, 10),
		    "source", PQgetvalue(res, i, Q_PAGES_SUBMISSIONS_SOURCE),
		    "changed", (json_int_t)strtoll(PQgetvalue(res, i, Q_PAGES_SUBMISSIONS_NCHANGED), NULL, 10),
		    "actor", PQgetvalue(res, i, Q_PAGES_SUBMISSIONS_ACTOR),
		    "withdraws", PQgetisnull(res, i, Q_PAGES_SUBMISSIONS_WITHDRAWS) ? json_null() :
			json_integer(strtoll(PQgetvalue(res, i, Q_PAGES_SUBMISSIONS_WITHDRAWS), NULL, 10))));
	wl = json_array();
	for (i = 0; i < PQntuples(waves); i++)
		json_array_append_new(wl, json_string(PQgetvalue(waves, i, Q_SURVEYS_ID)));
	model = json_pack("{s:o, s:o, s:o, s:o}", "city", view_city_json(city, 0, Q_CITY_SLUG), "survey",
	    wave ? json_string(wave) : json_null(), "submissions", list, "waves", wl);

	if (r->fmt == FMT_JSON) {
		reply_json(r, 200, json_incref(model));
	} else if (r->fmt == FMT_CSV) {
		json_t *s;
		size_t k;
		r->ctype = "text/csv";
		buf_puts(&r->out, "id,survey,version,created_at,answered,source,changed,actor\r\n");
		json_array_foreach(list, k, s) {
			csv_int(&r->out, (long long)json_integer_value(json_object_get(s, "id")));
			csv_sep(&r->out);
			csv_text(&r->out, view_str(s, "survey"));
			csv_sep(&r->out);
			csv_int(&r->out, (long long)json_integer_value(json_object_get(s, "version")));
			csv_sep(&r->out);
			csv_text(&r->out, view_str(s, "created_at"));
			csv_sep(&r->out);
			csv_int(&r->out, (long long)json_integer_value(json_object_get(s, "answered")));
			csv_sep(&r->out);
			csv_text(&r->out, view_str(s, "source"));
			csv_sep(&r->out);
			csv_int(&r->out, (long long)json_integer_value(json_object_get(s, "changed")));
			csv_sep(&r->out);
			csv_text(&r->out, view_str(s, "actor"));
			csv_eol(&r->out);
		}
	} else {
		versions_html(r, model, wave);
	}
	status = 0;
out:
	json_decref(model);
	PQclear(city);
	PQclear(res);
	PQclear(waves);
	return status;
}

/* The answers of a version to every question of its wave: {CODE: VALUE or null}; NULL on failure. */
static json_t *
version_answers(struct db *db, const char *id, const char *wave)
{
	const char *p[2] = { id, wave };
	PGresult *res = db_query(db, Q_PAGES_VERSION_ANSWERS, 2, p);
	json_t *answers = NULL;
	int i;

	if (!db_ok(res))
		goto out;
	answers = json_object();
	for (i = 0; i < PQntuples(res); i++)
		json_object_set_new(answers, PQgetvalue(res, i, Q_PAGES_VERSION_ANSWERS_CODE),
		    view_answer_json(PQgetisnull(res, i, Q_PAGES_VERSION_ANSWERS_VALUE) ? NULL : PQgetvalue(res, i, Q_PAGES_VERSION_ANSWERS_VALUE)));
out:
	PQclear(res);
	return answers;
}

static int
is_changed(json_t *changed, const char *code)
{
	json_t *c;
	size_t i;

	json_array_foreach(changed, i, c)
		if (strcmp(json_string_value(c), code) == 0)
			return 1;
	return 0;
}

static void
submission_html(struct request *r, json_t *model, json_t *questions, const char *lang)
{
	struct buf *b = &r->out;
	json_t *s = json_object_get(model, "submission"), *answers = json_object_get(model, "answers");
	json_t *prev = json_object_get(model, "previous"), *changed = json_object_get(model, "changed"), *q;
	long long version = (long long)json_integer_value(json_object_get(s, "version"));
	char title[400];
	size_t i;

	/* TRANSLATORS: a page's title: a city, a wave, a version's number */
	snprintf(title, sizeof(title), _("%s, %s wave, version %lld"), view_str(s, "city_name"), view_str(s, "survey"),
	    version);
	page_begin(r, title);
	html_raw(b, "<h1>");
	html_text(b, view_str(s, "city_name"));
	html_raw(b, " <span class=\"subtitle\">");
	{
		char v[32];
		snprintf(v, sizeof(v), "%lld", version);
		/* TRANSLATORS: {1} a wave, {2} a version's number */
		ltext(b, _("{1} wave, version {2}"), 0, view_str(s, "survey"), v, NULL, NULL);
	}
	html_raw(b, "</span></h1>\n");
	if (json_is_true(json_object_get(s, "synthetic")))
		synthetic_notice(b);
	html_raw(b, "<dl class=\"facts\">\n<div><dt>");
	html_text(b, _("Created (UTC)"));
	html_raw(b, "</dt><dd><time datetime=\"");
	html_attr(b, view_str(s, "created_at"));
	html_raw(b, "\">");
	html_text(b, view_str(s, "created_at"));
	html_raw(b, "</time></dd></div>\n<div><dt>");
	html_text(b, _("How"));
	html_raw(b, "</dt><dd>");
	html_text(b, source_text(view_str(s, "source")));
	if (json_is_integer(json_object_get(s, "withdraws"))) {
		buf_printf(b, " (<a href=\"/submissions/%lld\">",
		    (long long)json_integer_value(json_object_get(s, "withdraws")));
		html_text(b, _("the version withdrawn"));
		html_raw(b, "</a>)");
	}
	html_raw(b, "</dd></div>\n<div><dt>");
	html_text(b, _("By"));
	html_raw(b, "</dt><dd>");
	html_text(b, view_str(s, "actor"));
	html_raw(b, "</dd></div>\n<div><dt>");
	html_text(b, _("Answers changed"));
	buf_printf(b, "</dt><dd>%zu</dd></div>\n</dl>\n", json_array_size(changed));
	{
		struct session sess;
		if (version < (long long)json_integer_value(json_object_get(s, "latest_version")) &&
		    restore_signed_in_for(r, view_str(s, "city"), &sess))
			restore_button(b, (long long)json_integer_value(json_object_get(s, "id")), version, &sess);
	}
	html_raw(b, "<nav class=\"pages\" aria-label=\"");
	html_attr(b, _("Versions"));
	html_raw(b, "\"><ul>");
	if (json_is_integer(json_object_get(model, "previous_id"))) {
		char v[32];
		buf_printf(b, "<li><a rel=\"prev\" href=\"/submissions/%lld\">",
		    (long long)json_integer_value(json_object_get(model, "previous_id")));
		snprintf(v, sizeof(v), "%lld", version - 1);
		ltext(b, _("Version {1}"), 0, v, NULL, NULL, NULL);
		html_raw(b, "</a></li>");
	}
	html_raw(b, "<li><a href=\"/cities/");
	url_encode(b, view_str(s, "city"));
	html_raw(b, "/submissions?survey=");
	url_encode(b, view_str(s, "survey"));
	html_raw(b, "\">");
	html_text(b, _("Every version"));
	html_raw(b, "</a></li><li><a href=\"/cities/");
	url_encode(b, view_str(s, "city"));
	html_raw(b, "?survey=");
	url_encode(b, view_str(s, "survey"));
	html_raw(b, "\">");
	html_text(b, _("The current profile"));
	html_raw(b, "</a></li><li><a href=\"/submissions/");
	buf_printf(b, "%lld", (long long)json_integer_value(json_object_get(s, "id")));
	html_raw(b, ".json\">JSON</a></li></ul></nav>\n");

	html_raw(b, "<p>");
	if (version == 1)
		html_text(b, _("The first version: every answer is new."));
	else if (json_array_size(changed) == 0)
		html_text(b, _("This version changed no answer."));
	else {
		struct buf m = BUF_INIT;
		html_raw(&m, "<strong class=\"changed-mark\">");
		html_text(&m, _("changed"));
		html_raw(&m, "</strong>");
		/* TRANSLATORS: {1} the mark "changed" */
		ltext(b, _("Answers this version changed are marked {1}, with the value of the version before beside "
		    "them."), 1, m.data ? m.data : "", NULL, NULL, NULL);
		buf_free(&m);
	}
	html_raw(b, "</p>\n<div class=\"scroll\" tabindex=\"0\" role=\"region\" aria-labelledby=\"cap-answers\">"
	    "<table class=\"data answers\"><caption id=\"cap-answers\">");
	html_text(b, _("The answers of this version"));
	html_raw(b, "</caption>\n<thead><tr><th scope=\"col\">");
	html_text(b, _("Question"));
	html_raw(b, "</th><th scope=\"col\">");
	html_text(b, _("Answer"));
	html_raw(b, "</th>");
	if (version > 1) {
		html_raw(b, "<th scope=\"col\">");
		html_text(b, _("Before"));
		html_raw(b, "</th>");
	}
	html_raw(b, "</tr></thead>\n<tbody>\n");
	json_array_foreach(questions, i, q) {
		const char *code = view_str(q, "code");
		int ch = version > 1 && is_changed(changed, code);
		json_t *v = json_object_get(answers, code);

		html_raw(b, ch ? "<tr class=\"changed\"><th scope=\"row\">" : "<tr><th scope=\"row\">");
		html_text(b, view_str(q, "text"));
		html_raw(b, " <code>");
		html_text(b, code);
		html_raw(b, "</code></th><td>");
		answer_html_lang(b, q, v, v != NULL, lang);
		if (ch)
		{
			html_raw(b, " <strong class=\"changed-mark\">");
			html_text(b, _("changed"));
			html_raw(b, "</strong>");
		}
		html_raw(b, "</td>");
		if (version > 1) {
			html_raw(b, "<td>");
			if (ch) {
				json_t *w = json_object_get(prev, code);
				answer_html_lang(b, q, w, w != NULL, lang);
			} else {
				html_raw(b, "<span class=\"same\">");
				html_text(b, _("same"));
				html_raw(b, "</span>");
			}
			html_raw(b, "</td>");
		}
		html_raw(b, "</tr>\n");
	}
	html_raw(b, "</tbody></table></div>\n");
	page_end(r);
}

int
submissions_get(struct request *r)
{
	PGresult *res = NULL;
	json_t *model = NULL, *answers = NULL, *prev = NULL, *changed, *questions = NULL, *before;
	const char *id = r->args[0], *p[1];
	const char *code;
	json_t *v;
	size_t n = id ? strlen(id) : 0, i;
	int status = -1;

	for (i = 0; i < n; i++)
		if (id[i] < '0' || id[i] > '9')
			break;
	if (n == 0 || n > 18 || i < n)
		return reply_error(r, 404, "no such submission", NULL);
	if (view_not_modified(r))
		return 0;
	p[0] = id;
	res = db_query(r->app->db, Q_PAGES_SUBMISSION, 1, p);
	if (!db_ok(res)) {
		view_db_error(r, res);
		goto out;
	}
	if (PQntuples(res) == 0) {
		reply_errorf(r, 404, "no submission %s", id);
		goto out;
	}
	answers = version_answers(r->app->db, id, PQgetvalue(res, 0, Q_PAGES_SUBMISSION_SURVEY_ID));
	if (answers && !PQgetisnull(res, 0, Q_PAGES_SUBMISSION_PREVIOUS_ID))
		prev = version_answers(r->app->db, PQgetvalue(res, 0, Q_PAGES_SUBMISSION_PREVIOUS_ID), PQgetvalue(res, 0, Q_PAGES_SUBMISSION_SURVEY_ID));
	if (r->fmt == FMT_HTML)
		questions = survey_questions_lang(r, PQgetvalue(res, 0, Q_PAGES_SUBMISSION_SURVEY_ID));
	if (answers == NULL || (!PQgetisnull(res, 0, Q_PAGES_SUBMISSION_PREVIOUS_ID) && prev == NULL) ||
	    (r->fmt == FMT_HTML && questions == NULL)) {
		view_db_error(r, NULL);
		goto out;
	}
	changed = view_answer_json(PQgetvalue(res, 0, Q_PAGES_SUBMISSION_CHANGED));
	if (!json_is_array(changed)) {
		json_decref(changed);
		changed = json_array();
	}
	/* The values of the version before, for the answers this one changed. */
	before = json_object();
	json_object_foreach(prev, code, v)
		if (is_changed(changed, code))
			json_object_set(before, code, v);
	model = json_pack("{s:{s:I, s:s, s:s, s:I, s:s, s:s, s:s, s:s, s:o, s:b, s:I}, s:O, s:o, s:o, s:o}",
	    "submission",
		"id", (json_int_t)strtoll(PQgetvalue(res, 0, Q_PAGES_SUBMISSION_ID), NULL, 10),
		"city", PQgetvalue(res, 0, Q_PAGES_SUBMISSION_SLUG),
		"survey", PQgetvalue(res, 0, Q_PAGES_SUBMISSION_SURVEY_ID),
		"version", (json_int_t)strtoll(PQgetvalue(res, 0, Q_PAGES_SUBMISSION_VERSION), NULL, 10),
		"created_at", PQgetvalue(res, 0, Q_PAGES_SUBMISSION_CREATED_AT),
		"city_name", PQgetvalue(res, 0, Q_PAGES_SUBMISSION_NAME),
		"source", PQgetvalue(res, 0, Q_PAGES_SUBMISSION_SOURCE),
		"actor", PQgetvalue(res, 0, Q_PAGES_SUBMISSION_ACTOR),
		"withdraws", PQgetisnull(res, 0, Q_PAGES_SUBMISSION_WITHDRAWS) ? json_null() :
		    json_integer(strtoll(PQgetvalue(res, 0, Q_PAGES_SUBMISSION_WITHDRAWS), NULL, 10)),
		"synthetic", PQgetvalue(res, 0, Q_PAGES_SUBMISSION_SYNTHETIC)[0] == 't',
		"latest_version", (json_int_t)strtoll(PQgetvalue(res, 0, Q_PAGES_SUBMISSION_LATEST_VERSION), NULL, 10),
	    "answers", answers,
	    "changed", changed,
	    "previous", before,
	    "previous_id", PQgetisnull(res, 0, Q_PAGES_SUBMISSION_PREVIOUS_ID) ? json_null() :
		json_integer(strtoll(PQgetvalue(res, 0, Q_PAGES_SUBMISSION_PREVIOUS_ID), NULL, 10)));
	if (model == NULL) {
		reply_error(r, 503, "out of memory", NULL);
		goto out;
	}
	if (r->fmt == FMT_JSON)
		reply_json(r, 200, json_incref(model));
	else
		submission_html(r, model, questions, PQgetvalue(res, 0, Q_PAGES_SUBMISSION_LANG));
	status = 0;
out:
	json_decref(model);
	json_decref(answers);
	json_decref(prev);
	json_decref(questions);
	PQclear(res);
	return status;
}
