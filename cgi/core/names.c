/* names.c: metric titles and region names in the page's language (see names.h). */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "app.h"
#include "db.h"
#include "html.h"
#include "lang.h"
#include "names.h"

/* The French titles and descriptions: {ID: [title_fr|null, description_fr|null]}, per data version. */
static json_t *french;
static long long french_version = -1;

static json_t *
french_of(struct app *a, const char *id)
{
	long long v;
	PGresult *res;
	int i;

	if (a == NULL || id == NULL)
		return NULL;
	v = app_data_version(a);
	if (french == NULL || v != french_version) {
		res = db_query(a->db, Q_METRICS_FR, 0, NULL);
		if (!db_ok(res)) {
			PQclear(res);
			return NULL;		/* asked again next time */
		}
		json_decref(french);
		french = json_object();
		for (i = 0; french && i < PQntuples(res); i++)
			json_object_set_new(french, PQgetvalue(res, i, Q_METRICS_FR_ID), json_pack("[s?s?]",
			    PQgetisnull(res, i, Q_METRICS_FR_TITLE_FR) ? NULL : PQgetvalue(res, i, Q_METRICS_FR_TITLE_FR),
			    PQgetisnull(res, i, Q_METRICS_FR_DESCRIPTION_FR) ? NULL :
			    PQgetvalue(res, i, Q_METRICS_FR_DESCRIPTION_FR)));
		PQclear(res);
		french_version = v;
	}
	return json_object_get(french, id);
}

const char *
names_metric_title_fr(struct app *a, const char *id)
{
	return json_string_value(json_array_get(french_of(a, id), 0));
}

const char *
names_metric_description_fr(struct app *a, const char *id)
{
	return json_string_value(json_array_get(french_of(a, id), 1));
}

static const char *
pick(const char *fr, const char *en, int *english)
{
	if (english)
		*english = 0;
	if (lang_current() != LANG_FR)
		return en;
	if (fr)
		return fr;
	if (english)
		*english = 1;
	return en;
}

const char *
names_metric_title(struct app *a, const char *id, const char *title, int *english)
{
	return pick(lang_current() == LANG_FR ? names_metric_title_fr(a, id) : NULL, title, english);
}

const char *
names_metric_description(struct app *a, const char *id, const char *description, int *english)
{
	return pick(lang_current() == LANG_FR ? names_metric_description_fr(a, id) : NULL, description,
	    english);
}

static void
put(struct buf *b, const char *s, int english)
{
	if (english)
		html_raw(b, "<span lang=\"en\">");
	html_text(b, s ? s : "");
	if (english)
		html_raw(b, "</span>");
}

void
names_metric_title_html(struct app *a, struct buf *b, const char *id, const char *title)
{
	int en;
	const char *s = names_metric_title(a, id, title, &en);

	put(b, s, en);
}

void
names_metric_description_html(struct app *a, struct buf *b, const char *id, const char *description)
{
	int en;
	const char *s = names_metric_description(a, id, description, &en);

	put(b, s, en);
}

void
names_metric_json(struct app *a, json_t *o)
{
	const char *id = json_string_value(json_object_get(o, "id"));
	const char *t = names_metric_title_fr(a, id), *d = names_metric_description_fr(a, id);

	if (t)
		json_object_set_new(o, "title_fr", json_string(t));
	if (d && json_object_get(o, "description"))
		json_object_set_new(o, "description_fr", json_string(d));
}

void
names_metrics_json(struct app *a, json_t *list)
{
	size_t i;
	json_t *o;

	json_array_foreach(list, i, o)
		names_metric_json(a, o);
}

const char *
names_json_title(json_t *o, int *english)
{
	const char *en = json_string_value(json_object_get(o, "title"));

	return pick(json_string_value(json_object_get(o, "title_fr")), en ? en : "", english);
}

const char *
names_json_description(json_t *o, int *english)
{
	const char *en = json_string_value(json_object_get(o, "description"));

	return pick(json_string_value(json_object_get(o, "description_fr")), en ? en : "", english);
}

void
names_json_title_html(struct buf *b, json_t *o)
{
	int en;
	const char *s = names_json_title(o, &en);

	put(b, s, en);
}

void
names_json_description_html(struct buf *b, json_t *o)
{
	int en;
	const char *s = names_json_description(o, &en);

	put(b, s, en);
}

void
names_text_html(struct buf *b, const char *fr, const char *en)
{
	int english;
	const char *s = pick(fr, en, &english);

	put(b, s, english);
}

/* The regions `citybench gen` writes (cgi/cli/gen.c) and the map knows (land.c). */
static const char *const regions[] = {
	N_("North America"), N_("Europe"), N_("Latin America"), N_("Asia-Pacific"), N_("Africa"),
	N_("Middle East"),
};

const char *
names_region(const char *region)
{
	size_t i;

	if (region == NULL)
		return NULL;
	for (i = 0; i < sizeof(regions) / sizeof(regions[0]); i++)
		if (strcmp(region, regions[i]) == 0)
			return _(regions[i]);
	return region;
}
