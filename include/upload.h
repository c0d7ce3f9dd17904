/* upload.h: the partner's write path, shared by POST /api/submissions and the /upload form. */
#ifndef CB_UPLOAD_H
#define CB_UPLOAD_H

#include <jansson.h>
#include "http.h"

struct upload_outcome {
	int status;			/* 200 dry run, 201 stored, or the error's */
	char message[512];
	json_t *details;		/* the error's details, or NULL */
	json_t *submissions;		/* [{id, city, survey, version, changed}] on success */
	long long data_version;
	int retry_after;
};

/* Runs an upload through the contract's checks in their order (401, 415, 400, 403, 422; 429 after the
 * token; 503 when the database fails) and stores it unless dry_run.  The refusal or acceptance is audited.
 * Always fills out (free with upload_outcome_free). */
void upload_run(struct request *r, const char *auth, int bearer, const char *ctype, const char *data,
    size_t len, int short_body, int dry_run, struct upload_outcome *out);
void upload_outcome_free(struct upload_outcome *o);

/* Records an audit row; failures are logged, never fatal. */
void audit_write(struct request *r, const char *actor, int token_id, const char *action, const char *city,
    const char *survey, int accepted, int status, json_t *detail);

#endif
