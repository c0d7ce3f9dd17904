/* buf.c: a growable byte buffer. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

int
buf_reserve(struct buf *b, size_t extra)
{
	size_t need, cap;
	char *p;

	if (extra > ((size_t)-1) / 2 - b->len)
		return -1;
	need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap *= 2;
	if ((p = realloc(b->data, cap)) == NULL)
		return -1;
	b->data = p;
	b->cap = cap;
	return 0;
}

int
buf_append(struct buf *b, const void *p, size_t n)
{
	/* room for n and the NUL already (cap > len whenever cap > 0): no call (issue 18, eighth session) */
	if (n < b->cap - b->len) {
		if (n)
			memcpy(b->data + b->len, p, n);
		b->len += n;
		b->data[b->len] = '\0';
		return 0;
	}
	if (buf_reserve(b, n) == -1)
		return -1;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int
buf_puts(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

int
buf_putc(struct buf *b, char c)
{
	return buf_append(b, &c, 1);
}

int
buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	size_t room = b->cap > b->len ? b->cap - b->len : 0;
	int n;

	/* Straight into the room left when it fits (one formatting, not two); else measured, grown and
	 * formatted again.  The room's bytes past the old end are scratch until len moves. */
	va_copy(cp, ap);
	n = room ? vsnprintf(b->data + b->len, room, fmt, cp) : vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n >= 0 && (size_t)n < room) {
		b->len += (size_t)n;
		return 0;
	}
	if (room)
		b->data[b->len] = '\0';	/* as it was, whatever follows */
	if (n < 0 || buf_reserve(b, (size_t)n) == -1)
		return -1;
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = buf_vprintf(b, fmt, ap);
	va_end(ap);
	return rc;
}

void
buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

void
buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

char *
buf_steal(struct buf *b, size_t *len)
{
	char *p;

	/* An empty buffer gives "" (buf_append() writes the NUL that buf_reserve() does not). */
	if (b->data == NULL && buf_append(b, "", 0) == -1)
		return NULL;
	p = b->data;
	if (len)
		*len = b->len;
	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}

char *
buf_read_file(const char *path, size_t *len, size_t max)
{
	FILE *f = fopen(path, "rb");
	struct buf b = BUF_INIT;
	char chunk[65536];
	size_t n;

	if (f == NULL)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (b.len + n > max || buf_append(&b, chunk, n) == -1) {
			buf_free(&b);
			fclose(f);
			errno = EFBIG;
			return NULL;
		}
	}
	if (ferror(f)) {
		buf_free(&b);
		fclose(f);
		errno = EIO;
		return NULL;
	}
	fclose(f);
	return buf_steal(&b, len);
}

void
buf_seterr(char **err, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;
	int rc;

	if (err == NULL || *err != NULL)
		return;
	va_start(ap, fmt);
	rc = buf_vprintf(&b, fmt, ap);
	va_end(ap);
	if (rc == -1) {
		buf_free(&b);
		*err = strdup("out of memory");
		return;
	}
	*err = buf_steal(&b, NULL);
}
