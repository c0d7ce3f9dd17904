/* page.c: the frame of every HTML page, from web/templates/layout.html (read once per worker, kept
 * here); the error page. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "html.h"
#include "page.h"

static const char fallback_layout[] =
    "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{{title}} · citybench"
    "</title></head><body><a href=\"#main\">Skip to main content</a><main id=\"main\">{{content}}"
    "</main></body></html>";

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
#define DESCRIPTION_DEFAULT "citybench compares how cities organise public-sector innovation, wave by wave: " \
	"survey answers, metrics computed from them, rankings and maps, with open data under CC BY 4.0."

/* The page's description and Open Graph tags (issue 15): a shared link previews with the page's title,
 * the page's own description (what it shows, with its city, metric or figure; DESCRIPTION_DEFAULT when
 * the page gave none), its address and, where the page has a chart, the chart. */
static void
meta_tags(struct request *r, const char *title, const char *description)
{
	struct buf *b = &r->out;
	const char *qs = r->query_string && *r->query_string ? r->query_string : NULL;

	if (description == NULL || *description == '\0')
		description = DESCRIPTION_DEFAULT;
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
		html_raw(b, "\">\n<meta property=\"og:image:alt\" content=\"The chart of ");
		html_attr(b, title);
		html_raw(b, "\">");
	}
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
	buf_append(&r->out, l, (size_t)(t - l));
	html_text(&r->out, title);
	t += strlen("{{title}}");
	e = strstr(t, "</title>");
	if (e && e < c) {
		e += strlen("</title>");
		buf_append(&r->out, t, (size_t)(e - t));
		meta_tags(r, title, description);
		t = e;
	}
	buf_append(&r->out, t, (size_t)(c - t));
}

void
page_end(struct request *r)
{
	const char *l = layout_of(), *c = strstr(l, "{{content}}");

	buf_puts(&r->out, c + strlen("{{content}}"));
}

void
page_error(struct request *r, int status, const char *message, json_t *details)
{
	char title[64];
	size_t i;
	json_t *d;

	snprintf(title, sizeof(title), "%d %s", status, http_reason(status));
	page_begin(r, title);
	r->status = status;
	html_raw(&r->out, "<h1>");
	html_text(&r->out, title);
	html_raw(&r->out, "</h1>\n<p class=\"error\" role=\"alert\">");
	html_text(&r->out, message);
	html_raw(&r->out, "</p>\n");
	if (json_array_size(details) > 0) {
		html_raw(&r->out, "<table class=\"details\"><caption>Problems found</caption><thead><tr>"
		    "<th scope=\"col\">Row</th><th scope=\"col\">Column</th><th scope=\"col\">Problem</th>"
		    "</tr></thead><tbody>\n");
		json_array_foreach(details, i, d) {
			json_t *row = json_object_get(d, "row");
			html_raw(&r->out, "<tr><td>");
			if (json_is_integer(row))
				buf_printf(&r->out, "%lld", (long long)json_integer_value(row));
			html_raw(&r->out, "</td><td>");
			html_text(&r->out, json_string_value(json_object_get(d, "column")) ?
			    json_string_value(json_object_get(d, "column")) : "");
			html_raw(&r->out, "</td><td>");
			html_text(&r->out, json_string_value(json_object_get(d, "message")) ?
			    json_string_value(json_object_get(d, "message")) : "");
			html_raw(&r->out, "</td></tr>\n");
		}
		html_raw(&r->out, "</tbody></table>\n");
	}
	html_raw(&r->out, "<p>Request id: <code>");
	html_text(&r->out, r->request_id);
	html_raw(&r->out, "</code>. <a href=\"/\">Back to the start page</a>.</p>\n");
	page_end(r);
}
