/* weburl.h: the answers of `url` questions: absolute http(s) addresses, checked once for both the
 * upload (a 422 otherwise) and the page (only such an address is ever written into a link). */
#ifndef CB_WEBURL_H
#define CB_WEBURL_H

#include <stddef.h>

#define WEBURL_MAX 2000		/* characters (bytes: only ASCII is accepted) */

/* 1 when s is an absolute http: or https: URL of at most WEBURL_MAX characters: scheme (any case),
 * "//", a host of letters, digits, '-' and '.' (or a bracketed IPv6 address), an optional port, then
 * any path, query and fragment of printable ASCII without spaces, quotes, '<', '>', '\\', '^', '`',
 * '{', '|', '}'.  0 for anything else (a NULL s included); why in *why when why is not NULL. */
int weburl_valid(const char *s, const char **why);

#endif
