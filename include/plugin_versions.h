/* plugin_versions.h: what the metric pages show of a plugin's versions: a refused update (the last
 * good version serving), and the versions kept (sql/migrations/007_plugin_versions.sql). */
#ifndef CB_PLUGIN_VERSIONS_H
#define CB_PLUGIN_VERSIONS_H

#include <jansson.h>
#include "buf.h"
#include "db.h"

/* Adds "update_refused": {"file","line","message","refused_at"} to `metric` (a /metrics/{id} model's
 * metric object) when the last reload refused its plugin's file.  0, or -1 when the database failed. */
int metric_refusal_model(struct db *db, json_t *metric);

/* The visitors' notice (nothing when no update was refused). */
void metric_refusal_notice_html(struct buf *b, json_t *metric);

/* The operator's details: file, line and message (nothing when no update was refused). */
void metric_refusal_detail_html(struct buf *b, json_t *metric);

#endif
