/* simshare.h: per-version state built once for all the workers of a supervisor (issue 18): the
 * similar-cities index of a wave (simkept.h), in its flat form (simindex_flat), kept in one
 * shared-memory file the supervisor makes before it forks.
 *
 * A worker that needs (wave, version) and does not hold it asks here: it gets a copy of the block
 * another worker built, or the task of building it (every other worker asking meanwhile waits for
 * that build, boundedly), or is told to build alone (no room, a reader behind the others, a builder
 * that takes too long).  A block is handed out only for the very version asked; a builder that
 * died, while building or while holding the lock, is noticed and its slot taken over or emptied.
 *
 * Worker memory: the blocks are read with pread, not mapped, so that a worker's resident memory
 * holds only its own copy; the shared file's pages belong to no process.  Bounded: at most
 * SIMSHARE_SLOTS blocks of at most a slot's bytes each (a larger block is built alone).  This is
 * per-version state, not a response cache: CITYBENCH_CACHE=0 leaves it on. */
#ifndef CB_SIMSHARE_H
#define CB_SIMSHARE_H

#include <stddef.h>
#include <sys/types.h>

#define SIMSHARE_SLOTS 12			/* blocks kept at once: waves (simkept), wave facts (wavefacts), rankings (rankblock): three a wave */
#define SIMSHARE_BYTES ((size_t)192 << 20)	/* the file, all slots (16 MB each; a memfd: only written pages count) */

struct simshare;

/* What simshare_get hands back. */
enum simshare_got {
	SIMSHARE_ALONE,		/* build it and keep it to yourself */
	SIMSHARE_COPIED,	/* *block (malloc'd, yours) holds *len bytes another worker built (ticket: simshare_read) */
	SIMSHARE_BUILD,		/* build it, then simshare_put (or simshare_abandon) with the ticket */
};

struct simshare_ticket {
	int slot;
	unsigned long long gen;
};

/* Makes the shared file (bytes split among SIMSHARE_SLOTS slots) and maps its header; NULL when the
 * system will not (then every worker builds alone).  Before the fork: the children inherit it. */
struct simshare *simshare_new(size_t bytes);
void simshare_free(struct simshare *s);

/* The one the supervisor made (NULL: none, as in the command-line tool). */
extern struct simshare *simshare_default;

/* The block of (key, version): see enum simshare_got.  Waits while another live process builds the
 * same (key, version), at most wait_s seconds.  A key is at most 31 bytes (else ALONE). */
enum simshare_got simshare_get(struct simshare *s, const char *key, long long version, double wait_s,
    void **block, size_t *len, struct simshare_ticket *t);
/* Publishes the block built for the ticket (copied in); dropped silently when the slot was taken
 * over meanwhile or the block does not fit. */
void simshare_put(struct simshare *s, const struct simshare_ticket *t, const void *block, size_t len);
/* Reads len bytes at off of the very block the ticket names (a SIMSHARE_COPIED answer's ticket, or a
 * SIMSHARE_BUILD one after simshare_put) into buf: 0, or -1 when the slot no longer holds that block
 * (taken over, emptied, put failed) or the range is not inside it.  Under the lock: never torn. */
int simshare_read(struct simshare *s, const struct simshare_ticket *t, size_t off, void *buf, size_t len);
/* The build for the ticket failed: the others stop waiting for it. */
void simshare_abandon(struct simshare *s, const struct simshare_ticket *t);

/* The block of (key, version) as the caller's object, built once for all the workers: copied from
 * another's build, or built here and shared, or built here alone.  build(arg, &len) makes the flat
 * block (malloc'd) or NULL; open(arg, block, len, t) makes the object over it (owning it then) or
 * frees it and answers NULL when it is not a block of the version asked; t is the block's ticket
 * (SIMSHARE_COPIED, or SIMSHARE_BUILD after simshare_put), NULL when built alone.  A copy that will
 * not open is built anew alone.  NULL when not to be had. */
void *simshare_obtain(struct simshare *s, const char *key, long long version, double wait_s,
    void *(*build)(void *arg, size_t *len),
    void *(*open)(void *arg, void *block, size_t len, const struct simshare_ticket *t), void *arg);

/* For the tests: a slot's bytes and how often a dead lock holder's mess was cleared. */
size_t simshare_slot_bytes(const struct simshare *s);
unsigned long long simshare_recovered(struct simshare *s);
/* For the tests: writes len bytes at a slot's start as if a builder had put them for (key, version),
 * declaring them decl bytes long (hostile: more or fewer than written). */
void simshare_test_plant(struct simshare *s, int slot, const char *key, long long version,
    const void *bytes, size_t len, size_t decl);

#ifdef CB_TEST_HOOKS
/* Built with -DCB_TEST_HOOKS only (tests/unit/test_simshare.c's own copy of simshare.c): called by
 * simshare_put while it holds the lock, its slot marked ready and not yet written. */
extern void (*simshare_test_hook)(void);
#endif

/* Whether CITYBENCH_SIMSHARE_TRACE is set: then the per-version blocks and what is kept beside them
 * (the similar lists, the population blocks) say on stderr what they did. */
int simshare_tracing(void);

#endif
