/* migrate.h: `citybench db migrate`, the numbered SQL files of sql/migrations applied in order, once. */
#ifndef CB_MIGRATE_H
#define CB_MIGRATE_H

#include <stddef.h>
#include <stdio.h>

#include "db.h"

/* The migration files of dir in the order they apply: names that start with a digit and end in
 * ".sql" (NNN_what.sql), sorted by name; anything else in dir is ignored.  Returns the count (>= 0)
 * with *names a malloc'd array of malloc'd names that migrate_names_free() releases (NULL when the
 * count is 0), or -1 with *err set (a malloc'd message the caller frees) when dir cannot be read or
 * memory runs out; *names is then NULL. */
int migrate_list(const char *dir, char ***names, char **err);
void migrate_names_free(char **names, size_t n); /* safe on NULL */

/* The version a migration file records: the number its name starts with ("002_stats.sql" -> 2). */
int migrate_version(const char *name);

/* Applies the migrations of dir that schema_migrations has not recorded, each in its own transaction
 * with its record, under an advisory lock so that several hosts may run it at once (the others then
 * find nothing left to do).  Prints "applied NAME" per migration, or "database is up to date (N
 * migrations)", to out.  Returns 0, or -1 with *err set (a malloc'd message the caller frees, without
 * the "citybench: " prefix); the migration that failed is rolled back, those before it stay applied. */
int migrate_apply(struct db *db, const char *dir, FILE *out, char **err);

#endif
