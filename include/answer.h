/* answer.h: one survey answer written for people (HTML) or programs (a CSV cell), compared with
 * another, and the questionnaire lookups that go with it: the pieces the profile, the submissions and
 * the data files share. */
#ifndef CB_ANSWER_H
#define CB_ANSWER_H

#include <jansson.h>

#include "buf.h"

/* One answer value as a CSV cell: bool yes/no, numbers exact, text neutralised, null empty.  Writes
 * nothing for a value of another type; never fails (a buffer out of memory keeps what it has). */
void answer_csv(struct buf *b, json_t *v);

/* One answer for people, escaped: "— not asked" when !asked, "(no answer)" for NULL/null, Yes/No,
 * option labels from the question q (may be NULL: codes then), lists as <ul> (<ol> for ranked ones).
 * Never fails. */
void answer_html(struct buf *b, json_t *q, json_t *v, int asked);

/* 1 when two answers to question `code` say the same: equal values, or the same options in another
 * order (except in a ranked question, where order is the answer); 0 otherwise. */
int answer_same(const char *code, json_t *a, json_t *b);

/* The question of `code` in a questionnaire's list ([{code, type, text, options …}]), or NULL when the
 * list (which may be NULL) has none. */
json_t *answer_question(json_t *questions, const char *code);

/* The label of option `code` of question q; the code itself when q has no such option, "" for NULL. */
const char *answer_option_label(json_t *q, const char *code);

/* The first option of question q (may be NULL) whose code is `code`, or NULL; *unique (unless NULL)
 * set to 1 when q's option codes are known to be distinct, else 0. */
json_t *answer_option(json_t *q, const char *code, int *unique);

/* 1 when question q (may be NULL) offers option `code`, else 0. */
int answer_has_option(json_t *q, const char *code);

/* A city's own free text (a text answer), never translated: written as it is, inside
 * <span lang="LANG"> naming the language the city writes in ("en", "fr"; NULL: no span). */
void answer_free_text(struct buf *b, const char *s, const char *lang);
/* answer_html, with a text answer marked as answer_free_text does. */
void answer_html_lang(struct buf *b, json_t *q, json_t *v, int asked, const char *lang);

#endif
