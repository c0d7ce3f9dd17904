/* csv.c: RFC 4180 CSV, a strict reader over a whole buffer and a writer.
 *
 * The reader walks the buffer once, copying each record's fields (quotes
 * removed, doubled quotes undone) into one growing buffer as NUL-terminated
 * strings, then hands the callback pointers into it. Every field is checked
 * for NUL bytes, size and UTF-8 before the callback sees it, so callers may
 * treat fields as ordinary C strings of valid UTF-8.
 *
 * The writer produces cells that read back as written, and neutralises text
 * that a spreadsheet would otherwise take for a formula (the contract).
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "csv.h"
#include "utf8.h"

static void seterr(struct csv_error *, size_t, size_t, const char *, size_t, const char *, ...)
	__attribute__((format(printf, 6, 7)));

static void
seterr(struct csv_error *err, size_t row, size_t col, const char *code, size_t value, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return;
	err->row = row;
	err->column = col;
	err->code = code;
	err->value = value;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof err->message, fmt, ap);
	va_end(ap);
}

static size_t
line_of(const char *data, size_t pos)
{
	size_t i, line = 1;

	for (i = 0; i < pos; i++)
		if (data[i] == '\n')
			line++;
	return line;
}

int
csv_parse(const char *data, size_t len,
    int (*row_cb)(void *arg, size_t rownum, char **fields, size_t nfields),
    void *arg, struct csv_error *err)
{
	struct buf rec = BUF_INIT;
	size_t *off = NULL;
	char **fields = NULL;
	size_t i = 0, row = 0, nf, k, start, flen;
	const char *q;
	int rc = -1;

	if (err) {
		err->row = err->column = 0;
		err->message[0] = '\0';
		err->code = NULL;
		err->value = 0;
	}
	off = malloc(CSV_MAX_FIELDS * sizeof *off);
	fields = malloc(CSV_MAX_FIELDS * sizeof *fields);
	if (off == NULL || fields == NULL) {
		seterr(err, 0, 0, "csv_oom", 0, "out of memory");
		goto out;
	}
	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
		i = 3;

	while (i < len) {
		if (data[i] == '\n') {
			i++;
			continue;
		}
		if (data[i] == '\r') {
			i++;
			if (i < len && data[i] == '\n')
				i++;
			continue;
		}
		row++;
		nf = 0;
		buf_reset(&rec);
		for (;;) {
			if (nf == CSV_MAX_FIELDS) {
				seterr(err, row, nf + 1, "csv_fields_max",
				    CSV_MAX_FIELDS, "more than %d fields in a record",
				    CSV_MAX_FIELDS);
				goto out;
			}
			off[nf++] = rec.len;
			if (i < len && data[i] == '"') {
				start = i++;
				for (;;) {
					q = memchr(data + i, '"', len - i);
					if (q == NULL) {
						seterr(err, row, nf, "csv_quote_open",
						    line_of(data, start), "the quoted field that "
						    "starts on line %zu is "
						    "never closed",
						    line_of(data, start));
						goto out;
					}
					k = (size_t)(q - (data + i));
					if (buf_append(&rec, data + i, k) == -1)
						goto oom;
					i += k + 1;
					if (rec.len - off[nf - 1] > CSV_MAX_FIELD)
						goto toobig;
					if (i < len && data[i] == '"') {
						if (buf_putc(&rec, '"') == -1)
							goto oom;
						i++;
						continue;
					}
					break;
				}
				if (i < len && data[i] != ',' &&
				    data[i] != '\r' && data[i] != '\n') {
					seterr(err, row, nf, "csv_after_quote", 0,
					    "characters after the closing "
					    "quote of a field (a '\"' inside "
					    "a quoted field is written '\"\"')");
					goto out;
				}
			} else {
				start = i;
				while (i < len && data[i] != ',' &&
				    data[i] != '\r' && data[i] != '\n')
					i++;
				if (i - start > CSV_MAX_FIELD)
					goto toobig;
				if (buf_append(&rec, data + start,
				    i - start) == -1)
					goto oom;
			}
			flen = rec.len - off[nf - 1];
			if (flen > CSV_MAX_FIELD)
				goto toobig;
			if (flen && memchr(rec.data + off[nf - 1], '\0',
			    flen)) {
				seterr(err, row, nf, "csv_nul", 0, "NUL byte in a field");
				goto out;
			}
			if (!utf8_valid(rec.data + off[nf - 1], flen)) {
				seterr(err, row, nf, "csv_field_utf8", 0,
				    "field is not valid UTF-8");
				goto out;
			}
			if (buf_putc(&rec, '\0') == -1)
				goto oom;
			if (i < len && data[i] == ',') {
				i++;
				continue;
			}
			/* The record ends here: CRLF, LF, a lone CR or
			 * the end of the buffer. */
			if (i < len && data[i] == '\r') {
				i++;
				if (i < len && data[i] == '\n')
					i++;
			} else if (i < len && data[i] == '\n') {
				i++;
			}
			break;
		}
		for (k = 0; k < nf; k++)
			fields[k] = rec.data + off[k];
		if ((rc = row_cb(arg, row, fields, nf)) != 0)
			goto out;
		rc = -1;
	}
	rc = 0;
	goto out;
toobig:
	seterr(err, row, nf, "csv_field_long", CSV_MAX_FIELD, "field longer than %d bytes",
	    CSV_MAX_FIELD);
	goto out;
oom:
	seterr(err, row, nf, "csv_oom", 0, "out of memory");
out:
	buf_free(&rec);
	free(off);
	free(fields);
	return rc;
}

int
csv_text(struct buf *b, const char *s)
{
	size_t n, i, k;
	int quote;

	if (s == NULL)
		return 0;
	n = strlen(s);
	/* A leading U+FEFF is quoted so that, as a file's first cell, a
	 * reader does not take it for a BOM and drop it. */
	quote = n == 0 || s[0] == ' ' || s[0] == '\t' || s[n - 1] == ' ' ||
	    s[n - 1] == '\t' || strpbrk(s, ",\"\r\n") != NULL ||
	    strncmp(s, "\xef\xbb\xbf", 3) == 0;
	if (quote && buf_putc(b, '"') == -1)
		return -1;
	/* Tab and CR as first characters are also read as formula starts by
	 * some spreadsheets (OWASP's list), beyond the contract's four. */
	if (n && strchr("=+-@\t\r", s[0]) && buf_putc(b, '\'') == -1)
		return -1;
	for (i = 0; i < n; i += k) {
		if (s[i] == '"') {
			if (buf_append(b, "\"\"", 2) == -1)
				return -1;
			k = 1;
			continue;
		}
		/* Copy plain runs whole; only bad bytes take the slow path. */
		k = 0;
		while (i + k < n && s[i + k] != '"' &&
		    ((unsigned char)s[i + k] < 0x80))
			k++;
		if (k) {
			if (buf_append(b, s + i, k) == -1)
				return -1;
			continue;
		}
		if ((k = utf8_decode(s + i, n - i, NULL)) == 0) {
			if (buf_puts(b, "\xef\xbf\xbd") == -1)
				return -1;
			k = 1;
		} else if (buf_append(b, s + i, k) == -1) {
			return -1;
		}
	}
	if (quote && buf_putc(b, '"') == -1)
		return -1;
	return 0;
}

int
csv_number(struct buf *b, double v)
{
	char tmp[40];
	int prec;

	if (!isfinite(v))
		return 0;
	if (v == trunc(v) && fabs(v) < 9007199254740992.0)
		return buf_printf(b, "%lld", (long long)v);
	for (prec = 15; prec <= 17; prec++) {
		snprintf(tmp, sizeof tmp, "%.*g", prec, v);
		if (strtod(tmp, NULL) == v)
			break;
	}
	return buf_puts(b, tmp);
}

int
csv_int(struct buf *b, long long v)
{
	return buf_printf(b, "%lld", v);
}

int
csv_null(struct buf *b)
{
	(void)b;
	return 0;
}

int
csv_sep(struct buf *b)
{
	return buf_putc(b, ',');
}

int
csv_eol(struct buf *b)
{
	return buf_append(b, "\r\n", 2);
}
