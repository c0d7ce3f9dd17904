/* profile_peers.h: a profile's cohort parts (counts, size, metrics) against a peer group without stored
 * statistics, from one statement (Q_PEERS_PROFILE) instead of three. */
#ifndef CB_PROFILE_PEERS_H
#define CB_PROFILE_PEERS_H

#include <jansson.h>

#include "db.h"
#include "view.h"

/* The cohort's counts ({code: {answered, counts}}) as cohort_counts() in city.c builds them, the
 * city's metrics as city_metrics() does (names not yet applied), and the cohort's size, of the wave
 * (or "latest") for the cohort c and the city (its id).  0, or -1 when the database failed (nothing
 * set then).  version: the data version this request reads (app_data_version), by which the cohort
 * and the metrics' ranks are taken from the wave's blocks in the worker (wavefacts.h, wavemetrics.h)
 * with no statement; 0 for unknown.  CITYBENCH_PEERS_SQL forces the single statement, and
 * CITYBENCH_PEERS_METRICS_SQL the metrics from PostgreSQL (Q_PEERS_METRICS_IDS). */
/* Adds one count row to counts ({code: {answered, counts: {option: n}}}): option NULL sets how many
 * answered code, else how many chose option.  Shared by cohort_counts() in city.c and profile_peers(). */
void profile_count_add(json_t *counts, const char *code, const char *option, json_int_t n);

int profile_peers(struct db *db, const char *wave, const struct cohort *c, const char *city_id,
    long long version, json_t **cohort, json_t **metrics, long long *size);

#endif
