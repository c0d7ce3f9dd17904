/* rankblock.h: a wave's whole-cohort rankings (every active metric's cities in rank order, with what
 * a ranking row prints) kept per data version and built once for all the workers (simshare.h, keys
 * "rk:<wave>"), so that a page of /metrics/{id}.json or .csv without a peer filter is cut from the
 * block in the worker instead of ranked in PostgreSQL (issue 18, eighth session).
 *
 * The block is flat (offsets, no pointers): a header, the metrics (id, first row, rows), every city by
 * slug (slug, name, lat, lon as PostgreSQL writes them, synthetic), the rows (value, its text, rank, city),
 * the strings, and every row's JSON as the page writes it (rankrow.h), ready to copy.  rankblock_from_flat checks every count, offset, string and rank against the block
 * before it is used. */
#ifndef CB_RANKBLOCK_H
#define CB_RANKBLOCK_H

#include <stddef.h>

#include "db.h"

struct rankblock;

/* One row of a metric's ranking; the strings point into the block. */
struct rankblock_row {
	const char *slug, *name;
	const char *value_text;		/* PostgreSQL's text of the value */
	double value;			/* numtext_double(value_text), finite */
	long long rank;
	int synthetic;
	const char *lat, *lon;		/* PostgreSQL's text, NULL when not placed */
};

/* The rankings of wave (a year) at exactly version: this worker's copy, a copy of another worker's
 * build, or built here.  NULL when they cannot be had for that version (the database moved on, failed,
 * or memory ran out): then the caller ranks in PostgreSQL.  Owned here, valid until the next call. */
const struct rankblock *rankblock_get(struct db *db, const char *wave, long long version);

/* The rows of metric id: 0 with *first and *n (rows [first, first + n) in rank order), or -1 when the
 * block does not hold it (not active, no values in the wave, or a value JSON cannot hold). */
int rankblock_metric(const struct rankblock *b, const char *id, size_t *first, size_t *n);
void rankblock_row(const struct rankblock *b, size_t i, struct rankblock_row *out);
/* The JSON of rows [from, to) of the metric whose rows are [first, first + n) (to <= n), as the
 * ranking page writes them, joined by ',' (percentiles of the metric's whole ranking).  A block
 * copied from or put in the shared slot keeps its rows' JSON there: the page's bytes are read from it
 * (valid until the next call); *json is NULL when the slot no longer holds that block (the caller
 * then writes the rows from rankblock_row; the next rankblock_get obtains the block anew). */
void rankblock_json(const struct rankblock *b, size_t first, size_t n, size_t from, size_t to, const char **json,
    size_t *len);
/* The number of the city slug (every city of the database at the block's version), or -1. */
long rankblock_city(const struct rankblock *b, const char *slug);
/* A city's slug, name, synthetic and place (value_text NULL, value NaN, rank 0). */
void rankblock_city_row(const struct rankblock *b, size_t city, struct rankblock_row *out);
/* The row of city (a number from rankblock_city) among rows [first, first + n), or -1. */
long rankblock_find(const struct rankblock *b, size_t first, size_t n, long city);
long long rankblock_version(const struct rankblock *b);

/* For the tests: the flat form from parts (cities by slug: slug, name, lat, lon each, lat/lon NULL when
 * not placed; rows: city number, value text, rank; metric m's rows are [mfirst[m], mfirst[m] + mn[m])),
 * and its reading (NULL when the block is not sound). */
void *rankblock_flat_make(long long version, size_t nmetrics, const char *const *ids, const size_t *mfirst,
    const size_t *mn, size_t ncities, const char *const *city, const int *synthetic, size_t nrows,
    const size_t *rcity, const char *const *rvalue, const long long *rrank, size_t *len);
struct rankblock *rankblock_from_flat(void *block, size_t len);
void rankblock_free(struct rankblock *b);

#endif
