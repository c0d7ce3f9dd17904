/* page.h: the HTML pages' frame (web/templates/layout.html) around a body written with html.h. */
#ifndef CB_PAGE_H
#define CB_PAGE_H

#include <jansson.h>
#include "http.h"

/* Starts an HTML page: status 200, content type, the layout up to the content; the title is escaped. */
void page_begin(struct request *r, const char *title);
/* The same with the page's description (meta description and og:description): what the page shows,
 * with its city, metric or figure where it has one; NULL: a sentence on what citybench is. */
void page_begin_described(struct request *r, const char *title, const char *description);
/* Closes the page (the layout after the content). */
void page_end(struct request *r);
/* A whole error page for people: the same message and details as the JSON error. */
void page_error(struct request *r, int status, const char *message, json_t *details);

/* Whether the request comes with a live session (set by the routes: a session is the domain's): the
 * navigation then says "Signed in" instead of "Sign in".  Asked only when a page's frame is written;
 * NULL (the default) says no. */
extern int (*page_signed_in)(struct request *r);

/* Reads the layout template, root/web/templates/layout.html, for every page this process writes.
 * Returns 0, or -1 with a message on stderr (the layout is then as it was: until a first success, a
 * plain built-in frame). */
int page_init(const char *root);
/* Forgets the layout (back to the built-in frame). */
void page_free(void);

#endif
