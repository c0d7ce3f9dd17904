/* qlang.h: a questionnaire's texts in the page's language.  A questionnaire as /surveys/{wave}.json
 * gives it carries its English (`text`, an option's `label` and `help`, the wave's `title`) and beside
 * it, when translated, the same key with the language's suffix (`text_fr`, `label_fr`, `help_fr`,
 * `title_fr`).  The English is the fallback wherever a translation is missing. */
#ifndef CB_QLANG_H
#define CB_QLANG_H

#include <jansson.h>

/* The text of key in o for the language lang ("en", "fr"): o's key_LANG when it is a non-empty text,
 * else o's key; NULL when o has neither.  lang NULL or "en": o's key. */
const char *qlang_str(const json_t *o, const char *key, const char *lang);

/* A copy of questions (a list of questions with their options) in which `text`, and each option's
 * `label` and `help`, are those of lang (qlang_str) and the suffixed keys of every language are gone,
 * so that pages and exports read `text`, `label`, `help` as before.  lang NULL or "en": the English,
 * without the translations.  Returns a new list (the caller decrefs it), or NULL when memory ran out. */
json_t *qlang_questions(const json_t *questions, const char *lang);

#endif
