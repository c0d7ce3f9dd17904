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

static int
plain(unsigned char c)
{
	return c >= 0x20 && c < 0x7f && c != '&' && c != '<' && c != '>' &&
	    c != '"' && c != '\'';
}

static int
escape(struct buf *b, const char *s, size_t n)
{
	const char *ent;
	unsigned long cp;
	size_t i = 0, k;
	unsigned char c;

	while (i < n) {
		for (k = 0; i + k < n && plain((unsigned char)s[i + k]); k++)
			;
		if (k) {
			if (buf_append(b, s + i, k) == -1)
				return -1;
			i += k;
			continue;
		}
		c = (unsigned char)s[i];
		ent = NULL;
		switch (c) {
		case '&': ent = "&amp;"; break;
		case '<': ent = "&lt;"; break;
		case '>': ent = "&gt;"; break;
		case '"': ent = "&quot;"; break;
		case '\'': ent = "&#39;"; break;
		case '\t': case '\n': case '\r':
			if (buf_putc(b, (char)c) == -1)
				return -1;
			i++;
			continue;
		}
		if (ent) {
			if (buf_puts(b, ent) == -1)
				return -1;
			i++;
			continue;
		}
		k = utf8_decode(s + i, n - i, &cp);
		if (k == 0 || cp < 0x20 || (cp >= 0x7f && cp < 0xa0) ||
		    cp == 0xfffe || cp == 0xffff) {
			if (buf_puts(b, REPLACEMENT) == -1)
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
