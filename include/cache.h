/* cache.h: a worker's response cache, keyed by the request and the data version, bounded in bytes.
 * An entry is served only while the data version it was made under is the current one, so a cache hit
 * is never older than the last accepted upload. */
#ifndef CB_CACHE_H
#define CB_CACHE_H

#include <stddef.h>

struct cache;

struct cached {
	int status;
	const char *ctype;		/* a static string from the handler */
	char *headers;			/* extra header lines */
	size_t headers_len;
	char *body;
	size_t body_len;
	long long version;
	int fmt;
};

/* Returns NULL when memory ran out (then nothing is cached). */
struct cache *cache_new(size_t max_bytes);
void cache_free(struct cache *c);

/* The entry for key made under version, or NULL.  Entries of older versions are dropped. */
const struct cached *cache_get(struct cache *c, const char *key, size_t klen, long long version);

/* Stores a copy; evicts the least recently used entries to stay under the bound.  Entries larger than a
 * quarter of the bound are not stored. */
void cache_put(struct cache *c, const char *key, size_t klen, const struct cached *e);

/* Hits, misses and bytes held, for the operator's counters. */
void cache_stats(const struct cache *c, unsigned long long *hits, unsigned long long *misses, size_t *bytes);

#endif
