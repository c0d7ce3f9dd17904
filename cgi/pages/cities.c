/* cities.c: /cities — search by name, filter by region, country, population band and wave; pages. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <strings.h>

#include "app.h"
#include "country.h"
#include "html.h"
#include "latest.h"
#include "ltext.h"
#include "names.h"
#include "page.h"
#include "paging.h"
#include "peers.h"
#include "query.h"
#include "reply.h"
#include "routes.h"
#include "view.h"

#define PAGE_SIZE 50

struct filter {
	const char *q, *region, *country, *wave;
	char min[24], max[24], limit[16], offset[24];
	const char *params[14];		/* Q_CITIES: the filters, limit, offset, the peers, q's countries */
	char qbuf[256], regbuf[256], ctybuf[8];
	struct buf cc;			/* the codes of the countries q names */
	struct cohort c;
	struct paging pg;	/* JSON and CSV; HTML too when limit or offset is named */
	long page;
};

/* s without the blanks around it, copied into out (n bytes); s itself when it does not fit; NULL stays NULL. */
static const char *
trimmed(const char *s, char *out, size_t n)
{
	size_t len;

	if (s == NULL)
		return NULL;
	while (*s == ' ' || *s == '\t')
		s++;
	len = strlen(s);
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	if (len >= n)
		return s;
	memcpy(out, s, len);
	out[len] = '\0';
	return out;
}

static int
read_filter(struct request *r, struct filter *f)
{
	const char *s;
	char *err = NULL, *end;
	long long mn, mx;
	int has_mn = 0, has_mx = 0;

	memset(f, 0, sizeof(*f));
	if (view_cohort(r, &f->c) == -1)
		return -1;
	f->q = query_get(&r->query, "q");
	if (f->q && strlen(f->q) > 200)
		return reply_error(r, 400, "q is too long (200 characters at most)", NULL);
	/* blanks around what was typed do not count ("Toronto " finds Toronto) */
	f->q = trimmed(f->q, f->qbuf, sizeof(f->qbuf));
	f->region = trimmed(query_get(&r->query, "region"), f->regbuf, sizeof(f->regbuf));
	f->country = trimmed(query_get(&r->query, "country"), f->ctybuf, sizeof(f->ctybuf));
	if (f->q && *f->q == '\0')
		f->q = NULL;
	if (f->region && *f->region == '\0')
		f->region = NULL;
	if (f->country && *f->country == '\0')
		f->country = NULL;
	if (f->country && (strlen(f->country) != 2 || !((f->country[0] | 32) >= 'a' &&
	    (f->country[0] | 32) <= 'z' && (f->country[1] | 32) >= 'a' && (f->country[1] | 32) <= 'z')))
		return reply_error(r, 400, "country must be a two-letter code such as CA", NULL);
	if (view_wave_param_latest(r, &f->wave) == -1)
		return -1;
	s = query_get(&r->query, "population");
	if (s && *s) {
		if (range_parse(s, &mn, &has_mn, &mx, &has_mx, &err) == -1) {
			reply_errorf(r, 400, "bad population range: %s", err ? err : "use MIN-MAX");
			free(err);
			return -1;
		}
		if (has_mn)
			snprintf(f->min, sizeof(f->min), "%lld", mn);
		if (has_mx)
			snprintf(f->max, sizeof(f->max), "%lld", mx);
	}
	f->page = 1;
	s = query_get(&r->query, "page");
	if (s && *s) {
		f->page = strtol(s, &end, 10);
		if (*end || f->page < 1 || f->page > 100000)
			return reply_error(r, 400, "page must be a whole number from 1", NULL);
	}
	if (paging_read(r, &f->pg, PAGING_DEFAULT) == -1)
		return -1;
	if (r->fmt == FMT_HTML && !f->pg.given) {
		f->pg.limit = PAGE_SIZE;
		f->pg.offset = (f->page - 1) * PAGE_SIZE;
	}
	snprintf(f->limit, sizeof(f->limit), "%ld", f->pg.limit);
	snprintf(f->offset, sizeof(f->offset), "%ld", f->pg.offset);
	f->params[0] = f->q;
	f->params[1] = f->region;
	f->params[2] = f->country;
	f->params[3] = has_mn ? f->min : NULL;
	f->params[4] = has_mx ? f->max : NULL;
	f->params[5] = f->wave;
	f->params[6] = f->limit;
	f->params[7] = f->offset;
	if (f->c.peers.kind != PEERS_ALL)
		memcpy(&f->params[8], f->c.params, sizeof(f->c.params));
	if (f->q && country_codes_matching(f->q, &f->cc) > 0)
		f->params[13] = f->cc.data;
	return 0;
}

/* 302 to the one city found, with survey and lang kept. */
static void
single_hit(struct request *r, PGresult *res)
{
	struct buf loc = BUF_INIT;
	const char *keep[] = { "survey", "lang" };
	char sep = '?';
	size_t i;

	buf_puts(&loc, "/cities/");
	buf_puts(&loc, PQgetvalue(res, 0, Q_CITIES_SLUG));	/* [a-z0-9-] */
	for (i = 0; i < sizeof(keep) / sizeof(keep[0]); i++) {
		const char *v = query_get(&r->query, keep[i]);
		if (v == NULL || *v == '\0')
			continue;
		buf_printf(&loc, "%c%s=", sep, keep[i]);
		url_encode(&loc, v);
		sep = '&';
	}
	r->status = 302;
	http_header(r, "Location", loc.data);
	page_begin_described(r, _("Cities"), _("Every city in the survey, found by name, region, country, population or wave, "
	    "with its country, region and population and a link to its profile."));
	html_raw(&r->out, "<h1>");
	html_text(&r->out, _("One city found"));
	html_raw(&r->out, "</h1>\n<p><a href=\"");
	html_attr(&r->out, loc.data);
	html_raw(&r->out, "\">");
	html_text(&r->out, PQgetvalue(res, 0, Q_CITIES_NAME));
	html_raw(&r->out, "</a></p>\n");
	page_end(r);
	buf_free(&loc);
}

/* A link to another page of the same view: every filter kept. */
static void
page_link(struct buf *b, const struct request *r, long page)
{
	size_t i;

	html_raw(b, "/cities?");
	for (i = 0; i < r->query.n; i++) {
		if (strcmp(r->query.p[i].key, "page") == 0)
			continue;
		url_encode(b, r->query.p[i].key);
		buf_putc(b, '=');
		url_encode(b, r->query.p[i].value);
		buf_puts(b, "&amp;");
	}
	buf_printf(b, "page=%ld", page);
}

/* The search form; regions and waves (either may be NULL when the database failed) fill its lists. */
static void
cities_form(struct request *r, const struct filter *f, PGresult *regions, PGresult *countries, json_t *waves)
{
	struct buf *b = &r->out;
	int i;

	html_raw(b, "<form class=\"filters\" method=\"get\" action=\"/cities\" role=\"search\">\n"
	    "<div class=\"field\"><label for=\"q\">");
	html_text(b, _("City name"));
	html_raw(b, "</label><input id=\"q\" name=\"q\" type=\"search\" autocomplete=\"off\" value=\"");
	html_attr(b, f->q ? f->q : "");
	html_raw(b, "\"></div>\n<div class=\"field\"><label for=\"region\">");
	html_text(b, _("Region"));
	html_raw(b, "</label><select id=\"region\" name=\"region\"><option value=\"\">");
	html_text(b, _("Any region"));
	html_raw(b, "</option>");
	for (i = 0; regions && i < PQntuples(regions); i++) {
		const char *reg = PQgetvalue(regions, i, Q_REGIONS_REGION);
		html_raw(b, "<option value=\"");
		html_attr(b, reg);
		html_raw(b, f->region && strcasecmp(f->region, reg) == 0 ? "\" selected>" : "\">");
		html_text(b, names_region(reg));
		html_raw(b, "</option>");
	}
	html_raw(b, "</select></div>\n<div class=\"field\"><label for=\"country\">");
	html_text(b, _("Country"));
	html_raw(b, "</label><select id=\"country\" name=\"country\"><option value=\"\">");
	html_text(b, _("Any country"));
	html_raw(b, "</option>");
	view_country_options(b, countries, f->country);
	html_raw(b, "</select></div>\n<div class=\"field\"><label for=\"population\">");
	/* TRANSLATORS: keep the markup */
	html_raw(b, _("Population (<abbr title=\"minimum-maximum, e.g. 100000-2000000\">min-max</abbr>)"));
	html_raw(b, "</label><input id=\"population\" name=\"population\" value=\"");
	html_attr(b, query_get(&r->query, "population") ? query_get(&r->query, "population") : "");
	html_raw(b, "\"></div>\n<div class=\"field\"><label for=\"survey\">");
	html_text(b, _("Answered the wave"));
	html_raw(b, "</label><select id=\"survey\" name=\"survey\"><option value=\"\">");
	html_text(b, _("Any wave"));
	html_raw(b, "</option>");
	view_wave_options(b, waves, f->wave);
	html_raw(b, "</select></div>\n");
	if (f->c.peers.kind != PEERS_ALL) {	/* a count's list (a peer group): kept by the form */
		struct buf e = BUF_INIT;

		if (peers_canonical(&f->c.peers, &e) == 0 && e.data) {
			html_raw(b, "<input type=\"hidden\" name=\"peers\" value=\"");
			html_attr(b, e.data);
			html_raw(b, "\">");
		}
		buf_free(&e);
	}
	html_raw(b, "<button type=\"submit\">");
	html_text(b, _("Search"));
	html_raw(b, "</button>\n</form>\n");
}

/* What a list of a peer group is (a profile's count opens one): the group, and a way back to every
 * city with the other filters kept. */
static void
peers_line(struct request *r, const struct filter *f)
{
	struct buf *b = &r->out, e = BUF_INIT;
	size_t i;
	int first = 1;

	if (f->c.peers.kind == PEERS_ALL || peers_canonical(&f->c.peers, &e) == -1 || e.data == NULL) {
		buf_free(&e);
		return;
	}
	html_raw(b, "<p class=\"peers-note\">");
	html_text(b, _("Only the cities of the peer group"));
	html_raw(b, " <code>");
	html_text(b, e.data);
	html_raw(b, "</code>");
	if (f->wave) {
		html_raw(b, " (");
		/* TRANSLATORS: %s a wave such as 2020 */
		buf_printf(b, _("%s wave"), f->wave);
		html_raw(b, ")");
	}
	html_raw(b, ". <a href=\"/cities");
	for (i = 0; i < r->query.n; i++) {
		if (strcmp(r->query.p[i].key, "peers") == 0 || strcmp(r->query.p[i].key, "page") == 0)
			continue;
		buf_puts(b, first ? "?" : "&amp;");
		first = 0;
		url_encode(b, r->query.p[i].key);
		buf_putc(b, '=');
		url_encode(b, r->query.p[i].value);
	}
	html_raw(b, "\">");
	html_text(b, _("Every city"));
	html_raw(b, "</a></p>\n");
	buf_free(&e);
}

int
cities_get(struct request *r)
{
	struct filter f;
	PGresult *res = NULL, *regions = NULL, *countries = NULL;
	json_t *list = NULL, *waves = NULL;
	long long total = 0;
	int i, n, status = -1;

	if (read_filter(r, &f) == -1) {
		buf_free(&f.cc);
		view_cohort_free(&f.c);
		return -1;
	}
	if (view_not_modified(r)) {
		buf_free(&f.cc);
		view_cohort_free(&f.c);
		return 0;
	}
	res = db_query(r->app->db, Q_CITIES, 14, f.params);
	if (!db_ok(res)) {
		view_db_error(r, res);
		goto out;
	}
	n = PQntuples(res);
	if (n > 0)
		total = strtoll(PQgetvalue(res, 0, Q_CITIES_TOTAL), NULL, 10);
	else if (f.pg.offset > 0) {
		const char *cp[12] = { f.params[0], f.params[1], f.params[2], f.params[3], f.params[4],
		    f.params[5], f.params[8], f.params[9], f.params[10], f.params[11], f.params[12], f.params[13] };
		PGresult *cnt = db_query(r->app->db, Q_CITIES_COUNT, 12, cp);
		if (db_ok(cnt))
			total = strtoll(PQgetvalue(cnt, 0, Q_CITIES_COUNT_TOTAL), NULL, 10);
		PQclear(cnt);
	}

	if (r->fmt == FMT_JSON) {
		list = json_array();
		for (i = 0; i < n; i++)
			json_array_append_new(list, view_city_json(res, i, Q_CITIES_SLUG));
		reply_json(r, 200, json_pack("{s:o, s:I, s:o*, s:I, s:I}", "cities", list, "total", (json_int_t)total,
		    "next", paging_next(r, &f.pg, "/cities.json", total), "limit", (json_int_t)f.pg.limit,
		    "offset", (json_int_t)f.pg.offset));
		status = 0;
		goto out;
	}
	if (r->fmt == FMT_CSV) {
		r->ctype = "text/csv";
		view_cities_csv(&r->out, res);
		status = 0;
		goto out;
	}

	/* a search that finds one city goes to its profile (the wave and language kept) */
	if (f.q && total == 1 && n == 1 && f.pg.offset == 0) {
		single_hit(r, res);
		status = 0;
		goto out;
	}
	regions = db_query(r->app->db, Q_REGIONS, 0, NULL);
	countries = db_query(r->app->db, Q_COUNTRIES, 0, NULL);
	waves = view_waves(r->app);
	page_begin_described(r, _("Cities"), _("Every city in the survey, found by name, region, country, population or wave, "
	    "with its country, region and population and a link to its profile."));
	html_raw(&r->out, "<h1>");
	html_text(&r->out, _("Cities"));
	html_raw(&r->out, "</h1>\n");
	cities_form(r, &f, db_ok(regions) ? regions : NULL, db_ok(countries) ? countries : NULL, waves);
	peers_line(r, &f);
	html_raw(&r->out, "<p class=\"count\" role=\"status\">");
	{
		char ts[64];
		snprintf(ts, sizeof ts, "<data id=\"total\" value=\"%lld\">%lld</data>", total, total);
		/* TRANSLATORS: {1} the number of cities found */
		ltext(&r->out, P_("{1} city found", "{1} cities found", (unsigned long)total), 1, ts, NULL, NULL, NULL);
	}
	if (f.pg.given && n > 0)
		buf_printf(&r->out, _(", showing %ld to %ld"), f.pg.offset + 1, f.pg.offset + n);
	else if (total > PAGE_SIZE)
		buf_printf(&r->out, _(", page %ld of %lld"), f.page, (total + PAGE_SIZE - 1) / PAGE_SIZE);
	html_raw(&r->out, ". <a href=\"/cities.csv");
	if (*r->query_string) {
		buf_putc(&r->out, '?');
		html_attr(&r->out, r->query_string);
	}
	html_raw(&r->out, "\">");
	html_text(&r->out, _("Download as CSV"));
	html_raw(&r->out, "</a></p>\n");
	if (n > 0) {
		html_raw(&r->out, "<div class=\"table-scroll\" tabindex=\"0\" role=\"region\" aria-label=\"");
		html_attr(&r->out, _("Cities found, scrolls sideways"));
		html_raw(&r->out, "\"><table class=\"data\"><caption class=\"visually-hidden\">");
		html_text(&r->out, _("Cities found"));
		html_raw(&r->out, "</caption><thead><tr><th scope=\"col\">");
		html_text(&r->out, _("City"));
		html_raw(&r->out, "</th><th scope=\"col\">");
		html_text(&r->out, _("Country"));
		html_raw(&r->out, "</th><th scope=\"col\">");
		html_text(&r->out, _("Region"));
		html_raw(&r->out, "</th><th scope=\"col\" class=\"num\">");
		html_text(&r->out, _("Population"));
		html_raw(&r->out, "</th></tr></thead><tbody>\n");
		for (i = 0; i < n; i++) {
			html_raw(&r->out, "<tr><th scope=\"row\"><a href=\"/cities/");
			url_encode(&r->out, PQgetvalue(res, i, Q_CITIES_SLUG));
			html_raw(&r->out, "\">");
			html_text(&r->out, PQgetvalue(res, i, Q_CITIES_NAME));
			html_raw(&r->out, "</a>");
			if (PQgetvalue(res, i, Q_CITIES_SYNTHETIC)[0] == 't') {
				html_raw(&r->out, " <span class=\"tag-synthetic\">");
				html_text(&r->out, _("synthetic"));
				html_raw(&r->out, "</span>");
			}
			html_raw(&r->out, "</th><td>");
			view_country(&r->out, PQgetvalue(res, i, Q_CITIES_COUNTRY));
			html_raw(&r->out, "</td><td>");
			html_text(&r->out, names_region(PQgetvalue(res, i, Q_CITIES_REGION)));
			html_raw(&r->out, "</td><td class=\"num\">");
			html_text(&r->out, PQgetisnull(res, i, Q_CITIES_POPULATION) ? "–" : PQgetvalue(res, i, Q_CITIES_POPULATION));
			html_raw(&r->out, "</td></tr>\n");
		}
		html_raw(&r->out, "</tbody></table></div>\n");
	}
	if (f.pg.given) {
		json_t *next = paging_next(r, &f.pg, "/cities", total);
		if (json_is_string(next)) {
			html_raw(&r->out, "<nav class=\"pages\" aria-label=\"Pages\"><ul><li><a rel=\"next\" href=\"");
			html_attr(&r->out, json_string_value(next));
			html_raw(&r->out, "\">");
			html_text(&r->out, _("Next page"));
			html_raw(&r->out, "</a></li></ul></nav>\n");
		}
		json_decref(next);
	} else if (total > PAGE_SIZE) {
		html_raw(&r->out, "<nav class=\"pages\" aria-label=\"Pages\"><ul>");
		if (f.page > 1) {
			html_raw(&r->out, "<li><a rel=\"prev\" href=\"");
			page_link(&r->out, r, f.page - 1);
			html_raw(&r->out, "\">");
			html_text(&r->out, _("Previous page"));
			html_raw(&r->out, "</a></li>");
		}
		if (f.page * PAGE_SIZE < total) {
			html_raw(&r->out, "<li><a rel=\"next\" href=\"");
			page_link(&r->out, r, f.page + 1);
			html_raw(&r->out, "\">");
			html_text(&r->out, _("Next page"));
			html_raw(&r->out, "</a></li>");
		}
		html_raw(&r->out, "</ul></nav>\n");
	}
	page_end(r);
	status = 0;
out:
	json_decref(waves);
	PQclear(res);
	PQclear(regions);
	PQclear(countries);
	buf_free(&f.cc);
	view_cohort_free(&f.c);
	return status;
}
