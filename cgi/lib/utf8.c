/* utf8.c: strict UTF-8 validation and decoding (RFC 3629). */
#include <stddef.h>

#include "buf.h"
#include "utf8.h"

size_t
utf8_decode(const char *s, size_t n, unsigned long *cp)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned char lo = 0x80, hi = 0xbf;
	unsigned long c;
	size_t len, i;

	if (n == 0)
		return 0;
	if (u[0] < 0x80) {
		if (cp)
			*cp = u[0];
		return 1;
	}
	/* Table 3-7 of the Unicode standard: the second byte's range
	 * excludes overlongs (E0, F0), surrogates (ED) and > U+10FFFF (F4). */
	if (u[0] >= 0xc2 && u[0] <= 0xdf) {
		len = 2;
		c = u[0] & 0x1f;
	} else if (u[0] >= 0xe0 && u[0] <= 0xef) {
		len = 3;
		c = u[0] & 0x0f;
		if (u[0] == 0xe0)
			lo = 0xa0;
		else if (u[0] == 0xed)
			hi = 0x9f;
	} else if (u[0] >= 0xf0 && u[0] <= 0xf4) {
		len = 4;
		c = u[0] & 0x07;
		if (u[0] == 0xf0)
			lo = 0x90;
		else if (u[0] == 0xf4)
			hi = 0x8f;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	if (u[1] < lo || u[1] > hi)
		return 0;
	for (i = 1; i < len; i++) {
		if ((u[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (u[i] & 0x3f);
	}
	if (cp)
		*cp = c;
	return len;
}

int
utf8_valid(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, k;

	while (i < n) {
		if (u[i] < 0x80) {
			i++;
			continue;
		}
		if ((k = utf8_decode(s + i, n - i, NULL)) == 0)
			return 0;
		i += k;
	}
	return 1;
}

int
utf8_quote(struct buf *b, const char *s, size_t n, size_t max)
{
	unsigned long cp;
	size_t i = 0, k;

	while (i < n) {
		if (i >= max)
			return buf_puts(b, "...");
		k = utf8_decode(s + i, n - i, &cp);
		if (k == 0) {
			if (buf_puts(b, "\xef\xbf\xbd") == -1)
				return -1;
			i++;
			continue;
		}
		if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0)) {
			if (buf_putc(b, '?') == -1)
				return -1;
		} else if (buf_append(b, s + i, k) == -1) {
			return -1;
		}
		i += k;
	}
	return 0;
}
