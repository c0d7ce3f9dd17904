/* signin.c: /signin (GET: the form, or who is signed in; POST: a token opens a session) and /signout
 * (POST with the session's CSRF token ends it).
 *
 * Decisions: a partner or a researcher token signs in (the contract names both); a partner lands on
 * its city's questionnaire unless `next` names a page of the portal (a path starting with one "/",
 * nothing else: no other site, no header injection).  Sign-in attempts are rate-limited per client
 * address; a good token gives its attempt back, so only guesses use the budget up.  The sign-in form
 * carries no CSRF token: there is no session yet to bind it to, and a forged sign-in would need a
 * token of its own. */
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

/* 1 when next is a path of this portal that is safe to send a browser to. */
static int
next_ok(const char *next)
{
	size_t i, n = next ? strlen(next) : 0;

	if (n == 0 || n > 1000 || next[0] != '/' || next[1] == '/' || next[1] == '\\')
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)next[i] <= 0x20 || (unsigned char)next[i] >= 0x7f || next[i] == '\\')
			return 0;
	return 1;
}

/* The reasons auth_check gives a sign-in form, marked here for translation (the page writes _(msg)). */
static const char *const auth_reasons[] __attribute__((unused)) = {
	N_("malformed token"), N_("unknown token"), N_("this token has been revoked"), N_("this token has expired"),
};

static void
signin_form(struct buf *b, const char *next)
{
	html_raw(b, "<form class=\"signin\" method=\"post\" action=\"/signin\">\n"
	    "<div class=\"field\"><label for=\"token\">");
	html_text(b, _("Your token"));
	html_raw(b, "</label><input id=\"token\" name=\"token\" type=\"password\" autocomplete=\"current-password\" required "
	    "aria-describedby=\"token-help\">"
	    "<p id=\"token-help\" class=\"help\">");
	/* TRANSLATORS: keep the <code> markup */
	html_raw(b, _("The token the citybench operator gave you (it starts with "
	    "<code>cb_</code>). You stay signed in for 8 hours on this browser, or until you sign out."));
	html_raw(b, "</p></div>\n");
	if (next_ok(next)) {
		html_raw(b, "<input type=\"hidden\" name=\"next\" value=\"");
		html_attr(b, next);
		html_raw(b, "\">");
	}
	html_raw(b, "<button type=\"submit\">");
	html_text(b, _("Sign in"));
	html_raw(b, "</button>\n</form>\n");
}

/* What a signed-in person can do from here, and the sign-out button. */
static void
signed_in_page(struct request *r, const struct session *s, const char *notice)
{
	struct buf *b = &r->out;

	page_begin(r, _("Signed in"));
	html_raw(b, "<h1>");
	html_text(b, _("Signed in"));
	html_raw(b, "</h1>\n");
	if (notice) {
		html_raw(b, "<p class=\"notice\" role=\"status\">");
		html_text(b, notice);
		html_raw(b, "</p>\n");
	}
	html_raw(b, "<p>");
	/* TRANSLATORS: {1} who is signed in; keep <strong> */
	ltext(b, _("You are signed in for <strong>{1}</strong>."), 0, s->tok.name, NULL, NULL, NULL);
	html_raw(b, "</p>\n<ul class=\"links\">\n");
	if (s->tok.partner) {
		html_raw(b, "<li><a href=\"/cities/");
		url_encode(b, s->tok.city);
		html_raw(b, "/answers\">");
		html_text(b, _("Answer the questionnaire in the browser"));
		html_raw(b, "</a></li>\n<li><a href=\"/upload\">");
		html_text(b, _("Upload an answers file"));
		html_raw(b, "</a></li>\n<li><a href=\"/cities/");
		url_encode(b, s->tok.city);
		html_raw(b, "/submissions\">");
		html_text(b, _("Versions of your answers"));
		html_raw(b, "</a> ");
		html_text(b, _("(restore an earlier one)"));
		html_raw(b, "</li>\n<li><a href=\"/cities/");
		url_encode(b, s->tok.city);
		html_raw(b, "\">");
		html_text(b, _("Your city's profile"));
		html_raw(b, "</a></li>\n");
	} else {
		html_raw(b, "<li><a href=\"/guide\">");
		html_text(b, _("The plugin guide"));
		html_raw(b, "</a></li>\n");
	}
	html_raw(b, "</ul>\n<form class=\"signout\" method=\"post\" action=\"/signout\">");
	session_csrf_field(b, s);
	html_raw(b, "<button type=\"submit\">");
	html_text(b, _("Sign out"));
	html_raw(b, "</button></form>\n");
	page_end(r);
}

int
signin_get(struct request *r)
{
	struct session s;
	const char *msg;
	struct buf *b = &r->out;

	if (session_cookie_present(r)) {
		int st = session_get(r, &s, &msg);
		if (st == 0) {
			signed_in_page(r, &s, NULL);
			return 0;
		}
		if (st == 503)
			return reply_error(r, 503, msg, NULL);
	}
	page_begin_described(r, _("Sign in"), _("Partners sign in with the token they were given, to upload their "
	    "city's answers and correct them."));
	html_raw(b, "<h1>");
	html_text(b, _("Sign in"));
	html_raw(b, "</h1>\n<p>");
	html_text(b, _("Partner cities sign in with their city's token to answer the "
	    "questionnaire in the browser, upload answers and restore earlier versions, without pasting the "
	    "token again."));
	html_raw(b, "</p>\n");
	signin_form(b, query_get(&r->query, "next"));
	page_end(r);
	if (session_cookie_present(r))
		session_clear_cookie(r);	/* a stale or forged cookie: gone */
	return 0;
}

int
signin_post(struct request *r)
{
	struct query form = { 0 };
	struct session s;
	struct token t;
	struct buf *b = &r->out;
	const char *msg, *next;
	char *err = NULL, *token = NULL, ra[16], where[1100];
	int retry, st, rc = -1;

	if (!session_attempt(r, &retry)) {
		reply_error(r, 429, "too many sign-in attempts from your address: wait a moment and try again",
		    NULL);
		snprintf(ra, sizeof(ra), "%d", retry > 0 ? retry : 1);
		http_header(r, "Retry-After", ra);
		return -1;
	}
	if (!http_media_is(r->content_type, "application/x-www-form-urlencoded"))
		return reply_error(r, 415, "send the sign-in form as application/x-www-form-urlencoded", NULL);
	if (r->body_short)
		return reply_error(r, 400, "the body is shorter than its Content-Length", NULL);
	if (query_parse(r->body, &form, &err) == -1) {
		reply_errorf(r, 400, "the form could not be read: %s", err ? err : "malformed");
		free(err);
		return -1;
	}
	next = query_get(&form, "next");
	if ((token = strdup(query_get(&form, "token") ? query_get(&form, "token") : "")) == NULL) {
		reply_error(r, 503, "out of memory", NULL);
		goto out;
	}
	/* Pasted tokens come with spaces around them. */
	{
		char *p = token, *e;
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			p++;
		memmove(token, p, strlen(p) + 1);
		e = token + strlen(token);
		while (e > token && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
			*--e = '\0';
	}
	st = *token ? auth_check(app_writer(r->app), token, 0, &t, &msg) : 401;
	if (!*token)
		msg = N_("enter your token");
	if (st == 503) {
		reply_error(r, 503, msg, NULL);
		goto out;
	}
	if (st != 0) {
		page_begin_described(r, _("Sign in"), _("Partners sign in with the token they were given, to upload "
		    "their city's answers and correct them."));
		r->status = 401;
		html_raw(b, "<h1>");
		html_text(b, _("Sign in"));
		html_raw(b, "</h1>\n<p class=\"error\" role=\"alert\">");
		/* TRANSLATORS: {1} why (a message of its own); keep the <code> markup */
		ltext(b, _("That token was not accepted: {1}. Check that you pasted the whole token, starting with "
		    "<code>cb_</code>."), 0, _(msg), NULL, NULL, NULL);
		html_raw(b, "</p>\n");
		signin_form(b, next);
		page_end(r);
		goto out;
	}
	session_attempt_ok(r);
	if (session_open(r, &t, &s) == -1) {
		reply_error(r, 503, "the session could not be opened: try again", NULL);
		goto out;
	}
	if (next_ok(next))
		snprintf(where, sizeof(where), "%s", next);
	else if (t.partner)
		snprintf(where, sizeof(where), "/cities/%s/answers", t.city);
	else
		snprintf(where, sizeof(where), "/signin");
	signed_in_page(r, &s, "You are signed in.");
	r->status = 303;
	http_header(r, "Location", where);
	rc = 0;
out:
	if (token) {
		explicit_bzero(token, strlen(token));
		free(token);
	}
	query_free(&form);
	return rc;
}

int
signout_post(struct request *r)
{
	struct query form = { 0 };
	struct session s;
	const char *msg;
	char *err = NULL;
	int st;

	if ((st = session_get(r, &s, &msg)) != 0) {
		reply_error(r, st, msg, NULL);
		if (st == 401)
			session_clear_cookie(r);
		return -1;
	}
	if (!http_media_is(r->content_type, "application/x-www-form-urlencoded"))
		return reply_error(r, 415, "send the form as application/x-www-form-urlencoded", NULL);
	if (query_parse(r->body, &form, &err) == -1) {
		reply_errorf(r, 400, "the form could not be read: %s", err ? err : "malformed");
		free(err);
		return -1;
	}
	if (!session_csrf_ok(&s, query_get(&form, SESSION_CSRF_FIELD))) {
		query_free(&form);
		return reply_error(r, 403, "this form did not come from your session's page (its CSRF token is "
		    "missing or wrong): reload the page and try again", NULL);
	}
	query_free(&form);
	if (session_end(r, &s) == -1) {
		reply_error(r, 503, "the database is unreachable: you are not signed out yet", NULL);
		return -1;
	}
	page_begin(r, _("Signed out"));
	html_raw(&r->out, "<h1>");
	html_text(&r->out, _("Signed out"));
	html_raw(&r->out, "</h1>\n<p role=\"status\">");
	html_text(&r->out, _("You are signed out."));
	html_raw(&r->out, " <a href=\"/signin\">");
	html_text(&r->out, _("Sign in again"));
	html_raw(&r->out, "</a>.</p>\n");
	page_end(r);
	return 0;
}
