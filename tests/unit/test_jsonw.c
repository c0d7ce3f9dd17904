/* test_jsonw.c: the streaming JSON writer against jansson: escaping, numbers, literals. */
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "jsonw.h"
#include "t.h"

static struct buf b = BUF_INIT;

static const char *
str(const char *s)
{
	buf_reset(&b);
	return jsonw_string(&b, s) == 0 ? b.data : "(failed)";
}

static const char *
strn(const char *s, size_t n)
{
	buf_reset(&b);
	return jsonw_stringn(&b, s, n) == 0 ? b.data : "(failed)";
}

static const char *
real(double v)
{
	buf_reset(&b);
	return jsonw_real(&b, v) == 0 ? b.data : "(failed)";
}

static const char *
real_text(const char *s)
{
	buf_reset(&b);
	return jsonw_real_text(&b, s) == 0 ? b.data : "(failed)";
}

static const char *
integer(long long v)
{
	buf_reset(&b);
	return jsonw_int(&b, v) == 0 ? b.data : "(failed)";
}

/* What jansson writes for the string s (valid UTF-8), as reply_json would. */
static char *
jansson_string(const char *s)
{
	json_t *j = json_string(s);
	char *out = j ? json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;

	json_decref(j);
	return out;
}

/* 1 when text reads back (through jansson) as a real equal to v, bit for bit (so -0 is not 0). */
static int
reads_back_real(const char *text, double v)
{
	json_t *j = json_loads(text, JSON_DECODE_ANY, NULL);
	int ok = j && json_is_real(j) && memcmp(&(double){ json_real_value(j) }, &v, sizeof(v)) == 0;

	json_decref(j);
	return ok;
}

static void
strings(void)
{
	static const char *const same[] = {
		"", "toronto", "Saint-Jean-sur-Richelieu", "Montréal", "Zürich", "東京", "emoji 😀 here",
		"quote \" and backslash \\ and slash /", "tab\tnew\nline\rcr\bback\fform",
		"\x01\x02\x1f\x7f", "mixed é\"\\\x1b end", "<script>alert(1)</script>", "\xe2\x80\xa8 U+2028",
	};
	size_t i;
	char name[64];

	for (i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		char *want = jansson_string(same[i]);
		snprintf(name, sizeof(name), "string %zu as jansson writes it", i);
		CHECK_STR(str(same[i]), want, name);
		free(want);
	}
	CHECK_STR(str("a\x01" "b"), "\"a\\u0001b\"", "control char as \\u00XX");
	CHECK_STR(str("\x1f"), "\"\\u001F\"", "\\u00XX in upper case like jansson");
	CHECK_STR(str("\x7f"), "\"\x7f\"", "DEL passes through");
	CHECK_STR(str("\"\\"), "\"\\\"\\\\\"", "quote and backslash");
	CHECK_STR(str("a/b"), "\"a/b\"", "slash not escaped");
	CHECK_STR(str(NULL), "null", "NULL string is null");
	CHECK_STR(strn("a\0b", 3), "\"a\\u0000b\"", "NUL inside a counted string");
	/* invalid UTF-8 never reaches the output */
	CHECK_STR(str("a\xff" "b"), "\"a\xef\xbf\xbd" "b\"", "stray byte becomes U+FFFD");
	CHECK_STR(str("end\xc3"), "\"end\xef\xbf\xbd\"", "truncated sequence at the end");
	CHECK_STR(str("\xc0\xaf"), "\"\xef\xbf\xbd\xef\xbf\xbd\"", "overlong form");
	CHECK_STR(str("\xed\xa0\x80"), "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"", "surrogate");
	CHECK_STR(str("\xf4\x90\x80\x80"), "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"",
	    "above U+10FFFF");
	{
		json_t *j = json_loads(str("x\xfe\xc3\x28\x01\xe2\x82"), JSON_DECODE_ANY, NULL);
		CHECK(j && json_is_string(j), "hostile bytes still give a string jansson parses");
		json_decref(j);
	}
	buf_reset(&b);
	CHECK(jsonw_key(&b, "city") == 0 && strcmp(b.data, "\"city\":") == 0, "key");
}

static void
numbers(void)
{
	static const double cases[] = {
		0.1, 0.2, 1.0 / 3, 2.0 / 3, 100.0 / 3, 99.9, 33.333333333333336, 1e300, -1e300, 1e-300,
		5e-324, DBL_MAX, -DBL_MAX, DBL_MIN, 1e22, 1e21, 123456789012345680.0, 9007199254740993.0,
		9007199254740992.0, 9007199254740991.0, 1.5e-7, 0.000123, 12.5, -12.5, 3.0, 0.0, -0.0,
		4503599627370496.5, 1e15 + 0.3,
	};
	size_t i;
	char name[80];
	unsigned long long x = 88172645463325252ULL;

	CHECK_STR(real(0.1), "0.1", "0.1 shortest");
	CHECK_STR(real(1e300), "1e300", "1e300 without '+' (as jansson)");
	CHECK_STR(real(1.5e-7), "1.5e-7", "negative exponent without leading zero");
	CHECK_STR(real(-0.0), "-0.0", "-0 keeps its sign");
	CHECK_STR(real(0.0), "0.0", "0 is a real");
	CHECK_STR(real(3.0), "3.0", "whole real keeps .0");
	CHECK_STR(real(-42.0), "-42.0", "negative whole real");
	CHECK_STR(real(100.0), "100.0", "percentile 100");
	CHECK_STR(real(9007199254740992.0), "9007199254740992.0", "2^53");
	CHECK_STR(real(1e22), "1e22", "large whole number in exponent form");
	CHECK_STR(real(33.333333333333336), "33.333333333333336", "17 digits when needed");
	CHECK_STR(real(NAN), "null", "NaN never written");
	CHECK_STR(real(-NAN), "null", "-NaN never written");
	CHECK_STR(real(INFINITY), "null", "infinity never written");
	CHECK_STR(real(-INFINITY), "null", "-infinity never written");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char j17[40];
		snprintf(name, sizeof(name), "%.17g reads back exactly as a real", cases[i]);
		CHECK(reads_back_real(real(cases[i]), cases[i]), name);
		snprintf(j17, sizeof(j17), "%.17g", cases[i]);
		snprintf(name, sizeof(name), "%.17g no longer than jansson's", cases[i]);
		CHECK(strlen(real(cases[i])) <= strlen(j17) + 2, name);
	}
	/* random bit patterns: every finite double round-trips, as a real, in at most 17 digits */
	{
		int bad = 0, n;
		for (n = 0; n < 200000; n++) {
			double v;
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			memcpy(&v, &x, sizeof(v));
			if (!isfinite(v))
				continue;
			if (!reads_back_real(real(v), v) && bad++ < 3)
				printf("# %.17g -> %s\n", v, b.data);
		}
		CHECK(bad == 0, "200000 random doubles read back exactly as reals");
	}
	{
		int bad = 0, n;
		for (n = 0; n < 100000; n++) {
			double v = (double)(rand() % 100000) / (double)(rand() % 999 + 1);
			if (!reads_back_real(real(v), v))
				bad++;
		}
		CHECK(bad == 0, "100000 quotients (percentiles, shares) read back exactly");
	}

	/* the printf-free path gives what printf's shortest %.15g/%.16g/%.17g gives (or, at a binade's
	 * edge, fewer digits that still read back exactly) */
	{
		int differ = 0, longer = 0, n;
		unsigned long long y = 2463534242ULL;
		for (n = 0; n < 300000; n++) {
			double v;
			char ref[40];
			int prec;
			y ^= y << 13, y ^= y >> 7, y ^= y << 17;
			switch (n % 3) {
			case 0: v = (double)(y % 100000) / (double)(y % 997 + 1); break;
			case 1: v = ldexp((double)(y >> 11), -(int)(y % 60)); break;
			default: v = (double)(y % 1000000007) * 1e-9 * (n % 2 ? 1 : -1); break;
			}
			if (v == trunc(v) || !isfinite(v))
				continue;
			for (prec = 15; prec <= 17; prec++) {
				snprintf(ref, sizeof(ref), "%.*g", prec, v);
				if (strtod(ref, NULL) == v)
					break;
			}
			real(v);
			if (strchr(ref, 'e'))
				continue;
			if (strcmp(b.data, ref) != 0) {
				differ++;
				if (strlen(b.data) >= strlen(ref) || !reads_back_real(b.data, v)) {
					if (longer++ < 3)
						printf("# %.17g: %s, printf %s\n", v, b.data, ref);
				}
			}
		}
		printf("# %d of 300000 differ from printf's text (all shorter)\n", differ);
		CHECK(longer == 0, "fixed-point values as printf's shortest text, never longer");
	}
	/* values that need 16 or 17 digits (issue 18: exact 128-bit digits instead of snprintf and strtod):
	 * the very text of printf's shortest "%.16g"/"%.17g" that reads back; every percentile of cohorts up
	 * to 700, random mantissas in the fixed range, and exact ties at the 17th digit (to even) */
	{
		int bad = 0, tested = 0, n, of, r;
		unsigned long long y = 88172645463325252ULL;
		for (n = 0; n < 900000; n++) {
			double v;
			char ref[40];
			int prec;
			if (n < 250000) {
				of = 1 + (int)(sqrt(2.0 * n)) % 700;
				r = n % of + 1;
				v = 100.0 * (double)(of - r + 1) / (double)of;
			} else if (n < 800000) {
				y ^= y << 13, y ^= y >> 7, y ^= y << 17;
				v = ldexp((double)((y >> 11) | (1ULL << 52)), (int)(y % 100) - 100) * (y & 1 ? -1 : 1);
			} else {	/* k + j / 2^s: exact binary fractions of up to 17-18 digits */
				y ^= y << 13, y ^= y >> 7, y ^= y << 17;
				v = (double)(y % 100000000000000ULL) / (double)(1ULL << (y % 7 + 1)) +
				    (double)((y >> 40) % 16) / 16.0;
			}
			if (v == trunc(v) || !isfinite(v) || fabs(v) < 1e-4 || fabs(v) >= 1e15)
				continue;
			for (prec = 15; prec <= 17; prec++) {
				snprintf(ref, sizeof(ref), "%.*g", prec, v);
				if (prec == 17 || strtod(ref, NULL) == v)
					break;
			}
			if (prec < 16)
				continue;
			tested++;
			if (!strchr(ref, '.'))
				strcat(ref, ".0");
			if (strcmp(real(v), ref) != 0 && bad++ < 5)
				printf("# %.17g: %s, printf %s\n", v, b.data, ref);
		}
		printf("# %d values of 16 or 17 digits compared\n", tested);
		CHECK(bad == 0 && tested > 100000, "16- and 17-digit reals exactly as printf's shortest");
	}
	CHECK_STR(real(1234567890123.4375), "1234567890123.4375", "an exact binary fraction of 17 digits");
	CHECK_STR(real(100.0 * 36 / 37), "97.29729729729729", "a percentile of 37 (16 digits)");
	CHECK_STR(real(100.0 / 3), "33.333333333333336", "a third of 100 (17 digits)");
	CHECK_STR(real(99.9), "99.9", "99.9");
	CHECK_STR(real(-0.0001), "-0.0001", "-0.0001 (the fixed range's edge)");
	CHECK_STR(real(0.00001), "1e-5", "0.00001 in exponent form, as %g");
	CHECK_STR(real(123456789012345.67), "123456789012345.67", "15 whole digits and decimals");
	CHECK_STR(real(100.0 * 2 / 3), "66.66666666666667", "two thirds of 100");
	CHECK_STR(real(0.3), "0.3", "0.3");
	CHECK_STR(real(1.0 / 3), "0.3333333333333333", "a third");

	CHECK_STR(integer(0), "0", "int 0");
	CHECK_STR(integer(-1), "-1", "int -1");
	CHECK_STR(integer(1000), "1000", "int 1000");
	CHECK_STR(integer(LLONG_MAX), "9223372036854775807", "int max");
	CHECK_STR(integer(LLONG_MIN), "-9223372036854775808", "int min");

	/* PostgreSQL's float8 text */
	CHECK_STR(real_text("0.1"), "0.1", "text 0.1 copied");
	CHECK_STR(real_text("3"), "3.0", "text 3 becomes a real");
	CHECK_STR(real_text("-0"), "-0.0", "text -0");
	CHECK_STR(real_text("1e+300"), "1e300", "text exponent '+' dropped");
	CHECK_STR(real_text("1.5e-07"), "1.5e-7", "text exponent zero dropped");
	CHECK_STR(real_text("2.5e+00"), "2.5e0", "text zero exponent keeps a digit");
	CHECK_STR(real_text("12345.678"), "12345.678", "text plain");
	CHECK_STR(real_text("NaN"), "null", "text NaN never written");
	CHECK_STR(real_text("Infinity"), "null", "text Infinity never written");
	CHECK_STR(real_text("-Infinity"), "null", "text -Infinity never written");
	CHECK_STR(real_text("1e999"), "null", "text overflowing exponent is not copied");
	CHECK_STR(real_text("1e-999"), "0.0", "text underflow is what strtod reads");
	CHECK_STR(real_text("007"), "7.0", "text leading zeros normalised");
	CHECK_STR(real_text(" 3"), "3.0", "text with a space normalised");
	CHECK_STR(real_text("1."), "1.0", "text '1.' normalised");
	CHECK_STR(real_text(".5"), "0.5", "text '.5' normalised");
	CHECK_STR(real_text("0x10"), "16.0", "hex text is not copied");
	CHECK_STR(real_text(NULL), "null", "text NULL");
	CHECK(reads_back_real(real_text("-1.2345678901234567e-250"), -1.2345678901234567e-250),
	    "long text reads back");
	CHECK_STR(real_text("0.10000000000000000000000000000000000000001"), "0.1",
	    "over-long text is rewritten in the shortest form");

	buf_reset(&b);
	CHECK(jsonw_null(&b) == 0 && jsonw_bool(&b, 1) == 0 && jsonw_bool(&b, 0) == 0 &&
	    strcmp(b.data, "nulltruefalse") == 0, "literals");
}

/* A ranking row written by the writer equals the one jansson packed (json_equal on both parses). */
static void
row_like_jansson(void)
{
	json_t *packed = json_pack("{s:s, s:s, s:f, s:I, s:f, s:b}", "city", "st-john-s", "name",
	    "St. John's \"Nfld\"", "value", 0.1, "rank", (json_int_t)3, "percentile", 100.0 * 998 / 1000,
	    "synthetic", 1), *parsed;
	char *want = json_dumps(packed, JSON_COMPACT | JSON_REAL_PRECISION(17));

	buf_reset(&b);
	buf_putc(&b, '{');
	jsonw_key(&b, "city");
	jsonw_string(&b, "st-john-s");
	buf_putc(&b, ',');
	jsonw_key(&b, "name");
	jsonw_string(&b, "St. John's \"Nfld\"");
	buf_putc(&b, ',');
	jsonw_key(&b, "value");
	jsonw_real_text(&b, "0.1");
	buf_putc(&b, ',');
	jsonw_key(&b, "rank");
	jsonw_int(&b, 3);
	buf_putc(&b, ',');
	jsonw_key(&b, "percentile");
	jsonw_real(&b, 100.0 * 998 / 1000);
	buf_putc(&b, ',');
	jsonw_key(&b, "synthetic");
	jsonw_bool(&b, 1);
	buf_putc(&b, '}');
	parsed = json_loads(b.data, 0, NULL);
	CHECK(parsed && json_equal(parsed, packed), "row equals jansson's");
	CHECK(want && strcmp(b.data, want) != 0, "(and is shorter text: 0.1 not 0.10000000000000001)");
	json_decref(parsed);
	free(want);

	buf_reset(&b);
	CHECK(jsonw_value(&b, packed) == 0, "jsonw_value writes an object");
	parsed = json_loads(b.data, 0, NULL);
	CHECK(parsed && json_equal(parsed, packed), "jsonw_value reads back as the same object");
	json_decref(parsed);
	{
		/* without reals that need 17 digits, the very bytes jansson writes */
		json_t *doc = json_pack("{s:[i, I, f, f, f, b, b, n, s], s:{}, s:[], s:{s:{s:[{s:s}]}}, s:s}",
		    "list", 1, (json_int_t)-9007199254740993LL, 3.0, -0.0, 1.5, 1, 0, "t\"\\\n\x01é",
		    "empty", "none", "deep", "a", "b", "c", "d", "last", "");
		char *jd = json_dumps(doc, JSON_COMPACT | JSON_REAL_PRECISION(17));
		buf_reset(&b);
		CHECK(jsonw_value(&b, doc) == 0, "jsonw_value writes a nested document");
		CHECK_STR(b.data, jd, "jsonw_value gives jansson's compact bytes");
		free(jd);
		json_decref(doc);
	}
	{
		/* nesting deeper than jansson reads back is refused, not a stack overflow */
		json_t *root = json_array(), *cur = root;
		int k;
		for (k = 0; k < 3000; k++) {
			json_t *next = json_array();
			json_array_append_new(cur, next);
			cur = next;
		}
		buf_reset(&b);
		CHECK(jsonw_value(&b, root) == -1, "3000 levels refused");
		json_decref(root);
	}
	buf_reset(&b);
	CHECK(jsonw_value(&b, NULL) == -1, "jsonw_value(NULL) fails");
	json_decref(packed);
	{
		json_t *s = json_string("2020");
		buf_reset(&b);
		CHECK(jsonw_value(&b, s) == 0 && strcmp(b.data, "\"2020\"") == 0, "jsonw_value of a string");
		json_decref(s);
	}
}

/* The eight-bytes-at-a-time run of plain ASCII (issue 18, ninth session): every byte value (1-0x7F, and
 * U+00E9 / U+2028 for the non-ASCII) at every position of runs 1-24 long, against jansson's dump. */
static void
strings_every_position(void)
{
	static const char *const odd[] = { "\xc3\xa9", "\xe2\x80\xa8" };
	char s[40], name[96];
	size_t len, at, k;
	int c, bad = 0, keybad = 0;

	for (len = 1; len <= 24; len++) {
		for (at = 0; at < len; at++) {
			for (c = 1; c < 0x80 + 2; c++) {
				const char *ins = c < 0x80 ? (char[2]){ (char)c, 0 } : odd[c - 0x80];
				char *want;

				memset(s, 'a', len);
				k = strlen(ins);
				memcpy(s + at, ins, k);
				memset(s + at + k, 'z', len - at);
				s[len + k] = '\0';
				want = jansson_string(s);
				if (want != NULL) {	/* a key: the same string, then ':' */
					static struct buf kb = BUF_INIT;
					buf_reset(&kb);
					if (jsonw_key(&kb, s) != 0 || kb.len != strlen(want) + 1 ||
					    strncmp(kb.data, want, kb.len - 1) != 0 || kb.data[kb.len - 1] != ':')
						keybad++;
				}
				if (want == NULL || strcmp(str(s), want) != 0) {
					if (bad++ < 3) {
						snprintf(name, sizeof(name), "byte 0x%02x at %zu of %zu as jansson", c, at, len);
						CHECK_STR(str(s), want ? want : "(jansson failed)", name);
					}
				}
				free(want);
			}
		}
	}
	CHECK(bad == 0, "every byte at every position of 1-24-byte runs as jansson writes it");
	CHECK(keybad == 0, "and as a key, followed by ':'");
	buf_reset(&b);
	CHECK(jsonw_key(&b, NULL) == 0 && strcmp(b.data, "null:") == 0, "a NULL key as before");
	CHECK_STR(strn("abcdefgh\xffijklmnop", 17), "\"abcdefgh\xef\xbf\xbdijklmnop\"",
	    "a stray byte after a plain run of eight");
	CHECK_STR(strn("abcdefghijklmnop\x01", 17), "\"abcdefghijklmnop\\u0001\"",
	    "a control character after two plain runs");
}

int
main(void)
{
	strings();
	strings_every_position();
	numbers();
	row_like_jansson();
	buf_free(&b);
	return T_DONE();
}
