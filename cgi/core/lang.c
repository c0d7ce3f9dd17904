/* lang.c: the request's language, gettext bound per process and switched per request (uselocale with
 * a locale whose LC_MESSAGES is French: the rest stays "C", so numbers printed for JSON keep their
 * decimal point), and the links of a page that keep the choice. */
#include <ctype.h>
#include <limits.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chart.h"
#include "lang.h"

static const char *const codes[LANG_COUNT] = { "en", "fr" };
static const char *const names[LANG_COUNT] = { "English", "Français" };

/* The thread locale of each language (LC_GLOBAL_LOCALE for English: gettext answers the msgid). */
static locale_t locales[LANG_COUNT];
static enum lang current = LANG_EN;

const char *
lang_code(enum lang l)
{
	return codes[l == LANG_FR];
}

const char *
lang_name(enum lang l)
{
	return names[l == LANG_FR];
}

int
lang_parse(const char *s, enum lang *l)
{
	size_t n;

	if (s == NULL)
		return -1;
	n = strcspn(s, "-_");
	if (n != 2 || (s[n] && !isalpha((unsigned char)s[n + 1])))
		return -1;
	if (strncasecmp(s, "en", 2) == 0)
		*l = LANG_EN;
	else if (strncasecmp(s, "fr", 2) == 0)
		*l = LANG_FR;
	else
		return -1;
	return 0;
}

/* The q-value of one Accept-Language item's parameters (p just after the tag), 1000 = 1.0; -1 when
 * malformed. */
static int
qvalue(const char *p, const char *end)
{
	int q = 1000, scale;

	while (p < end) {
		while (p < end && (*p == ' ' || *p == '\t' || *p == ';'))
			p++;
		if (end - p >= 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
			p += 2;
			if (p >= end || (*p != '0' && *p != '1'))
				return -1;
			q = (*p++ - '0') * 1000;
			if (p < end && *p == '.') {
				p++;
				for (scale = 100; p < end && isdigit((unsigned char)*p); p++, scale /= 10)
					q += (*p - '0') * scale;
			}
			if (q > 1000)
				return -1;
		} else {
			while (p < end && *p != ';')
				p++;
		}
	}
	return q;
}

enum lang
lang_accept(const char *h)
{
	int best_q[LANG_COUNT] = { -1, -1 };
	const char *p = h, *end, *t;
	size_t n;
	int q, i;
	enum lang l;

	if (h == NULL)
		return LANG_EN;
	for (i = 0; *p && i < 64; i++) {
		end = p + strcspn(p, ",");
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		t = p;
		n = strcspn(t, ";, \t");
		if (t + n > end)
			n = (size_t)(end - t);
		if (n > 0 && n < 36) {
			char tag[36];
			memcpy(tag, t, n);
			tag[n] = '\0';
			if (lang_parse(tag, &l) == 0 && (q = qvalue(t + n, end)) > 0 && q > best_q[l])
				best_q[l] = q;
		}
		p = *end ? end + 1 : end;
	}
	/* Ties go to English only when English was listed first: remember the order through the scan. */
	if (best_q[LANG_FR] > best_q[LANG_EN])
		return LANG_FR;
	if (best_q[LANG_FR] < 0 || best_q[LANG_FR] < best_q[LANG_EN])
		return LANG_EN;
	/* Equal q-values: the one named first. */
	for (p = h; *p; p++) {
		while (*p == ' ' || *p == ',' || *p == '\t')
			p++;
		if (strncasecmp(p, "fr", 2) == 0 && (p[2] == '\0' || strchr("-_;, \t", p[2])))
			return LANG_FR;
		if (strncasecmp(p, "en", 2) == 0 && (p[2] == '\0' || strchr("-_;, \t", p[2])))
			return LANG_EN;
		p += strcspn(p, ",");
		if (!*p)
			break;
	}
	return LANG_EN;
}

int
lang_init(const char *dir)
{
	char exe[PATH_MAX], path[PATH_MAX + 32], *slash;
	ssize_t n;
	locale_t fr;

	if (dir == NULL)
		dir = getenv("CITYBENCH_LOCALEDIR");
	if (dir == NULL || *dir == '\0') {
		if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) <= 0)
			return -1;
		exe[n] = '\0';
		if ((slash = strrchr(exe, '/')) != NULL)
			*slash = '\0';
		snprintf(path, sizeof(path), "%s/locale", exe);
#ifdef CB_DATADIR
		/* installed: the programs in BINDIR, the messages in the data directory (make install) */
		{
			char mo[PATH_MAX + 64];
			snprintf(mo, sizeof(mo), "%s/fr/LC_MESSAGES/" LANG_DOMAIN ".mo", path);
			if (access(mo, R_OK) != 0)
				snprintf(path, sizeof(path), "%s/locale", CB_DATADIR);
		}
#endif
	} else {
		snprintf(path, sizeof(path), "%s", dir);
	}
	bindtextdomain(LANG_DOMAIN, path);
	bind_textdomain_codeset(LANG_DOMAIN, "UTF-8");
	locales[LANG_EN] = LC_GLOBAL_LOCALE;
	if (locales[LANG_FR] != (locale_t)0)
		return 0;
	/* The French locale as the system has it, else as make compiled it beside the messages.  (With
	 * LOCPATH set, glibc 2.36's newlocale keeps its search list unfreed: 49 bytes once per worker,
	 * suppressed in tests/leak.supp.) */
	fr = newlocale(LC_MESSAGES_MASK, "fr_FR.UTF-8", (locale_t)0);
	if (fr == (locale_t)0) {
		char old[PATH_MAX], *had = getenv("LOCPATH");
		if (had)
			snprintf(old, sizeof(old), "%s", had);
		setenv("LOCPATH", path, 1);
		fr = newlocale(LC_MESSAGES_MASK, "fr_FR.UTF-8", (locale_t)0);
		if (had)
			setenv("LOCPATH", old, 1);
		else
			unsetenv("LOCPATH");
	}
	if (fr == (locale_t)0) {
		fprintf(stderr, "citybench: no fr_FR.UTF-8 locale (system or %s): French pages show English "
		    "messages\n", path);
		return -1;
	}
	locales[LANG_FR] = fr;
	return 0;
}

void
lang_use(enum lang l)
{
	l = l == LANG_FR ? LANG_FR : LANG_EN;
	current = l;
	chart_language(l == LANG_FR);
	if (locales[l] != (locale_t)0)
		uselocale(locales[l]);
	else
		uselocale(LC_GLOBAL_LOCALE);
}

enum lang
lang_current(void)
{
	return current;
}

void
lang_qs(struct buf *b, enum lang l, int keep, const char *sep)
{
	if (!keep)
		return;
	buf_puts(b, sep);
	buf_puts(b, "lang=");
	buf_puts(b, lang_code(l));
}

/* 1 when the attribute value v (up to its closing quote q) names a page of the site that should keep
 * the language. */
static int
site_link(const char *v, const char *q)
{
	const char *s;

	if (v[0] != '/' || v[1] == '/' || strncmp(v, "/static/", 8) == 0)
		return 0;
	for (s = v; s + 5 <= q; s++)
		if (strncmp(s, "lang=", 5) == 0 && (s[-1] == '?' || s[-1] == '&' || s[-1] == ';'))
			return 0;
	return 1;
}

/* 1 when the <form …> tag from p to gt sends with GET (no method, or method="get"). */
static int
form_is_get(const char *p, const char *gt)
{
	const char *m;

	for (m = p; m + 7 < gt; m++)
		if (strncasecmp(m, "method=", 7) == 0)
			return strncasecmp(m + 7, "\"get\"", 5) == 0 || strncasecmp(m + 7, "get", 3) == 0;
	return 1;
}

int
lang_rewrite_links(struct buf *b, enum lang l)
{
	struct buf o = BUF_INIT;
	const char *s, *p, *end, *v, *q, *hash, *gt;
	const char *code = lang_code(l);
	size_t alen;

	if (b->data == NULL || b->len == 0)
		return 0;
	s = p = b->data;
	end = b->data + b->len;
	while (p < end) {
		if (*p == '<' && end - p > 5 && strncasecmp(p, "<form", 5) == 0 &&
		    (gt = memchr(p, '>', (size_t)(end - p))) != NULL && form_is_get(p, gt)) {
			buf_append(&o, s, (size_t)(gt + 1 - s));
			buf_printf(&o, "<input type=\"hidden\" name=\"lang\" value=\"%s\">", code);
			s = p = gt + 1;
			continue;
		}
		alen = 0;
		if (strncmp(p, " href=\"", 7) == 0)
			alen = 7;
		else if (strncmp(p, " action=\"", 9) == 0)
			alen = 9;
		if (alen == 0) {
			p++;
			continue;
		}
		v = p + alen;
		q = memchr(v, '"', (size_t)(end - v));
		if (q == NULL)
			break;
		/* (a GET form's tag was passed whole above: its hidden field carries the language) */
		if (!site_link(v, q)) {
			p = q;
			continue;
		}
		hash = memchr(v, '#', (size_t)(q - v));
		if (hash == NULL)
			hash = q;
		buf_append(&o, s, (size_t)(hash - s));
		buf_puts(&o, memchr(v, '?', (size_t)(hash - v)) ? "&amp;lang=" : "?lang=");
		buf_puts(&o, code);
		s = hash;
		p = q;
	}
	buf_append(&o, s, (size_t)(end - s));
	if (o.data == NULL) {
		buf_free(&o);
		return -1;
	}
	{
		struct buf old = *b;
		*b = o;
		buf_free(&old);
	}
	return 0;
}
