/* auth.c: partner and researcher tokens.  The secret is 32 random bytes shown once; the database keeps
 * its SHA-256 only, and the comparison takes the same time whatever matches. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "auth.h"

static void
hex(const unsigned char *p, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

int
auth_random_hex(char out[65])
{
	unsigned char raw[32];

	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
		return -1;
	hex(raw, sizeof(raw), out);
	explicit_bzero(raw, sizeof(raw));
	return 0;
}

int
auth_sha256_hex(const char *s, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	if (!EVP_Digest(s, strlen(s), md, &n, EVP_sha256(), NULL) || n != 32)
		return -1;
	hex(md, 32, out);
	return 0;
}

int
auth_token_id(const char *token)
{
	const char *p;
	long id = 0;

	if (strncmp(token, "cb_", 3) != 0)
		return -1;
	for (p = token + 3; *p >= '0' && *p <= '9' && id < 100000000; p++)
		id = id * 10 + (*p - '0');
	if (p == token + 3 || *p != '_' || strlen(p + 1) != 64)
		return -1;
	for (p++; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return -1;
	return (int)id;
}

int
auth_token_create(struct db *db, const char *role, int city_id, const char *name, int expires_days,
    char **out, char **err)
{
	unsigned char raw[32];
	char secret[65], hash[65], city[16], days[16];
	const char *p[5];
	PGresult *res;
	size_t n;

	*out = NULL;
	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw)) {
		*err = strdup("no randomness available");
		return -1;
	}
	hex(raw, sizeof(raw), secret);
	if (auth_sha256_hex(secret, hash) == -1) {
		*err = strdup("cannot hash the secret");
		return -1;
	}
	snprintf(city, sizeof(city), "%d", city_id);
	snprintf(days, sizeof(days), "%d", expires_days);
	p[0] = role;
	p[1] = city_id > 0 ? city : NULL;
	p[2] = name;
	p[3] = hash;
	p[4] = expires_days > 0 ? days : NULL;
	res = db_query(db, Q_TOKEN_INSERT, 5, p);
	if (!db_ok(res)) {
		*err = strdup(res ? PQresultErrorMessage(res) : "the database is unreachable");
		PQclear(res);
		return -1;
	}
	n = strlen(PQgetvalue(res, 0, Q_TOKEN_INSERT_ID)) + sizeof(secret) + 8;
	if ((*out = malloc(n)) != NULL)
		snprintf(*out, n, "cb_%s_%s", PQgetvalue(res, 0, Q_TOKEN_INSERT_ID), secret);
	PQclear(res);
	explicit_bzero(secret, sizeof(secret));
	return *out ? 0 : -1;
}

DB_SAME_COLUMN(Q_TOKEN_GET, Q_TOKEN_CHECK, ROLE);
DB_SAME_COLUMN(Q_TOKEN_GET, Q_TOKEN_CHECK, CITY_ID);
DB_SAME_COLUMN(Q_TOKEN_GET, Q_TOKEN_CHECK, SLUG);
DB_SAME_COLUMN(Q_TOKEN_GET, Q_TOKEN_CHECK, REVOKED);
DB_SAME_COLUMN(Q_TOKEN_GET, Q_TOKEN_CHECK, EXPIRED);
DB_SAME_COLUMN(Q_TOKEN_GET, Q_TOKEN_CHECK, NAME);

static struct token verified;		/* auth_verified */

/* The token's row of Q_TOKEN_GET (or Q_TOKEN_CHECK) into t. */
static void
fill(PGresult *res, int id, struct token *t)
{
	t->id = id;
	t->partner = strcmp(PQgetvalue(res, 0, Q_TOKEN_GET_ROLE), "partner") == 0;
	t->city_id = PQgetisnull(res, 0, Q_TOKEN_GET_CITY_ID) ? 0 : atoi(PQgetvalue(res, 0, Q_TOKEN_GET_CITY_ID));
	snprintf(t->city, sizeof(t->city), "%s", PQgetvalue(res, 0, Q_TOKEN_GET_SLUG));
	snprintf(t->name, sizeof(t->name), "%s", PQgetvalue(res, 0, Q_TOKEN_GET_NAME));
}

int
auth_check(struct db *db, const char *header, int bearer, struct token *t, const char **msg)
{
	char hash[65], idbuf[16];
	const char *token = header, *p[2];
	PGresult *res;
	int id, rc = 401;

	memset(t, 0, sizeof(*t));
	if (header == NULL || *header == '\0') {
		*msg = "a token is required (Authorization: Bearer cb_…)";
		return 401;
	}
	if (bearer) {
		if (strncasecmp(header, "Bearer ", 7) != 0) {
			*msg = "malformed Authorization header: use \"Bearer cb_…\"";
			return 401;
		}
		token = header + 7;
		while (*token == ' ')
			token++;
	}
	if ((id = auth_token_id(token)) < 0) {
		*msg = "malformed token";
		return 401;
	}
	snprintf(idbuf, sizeof(idbuf), "%d", id);
	if (auth_sha256_hex(strrchr(token, '_') + 1, hash) == -1) {
		*msg = "unknown token";
		return 401;
	}
	/* The database compares the hash (the workers cannot read it: 008_least_privilege.sql). */
	p[0] = idbuf;
	p[1] = hash;
	res = db_query(db, Q_TOKEN_CHECK, 2, p);
	if (!db_ok(res)) {
		*msg = "the database is unreachable";
		PQclear(res);
		explicit_bzero(hash, sizeof(hash));
		return 503;
	}
	*msg = "unknown token";
	if (PQntuples(res) == 1) {
		if (PQgetvalue(res, 0, Q_TOKEN_CHECK_REVOKED)[0] == 't') {
			*msg = "this token has been revoked";
		} else if (PQgetvalue(res, 0, Q_TOKEN_CHECK_EXPIRED)[0] == 't') {
			*msg = "this token has expired";
		} else {
			fill(res, id, t);
			memcpy(t->cred, hash, sizeof(t->cred));
			auth_remember(t);
			rc = 0;
		}
	}
	explicit_bzero(hash, sizeof(hash));
	PQclear(res);
	return rc;
}

int
auth_token_get(struct db *db, int id, struct token *t, const char **msg)
{
	char idbuf[16];
	const char *p[1] = { idbuf };
	PGresult *res;
	int rc = 401;

	memset(t, 0, sizeof(*t));
	snprintf(idbuf, sizeof(idbuf), "%d", id);
	res = db_query(db, Q_TOKEN_GET, 1, p);
	if (!db_ok(res)) {
		*msg = "the database is unreachable";
		PQclear(res);
		return 503;
	}
	if (PQntuples(res) != 1)
		*msg = "unknown token";
	else if (PQgetvalue(res, 0, Q_TOKEN_GET_REVOKED)[0] == 't')
		*msg = "this token has been revoked";
	else if (PQgetvalue(res, 0, Q_TOKEN_GET_EXPIRED)[0] == 't')
		*msg = "this token has expired";
	else {
		fill(res, id, t);
		rc = 0;
	}
	PQclear(res);
	return rc;
}

int
auth_write_begin(struct db *db, const struct token *t)
{
	char tid[16];
	const char *p[3];
	PGresult *res;
	int ok;

	snprintf(tid, sizeof(tid), "%d", t->id);
	p[0] = tid;
	p[1] = t->cred;
	p[2] = t->cred_session ? "true" : "false";
	res = db_query(db, Q_WRITE_BEGIN, 3, p);
	ok = db_ok(res) && PQntuples(res) == 1 && PQgetvalue(res, 0, Q_WRITE_BEGIN_OK)[0] == 't';
	PQclear(res);
	return ok ? 0 : -1;
}

const struct token *
auth_verified(int id)
{
	return id > 0 && verified.id == id && verified.cred[0] ? &verified : NULL;
}

void
auth_remember(const struct token *t)
{
	verified = *t;
}

void
auth_forget(void)
{
	explicit_bzero(&verified, sizeof(verified));
}
