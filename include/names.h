/* names.h: the names pages show for things the data names in English: a metric's title and
 * description (the plugin's title_fr and description_fr on French pages, migration 017) and a region
 * (the generator's fixed set translated through gettext; any other region as the cities spell it).
 * The English stays the fallback: a French page showing an English title marks it lang="en". */
#ifndef CB_NAMES_H
#define CB_NAMES_H

#include <jansson.h>

#include "app.h"
#include "buf.h"

/* The French title / description of metric id as its serving plugin declares it, or NULL when it
 * gives none (or the database failed).  Read once per data version per worker; valid until the next
 * call with another data version. */
const char *names_metric_title_fr(struct app *a, const char *id);
const char *names_metric_description_fr(struct app *a, const char *id);

/* The metric's title in the current language (lang_current): the French one on French pages when
 * there is one, else `title` (the English); *english (may be NULL) says whether the English was
 * taken on a French page (the caller then marks it lang="en"). */
const char *names_metric_title(struct app *a, const char *id, const char *title, int *english);
const char *names_metric_description(struct app *a, const char *id, const char *description, int *english);

/* Writes the title / description escaped, in the current language; an English fallback on a French
 * page inside <span lang="en">.  Never fails. */
void names_metric_title_html(struct app *a, struct buf *b, const char *id, const char *title);
void names_metric_description_html(struct app *a, struct buf *b, const char *id, const char *description);

/* Adds "title_fr" and "description_fr" (the latter only beside a "description") to the JSON metric
 * object o (by its "id") when its plugin gives them; leaves o as it is otherwise.  In every language: JSON carries both, like a
 * questionnaire's JSON. */
void names_metric_json(struct app *a, json_t *o);

/* names_metric_json for each metric object of the JSON list (may be NULL). */
void names_metrics_json(struct app *a, json_t *list);

/* A JSON metric object's "title" / "description" in the current language: its "title_fr" /
 * "description_fr" (names_metric_json) on French pages when it has one, else the English ("" when
 * none); *english (may be NULL) as for names_metric_title. */
const char *names_json_title(json_t *o, int *english);
const char *names_json_description(json_t *o, int *english);
/* The same written escaped, an English fallback on a French page inside <span lang="en">. */
void names_json_title_html(struct buf *b, json_t *o);
void names_json_description_html(struct buf *b, json_t *o);

/* Writes fr escaped on French pages when it is not NULL, else en, an English fallback on a French
 * page inside <span lang="en"> (a plugin's declared title_fr / title, before it is installed). */
void names_text_html(struct buf *b, const char *fr, const char *en);

/* A region's name in the current language: a region of the generator's set (North America, Europe,
 * Latin America, Asia-Pacific, Africa, Middle East) translated, any other as given.  NULL stays NULL. */
const char *names_region(const char *region);

#endif
