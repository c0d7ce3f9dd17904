/* store.h: accepted answer sets become new immutable versions; metric values follow. */
#ifndef CB_STORE_H
#define CB_STORE_H

#include <stdio.h>
#include "db.h"
#include "ingest.h"

struct stored {
	long long id;			/* 0 on a dry run */
	int version;
	int changed;
	int unchanged;			/* 1: nothing changed, no version made: id and version are the current */
};

/* Inside the caller's transaction: stores each set as the next version of its city and wave (taken
 * under a lock, so racing uploads get consecutive numbers), recomputes those cities' metrics, and bumps
 * the data version (returned in *version).  A set that changes nothing makes no version (out[i].unchanged;
 * when no set made one, *version stays 0).  With dry_run, only says what would happen.  progress (may
 * be NULL) is told every so often.  Returns 0, or -1 with *err set (then roll back). */
int store_sets(struct db *db, const struct catalog *cat, const struct answer_set *sets, size_t n,
    const char *actor, int token_id, const char *source, int dry_run, struct stored *out,
    long long *version, void (*progress)(size_t done, size_t total), FILE *log, char **err);

/* The same for a bulk import (no dry run, no token), set-based: the sets are copied into temporary
 * tables and stored with a few statements.  Takes the waves' locks exclusively for the rest of the
 * caller's transaction (uploads to those waves wait), so versions stay numbered without gaps.  A
 * city-wave named more than once gets one version per naming, in order.  Returns 0, or -1 with *err
 * set (then roll back: the connection may be left in any state of the transaction). */
int store_bulk(struct db *db, const struct catalog *cat, const struct answer_set *sets, size_t n,
    const char *actor, const char *source, struct stored *out, long long *version,
    void (*progress)(size_t done, size_t total), FILE *log, char **err);

/* Plain statements for the caller's transaction: 0 or -1. */
int store_begin(struct db *db);
int store_commit(struct db *db);
void store_rollback(struct db *db);

#endif
