/* answers.c: /cities/{slug}/answers — the partner's questionnaire as a form, pre-filled with the city's
 * current answers; POST stores them through the upload's own checks and store.
 *
 * Decisions: the form is for the signed-in partner of the city; anyone else is told how to sign in
 * (200, no fields) or that the form belongs to another city (403).  The POST is turned into the JSON
 * upload {"city", "survey", "answers"} and goes through upload_run, so it is checked, stored, audited
 * and refused exactly as an upload is.  A question is named only when its field is in the POST (a
 * multi-choice question carries an empty hidden field for that), so a POST changes what it names, like
 * an upload.  The form sets novalidate: the server's messages (next to each field, and a summary at the
 * top) are the ones people see, and answers.js shows the same kind of message as they type.  Typed
 * values come back as typed after a refusal, also those that are not numbers. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app.h"
#include "html.h"
#include "lang.h"
#include "ltext.h"
#include "page.h"
#include "query.h"
#include "reply.h"
#include "routes.h"
#include "session.h"
#include "survey.h"
#include "upload.h"
#include "upload_msg.h"
#include "survey_lang.h"
#include "view.h"

#define FIELD_PREFIX "a."
#define MAX_CHOICES 256

/* What the page needs: the city, its wave, the questions, what the fields hold, what went wrong. */
struct form {
	const char *slug, *wave;
	char latest[8];			/* the latest wave, when the request names none */
	char name[256];
	int city_id;
	json_t *questions;		/* borrowed reference of the worker's copy (decref'd) */
	json_t *values;			/* code -> value shown in the field */
	json_t *errors;			/* code -> the problem ({message, code, args}: upload_msg.h) */
	json_t *general;		/* [problem] not tied to a field */
};

static void
form_free(struct form *f)
{
	json_decref(f->questions);
	json_decref(f->values);
	json_decref(f->errors);
	json_decref(f->general);
}

/* The wave of the request, else the latest; the city.  Answers 404/400/503 and returns -1. */
static int
load(struct request *r, struct form *f)
{
	PGresult *res = NULL;
	const char *p[2];
	int rc = -1;

	memset(f, 0, sizeof(*f));
	f->slug = r->args[0];
	if (view_slug_arg(r, f->slug, "city") == -1 || view_wave_param(r, &f->wave) == -1)
		return -1;
	if (f->wave == NULL) {
		res = db_query(r->app->db, Q_SURVEYS, 0, NULL);
		if (!db_ok(res) || PQntuples(res) == 0) {
			view_db_error(r, res);
			PQclear(res);
			return -1;
		}
		snprintf(f->latest, sizeof(f->latest), "%s", PQgetvalue(res, PQntuples(res) - 1, Q_SURVEYS_ID));
		f->wave = f->latest;
		PQclear(res);
	} else {
		p[0] = f->wave;
		res = db_query(r->app->db, Q_SURVEY, 1, p);
		if (!db_ok(res) || PQntuples(res) == 0) {
			if (db_ok(res))
				reply_errorf(r, 404, "no survey wave %s", f->wave);
			else
				view_db_error(r, res);
			PQclear(res);
			return -1;
		}
		PQclear(res);
	}
	p[0] = f->slug;
	res = db_query(r->app->db, Q_CITY, 1, p);
	if (!db_ok(res)) {
		view_db_error(r, res);
		goto out;
	}
	if (PQntuples(res) == 0) {
		reply_errorf(r, 404, "no city called \"%s\"", f->slug);
		goto out;
	}
	f->city_id = atoi(PQgetvalue(res, 0, Q_CITY_ID));
	snprintf(f->name, sizeof(f->name), "%s", PQgetvalue(res, 0, Q_CITY_NAME));
	if ((f->questions = survey_questions_lang(r, f->wave)) == NULL) {
		view_db_error(r, NULL);
		goto out;
	}
	f->values = json_object();
	f->errors = json_object();
	f->general = json_array();
	rc = 0;
out:
	PQclear(res);
	return rc;
}

/* The city's current answers into f->values; -1 after answering 503. */
static int
current_values(struct request *r, struct form *f)
{
	char cid[16];
	const char *p[2] = { cid, f->wave };
	PGresult *res;
	int i;

	snprintf(cid, sizeof(cid), "%d", f->city_id);
	res = db_query(app_writer(r->app), Q_CITY_ANSWERS, 2, p);
	if (!db_ok(res)) {
		view_db_error(r, res);
		PQclear(res);
		return -1;
	}
	for (i = 0; i < PQntuples(res); i++)
		if (!PQgetisnull(res, i, Q_CITY_ANSWERS_VALUE))
			json_object_set_new(f->values, PQgetvalue(res, i, Q_CITY_ANSWERS_CODE), view_answer_json(PQgetvalue(res, i, Q_CITY_ANSWERS_VALUE)));
	PQclear(res);
	return 0;
}

static void
field_name(struct buf *b, const char *code)
{
	html_raw(b, FIELD_PREFIX);
	html_attr(b, code);
}

/* aria-describedby of a field: its help and its error, when it has them. */
static void
described_by(struct buf *b, json_t *q, json_t *err)
{
	const char *code = view_str(q, "code");

	if (!*view_str(q, "help") && !err && !json_object_get(q, "min") && !json_object_get(q, "max") &&
	    !json_object_get(q, "max_length"))
		return;
	html_raw(b, " aria-describedby=\"");
	if (*view_str(q, "help") || json_object_get(q, "min") || json_object_get(q, "max") ||
	    json_object_get(q, "max_length")) {
		html_raw(b, "help-");
		html_attr(b, code);
	}
	if (err) {
		html_raw(b, *view_str(q, "help") || json_object_get(q, "min") || json_object_get(q, "max") ||
		    json_object_get(q, "max_length") ? " err-" : "err-");
		html_attr(b, code);
	}
	html_raw(b, "\"");
	if (err)
		html_raw(b, " aria-invalid=\"true\"");
}

static void
help_and_error(struct buf *b, json_t *q, json_t *err)
{
	const char *code = view_str(q, "code"), *type = view_str(q, "type");
	json_t *min = json_object_get(q, "min"), *max = json_object_get(q, "max");

	if (*view_str(q, "help") || min || max || json_object_get(q, "max_length")) {
		html_raw(b, "<p class=\"help\" id=\"help-");
		html_attr(b, code);
		html_raw(b, "\">");
		html_text(b, view_str(q, "help"));
		if (min || max) {
			struct buf lo = BUF_INIT, hi = BUF_INIT;
			int whole = strcmp(type, "integer") == 0;

			html_raw(b, *view_str(q, "help") ? " " : "");
			if (min)
				view_number(&lo, json_number_value(min));
			if (max)
				view_number(&hi, json_number_value(max));
			if (min && max)
				ltext(b, whole ? _("A whole number from {1} to {2}.") : _("A number from {1} to {2}."), 3,
				    lo.data, hi.data, NULL, NULL);
			else if (min)
				ltext(b, whole ? _("A whole number of at least {1}.") : _("A number of at least {1}."), 1,
				    lo.data, NULL, NULL, NULL);
			else
				ltext(b, whole ? _("A whole number of at most {1}.") : _("A number of at most {1}."), 1,
				    hi.data, NULL, NULL, NULL);
			buf_free(&lo);
			buf_free(&hi);
		} else if (json_object_get(q, "max_length")) {
			char n[32];

			snprintf(n, sizeof(n), "%lld", (long long)json_integer_value(json_object_get(q, "max_length")));
			html_raw(b, *view_str(q, "help") ? " " : "");
			ltext(b, _("At most {1} characters."), 0, n, NULL, NULL, NULL);
		}
		html_raw(b, "</p>");
	}
	/* Always there, empty when fine: answers.js writes its messages into it. */
	html_raw(b, "<p class=\"field-error\" id=\"err-");
	html_attr(b, code);
	html_raw(b, "\"");
	if (!err)
		html_raw(b, " hidden");
	html_raw(b, ">");
	if (err) {
		html_raw(b, "<span class=\"visually-hidden\">");
		html_text(b, _("Error: "));
		html_raw(b, "</span>");
		upload_msg_html(b, err, NULL);
	}
	html_raw(b, "</p>");
}

static int
chosen(json_t *v, const char *option)
{
	json_t *o;
	size_t i;

	if (json_is_string(v))
		return strcmp(json_string_value(v), option) == 0;
	json_array_foreach(v, i, o)
		if (json_is_string(o) && strcmp(json_string_value(o), option) == 0)
			return 1;
	return 0;
}

/* One radio or checkbox with its label (and the option's description, when the survey gives one). */
static void
choice(struct buf *b, const char *kind, const char *code, const char *id_suffix, int first,
    const char *value, const char *label, const char *description, int checked)
{
	html_raw(b, "<div class=\"choice\"><input type=\"");
	html_raw(b, kind);
	html_raw(b, "\" id=\"q-");
	html_attr(b, code);
	if (!first) {
		html_raw(b, "-");
		html_attr(b, id_suffix);
	}
	html_raw(b, "\" name=\"");
	field_name(b, code);
	html_raw(b, "\" value=\"");
	html_attr(b, value);
	html_raw(b, checked ? "\" checked>" : "\">");
	html_raw(b, "<label for=\"q-");
	html_attr(b, code);
	if (!first) {
		html_raw(b, "-");
		html_attr(b, id_suffix);
	}
	html_raw(b, "\">");
	html_text(b, label);
	if (description && *description) {
		html_raw(b, " <span class=\"description\">");
		html_text(b, description);
		html_raw(b, "</span>");
	}
	html_raw(b, "</label></div>");
}

static void
question(struct buf *b, json_t *q, json_t *v, json_t *err)
{
	const char *code = view_str(q, "code"), *type = view_str(q, "type");
	json_t *o;
	size_t i;

	html_raw(b, err ? "<div class=\"question has-error\">" : "<div class=\"question\">");
	if (!strcmp(type, "bool") || !strcmp(type, "single") || !strcmp(type, "multi")) {
		int multi = strcmp(type, "multi") == 0, any = 0;
		html_raw(b, "<fieldset");
		described_by(b, q, err);
		html_raw(b, "><legend>");
		html_text(b, view_str(q, "text"));
		html_raw(b, "</legend>");
		help_and_error(b, q, err);
		if (!strcmp(type, "bool")) {
			choice(b, "radio", code, "yes", 1, "yes", _("Yes"), NULL, json_is_true(v));
			choice(b, "radio", code, "no", 0, "no", _("No"), NULL, json_is_false(v));
			choice(b, "radio", code, "none", 0, "", _("No answer"), NULL, !json_is_boolean(v));
		} else {
			if (multi) {
				/* says that the question was on the form, also with nothing ticked */
				html_raw(b, "<input type=\"hidden\" name=\"");
				field_name(b, code);
				html_raw(b, "\" value=\"\">");
			}
			json_array_foreach(json_object_get(q, "options"), i, o) {
				int c = chosen(v, view_str(o, "code"));
				any |= c;
				choice(b, multi ? "checkbox" : "radio", code, view_str(o, "code"), i == 0, view_str(o, "code"),
				    view_str(o, "label"), view_str(o, "help"), c);
			}
			if (!multi)
				choice(b, "radio", code, "none", 0, "", _("No answer"), NULL, !any);
		}
		html_raw(b, "</fieldset>");
	} else {
		int text = strcmp(type, "text") == 0;
		html_raw(b, "<label for=\"q-");
		html_attr(b, code);
		html_raw(b, "\">");
		html_text(b, view_str(q, "text"));
		html_raw(b, "</label>");
		help_and_error(b, q, err);
		if (text) {
			long long max = json_integer_value(json_object_get(q, "max_length"));
			html_raw(b, "<textarea id=\"q-");
			html_attr(b, code);
			html_raw(b, "\" name=\"");
			field_name(b, code);
			buf_printf(b, "\" rows=\"%d\"", max > 0 && max <= 200 ? 1 : 4);
			if (max > 0)
				buf_printf(b, " maxlength=\"%lld\"", max);
			described_by(b, q, err);
			html_raw(b, ">");
			html_text(b, json_is_string(v) ? json_string_value(v) : "");
			html_raw(b, "</textarea>");
		} else {
			json_t *min = json_object_get(q, "min"), *max = json_object_get(q, "max");
			html_raw(b, "<input id=\"q-");
			html_attr(b, code);
			html_raw(b, "\" name=\"");
			field_name(b, code);
			if (!strcmp(type, "integer") || !strcmp(type, "number")) {
				html_raw(b, "\" type=\"number\" inputmode=\"");
				html_raw(b, !strcmp(type, "integer") ? "numeric\" step=\"1\"" : "decimal\" step=\"any\"");
				if (min) {
					html_raw(b, " min=\"");
					view_number(b, json_number_value(min));
					html_raw(b, "\"");
				}
				if (max) {
					html_raw(b, " max=\"");
					view_number(b, json_number_value(max));
					html_raw(b, "\"");
				}
			} else if (!strcmp(type, "url")) {
				html_raw(b, "\" type=\"url\" maxlength=\"2000\"");
			} else {
				html_raw(b, "\" type=\"text\"");
			}
			described_by(b, q, err);
			html_raw(b, " value=\"");
			if (json_is_number(v))
				view_number(b, json_number_value(v));
			else if (json_is_string(v))
				html_attr(b, json_string_value(v));
			html_raw(b, "\">");
		}
	}
	html_raw(b, "</div>\n");
}

/* The page with the form: notice (may be NULL), the error summary, the sections. */
/* The pages' title and heading: the wave's questionnaire and the city. */
static void
answer_title(char *title, size_t n, const struct form *f)
{
	struct buf t = BUF_INIT;
	const char *tmpl = _("{1}: answer the {2} questionnaire");
	const char *p;

	/* plain text (page_begin escapes it): the template's two values put in place */
	for (p = tmpl; *p; p++) {
		if (p[0] == '{' && (p[1] == '1' || p[1] == '2') && p[2] == '}') {
			buf_puts(&t, p[1] == '1' ? f->name : f->wave);
			p += 2;
		} else {
			buf_putc(&t, *p);
		}
	}
	snprintf(title, n, "%s", t.data ? t.data : "");
	buf_free(&t);
}

static void
answer_h1(struct buf *b, const struct form *f)
{
	html_raw(b, "<h1>");
	ltext(b, _("Answer the {1} questionnaire"), 0, f->wave, NULL, NULL, NULL);
	html_raw(b, " <span class=\"subtitle\">");
	html_text(b, f->name);
	html_raw(b, "</span></h1>\n");
}

static void
form_page(struct request *r, struct form *f, const struct session *s, const char *notice, int status)
{
	struct buf *b = &r->out;
	json_t *q, *m;
	const char *code;
	char title[320];
	size_t i, j, nerr = json_object_size(f->errors) + json_array_size(f->general);

	answer_title(title, sizeof(title), f);
	page_begin(r, nerr ? _("Answers not stored") : title);
	r->status = status;
	answer_h1(b, f);
	if (notice) {
		html_raw(b, "<p class=\"notice\" role=\"status\">");
		html_raw(b, notice);
		html_raw(b, " <a href=\"/cities/");
		url_encode(b, f->slug);
		html_raw(b, "?survey=");
		url_encode(b, f->wave);
		html_raw(b, "\">");
		html_text(b, _("See the profile"));
		html_raw(b, "</a>.</p>\n");
	}
	if (nerr) {
		char n[32];

		snprintf(n, sizeof(n), "%zu", nerr);
		html_raw(b, "<div class=\"error-summary\" role=\"alert\" tabindex=\"-1\" id=\"errors\"><h2>");
		ltext(b, P_("Nothing was stored: {1} answer to fix", "Nothing was stored: {1} answers to fix", nerr), 0,
		    n, NULL, NULL, NULL);
		html_raw(b, "</h2>\n<ul>\n");
		json_array_foreach(f->general, i, m) {
			html_raw(b, "<li>");
			upload_msg_html(b, m, NULL);
			html_raw(b, "</li>\n");
		}
		/* In the questionnaire's order. */
		json_array_foreach(f->questions, i, q) {
			json_t *e = json_object_get(f->errors, view_str(q, "code"));
			if (!e)
				continue;
			html_raw(b, "<li><a href=\"#q-");
			html_attr(b, view_str(q, "code"));
			html_raw(b, "\">");
			html_text(b, view_str(q, "text"));
			html_raw(b, "</a>");
			html_text(b, _(": "));
			upload_msg_html(b, e, NULL);
			html_raw(b, "</li>\n");
		}
		html_raw(b, "</ul></div>\n");
	}
	{
		struct buf a = BUF_INIT;

		html_raw(&a, "<a href=\"/cities/");
		url_encode(&a, f->slug);
		html_raw(&a, "/submissions\">");
		html_text(&a, _("the versions page"));
		html_raw(&a, "</a>");
		html_raw(b, "<p>");
		/* TRANSLATORS: {1} the link "the versions page", {2} who is signed in; keep <strong> */
		ltext(b, _("Your answers are stored as a new version when you save; earlier versions stay readable "
		    "and can be restored from {1}. Signed in for <strong>{2}</strong>."), 1, a.data, s->tok.name,
		    NULL, NULL);
		html_raw(b, "</p>\n");
		buf_free(&a);
	}

	html_raw(b, "<form class=\"answers\" method=\"post\" novalidate action=\"/cities/");
	url_encode(b, f->slug);
	html_raw(b, "/answers?survey=");
	url_encode(b, f->wave);
	html_raw(b, "\">\n");
	session_csrf_field(b, s);
	/* Sections in the order the questionnaire gives them. */
	{
		json_t *seen = json_object();
		json_array_foreach(f->questions, i, q) {
			const char *sec = view_str(q, "section");
			if (json_object_get(seen, sec))
				continue;
			json_object_set_new(seen, sec, json_true());
			html_raw(b, "<section class=\"qsection\" aria-labelledby=\"s-");
			html_attr(b, sec);
			html_raw(b, "\"><h2 id=\"s-");
			html_attr(b, sec);
			html_raw(b, "\">");
			html_text(b, survey_section_title(sec));
			html_raw(b, "</h2>\n");
			for (j = i; j < json_array_size(f->questions); j++) {
				json_t *qq = json_array_get(f->questions, j);
				if (strcmp(view_str(qq, "section"), sec) != 0)
					continue;
				code = view_str(qq, "code");
				question(b, qq, json_object_get(f->values, code),
				    json_object_get(f->errors, code));
			}
			html_raw(b, "</section>\n");
		}
		json_decref(seen);
	}
	html_raw(b, "<div class=\"actions\"><button type=\"submit\">");
	html_text(b, _("Save answers"));
	html_raw(b, "</button></div>\n</form>\n<script src=\"/static/answers.js\" defer></script>\n");
	page_end(r);
}

/* The page for someone who may not use the form: not signed in (how to), or another city's partner. */
static void
not_yours_page(struct request *r, struct form *f, const struct session *s)
{
	struct buf *b = &r->out;
	char title[320];

	answer_title(title, sizeof(title), f);
	page_begin(r, title);
	answer_h1(b, f);
	if (s == NULL) {
		html_raw(b, "<p>");
		html_text(b, _("This is where the city's partner answers the questionnaire in the browser."));
		html_raw(b, " <a href=\"/signin?next=");
		{
			struct buf next = BUF_INIT;
			buf_puts(&next, "/cities/");
			buf_puts(&next, f->slug);
			buf_puts(&next, "/answers?survey=");
			buf_puts(&next, f->wave);
			url_encode(b, next.data);
			buf_free(&next);
		}
		html_raw(b, "\">");
		html_text(b, _("Sign in with your city's token"));
		html_raw(b, "</a> ");
		html_text(b, _("to answer."));
		html_raw(b, "</p>\n");
	} else {
		r->status = 403;
		html_raw(b, "<p class=\"error\" role=\"alert\">");
		ltext(b, _("You are signed in for {1}; only the partner of {2} answers for it."), 0, s->tok.name,
		    f->name, NULL, NULL);
		if (s->tok.partner) {
			html_raw(b, " <a href=\"/cities/");
			url_encode(b, s->tok.city);
			html_raw(b, "/answers?survey=");
			url_encode(b, f->wave);
			html_raw(b, "\">");
			html_text(b, _("Answer for your own city"));
			html_raw(b, "</a>.");
		}
		html_raw(b, "</p>\n");
	}
	{
		struct buf a = BUF_INIT;

		html_raw(&a, "<a href=\"/surveys/");
		url_encode(&a, f->wave);
		html_raw(&a, "\">");
		html_text(&a, _("the questionnaire's page"));
		html_raw(&a, "</a>");
		html_raw(b, "<p>");
		/* TRANSLATORS: {1} the link "the questionnaire's page" */
		ltext(b, _("The questions are on {1}."), 1, a.data, NULL, NULL, NULL);
		html_raw(b, "</p>\n");
		buf_free(&a);
	}
	page_end(r);
}

static int
mine(const struct session *s, const struct form *f)
{
	return s->tok.partner && strcmp(s->tok.city, f->slug) == 0;
}

int
answers_get(struct request *r)
{
	struct form f;
	struct session s;
	const char *msg;
	int st;

	if (load(r, &f) == -1) {
		form_free(&f);
		return -1;
	}
	st = session_cookie_present(r) ? session_get(r, &s, &msg) : 401;
	if (st == 503) {
		form_free(&f);
		return reply_error(r, 503, msg, NULL);
	}
	if (st != 0 || !mine(&s, &f)) {
		not_yours_page(r, &f, st == 0 ? &s : NULL);
		if (st != 0 && session_cookie_present(r))
			session_clear_cookie(r);
		form_free(&f);
		return 0;
	}
	if (current_values(r, &f) == -1) {
		form_free(&f);
		return -1;
	}
	form_page(r, &f, &s, NULL, 200);
	form_free(&f);
	return 0;
}

/* One field's text as the JSON upload's value: null when empty; numbers when they read as numbers;
 * otherwise the text itself, which the upload's checks then refuse with their own message. */
static json_t *
typed(const char *type, const char *s)
{
	const char *p = s;
	char *end;
	double d;

	while (isspace((unsigned char)*p))
		p++;
	if (*p == '\0')
		return json_null();
	if (!strcmp(type, "bool")) {
		if (!strcmp(s, "yes"))
			return json_true();
		if (!strcmp(s, "no"))
			return json_false();
		return json_string(s);
	}
	if (!strcmp(type, "integer") || !strcmp(type, "number")) {
		size_t n = strlen(p);
		char *t = strndup(p, n);
		json_t *v;
		if (t == NULL)
			return NULL;
		while (n > 0 && isspace((unsigned char)t[n - 1]))
			t[--n] = '\0';
		d = strtod(t, &end);
		if (*end || end == t || !isfinite(d) || strpbrk(t, "xXnN") != NULL)
			v = json_string(s);
		else if (!strcmp(type, "integer") && d == floor(d) && fabs(d) < 9e15)
			v = json_integer((json_int_t)d);
		else
			v = json_real(d);
		free(t);
		return v;
	}
	if (!strcmp(type, "text")) {
		/* Browsers send a textarea's line breaks as CRLF; the limit counts characters as typed. */
		size_t i, o = 0, n = strlen(s);
		char *t = malloc(n + 1);
		json_t *v;
		if (t == NULL)
			return NULL;
		for (i = 0; i < n; i++)
			if (!(s[i] == '\r' && s[i + 1] == '\n'))
				t[o++] = s[i];
		t[o] = '\0';
		v = json_string(t);
		free(t);
		return v;
	}
	return json_string(s);
}

/* The form as the upload's answers: {CODE: value} for the questions the POST names; what to show in
 * the fields goes to f->values. */
static json_t *
posted_answers(const struct query *form, struct form *f)
{
	json_t *answers = json_object(), *q;
	const char *vals[MAX_CHOICES];
	char key[128];
	size_t i, n, k;

	json_array_foreach(f->questions, i, q) {
		const char *code = view_str(q, "code"), *type = view_str(q, "type");
		json_t *v;

		snprintf(key, sizeof(key), FIELD_PREFIX "%s", code);
		if ((n = query_getv(form, key, vals, MAX_CHOICES)) == 0)
			continue;
		if (!strcmp(type, "multi")) {
			v = json_array();
			for (k = 0; k < n; k++)
				if (*vals[k])
					json_array_append_new(v, json_string(vals[k]));
			if (json_array_size(v) == 0) {
				json_decref(v);
				v = json_null();
			}
		} else {
			v = typed(type, vals[0]);
		}
		if (v == NULL)
			continue;
		json_object_set(f->values, code, v);
		json_object_set_new(answers, code, v);
	}
	return answers;
}

int
answers_post(struct request *r)
{
	struct upload_outcome o;
	struct query form = { 0 };
	struct form f;
	struct session s;
	json_t *answers = NULL, *doc = NULL, *d;
	const char *msg;
	char *err = NULL, *body = NULL;
	size_t i;
	int st, rc = -1;

	memset(&o, 0, sizeof(o));
	if (load(r, &f) == -1)
		goto out;
	/* The contract's order: 401, 415, 400, 403 … */
	if ((st = session_get(r, &s, &msg)) != 0) {
		reply_error(r, st, msg, NULL);
		if (st == 401 && session_cookie_present(r))
			session_clear_cookie(r);
		goto out;
	}
	if (!http_media_is(r->content_type, "application/x-www-form-urlencoded")) {
		reply_error(r, 415, "send the form as application/x-www-form-urlencoded", NULL);
		goto out;
	}
	if (r->body_short) {
		reply_error(r, 400, "the body is shorter than its Content-Length", NULL);
		goto out;
	}
	if (query_parse(r->body, &form, &err) == -1) {
		reply_errorf(r, 400, "the form could not be read: %s", err ? err : "malformed");
		goto out;
	}
	if (!session_csrf_ok(&s, query_get(&form, SESSION_CSRF_FIELD))) {
		reply_error(r, 403, "this form did not come from your session's page (its CSRF token is missing or "
		    "wrong): reload the page and try again", NULL);
		goto out;
	}
	if (!mine(&s, &f)) {
		/* the upload says the same; said here before the answers are read */
		char m[300];
		snprintf(m, sizeof(m), "you are signed in for %s, which writes %s only, not %s", s.tok.name,
		    s.tok.partner ? s.tok.city : "no city", f.slug);
		reply_error(r, 403, m, NULL);
		goto out;
	}
	answers = posted_answers(&form, &f);
	doc = json_pack("{s:s, s:s, s:O}", "city", f.slug, "survey", f.wave, "answers", answers);
	if (json_object_size(answers) == 0) {
		json_array_append_new(f.general, json_pack("{s:s}", "message",
		    N_("the form named no question: nothing to store")));
		form_page(r, &f, &s, NULL, 400);
		rc = 0;
		goto out;
	}
	if (doc == NULL || (body = json_dumps(doc, JSON_COMPACT)) == NULL) {
		reply_error(r, 503, "out of memory", NULL);
		goto out;
	}
	r->signed_in = &s.tok;
	upload_run(r, NULL, 0, "application/json", body, strlen(body), 0, 0, &o);
	r->signed_in = NULL;
	if (o.status == 201 || o.status == 200) {
		json_t *sub = json_array_get(o.submissions, 0);
		long long version = (long long)json_integer_value(json_object_get(sub, "version"));
		long long changed = (long long)json_integer_value(json_object_get(sub, "changed"));
		char v[32], c[32];
		struct buf nb = BUF_INIT;

		snprintf(v, sizeof(v), "%lld", version);
		snprintf(c, sizeof(c), "%lld", changed);
		if (o.status == 201)
			ltext(&nb, P_("Your answers are stored as version {1} ({2} answer changed).",
			    "Your answers are stored as version {1} ({2} answers changed).", (unsigned long)changed), 0,
			    v, c, NULL, NULL);
		else
			ltext(&nb, _("Nothing changed: these are the answers of version {1} already, so no new version "
			    "was made."), 0, v, NULL, NULL, NULL);
		form_page(r, &f, &s, nb.data ? nb.data : "", o.status);
		buf_free(&nb);
		rc = 0;
		goto out;
	}
	if (o.status != 422 && o.status != 409) {
		d = o.details;
		o.details = NULL;
		reply_error(r, o.status, o.message, d);
		if (o.status == 429) {
			char ra[16];
			snprintf(ra, sizeof(ra), "%d", o.retry_after > 0 ? o.retry_after : 1);
			http_header(r, "Retry-After", ra);
		}
		goto out;
	}
	/* Each problem next to its field ("answers.CODE"); the rest at the top. */
	json_array_foreach(o.details, i, d) {
		const char *col = json_string_value(json_object_get(d, "column"));
		const char *m = json_string_value(json_object_get(d, "message"));
		if (col && strncmp(col, "answers.", 8) == 0 && json_object_get(answers, col + 8) &&
		    !json_object_get(f.errors, col + 8))
			json_object_set_new(f.errors, col + 8, m ? json_incref(d) :
			    json_pack("{s:s}", "message", N_("not accepted")));
		else
			json_array_append_new(f.general, m ? json_incref(d) : json_pack("{s:s}", "message", o.message));
	}
	if (json_object_size(f.errors) == 0 && json_array_size(f.general) == 0)
		json_array_append_new(f.general, o.summary ? json_incref(o.summary) :
		    json_pack("{s:s}", "message", o.message));
	form_page(r, &f, &s, NULL, o.status);
	rc = 0;
out:
	upload_outcome_free(&o);
	free(err);
	free(body);
	json_decref(doc);
	json_decref(answers);
	query_free(&form);
	form_free(&f);
	return rc;
}
