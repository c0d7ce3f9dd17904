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

#endif
