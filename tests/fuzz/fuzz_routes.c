/* fuzz_routes.c: libFuzzer target for the path parser and the route table (routes_match).
 *
 * The input is "METHOD PATH" (no space: GET and the whole input as the path).  Whatever the path,
 * the match must be one of found / 404 / 405, and a found route must rebuild the normalised path
 * exactly from its pattern and the captures, each a non-empty segment without a slash.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "routes.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The pattern with each "*" replaced by the next capture. */
static void
rebuild(const struct route_match *m, struct buf *out)
{
	const char *p;
	int k = 0;

	for (p = m->pattern; *p; p++) {
		if (*p == '*') {
			if (k >= m->nargs)
				abort();
			buf_puts(out, m->args[k++]);
		} else {
			buf_putc(out, *p);
		}
	}
	if (k != m->nargs)
		abort();
}

static int
method_in(const char *allow, const char *method)
{
	size_t n = strlen(method);
	const char *p = allow;

	if (n == 0)
		return 0;
	while ((p = strstr(p, method)) != NULL) {
		if ((p == allow || p[-1] == ' ') && (p[n] == ',' || p[n] == '\0'))
			return 1;
		p += n;
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *sp = memchr(data, ' ', size);
	struct buf method = BUF_INIT, raw = BUF_INIT, back = BUF_INIT;
	char *path, *again;
	struct route_match m, m2;
	size_t n;
	int i;

	if (buf_reserve(&method, 1) == -1 || buf_reserve(&raw, 1) == -1)
		abort();
	if (sp) {
		buf_append(&method, data, (size_t)(sp - data));
		buf_append(&raw, sp + 1, size - (size_t)(sp - data) - 1);
	} else {
		buf_puts(&method, "GET");
		buf_append(&raw, data, size);
	}
	/* The path as the dispatcher gets it: a C string (FastCGI params hold no NUL), in an allocation
	 * of its own size so that ASan sees a read past its end. */
	if ((path = strdup(raw.data)) == NULL || (again = strdup(raw.data)) == NULL)
		abort();

	switch (routes_match(method.data, path, &m)) {
	case 0:
		if (m.index < 0 || m.pattern == NULL || m.method == NULL || !(m.fmts & (int)m.fmt))
			abort();
		if (strcmp(m.method, method.data) != 0 &&
		    !(strcmp(method.data, "HEAD") == 0 && strcmp(m.method, "GET") == 0))
			abort();
		if (m.nargs < 0 || m.nargs > HTTP_MAX_ARGS)
			abort();
		for (i = 0; i < m.nargs; i++)
			if (m.args[i] == NULL || m.args[i][0] == '\0' || strchr(m.args[i], '/'))
				abort();
		rebuild(&m, &back);
		if (back.data == NULL || strcmp(back.data, path) != 0)
			abort();
		break;
	case 404:
		if (m.index != -1 || m.nargs != 0 || m.allow[0] != '\0')
			abort();
		break;
	case 405:
		if (m.index != -1 || m.nargs != 0 || m.allow[0] == '\0' || method_in(m.allow, method.data))
			abort();
		break;
	default:
		abort();
	}
	/* Normalising is done once: the path a handler sees has no trailing slash (but "/"). */
	n = strlen(path);
	if (n > 1 && path[n - 1] == '/' && m.status == 0)
		abort();
	/* Deterministic: the same input matches the same way. */
	if (routes_match(method.data, again, &m2) != m.status || m2.index != m.index ||
	    m2.fmt != m.fmt || strcmp(again, path) != 0)
		abort();
	routes_match_free(&m2);
	routes_match_free(&m);
	routes_match_free(&m);	/* twice is safe */
	buf_free(&method);
	buf_free(&raw);
	free(path);
	free(again);
	buf_free(&back);
	return 0;
}
