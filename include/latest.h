/* latest.h: counts over every city surveyed, each city at its latest answer to the question. */
#ifndef CB_LATEST_H
#define CB_LATEST_H

#include <jansson.h>

#include "db.h"

/* For each multi-choice question whose options differ between waves (an option that exists in one
 * wave only, like 2018's "Launching or sustaining a project"): {CODE: {"answered": N, "waves":
 * {WAVE: N}, "counts": {OPTION: N}}}, over every city of every wave, each at the latest wave in
 * which it answered CODE, a city counted once.  NULL when the database failed. */
json_t *latest_counts(struct db *db);

#endif
