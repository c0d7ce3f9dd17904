/* upload.c: partners' uploads: POST /api/submissions (CSV or JSON) and the /upload form.  Checked in the
 * contract's order, stored all or nothing as new versions, audited, visible to every worker before the
 * answer leaves. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app.h"
#include "auth.h"
#include "html.h"
#include "ingest.h"
#include "multipart.h"
#include "page.h"
#include "query.h"
#include "ratelimit.h"
#include "routes.h"
#include "session.h"
#include "store.h"
#include "upload.h"
#include "view.h"

#define WRITE_RATE 2.0		/* uploads per second per token, sustained */
#define WRITE_BURST 120.0	/* a city's batch of uploads at once */

void
audit_write(struct request *r, const char *actor, int token_id, const char *action, const char *city,
    const char *survey, int accepted, int status, json_t *detail)
{
	char tid[16], st[16], *d = detail ? json_dumps(detail, JSON_COMPACT) : NULL;
	const char *p[9];
	PGresult *res;

	snprintf(tid, sizeof(tid), "%d", token_id);
	snprintf(st, sizeof(st), "%d", status);
	p[0] = actor;
	p[1] = token_id > 0 ? tid : NULL;
	p[2] = action;
	p[3] = city;
	p[4] = survey;
	p[5] = accepted ? "true" : "false";
	p[6] = st;
	p[7] = d ? d : "{}";
	p[8] = r->request_id;
	res = db_query(app_writer(r->app), Q_AUDIT, 9, p);
	if (!db_ok(res))
		fprintf(stderr, "citybench: request %s: audit not written: %s", r->request_id,
		    res ? PQresultErrorMessage(res) : "database unreachable\n");
	PQclear(res);
	free(d);
}

void
upload_outcome_free(struct upload_outcome *o)
{
	json_decref(o->details);
	json_decref(o->submissions);
	o->details = o->submissions = NULL;
}

static int
media_is(const char *ctype, const char *want)
{
	size_t n = strlen(want);

	if (ctype == NULL)
		return 0;
	while (*ctype == ' ')
		ctype++;
	return strncasecmp(ctype, want, n) == 0 && (ctype[n] == '\0' || ctype[n] == ';' || ctype[n] == ' ');
}

static void
fail(struct upload_outcome *o, int status, const char *msg, json_t *details)
{
	o->status = status;
	snprintf(o->message, sizeof(o->message), "%s", msg);
	json_decref(o->details);
	o->details = details ? json_incref(details) : json_array();
}

void
upload_run(struct request *r, const char *auth, int bearer, const char *ctype, const char *data, size_t len,
    int short_body, int dry_run, struct upload_outcome *o)
{
	struct db *w = app_writer(r->app);
	struct token tok;
	struct ingest in;
	struct catalog *cat = NULL;
	struct stored *stored = NULL;
	const char *msg, *cities[64];
	const char *actor = "anonymous";
	char *err = NULL;
	enum ingest_format fmt;
	json_t *audit = NULL;
	size_t i, n;
	int st;

	memset(o, 0, sizeof(*o));
	ingest_init(&in, INGEST_CSV);
	/* Tokens, the catalog, the versions and the audit: all on the primary (a token or a city made a
	 * moment ago may not have reached a replica yet). */
	/* A signed-in session's form acts as the session's token (checked by the caller). */
	if (r->signed_in) {
		tok = *r->signed_in;
		st = 0;
	} else {
		st = auth_check(w, auth, bearer, &tok, &msg);
	}
	if (st != 0) {
		fail(o, st, msg, NULL);
		goto refused;
	}
	actor = tok.name;
	if (!rate_take(r->app->shm, tok.id, WRITE_RATE, WRITE_BURST, &o->retry_after)) {
		fail(o, 429, "too many uploads with this token: slow down and retry", NULL);
		goto refused;
	}
	if (media_is(ctype, "text/csv"))
		fmt = INGEST_CSV;
	else if (media_is(ctype, "application/json"))
		fmt = INGEST_JSON;
	else {
		fail(o, 415, "send text/csv or application/json", NULL);
		goto refused;
	}
	if (short_body) {
		fail(o, 400, "the body is shorter than its Content-Length", NULL);
		goto refused;
	}
	in.format = fmt;
	if (ingest_parse(&in, data, len) == -1) {
		fail(o, 400, in.message, in.details);
		goto refused;
	}
	if (!tok.partner) {
		fail(o, 403, "a researcher token cannot upload answers: use the city's partner token", NULL);
		goto refused;
	}
	n = ingest_cities(&in, cities, sizeof(cities) / sizeof(cities[0]));
	for (i = 0; i < n; i++) {
		if (strcmp(cities[i], tok.city) != 0) {
			char m[200];
			snprintf(m, sizeof(m), "this token writes %s only, not %.64s", tok.city, cities[i]);
			fail(o, 403, m, NULL);
			goto refused;
		}
	}
	if ((cat = catalog_load(w, &err)) == NULL) {
		fail(o, 503, "the database is unreachable; nothing was stored", NULL);
		goto refused;
	}
	if (ingest_validate(&in, cat) == -1) {
		fail(o, 422, in.message, in.details);
		goto refused;
	}
	if ((stored = calloc(in.nsets, sizeof(*stored))) == NULL) {
		fail(o, 503, "out of memory; nothing was stored", NULL);
		goto refused;
	}
	if (!dry_run && store_begin(w) == -1) {
		fail(o, 503, "the database is unreachable; nothing was stored", NULL);
		goto refused;
	}
	if (store_sets(w, cat, in.sets, in.nsets, tok.name, tok.id, "upload", dry_run, stored,
	    &o->data_version, NULL, stderr, &err) == -1) {
		fprintf(stderr, "citybench: request %s: upload not stored: %s", r->request_id, err ? err : "?\n");
		store_rollback(w);
		fail(o, 503, "the database could not store the upload; nothing was stored", NULL);
		goto refused;
	}
	o->submissions = json_array();
	for (i = 0; i < in.nsets; i++) {
		json_t *s = json_pack("{s:s, s:s, s:i, s:i}", "city", in.sets[i].city, "survey", in.sets[i].survey,
		    "version", stored[i].version, "changed", stored[i].changed);
		if (!dry_run)
			json_object_set_new(s, "id", json_integer(stored[i].id));
		json_array_append_new(o->submissions, s);
	}
	if (!dry_run) {
		/* The audit row commits with the versions: both or neither. */
		audit = json_pack("{s:O}", "submissions", o->submissions);
		audit_write(r, actor, tok.id, "upload", tok.city, in.nsets ? in.sets[0].survey : NULL, 1, 201,
		    audit);
		json_decref(audit);
		if (store_commit(w) == -1) {
			store_rollback(w);
			json_decref(o->submissions);
			o->submissions = NULL;
			fail(o, 503, "the database could not commit the upload; nothing was stored", NULL);
			goto refused;
		}
		/* Read-your-writes: every worker sees the new version before the 201 leaves. */
		app_publish_version(r->app, o->data_version);
		/* Nothing changed anywhere: no version was made. */
		o->status = o->data_version ? 201 : 200;
	} else {
		o->status = 200;
		audit_write(r, actor, tok.id, "upload (dry run)", tok.city, NULL, 1, 200, NULL);
	}
	goto out;
refused:
	audit = json_pack("{s:s, s:i}", "message", o->message, "problems", (int)json_array_size(o->details));
	audit_write(r, actor, tok.id, dry_run ? "upload (dry run)" : "upload", tok.id ? tok.city : NULL, NULL, 0,
	    o->status, audit);
	json_decref(audit);
out:
	free(stored);
	free(err);
	catalog_free(cat);
	ingest_free(&in);
}

static int
truthy(const char *s)
{
	return s && (!strcmp(s, "1") || !strcasecmp(s, "true") || !strcasecmp(s, "yes") || !strcasecmp(s, "on"));
}

int
api_submissions_post(struct request *r)
{
	struct upload_outcome o;
	json_t *err;
	char ra[16];

	int dry = truthy(query_get(&r->query, "dry_run"));

	upload_run(r, r->authorization, 1, r->content_type, r->body, r->body_len, r->body_short, dry, &o);
	if (o.status == 201 || o.status == 200) {
		json_t *v = dry ?
		    json_pack("{s:b, s:O}", "dry_run", 1, "submissions", o.submissions) :
		    json_pack("{s:O, s:I}", "submissions", o.submissions, "data_version",
			(json_int_t)o.data_version);
		http_json(r, o.status, v);
		upload_outcome_free(&o);
		return 0;
	}
	err = o.details;
	o.details = NULL;
	http_error(r, o.status, o.message, err);
	if (o.status == 401)
		http_header(r, "WWW-Authenticate", "Bearer realm=\"citybench\"");
	if (o.status == 429) {
		snprintf(ra, sizeof(ra), "%d", o.retry_after > 0 ? o.retry_after : 1);
		http_header(r, "Retry-After", ra);
	}
	upload_outcome_free(&o);
	return -1;
}

/* ---- the form ---- */

static void
form(struct request *r, int dry_checked)
{
	struct buf *b = &r->out;

	html_raw(b, "<form class=\"upload\" method=\"post\" action=\"/upload\" enctype=\"multipart/form-data\">\n");
	if (!session_form_fields(r, b))
		html_raw(b, "<div class=\"field\"><label for=\"token\">Your city's token</label>"
		    "<input id=\"token\" name=\"token\" type=\"password\" autocomplete=\"off\" required "
		    "aria-describedby=\"token-help\">"
		    "<p id=\"token-help\" class=\"help\">The partner token the citybench operator gave your city "
		    "(it starts with <code>cb_</code>). It is sent in the body, never in the address. Or <a href=\"/signin?"
		    "next=/upload\">sign in</a> once.</p></div>\n");
	html_raw(b, "<div class=\"field\"><label for=\"file\">Answers file (CSV or JSON)</label>"
	    "<input id=\"file\" name=\"file\" type=\"file\" accept=\".csv,.json,text/csv,application/json\" "
	    "required aria-describedby=\"file-help\">"
	    "<p id=\"file-help\" class=\"help\">At most 8 MiB. CSV columns <code>city,survey,question,value</code>, "
	    "one answer a row; start from a wave's empty form: <a href=\"/surveys/2020/template.csv\">2020</a>, "
	    "<a href=\"/surveys/2018/template.csv\">2018</a>.</p></div>\n"
	    "<div class=\"field check\"><input id=\"dry_run\" name=\"dry_run\" type=\"checkbox\" value=\"1\"");
	if (dry_checked)
		html_raw(b, " checked");
	html_raw(b, "><label for=\"dry_run\">Check only (dry run): validate without storing</label></div>\n"
	    "<button type=\"submit\">Upload</button>\n</form>\n");
}

int
upload_get(struct request *r)
{
	page_begin(r, "Upload your city's answers");
	html_raw(&r->out, "<h1>Upload your city's answers</h1>\n<p>Partner cities send their survey answers "
	    "here. Every upload is checked against the wave's <a href=\"/surveys/2020\">questionnaire</a>; "
	    "it is stored whole or not at all, as a new version: earlier versions stay readable. Programs "
	    "can use <code>POST /api/submissions</code> with the same files.</p>\n");
	form(r, 0);
	page_end(r);
	return 0;
}

static const char *
part_ctype(const struct mp_part *f)
{
	size_t n = f->filename ? strlen(f->filename) : 0;

	if (n > 5 && strcasecmp(f->filename + n - 5, ".json") == 0)
		return "application/json";
	if (n > 4 && strcasecmp(f->filename + n - 4, ".csv") == 0)
		return "text/csv";
	if (f->content_type && (media_is(f->content_type, "application/json") ||
	    media_is(f->content_type, "text/csv")))
		return f->content_type;
	/* Browsers label CSV files variously: sniff a JSON body, else take CSV. */
	if (f->len > 0 && (f->data[0] == '{' || f->data[0] == '['))
		return "application/json";
	return "text/csv";
}

int
upload_post(struct request *r)
{
	struct upload_outcome o;
	struct mp_part *parts = NULL;
	const struct mp_part *tok, *file, *dry;
	struct buf *b = &r->out;
	size_t nparts = 0, i;
	char *err = NULL, *token = NULL;
	struct session sess;
	int is_dry;
	json_t *d;

	memset(&o, 0, sizeof(o));
	if (r->body_short)
		return http_error(r, 400, "the body is shorter than its Content-Length", NULL);
	if (r->content_type == NULL || strncasecmp(r->content_type, "multipart/form-data", 19) != 0)
		return http_error(r, 415, "send the form as multipart/form-data", NULL);
	if (multipart_parse(r->content_type, r->body, r->body_len, &parts, &nparts, &err) == -1) {
		http_errorf(r, 400, "the form could not be read: %s", err ? err : "malformed");
		free(err);
		return -1;
	}
	tok = multipart_get(parts, nparts, "token");
	file = multipart_get(parts, nparts, "file");
	dry = multipart_get(parts, nparts, "dry_run");
	is_dry = dry && dry->len > 0;
	if (tok && (token = strndup(tok->data, tok->len)) != NULL)
		token[strcspn(token, "\r\n")] = '\0';
	/* Signed in and no token typed: the session writes, when the form carries its CSRF token. */
	if ((token == NULL || *token == '\0') && session_cookie_present(r)) {
		const struct mp_part *c = multipart_get(parts, nparts, SESSION_CSRF_FIELD);
		char *csrf = c ? strndup(c->data, c->len) : NULL;
		const char *msg;
		int st = session_get(r, &sess, &msg), ok = st == 0 && session_csrf_ok(&sess, csrf);
		free(csrf);
		if (!ok) {
			free(token);
			multipart_free(parts, nparts);
			return http_error(r, st ? st : 403, st ? msg : "this form did not come from your session's "
			    "page (its CSRF token is missing or wrong): reload the page and try again", NULL);
		}
		r->signed_in = &sess.tok;
	}
	if (file == NULL || (file->len == 0 && (file->filename == NULL || *file->filename == '\0'))) {
		/* still check the token first: the contract's order */
		struct token t;
		const char *msg;
		int st = r->signed_in ? 0 : auth_check(app_writer(r->app), token, 0, &t, &msg);
		r->signed_in = NULL;
		free(token);
		multipart_free(parts, nparts);
		if (st != 0)
			return http_error(r, st, msg, NULL);
		return http_error(r, 400, "the form has no file: choose your answers file", NULL);
	}
	upload_run(r, token, 0, part_ctype(file), file->data, file->len, 0, is_dry, &o);
	r->signed_in = NULL;
	free(token);
	multipart_free(parts, nparts);
	if (o.status != 200 && o.status != 201) {
		page_begin(r, "Upload refused");
		r->status = o.status;
		html_raw(b, "<h1>Upload refused</h1>\n<p class=\"error\" role=\"alert\">");
		html_text(b, o.message);
		html_raw(b, " Nothing was stored.</p>\n");
		if (json_array_size(o.details)) {
			html_raw(b, "<table class=\"details\"><caption>Problems found</caption><thead><tr>"
			    "<th scope=\"col\">Row</th><th scope=\"col\">Column</th><th scope=\"col\">Problem</th>"
			    "</tr></thead><tbody>\n");
			json_array_foreach(o.details, i, d) {
				json_t *row = json_object_get(d, "row");
				const char *col = json_string_value(json_object_get(d, "column"));
				html_raw(b, "<tr><td>");
				if (json_is_integer(row))
					buf_printf(b, "%lld", (long long)json_integer_value(row));
				html_raw(b, "</td><td>");
				html_text(b, col ? col : "");
				html_raw(b, "</td><td>");
				html_text(b, json_string_value(json_object_get(d, "message")));
				html_raw(b, "</td></tr>\n");
			}
			html_raw(b, "</tbody></table>\n");
		}
		html_raw(b, "<h2>Try again</h2>\n");
		form(r, 0);
		page_end(r);
		upload_outcome_free(&o);
		return -1;
	}
	page_begin(r, !is_dry ? "Upload stored" : "Upload checked");
	r->status = o.status;
	html_raw(b, o.status == 201 ? "<h1>Upload stored</h1>\n<p role=\"status\">Your answers are stored as "
	    "new versions and show on the portal now.</p>\n" : !is_dry ? "<h1>Upload stored</h1>\n<p role=\"status\">"
	    "Nothing changed: the file holds the current answers, so no new version was made.</p>\n" :
	    "<h1>Upload checked</h1>\n<p role=\"status\">"
	    "The file passes every check. Nothing was stored (dry run).</p>\n");
	html_raw(b, "<table class=\"data\"><caption>Versions</caption><thead><tr><th scope=\"col\">City</th>"
	    "<th scope=\"col\">Wave</th><th scope=\"col\" class=\"num\">Version</th>"
	    "<th scope=\"col\" class=\"num\">Answers changed</th></tr></thead><tbody>\n");
	json_array_foreach(o.submissions, i, d) {
		const char *city = json_string_value(json_object_get(d, "city"));
		const char *wave = json_string_value(json_object_get(d, "survey"));
		html_raw(b, "<tr><th scope=\"row\"><a href=\"/cities/");
		url_encode(b, city);
		html_raw(b, "?survey=");
		url_encode(b, wave);
		html_raw(b, "\">");
		html_text(b, city);
		html_raw(b, "</a></th><td>");
		html_text(b, wave);
		html_raw(b, "</td><td class=\"num\">");
		if (json_object_get(d, "id")) {
			buf_printf(b, "<a href=\"/submissions/%lld\">%lld</a>",
			    (long long)json_integer_value(json_object_get(d, "id")),
			    (long long)json_integer_value(json_object_get(d, "version")));
		} else {
			buf_printf(b, "%lld", (long long)json_integer_value(json_object_get(d, "version")));
		}
		buf_printf(b, "</td><td class=\"num\">%lld</td></tr>\n",
		    (long long)json_integer_value(json_object_get(d, "changed")));
	}
	html_raw(b, "</tbody></table>\n");
	if (is_dry) {
		html_raw(b, "<h2>Upload for real</h2>\n");
		form(r, 0);
	}
	page_end(r);
	upload_outcome_free(&o);
	return 0;
}
