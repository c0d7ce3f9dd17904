/* session.h: signed-in sessions: the cb_session cookie, the sessions table, CSRF tokens.
 *
 * The cookie holds only a random id (32 bytes from getrandom, as 64 hex digits); the database keeps its
 * SHA-256.  A session acts as the token it was opened with, for 8 hours at most, and no longer than the
 * token is valid.  Every form that changes data carries the session's CSRF token (a hidden field named
 * SESSION_CSRF_FIELD); a POST that acts as a session without it is refused (403). */
#ifndef CB_SESSION_H
#define CB_SESSION_H

#include "auth.h"
#include "buf.h"
#include "http.h"

#define SESSION_COOKIE "cb_session"
#define SESSION_CSRF_FIELD "csrf"
#define SESSION_SECONDS (8 * 3600)

struct session {
	long long id;			/* the row's id */
	struct token tok;		/* whom it acts as */
	char csrf[65];			/* the CSRF token of its forms */
};

/* 1 when the request carries a cb_session cookie (valid or not), else 0.  No database. */
int session_cookie_present(const struct request *r);

/* The request's session.  Returns 0 with s filled; 401 when there is no cookie or it names no live
 * session (forged, ended, expired, or its token revoked or expired), with *msg saying which in plain
 * words; 503 when the database is unreachable. */
int session_get(struct request *r, struct session *s, const char **msg);

/* Opens a session for t and sets its cookie on the response.  Returns 0, or -1 (database or randomness
 * failed; nothing set). */
int session_open(struct request *r, const struct token *t, struct session *s);

/* Ends s and clears the cookie.  Returns 0 or -1 (database failed; the cookie is cleared anyway). */
int session_end(struct request *r, const struct session *s);

/* Clears the cookie on the response (a stale or forged one). */
void session_clear_cookie(struct request *r);

/* 1 when given is s's CSRF token, compared in constant time; 0 otherwise (also for NULL). */
int session_csrf_ok(const struct session *s, const char *given);

/* Writes the hidden CSRF field of a form of s. */
void session_csrf_field(struct buf *b, const struct session *s);

/* For forms that take a token or a session: when the request's session is live, writes "Signed in as …"
 * and the hidden CSRF field, and returns 1; otherwise writes nothing and returns 0. */
int session_form_fields(struct request *r, struct buf *b);

/* The rate limit of sign-in attempts per client address.  1 allowed, 0 over the limit (*retry_after
 * set).  session_attempt_ok gives the attempt back (a good token is not a guess). */
int session_attempt(struct request *r, int *retry_after);
void session_attempt_ok(struct request *r);

#endif
