/* profile_blocks.c: see profile_blocks.h. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "db.h"
#include "profile_blocks.h"
#include "query.h"
#include "versioned.h"
#include "wavemetrics.h"

static int
forced_sql(void)
{
	return getenv("CITYBENCH_PROFILE_SQL") != NULL;
}

/* Whether wave is one of the kept list of waves (a wave that is not would be built as an empty block). */
static int
wave_known(struct app *a, const char *wave)
{
	json_t *waves = versioned_get(a, "surveys"), *o;
	size_t i;
	int found = 0;

	if (waves == NULL)
		return 0;
	json_array_foreach(waves, i, o)
		if (json_is_string(o) && strcmp(json_string_value(o), wave) == 0)
			found = 1;
	json_decref(waves);
	return found;
}

int
profile_blocks_metrics(struct request *r, const char *wave, const char *scope, const char *key,
    const char *slug, json_t **metrics)
{
	const struct wavemetrics *w;
	long long version = app_data_version(r->app);
	size_t *members = NULL, nmem = 0, nm, n, i;
	long ci;
	int k = -1;
	json_t *list;

	*metrics = NULL;
	if (forced_sql() || wave == NULL || scope == NULL || version <= 0 || !wave_known(r->app, wave))
		return 0;
	if (strcmp(scope, "region") == 0)
		k = 2;
	else if (strcmp(scope, "country") == 0)
		k = 3;
	else if (strcmp(scope, "all") != 0)
		return 0;
	if (k >= 0 && key == NULL)
		return 0;
	if ((w = wavemetrics_get(r->app->db, wave, version)) == NULL || !wavemetrics_exact(w))
		return 0;
	if ((ci = wavemetrics_city_slug(w, slug)) < 0)
		return 0;	/* unknown: the statements' answer */
	n = wavemetrics_ncities(w);
	if (k >= 0) {
		if ((members = malloc((n + 1) * sizeof(*members))) == NULL)
			return -1;
		for (i = 0; i < n; i++)
			if (strcmp(wavemetrics_city_text(w, i, k), key) == 0)
				members[nmem++] = i;
	}
	nm = wavemetrics_nmetrics(w);
	if ((list = json_array()) == NULL) {
		free(members);
		return -1;
	}
	for (i = 0; i < nm; i++) {
		long long rank, of;
		double v = 0;
		int has = (size_t)ci < n && wavemetrics_value(w, i, (size_t)ci, &v);
		json_t *m;

		if (wavemetrics_position(w, i, members, nmem, (size_t)ci, &rank, &of) == -1) {
			free(members);
			json_decref(list);
			return -1;
		}
		if (rank < 0)
			has = 0;
		/* as city_metrics builds it from the statement's row (rank 1 + the better values, not_better
		 * the rest: of - rank + 1), member by member without json_pack's format and UTF-8 checks (the
		 * block's text is PostgreSQL's, UTF-8); a value jansson refuses (NaN, infinite) fails json_pack
		 * there and drops the metric: here too */
		if (has && (isnan(v) || isinf(v)))
			continue;
		if ((m = json_object()) == NULL ||
		    json_object_set_new_nocheck(m, "id", json_string_nocheck(wavemetrics_metric_text(w, i, 0))) ||
		    json_object_set_new_nocheck(m, "title", json_string_nocheck(wavemetrics_metric_text(w, i, 1))) ||
		    json_object_set_new_nocheck(m, "description",
			json_string_nocheck(wavemetrics_metric_text(w, i, 3))) ||
		    json_object_set_new_nocheck(m, "unit", json_string_nocheck(wavemetrics_metric_text(w, i, 2))) ||
		    json_object_set_new_nocheck(m, "higher_is_better", json_boolean(wavemetrics_metric_hib(w, i))) ||
		    json_object_set_new_nocheck(m, "value", has ? json_real(v) : json_null()) ||
		    json_object_set_new_nocheck(m, "rank", has ? json_integer(rank) : json_null()) ||
		    json_object_set_new_nocheck(m, "of", json_integer(of)) ||
		    json_object_set_new_nocheck(m, "percentile", has && of > 0 ?
			json_real(100.0 * (double)(of - rank + 1) / (double)of) : json_null())) {
			json_decref(m);
			free(members);
			json_decref(list);
			return -1;
		}
		json_array_append_new(list, m);
	}
	free(members);
	*metrics = list;
	return 1;
}

/* {metric: version, or null when its values of the wave have several}, kept per data version. */
static json_t *
wave_versions(struct app *a, const char *wave)
{
	char key[64];
	const char *p[1] = { wave };
	PGresult *res;
	json_t *kept;
	int i;

	if ((size_t)snprintf(key, sizeof(key), "pv\x1f%s", wave) >= sizeof(key))
		return NULL;
	if ((kept = versioned_get(a, key)) != NULL)
		return kept;
	res = db_query(a->db, Q_WAVE_METRIC_VERSIONS, 1, p);
	if (!db_ok(res)) {
		PQclear(res);
		return NULL;
	}
	kept = json_object();
	for (i = 0; i < PQntuples(res); i++)
		json_object_set_new(kept, PQgetvalue(res, i, Q_WAVE_METRIC_VERSIONS_METRIC_ID),
		    PQgetisnull(res, i, Q_WAVE_METRIC_VERSIONS_PLUGIN_VERSION) ? json_null() :
		    json_string(PQgetvalue(res, i, Q_WAVE_METRIC_VERSIONS_PLUGIN_VERSION)));
	PQclear(res);
	versioned_put(a, key, kept);
	return kept;
}

int
profile_blocks_versions(struct request *r, const char *wave, json_t *metrics)
{
	json_t *kept, *m, *v;
	size_t i;

	if (forced_sql() || wave == NULL || (kept = wave_versions(r->app, wave)) == NULL)
		return 0;
	/* a value in the list is a row of metric_values (its value is never null): every such metric
	 * must have one version in the wave, else the city's own rows tell */
	json_array_foreach(metrics, i, m)
		if (!json_is_null(json_object_get(m, "value")) &&
		    !json_is_string(json_object_get(kept, json_string_value(json_object_get(m, "id"))))) {
			json_decref(kept);
			return 0;
		}
	json_array_foreach(metrics, i, m)
		if (!json_is_null(json_object_get(m, "value")) &&
		    (v = json_object_get(kept, json_string_value(json_object_get(m, "id")))) != NULL)
			json_object_set_new(m, "plugin_version", json_string(json_string_value(v)));
	json_decref(kept);
	return 1;
}
