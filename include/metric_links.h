/* metric_links.h: a metric's value on a profile, linked to its ranking (the city highlighted) and to
 * the plugin source and version that computed it. */
#ifndef CB_METRIC_LINKS_H
#define CB_METRIC_LINKS_H

#include <jansson.h>

#include "buf.h"
#include "db.h"

/* Sets "plugin_version" on each of `metrics` ([{"id",…}]) that has a value for the city in the wave.
 * 0, or -1 when the database failed. */
int metric_links_versions(struct db *db, const char *wave, const char *city_id, json_t *metrics);
/* The same from Q_CITY_METRIC_VERSIONS' result (read in a db_batch), which it PQclear()s. */
int metric_links_versions_res(PGresult *res, json_t *metrics);

/* " (in the ranking; computed by version V)": links to /metrics/ID?survey=W&city=SLUG#ranking-h and
 * /metrics/ID?version=V#source. */
void metric_links_html(struct buf *b, json_t *m, const char *slug, const char *wave);

#endif
