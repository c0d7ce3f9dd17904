/* profile_json.c: a profile's JSON with the questionnaires' text kept per data version (issue 18).
 *
 * The questions of the wave and of the other waves are the same for every city of a wave in a
 * language: city.c takes them from the parsed lists kept per data version (city_survey_questions,
 * survey_questions_lang), and jsonw wrote them again for each request, ~34 KB of a ~50 KB answer.
 * Here their text is kept beside, keyed on what those lists are keyed on (the data version this
 * request reads, the page's language, the wave), and copied; every other member is written by jsonw
 * as reply_json writes it, so the bytes are the same. */
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "buf.h"
#include "jsonw.h"
#include "profile_json.h"
#include "reply.h"

#define PJ_SLOTS	8

static struct {
	long long version;
	enum lang lang;
	char wave[16];
	struct buf questions, others;	/* their JSON text */
	unsigned long used;		/* 0: empty */
} kept[PJ_SLOTS];
static unsigned long kept_clock;

/* The slot kept for this request's version, language and wave, filled from the model when new; -1
 * when it cannot be kept (a wave too long for a key, no memory). */
static int
slot_for(struct request *r, const char *wave, json_t *model)
{
	long long version;
	size_t i, slot = 0;

	if (wave == NULL || strlen(wave) >= sizeof(kept[0].wave) || r->app == NULL)
		return -1;
	version = app_data_version(r->app);
	for (i = 0; i < PJ_SLOTS; i++) {
		if (kept[i].used && kept[i].version == version && kept[i].lang == r->lang &&
		    strcmp(kept[i].wave, wave) == 0) {
			kept[i].used = ++kept_clock;
			return (int)i;
		}
		if (kept[i].used < kept[slot].used)
			slot = i;
	}
	kept[slot].used = 0;
	buf_reset(&kept[slot].questions);
	buf_reset(&kept[slot].others);
	if (jsonw_value(&kept[slot].questions, json_object_get(model, "questions")) == -1 ||
	    jsonw_value(&kept[slot].others, json_object_get(model, "other_questions")) == -1)
		return -1;
	kept[slot].version = version;
	kept[slot].lang = r->lang;
	snprintf(kept[slot].wave, sizeof(kept[slot].wave), "%s", wave);
	kept[slot].used = ++kept_clock;
	return (int)slot;
}

/* The text of members that are shared objects kept per data version (the cohort's counts of a
 * stored cohort and the counts across latest waves, versioned.h), keyed on the object itself: a slot
 * holds a reference to it, so it is neither freed nor reused while its text is kept, and nobody
 * modifies a kept object (versioned.h).  A fresh object (a live peer group's counts) takes a slot and
 * is written once, as before. */
#define PJ_OBJS		16

static struct {
	json_t *obj;			/* a reference held */
	struct buf text;
	unsigned long used;
} objtext[PJ_OBJS];
static unsigned long objtext_clock;

/* Writes v as jsonw_value would, from the text kept for v when there is one. */
static int
kept_value(struct buf *out, json_t *v)
{
	size_t i, slot = 0;

	if (v == NULL || !json_is_object(v) || json_object_size(v) == 0)
		return jsonw_value(out, v);
	for (i = 0; i < PJ_OBJS; i++) {
		if (objtext[i].obj == v) {
			objtext[i].used = ++objtext_clock;
			return buf_append(out, objtext[i].text.data, objtext[i].text.len);
		}
		if (objtext[i].used < objtext[slot].used)
			slot = i;
	}
	json_decref(objtext[slot].obj);
	objtext[slot].obj = NULL;
	objtext[slot].used = 0;
	buf_reset(&objtext[slot].text);
	if (jsonw_value(&objtext[slot].text, v) == -1 || objtext[slot].text.data == NULL)
		return jsonw_value(out, v);
	objtext[slot].obj = json_incref(v);
	objtext[slot].used = ++objtext_clock;
	return buf_append(out, objtext[slot].text.data, objtext[slot].text.len);
}

int
profile_json_reply(struct request *r, const char *wave, json_t *model)
{
	const char *key;
	json_t *v;
	int s, rc = 0, first = 1;

	if (model == NULL || !json_is_object(model) || json_object_get(model, "questions") == NULL ||
	    json_object_get(model, "other_questions") == NULL || (s = slot_for(r, wave, model)) < 0)
		return reply_json(r, 200, model);
	buf_reset(&r->out);
	r->status = 200;
	r->ctype = "application/json";
	rc = buf_putc(&r->out, '{');
	json_object_foreach(model, key, v) {
		if (rc == 0 && !first)
			rc = buf_putc(&r->out, ',');
		first = 0;
		if (rc == 0)
			rc = jsonw_key(&r->out, key);
		if (rc)
			break;
		if (strcmp(key, "questions") == 0)
			rc = buf_append(&r->out, kept[s].questions.data, kept[s].questions.len);
		else if (strcmp(key, "other_questions") == 0)
			rc = buf_append(&r->out, kept[s].others.data, kept[s].others.len);
		else if (strcmp(key, "cohort") == 0 || strcmp(key, "latest") == 0)
			rc = kept_value(&r->out, v);
		else
			rc = jsonw_value(&r->out, v);
		if (rc)
			break;
	}
	if (rc == 0)
		rc = buf_putc(&r->out, '}');
	if (rc == 0)
		rc = buf_putc(&r->out, '\n');
	if (rc)
		return reply_json(r, 200, model);	/* as it would have failed: its 500 */
	json_decref(model);
	return 0;
}
