/* multipart.c: multipart/form-data request bodies (RFC 7578).
 *
 * The body is never copied: each part's data points into it. A delimiter
 * counts only at the start of a line, so a boundary string inside data that
 * does not start a line is data. Header blocks are read line by line with a
 * hard size cap, and only Content-Disposition and Content-Type are kept.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "multipart.h"
#include "utf8.h"

#define NOPOS ((size_t)-1)

static int
ws(char c)
{
	return c == ' ' || c == '\t';
}

/* The n bytes at s, with surrounding blanks trimmed, equal word (any case). */
static int
word_is(const char *s, size_t n, const char *word)
{
	while (n && ws(*s)) {
		s++;
		n--;
	}
	while (n && ws(s[n - 1]))
		n--;
	return n == strlen(word) && strncasecmp(s, word, n) == 0;
}

/*
 * Reads the next "; key=value" from s[*i..n-1]; value is a token or a
 * quoted string where \" and \\ stand for " and \ (another backslash stays,
 * as old browsers sent Windows paths unescaped). Returns 1 with key and val
 * set (NUL-terminated), 0 at the end, -1 when malformed, -2 out of memory.
 */
static int
next_param(const char *s, size_t n, size_t *i, struct buf *key,
    struct buf *val)
{
	size_t j = *i, start;

	buf_reset(key);
	buf_reset(val);
	if (buf_append(key, "", 0) == -1 || buf_append(val, "", 0) == -1)
		return -2;
	while (j < n && ws(s[j]))
		j++;
	if (j == n)
		return *i = j, 0;
	if (s[j] != ';')
		return -1;
	j++;
	while (j < n && ws(s[j]))
		j++;
	if (j == n)
		return *i = j, 0;
	start = j;
	while (j < n && s[j] != '=' && s[j] != ';' && s[j] != '"' && !ws(s[j]))
		j++;
	if (j == start)
		return -1;
	if (buf_append(key, s + start, j - start) == -1)
		return -2;
	while (j < n && ws(s[j]))
		j++;
	if (j == n || s[j] != '=')
		return -1;
	j++;
	while (j < n && ws(s[j]))
		j++;
	if (j < n && s[j] == '"') {
		for (j++;; j++) {
			if (j == n)
				return -1;
			if (s[j] == '"')
				break;
			if (s[j] == '\\' && j + 1 < n &&
			    (s[j + 1] == '"' || s[j + 1] == '\\'))
				j++;
			if (buf_putc(val, s[j]) == -1)
				return -2;
		}
		j++;
	} else {
		start = j;
		while (j < n && s[j] != ';' && !ws(s[j]))
			j++;
		if (buf_append(val, s + start, j - start) == -1)
			return -2;
	}
	*i = j;
	return 1;
}

static int
boundary_valid(const char *s, size_t n)
{
	size_t i;

	if (n < 1 || n > 70 || s[n - 1] == ' ')
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') ||
		    strchr("'()+_,-./:=? ", s[i])))
			return 0;
	return 1;
}

/* Where "--boundary" next starts a line at or after from, or NOPOS. */
static size_t
find_delim(const char *body, size_t len, size_t from, const char *delim,
    size_t dlen)
{
	const char *p;

	while (from < len) {
		p = memmem(body + from, len - from, delim, dlen);
		if (p == NULL)
			return NOPOS;
		if (p == body || p[-1] == '\n')
			return (size_t)(p - body);
		from = (size_t)(p - body) + 1;
	}
	return NOPOS;
}

static char *
dup_text(const struct buf *b)
{
	return strdup(b->data ? b->data : "");
}

/* Fills pt's name and filename from a Content-Disposition value. */
static int
disposition(const char *s, size_t n, struct mp_part *pt, size_t partno,
    char **err)
{
	struct buf key = BUF_INIT, val = BUF_INIT;
	size_t i = 0;
	int r, rc = -1;

	while (i < n && s[i] != ';')
		i++;
	if (!word_is(s, i, "form-data")) {
		buf_seterr(err, "part %zu: Content-Disposition is not form-data",
		    partno);
		goto out;
	}
	while ((r = next_param(s, n, &i, &key, &val)) == 1) {
		if (strcasecmp(key.data, "name") == 0 && pt->name == NULL) {
			if ((pt->name = dup_text(&val)) == NULL)
				goto oom;
		} else if (strcasecmp(key.data, "filename") == 0 &&
		    pt->filename == NULL) {
			if ((pt->filename = dup_text(&val)) == NULL)
				goto oom;
		}
	}
	if (r == -2)
		goto oom;
	if (r == -1) {
		buf_seterr(err, "part %zu: malformed Content-Disposition header",
		    partno);
		goto out;
	}
	if (pt->name == NULL || pt->name[0] == '\0') {
		buf_seterr(err, "part %zu: Content-Disposition has no name",
		    partno);
		goto out;
	}
	if (!utf8_valid(pt->name, strlen(pt->name)) ||
	    (pt->filename && !utf8_valid(pt->filename,
	    strlen(pt->filename)))) {
		buf_seterr(err, "part %zu: name or filename is not valid UTF-8",
		    partno);
		goto out;
	}
	rc = 0;
	goto out;
oom:
	buf_seterr(err, "out of memory");
out:
	buf_free(&key);
	buf_free(&val);
	return rc;
}

/* Appends a header value (or a folded continuation) without its blanks. */
static int
add_value(struct buf *b, const char *s, size_t n)
{
	while (n && ws(*s)) {
		s++;
		n--;
	}
	while (n && ws(s[n - 1]))
		n--;
	if (b->len && buf_putc(b, ' ') == -1)
		return -1;
	return buf_append(b, s, n);
}

int
multipart_parse(const char *content_type_header, const char *body,
    size_t len, struct mp_part **parts, size_t *nparts, char **err)
{
	struct buf key = BUF_INIT, val = BUF_INIT, delim = BUF_INIT;
	struct buf disp = BUF_INIT, ctype = BUF_INIT, *cur;
	struct mp_part *arr = NULL, *pt;
	const char *ct = content_type_header, *line, *nl, *colon;
	size_t n = 0, i, j, pos, next, hstart, window, le, lend, llen, de;
	int r, have_disp, have_ct, rc = -1;

	*parts = NULL;
	*nparts = 0;
	if (err)
		*err = NULL;
	if (ct == NULL) {
		buf_seterr(err, "no Content-Type header");
		goto out;
	}
	for (i = 0; ct[i] && ct[i] != ';'; i++)
		;
	if (!word_is(ct, i, "multipart/form-data")) {
		buf_seterr(err, "Content-Type is not multipart/form-data");
		goto out;
	}
	while ((r = next_param(ct, strlen(ct), &i, &key, &val)) == 1) {
		if (strcasecmp(key.data, "boundary") == 0 && delim.len == 0) {
			if (!boundary_valid(val.data, val.len)) {
				buf_seterr(err, "invalid multipart boundary: it "
				    "must be 1 to 70 characters from "
				    "RFC 2046's set");
				goto out;
			}
			if (buf_puts(&delim, "--") == -1 ||
			    buf_append(&delim, val.data, val.len) == -1)
				goto oom;
		}
	}
	if (r == -2)
		goto oom;
	if (r == -1) {
		buf_seterr(err, "malformed Content-Type header");
		goto out;
	}
	if (delim.len == 0) {
		buf_seterr(err, "Content-Type has no multipart boundary");
		goto out;
	}
	if ((arr = calloc(MP_MAX_PARTS + 1, sizeof *arr)) == NULL)
		goto oom;

	pos = find_delim(body, len, 0, delim.data, delim.len);
	if (pos == NOPOS) {
		buf_seterr(err, "multipart body has no boundary line");
		goto out;
	}
	for (;;) {
		j = pos + delim.len;
		if (len - j >= 2 && body[j] == '-' && body[j + 1] == '-')
			break;
		while (j < len && ws(body[j]))
			j++;
		if (j < len && body[j] == '\r')
			j++;
		if (j >= len) {
			buf_seterr(err, "multipart body has no closing boundary");
			goto out;
		}
		if (body[j] != '\n') {
			buf_seterr(err, "malformed multipart boundary line");
			goto out;
		}
		j++;
		if (n == MP_MAX_PARTS) {
			buf_seterr(err, "more than %d parts in the multipart "
			    "body", MP_MAX_PARTS);
			goto out;
		}
		pt = &arr[n];

		buf_reset(&disp);
		buf_reset(&ctype);
		have_disp = have_ct = 0;
		cur = NULL;
		hstart = j;
		for (;;) {
			/* Room for the header lines plus the blank line
			 * that ends them. */
			window = MP_MAX_HEADER + 2 - (j - hstart);
			if (window > len - j)
				window = len - j;
			nl = memchr(body + j, '\n', window);
			if (nl == NULL) {
				if (window < len - j)
					buf_seterr(err, "part %zu: header block "
					    "over %d bytes", n + 1,
					    MP_MAX_HEADER);
				else
					buf_seterr(err, "part %zu: header block "
					    "never ends", n + 1);
				goto out;
			}
			le = (size_t)(nl - body);
			lend = le;
			if (lend > j && body[lend - 1] == '\r')
				lend--;
			if (lend == j) {
				j = le + 1;
				break;
			}
			if (le + 1 - hstart > MP_MAX_HEADER) {
				buf_seterr(err, "part %zu: header block over %d "
				    "bytes", n + 1, MP_MAX_HEADER);
				goto out;
			}
			line = body + j;
			llen = lend - j;
			if (memchr(line, '\0', llen)) {
				buf_seterr(err, "part %zu: NUL byte in headers",
				    n + 1);
				goto out;
			}
			if (ws(line[0])) {
				if (cur && add_value(cur, line, llen) == -1)
					goto oom;
			} else {
				colon = memchr(line, ':', llen);
				if (colon == NULL) {
					buf_seterr(err, "part %zu: malformed "
					    "header line", n + 1);
					goto out;
				}
				cur = NULL;
				if (word_is(line, (size_t)(colon - line),
				    "content-disposition")) {
					if (have_disp++) {
						buf_seterr(err, "part %zu: two "
						    "Content-Disposition "
						    "headers", n + 1);
						goto out;
					}
					cur = &disp;
				} else if (word_is(line,
				    (size_t)(colon - line), "content-type")) {
					if (have_ct++) {
						buf_seterr(err, "part %zu: two "
						    "Content-Type headers",
						    n + 1);
						goto out;
					}
					cur = &ctype;
				}
				if (cur && (buf_append(cur, "", 0) == -1 ||
				    add_value(cur, colon + 1, (size_t)(lend -
				    (size_t)(colon + 1 - body))) == -1))
					goto oom;
			}
			j = le + 1;
		}
		if (!have_disp) {
			buf_seterr(err, "part %zu has no Content-Disposition "
			    "header", n + 1);
			goto out;
		}
		if (disposition(disp.data, disp.len, pt, n + 1, err) == -1)
			goto out;
		if (have_ct) {
			if (!utf8_valid(ctype.data, ctype.len)) {
				buf_seterr(err, "part %zu: Content-Type is not "
				    "valid UTF-8", n + 1);
				goto out;
			}
			if ((pt->content_type = dup_text(&ctype)) == NULL)
				goto oom;
		}

		next = find_delim(body, len, j, delim.data, delim.len);
		if (next == NOPOS) {
			buf_seterr(err, "multipart body has no closing boundary");
			goto out;
		}
		/* The line end before the delimiter belongs to it. */
		de = next;
		if (de > j && body[de - 1] == '\n')
			de--;
		if (de > j && body[de - 1] == '\r')
			de--;
		pt->data = body + j;
		pt->len = de - j;
		n++;
		pos = next;
	}
	if (n == 0) {
		free(arr);
		arr = NULL;
	}
	*parts = arr;
	*nparts = n;
	arr = NULL;
	rc = 0;
	goto out;
oom:
	buf_seterr(err, "out of memory");
out:
	multipart_free(arr, MP_MAX_PARTS + 1);
	buf_free(&key);
	buf_free(&val);
	buf_free(&delim);
	buf_free(&disp);
	buf_free(&ctype);
	return rc;
}

void
multipart_free(struct mp_part *parts, size_t n)
{
	size_t i;

	if (parts == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(parts[i].name);
		free(parts[i].filename);
		free(parts[i].content_type);
	}
	free(parts);
}

const struct mp_part *
multipart_get(const struct mp_part *p, size_t n, const char *name)
{
	size_t i;

	if (p == NULL || name == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		if (strcmp(p[i].name, name) == 0)
			return &p[i];
	return NULL;
}
