/* simlists.c: the similar lists shared by the workers (see simlists.h).
 *
 * Shared memory (a memfd), mapped before the fork: only the pages of the lists asked for are ever
 * allocated (a 10,000-city wave's table touches ~2 MB).  Each list is a sequence lock's record, the
 * way the Linux kernel's seqlock reads: the writer makes the number odd (one writer: the others see it
 * odd and leave), writes, makes it even again; a reader copies between two loads and keeps the copy
 * only when both saw the same even number.  (The copy races with a writer's stores, as the kernel's
 * seqlock readers do: what it copied is only kept when no writer was there.) */
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "simlists.h"
#include "simshare.h"

struct simlists *simlists_default;

struct list {
	_Atomic uint32_t seq;		/* odd while written */
	uint32_t len;
	uint64_t fp;			/* the print of the index it was scored in */
	struct {
		int32_t row;
		uint32_t both;
		double score;
	} hit[SIMTOPS_KEEP];
};

struct table {
	_Atomic uint64_t fp;		/* the index whose lists it files; 0: none yet */
	_Atomic uint64_t used;		/* the clock at its last use: the least recent goes to a new print */
	struct list list[SIMLISTS_ROWS];
};

struct simlists {
	_Atomic uint64_t clock;
	struct table table[SIMLISTS_TABLES];
};

struct simlists *
simlists_new(void)
{
	/* A named memfd, not an anonymous mapping: it reads as what it is in /proc/PID/maps (and the
	 * bench's shmstat finds the supervisor's counters as its only anonymous shared mapping). */
	int fd = memfd_create("citybench-simlists", MFD_CLOEXEC);
	void *p = MAP_FAILED;

	if (fd == -1)
		return NULL;
	if (ftruncate(fd, (off_t)sizeof(struct simlists)) == 0)
		p = mmap(NULL, sizeof(struct simlists), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);	/* the mapping keeps it */
	return p == MAP_FAILED ? NULL : p;	/* zeroed: no prints, every number even */
}

void
simlists_free(struct simlists *s)
{
	if (s)
		munmap(s, sizeof(*s));
}

/* SplitMix64's finaliser: each row's print (already a keyed SipHash) moves the whole print. */
static uint64_t
mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebull;
	return h ^ (h >> 31);
}

uint64_t
simlists_print(const struct simindex *x, const char *wave)
{
	uint64_t h = 0x63627369736c6973ull;
	size_t i, n = simindex_size(x);
	const unsigned char *w;

	for (w = (const unsigned char *)wave; *w; w++)
		h = mix(h, *w);
	h = mix(h, simindex_qprint(x));
	h = mix(h, n);
	for (i = 0; i < n; i++)
		h = mix(h, simindex_print(x, (int)i));
	return h ? h : 1;	/* 0 is a table's "none" */
}

/* The table of print fp; with claim, the least recently used one is given to it when none is. */
static struct table *
table_of(struct simlists *s, uint64_t fp, int claim)
{
	uint64_t now = atomic_fetch_add_explicit(&s->clock, 1, memory_order_relaxed) + 1;
	struct table *t, *old = NULL;
	uint64_t seen = 0, f;
	size_t i;

	for (i = 0; i < SIMLISTS_TABLES; i++) {
		t = &s->table[i];
		if ((f = atomic_load_explicit(&t->fp, memory_order_acquire)) == fp) {
			atomic_store_explicit(&t->used, now, memory_order_relaxed);
			return t;
		}
		if (old == NULL || atomic_load_explicit(&t->used, memory_order_relaxed) <
		    atomic_load_explicit(&old->used, memory_order_relaxed)) {
			old = t;
			seen = f;
		}
	}
	if (!claim)
		return NULL;
	/* Taken only from the print seen in the scan: of two processes claiming the same table at once,
	 * one wins; the other finds it taken (by its own print too, when both were claiming for it). */
	if (!atomic_compare_exchange_strong(&old->fp, &seen, fp) && seen != fp)
		return NULL;
	atomic_store_explicit(&old->used, now, memory_order_relaxed);
	return old;
}

long
simlists_get(struct simlists *s, uint64_t fp, size_t rows, int me, struct simindex_hit *out)
{
	struct table *t;
	struct list *l, c;
	uint32_t a, i;

	if (s == NULL || me < 0 || me >= SIMLISTS_ROWS || (size_t)me >= rows || (t = table_of(s, fp, 0)) == NULL)
		return -1;
	l = &t->list[me];
	a = atomic_load_explicit(&l->seq, memory_order_acquire);
	if (a & 1)
		return -1;
	memcpy(&c.len, &l->len, sizeof(c) - offsetof(struct list, len));
	atomic_thread_fence(memory_order_acquire);
	if (atomic_load_explicit(&l->seq, memory_order_relaxed) != a || c.fp != fp || c.len == 0 ||
	    c.len > SIMTOPS_KEEP)
		return -1;
	for (i = 0; i < c.len; i++) {
		if (c.hit[i].row < 0 || (size_t)c.hit[i].row >= rows || c.hit[i].row == me)
			return -1;
		out[i].row = c.hit[i].row;
		out[i].score = c.hit[i].score;
		out[i].both = c.hit[i].both;
	}
	return (long)c.len;
}

void
simlists_put(struct simlists *s, uint64_t fp, int me, const struct simindex_hit *got, size_t k)
{
	struct table *t;
	struct list *l;
	uint32_t a;
	size_t i;

	if (s == NULL || me < 0 || me >= SIMLISTS_ROWS || k == 0 || k > SIMTOPS_KEEP ||
	    (t = table_of(s, fp, 1)) == NULL)
		return;
	l = &t->list[me];
	a = atomic_load_explicit(&l->seq, memory_order_relaxed);
	if ((a & 1) || !atomic_compare_exchange_strong_explicit(&l->seq, &a, a + 1, memory_order_acquire,
	    memory_order_relaxed))
		return;		/* another writer has it */
	atomic_thread_fence(memory_order_release);
	l->len = (uint32_t)k;
	l->fp = fp;
	for (i = 0; i < k; i++) {
		l->hit[i].row = got[i].row;
		l->hit[i].both = (uint32_t)got[i].both;
		l->hit[i].score = got[i].score;
	}
	atomic_store_explicit(&l->seq, a + 2, memory_order_release);
	if (simshare_tracing())
		fprintf(stderr, "simlists: pid %d shared row %d\n", (int)getpid(), me);
}
