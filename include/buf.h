/* buf.h: a growable byte buffer, the one output type of every writer. */
#ifndef CB_BUF_H
#define CB_BUF_H

#include <stddef.h>
#include <stdarg.h>

struct buf {
	char *data;	/* always NUL-terminated when cap > 0 */
	size_t len;
	size_t cap;
};

#define BUF_INIT { NULL, 0, 0 }

/* Each returns 0, or -1 when memory ran out (the buffer is then unchanged). */
int buf_append(struct buf *b, const void *p, size_t n);
int buf_puts(struct buf *b, const char *s);
int buf_putc(struct buf *b, char c);
int buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap);
int buf_reserve(struct buf *b, size_t extra);

void buf_reset(struct buf *b);	/* len = 0, keeps the memory */
void buf_free(struct buf *b);	/* releases the memory; safe on BUF_INIT */

/* Hands the bytes to the caller (NUL-terminated, free() them); b is emptied. */
char *buf_steal(struct buf *b, size_t *len);

/* The whole file at path, NUL-terminated (free() it), its length in *len (len may be NULL).  Returns
 * NULL with errno set when it cannot be opened or read, or EFBIG when it holds more than max bytes or
 * memory runs out. */
char *buf_read_file(const char *path, size_t *len, size_t max);

/* An error message for a char **err out-parameter: sets *err to the formatted text (malloc'd; "out of
 * memory" when it cannot be made, NULL if even that fails), unless err is NULL or *err is already set
 * (the first error is the one reported). */
void buf_seterr(char **err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
