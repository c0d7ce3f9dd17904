/* upload_msg.h: an upload's validation messages in the page's language (issue 20).  The domain writes
 * them in English (the JSON answers keep them so); an HTML page recognises each message's English
 * template and writes its translation with the same values. */
#ifndef CB_UPLOAD_MSG_H
#define CB_UPLOAD_MSG_H

#include "buf.h"

/* Appends msg to b as escaped HTML, translated when it is one of the known templates (else as is). */
void upload_msg_html(struct buf *b, const char *msg);

#endif
