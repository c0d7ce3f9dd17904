/* profile_similar.h: the profile's "cities most like this one" (the top five, and a link to compare
 * with them). */
#ifndef CB_PROFILE_SIMILAR_H
#define CB_PROFILE_SIMILAR_H

#include <jansson.h>

#include "buf.h"

/* Writes the section from the model's "similar" ([{"slug","name","score"}]); nothing when it is empty. */
void profile_similar_html(struct buf *b, json_t *model, const char *slug, const char *wave);

#endif
