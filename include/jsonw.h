/* jsonw.h: a small streaming JSON writer into a struct buf, for output proportional to the data (a
 * ranking's rows) where building one jansson object per row and dumping it costs more than the rest of
 * the request.  Its output reads back as what jansson would have written for the same values: strings
 * escaped by jansson's rules, integers as integers, reals as reals (always with '.' or an exponent). */
#ifndef CB_JSONW_H
#define CB_JSONW_H

#include <stddef.h>
#include <jansson.h>

#include "buf.h"

/*
 * Each writer appends to b and returns 0, or -1 when memory ran out (b may then hold part of the
 * value: the caller discards the whole answer).
 *
 * jsonw_string: a quoted string.  '"', '\\' and control characters are escaped (\b \f \n \r \t, the
 * others as \u00XX), everything else, UTF-8 included, passes through.  A byte that is not part of valid
 * UTF-8 is written as U+FFFD, so the output is valid JSON whatever s holds.  s == NULL writes null.
 */
int jsonw_string(struct buf *b, const char *s);
int jsonw_stringn(struct buf *b, const char *s, size_t n);

/* jsonw_key: a member name and its ':' ("name":). */
int jsonw_key(struct buf *b, const char *name);

/* jsonw_int: an integer. */
int jsonw_int(struct buf *b, long long v);

/*
 * jsonw_real: a real in the shortest text that reads back as exactly v (-0 stays -0.0), always with a
 * '.' or an exponent so that it reads back as a real, not an integer.  NaN and infinities, which JSON
 * cannot hold, are written as null.
 */
int jsonw_real(struct buf *b, double v);

/*
 * jsonw_real_text: a real given as text (PostgreSQL's float8 output, already the shortest exact form):
 * copied when it is a JSON number (an exponent's '+' and leading zeros dropped, ".0" added to a whole
 * number), else written as jsonw_real(strtod(text)) (so "NaN", "Infinity" become null).  The value
 * written is always strtod(text).  text == NULL writes null.
 */
int jsonw_real_text(struct buf *b, const char *text);

/* jsonw_null, jsonw_bool: the literals. */
int jsonw_null(struct buf *b);
int jsonw_bool(struct buf *b, int v);

/*
 * jsonw_value: any jansson value, compact, in jansson's order (an object's members as inserted), with the
 * rules above (reals in their shortest exact text where jansson wrote 17 digits: the same values).
 * Returns -1 when v is NULL, nests deeper than 2048, or memory ran out.
 */
int jsonw_value(struct buf *b, const json_t *v);

#endif
