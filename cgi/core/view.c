/* view.c: what the resource handlers share: peer groups, waves, cities and answers as JSON, and the
 * small writers of every page (numbers for people, links to the data twins, the wave picker).  A helper
 * lives here once it serves two resources; what one page alone needs stays in its file. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app.h"
#include "chart.h"
#include "country.h"
#include "csv.h"
#include "html.h"
#include "lang.h"
#include "names.h"
#include "page.h"
#include "query.h"
#include "reply.h"
#include "similar.h"
#include "simkept.h"
#include "versioned.h"
#include "view.h"

/* The HTML page of a peers list naming an unknown city: still a 404, but it keeps the page's form (every
 * other parameter as it came, the peers without the unknown city) and suggests cities spelt alike. */
static void
peers_notice_page(struct request *r, const struct cohort *c, const char *unknown)
{
	struct buf *b = &r->out, rest = BUF_INIT;
	const char *p[1] = { unknown };
	PGresult *sug = db_query(r->app->db, Q_PEERS_SUGGEST, 1, p);
	size_t i;
	int k, shown = 0;

	for (i = 0; i < c->peers.nslugs; i++)
		if (strcmp(c->peers.slugs[i], unknown) != 0)
			buf_printf(&rest, "%s%s", rest.len ? "," : "", c->peers.slugs[i]);
	buf_reset(b);
	buf_reset(&r->headers);
	page_begin(r, "A city in the peers was not found");
	r->status = 404;
	html_raw(b, "<h1>No city called \u201c");
	html_text(b, unknown);
	html_raw(b, "\u201d among the peers</h1>\n<div class=\"notice\" role=\"alert\"><p>The peers list names <code>");
	html_text(b, unknown);
	html_raw(b, "</code>, which is no city here");
	for (k = 0; db_ok(sug) && k < PQntuples(sug); k++) {
		const char *slug = PQgetvalue(sug, k, Q_PEERS_SUGGEST_SLUG);
		html_raw(b, shown++ ? ", " : ". Did you mean ");
		html_raw(b, "<a href=\"");
		html_attr(b, r->path);
		html_raw(b, "?peers=");
		if (rest.len) {
			url_encode(b, rest.data);
			url_encode(b, ",");
		}
		url_encode(b, slug);
		for (i = 0; i < r->query.n; i++) {
			if (strcmp(r->query.p[i].key, "peers") == 0)
				continue;
			html_raw(b, "&amp;");
			url_encode(b, r->query.p[i].key);
			buf_putc(b, '=');
			url_encode(b, r->query.p[i].value);
		}
		html_raw(b, "\">");
		html_text(b, PQgetvalue(sug, k, Q_PEERS_SUGGEST_NAME));
		html_raw(b, "</a>");
	}
	html_raw(b, shown ? "?</p></div>\n" : ".</p></div>\n");
	html_raw(b, "<form class=\"filters peers\" method=\"get\" action=\"");
	html_attr(b, r->path);
	html_raw(b, "\">\n");
	for (i = 0; i < r->query.n; i++) {
		if (strcmp(r->query.p[i].key, "peers") == 0)
			continue;
		html_raw(b, "<input type=\"hidden\" name=\"");
		html_attr(b, r->query.p[i].key);
		html_raw(b, "\" value=\"");
		html_attr(b, r->query.p[i].value);
		html_raw(b, "\">\n");
	}
	html_raw(b, "<div class=\"field wide\"><label for=\"peers\">Compare with (peers)</label>"
	    "<input id=\"peers\" name=\"peers\" autocomplete=\"off\" spellcheck=\"false\" "
	    "aria-describedby=\"peers-help\" value=\"");
	html_attr(b, rest.data ? rest.data : "");
	html_raw(b, "\"><p id=\"peers-help\" class=\"help\">City slugs separated by commas, or filters such "
	    "as <code>region:Europe</code>, <code>country:CA</code>; empty for every city.</p></div>\n"
	    "<button type=\"submit\">Show</button>\n</form>\n");
	page_end(r);
	buf_free(&rest);
	PQclear(sug);
}

int (*view_city_kept)(struct request *r, const char *slug, char *wave, size_t n);

/* The first of the list that no city has, told from the kept city rows (view_city_kept): 1 with it in
 * *unknown (NULL: every one is a city), 0 when it cannot be told here (issue 18, tenth session: the
 * list's statement was a round trip of every list-peer page). */
static int
unknown_slug_kept(struct request *r, const struct cohort *c, const char **unknown)
{
	char wave[64];
	size_t i;
	int k;

	*unknown = NULL;
	if (view_city_kept == NULL)
		return 0;
	for (i = 0; i < c->peers.nslugs; i++) {
		if ((k = view_city_kept(r, c->peers.slugs[i], wave, sizeof(wave))) == -1)
			return 0;
		if (k == 0) {
			*unknown = c->peers.slugs[i];
			break;
		}
	}
	return 1;
}

/* The contract's "an unknown slug is a 404 naming it": the first of the list that no city has. */
static int
unknown_slug(struct request *r, struct cohort *c)
{
	const char *p[1] = { c->list.data }, *unknown;
	PGresult *res;
	int rc = 0;

	if (unknown_slug_kept(r, c, &unknown)) {
		if (unknown != NULL) {
			rc = reply_errorf(r, 404, "no such city: %s (in peers)", unknown);
			if (r->fmt == FMT_HTML && r->status == 404 && strncmp(r->path, "/api/", 5) != 0)
				peers_notice_page(r, c, unknown);
		}
		return rc;
	}
	res = db_query(r->app->db, Q_PEERS_UNKNOWN_SLUG, 1, p);

	if (!db_ok(res))
		rc = view_db_error(r, res);
	else if (PQntuples(res) > 0) {
		rc = reply_errorf(r, 404, "no such city: %s (in peers)", PQgetvalue(res, 0, Q_PEERS_UNKNOWN_SLUG_SLUG));
		if (r->fmt == FMT_HTML && r->status == 404 && strncmp(r->path, "/api/", 5) != 0)
			peers_notice_page(r, c, PQgetvalue(res, 0, Q_PEERS_UNKNOWN_SLUG_SLUG));
	}
	PQclear(res);
	return rc;
}

/* Appends to x the filters of expression e (";"-separated) but those of the kinds a drop-down gives
 * (region: when reg, country: when cc): the drop-down's choice replaces the text's, not narrows it. */
static void
filters_but(struct buf *x, const char *e, int reg, int cc)
{
	const char *p = e, *end;

	for (; p && *p; p = *end ? end + 1 : end) {
		size_t n;

		end = p + strcspn(p, ";");
		while (p < end && *p == ' ')
			p++;
		n = (size_t)(end - p);
		if (n == 0 || (reg && n >= 7 && strncasecmp(p, "region:", 7) == 0) ||
		    (cc && n >= 8 && strncasecmp(p, "country:", 8) == 0))
			continue;
		if (x->len)
			buf_putc(x, ';');
		buf_append(x, p, n);
	}
}

/* The peers drop-downs (view_peers_selects): peers_region and peers_country add region:NAME and
 * country:CODE to the peers filters, in place of a region or country the text names (a page shows its
 * group in the text box: choosing another region in the drop-down then moves the group there, instead
 * of asking for cities in both regions); a peers list of slugs stands alone and ignores them. */
int
view_cohort(struct request *r, struct cohort *c)
{
	const char *e = query_get(&r->query, "peers"), *reg = query_get(&r->query, "peers_region");
	const char *cc = query_get(&r->query, "peers_country");
	struct buf x = BUF_INIT;
	int rc;

	if ((reg == NULL || *reg == '\0') && (cc == NULL || *cc == '\0'))
		return view_cohort_expr(r, e, c);
	if (e && strspn(e, " ") != strlen(e) && strchr(e, ':') == NULL)
		return view_cohort_expr(r, e, c);
	filters_but(&x, e, reg && *reg, cc && *cc);
	if (reg && *reg)
		buf_printf(&x, "%sregion:%s", x.len ? ";" : "", reg);
	if (cc && *cc)
		buf_printf(&x, "%scountry:%s", x.len ? ";" : "", cc);
	rc = view_cohort_expr(r, x.data, c);
	buf_free(&x);
	return rc;
}

/* A one-column statement's values as a list of strings, read once per data version (versioned.h:
 * cities are added and changed only by the CLI and import, which bump it); NULL when the database
 * failed (not kept: read again next time). */
static json_t *
kept_column(struct request *r, const char *key, int q, int col)
{
	json_t *list = versioned_get(r->app, key);
	PGresult *res;
	int i;

	if (list != NULL)
		return list;
	res = db_query(r->app->db, q, 0, NULL);
	if (db_ok(res) && (list = json_array()) != NULL) {
		for (i = 0; i < PQntuples(res); i++)
			if (json_array_append_new(list, json_string_nocheck(PQgetvalue(res, i, col))) == -1) {
				json_decref(list);
				list = NULL;
				break;
			}
		if (list)
			versioned_put(r->app, key, list);
	}
	PQclear(res);
	return list;
}

void
view_peers_selects(struct request *r, struct buf *b)
{
	/* a page rendered without a database (the unit tests') offers "any" alone */
	json_t *regions = r->app ? kept_column(r, "peer_regions", Q_REGIONS, Q_REGIONS_REGION) : NULL;
	json_t *countries = r->app ? kept_column(r, "peer_countries", Q_COUNTRIES, Q_COUNTRIES_COUNTRY) : NULL;
	const char *reg = query_get(&r->query, "peers_region"), *cc = query_get(&r->query, "peers_country");
	json_t *v;
	size_t i;

	html_raw(b, "<div class=\"field\"><label for=\"peers_region\">");
	html_text(b, _("Peers in the region"));
	html_raw(b, "</label><select id=\"peers_region\" name=\"peers_region\"><option value=\"\">");
	html_text(b, _("Any region"));
	html_raw(b, "</option>");
	json_array_foreach(regions, i, v) {
		const char *name = json_string_value(v);
		html_raw(b, "<option value=\"");
		html_attr(b, name);
		html_raw(b, reg && strcasecmp(reg, name) == 0 ? "\" selected>" : "\">");
		html_text(b, names_region(name));
		html_raw(b, "</option>");
	}
	html_raw(b, "</select></div>\n<div class=\"field\"><label for=\"peers_country\">");
	html_text(b, _("Peers in the country"));
	html_raw(b, "</label><select id=\"peers_country\" name=\"peers_country\"><option value=\"\">");
	html_text(b, _("Any country"));
	html_raw(b, "</option>");
	json_array_foreach(countries, i, v) {
		const char *code = json_string_value(v);
		html_raw(b, "<option value=\"");
		html_attr(b, code);
		html_raw(b, cc && strcasecmp(cc, code) == 0 ? "\" selected>" : "\">");
		view_country(b, code);
		html_raw(b, "</option>");
	}
	html_raw(b, "</select></div>\n");
	json_decref(regions);
	json_decref(countries);
}

/* The slugs of the SIMILAR_PEERS cities most like `slug` in `wave` (similar_score's order: score, then
 * questions both answered, then name), appended to arr.  0, or -1 with the error answered. */
#define SIMILAR_PEERS 10
static int
similar_top(struct request *r, const char *slug, json_t *arr, json_t *cities, int limit, PGresult *w)
{
	const char *p[1] = { slug }, *wave = query_get(&r->query, "survey");
	const struct simindex *x;
	struct simindex_hit *m = NULL;
	int i, n = 0, me = -1, rc = -1, known = -1;
	char kw[64];

	/* the city and its latest wave from the kept city rows (view_city_kept): no statement */
	if (w == NULL && view_city_kept != NULL)
		known = view_city_kept(r, slug, kw, sizeof(kw));
	if (w == NULL && known == -1)
		w = db_query(r->app->db, Q_SIMILAR_CITY_WAVE, 1, p);
	if (known == -1 && !db_ok(w)) {
		view_db_error(r, w);
		goto out;
	}
	if (known == 0 || (known == -1 && PQntuples(w) == 0)) {
		reply_errorf(r, 404, "no such city: %s (in peers)", slug);
		goto out;
	}
	if ((wave == NULL || !wave_valid(wave)) && known == 1)
		wave = *kw ? kw : NULL;
	else if (wave == NULL || !wave_valid(wave))
		wave = PQgetisnull(w, 0, Q_SIMILAR_CITY_WAVE_WAVE) ? NULL : PQgetvalue(w, 0, Q_SIMILAR_CITY_WAVE_WAVE);
	if (wave == NULL) {
		rc = 0;		/* a city of no wave is like no city */
		goto out;
	}
	if ((x = simkept_get(r, wave)) == NULL)
		goto out;
	rc = 0;
	if (limit < 1 || (me = simindex_find(x, slug)) < 0 || (m = calloc((size_t)limit, sizeof(*m))) == NULL)
		goto out;
	n = (int)simkept_top(x, me, (size_t)limit, m);
	for (i = 0; i < n; i++) {
		if (arr)
			json_array_append_new(arr, json_string(simindex_slug(x, m[i].row)));
		if (cities)
			json_array_append_new(cities, json_pack("{s:s, s:s, s:f}", "slug", simindex_slug(x, m[i].row),
			    "name", simindex_name(x, m[i].row), "score", m[i].score));
	}
out:
	free(m);
	PQclear(w);
	return rc;
}

static int
similar_slugs(struct request *r, const char *slug, json_t *arr)
{
	return similar_top(r, slug, arr, NULL, SIMILAR_PEERS, NULL);
}

int
view_similar_cities(struct request *r, const char *slug, int limit, json_t *cities)
{
	return similar_top(r, slug, NULL, cities, limit, NULL);
}

int
view_similar_cities_res(struct request *r, const char *slug, int limit, json_t *cities, PGresult *w)
{
	if (w == NULL)
		return view_db_error(r, NULL);
	return similar_top(r, slug, NULL, cities, limit, w);
}

/* The filters' JSON with each similar:SLUG's cities added ("s"); 0, or -1 with the error answered. */
static int
resolve_similar(struct request *r, struct cohort *c)
{
	json_t *fs, *f;
	size_t i;
	char *text;
	int rc = 0;

	if (c->list.data == NULL || strstr(c->list.data, "\"k\":\"similar\"") == NULL)
		return 0;
	if ((fs = json_loads(c->list.data, 0, NULL)) == NULL)
		return reply_error(r, 503, "out of memory", NULL);
	json_array_foreach(fs, i, f) {
		json_t *arr;
		if (strcmp(view_str(f, "k"), "similar") != 0)
			continue;
		arr = json_array();
		json_object_set_new(f, "s", arr);
		if ((rc = similar_slugs(r, view_str(f, "c"), arr)) == -1)
			break;
	}
	if (rc == 0 && (text = json_dumps(fs, JSON_COMPACT)) != NULL) {
		buf_reset(&c->list);
		buf_puts(&c->list, text);
		free(text);
		c->params[1] = c->list.data;
	}
	json_decref(fs);
	return rc;
}

/* p->text respelled as name when they differ by case only: 1 (stop looking), else 0.  A failed copy
 * leaves p->text as given and the search goes on, as a name no city has. */
static int
respelled(struct peers *p, const char *name)
{
	char *dup;

	if (strcasecmp(name, p->text) != 0 || strcmp(name, p->text) == 0 || (dup = strdup(name)) == NULL)
		return 0;
	free(p->text);
	p->text = dup;
	return 1;
}

/* region:north america is region:North America: the name is taken as the cities spell it (any case
 * matches, as the contract asks of filters), so the stored statistics of that region apply.  A name no
 * city has stays as given (an empty cohort).  0, or -1 with the error answered. */
static int
canonical_region(struct request *r, struct peers *p)
{
	/* the regions as the peers form reads them, once per data version (issue 18, tenth session: the
	 * statement scanned every city on each region peer request) */
	json_t *regions = kept_column(r, "peer_regions", Q_REGIONS, Q_REGIONS_REGION), *v;
	PGresult *res;
	size_t k;
	int i;

	if (regions != NULL) {
		json_array_foreach(regions, k, v)
			if (respelled(p, json_string_value(v)))
				break;
		json_decref(regions);
		return 0;
	}
	res = db_query(r->app->db, Q_REGIONS, 0, NULL);
	if (!db_ok(res)) {
		view_db_error(r, res);
		PQclear(res);
		return -1;
	}
	for (i = 0; i < PQntuples(res); i++)
		if (respelled(p, PQgetvalue(res, i, Q_REGIONS_REGION)))
			break;
	PQclear(res);
	return 0;
}

int
view_cohort_expr(struct request *r, const char *expr, struct cohort *c)
{
	static const char *kinds[] = { "all", "region", "country", "population", "list", "filters" };
	char *err = NULL;
	size_t i;

	memset(c, 0, sizeof(*c));
	if (peers_parse(expr, &c->peers, &err) == -1) {
		/* peers_parse's messages name the parameter already ("peers: unknown group ...") */
		reply_errorf(r, 400, "bad peers expression: %s",
		    err == NULL ? "malformed" : strncmp(err, "peers: ", 7) == 0 ? err + 7 : err);
		free(err);
		return -1;
	}
	if (c->peers.kind == PEERS_REGION && canonical_region(r, &c->peers) == -1) {
		view_cohort_free(c);
		return -1;
	}
	c->params[0] = kinds[c->peers.kind];
	c->params[1] = c->peers.text;
	if (c->peers.kind == PEERS_POPULATION) {
		if (c->peers.has_min) {
			snprintf(c->min, sizeof(c->min), "%lld", c->peers.min);
			c->params[2] = c->min;
		}
		if (c->peers.has_max) {
			snprintf(c->max, sizeof(c->max), "%lld", c->peers.max);
			c->params[3] = c->max;
		}
	}
	if (c->peers.kind == PEERS_LIST) {
		buf_putc(&c->list, '{');
		for (i = 0; i < c->peers.nslugs; i++) {
			if (i)
				buf_putc(&c->list, ',');
			buf_puts(&c->list, c->peers.slugs[i]);	/* [a-z0-9-]: no quoting needed */
		}
		buf_putc(&c->list, '}');
		c->params[4] = c->list.data;
	}
	if (c->peers.kind == PEERS_FILTERS) {
		/* the filters as JSON in the text parameter (COHORT() in queries.def) */
		if (peers_filters_json(&c->peers, &c->list) == -1) {
			view_cohort_free(c);
			return reply_error(r, 503, "out of memory", NULL);
		}
		c->params[1] = c->list.data;
		if (resolve_similar(r, c) == -1) {
			view_cohort_free(c);
			return -1;
		}
	}
	if (c->peers.kind == PEERS_LIST && unknown_slug(r, c) == -1) {
		view_cohort_free(c);
		return -1;
	}
	peers_canonical(&c->peers, &c->canonical);
	if (c->canonical.data == NULL)
		buf_puts(&c->canonical, "");
	if (c->peers.kind == PEERS_ALL || c->peers.kind == PEERS_REGION || c->peers.kind == PEERS_COUNTRY) {
		c->stored[0] = kinds[c->peers.kind];
		c->stored[1] = c->peers.kind == PEERS_ALL ? "" : c->peers.text;
	}
	return 0;
}

int
view_cohort_is_stored(const struct cohort *c)
{
	return c->stored[0] != NULL;
}

void
view_cohort_free(struct cohort *c)
{
	peers_free(&c->peers);
	buf_free(&c->list);
	buf_free(&c->canonical);
}

int
view_cohort_params(const struct cohort *c, const char *wave, const char **p)
{
	int i;

	p[0] = wave;
	for (i = 0; i < 5; i++)
		p[i + 1] = c->params[i];
	return 6;
}

PGresult *
view_cohort_query(struct db *db, enum query_id stored, enum query_id live, const struct cohort *c,
    const char *wave, const char *const *extra, int nextra)
{
	const char *p[10];
	int n, i, stored_ok = view_cohort_is_stored(c) && !view_wave_is_latest(wave);

	if (nextra < 0 || nextra > 4)
		return NULL;
	if (stored_ok) {
		p[0] = wave;
		p[1] = c->stored[0];
		p[2] = c->stored[1];
		n = 3;
	} else {
		n = view_cohort_params(c, wave, p);
	}
	for (i = 0; i < nextra; i++)
		p[n++] = extra[i];
	return db_query(db, stored_ok ? stored : live, n, p);
}

/* A GET of a slug written in capitals ("/cities/Toronto") answers 301 to the same address in small
 * letters, extension and query kept; returns 1 when it did, else 0. */
static int
redirect_lowercase(struct request *r, const char *s)
{
	static const char *const ext[] = { [FMT_JSON] = ".json", [FMT_CSV] = ".csv", [FMT_SVG] = ".svg" };
	struct buf loc = BUF_INIT;
	char low[65];
	size_t i, n = s ? strlen(s) : 0;
	int upper = 0;

	if (r->method == NULL || (strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0) ||
	    n == 0 || n >= sizeof(low))
		return 0;
	for (i = 0; i < n; i++) {
		upper |= s[i] >= 'A' && s[i] <= 'Z';
		low[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
	}
	low[n] = '\0';
	if (!upper || !path_segment_valid_slug(low, n))
		return 0;
	for (i = 0; r->path[i]; i++)
		buf_putc(&loc, r->path[i] >= 'A' && r->path[i] <= 'Z' ? r->path[i] + 32 : r->path[i]);
	if (r->fmt == FMT_JSON || r->fmt == FMT_CSV || r->fmt == FMT_SVG)
		buf_puts(&loc, ext[r->fmt]);
	if (r->query_string && *r->query_string) {
		buf_putc(&loc, '?');
		buf_puts(&loc, r->query_string);
	}
	if (loc.data == NULL || http_header(r, "Location", loc.data) == -1) {
		buf_free(&loc);
		return 0;
	}
	r->status = 301;
	r->ctype = "text/plain";
	buf_reset(&r->out);
	buf_printf(&r->out, "moved to %s\n", loc.data);
	buf_free(&loc);
	return 1;
}

int
view_slug_arg(struct request *r, const char *s, const char *what)
{
	if (s && path_segment_valid_slug(s, strlen(s)))
		return 0;
	if (redirect_lowercase(r, s))
		return -1;
	return reply_errorf(r, 404, "no such %s", what);
}

int
view_db_error(struct request *r, PGresult *res)
{
	if (res == NULL)
		return reply_error(r, 503, "the database is unreachable; try again shortly", NULL);
	fprintf(stderr, "citybench: request %s: %s", r->request_id, PQresultErrorMessage(res));
	return reply_error(r, 503, "the database could not answer; try again shortly", NULL);
}

PGresult *
view_city(struct request *r, const char *slug)
{
	const char *p[1] = { slug };

	return view_city_res(r, slug, db_query(r->app->db, Q_CITY, 1, p));
}

PGresult *
view_city_res(struct request *r, const char *slug, PGresult *city)
{
	if (!db_ok(city)) {
		view_db_error(r, city);
		PQclear(city);
		return NULL;
	}
	if (PQntuples(city) == 0) {
		reply_errorf(r, 404, "no city called \"%s\"", slug);
		PQclear(city);
		return NULL;
	}
	return city;
}

/* A coordinate of the result's column col (-1: the statement has none), or null when not placed. */
json_t *
view_coord_json(const PGresult *res, int row, int col)
{
	if (col < 0 || PQgetisnull(res, row, col))
		return json_null();
	return json_real(strtod(PQgetvalue(res, row, col), NULL));
}

/* A city's columns from slug on are in the same order in Q_CITY and Q_CITIES (which starts at slug). */
#define CITY_AT(slug, column) ((slug) + (Q_CITY_##column - Q_CITY_SLUG))
#define SAME_AS_CITY(q, column) _Static_assert(q##_##column - q##_SLUG == Q_CITY_##column - Q_CITY_SLUG, \
	#q " and Q_CITY order the city's columns alike")
SAME_AS_CITY(Q_CITIES, NAME);
SAME_AS_CITY(Q_CITIES, COUNTRY);
SAME_AS_CITY(Q_CITIES, REGION);
SAME_AS_CITY(Q_CITIES, POPULATION);
SAME_AS_CITY(Q_CITIES, SYNTHETIC);

json_t *
view_city_json(const PGresult *res, int row, int slug)
{
	const char *pop = PQgetvalue(res, row, CITY_AT(slug, POPULATION));
	int lat = PQfnumber(res, "lat"), lon = PQfnumber(res, "lon");

	return json_pack("{s:s, s:s, s:s, s:s, s:o, s:b, s:o, s:o}",
	    "slug", PQgetvalue(res, row, CITY_AT(slug, SLUG)),
	    "name", PQgetvalue(res, row, CITY_AT(slug, NAME)),
	    "country", PQgetvalue(res, row, CITY_AT(slug, COUNTRY)),
	    "region", PQgetvalue(res, row, CITY_AT(slug, REGION)),
	    "population", PQgetisnull(res, row, CITY_AT(slug, POPULATION)) ? json_null() :
		json_integer(strtoll(pop, NULL, 10)),
	    "synthetic", PQgetvalue(res, row, CITY_AT(slug, SYNTHETIC))[0] == 't',
	    "lat", view_coord_json(res, row, lat), "lon", view_coord_json(res, row, lon));
}

/* The answers' common texts as PostgreSQL writes jsonb, read without jansson's parser (issue 18, ninth
 * session: json_loads was ~6,000 instructions an answer, ~0.25 M a profile): true, false, null, an
 * integer of at most 15 digits, a string without escapes, and an array of such strings (jsonb writes
 * ", " between items).  The value is the one json_loads gives; NULL for any other text (json_loads). */
static json_t *
answer_string(const char *s, size_t n)
{
	size_t i;

	/* s[0] and s[n - 1] are the quotes; jansson refuses control characters, json_stringn bad UTF-8 */
	for (i = 1; i + 1 < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == '"' || s[i] == '\\')
			return NULL;
	return json_stringn(s + 1, n - 2);
}

static json_t *
answer_simple(const char *s, size_t n)
{
	size_t i, end;
	json_t *a, *v;

	if (n == 4 && memcmp(s, "true", 4) == 0)
		return json_true();
	if (n == 5 && memcmp(s, "false", 5) == 0)
		return json_false();
	if (n == 4 && memcmp(s, "null", 4) == 0)
		return json_null();
	if (n >= 2 && s[0] == '"' && s[n - 1] == '"')
		return answer_string(s, n);
	if (n >= 2 && s[0] == '[' && s[n - 1] == ']') {
		if ((a = json_array()) == NULL)
			return NULL;
		for (i = 1; n > 2; i = end + 3) {
			if (s[i] != '"')
				break;
			for (end = i + 1; end < n && s[end] != '"' && s[end] != '\\'; end++)
				;
			if (end >= n || s[end] != '"' || (v = answer_string(s + i, end - i + 1)) == NULL ||
			    json_array_append_new(a, v) == -1)
				break;
			if (end + 2 == n)	/* the last item, then ']' */
				return a;
			if (end + 3 >= n || s[end + 1] != ',' || s[end + 2] != ' ')
				break;
		}
		if (n == 2)
			return a;
		json_decref(a);
		return NULL;
	}
	i = n > 0 && s[0] == '-';
	if (n - i < 1 || n - i > 15 || (s[i] == '0' && n - i > 1))
		return NULL;
	for (end = i; end < n; end++)
		if (s[end] < '0' || s[end] > '9')
			return NULL;
	return json_integer(strtoll(s, NULL, 10));
}

json_t *
view_answer_json(const char *text)
{
	json_t *v;

	if (text == NULL)
		return json_null();
	if ((v = answer_simple(text, strlen(text))) != NULL)
		return v;
	v = json_loads(text, JSON_DECODE_ANY, NULL);
	return v ? v : json_null();
}

int
view_wave_param(struct request *r, const char **wave)
{
	const char *s = query_get(&r->query, "survey");

	*wave = NULL;
	if (s == NULL || *s == '\0')
		return 0;
	if (!wave_valid(s))
		return reply_error(r, 400, "survey must be a wave such as 2020", NULL);
	*wave = s;
	return 0;
}

int
view_wave_is_latest(const char *wave)
{
	return wave != NULL && strcmp(wave, "latest") == 0;
}

int
view_wave_param_latest(struct request *r, const char **wave)
{
	const char *s = query_get(&r->query, "survey");

	if (view_wave_is_latest(s)) {
		*wave = "latest";
		return 0;
	}
	return view_wave_param(r, wave);
}

json_t *
view_waves(struct app *a)
{
	PGresult *res = a ? db_query(a->db, Q_SURVEYS, 0, NULL) : NULL;
	json_t *list = NULL;
	int i;

	if (db_ok(res)) {
		list = json_array();
		for (i = 0; i < PQntuples(res); i++)
			json_array_append_new(list, json_string(PQgetvalue(res, i, Q_SURVEYS_ID)));
	}
	PQclear(res);
	return list;
}

void
view_country(struct buf *b, const char *code)
{
	const char *name = country_name(code);

	if (name) {
		html_text(b, name);
		html_raw(b, " (");
		html_text(b, code);
		html_raw(b, ")");
	} else {
		html_text(b, code);
	}
}

void
view_country_options(struct buf *b, PGresult *countries, const char *selected)
{
	int i;

	for (i = 0; countries && i < PQntuples(countries); i++) {
		const char *cc = PQgetvalue(countries, i, Q_COUNTRIES_COUNTRY);
		html_raw(b, "<option value=\"");
		html_attr(b, cc);
		html_raw(b, selected && strcasecmp(selected, cc) == 0 ? "\" selected>" : "\">");
		view_country(b, cc);
		html_raw(b, "</option>");
	}
}

void
view_wave_options(struct buf *b, json_t *waves, const char *selected)
{
	json_t *w;
	size_t i;

	json_array_foreach(waves, i, w) {
		const char *id = json_string_value(w);
		html_raw(b, "<option value=\"");
		html_attr(b, id);
		html_raw(b, selected && id && strcmp(id, selected) == 0 ? "\" selected>" : "\">");
		html_text(b, id);
		html_raw(b, "</option>");
	}
	/* survey=latest: every page with a wave picker takes it */
	if (json_array_size(waves) > 1)
	{
		html_raw(b, view_wave_is_latest(selected) ? "<option value=\"latest\" selected>" :
		    "<option value=\"latest\">");
		html_text(b, _("Each city at its latest wave"));
		html_raw(b, "</option>");
	}
}

/* Q_CITIES's first columns are Q_DATA_CITIES's. */
DB_SAME_COLUMN(Q_CITIES, Q_DATA_CITIES, SLUG);
DB_SAME_COLUMN(Q_CITIES, Q_DATA_CITIES, NAME);
DB_SAME_COLUMN(Q_CITIES, Q_DATA_CITIES, COUNTRY);
DB_SAME_COLUMN(Q_CITIES, Q_DATA_CITIES, REGION);
DB_SAME_COLUMN(Q_CITIES, Q_DATA_CITIES, POPULATION);
DB_SAME_COLUMN(Q_CITIES, Q_DATA_CITIES, SYNTHETIC);

void
view_cities_csv(struct buf *b, const PGresult *res)
{
	int i;

	buf_puts(b, "slug,name,country,region,population,synthetic\r\n");
	for (i = 0; i < PQntuples(res); i++) {
		csv_text(b, PQgetvalue(res, i, Q_DATA_CITIES_SLUG)); csv_sep(b);
		csv_text(b, PQgetvalue(res, i, Q_DATA_CITIES_NAME)); csv_sep(b);
		csv_text(b, PQgetvalue(res, i, Q_DATA_CITIES_COUNTRY)); csv_sep(b);
		csv_text(b, PQgetvalue(res, i, Q_DATA_CITIES_REGION)); csv_sep(b);
		if (!PQgetisnull(res, i, Q_DATA_CITIES_POPULATION))
			buf_puts(b, PQgetvalue(res, i, Q_DATA_CITIES_POPULATION));
		csv_sep(b);
		buf_puts(b, PQgetvalue(res, i, Q_DATA_CITIES_SYNTHETIC)[0] == 't' ? "true" : "false");
		csv_eol(b);
	}
}

int
view_not_modified(struct request *r)
{
	return http_not_modified(r, app_data_version(r->app));
}

const char *
view_str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

double
view_num(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_number(v) ? json_number_value(v) : NAN;
}

/* view_number_fast: csv_number's text ("%lld" for a whole number below 2^53, else the shortest of
 * %.15g, %.16g, %.17g that reads back) without printf or strtod where that text is known beforehand
 * (issue 18, ninth session): a whole number is its digits; a number that is n / 10^d exactly as a
 * double (n and 10^d exact, the division correctly rounded, so "n.10^-d" reads back as v), with d
 * from 1 to 6 the fewest that do, |n| below 10^15 and the value at least 1e-4, is what %.15g
 * writes: v is within half an ulp of that decimal, much closer than half a step of 15 significant
 * digits, so %.15g rounds to it, writes it in fixed notation (exponent from -4 to 14) without
 * trailing zeros (d is the fewest), and it reads back at the first precision.  Returns 0 when it
 * cannot tell (the caller falls back to csv_number). */
int
view_number_fast(struct buf *b, double v)
{
	static const double p10[] = { 1, 10, 100, 1000, 10000, 100000, 1000000 };
	char s[48];
	size_t o = sizeof(s);
	unsigned long long u, ip, fp;
	int d, k;

	if (!isfinite(v))
		return 0;
	if (v == trunc(v) && fabs(v) < 9007199254740992.0) {
		long long n = (long long)v;

		u = n < 0 ? 0ULL - (unsigned long long)n : (unsigned long long)n;
		do {
			s[--o] = (char)('0' + u % 10);
			u /= 10;
		} while (u);
		if (n < 0)
			s[--o] = '-';
		buf_append(b, s + o, sizeof(s) - o);
		return 1;
	}
	for (d = 1; d <= 6; d++) {
		double x = nearbyint(v * p10[d]);

		if (!(fabs(x) < 1e15) || x / p10[d] != v)
			continue;
		u = (unsigned long long)fabs(x);
		if (d > 4 && (double)u < p10[d - 4])	/* below 1e-4: %g writes an exponent */
			return 0;
		ip = u / (unsigned long long)p10[d];
		fp = u % (unsigned long long)p10[d];
		for (k = 0; k < d; k++) {
			s[--o] = (char)('0' + fp % 10);
			fp /= 10;
		}
		s[--o] = '.';
		do {
			s[--o] = (char)('0' + ip % 10);
			ip /= 10;
		} while (ip);
		if (v < 0)
			s[--o] = '-';
		buf_append(b, s + o, sizeof(s) - o);
		return 1;
	}
	return 0;
}

void
view_number(struct buf *b, double v)
{
	if (!view_number_fast(b, v))
		csv_number(b, v);
}

void
view_int(struct buf *b, long long n)
{
	view_int_lang(b, n, lang_current());
}

void
view_fixed(struct buf *b, double v, int places)
{
	view_fixed_lang(b, v, places, lang_current());
}

void
view_percent(struct buf *b, double v, int places)
{
	view_percent_lang(b, v, places, lang_current());
}

void
view_percent_lang(struct buf *b, double v, int places, enum lang l)
{
	view_fixed_lang(b, v, places, l);
	buf_puts(b, l == LANG_FR ? NNBSP "%" : "%");
}

void
view_int_lang(struct buf *b, long long n, enum lang l)
{
	char digits[32], out[96];
	size_t len = 0, i, o = 0;
	unsigned long long u = (unsigned long long)n;

	if (n < 0) {
		out[o++] = '-';
		u = 0ULL - u;
	}
	/* the digits written here rather than by snprintf, and the whole number appended once (issue 18,
	 * eighth session): the same text */
	do {
		digits[sizeof(digits) - 1 - len++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	for (i = 0; i < len; i++) {
		/* four digits stay together: years, 2018 */
		if (i > 0 && (len - i) % 3 == 0 && len > 4) {
			if (l == LANG_FR) {
				memcpy(out + o, NNBSP, sizeof(NNBSP) - 1);
				o += sizeof(NNBSP) - 1;
			} else {
				out[o++] = ',';
			}
		}
		out[o++] = digits[sizeof(digits) - len + i];
	}
	buf_append(b, out, o);
}

void
view_fixed_lang(struct buf *b, double v, int places, enum lang l)
{
	char s[64], *e;
	double m = pow(10, places);

	/* half up, as shares are (printf alone rounds half to even: 96.5 -> 96) */
	if (isfinite(v) && fabs(v) * m < 9e15)
		v = floor(v * m + 0.5) / m;
	if (places == 0 && isfinite(v) && fabs(v) < 9e15) {
		/* a whole number below 9e15: "%.0f"'s digits without printf's floating point path (issue
		 * 18, eighth session); -0 is "0", as below */
		long long k = (long long)v;
		unsigned long long u = k < 0 ? 0ULL - (unsigned long long)k : (unsigned long long)k;
		size_t o = sizeof(s);

		do {
			s[--o] = (char)('0' + u % 10);
			u /= 10;
		} while (u);
		if (k < 0)
			s[--o] = '-';
		buf_append(b, s + o, sizeof(s) - o);
		return;
	}
	snprintf(s, sizeof(s), "%.*f", places, v);
	if (strchr(s, '.')) {
		for (e = s + strlen(s) - 1; *e == '0'; e--)
			*e = '\0';
		if (*e == '.')
			*e = '\0';
	}
	if (strcmp(s, "-0") == 0)
		strcpy(s, "0");
	if (l == LANG_FR && (e = strchr(s, '.')) != NULL)
		*e = ',';
	buf_puts(b, s);
}

/* A number for people: "no value" when v is not finite (returns 0), else opens <data value="v"> with
 * v written exactly, for the caller's text and "</data>" (returns 1). */
static int
data_open(struct buf *b, double v)
{
	if (!isfinite(v)) {
		html_raw(b, "<span class=\"no-value\">");
		html_text(b, _("no value"));
		html_raw(b, "</span>");
		return 0;
	}
	html_raw(b, "<data value=\"");
	csv_number(b, v);
	html_raw(b, "\">");
	return 1;
}

void
view_number_html(struct buf *b, double v, const char *unit)
{
	struct buf t = BUF_INIT;

	if (!data_open(b, v))
		return;
	chart_value(&t, v, unit);
	html_text(b, t.data ? t.data : "");
	html_raw(b, "</data>");
	buf_free(&t);
}

void
view_percentile_html(struct buf *b, double v)
{
	if (!data_open(b, v))
		return;
	view_fixed(b, v, 0);
	html_raw(b, "</data>");
}

void
view_twin_links(struct request *r, const char *lead, const char *path, int svg)
{
	static const char *const exts[] = { ".json", ".csv", ".svg" };
	static const char *const names[] = { "JSON", "CSV", N_("SVG chart") };
	size_t i;

	html_raw(&r->out, "<p class=\"twins\">");
	html_text(&r->out, _(lead));	/* the callers mark it with N_() */
	html_raw(&r->out, lang_current() == LANG_FR ? NNBSP ": " : ": ");
	for (i = 0; i < (svg ? 3u : 2u); i++) {
		if (i)
			html_raw(&r->out, ", ");
		html_raw(&r->out, "<a href=\"");
		html_attr(&r->out, path);
		html_raw(&r->out, exts[i]);
		if (*r->query_string) {
			buf_putc(&r->out, '?');
			html_attr(&r->out, r->query_string);
		}
		html_raw(&r->out, "\">");
		/* JSON and CSV are the formats' own names in every language (and "JSON" alone is a phrase of
		 * the validation messages, translated there as a noun with its article) */
		html_text(&r->out, i == 2 ? _(names[i]) : names[i]);
		html_raw(&r->out, "</a>");
	}
	html_raw(&r->out, ".</p>\n");
}

int
view_share(long long n, long long d)
{
	if (d <= 0)
		return 0;
	/* half up, in integers: floor((200 n + d) / 2d) */
	return (int)((200 * n + d) / (2 * d));
}
