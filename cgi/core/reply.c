/* reply.c: whole answers: a JSON value, or the contract's error as JSON or as a page, chosen by what
 * the request asked for.  The transport (http.c) only carries what is written here. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "jsonw.h"
#include "page.h"
#include "reply.h"

static int
wants_json(const struct request *r)
{
	if (r->fmt != FMT_HTML)
		return 1;
	return r->path && strncmp(r->path, "/api/", 5) == 0;
}

int
reply_json(struct request *r, int status, json_t *v)
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
reply_error(struct request *r, int status, const char *message, json_t *details)
{
	return reply_error_with(r, status, message, details, NULL, NULL);
}

int
reply_error_with(struct request *r, int status, const char *message, json_t *details,
    const char *key, json_t *extra)
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
		json_decref(extra);
		return -1;
	}
	err = json_pack("{s:{s:i, s:s, s:s, s:s, s:o}}", "error", "status", status, "code",
	    http_error_code(status), "message", message, "request_id", r->request_id, "details", details);
	if (err && key && extra)
		json_object_set_new(json_object_get(err, "error"), key, extra);
	else
		json_decref(extra);
	reply_json(r, status, err);
	return -1;
}

int
reply_errorf(struct request *r, int status, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return reply_error(r, status, msg, NULL);
}
