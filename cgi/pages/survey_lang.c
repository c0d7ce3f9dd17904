/* survey_lang.c: a wave's questionnaire in the page's language (see survey_lang.h). */
#include <string.h>

#include "app.h"
#include "lang.h"
#include "qlang.h"
#include "survey_lang.h"
#include "view.h"

/* The translated lists last made: the source list (a reference held, so that its address cannot be
 * reused while it is here) and its translation, per language and a few waves. */
#define SLCACHE 8

static struct {
	json_t *source, *local;
	enum lang lang;
	unsigned long used;
} slcache[SLCACHE];
static unsigned long slclock;

json_t *
survey_questions_lang(struct request *r, const char *wave)
{
	json_t *source = city_survey_questions(r->app, wave), *local;
	size_t i, slot = 0;

	if (source == NULL || r->lang == LANG_EN)
		return source;
	for (i = 0; i < SLCACHE; i++) {
		if (slcache[i].source == source && slcache[i].lang == r->lang) {
			slcache[i].used = ++slclock;
			json_decref(source);
			return json_incref(slcache[i].local);
		}
		if (slcache[i].used < slcache[slot].used)
			slot = i;
	}
	local = qlang_questions(source, lang_code(r->lang));
	if (local == NULL) {
		json_decref(source);
		return NULL;
	}
	json_decref(slcache[slot].source);
	json_decref(slcache[slot].local);
	slcache[slot].source = source;		/* the reference city_survey_questions gave */
	slcache[slot].local = json_incref(local);
	slcache[slot].lang = r->lang;
	slcache[slot].used = ++slclock;
	return local;
}
