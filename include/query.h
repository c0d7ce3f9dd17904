/* query.h: application/x-www-form-urlencoded query strings and the names in paths. */
#ifndef CB_QUERY_H
#define CB_QUERY_H

#include <stddef.h>

#define QUERY_MAX_LEN		65536	/* bytes in the whole query string */
#define QUERY_MAX_PARAMS	100
#define QUERY_MAX_ITEM		8192	/* bytes in a decoded key or value */

struct query {
	size_t n;
	struct qparam {
		char *key;	/* decoded, valid UTF-8, no NUL */
		char *value;	/* decoded; "" for a key without '=' */
	} *p;
};

/*
 * Parses qs (NULL or "" is an empty query) into q, which the caller passes
 * zeroed or freed. Pieces are split on '&' only; empty pieces are skipped;
 * '+' is a space and %XX a byte, in keys and values alike.
 * Returns 0, or -1 with q left empty and *err (if err is not NULL) a
 * malloc'd message naming the parameter: a bad %-escape, a decoded NUL
 * byte, invalid UTF-8, more than QUERY_MAX_PARAMS parameters, a key or
 * value over QUERY_MAX_ITEM bytes, a query over QUERY_MAX_LEN bytes, or
 * memory running out.
 */
int query_parse(const char *qs, struct query *q, char **err);

/* The first value of key, or NULL when key is absent. */
const char *query_get(const struct query *q, const char *key);

/*
 * Stores in out[] the values of key in order, at most max of them, and
 * returns how many it stored (0 when key is absent).
 */
size_t query_getv(const struct query *q, const char *key, const char **out,
    size_t max);

/* Drops, in place, every parameter whose key keep() refuses (returns 0), keeping the others in their
 * order.  Returns how many it dropped. */
size_t query_keep(struct query *q, int (*keep)(const char *key));

/* Releases q's memory and zeroes it; safe on a zeroed struct. */
void query_free(struct query *q);

/* 1 when s[0..n-1] is a city slug, [a-z0-9-]{1,64}; else 0. */
int path_segment_valid_slug(const char *s, size_t n);

/* 1 when s is a question code or metric id, [a-z0-9_]{1,IDENT_MAX}; else 0 (also for NULL).  The one
 * rule for both: the CLI, the pages and the plugin layer (metric.c) all call it. */
#define IDENT_MAX	64
int ident_valid(const char *s);

/* 1 when s is a wave id, a year of four digits not starting with 0; else 0. */
int wave_valid(const char *s);

#endif
