/* ltext.h: a translated sentence with its values in place (issue 20): one template per language, the
 * values where each language's word order puts them, never a sentence glued from fragments. */
#ifndef CB_LTEXT_H
#define CB_LTEXT_H

#include "buf.h"

/* Appends tmpl (trusted HTML: a message from the sources or fr.po) to b with {1} .. {4} replaced by
 * the values a1 .. a4: text, escaped, unless bit k-1 of raw is set (then trusted HTML, as is).  A
 * placeholder with no value (NULL) and any other brace are kept as written. */
void ltext(struct buf *b, const char *tmpl, unsigned raw, const char *a1, const char *a2, const char *a3,
    const char *a4);

#endif
