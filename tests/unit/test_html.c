/* test_html.c: the escaping writer: HTML text and attributes, XML, URLs. */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "html.h"
#include "t.h"
#include "utf8.h"

static struct buf b = BUF_INIT;

static const char *
ht(const char *s)
{
	buf_reset(&b);
	buf_append(&b, "", 0);
	html_text(&b, s);
	return b.data;
}

static const char *
xt(const char *s)
{
	buf_reset(&b);
	buf_append(&b, "", 0);
	xml_text(&b, s);
	return b.data;
}

static const char *
ue(const char *s)
{
	buf_reset(&b);
	buf_append(&b, "", 0);
	url_encode(&b, s);
	return b.data;
}

/* No byte that could open markup or end an attribute survives. */
static int
inert(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] == '<' || s[i] == '>' || s[i] == '"' || s[i] == '\'')
			return 0;
		if (s[i] == '&' && strncmp(s + i, "&amp;", 5) &&
		    strncmp(s + i, "&lt;", 4) && strncmp(s + i, "&gt;", 4) &&
		    strncmp(s + i, "&quot;", 6) && strncmp(s + i, "&#39;", 5))
			return 0;
		if ((unsigned char)s[i] < 0x20 && s[i] != '\t' &&
		    s[i] != '\n' && s[i] != '\r')
			return 0;
	}
	return utf8_valid(s, n);
}

int
main(void)
{
	char all[256];
	size_t i;

	CHECK_STR(ht("plain text"), "plain text", "plain text unchanged");
	CHECK_STR(ht("<script>alert(1)</script>"),
	    "&lt;script&gt;alert(1)&lt;/script&gt;", "script tag escaped");
	CHECK_STR(ht("a & b"), "a &amp; b", "ampersand");
	CHECK_STR(ht("&amp;"), "&amp;amp;", "entities are not trusted");
	CHECK_STR(ht("\"'"), "&quot;&#39;", "both quotes");
	CHECK_STR(ht("\" onmouseover=\"x"), "&quot; onmouseover=&quot;x", "attribute breakout");
	CHECK_STR(ht("caf\xc3\xa9 \xf0\x9f\x98\x80"), "caf\xc3\xa9 \xf0\x9f\x98\x80", "UTF-8 kept");
	CHECK_STR(ht("l1\r\nl2\tx"), "l1\r\nl2\tx", "tab, CR, LF kept");
	CHECK_STR(ht("a\x01" "b\x1b" "c"), "a\xef\xbf\xbd" "b\xef\xbf\xbd" "c", "C0 controls replaced");
	CHECK_STR(ht("\x7f\xc2\x85"), "\xef\xbf\xbd\xef\xbf\xbd", "DEL and C1 replaced");
	CHECK_STR(ht("a\xff" "b"), "a\xef\xbf\xbd" "b", "bad byte replaced");
	CHECK_STR(ht("\xc0\xbc" "script"), "\xef\xbf\xbd\xef\xbf\xbd" "script",
	    "overlong '<' replaced per byte, never decoded to '<'");
	CHECK_STR(ht("\xe2\x82"), "\xef\xbf\xbd\xef\xbf\xbd", "truncated sequence, one per byte");
	CHECK_STR(ht("\xed\xa0\x80"), "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", "surrogate replaced per byte");
	CHECK_STR(ht("\xef\xbf\xbe"), "\xef\xbf\xbd", "U+FFFE replaced");
	CHECK_STR(ht(""), "", "empty");

	buf_reset(&b);
	buf_append(&b, "", 0);
	CHECK(html_text(&b, NULL) == 0 && b.len == 0, "NULL writes nothing");
	CHECK(html_textn(&b, "a<b\0c>", 6) == 0, "textn ok");
	CHECK_STR(b.data, "a&lt;b\xef\xbf\xbd" "c&gt;", "textn replaces NUL");
	buf_reset(&b);
	html_textn(&b, "<<<<", 2);
	CHECK_STR(b.data, "&lt;&lt;", "textn stops at n");
	buf_reset(&b);
	html_attr(&b, "x\" autofocus onfocus='alert(1)'");
	CHECK_STR(b.data, "x&quot; autofocus onfocus=&#39;alert(1)&#39;", "attr escaping");
	buf_reset(&b);
	html_raw(&b, "<p class=\"x\">");
	CHECK_STR(b.data, "<p class=\"x\">", "raw is raw");

	CHECK_STR(xt("<svg onload=alert(1)>"), "&lt;svg onload=alert(1)&gt;", "xml escapes");
	CHECK_STR(xt("]]>"), "]]&gt;", "CDATA end escaped");
	CHECK_STR(xt("a\x0b" "b\x0c" "c\x08"), "a\xef\xbf\xbd" "b\xef\xbf\xbd" "c\xef\xbf\xbd",
	    "xml: VT, FF, BS replaced");
	CHECK_STR(xt("\xef\xbf\xbf"), "\xef\xbf\xbd", "xml: U+FFFF replaced");
	CHECK_STR(xt("\t\n\r"), "\t\n\r", "xml: tab LF CR kept");

	CHECK_STR(ue("AZaz09-._~"), "AZaz09-._~", "unreserved kept");
	CHECK_STR(ue("a b&c=d+e/f?g#h%"), "a%20b%26c%3Dd%2Be%2Ff%3Fg%23h%25", "reserved encoded");
	CHECK_STR(ue("caf\xc3\xa9"), "caf%C3%A9", "UTF-8 bytes encoded, upper-case hex");
	CHECK_STR(ue("\"<>'\r\n"), "%22%3C%3E%27%0D%0A", "markup and line ends encoded");
	CHECK_STR(ue("\xff"), "%FF", "high byte");

	/* Every byte value at once: the output stays inert. */
	for (i = 0; i < 255; i++)
		all[i] = (char)(i + 1);
	all[255] = '\0';
	buf_reset(&b);
	html_text(&b, all);
	CHECK(inert(b.data, b.len), "all bytes through html_text: inert, valid UTF-8");
	buf_reset(&b);
	xml_text(&b, all);
	CHECK(inert(b.data, b.len), "all bytes through xml_text: inert, valid UTF-8");
	buf_reset(&b);
	url_encode(&b, all);
	CHECK(b.len == 66 + 3 * (255 - 66), "url_encode: 66 unreserved bytes, the rest %XX");
	CHECK(strspn(b.data, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~%")
	    == b.len, "url_encode output alphabet");

	buf_free(&b);
	return T_DONE();
}
