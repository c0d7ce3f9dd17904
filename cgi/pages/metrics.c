/* metrics.c: /metrics — the metric catalogue; /metrics/{id} — one metric in one wave: its ranking within
 * a cohort, distribution, summary, the plugin's source and version; /metrics/{id}.svg — its chart.
 *
 * A handler builds one model (the .json twin) from at most two statements, the ranking done in SQL with
 * window functions; HTML, CSV and SVG are written from that model, so the numbers cannot differ.  The
 * model of one metric is jansson for everything but the rows, and a plain array of rows (struct
 * ranking): the rows grow with the cohort, and one jansson object per row plus a generic dump was most
 * of a ranking's cost; the JSON writes them with the streaming writer (jsonw.h).
 *
 * Decisions where the contract is silent:
 * - `city` (the highlighted city) is a view parameter, not the resource: an unknown or malformed slug is
 *   a 400 ("unknown city"), while an unknown metric or wave is a 404.  A known city without a value in
 *   the cohort is highlighted with rank and percentile null and "in_cohort": false (its value in the
 *   wave is still given when it has one, outside the cohort).
 * - A metric that is no longer active (its plugin was removed) is not in the catalogue and is a 404.
 * - A known wave in which the metric has no values is an empty ranking (200, n 0), not a 404.
 * - The HTML ranking lists every city up to ROWS_ALL of them; beyond that the first ROWS_TOP and the
 *   rows around the highlighted city, with a link to all of them (`all=1`); JSON and CSV always hold
 *   every row.
 * - The .svg is the histogram; `chart=ranking` gives the ranking bar chart instead (the first
 *   SVG_TOP cities and the highlighted one).  `layout=narrow` draws it 360 units wide (labels above
 *   their bars, title and foot wrapped) for narrow frames; `layout=wide` (the default) 800; any other
 *   layout is a 400.  The page's embed snippet asks for the narrow one. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "chart.h"
#include "csv.h"
#include "html.h"
#include "latest.h"
#include "ltext.h"
#include "trend.h"
#include "jsonw.h"
#include "page.h"
#include "paging.h"
#include "plugin_versions.h"
#include "names.h"
#include "numtext.h"
#include "query.h"
#include "rankrow.h"
#include "rankblock.h"
#include "reply.h"
#include "routes.h"
#include "view.h"

#define ROWS_ALL	200	/* HTML rows shown whole up to this many cities */
#define ROWS_TOP	100	/* else this many first */
#define ROWS_AROUND	3	/* and this many on each side of the highlighted city */
#define SVG_TOP		20

#define SVG_CSP		"default-src 'none'; style-src 'unsafe-inline'"

/* ---- the catalogue ---- */

static json_t *
catalogue_entry(const PGresult *res, int i)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:b, s:s, s:s}",
	    "id", PQgetvalue(res, i, Q_METRICS_LIST_ID), "title", PQgetvalue(res, i, Q_METRICS_LIST_TITLE),
	    "description", PQgetvalue(res, i, Q_METRICS_LIST_DESCRIPTION), "unit", PQgetvalue(res, i, Q_METRICS_LIST_UNIT),
	    "higher_is_better", PQgetvalue(res, i, Q_METRICS_LIST_HIGHER_IS_BETTER)[0] == 't',
	    "plugin", PQgetvalue(res, i, Q_METRICS_LIST_PLUGIN), "version", PQgetvalue(res, i, Q_METRICS_LIST_VERSION));
}

static const char *
unit_words(const char *unit)
{
	static const struct { const char *unit, *words; } units[] = {
		{ "share", N_("share: 1 yes, 0 no per city") },
		{ "percent", N_("percent") },
		{ "count", N_("count") },
		{ "number", N_("number") },
		{ "per_100k", N_("per 100,000 inhabitants") },
		{ "score", N_("score") },
	};
	size_t i;

	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcmp(unit, units[i].unit) == 0)
			return _(units[i].words);
	return unit;
}

int
metrics_get(struct request *r)
{
	PGresult *res = NULL;
	json_t *list = NULL, *m;
	size_t i;
	int status = -1;

	if (view_not_modified(r))
		return 0;
	res = db_query(r->app->db, Q_METRICS_LIST, 0, NULL);
	if (!db_ok(res)) {
		view_db_error(r, res);
		goto out;
	}
	list = json_array();
	for (i = 0; i < (size_t)PQntuples(res); i++)
	{
		json_array_append_new(list, catalogue_entry(res, (int)i));
		names_metric_json(r->app, json_array_get(list, i));
	}

	if (r->fmt == FMT_JSON) {
		reply_json(r, 200, json_pack("{s:O}", "metrics", list));
	} else if (r->fmt == FMT_CSV) {
		r->ctype = "text/csv";
		buf_puts(&r->out, "id,title,description,unit,higher_is_better,plugin,version\r\n");
		json_array_foreach(list, i, m) {
			csv_text(&r->out, view_str(m, "id")); csv_sep(&r->out);
			csv_text(&r->out, view_str(m, "title")); csv_sep(&r->out);
			csv_text(&r->out, view_str(m, "description")); csv_sep(&r->out);
			csv_text(&r->out, view_str(m, "unit")); csv_sep(&r->out);
			buf_puts(&r->out, json_is_true(json_object_get(m, "higher_is_better")) ? "true" : "false");
			csv_sep(&r->out);
			csv_text(&r->out, view_str(m, "plugin")); csv_sep(&r->out);
			csv_text(&r->out, view_str(m, "version"));
			csv_eol(&r->out);
		}
	} else {
		struct buf *b = &r->out;
		page_begin_described(r, _("Metrics"), _("The catalogue of metrics computed from the cities' survey answers: "
		    "what each measures, its unit, whether higher is better, and the plugin that computes it."));
		html_raw(b, "<h1>");
		html_text(b, _("Metrics"));
		html_raw(b, "</h1>\n<p>");
		html_text(b, _("Each metric is computed by a plugin from the cities' answers, "
		    "once per city and wave. Follow a metric for its ranking, distribution and the plugin's "
		    "source code."));
		html_raw(b, "</p>\n");
		view_twin_links(r, N_("This page as data"), "/metrics", 0);
		html_raw(b, "<div class=\"table-scroll\" tabindex=\"0\" role=\"region\" aria-label=\"");
		html_attr(b, _("Active metrics, scrolls sideways"));
		html_raw(b, "\"><table class=\"data metrics\"><caption>");
		html_text(b, _("Active metrics"));
		html_raw(b, "</caption><thead><tr><th scope=\"col\">");
		html_text(b, _("Metric"));
		html_raw(b, "</th><th scope=\"col\">");
		html_text(b, _("What it measures"));
		html_raw(b, "</th><th scope=\"col\">");
		html_text(b, _("Unit"));
		html_raw(b, "</th><th scope=\"col\">");
		html_text(b, _("Better"));
		html_raw(b, "</th><th scope=\"col\">");
		html_text(b, _("Plugin"));
		html_raw(b, "</th></tr></thead><tbody>\n");
		json_array_foreach(list, i, m) {
			html_raw(b, "<tr><th scope=\"row\"><a href=\"/metrics/");
			url_encode(b, view_str(m, "id"));
			html_raw(b, "\">");
			names_json_title_html(b, m);
			html_raw(b, "</a></th><td>");
			names_json_description_html(b, m);
			html_raw(b, "</td><td>");
			html_text(b, unit_words(view_str(m, "unit")));
			html_raw(b, "</td><td>");
			html_text(b, json_is_true(json_object_get(m, "higher_is_better")) ? _("higher") : _("lower"));
			html_raw(b, "</td><td><code>");
			html_text(b, view_str(m, "plugin"));
			html_raw(b, "</code> ");
			html_text(b, view_str(m, "version"));
			html_raw(b, "</td></tr>\n");
		}
		html_raw(b, "</tbody></table></div>\n");
		if (json_array_size(list) == 0) {
			html_raw(b, "<p class=\"notice\">");
			html_text(b, _("No metric is active: no plugin loaded."));
			html_raw(b, "</p>\n");
		}
		page_end(r);
	}
	status = 0;
out:
	json_decref(list);
	PQclear(res);
	return status;
}

/* ---- one metric ---- */

struct view {
	const char *id, *wave, *city, *chart;
	int all;
	int narrow;	/* .svg: layout=narrow */
	struct cohort c;
	int have_cohort;
	struct paging pg;	/* the rows shown: JSON, CSV, and HTML when limit or offset is named */
};

/* One city of the cohort's ranking; the strings point into the ranking statement's result. */
struct rank_row {
	const char *city, *name;
	const char *value_text;		/* PostgreSQL's text of the value: written to JSON as it is */
	double value;			/* strtod(value_text): what HTML, CSV, SVG and the summary use */
	long long rank;
	double percentile;		/* NAN when there is none */
	int synthetic;
	const char *lat, *lon;		/* PostgreSQL's text of the city's place, NULL when not placed */
};

/* One metric's page: model holds metric, survey, waves, peers, highlight (when asked), summary and
 * histogram; rows the cohort, best first (the JSON's "values"). */
struct ranking {
	json_t *model;
	struct rank_row *rows;
	size_t n;
	size_t first, total;	/* rows[0] is row `first` of the ranking's `total` (0 and n: every row) */
	const char *json;	/* the JSON of rows (jlen bytes, joined by ','), or NULL: written from rows */
	size_t jlen;
};

static void
ranking_free(struct ranking *rk)
{
	json_decref(rk->model);
	free(rk->rows);
	memset(rk, 0, sizeof(*rk));
}

/* Reads and checks the parameters; answers the error and returns -1. */
static int
read_view(struct request *r, struct view *v)
{
	const char *s;

	memset(v, 0, sizeof(*v));
	v->id = r->args[0];
	if (!ident_valid(v->id))
		return reply_error(r, 404, "no such metric", NULL);
	if (view_wave_param_latest(r, &v->wave) == -1)
		return -1;
	s = query_get(&r->query, "city");
	if (s && *s) {
		if (!path_segment_valid_slug(s, strlen(s)))
			return reply_error(r, 400, "unknown city: city must be a city's slug such as toronto",
			    NULL);
		v->city = s;
	}
	s = query_get(&r->query, "all");
	v->all = s && (strcmp(s, "1") == 0 || strcmp(s, "yes") == 0 || strcmp(s, "true") == 0);
	v->chart = query_get(&r->query, "chart");
	if (v->chart && *v->chart == '\0')
		v->chart = NULL;
	if (v->chart && strcmp(v->chart, "histogram") != 0 && strcmp(v->chart, "ranking") != 0)
		return reply_error(r, 400, "chart must be histogram or ranking", NULL);
	s = query_get(&r->query, "layout");
	if (s && *s && strcmp(s, "narrow") != 0 && strcmp(s, "wide") != 0)
		return reply_error(r, 400, "layout must be wide or narrow", NULL);
	v->narrow = s && strcmp(s, "narrow") == 0;
	if (r->fmt != FMT_SVG && paging_read(r, &v->pg, PAGING_DEFAULT) == -1)
		return -1;
	if (view_cohort(r, &v->c) == -1)
		return -1;
	v->have_cohort = 1;
	return 0;
}

/* summary {n, mean, median, min, max} (and share {yes, of, percent} for 0/1 shares) and the histogram */
static int summary_of(json_t *model, double *v, size_t n, const char *unit);

static int
add_summary(struct ranking *rk, const char *unit)
{
	size_t n = rk->n, i;
	double *v = NULL;

	if (n > 0 && (v = malloc(n * sizeof(*v))) == NULL)
		return -1;
	for (i = 0; i < n; i++)
		v[i] = rk->rows[i].value;
	return summary_of(rk->model, v, n, unit);
}

/* The summary and the histogram of the cohort's n values v, best first (the order the mean adds them
 * in); frees v. */
static int
summary_of(json_t *model, double *v, size_t n, const char *unit)
{
	json_t *summary, *hist;
	struct chart_bin *bins = NULL;
	size_t i, nbins = 0, ones = 0;
	double sum = 0;
	int binary = 1;

	for (i = 0; i < n; i++) {
		sum += v[i];
		if (v[i] == 1)
			ones++;
		else if (v[i] != 0)
			binary = 0;
	}
	if (chart_bins(v, n, &bins, &nbins) == -1) {
		free(v);
		return -1;
	}
	if (n > 0)
		chart_sort_up(v, n);
	summary = json_pack("{s:I}", "n", (json_int_t)n);
	json_object_set_new(summary, "mean", n ? json_real(sum / (double)n) : json_null());
	json_object_set_new(summary, "median", n == 0 ? json_null() :
	    json_real(n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2));
	json_object_set_new(summary, "min", n ? json_real(v[0]) : json_null());
	json_object_set_new(summary, "max", n ? json_real(v[n - 1]) : json_null());
	if (strcmp(unit, "share") == 0 && binary && n > 0)
		json_object_set_new(summary, "share", json_pack("{s:I, s:I, s:i}", "yes", (json_int_t)ones,
		    "of", (json_int_t)n, "percent", view_share((long long)ones, (long long)n)));
	json_object_set_new(model, "summary", summary);
	hist = json_array();
	for (i = 0; i < nbins; i++)
		json_array_append_new(hist, json_pack("{s:f, s:f, s:b, s:I}", "lo", bins[i].lo,
		    "hi", bins[i].hi, "closed", bins[i].closed, "count", (json_int_t)bins[i].count));
	json_object_set_new(model, "histogram", hist);
	free(bins);
	free(v);
	return 0;
}

/* The ranking of a cohort with stored statistics answers as the live one: the code reads its names. */
DB_SAME_COLUMN(Q_METRIC_RANKING, Q_METRIC_RANKING_STORED, SLUG);
DB_SAME_COLUMN(Q_METRIC_RANKING, Q_METRIC_RANKING_STORED, NAME);
DB_SAME_COLUMN(Q_METRIC_RANKING, Q_METRIC_RANKING_STORED, SYNTHETIC);
DB_SAME_COLUMN(Q_METRIC_RANKING, Q_METRIC_RANKING_STORED, VALUE);
DB_SAME_COLUMN(Q_METRIC_RANKING, Q_METRIC_RANKING_STORED, RANK);
DB_SAME_COLUMN(Q_METRIC_RANKING, Q_METRIC_RANKING_STORED, OF);
DB_SAME_COLUMN(Q_METRIC_RANKING, Q_METRIC_RANKING_STORED, IN_COHORT);
DB_SAME_COLUMN(Q_METRIC_RANKING, Q_METRIC_RANKING_STORED, LAT);
DB_SAME_COLUMN(Q_METRIC_RANKING, Q_METRIC_RANKING_STORED, LON);
DB_SAME_COLUMN(Q_METRIC_RANKING, Q_METRIC_RANKING_VER, SLUG);
DB_SAME_COLUMN(Q_METRIC_RANKING, Q_METRIC_RANKING_VER, NAME);
DB_SAME_COLUMN(Q_METRIC_RANKING, Q_METRIC_RANKING_VER, SYNTHETIC);
DB_SAME_COLUMN(Q_METRIC_RANKING, Q_METRIC_RANKING_VER, VALUE);
DB_SAME_COLUMN(Q_METRIC_RANKING, Q_METRIC_RANKING_VER, RANK);
DB_SAME_COLUMN(Q_METRIC_RANKING, Q_METRIC_RANKING_VER, OF);
DB_SAME_COLUMN(Q_METRIC_RANKING, Q_METRIC_RANKING_VER, IN_COHORT);
DB_SAME_COLUMN(Q_METRIC_RANKING, Q_METRIC_RANKING_STORED_VER, SLUG);
DB_SAME_COLUMN(Q_METRIC_RANKING, Q_METRIC_RANKING_STORED_VER, NAME);
DB_SAME_COLUMN(Q_METRIC_RANKING, Q_METRIC_RANKING_STORED_VER, SYNTHETIC);
DB_SAME_COLUMN(Q_METRIC_RANKING, Q_METRIC_RANKING_STORED_VER, VALUE);
DB_SAME_COLUMN(Q_METRIC_RANKING, Q_METRIC_RANKING_STORED_VER, RANK);
DB_SAME_COLUMN(Q_METRIC_RANKING, Q_METRIC_RANKING_STORED_VER, OF);
DB_SAME_COLUMN(Q_METRIC_RANKING, Q_METRIC_RANKING_STORED_VER, IN_COHORT);
/* A retired version's rankings (the _VER statements) place no city: their lat and lon are null. */
#define RANK_COORD(rank, column) (PQnfields(rank) > Q_METRIC_RANKING_##column ? Q_METRIC_RANKING_##column : -1)

/* The highlighted city: its row with in_cohort, and of (the cohort's size); NULL when memory ran out. */
/* The columns of the highlighted city's row: the ranking statements' or the page statements'. */
struct hl_cols {
	int in, value, slug, name, synthetic, lat, lon;
};

static json_t *
highlight_json(const PGresult *rank, int i, const struct rank_row *row, size_t of, const struct hl_cols *k)
{
	int in = PQgetvalue(rank, i, k->in)[0] == 't';
	json_t *value = NULL;

	if (!PQgetisnull(rank, i, k->value) && isfinite(row->value))
		value = json_real(row->value);
	return json_pack("{s:s, s:s, s:o, s:o, s:o, s:b, s:b, s:I, s:o, s:o}",
	    "city", PQgetvalue(rank, i, k->slug), "name", PQgetvalue(rank, i, k->name),
	    "value", value ? value : json_null(),
	    "rank", in ? json_integer(row->rank) : json_null(),
	    "percentile", in && isfinite(row->percentile) ? json_real(row->percentile) : json_null(),
	    "synthetic", PQgetvalue(rank, i, k->synthetic)[0] == 't', "in_cohort", in, "of", (json_int_t)of,
	    "lat", view_coord_json(rank, i, k->lat), "lon", view_coord_json(rank, i, k->lon));
}

/* The model from the two statements' results (rows point into rank, which must outlive it); 0, or -1
 * when memory ran out (rk is then empty). */
static json_t *
model_head(const PGresult *head, const struct view *v)
{
	json_t *metric;

	metric = json_pack("{s:s, s:s, s:s, s:s, s:b, s:s, s:s, s:s}",
	    "id", PQgetvalue(head, 0, Q_METRIC_HEAD_ID), "title", PQgetvalue(head, 0, Q_METRIC_HEAD_TITLE),
	    "description", PQgetvalue(head, 0, Q_METRIC_HEAD_DESCRIPTION), "unit", PQgetvalue(head, 0, Q_METRIC_HEAD_UNIT),
	    "higher_is_better", PQgetvalue(head, 0, Q_METRIC_HEAD_HIGHER_IS_BETTER)[0] == 't', "plugin", PQgetvalue(head, 0, Q_METRIC_HEAD_PLUGIN),
	    "version", PQgetvalue(head, 0, Q_METRIC_HEAD_VERSION), "source", PQgetvalue(head, 0, Q_METRIC_HEAD_SOURCE));
	return json_pack("{s:o, s:s, s:o, s:s}", "metric", metric, "survey", PQgetvalue(head, 0, Q_METRIC_HEAD_WAVE),
	    "waves", view_answer_json(PQgetvalue(head, 0, Q_METRIC_HEAD_WAVES)),
	    "peers", v->c.canonical.data ? v->c.canonical.data : "");
}

static int
build_model(struct ranking *rk, const PGresult *head, const PGresult *rank, const struct view *v)
{
	json_t *hl;
	int i, hl_row = -1, ntuples = PQntuples(rank);
	struct rank_row hl_data = { 0 };

	memset(rk, 0, sizeof(*rk));
	rk->model = model_head(head, v);
	if (rk->model == NULL)
		goto fail;
	if (ntuples > 0 && (rk->rows = malloc((size_t)ntuples * sizeof(*rk->rows))) == NULL)
		goto fail;
	for (i = 0; i < ntuples; i++) {
		struct rank_row row;
		int in = PQgetvalue(rank, i, Q_METRIC_RANKING_IN_COHORT)[0] == 't';
		long long of = in ? strtoll(PQgetvalue(rank, i, Q_METRIC_RANKING_OF), NULL, 10) : 0;

		row.city = PQgetvalue(rank, i, Q_METRIC_RANKING_SLUG);
		row.name = PQgetvalue(rank, i, Q_METRIC_RANKING_NAME);
		row.value_text = PQgetisnull(rank, i, Q_METRIC_RANKING_VALUE) ? NULL : PQgetvalue(rank, i, Q_METRIC_RANKING_VALUE);
		row.value = row.value_text ? numtext_double(row.value_text) : NAN;
		row.rank = in ? strtoll(PQgetvalue(rank, i, Q_METRIC_RANKING_RANK), NULL, 10) : 0;
		/* rank - 1 values are strictly better: the city equals or beats the other of - rank + 1 */
		row.percentile = in && of > 0 ? 100.0 * (double)(of - row.rank + 1) / (double)of : NAN;
		row.synthetic = PQgetvalue(rank, i, Q_METRIC_RANKING_SYNTHETIC)[0] == 't';
		row.lat = RANK_COORD(rank, LAT) < 0 || PQgetisnull(rank, i, Q_METRIC_RANKING_LAT) ? NULL :
		    PQgetvalue(rank, i, Q_METRIC_RANKING_LAT);
		row.lon = RANK_COORD(rank, LON) < 0 || PQgetisnull(rank, i, Q_METRIC_RANKING_LON) ? NULL :
		    PQgetvalue(rank, i, Q_METRIC_RANKING_LON);
		if (v->city && strcmp(v->city, row.city) == 0) {
			hl_row = i;
			hl_data = row;
		}
		/* a value JSON cannot hold (NaN, infinity) leaves the row out, as jansson did */
		if (in && row.value_text && isfinite(row.value))
			rk->rows[rk->n++] = row;
	}
	if (hl_row >= 0) {
		struct hl_cols k = { Q_METRIC_RANKING_IN_COHORT, Q_METRIC_RANKING_VALUE, Q_METRIC_RANKING_SLUG,
			Q_METRIC_RANKING_NAME, Q_METRIC_RANKING_SYNTHETIC, RANK_COORD(rank, LAT), RANK_COORD(rank, LON) };
		if ((hl = highlight_json(rank, hl_row, &hl_data, rk->n, &k)) == NULL)
			goto fail;
		json_object_set_new(rk->model, "highlight", hl);
	}
	rk->total = rk->n;
	if (add_summary(rk, PQgetvalue(head, 0, Q_METRIC_HEAD_UNIT)) == -1)
		goto fail;
	return 0;
fail:
	ranking_free(rk);
	return -1;
}

/* ---- a page of a stored cohort's ranking (queries_rank.def) ---- */

/* The page statements answer alike in either direction: the code reads the DESC names. */
DB_SAME_COLUMN(Q_METRIC_PAGE_DESC, Q_METRIC_PAGE_ASC, KIND);
DB_SAME_COLUMN(Q_METRIC_PAGE_DESC, Q_METRIC_PAGE_ASC, SLUG);
DB_SAME_COLUMN(Q_METRIC_PAGE_DESC, Q_METRIC_PAGE_ASC, NAME);
DB_SAME_COLUMN(Q_METRIC_PAGE_DESC, Q_METRIC_PAGE_ASC, SYNTHETIC);
DB_SAME_COLUMN(Q_METRIC_PAGE_DESC, Q_METRIC_PAGE_ASC, VALUE);
DB_SAME_COLUMN(Q_METRIC_PAGE_DESC, Q_METRIC_PAGE_ASC, RANK);
DB_SAME_COLUMN(Q_METRIC_PAGE_DESC, Q_METRIC_PAGE_ASC, OF);
DB_SAME_COLUMN(Q_METRIC_PAGE_DESC, Q_METRIC_PAGE_ASC, IN_COHORT);
DB_SAME_COLUMN(Q_METRIC_PAGE_DESC, Q_METRIC_PAGE_ASC, LAT);
DB_SAME_COLUMN(Q_METRIC_PAGE_DESC, Q_METRIC_PAGE_ASC, LON);
DB_SAME_COLUMN(Q_METRIC_PAGE_DESC, Q_METRIC_PAGE_ASC, EQ);
#define PAGE_COL(column) Q_METRIC_PAGE_DESC_##column

/* One distinct value of the cohort and how many cities have it. */
struct step {
	double value;
	long long eq;
	long long before;	/* the cohort's values ranked before it */
};

static int
cmp_step_up(const void *a, const void *b)
{
	double x = ((const struct step *)a)->value, y = ((const struct step *)b)->value;

	return x < y ? -1 : x > y;
}

static int
cmp_step_down(const void *a, const void *b)
{
	return cmp_step_up(b, a);
}

/* The ranking's order: rank, then name and slug in code point order (PostgreSQL's "C" collation). */
static int
cmp_rank_row(const void *a, const void *b)
{
	const struct rank_row *x = a, *y = b;
	int c;

	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	if ((c = strcmp(x->name, y->name)) != 0)
		return c;
	return strcmp(x->city, y->city);
}

/* The model of one page from Q_METRIC_PAGE_DESC or _ASC (rows point into res): as build_model's, but
 * rows holds only the page, and the summary and the histogram come from the cohort's steps, expanded
 * best first so that the mean adds the values in the very order build_model does.  The rows' and the
 * steps' order is checked rather than trusted.  0, or -1 when memory ran out (rk is then empty). */
static int
build_page_model(struct ranking *rk, const PGresult *head, const PGresult *res, const struct view *v, int hib)
{
	struct step *steps = NULL;
	double *vals = NULL;
	size_t nsteps = 0, total = 0, i, j, k;
	int ntuples = PQntuples(res), t, hl_row = -1;
	struct rank_row hl_data = { 0 };
	json_t *hl;

	memset(rk, 0, sizeof(*rk));
	if ((rk->model = model_head(head, v)) == NULL)
		goto fail;
	if (ntuples > 0 && ((rk->rows = malloc((size_t)ntuples * sizeof(*rk->rows))) == NULL ||
	    (steps = malloc((size_t)ntuples * sizeof(*steps))) == NULL))
		goto fail;
	for (t = 0; t < ntuples; t++) {
		char kind = PQgetvalue(res, t, PAGE_COL(KIND))[0];
		struct rank_row row;
		long long of;
		int in;

		if (kind == '0') {
			steps[nsteps].value = numtext_double(PQgetvalue(res, t, PAGE_COL(VALUE)));
			steps[nsteps].eq = strtoll(PQgetvalue(res, t, PAGE_COL(EQ)), NULL, 10);
			if (steps[nsteps].eq > 0)
				total += (size_t)steps[nsteps++].eq;
			continue;
		}
		/* a page row's rank and of are found in the steps below */
		in = kind == '2' && PQgetvalue(res, t, PAGE_COL(IN_COHORT))[0] == 't' &&
		    !PQgetisnull(res, t, PAGE_COL(RANK));
		of = in ? strtoll(PQgetvalue(res, t, PAGE_COL(OF)), NULL, 10) : 0;
		row.city = PQgetvalue(res, t, PAGE_COL(SLUG));
		row.name = PQgetvalue(res, t, PAGE_COL(NAME));
		row.value_text = PQgetisnull(res, t, PAGE_COL(VALUE)) ? NULL : PQgetvalue(res, t, PAGE_COL(VALUE));
		row.value = row.value_text ? numtext_double(row.value_text) : NAN;
		row.rank = in ? strtoll(PQgetvalue(res, t, PAGE_COL(RANK)), NULL, 10) : 0;
		row.percentile = in && of > 0 ? 100.0 * (double)(of - row.rank + 1) / (double)of : NAN;
		row.synthetic = PQgetvalue(res, t, PAGE_COL(SYNTHETIC))[0] == 't';
		row.lat = PQgetisnull(res, t, PAGE_COL(LAT)) ? NULL : PQgetvalue(res, t, PAGE_COL(LAT));
		row.lon = PQgetisnull(res, t, PAGE_COL(LON)) ? NULL : PQgetvalue(res, t, PAGE_COL(LON));
		if (kind == '2') {
			hl_row = t;
			hl_data = row;
		} else if (row.value_text && isfinite(row.value)) {
			rk->rows[rk->n++] = row;
		}
	}
	for (i = 1; i < nsteps; i++)
		if (hib ? !(steps[i - 1].value > steps[i].value) : !(steps[i - 1].value < steps[i].value))
			break;
	if (i < nsteps)
		qsort(steps, nsteps, sizeof(*steps), hib ? cmp_step_down : cmp_step_up);
	for (i = 0, k = 0; i < nsteps; i++) {
		steps[i].before = (long long)k;
		k += (size_t)steps[i].eq;
	}
	/* each page row's rank: 1 + the values ranked before its value's step (rows without a step, which
	 * one snapshot rules out, are left out) */
	for (i = 0, k = 0; i < rk->n; i++) {
		struct rank_row *o = &rk->rows[i];
		size_t lo = 0, hi = nsteps, mid;
		while (lo < hi) {	/* the first step not better than the row's value */
			mid = lo + (hi - lo) / 2;
			if (hib ? steps[mid].value > o->value : steps[mid].value < o->value)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo == nsteps || steps[lo].value != o->value)
			continue;
		o->rank = 1 + steps[lo].before;
		o->percentile = 100.0 * (double)((long long)total - o->rank + 1) / (double)total;
		rk->rows[k++] = *o;
	}
	rk->n = k;
	for (i = 1; i < rk->n; i++)
		if (cmp_rank_row(&rk->rows[i - 1], &rk->rows[i]) > 0)
			break;
	if (i < rk->n)
		qsort(rk->rows, rk->n, sizeof(*rk->rows), cmp_rank_row);
	rk->total = total;
	rk->first = (size_t)v->pg.offset < total ? (size_t)v->pg.offset : total;
	if (rk->n > total - rk->first)	/* never more rows than the steps count */
		rk->n = total - rk->first;
	if (hl_row >= 0) {
		struct hl_cols c = { PAGE_COL(IN_COHORT), PAGE_COL(VALUE), PAGE_COL(SLUG), PAGE_COL(NAME),
			PAGE_COL(SYNTHETIC), PAGE_COL(LAT), PAGE_COL(LON) };
		if ((hl = highlight_json(res, hl_row, &hl_data, total, &c)) == NULL)
			goto fail;
		json_object_set_new(rk->model, "highlight", hl);
	}
	if (total > 0 && (vals = malloc(total * sizeof(*vals))) == NULL)
		goto fail;
	for (i = 0, k = 0; i < nsteps; i++)
		for (j = 0; j < (size_t)steps[i].eq; j++)
			vals[k++] = steps[i].value;
	free(steps);
	steps = NULL;
	if (summary_of(rk->model, vals, total, PQgetvalue(head, 0, Q_METRIC_HEAD_UNIT)) == -1)
		goto fail;
	return 0;
fail:
	free(steps);
	ranking_free(rk);
	return -1;
}

/* ---- a page of the whole cohort's ranking from the wave's ranking block (rankblock.h) ---- */

/* The summary and histogram of a whole-cohort ranking cut from the block (summary_of over its rows),
 * kept in the worker per (version, wave, metric, unit): the same for every page and highlight of that
 * ranking, so computed once (issue 18, eighth session, v-rank2).  Shared by reference (json_incref):
 * nothing changes a model's summary or histogram once made.  0, or -1 when memory ran out. */
#define SUMKEEP 48
static struct {
	char key[192];
	json_t *summary, *hist;
} sumkeep[SUMKEEP];
static size_t sumnext;

static int
block_summary(json_t *model, const struct rankblock *b, const char *wave, const char *id, const char *unit,
    size_t first, size_t n)
{
	char key[sizeof(sumkeep[0].key)];
	struct rankblock_row o;
	double *vals = NULL;
	size_t i;
	int k = snprintf(key, sizeof(key), "%lld|%s|%s|%s", rankblock_version(b), wave, id, unit);

	if (k < 0 || (size_t)k >= sizeof(key))
		key[0] = '\0';	/* too long to keep: computed each time */
	for (i = 0; key[0] && i < SUMKEEP; i++)
		if (sumkeep[i].summary && strcmp(sumkeep[i].key, key) == 0) {
			if (json_object_set(model, "summary", sumkeep[i].summary) == -1 ||
			    json_object_set(model, "histogram", sumkeep[i].hist) == -1)
				return -1;
			return 0;
		}
	if (n > 0 && (vals = malloc(n * sizeof(*vals))) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		rankblock_row(b, first + i, &o);
		vals[i] = o.value;
	}
	if (summary_of(model, vals, n, unit) == -1)
		return -1;
	if (key[0] && json_object_get(model, "summary") && json_object_get(model, "histogram")) {
		i = sumnext++ % SUMKEEP;
		json_decref(sumkeep[i].summary);
		json_decref(sumkeep[i].hist);
		memcpy(sumkeep[i].key, key, sizeof(key));
		sumkeep[i].summary = json_incref(json_object_get(model, "summary"));
		sumkeep[i].hist = json_incref(json_object_get(model, "histogram"));
	}
	return 0;
}

/* The model of one page cut from the block (rows point into it): the metric's rows [first, first + n)
 * of the block are the whole cohort's ranking, best first; rows holds only the page, hl (a row of the
 * block, or -1) is the highlighted city; the summary and histogram come from every row, best first, as
 * build_page_model's; hl_city (a city of the block, or -1) a highlighted city without a row, hl then
 * 0; json_only (a JSON answer): when the page's JSON is had from the block, rows stay empty (rk->n
 * counts them: the answer copies the JSON).  0, or -1 when memory ran out (rk is then empty). */
static int
build_block_model(struct ranking *rk, const PGresult *head, const struct view *v, const struct rankblock *b,
    size_t first, size_t n, long hl, long hl_city, int json_only)
{
	struct rankblock_row o;
	size_t i, from, to;
	json_t *h;

	memset(rk, 0, sizeof(*rk));
	if ((rk->model = model_head(head, v)) == NULL)
		goto fail;
	from = (size_t)v->pg.offset < n ? (size_t)v->pg.offset : n;
	to = n - from > (size_t)v->pg.limit ? from + (size_t)v->pg.limit : n;
	rankblock_json(b, first, n, from, to, &rk->json, &rk->jlen);
	if (json_only && rk->json) {
		rk->n = to - from;	/* the JSON answer copies the page's rows from the block: no rows */
		goto rows_done;
	}
	if (to > from && (rk->rows = malloc((to - from) * sizeof(*rk->rows))) == NULL)
		goto fail;
	for (i = from; i < to; i++) {
		struct rank_row *row = &rk->rows[rk->n++];

		rankblock_row(b, first + i, &o);
		row->city = o.slug;
		row->name = o.name;
		row->value_text = o.value_text;
		row->value = o.value;
		row->rank = o.rank;
		row->percentile = 100.0 * (double)((long long)n - o.rank + 1) / (double)n;
		row->synthetic = o.synthetic;
		row->lat = o.lat;
		row->lon = o.lon;
	}
rows_done:
	rk->first = from;
	rk->total = n;
	if (hl >= 0 && hl_city >= 0) {	/* a city without a value in the wave: outside the cohort */
		rankblock_city_row(b, (size_t)hl_city, &o);
		h = json_pack("{s:s, s:s, s:n, s:n, s:n, s:b, s:b, s:I, s:o, s:o}", "city", o.slug, "name", o.name,
		    "value", "rank", "percentile", "synthetic", o.synthetic, "in_cohort", 0, "of", (json_int_t)n,
		    "lat", o.lat ? json_real(strtod(o.lat, NULL)) : json_null(),
		    "lon", o.lon ? json_real(strtod(o.lon, NULL)) : json_null());
		if (h == NULL)
			goto fail;
		json_object_set_new(rk->model, "highlight", h);
	} else if (hl >= 0) {
		rankblock_row(b, (size_t)hl, &o);
		h = json_pack("{s:s, s:s, s:f, s:I, s:f, s:b, s:b, s:I, s:o, s:o}", "city", o.slug, "name", o.name,
		    "value", o.value, "rank", (json_int_t)o.rank,
		    "percentile", 100.0 * (double)((long long)n - o.rank + 1) / (double)n,
		    "synthetic", o.synthetic, "in_cohort", 1, "of", (json_int_t)n,
		    "lat", o.lat ? json_real(strtod(o.lat, NULL)) : json_null(),
		    "lon", o.lon ? json_real(strtod(o.lon, NULL)) : json_null());
		if (h == NULL)
			goto fail;
		json_object_set_new(rk->model, "highlight", h);
	}
	if (block_summary(rk->model, b, PQgetvalue(head, 0, Q_METRIC_HEAD_WAVE), v->id,
	    PQgetvalue(head, 0, Q_METRIC_HEAD_UNIT), first, n) == -1)
		goto fail;
	return 0;
fail:
	ranking_free(rk);
	return -1;
}

/* The page of a whole-cohort ranking from the block of the wave at the data version this request
 * reads: 0 with rk built, 1 when the block cannot answer it (none at that version, the metric not in
 * it, an unknown highlighted city, or CITYBENCH_RANK_SQL set: then PostgreSQL ranks), -1
 * when memory ran out. */
static int
block_model(struct request *r, struct ranking *rk, const PGresult *head, const struct view *v)
{
	static int sql = -1;
	const struct rankblock *b;
	size_t first, n;
	long hl = -1, city;

	if (sql == -1) {
		const char *e = getenv("CITYBENCH_RANK_SQL");
		sql = e && *e && strcmp(e, "0") != 0;
	}
	if (sql || strcmp(v->c.stored[0], "all") != 0)
		return 1;
	b = rankblock_get(r->app->db, PQgetvalue(head, 0, Q_METRIC_HEAD_WAVE), app_data_version(r->app));
	if (b == NULL || rankblock_metric(b, v->id, &first, &n) == -1 || n == 0)
		return 1;
	if (v->city) {
		if ((city = rankblock_city(b, v->city)) < 0)
			return 1;	/* no such city: PostgreSQL says so */
		if ((hl = rankblock_find(b, first, n, city)) < 0)
			return build_block_model(rk, head, v, b, first, n, 0, city, r->fmt == FMT_JSON) == -1 ? -1 : 0;
	}
	return build_block_model(rk, head, v, b, first, n, hl, -1, r->fmt == FMT_JSON) == -1 ? -1 : 0;
}

/* The highlighted city's index in the rows, or -1 when there is none or it is not in the cohort. */
static long
highlight_position(const struct ranking *rk)
{
	json_t *hl = json_object_get(rk->model, "highlight");
	size_t i;

	if (hl == NULL || !json_is_true(json_object_get(hl, "in_cohort")))
		return -1;
	for (i = 0; i < rk->n; i++)
		if (strcmp(rk->rows[i].city, view_str(hl, "city")) == 0)
			return (long)i;
	return -1;
}

/* The standalone chart's own lines (issue 15): the peer group under the title, the source and licence,
 * and the permalink of this view (the metric, the wave, the peers, the chart, the city). */
static void
svg_lines(json_t *model, const char *chart, int narrow, struct buf *sub, struct buf *src, struct buf *link)
{
	const char *peers = view_str(model, "peers"), *city;
	json_t *hl = json_object_get(model, "highlight");

	if (*peers)
		buf_printf(sub, _("%s wave · peer group %s (%lld cities with a value)"), view_str(model, "survey"),
		    peers, (long long)json_integer_value(json_object_get(json_object_get(model, "summary"), "n")));
	else
		buf_printf(sub, _("%s wave · all %lld cities with a value"), view_str(model, "survey"),
		    (long long)json_integer_value(json_object_get(json_object_get(model, "summary"), "n")));
	buf_printf(src, _("Source: citybench, the %s municipal innovation survey · Licence: CC BY 4.0"),
	    view_str(model, "survey"));
	buf_printf(link, "/metrics/%s.svg?survey=%s", view_str(json_object_get(model, "metric"), "id"),
	    view_str(model, "survey"));
	if (*peers) {
		buf_puts(link, "&peers=");
		url_encode(link, peers);
	}
	if (chart)
		buf_printf(link, "&chart=%s", chart);
	if (narrow)
		buf_puts(link, "&layout=narrow");
	city = hl ? view_str(hl, "city") : "";
	if (*city)
		buf_printf(link, "&city=%s", city);
}

static void
histogram_svg(struct buf *b, json_t *model, const char *id, int standalone, int narrow)
{
	json_t *metric = json_object_get(model, "metric"), *hist = json_object_get(model, "histogram"), *o;
	json_t *hl = json_object_get(model, "highlight"), *summary = json_object_get(model, "summary");
	struct chart_bin *bins = calloc(json_array_size(hist) + 1, sizeof(*bins));
	struct buf title = BUF_INIT, desc = BUF_INIT, marker = BUF_INIT;
	struct buf sub = BUF_INIT, src = BUF_INIT, link = BUF_INIT;
	struct chart c;
	size_t i;
	long at = -1;

	if (bins == NULL)
		return;
	json_array_foreach(hist, i, o) {
		bins[i].lo = view_num(o, "lo");
		bins[i].hi = view_num(o, "hi");
		bins[i].closed = json_is_true(json_object_get(o, "closed"));
		bins[i].count = (size_t)json_integer_value(json_object_get(o, "count"));
	}
	if (hl && json_is_true(json_object_get(hl, "in_cohort"))) {
		at = chart_bin_of(bins, json_array_size(hist), view_num(hl, "value"));
		buf_printf(&marker, "◀ %s", view_str(hl, "name"));
	}
	buf_printf(&title, _("%s, %s: how many cities have each value"), names_json_title(metric, NULL),
	    view_str(model, "survey"));
	if (*view_str(model, "peers"))
		buf_printf(&desc, _("Histogram of %lld cities' values among peers %s."),
		    (long long)json_integer_value(json_object_get(summary, "n")), view_str(model, "peers"));
	else
		buf_printf(&desc, _("Histogram of %lld cities' values."),
		    (long long)json_integer_value(json_object_get(summary, "n")));
	if (at >= 0)
		buf_printf(&desc, _(" The bar of %s is hatched and marked."), view_str(hl, "name"));
	if (chart_bins_uneven(bins, json_array_size(hist)))
		buf_puts(&desc, _(" The values are skewed: the bins are of unequal width, from the deciles "
		    "(rounded), so that each holds about a tenth of the cities."));
	c = (struct chart){ .id = id, .title = title.data, .desc = desc.data, .unit = view_str(metric, "unit"),
		.marker = at >= 0 ? marker.data : NULL, .standalone = standalone, .narrow = narrow };
	if (standalone) {
		svg_lines(model, NULL, narrow, &sub, &src, &link);
		c.subtitle = sub.data;
		c.source = src.data;
		c.permalink = link.data;
	}
	chart_histogram(b, &c, bins, json_array_size(hist), at);
	buf_free(&sub);
	buf_free(&src);
	buf_free(&link);
	buf_free(&title);
	buf_free(&desc);
	buf_free(&marker);
	free(bins);
}

/* The ranking bar chart: the first SVG_TOP cities and the highlighted one after them. */
static void
ranking_svg(struct buf *b, const struct ranking *rk, const char *id, int standalone, int narrow)
{
	json_t *model = rk->model, *metric = json_object_get(model, "metric");
	json_t *hl = json_object_get(model, "highlight");
	const struct rank_row *o;
	size_t n = rk->n, shown = n < SVG_TOP ? n : SVG_TOP, i;
	long pos = highlight_position(rk), mark = -1;
	struct buf names = BUF_INIT, title = BUF_INIT, desc = BUF_INIT;
	struct buf sub = BUF_INIT, src = BUF_INIT, link = BUF_INIT;
	const char *labels[SVG_TOP + 1];
	double vals[SVG_TOP + 1];
	size_t offs[SVG_TOP + 1], k = 0;
	struct chart c;

	/* the top half and the bottom half of SVG_TOP rows, and the highlighted city in its place */
	for (i = 0; i < shown + 1; i++) {
		size_t at = i < shown / 2 || n <= SVG_TOP ? i : n - (shown - i);
		if (i == shown) {
			if (pos < 0 || (size_t)pos < shown / 2 || (size_t)pos >= n - shown / 2 || n <= SVG_TOP)
				break;
			at = (size_t)pos;
			/* between the top and the bottom */
			memmove(&vals[shown / 2 + 1], &vals[shown / 2], (shown - shown / 2) * sizeof(vals[0]));
			memmove(&offs[shown / 2 + 1], &offs[shown / 2], (shown - shown / 2) * sizeof(offs[0]));
			o = &rk->rows[at];
			offs[shown / 2] = names.len;
			buf_printf(&names, "%lld. %s", o->rank, o->name);
			buf_putc(&names, '\0');
			vals[shown / 2] = o->value;
			mark = (long)(shown / 2);
			k++;
			break;
		}
		o = &rk->rows[at];
		offs[k] = names.len;
		buf_printf(&names, "%lld. %s", o->rank, o->name);
		buf_putc(&names, '\0');
		vals[k] = o->value;
		if (pos >= 0 && at == (size_t)pos)
			mark = (long)k;
		k++;
	}
	for (i = 0; i < k; i++)
		labels[i] = names.data ? names.data + offs[i] : "";
	buf_printf(&title, _("%s, %s: ranking"), names_json_title(metric, NULL), view_str(model, "survey"));
	if (n <= SVG_TOP && *view_str(model, "peers"))
		buf_printf(&desc, _("Every one of the %zu cities among peers %s, best first."), n, view_str(model, "peers"));
	else if (n <= SVG_TOP)
		buf_printf(&desc, _("Every one of the %zu cities, best first."), n);
	else if (*view_str(model, "peers"))
		buf_printf(&desc, _("The %zu best and the %zu last of %zu cities among peers %s, best first."), shown / 2,
		    shown - shown / 2, n, view_str(model, "peers"));
	else
		buf_printf(&desc, _("The %zu best and the %zu last of %zu cities, best first."), shown / 2,
		    shown - shown / 2, n);
	if (mark >= 0)
		buf_printf(&desc, _(" %s is marked."), view_str(hl, "name"));
	c = (struct chart){ .id = id, .title = title.data, .desc = desc.data, .unit = view_str(metric, "unit"),
		.standalone = standalone, .narrow = narrow };
	if (standalone) {
		svg_lines(model, "ranking", narrow, &sub, &src, &link);
		c.subtitle = sub.data;
		c.source = src.data;
		c.permalink = link.data;
	}
	chart_bars(b, &c, labels, vals, k, mark);
	buf_free(&sub);
	buf_free(&src);
	buf_free(&link);
	buf_free(&names);
	buf_free(&title);
	buf_free(&desc);
}

/* The rows [*from, *to) of this page of the list. */
static void
page_rows(const struct ranking *rk, const struct paging *pg, size_t *from, size_t *to)
{
	*from = (size_t)pg->offset < rk->total ? (size_t)pg->offset : rk->total;
	*to = rk->total - *from > (size_t)pg->limit ? *from + (size_t)pg->limit : rk->total;
	/* a page model holds only this page's rows: never index past them */
	if (*from < rk->first)
		*from = rk->first;
	if (*to > rk->first + rk->n)
		*to = rk->first + rk->n;
	if (*to < *from)
		*to = *from;
}

static void
metric_csv(struct request *r, const struct ranking *rk, const struct paging *pg)
{
	size_t i, from, to;

	r->ctype = "text/csv";
	buf_puts(&r->out, "rank,city,name,value\r\n");
	page_rows(rk, pg, &from, &to);
	for (i = from; i < to; i++) {
		const struct rank_row *o = &rk->rows[i - rk->first];
		csv_int(&r->out, o->rank);
		csv_sep(&r->out);
		csv_text(&r->out, o->city);
		csv_sep(&r->out);
		csv_text(&r->out, o->name);
		csv_sep(&r->out);
		csv_number(&r->out, o->value);
		csv_eol(&r->out);
	}
}

/* a string literal appended without strlen (a ranking's rows are ~10 of them each) */
#define LIT(b, s) buf_append((b), (s), sizeof(s) - 1)

/* The JSON: the model's members in their order, with the rows as "values" after "peers" (where the
 * jansson model had them), written by the streaming writer.  0, or -1 when memory ran out. */
static int
metric_json(struct request *r, const struct ranking *rk, const struct paging *pg)
{
	struct buf *b = &r->out, path = BUF_INIT;
	const char *key;
	json_t *val, *next;
	size_t i, from, to;
	int rc = 0, first = 1;

	page_rows(rk, pg, &from, &to);
	buf_printf(&path, "/metrics/%s.json", view_str(json_object_get(rk->model, "metric"), "id"));
	next = paging_next(r, pg, path.data ? path.data : "/metrics", (long long)rk->total);
	buf_free(&path);
	if (next == NULL)
		return -1;

	buf_reset(b);
	r->status = 200;
	r->ctype = "application/json";
	/* about 100 bytes a row: one allocation rather than a dozen doublings of a 1 MB answer */
	rc |= buf_reserve(b, 4096 + (to - from) * 112);
	rc |= buf_putc(b, '{');
	json_object_foreach(rk->model, key, val) {
		if (!first)
			rc |= buf_putc(b, ',');
		first = 0;
		rc |= jsonw_key(b, key);
		rc |= jsonw_value(b, val);
		if (strcmp(key, "peers") != 0)
			continue;
		rc |= buf_puts(b, ",\"values\":[");
		if (rk->json && to > from)	/* the page's rows as the ranking block keeps them */
			rc |= buf_append(b, rk->json, rk->jlen);
		for (i = from; i < to && rc == 0 && !rk->json; i++) {
			const struct rank_row *o = &rk->rows[i - rk->first];
			if (i > from)
				rc |= buf_putc(b, ',');
			rc |= rankrow_json(b, o->city, o->name, o->value_text, o->rank, o->percentile, o->synthetic,
			    o->lat, o->lon);
		}
		rc |= buf_putc(b, ']');
		rc |= buf_printf(b, ",\"total\":%zu,\"limit\":%ld,\"offset\":%ld,\"next\":", rk->total, pg->limit,
		    pg->offset);
		rc |= jsonw_value(b, next);
	}
	json_decref(next);
	rc |= buf_append(b, "}\n", 2);
	return rc ? -1 : 0;
}

static void
summary_html(struct buf *b, json_t *model)
{
	json_t *s = json_object_get(model, "summary"), *share = json_object_get(s, "share");
	const char *unit = view_str(json_object_get(model, "metric"), "unit");
	static const char *const keys[] = { "mean", "median", "min", "max" };
	static const char *const names[] = { N_("Mean"), N_("Median"), N_("Lowest"), N_("Highest") };
	size_t i;

	html_raw(b, "<section aria-labelledby=\"summary-h\"><h2 id=\"summary-h\">");
	html_text(b, _("Summary"));
	html_raw(b, "</h2>\n<dl class=\"summary\"><dt>");
	html_text(b, _("Cities with a value"));
	html_raw(b, "</dt><dd><data value=\"");
	buf_printf(b, "%lld\">%lld</data></dd>", (long long)json_integer_value(json_object_get(s, "n")),
	    (long long)json_integer_value(json_object_get(s, "n")));
	for (i = 0; i < 4; i++) {
		html_raw(b, "<dt>");
		html_text(b, _(names[i]));
		buf_printf(b, "</dt><dd id=\"summary-%s\">", keys[i]);
		/* a mean of 0/1 shares is a fraction, not a yes or no */
		view_number_html(b, view_num(s, keys[i]), i == 0 && strcmp(unit, "share") == 0 ? NULL : unit);
		if (i == 0 && share)
			buf_printf(b, _(" — %lld%% of cities (%lld of %lld)"),
			    (long long)json_integer_value(json_object_get(share, "percent")),
			    (long long)json_integer_value(json_object_get(share, "yes")),
			    (long long)json_integer_value(json_object_get(share, "of")));
		html_raw(b, "</dd>");
	}
	html_raw(b, "</dl></section>\n");
}

static void
form_html(struct request *r, json_t *model, const struct view *v)
{
	struct buf *b = &r->out;

	html_raw(b, "<form class=\"view\" method=\"get\" action=\"/metrics/");
	url_encode(b, v->id);
	html_raw(b, "\"><fieldset><legend>");
	html_text(b, _("View"));
	html_raw(b, "</legend>\n<div class=\"field\"><label for=\"survey\">");
	html_text(b, _("Wave"));
	html_raw(b, "</label><select id=\"survey\" name=\"survey\">");
	view_wave_options(b, json_object_get(model, "waves"), view_str(model, "survey"));
	html_raw(b, "</select></div>\n<div class=\"field\"><label for=\"peers\">");
	html_text(b, _("Peers"));
	html_raw(b, "</label><input id=\"peers\" name=\"peers\" aria-describedby=\"peers-help\" value=\"");
	html_attr(b, view_str(model, "peers"));
	html_raw(b, "\"><p id=\"peers-help\" class=\"help\">");
	/* TRANSLATORS: keep the <code> examples */
	html_raw(b, _("Empty for every city; or <code>region:Europe</code>, "
	    "<code>country:CA</code>, <code>population:100000-2000000</code>, or city slugs separated "
	    "by commas."));
	html_raw(b, "</p></div>\n");
	view_peers_selects(r, b);
	html_raw(b, "<div class=\"field\"><label for=\"city\">");
	html_text(b, _("Highlight a city"));
	html_raw(b, "</label><input id=\"city\" name=\"city\" aria-describedby=\"city-help\" value=\"");
	html_attr(b, v->city ? v->city : "");
	html_raw(b, "\"><p id=\"city-help\" class=\"help\">");
	/* TRANSLATORS: keep the <code> example */
	html_raw(b, _("The city's slug, as in its address: <code>toronto</code> for /cities/toronto."));
	html_raw(b, "</p></div>\n<button type=\"submit\">");
	html_text(b, _("Show"));
	html_raw(b, "</button></fieldset></form>\n");
}

static void
ranking_row(struct buf *b, const struct rank_row *o, const char *unit, int mark)
{
	html_raw(b, mark ? "<tr class=\"selected\" aria-current=\"true\"><td class=\"num\">" :
	    "<tr><td class=\"num\">");
	buf_printf(b, "%lld", o->rank);
	html_raw(b, "</td><th scope=\"row\"><a href=\"/cities/");
	url_encode(b, o->city);
	html_raw(b, "\">");
	html_text(b, o->name);
	html_raw(b, "</a>");
	if (o->synthetic) {
		html_raw(b, " <span class=\"tag-synthetic\">");
		html_text(b, _("synthetic"));
		html_raw(b, "</span>");
	}
	if (mark) {
		html_raw(b, " <strong class=\"marker\">◀ ");
		html_text(b, _("selected"));
		html_raw(b, "</strong>");
	}
	html_raw(b, "</th><td class=\"num\">");
	view_number_html(b, o->value, unit);
	html_raw(b, "</td><td class=\"num\">");
	view_percentile_html(b, o->percentile);
	html_raw(b, "</td></tr>\n");
}

/* The embed snippet (issue 15): the chart of this view as an <iframe> and as an <img>, in read-only
 * text boxes a reader copies.  The addresses are paths: the portal does not know its public address.
 * Both ask for the narrow layout (360 units wide), whose text stays over 9 CSS px in a frame as narrow
 * as a 320 px phone's column; the frame is as high as that chart, so it is never shrunk to fit. */
static void
embed_html(struct request *r, json_t *model, const char *path)
{
	struct buf *b = &r->out, url = BUF_INIT, code = BUF_INIT, svg = BUF_INIT;
	const char *vb;
	double w = 0, h = 0;

	buf_puts(&url, path);
	buf_puts(&url, ".svg?");
	if (*r->query_string && strstr(r->query_string, "layout=") == NULL) {
		buf_puts(&url, r->query_string);
		buf_putc(&url, '&');
	}
	buf_puts(&url, "layout=narrow");
	histogram_svg(&svg, model, "chart", 1, 1);
	vb = svg.data ? strstr(svg.data, "viewBox=\"") : NULL;
	if (vb == NULL || sscanf(vb, "viewBox=\"0 0 %lf %lf\"", &w, &h) != 2 || !(h > 0 && h < 1e5))
		h = 600;
	html_raw(b, "<details class=\"embed\"><summary>");
	html_text(b, _("Embed this chart"));
	html_raw(b, "</summary>\n<p>");
	/* TRANSLATORS: keep the <code> parts as they are */
	html_raw(b, _("Copy one of these into your page. The chart names the metric, the wave and the peer group, "
	    "and credits citybench and the survey (CC BY 4.0). It is drawn narrow, readable on a phone; for a "
	    "wide space, change <code>layout=narrow</code> to <code>layout=wide</code>. On another site, put "
	    "this portal's address in front of the path."));
	html_raw(b, "</p>\n<div class=\"field\"><label for=\"embed-iframe\">");
	html_text(b, _("As a frame"));
	html_raw(b, "</label><textarea id=\"embed-iframe\" readonly rows=\"5\">");
	buf_puts(&code, "<iframe src=\"");
	buf_puts(&code, url.data ? url.data : "");
	buf_printf(&code, "\" title=\"citybench chart\" width=\"100%%\" height=\"%.0f\" loading=\"lazy\"></iframe>",
	    ceil(h));
	html_text(b, code.data ? code.data : "");
	html_raw(b, "</textarea></div>\n<div class=\"field\"><label for=\"embed-img\">");
	html_text(b, _("As an image"));
	html_raw(b, "</label><textarea id=\"embed-img\" readonly rows=\"5\">");
	buf_reset(&code);
	buf_puts(&code, "<img src=\"");
	buf_puts(&code, url.data ? url.data : "");
	buf_puts(&code, "\" alt=\"citybench chart (its description is in the image)\" width=\"100%\">");
	html_text(b, code.data ? code.data : "");
	html_raw(b, "</textarea></div>\n</details>\n");
	buf_free(&url);
	buf_free(&code);
	buf_free(&svg);
}

static void
metric_html(struct request *r, const struct ranking *rk, const struct view *v)
{
	struct buf *b = &r->out, title = BUF_INIT, path = BUF_INIT, desc = BUF_INIT;
	json_t *model = rk->model, *metric = json_object_get(model, "metric");
	json_t *hl = json_object_get(model, "highlight"), *hist = json_object_get(model, "histogram"), *o;
	const char *unit = view_str(metric, "unit"), *peers = view_str(model, "peers");
	size_t n = rk->n, i;
	long pos = highlight_position(rk);

	buf_printf(&title, _("%s, %s"), names_json_title(metric, NULL), view_str(model, "survey"));
	buf_printf(&path, "/metrics/%s", view_str(metric, "id"));
	/* the description: the metric, the wave, the cohort, the highlighted city's figure, the median */
	if (*peers)
		buf_printf(&desc, _("%s in the %s municipal innovation survey: %zu cities ranked among peers %s"),
		    names_json_title(metric, NULL), view_str(model, "survey"), n, peers);
	else
		buf_printf(&desc, _("%s in the %s municipal innovation survey: %zu cities ranked"),
		    names_json_title(metric, NULL), view_str(model, "survey"), n);
	if (hl && json_is_true(json_object_get(hl, "in_cohort"))) {
		buf_printf(&desc, _("; %s: "), view_str(hl, "name"));
		chart_value(&desc, view_num(hl, "value"), unit);
		buf_printf(&desc, _(", rank %lld of %zu"), (long long)json_integer_value(json_object_get(hl, "rank")), n);
	}
	if (n > 0 && strcmp(unit, "share") == 0) {	/* a yes or no per city: the share of yes */
		buf_puts(&desc, _("; yes in "));
		chart_value(&desc, view_num(json_object_get(model, "summary"), "mean") * 100, "percent");
		buf_puts(&desc, _(" of them"));
	} else if (n > 0) {
		buf_puts(&desc, _("; median "));
		chart_value(&desc, view_num(json_object_get(model, "summary"), "median"), unit);
	}
	buf_puts(&desc, _(". With its distribution, the plugin that computes it, and the data as CSV and JSON."));
	page_begin_described(r, title.data, desc.data);
	html_raw(b, "<h1>");
	names_json_title_html(b, metric);
	html_raw(b, "</h1>\n<p class=\"lead\">");
	names_json_description_html(b, metric);
	html_raw(b, "</p>\n<dl class=\"facts\"><dt>");
	html_text(b, _("Unit"));
	html_raw(b, "</dt><dd>");
	html_text(b, unit_words(unit));
	html_raw(b, "</dd><dt>");
	html_text(b, _("Better"));
	html_raw(b, "</dt><dd>");
	html_text(b, json_is_true(json_object_get(metric, "higher_is_better")) ? _("higher") : _("lower"));
	html_raw(b, "</dd><dt>");
	html_text(b, _("Wave"));
	html_raw(b, "</dt><dd>");
	html_text(b, view_str(model, "survey"));
	html_raw(b, "</dd><dt>");
	html_text(b, _("Peers"));
	html_raw(b, "</dt><dd>");
	if (*peers) {
		html_raw(b, "<code>");
		html_text(b, peers);
		html_raw(b, "</code>");
	} else {
		html_text(b, _("every city with a value in the wave"));
	}
	html_raw(b, "</dd><dt>");
	html_text(b, _("Plugin"));
	html_raw(b, "</dt><dd>");
	ltext(b, _("<a href=\"#source\"><code>{1}</code></a>, version {2}"), 0, view_str(metric, "plugin"),
	    view_str(metric, "version"), NULL, NULL);
	html_raw(b, "</dd></dl>\n");
	latest_pools_html(b, model);
	metric_refusal_notice_html(b, metric);
	metric_version_notice_html(b, metric);
	view_twin_links(r, N_("This page as data"), path.data, 1);
	embed_html(r, model, path.data);
	form_html(r, model, v);

	if (hl) {
		html_raw(b, "<p class=\"highlight\"><strong>");
		html_text(b, view_str(hl, "name"));
		html_raw(b, "</strong>");
		html_raw(b, _(": "));
		if (json_is_true(json_object_get(hl, "in_cohort"))) {
			struct buf val = BUF_INIT, pc = BUF_INIT;
			char rs[32], ns[32];
			view_number_html(&val, view_num(hl, "value"), unit);
			view_percentile_html(&pc, view_num(hl, "percentile"));
			snprintf(rs, sizeof rs, "%lld", (long long)json_integer_value(json_object_get(hl, "rank")));
			snprintf(ns, sizeof ns, "%zu", n);
			/* TRANSLATORS: {1} the value, {2} the rank, {3} the number of cities, {4} the percentile */
			ltext(b, _("{1}, rank <span id=\"highlight-rank\">{2}</span> of {3}, percentile {4} "
			    "(the share of these cities it equals or beats)."), 1 | 8, val.data ? val.data : "", rs, ns,
			    pc.data ? pc.data : "");
			buf_free(&val);
			buf_free(&pc);
		} else if (json_is_number(json_object_get(hl, "value"))) {
			view_number_html(b, view_num(hl, "value"), unit);
			html_text(b, _(", but it is not among these peers, so it has no rank here."));
		} else {
			html_text(b, _("no value in this wave."));
		}
		html_raw(b, "</p>\n");
		trend_html(r, view_str(hl, "city"), view_str(hl, "name"), v->id);
	}
	summary_html(b, model);

	html_raw(b, "<section aria-labelledby=\"dist-h\"><h2 id=\"dist-h\">");
	html_text(b, _("Distribution"));
	html_raw(b, "</h2>\n<div class=\"chart-and-table\"><figure class=\"chart\"><div class=\"chart-scroll\" tabindex=\"0\" role=\"region\" aria-label=\"");
	html_attr(b, _("Distribution chart, scrolls sideways"));
	html_raw(b, "\">");
	histogram_svg(b, model, "dist", 0, 0);
	html_raw(b, "</div><figcaption>");
	html_text(b, _("How many cities have each value. The same numbers are in the table."));
	html_raw(b, "</figcaption></figure>\n<div class=\"table-scroll\" tabindex=\"0\" role=\"region\" aria-label=\"");
	html_attr(b, _("Distribution, scrolls sideways"));
	html_raw(b, "\"><table class=\"data bins\"><caption>");
	html_text(b, _("Distribution"));
	html_raw(b, "</caption><thead><tr><th scope=\"col\">");
	html_text(b, _("Value"));
	html_raw(b, "</th><th scope=\"col\" class=\"num\">");
	html_text(b, _("Cities"));
	html_raw(b, "</th></tr></thead><tbody>\n");
	json_array_foreach(hist, i, o) {
		struct chart_bin bin = { view_num(o, "lo"), view_num(o, "hi"), json_is_true(json_object_get(o, "closed")),
			(size_t)json_integer_value(json_object_get(o, "count")) };
		int mark = hl && json_is_true(json_object_get(hl, "in_cohort")) &&
		    chart_bin_of(&bin, 1, view_num(hl, "value")) == 0;
		html_raw(b, mark ? "<tr class=\"selected\"><th scope=\"row\">" : "<tr><th scope=\"row\">");
		{
			struct buf t = BUF_INIT;
			chart_bin_label(&t, &bin, unit);
			html_text(b, t.data ? t.data : "");
			buf_free(&t);
		}
		if (mark) {
			html_raw(b, " <strong class=\"marker\">◀ ");
			html_text(b, view_str(hl, "name"));
			html_raw(b, "</strong>");
		}
		buf_printf(b, "</th><td class=\"num\">%zu</td></tr>\n", bin.count);
	}
	html_raw(b, "</tbody></table></div></div></section>\n");

	html_raw(b, "<section aria-labelledby=\"ranking-h\"><h2 id=\"ranking-h\">");
	html_text(b, _("Ranking"));
	html_raw(b, "</h2>\n");
	if (n == 0) {
		html_raw(b, "<p class=\"notice\">");
		html_text(b, _("No city in this cohort has a value in this wave."));
		html_raw(b, "</p>\n");
	} else {
		int cut = n > ROWS_ALL && !v->all && !v->pg.given;
		size_t last = 0, from = 0, to = n;
		if (v->pg.given)
			page_rows(rk, &v->pg, &from, &to);
		/* a continuous metric: its ranking as bars too, the top and the bottom with the highlighted
		 * city, beside the histogram (a yes/no metric's ranking is two groups: the share says it) */
		if (json_object_get(json_object_get(rk->model, "summary"), "share") == NULL) {
			html_raw(b, "<figure class=\"chart\"><div class=\"chart-scroll\" tabindex=\"0\" role=\"region\" "
			    "aria-label=\"");
			html_attr(b, _("Ranking chart"));
			html_raw(b, "\">");
			ranking_svg(b, rk, "rankchart", 0, 0);
			html_raw(b, "</div><figcaption>");
			if (json_object_get(rk->model, "highlight") && highlight_position(rk) >= 0)
				html_text(b, _("The best and the last cities, with the city chosen. Every city is in the table below."));
			else
				html_text(b, _("The best and the last cities. Every city is in the table below."));
			html_raw(b, "</figcaption></figure>\n");
		}
		html_raw(b, "<p>");
		html_text(b, _("Rank 1 is the best; cities with the same value share the best rank. "
		    "The percentile is the share of these cities whose value the city equals or beats."));
		html_raw(b, "</p>\n<div class=\"table-scroll\" tabindex=\"0\" role=\"region\" aria-label=\"");
		html_attr(b, _("Ranking, scrolls sideways"));
		html_raw(b, "\"><table class=\"data ranking\"><caption>");
		html_text(b, _("Ranking"));
		if (cut)
			buf_printf(b, _(" (the first %d of %zu cities)"), ROWS_TOP, n);
		else if (v->pg.given)
			buf_printf(b, _(" (%zu to %zu of %zu cities)"), from + 1, to, n);
		html_raw(b, "</caption><thead><tr><th scope=\"col\" class=\"num\">");
		html_text(b, _("Rank"));
		html_raw(b, "</th><th scope=\"col\">");
		html_text(b, _("City"));
		html_raw(b, "</th><th scope=\"col\" class=\"num\">");
		html_text(b, _("Value"));
		html_raw(b, "</th><th scope=\"col\" class=\"num\">");
		html_text(b, _("Percentile"));
		html_raw(b, "</th></tr></thead><tbody>\n");
		for (i = from; i < to; i++) {
			int near = pos >= 0 && (long)i >= pos - ROWS_AROUND && (long)i <= pos + ROWS_AROUND;
			if (cut && i >= ROWS_TOP && !near)
				continue;
			if (cut && i > 0 && i != last + 1)
				html_raw(b, "<tr class=\"gap\"><td colspan=\"4\">…</td></tr>\n");
			ranking_row(b, &rk->rows[i], unit, (long)i == pos);
			last = i;
		}
		html_raw(b, "</tbody></table></div>\n");
		if (v->pg.given) {
			json_t *next = paging_next(r, &v->pg, path.data ? path.data : "/metrics", (long long)n);
			if (json_is_string(next)) {
				html_raw(b, "<nav class=\"pages\" aria-label=\"Pages\"><ul><li><a rel=\"next\" href=\"");
				html_attr(b, json_string_value(next));
				html_raw(b, "\">");
				html_text(b, _("Next page"));
				html_raw(b, "</a></li></ul></nav>\n");
			}
			json_decref(next);
		}
		if (cut) {
			html_raw(b, "<p><a href=\"");
			html_attr(b, path.data);
			html_raw(b, "?");
			if (*r->query_string) {
				html_attr(b, r->query_string);
				html_raw(b, "&amp;");
			}
			html_raw(b, "all=1\">");
			buf_printf(b, _("Show all %zu cities</a> (also in the CSV and JSON)."), n);
			html_raw(b, "</p>\n");
		}
	}
	html_raw(b, "</section>\n<section aria-labelledby=\"source\"><h2 id=\"source\">");
	html_text(b, _("How it is computed"));
	html_raw(b, "</h2>\n<p>");
	ltext(b, _("The plugin <code>{1}</code>, version {2}, computes the value of each city in each wave from "
	    "its answers. Its source:"), 0, view_str(metric, "plugin"), view_str(metric, "version"), NULL, NULL);
	html_raw(b, "</p>\n<pre><code>");
	html_text(b, view_str(metric, "source"));
	html_raw(b, "</code></pre>\n");
	metric_refusal_detail_html(b, metric);
	html_raw(b, "</section>\n");
	page_end(r);
	buf_free(&title);
	buf_free(&path);
	buf_free(&desc);
}

int
metric_get(struct request *r)
{
	struct view v;
	PGresult *head = NULL, *rank = NULL;
	struct ranking rk = { 0 };
	const char *p[3];
	PGresult *ver = NULL;
	int status = -1, retired, paged, block = 1;

	if (read_view(r, &v) == -1)
		goto out;
	if (view_not_modified(r)) {
		status = 0;
		goto out;
	}
	p[0] = v.id;
	p[1] = v.wave;
	head = db_query(r->app->db, Q_METRIC_HEAD, 2, p);
	if (!db_ok(head)) {
		view_db_error(r, head);
		goto out;
	}
	if (PQntuples(head) == 0) {
		reply_errorf(r, 404, "no metric called \"%s\"", v.id);
		goto out;
	}
	if (PQgetvalue(head, 0, Q_METRIC_HEAD_WAVE_KNOWN)[0] != 't') {
		reply_errorf(r, 404, "no survey wave %s", v.wave);
		goto out;
	}
	p[0] = v.id;
	p[1] = v.city;
	retired = metric_version_arg(r, v.id, &p[2], &ver);	/* ?version=V */
	if (retired == -1)
		goto out;
	/* JSON and CSV of a stored cohort: one page from the values' index; the rest ranks the cohort */
	paged = !retired && (r->fmt == FMT_JSON || r->fmt == FMT_CSV) && view_cohort_is_stored(&v.c) &&
	    !view_wave_is_latest(PQgetvalue(head, 0, Q_METRIC_HEAD_WAVE));
	if (paged && (block = block_model(r, &rk, head, &v)) == -1) {
		reply_error(r, 503, "out of memory", NULL);
		goto out;
	}
	if (block == 0) {
		;	/* cut from the wave's ranking block */
	} else if (paged) {
		char off[24], lim[24];
		const char *pp[7];
		int hib = PQgetvalue(head, 0, Q_METRIC_HEAD_HIGHER_IS_BETTER)[0] == 't';
		snprintf(off, sizeof off, "%ld", v.pg.offset);
		snprintf(lim, sizeof lim, "%ld", v.pg.limit);
		pp[0] = PQgetvalue(head, 0, Q_METRIC_HEAD_WAVE);
		pp[1] = v.c.stored[0];
		pp[2] = v.c.stored[1];
		pp[3] = v.id;
		pp[4] = v.city;
		pp[5] = off;
		pp[6] = lim;
		rank = db_query(r->app->db, hib ? Q_METRIC_PAGE_DESC : Q_METRIC_PAGE_ASC, 7, pp);
	} else {
		rank = view_cohort_query(r->app->db, retired ? Q_METRIC_RANKING_STORED_VER : Q_METRIC_RANKING_STORED,
		    retired ? Q_METRIC_RANKING_VER : Q_METRIC_RANKING, &v.c, PQgetvalue(head, 0, Q_METRIC_HEAD_WAVE), p,
		    retired ? 3 : 2);
	}
	if (block != 0 && !db_ok(rank)) {
		view_db_error(r, rank);
		goto out;
	}
	if (block != 0 && (paged ? build_page_model(&rk, head, rank, &v,
	    PQgetvalue(head, 0, Q_METRIC_HEAD_HIGHER_IS_BETTER)[0] == 't') : build_model(&rk, head, rank, &v)) == -1) {
		reply_error(r, 503, "out of memory", NULL);
		goto out;
	}
	if (retired && metric_version_model(json_object_get(rk.model, "metric"), p[2], ver) == -1) {
		reply_error(r, 503, "out of memory", NULL);
		goto out;
	}
	if (view_wave_is_latest(v.wave) && latest_pools_set(r->app->db, &v.c, rk.model) == -1) {
		reply_error(r, 503, "the database is unreachable", NULL);
		goto out;
	}
	names_metric_json(r->app, json_object_get(rk.model, "metric"));
	if (metric_refusal_model(r->app->db, json_object_get(rk.model, "metric")) == -1) {
		reply_error(r, 503, "the database is unreachable", NULL);
		goto out;
	}
	if (v.city && json_object_get(rk.model, "highlight") == NULL) {
		reply_errorf(r, 400, "unknown city \"%s\" (city names the city to highlight)", v.city);
		goto out;
	}
	switch (r->fmt) {
	case FMT_JSON:
		if (metric_json(r, &rk, &v.pg) == -1) {
			reply_error(r, 503, "out of memory", NULL);
			goto out;
		}
		break;
	case FMT_CSV:
		metric_csv(r, &rk, &v.pg);
		break;
	case FMT_SVG:
		r->ctype = "image/svg+xml";
		/* standalone: no frame-ancestors, so that other sites may embed it */
		http_header(r, "Content-Security-Policy", SVG_CSP);
		if (v.chart && strcmp(v.chart, "ranking") == 0)
			ranking_svg(&r->out, &rk, "chart", 1, v.narrow);
		else
			histogram_svg(&r->out, rk.model, "chart", 1, v.narrow);
		break;
	default:
		metric_html(r, &rk, &v);
		break;
	}
	status = 0;
out:
	if (v.have_cohort)
		view_cohort_free(&v.c);
	ranking_free(&rk);
	PQclear(head);
	PQclear(rank);
	PQclear(ver);
	return status;
}
