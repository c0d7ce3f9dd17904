/* simshare.c: per-version blocks built once for every worker (see simshare.h).
 *
 * One memfd: its first page holds the header (a process-shared robust mutex and the slots), mapped
 * by every process; the rest is SIMSHARE_SLOTS areas of slot_bytes, never mapped: written with
 * pwrite and read with pread, both under the lock, so that a slot's bytes never change while they
 * are read.  A slot is EMPTY, BUILDING (claimed by a live process for (key, version)) or READY.
 * Every claim numbers the slot anew (gen): a builder whose claim was taken over (it seemed dead,
 * took too long, or a newer version came) finds another number and publishes nothing. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "shmlock.h"
#include "simshare.h"

#define MAGIC 0x6362737368617265ull	/* "cbsshare" */

#ifdef CB_TEST_HOOKS
/* Only in the unit test's own build of this file (Makefile: test_simshare), never in the programs. */
void (*simshare_test_hook)(void);
#define TEST_HOOK() do { if (simshare_test_hook) simshare_test_hook(); } while (0)
#else
#define TEST_HOOK() do { } while (0)
#endif

enum { S_EMPTY, S_BUILDING, S_READY };

struct sslot {
	char key[32];
	long long version;
	int state;
	pid_t pid;			/* the builder (S_BUILDING) */
	unsigned long long gen;
	unsigned long long used;	/* the least recently used READY slot goes first */
	size_t len;			/* S_READY: the block's bytes */
};

struct head {
	pthread_mutex_t lock;
	uint64_t magic;
	size_t slot_bytes;
	unsigned long long clock, recovered;
	struct sslot slot[SIMSHARE_SLOTS];
};

struct simshare {
	struct head *h;
	size_t head_bytes;
	int fd;
};

struct simshare *simshare_default;

struct simshare *
simshare_new(size_t bytes)
{
	struct simshare *s;
	long page = sysconf(_SC_PAGESIZE);
	size_t hb;
	void *p;

	if (page <= 0)
		page = 4096;
	hb = (sizeof(struct head) + (size_t)page - 1) / (size_t)page * (size_t)page;
	if (bytes < SIMSHARE_SLOTS * (size_t)page || (s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->head_bytes = hb;
	bytes = bytes / SIMSHARE_SLOTS / 8 * 8;
	/* Named, so that it can be told apart in /proc/PID/maps; its pages are the file's, not a
	 * process's (never mapped but for the header). */
	if ((s->fd = memfd_create("citybench-simshare", MFD_CLOEXEC)) == -1 ||
	    ftruncate(s->fd, (off_t)(hb + bytes * SIMSHARE_SLOTS)) == -1 ||
	    (p = mmap(NULL, hb, PROT_READ | PROT_WRITE, MAP_SHARED, s->fd, 0)) == MAP_FAILED)
		goto fail;
	s->h = p;
	memset(s->h, 0, sizeof(*s->h));
	if (shmlock_init(&s->h->lock) == -1) {
		munmap(p, hb);
		goto fail;
	}
	s->h->magic = MAGIC;
	s->h->slot_bytes = bytes;
	return s;
fail:
	if (s->fd != -1)
		close(s->fd);
	free(s);
	return NULL;
}

void
simshare_free(struct simshare *s)
{
	if (s == NULL)
		return;
	munmap(s->h, s->head_bytes);
	close(s->fd);
	free(s);
}

size_t
simshare_slot_bytes(const struct simshare *s)
{
	return s ? s->h->slot_bytes : 0;
}

static int
lock(struct simshare *s)
{
	int rc = shmlock_lock(&s->h->lock);
	int i;

	if (rc == 1) {
		/* Its holder died mid-way (a slot half written, say): nothing in it is trusted. */
		for (i = 0; i < SIMSHARE_SLOTS; i++) {
			s->h->slot[i].state = S_EMPTY;
			s->h->slot[i].gen++;
		}
		s->h->recovered++;
		return 0;
	}
	return rc;
}

static void
unlock(struct simshare *s)
{
	shmlock_unlock(&s->h->lock);
}

unsigned long long
simshare_recovered(struct simshare *s)
{
	unsigned long long n;

	if (s == NULL || lock(s) == -1)
		return 0;
	n = s->h->recovered;
	unlock(s);
	return n;
}

static off_t
slot_at(const struct simshare *s, int i)
{
	return (off_t)(s->head_bytes + (size_t)i * s->h->slot_bytes);
}

static int
alive(pid_t pid)
{
	return pid > 0 && pid != getpid() && (kill(pid, 0) == 0 || errno == EPERM);
}

static void
claim(struct simshare *s, int i, const char *key, long long version, struct simshare_ticket *t)
{
	struct sslot *sl = &s->h->slot[i];

	snprintf(sl->key, sizeof(sl->key), "%s", key);
	sl->version = version;
	sl->state = S_BUILDING;
	sl->pid = getpid();
	sl->len = 0;
	sl->used = ++s->h->clock;
	t->slot = i;
	t->gen = ++sl->gen;
}

/* A slot for a new key (the lock held): an empty one, else the least recently used ready one, else
 * one whose builder died; -1 when every slot is being built by a live process. */
static int
pick_slot(struct simshare *s)
{
	int i, best = -1;

	for (i = 0; i < SIMSHARE_SLOTS; i++)
		if (s->h->slot[i].state == S_EMPTY)
			return i;
	for (i = 0; i < SIMSHARE_SLOTS; i++)
		if (s->h->slot[i].state == S_READY && (best == -1 || s->h->slot[i].used < s->h->slot[best].used))
			best = i;
	for (i = 0; best == -1 && i < SIMSHARE_SLOTS; i++)
		if (!alive(s->h->slot[i].pid))
			best = i;
	return best;
}

/* The slot's block, read into memory of ours: 0, or -1 (then the slot is emptied: it did not hold
 * what it said). */
static int
copy_out(struct simshare *s, int i, void **block, size_t *len)
{
	struct sslot *sl = &s->h->slot[i];
	size_t n = sl->len, got = 0;
	char *b;
	ssize_t r;

	if (n == 0 || n > s->h->slot_bytes || (b = malloc(n)) == NULL)
		goto bad;
	while (got < n) {
		r = pread(s->fd, b + got, n - got, slot_at(s, i) + (off_t)got);
		if (r <= 0) {
			if (r == -1 && errno == EINTR)
				continue;
			free(b);
			goto bad;
		}
		got += (size_t)r;
	}
	sl->used = ++s->h->clock;
	*block = b;
	*len = n;
	return 0;
bad:
	if (n == 0 || n > s->h->slot_bytes) {
		sl->state = S_EMPTY;
		sl->gen++;
	}
	return -1;
}

/* CITYBENCH_SIMSHARE_TRACE=1: a line on stderr per outcome (copied, build, alone, put, too large),
 * with the worker's pid: which worker builds what, and whether a block fits its slot (issue 18). */
int
simshare_tracing(void)
{
	static int on = -1;

	if (on < 0)
		on = getenv("CITYBENCH_SIMSHARE_TRACE") != NULL;
	return on;
}

static void
trace(const char *what, const char *key, long long version, size_t len)
{
	if (simshare_tracing())
		fprintf(stderr, "simshare: pid %d %s %s v%lld %zu bytes\n", (int)getpid(), what, key, version, len);
}

static enum simshare_got
get(struct simshare *s, const char *key, long long version, double wait_s, void **block,
    size_t *len, struct simshare_ticket *t);

enum simshare_got
simshare_get(struct simshare *s, const char *key, long long version, double wait_s, void **block,
    size_t *len, struct simshare_ticket *t)
{
	enum simshare_got g = get(s, key, version, wait_s, block, len, t);

	trace(g == SIMSHARE_COPIED ? "copied" : g == SIMSHARE_BUILD ? "build" : "alone", key, version,
	    g == SIMSHARE_COPIED ? *len : 0);
	return g;
}

static enum simshare_got
get(struct simshare *s, const char *key, long long version, double wait_s, void **block,
    size_t *len, struct simshare_ticket *t)
{
	double until = clock_mono() + wait_s;
	long nap = 200000;	/* ns, doubled up to 8 ms */
	int i, found, pick;

	if (s == NULL || strlen(key) >= sizeof(s->h->slot[0].key))
		return SIMSHARE_ALONE;
	for (;;) {
		if (lock(s) == -1)
			return SIMSHARE_ALONE;
		found = pick = -1;
		for (i = 0; i < SIMSHARE_SLOTS; i++)
			if (s->h->slot[i].state != S_EMPTY && strcmp(s->h->slot[i].key, key) == 0)
				found = i;
		if (found < 0)
			pick = pick_slot(s);
		if (found >= 0) {
			struct sslot *sl = &s->h->slot[found];
			if (sl->version > version)
				goto alone;	/* a reader behind the others: never the newer block */
			if (sl->version == version && sl->state == S_READY) {
				if (copy_out(s, found, block, len) == -1)
					goto alone;
				t->slot = found;	/* for simshare_read */
				t->gen = sl->gen;
				unlock(s);
				return SIMSHARE_COPIED;
			}
			if (sl->version == version && alive(sl->pid)) {
				unlock(s);	/* being built: wait for it, boundedly */
				if (clock_mono() >= until)
					return SIMSHARE_ALONE;
				nanosleep(&(struct timespec){ 0, nap }, NULL);
				if (nap < 8000000)
					nap *= 2;
				continue;
			}
			/* An older version's (ready, or being built: that build is of no use now), or this
			 * version's whose builder died: the slot is the caller's. */
			claim(s, found, key, version, t);
			unlock(s);
			return SIMSHARE_BUILD;
		}
		if (pick >= 0) {
			claim(s, pick, key, version, t);
			unlock(s);
			return SIMSHARE_BUILD;
		}
alone:
		unlock(s);
		return SIMSHARE_ALONE;
	}
}

/* The slot of the ticket when the claim is still the caller's (the lock held), else NULL. */
static struct sslot *
mine(struct simshare *s, const struct simshare_ticket *t)
{
	struct sslot *sl;

	if (t->slot < 0 || t->slot >= SIMSHARE_SLOTS)
		return NULL;
	sl = &s->h->slot[t->slot];
	return sl->gen == t->gen && sl->state == S_BUILDING && sl->pid == getpid() ? sl : NULL;
}

void
simshare_put(struct simshare *s, const struct simshare_ticket *t, const void *block, size_t len)
{
	struct sslot *sl;
	size_t done = 0;
	ssize_t w;

	if (s == NULL || lock(s) == -1)
		return;
	if ((sl = mine(s, t)) == NULL)
		goto out;
	sl->state = S_EMPTY;	/* unless all of it is written */
	trace(len == 0 || len > s->h->slot_bytes ? "too-large" : "put", sl->key, sl->version, len);
	if (len == 0 || len > s->h->slot_bytes)
		goto out;
	sl->state = S_READY;	/* half written: a dead holder's mess (the unit test) */
	TEST_HOOK();
	sl->state = S_EMPTY;
	while (done < len) {
		w = pwrite(s->fd, (const char *)block + done, len - done, slot_at(s, t->slot) + (off_t)done);
		if (w <= 0) {
			if (w == -1 && errno == EINTR)
				continue;
			goto out;
		}
		done += (size_t)w;
	}
	sl->len = len;
	sl->state = S_READY;
	sl->used = ++s->h->clock;
out:
	unlock(s);
}

int
simshare_read(struct simshare *s, const struct simshare_ticket *t, size_t off, void *buf, size_t len)
{
	struct sslot *sl;
	size_t got = 0;
	ssize_t r;
	int rc = -1;

	if (s == NULL || t->slot < 0 || t->slot >= SIMSHARE_SLOTS || lock(s) == -1)
		return -1;
	sl = &s->h->slot[t->slot];
	if (sl->gen != t->gen || sl->state != S_READY || off > sl->len || len > sl->len - off)
		goto out;	/* not that very block any more */
	while (got < len) {
		r = pread(s->fd, (char *)buf + got, len - got, slot_at(s, t->slot) + (off_t)(off + got));
		if (r <= 0) {
			if (r == -1 && errno == EINTR)
				continue;
			goto out;
		}
		got += (size_t)r;
	}
	sl->used = ++s->h->clock;
	rc = 0;
out:
	unlock(s);
	return rc;
}

void
simshare_abandon(struct simshare *s, const struct simshare_ticket *t)
{
	struct sslot *sl;

	if (s == NULL || lock(s) == -1)
		return;
	if ((sl = mine(s, t)) != NULL) {
		sl->state = S_EMPTY;
		sl->gen++;
	}
	unlock(s);
}

void *
simshare_obtain(struct simshare *s, const char *key, long long version, double wait_s,
    void *(*build)(void *arg, size_t *len),
    void *(*open)(void *arg, void *block, size_t len, const struct simshare_ticket *t), void *arg)
{
	struct simshare_ticket t;
	void *b = NULL, *o;
	size_t len = 0;

	switch (simshare_get(s, key, version, wait_s, &b, &len, &t)) {
	case SIMSHARE_COPIED:
		if ((o = open(arg, b, len, &t)) != NULL)
			return o;
		break;	/* not a block of ours: built alone */
	case SIMSHARE_BUILD:
		if ((b = build(arg, &len)) == NULL) {
			simshare_abandon(s, &t);
			return NULL;
		}
		simshare_put(s, &t, b, len);
		return open(arg, b, len, &t);
	default:
		break;
	}
	if ((b = build(arg, &len)) == NULL)
		return NULL;
	return open(arg, b, len, NULL);
}

void
simshare_test_plant(struct simshare *s, int slot, const char *key, long long version,
    const void *bytes, size_t len, size_t decl)
{
	struct simshare_ticket t;
	struct sslot *sl;

	if (s == NULL || slot < 0 || slot >= SIMSHARE_SLOTS || len > s->h->slot_bytes || lock(s) == -1)
		return;
	claim(s, slot, key, version, &t);
	sl = &s->h->slot[slot];
	if (len && pwrite(s->fd, bytes, len, slot_at(s, slot)) != (ssize_t)len)
		sl->state = S_EMPTY;
	else {
		sl->len = decl;
		sl->state = S_READY;
	}
	unlock(s);
}
