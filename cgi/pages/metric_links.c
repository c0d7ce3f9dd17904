/* metric_links.c: see metric_links.h. */
#include <string.h>

#include "html.h"
#include "ltext.h"
#include "metric_links.h"
#include "query.h"
#include "view.h"

int
metric_links_versions(struct db *db, const char *wave, const char *city_id, json_t *metrics)
{
	const char *p[2] = { wave, city_id };

	return metric_links_versions_res(db_query(db, Q_CITY_METRIC_VERSIONS, 2, p), metrics);
}

int
metric_links_versions_res(PGresult *res, json_t *metrics)
{
	json_t *m;
	size_t j;
	int i;

	if (!db_ok(res)) {
		PQclear(res);
		return -1;
	}
	for (i = 0; i < PQntuples(res); i++)
		json_array_foreach(metrics, j, m)
			if (strcmp(view_str(m, "id"), PQgetvalue(res, i, Q_CITY_METRIC_VERSIONS_METRIC_ID)) == 0)
				json_object_set_new(m, "plugin_version",
				    json_string(PQgetvalue(res, i, Q_CITY_METRIC_VERSIONS_PLUGIN_VERSION)));
	PQclear(res);
	return 0;
}

void
metric_links_html(struct buf *b, json_t *m, const char *slug, const char *wave)
{
	const char *id = view_str(m, "id"), *v = view_str(m, "plugin_version");

	html_raw(b, " <span class=\"metric-links\">(<a href=\"/metrics/");
	url_encode(b, id);
	html_raw(b, "?survey=");
	url_encode(b, wave);
	html_raw(b, "&amp;city=");
	url_encode(b, slug);
	html_raw(b, "#ranking-h\">");
	html_text(b, _("in the ranking"));
	html_raw(b, "</a>");
	if (*v) {
		html_raw(b, "; <a href=\"/metrics/");
		url_encode(b, id);
		html_raw(b, "?survey=");
		url_encode(b, wave);
		html_raw(b, "&amp;version=");
		url_encode(b, v);
		html_raw(b, "#source\">");
		ltext(b, _("computed by version {1} of its plugin"), 0, v, NULL, NULL, NULL);
		html_raw(b, "</a>");
	}
	html_raw(b, ")</span>");
}
