/* country.h: country names beside ISO 3166-1 alpha-2 codes, read from the iso-codes package's JSON
 * (Debian's iso-codes: /usr/share/iso-codes/json/iso_3166-1.json, or $CITYBENCH_ISO3166) once per
 * process.  Without that file every name is unknown and pages show codes alone. */
#ifndef CITYBENCH_COUNTRY_H
#define CITYBENCH_COUNTRY_H

#include <stddef.h>

struct buf;

/* The short name people use for code ("CA" -> "Canada", "KR" -> "South Korea"; the common name where
 * iso-codes has one), or NULL when the code is unknown.  Any case.  In French when the current
 * language (lang_current) is French, through iso-codes' gettext domain iso_3166-1 ("Corée du Sud";
 * the English when iso-codes has no translation installed). */
const char *country_name(const char *code);

/* Appends to b a PostgreSQL text[] literal ("{CA,US}") of the codes whose name (common, short or
 * official) has a word starting with q, case aside (ASCII letters); q of fewer than 3 characters must equal a name.
 * When the current language is French, the French name (country_name) counts too.
 * Returns how many codes were written (0: b gets "{}"). */
size_t country_codes_matching(const char *q, struct buf *b);

#endif
