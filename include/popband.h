/* popband.h: population-band peer cohorts without a pass over their members (issue 18, eleventh
 * session).  A band (peers=population:A-B) is a run of the wave's fact rows' cities ordered by
 * (population, id).  Per wave and data version each worker keeps, beside the wave's facts
 * (wavefacts.h) and metric values (wavemetrics.h), the cities with a population in that order cut into
 * blocks of 128 cities, with the facts' tallies summed up to each block's start and, per metric
 * and block, the block's values sorted as PostgreSQL orders double precision (NaN above every number).
 * A band's counts are then two of those sums apart (the block edges nearest its ends) with the few
 * cities between those edges and its ends added or taken out, and the city's rank among its members is
 * a binary search in each whole block with the same cities compared one by one:
 * the cost grows with the number of blocks and their size, not with the band. */
#ifndef CB_POPBAND_H
#define CB_POPBAND_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "wavefacts.h"
#include "wavemetrics.h"

struct popband;

/* The blocks of w and m (the same wave and version: the same cities by id, or NULL), b cities a
 * block; NULL too when memory runs out or the tallies would be too large.  popband_free frees. */
struct popband *popband_make(const struct wavefacts *w, const struct wavemetrics *m, size_t b);
void popband_free(struct popband *p);

/* This worker's blocks of w and m (wavefacts_get and wavemetrics_get of wave at one version), built
 * on first use; NULL when they cannot be had (then the caller goes the long way). */
const struct popband *popband_get(const char *wave, const struct wavefacts *w, const struct wavemetrics *m);

/* The band [min, max] (both inclusive, as wavefacts_cohort has it): its number of cities. */
size_t popband_size(const struct popband *p, long long min, long long max);
/* Its cities' fact counts, as wavefacts_tally gives them for its cities (malloc'd; NULL no memory). */
uint32_t *popband_tally(const struct popband *p, const struct wavefacts *w, long long min, long long max);
/* The city's metrics against it, as wavemetrics_ranks gives them; NULL when the city is not one of the
 * fact rows' cities or memory ran out. */
json_t *popband_ranks(const struct popband *p, const struct wavemetrics *m, long long min, long long max,
    int city);

#endif
