/* compare_answers.h: the answers of the compared cities side by side, for the questions chosen
 * (`questions=code1,code2` or `questions=all`), as Census Reporter compares tables (issue 15). */
#ifndef CB_COMPARE_ANSWERS_H
#define CB_COMPARE_ANSWERS_H

#include <jansson.h>

#include "http.h"

/* Appends to the compare page the section: the table of the chosen questions' answers (a row per
 * question, a column per city, option labels as the profile writes them) and a form to choose the
 * questions that keeps the rest of the view.  model: compare's ({survey, cities:[{slug, name}]}).
 * A database failure leaves a notice in the section, never a half page. */
void compare_answers_html(struct request *r, json_t *model);

/* When `questions` is named, adds to the model "questions": [{code, text, type}] (the chosen ones of the
 * wave, in the questionnaire's order; unknown codes left out) and "answers": {CODE: {SLUG: the answer as
 * the profile's JSON gives it, or null}}; else leaves the model as it is.  Returns 0, or -1 when the
 * database failed. */
int compare_answers_json(struct request *r, json_t *model);

#endif
