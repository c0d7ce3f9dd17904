/* compare_json.c: /compare.json for a stored cohort written straight from Q_COMPARE_STORED's rows (see
 * compare_json.h).
 *
 * compare.c builds a jansson model of the answer (a member per city and metric, three nested objects of
 * cells) and dumps it: for 5 cities x 5 metrics that was ~0.45 M of the worker's ~0.65 M instructions a
 * request (the model's allocations, the dump, freeing it).  The JSON answer without `questions` needs no
 * model: its members are the rows in their order.  The text is the model's (jsonw writes what
 * reply_json's jsonw_value wrote for the same values: the same strings, integers and reals, reals read
 * with numtext_double, which is exactly strtod). */
#include <stdlib.h>
#include <string.h>

#include "compare_json.h"
#include "db.h"
#include "jsonw.h"
#include "names.h"
#include "numtext.h"
#include "query.h"
#include "versioned.h"

/* Q_COMPARE_STORED's row of city slot i (0: the metrics' rows) and metric slot j (0: the cities'). */
#define ROW(i, j) ((i) * (nm + 1) + (j))
#define VAL(row, col) PQgetvalue(res, (row), Q_COMPARE_STORED_##col)
#define NUL(row, col) PQgetisnull(res, (row), Q_COMPARE_STORED_##col)

#define MAX_KEYS	64	/* cities whose keys are written once (compare takes 12 at most) */

/* A PostgreSQL integer's text (an optional '-', then digits) as strtoll reads it, without strtoll's
 * locale and base handling (~130 calls a 5x5 answer); a text of 18 digits or more (never sent: ranks,
 * sizes and slots) goes to strtoll itself. */
static long long
int_text(const char *t)
{
	const char *s = t + (*t == '-');
	long long v = 0;
	int k;

	for (k = 0; s[k] >= '0' && s[k] <= '9'; k++) {
		if (k == 17)
			return strtoll(t, NULL, 10);
		v = v * 10 + (s[k] - '0');
	}
	return *t == '-' ? -v : v;
}

/* Q_COMPARE_STORED's row of city slot i (0: the metrics' rows) and metric slot j (0: the cities'). */
#define ROW(i, j) ((i) * (nm + 1) + (j))
#define VAL(row, col) PQgetvalue(res, (row), Q_COMPARE_STORED_##col)
#define NUL(row, col) PQgetisnull(res, (row), Q_COMPARE_STORED_##col)

#define MAX_KEYS	64	/* cities whose keys are written once (compare takes 12 at most) */

/* The layout build_model reads: (nc + 1) x (nm + 1) rows in slot order, every city and metric known. */
static int
plain(const PGresult *res, int *ncp, int *nmp)
{
	int n = PQntuples(res), nc, nm, i, j;
	long long lc, lm;

	if (n < 1 || NUL(n - 1, CITY_SLOT) || NUL(n - 1, METRIC_SLOT))
		return 0;
	lc = int_text(VAL(n - 1, CITY_SLOT));
	lm = int_text(VAL(n - 1, METRIC_SLOT));
	if (lc < 1 || lc > MAX_KEYS || lm < 1 || lm > n || (lc + 1) * (lm + 1) != n)
		return 0;
	nc = (int)lc;
	nm = (int)lm;
	for (i = 0; i <= nc; i++)
		for (j = 0; j <= nm; j++) {
			int row = ROW(i, j);
			if (int_text(VAL(row, CITY_SLOT)) != i || int_text(VAL(row, METRIC_SLOT)) != j)
				return 0;
			if (i == 0 && j > 0 && NUL(row, TITLE))
				return 0;	/* an unknown metric: compare.c's 404 */
			if (i > 0 && j == 0 && NUL(row, NAME))
				return 0;	/* an unknown city */
		}
	*ncp = nc;
	*nmp = nm;
	return 1;
}

static int
real_or_null(struct buf *b, const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? jsonw_null(b) : jsonw_real(b, numtext_double(PQgetvalue(res, row, col)));
}

static int
questions_asked(struct request *r)
{
	const char *vals[QUERY_MAX_PARAMS];
	size_t nv = query_getv(&r->query, "questions", vals, QUERY_MAX_PARAMS), i;

	for (i = 0; i < nv; i++)
		if (*vals[i])
			return 1;
	return 0;
}

/* The body into b; -1 when memory ran out. */
static int
write_answer(struct request *r, struct buf *b, const PGresult *res, const char *peers, int nc, int nm)
{
	json_t *waves = versioned_get(r->app, "surveys");
	struct buf keys = BUF_INIT;	/* each city's "SLUG": once, for its 3 x nm cells */
	size_t off[MAX_KEYS + 1];
	int i, j, e = 0;

	if (waves == NULL)
		return 1;	/* not kept yet: compare.c reads them */
	for (i = 1; i <= nc; i++) {
		off[i - 1] = keys.len;
		e |= jsonw_key(&keys, VAL(ROW(i, 0), SLUG));
	}
	off[nc] = keys.len;
	e |= buf_append(b, "{\"survey\":", 10);
	e |= jsonw_string(b, VAL(0, WAVE));
	e |= buf_append(b, ",\"peers\":", 9);
	e |= jsonw_string(b, peers);
	e |= buf_append(b, ",\"waves\":", 9);
	e |= jsonw_value(b, waves);
	json_decref(waves);
	e |= buf_append(b, ",\"cities\":[", 11);
	for (i = 1; i <= nc; i++) {
		int row = ROW(i, 0);
		e |= buf_append(b, i > 1 ? ",{\"slug\":" : "{\"slug\":", i > 1 ? 9 : 8);
		e |= jsonw_string(b, VAL(row, SLUG));
		e |= buf_append(b, ",\"name\":", 8);
		e |= jsonw_string(b, VAL(row, NAME));
		e |= buf_append(b, ",\"synthetic\":", 13);
		e |= jsonw_bool(b, VAL(row, SYNTHETIC)[0] == 't');
		e |= buf_append(b, ",\"lat\":", 7);
		e |= real_or_null(b, res, row, Q_COMPARE_STORED_LAT);
		e |= buf_append(b, ",\"lon\":", 7);
		e |= real_or_null(b, res, row, Q_COMPARE_STORED_LON);
		e |= buf_putc(b, '}');
	}
	e |= buf_append(b, "],\"metrics\":[", 13);
	for (j = 1; j <= nm; j++) {
		int row = ROW(0, j);
		const char *fr = names_metric_title_fr(r->app, VAL(row, METRIC_ID));
		e |= buf_append(b, j > 1 ? ",{\"id\":" : "{\"id\":", j > 1 ? 7 : 6);
		e |= jsonw_string(b, VAL(row, METRIC_ID));
		e |= buf_append(b, ",\"title\":", 9);
		e |= jsonw_string(b, VAL(row, TITLE));
		e |= buf_append(b, ",\"unit\":", 8);
		e |= NUL(row, UNIT) ? jsonw_null(b) : jsonw_string(b, VAL(row, UNIT));
		e |= buf_append(b, ",\"higher_is_better\":", 20);
		e |= NUL(row, HIGHER_IS_BETTER) ? jsonw_null(b) : jsonw_bool(b, VAL(row, HIGHER_IS_BETTER)[0] == 't');
		e |= buf_append(b, ",\"of\":", 6);
		e |= jsonw_int(b, NUL(row, OF) ? 0 : int_text(VAL(row, OF)));
		if (fr) {
			e |= buf_append(b, ",\"title_fr\":", 12);
			e |= jsonw_string(b, fr);
		}
		e |= buf_putc(b, '}');
	}
	/* values, ranks, percentiles: {METRIC: {SLUG: cell}}, metrics then cities in their order */
	static const char *const part[] = { "],\"values\":{", "},\"ranks\":{", "},\"percentiles\":{" };
	int k;
	for (k = 0; k < 3; k++) {
		e |= buf_puts(b, part[k]);
		for (j = 1; j <= nm; j++) {
			if (j > 1)
				e |= buf_putc(b, ',');
			e |= jsonw_key(b, VAL(ROW(0, j), METRIC_ID));
			e |= buf_putc(b, '{');
			for (i = 1; i <= nc; i++) {
				int row = ROW(i, j);
				if (i > 1)
					e |= buf_putc(b, ',');
				e |= buf_append(b, keys.data + off[i - 1], off[i] - off[i - 1]);
				if (k == 0) {
					e |= real_or_null(b, res, row, Q_COMPARE_STORED_VALUE);
				} else if (NUL(row, RANK)) {
					e |= jsonw_null(b);
				} else {
					long long rank = int_text(VAL(row, RANK));
					long long of = NUL(row, OF) ? 0 : int_text(VAL(row, OF));
					if (k == 1)
						e |= jsonw_int(b, rank);
					else if (of <= 0)
						e |= jsonw_null(b);
					else	/* as build_model: rank - 1 values are strictly better */
						e |= jsonw_real(b, 100.0 * (double)(of - rank + 1) / (double)of);
				}
			}
			e |= buf_putc(b, '}');
		}
	}
	e |= buf_append(b, "}}\n", 3);
	buf_free(&keys);
	return e ? -1 : 0;
}

int
compare_json_stored(struct request *r, const PGresult *res, const char *peers)
{
	int nc, nm, rc;

	if (r->fmt != FMT_JSON || questions_asked(r) || !plain(res, &nc, &nm))
		return 0;
	if (PQgetvalue(res, 0, Q_COMPARE_STORED_WAVE_KNOWN)[0] != 't')
		return 0;	/* compare.c's 404 */
	buf_reset(&r->out);
	rc = write_answer(r, &r->out, res, peers ? peers : "", nc, nm);
	if (rc == 1) {
		buf_reset(&r->out);
		return 0;
	}
	if (rc == -1) {
		buf_reset(&r->out);
		return -1;
	}
	r->status = 200;
	r->ctype = "application/json";
	return 1;
}
