/* html.c: the escaping writer (after cgit's html.c).
 *
 * One loop serves HTML text, attributes and XML: copy runs of harmless
 * bytes whole, replace the five markup characters by entities, and replace
 * anything that would make the document ill-formed or that HTML calls a
 * parse error (bad UTF-8, control characters, XML's non-characters) by
 * U+FFFD, one per bad byte.
 */
#include <string.h>

#include "buf.h"
#include "html.h"
#include "utf8.h"

#define REPLACEMENT "\xef\xbf\xbd"

/* What each byte is to the writer: 0 plain (copied as part of a run), 1 a markup character (its
 * entity), 2 tab, LF or CR (copied alone), 3 anything else (a control character or a byte of a
 * multi-byte sequence, decoded).  A table, not a compare chain per byte (issue 18, eighth session). */
enum { E_PLAIN, E_ENTITY, E_WS, E_DECODE };
static const unsigned char kind[256] = {	/* E_PLAIN (0) where not said: 0x20-0x7e */
	[0x00 ... 0x08] = E_DECODE, ['\t'] = E_WS, ['\n'] = E_WS, [0x0b ... 0x0c] = E_DECODE, ['\r'] = E_WS,
	[0x0e ... 0x1f] = E_DECODE, ['&'] = E_ENTITY, ['<'] = E_ENTITY, ['>'] = E_ENTITY, ['"'] = E_ENTITY,
	['\''] = E_ENTITY, [0x7f ... 0xff] = E_DECODE,
};

static int
escape(struct buf *b, const char *s, size_t n)
{
	const char *ent;
	unsigned long cp;
	size_t i = 0, k;
	unsigned char c;

	/* the plain text at least, once (the usual case is no entity at all) */
	if (n) {
		if (buf_reserve(b, n) == -1)
			return -1;
		b->data[b->len] = '\0';	/* as buf_append leaves it, whatever follows */
	}
	while (i < n) {
		for (k = i; k < n && kind[(unsigned char)s[k]] == E_PLAIN; k++)
			;
		if (k > i) {
			if (buf_append(b, s + i, k - i) == -1)
				return -1;
			i = k;
			if (i == n)
				break;
		}
		c = (unsigned char)s[i];
		switch (kind[c]) {
		case E_ENTITY:
			switch (c) {
			case '&': ent = "&amp;"; k = 5; break;
			case '<': ent = "&lt;"; k = 4; break;
			case '>': ent = "&gt;"; k = 4; break;
			case '"': ent = "&quot;"; k = 6; break;
			default: ent = "&#39;"; k = 5; break;
			}
			if (buf_append(b, ent, k) == -1)
				return -1;
			i++;
			continue;
		case E_WS:
			if (buf_putc(b, (char)c) == -1)
				return -1;
			i++;
			continue;
		default:
			break;
		}
		k = utf8_decode(s + i, n - i, &cp);
		if (k == 0 || cp < 0x20 || (cp >= 0x7f && cp < 0xa0) ||
		    cp == 0xfffe || cp == 0xffff) {
			if (buf_append(b, REPLACEMENT, 3) == -1)
				return -1;
			i += k ? k : 1;
			continue;
		}
		if (buf_append(b, s + i, k) == -1)
			return -1;
		i += k;
	}
	return 0;
}

int
html_text(struct buf *b, const char *s)
{
	return s ? escape(b, s, strlen(s)) : 0;
}

int
html_textn(struct buf *b, const char *s, size_t n)
{
	return s ? escape(b, s, n) : 0;
}

int
html_attr(struct buf *b, const char *s)
{
	return s ? escape(b, s, strlen(s)) : 0;
}

int
xml_text(struct buf *b, const char *s)
{
	return s ? escape(b, s, strlen(s)) : 0;
}

int
html_raw(struct buf *b, const char *literal)
{
	return literal ? buf_puts(b, literal) : 0;
}

/* RFC 3986's unreserved characters, which url_encode leaves as they are (a compare chain, not a
 * strchr per character: issue 18, eighth session). */
static inline int
url_unreserved(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	    ch == '-' || ch == '.' || ch == '_' || ch == '~';
}

int
url_encode(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	char pct[3] = { '%', 0, 0 };
	unsigned char c;
	size_t k;

	if (s == NULL)
		return 0;
	while (*s) {
		for (k = 0; url_unreserved(s[k]); k++)	/* '\0' is not */
			;
		if (k) {
			if (buf_append(b, s, k) == -1)
				return -1;
			s += k;
			continue;
		}
		c = (unsigned char)*s++;
		pct[1] = hex[c >> 4];
		pct[2] = hex[c & 15];
		if (buf_append(b, pct, 3) == -1)
			return -1;
	}
	return 0;
}
