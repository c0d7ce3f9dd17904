/* html.h: the escaping writer; every dynamic string reaches a page through it. */
#ifndef CB_HTML_H
#define CB_HTML_H

#include <stddef.h>

#include "buf.h"

/*
 * Each appends to b and returns 0, or -1 when memory ran out (b may then
 * hold part of the output). A NULL string writes nothing.
 *
 * html_text, html_textn, html_attr and xml_text escape & < > " ' as
 * &amp; &lt; &gt; &quot; &#39;, so their output is safe in element content
 * and in quoted attribute values alike. They never pass through what is not
 * well-formed: each byte that is not part of valid UTF-8 becomes U+FFFD, and
 * so do control characters (C0 other than tab, LF and CR; DEL; C1), NUL
 * bytes (in html_textn) and U+FFFE/U+FFFF, which XML 1.0 forbids or HTML
 * calls parse errors.
 */
int html_text(struct buf *b, const char *s);
int html_textn(struct buf *b, const char *s, size_t n);
int html_attr(struct buf *b, const char *s);
int xml_text(struct buf *b, const char *s);

/* Appends trusted template text as is: never pass it request data. */
int html_raw(struct buf *b, const char *literal);

/*
 * Percent-encodes every byte of s except the unreserved A-Z a-z 0-9 - . _ ~
 * (upper-case hex digits), for a query-string key or value in a link; the
 * result still needs html_attr when it goes into an attribute.
 */
int url_encode(struct buf *b, const char *s);

#endif
