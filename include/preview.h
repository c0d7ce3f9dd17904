/* preview.h: what the plugin previews share (the API's POST /api/plugins/preview, the page
 * /plugins/preview and the review queue's POST /api/plugins): the name a researcher's file is
 * shown by, and the print log as JSON. */
#ifndef CB_PREVIEW_H
#define CB_PREVIEW_H

#include <stddef.h>
#include <jansson.h>

#include "compute.h"
#include "http.h"
#include "plugin.h"

#define PREVIEW_FILENAME_MAX	64	/* bytes of the name a preview's errors show */

/* Writes into out (cap bytes, at least 16) the name errors show for a file the researcher sent as
 * `in` (a `filename` parameter or an upload's name; NULL or empty: "preview.lua"): its last path
 * component, every byte outside [A-Za-z0-9._-] made '_', cut to PREVIEW_FILENAME_MAX bytes. */
void preview_filename(const char *in, char *out, size_t cap);

/* The print log (plugin_result.log, may be NULL) as a JSON array of lines. */
json_t *preview_log_json(const char *log);

/* {"metrics":[{"id","title","unit","version","higher_is_better","values":{WAVE:{SLUG: VALUE}}}],
 * "log":[LINE...]}: a plugin's result over the cities in. */
json_t *preview_values_json(const struct plugin_result *res, const struct city_inputs *in);

/* Answers a failed plugin (status 1 of plugin_run) with the contract's 422: the error, its line,
 * city, wave and metric, and the log.  Returns -1. */
int preview_refuse(struct request *r, const struct plugin_result *res);

/* Runs a researcher's plugin as a preview: in one of the preview slots, over the published data, in
 * the sandbox with the default budgets.  Fills res and in (free them with plugin_result_free and
 * city_inputs_free in every case).  Returns plugin_run's 0 or 1; -1 when the sandbox could not
 * start, -2 when every preview slot is busy, -3 when the database did not answer. */
int preview_execute(struct request *r, const char *file, const char *src, size_t len,
    struct plugin_result *res, struct city_inputs *in);

#endif
