/* utf8.h: strict UTF-8 validation and decoding (RFC 3629). */
#ifndef CB_UTF8_H
#define CB_UTF8_H

#include <stddef.h>

#include "buf.h"

/*
 * Returns 1 when the n bytes at s are valid UTF-8, else 0. Overlong forms,
 * surrogates (U+D800..U+DFFF) and code points above U+10FFFF are invalid.
 * NUL bytes are valid UTF-8 (callers that refuse them check separately).
 */
int utf8_valid(const char *s, size_t n);

/*
 * Decodes the sequence at s (n bytes available). Returns its length (1..4)
 * and stores the code point in *cp (cp may be NULL), or returns 0 when the
 * bytes at s do not begin a valid sequence or n is 0 (*cp is then untouched).
 */
size_t utf8_decode(const char *s, size_t n, unsigned long *cp);

/*
 * Appends a printable rendering of s (n bytes) for an error message: each
 * byte that is not valid UTF-8 becomes U+FFFD, each control character
 * (C0, DEL, C1) becomes '?', and after max input bytes "..." ends it.
 * The output is always valid UTF-8. Returns 0, or -1 when memory ran out.
 */
int utf8_quote(struct buf *b, const char *s, size_t n, size_t max);

#endif
