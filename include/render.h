/* render.h: the HTML (and CSV cells) written from the handlers' models — the same JSON the .json twins
 * serve, so people and programs see the same numbers. */
#ifndef CB_RENDER_H
#define CB_RENDER_H

#include <jansson.h>
#include "buf.h"
#include "http.h"

/* One answer value as a CSV cell: bool yes/no, numbers exact, text neutralised, null empty. */
void render_csv_value(struct buf *b, json_t *v);

/* One answer for people, escaped: "— not asked" when !asked, "(no answer)" for NULL/null, Yes/No,
 * option labels from the question q (may be NULL: codes then), lists as <ul> (<ol> for ranked ones). */
void render_answer(struct buf *b, json_t *q, json_t *v, int asked);

/* A whole number with thousands separators from five digits on (2,800,000; 2018). */
void render_int(struct buf *b, long long n);

/* 1 when two answers to question `code` say the same: equal values, or the same options in another
 * order (except in a ranked question, where order is the answer). */
int render_same_answer(const char *code, json_t *a, json_t *b);

/* The pages; each writes a whole page into r from its model (never fails: a missing field is shown as
 * missing). */
void render_profile(struct request *r, json_t *model);

#endif
