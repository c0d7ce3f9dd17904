/* view.h: pieces the resource handlers share: the wave and peer group of a request, cities and answers
 * as JSON, and the statements' parameters for a cohort. */
#ifndef CB_VIEW_H
#define CB_VIEW_H

#include <libpq-fe.h>
#include <jansson.h>

#include "buf.h"
#include "http.h"
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

/* Whether the cohort's statistics are stored (every city, a region, a country: see
 * sql/migrations/002_stats.sql); then c->stored holds the scope and key the Q_STATS_* statements take. */
int view_cohort_is_stored(const struct cohort *c);

/* Checks a path argument as a slug / wave / identifier; answers 404 and returns -1 when it is not. */
int view_slug_arg(struct request *r, const char *s, const char *what);

/* Answers 503 (database unreachable) or 500-free 503 for a failed statement; returns -1. */
int view_db_error(struct request *r, PGresult *res);

/* A city row (id, slug, name, country, region, population, synthetic starting at column `col`+1) as
 * the contract's city object; population may be overridden by the wave's answer. */
json_t *view_city_json(const PGresult *res, int row, int col);

/* A stored answer (jsonb text) as a JSON value; NULL text means null. */
json_t *view_answer_json(const char *text);

/* Checks the survey parameter: NULL/"" leaves *wave NULL; a malformed one answers 400, an unknown 404. */
int view_wave_param(struct request *r, const char **wave);

/* Answers 304 when the client has this data version already; returns 1 then. */
int view_not_modified(struct request *r);

/* The wave's questions: [{code, type, section, text, options, min, max, max_length}], or NULL when
 * the database failed.  The list is the worker's parsed copy (kept until the data version moves), with
 * a reference for the caller: read it, never modify it. */
json_t *city_survey_questions(struct app *a, const char *wave);

/* Writes a number as the shortest text that reads back exactly. */
void view_number(struct buf *b, double v);

/* Integer percent rounded half up: 100 * n / d. */
int view_share(long long n, long long d);

#endif
