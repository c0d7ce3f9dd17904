/* compute.h: metric values, computed when data or plugins change and stored; reads never run Lua. */
#ifndef CB_COMPUTE_H
#define CB_COMPUTE_H

#include <stdio.h>
#include "buf.h"
#include "db.h"
#include "plugin.h"

/* The plugins' view of city-waves, loaded from the database. */
struct city_inputs {
	struct plugin_city *cities;
	int *city_ids;
	size_t n;
	PGresult *res;			/* owns the strings the cities point to */
	PGresult *asked;		/* owns the codes */
	struct plugin_wired wired;	/* the answers, encoded once: every city's `wired` */
	const char **codes;
	unsigned int *slot;
	struct buf bytes;
};

/* Loads the current answers of the given cities (NULL/0: all) for the given wave (NULL: all), only the
 * question codes in `codes` (a PostgreSQL text[] literal, NULL: all).  Returns 0 or -1 (err set). */
int city_inputs_load(struct db *db, const int *city_ids, size_t ncities, const char *wave,
    const char *codes, struct city_inputs *in, char **err);
void city_inputs_free(struct city_inputs *in);

/* Stores a plugin's values for the city-waves in `in` (NAN: no value, deleted).  0 or -1. */
int compute_store(struct db *db, const struct city_inputs *in, const struct plugin_metric *m, char **err);

/* Recomputes every active metric (sources from the database) for the given cities in the given wave
 * and stores the values, inside the caller's transaction.  A plugin that fails is reported to `log`
 * (may be NULL) and its values for these cities removed; the others go on.  Returns 0, or -1 when the
 * database failed (err set). */
int compute_metrics(struct db *db, const int *city_ids, size_t ncities, const char *wave, FILE *log,
    char **err);

/* compute_metrics for the CLI's bulk paths (the schema owner: no definer function needed): the values
 * of every metric written at once, by COPY and one set-based statement, only those that change. */
int compute_metrics_bulk(struct db *db, const int *city_ids, size_t ncities, const char *wave, FILE *log,
    char **err);

/* Metric values gathered for one bulk write: compute_values_add each metric's values for the
 * city-waves of `in` (NAN: no value, removed), then compute_values_write stores them all inside the
 * caller's transaction (0, or -1 with err set) and compute_values_free releases them. */
struct compute_values {
	struct buf b;			/* the rows, in COPY's text format */
	size_t n;
	int failed;			/* out of memory while adding */
	PGresult *cur;			/* compute_values_current's rows, or NULL */
	struct compute_current *metrics;	/* per metric id: its stored row of each city-wave */
	size_t nmetrics;
	size_t ncities;			/* the city-waves of the `in` it was loaded for */
};
/* Reads the values stored now for the city-waves of `in` (all of them: the reload's), so that
 * compute_values_add leaves out every value equal to the stored one (same number, same plugin
 * version) and every "no value" with none stored: the rows the set-based write would have left
 * alone.  0, or -1 (err set). */
int compute_values_current(struct db *db, struct compute_values *v, const struct city_inputs *in, char **err);
int compute_values_add(struct compute_values *v, const struct city_inputs *in, const struct plugin_metric *m);
int compute_values_write(struct db *db, struct compute_values *v, char **err);
void compute_values_free(struct compute_values *v);

#endif
