/* sync.h: plugins/ into the database: every file loaded in the sandbox, its metrics registered and
 * computed for every city and wave; a refused file reported and left out. */
#ifndef CB_SYNC_H
#define CB_SYNC_H

#include <stdio.h>
#include "db.h"

/* Loads every plugin in dir and brings the metrics and their values up to date, in one transaction.
 * Prints "loaded FILE: ID ..." and "refused FILE:LINE: message" lines to out (may be NULL).
 * Returns the number of refused files (>= 0), or -1 when the database failed (err set). */
int sync_plugins(struct db *db, const char *dir, FILE *out, char **err);

/* The supervisor's start: the same, on its own connection, reporting to stderr. */
void sync_plugins_at_start(const char *conninfo, const char *root);

#endif
