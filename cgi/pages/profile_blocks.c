/* profile_blocks.c: see profile_blocks.h. */
#include <math.h>
#include <stdint.h>
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

/* The block's cities ordered by their region (k 2) or country (k 3), then by index, kept per block,
 * wave and data version, so that a region's or country's members are a run found by binary search
 * instead of a pass over every city a request (issue 18, ninth session). */
#define ORDER_SLOTS 4
static struct {
	const struct wavemetrics *w;
	long long version;
	char wave[32];
	size_t n;
	size_t *order[2];
	unsigned long used;
} order_slot[ORDER_SLOTS];
static unsigned long order_clock;
static const struct wavemetrics *order_w;
static int order_k;

static int
by_text(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	int d = strcmp(wavemetrics_city_text(order_w, x, order_k), wavemetrics_city_text(order_w, y, order_k));

	return d ? d : (x > y) - (x < y);
}

/* The members of the cohort (k, key) of w: a run of ascending indices (*n of them; NULL with *n 0: none)
 * owned here; NULL with *n (size_t)-1 when no memory. */
static const size_t *
cohort_members(const struct wavemetrics *w, const char *wave, long long version, int k, const char *key,
    size_t *n)
{
	size_t nc = wavemetrics_ncities(w), i, lo, hi, first, slot = 0;
	size_t *o;

	*n = (size_t)-1;
	if (strlen(wave) >= sizeof(order_slot[0].wave))
		return NULL;
	for (i = 0; i < ORDER_SLOTS; i++) {
		if (order_slot[i].w == w && order_slot[i].version == version && order_slot[i].n == nc &&
		    strcmp(order_slot[i].wave, wave) == 0) {
			slot = i;
			break;
		}
		if (order_slot[i].used < order_slot[slot].used)
			slot = i;
	}
	if (i == ORDER_SLOTS) {	/* not kept: the least recently used slot is rebuilt */
		free(order_slot[slot].order[0]);
		free(order_slot[slot].order[1]);
		memset(&order_slot[slot], 0, sizeof(order_slot[slot]));
		order_slot[slot].w = w;
		order_slot[slot].version = version;
		order_slot[slot].n = nc;
		snprintf(order_slot[slot].wave, sizeof(order_slot[slot].wave), "%s", wave);
	}
	order_slot[slot].used = ++order_clock;
	if ((o = order_slot[slot].order[k - 2]) == NULL) {
		if ((o = malloc((nc + 1) * sizeof(*o))) == NULL)
			return NULL;
		for (i = 0; i < nc; i++)
			o[i] = i;
		order_w = w;
		order_k = k;
		qsort(o, nc, sizeof(*o), by_text);
		order_slot[slot].order[k - 2] = o;
	}
	for (lo = 0, hi = nc; lo < hi;) {	/* the first whose text is not below key */
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(wavemetrics_city_text(w, o[mid], k), key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	first = lo;
	for (hi = nc; lo < hi;) {	/* the first whose text is above key */
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(wavemetrics_city_text(w, o[mid], k), key) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*n = lo - first;
	return *n ? o + first : NULL;
}

int
profile_blocks_metrics(struct request *r, const char *wave, const char *scope, const char *key,
    const char *slug, json_t **metrics)
{
	const struct wavemetrics *w;
	long long version = app_data_version(r->app);
	size_t *members = NULL, nmem = 0, nm, n, i;
	const size_t *cmembers = NULL;	/* a region's or country's members, kept (cohort_members) */
	long ci;
	int k = -1;
	json_t *list;

	*metrics = NULL;
	if (forced_sql() || wave == NULL || scope == NULL || version <= 0 || versioned_wave_kept(r->app, wave) != 1)
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
		const size_t *kept = cohort_members(w, wave, version, k, key, &nmem);

		if (kept == NULL && nmem == (size_t)-1) {	/* no memory for the kept order: the pass */
			nmem = 0;
			if ((members = malloc((n + 1) * sizeof(*members))) == NULL)
				return -1;
			for (i = 0; i < n; i++)
				if (strcmp(wavemetrics_city_text(w, i, k), key) == 0)
					members[nmem++] = i;
		} else {
			static const size_t none[1];
			cmembers = kept ? kept : none;	/* never NULL: NULL is every city */
		}
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

		if (wavemetrics_position(w, i, members ? members : cmembers, nmem, (size_t)ci, &rank, &of) == -1) {
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
	if ((kept = json_object()) == NULL) {
		PQclear(res);
		return NULL;
	}
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

/* Every city's row and waves (the texts PostgreSQL gave for Q_PROFILE_CITY_ROWS), kept per data version
 * in one text arena: per result row its NCOL cells as offsets into the text (NOCELL for NULL), and the
 * cities' first rows in slug order.  ~3 MB at 10,000 cities (a jansson tree of the same was ~15 MB a
 * worker: the bench's worker memory row). */
#define NCOL	(Q_PROFILE_CITY_ROWS_WAVE_POPULATION + 1)
#define NOCELL	UINT32_MAX

struct kept_city {
	int row, n;		/* its first result row, and its rows (1 when it has no wave) */
};

static struct {
	long long version;	/* 0: nothing kept */
	char *text;
	uint32_t *cell;		/* nrows * NCOL */
	struct kept_city *city;	/* ncity, by slug */
	size_t ncity;
} kc;

static const char *
kc_value(int row, int col)
{
	uint32_t o = kc.cell[(size_t)row * NCOL + (size_t)col];

	return o == NOCELL ? NULL : kc.text + o;
}

static int
kc_cmp(const void *pa, const void *pb)
{
	const struct kept_city *a = pa, *b = pb;

	return strcmp(kc_value(a->row, Q_PROFILE_CITY_ROWS_SLUG), kc_value(b->row, Q_PROFILE_CITY_ROWS_SLUG));
}

static void
kc_free(void)
{
	free(kc.text);
	free(kc.cell);
	free(kc.city);
	memset(&kc, 0, sizeof(kc));
}

/* 0 when the rows of this data version are kept, -1 when they could not be read. */
static int
kept_cities(struct app *a)
{
	long long version = app_data_version(a);
	PGresult *res;
	size_t tlen = 0, t = 0, nrows, i;
	int k;

	if (kc.version == version && kc.text != NULL)
		return 0;
	kc_free();
	res = db_query(a->db, Q_PROFILE_CITY_ROWS, 0, NULL);
	if (!db_ok(res) || PQnfields(res) != NCOL) {
		PQclear(res);
		return -1;
	}
	nrows = (size_t)PQntuples(res);
	for (i = 0; i < nrows; i++)
		for (k = 0; k < NCOL; k++)
			tlen += (size_t)PQgetlength(res, (int)i, k) + 1;
	if (tlen >= NOCELL || (kc.text = malloc(tlen ? tlen : 1)) == NULL ||
	    (kc.cell = malloc((nrows ? nrows : 1) * NCOL * sizeof(*kc.cell))) == NULL ||
	    (kc.city = malloc((nrows ? nrows : 1) * sizeof(*kc.city))) == NULL)
		goto fail;
	for (i = 0; i < nrows; i++) {
		for (k = 0; k < NCOL; k++) {
			size_t l = (size_t)PQgetlength(res, (int)i, k);

			if (PQgetisnull(res, (int)i, k)) {
				kc.cell[i * NCOL + (size_t)k] = NOCELL;
				continue;
			}
			kc.cell[i * NCOL + (size_t)k] = (uint32_t)t;
			memcpy(kc.text + t, PQgetvalue(res, (int)i, k), l + 1);
			t += l + 1;
		}
		/* the rows come by city id: a city's rows follow each other */
		if (kc.ncity > 0 && strcmp(kc_value(kc.city[kc.ncity - 1].row, Q_PROFILE_CITY_ROWS_ID),
		    kc_value((int)i, Q_PROFILE_CITY_ROWS_ID)) == 0)
			kc.city[kc.ncity - 1].n++;
		else
			kc.city[kc.ncity++] = (struct kept_city){ (int)i, 1 };
	}
	PQclear(res);
	qsort(kc.city, kc.ncity, sizeof(*kc.city), kc_cmp);
	kc.version = version;
	return 0;
fail:
	PQclear(res);
	kc_free();
	return -1;
}

/* A result of text columns named names[0..n) with the kept rows row0.. (nrows of them), columns col0..
 * (or no row when nrows is 0). */
static PGresult *
text_result(const char *const *names, int n, int row0, int nrows, int col0)
{
	PGresAttDesc d[16];
	PGresult *res;
	int i, j;

	if (n > 16 || (res = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK)) == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		d[i] = (PGresAttDesc){ (char *)names[i], 0, 0, 0, 25, -1, -1 };	/* text */
	if (!PQsetResultAttrs(res, n, d)) {
		PQclear(res);
		return NULL;
	}
	for (j = 0; j < nrows; j++)
		for (i = 0; i < n; i++) {
			const char *v = kc_value(row0 + j, col0 + i);
			if (!PQsetvalue(res, j, i, (char *)v, v ? (int)strlen(v) : -1)) {
				PQclear(res);
				return NULL;
			}
		}
	return res;
}

int
profile_blocks_city(struct request *r, const char *slug, PGresult **city, PGresult **waves)
{
	static const char *const cn[] = { "id", "slug", "name", "country", "region", "population", "synthetic",
		"lat", "lon", "lang" };
	static const char *const wn[] = { "survey_id", "submission_id", "version", "population" };
	const struct kept_city *c = NULL;
	size_t lo = 0, hi;
	int nw = 0;

	*city = *waves = NULL;
	if (forced_sql() || app_data_version(r->app) <= 0 || kept_cities(r->app) != 0)
		return 0;
	for (hi = kc.ncity; lo < hi; ) {
		size_t mid = lo + (hi - lo) / 2;
		int cmp = strcmp(slug, kc_value(kc.city[mid].row, Q_PROFILE_CITY_ROWS_SLUG));

		if (cmp == 0) {
			c = &kc.city[mid];
			break;
		}
		if (cmp < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	if (c != NULL)	/* a city without a wave has one row, its wave columns NULL */
		nw = kc_value(c->row, Q_PROFILE_CITY_ROWS_SURVEY_ID) == NULL ? 0 : c->n;
	*city = text_result(cn, 10, c ? c->row : 0, c ? 1 : 0, Q_PROFILE_CITY_ROWS_ID);
	*waves = text_result(wn, 4, c ? c->row : 0, nw, Q_PROFILE_CITY_ROWS_SURVEY_ID);
	if (*city == NULL || *waves == NULL) {
		PQclear(*city);
		PQclear(*waves);
		*city = *waves = NULL;
		return 0;
	}
	return 1;
}

/* The metrics over time from the blocks (issue 18, tenth session): Q_PROFILE_TREND was the HTML
 * profile's one statement that grew with the cohort (0.42 ms a request at 1,000 cities, 1.87 ms at
 * 10,000: each of its rows probes metric_values and metric_steps).  The rows as the statement gives
 * them: active metrics in the catalogue's order (the block's), then the waves in the kept list's order
 * (Q_SURVEYS: order by id, as the statement's order by survey_id), a row where the city has a value;
 * rank 1 + the better values and of the values of the wave (wavemetrics_position, every city). */
#define TREND_WAVES 3	/* fewer than the waves a worker keeps (wavemetrics.c WMSLOTS): none evicted meanwhile */

PGresult *
profile_blocks_trend(struct request *r, const char *slug)
{
	static const char *const tn[] = { "id", "title", "unit", "wave", "value", "of", "rank" };
	const struct wavemetrics *w[TREND_WAVES];
	const char *wn[TREND_WAVES];
	long ci[TREND_WAVES];
	long long version = app_data_version(r->app);
	json_t *ids, *o;
	PGresult *res = NULL;
	PGresAttDesc d[7];
	size_t nw = 0, nm = 0, i, m, k;
	int row = 0, ok = 0;

	if (forced_sql() || version <= 0 || slug == NULL || (ids = versioned_get(r->app, "surveys")) == NULL)
		return NULL;
	json_array_foreach(ids, i, o) {
		if (nw == TREND_WAVES || !json_is_string(o))
			goto out;
		wn[nw] = json_string_value(o);
		if ((w[nw] = wavemetrics_get(r->app->db, wn[nw], version)) == NULL || !wavemetrics_exact(w[nw]) ||
		    (ci[nw] = wavemetrics_city_slug(w[nw], slug)) < 0)
			goto out;
		if (nw == 0)
			nm = wavemetrics_nmetrics(w[0]);
		else if (wavemetrics_nmetrics(w[nw]) != nm)
			goto out;
		else
			for (m = 0; m < nm; m++)	/* the same catalogue in every block */
				if (strcmp(wavemetrics_metric_text(w[nw], m, 0), wavemetrics_metric_text(w[0], m, 0)) != 0)
					goto out;
		nw++;
	}
	if ((res = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK)) == NULL)
		goto out;
	for (i = 0; i < 7; i++)
		d[i] = (PGresAttDesc){ (char *)tn[i], 0, 0, 0, 25, -1, -1 };	/* text */
	if (!PQsetResultAttrs(res, 7, d))
		goto out;
	for (m = 0; m < nm; m++)
		for (k = 0; k < nw; k++) {
			char value[40], of[24], rank[24];
			long long rk, n;
			double v;
			const char *cell[7];
			int c;

			if ((size_t)ci[k] >= wavemetrics_ncities(w[k]) || !wavemetrics_value(w[k], m, (size_t)ci[k], &v))
				continue;
			if (wavemetrics_position(w[k], m, NULL, 0, (size_t)ci[k], &rk, &n) == -1 || rk < 0)
				goto out;
			/* read back with strtod (trend.c): any text of the same double */
			if (isnan(v))
				snprintf(value, sizeof(value), "NaN");
			else if (isinf(v))
				snprintf(value, sizeof(value), "%s", v > 0 ? "Infinity" : "-Infinity");
			else
				snprintf(value, sizeof(value), "%.17g", v);
			snprintf(of, sizeof(of), "%lld", n);
			snprintf(rank, sizeof(rank), "%lld", rk);
			cell[0] = wavemetrics_metric_text(w[k], m, 0);
			cell[1] = wavemetrics_metric_text(w[k], m, 1);
			cell[2] = wavemetrics_metric_text(w[k], m, 2);
			cell[3] = wn[k];
			cell[4] = value;
			cell[5] = of;
			cell[6] = rank;
			for (c = 0; c < 7; c++)
				if (!PQsetvalue(res, row, c, (char *)cell[c], (int)strlen(cell[c])))
					goto out;
			row++;
		}
	ok = 1;
out:
	json_decref(ids);
	if (!ok) {
		PQclear(res);
		return NULL;
	}
	return res;
}

/* profile_blocks_city's results are read by Q_CITY's and Q_CITY_WAVES' column numbers */
#define SAME_CITY(c) _Static_assert(Q_PROFILE_CITY_ROWS_##c == Q_CITY_##c, "Q_PROFILE_CITY_ROWS as Q_CITY")
SAME_CITY(ID);
SAME_CITY(SLUG);
SAME_CITY(NAME);
SAME_CITY(COUNTRY);
SAME_CITY(REGION);
SAME_CITY(POPULATION);
SAME_CITY(SYNTHETIC);
SAME_CITY(LAT);
SAME_CITY(LON);
SAME_CITY(LANG);
_Static_assert(Q_PROFILE_CITY_ROWS_SUBMISSION_ID - Q_PROFILE_CITY_ROWS_SURVEY_ID == Q_CITY_WAVES_SUBMISSION_ID &&
    Q_PROFILE_CITY_ROWS_VERSION - Q_PROFILE_CITY_ROWS_SURVEY_ID == Q_CITY_WAVES_VERSION &&
    Q_PROFILE_CITY_ROWS_WAVE_POPULATION - Q_PROFILE_CITY_ROWS_SURVEY_ID == Q_CITY_WAVES_POPULATION &&
    Q_CITY_WAVES_SURVEY_ID == 0, "Q_PROFILE_CITY_ROWS' waves as Q_CITY_WAVES");

int
profile_blocks_city_kept(struct request *r, const char *slug, char *wave, size_t n)
{
	size_t lo = 0, hi;
	const char *w;

	if (forced_sql() || r->app == NULL || app_data_version(r->app) <= 0 || kept_cities(r->app) != 0)
		return -1;
	for (hi = kc.ncity; lo < hi; ) {
		size_t mid = lo + (hi - lo) / 2;
		int cmp = strcmp(slug, kc_value(kc.city[mid].row, Q_PROFILE_CITY_ROWS_SLUG));

		if (cmp == 0) {
			/* its rows by wave (Q_PROFILE_CITY_ROWS' order): the last is the greatest, as max()
			 * gives Q_SIMILAR_CITY_WAVE's; a city without a wave has one row, its wave NULL */
			w = kc_value(kc.city[mid].row + kc.city[mid].n - 1, Q_PROFILE_CITY_ROWS_SURVEY_ID);
			if (w != NULL && strlen(w) >= n)
				return -1;
			snprintf(wave, n, "%s", w ? w : "");
			return 1;
		}
		if (cmp < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return 0;
}
