/* cache.c: the response cache of one worker: a hash table with an LRU list, flushed whole when the
 * data version moves (every entry is stale then). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"

struct entry {
	struct entry *hnext;		/* hash chain */
	struct entry *prev, *next;	/* LRU list, most recent first */
	uint64_t hash;
	char *key;
	size_t klen;
	size_t bytes;
	struct cached v;
};

struct cache {
	struct entry **buckets;
	size_t nbuckets;
	struct entry *head, *tail;
	size_t bytes, max_bytes, count;
	long long version;
	unsigned long long hits, misses;
};

static uint64_t
fnv1a(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ull;
	}
	return h;
}

struct cache *
cache_new(size_t max_bytes)
{
	struct cache *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->nbuckets = 4096;
	if ((c->buckets = calloc(c->nbuckets, sizeof(*c->buckets))) == NULL) {
		free(c);
		return NULL;
	}
	c->max_bytes = max_bytes;
	return c;
}

static void
unlink_lru(struct cache *c, struct entry *e)
{
	if (e->prev)
		e->prev->next = e->next;
	else
		c->head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		c->tail = e->prev;
	e->prev = e->next = NULL;
}

static void
push_front(struct cache *c, struct entry *e)
{
	e->next = c->head;
	e->prev = NULL;
	if (c->head)
		c->head->prev = e;
	c->head = e;
	if (c->tail == NULL)
		c->tail = e;
}

static void
drop(struct cache *c, struct entry *e)
{
	struct entry **pp = &c->buckets[e->hash % c->nbuckets];

	while (*pp && *pp != e)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = e->hnext;
	unlink_lru(c, e);
	c->bytes -= e->bytes;
	c->count--;
	free(e->key);
	free(e->v.headers);
	free(e->v.body);
	free(e);
}

static void
flush(struct cache *c)
{
	while (c->head)
		drop(c, c->head);
}

void
cache_free(struct cache *c)
{
	if (c == NULL)
		return;
	flush(c);
	free(c->buckets);
	free(c);
}

const struct cached *
cache_get(struct cache *c, const char *key, size_t klen, long long version)
{
	uint64_t h;
	struct entry *e;

	if (c == NULL)
		return NULL;
	if (version != c->version) {
		flush(c);
		c->version = version;
	}
	h = fnv1a(key, klen);
	for (e = c->buckets[h % c->nbuckets]; e; e = e->hnext) {
		if (e->hash == h && e->klen == klen && memcmp(e->key, key, klen) == 0) {
			unlink_lru(c, e);
			push_front(c, e);
			c->hits++;
			return &e->v;
		}
	}
	c->misses++;
	return NULL;
}

void
cache_put(struct cache *c, const char *key, size_t klen, const struct cached *v)
{
	struct entry *e;
	size_t bytes;

	if (c == NULL || v->version != c->version)
		return;
	bytes = sizeof(*e) + klen + v->headers_len + v->body_len;
	if (bytes > c->max_bytes / 4)
		return;
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return;
	e->key = malloc(klen ? klen : 1);
	e->v = *v;
	e->v.headers = malloc(v->headers_len + 1);
	e->v.body = malloc(v->body_len + 1);
	if (!e->key || !e->v.headers || !e->v.body) {
		free(e->key);
		free(e->v.headers);
		free(e->v.body);
		free(e);
		return;
	}
	memcpy(e->key, key, klen);
	e->klen = klen;
	memcpy(e->v.headers, v->headers ? v->headers : "", v->headers_len);
	e->v.headers[v->headers_len] = '\0';
	memcpy(e->v.body, v->body ? v->body : "", v->body_len);
	e->v.body[v->body_len] = '\0';
	e->hash = fnv1a(key, klen);
	e->bytes = bytes;
	while (c->tail && c->bytes + bytes > c->max_bytes)
		drop(c, c->tail);
	e->hnext = c->buckets[e->hash % c->nbuckets];
	c->buckets[e->hash % c->nbuckets] = e;
	push_front(c, e);
	c->bytes += bytes;
	c->count++;
}

void
cache_stats(const struct cache *c, unsigned long long *hits, unsigned long long *misses, size_t *bytes)
{
	*hits = c ? c->hits : 0;
	*misses = c ? c->misses : 0;
	*bytes = c ? c->bytes : 0;
}
