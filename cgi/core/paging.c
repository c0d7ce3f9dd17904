/* paging.c: `limit` and `offset` on the long lists (/cities, /metrics/{id}), and the JSON's `next`. */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "html.h"
#include "paging.h"
#include "query.h"
#include "reply.h"

static int
whole(const char *s, long lo, long hi, long *out)
{
	char *end;
	long v;

	if (s[0] < '0' || s[0] > '9' || strlen(s) > 12)
		return -1;
	v = strtol(s, &end, 10);
	if (*end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

int
paging_read(struct request *r, struct paging *pg, long def)
{
	const char *l = query_get(&r->query, "limit"), *o = query_get(&r->query, "offset");

	pg->limit = def;
	pg->offset = 0;
	pg->given = (l && *l) || (o && *o);
	if (l && *l && whole(l, 1, PAGING_MAX, &pg->limit) == -1)
		return reply_error(r, 400, "limit must be a whole number from 1 to 10000", NULL);
	if (o && *o && whole(o, 0, PAGING_MAX_OFFSET, &pg->offset) == -1)
		return reply_error(r, 400, "offset must be a whole number from 0", NULL);
	return 0;
}

json_t *
paging_next(const struct request *r, const struct paging *pg, const char *path, long long total)
{
	struct buf b = BUF_INIT;
	json_t *url;
	size_t i;

	if ((long long)pg->offset + pg->limit >= total)
		return json_null();
	buf_puts(&b, path);
	buf_putc(&b, '?');
	for (i = 0; i < r->query.n; i++) {
		if (strcmp(r->query.p[i].key, "offset") == 0)
			continue;
		url_encode(&b, r->query.p[i].key);
		buf_putc(&b, '=');
		url_encode(&b, r->query.p[i].value);
		buf_putc(&b, '&');
	}
	buf_printf(&b, "offset=%ld", pg->offset + pg->limit);
	url = b.data ? json_string(b.data) : NULL;
	buf_free(&b);
	return url;
}
