/* feed.c: Atom 1.0 feeds (RFC 4287) of new versions, withdrawals and restores: /cities/{slug}/feed.atom
 * (one city) and /feed.atom (every city), newest first, the 50 latest.  Each entry links the version
 * (/submissions/{id}) and says what it changed.  Ids are URNs that never change; links are relative
 * to the feed's own address. */
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "html.h"
#include "query.h"
#include "routes.h"
#include "view.h"

static void
xml_el(struct buf *b, const char *name, const char *text)
{
	buf_printf(b, "<%s>", name);
	html_text(b, text);
	buf_printf(b, "</%s>\n", name);
}

/* "Version 3 of Toronto's 2020 answers: changed dedicated_funding, funding_sources" */
static void
entry_summary(struct buf *b, PGresult *res, int i)
{
	const char *src = PQgetvalue(res, i, Q_FEED_ENTRIES_SOURCE);
	const char *n = PQgetvalue(res, i, Q_FEED_ENTRIES_NCHANGED);

	if (strcmp(src, "withdraw") == 0) {
		buf_puts(b, "Withdraws version ");
		html_text(b, PQgetisnull(res, i, Q_FEED_ENTRIES_WITHDREW) ? "?" :
		    PQgetvalue(res, i, Q_FEED_ENTRIES_WITHDREW));
		buf_puts(b, "; ");
	} else if (strcmp(src, "restore") == 0) {
		buf_puts(b, "Restores an earlier version; ");
	} else {
		buf_puts(b, strcmp(src, "import") == 0 ? "Imported; " : "Uploaded; ");
	}
	if (strcmp(n, "0") == 0 || PQgetisnull(res, i, Q_FEED_ENTRIES_NCHANGED)) {
		buf_puts(b, "the first version of these answers or no answer changed.");
		return;
	}
	html_text(b, n);
	buf_puts(b, strcmp(n, "1") == 0 ? " answer changed: " : " answers changed: ");
	html_text(b, PQgetvalue(res, i, Q_FEED_ENTRIES_CHANGED));
	buf_puts(b, ".");
}

static int
feed(struct request *r, const char *slug, const char *name)
{
	const char *p[1] = { slug };
	PGresult *res = db_query(r->app->db, Q_FEED_ENTRIES, 1, p);
	struct buf *b = &r->out;
	int i;

	if (!db_ok(res))
		return view_db_error(r, res), PQclear(res), -1;
	r->ctype = "application/atom+xml";
	buf_reset(b);
	buf_puts(b, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n");
	if (slug) {
		buf_puts(b, "<id>urn:citybench:feed:city:");
		html_text(b, slug);
		buf_puts(b, "</id>\n<title>");
		html_text(b, name);
		buf_puts(b, ": new versions of its answers (citybench)</title>\n<link rel=\"self\" href=\"/cities/");
		html_attr(b, slug);
		buf_puts(b, "/feed.atom\"/>\n<link rel=\"alternate\" type=\"text/html\" href=\"/cities/");
		html_attr(b, slug);
		buf_puts(b, "\"/>\n");
	} else {
		buf_puts(b, "<id>urn:citybench:feed:all</id>\n<title>citybench: new versions of every city's answers</title>\n"
		    "<link rel=\"self\" href=\"/feed.atom\"/>\n<link rel=\"alternate\" type=\"text/html\" href=\"/cities\"/>\n");
	}
	xml_el(b, "updated", PQntuples(res) ? PQgetvalue(res, 0, Q_FEED_ENTRIES_CREATED_AT) : "1970-01-01T00:00:00Z");
	buf_puts(b, "<author><name>citybench</name></author>\n<rights>CC BY 4.0</rights>\n");
	for (i = 0; i < PQntuples(res); i++) {
		const char *id = PQgetvalue(res, i, Q_FEED_ENTRIES_ID);

		buf_puts(b, "<entry>\n<id>urn:citybench:submission:");
		html_text(b, id);
		buf_puts(b, "</id>\n<title>");
		html_text(b, PQgetvalue(res, i, Q_FEED_ENTRIES_NAME));
		buf_puts(b, ", ");
		html_text(b, PQgetvalue(res, i, Q_FEED_ENTRIES_SURVEY_ID));
		buf_puts(b, " wave: ");
		html_text(b, strcmp(PQgetvalue(res, i, Q_FEED_ENTRIES_SOURCE), "withdraw") == 0 ? "withdrawal, " :
		    strcmp(PQgetvalue(res, i, Q_FEED_ENTRIES_SOURCE), "restore") == 0 ? "restore, " : "");
		buf_puts(b, "version ");
		html_text(b, PQgetvalue(res, i, Q_FEED_ENTRIES_VERSION));
		buf_puts(b, "</title>\n<link rel=\"alternate\" type=\"text/html\" href=\"/submissions/");
		html_attr(b, id);
		buf_puts(b, "\"/>\n");
		xml_el(b, "updated", PQgetvalue(res, i, Q_FEED_ENTRIES_CREATED_AT));
		xml_el(b, "published", PQgetvalue(res, i, Q_FEED_ENTRIES_CREATED_AT));
		buf_puts(b, "<category term=\"");
		html_attr(b, PQgetvalue(res, i, Q_FEED_ENTRIES_SOURCE));
		buf_puts(b, "\"/>\n<summary type=\"text\">");
		entry_summary(b, res, i);
		buf_puts(b, "</summary>\n</entry>\n");
	}
	buf_puts(b, "</feed>\n");
	PQclear(res);
	return 0;
}

int
feed_all_get(struct request *r)
{
	return feed(r, NULL, NULL);
}

int
feed_city_get(struct request *r)
{
	const char *slug = r->args[0];
	PGresult *city;
	int rc;

	if (view_slug_arg(r, slug, "city") == -1)
		return -1;
	if ((city = view_city(r, slug)) == NULL)
		return -1;
	rc = feed(r, slug, PQgetvalue(city, 0, Q_CITY_NAME));
	PQclear(city);
	return rc;
}
