/* cache.h: the response cache all workers of a supervisor share, keyed by the request and the data
 * version, bounded in bytes.  The supervisor makes it before it forks (one shared-memory region); the
 * workers, and the ones it forks again to replace the dead, inherit it.  An entry is served only while
 * the data version it was made under is the current one, so a cache hit is never older than the last
 * accepted upload. */
#ifndef CB_CACHE_H
#define CB_CACHE_H

#include <stddef.h>

#include "buf.h"

struct cache;

/* An entry going in (cache_put), or what a hit says about itself (cache_get: headers and body NULL). */
struct cached {
	int status;
	const char *ctype;		/* one of the handlers' static content types, or NULL (text/html) */
	const char *headers;		/* extra header lines */
	size_t headers_len;
	const char *body;
	size_t body_len;
	long long version;
	int fmt;
};

struct cache_stats {
	size_t bytes;			/* held by entries, their keys and bookkeeping included */
	size_t entries;
	size_t capacity;		/* what entries may hold at most */
	unsigned long long recovered;	/* times emptied after a process died holding the lock */
};

/* Maps a region of max_bytes shared by every process forked afterwards (named "citybench-cache" in
 * /proc/PID/smaps when the system allows).  Returns NULL when max_bytes is too small (under 64 KiB) or
 * the region cannot be made (then nothing is cached). */
struct cache *cache_new(size_t max_bytes);

/* Unmaps this process's view; the other processes keep theirs.  Accepts NULL. */
void cache_free(struct cache *c);

/* The entry for key made under version: returns 1 and fills *hit (status, ctype, fmt, version), appending
 * the entry's header lines to headers and its body to body (either may be NULL: not copied); nothing
 * of the region is referred to afterwards.  The body is copied after the lock is let go and kept only
 * if the entry was not evicted while it was copied (else it is copied again under the lock).  Returns 0 on a miss:
 * no such entry, a version older than the cache's (a reader behind the others), or memory ran out in
 * the buffers (they are then as they were).  A version newer than the cache's empties it first. */
int cache_get(struct cache *c, const char *key, size_t klen, long long version, struct cached *hit,
    struct buf *headers, struct buf *body);

/* A hit sent without the copy: as cache_get, but *body and *blen give the body where it lies in the
 * region, pinned: no entry is written over it (a put that would is dropped) until cache_release, or
 * the next cache_get_pinned of this process (a process holds one pin at most).  Returns 1 (a hit), 0
 * (a miss: headers as they were), or -1 when no pin is left for this process (more processes than the
 * region has pins): nothing done, cache_get then copies it. */
int cache_get_pinned(struct cache *c, const char *key, size_t klen, long long version, struct cached *hit,
    struct buf *headers, const char **body, size_t *blen);

/* Lets go of this process's pin, if it holds one; accepts NULL.  After it, the body a pinned hit gave
 * must not be read any more. */
void cache_release(struct cache *c);

/* Stores a copy, evicting the oldest entries to make room.  Nothing is stored (silently: a cache may
 * forget) for an entry larger than a quarter of the region, a content type that is not one of the
 * static ones, a version older than the cache's, or a key already held.  A newer version empties the
 * cache first. */
void cache_put(struct cache *c, const char *key, size_t klen, const struct cached *e);

/* Bytes and entries held now; all zero for NULL. */
void cache_stats(struct cache *c, struct cache_stats *st);

#ifdef CB_TEST_HOOKS
/* Built with -DCB_TEST_HOOKS only (tests/unit/test_cache.c's own copy of cache.c): called by cache_put
 * while it holds the lock with an entry half written; NULL otherwise. */
extern void (*cache_test_hook)(void);
/* Called by cache_get after it copied a body without the lock, before it checks that the entry was not
 * evicted meanwhile. */
extern void (*cache_test_copy_hook)(void);
#endif

#endif
