/* wired.c: an answer's JSON text encoded for the wire (wire.h) without building a jansson value.
 *
 * The simple forms PostgreSQL writes for jsonb are read here: a string without escapes or control
 * characters (valid UTF-8), a number of at most 18 digits (an integer) or a finite real without an
 * exponent (numtext_double: jansson's strtod), the literals, and an array of those as jsonb writes it
 * ("[a, b]").  Anything else goes to json_loads and the encoder of jansson values (wire.c), so the
 * bytes are always those wire_cities_encode sends for the value json_loads reads from the text. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "numtext.h"
#include "plugin.h"
#include "utf8.h"
#include "wire.h"

#define NO_STRING	0xffffffffu

/* Appends n bytes (the buffer grows by doubling; most appends only copy). */
static inline int
put(struct buf *b, const void *p, size_t n)
{
	if (b->cap - b->len <= n && buf_reserve(b, n) == -1)
		return -1;
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

static inline int
put_u32(struct buf *b, uint32_t v)
{
	return put(b, &v, sizeof(v));
}

/* One number at *p, or -1 (nothing written) when it is not a simple form. */
static int
fast_number(struct buf *b, const char **p)
{
	const char *s = *p, *q = s;
	char num[40];
	int digits = 0, real = 0;
	unsigned char tag;

	if (*q == '-')
		q++;
	if (*q == '0' && q[1] >= '0' && q[1] <= '9')
		return -1;	/* a leading zero: not JSON */
	for (; *q >= '0' && *q <= '9'; q++)
		digits++;
	if (digits == 0)
		return -1;
	if (*q == '.') {
		real = 1;
		if (!(q[1] >= '0' && q[1] <= '9'))
			return -1;
		for (q++; *q >= '0' && *q <= '9'; q++)
			digits++;
	}
	if (*q == 'e' || *q == 'E' || digits > 18 || (size_t)(q - s) >= sizeof(num))
		return -1;
	memcpy(num, s, (size_t)(q - s));
	num[q - s] = '\0';
	if (real) {
		double d = numtext_double(num);
		if (!isfinite(d))
			return -1;
		tag = WIRE_FLOAT;
		if (put(b, &tag, 1) == -1 || put(b, &d, sizeof(d)) == -1)
			return -2;
	} else {
		int64_t i = (int64_t)strtoll(num, NULL, 10);
		tag = WIRE_INT;
		if (put(b, &tag, 1) == -1 || put(b, &i, sizeof(i)) == -1)
			return -2;
	}
	*p = q;
	return 0;
}

/* The value at *p appended to b: 0 (*p moved past it), -1 not a simple form, -2 out of memory. */
static int
fast_value(struct buf *b, const char **p, int nested)
{
	const char *s = *p, *q;
	unsigned char tag;
	size_t at, count;
	uint32_t n;
	int r;
	unsigned char high;

	switch (*s) {
	case 'n':
		if (strncmp(s, "null", 4) != 0)
			return -1;
		tag = WIRE_NIL;
		*p = s + 4;
		break;
	case 't':
		if (strncmp(s, "true", 4) != 0)
			return -1;
		tag = WIRE_TRUE;
		*p = s + 4;
		break;
	case 'f':
		if (strncmp(s, "false", 5) != 0)
			return -1;
		tag = WIRE_FALSE;
		*p = s + 5;
		break;
	case '"':
		for (q = s + 1, high = 0; *q && *q != '"' && *q != '\\' && (unsigned char)*q >= 0x20; q++)
			high |= (unsigned char)*q;
		if (*q != '"' || (size_t)(q - s - 1) >= NO_STRING ||
		    (high >= 0x80 && !utf8_valid(s + 1, (size_t)(q - s - 1))))
			return -1;	/* escapes, control characters, bad UTF-8: jansson decides */
		tag = WIRE_STRING;
		if (put(b, &tag, 1) == -1 || put_u32(b, (uint32_t)(q - s - 1)) == -1 ||
		    put(b, s + 1, (size_t)(q - s - 1)) == -1)
			return -2;
		*p = q + 1;
		return 0;
	case '[':
		if (nested)
			return -1;
		tag = WIRE_LIST;
		if (put(b, &tag, 1) == -1 || put_u32(b, 0) == -1)
			return -2;
		at = b->len - sizeof(n);
		q = s + 1;
		count = 0;
		if (*q != ']')
			for (;;) {
				if ((r = fast_value(b, &q, 1)) != 0)
					return r;
				count++;
				if (*q == ']')
					break;
				if (q[0] != ',' || q[1] != ' ')
					return -1;
				q += 2;
			}
		if (count >= NO_STRING)
			return -1;
		n = (uint32_t)count;
		memcpy(b->data + at, &n, sizeof(n));
		*p = q + 1;
		return 0;
	default:
		return fast_number(b, p);
	}
	return put(b, &tag, 1) == -1 ? -2 : 0;
}

int
plugin_answer_encode(struct buf *b, const char *text)
{
	const char *p = text;
	size_t start = b->len, n;
	json_t *v;
	int r = fast_value(b, &p, 0);

	if (r == 0 && *p == '\0')
		return 0;
	if (r == -2)
		return -1;
	b->len = start;	/* not a simple form: what json_loads reads, encoded as a jansson value */
	if (b->data)
		b->data[start] = '\0';
	v = json_loads(text, JSON_DECODE_ANY, NULL);
	n = wire_answer_encode(NULL, 0, v);
	if (buf_reserve(b, n + 1) == -1) {
		json_decref(v);
		return -1;
	}
	wire_answer_encode(b->data + b->len, n, v);
	b->len += n;
	b->data[b->len] = '\0';
	json_decref(v);
	return 0;
}

size_t
wire_value_size(const unsigned char *p)
{
	uint32_t n, k;
	size_t size;

	switch (*p) {
	case WIRE_INT:
	case WIRE_FLOAT:
		return 9;
	case WIRE_STRING:
		memcpy(&n, p + 1, sizeof(n));
		return 5 + (size_t)n;
	case WIRE_LIST:
		memcpy(&n, p + 1, sizeof(n));
		for (size = 5, k = 0; k < n; k++)
			size += wire_value_size(p + size);
		return size;
	default:
		return 1;
	}
}
