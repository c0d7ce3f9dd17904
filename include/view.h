/* view.h: pieces the resource handlers share: the wave and peer group of a request, cities and answers
 * as JSON, the statements' parameters for a cohort, and the small writers every page uses (numbers for
 * people, links to a page's data twins, a wave picker). */
#ifndef CB_VIEW_H
#define CB_VIEW_H

#include <libpq-fe.h>
#include <jansson.h>

#include "buf.h"
#include "http.h"
#include "lang.h"
#include "db.h"
#include "peers.h"

/* The peer group of a request, parsed, with the six text parameters COHORT() takes after the wave. */
struct cohort {
	struct peers peers;
	char min[24], max[24];
	struct buf list;
	const char *params[5];		/* kind, text, min, max, slugs */
	struct buf canonical;		/* normalised expression, "" for all */
	const char *stored[2];		/* scope and key of its stored statistics, or NULLs */
};

/* Reads `peers` from the query; on a bad expression answers 400 and returns -1. */
int view_cohort(struct request *r, struct cohort *c);
/* The same for an expression the handler put together (the map's form fields). */
int view_cohort_expr(struct request *r, const char *expr, struct cohort *c);
void view_cohort_free(struct cohort *c);

/* Writes the parameters every COHORT() statement starts with into p[0..5]: the wave, then the cohort's
 * kind, text, min, max and slugs.  Returns 6, the number written (p must hold that many). */
int view_cohort_params(const struct cohort *c, const char *wave, const char **p);

/* Runs a statement over the cohort of a wave: `stored` with (wave, scope, key, extra…) when the cohort's
 * statistics are stored, else `live` with (wave, the five of view_cohort_params, extra…); extra holds
 * nextra (at most 4) more parameters.  Same failure contract as db_query. */
PGresult *view_cohort_query(struct db *db, enum query_id stored, enum query_id live, const struct cohort *c,
    const char *wave, const char *const *extra, int nextra);

/* Whether the cohort's statistics are stored (every city, a region, a country: see
 * sql/migrations/002_stats.sql); then c->stored holds the scope and key the Q_STATS_* statements take. */
int view_cohort_is_stored(const struct cohort *c);

/* Checks a path argument as a slug / wave / identifier; answers 404 and returns -1 when it is not. */
int view_slug_arg(struct request *r, const char *s, const char *what);

/* Answers 503 (database unreachable) or 500-free 503 for a failed statement; returns -1. */
int view_db_error(struct request *r, PGresult *res);

/* The Q_CITY row of the city `slug` (a result the caller PQclear()s), or NULL having answered 503 when
 * the database failed or 404 when no city has that slug. */
PGresult *view_city(struct request *r, const char *slug);
/* view_city from Q_CITY's result for slug (read in a db_batch), which it takes over. */
PGresult *view_city_res(struct request *r, const char *slug, PGresult *city);

/* Set by the pages (routes.c): whether `slug` is a city and its latest wave, told from the city rows kept
 * per data version without a statement (issue 18, tenth session): 1 a city (its latest wave copied
 * into wave, "" when it has none), 0 no city has that slug, -1 cannot be told here (the caller runs its
 * statement).  NULL: always the statements. */
extern int (*view_city_kept)(struct request *r, const char *slug, char *wave, size_t n);

/* Appends to `cities` the `limit` cities most like `slug` ({"slug","name","score"}, similar_score's
 * order) in the wave `survey` asks for, else the city's latest.  0, or -1 with the error answered. */
int view_similar_cities(struct request *r, const char *slug, int limit, json_t *cities);
/* view_similar_cities from Q_SIMILAR_CITY_WAVE's result for slug (read in a db_batch; NULL: the
 * database was unreachable), which it takes over. */
int view_similar_cities_res(struct request *r, const char *slug, int limit, json_t *cities, PGresult *w);

/* A city row (slug, name, country, region, population, synthetic from column `slug` on, as in Q_CITY:
 * Q_CITY_SLUG or Q_CITIES_SLUG) as the contract's city object; population may be overridden by the
 * wave's answer. */
json_t *view_city_json(const PGresult *res, int row, int slug);

/* Column col of the row as a JSON number, null when NULL or when col is -1 (a coordinate). */
json_t *view_coord_json(const PGresult *res, int row, int col);

/* A stored answer (jsonb text) as a JSON value; NULL text means null. */
json_t *view_answer_json(const char *text);

/* Checks the survey parameter: NULL/"" leaves *wave NULL; a malformed one answers 400, an unknown 404. */
int view_wave_param(struct request *r, const char **wave);
/* The same on the pages that take `survey=latest` (each city at the latest wave it answered, a city
 * counted once: profile shares, /cities, rankings, compare, the map): *wave is then "latest". */
int view_wave_param_latest(struct request *r, const char **wave);
/* Whether wave is the pseudo-wave "latest" (NULL is not). */
int view_wave_is_latest(const char *wave);

/* The waves whose questionnaire is loaded, oldest first, as a JSON list of their ids; NULL when a is
 * NULL or the database failed.  The caller owns the list. */
json_t *view_waves(struct app *a);

/* One <option> per wave of the JSON list `waves` (ids), the one equal to `selected` (may be NULL)
 * marked selected; escaped.  Never fails. */
void view_wave_options(struct buf *b, json_t *waves, const char *selected);

/* A country as people read it: "Canada (CA)", or the code alone when iso-codes does not know it. */
void view_country(struct buf *b, const char *code);
/* The peers drop-downs for a form that chooses peers: region and country (peers_region, peers_country,
 * which view_cohort adds to the peers filters), the values asked selected. */
void view_peers_selects(struct request *r, struct buf *b);
/* <option>s for each country of countries (a Q_COUNTRIES result, may be NULL), named; selected in any case. */
void view_country_options(struct buf *b, PGresult *countries, const char *selected);

/* The cities CSV (slug,name,country,region,population,synthetic) from rows holding those six columns
 * first, in that order (Q_CITIES, Q_DATA_CITIES).  Never fails. */
void view_cities_csv(struct buf *b, const PGresult *res);

/* Answers 304 when the client has this data version already; returns 1 then. */
int view_not_modified(struct request *r);

/* The wave's questions: [{code, type, section, text, options, min, max, max_length}], or NULL when
 * the database failed.  The list is the worker's parsed copy (kept until the data version moves), with
 * a reference for the caller: read it, never modify it. */
json_t *city_survey_questions(struct app *a, const char *wave);

/* The string member `key` of the object o, or "" when o (may be NULL) has none. */
const char *view_str(json_t *o, const char *key);

/* The number member `key` of the object o, or NAN when o (may be NULL) has none. */
double view_num(json_t *o, const char *key);

/* Writes a number as the shortest text that reads back exactly. */
void view_number(struct buf *b, double v);
/* view_number's text without printf where it is known beforehand (1), else nothing written (0). */
int view_number_fast(struct buf *b, double v);

/* A whole number with thousands separators from five digits on (2,800,000; 2018); in French a narrow
 * no-break space (U+202F) separates them ("2 800 000").  view_int: in the request's language. */
void view_int(struct buf *b, long long n);
void view_int_lang(struct buf *b, long long n, enum lang l);

/* A number with at most `places` decimals, rounded half up, trailing zeros dropped (96.5 -> "97" with 0
 * places; -0 is "0"). */
void view_fixed(struct buf *b, double v, int places);
/* The same in language l: French writes a decimal comma ("41,7"). */
void view_fixed_lang(struct buf *b, double v, int places, enum lang l);
/* A percentage ("41.7%"; French "41,7 %" with a narrow no-break space). */
void view_percent(struct buf *b, double v, int places);
void view_percent_lang(struct buf *b, double v, int places, enum lang l);

/* A number for people in its unit (chart_value), with its exact value in <data value> for programs;
 * "no value" for NAN. */
void view_number_html(struct buf *b, double v, const char *unit);
/* A percentile for people: a whole number (half up), the exact value in <data value>; NaN: "no value". */
void view_percentile_html(struct buf *b, double v);

/* "<p class="twins">LEAD: <a href="PATH.json?QUERY">JSON</a>, …</p>": links to the .json and .csv
 * twins of this very view (and the .svg one when svg), the request's query kept. */
void view_twin_links(struct request *r, const char *lead, const char *path, int svg);

/* Integer percent rounded half up: 100 * n / d. */
int view_share(long long n, long long d);

#endif
