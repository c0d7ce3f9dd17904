/* plugin_versions.c: a refused update of a metric's plugin, as the metric's page shows it.  The
 * refusal is recorded by sync.c (plugins reload, the server's start); the version that loaded last
 * keeps serving. */
#include <stdlib.h>
#include <string.h>

#include "html.h"
#include "plugin_versions.h"
#include "view.h"

int
metric_refusal_model(struct db *db, json_t *metric)
{
	const char *id = view_str(metric, "id");
	PGresult *res = db_query(db, Q_METRIC_REFUSAL, 1, &id);
	json_t *o;

	if (!db_ok(res)) {
		PQclear(res);
		return -1;
	}
	if (PQntuples(res) == 1) {
		const char *line = PQgetvalue(res, 0, 1);
		o = json_pack("{s:s, s:o, s:s, s:s}", "file", PQgetvalue(res, 0, 0),
		    "line", *line ? json_integer(atoi(line)) : json_null(), "message", PQgetvalue(res, 0, 2),
		    "refused_at", PQgetvalue(res, 0, 3));
		if (o == NULL || json_object_set_new(metric, "update_refused", o) == -1) {
			PQclear(res);
			return -1;
		}
	}
	PQclear(res);
	return 0;
}

void
metric_refusal_notice_html(struct buf *b, json_t *metric)
{
	if (json_object_get(metric, "update_refused") == NULL)
		return;
	html_raw(b, "<p class=\"notice\" id=\"update-refused\">An update of this metric's plugin was refused. "
	    "The values shown are still those of version ");
	html_text(b, view_str(metric, "version"));
	html_raw(b, ", the last version that loaded (<a href=\"#refused\">why</a>).</p>\n");
}

void
metric_refusal_detail_html(struct buf *b, json_t *metric)
{
	json_t *o = json_object_get(metric, "update_refused"), *line;

	if (o == NULL)
		return;
	line = json_object_get(o, "line");
	html_raw(b, "<p id=\"refused\">The last reload of plugins refused <code>");
	html_text(b, view_str(o, "file"));
	html_raw(b, "</code>");
	if (json_is_integer(line))
		buf_printf(b, " (line %lld)", (long long)json_integer_value(line));
	html_raw(b, " on ");
	html_text(b, view_str(o, "refused_at"));
	html_raw(b, ":</p>\n<pre class=\"error\"><code>");
	html_text(b, view_str(o, "message"));
	html_raw(b, "</code></pre>\n");
}
