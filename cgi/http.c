/* http.c: requests and responses over FastCGI; the contract's JSON errors. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <fcgiapp.h>

#include "app.h"
#include "http.h"
#include "jsonw.h"
#include "page.h"

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
	r->path = NULL;
	r->body = NULL;
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
	if (!header_safe(name) || !header_safe(value))
		return -1;
	return buf_printf(&r->headers, "%s: %s\r\n", name, value);
}

const char *
http_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 303: return "See Other";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Payload Too Large";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Entity";
	case 429: return "Too Many Requests";
	case 503: return "Service Unavailable";
	default: return status >= 500 ? "Internal Server Error" : "Error";
	}
}

static int
wants_json(const struct request *r)
{
	if (r->fmt != FMT_HTML)
		return 1;
	return r->path && strncmp(r->path, "/api/", 5) == 0;
}

int
http_json(struct request *r, int status, json_t *v)
{
	int rc = 0;

	buf_reset(&r->out);
	r->status = status;
	r->ctype = "application/json";
	/* jansson's compact dump, cheaper: no snprintf("%.17g") per real (the shortest exact text instead:
	 * the same values) and no callback per token */
	if (v == NULL || jsonw_value(&r->out, v) == -1)
		rc = -1;
	else
		buf_putc(&r->out, '\n');
	json_decref(v);
	if (rc == -1) {
		buf_reset(&r->out);
		r->status = 500;
		buf_puts(&r->out, "{\"error\":{\"status\":500,\"message\":\"could not encode the answer\",\"details\":[]}}\n");
	}
	return rc;
}

/* A client's text for a log line: no control characters (no forged lines), cut to n - 1 bytes. */
static void
log_safe(const char *s, char *out, size_t n)
{
	size_t i;

	for (i = 0; s && s[i] && i + 1 < n; i++)
		out[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	out[i] = '\0';
	if (i == 0 && n > 1)
		out[0] = '-', out[1] = '\0';
}

int
http_error(struct request *r, int status, const char *message, json_t *details)
{
	json_t *err;

	if (details == NULL)
		details = json_array();
	/* The operator finds a failure in the log by the request id its answer carries. */
	if (status >= 500) {
		char path[160];
		log_safe(r->path, path, sizeof(path));
		fprintf(stderr, "citybench: request %s: %d %s: %s\n", r->request_id, status, path, message);
	}
	buf_reset(&r->headers);
	r->etag_version = 0;
	if (!wants_json(r)) {
		page_error(r, status, message, details);
		json_decref(details);
		return -1;
	}
	err = json_pack("{s:{s:i, s:s, s:s, s:o}}", "error", "status", status,
	    "message", message, "request_id", r->request_id, "details", details);
	http_json(r, status, err);
	return -1;
}

int
http_errorf(struct request *r, int status, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return http_error(r, status, msg, NULL);
}

static void
etag_of(const struct request *r, long long v, char *out, size_t n)
{
	snprintf(out, n, "\"v%lld-%d\"", v, (int)r->fmt);
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

void
http_send(struct request *r)
{
	struct buf h = BUF_INIT;
	char tag[64];

	buf_printf(&h, "Status: %d %s\r\n", r->status, http_reason(r->status));
	if (r->status != 304) {
		buf_printf(&h, "Content-Type: %s%s\r\n", r->ctype ? r->ctype : "text/html",
		    r->ctype && strncmp(r->ctype, "text/", 5) == 0 ? "; charset=utf-8" : "");
		buf_printf(&h, "Content-Length: %zu\r\n", r->out.len);
	}
	if (r->etag_version > 0 && (r->status == 200 || r->status == 304)) {
		etag_of(r, r->etag_version, tag, sizeof(tag));
		buf_printf(&h, "ETag: %s\r\nCache-Control: no-cache\r\n", tag);
	} else {
		buf_puts(&h, "Cache-Control: no-store\r\n");
	}
	buf_printf(&h, "X-Request-Id: %s\r\n", r->request_id);
	/* Pages run no inline script or style: a strict policy unless the handler chose its own. */
	if (r->status != 304 && (r->ctype == NULL || strcmp(r->ctype, "text/html") == 0) &&
	    (r->headers.data == NULL || strncasecmp(r->headers.data, "Content-Security-Policy:", 24) != 0) &&
	    (r->headers.data == NULL || strcasestr(r->headers.data, "\nContent-Security-Policy:") == NULL))
		buf_puts(&h, "Content-Security-Policy: default-src 'self'; script-src 'self'; style-src 'self'; "
		    "img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; "
		    "frame-ancestors 'none'\r\nX-Frame-Options: DENY\r\n");
	if (r->headers.len)
		buf_append(&h, r->headers.data, r->headers.len);
	buf_puts(&h, "\r\n");
	if (r->fcgi) {
		FCGX_PutStr(h.data, (int)h.len, r->fcgi->out);
		if (!r->head && r->status != 304 && r->out.len)
			FCGX_PutStr(r->out.data, (int)r->out.len, r->fcgi->out);
	}
	buf_free(&h);
}
