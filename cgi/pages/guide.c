/* guide.c: /guide — the plugin author's guide, web/templates/guide.html (an HTML fragment with its one
 * <h1>) inside the layout. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "html.h"
#include "lang.h"
#include "page.h"
#include "reply.h"
#include "routes.h"

#define GUIDE_MAX (1u << 20)

/* Reads the fragment; returns 0 with *text malloc'd, or -1. */
static int
read_guide(const char *root, char **text, size_t *len)
{
	char path[4096];
	FILE *f = NULL;
	char *s = NULL;
	size_t n = 0, got;
	int rc = -1;

	*text = NULL;
	snprintf(path, sizeof(path), "%s/web/templates/guide.html", root ? root : ".");
	if ((f = fopen(path, "rb")) == NULL)
		goto out;
	if ((s = malloc(GUIDE_MAX + 1)) == NULL)
		goto out;
	while ((got = fread(s + n, 1, GUIDE_MAX + 1 - n, f)) > 0)
		n += got;
	if (ferror(f) || n > GUIDE_MAX)
		goto out;
	s[n] = '\0';
	*text = s;
	*len = n;
	s = NULL;
	rc = 0;
out:
	if (f)
		fclose(f);
	free(s);
	return rc;
}

int
guide_get(struct request *r)
{
	char *text;
	size_t len;

	/* The guide is a file of the tree, not data: no ETag from the data version. */
	if (read_guide(r->app ? r->app->root : ".", &text, &len) == -1)
		return reply_error(r, 503, "the plugin guide is not installed on this server", NULL);
	page_begin_described(r, _("Writing a metric plugin"), "How to write a metric as a Lua plugin: what it receives, "
	    "what it returns, the limits of its sandbox, and how it is checked before it runs.");
	/* The guide is written in English only: under another language its content says so (lang="en"). */
	if (lang_current() != LANG_EN)
		html_raw(&r->out, "<div lang=\"en\">\n");
	buf_append(&r->out, text, len);
	if (lang_current() != LANG_EN)
		html_raw(&r->out, "</div>\n");
	page_end(r);
	free(text);
	return 0;
}
