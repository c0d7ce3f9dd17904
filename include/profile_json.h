/* profile_json.h: /cities/{slug}.json written from the model city.c builds, with the questionnaires'
 * text (two thirds of the answer) kept per data version, language and wave instead of written from
 * the parsed lists each time (issue 18). */
#ifndef CB_PROFILE_JSON_H
#define CB_PROFILE_JSON_H

#include <jansson.h>

#include "http.h"

/* Answers 200 with the model as reply_json(r, 200, model) would write it, byte for byte: the members
 * "questions" and "other_questions" of a wave's model are copied from the text kept for (data version,
 * language, wave).  Takes model's reference, as reply_json does.  0, or -1 after answering 500. */
int profile_json_reply(struct request *r, const char *wave, json_t *model);

#endif
