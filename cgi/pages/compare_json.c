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

#include "app.h"

#include "compare_json.h"
#include "db.h"
#include "jsonw.h"
#include "names.h"
#include "numtext.h"
#include "query.h"
#include "versioned.h"
#include "wavemetrics.h"

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

/* ---- the same answer from the per-version blocks, no statement (issue 18, eighth session, round 2) ---- */

#define MAX_MET		100	/* compare.c's MAX_METRICS */

/* The body into b from the wave's metric values block (the rows compare_stored() would give: cities
 * ci[], metrics mi[], the cohort members[] or NULL for every city); as write_answer, byte for byte. */
static int
write_blocks(struct request *r, struct buf *b, const struct wavemetrics *w, const char *wave, const char *peers,
    const long *ci, size_t nc, const long *mi, size_t nm, const size_t *members, size_t nmem,
    const unsigned char *in_scope)
{
	json_t *waves = versioned_get(r->app, "surveys");
	struct buf keys = BUF_INIT;
	size_t off[MAX_KEYS + 1], i, j;
	long long *rank = NULL, *of = NULL;
	int e = 0, k;

	if (waves == NULL)
		return 1;
	if ((rank = malloc((nc * nm + 1) * sizeof(*rank))) == NULL || (of = malloc((nm + 1) * sizeof(*of))) == NULL) {
		free(rank);
		json_decref(waves);
		return -1;
	}
	for (j = 0; j < nm; j++)
		for (i = 0; i < nc; i++) {
			long long rk, n;

			if (wavemetrics_position(w, (size_t)mi[j], members, nmem, (size_t)ci[i], &rk, &n) == -1) {
				e = 1;
				rk = -1;
				n = 0;
			}
			rank[j * nc + i] = in_scope[i] ? rk : -1;
			of[j] = n;
		}
	for (i = 0; i < nc; i++) {
		off[i] = keys.len;
		e |= jsonw_key(&keys, wavemetrics_city_text(w, (size_t)ci[i], 0));
	}
	off[nc] = keys.len;
	e |= buf_append(b, "{\"survey\":", 10);
	e |= jsonw_string(b, wave);
	e |= buf_append(b, ",\"peers\":", 9);
	e |= jsonw_string(b, peers);
	e |= buf_append(b, ",\"waves\":", 9);
	e |= jsonw_value(b, waves);
	json_decref(waves);
	e |= buf_append(b, ",\"cities\":[", 11);
	for (i = 0; i < nc; i++) {
		double lat, lon;
		int fl = wavemetrics_city_flags(w, (size_t)ci[i], &lat, &lon);

		e |= buf_append(b, i > 0 ? ",{\"slug\":" : "{\"slug\":", i > 0 ? 9 : 8);
		e |= jsonw_string(b, wavemetrics_city_text(w, (size_t)ci[i], 0));
		e |= buf_append(b, ",\"name\":", 8);
		e |= jsonw_string(b, wavemetrics_city_text(w, (size_t)ci[i], 1));
		e |= buf_append(b, ",\"synthetic\":", 13);
		e |= jsonw_bool(b, (fl & WM_SYNTHETIC) != 0);
		e |= buf_append(b, ",\"lat\":", 7);
		e |= (fl & WM_PLACE) ? jsonw_real(b, lat) : jsonw_null(b);
		e |= buf_append(b, ",\"lon\":", 7);
		e |= (fl & WM_PLACE) ? jsonw_real(b, lon) : jsonw_null(b);
		e |= buf_putc(b, '}');
	}
	e |= buf_append(b, "],\"metrics\":[", 13);
	for (j = 0; j < nm; j++) {
		const char *id = wavemetrics_metric_text(w, (size_t)mi[j], 0);
		const char *fr = names_metric_title_fr(r->app, id);

		e |= buf_append(b, j > 0 ? ",{\"id\":" : "{\"id\":", j > 0 ? 7 : 6);
		e |= jsonw_string(b, id);
		e |= buf_append(b, ",\"title\":", 9);
		e |= jsonw_string(b, wavemetrics_metric_text(w, (size_t)mi[j], 1));
		e |= buf_append(b, ",\"unit\":", 8);
		e |= jsonw_string(b, wavemetrics_metric_text(w, (size_t)mi[j], 2));
		e |= buf_append(b, ",\"higher_is_better\":", 20);
		e |= jsonw_bool(b, wavemetrics_metric_hib(w, (size_t)mi[j]));
		e |= buf_append(b, ",\"of\":", 6);
		e |= jsonw_int(b, of[j]);
		if (fr) {
			e |= buf_append(b, ",\"title_fr\":", 12);
			e |= jsonw_string(b, fr);
		}
		e |= buf_putc(b, '}');
	}
	static const char *const part[] = { "],\"values\":{", "},\"ranks\":{", "},\"percentiles\":{" };
	for (k = 0; k < 3; k++) {
		e |= buf_puts(b, part[k]);
		for (j = 0; j < nm; j++) {
			if (j > 0)
				e |= buf_putc(b, ',');
			e |= jsonw_key(b, wavemetrics_metric_text(w, (size_t)mi[j], 0));
			e |= buf_putc(b, '{');
			for (i = 0; i < nc; i++) {
				long long rk = rank[j * nc + i];
				double v;

				if (i > 0)
					e |= buf_putc(b, ',');
				e |= buf_append(b, keys.data + off[i], off[i + 1] - off[i]);
				if (k == 0)
					e |= wavemetrics_value(w, (size_t)mi[j], (size_t)ci[i], &v) ? jsonw_real(b, v) : jsonw_null(b);
				else if (rk < 0)
					e |= jsonw_null(b);
				else if (k == 1)
					e |= jsonw_int(b, rk);
				else if (of[j] <= 0)
					e |= jsonw_null(b);
				else
					e |= jsonw_real(b, 100.0 * (double)(of[j] - rk + 1) / (double)of[j]);
			}
			e |= buf_putc(b, '}');
		}
	}
	e |= buf_append(b, "}}\n", 3);
	buf_free(&keys);
	free(rank);
	free(of);
	return e ? -1 : 0;
}

int
compare_json_blocks(struct request *r, const char *wave, const char *scope, const char *key,
    char *const *slugs, size_t nc, char *const *ids, size_t nids, const char *peers)
{
	const struct wavemetrics *w;
	long ci[MAX_KEYS], mi[MAX_MET];
	unsigned char in_scope[MAX_KEYS];
	size_t *members = NULL, nmem = 0, nm, i, n;
	long long version = app_data_version(r->app);
	int rc, k = -1;

	if (r->fmt != FMT_JSON || questions_asked(r) || nc < 1 || nc > MAX_KEYS || nids > MAX_MET ||
	    version <= 0 || versioned_wave_kept(r->app, wave) != 1)
		return 0;
	if (strcmp(scope, "region") == 0)
		k = 2;
	else if (strcmp(scope, "country") == 0)
		k = 3;
	else if (strcmp(scope, "all") != 0)
		return 0;
	if ((w = wavemetrics_get(r->app->db, wave, version)) == NULL || !wavemetrics_exact(w))
		return 0;
	for (i = 0; i < nc; i++) {
		if ((ci[i] = wavemetrics_city_slug(w, slugs[i])) < 0)
			return 0;	/* unknown: the statement's 404 */
		in_scope[i] = k < 0 || strcmp(wavemetrics_city_text(w, (size_t)ci[i], k), key) == 0;
	}
	if (nids == 0) {
		nm = wavemetrics_nmetrics(w);
		if (nm == 0 || nm > MAX_MET)
			return 0;	/* no active metric: the statement path's answer */
		for (i = 0; i < nm; i++)
			mi[i] = (long)i;
	} else {
		nm = nids;
		for (i = 0; i < nids; i++)
			if ((mi[i] = wavemetrics_metric(w, ids[i])) < 0)
				return 0;	/* unknown or inactive: the statement's 404 */
	}
	if (k >= 0) {
		n = wavemetrics_ncities(w);
		if ((members = malloc((n + 1) * sizeof(*members))) == NULL)
			return -1;
		for (i = 0; i < n; i++)
			if (strcmp(wavemetrics_city_text(w, i, k), key) == 0)
				members[nmem++] = i;
	}
	buf_reset(&r->out);
	rc = write_blocks(r, &r->out, w, wave, peers ? peers : "", ci, nc, mi, nm, members, nmem, in_scope);
	free(members);
	if (rc != 0) {
		buf_reset(&r->out);
		return rc == 1 ? 0 : -1;
	}
	r->status = 200;
	r->ctype = "application/json";
	return 1;
}
