/* reply.h: the answers a handler gives as a whole: a JSON value, or the contract's error (JSON for
 * programs, a page for people).  Above http (the transport), page (the HTML frame) and jsonw. */
#ifndef CB_REPLY_H
#define CB_REPLY_H

#include <jansson.h>

#include "http.h"

/* Serialises a JSON value into the body with content type application/json; steals v.  Returns 0, or
 * -1 when v is NULL or cannot be encoded (then the body is the contract's 500 error). */
int reply_json(struct request *r, int status, json_t *v);

/* Answers with the contract's error: JSON for programs ({"error":{...}}), a page for people.
 * details (stolen, may be NULL) is a JSON array of {row, column, message}.  A 5xx is logged with the
 * request id.  Always returns -1 so that a handler can `return reply_error(...)`. */
int reply_error(struct request *r, int status, const char *message, json_t *details);
/* The same, with one more field, key = extra (stolen, may be NULL), in the JSON error object
 * (a plugin preview's "log"); people see the page reply_error shows. */
int reply_error_with(struct request *r, int status, const char *message, json_t *details,
    const char *key, json_t *extra);
int reply_errorf(struct request *r, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
