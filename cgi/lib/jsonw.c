/* jsonw.c: a small streaming JSON writer into a struct buf (strings, numbers, literals, jansson values).
 *
 * It exists for output proportional to the data: a 10,000-city ranking written through one jansson
 * object per row and a generic dump cost more instructions than the rest of the request together.  The
 * rules follow jansson's dump (JSON_COMPACT, no JSON_ENSURE_ASCII), so a document written partly by
 * jansson and partly here reads as one. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonw.h"
#include "utf8.h"

/* 2^53: below it every integer is exactly a double, and fits a long long. */
#define EXACT_INT	9007199254740992.0

int
jsonw_null(struct buf *b)
{
	return buf_append(b, "null", 4);
}

int
jsonw_bool(struct buf *b, int v)
{
	return v ? buf_append(b, "true", 4) : buf_append(b, "false", 5);
}

/* Digits of u, '-' before them when neg, then suffix (may be ""). */
static int
put_integer(struct buf *b, unsigned long long u, int neg, const char *suffix)
{
	char tmp[32], *end = tmp + 24, *p = end;
	size_t k = strlen(suffix);

	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (neg)
		*--p = '-';
	memcpy(end, suffix, k);
	return buf_append(b, p, (size_t)(end - p) + k);
}

int
jsonw_int(struct buf *b, long long v)
{
	/* through unsigned: -LLONG_MIN does not fit a long long */
	return put_integer(b, v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v, v < 0, "");
}

/*
 * Appends the number text s[0..n-1], known to be a JSON number or printf's %g (an exponent "e+07" or
 * "e-07"), the way jansson writes a real: no '+' and no leading zeros in the exponent, and ".0" when
 * there is neither '.' nor exponent.
 */
static int
put_real_text(struct buf *b, const char *s, size_t n)
{
	char tmp[64];
	size_t i, k = 0;
	int frac = 0, exp = 0;

	if (n > sizeof(tmp) - 3)
		return -1;	/* callers pass at most 40 bytes */
	for (i = 0; i < n; i++) {
		char c = s[i];
		if (c == '.')
			frac = 1;
		if (c == 'e' || c == 'E') {
			exp = 1;
			tmp[k++] = 'e';
			i++;
			if (i < n && (s[i] == '+' || s[i] == '-')) {
				if (s[i] == '-')
					tmp[k++] = '-';
				i++;
			}
			while (i + 1 < n && s[i] == '0')
				i++;
			for (; i < n; i++)
				tmp[k++] = s[i];
			break;
		}
		tmp[k++] = c;
	}
	if (!frac && !exp) {
		tmp[k++] = '.';
		tmp[k++] = '0';
	}
	return buf_append(b, tmp, k);
}

/*
 * The shortest fixed-point text of v, 1e-4 <= |v| < 1e15 and not whole, without printf: the fewest
 * decimals k for which an integer c gives c / 10^k == v.  Division of two exact doubles is correctly
 * rounded, so that is exactly "strtod reads it back".  While v * 10^k < 2^53 the integers that fit are
 * beside the rounded product (whose own error is at most 1/2), at most two of them; of two, the one
 * nearer v * 10^k (measured with fma, which rounds once), the even one on a tie: what printf's %.*g
 * rounds to.  Returns the
 * text's length; 0 when v is outside that range; -1 when it needs 16 or more significant digits beyond
 * what a 2^53 integer holds (no text of 15 digits or fewer reads back as v then: printf decides).
 */
static int
fixed_shortest(double v, char *out)
{
	static const double p10[] = { 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12,
		1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19 };
	double a = fabs(v), scaled, near, c = -1, best = 0;
	char digits[24], *d = digits + sizeof(digits);
	unsigned long long u;
	int k, j, n = 0, nd;

	if (!(a >= 1e-4 && a < 1e15))
		return 0;
	for (k = 1; k < (int)(sizeof(p10) / sizeof(p10[0])) && c < 0; k++) {
		if ((scaled = a * p10[k]) >= 9007199254740992.0)	/* 2^53 */
			return -1;
		near = nearbyint(scaled);
		for (j = -1; j <= 1; j++) {
			double t = near + j, dist;
			if (!(t >= 0 && t / p10[k] == a))
				continue;	/* (the distance only for a candidate that reads back) */
			dist = fabs(fma(a, p10[k], -t));
			/* a tie (v exactly halfway) goes to the even digit, as printf rounds */
			if (c < 0 || dist < best || (dist == best && fmod(t, 2) == 0)) {
				c = t;
				best = dist;
			}
		}
	}
	if (c < 0)
		return -1;
	k--;
	for (u = (unsigned long long)c; u; u /= 10)
		*--d = (char)('0' + u % 10);
	nd = (int)(digits + sizeof(digits) - d);
	if (signbit(v))
		out[n++] = '-';
	if (nd <= k) {
		out[n++] = '0';
		out[n++] = '.';
		while (nd < k--)
			out[n++] = '0';
		memcpy(out + n, d, (size_t)nd);
		n += nd;
	} else {
		memcpy(out + n, d, (size_t)(nd - k));
		n += nd - k;
		out[n++] = '.';
		memcpy(out + n, d + nd - k, (size_t)k);
		n += k;
	}
	return n;
}

#if defined(__SIZEOF_INT128__)
__extension__ typedef unsigned __int128 u128;

/* 10^k for 0 <= k <= 38 */
static u128
pow10_u128(int k)
{
	static const unsigned long long p[] = { 1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL,
		1000000ULL, 10000000ULL, 100000000ULL, 1000000000ULL, 10000000000ULL, 100000000000ULL,
		1000000000000ULL, 10000000000000ULL, 100000000000000ULL, 1000000000000000ULL,
		10000000000000000ULL, 100000000000000000ULL, 1000000000000000000ULL,
		10000000000000000000ULL };

	return k <= 19 ? (u128)p[k] : (u128)p[19] * p[k - 19];
}

/*
 * printf's "%.*g" of v for prec 16 or 17, computed exactly in 128-bit integers instead of printf's
 * multi-precision arithmetic (issue 18: a ranking's percentiles such as 100 * 36 / 37 need 16 or 17
 * digits, and snprintf plus strtod, twice, were a third of a ranking's worker instructions).  Only for
 * what jsonw_real sends here: v not whole, 1e-4 <= |v| < 1e15, so that "%g" writes fixed-point.  v is
 * m / 2^sh exactly; its prec significant digits are (m * 10^q) / 2^sh rounded to nearest, an exact tie
 * to even (as glibc's printf); *back is 1 when strtod reads the text back as v: when D / 10^q lies
 * inside v's rounding interval, a bound itself counting when m is even (strtod's ties to even).  Every
 * product stays below 2^125.  Returns the text's length, or 0 outside this path's range (then printf
 * decides).
 */
static int
fixed_prec(double v, int prec, char *out, int *back)
{
	double a = fabs(v);
	int e2, sh, x, q = 0, tries, nd, n = 0, ip;
	unsigned long long m;
	u128 N = 0, D = 0, rem, half, p10q = 1, L, U4, Lo4;
	unsigned long long dd;
	char digits[48], *d = digits + sizeof(digits);

	if (!(a >= 1e-4 && a < 1e15) || (prec != 16 && prec != 17))
		return 0;
	m = (unsigned long long)ldexp(frexp(a, &e2), 53);
	sh = 53 - e2;
	if (sh < 1 || sh > 66)
		return 0;
	x = (int)floor((e2 - 1) * 0.30102999566398120);	/* log10(a) or one less: corrected below */
	for (tries = 0; tries < 3; tries++) {	/* x: the decimal exponent, log10 may be one off */
		q = prec - 1 - x;
		if (q < 0 || q > 20)
			return 0;
		p10q = pow10_u128(q);
		N = (u128)m * p10q;
		D = N >> sh;
		if (D >= pow10_u128(prec))
			x++;
		else if (D < pow10_u128(prec - 1))
			x--;
		else
			break;
	}
	if (tries == 3)
		return 0;
	rem = N - (D << sh);
	half = (u128)1 << (sh - 1);
	if (rem > half || (rem == half && (D & 1)))
		D++;
	L = D << (sh + 2);
	U4 = (u128)(4 * m + 2) * p10q;
	Lo4 = (u128)(m == (1ULL << 52) ? 4 * m - 1 : 4 * m - 2) * p10q;
	*back = (L < U4 || (L == U4 && !(m & 1))) && (L > Lo4 || (L == Lo4 && !(m & 1)));
	dd = (unsigned long long)D;	/* at most 10^17 */
	do {
		*--d = (char)('0' + (int)(dd % 10));
		dd /= 10;
	} while (dd);
	nd = (int)(digits + sizeof(digits) - d);
	while (q > 0 && d[nd - 1] == '0') {	/* "%g" drops the fraction's trailing zeros */
		nd--;
		q--;
	}
	if (signbit(v))
		out[n++] = '-';
	ip = nd - q;	/* digits before the point */
	if (ip <= 0) {
		out[n++] = '0';
	} else {
		memcpy(out + n, d, (size_t)ip);
		n += ip;
	}
	if (q > 0) {
		out[n++] = '.';
		for (; ip < 0; ip++)
			out[n++] = '0';
		memcpy(out + n, d + (nd - q > 0 ? nd - q : 0), (size_t)(nd < q ? nd : q));
		n += nd < q ? nd : q;
	}
	return n;
}
#endif

int
jsonw_real(struct buf *b, double v)
{
	char tmp[40];
	int prec = 15, n = 0;

	if (!isfinite(v))
		return jsonw_null(b);
	if (v == trunc(v) && fabs(v) < EXACT_INT)
		return put_integer(b, (unsigned long long)fabs(v), signbit(v) != 0, ".0");
	if ((n = fixed_shortest(v, tmp)) > 0)
		return buf_append(b, tmp, (size_t)n);
	if (n == -1)
		prec = 16;
#if defined(__SIZEOF_INT128__)
	if (n == -1) {
		int back = 0;

		if ((n = fixed_prec(v, 16, tmp, &back)) > 0 && !back)
			n = fixed_prec(v, 17, tmp, &back);
		if (n > 0)
			return put_real_text(b, tmp, (size_t)n);
	}
#endif
	/* the shortest of 15, 16, 17 significant digits that reads back exactly; 17 always does */
	for (; prec <= 17; prec++) {
		n = snprintf(tmp, sizeof(tmp), "%.*g", prec, v);
		if (n < 0 || (size_t)n >= sizeof(tmp))
			return -1;
		if (prec == 17 || strtod(tmp, NULL) == v)
			break;
	}
	return put_real_text(b, tmp, (size_t)n);
}

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* 1 when s is a JSON number whose exponent (if any) keeps it well inside a double's finite range. */
static int
json_number_syntax(const char *s)
{
	const char *p = s;
	long e = 0;

	if (*p == '-')
		p++;
	if (*p == '0')
		p++;
	else if (*p >= '1' && *p <= '9')
		while (is_digit(*p))
			p++;
	else
		return 0;
	if (*p == '.') {
		p++;
		if (!is_digit(*p))
			return 0;
		while (is_digit(*p))
			p++;
	}
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (!is_digit(*p))
			return 0;
		/* a mantissa of up to 17 digits and an exponent within +-290 stay finite and normal */
		while (is_digit(*p)) {
			e = e * 10 + (*p++ - '0');
			if (e > 290)
				return 0;
		}
	}
	return *p == '\0' && p - s <= 40;
}

int
jsonw_real_text(struct buf *b, const char *text)
{
	if (text == NULL)
		return jsonw_null(b);
	if (json_number_syntax(text))
		return put_real_text(b, text, strlen(text));
	return jsonw_real(b, strtod(text, NULL));
}

static int
put_escape(struct buf *b, unsigned char c)
{
	static const char hex[] = "0123456789ABCDEF";
	char u[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };

	switch (c) {
	case '"': return buf_append(b, "\\\"", 2);
	case '\\': return buf_append(b, "\\\\", 2);
	case '\b': return buf_append(b, "\\b", 2);
	case '\f': return buf_append(b, "\\f", 2);
	case '\n': return buf_append(b, "\\n", 2);
	case '\r': return buf_append(b, "\\r", 2);
	case '\t': return buf_append(b, "\\t", 2);
	default: return buf_append(b, u, 6);
	}
}

/* Whether the 8 bytes at p are all plain ASCII (0x20-0x7F, neither '"' nor '\\'): copied as they are.
 * Each test is exact for "some byte is": below 0x20, high bit set, equal to '"', equal to '\\'. */
static int
plain8(const char *p)
{
	const unsigned long long ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
	unsigned long long x, q, k;

	memcpy(&x, p, 8);
	q = x ^ (ones * '"');
	k = x ^ (ones * '\\');
	return (((x - ones * 0x20) & ~x) | x | ((q - ones) & ~q) | ((k - ones) & ~k)) & high ? 0 : 1;
}

/* How many bytes at the start of s[0..n) are plain ASCII. */
static size_t
plain_prefix(const char *s, size_t n)
{
	size_t i = 0;

	while (n - i >= 8 && plain8(s + i))
		i += 8;
	while (i < n && (unsigned char)s[i] >= 0x20 && (unsigned char)s[i] < 0x80 && s[i] != '"' &&
	    s[i] != '\\')
		i++;
	return i;
}

/* Writes '"', s, '"' and then tail (0: none) straight into the room buf_reserve made: s is plain. */
static void
put_plain(struct buf *b, const char *s, size_t n, char tail)
{
	char *p = b->data + b->len;

	*p++ = '"';
	memcpy(p, s, n);
	p += n;
	*p++ = '"';
	if (tail)
		*p++ = tail;
	*p = '\0';
	b->len = (size_t)(p - b->data);
}

int
jsonw_stringn(struct buf *b, const char *s, size_t n)
{
	size_t i = 0, start = 0, len;
	int rc = 0;

	if (s == NULL)
		return jsonw_null(b);
	if (buf_reserve(b, n + 2) == -1)
		return -1;
	/* a string without anything to escape or check (most of them): one copy */
	if ((i = plain_prefix(s, n)) == n) {
		put_plain(b, s, n, 0);
		return 0;
	}
	if (buf_putc(b, '"') == -1)
		return -1;
	while (i < n && rc == 0) {
		unsigned char c;

		/* eight plain ASCII bytes at a time (issue 18, ninth session: this loop was the profile
		 * JSON's largest function) */
		while (n - i >= 8 && plain8(s + i))
			i += 8;
		if (i >= n)
			break;
		c = (unsigned char)s[i];
		/* runs of plain ASCII and of valid UTF-8 sequences are copied in one append */
		if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0x80 && (len = utf8_decode(s + i, n - i, NULL)) > 0) {
			i += len;
			continue;
		}
		rc = buf_append(b, s + start, i - start);
		if (rc == 0)
			rc = c >= 0x80 ? buf_append(b, "\xEF\xBF\xBD", 3) : put_escape(b, c);
		start = ++i;
	}
	if (rc == 0)
		rc = buf_append(b, s + start, n - start);
	return rc == 0 ? buf_putc(b, '"') : -1;
}

int
jsonw_string(struct buf *b, const char *s)
{
	return s ? jsonw_stringn(b, s, strlen(s)) : jsonw_null(b);
}

int
jsonw_key(struct buf *b, const char *name)
{
	size_t n = name ? strlen(name) : 0;

	if (name && buf_reserve(b, n + 3) == 0 && plain_prefix(name, n) == n) {
		put_plain(b, name, n, ':');
		return 0;
	}
	if (jsonw_string(b, name) == -1)
		return -1;
	return buf_putc(b, ':');
}

/* Depth of nesting jsonw_value follows, as jansson's parser allows. */
#define MAX_DEPTH	2048

static int
value(struct buf *b, const json_t *v, int depth)
{
	const char *key;
	json_t *item;
	size_t i;
	int rc = 0, first = 1;

	if (depth > MAX_DEPTH)
		return -1;
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		rc = buf_putc(b, '{');
		/* json_object_foreach takes a non-const object; it only reads it */
		json_object_foreach((json_t *)v, key, item) {
			if (rc == 0 && !first)
				rc = buf_putc(b, ',');
			first = 0;
			if (rc == 0)
				rc = jsonw_key(b, key);
			if (rc == 0)
				rc = value(b, item, depth + 1);
			if (rc)
				break;
		}
		return rc ? -1 : buf_putc(b, '}');
	case JSON_ARRAY:
		rc = buf_putc(b, '[');
		for (i = 0; rc == 0 && i < json_array_size(v); i++) {
			if (i)
				rc = buf_putc(b, ',');
			if (rc == 0)
				rc = value(b, json_array_get(v, i), depth + 1);
		}
		return rc ? -1 : buf_putc(b, ']');
	case JSON_STRING:
		return jsonw_stringn(b, json_string_value(v), json_string_length(v));
	case JSON_INTEGER:
		return jsonw_int(b, (long long)json_integer_value(v));
	case JSON_REAL:
		return jsonw_real(b, json_real_value(v));
	case JSON_TRUE:
		return jsonw_bool(b, 1);
	case JSON_FALSE:
		return jsonw_bool(b, 0);
	case JSON_NULL:
		return jsonw_null(b);
	}
	return -1;
}

int
jsonw_value(struct buf *b, const json_t *v)
{
	if (v == NULL)
		return -1;
	return value(b, v, 0);
}
