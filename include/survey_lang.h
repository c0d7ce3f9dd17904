/* survey_lang.h: a wave's questionnaire in the page's language (r->lang), English where a text has no
 * translation; see qlang.h.  /surveys/{wave}.json itself gives both (text and text_fr, …): that is the
 * shape `survey load` reads. */
#ifndef CB_SURVEY_LANG_H
#define CB_SURVEY_LANG_H

#include <jansson.h>

#include "http.h"

/* The wave's questions with `text`, `label`, `help` in r's language (a list the caller owns a
 * reference to and must not modify), or NULL when the database failed.  Kept per worker beside
 * city_survey_questions()'s, for as long as that one stays the same. */
json_t *survey_questions_lang(struct request *r, const char *wave);

#endif
