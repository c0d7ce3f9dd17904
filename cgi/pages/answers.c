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
#include "page.h"
#include "query.h"
#include "reply.h"
#include "routes.h"
#include "session.h"
#include "survey.h"
#include "upload.h"
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
	json_t *errors;			/* code -> message */
	json_t *general;		/* [message] not tied to a field */
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
described_by(struct buf *b, json_t *q, const char *err)
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
help_and_error(struct buf *b, json_t *q, const char *err)
{
	const char *code = view_str(q, "code"), *type = view_str(q, "type");
	json_t *min = json_object_get(q, "min"), *max = json_object_get(q, "max");

	if (*view_str(q, "help") || min || max || json_object_get(q, "max_length")) {
		html_raw(b, "<p class=\"help\" id=\"help-");
		html_attr(b, code);
		html_raw(b, "\">");
		html_text(b, view_str(q, "help"));
		if (min || max) {
			html_raw(b, *view_str(q, "help") ? " " : "");
			html_raw(b, strcmp(type, "integer") == 0 ? "A whole number" : "A number");
			if (min && max) {
				html_raw(b, " from ");
				view_number(b, json_number_value(min));
				html_raw(b, " to ");
				view_number(b, json_number_value(max));
			} else if (min) {
				html_raw(b, " of at least ");
				view_number(b, json_number_value(min));
			} else {
				html_raw(b, " of at most ");
				view_number(b, json_number_value(max));
			}
			html_raw(b, ".");
		} else if (json_object_get(q, "max_length")) {
			buf_printf(b, "%sAt most %lld characters.", *view_str(q, "help") ? " " : "",
			    (long long)json_integer_value(json_object_get(q, "max_length")));
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
		html_raw(b, "<span class=\"visually-hidden\">Error: </span>");
		html_text(b, err);
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
question(struct buf *b, json_t *q, json_t *v, const char *err)
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
			choice(b, "radio", code, "yes", 1, "yes", "Yes", NULL, json_is_true(v));
			choice(b, "radio", code, "no", 0, "no", "No", NULL, json_is_false(v));
			choice(b, "radio", code, "none", 0, "", "No answer", NULL, !json_is_boolean(v));
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
				choice(b, "radio", code, "none", 0, "", "No answer", NULL, !any);
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
static void
form_page(struct request *r, struct form *f, const struct session *s, const char *notice, int status)
{
	struct buf *b = &r->out;
	json_t *q, *m;
	const char *code;
	char title[320];
	size_t i, j, nerr = json_object_size(f->errors) + json_array_size(f->general);

	snprintf(title, sizeof(title), "%s: answer the %s questionnaire", f->name, f->wave);
	page_begin(r, nerr ? "Answers not stored" : title);
	r->status = status;
	html_raw(b, "<h1>Answer the ");
	html_text(b, f->wave);
	html_raw(b, " questionnaire <span class=\"subtitle\">");
	html_text(b, f->name);
	html_raw(b, "</span></h1>\n");
	if (notice) {
		html_raw(b, "<p class=\"notice\" role=\"status\">");
		html_text(b, notice);
		html_raw(b, " <a href=\"/cities/");
		url_encode(b, f->slug);
		html_raw(b, "?survey=");
		url_encode(b, f->wave);
		html_raw(b, "\">See the profile</a>.</p>\n");
	}
	if (nerr) {
		buf_printf(b, "<div class=\"error-summary\" role=\"alert\" tabindex=\"-1\" id=\"errors\"><h2>"
		    "Nothing was stored: %zu %s to fix</h2>\n<ul>\n", nerr, nerr == 1 ? "answer" : "answers");
		json_array_foreach(f->general, i, m) {
			html_raw(b, "<li>");
			html_text(b, json_string_value(m));
			html_raw(b, "</li>\n");
		}
		/* In the questionnaire's order. */
		json_array_foreach(f->questions, i, q) {
			const char *e = json_string_value(json_object_get(f->errors, view_str(q, "code")));
			if (!e)
				continue;
			html_raw(b, "<li><a href=\"#q-");
			html_attr(b, view_str(q, "code"));
			html_raw(b, "\">");
			html_text(b, view_str(q, "text"));
			html_raw(b, "</a>: ");
			html_text(b, e);
			html_raw(b, "</li>\n");
		}
		html_raw(b, "</ul></div>\n");
	}
	html_raw(b, "<p>Your answers are stored as a new version when you save; earlier versions stay "
	    "readable and can be restored from <a href=\"/cities/");
	url_encode(b, f->slug);
	html_raw(b, "/submissions\">the versions page</a>. Signed in for <strong>");
	html_text(b, s->tok.name);
	html_raw(b, "</strong>.</p>\n");

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
				    json_string_value(json_object_get(f->errors, code)));
			}
			html_raw(b, "</section>\n");
		}
		json_decref(seen);
	}
	html_raw(b, "<div class=\"actions\"><button type=\"submit\">Save answers</button></div>\n</form>\n"
	    "<script src=\"/static/answers.js\" defer></script>\n");
	page_end(r);
}

/* The page for someone who may not use the form: not signed in (how to), or another city's partner. */
static void
not_yours_page(struct request *r, struct form *f, const struct session *s)
{
	struct buf *b = &r->out;
	char title[320];

	snprintf(title, sizeof(title), "%s: answer the %s questionnaire", f->name, f->wave);
	page_begin(r, title);
	html_raw(b, "<h1>Answer the ");
	html_text(b, f->wave);
	html_raw(b, " questionnaire <span class=\"subtitle\">");
	html_text(b, f->name);
	html_raw(b, "</span></h1>\n");
	if (s == NULL) {
		html_raw(b, "<p>This is where the city's partner answers the questionnaire in the browser. "
		    "<a href=\"/signin?next=");
		{
			struct buf next = BUF_INIT;
			buf_puts(&next, "/cities/");
			buf_puts(&next, f->slug);
			buf_puts(&next, "/answers?survey=");
			buf_puts(&next, f->wave);
			url_encode(b, next.data);
			buf_free(&next);
		}
		html_raw(b, "\">Sign in with your city's token</a> to answer.</p>\n");
	} else {
		r->status = 403;
		html_raw(b, "<p class=\"error\" role=\"alert\">You are signed in for ");
		html_text(b, s->tok.name);
		html_raw(b, "; only the partner of ");
		html_text(b, f->name);
		html_raw(b, " answers for it.");
		if (s->tok.partner) {
			html_raw(b, " <a href=\"/cities/");
			url_encode(b, s->tok.city);
			html_raw(b, "/answers?survey=");
			url_encode(b, f->wave);
			html_raw(b, "\">Answer for your own city</a>.");
		}
		html_raw(b, "</p>\n");
	}
	html_raw(b, "<p>The questions are on <a href=\"/surveys/");
	url_encode(b, f->wave);
	html_raw(b, "\">the questionnaire's page</a>.</p>\n");
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
	char *err = NULL, *body = NULL, notice[300];
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
		json_array_append_new(f.general, json_string("the form named no question: nothing to store"));
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
		if (o.status == 201)
			snprintf(notice, sizeof(notice), "Your answers are stored as version %lld (%lld %s changed).",
			    version, changed, changed == 1 ? "answer" : "answers");
		else
			snprintf(notice, sizeof(notice), "Nothing changed: these are the answers of version %lld "
			    "already, so no new version was made.", version);
		form_page(r, &f, &s, notice, o.status);
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
			json_object_set_new(f.errors, col + 8, json_string(m ? m : "not accepted"));
		else
			json_array_append_new(f.general, json_string(m ? m : o.message));
	}
	if (json_object_size(f.errors) == 0 && json_array_size(f.general) == 0)
		json_array_append_new(f.general, json_string(o.message));
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
