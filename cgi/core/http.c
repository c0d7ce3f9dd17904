/* http.c: the transport: a request built from the FastCGI environment, its response (status, headers,
 * body) written back; conditional GETs.  What the answer says is reply.c's and the handlers'. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "fcgiout.h"
#include "http.h"
#include "opsdoor.h"

/* http_send's header block, kept from one request to the next (a worker answers one at a time). */
static struct buf send_head = BUF_INIT;

void
http_request_reset(struct request *r)
{
	struct buf headers = r->headers, out = r->out;
	struct app *app = r->app;

	query_free(&r->query);
	free(r->path);
	free(r->body);
	buf_reset(&headers);
	buf_reset(&out);
	/* a 10,000-city ranking leaves a 2 MiB buffer: not worth keeping for the next small answer */
	if (headers.cap > HTTP_KEEP_BYTES)
		buf_free(&headers);
	if (out.cap > HTTP_KEEP_BYTES)
		buf_free(&out);
	memset(r, 0, sizeof(*r));
	r->app = app;
	r->headers = headers;
	r->out = out;
	r->content_length = -1;
	r->status = 200;
}

void
http_request_free(struct request *r)
{
	query_free(&r->query);
	free(r->path);
	free(r->body);
	buf_free(&r->headers);
	buf_free(&r->out);
	buf_free(&send_head);
	r->path = NULL;
	r->body = NULL;
}

static void
request_id(struct request *r, const char *given)
{
	static unsigned long long counter;
	size_t i, n;

	if (given && (n = strlen(given)) > 0 && n < sizeof(r->request_id)) {
		for (i = 0; i < n; i++)
			if (!((given[i] >= '0' && given[i] <= '9') || (given[i] >= 'a' && given[i] <= 'f')))
				break;
		if (i == n) {
			memcpy(r->request_id, given, n + 1);
			return;
		}
	}
	snprintf(r->request_id, sizeof(r->request_id), "%x%llx%llx", (unsigned)getpid(),
	    (unsigned long long)time(NULL), ++counter);
}

/* The parameters a request reads, found in one pass over the environment (the first of a name wins,
 * as a lookup from the start would find it). */
enum { E_REQUEST_ID, E_REQUEST_METHOD, E_PATH_INFO, E_DOCUMENT_URI, E_CONTENT_TYPE, E_AUTHORIZATION,
	E_IF_NONE_MATCH, E_CONTENT_LENGTH, E_OPS, E_COOKIE, E_ACCEPT_LANGUAGE, E_CSRF, E_REMOTE_ADDR,
	E_HTTPS, E_QUERY_STRING, E_COUNT };

static const struct { const char *name; size_t len; } env_names[E_COUNT] = {
#define E(s) { s, sizeof(s) - 1 }
	E("REQUEST_ID"), E("REQUEST_METHOD"), E("PATH_INFO"), E("DOCUMENT_URI"), E("CONTENT_TYPE"),
	E("HTTP_AUTHORIZATION"), E("HTTP_IF_NONE_MATCH"), E("CONTENT_LENGTH"), E("CITYBENCH_OPS"),
	E("HTTP_COOKIE"), E("HTTP_ACCEPT_LANGUAGE"), E("HTTP_X_CSRF_TOKEN"), E("REMOTE_ADDR"), E("HTTPS"),
	E("QUERY_STRING"),
#undef E
};

/* The names above by their first byte (built on first use): a parameter is compared only with the
 * names it could be, and by length before its bytes. */
static unsigned char env_first[256][E_COUNT + 1];

static void
env_index(void)
{
	size_t i, k;

	for (i = 0; i < E_COUNT; i++) {
		unsigned char c = (unsigned char)env_names[i].name[0];
		for (k = 0; env_first[c][k]; k++)
			;
		env_first[c][k] = (unsigned char)(i + 1);
	}
}

/* Returns the bytes of all the parameters ("NAME=value" each, without its NUL). */
static size_t
env_scan(char **envp, const char *v[E_COUNT])
{
	static int indexed;
	size_t total = 0, len, n;
	const unsigned char *k;

	if (!indexed) {
		env_index();
		indexed = 1;
	}
	memset(v, 0, E_COUNT * sizeof(*v));
	for (; envp && *envp; envp++) {
		const char *e = *envp;
		len = strlen(e);
		total += len;
		for (k = env_first[(unsigned char)e[0]]; *k; k++) {
			n = env_names[*k - 1].len;
			if (n < len && e[n] == '=' && v[*k - 1] == NULL && memcmp(e, env_names[*k - 1].name, n) == 0) {
				v[*k - 1] = e + n + 1;
				break;
			}
		}
	}
	return total;
}

int
http_request_parse(struct request *r, char **envp)
{
	const char *v[E_COUNT], *path, *cl, *https;

	r->env_bytes = env_scan(envp, v);
	request_id(r, v[E_REQUEST_ID]);
	r->method = v[E_REQUEST_METHOD];
	if (r->method == NULL)
		r->method = "GET";
	r->head = strcmp(r->method, "HEAD") == 0;
	path = v[E_PATH_INFO];
	if (path == NULL || *path == '\0')
		path = v[E_DOCUMENT_URI];
	if (path == NULL || *path != '/')
		path = "/";
	if ((r->path = strdup(path)) == NULL)
		return -1;
	r->content_type = v[E_CONTENT_TYPE];
	r->authorization = v[E_AUTHORIZATION];
	r->if_none_match = v[E_IF_NONE_MATCH];
	cl = v[E_CONTENT_LENGTH];
	r->content_length = cl && *cl ? strtoll(cl, NULL, 10) : -1;
	/* The operator's key, sent by nginx's operator-only server, never derived from a client's header. */
	r->ops = opsdoor_key_ok(v[E_OPS]);
	r->cookie = v[E_COOKIE];
	r->accept_language = v[E_ACCEPT_LANGUAGE];
	r->csrf_header = v[E_CSRF];
	r->remote_addr = v[E_REMOTE_ADDR];
	https = v[E_HTTPS];
	r->tls = https && strcasecmp(https, "on") == 0;
	r->query_string = v[E_QUERY_STRING] ? v[E_QUERY_STRING] : "";
	return 0;
}

int
http_read_body(struct request *r)
{
	size_t want = r->content_length > 0 ? (size_t)r->content_length : 0, got = 0;
	int n;

	if ((r->body = malloc(want + 1)) == NULL)
		return -1;
	while (r->fcgi && got < want) {
		n = FCGX_GetStr(r->body + got, (int)(want - got > 65536 ? 65536 : want - got),
		    r->fcgi->in);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	r->body[got] = '\0';
	r->body_len = got;
	/* Reported by the handler, after 401 and 415, in the contract's order. */
	r->body_short = got < want;
	return 0;
}

void
http_drain_body(struct request *r)
{
	char chunk[65536];
	long long left = r->content_length > 0 ? r->content_length : 0;
	int n;

	while (r->fcgi && left > 0) {
		n = FCGX_GetStr(chunk, (int)(left > (long long)sizeof(chunk) ? (long long)sizeof(chunk) : left),
		    r->fcgi->in);
		if (n <= 0)
			break;
		left -= n;
	}
}

static int
header_safe(const char *s)
{
	for (; *s; s++)
		if (*s == '\r' || *s == '\n')
			return 0;
	return 1;
}

int
http_header(struct request *r, const char *name, const char *value)
{
	const char *hash;

	if (!header_safe(name) || !header_safe(value))
		return -1;
	/* A redirect inside the site keeps a language chosen with lang= (before any #fragment). */
	if (r->lang_explicit && strcasecmp(name, "Location") == 0 && value[0] == '/' && value[1] != '/' &&
	    strstr(value, "lang=") == NULL) {
		hash = strchr(value, '#');
		return buf_printf(&r->headers, "%s: %.*s%slang=%s%s\r\n", name,
		    (int)(hash ? (size_t)(hash - value) : strlen(value)), value, strchr(value, '?') &&
		    (!hash || strchr(value, '?') < hash) ? "&" : "?", lang_code(r->lang), hash ? hash : "");
	}
	return buf_printf(&r->headers, "%s: %s\r\n", name, value);
}

int
http_media_is(const char *ctype, const char *want)
{
	size_t n = strlen(want);

	if (ctype == NULL)
		return 0;
	while (*ctype == ' ')
		ctype++;
	return strncasecmp(ctype, want, n) == 0 && (ctype[n] == '\0' || ctype[n] == ';' || ctype[n] == ' ');
}

const char *
http_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 301: return "Moved Permanently";
	case 302: return "Found";
	case 303: return "See Other";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Payload Too Large";
	case 414: return "URI Too Long";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Entity";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 503: return "Service Unavailable";
	default: return status >= 500 ? "Internal Server Error" : "Error";
	}
}

const char *
http_error_code(int status)
{
	switch (status) {
	case 400: return "bad_request";
	case 401: return "unauthorized";
	case 403: return "forbidden";
	case 404: return "not_found";
	case 405: return "method_not_allowed";
	case 409: return "would_clear";
	case 413: return "too_large";
	case 414: return "uri_too_long";
	case 415: return "unsupported_media_type";
	case 422: return "invalid";
	case 429: return "rate_limited";
	case 431: return "headers_too_large";
	case 502: return "bad_gateway";
	case 503: return "unavailable";
	case 504: return "timeout";
	default: return status >= 500 ? "internal" : "error";
	}
}

static void
etag_of(const struct request *r, long long v, char *out, size_t n)
{
	/* "\"v%lld-%d\"" (or "-fr\"" before the closing quote), without printf: digits written backwards */
	char d[48];
	size_t i = sizeof(d), len;
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
	int f = (int)r->fmt;
	unsigned uf = f < 0 ? 0U - (unsigned)f : (unsigned)f;

	d[--i] = '"';
	if (r->lang == LANG_FR) {
		d[--i] = 'r';
		d[--i] = 'f';
		d[--i] = '-';
	}
	do
		d[--i] = (char)('0' + uf % 10);
	while ((uf /= 10) != 0);
	if (f < 0)
		d[--i] = '-';
	d[--i] = '-';
	do
		d[--i] = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (v < 0)
		d[--i] = '-';
	d[--i] = 'v';
	d[--i] = '"';
	len = sizeof(d) - i;
	if (n == 0)
		return;
	if (len > n - 1)
		len = n - 1;
	memcpy(out, d + i, len);
	out[len] = '\0';
}

int
http_not_modified(struct request *r, long long v)
{
	char tag[64];

	r->etag_version = v;
	if (r->if_none_match == NULL)
		return 0;
	etag_of(r, v, tag, sizeof(tag));
	if (strstr(r->if_none_match, tag) == NULL && strcmp(r->if_none_match, "*") != 0)
		return 0;
	r->status = 304;
	buf_reset(&r->out);
	return 1;
}

/* Every CSV downloads under a name that says what it holds: a handler that named none gets
 * citybench-<the path's segments>[-<wave>].csv ("/metrics/innovation_staff.csv?survey=2018" ->
 * citybench-metrics-innovation_staff-2018.csv); characters other than [A-Za-z0-9_-] become "-". */
static void
csv_disposition(struct request *r, struct buf *h)
{
	const char *p, *wave = query_get(&r->query, "survey");
	struct buf name = BUF_INIT;

	if (r->ctype == NULL || strcmp(r->ctype, "text/csv") != 0 || r->status != 200 || r->path == NULL ||
	    (r->headers.data && strcasestr(r->headers.data, "Content-Disposition:") != NULL))
		return;
	buf_puts(&name, "citybench");
	for (p = r->path; *p && name.len < 120; p++) {
		int ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_';
		if (ok)
			buf_putc(&name, *p);
		else if (name.data[name.len - 1] != '-')
			buf_putc(&name, '-');
	}
	while (name.len > 9 && name.data[name.len - 1] == '-')
		name.data[--name.len] = '\0';
	if (wave && strlen(wave) <= 16 && strspn(wave, "0123456789") == strlen(wave) && *wave)
		buf_printf(&name, "-%s", wave);
	else if (wave && strcmp(wave, "latest") == 0)
		buf_puts(&name, "-latest");
	if (name.data)
		buf_printf(h, "Content-Disposition: attachment; filename=\"%s.csv\"\r\n", name.data);
	buf_free(&name);
}

/* A decimal number appended (http_send's: no printf per header). */
static void
put_num(struct buf *b, unsigned long long v)
{
	char d[24];
	size_t i = sizeof(d);

	do
		d[--i] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	buf_append(b, d + i, sizeof(d) - i);
}

/* A string literal appended: its length known at compile time, no strlen. */
#define PUT_LIT(b, lit) buf_append((b), (lit), sizeof(lit) - 1)

void
http_send(struct request *r)
{
	struct buf h = send_head;
	const char *reason = http_reason(r->status);
	char tag[64];

	buf_reset(&h);
	PUT_LIT(&h, "Status: ");
	if (r->status >= 0)
		put_num(&h, (unsigned long long)r->status);
	else
		buf_printf(&h, "%d", r->status);
	buf_putc(&h, ' ');
	buf_puts(&h, reason);
	PUT_LIT(&h, "\r\n");
	if (r->status != 304) {
		PUT_LIT(&h, "Content-Type: ");
		buf_puts(&h, r->ctype ? r->ctype : "text/html");
		if (r->ctype && strncmp(r->ctype, "text/", 5) == 0)
			PUT_LIT(&h, "; charset=utf-8");
		PUT_LIT(&h, "\r\nContent-Length: ");
		put_num(&h, r->body_ref ? r->body_ref_len : r->out.len);
		PUT_LIT(&h, "\r\n");
	}
	if (r->etag_version > 0 && !r->session_seen && (r->status == 200 || r->status == 304)) {
		etag_of(r, r->etag_version, tag, sizeof(tag));
		PUT_LIT(&h, "ETag: ");
		buf_puts(&h, tag);
		PUT_LIT(&h, "\r\nCache-Control: no-cache\r\n");
	} else {
		PUT_LIT(&h, "Cache-Control: no-store\r\n");
	}
	PUT_LIT(&h, "X-Request-Id: ");
	buf_puts(&h, r->request_id);
	PUT_LIT(&h, "\r\n");
	/* The language: the page's (lang= or the browser's); without lang= the answer varies with the header. */
	if (r->status != 304) {
		PUT_LIT(&h, "Content-Language: ");
		buf_puts(&h, lang_code(r->lang));
		PUT_LIT(&h, "\r\n");
	}
	if (!r->lang_explicit)
		PUT_LIT(&h, "Vary: Accept-Language\r\n");
	/* Pages run no inline script or style: a strict policy unless the handler chose its own. */
	if (r->status != 304 && (r->ctype == NULL || strcmp(r->ctype, "text/html") == 0) &&
	    (r->headers.data == NULL || strncasecmp(r->headers.data, "Content-Security-Policy:", 24) != 0) &&
	    (r->headers.data == NULL || strcasestr(r->headers.data, "\nContent-Security-Policy:") == NULL))
		PUT_LIT(&h, "Content-Security-Policy: default-src 'self'; script-src 'self'; style-src 'self'; "
		    "img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; "
		    "frame-ancestors 'none'\r\nX-Frame-Options: DENY\r\n");
	if (r->headers.len)
		buf_append(&h, r->headers.data, r->headers.len);
	csv_disposition(r, &h);
	PUT_LIT(&h, "\r\n");
	if (r->fcgi && h.data) {
		FCGX_PutStr(h.data, (int)h.len, r->fcgi->out);
		if (!r->head && r->status != 304 && r->body_ref && r->body_ref_len)
			fcgiout_put(r->fcgi, r->body_ref, r->body_ref_len);
		else if (!r->head && r->status != 304 && !r->body_ref && r->out.len)
			fcgiout_put(r->fcgi, r->out.data, r->out.len);
	}
	if (h.cap > 65536)
		buf_free(&h);
	send_head = h;
}
