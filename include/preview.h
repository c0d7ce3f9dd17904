/* preview.h: what the plugin previews share (the API's POST /api/plugins/preview, the page
 * /plugins/preview and the review queue's POST /api/plugins): the name a researcher's file is
 * shown by, and the print log as JSON. */
#ifndef CB_PREVIEW_H
#define CB_PREVIEW_H

#include <stddef.h>
#include <jansson.h>

#define PREVIEW_FILENAME_MAX	64	/* bytes of the name a preview's errors show */

/* Writes into out (cap bytes, at least 16) the name errors show for a file the researcher sent as
 * `in` (a `filename` parameter or an upload's name; NULL or empty: "preview.lua"): its last path
 * component, every byte outside [A-Za-z0-9._-] made '_', cut to PREVIEW_FILENAME_MAX bytes. */
void preview_filename(const char *in, char *out, size_t cap);

/* The print log (plugin_result.log, may be NULL) as a JSON array of lines. */
json_t *preview_log_json(const char *log);

#endif
