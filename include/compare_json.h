/* compare_json.h: /compare.json for a stored cohort written straight from Q_COMPARE_STORED's rows, the
 * same bytes compare.c's model gives, without building the model (issue 18). */
#ifndef CB_COMPARE_JSON_H
#define CB_COMPARE_JSON_H

#include <libpq-fe.h>

#include "http.h"

/* Writes the 200 JSON answer of res (Q_COMPARE_STORED's rows; peers the cohort's canonical text) into
 * r->out and returns 1 when the answer is the plain one: the JSON format, no `questions`, a known wave,
 * every city and metric known, and the waves kept for this data version.  Returns 0, r->out empty,
 * for anything else (compare.c answers through its model: the 404s, the answers side by side), and -1
 * when memory ran out. */
int compare_json_stored(struct request *r, const PGresult *res, const char *peers);

/* As compare_json_stored without a statement (issue 18, eighth session, round 2): the answer for the
 * stored cohort (scope, key) at wave (not 'latest') of the cities slugs[] (nc) and the metrics ids[]
 * (nids; 0: every active metric), computed from the wave's metric values block of the data version this
 * request reads (wavemetrics.h), as compare_stored() (migration 026) gives it.  0, r->out empty, when
 * the block cannot decide it (not JSON, `questions`, the wave not kept or not exact, a city unknown,
 * a metric not active: the statement answers); 1 answered; -1 out of memory. */
int compare_json_blocks(struct request *r, const char *wave, const char *scope, const char *key,
    char *const *slugs, size_t nc, char *const *ids, size_t nids, const char *peers);

#endif
