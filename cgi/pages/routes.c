/* routes.c: the route table.  Method, format, body size and 404 are decided here, once, before a
 * handler runs; a handler only answers for its resource. */
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "cache.h"
#include "heavy.h"
#include "html.h"
#include "reply.h"
#include "reqlimits.h"
#include "page.h"
#include "plugin_versions.h"
#include "profile_blocks.h"
#include "routes.h"
#include "session.h"
#include "view.h"

#define BODY_MAX (8u << 20)
#define PREVIEW_MAX (256u << 10)
#define FORM_MAX (16u << 10)		/* a sign-in, sign-out or restore form */
#define ANSWERS_MAX (1u << 20)		/* the questionnaire's form */

/* What the dispatcher does differently for a route. */
enum route_flag {
	ROUTE_NO_CACHE = 1,		/* a GET never answered from the shared cache (it reports live state) */
	ROUTE_OPERATOR = 2,		/* only through the operator's server (CITYBENCH_OPS=1); else a 404 */
	ROUTE_HEAVY = 4,		/* a body over HEAVY_BODY_BYTES takes a slot (heavy.c) before it is read */
};

struct route {
	const char *method;		/* "GET" also answers HEAD */
	const char *pattern;		/* segments; "*" captures one */
	int fmts;			/* formats the path takes (extensions) */
	size_t body_max;		/* 0: no body read */
	int flags;			/* enum route_flag */
	int (*handler)(struct request *);
};

static const struct route routes[] = {
	{ "GET",  "/",				FMT_HTML, 0, 0, home_get },
	{ "GET",  "/healthz",			FMT_HTML | FMT_JSON, 0, ROUTE_NO_CACHE, health_get },
	{ "GET",  "/cities",			FMT_HTML | FMT_JSON | FMT_CSV, 0, 0, cities_get },
	{ "GET",  "/cities/*",			FMT_HTML | FMT_JSON | FMT_CSV, 0, 0, city_get },
	{ "GET",  "/cities/*/submissions",	FMT_HTML | FMT_JSON | FMT_CSV, 0, 0, submissions_city_get },
	{ "GET",  "/cities/*/similar",		FMT_HTML | FMT_JSON | FMT_CSV, 0, 0, similar_get },
	{ "GET",  "/cities/*/feed.atom",	FMT_HTML, 0, 0, feed_city_get },
	{ "GET",  "/feed.atom",			FMT_HTML, 0, 0, feed_all_get },
	/* the partner's answers: .csv/.json here; the HTML questionnaire form goes on the same path */
	{ "GET",  "/cities/*/answers",		FMT_JSON | FMT_CSV, 0, 0, answers_export_get },
	{ "GET",  "/submissions/*",		FMT_HTML | FMT_JSON, 0, 0, submissions_get },
	{ "GET",  "/compare",			FMT_HTML | FMT_JSON | FMT_CSV, 0, 0, compare_get },
	{ "GET",  "/metrics",			FMT_HTML | FMT_JSON | FMT_CSV, 0, 0, metrics_get },
	{ "GET",  "/metrics/*",			FMT_HTML | FMT_JSON | FMT_CSV | FMT_SVG, 0, 0, metric_get },
	{ "GET",  "/metrics/*/versions",	FMT_HTML | FMT_JSON | FMT_CSV, 0, 0, metric_versions_get },
	{ "GET",  "/metrics/*/versions/*/diff",	FMT_HTML | FMT_JSON | FMT_CSV, 0, 0, metric_version_diff_get },
	{ "GET",  "/surveys/*",			FMT_HTML | FMT_JSON, 0, 0, survey_get },
	{ "GET",  "/surveys/*/template",	FMT_CSV, 0, 0, survey_template_get },
	{ "GET",  "/data",			FMT_HTML, 0, 0, data_get },
	{ "GET",  "/data/*",			FMT_CSV, 0, 0, data_file_get },
	{ "GET",  "/guide",			FMT_HTML, 0, 0, guide_get },
	{ "GET",  "/upload",			FMT_HTML, 0, 0, upload_get },
	{ "POST", "/upload",			FMT_HTML, BODY_MAX + 65536, ROUTE_HEAVY, upload_post },
	{ "POST", "/api/submissions",		FMT_HTML, BODY_MAX, ROUTE_HEAVY, upload_api_post },
	{ "POST", "/api/plugins/preview",	FMT_HTML, PREVIEW_MAX, 0, preview_post },
	{ "POST", "/api/plugins",		FMT_HTML, PREVIEW_MAX, 0, plugins_submit_post },
	{ "GET",  "/plugins",			FMT_HTML | FMT_JSON, 0, ROUTE_NO_CACHE, plugins_get },
	{ "GET",  "/plugins/preview",		FMT_HTML, 0, ROUTE_NO_CACHE, plugin_preview_get },
	{ "POST", "/plugins/preview",		FMT_HTML, PREVIEW_MAX + 65536, 0, plugin_preview_post },
	{ "GET",  "/ops/metrics",		FMT_HTML, 0, ROUTE_OPERATOR | ROUTE_NO_CACHE, ops_metrics_get },
	{ "GET",  "/signin",			FMT_HTML, 0, 0, signin_get },
	{ "POST", "/signin",			FMT_HTML, FORM_MAX, 0, signin_post },
	{ "POST", "/signout",			FMT_HTML, FORM_MAX, 0, signout_post },
	{ "GET",  "/cities/*/answers",		FMT_HTML, 0, 0, answers_get },
	{ "POST", "/cities/*/answers",		FMT_HTML, ANSWERS_MAX, 0, answers_post },
	{ "POST", "/api/submissions/*/restore",	FMT_HTML, FORM_MAX, 0, api_restore_post },
	{ "POST", "/submissions/*/restore",	FMT_HTML, FORM_MAX, 0, restore_post },
	{ "GET",  "/map",			FMT_HTML | FMT_JSON | FMT_CSV | FMT_SVG, 0, 0, map_get },
};

/* Every query parameter a page reads (query_get, query_getv, and the helpers over them: paging's limit and
 * offset, the view's survey and peers, the map's form fields, compare's lists).  The contract ignores
 * unknown parameters: a GET drops every other one before its handler and the cache see the query, so that
 * ?utm_source=x is the same page, from the same cache entry, with the same links.  A page that reads a new
 * parameter lists it here (test_front_door.py checks the sources against this table). */
static const char *const known_params[] = {
	"activity", "all", "chart", "cities", "city", "clear", "country", "dry_run", "filename", "from",
	"lang", "layout", "limit", "metric", "metrics", "min_version", "next", "offset", "page", "peers",
	"peers_country", "peers_region", "policy", "population", "q", "questions", "region", "role",
	"survey", "token", "version",
};

static int
param_known(const char *key)
{
	size_t i;

	for (i = 0; i < sizeof(known_params) / sizeof(known_params[0]); i++)
		if (strcmp(key, known_params[i]) == 0)
			return 1;
	return 0;
}

/* The query string of what is left of r->query, re-encoded: the page's own links and the cache key. */
static void
canonical_query(const struct request *r, struct buf *b)
{
	size_t i;

	buf_puts(b, "");
	for (i = 0; i < r->query.n; i++) {
		if (i)
			buf_puts(b, "&");
		url_encode(b, r->query.p[i].key);
		if (*r->query.p[i].value) {
			buf_puts(b, "=");
			url_encode(b, r->query.p[i].value);
		}
	}
}

/* Matches path against pattern, capturing "*" segments (copies of the text between slashes).
 * Returns 1 on a match, with m->args set; 0 when it does not match (nothing allocated). */
static int
match(const char *pattern, const char *path, struct route_match *m)
{
	const char *p = pattern, *s = path;
	const char *caps[HTTP_MAX_ARGS];
	size_t lens[HTTP_MAX_ARGS];
	int n = 0, i;

	while (*p && *s) {
		if (*p == '*') {
			const char *e = strchr(s, '/');
			size_t len = e ? (size_t)(e - s) : strlen(s);
			if (len == 0 || n == HTTP_MAX_ARGS)
				return 0;
			caps[n] = s;
			lens[n++] = len;
			s += len;
			p++;
		} else if (*p == *s) {
			p++;
			s++;
		} else {
			return 0;
		}
	}
	if (*p || *s)
		return 0;
	for (i = 0; i < n; i++) {
		if ((m->args[i] = strndup(caps[i], lens[i])) == NULL) {
			while (i-- > 0) {
				free(m->args[i]);
				m->args[i] = NULL;
			}
			return -1;
		}
	}
	m->nargs = n;
	return 1;
}

void
routes_match_free(struct route_match *m)
{
	int i;

	for (i = 0; i < m->nargs; i++) {
		free(m->args[i]);
		m->args[i] = NULL;
	}
	m->nargs = 0;
}

/* Splits a known extension off the last segment: "/cities/toronto.json" -> FMT_JSON. */
static enum fmt
split_format(char *path)
{
	char *slash = strrchr(path, '/'), *dot;
	static const struct { const char *ext; enum fmt fmt; } exts[] = {
		{ ".json", FMT_JSON }, { ".csv", FMT_CSV }, { ".svg", FMT_SVG },
	};
	size_t i;

	if (slash == NULL || (dot = strrchr(slash, '.')) == NULL)
		return FMT_HTML;
	for (i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
		if (strcmp(dot, exts[i].ext) == 0) {
			*dot = '\0';
			return exts[i].fmt;
		}
	}
	return FMT_HTML;
}

int
routes_match(const char *method, char *path, struct route_match *m)
{
	const struct route *rt;
	size_t i, n;
	int head = strcmp(method, "HEAD") == 0, got;

	memset(m, 0, sizeof(*m));
	m->index = -1;
	m->fmt = split_format(path);
	/* A trailing slash names the same resource. */
	if ((n = strlen(path)) > 1 && path[n - 1] == '/')
		path[n - 1] = '\0';

	for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		rt = &routes[i];
		if (!(rt->fmts & m->fmt))
			continue;
		if ((got = match(rt->pattern, path, m)) == -1)
			return m->status = 503;
		if (got == 0)
			continue;
		if (strcmp(rt->method, method) == 0 || (head && strcmp(rt->method, "GET") == 0)) {
			m->index = (int)i;
			m->method = rt->method;
			m->pattern = rt->pattern;
			m->fmts = rt->fmts;
			return m->status = 0;
		}
		if (strlen(m->allow) + 12 < sizeof(m->allow)) {
			if (*m->allow)
				strcat(m->allow, ", ");
			strcat(m->allow, rt->method);
			if (strcmp(rt->method, "GET") == 0)
				strcat(m->allow, ", HEAD");
		}
		routes_match_free(m);
	}
	return m->status = *m->allow ? 405 : 404;
}

/* Reads the body nginx buffered; over max is a 413, at once. */
static int
read_body(struct request *r, size_t max)
{
	if (r->content_length < 0)
		r->content_length = 0;
	if ((unsigned long long)r->content_length > max)
		return reply_errorf(r, 413, "request body over the limit of %zu bytes", max);
	if (http_read_body(r) == -1)
		return reply_error(r, 503, "out of memory", NULL);
	return 0;
}

/* Serves a GET from the workers' shared cache when the data version has not moved since the entry was
 * made; otherwise runs the handler and keeps its 200 for next time. */
static void
cached_dispatch(struct request *r, const struct route *rt)
{
	struct cached hit, put;
	/* The key's buffer, kept from one request to the next (a worker answers one at a time and a
	 * handler never comes back here): no malloc/free per hit. */
	static struct buf keep = BUF_INIT;
	struct buf key = keep;
	long long v = app_data_version(r->app);
	char fmt[16];
	int found = 0, pinned, f = (int)r->fmt;
	size_t i = sizeof(fmt);

	/* "FMT LANG PATH?QUERY", appended piece by piece: no printf on the hit path (FMT in decimal) */
	fmt[--i] = '\0';
	fmt[--i] = ' ';
	do
		fmt[--i] = (char)('0' + (f < 0 ? -(f % 10) : f % 10));
	while ((f /= 10) != 0);
	if ((int)r->fmt < 0)
		fmt[--i] = '-';
	buf_reset(&key);
	if (key.cap > HTTP_KEEP_BYTES)
		buf_free(&key);
	/* The buffer is kept from one request to the next: a reserve that fails leaves it empty but
	 * allocated, and an empty key must never name a page (the page is then made without the cache). */
	if (buf_reserve(&key, sizeof(fmt) + strlen(r->path) + strlen(r->query_string) + 16) == -1) {
		rt->handler(r);
		return;
	}
	buf_puts(&key, fmt + i);
	buf_puts(&key, lang_code(r->lang));
	buf_putc(&key, ' ');
	buf_puts(&key, r->path);
	buf_putc(&key, '?');
	buf_puts(&key, r->query_string);
	keep = key;
	/* A conditional GET asks first without the copy: a 304 needs none of the bytes. */
	if (r->if_none_match != NULL && cache_get(r->app->cache, key.data, key.len, v, &hit, NULL, NULL) &&
	    http_not_modified(r, v)) {
		found = 1;
	} else if ((pinned = cache_get_pinned(r->app->cache, key.data, key.len, v, &hit, &r->headers,
	    &r->body_ref, &r->body_ref_len)) == 1 ||
	    (pinned == -1 && cache_get(r->app->cache, key.data, key.len, v, &hit, &r->headers, &r->out))) {
		/* pinned: sent from the region by http_send, let go by the worker after it */
		r->status = hit.status;
		r->ctype = hit.ctype;
		r->etag_version = v;
		found = 1;
	}
	if (found) {
		r->from_cache = 1;
		atomic_fetch_add(&r->app->shm->cache_hits, 1);
		return;
	}
	atomic_fetch_add(&r->app->shm->cache_misses, 1);
	rt->handler(r);
	if (r->status == 200 && r->etag_version == v) {
		put.status = r->status;
		put.ctype = r->ctype;
		put.headers = r->headers.data;
		put.headers_len = r->headers.len;
		put.body = r->out.data;
		put.body_len = r->out.len;
		put.version = v;
		put.fmt = (int)r->fmt;
		cache_put(r->app->cache, key.data, key.len, &put);
	}
}

static void
free_args(struct request *r)
{
	int i;

	for (i = 0; i < r->nargs; i++) {
		free(r->args[i]);
		r->args[i] = NULL;
	}
	r->nargs = 0;
}

/* Reading one's own write across hosts: ?min_version=N (the data_version of an upload's 201) makes a
 * GET answer from data at least that new, from the primary while a read replica lags.  Returns 0, or
 * -1 having answered 400 for a value that is not a version. */
static int
min_version(struct request *r)
{
	const char *s = query_get(&r->query, "min_version");
	size_t i, n;

	if (s == NULL)
		return 0;
	n = strlen(s);
	for (i = 0; i < n && s[i] >= '0' && s[i] <= '9'; i++)
		;
	if (n == 0 || i != n || n > 18)
		return reply_error(r, 400, "min_version must be a data version: a whole number such as 42", NULL);
	if (r->app)
		app_read_at_least(r->app, strtoll(s, NULL, 10));
	return 0;
}

/* The page's language: lang=en|fr in the query (found in the raw query string, so that even a path
 * no route knows answers in it), else the browser's Accept-Language, else English.  A lang= of another
 * value is as if absent. */
static void
choose_lang(struct request *r)
{
	const char *p = r->query_string;
	char v[16];
	size_t n;
	enum lang l;

	r->lang = lang_accept(r->accept_language);
	r->lang_explicit = 0;
	while (p && *p) {
		if (strncmp(p, "lang=", 5) == 0) {
			n = strcspn(p + 5, "&;#");
			if (n < sizeof(v)) {
				memcpy(v, p + 5, n);
				v[n] = '\0';
				if (lang_parse(v, &l) == 0) {
					r->lang = l;
					r->lang_explicit = 1;
				}
			}
		}
		p += strcspn(p, "&");
		if (*p)
			p++;
	}
	lang_use(r->lang);
}

/* The navigation's "Signed in" (page.h): the request's session cookie names a live session (one look-up,
 * only for a page's frame; without the cookie, no database; none either when the handler has already
 * checked the session for its own write: r->signed_in). */
static int
nav_signed_in(struct request *r)
{
	struct session s;
	const char *msg;

	if (r->signed_in && r->signed_in->cred_session)
		return 1;
	return r->session_seen && r->app && session_get(r, &s, &msg) == 0;
}

void
routes_dispatch(struct request *r, char **envp)
{
	const struct route *found;
	struct route_match m;
	struct buf canon = BUF_INIT;
	const char *sent_query = NULL;
	char *err = NULL;
	int i;

	lang_use(LANG_EN);
	view_city_kept = profile_blocks_city_kept;	/* view.h: the city rows kept per data version */
	page_signed_in = nav_signed_in;			/* page.h: the navigation's "Signed in" */
	if (http_request_parse(r, envp) == -1) {
		reply_error(r, 503, "out of memory", NULL);
		return;
	}
	choose_lang(r);
	if (reqlimits_check(r, envp) == -1)
		return;
	/* A signed-in person's pages carry forms of their own and say who is signed in: never a shared copy
	 * or a 304, and not kept by the browser (http.c: no ETag, no-store). */
	if (session_cookie_present(r)) {
		r->if_none_match = NULL;
		r->session_seen = 1;
	}
	routes_match(r->method, r->path, &m);
	r->fmt = m.fmt;
	if (m.status != 0) {
		if (m.status == 405) {
			reply_errorf(r, 405, "method %s not allowed here", r->method);
			http_header(r, "Allow", m.allow);
		} else if (m.status == 404) {
			reply_error(r, 404, "no such page", NULL);
		} else {
			reply_error(r, 503, "out of memory", NULL);
		}
		return;
	}
	found = &routes[m.index];
	for (i = 0; i < m.nargs; i++)
		r->args[i] = m.args[i];
	r->nargs = m.nargs;

	if (query_parse(r->query_string, &r->query, &err) == -1) {
		reply_error(r, 400, err ? err : "malformed query string", NULL);
		free(err);
		goto out;
	}
	if (strcmp(found->method, "GET") == 0 && query_keep(&r->query, param_known) > 0) {
		canonical_query(r, &canon);
		sent_query = r->query_string;
		r->query_string = canon.data ? canon.data : "";
	}
	if (strcmp(found->method, "GET") == 0 && min_version(r) == -1)
		goto out;
	/* A large upload takes its slot before its body is read: when every slot is busy it is told to come
	 * back at once and its bytes are drained unparsed, so that forty of them at once cost the workers
	 * milliseconds each and one worker is always left for reads.  (Over body_max it is a 413 first.) */
	if ((found->flags & ROUTE_HEAVY) && r->app && r->content_length > HEAVY_BODY_BYTES &&
	    (unsigned long long)r->content_length <= found->body_max) {
		if (heavy_enter(r->app) == -1) {
			http_drain_body(r);
			reply_error(r, 429, "every upload slot is busy: retry in a few seconds", NULL);
			http_header(r, "Retry-After", "2");
			goto out;
		}
		r->heavy = 1;
	}
	if (found->body_max && read_body(r, found->body_max) == -1)
		goto out;
	/* Through the public port an operator's page is as unknown as any other. */
	if ((found->flags & ROUTE_OPERATOR) && !r->ops)
		reply_error(r, 404, "no such page", NULL);
	else if (strcmp(found->method, "GET") == 0 && r->app && r->app->cache &&
	    !(found->flags & ROUTE_NO_CACHE) && !r->ops && !session_cookie_present(r))
		cached_dispatch(r, found);
	else
		found->handler(r);
out:
	if (r->heavy) {
		heavy_leave(r->app);
		r->heavy = 0;
	}
	if (sent_query)
		r->query_string = sent_query;
	buf_free(&canon);
	free_args(r);
}
