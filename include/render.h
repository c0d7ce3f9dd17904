/* render.h: the HTML (and CSV cells) written from the handlers' models — the same JSON the .json twins
 * serve, so people and programs see the same numbers. */
#ifndef CB_RENDER_H
#define CB_RENDER_H

#include <jansson.h>
#include "buf.h"
#include "http.h"

/* One answer value as a CSV cell: bool yes/no, numbers exact, text neutralised, null empty. */
void render_csv_value(struct buf *b, json_t *v);

/* The pages; each writes a whole page into r from its model. */
void render_profile(struct request *r, json_t *model);

#endif
