/* auth.h: tokens "cb_<id>_<secret>": only a SHA-256 of the secret is stored, compared in constant time. */
#ifndef CB_AUTH_H
#define CB_AUTH_H

#include "db.h"

struct token {
	int id;
	int partner;			/* 1 partner (writes city), 0 researcher */
	int city_id;
	char city[72];
	char name[128];			/* for the audit log: the city or the researcher */
	char cred[65];			/* what proves it to the database: the SHA-256 (hex) of the token's
					 * secret, or of the session's id when cred_session */
	int cred_session;
};

/* Creates a token and returns it (malloc'd) in *out, shown once.  role "partner" needs city_id > 0;
 * expires_days <= 0 means never.  Returns 0, or -1 with *err set. */
int auth_token_create(struct db *db, const char *role, int city_id, const char *name, int expires_days,
    char **out, char **err);

/* Checks "Bearer cb_..." (or a bare token when bearer is 0).  Returns 0 with t filled; 401 when the
 * token is missing, malformed, unknown, revoked or expired (msg says which); 503 when the database is
 * unreachable. */
int auth_check(struct db *db, const char *header, int bearer, struct token *t, const char **msg);

/* A token known by its id (a session's): 0 with t filled; 401 when it is unknown, revoked or expired
 * (msg says which); 503 when the database is unreachable. */
int auth_token_get(struct db *db, int id, struct token *t, const char **msg);

/* The worker's role writes only in a transaction opened for a token (sql/migrations/
 * 008_least_privilege.sql): the first statement of the caller's transaction, given t as auth_check or
 * session_get filled it.  0, or -1 when the database refuses (roll back). */
int auth_write_begin(struct db *db, const struct token *t);

/* The token this process verified last (auth_check, or auth_remember by session_get) when its id is
 * id, else NULL: what audit_write proves an audit row's token with.  auth_forget clears it. */
const struct token *auth_verified(int id);
void auth_remember(const struct token *t);
void auth_forget(void);

/* 32 random bytes (getrandom) as 64 hex digits; the SHA-256 of s as 64 hex digits.  0, or -1. */
int auth_random_hex(char out[65]);
int auth_sha256_hex(const char *s, char out[65]);

/* Splits "cb_<id>_<secret>"; returns the id or -1. */
int auth_token_id(const char *token);

#endif
