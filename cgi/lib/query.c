/* query.c: application/x-www-form-urlencoded query strings and the names in paths.
 *
 * query_parse decodes every key and value once, up front, and refuses what
 * later code should never have to think about (NUL bytes, invalid UTF-8,
 * oversized input), so handlers see plain C strings of valid UTF-8.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "query.h"
#include "utf8.h"

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Decodes s[0..n-1] into a malloc'd string in *out. Returns 0, or -1 with
 * *why a static reason.
 */
static int
decode(const char *s, size_t n, char **out, const char **why)
{
	char *d;
	size_t i, j = 0;
	int hi, lo;

	*out = NULL;
	if ((d = malloc(n + 1)) == NULL) {
		*why = "out of memory";
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (s[i] == '+') {
			d[j++] = ' ';
		} else if (s[i] == '%') {
			if (n - i < 3 || (hi = hexval(s[i + 1])) < 0 ||
			    (lo = hexval(s[i + 2])) < 0) {
				*why = "bad %-escape (expected % and two "
				    "hex digits)";
				goto fail;
			}
			d[j] = (char)(hi << 4 | lo);
			if (d[j] == '\0') {
				*why = "contains a NUL byte (%00)";
				goto fail;
			}
			j++;
			i += 2;
		} else {
			d[j++] = s[i];
		}
	}
	d[j] = '\0';
	if (j > QUERY_MAX_ITEM) {
		*why = "longer than 8192 bytes";
		goto fail;
	}
	if (!utf8_valid(d, j)) {
		*why = "not valid UTF-8";
		goto fail;
	}
	*out = d;
	return 0;
fail:
	free(d);
	return -1;
}

static void
seterr(char **err, const char *what, const char *raw, size_t n,
    const char *why)
{
	struct buf b = BUF_INIT;

	if (err == NULL)
		return;
	if (buf_printf(&b, "%s '", what) == -1 ||
	    utf8_quote(&b, raw, n, 64) == -1 ||
	    buf_printf(&b, "': %s", why) == -1) {
		buf_free(&b);
		*err = strdup("out of memory");
		return;
	}
	*err = buf_steal(&b, NULL);
}

static void
seterr_plain(char **err, const char *msg)
{
	if (err)
		*err = strdup(msg);
}

int
query_parse(const char *qs, struct query *q, char **err)
{
	const char *p, *end, *pe, *eq, *why;
	struct qparam *np;
	size_t len, cap = 0, klen;

	q->n = 0;
	q->p = NULL;
	if (err)
		*err = NULL;
	if (qs == NULL)
		return 0;
	len = strlen(qs);
	if (len > QUERY_MAX_LEN) {
		seterr_plain(err, "query string longer than 65536 bytes");
		return -1;
	}
	for (p = qs, end = qs + len; p < end; p = pe + 1) {
		pe = memchr(p, '&', (size_t)(end - p));
		if (pe == NULL)
			pe = end;
		if (pe == p)
			continue;
		eq = memchr(p, '=', (size_t)(pe - p));
		klen = (size_t)((eq ? eq : pe) - p);
		if (q->n == QUERY_MAX_PARAMS) {
			seterr_plain(err, "more than 100 query parameters");
			goto fail;
		}
		if (q->n == cap) {
			cap = cap ? cap * 2 : 8;
			if ((np = realloc(q->p, cap * sizeof *np)) == NULL) {
				seterr_plain(err, "out of memory");
				goto fail;
			}
			q->p = np;
		}
		np = &q->p[q->n];
		if (decode(p, klen, &np->key, &why) == -1) {
			seterr(err, "parameter name", p, klen, why);
			goto fail;
		}
		if (decode(eq ? eq + 1 : pe, eq ? (size_t)(pe - eq - 1) : 0,
		    &np->value, &why) == -1) {
			free(np->key);
			seterr(err, "parameter", p, klen, why);
			goto fail;
		}
		q->n++;
	}
	return 0;
fail:
	query_free(q);
	return -1;
}

const char *
query_get(const struct query *q, const char *key)
{
	size_t i;

	if (q == NULL || key == NULL)
		return NULL;
	for (i = 0; i < q->n; i++)
		if (strcmp(q->p[i].key, key) == 0)
			return q->p[i].value;
	return NULL;
}

size_t
query_getv(const struct query *q, const char *key, const char **out,
    size_t max)
{
	size_t i, n = 0;

	if (q == NULL || key == NULL)
		return 0;
	for (i = 0; i < q->n && n < max; i++)
		if (strcmp(q->p[i].key, key) == 0)
			out[n++] = q->p[i].value;
	return n;
}

size_t
query_keep(struct query *q, int (*keep)(const char *key))
{
	size_t i, n = 0;

	for (i = 0; i < q->n; i++) {
		if (keep(q->p[i].key)) {
			q->p[n++] = q->p[i];
			continue;
		}
		free(q->p[i].key);
		free(q->p[i].value);
	}
	i = q->n - n;
	q->n = n;
	return i;
}

void
query_free(struct query *q)
{
	size_t i;

	if (q == NULL)
		return;
	for (i = 0; i < q->n; i++) {
		free(q->p[i].key);
		free(q->p[i].value);
	}
	free(q->p);
	q->p = NULL;
	q->n = 0;
}

int
path_segment_valid_slug(const char *s, size_t n)
{
	size_t i;

	if (s == NULL || n == 0 || n > 64)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return 0;
	return 1;
}

int
ident_valid(const char *s)
{
	size_t i;

	if (s == NULL)
		return 0;
	for (i = 0; s[i]; i++)
		if (i == IDENT_MAX || !((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return 0;
	return i > 0;
}

int
wave_valid(const char *s)
{
	return s != NULL && s[0] >= '1' && s[0] <= '9' &&
	    s[1] >= '0' && s[1] <= '9' && s[2] >= '0' && s[2] <= '9' &&
	    s[3] >= '0' && s[3] <= '9' && s[4] == '\0';
}
