/* store.h: accepted answer sets become new immutable versions; metric values follow. */
#ifndef CB_STORE_H
#define CB_STORE_H

#include <stdio.h>
#include "db.h"
#include "ingest.h"

struct stored {
	long long id;			/* the new version's; the current one's when nothing changed; 0 on a dry run */
	int version;			/* the new version, or the current one when nothing changed */
	int changed;			/* answers changed; 0: no version was made */
	int made;			/* 1 when a new version was (or, dry, would be) stored */
	json_t *cleared;		/* [[code, current value]…]: answered questions the set makes unanswered,
					 * in questionnaire order; NULL when none.  store_stored_free releases it. */
	json_t *not_asked;		/* [[code, asked_if code, option]…]: questions the wave asks only of the
					 * cities whose answer to another includes an option, answered by a city
					 * whose answer (after the set) does not; NULL when none. */
};

#define STORE_DRY_RUN	1		/* only say what would happen */
#define STORE_KEEP	2		/* refuse to make answered questions unanswered (no clear=1) */
#define STORE_ASKED_IF	4		/* refuse (returns 2, before 1) a set answering a question not asked of
					 * the city (the wave's asked_if): out[i].not_asked says which */

/* Inside the caller's transaction: stores each set as the next version of its city and wave (taken
 * under a lock, so racing uploads get consecutive numbers), recomputes those cities' metrics, and bumps
 * the data version (returned in *version; 0 when nothing changed).  A set that changes nothing makes no
 * version (out[i].made 0, the current version).  flags: STORE_DRY_RUN, STORE_KEEP.  progress (may be
 * NULL) is told every so often.  Returns 0; 1 when STORE_KEEP refused a set that would clear answers
 * (out[i].cleared says which; nothing is stored: roll back); -1 with *err set (then roll back). */
int store_sets(struct db *db, const struct catalog *cat, const struct answer_set *sets, size_t n,
    const char *actor, int token_id, const char *source, int flags, struct stored *out,
    long long *version, void (*progress)(size_t done, size_t total), FILE *log, char **err);

/* Releases what store_sets put in out[0..n-1] (not out itself). */
void store_stored_free(struct stored *out, size_t n);

/* The same for a bulk import (no dry run, no token), set-based: the sets are copied into temporary
 * tables and stored with a few statements.  Takes the waves' locks exclusively for the rest of the
 * caller's transaction (uploads to those waves wait), so versions stay numbered without gaps.  A
 * city-wave named more than once gets one version per naming that changes it, in order; a set that
 * changes nothing makes no version (out[i].made 0, the current version given), and when no set made
 * one, no metric is computed and *version stays 0.  Returns 0, or -1 with *err set (then roll back:
 * the connection may be left in any state of the transaction). */
int store_bulk(struct db *db, const struct catalog *cat, const struct answer_set *sets, size_t n,
    const char *actor, const char *source, struct stored *out, long long *version,
    void (*progress)(size_t done, size_t total), FILE *log, char **err);

#endif
