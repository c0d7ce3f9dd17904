/* wavemetrics.h: the metric values of a wave's fact rows (each active metric's value, or none, for each
 * city of the wave, or of 'latest', at the survey its fact row points at: city_facts.survey_id), kept
 * per data version and built once for all the workers (simshare.h, keys "wm:<wave>"), so that a peer
 * page ranks the city's metrics within its cohort in the worker instead of in PostgreSQL
 * (Q_PEERS_METRICS_IDS; issue 18, eighth session).
 *
 * The block is flat (offsets, no pointers), beside the wave's facts (wavefacts.h) of the same version:
 * a header, the values (metric by metric, city by city), the cities sorted by id, each metric's id,
 * title, unit and description (offsets into the strings), the codes of the bool, single and multi
 * questions, whether each value is there, each metric's higher_is_better, the strings.
 * wavemetrics_from_flat checks every count, offset and string against the block before it is used. */
#ifndef CB_WAVEMETRICS_H
#define CB_WAVEMETRICS_H

#include <stddef.h>
#include <jansson.h>

#include "db.h"

struct wavemetrics;

/* The metric values of wave (a year or "latest") at exactly version: this worker's copy, a copy of
 * another worker's build, or built here.  NULL when they cannot be had for that version (the database
 * moved on meanwhile, failed, or memory ran out): then the caller asks PostgreSQL.  Owned here. */
const struct wavemetrics *wavemetrics_get(struct db *db, const char *wave, long long version);

/* Whether code is the code of a bool, single or multi question (Q_PEERS_METRICS_IDS's facts_ok). */
int wavemetrics_choice_code(const struct wavemetrics *w, const char *code);

/* The city's metrics against the cohort (ids, n of them, each a city of the wave's fact rows), as
 * Q_PEERS_METRICS_IDS's part 2 gives them and profile_peers.c prints them ([{id, title, description,
 * unit, higher_is_better, value, rank, of, percentile}] in the catalogue's order), with the values
 * compared as PostgreSQL compares double precision (NaN above every number, equal to itself).  NULL
 * when the city or one of the cohort is not a city of the wave's fact rows, or memory ran out. */
json_t *wavemetrics_ranks(const struct wavemetrics *w, const int *ids, size_t n, int city);

/* For the tests: the flat form from parts (values metric by metric: nmetrics * ncities, has the same;
 * text 4 per metric: id, title, unit, description), and its reading (NULL when the block is not sound). */
void *wavemetrics_flat_make(long long version, size_t nmetrics, const char *const *text, const int *hib,
    size_t ncities, const int *city, const double *values, const unsigned char *has, size_t ncodes,
    const char *const *codes, size_t *len);
struct wavemetrics *wavemetrics_from_flat(void *block, size_t len);
void wavemetrics_free(struct wavemetrics *w);
long long wavemetrics_version(const struct wavemetrics *w);

#endif
