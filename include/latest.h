/* latest.h: counts over every city surveyed, each city at its latest answer to the question. */
#ifndef CB_LATEST_H
#define CB_LATEST_H

#include <jansson.h>

#include "buf.h"
#include "db.h"
#include "view.h"

/* For each multi-choice question whose options differ between waves (an option that exists in one
 * wave only, like 2018's "Launching or sustaining a project"): {CODE: {"answered": N, "waves":
 * {WAVE: N}, "counts": {OPTION: N}}}, over every city of every wave, each at the latest wave in
 * which it answered CODE, a city counted once.  NULL when the database failed. */
json_t *latest_counts(struct db *db);

/* survey=latest: sets model's "pooled_waves" to the waves the cohort c pools, each city at its latest
 * wave, {WAVE: cities at that wave} (oldest first).  0, or -1 when the database failed. */
int latest_pools_set(struct db *db, const struct cohort *c, json_t *model);

/* The sentence that says which waves a pooled share is over ("Each city at its latest wave: 58 at their
 * 2018 answers, 100 at their 2020 answers."), escaped, in a <p class="note">; nothing without pools. */
void latest_pools_html(struct buf *b, json_t *model);

#endif
