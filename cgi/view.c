/* view.c: what the resource handlers share: peer groups, waves, cities and answers as JSON. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "csv.h"
#include "query.h"
#include "view.h"

/* The contract's "an unknown slug is a 404 naming it": the first of the list that no city has. */
static int
unknown_slug(struct request *r, struct cohort *c)
{
	const char *p[1] = { c->list.data };
	PGresult *res = db_query(r->app->db, Q_PEERS_UNKNOWN_SLUG, 1, p);
	int rc = 0;

	if (!db_ok(res))
		rc = view_db_error(r, res);
	else if (PQntuples(res) > 0)
		rc = http_errorf(r, 404, "no such city: %s (in peers)", PQgetvalue(res, 0, 0));
	PQclear(res);
	return rc;
}

int
view_cohort(struct request *r, struct cohort *c)
{
	return view_cohort_expr(r, query_get(&r->query, "peers"), c);
}

int
view_cohort_expr(struct request *r, const char *expr, struct cohort *c)
{
	static const char *kinds[] = { "all", "region", "country", "population", "list", "filters" };
	char *err = NULL;
	size_t i;

	memset(c, 0, sizeof(*c));
	if (peers_parse(expr, &c->peers, &err) == -1) {
		http_errorf(r, 400, "bad peers expression: %s", err ? err : "malformed");
		free(err);
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
			return http_error(r, 503, "out of memory", NULL);
		}
		c->params[1] = c->list.data;
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
view_slug_arg(struct request *r, const char *s, const char *what)
{
	if (s && path_segment_valid_slug(s, strlen(s)))
		return 0;
	return http_errorf(r, 404, "no such %s", what);
}

int
view_db_error(struct request *r, PGresult *res)
{
	if (res == NULL)
		return http_error(r, 503, "the database is unreachable; try again shortly", NULL);
	fprintf(stderr, "citybench: request %s: %s", r->request_id, PQresultErrorMessage(res));
	return http_error(r, 503, "the database could not answer; try again shortly", NULL);
}

json_t *
view_city_json(const PGresult *res, int row, int col)
{
	const char *pop = PQgetvalue(res, row, col + 5);

	return json_pack("{s:s, s:s, s:s, s:s, s:o, s:b}",
	    "slug", PQgetvalue(res, row, col + 1),
	    "name", PQgetvalue(res, row, col + 2),
	    "country", PQgetvalue(res, row, col + 3),
	    "region", PQgetvalue(res, row, col + 4),
	    "population", PQgetisnull(res, row, col + 5) ? json_null() :
		json_integer(strtoll(pop, NULL, 10)),
	    "synthetic", PQgetvalue(res, row, col + 6)[0] == 't');
}

json_t *
view_answer_json(const char *text)
{
	json_t *v;

	if (text == NULL)
		return json_null();
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
		return http_error(r, 400, "survey must be a wave such as 2020", NULL);
	*wave = s;
	return 0;
}

int
view_not_modified(struct request *r)
{
	return http_not_modified(r, app_data_version(r->app));
}

void
view_number(struct buf *b, double v)
{
	csv_number(b, v);
}

int
view_share(long long n, long long d)
{
	if (d <= 0)
		return 0;
	/* half up, in integers: floor((200 n + d) / 2d) */
	return (int)((200 * n + d) / (2 * d));
}
