/* wavemetrics.h: the metric values of a wave's fact rows (each active metric's value, or none, for each
 * city of the wave, or of 'latest', at the survey its fact row points at: city_facts.survey_id), kept
 * per data version and built once for all the workers (simshare.h, keys "wm:<wave>"), so that a peer
 * page ranks the city's metrics within its cohort in the worker instead of in PostgreSQL
 * (Q_PEERS_METRICS_IDS; issue 18, eighth session).
 *
 * The block is flat (offsets, no pointers), beside the wave's facts (wavefacts.h) of the same version:
 * a header, the values (metric by metric, city by city), the cities sorted by id, each metric's id,
 * title, unit and description (offsets into the strings), the codes of the bool, single and multi
 * questions, whether each value is there, each metric's higher_is_better, the strings.
 * wavemetrics_from_flat checks every count, offset and string against the block before it is used. */
#ifndef CB_WAVEMETRICS_H
#define CB_WAVEMETRICS_H

#include <stddef.h>
#include <jansson.h>

#include "db.h"

struct wavemetrics;

/* The metric values of wave (a year or "latest") at exactly version: this worker's copy, a copy of
 * another worker's build, or built here.  NULL when they cannot be had for that version (the database
 * moved on meanwhile, failed, or memory ran out): then the caller asks PostgreSQL.  Owned here. */
const struct wavemetrics *wavemetrics_get(struct db *db, const char *wave, long long version);

/* Whether code is the code of a bool, single or multi question (Q_PEERS_METRICS_IDS's facts_ok). */
int wavemetrics_choice_code(const struct wavemetrics *w, const char *code);

/* The city's metrics against the cohort (ids, n of them, each a city of the wave's fact rows), as
 * Q_PEERS_METRICS_IDS's part 2 gives them and profile_peers.c prints them ([{id, title, description,
 * unit, higher_is_better, value, rank, of, percentile}] in the catalogue's order), with the values
 * compared as PostgreSQL compares double precision (NaN above every number, equal to itself).  NULL
 * when the city or one of the cohort is not a city of the wave's fact rows, or memory ran out. */
json_t *wavemetrics_ranks(const struct wavemetrics *w, const int *ids, size_t n, int city);

/* Issue 18, eleventh session (popband.c): the fact rows' city i's id (i < wavemetrics_ncities), a city's
 * index by id (-1 when not a city of the fact rows), and metric m's row of wavemetrics_ranks for the city
 * of index me given its cohort's size (of: members with a value) and the members better than it. */
int wavemetrics_city_id(const struct wavemetrics *w, size_t i);
long wavemetrics_city_index(const struct wavemetrics *w, int id);
json_t *wavemetrics_rank_row(const struct wavemetrics *w, size_t m, size_t me, long long of, long long better);

/* /compare without a statement (compare_json.c, issue 18 round 2).  The block's cities carry the
 * cities table's slug, name, region, country (wavemetrics_city_text's k 0 to 3), synthetic and place. */
#define WM_SYNTHETIC	1
#define WM_PLACE	2	/* lat and lon are there */

/* Whether every value of the wave (metric_values of active metrics at exactly the wave) is a value of
 * the block: false for 'latest', and when a city without a fact row has values. */
int wavemetrics_exact(const struct wavemetrics *w);
/* A city's index in the block by slug (the wave's fact rows' cities, wavemetrics_ncities of them, then
 * every other city: no values), or -1 (no such city, or no memory). */
long wavemetrics_city_slug(const struct wavemetrics *w, const char *slug);
size_t wavemetrics_ncities(const struct wavemetrics *w);
const char *wavemetrics_city_text(const struct wavemetrics *w, size_t c, int k);
/* WM_SYNTHETIC | WM_PLACE; the place into lat and lon. */
int wavemetrics_city_flags(const struct wavemetrics *w, size_t c, double *lat, double *lon);
size_t wavemetrics_nmetrics(const struct wavemetrics *w);
/* An active metric's index by id (the catalogue's order), or -1. */
long wavemetrics_metric(const struct wavemetrics *w, const char *id);
/* k 0 to 3: id, title, unit, description. */
const char *wavemetrics_metric_text(const struct wavemetrics *w, size_t m, int k);
int wavemetrics_metric_hib(const struct wavemetrics *w, size_t m);
/* 1 and the value into v when city c has one for metric m. */
int wavemetrics_value(const struct wavemetrics *w, size_t m, size_t c, double *v);
/* Metric m's cohort size (*of: the members with a value; members NULL: every city of the block) and
 * city c's rank in it (*rank; -1 when c has no value), as metric_steps gives them: 1 + the values
 * better than c's (PostgreSQL's order of double precision: NaN above every number).  -1 no memory. */
int wavemetrics_position(const struct wavemetrics *w, size_t m, const size_t *members, size_t n, size_t c,
    long long *rank, long long *of);

/* For the tests: the flat form from parts (values metric by metric: nmetrics * ncities, has the same;
 * text 4 per metric: id, title, unit, description; ctext 4 per city: slug, name, region, country, or
 * NULL; place 2 per city or NULL; cflags per city or NULL; wavevalues the wave's count of values; nothers cities without a fact
 * row after the ncities, in ctext, place and cflags only), and
 * its reading (NULL when the block is not sound). */
void *wavemetrics_flat_make(long long version, size_t nmetrics, const char *const *text, const int *hib,
    size_t ncities, const int *city, const double *values, const unsigned char *has, size_t ncodes,
    const char *const *codes, const char *const *ctext, const double *place, const unsigned char *cflags,
    long long wavevalues, size_t nothers, size_t *len);
struct wavemetrics *wavemetrics_from_flat(void *block, size_t len);
void wavemetrics_free(struct wavemetrics *w);
long long wavemetrics_version(const struct wavemetrics *w);

#endif
