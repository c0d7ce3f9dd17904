/* cache.c: the response cache the workers share: one region of shared memory holding a header (a
 * process-shared robust mutex and the bookkeeping), an open-addressing index and a ring of entries
 * written one after another and evicted oldest first.  FIFO rather than LRU: a hit then writes nothing
 * but the copy out, and eviction needs no list to keep.  When the data version moves every entry is
 * stale: a generation number in the index slots drops them all at once.  A process killed while holding
 * the lock (a robust one: shmlock.h) may leave the region half written: the next one to lock it empties
 * it. */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cache.h"
#include "shmlock.h"

#define MAGIC 0x63626361636865ull	/* "cbcache" */
#define MIN_BYTES (64u << 10)
#define ALIGN 8u

#ifdef CB_TEST_HOOKS
/* Only in the unit test's own build of this file (Makefile: test_cache), never in the programs. */
void (*cache_test_hook)(void);
void (*cache_test_copy_hook)(void);
#define TEST_HOOK() do { if (cache_test_hook) cache_test_hook(); } while (0)
#define TEST_COPY_HOOK() do { if (cache_test_copy_hook) cache_test_copy_hook(); } while (0)
#else
#define TEST_HOOK() do { } while (0)
#define TEST_COPY_HOOK() do { } while (0)
#endif

/* The content types handlers set; an entry stores its index here (0: NULL), so that a hit hands back a
 * static string. */
static const char *const ctypes[] = {
	NULL, "text/html", "application/json", "text/csv", "text/plain", "image/svg+xml",
	"text/plain; version=0.0.4",
};
#define NCTYPES (sizeof(ctypes) / sizeof(ctypes[0]))

struct slot {
	uint64_t off1;			/* the entry's offset in the arena + 1; 0 = empty */
	uint32_t h;			/* low half of its key's hash: where probing starts */
	uint32_t gen;			/* the slot is empty unless this is the region's generation */
};

/* An entry in the arena, followed by its key, header lines and body; its size rounded up to ALIGN. */
struct rec {
	uint64_t hash;
	uint64_t size;
	uint64_t klen, hlen, blen;
	int64_t version;
	int32_t status;
	int32_t fmt;
	uint32_t ctype;
	uint32_t pad;
	uint64_t serial;		/* entries are numbered as they are put: FIFO order */
};

/* A reader's hold on an entry it sends straight from the region (cache_get_pinned): one per process,
 * claimed on its first pinned hit.  While active is set no entry is written over [off, off + len);
 * a put that would is dropped.  A process that died holding one (kill(pid, 0) says so) loses it to
 * the next writer that meets it. */
struct pin {
	int32_t pid;			/* the owner; 0 = free */
	uint32_t active;		/* set and read under the lock; cleared without it (release) */
	uint64_t off, len;
};
#define NPINS 128

struct region {
	pthread_mutex_t lock;
	uint64_t magic;
	size_t total;			/* the mapping */
	size_t nslots, max_entries;
	size_t arena_size;
	/* Entries live in [head, tail) when tail > head, else in [head, wrap) and [0, tail); count = 0 means
	 * none at all.  wrap is where the entries before the turn end (arena_size when not turned). */
	size_t head, tail, wrap;
	size_t count, bytes;
	long long version;
	uint32_t gen;
	unsigned long long recovered;
	/* Every entry numbered below oldest_serial has been evicted (its bytes may be written over); the
	 * next one put is numbered next_serial.  A reader that copied a body without the lock checks
	 * oldest_serial afterwards: moved past its entry, the copy is not trusted. */
	uint64_t next_serial;
	uint64_t oldest_serial;
	struct pin pins[NPINS];
};

struct cache {
	struct region *r;
	struct slot *slots;
	char *arena;
	size_t map_len;
	int pin;			/* this process's pin slot, or -1 */
	unsigned pin_forks;		/* forks_seen when it was claimed: a forked child claims its own */
};

/* Counts forks in this process's line (pthread_atfork): a child's inherited struct cache then knows
 * that the pin slot it names is its parent's. */
static unsigned forks_seen;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

static void
on_fork_child(void)
{
	forks_seen++;
}

static void
atfork_init(void)
{
	pthread_atfork(NULL, NULL, on_fork_child);
}

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

static size_t
round_up(size_t n, size_t a)
{
	return (n + a - 1) / a * a;
}

/* Entries numbered below serial are gone: said before any of their bytes is written over (the release
 * fence keeps the writes that follow after this store). */
static void
evicted_before(struct region *r, uint64_t serial)
{
	__atomic_store_n(&r->oldest_serial, serial, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
}

/* Empties the cache; with whole set (after a dead holder) the index is cleared outright rather than
 * trusted to its generation numbers. */
static void
reset(struct region *r, struct slot *slots, int whole)
{
	if (whole || ++r->gen == 0) {
		memset(slots, 0, r->nslots * sizeof(*slots));
		r->gen = 1;
	}
	r->head = r->tail = 0;
	r->wrap = r->arena_size;
	r->count = r->bytes = 0;
	evicted_before(r, r->next_serial);
}

static int
lock(struct cache *c)
{
	int rc = shmlock_lock(&c->r->lock);

	if (rc == 1) {
		/* Its holder died mid-way: what it was writing cannot be trusted, nor the index. */
		reset(c->r, c->slots, 1);
		c->r->recovered++;
		return 0;
	}
	return rc;
}

static void
unlock(struct cache *c)
{
	shmlock_unlock(&c->r->lock);
}

/* A new version empties the cache; an older one (a reader behind the others) is neither served nor
 * stored.  Returns 0 when version is the cache's now. */
static int
at_version(struct cache *c, long long version)
{
	if (version > c->r->version) {
		reset(c->r, c->slots, 0);
		c->r->version = version;
	}
	return version == c->r->version ? 0 : -1;
}

static int
slot_empty(const struct cache *c, const struct slot *s)
{
	return s->gen != c->r->gen || s->off1 == 0;
}

/* The slot holding key, or NULL. */
static struct slot *
find(struct cache *c, const char *key, size_t klen, uint64_t hash)
{
	size_t mask = c->r->nslots - 1, i = (uint32_t)hash & mask, n;

	for (n = 0; n < c->r->nslots; n++, i = (i + 1) & mask) {
		struct slot *s = &c->slots[i];
		const struct rec *e;

		if (slot_empty(c, s))
			return NULL;
		if (s->h != (uint32_t)hash)
			continue;
		e = (const struct rec *)(c->arena + (s->off1 - 1));
		if (e->hash == hash && e->klen == klen && memcmp(e + 1, key, klen) == 0)
			return s;
	}
	return NULL;
}

/* Backward-shift deletion: later slots of the same probe run move up, so that no tombstone is left. */
static void
unindex(struct cache *c, const struct rec *e, size_t off)
{
	size_t mask = c->r->nslots - 1, i = (uint32_t)e->hash & mask, j, k, n;

	for (n = 0; n < c->r->nslots; n++, i = (i + 1) & mask) {
		if (slot_empty(c, &c->slots[i]))
			return;
		if (c->slots[i].off1 == off + 1)
			break;
	}
	if (n == c->r->nslots)
		return;
	for (j = i;;) {
		j = (j + 1) & mask;
		if (slot_empty(c, &c->slots[j]))
			break;
		k = c->slots[j].h & mask;
		if ((j > i && (k <= i || k > j)) || (j < i && k <= i && k > j)) {
			c->slots[i] = c->slots[j];
			i = j;
		}
	}
	c->slots[i].off1 = 0;
}

static void
evict_oldest(struct cache *c)
{
	struct region *r = c->r;
	const struct rec *e = (const struct rec *)(c->arena + r->head);

	unindex(c, e, r->head);
	evicted_before(r, e->serial + 1);
	r->bytes -= e->size;
	r->count--;
	r->head += e->size;
	if (r->head >= r->wrap) {
		r->head = 0;
		r->wrap = r->arena_size;
	}
	if (r->count == 0)
		r->head = r->tail = 0;
}

/* Where n contiguous bytes can go, evicting the oldest entries until they fit (n <= arena_size). */
static size_t
make_room(struct cache *c, size_t n)
{
	struct region *r = c->r;

	while (r->count >= r->max_entries)
		evict_oldest(c);
	for (;;) {
		if (r->count == 0) {
			r->head = r->tail = 0;
			r->wrap = r->arena_size;
		}
		if (r->count == 0 || r->tail > r->head) {
			if (r->arena_size - r->tail >= n)
				return r->tail;
			/* The end is too short: the entries before the turn stop here. */
			r->wrap = r->tail;
			r->tail = 0;
			if (r->count == 0)
				continue;
		}
		if (r->head - r->tail >= n)
			return r->tail;
		evict_oldest(c);
	}
}

struct cache *
cache_new(size_t max_bytes)
{
	struct cache *c = NULL;
	struct region *r;
	size_t nslots = 64, index_off, arena_off;
	void *p = MAP_FAILED;
	int fd = -1, ok = 0;

	if (max_bytes < MIN_BYTES || max_bytes > (SIZE_MAX >> 2))
		return NULL;
	max_bytes = round_up(max_bytes, (size_t)sysconf(_SC_PAGESIZE));
	/* A slot per KiB: entries smaller than about 1.3 KiB on average fill the index before the arena. */
	while (nslots < max_bytes / 1024)
		nslots <<= 1;
	index_off = round_up(sizeof(struct region), 64);
	arena_off = round_up(index_off + nslots * sizeof(struct slot), 64);
	if (arena_off + MIN_BYTES / 2 > max_bytes)
		return NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	/* A named memory file, so that a process's share of it can be told apart in smaps. */
	fd = memfd_create("citybench-cache", MFD_CLOEXEC);
	if (fd != -1 && ftruncate(fd, (off_t)max_bytes) == 0)
		p = mmap(NULL, max_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		p = mmap(NULL, max_bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		goto out;
	c->map_len = max_bytes;
	c->pin = -1;
	pthread_once(&atfork_once, atfork_init);
	c->r = r = p;
	c->slots = (struct slot *)((char *)p + index_off);
	c->arena = (char *)p + arena_off;
	if (shmlock_init(&r->lock) == -1)
		goto out;
	r->magic = MAGIC;
	r->total = max_bytes;
	r->nslots = nslots;
	r->max_entries = nslots / 4 * 3;
	r->arena_size = (max_bytes - arena_off) / ALIGN * ALIGN;
	r->version = LLONG_MIN;
	reset(r, c->slots, 1);
	ok = 1;
out:
	if (fd != -1)
		close(fd);	/* the mapping keeps the memory */
	if (!ok) {
		if (c->r)
			munmap(c->r, c->map_len);
		free(c);
		return NULL;
	}
	return c;
}

void
cache_free(struct cache *c)
{
	if (c == NULL)
		return;
	munmap(c->r, c->map_len);
	free(c);
}

/* The body of the entry numbered serial, blen bytes at p in the region, appended to body without the
 * lock: the copy is kept only when the entry was not evicted while it was made (its bytes may then
 * have been written over).  Returns 0, or -1 (body as it was) when memory ran out or the entry went. */
static int
copy_unlocked(struct cache *c, const char *p, size_t blen, uint64_t serial, struct buf *body)
{
	size_t len0 = body->len;

	if (buf_reserve(body, blen) == -1)
		return -1;
	memcpy(body->data + body->len, p, blen);
	TEST_COPY_HOOK();	/* the unit test evicts the entry here */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	if (__atomic_load_n(&c->r->oldest_serial, __ATOMIC_RELAXED) > serial) {
		body->len = len0;
		body->data[len0] = '\0';
		return -1;
	}
	body->len += blen;
	body->data[body->len] = '\0';
	return 0;
}

/* Whether [off, off + n) meets an entry some live process holds pinned; under the lock.  The
 * acquire load pairs with cache_release's store: a reader's last read of the bytes comes before it. */
static int
pinned_over(struct cache *c, size_t off, size_t n)
{
	struct pin *pn;
	size_t i;

	for (i = 0; i < NPINS; i++) {
		pn = &c->r->pins[i];
		if (pn->pid == 0 || !__atomic_load_n(&pn->active, __ATOMIC_ACQUIRE))
			continue;
		if (pn->off >= off + n || off >= pn->off + pn->len)
			continue;
		if (kill(pn->pid, 0) == -1 && errno == ESRCH) {
			/* its holder died mid-send: the slot is free again */
			__atomic_store_n(&pn->active, 0, __ATOMIC_RELAXED);
			pn->pid = 0;
			continue;
		}
		return 1;
	}
	return 0;
}

/* This process's pin slot (claimed now if need be), or -1 when all are taken; under the lock. */
static int
pin_slot(struct cache *c)
{
	struct pin *pn;
	pid_t me;
	int i, mine = -1, unused = -1, dead = -1;

	if (c->pin >= 0 && c->pin_forks == forks_seen)
		return c->pin;
	me = getpid();
	/* Once per process: every slot is looked at.  A slot already carrying this pid was left by a dead
	 * process whose pid this one now has: one is kept, any other emptied (else its pin, active or
	 * not, would hold its range forever).  A holder that is gone (ESRCH) or not one of ours (EPERM:
	 * its pid reused by another user's process) gives its slot up, pinned or not: its send ended. */
	for (i = 0; i < NPINS; i++) {
		pn = &c->r->pins[i];
		if (pn->pid == me) {
			if (mine == -1) {
				mine = i;
			} else {
				__atomic_store_n(&pn->active, 0, __ATOMIC_RELEASE);
				pn->pid = 0;
			}
		} else if (pn->pid == 0) {
			if (unused == -1)
				unused = i;
		} else if (dead == -1 && kill(pn->pid, 0) == -1 && (errno == ESRCH || errno == EPERM)) {
			dead = i;
		}
	}
	i = mine != -1 ? mine : unused != -1 ? unused : dead;
	if (i == -1)
		return -1;
	pn = &c->r->pins[i];
	pn->pid = me;
	__atomic_store_n(&pn->active, 0, __ATOMIC_RELAXED);
	c->pin = i;
	c->pin_forks = forks_seen;
	return i;
}

int
cache_get_pinned(struct cache *c, const char *key, size_t klen, long long version, struct cached *hit,
    struct buf *headers, const char **body, size_t *blen)
{
	const struct rec *e;
	const struct slot *s;
	const char *p;
	size_t hlen0;
	int i, found = 0;

	if (c == NULL || key == NULL || hit == NULL || body == NULL || blen == NULL)
		return 0;
	cache_release(c);
	hlen0 = headers ? headers->len : 0;
	if (lock(c) == -1)
		return 0;
	if (at_version(c, version) == -1 || (s = find(c, key, klen, fnv1a(key, klen))) == NULL)
		goto out;
	if ((i = pin_slot(c)) == -1) {
		/* more processes than pins: the caller asks cache_get for a copy */
		found = -1;
		goto out;
	}
	e = (const struct rec *)(c->arena + (s->off1 - 1));
	p = (const char *)(e + 1) + e->klen;
	if (headers && buf_append(headers, p, e->hlen) == -1) {
		headers->len = hlen0;
		if (headers->cap)
			headers->data[hlen0] = '\0';
		goto out;
	}
	c->r->pins[i].off = s->off1 - 1;
	c->r->pins[i].len = e->size;
	__atomic_store_n(&c->r->pins[i].active, 1, __ATOMIC_RELAXED);
	memset(hit, 0, sizeof(*hit));
	hit->status = e->status;
	hit->ctype = ctypes[e->ctype < NCTYPES ? e->ctype : 0];
	hit->fmt = e->fmt;
	hit->version = e->version;
	*body = p + e->hlen;
	*blen = e->blen;
	found = 1;
out:
	unlock(c);
	return found;
}

void
cache_release(struct cache *c)
{
	if (c == NULL || c->pin < 0 || c->pin_forks != forks_seen)
		return;
	__atomic_store_n(&c->r->pins[c->pin].active, 0, __ATOMIC_RELEASE);
}

/* One look-up: under the lock the entry is found and its header lines copied; its body is copied
 * after the lock is let go when unlocked is set (the lock is then held for a look-up, not for a copy
 * the size of the answer), else under it.  Returns 1 (found, copied), 0 (a miss, or memory ran out),
 * or -1 (found, but evicted while its body was copied without the lock: ask again, under it). */
static int
get_once(struct cache *c, const char *key, size_t klen, long long version, struct cached *hit,
    struct buf *headers, struct buf *body, int unlocked)
{
	const struct rec *e;
	const struct slot *s;
	const char *p;
	size_t hlen0 = headers ? headers->len : 0, blen = 0;
	uint64_t serial = 0;
	int found = 0;

	if (lock(c) == -1)
		return 0;
	if (at_version(c, version) == -1 || (s = find(c, key, klen, fnv1a(key, klen))) == NULL)
		goto out;
	e = (const struct rec *)(c->arena + (s->off1 - 1));
	p = (const char *)(e + 1) + e->klen;
	if (headers && buf_append(headers, p, e->hlen) == -1)
		goto out;
	if (body && !unlocked && buf_append(body, p + e->hlen, e->blen) == -1)
		goto undo;
	if (hit) {
		memset(hit, 0, sizeof(*hit));
		hit->status = e->status;
		hit->ctype = ctypes[e->ctype < NCTYPES ? e->ctype : 0];
		hit->fmt = e->fmt;
		hit->version = e->version;
	}
	found = 1;
	p += e->hlen;
	blen = e->blen;
	serial = e->serial;
out:
	unlock(c);
	if (found && body && unlocked && blen > 0 && copy_unlocked(c, p, blen, serial, body) == -1) {
		found = -1;
		goto undo_unlocked;
	}
	return found;
undo:
	unlock(c);
undo_unlocked:
	if (headers) {
		headers->len = hlen0;
		if (headers->cap)
			headers->data[hlen0] = '\0';
	}
	return found == -1 ? -1 : 0;
}

int
cache_get(struct cache *c, const char *key, size_t klen, long long version, struct cached *hit,
    struct buf *headers, struct buf *body)
{
	int rc;

	if (c == NULL || key == NULL)
		return 0;
	/* Evicted mid-copy (the cache turned over meanwhile, or the version moved): once more, with the
	 * copy under the lock, so that a reader never loops. */
	if ((rc = get_once(c, key, klen, version, hit, headers, body, 1)) == -1)
		rc = get_once(c, key, klen, version, hit, headers, body, 0);
	return rc == 1;
}

static int
ctype_index(const char *ctype, uint32_t *i)
{
	for (*i = 1; *i < NCTYPES; (*i)++)
		if (ctype && strcmp(ctype, ctypes[*i]) == 0)
			return 0;
	*i = 0;
	return ctype == NULL ? 0 : -1;
}

void
cache_put(struct cache *c, const char *key, size_t klen, const struct cached *v)
{
	struct region *r;
	struct rec *e;
	struct slot *s;
	uint64_t hash;
	uint32_t ct;
	size_t need, off, mask, i;
	char *p;

	if (c == NULL || key == NULL || v == NULL || ctype_index(v->ctype, &ct) == -1)
		return;
	r = c->r;
	/* Sizes from the caller are added with care: each one alone may be anything. */
	need = r->arena_size / 4;
	if (klen > need || v->headers_len > need || v->body_len > need ||
	    sizeof(*e) + klen + v->headers_len + v->body_len + ALIGN > need)
		return;
	need = round_up(sizeof(*e) + klen + v->headers_len + v->body_len, ALIGN);
	hash = fnv1a(key, klen);
	if (lock(c) == -1)
		return;
	if (at_version(c, v->version) == -1 || find(c, key, klen, hash) != NULL)
		goto out;
	off = make_room(c, need);
	/* Never over an entry a reader is sending: forgotten instead (what make_room evicted stays evicted,
	 * no byte of the region has been written). */
	if (pinned_over(c, off, need))
		goto out;
	e = (struct rec *)(c->arena + off);
	e->hash = hash;
	e->size = need;
	e->klen = klen;
	e->hlen = v->headers_len;
	e->blen = v->body_len;
	e->version = v->version;
	e->status = v->status;
	e->fmt = v->fmt;
	e->ctype = ct;
	e->pad = 0;
	e->serial = r->next_serial++;
	p = (char *)(e + 1);
	memcpy(p, key, klen);
	if (v->headers_len)
		memcpy(p + klen, v->headers, v->headers_len);
	TEST_HOOK();	/* the unit test kills the process here: a dead holder, an entry half written */
	if (v->body_len)
		memcpy(p + klen + v->headers_len, v->body, v->body_len);
	mask = r->nslots - 1;
	for (i = (uint32_t)hash & mask; !slot_empty(c, &c->slots[i]); i = (i + 1) & mask)
		;
	s = &c->slots[i];
	s->off1 = off + 1;
	s->h = (uint32_t)hash;
	s->gen = r->gen;
	r->tail = off + need;
	r->count++;
	r->bytes += need;
out:
	unlock(c);
}

void
cache_stats(struct cache *c, struct cache_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (c == NULL || lock(c) == -1)
		return;
	st->bytes = c->r->bytes;
	st->entries = c->r->count;
	st->capacity = c->r->arena_size;
	st->recovered = c->r->recovered;
	unlock(c);
}
