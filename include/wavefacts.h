/* wavefacts.h: a wave's fact rows (city_facts: the answered codes and chosen options of each city of
 * the wave, or of 'latest') as small integers, kept per data version and built once for all the
 * workers (simshare.h, keys "wf:<wave>"), so that a peer group's counts are a sum over its cities in
 * the worker instead of an unnest and a hash aggregate in PostgreSQL (issue 18, seventh session).
 *
 * The block is flat (offsets, no pointers): a header, the distinct facts in the order the counts are
 * given (Q_WAVEFACTS numbers them in the database's collation), the cities sorted by id with the start
 * of their run of fact numbers, and the runs (uint16).  wavefacts_from_flat checks every count, offset,
 * string and number against the block before it is used. */
#ifndef CB_WAVEFACTS_H
#define CB_WAVEFACTS_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "db.h"

struct wavefacts;

/* The facts of wave (a year or "latest") at exactly version: this worker's copy, a copy of another
 * worker's build, or built here.  NULL when they cannot be had for that version (the database moved
 * on meanwhile, failed, or memory ran out): then the caller counts in PostgreSQL.  Owned here. */
const struct wavefacts *wavefacts_get(struct db *db, const char *wave, long long version);

/* Adds the counts of the cohort's cities (ids, n of them; repeats counted again) to counts as
 * profile_count_add would, in Q_PEERS_PROFILE's order.  0, or -1 when a city is not in the wave's
 * facts (nothing added) or memory ran out (some may be: the caller drops counts). */
int wavefacts_count(const struct wavefacts *w, const int *ids, size_t n, json_t *counts,
    void (*add)(json_t *, const char *, const char *, json_int_t));

/* Issue 18, tenth session: the same counts as a flat array, one per fact slot (wavefacts_nfacts of
 * them, malloc'd, the caller frees it; the slots in Q_PEERS_PROFILE's order): NULL when a city is not
 * in the wave's facts or memory ran out.  wavefacts_fact(w, k) is slot k's fact, "code" (answered) or
 * "code=option" (chose option), valid while w is. */
uint32_t *wavefacts_tally(const struct wavefacts *w, const int *ids, size_t n);
size_t wavefacts_nfacts(const struct wavefacts *w);
const char *wavefacts_fact(const struct wavefacts *w, size_t k);

/* Issue 18, eleventh session (popband.c): city i of the facts (by id, wavefacts_ncities of them): its id,
 * its population (1 and *pop, or 0 when it has none), its run of fact numbers (*ks, the count returned). */
size_t wavefacts_ncities(const struct wavefacts *w);
int wavefacts_city(const struct wavefacts *w, size_t i);
int wavefacts_population(const struct wavefacts *w, size_t i, long long *pop);
size_t wavefacts_run(const struct wavefacts *w, size_t i, const uint16_t **ks);

/* The bounds of a population band as wavefacts_cohort reads them from its parameters (kind
 * "population": min 0 and max INT64_MAX when not given; both inclusive, cities without a population
 * out): 1 with *min and *max, 0 for another kind of cohort. */
int wavefacts_band(const char *const *params, long long *min, long long *max);

/* This worker's facts of wave, of whatever version it last used (NULL when none): the caller checks
 * the version of what it then asks PostgreSQL against wavefacts_version. */
const struct wavefacts *wavefacts_peek(const char *wave);

/* The cohort of the wave's fact rows for the five parameters COHORT_SEL takes after the wave (kind,
 * text, min, max, slugs: view_cohort_params), found in the facts: 0 with *ids (malloc'd, n of them,
 * by id), the code of each answer filter appended to codes (decided by the facts alone: right only
 * when the question is a bool, single or multi one, which the caller has PostgreSQL confirm); 1 when
 * the facts cannot decide it (a region filter not in ASCII, a kind unknown here, no memory). */
int wavefacts_cohort(const struct wavefacts *w, const char *const *params, int **ids, size_t *nids,
    json_t *codes);

/* For the tests: how many cohorts and tallies the fact bits answered (slugs 0), how many list cohorts
 * the rows' slug order answered (slugs 1). */
size_t wavefacts_fast(int slugs);

/* For the tests: the flat form from parts, and its reading (NULL when the block is not sound). */
void *wavefacts_flat_make(long long version, size_t nfacts, const char *const *facts, size_t ncities,
    const int *city, const size_t *start, const unsigned short *ks, size_t nks, const long long *pop,
    const char *const *attr, size_t *len);
struct wavefacts *wavefacts_from_flat(void *block, size_t len);
void wavefacts_free(struct wavefacts *w);
long long wavefacts_version(const struct wavefacts *w);

#endif
