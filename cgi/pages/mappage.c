/* mappage.c: /map — the cities of a wave on a world map drawn on the server (HTML with the SVG inline,
 * a standalone .svg, .json and .csv twins), with the survey's filters as plain form fields.
 *
 * One model (the wave's cities with their place, whether each is in the peer group, and its value of
 * the metric) is written four ways, so the table, the image, the JSON and the CSV list the same
 * cities.  The land is map.c's, read once per worker (land.c), and its path is drawn once per worker.
 *
 * Decisions where the contract is silent:
 * - The form's fields build `peers`: `policy`, `role` and `activity` are answer filters on the
 *   questions policy_areas, innovation_roles and innovation_activities; `population` is a band
 *   (MIN-MAX), `region` and `country` as in `peers`.  They are joined with `peers` itself (the field
 *   for any other filter) by ';', fields first, and every format reports the joined, canonical
 *   expression as its `peers`.  A field that is not what its select offers is a 400, as a bad `peers`.
 * - The map shows every city that answered the wave; `in_peers` tells the peer group apart.  Cities
 *   without coordinates are listed as `unplaced` (JSON) and under the table, and left out of the
 *   `cities` of every format.
 * - `metric` shades the cities of the peer group by their value in five equal steps between the
 *   lowest and the highest value shown; an unknown metric is a 404, as on /metrics/{id}.
 * - `city` highlights one city: a malformed or unknown slug is a 400 (as on /metrics/{id}); a known
 *   city that did not answer the wave is named in the sentence as not on the map.
 * - In the page the legend is HTML beside the image (text inside a 960-unit image would shrink below
 *   9 px on a phone); the standalone .svg carries its title, legend, source and licence inside.
 *   `layout=narrow` draws the .svg 400 units wide (the map scaled down inside it, the text around it
 *   in the outer units, the legend one entry a line) for frames down to 250 px; `layout=wide` (the
 *   default) 960; any other layout is a 400.  The page offers both.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "chart.h"
#include "csv.h"
#include "html.h"
#include "latest.h"
#include "land.h"
#include "map.h"
#include "names.h"
#include "page.h"
#include "query.h"
#include "reply.h"
#include "routes.h"
#include "survey_lang.h"
#include "view.h"

#define LEGEND_H	96.0	/* the standalone image's legend, source and licence below the map */
#define TITLE_H		30.0
#define STEPS		5

/* A sequential scale, light to dark; every circle has a dark outline, so the light steps still
 * stand out from the land by 3:1. */
static const char *const shades[STEPS] = { "#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c" };
#define LAND_FILL	"#e4dfd3"
#define LAND_EDGE	"#a39b88"
#define SEA_FILL	"#f4f8fb"
#define PEER_FILL	"#0b57a4"
#define OTHER_EDGE	"#4d4d4d"
#define MARK_EDGE	"#1a1a1a"
#define HIGHLIGHT	"#b3001b"

/* The form's answer filters: field, question, label. */
static const struct field {
	const char *name, *question, *label, *any;
} fields[] = {
	{ "policy", "policy_areas", N_("Policy area"), N_("Any policy area") },
	{ "role", "innovation_roles", N_("Innovation role"), N_("Any role") },
	{ "activity", "innovation_activities", N_("Innovation activity"), N_("Any activity") },
};

static const struct band {
	const char *value, *label;
} bands[] = {
	{ "-249999", N_("Under 250,000") },
	{ "250000-999999", N_("250,000 to 1 million") },
	{ "1000000-4999999", N_("1 to 5 million") },
	{ "5000000-", N_("5 million and more") },
};

struct mapcity {
	const char *slug, *name, *country;
	double lat, lon, value;
	int placed, in, has_value, synthetic;
};

struct view {
	const char *wave, *wave_title, *metric, *metric_title, *metric_unit, *city, *city_name;
	struct cohort c;
	struct buf expr;		/* the peers put together from the fields */
	struct mapcity *cities;
	size_t n, placed, in, countries;
	double lo, hi;			/* the values shown (in the peer group, placed) */
	int has_values, city_on_map;
	int narrow;			/* .svg: layout=narrow */
	PGresult *wave_res, *metric_res, *city_res, *res;
};

/* The land as path data, drawn once per worker. */
static const char *
land_path(void)
{
	static struct buf path;
	static int done;
	const struct map_land *land;

	if (!done) {
		done = 1;
		if ((land = land_outlines(NULL)) != NULL && map_land_path(land, &path) == -1)
			buf_free(&path);
	}
	return path.data;
}

static int
code_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > 64)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return 0;
	return 1;
}

static const char *
param(struct request *r, const char *name)
{
	const char *s = query_get(&r->query, name);

	return s && *s ? s : NULL;
}

/* Puts the form's fields and `peers` together into v->expr; 400 on a field that is not one. */
static int
build_peers(struct request *r, struct view *v)
{
	const char *s, *why = NULL;
	size_t i;
	int n = 0;

	buf_puts(&v->expr, "");
	for (i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		if ((s = param(r, fields[i].name)) == NULL)
			continue;
		if (!code_ok(s)) {
			why = fields[i].name;
			break;
		}
		buf_printf(&v->expr, "%sanswer:%s=%s", n++ ? ";" : "", fields[i].question, s);
	}
	if (why == NULL && (s = param(r, "population")) != NULL) {
		for (i = 0; i < sizeof bands / sizeof bands[0]; i++)
			if (strcmp(s, bands[i].value) == 0)
				break;
		if (i == sizeof bands / sizeof bands[0])
			why = "population";
		else
			buf_printf(&v->expr, "%spopulation:%s", n++ ? ";" : "", s);
	}
	if (why == NULL && (s = param(r, "region")) != NULL) {
		if (strchr(s, ';'))
			why = "region";
		else
			buf_printf(&v->expr, "%sregion:%s", n++ ? ";" : "", s);
	}
	if (why == NULL && (s = param(r, "country")) != NULL) {
		if (strchr(s, ';') || strlen(s) != 2)
			why = "country";
		else
			buf_printf(&v->expr, "%scountry:%s", n++ ? ";" : "", s);
	}
	if (why)
		return reply_errorf(r, 400, "bad %s: choose one of the form's values", why);
	if ((s = param(r, "peers")) != NULL)
		buf_printf(&v->expr, "%s%s", n++ ? ";" : "", s);
	if (v->expr.data == NULL)
		return reply_error(r, 503, "out of memory", NULL);
	return 0;
}

static double
num(const PGresult *res, int row, int col)
{
	return strtod(PQgetvalue(res, row, col), NULL);
}

/* Reads the request and the data into v; answers the error itself and returns -1 on failure. */
static int
load(struct request *r, struct view *v)
{
	const char *p[7], *s;
	size_t i, j;
	int n;

	if (view_wave_param_latest(r, &v->wave) == -1 || build_peers(r, v) == -1 ||
	    view_cohort_expr(r, v->expr.data, &v->c) == -1)
		return -1;
	v->metric = param(r, "metric");
	if (v->metric && !ident_valid(v->metric))
		return reply_errorf(r, 404, "no such metric");
	v->city = param(r, "city");
	if (v->city && !path_segment_valid_slug(v->city, strlen(v->city)))
		return reply_error(r, 400, "unknown city: city must be a city's slug such as toronto", NULL);
	if ((s = param(r, "layout")) != NULL && strcmp(s, "narrow") != 0 && strcmp(s, "wide") != 0)
		return reply_error(r, 400, "layout must be wide or narrow", NULL);
	v->narrow = s && strcmp(s, "narrow") == 0;
	p[0] = v->wave;
	v->wave_res = db_query(r->app->db, Q_MAP_WAVE, 1, p);
	if (!db_ok(v->wave_res))
		return view_db_error(r, v->wave_res);
	if (PQntuples(v->wave_res) == 0)
		return reply_error(r, 404, v->wave ? "no such wave" : "no wave is loaded yet", NULL);
	v->wave = PQgetvalue(v->wave_res, 0, Q_MAP_WAVE_ID);
	v->wave_title = PQgetvalue(v->wave_res, 0, Q_MAP_WAVE_TITLE);
	if (v->metric) {
		p[0] = v->metric;
		v->metric_res = db_query(r->app->db, Q_MAP_METRIC, 1, p);
		if (!db_ok(v->metric_res))
			return view_db_error(r, v->metric_res);
		if (PQntuples(v->metric_res) == 0)
			return reply_errorf(r, 404, "no such metric: %s", v->metric);
		v->metric_title = names_metric_title(r->app, v->metric, PQgetvalue(v->metric_res, 0,
		    Q_MAP_METRIC_TITLE), NULL);
		v->metric_unit = PQgetvalue(v->metric_res, 0, Q_MAP_METRIC_UNIT);
	}
	if (v->city) {
		p[0] = v->city;
		v->city_res = db_query(r->app->db, Q_CITY, 1, p);
		if (!db_ok(v->city_res))
			return view_db_error(r, v->city_res);
		if (PQntuples(v->city_res) == 0)
			return reply_errorf(r, 400, "unknown city \"%s\" (city names the city to highlight)", v->city);
		v->city_name = PQgetvalue(v->city_res, 0, Q_CITY_NAME);
	}
	p[0] = v->wave;
	for (i = 0; i < 5; i++)
		p[i + 1] = v->c.params[i];
	p[6] = v->metric;
	v->res = db_query(r->app->db, Q_MAP_CITIES, 7, p);
	if (!db_ok(v->res))
		return view_db_error(r, v->res);
	n = PQntuples(v->res);
	if ((v->cities = calloc((size_t)n + 1, sizeof *v->cities)) == NULL)
		return reply_error(r, 503, "out of memory", NULL);
	for (i = 0; i < (size_t)n; i++) {
		struct mapcity *m = &v->cities[i];
		int row = (int)i;

		m->slug = PQgetvalue(v->res, row, Q_MAP_CITIES_SLUG);
		m->name = PQgetvalue(v->res, row, Q_MAP_CITIES_NAME);
		m->country = PQgetvalue(v->res, row, Q_MAP_CITIES_COUNTRY);
		m->placed = !PQgetisnull(v->res, row, Q_MAP_CITIES_LAT) && !PQgetisnull(v->res, row, Q_MAP_CITIES_LON);
		m->lat = m->placed ? num(v->res, row, Q_MAP_CITIES_LAT) : 0;
		m->lon = m->placed ? num(v->res, row, Q_MAP_CITIES_LON) : 0;
		m->in = PQgetvalue(v->res, row, Q_MAP_CITIES_IN_COHORT)[0] == 't';
		m->has_value = !PQgetisnull(v->res, row, Q_MAP_CITIES_VALUE);
		m->value = m->has_value ? num(v->res, row, Q_MAP_CITIES_VALUE) : 0;
		m->synthetic = PQgetvalue(v->res, row, Q_MAP_CITIES_SYNTHETIC)[0] == 't';
		v->placed += m->placed;
		v->in += m->in;
		for (j = 0; j < i; j++)
			if (strcmp(v->cities[j].country, m->country) == 0)
				break;
		v->countries += j == i;
		if (v->city && strcmp(v->city, m->slug) == 0)
			v->city_on_map = m->placed;
		if (m->placed && m->in && m->has_value) {
			if (!v->has_values || m->value < v->lo)
				v->lo = m->value;
			if (!v->has_values || m->value > v->hi)
				v->hi = m->value;
			v->has_values = 1;
		}
	}
	v->n = (size_t)n;
	return 0;
}

static void
view_free(struct view *v)
{
	view_cohort_free(&v->c);
	buf_free(&v->expr);
	free(v->cities);
	PQclear(v->wave_res);
	PQclear(v->metric_res);
	PQclear(v->city_res);
	PQclear(v->res);
}

static int
step_of(const struct view *v, double value)
{
	int k;

	if (!(v->hi > v->lo))
		return STEPS - 1;
	k = (int)floor((value - v->lo) / (v->hi - v->lo) * STEPS);
	return k < 0 ? 0 : k >= STEPS ? STEPS - 1 : k;
}

static int
filtered(const struct view *v)
{
	return v->c.canonical.data && *v->c.canonical.data;
}

/* "42 cities in 18 countries; 31 match the filters" (and what is not on the map). */
static void
sentence(struct buf *b, const struct view *v, int xml)
{
	int (*text)(struct buf *, const char *) = xml ? xml_text : html_text;

	struct buf cs = BUF_INIT, ks = BUF_INIT;

	buf_printf(&cs, P_("%zu city", "%zu cities", v->n), v->n);
	buf_printf(&ks, P_("%zu country", "%zu countries", v->countries), v->countries);
	/* TRANSLATORS: "12 cities in 3 countries answered the 2020 survey" */
	buf_printf(b, _("%s in %s answered the %s survey"), cs.data, ks.data, v->wave);
	if (filtered(v))
		buf_printf(b, P_("; %zu matches the filters", "; %zu match the filters", v->in), v->in);
	if (v->placed < v->n)
		buf_printf(b, P_("; %zu is not placed on the map", "; %zu are not placed on the map", v->n - v->placed),
		    v->n - v->placed);
	if (v->city && !v->city_on_map) {
		buf_reset(&cs);
		text(&cs, v->city_name);
		buf_printf(b, _("; %s is not on this map"), cs.data ? cs.data : "");
	}
	buf_putc(b, '.');
	buf_free(&cs);
	buf_free(&ks);
}

/* The query of this view, for the links to its other formats (already escaped for an attribute). */
static void
view_query(struct buf *b, const struct view *v)
{
	buf_puts(b, "?survey=");
	url_encode(b, v->wave);
	if (filtered(v)) {
		html_raw(b, "&amp;peers=");
		url_encode(b, v->c.canonical.data);
	}
	if (v->metric) {
		html_raw(b, "&amp;metric=");
		url_encode(b, v->metric);
	}
	if (v->city) {
		html_raw(b, "&amp;city=");
		url_encode(b, v->city);
	}
}

/* ---- the image ---- */

static void
circle(struct buf *b, const struct view *v, const struct mapcity *m)
{
	double x, y;

	map_project(m->lon, m->lat, &x, &y);
	/* narrow: the map is drawn at 0.42 of its size; the circles twice as large stay visible */
	buf_printf(b, v->narrow ? "<g transform=\"translate(%.1f %.1f) scale(2) translate(%.1f %.1f)\"><title>"
	    : "<g><title>", x, y, -x, -y);
	xml_text(b, m->name);
	buf_puts(b, " (");
	xml_text(b, m->country);
	buf_puts(b, m->in && filtered(v) ? "), in the filters" : ")");
	if (v->metric) {
		buf_puts(b, ": ");
		if (m->has_value)
			view_number(b, m->value);
		else
			buf_puts(b, "no value");
	}
	buf_puts(b, "</title>");
	if (!m->in)
		buf_printf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"none\" stroke=\"" OTHER_EDGE
		    "\" stroke-width=\"1.5\"/>", x, y);
	else if (v->metric)
		buf_printf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"6\" fill=\"%s\" stroke=\"" MARK_EDGE
		    "\" stroke-width=\"1.5\"/>", x, y, m->has_value ? shades[step_of(v, m->value)] : "#ffffff");
	else
		buf_printf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"5.5\" fill=\"" PEER_FILL
		    "\" stroke=\"#ffffff\" stroke-width=\"1\"/>", x, y);
	if (v->city && strcmp(v->city, m->slug) == 0)
		buf_printf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"11\" fill=\"none\" stroke=\"" HIGHLIGHT
		    "\" stroke-width=\"3\"/>", x, y);
	buf_puts(b, "</g>\n");
}

/* The title as plain text: the wave, the filters, the metric. */
static void
title_plain(struct buf *b, const struct view *v)
{
	if (v->metric)
		buf_printf(b, _("Cities of the %s survey by %s"), v->wave, v->metric_title);
	else
		buf_printf(b, _("Cities of the %s survey"), v->wave);
	if (filtered(v))
		buf_printf(b, _(", peers: %s"), v->c.canonical.data);
}

/* The title, escaped. */
static void
title(struct buf *b, const struct view *v)
{
	struct buf t = BUF_INIT;

	title_plain(&t, v);
	xml_text(b, t.data ? t.data : "");
	buf_free(&t);
}

/* A legend entry of the standalone image at x, y: a symbol and its label. */
static double
legend_item(struct buf *b, double x, double y, const char *symbol, const char *label)
{
	buf_printf(b, "<g transform=\"translate(%.0f %.0f)\">%s<text x=\"16\" y=\"5\">", x, y, symbol);
	xml_text(b, label);
	buf_puts(b, "</text></g>\n");
	return x + 30 + 7.2 * (double)strlen(label);
}

static void
svg(struct buf *b, const struct view *v, int standalone)
{
	const char *path = land_path();
	double top = standalone ? TITLE_H : 0, h = MAP_HEIGHT + top + (standalone ? LEGEND_H : 0), x, y;
	size_t i;
	char label[160];
	int k;

	buf_printf(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"map\" role=\"img\" "
	    "aria-labelledby=\"map-title map-desc\" viewBox=\"0 0 %.0f %.0f\" width=\"100%%\" "
	    "font-family=\"system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif\" font-size=\"14\">\n"
	    "<title id=\"map-title\">", MAP_WIDTH, ceil(h));
	title(b, v);
	buf_puts(b, "</title>\n<desc id=\"map-desc\">");
	sentence(b, v, 1);
	buf_puts(b, " The table beside the map lists the same cities.</desc>\n");
	if (standalone) {
		buf_puts(b, "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n"
		    "<text x=\"6\" y=\"21\" font-size=\"16\" font-weight=\"bold\" fill=\"#1a1a1a\">");
		title(b, v);
		buf_printf(b, "</text>\n<g transform=\"translate(0 %.0f)\">\n", top);
	}
	buf_printf(b, "<rect x=\"0\" y=\"0\" width=\"%.0f\" height=\"%.0f\" fill=\"" SEA_FILL "\"/>\n",
	    MAP_WIDTH, MAP_HEIGHT);
	if (path) {
		buf_puts(b, "<path fill=\"" LAND_FILL "\" stroke=\"" LAND_EDGE "\" stroke-width=\"0.6\" "
		    "fill-rule=\"evenodd\" d=\"");
		buf_puts(b, path);
		buf_puts(b, "\"/>\n");
	} else {
		buf_printf(b, "<text x=\"%.0f\" y=\"40\" text-anchor=\"middle\" font-size=\"34\" fill=\"#1a1a1a\">The land "
		    "outlines are not installed (make vendor).</text>\n", MAP_WIDTH / 2);
	}
	/* others first, then the peer group, the highlighted city last: on top */
	for (k = 0; k < 3; k++)
		for (i = 0; i < v->n; i++) {
			const struct mapcity *m = &v->cities[i];
			int hl = v->city && strcmp(v->city, m->slug) == 0;
			if (m->placed && (hl ? k == 2 : m->in ? k == 1 : k == 0))
				circle(b, v, m);
		}
	if (standalone) {
		y = MAP_HEIGHT + 22;
		x = 10;
		buf_puts(b, "<g fill=\"#1a1a1a\">\n");
		if (v->city && v->city_on_map) {
			snprintf(label, sizeof label, "%.120s (highlighted)", v->city_name);
			x = legend_item(b, x, y, "<circle r=\"8\" fill=\"none\" stroke=\"" HIGHLIGHT
			    "\" stroke-width=\"3\"/>", label);
		}
		if (!v->metric)
			x = legend_item(b, x, y, "<circle r=\"5.5\" fill=\"" PEER_FILL "\"/>",
			    filtered(v) ? "in the filters" : "city");
		if (filtered(v))
			x = legend_item(b, x, y, "<circle r=\"3\" fill=\"none\" stroke=\"" OTHER_EDGE
			    "\" stroke-width=\"1.5\"/>", "other cities");
		if (v->metric && v->has_values) {
			y += 26;
			x = 10;
			for (k = v->hi > v->lo ? 0 : STEPS - 1; k < STEPS; k++) {
				char sym[160], lo[32], hi[32];
				struct buf t = BUF_INIT;
				view_number(&t, v->lo + (v->hi - v->lo) * k / STEPS);
				snprintf(lo, sizeof lo, "%s", t.data ? t.data : "");
				buf_reset(&t);
				view_number(&t, v->lo + (v->hi - v->lo) * (k + 1) / STEPS);
				snprintf(hi, sizeof hi, "%s", t.data ? t.data : "");
				buf_free(&t);
				snprintf(sym, sizeof sym, "<circle r=\"6\" fill=\"%s\" stroke=\"" MARK_EDGE
				    "\" stroke-width=\"1.5\"/>", shades[k]);
				if (v->hi > v->lo)
					snprintf(label, sizeof label, "%s to %s", lo, hi);
				else
					snprintf(label, sizeof label, "%s (every value shown)", hi);
				x = legend_item(b, x, y, sym, label);
			}
		}
		buf_printf(b, "<text x=\"10\" y=\"%.0f\" font-size=\"12\">Land: Natural Earth (public domain) "
		    "via world-atlas (ISC licence). Data: citybench, CC BY 4.0; synthetic cities are "
		    "demonstration data.</text>\n", MAP_HEIGHT + 80);
		buf_puts(b, "</g>\n</g>\n");
	}
	buf_puts(b, "</svg>\n");
}

/* The standalone map for narrow frames (layout=narrow, issue 15): 400 units wide, the map itself
 * drawn at 400/960 inside it, and the title, the legend (one entry a line) and the source below in the
 * outer units, so that no text falls under 9 CSS px in a frame 250 px wide. */
#define N_WIDTH		400.0
#define N_LINE		22.0
static void
svg_narrow(struct buf *b, const struct view *v)
{
	const char *path = land_path();
	struct buf t = BUF_INIT, items = BUF_INIT;
	double mh = MAP_HEIGHT * N_WIDTH / MAP_WIDTH, y, h;
	const char *src = "Land: Natural Earth (public domain) via world-atlas (ISC licence). Data: citybench, "
	    "CC BY 4.0; synthetic cities are demonstration data.";
	size_t tl, nitems = 0, i;
	char label[160];
	int k;

	title_plain(&t, v);
	tl = chart_wrap_count(t.data ? t.data : "", 40);
	/* the legend first, into its own buffer, to know its height */
	y = 0;
	if (v->city && v->city_on_map) {
		snprintf(label, sizeof label, "%.120s (highlighted)", v->city_name);
		legend_item(&items, 14, y + 11 + N_LINE * (double)nitems++, "<circle r=\"8\" fill=\"none\" stroke=\""
		    HIGHLIGHT "\" stroke-width=\"3\"/>", label);
	}
	if (!v->metric)
		legend_item(&items, 14, 11 + N_LINE * (double)nitems++, "<circle r=\"5.5\" fill=\"" PEER_FILL "\"/>",
		    filtered(v) ? "in the filters" : "city");
	if (filtered(v))
		legend_item(&items, 14, 11 + N_LINE * (double)nitems++, "<circle r=\"3\" fill=\"none\" stroke=\""
		    OTHER_EDGE "\" stroke-width=\"1.5\"/>", "other cities");
	if (v->metric && v->has_values)
		for (k = v->hi > v->lo ? 0 : STEPS - 1; k < STEPS; k++) {
			char sym[160];
			struct buf lo = BUF_INIT, hi = BUF_INIT;
			view_number(&lo, v->lo + (v->hi - v->lo) * k / STEPS);
			view_number(&hi, v->lo + (v->hi - v->lo) * (k + 1) / STEPS);
			snprintf(sym, sizeof sym, "<circle r=\"6\" fill=\"%s\" stroke=\"" MARK_EDGE
			    "\" stroke-width=\"1.5\"/>", shades[k]);
			if (v->hi > v->lo)
				snprintf(label, sizeof label, "%s to %s", lo.data ? lo.data : "", hi.data ? hi.data : "");
			else
				snprintf(label, sizeof label, "%s (every value shown)", hi.data ? hi.data : "");
			legend_item(&items, 14, 11 + N_LINE * (double)nitems++, sym, label);
			buf_free(&lo);
			buf_free(&hi);
		}
	h = 8 + (double)tl * N_LINE + mh + 10 + (double)nitems * N_LINE + 8 +
	    (double)chart_wrap_count(src, 48) * 20 + 6;
	buf_printf(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"map\" role=\"img\" "
	    "aria-labelledby=\"map-title map-desc\" viewBox=\"0 0 %.0f %.0f\" width=\"100%%\" "
	    "font-family=\"system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif\" font-size=\"14\">\n"
	    "<title id=\"map-title\">", N_WIDTH, ceil(h));
	title(b, v);
	buf_puts(b, "</title>\n<desc id=\"map-desc\">");
	sentence(b, v, 1);
	buf_puts(b, "</desc>\n<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n<g fill=\"#1a1a1a\">\n");
	chart_text_wrapped(b, t.data ? t.data : "", 40, 6, 22, N_LINE, " font-size=\"16\" font-weight=\"bold\"", NULL);
	y = 8 + (double)tl * N_LINE;
	buf_printf(b, "</g>\n<svg x=\"0\" y=\"%.1f\" width=\"%.0f\" height=\"%.1f\" viewBox=\"0 0 %.0f %.0f\">\n",
	    y, N_WIDTH, mh, MAP_WIDTH, MAP_HEIGHT);
	buf_printf(b, "<rect x=\"0\" y=\"0\" width=\"%.0f\" height=\"%.0f\" fill=\"" SEA_FILL "\"/>\n",
	    MAP_WIDTH, MAP_HEIGHT);
	if (path) {
		buf_puts(b, "<path fill=\"" LAND_FILL "\" stroke=\"" LAND_EDGE "\" stroke-width=\"1.2\" "
		    "fill-rule=\"evenodd\" d=\"");
		buf_puts(b, path);
		buf_puts(b, "\"/>\n");
	}
	for (k = 0; k < 3; k++)
		for (i = 0; i < v->n; i++) {
			const struct mapcity *m = &v->cities[i];
			int hl = v->city && strcmp(v->city, m->slug) == 0;
			if (m->placed && (hl ? k == 2 : m->in ? k == 1 : k == 0))
				circle(b, v, m);
		}
	buf_puts(b, "</svg>\n");
	if (!path)
		buf_printf(b, "<text x=\"6\" y=\"%.0f\" fill=\"#1a1a1a\">The land outlines are not installed "
		    "(make vendor).</text>\n", y + 30);
	y += mh + 10;
	buf_printf(b, "<g fill=\"#1a1a1a\"><g transform=\"translate(0 %.0f)\">\n", y);
	if (items.data)
		buf_puts(b, items.data);
	y += (double)nitems * N_LINE + 8;
	buf_puts(b, "</g>\n");
	chart_text_wrapped(b, src, 48, 6, y + 14, 20, " font-size=\"13\"", NULL);
	buf_puts(b, "</g>\n</svg>\n");
	buf_free(&t);
	buf_free(&items);
}

/* ---- the formats ---- */

static int
write_json(struct request *r, const struct view *v)
{
	json_t *cities = json_array(), *unplaced = json_array(), *model;
	size_t i;

	for (i = 0; i < v->n; i++) {
		const struct mapcity *m = &v->cities[i];
		if (!m->placed) {
			json_array_append_new(unplaced, json_string(m->slug));
			continue;
		}
		json_array_append_new(cities, json_pack("{s:s, s:s, s:f, s:f, s:b, s:o}",
		    "slug", m->slug, "name", m->name, "lat", m->lat, "lon", m->lon, "in_peers", m->in,
		    "value", m->has_value ? json_real(m->value) : json_null()));
	}
	model = json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:I, s:I, s:I}",
	    "survey", v->wave, "peers", v->c.canonical.data ? v->c.canonical.data : "",
	    "metric", v->metric ? json_string(v->metric) : json_null(),
	    "city", v->city ? json_string(v->city) : json_null(),
	    "cities", cities, "unplaced", unplaced,
	    "total", (json_int_t)v->n, "countries", (json_int_t)v->countries,
	    "in_peers", (json_int_t)v->in);
	if (view_wave_is_latest(v->wave) && latest_pools_set(r->app->db, &v->c, model) == -1) {
		json_decref(model);
		return view_db_error(r, NULL);
	}
	return reply_json(r, 200, model);
}

static void
write_csv(struct request *r, const struct view *v)
{
	struct buf *b = &r->out;
	size_t i;

	r->ctype = "text/csv";
	buf_puts(b, "city,name,lat,lon,in_peers,value\r\n");
	for (i = 0; i < v->n; i++) {
		const struct mapcity *m = &v->cities[i];
		if (!m->placed)
			continue;
		csv_text(b, m->slug);
		csv_sep(b);
		csv_text(b, m->name);
		csv_sep(b);
		csv_number(b, m->lat);
		csv_sep(b);
		csv_number(b, m->lon);
		csv_sep(b);
		buf_puts(b, m->in ? "true" : "false");
		csv_sep(b);
		if (m->has_value)
			csv_number(b, m->value);
		csv_eol(b);
	}
}

static void
select_field(struct buf *b, const char *name, const char *label, const char *any, const char *current,
    json_t *options)
{
	json_t *o;
	size_t i;

	buf_printf(b, "<div class=\"field\"><label for=\"f-%s\">", name);
	html_text(b, _(label));
	buf_printf(b, "</label><select id=\"f-%s\" name=\"%s\"><option value=\"\">", name, name);
	html_text(b, _(any));
	buf_puts(b, "</option>");
	json_array_foreach(options, i, o) {
		const char *code = json_string_value(json_object_get(o, "code"));
		const char *lab = json_string_value(json_object_get(o, "label"));
		if (code == NULL)
			continue;
		html_raw(b, "<option value=\"");
		html_attr(b, code);
		html_raw(b, current && strcmp(current, code) == 0 ? "\" selected>" : "\">");
		html_text(b, lab ? lab : code);
		html_raw(b, "</option>");
	}
	html_raw(b, "</select></div>\n");
}

static json_t *
question_options(json_t *questions, const char *code)
{
	json_t *q;
	size_t i;

	json_array_foreach(questions, i, q) {
		const char *c = json_string_value(json_object_get(q, "code"));
		if (c && strcmp(c, code) == 0)
			return json_object_get(q, "options");
	}
	return NULL;
}

static void
form(struct request *r, const struct view *v)
{
	struct buf *b = &r->out;
	PGresult *regions = db_query(r->app->db, Q_REGIONS, 0, NULL);
	PGresult *metrics = db_query(r->app->db, Q_PAGES_HOME_METRICS, 0, NULL);
	PGresult *waves = db_query(r->app->db, Q_SURVEYS, 0, NULL);
	PGresult *countries = db_query(r->app->db, Q_COUNTRIES, 0, NULL);
	/* survey=latest: the filters offer the newest wave's options */
	json_t *questions = survey_questions_lang(r, view_wave_is_latest(v->wave) && db_ok(waves) &&
	    PQntuples(waves) > 0 ? PQgetvalue(waves, PQntuples(waves) - 1, Q_SURVEYS_ID) : v->wave), *opts = json_array();
	const char *s;
	size_t i;
	int k;

	html_raw(b, "<form class=\"filters map-filters\" method=\"get\" action=\"/map\">\n"
	    "<div class=\"field\"><label for=\"f-survey\">");
	html_text(b, _("Survey"));
	html_raw(b, "</label><select id=\"f-survey\" name=\"survey\">");
	for (k = 0; db_ok(waves) && k < PQntuples(waves); k++) {
		html_raw(b, "<option value=\"");
		html_attr(b, PQgetvalue(waves, k, Q_SURVEYS_ID));
		html_raw(b, strcmp(PQgetvalue(waves, k, Q_SURVEYS_ID), v->wave) == 0 ? "\" selected>" : "\">");
		html_text(b, PQgetvalue(waves, k, Q_SURVEYS_ID));
		html_raw(b, "</option>");
	}
	html_raw(b, view_wave_is_latest(v->wave) ? "<option value=\"latest\" selected>" : "<option value=\"latest\">");
	html_text(b, _("Each city at its latest wave"));
	html_raw(b, "</option>");
	html_raw(b, "</select></div>\n");
	for (i = 0; i < sizeof fields / sizeof fields[0]; i++)
		select_field(b, fields[i].name, fields[i].label, fields[i].any, param(r, fields[i].name),
		    questions ? question_options(questions, fields[i].question) : NULL);
	for (i = 0; i < sizeof bands / sizeof bands[0]; i++)
		json_array_append_new(opts, json_pack("{s:s, s:s}", "code", bands[i].value, "label",
		    _(bands[i].label)));
	select_field(b, "population", N_("Population"), N_("Any population"), param(r, "population"), opts);
	json_array_clear(opts);
	for (k = 0; db_ok(regions) && k < PQntuples(regions); k++)
		json_array_append_new(opts, json_pack("{s:s, s:s}", "code", PQgetvalue(regions, k, Q_REGIONS_REGION),
		    "label", names_region(PQgetvalue(regions, k, Q_REGIONS_REGION))));
	select_field(b, "region", N_("Region"), N_("Any region"), param(r, "region"), opts);
	json_array_clear(opts);
	/* the countries by name, as on /cities (issue 15) */
	html_raw(b, "<div class=\"field\"><label for=\"f-country\">");
	html_text(b, _("Country"));
	html_raw(b, "</label><select id=\"f-country\" name=\"country\"><option value=\"\">");
	html_text(b, _("Any country"));
	html_raw(b, "</option>");
	view_country_options(b, db_ok(countries) ? countries : NULL, param(r, "country"));
	html_raw(b, "</select></div>\n");
	for (k = 0; db_ok(metrics) && k < PQntuples(metrics); k++)
		json_array_append_new(opts, json_pack("{s:s, s:s}", "code", PQgetvalue(metrics, k, Q_PAGES_HOME_METRICS_ID),
		    "label", names_metric_title(r->app, PQgetvalue(metrics, k, Q_PAGES_HOME_METRICS_ID),
		    PQgetvalue(metrics, k, Q_PAGES_HOME_METRICS_TITLE), NULL)));
	select_field(b, "metric", N_("Shade by metric"), N_("No shading"), v->metric, opts);
	html_raw(b, "<div class=\"field wide\"><label for=\"f-peers\">");
	html_text(b, _("Other filters"));
	html_raw(b, "</label><input id=\"f-peers\" name=\"peers\" autocomplete=\"off\" spellcheck=\"false\" "
	    "aria-describedby=\"f-peers-help\" value=\"");
	html_attr(b, (s = param(r, "peers")) ? s : "");
	html_raw(b, "\"><p id=\"f-peers-help\" class=\"help\">");
	/* TRANSLATORS: keep the <code> examples */
	html_raw(b, _("Optional; join several with <code>;</code>. Such as "
	    "<code>answer:dedicated_funding=yes</code>, <code>answered:spotlight</code>, "
	    "<code>population:100000-500000</code>, <code>region:Europe</code>, <code>country:CA</code>."));
	html_raw(b, "</p></div>\n");
	if (v->city) {
		html_raw(b, "<input type=\"hidden\" name=\"city\" value=\"");
		html_attr(b, v->city);
		html_raw(b, "\">\n");
	}
	html_raw(b, "<button type=\"submit\">");
	html_text(b, _("Show"));
	html_raw(b, "</button>\n</form>\n");
	json_decref(opts);
	json_decref(questions);
	PQclear(regions);
	PQclear(countries);
	PQclear(metrics);
	PQclear(waves);
}

static void
legend_html(struct buf *b, const struct view *v)
{
	int k;

	html_raw(b, "<ul class=\"map-legend\">");
	if (v->city && v->city_on_map) {
		html_raw(b, "<li><svg class=\"sym\" viewBox=\"-12 -12 24 24\" width=\"24\" height=\"24\" "
		    "aria-hidden=\"true\"><circle r=\"9\" fill=\"none\" stroke=\"" HIGHLIGHT
		    "\" stroke-width=\"3\"/></svg> ");
		html_text(b, v->city_name);
		html_text(b, _(" (ring)"));
		html_raw(b, "</li>");
	}
	if (!v->metric)
		html_raw(b, "<li><svg class=\"sym\" viewBox=\"-12 -12 24 24\" width=\"24\" height=\"24\" "
		    "aria-hidden=\"true\"><circle r=\"6\" fill=\"" PEER_FILL "\"/></svg> ");
	if (!v->metric) {
		html_text(b, filtered(v) ? _("In the filters (filled circle)") : _("A city (filled circle)"));
		html_raw(b, "</li>");
	}
	if (filtered(v)) {
		html_raw(b, "<li><svg class=\"sym\" viewBox=\"-12 -12 24 24\" width=\"24\" height=\"24\" "
		    "aria-hidden=\"true\"><circle r=\"3.5\" fill=\"none\" stroke=\"" OTHER_EDGE
		    "\" stroke-width=\"1.5\"/></svg> ");
		html_text(b, _("Other cities (small hollow circle)"));
		html_raw(b, "</li>");
	}
	if (v->metric && v->has_values && !(v->hi > v->lo)) {
		buf_printf(b, "<li><svg class=\"sym\" viewBox=\"-12 -12 24 24\" width=\"24\" height=\"24\" "
		    "aria-hidden=\"true\"><circle r=\"7\" fill=\"%s\" stroke=\"" MARK_EDGE
		    "\" stroke-width=\"1.5\"/></svg> ", shades[STEPS - 1]);
		view_number(b, v->lo);
		html_text(b, _(" (every value shown)"));
		html_raw(b, "</li>");
	} else if (v->metric && v->has_values)
		for (k = 0; k < STEPS; k++) {
			buf_printf(b, "<li><svg class=\"sym\" viewBox=\"-12 -12 24 24\" width=\"24\" height=\"24\" "
			    "aria-hidden=\"true\"><circle r=\"7\" fill=\"%s\" stroke=\"" MARK_EDGE
			    "\" stroke-width=\"1.5\"/></svg> ", shades[k]);
			view_number(b, v->lo + (v->hi - v->lo) * k / STEPS);
			html_text(b, _(" to "));
			view_number(b, v->lo + (v->hi - v->lo) * (k + 1) / STEPS);
			html_raw(b, "</li>");
		}
	if (v->metric) {
		html_raw(b, "<li><svg class=\"sym\" viewBox=\"-12 -12 24 24\" width=\"24\" height=\"24\" "
		    "aria-hidden=\"true\"><circle r=\"7\" fill=\"#ffffff\" stroke=\"" MARK_EDGE
		    "\" stroke-width=\"1.5\"/></svg> ");
		html_text(b, _("No value"));
		html_raw(b, "</li>");
	}
	html_raw(b, "</ul>\n");
}

static void
write_html(struct request *r, const struct view *v)
{
	struct buf *b = &r->out, desc = BUF_INIT;
	size_t i, shown = 0;

	/* the description (issue 15): what is on the map, with its figures */
	buf_printf(&desc, P_("A world map of the cities of the %s municipal innovation survey: %zu placed, in %zu country",
	    "A world map of the cities of the %s municipal innovation survey: %zu placed, in %zu countries", v->countries),
	    v->wave, v->placed, v->countries);
	if (v->metric)
		buf_printf(&desc, _(", shaded by %s"), v->metric_title);
	if (filtered(v))
		buf_printf(&desc, _(", %zu in the filters %s"), v->in, v->c.canonical.data);
	if (v->city && v->city_on_map)
		buf_printf(&desc, _(", %s highlighted"), v->city_name);
	buf_puts(&desc, _("; with the table of the same cities, and the map as an image, CSV and JSON."));
	page_begin_described(r, _("Map of the cities"), desc.data);
	buf_free(&desc);
	html_raw(b, "<h1>");
	html_text(b, _("Map of the cities"));
	html_raw(b, "</h1>\n");
	form(r, v);
	html_raw(b, "<p class=\"lede\" role=\"status\">");
	sentence(b, v, 0);
	html_raw(b, "</p>\n");
	if (view_wave_is_latest(v->wave)) {
		json_t *pools = json_object();

		if (latest_pools_set(r->app->db, &v->c, pools) == 0)
			latest_pools_html(b, pools);
		json_decref(pools);
	}
	if (filtered(v)) {
		html_raw(b, "<p class=\"peers-expr\">");
		html_text(b, _("Filters: "));
		html_raw(b, "<code>");
		html_text(b, v->c.canonical.data);
		html_raw(b, "</code> (<a href=\"/cities");
		view_query(b, v);
		html_raw(b, "\">");
		html_text(b, _("the cities that match"));
		html_raw(b, "</a>)</p>\n");
	}
	html_raw(b, "<div class=\"map-layout\">\n<figure class=\"map-figure\">\n");
	svg(b, v, 0);
	html_raw(b, "<figcaption>");
	legend_html(b, v);
	html_raw(b, "<p class=\"source\">");
	html_text(b, _("Land: Natural Earth (public domain) via world-atlas (ISC licence). Data: citybench, CC BY 4.0."));
	html_raw(b, " <a href=\"/map.svg");
	view_query(b, v);
	html_raw(b, "\">");
	html_text(b, _("Image (SVG)"));
	html_raw(b, "</a> · <a href=\"/map.svg");
	view_query(b, v);
	html_raw(b, "&amp;layout=narrow\">");
	html_text(b, _("Narrow image, for phones (SVG)"));
	html_raw(b, "</a> · <a href=\"/map.csv");
	view_query(b, v);
	html_raw(b, "\">CSV</a> · <a href=\"/map.json");
	view_query(b, v);
	html_raw(b, "\">JSON</a></p></figcaption>\n</figure>\n"
	    "<div class=\"map-table table-scroll\" role=\"region\" aria-labelledby=\"map-table-caption\" tabindex=\"0\">\n"
	    "<table class=\"data\"><caption id=\"map-table-caption\">");
	html_text(b, _("Cities on the map"));
	html_raw(b, "</caption>\n<thead><tr><th scope=\"col\">");
	html_text(b, _("City"));
	html_raw(b, "</th><th scope=\"col\">");
	html_text(b, _("Country"));
	html_raw(b, "</th>");
	if (filtered(v)) {
		html_raw(b, "<th scope=\"col\">");
		html_text(b, _("In the filters"));
		html_raw(b, "</th>");
	}
	if (v->metric) {
		html_raw(b, "<th scope=\"col\" class=\"num\">");
		html_text(b, v->metric_title);
		html_raw(b, "</th>");
	}
	html_raw(b, "</tr></thead><tbody>\n");
	for (i = 0; i < v->n; i++) {
		const struct mapcity *m = &v->cities[i];
		if (!m->placed)
			continue;
		shown++;
		html_raw(b, "<tr");
		if (v->city && strcmp(v->city, m->slug) == 0)
			html_raw(b, " class=\"highlight\"");
		html_raw(b, "><th scope=\"row\"><a href=\"/cities/");
		url_encode(b, m->slug);
		html_raw(b, "?survey=");
		url_encode(b, v->wave);
		html_raw(b, "\">");
		html_text(b, m->name);
		html_raw(b, "</a>");
		if (m->synthetic) {
			html_raw(b, " <span class=\"tag-synthetic\">");
			html_text(b, _("synthetic"));
			html_raw(b, "</span>");
		}
		html_raw(b, "</th><td>");
		view_country(b, m->country);
		html_raw(b, "</td>");
		if (filtered(v)) {
			html_raw(b, "<td>");
			html_text(b, m->in ? _("yes") : _("no"));
			html_raw(b, "</td>");
		}
		if (v->metric) {
			html_raw(b, "<td class=\"num\">");
			if (m->has_value)
				view_number(b, m->value);
			else
				html_raw(b, "–");
			html_raw(b, "</td>");
		}
		html_raw(b, "</tr>\n");
	}
	html_raw(b, "</tbody></table>\n</div>\n</div>\n");
	if (shown < v->n) {
		html_raw(b, "<p>");
		html_text(b, _("Not placed on the map: "));
		for (i = 0, shown = 0; i < v->n; i++) {
			const struct mapcity *m = &v->cities[i];
			if (m->placed)
				continue;
			if (shown++)
				html_raw(b, ", ");
			html_raw(b, "<a href=\"/cities/");
			url_encode(b, m->slug);
			html_raw(b, "\">");
			html_text(b, m->name);
			html_raw(b, "</a>");
		}
		html_raw(b, ".</p>\n");
	}
	page_end(r);
}

int
map_get(struct request *r)
{
	struct view v;
	int status = -1;

	memset(&v, 0, sizeof v);
	if (load(r, &v) == -1)
		goto out;
	if (view_not_modified(r)) {
		status = 0;
		goto out;
	}
	switch (r->fmt) {
	case FMT_JSON:
		status = write_json(r, &v) == -1 ? -1 : 0;
		break;
	case FMT_CSV:
		write_csv(r, &v);
		status = 0;
		break;
	case FMT_SVG:
		r->ctype = "image/svg+xml";
		/* standalone: no frame-ancestors, so that other sites may embed it */
		http_header(r, "Content-Security-Policy", "default-src 'none'");
		buf_puts(&r->out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
		if (v.narrow)
			svg_narrow(&r->out, &v);
		else
			svg(&r->out, &v, 1);
		status = 0;
		break;
	default:
		write_html(r, &v);
		status = 0;
		break;
	}
out:
	view_free(&v);
	return status;
}
