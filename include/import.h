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

/* What an import did (or, dry, would do). */
struct import_summary {
	size_t cities_added, cities_updated;	/* rows of cities files: new slugs, known ones changed */
	size_t cities_unchanged;		/* rows of cities files naming a known city as it is */
	size_t versions;			/* answer sets stored as new versions */
	size_t sets_unchanged;			/* answer sets that changed nothing: no version made */
};

/* Imports files in one transaction: cities files (`slug,…` headers) first, whatever the order given,
 * then the answer files (CSV or JSON upload forms, validated as an upload is) as one batch of versions
 * by "operator".  Every file is checked; each file's problems are reported on stderr grouped by kind and
 * counted ("citybench: FILE: …", then "  FILE: row 3, column country: …" lines), then one summary
 * line.  Progress goes to stderr a line a second (progress.h).  On success prints "imported: N cities
 * added, M updated; K versions stored" on stdout, with ", U unchanged" after the cities and ", S
 * city-waves unchanged" after the versions when cities rows or answer sets named things as they already
 * were (S counts the sets: a city-wave named twice, unchanged both times, counts twice).  No version is
 * made for those, as for an upload that changes nothing; a known city whose registered population
 * changed has its metrics computed again in every wave.  DRY_RUN: the same checks and the same work, rolled
 * back, and "dry run: would add …; nothing stored".  Returns 0, or -1 when anything was refused:
 * nothing is then imported.  *SUM is filled either way. */
int import_files(struct db *db, char **files, size_t nfiles, int dry_run, struct import_summary *sum);

#endif
