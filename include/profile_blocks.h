/* profile_blocks.h: a profile's stored metrics without a statement (issue 18, ninth session).
 *
 * For a stored cohort (all, a region, a country) of a wave, Q_STATS_CITY_METRICS gives each active
 * metric's value of the city, its rank and the cohort's count from metric_steps, and
 * Q_CITY_METRIC_VERSIONS the plugin versions of the city's values.  The wave's metric values block
 * kept per data version (wavemetrics.h) holds the same values (when it is exact), and the versions are
 * one per metric and wave unless a recompute left several (kept here per data version), so a profile
 * needs neither statement.  CITYBENCH_PROFILE_SQL set: always the statements. */
#ifndef CB_PROFILE_BLOCKS_H
#define CB_PROFILE_BLOCKS_H

#include <jansson.h>
#include <libpq-fe.h>

#include "http.h"

/* The city's metrics (the list city.c's city_metrics builds from Q_STATS_CITY_METRICS' rows, names not
 * applied) into *metrics: 1; 0 when the blocks cannot answer (the caller runs the statement); -1 no
 * memory. */
int profile_blocks_metrics(struct request *r, const char *wave, const char *scope, const char *key,
    const char *slug, json_t **metrics);

/* Sets each metric's plugin_version as metric_links_versions does (the metrics of a list that
 * profile_blocks_metrics built): 1; 0 when it cannot be told here (the caller runs the statement). */
int profile_blocks_versions(struct request *r, const char *wave, json_t *metrics);

/* The city's Q_CITY and Q_CITY_WAVES_SLUG results for slug (made from every city's rows kept per data
 * version, Q_PROFILE_CITY_ROWS; the caller PQclear()s them; no rows for a slug no city has): 1; 0 when
 * they cannot be told here (the caller runs the statements). */
int profile_blocks_city(struct request *r, const char *slug, PGresult **city, PGresult **waves);

/* Q_PROFILE_TREND's result for slug and every metric ($2 NULL), made from the metric values blocks of
 * every wave (wavemetrics.h: the values, and the ranks among every city of the wave as metric_steps
 * gives them); the caller PQclear()s it.  NULL when the blocks cannot tell (the caller runs the
 * statement): a wave's block not exact, more waves than the worker keeps, an unknown city. */
PGresult *profile_blocks_trend(struct request *r, const char *slug);
/* view_city_kept (view.h) from the same kept rows: 1 a city (its latest wave in wave, "" none), 0 no
 * such city, -1 cannot be told here. */
int profile_blocks_city_kept(struct request *r, const char *slug, char *wave, size_t n);

#endif
