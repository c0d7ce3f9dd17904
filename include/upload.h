/* upload.h: the partner's write path, shared by POST /api/submissions and the /upload form. */
#ifndef CB_UPLOAD_H
#define CB_UPLOAD_H

#include <jansson.h>
#include "http.h"

struct upload_outcome {
	int status;			/* 200 dry run or nothing changed, 201 stored, or the error's */
	char message[512];
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

/* Records an audit row; failures are logged, never fatal. */
void audit_write(struct request *r, const char *actor, int token_id, const char *action, const char *city,
    const char *survey, int accepted, int status, json_t *detail);

#endif
