/* upload.h: the partner's write path, shared by POST /api/submissions and the /upload form. */
#ifndef CB_UPLOAD_H
#define CB_UPLOAD_H

#include <jansson.h>
#include "http.h"

struct upload_outcome {
	int status;			/* 200 dry run or nothing changed, 201 stored, or the error's */
	char message[512];
	json_t *summary;		/* the message as a kind (vmsg.h): {message, code, args}, or NULL */
	json_t *details;		/* the error's details, or NULL */
	json_t *submissions;		/* [{id, city, survey, version, changed}] on success */
	json_t *warnings;		/* a dry run's: [{row, column, question, message}] it would clear */
	int dry_run;
	char city[72];			/* the token's city, once the token is known ("" before) */
	long long data_version;
	int retry_after;
};

#define UPLOAD_DRY_RUN	1		/* check and say what would happen; store nothing */
#define UPLOAD_CLEAR	2		/* clear=1: the upload may make answered questions unanswered */

/* Runs an upload through the contract's checks in their order (401, 415, 400, 403, 422, 409; 429 after
 * the token; 503 when the database fails) and stores it unless UPLOAD_DRY_RUN.  An upload that would
 * clear answered questions is a 409 (one detail each) without UPLOAD_CLEAR; one that changes nothing
 * makes no version (200, the current version, changed 0).  The refusal or acceptance is audited.
 * Always fills out (free with upload_outcome_free). */
void upload_run(struct request *r, const char *auth, int bearer, const char *ctype, const char *data,
    size_t len, int short_body, int flags, struct upload_outcome *out);
void upload_outcome_free(struct upload_outcome *o);

struct token;

/* The checks a POST with a token makes first, in the contract's order: the token (401; 503 when the
 * database is unreachable), the token's rate (429), the media type (415), a body shorter than its
 * Content-Length (400), then, unless need_partner is -1, the token's role (403).  The body's size (413)
 * is the route table's, before any of these. */
struct upload_guard {
	double rate, burst;		/* the token bucket: requests per second, its size */
	int rate_key_sign;		/* 1: the bucket keyed by the token's id; -1: a second one per token */
	const char *rate_message;	/* the 429's */
	const char *const *media;	/* the media types taken, NULL-terminated */
	const char *media_message;	/* the 415's */
	int need_partner;		/* -1 any token, 0 a researcher's, 1 a partner's */
	const char *role_message;	/* the 403's */
};

/* Runs g's checks on a request's credentials (auth: "Bearer …" when bearer, else the bare token) and
 * its body's type.  Tokens are checked on the primary (a token made a moment ago may not have reached a
 * replica).  Returns 0 with *tok filled and *media the index in g->media of the type sent; else the
 * refusal's status with *msg set (static text), *retry_after for a 429, and tok->id > 0 only when the
 * token itself was good. */
int upload_check(struct request *r, const struct upload_guard *g, const char *auth, int bearer,
    const char *ctype, int short_body, struct token *tok, int *media, int *retry_after, const char **msg);

/* Answers a refusal as reply_error does (details stolen, may be NULL), with WWW-Authenticate on a 401
 * and Retry-After (retry_after seconds, at least 1) on a 429.  Always returns -1. */
int upload_refuse(struct request *r, int status, const char *message, json_t *details, int retry_after);

/* Records an audit row; failures are logged, never fatal. */
void audit_write(struct request *r, const char *actor, int token_id, const char *action, const char *city,
    const char *survey, int accepted, int status, json_t *detail);

#endif
