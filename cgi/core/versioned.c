/* versioned.c: cohort-wide read results kept for one data version (see versioned.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "versioned.h"

#define VSLOTS	32	/* waves x stored cohorts x kinds a worker serves at once */
#define VKEY	256	/* longer keys (a long list of peers) are not kept */

static struct {
	char key[VKEY];
	long long version;
	json_t *value;
	unsigned long used;	/* least recently used goes first; 0 = empty */
} vslot[VSLOTS];
static unsigned long vclock;

json_t *
versioned_get(struct app *a, const char *key)
{
	long long version;
	size_t i;

	if (key == NULL || strlen(key) >= VKEY)
		return NULL;
	version = app_data_version(a);
	for (i = 0; i < VSLOTS; i++)
		if (vslot[i].value && vslot[i].version == version && strcmp(vslot[i].key, key) == 0) {
			vslot[i].used = ++vclock;
			return json_incref(vslot[i].value);
		}
	return NULL;
}

void
versioned_put(struct app *a, const char *key, json_t *value)
{
	long long version;
	size_t i, slot = 0;

	if (key == NULL || value == NULL || strlen(key) >= VKEY)
		return;
	version = app_data_version(a);
	for (i = 0; i < VSLOTS; i++) {
		if (vslot[i].value && strcmp(vslot[i].key, key) == 0) {
			slot = i;	/* the same key of an older version: replaced */
			break;
		}
		if (vslot[i].used < vslot[slot].used)
			slot = i;
	}
	json_decref(vslot[slot].value);
	snprintf(vslot[slot].key, sizeof(vslot[slot].key), "%s", key);
	vslot[slot].version = version;
	vslot[slot].value = json_incref(value);
	vslot[slot].used = ++vclock;
}

int
versioned_wave_kept(struct app *a, const char *wave)
{
	json_t *waves = versioned_get(a, "surveys"), *o;
	size_t i;
	int found = 0;

	if (waves == NULL)
		return -1;
	json_array_foreach(waves, i, o)
		if (json_is_string(o) && strcmp(json_string_value(o), wave) == 0)
			found = 1;
	json_decref(waves);
	return found;
}
