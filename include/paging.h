/* paging.h: long lists in pages (`limit`, `offset`; JSON `total` and `next`). */
#ifndef CB_PAGING_H
#define CB_PAGING_H

#include <jansson.h>

#include "http.h"

#define PAGING_DEFAULT	1000
#define PAGING_MAX	10000
#define PAGING_MAX_OFFSET 1000000000L

struct paging {
	long limit, offset;
	int given;		/* 1 when the query named limit or offset */
};

/* Reads `limit` (1..PAGING_MAX, default def) and `offset` (0..PAGING_MAX_OFFSET, default 0) from the
 * query; an empty value is the default.  0, or -1 with the 400 answered. */
int paging_read(struct request *r, struct paging *pg, long def);

/* The URL (path and query, not escaped for HTML) of the page after this one of a list of total items
 * at path (such as "/cities.json"): every parameter of the request kept but offset, which moves on by
 * limit; JSON null when this page is the last.  NULL only when memory ran out. */
json_t *paging_next(const struct request *r, const struct paging *pg, const char *path, long long total);

#endif
