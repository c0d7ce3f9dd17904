/* test_htmlscan.c: the writer's table-driven escape, buf_append's fast path and the profile's kept
 * count-link prefixes (issue 18, eighth session) write what the code before them wrote: edge cases and
 * random input against copies of the former functions. */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "html.h"
#include "lang.h"
#include "sections.h"
#include "t.h"
#include "utf8.h"
#include "view.h"

/* ---- the former escape (cgi/lib/html.c before the table) ---- */

static int
old_plain(unsigned char c)
{
	return c >= 0x20 && c < 0x7f && c != '&' && c != '<' && c != '>' &&
	    c != '"' && c != '\'';
}

static int
old_escape(struct buf *b, const char *s, size_t n)
{
	const char *ent;
	unsigned long cp;
	size_t i = 0, k;
	unsigned char c;

	while (i < n) {
		for (k = 0; i + k < n && old_plain((unsigned char)s[i + k]); k++)
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
			if (buf_puts(b, "\xef\xbf\xbd") == -1)
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

/* html_textn(s, n) after `pre` in a buffer is the former text; html_text/attr/xml_text too when s has
 * no NUL. */
static int
same_escape(const char *s, size_t n, const char *pre)
{
	struct buf a = BUF_INIT, b = BUF_INIT;
	int ok;

	buf_puts(&a, pre);
	buf_puts(&b, pre);
	html_textn(&a, s, n);
	old_escape(&b, s, n);
	ok = a.len == b.len && (a.len == 0 || memcmp(a.data, b.data, a.len) == 0) &&
	    (a.data == NULL || a.data[a.len] == '\0');
	if (ok && memchr(s, '\0', n) == NULL) {
		char *z = strndup(s, n);
		buf_reset(&a);
		buf_puts(&a, pre);
		html_text(&a, z);
		html_attr(&a, z);
		xml_text(&a, z);
		buf_reset(&b);
		buf_puts(&b, pre);
		old_escape(&b, z, n);
		old_escape(&b, z, n);
		old_escape(&b, z, n);
		ok = a.len == b.len && (a.len == 0 || memcmp(a.data, b.data, a.len) == 0);
		free(z);
	}
	if (!ok)
		fprintf(stderr, "escape differs for %zu bytes\n", n);
	buf_free(&a);
	buf_free(&b);
	return ok;
}

/* ---- the former count link (cgi/domain/sections.c before the kept prefixes) ---- */

static void
old_count_link(struct profile *p, long long n, const char *code, const char *opt)
{
	const char *peers = p->peers ? p->peers : "";

	if (code == NULL || (*peers && strchr(peers, ':') == NULL)) {
		view_int(p->b, n);
		return;
	}
	html_raw(p->b, "<a class=\"count\" href=\"/cities?");
	if (p->wave) {
		html_raw(p->b, "survey=");
		url_encode(p->b, p->wave);
		html_raw(p->b, "&amp;");
	}
	html_raw(p->b, "peers=");
	if (*peers) {
		url_encode(p->b, peers);
		url_encode(p->b, ";");
	}
	url_encode(p->b, opt ? "answer:" : "answered:");
	url_encode(p->b, code);
	if (opt) {
		url_encode(p->b, "=");
		url_encode(p->b, opt);
	}
	html_raw(p->b, "\">");
	view_int(p->b, n);
	html_raw(p->b, "</a>");
}

static void
random_text(char *s, size_t n, const char *alphabet)
{
	size_t i, k = alphabet ? strlen(alphabet) : 0;

	for (i = 0; i < n; i++)
		s[i] = alphabet ? alphabet[rand() % k] : (char)(rand() % 256);
}

int
main(void)
{
	static const char *const edge[] = { "", "a", "&", "<>\"'&", "plain text only", "\t\n\r", "\x01\x1f\x7f",
		"\xc2\x80\xc2\x9f\xc2\xa0", "\xef\xbf\xbe\xef\xbf\xbf", "\xef\xbf\xbd", "\xc3\xa9t\xc3\xa9", "\xe2\x80\xaf%",
		"\xff\xfe", "\xc3", "\xe2\x82", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xf0\x9f\x98\x80 smile",
		"a&b<c>d\"e'f", "end&", "&start", "\xc0\xaf", "x\x7fy", "Montr\xc3\xa9" "al & Qu\xc3\xa9" "bec" };
	static const char *const pres[] = { "", "x", "<p>" };
	char s[300];
	size_t i, k;
	int ok = 1;

	for (i = 0; i < sizeof(edge) / sizeof(edge[0]); i++)
		for (k = 0; k < 3; k++)
			ok &= same_escape(edge[i], strlen(edge[i]), pres[k]);
	ok &= same_escape("a\0b<\0", 5, "");
	CHECK(ok, "escape: edge cases as the former loop wrote them (html_textn, html_text, html_attr, xml_text)");
	{
		struct buf b = BUF_INIT;
		html_text(&b, "");
		html_textn(&b, "abc", 0);
		CHECK(b.data == NULL && b.len == 0, "escape: nothing to write allocates nothing, as before");
		html_text(&b, "&");
		CHECK_STR(b.data, "&amp;", "escape: into an empty buffer");
		buf_free(&b);
	}
	srand(18);
	for (i = 0; i < 100000 && ok; i++) {
		size_t n = (size_t)(rand() % 200);
		switch (i % 4) {
		case 0: random_text(s, n, NULL); break;
		case 1: random_text(s, n, "ab <>&\"'\t\n\x01\x7f\xc3\xa9\xe2\x80\xaf\xef\xbf\xbe\x80"); break;
		case 2: random_text(s, n, "abcdefghij klmnop"); break;
		default: random_text(s, n, "\xc2\xc3\xe2\xed\xef\xf0\xf4\x80\x8f\x9f\xa0\xbf\xbe"); break;
		}
		ok &= same_escape(s, n, pres[i % 3]);
	}
	CHECK(ok, "escape: 100,000 random inputs (bytes, markup, UTF-8 pieces) as the former loop wrote them");

	/* buf_append's fast path: the bytes, the NUL, growth across the boundary */
	{
		struct buf b = BUF_INIT;
		char want[5000];
		size_t len = 0;
		ok = 1;
		for (i = 0; i < 600 && ok; i++) {
			size_t n = (size_t)(rand() % 9);
			random_text(s, n, "xyz");
			buf_append(&b, s, n);
			memcpy(want + len, s, n);
			len += n;
			ok = b.len == len && b.cap > b.len && memcmp(b.data, want, len) == 0 && b.data[len] == '\0';
		}
		buf_append(&b, "", 0);
		ok &= b.len == len && b.data[len] == '\0';
		CHECK(ok, "buf_append: the bytes and the NUL, with and without growth");
		buf_free(&b);
	}

	/* count links: kept prefixes against the former text, inputs changing from link to link */
	{
		/* deterministic pairs: each case written by both, in sequences that hit and miss the kept parts */
		static const char *const waves[] = { "2020", "2018", NULL, "latest" };
		static const char *const peerss[] = { "", "region:Europe", "population:100000-2000000", "a,b,c",
			"region:north america;answer:x=y", "country:CA" };
		static const char *const codes[] = { "dedicated_funding", "policy_areas", "a b&c", "\xc3\xa9t\xc3\xa9" };
		static const char *const opts[] = { "yes", "no", NULL, "other (specify)", "x=y;z" };
		struct buf a = BUF_INIT, b = BUF_INIT;
		struct profile p;
		char wave[16], peers[64], code[32];

		memset(&p, 0, sizeof(p));
		ok = 1;
		for (i = 0; i < 40000 && ok; i++) {
			int wi = rand() % 4, pi = rand() % 6, ci = rand() % 4, oi = rand() % 5, nullpeers = rand() % 10 == 0,
			    nocode = rand() % 20 == 0;
			long long n = rand() % 3 ? rand() % 2000 : -(long long)rand();
			enum lang l = rand() % 2 ? LANG_FR : LANG_EN;
			if (waves[wi])
				snprintf(wave, sizeof(wave), "%s", waves[wi]);
			snprintf(peers, sizeof(peers), "%s", peerss[pi]);
			snprintf(code, sizeof(code), "%s", codes[ci]);
			p.wave = waves[wi] ? wave : NULL;
			p.peers = nullpeers ? NULL : peers;
			lang_use(l);
			buf_reset(&a);
			buf_reset(&b);
			p.b = &a;
			sections_count_link(&p, n, nocode ? NULL : code, opts[oi]);
			p.b = &b;
			old_count_link(&p, n, nocode ? NULL : code, opts[oi]);
			ok = a.len == b.len && memcmp(a.data, b.data, a.len) == 0;
			if (!ok)
				fprintf(stderr, "count link: \"%s\", want \"%s\"\n", a.data, b.data);
		}
		lang_use(LANG_EN);
		CHECK(ok, "sections_count_link: 40,000 links (waves, peers, codes, options changing) as before");
		buf_free(&a);
		buf_free(&b);
	}
	return t_fail ? 1 : 0;
}
