/* plugin_versions.h: what the metric pages show of a plugin's versions: a refused update (the last
 * good version serving), and the versions kept (sql/migrations/007_plugin_versions.sql). */
#ifndef CB_PLUGIN_VERSIONS_H
#define CB_PLUGIN_VERSIONS_H

#include <jansson.h>
#include "buf.h"
#include "db.h"
#include "http.h"

/* Adds "update_refused": {"file","line","message","refused_at"} to `metric` (a /metrics/{id} model's
 * metric object) when the last reload refused its plugin's file.  0, or -1 when the database failed. */
int metric_refusal_model(struct db *db, json_t *metric);

/* The visitors' notice (nothing when no update was refused). */
void metric_refusal_notice_html(struct buf *b, json_t *metric);

/* The operator's details: file, line and message (nothing when no update was refused). */
void metric_refusal_detail_html(struct buf *b, json_t *metric);

/* ?version=V of /metrics/{id}: 0 when absent or V is the version serving, 1 when V is a retired
 * version (*res: its source, free with PQclear), -1 when answered (404: no such version; 503). */
int metric_version_arg(struct request *r, const char *id, const char **version, PGresult **res);

/* For a retired version: sets the model's metric "version" and "source" to V's, "current" false and
 * "current_version" to the serving one's.  0 or -1 (no memory). */
int metric_version_model(json_t *metric, const char *version, const PGresult *res);

/* The notice of a retired version's page (nothing for the serving one). */
void metric_version_notice_html(struct buf *b, json_t *metric);

/* /metrics/{id}/versions and /metrics/{id}/versions/{V}/diff (HTML, JSON, CSV). */
int metric_versions_get(struct request *r);
int metric_version_diff_get(struct request *r);

#endif
