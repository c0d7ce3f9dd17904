/* upload_msg.h: an upload's validation messages in the page's language (issue 20).  The domain writes each
 * problem as a kind (vmsg.h): a stable code and its values; the JSON answers keep the English sentence,
 * an HTML page writes the kind's template in its own language with the same values. */
#ifndef CB_UPLOAD_MSG_H
#define CB_UPLOAD_MSG_H

#include <jansson.h>

#include "buf.h"

/* Appends the message of d ({message, code, args}: a detail or a summary) as escaped HTML in the
 * request's language; when d has no known code (or is NULL), msg (else d's message) as the sources
 * wrote it, translated when it is one of their messages. */
void upload_msg_html(struct buf *b, json_t *d, const char *msg);

/* The kind's template in the request's language with its arguments, as escaped HTML (a sentence: a full
 * stop at the end).  Returns 0, or -1 when code is no kind (nothing appended). */
int upload_msg_kind(struct buf *b, const char *code, json_t *args);

#endif
