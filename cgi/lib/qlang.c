/* qlang.c: a questionnaire's texts in the page's language (see qlang.h). */
#include <stdio.h>
#include <string.h>

#include "qlang.h"

/* The suffixed keys qlang_questions() removes: one per language besides English. */
static const char *const langs[] = { "fr" };

const char *
qlang_str(const json_t *o, const char *key, const char *lang)
{
	char k[64];
	const char *s;

	if (lang && strcmp(lang, "en") != 0 && snprintf(k, sizeof(k), "%s_%s", key, lang) < (int)sizeof(k) &&
	    (s = json_string_value(json_object_get(o, k))) != NULL && *s)
		return s;
	return json_string_value(json_object_get(o, key));
}

/* o (a copy the caller owns) with key set to lang's text and every key_LANG removed.  0, or -1. */
static int
localize(json_t *o, const char *key, const char *lang)
{
	const char *s = qlang_str(o, key, lang);
	char k[64];
	size_t i;

	if (s && json_object_set_new(o, key, json_string(s)) == -1)
		return -1;
	for (i = 0; i < sizeof(langs) / sizeof(langs[0]); i++) {
		snprintf(k, sizeof(k), "%s_%s", key, langs[i]);
		json_object_del(o, k);
	}
	return 0;
}

json_t *
qlang_questions(const json_t *questions, const char *lang)
{
	json_t *list = json_deep_copy(questions), *q, *o;
	size_t i, j;

	if (list == NULL)
		return NULL;
	json_array_foreach(list, i, q) {
		if (!json_is_object(q))
			continue;
		if (localize(q, "text", lang) == -1)
			goto fail;
		json_array_foreach(json_object_get(q, "options"), j, o)
			if (json_is_object(o) && (localize(o, "label", lang) == -1 || localize(o, "help", lang) == -1))
				goto fail;
	}
	return list;
fail:
	json_decref(list);
	return NULL;
}
