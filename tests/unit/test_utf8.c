/* test_utf8.c: strict UTF-8 validation, decoding and quoting. */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "t.h"
#include "utf8.h"

#define V(lit) utf8_valid(lit, sizeof(lit) - 1)

/* A decoder written from the definition, to check the table-driven one. */
static int
reference_valid(const unsigned char *s, size_t n)
{
	size_t i = 0, len, k;
	unsigned long cp, min;

	while (i < n) {
		if (s[i] < 0x80) { i++; continue; }
		if ((s[i] & 0xe0) == 0xc0) { len = 2; cp = s[i] & 0x1f; min = 0x80; }
		else if ((s[i] & 0xf0) == 0xe0) { len = 3; cp = s[i] & 0x0f; min = 0x800; }
		else if ((s[i] & 0xf8) == 0xf0) { len = 4; cp = s[i] & 0x07; min = 0x10000; }
		else return 0;
		if (n - i < len)
			return 0;
		for (k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += len;
	}
	return 1;
}

static void
exhaustive(void)
{
	unsigned char s[4];
	unsigned long a, b, c, bad = 0, valid3 = 0;

	for (a = 0; a < 256; a++)
		for (b = 0; b < 256; b++) {
			s[0] = (unsigned char)a;
			s[1] = (unsigned char)b;
			if (utf8_valid((char *)s, 2) != reference_valid(s, 2))
				bad++;
			for (c = 0; c < 256; c++) {
				s[2] = (unsigned char)c;
				if (utf8_valid((char *)s, 3) !=
				    reference_valid(s, 3))
					bad++;
				if (a >= 0xe0 && a < 0xf0 &&
				    reference_valid(s, 3))
					valid3++;
			}
		}
	CHECK(bad == 0, "all 2- and 3-byte strings agree with the reference");
	/* 16 lead bytes x 64 x 64, less overlongs (E0: 32x64) and
	 * surrogates (ED: 32x64). */
	CHECK(valid3 == 16 * 64 * 64 - 2 * 32 * 64, "count of valid 3-byte sequences");

	bad = 0;
	for (a = 0xf0; a < 0x100; a++)
		for (b = 0; b < 256; b++)
			for (c = 0x7f; c < 0xc1; c++) {
				s[0] = (unsigned char)a;
				s[1] = (unsigned char)b;
				s[2] = (unsigned char)c;
				s[3] = 0x80;
				if (utf8_valid((char *)s, 4) !=
				    reference_valid(s, 4))
					bad++;
			}
	CHECK(bad == 0, "4-byte strings agree with the reference");
}

int
main(void)
{
	struct buf b = BUF_INIT;
	unsigned long cp = 0;

	CHECK(utf8_valid("", 0) == 1, "empty is valid");
	CHECK(V("plain ascii") == 1, "ascii");
	CHECK(V("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80") == 1, "2, 3, 4 bytes");
	CHECK(V("\x7f") == 1, "U+007F");
	CHECK(V("\xc2\x80") == 1, "U+0080");
	CHECK(V("\xdf\xbf") == 1, "U+07FF");
	CHECK(V("\xe0\xa0\x80") == 1, "U+0800");
	CHECK(V("\xed\x9f\xbf") == 1, "U+D7FF");
	CHECK(V("\xee\x80\x80") == 1, "U+E000");
	CHECK(V("\xef\xbf\xbf") == 1, "U+FFFF");
	CHECK(V("\xf0\x90\x80\x80") == 1, "U+10000");
	CHECK(V("\xf4\x8f\xbf\xbf") == 1, "U+10FFFF");
	CHECK(V("a\0b") == 1, "NUL is valid UTF-8 (callers refuse it)");

	CHECK(V("\xc0\x80") == 0, "overlong NUL C0 80");
	CHECK(V("\xc0\xaf") == 0, "overlong '/' C0 AF");
	CHECK(V("\xc1\xbf") == 0, "overlong C1 BF");
	CHECK(V("\xe0\x80\xaf") == 0, "overlong 3-byte '/'");
	CHECK(V("\xe0\x9f\xbf") == 0, "overlong 3-byte U+07FF");
	CHECK(V("\xf0\x80\x80\xaf") == 0, "overlong 4-byte '/'");
	CHECK(V("\xf0\x8f\xbf\xbf") == 0, "overlong 4-byte U+FFFF");
	CHECK(V("\xed\xa0\x80") == 0, "surrogate U+D800");
	CHECK(V("\xed\xbf\xbf") == 0, "surrogate U+DFFF");
	CHECK(V("\xed\xa0\xbd\xed\xb8\x80") == 0, "CESU-8 surrogate pair");
	CHECK(V("\xf4\x90\x80\x80") == 0, "U+110000");
	CHECK(V("\xf5\x80\x80\x80") == 0, "lead F5");
	CHECK(V("\xf8\x88\x80\x80\x80") == 0, "5-byte form");
	CHECK(V("\xfc\x84\x80\x80\x80\x80") == 0, "6-byte form");
	CHECK(V("\xfe") == 0 && V("\xff") == 0, "FE, FF");
	CHECK(V("\x80") == 0, "lone continuation");
	CHECK(V("a\xbf" "b") == 0, "continuation inside ascii");
	CHECK(V("\xc3") == 0, "truncated 2-byte at end");
	CHECK(V("\xe2\x82") == 0, "truncated 3-byte at end");
	CHECK(V("\xf0\x9f\x98") == 0, "truncated 4-byte at end");
	CHECK(V("\xe2\x82" "a") == 0, "3-byte cut by ascii");
	CHECK(utf8_valid("\xc3\xa9", 1) == 0, "n cuts a sequence");
	CHECK(utf8_valid("ab\xff", 2) == 1, "n stops before a bad byte");

	CHECK(utf8_decode("\xe2\x82\xac", 3, &cp) == 3 && cp == 0x20ac, "decode euro");
	CHECK(utf8_decode("\xf4\x8f\xbf\xbf", 4, &cp) == 4 && cp == 0x10ffff, "decode max");
	CHECK(utf8_decode("A", 1, &cp) == 1 && cp == 'A', "decode ascii");
	cp = 7;
	CHECK(utf8_decode("\xed\xa0\x80", 3, &cp) == 0 && cp == 7, "decode surrogate fails, cp untouched");
	CHECK(utf8_decode("x", 0, &cp) == 0, "decode with n 0");
	CHECK(utf8_decode("\xc3\xa9", 2, NULL) == 2, "decode with NULL cp");

	exhaustive();

	CHECK(utf8_quote(&b, "ok \xc3\xa9", 5, 64) == 0, "quote ok");
	CHECK_STR(b.data, "ok \xc3\xa9", "quote keeps valid text");
	buf_reset(&b);
	utf8_quote(&b, "a\nb\x01\x7f\xc2\x85z", 8, 64);
	CHECK_STR(b.data, "a?b???z", "quote hides C0, DEL, C1");
	buf_reset(&b);
	utf8_quote(&b, "\xff\xc3(", 3, 64);
	CHECK_STR(b.data, "\xef\xbf\xbd\xef\xbf\xbd(", "quote replaces bad bytes");
	buf_reset(&b);
	utf8_quote(&b, "abcdefgh", 8, 3);
	CHECK_STR(b.data, "abc...", "quote truncates");
	buf_reset(&b);
	utf8_quote(&b, "a\0b", 3, 64);
	CHECK_STR(b.data, "a?b", "quote hides NUL");
	CHECK(utf8_valid(b.data, b.len), "quote output is valid UTF-8");

	buf_free(&b);
	return T_DONE();
}
