/* restore.c: POST /api/submissions/{id}/restore (a partner token, or a session with its CSRF token) and
 * POST /submissions/{id}/restore (the versions pages' button): a new version of the city's answers
 * holding that version's answers.
 *
 * Decisions: restoring is a write like an upload (rate-limited per token, audited, all or nothing, read
 * your writes) and makes a version whose source is "restore"; it is an explicit choice of a whole
 * answer set, so it clears what the restored version did not answer without asking again.  Questions
 * the wave no longer asks are left out.  The order of refusals: 401 (no token or session), 403 (CSRF),
 * 404 (no such version), 403 (another city's, or a researcher's token).  A session's program sends its
 * CSRF token as X-CSRF-Token or as the form field "csrf". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app.h"
#include "html.h"
#include "lang.h"
#include "ltext.h"
#include "ingest.h"
#include "page.h"
#include "query.h"
#include "ratelimit.h"
#include "reply.h"
#include "restore.h"
#include "routes.h"
#include "store.h"
#include "upload.h"

#define WRITE_RATE 2.0		/* the uploads' limits: a restore is a write like them */
#define WRITE_BURST 120.0

struct outcome {
	int status;
	char message[300];
	json_t *submission;		/* {id, city, survey, version, changed} */
	long long data_version;
	int retry_after;
	long long restored_version;
};

/* 1 when s is a submission id (digits, at most 18). */
static int
id_valid(const char *s)
{
	size_t i, n = s ? strlen(s) : 0;

	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return n > 0 && n <= 18;
}

static void
fail(struct outcome *o, int status, const char *msg)
{
	o->status = status;
	snprintf(o->message, sizeof(o->message), "%s", msg);
}

/* Restores version id as tok.  Fills o: 201 (a new version), 200 (the current answers already), or the
 * refusal's status and message. */
static void
run(struct request *r, const char *id, const struct token *tok, struct outcome *o)
{
	struct db *w = app_writer(r->app);
	struct catalog *cat = NULL;
	struct answer_set set = { 0 };
	struct stored stored = { 0 };
	PGresult *res = NULL;
	json_t *audit = NULL;
	const char *p[1] = { id };
	char *err = NULL;

	memset(o, 0, sizeof(*o));
	if (!rate_take(r->app->shm, tok->id, WRITE_RATE, WRITE_BURST, &o->retry_after)) {
		fail(o, 429, "too many writes with this token: slow down and retry");
		goto refused;
	}
	res = db_query(w, Q_RESTORE_SOURCE, 1, p);
	if (!db_ok(res)) {
		fail(o, 503, "the database is unreachable; nothing was stored");
		goto refused;
	}
	if (PQntuples(res) == 0) {
		snprintf(o->message, sizeof(o->message), "no submission %s", id);
		o->status = 404;
		goto refused;
	}
	if (!tok->partner || strcmp(tok->city, PQgetvalue(res, 0, Q_RESTORE_SOURCE_SLUG)) != 0) {
		snprintf(o->message, sizeof(o->message), "%s writes %s only, not %s", tok->partner ?
		    "this token" : "a researcher's token", tok->partner ? tok->city : "no city's answers",
		    PQgetvalue(res, 0, Q_RESTORE_SOURCE_SLUG));
		o->status = 403;
		goto refused;
	}
	o->restored_version = strtoll(PQgetvalue(res, 0, Q_RESTORE_SOURCE_VERSION), NULL, 10);
	set.city = PQgetvalue(res, 0, Q_RESTORE_SOURCE_SLUG);
	set.survey = PQgetvalue(res, 0, Q_RESTORE_SOURCE_SURVEY_ID);
	set.row = 1;
	if ((set.answers = json_loads(PQgetvalue(res, 0, Q_RESTORE_SOURCE_ANSWERS), 0, NULL)) == NULL ||
	    (cat = catalog_load_for(w, NULL, set.city, &err)) == NULL) {
		fail(o, 503, "the database could not be read; nothing was stored");
		goto refused;
	}
	if (db_begin(w) == -1) {
		fail(o, 503, "the database is unreachable; nothing was stored");
		goto refused;
	}
	if (auth_write_begin(w, tok) == -1 || store_sets(w, cat, &set, 1, tok->name, tok->id, "restore", 0, &stored, &o->data_version, NULL,
	    stderr, &err) == -1) {
		fprintf(stderr, "citybench: request %s: restore not stored: %s", r->request_id, err ? err : "?\n");
		db_rollback(w);
		fail(o, 503, "the database could not store the restored version; nothing was stored");
		goto refused;
	}
	o->status = stored.made == 0 ? 200 : 201;
	o->submission = json_pack("{s:I, s:s, s:s, s:i, s:i}", "id", (json_int_t)stored.id, "city", set.city,
	    "survey", set.survey, "version", stored.version, "changed", stored.changed);
	/* The audit row commits with the version: both or neither. */
	audit = json_pack("{s:s, s:O}", "restored", id, "submission", o->submission);
	audit_write(r, tok->name, tok->id, "restore", set.city, set.survey, 1, o->status, audit);
	if (db_commit(w) == -1) {
		db_rollback(w);
		json_decref(o->submission);
		o->submission = NULL;
		fail(o, 503, "the database could not commit the restored version; nothing was stored");
		goto refused;
	}
	app_publish_version(r->app, o->data_version);
	goto out;
refused:
	json_decref(audit);
	audit = json_pack("{s:s, s:s}", "restored", id, "message", o->message);
	audit_write(r, tok->name, tok->id, "restore", tok->partner ? tok->city : NULL, NULL, 0, o->status, audit);
out:
	store_stored_free(&stored, 1);
	json_decref(audit);
	json_decref(set.answers);
	catalog_free(cat);
	free(err);
	PQclear(res);
}

/* The CSRF token a session's request carries: the header, else the form field of a urlencoded body. */
static int
csrf_ok(struct request *r, const struct session *s)
{
	struct query form = { 0 };
	int ok;

	if (r->csrf_header && *r->csrf_header)
		return session_csrf_ok(s, r->csrf_header);
	if (r->body == NULL || r->content_type == NULL ||
	    strncasecmp(r->content_type, "application/x-www-form-urlencoded", 33) != 0 ||
	    query_parse(r->body, &form, NULL) == -1)
		return 0;
	ok = session_csrf_ok(s, query_get(&form, SESSION_CSRF_FIELD));
	query_free(&form);
	return ok;
}

static const char csrf_refused[] = "this request did not come from your session's page (its CSRF token "
    "is missing or wrong): reload the page and try again";

int
api_restore_post(struct request *r)
{
	struct outcome o;
	struct session s;
	struct token t;
	const struct token *as;
	const char *msg;
	char ra[16];
	int st;

	if (r->authorization && *r->authorization) {
		if ((st = auth_check(app_writer(r->app), r->authorization, 1, &t, &msg)) != 0) {
			reply_error(r, st, msg, NULL);
			if (st == 401)
				http_header(r, "WWW-Authenticate", "Bearer realm=\"citybench\"");
			return -1;
		}
		as = &t;
	} else if (session_cookie_present(r)) {
		if ((st = session_get(r, &s, &msg)) != 0)
			return reply_error(r, st, msg, NULL);
		if (!csrf_ok(r, &s))
			return reply_error(r, 403, csrf_refused, NULL);
		as = &s.tok;
	} else {
		reply_error(r, 401, "a token is required (Authorization: Bearer cb_…), or a session", NULL);
		http_header(r, "WWW-Authenticate", "Bearer realm=\"citybench\"");
		return -1;
	}
	if (!id_valid(r->args[0]))
		return reply_error(r, 404, "no such submission", NULL);
	run(r, r->args[0], as, &o);
	if (o.status == 200 || o.status == 201) {
		reply_json(r, o.status, json_pack("{s:[o], s:I}", "submissions", o.submission, "data_version",
		    (json_int_t)o.data_version));
		return 0;
	}
	reply_error(r, o.status, o.message, NULL);
	if (o.status == 429) {
		snprintf(ra, sizeof(ra), "%d", o.retry_after > 0 ? o.retry_after : 1);
		http_header(r, "Retry-After", ra);
	}
	return -1;
}

int
restore_post(struct request *r)
{
	struct outcome o;
	struct session s;
	struct buf *b = &r->out;
	const char *msg, *city, *wave;
	long long id, version;
	char title[200];
	int st;

	if ((st = session_get(r, &s, &msg)) != 0) {
		reply_error(r, st, msg, NULL);
		if (st == 401 && session_cookie_present(r))
			session_clear_cookie(r);
		return -1;
	}
	if (!csrf_ok(r, &s))
		return reply_error(r, 403, csrf_refused, NULL);
	if (!id_valid(r->args[0]))
		return reply_error(r, 404, "no such submission", NULL);
	run(r, r->args[0], &s.tok, &o);
	if (o.status != 200 && o.status != 201)
		return reply_error(r, o.status, o.message, NULL);
	id = (long long)json_integer_value(json_object_get(o.submission, "id"));
	version = (long long)json_integer_value(json_object_get(o.submission, "version"));
	city = json_string_value(json_object_get(o.submission, "city"));
	wave = json_string_value(json_object_get(o.submission, "survey"));
	if (o.status == 201)	/* TRANSLATORS: %lld a version's number */
		snprintf(title, sizeof(title), _("Version %lld restored"), o.restored_version);
	else
		snprintf(title, sizeof(title), "%s", _("Nothing to restore"));
	page_begin(r, title);
	r->status = o.status;
	html_raw(b, "<h1>");
	html_text(b, title);
	html_raw(b, "</h1>\n<p role=\"status\">");
	{
		long long ch = (long long)json_integer_value(json_object_get(o.submission, "changed"));
		char rv[32], link[96], n[32];

		snprintf(rv, sizeof(rv), "%lld", o.restored_version);
		snprintf(link, sizeof(link), "<a href=\"/submissions/%lld\">%lld</a>", id, version);
		snprintf(n, sizeof(n), "%lld", ch);
		if (o.status == 201)	/* TRANSLATORS: {1} the version restored, {2} the new version, {3} a count */
			ltext(b, P_("The answers of version {1} are now the current answers, stored as version {2} ({3} "
			    "answer changed).", "The answers of version {1} are now the current answers, stored as version "
			    "{2} ({3} answers changed).", (unsigned long)ch), 2, rv, link, n, NULL);
		else	/* TRANSLATORS: {1} the current version, {2} the version asked for */
			ltext(b, _("The current answers (version {1}) are those of version {2} already: no new version was "
			    "made."), 1, link, rv, NULL, NULL);
	}
	html_raw(b, "</p>\n<ul class=\"links\"><li><a href=\"/cities/");
	url_encode(b, city);
	html_raw(b, "?survey=");
	url_encode(b, wave);
	html_raw(b, "\">");
	html_text(b, _("The profile"));
	html_raw(b, "</a></li><li><a href=\"/cities/");
	url_encode(b, city);
	html_raw(b, "/submissions?survey=");
	url_encode(b, wave);
	html_raw(b, "\">");
	html_text(b, _("Every version"));
	html_raw(b, "</a></li></ul>\n");
	page_end(r);
	json_decref(o.submission);
	return 0;
}

int
restore_signed_in_for(struct request *r, const char *slug, struct session *s)
{
	const char *msg;

	if (!session_cookie_present(r) || session_get(r, s, &msg) != 0)
		return 0;
	if (!s->tok.partner || strcmp(s->tok.city, slug) != 0)
		return 0;
	r->etag_version = 0;
	return 1;
}

void
restore_button(struct buf *b, long long id, long long version, const struct session *s)
{
	buf_printf(b, "<form class=\"restore\" method=\"post\" action=\"/submissions/%lld/restore\">", id);
	session_csrf_field(b, s);
	{
		char v[32];
		snprintf(v, sizeof(v), "%lld", version);
		html_raw(b, "<button type=\"submit\">");
		html_text(b, _("Restore this version"));
		html_raw(b, "<span class=\"visually-hidden\"> ");
		/* TRANSLATORS: {1} a version's number */
		ltext(b, _("(version {1})"), 0, v, NULL, NULL, NULL);
		html_raw(b, "</span></button></form>");
	}
}
