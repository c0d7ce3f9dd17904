/* answers_export.h: a city's answers in the upload form, ready to edit and upload again. */
#ifndef CB_ANSWERS_EXPORT_H
#define CB_ANSWERS_EXPORT_H

#include <jansson.h>
#include "buf.h"

/* Writes the CSV upload form of a wave: the header city,survey,question,value,label,help, then a row
 * per question the wave asks (questions: as city_survey_questions gives them), a row per option of a
 * multi-choice answer, with the question's text as label and what it takes as help.  answers
 * ({code: value or null}) may be NULL: the empty form.  city may be "" (a form for any city).
 * Uploaded unchanged, the rows change nothing: a multi-choice question answered with none of its
 * options (which CSV cannot say) is left out, and text reads back as written (see ingest.c).
 * Returns 0, or -1 when memory ran out. */
int answers_csv(struct buf *b, const char *city, const char *wave, json_t *questions, json_t *answers);

#endif
