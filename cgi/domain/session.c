/* session.c: signed-in sessions: the cb_session cookie, its row in the sessions table, CSRF tokens.
 *
 * Decisions: the cookie is HttpOnly, SameSite=Strict, Path=/, Max-Age 8 hours, Secure when nginx says
 * the request came over TLS.  It holds 32 random bytes; the table holds their SHA-256, so neither the
 * table nor a log line lets anyone in.  Sessions are looked up on the primary (a session opened a
 * moment ago may not have reached a replica).  The CSRF token is a second random value per session,
 * shown only inside the session's own pages: SameSite=Strict already keeps the cookie off other sites'
 * requests, the token makes that hold for browsers that ignore SameSite too. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "app.h"
#include "html.h"
#include "ratelimit.h"
#include "session.h"

#define SIGNIN_RATE (1.0 / 5.0)	/* bad sign-ins per second and address, sustained */
#define SIGNIN_BURST 10.0

static int
is_hex64(const char *s, size_t n)
{
	size_t i;

	if (n != 64)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

/* The value of the cb_session cookie: a pointer into the header and its length, or NULL. */
static const char *
cookie_value(const struct request *r, size_t *len)
{
	const char *p = r->cookie;
	size_t n = strlen(SESSION_COOKIE);

	while (p && *p) {
		while (*p == ' ' || *p == ';' || *p == '\t')
			p++;
		if (strncmp(p, SESSION_COOKIE, n) == 0 && p[n] == '=') {
			p += n + 1;
			*len = strcspn(p, ";");
			while (*len > 0 && (p[*len - 1] == ' ' || p[*len - 1] == '\t'))
				(*len)--;
			return p;
		}
		p = strchr(p, ';');
	}
	return NULL;
}

int
session_cookie_present(const struct request *r)
{
	size_t n;

	return cookie_value(r, &n) != NULL;
}

int
session_get(struct request *r, struct session *s, const char **msg)
{
	char id[65], hash[65];
	const char *v, *p[1];
	PGresult *res = NULL;
	size_t n;
	int rc = 401, token_id;

	memset(s, 0, sizeof(*s));
	if ((v = cookie_value(r, &n)) == NULL) {
		*msg = "you are not signed in: sign in with your city's token first";
		return 401;
	}
	if (!is_hex64(v, n)) {
		*msg = "your session is not valid: sign in again";
		return 401;
	}
	memcpy(id, v, 64);
	id[64] = '\0';
	if (auth_sha256_hex(id, hash) == -1) {
		*msg = "your session is not valid: sign in again";
		goto out;
	}
	p[0] = hash;
	res = db_query(app_writer(r->app), Q_SESSION_GET, 1, p);
	if (!db_ok(res)) {
		*msg = "the database is unreachable";
		rc = 503;
		goto out;
	}
	if (PQntuples(res) != 1) {
		*msg = "your session is not valid: sign in again";
		goto out;
	}
	if (PQgetvalue(res, 0, Q_SESSION_GET_ENDED)[0] == 't') {
		*msg = "you have signed out: sign in again";
		goto out;
	}
	if (PQgetvalue(res, 0, Q_SESSION_GET_EXPIRED)[0] == 't') {
		*msg = "your session has expired (sessions last 8 hours): sign in again";
		goto out;
	}
	token_id = atoi(PQgetvalue(res, 0, Q_SESSION_GET_TOKEN_ID));
	if ((rc = auth_token_get(app_writer(r->app), token_id, &s->tok, msg)) != 0) {
		if (rc == 401)
			*msg = strstr(*msg, "revoked") ? "the token of this session has been revoked: ask the "
			    "operator for a new one" : "the token of this session is no longer valid: sign in again";
		goto out;
	}
	s->id = strtoll(PQgetvalue(res, 0, Q_SESSION_GET_ID), NULL, 10);
	memcpy(s->tok.cred, hash, sizeof(s->tok.cred));
	s->tok.cred_session = 1;
	auth_remember(&s->tok);
	snprintf(s->csrf, sizeof(s->csrf), "%s", PQgetvalue(res, 0, Q_SESSION_GET_CSRF_SECRET));
	rc = 0;
out:
	if (rc != 0)
		memset(s, 0, sizeof(*s));
	explicit_bzero(id, sizeof(id));
	PQclear(res);
	return rc;
}

static void
set_cookie(struct request *r, const char *value, int max_age)
{
	char line[256];

	snprintf(line, sizeof(line), "%s=%s; Path=/; Max-Age=%d; HttpOnly; SameSite=Strict%s", SESSION_COOKIE,
	    value, max_age, r->tls ? "; Secure" : "");
	http_header(r, "Set-Cookie", line);
}

int
session_open(struct request *r, const struct token *t, struct session *s)
{
	char id[65], hash[65], tid[16];
	const char *p[4];
	PGresult *res;
	int rc = -1;

	memset(s, 0, sizeof(*s));
	if (auth_random_hex(id) == -1 || auth_random_hex(s->csrf) == -1 || auth_sha256_hex(id, hash) == -1)
		goto out;
	snprintf(tid, sizeof(tid), "%d", t->id);
	p[0] = hash;
	p[1] = tid;
	p[2] = s->csrf;
	p[3] = t->cred;		/* the token's secret hash: the database opens a session for it only */
	res = db_query(app_writer(r->app), Q_SESSION_INSERT, 4, p);
	if (db_ok(res) && PQntuples(res) == 1) {
		s->id = strtoll(PQgetvalue(res, 0, Q_SESSION_INSERT_ID), NULL, 10);
		s->tok = *t;
		memcpy(s->tok.cred, hash, sizeof(s->tok.cred));
		s->tok.cred_session = 1;
		set_cookie(r, id, SESSION_SECONDS);
		rc = 0;
	}
	PQclear(res);
out:
	explicit_bzero(id, sizeof(id));
	return rc;
}

void
session_clear_cookie(struct request *r)
{
	set_cookie(r, "", 0);
}

int
session_end(struct request *r, const struct session *s)
{
	const char *p[1] = { s->tok.cred };	/* the session's id hash: only its holder ends it */
	PGresult *res;
	int ok;

	res = db_query(app_writer(r->app), Q_SESSION_END, 1, p);
	ok = db_ok(res);
	PQclear(res);
	session_clear_cookie(r);
	return ok ? 0 : -1;
}

int
session_csrf_ok(const struct session *s, const char *given)
{
	if (given == NULL || strlen(given) != 64 || strlen(s->csrf) != 64)
		return 0;
	return CRYPTO_memcmp(given, s->csrf, 64) == 0;
}

void
session_csrf_field(struct buf *b, const struct session *s)
{
	html_raw(b, "<input type=\"hidden\" name=\"" SESSION_CSRF_FIELD "\" value=\"");
	html_attr(b, s->csrf);
	html_raw(b, "\">");
}

int
session_form_fields(struct request *r, struct buf *b)
{
	struct session s;
	const char *msg;

	if (!session_cookie_present(r) || session_get(r, &s, &msg) != 0)
		return 0;
	html_raw(b, "<p class=\"signed-in\">Signed in for <strong>");
	html_text(b, s.tok.name);
	html_raw(b, "</strong>: no token needed. <a href=\"/signin\">Sign out</a></p>");
	session_csrf_field(b, &s);
	return 1;
}

/* The bucket of a client address: a key of its own, apart from token ids (positive) and previews'
 * (small negative numbers). */
static int
address_key(const struct request *r)
{
	const char *a = r->remote_addr ? r->remote_addr : "";
	unsigned h = 2166136261u;

	for (; *a; a++)
		h = (h ^ (unsigned char)*a) * 16777619u;
	return -(int)(0x40000000u | (h & 0x3fffffffu));
}

int
session_attempt(struct request *r, int *retry_after)
{
	return rate_take(r->app ? r->app->shm : NULL, address_key(r), SIGNIN_RATE, SIGNIN_BURST, retry_after);
}

void
session_attempt_ok(struct request *r)
{
	rate_give(r->app ? r->app->shm : NULL, address_key(r), SIGNIN_BURST);
}
