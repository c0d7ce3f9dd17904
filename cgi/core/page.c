/* page.c: the frame of every HTML page, from web/templates/layout.html (read once per worker, kept
 * here); the error page. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "html.h"
#include "lang.h"
#include "page.h"

static const char fallback_layout[] =
    "<!DOCTYPE html><html lang=\"{{lang}}\"><head><meta charset=\"utf-8\"><title>{{title}} · citybench"
    "</title></head><body><a href=\"#main\">Skip to main content</a><main id=\"main\">{{content}}"
    "</main></body></html>";

int (*page_signed_in)(struct request *r);

/* The worker's layout (page_init), or NULL: the fallback. */
static char *layout;

static int
load_layout(const char *root, char **out, char **err)
{
	char path[4096];
	FILE *f;
	long n;
	char *s = NULL;

	*out = NULL;
	snprintf(path, sizeof(path), "%s/web/templates/layout.html", root);
	if ((f = fopen(path, "rb")) == NULL)
		goto fail;
	if (fseek(f, 0, SEEK_END) == -1 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) == -1)
		goto fail;
	if ((s = malloc((size_t)n + 1)) == NULL || fread(s, 1, (size_t)n, f) != (size_t)n)
		goto fail;
	s[n] = '\0';
	fclose(f);
	if (strstr(s, "{{title}}") == NULL || strstr(s, "{{content}}") == NULL) {
		free(s);
		if (err)
			*err = strdup("layout.html lacks {{title}} or {{content}}");
		return -1;
	}
	*out = s;
	return 0;
fail:
	if (f)
		fclose(f);
	free(s);
	if (err)
		*err = strdup("cannot read web/templates/layout.html");
	return -1;
}

int
page_init(const char *root)
{
	char *err = NULL, *l;

	if (load_layout(root, &l, &err) == -1) {
		fprintf(stderr, "citybench-fcgi: %s\n", err ? err : "no layout");
		free(err);
		return -1;
	}
	free(layout);
	layout = l;
	return 0;
}

void
page_free(void)
{
	free(layout);
	layout = NULL;
}

static const char *
layout_of(void)
{
	return layout ? layout : fallback_layout;
}

/* 1 when path is /metrics/ID (one segment after it) or /map: pages with a chart of their own as .svg. */
static int
has_chart(const char *path)
{
	if (path == NULL)
		return 0;
	if (strcmp(path, "/map") == 0)
		return 1;
	return strncmp(path, "/metrics/", 9) == 0 && path[9] && strchr(path + 9, '/') == NULL;
}

/* What a page without a description of its own says: what citybench is, not the title again. */
#define DESCRIPTION_DEFAULT N_("citybench compares how cities organise public-sector innovation, wave by wave: " \
	"survey answers, metrics computed from them, rankings and maps, with open data under CC BY 4.0.")

/* The page's description and Open Graph tags (issue 15): a shared link previews with the page's title,
 * the page's own description (what it shows, with its city, metric or figure; DESCRIPTION_DEFAULT when
 * the page gave none), its address and, where the page has a chart, the chart. */
static void
meta_tags(struct request *r, const char *title, const char *description)
{
	struct buf *b = &r->out;
	const char *qs = r->query_string && *r->query_string ? r->query_string : NULL;

	if (description == NULL || *description == '\0')
		description = _(DESCRIPTION_DEFAULT);	/* in the page's language */
	html_raw(b, "\n<meta name=\"description\" content=\"");
	html_attr(b, description);
	html_raw(b, "\">\n<meta property=\"og:site_name\" content=\"citybench\">\n"
	    "<meta property=\"og:type\" content=\"website\">\n<meta property=\"og:title\" content=\"");
	html_attr(b, title);
	html_raw(b, "\">\n<meta property=\"og:description\" content=\"");
	html_attr(b, description);
	html_raw(b, "\">\n");
	if (r->path && r->path[0] == '/') {
		html_raw(b, "<meta property=\"og:url\" content=\"");
		html_attr(b, r->path);
		if (qs) {
			buf_putc(b, '?');
			html_attr(b, qs);
		}
		html_raw(b, "\">\n");
	}
	if (has_chart(r->path)) {
		html_raw(b, "<meta property=\"og:image\" content=\"");
		html_attr(b, r->path);
		html_raw(b, ".svg");
		if (qs) {
			buf_putc(b, '?');
			html_attr(b, qs);
		}
		html_raw(b, "\">\n<meta property=\"og:image:alt\" content=\"");
		html_attr(b, _("The chart:"));
		html_raw(b, " ");
		html_attr(b, title);
		html_raw(b, "\">");
	}
}

/* The layout's messages ({{t:…}}): listed here for xgettext. */
static const char *const layout_messages[] = {
	N_("Skip to main content"), N_("Main"), N_("Cities"), N_("Compare"), N_("Metrics"), N_("Data"),
	N_("Upload"), N_("Sign in"), N_("Signed in"), N_("Plugin guide"), N_("Back to the top"), N_("Language"),
	N_("citybench: new versions of every city's answers"),
	N_("citybench compares cities' answers to the city innovation capacity survey. Survey answers are "
	    "published under CC BY 4.0; synthetic demonstration cities are marked"),
	N_("synthetic"), N_("Downloads and sources"),
};

/* The same page in language l: its path and query, lang= replaced ("&amp;"-separated, escaped). */
static void
same_page(struct request *r, struct buf *b, enum lang l)
{
	size_t i;
	int n = 0;

	html_attr(b, r->path && r->path[0] == '/' ? r->path : "/");
	for (i = 0; i < r->query.n; i++) {
		if (strcmp(r->query.p[i].key, "lang") == 0)
			continue;
		buf_puts(b, n++ ? "&amp;" : "?");
		url_encode(b, r->query.p[i].key);
		if (*r->query.p[i].value) {
			buf_putc(b, '=');
			url_encode(b, r->query.p[i].value);
		}
	}
	buf_puts(b, n ? "&amp;lang=" : "?lang=");
	buf_puts(b, lang_code(l));
}

/* The <link rel="alternate" hreflang> of both languages. */
static void
alternates(struct request *r)
{
	int l;

	for (l = 0; l < LANG_COUNT; l++) {
		buf_printf(&r->out, "<link rel=\"alternate\" hreflang=\"%s\" href=\"", lang_code((enum lang)l));
		same_page(r, &r->out, (enum lang)l);
		html_raw(&r->out, "\">\n");
	}
}

/* The language switch: both languages, each in its own name and language; the page's own is plain
 * text (the page itself), the other a link to this page in it. */
static void
lang_switch(struct request *r)
{
	int l;

	html_raw(&r->out, "<nav class=\"lang-switch\" aria-label=\"");
	html_attr(&r->out, _("Language"));
	html_raw(&r->out, "\"><ul>");
	for (l = 0; l < LANG_COUNT; l++) {
		if ((enum lang)l == r->lang) {
			buf_printf(&r->out, "<li><span class=\"current\" lang=\"%s\">", lang_code((enum lang)l));
			html_text(&r->out, lang_name((enum lang)l));
			html_raw(&r->out, "</span></li>");
			continue;
		}
		buf_printf(&r->out, "<li><a lang=\"%s\" hreflang=\"%s\" href=\"", lang_code((enum lang)l),
		    lang_code((enum lang)l));
		same_page(r, &r->out, (enum lang)l);
		html_raw(&r->out, "\">");
		html_text(&r->out, lang_name((enum lang)l));
		html_raw(&r->out, "</a></li>");
	}
	html_raw(&r->out, "</ul></nav>");
}

/* Writes the layout from p to end, expanding {{lang}}, {{alternates}}, {{lang_switch}}, {{signin}} (the
 * navigation's "Sign in", or "Signed in" with a live session: page_signed_in) and {{t:MESSAGE}} (the
 * message in the page's language, escaped); other {{…}} are copied. */
static void
expand(struct request *r, const char *p, const char *end)
{
	const char *o, *c;
	char msg[512];
	size_t n;

	(void)layout_messages;
	while (p < end && (o = strstr(p, "{{")) != NULL && o < end) {
		buf_append(&r->out, p, (size_t)(o - p));
		c = strstr(o, "}}");
		if (c == NULL || c >= end) {
			p = o;
			break;
		}
		n = (size_t)(c - o - 2);
		if (n == 4 && strncmp(o + 2, "lang", 4) == 0) {
			buf_puts(&r->out, lang_code(r->lang));
		} else if (n == 10 && strncmp(o + 2, "alternates", 10) == 0) {
			alternates(r);
		} else if (n == 11 && strncmp(o + 2, "lang_switch", 11) == 0) {
			lang_switch(r);
		} else if (n == 6 && strncmp(o + 2, "signin", 6) == 0) {
			html_text(&r->out, page_signed_in && page_signed_in(r) ? _("Signed in") : _("Sign in"));
		} else if (n > 2 && n - 2 < sizeof(msg) && strncmp(o + 2, "t:", 2) == 0) {
			memcpy(msg, o + 4, n - 2);
			msg[n - 2] = '\0';
			html_text(&r->out, _(msg));
		} else {
			buf_append(&r->out, o, (size_t)(c + 2 - o));
		}
		p = c + 2;
	}
	if (p < end)
		buf_append(&r->out, p, (size_t)(end - p));
}

void
page_begin(struct request *r, const char *title)
{
	page_begin_described(r, title, NULL);
}

void
page_begin_described(struct request *r, const char *title, const char *description)
{
	const char *l = layout_of(), *t = strstr(l, "{{title}}"), *c = strstr(l, "{{content}}"), *e;

	r->ctype = "text/html";
	buf_reset(&r->out);
	expand(r, l, t);
	html_text(&r->out, title);
	t += strlen("{{title}}");
	e = strstr(t, "</title>");
	if (e && e < c) {
		e += strlen("</title>");
		expand(r, t, e);
		meta_tags(r, title, description);
		t = e;
	}
	expand(r, t, c);
}

void
page_end(struct request *r)
{
	const char *l = layout_of(), *c = strstr(l, "{{content}}");

	c += strlen("{{content}}");
	expand(r, c, c + strlen(c));
	/* A language chosen with lang= stays chosen: every link inside the site carries it. */
	if (r->lang_explicit)
		lang_rewrite_links(&r->out, r->lang);
}

/* The reason phrases of the errors, for xgettext (http_reason's, in the page's language). */
static const char *const reasons[] = {
	N_("Bad Request"), N_("Unauthorized"), N_("Forbidden"), N_("Not Found"), N_("Method Not Allowed"),
	N_("Conflict"), N_("Payload Too Large"), N_("URI Too Long"), N_("Unsupported Media Type"),
	N_("Unprocessable Entity"), N_("Too Many Requests"), N_("Request Header Fields Too Large"),
	N_("Service Unavailable"), N_("Internal Server Error"), N_("Error"),
};

/* What an error of each kind means, said to people in the page's language (the handler's own message,
 * English unless po/fr.po has it, follows). */
static const char *
explain(int status)
{
	switch (status) {
	case 400: return _("The request is malformed: a parameter or the body could not be read.");
	case 401: return _("Sign in, or send a valid token, to do this.");
	case 403: return _("Your account or token may not do this.");
	case 404: return _("There is no such page, city, metric, wave or submission.");
	case 405: return _("This address does not accept that method.");
	case 409: return _("This upload would clear answered questions: confirm that you mean it.");
	case 413: return _("The file is over the size limit.");
	case 415: return _("This type of file is not accepted here.");
	case 422: return _("The data does not fit the questionnaire: see the problems below.");
	case 429: return _("Too many requests: wait a moment and try again.");
	case 503: return _("The database cannot be reached just now: nothing was changed. Try again shortly.");
	default: return _("Something went wrong.");
	}
}

void
page_error(struct request *r, int status, const char *message, json_t *details)
{
	char title[96];
	const char *said;
	size_t i;
	json_t *d;

	(void)reasons;
	snprintf(title, sizeof(title), "%d %s", status, _(http_reason(status)));
	page_begin(r, title);
	r->status = status;
	html_raw(&r->out, "<h1>");
	html_text(&r->out, title);
	html_raw(&r->out, "</h1>\n<p class=\"error\" role=\"alert\">");
	/* In English the handler's message says it all; in another language the kind's explanation comes
	 * first, then the message, translated when po/fr.po has it, else marked as English. */
	said = message ? _(message) : "";
	if (r->lang != LANG_EN) {
		html_text(&r->out, explain(status));
		if (*said) {
			html_raw(&r->out, said == message ? " <span lang=\"en\">" : " <span>");
			html_text(&r->out, said);
			html_raw(&r->out, "</span>");
		}
	} else {
		html_text(&r->out, message);
	}
	html_raw(&r->out, "</p>\n");
	if (json_array_size(details) > 0) {
		html_raw(&r->out, "<table class=\"details\"><caption>");
		html_text(&r->out, _("Problems found"));
		html_raw(&r->out, "</caption><thead><tr><th scope=\"col\">");
		html_text(&r->out, _("Row"));
		html_raw(&r->out, "</th><th scope=\"col\">");
		html_text(&r->out, _("Column"));
		html_raw(&r->out, "</th><th scope=\"col\">");
		html_text(&r->out, _("Problem"));
		html_raw(&r->out, "</th></tr></thead><tbody>\n");
		json_array_foreach(details, i, d) {
			json_t *row = json_object_get(d, "row");
			html_raw(&r->out, "<tr><td>");
			if (json_is_integer(row))
				buf_printf(&r->out, "%lld", (long long)json_integer_value(row));
			html_raw(&r->out, "</td><td>");
			html_text(&r->out, json_string_value(json_object_get(d, "column")) ?
			    json_string_value(json_object_get(d, "column")) : "");
			html_raw(&r->out, r->lang != LANG_EN ? "</td><td lang=\"en\">" : "</td><td>");
			html_text(&r->out, json_string_value(json_object_get(d, "message")) ?
			    json_string_value(json_object_get(d, "message")) : "");
			html_raw(&r->out, "</td></tr>\n");
		}
		html_raw(&r->out, "</tbody></table>\n");
	}
	html_raw(&r->out, "<p>");
	html_text(&r->out, _("Request id:"));
	html_raw(&r->out, " <code>");
	html_text(&r->out, r->request_id);
	html_raw(&r->out, "</code>. <a href=\"/\">");
	html_text(&r->out, _("Back to the start page"));
	html_raw(&r->out, "</a>.</p>\n");
	page_end(r);
}
