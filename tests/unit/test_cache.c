/* test_cache.c: the shared response cache: hits give back exactly what was put, the data version
 * empties it, the byte bound holds, hostile sizes are refused, forked processes share it safely and a
 * process killed while holding its lock leaves it usable. */
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cache.h"
#include "t.h"

/* The bytes of key k's body under version v: a size and a pattern that differ from key to key. */
static size_t
body_len_of(int k)
{
	return 1 + (size_t)(k * 7919 % 40000);
}

static void
make_body(struct buf *b, int k, long long v)
{
	size_t i, n = body_len_of(k);

	buf_reset(b);
	for (i = 0; i < n; i++)
		buf_putc(b, (char)('a' + (k * 31 + v * 7 + (long long)i) % 26));
}

static int
put_kv(struct cache *c, int k, long long v, struct buf *body)
{
	char key[32], hdr[64];
	struct cached e;

	snprintf(key, sizeof(key), "key-%d", k);
	snprintf(hdr, sizeof(hdr), "X-Key: %d-%lld\r\n", k, v);
	make_body(body, k, v);
	memset(&e, 0, sizeof(e));
	e.status = 200;
	e.ctype = k % 2 ? "application/json" : "text/html";
	e.headers = hdr;
	e.headers_len = strlen(hdr);
	e.body = body->data;
	e.body_len = body->len;
	e.version = v;
	e.fmt = k % 3;
	cache_put(c, key, strlen(key), &e);
	return 0;
}

/* 1 on a hit with the right bytes, 0 on a miss, -1 on a hit with wrong bytes. */
static int
get_kv(struct cache *c, int k, long long v, struct buf *h, struct buf *b, struct buf *want)
{
	char key[32], hdr[64];
	struct cached hit;

	snprintf(key, sizeof(key), "key-%d", k);
	buf_reset(h);
	buf_reset(b);
	if (!cache_get(c, key, strlen(key), v, &hit, h, b))
		return 0;
	snprintf(hdr, sizeof(hdr), "X-Key: %d-%lld\r\n", k, v);
	make_body(want, k, v);
	if (hit.status != 200 || hit.version != v || hit.fmt != k % 3 || hit.ctype == NULL ||
	    strcmp(hit.ctype, k % 2 ? "application/json" : "text/html") != 0)
		return -1;
	if (h->len != strlen(hdr) || memcmp(h->data, hdr, h->len) != 0)
		return -1;
	if (b->len != want->len || memcmp(b->data, want->data, b->len) != 0)
		return -1;
	return 1;
}

static void
test_hostile_new(void)
{
	struct cache_stats st;
	struct cached hit;
	struct buf b = BUF_INIT;

	CHECK(cache_new(0) == NULL, "no cache of 0 bytes");
	CHECK(cache_new(1000) == NULL, "no cache under 64 KiB");
	CHECK(cache_new(SIZE_MAX) == NULL, "no cache of SIZE_MAX bytes");
	CHECK(cache_new((size_t)1 << 61) == NULL, "no cache of 2^61 bytes");
	cache_free(NULL);
	CHECK(cache_get(NULL, "k", 1, 1, &hit, &b, &b) == 0 && b.len == 0, "get on no cache misses");
	cache_put(NULL, "k", 1, NULL);
	cache_stats(NULL, &st);
	CHECK(st.bytes == 0 && st.entries == 0 && st.capacity == 0, "stats of no cache are zero");
	buf_free(&b);
}

static void
test_put_get(void)
{
	struct cache *c = cache_new(1 << 20);
	struct buf h = BUF_INIT, b = BUF_INIT, want = BUF_INIT, body = BUF_INIT;
	struct cached e, hit;
	struct cache_stats st;
	static const char key0[] = "a\0b", key1[] = "a\0c";
	char bigkey[300];

	CHECK(c != NULL, "a cache of 1 MiB");
	if (c == NULL)
		return;
	put_kv(c, 1, 5, &body);
	CHECK(get_kv(c, 1, 5, &h, &b, &want) == 1, "a hit gives back exactly what was put");
	CHECK(get_kv(c, 2, 5, &h, &b, &want) == 0, "another key misses");
	/* Appends to what the buffers hold already. */
	buf_reset(&h);
	buf_puts(&h, "Pre: 1\r\n");
	buf_reset(&b);
	buf_puts(&b, "<<");
	CHECK(cache_get(c, "key-1", 5, 5, &hit, &h, &b) == 1 && strncmp(h.data, "Pre: 1\r\nX-Key: 1-5\r\n", 20) == 0 &&
	    b.len == 2 + body_len_of(1) && strncmp(b.data, "<<", 2) == 0, "a hit appends to the buffers");
	CHECK(strcmp(hit.ctype, "application/json") == 0, "the content type comes back");
	CHECK(cache_get(c, "key-1", 5, 5, &hit, NULL, NULL) == 1 && hit.status == 200, "a hit without a copy");
	CHECK(cache_get(c, "key-", 4, 5, &hit, NULL, NULL) == 0, "a prefix of a key misses");
	CHECK(cache_get(c, "key-10", 6, 5, &hit, NULL, NULL) == 0, "a longer key misses");

	/* Keys are bytes, NUL included. */
	memset(&e, 0, sizeof(e));
	e.status = 200;
	e.ctype = NULL;
	e.body = "zero";
	e.body_len = 4;
	e.version = 5;
	cache_put(c, key0, 3, &e);
	buf_reset(&b);
	CHECK(cache_get(c, key0, 3, 5, &hit, NULL, &b) == 1 && hit.ctype == NULL && b.len == 4 &&
	    memcmp(b.data, "zero", 4) == 0, "a key holding a NUL, and no content type (text/html)");
	CHECK(cache_get(c, key1, 3, 5, &hit, NULL, NULL) == 0, "bytes after the NUL count");
	/* An entry with no headers and an empty body. */
	e.body = NULL;
	e.body_len = 0;
	e.ctype = "text/csv";
	cache_put(c, "empty", 5, &e);
	buf_reset(&b);
	buf_reset(&h);
	CHECK(cache_get(c, "empty", 5, 5, &hit, &h, &b) == 1 && b.len == 0 && h.len == 0 &&
	    strcmp(hit.ctype, "text/csv") == 0, "an empty entry is a hit with no bytes");

	/* The first copy of a key stays: two workers may compute the same page. */
	e.body = "second";
	e.body_len = 6;
	cache_put(c, "empty", 5, &e);
	buf_reset(&b);
	CHECK(cache_get(c, "empty", 5, 5, &hit, NULL, &b) == 1 && b.len == 0, "a key held is not replaced");

	/* Content types other than the static ones are not stored: a hit could not hand them back. */
	e.ctype = "text/html; charset=koi8-r";
	cache_put(c, "odd", 3, &e);
	CHECK(cache_get(c, "odd", 3, 5, &hit, NULL, NULL) == 0, "an unknown content type is not stored");
	e.ctype = "image/svg+xml";
	memset(bigkey, 'k', sizeof(bigkey));
	cache_put(c, bigkey, sizeof(bigkey), &e);
	CHECK(cache_get(c, bigkey, sizeof(bigkey), 5, &hit, NULL, NULL) == 1 &&
	    strcmp(hit.ctype, "image/svg+xml") == 0, "a long key and an SVG");

	/* The version: an older one is neither served nor stored; a newer one empties the cache. */
	CHECK(get_kv(c, 1, 4, &h, &b, &want) == 0, "an older version misses");
	put_kv(c, 3, 4, &body);
	CHECK(get_kv(c, 3, 4, &h, &b, &want) == 0 && get_kv(c, 3, 5, &h, &b, &want) == 0,
	    "an entry of an older version is not stored");
	CHECK(get_kv(c, 1, 5, &h, &b, &want) == 1, "the current version still hits");
	CHECK(get_kv(c, 1, 6, &h, &b, &want) == 0, "a newer version misses");
	cache_stats(c, &st);
	CHECK(st.entries == 0 && st.bytes == 0, "a newer version empties the cache");
	CHECK(get_kv(c, 1, 5, &h, &b, &want) == 0, "and the old entry is not served to a lagging reader");
	put_kv(c, 1, 6, &body);
	CHECK(get_kv(c, 1, 6, &h, &b, &want) == 1, "the new version is stored");
	cache_stats(c, &st);
	CHECK(st.entries == 1 && st.bytes > body_len_of(1) && st.bytes < body_len_of(1) + 200,
	    "stats count the entry and its bytes");

	cache_free(c);
	buf_free(&h);
	buf_free(&b);
	buf_free(&want);
	buf_free(&body);
}

static void
test_sizes(void)
{
	struct cache *c = cache_new(1 << 20);
	struct cache_stats st;
	struct cached e, hit;
	struct buf b = BUF_INIT;
	char *big;
	size_t q;

	if (c == NULL) {
		CHECK(0, "a cache of 1 MiB");
		return;
	}
	cache_stats(c, &st);
	CHECK(st.capacity > (1 << 20) * 9 / 10 && st.capacity < (1 << 20), "most of the region holds entries");
	q = st.capacity / 4;
	big = malloc(q + 1);
	memset(big, 'x', q + 1);
	memset(&e, 0, sizeof(e));
	e.status = 200;
	e.ctype = "application/json";
	e.version = 1;
	e.body = big;
	e.body_len = q;
	cache_put(c, "quarter", 7, &e);
	CHECK(cache_get(c, "quarter", 7, 1, &hit, NULL, NULL) == 0, "an entry of a quarter of the region is not stored");
	e.body_len = q - 200;
	cache_put(c, "under", 5, &e);
	CHECK(cache_get(c, "under", 5, 1, &hit, NULL, &b) == 1 && b.len == q - 200 && b.data[q - 201] == 'x',
	    "an entry just under a quarter is");

	/* Lengths no caller could have: refused before anything is read. */
	e.body_len = SIZE_MAX;
	cache_put(c, "huge", 4, &e);
	e.body_len = SIZE_MAX / 2;
	e.headers = big;
	e.headers_len = SIZE_MAX / 2 + 2;
	cache_put(c, "wrap", 4, &e);
	e.headers_len = 0;
	e.body_len = 10;
	cache_put(c, big, SIZE_MAX, &e);
	cache_put(c, big, q, &e);
	CHECK(cache_get(c, "huge", 4, 1, &hit, NULL, NULL) == 0 && cache_get(c, "wrap", 4, 1, &hit, NULL, NULL) == 0 &&
	    cache_get(c, big, q, 1, &hit, NULL, NULL) == 0, "hostile lengths are not stored");
	CHECK(cache_get(c, "under", 5, 1, &hit, NULL, NULL) == 1, "and the cache still holds what it held");
	cache_put(c, NULL, 0, &e);
	CHECK(cache_get(c, NULL, 0, 1, &hit, NULL, NULL) == 0, "no key: nothing stored or found");
	free(big);
	buf_free(&b);
	cache_free(c);
}

static void
test_eviction(void)
{
	struct cache *c = cache_new(1 << 20);
	struct buf h = BUF_INIT, b = BUF_INIT, want = BUF_INIT, body = BUF_INIT;
	struct cache_stats st;
	int k, bad = 0, over = 0, hits, last_miss = -1, r;
	size_t tail_bytes;

	if (c == NULL) {
		CHECK(0, "a cache of 1 MiB");
		return;
	}
	cache_stats(c, &st);
	for (k = 0; k < 600; k++) {
		struct cache_stats s2;

		put_kv(c, k, 1, &body);
		cache_stats(c, &s2);
		if (s2.bytes > st.capacity)
			over++;
		if (get_kv(c, k, 1, &h, &b, &want) != 1)
			bad++;
	}
	CHECK(over == 0, "the bytes held never exceed the region");
	CHECK(bad == 0, "each entry is there right after it is put");
	/* FIFO: the newest entries are all there, in one run, the oldest gone, and the run fills the
	 * region to within one entry's size. */
	hits = 0;
	tail_bytes = 0;
	for (k = 0; k < 600; k++) {
		r = get_kv(c, k, 1, &h, &b, &want);
		if (r == -1)
			bad++;
		if (r == 1) {
			hits++;
			tail_bytes += body_len_of(k);
		} else {
			last_miss = k;
		}
	}
	CHECK(bad == 0, "no hit after evictions gives wrong bytes");
	CHECK(get_kv(c, 0, 1, &h, &b, &want) == 0, "the oldest entry was evicted");
	CHECK(last_miss >= 0 && hits == 600 - (last_miss + 1), "the entries left are the newest, in one run");
	CHECK(tail_bytes > st.capacity / 2 && tail_bytes <= st.capacity, "they fill the region (FIFO wraps round)");

	/* Many tiny entries: the index bounds their number; recent ones hit, old ones are gone. */
	for (k = 0; k < 20000; k++) {
		char key[32];
		struct cached e;

		snprintf(key, sizeof(key), "t%d", k);
		memset(&e, 0, sizeof(e));
		e.status = 200;
		e.ctype = "text/plain";
		e.body = key;
		e.body_len = strlen(key);
		e.version = 1;
		cache_put(c, key, strlen(key), &e);
	}
	cache_stats(c, &st);
	CHECK(st.entries > 100 && st.entries < 2000, "tiny entries are bounded by the index");
	for (k = 19900, bad = 0; k < 20000; k++) {
		char key[32];
		struct cached hit;

		snprintf(key, sizeof(key), "t%d", k);
		buf_reset(&b);
		if (cache_get(c, key, strlen(key), 1, &hit, NULL, &b) != 1 || b.len != strlen(key) ||
		    memcmp(b.data, key, b.len) != 0)
			bad++;
	}
	CHECK(bad == 0, "the last hundred tiny entries hit with their bytes");
	CHECK(cache_get(c, "t0", 2, 1, NULL, NULL, NULL) == 0, "the first tiny entry is gone");
	cache_free(c);
	buf_free(&h);
	buf_free(&b);
	buf_free(&want);
	buf_free(&body);
}

/* Processes share one cache: each puts and gets keys of a version one of them moves, and checks every
 * hit byte for byte. */
struct tally {
	_Atomic long long version;
	_Atomic long hits, misses, bad, done;
};

static void
hammer(struct cache *c, struct tally *t, int id, int ops, int bump)
{
	struct buf h = BUF_INIT, b = BUF_INIT, want = BUF_INIT, body = BUF_INIT;
	unsigned seed = (unsigned)id * 2654435761u + 1;
	int i, k, r;

	for (i = 0; i < ops; i++) {
		long long v = atomic_load(&t->version);

		seed = seed * 1103515245u + 12345u;
		k = (int)((seed >> 8) % 200);
		r = get_kv(c, k, v, &h, &b, &want);
		if (r == -1)
			atomic_fetch_add(&t->bad, 1);
		else if (r == 1)
			atomic_fetch_add(&t->hits, 1);
		else {
			atomic_fetch_add(&t->misses, 1);
			put_kv(c, k, v, &body);
		}
		if (bump && i % 700 == 699)
			atomic_fetch_add(&t->version, 1);
	}
	atomic_fetch_add(&t->done, 1);
	buf_free(&h);
	buf_free(&b);
	buf_free(&want);
	buf_free(&body);
}

static void
test_processes(void)
{
	struct cache *c = cache_new(2 << 20);
	struct tally *t = mmap(NULL, sizeof(*t), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pid_t pids[4];
	int i, clean = 1, st;

	if (c == NULL || t == MAP_FAILED) {
		CHECK(0, "a cache of 2 MiB and a tally");
		return;
	}
	memset(t, 0, sizeof(*t));
	atomic_store(&t->version, 1);
	for (i = 0; i < 4; i++) {
		if ((pids[i] = fork()) == 0) {
			alarm(60);
			hammer(c, t, i, 4000, i == 0);
			_exit(0);
		}
	}
	for (i = 0; i < 4; i++)
		if (pids[i] < 0 || waitpid(pids[i], &st, 0) != pids[i] || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
			clean = 0;
	printf("# 4 processes: %ld hits, %ld misses, %ld bad, version %lld\n", (long)t->hits, (long)t->misses,
	    (long)t->bad, (long long)t->version);
	CHECK(clean && t->done == 4, "four processes hammered one cache and finished");
	CHECK(t->bad == 0, "every hit in every process returned exactly the bytes put for its key and version");
	CHECK(t->hits > 1000, "the processes hit each other's entries");
	CHECK(t->version > 1, "the version moved under them");

	/* Again, killing one of them part way (perhaps holding the lock): the others finish, clean. */
	memset(t, 0, sizeof(*t));
	atomic_store(&t->version, 100);
	for (i = 0; i < 4; i++) {
		if ((pids[i] = fork()) == 0) {
			alarm(60);
			hammer(c, t, 10 + i, i == 3 ? 1000000 : 4000, i == 0);
			_exit(0);
		}
	}
	usleep(100000);
	kill(pids[3], SIGKILL);
	clean = 1;
	for (i = 0; i < 3; i++)
		if (pids[i] < 0 || waitpid(pids[i], &st, 0) != pids[i] || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
			clean = 0;
	waitpid(pids[3], &st, 0);
	CHECK(clean && t->done == 3, "with one killed part way, the others finished");
	CHECK(t->bad == 0, "and every hit was still exact");
	munmap(t, sizeof(*t));
	cache_free(c);
}

static void
die(void)
{
	raise(SIGKILL);
}

static void
test_dead_holder(void)
{
	struct cache *c = cache_new(1 << 20);
	struct buf h = BUF_INIT, b = BUF_INIT, want = BUF_INIT, body = BUF_INIT;
	struct cache_stats st;
	pid_t pid;
	int status = 0;

	if (c == NULL) {
		CHECK(0, "a cache of 1 MiB");
		return;
	}
	put_kv(c, 1, 7, &body);
	put_kv(c, 2, 7, &body);
	if ((pid = fork()) == 0) {
		cache_test_hook = die;
		put_kv(c, 3, 7, &body);
		_exit(0);	/* not reached: the hook kills it */
	}
	waitpid(pid, &status, 0);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "the child died holding the lock");
	alarm(10);	/* a lock never given back would hang here */
	CHECK(get_kv(c, 3, 7, &h, &b, &want) == 0, "its half-written entry is not served");
	CHECK(get_kv(c, 1, 7, &h, &b, &want) == 0, "the cache was emptied: its state could not be trusted");
	cache_stats(c, &st);
	CHECK(st.recovered == 1 && st.entries == 0, "the recovery is counted");
	put_kv(c, 1, 7, &body);
	put_kv(c, 3, 7, &body);
	CHECK(get_kv(c, 1, 7, &h, &b, &want) == 1 && get_kv(c, 3, 7, &h, &b, &want) == 1,
	    "the cache works again");
	if ((pid = fork()) == 0) {
		alarm(10);
		_exit(get_kv(c, 3, 7, &h, &b, &want) == 1 ? 0 : 1);
	}
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "another process sees it too");
	alarm(0);
	cache_free(c);
	buf_free(&h);
	buf_free(&b);
	buf_free(&want);
	buf_free(&body);
}

/* A body is copied without the lock, then checked: an entry evicted (its bytes written over) or
 * emptied by a new version while it was copied is never served; one left alone is. */
static struct cache *mid_cache;
static int mid_calls, mid_mode;

static void
mid_copy(void)
{
	struct buf body = BUF_INIT;
	int k;

	mid_calls++;
	if (mid_mode == 0) {		/* turn the whole region over: key 0's bytes are written over */
		for (k = 1; k < 200; k++)
			put_kv(mid_cache, k, 1, &body);
	} else if (mid_mode == 1) {	/* a new version empties the cache */
		put_kv(mid_cache, 1, 2, &body);
	} else {			/* one small entry, room to spare: key 0 stays */
		put_kv(mid_cache, 2, 1, &body);
	}
	buf_free(&body);
}

static void
test_evicted_mid_copy(void)
{
	struct buf h = BUF_INIT, b = BUF_INIT, want = BUF_INIT, body = BUF_INIT;
	int mode;

	for (mode = 0; mode < 3; mode++) {
		if ((mid_cache = cache_new(1 << 20)) == NULL) {
			CHECK(0, "a cache of 1 MiB");
			return;
		}
		put_kv(mid_cache, 0, 1, &body);
		mid_calls = 0;
		mid_mode = mode;
		cache_test_copy_hook = mid_copy;
		if (mode == 0)
			CHECK(get_kv(mid_cache, 0, 1, &h, &b, &want) == 0 && h.len == 0 && b.len == 0 &&
			    mid_calls == 1, "an entry evicted while its body was copied is a miss, buffers untouched");
		else if (mode == 1)
			CHECK(get_kv(mid_cache, 0, 1, &h, &b, &want) == 0 && h.len == 0 && b.len == 0 &&
			    mid_calls == 1, "a new version while the body was copied: a miss");
		else
			CHECK(get_kv(mid_cache, 0, 1, &h, &b, &want) == 1 && mid_calls == 1,
			    "an entry left alone while its body was copied is served, its bytes right");
		cache_test_copy_hook = NULL;
		cache_free(mid_cache);
	}
	buf_free(&h);
	buf_free(&b);
	buf_free(&want);
	buf_free(&body);
}


/* A pinned hit: 1 with *body at the right bytes (checked now), 0 on a miss, -1 on wrong bytes. */
static int
get_pinned_kv(struct cache *c, int k, long long v, struct buf *h, const char **body, size_t *blen,
    struct buf *want)
{
	char key[32];
	struct cached hit;
	int rc;

	snprintf(key, sizeof(key), "key-%d", k);
	buf_reset(h);
	if ((rc = cache_get_pinned(c, key, strlen(key), v, &hit, h, body, blen)) != 1)
		return rc == 0 ? 0 : -1;
	make_body(want, k, v);
	if (hit.status != 200 || hit.version != v || *blen != want->len || memcmp(*body, want->data, *blen) != 0)
		return -1;
	return 1;
}

/* An entry held pinned is never written over, whether the region turns over or the data version moves
 * meanwhile; the puts that would write over it are dropped, and go in once it is let go. */
static void
test_pinned(void)
{
	struct buf h = BUF_INIT, want = BUF_INIT, body = BUF_INIT, b2 = BUF_INIT;
	const char *p;
	size_t n;
	int mode, k, later;

	for (mode = 0; mode < 2; mode++) {
		struct cache *c = cache_new(1 << 20);
		long long v2 = mode == 0 ? 1 : 2;

		if (c == NULL) {
			CHECK(0, "a cache of 1 MiB");
			return;
		}
		put_kv(c, 0, 1, &body);
		CHECK(get_pinned_kv(c, 0, 1, &h, &p, &n, &want) == 1, "a pinned hit gives the entry's bytes");
		/* mode 0: the region turns over many times; mode 1: a new version, then as many puts */
		for (k = 1; k < 400; k++)
			put_kv(c, k, v2, &body);
		make_body(&want, 0, 1);
		CHECK(n == want.len && memcmp(p, want.data, n) == 0, mode == 0 ?
		    "a pinned body is intact after the region turned over" :
		    "a pinned body is intact after the data version moved and the region filled again");
		cache_release(c);
		for (k = 400; k < 800; k++)
			put_kv(c, k, v2, &body);
		for (k = 700, later = 0; k < 800; k++)
			later += get_kv(c, k, v2, &h, &b2, &want) == 1;
		CHECK(later > 50, "once let go, the region is written over again");
		make_body(&want, 0, 1);
		CHECK(memcmp(p, want.data, n) != 0 || mode == 1, "(the pinned bytes were indeed reused)");
		cache_free(c);
	}
	buf_free(&h);
	buf_free(&want);
	buf_free(&body);
	buf_free(&b2);
}

/* Another process's pin holds as one's own; a process that died holding a pin loses it. */
static void
test_pinned_processes(void)
{
	struct buf h = BUF_INIT, want = BUF_INIT, body = BUF_INIT, b2 = BUF_INIT;
	struct cache *c = cache_new(1 << 20);
	int to_child[2], to_parent[2], k, status, kept;
	char ch;
	pid_t pid;

	if (c == NULL || pipe(to_child) == -1 || pipe(to_parent) == -1) {
		CHECK(0, "a cache and pipes");
		return;
	}
	put_kv(c, 0, 1, &body);
	if ((pid = fork()) == 0) {
		const char *p;
		size_t n;
		int ok = get_pinned_kv(c, 0, 1, &h, &p, &n, &want) == 1;

		if (write(to_parent[1], ok ? "y" : "n", 1) != 1 || read(to_child[0], &ch, 1) != 1)
			_exit(3);
		make_body(&want, 0, 1);
		ok = ok && n == want.len && memcmp(p, want.data, n) == 0;
		if (ch == 'k')		/* keep the pin and wait to be killed */
			pause();
		_exit(ok ? 0 : 1);
	}
	CHECK(read(to_parent[0], &ch, 1) == 1 && ch == 'y', "a forked process gets a pinned hit");
	for (k = 1; k < 400; k++)
		put_kv(c, k, 2, &body);
	CHECK(write(to_child[1], "c", 1) == 1 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	    WEXITSTATUS(status) == 0, "another process's pinned body is intact after a new version filled the region");
	/* a child pins, and is killed holding it */
	put_kv(c, 0, 3, &body);
	if ((pid = fork()) == 0) {
		const char *p;
		size_t n;
		int ok = get_pinned_kv(c, 0, 3, &h, &p, &n, &want) == 1;

		if (write(to_parent[1], ok ? "y" : "n", 1) != 1)
			_exit(3);
		pause();
		_exit(0);
	}
	CHECK(read(to_parent[0], &ch, 1) == 1 && ch == 'y', "a second child gets a pinned hit");
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	for (k = 400; k < 800; k++)
		put_kv(c, k, 3, &body);
	for (k = 700, kept = 0; k < 800; k++)
		kept += get_kv(c, k, 3, &h, &b2, &want) == 1;
	CHECK(kept > 50, "a dead process's pin holds nothing back");
	cache_free(c);
	close(to_child[0]);
	close(to_child[1]);
	close(to_parent[0]);
	close(to_parent[1]);
	buf_free(&h);
	buf_free(&want);
	buf_free(&body);
	buf_free(&b2);
}

/* Readers in other processes check every pinned body they are given, byte for byte, before and after
 * a pause, while one process turns the region over and moves the version: never a torn body. */
static void
test_pinned_concurrent(void)
{
	struct cache *c = cache_new(1 << 20);
	struct buf body = BUF_INIT;
	pid_t pids[3];
	int i, k, status, bad = 0;
	volatile int *stop;

	stop = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (c == NULL || stop == MAP_FAILED) {
		CHECK(0, "a cache and a flag");
		return;
	}
	*stop = 0;
	for (i = 0; i < 3; i++) {
		if ((pids[i] = fork()) == 0) {
			struct buf h = BUF_INIT, want = BUF_INIT;
			const char *p;
			size_t n;
			long long v;
			int wrong = 0, hits = 0, j, last;

			/* until the writer is done, then one round more (key 0 at version 41: a hit) */
			for (j = 0, last = 0; !last; j++) {
				last = __atomic_load_n(stop, __ATOMIC_ACQUIRE);
				for (v = last ? 41 : 1; v <= (last ? 41 : 40); v++) {
					int rc = get_pinned_kv(c, last ? 0 : j % 50, v, &h, &p, &n, &want);

					if (rc == -1)
						wrong++;
					else if (rc == 1 && (hits++, sched_yield(), memcmp(p, want.data, n) != 0))
						wrong++;
				}
			}
			cache_release(c);
			_exit(wrong ? 1 : hits == 0 ? 2 : 0);
		}
	}
	for (long long v = 1; v <= 40; v++)
		for (k = 0; k < 300; k++)
			put_kv(c, k % 50 + (k / 50) * 1000 * (k % 7 != 0), v, &body);
	put_kv(c, 0, 41, &body);
	__atomic_store_n(stop, 1, __ATOMIC_RELEASE);
	for (i = 0; i < 3; i++)
		if (waitpid(pids[i], &status, 0) != pids[i] || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
			bad++;
	CHECK(bad == 0, "pinned bodies read while the region turns over and the version moves are never torn (each reader had hits)");
	munmap((void *)stop, 4096);
	cache_free(c);
	buf_free(&body);
}

int
main(void)
{
	test_hostile_new();
	test_put_get();
	test_sizes();
	test_eviction();
	test_processes();
	test_dead_holder();
	test_evicted_mid_copy();
	test_pinned();
	test_pinned_processes();
	test_pinned_concurrent();
	return T_DONE();
}
