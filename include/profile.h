/* profile.h: a city's profile page (/cities/{slug} as HTML), written from the model its .json twin
 * serves. */
#ifndef CB_PROFILE_H
#define CB_PROFILE_H

#include <jansson.h>

#include "http.h"

/* Writes the whole page into r from the model city.c builds (city, waves, survey, peers, answers,
 * history, cohort, cohort_size, metrics, questions, other_questions).  Never fails: a missing or
 * wrongly typed field is shown as missing. */
void profile_html(struct request *r, json_t *model);

#endif
