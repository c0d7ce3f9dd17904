/* versioned.h: cohort-wide read results kept by a worker for one data version (issue 18).
 *
 * A profile reads, besides the city's own rows, results that are the same for every city of a wave:
 * the cohort's counts per question and option, its size, the counts across latest waves, the list
 * of waves.  They change only when the data version moves (every accepted upload, import, recompute
 * and `survey load` bumps it), so a worker keeps the last few it read, keyed on the version its
 * request reads (app_data_version), and reads them again after the version moved.  Like the parsed
 * questionnaire beside it (city_survey_questions), this is parsed state, not a response cache: it
 * stays on under CITYBENCH_CACHE=0, and a page is still built from the city's rows every time. */
#ifndef CB_VERSIONED_H
#define CB_VERSIONED_H

#include <jansson.h>

#include "app.h"

/* The value kept under key for this request's data version (a new reference the caller must not
 * modify), or NULL. */
json_t *versioned_get(struct app *a, const char *key);
/* Whether wave is one of the kept list of waves (key "surveys"): 1, 0, or -1 when it is not kept. */
int versioned_wave_kept(struct app *a, const char *wave);
/* Keeps value (a reference is taken; nobody may modify it afterwards) under key for this version. */
void versioned_put(struct app *a, const char *key, json_t *value);

#endif
