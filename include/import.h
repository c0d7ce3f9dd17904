/* import.h: `citybench import`: cities files and answer files, as the operator, all or nothing. */
#ifndef CB_IMPORT_H
#define CB_IMPORT_H

#include <stddef.h>

#include "db.h"

/* A city's fields as the operator gives them (`city add|edit` options, a cities file's row); NULL: not
 * given. */
struct city_fields {
	const char *name, *country, *region, *population, *synthetic, *lat, *lon;
};

/* Checks the fields given: a two-letter country, a positive whole population, a name of 1 to 200
 * characters, a region of 1 to 100.  Returns NULL when they hold, else a static message (worded for
 * the CLI's options: "--country takes a two-letter code such as CA"). */
const char *import_city_check(const struct city_fields *f);

/* Imports files in one transaction: cities files (`slug,…` headers) first, whatever the order given,
 * then the answer files (CSV or JSON upload forms, validated as an upload is) as one batch of versions
 * by "operator".  Reports progress and every problem on stderr ("citybench: FILE: …" lines) and
 * "imported N versions" on stdout.  Returns 0, or -1 when anything was refused: nothing is then
 * imported. */
int import_files(struct db *db, char **files, size_t nfiles);

#endif
