/* csv.h: RFC 4180 CSV, a strict reader over a whole buffer and a writer. */
#ifndef CB_CSV_H
#define CB_CSV_H

#include <stddef.h>

#include "buf.h"

#define CSV_MAX_FIELD	65536	/* bytes in one field, after unquoting */
#define CSV_MAX_FIELDS	1000	/* fields in one record */

struct csv_error {
	size_t row;		/* record number, the header is 1; 0 when none */
	size_t column;		/* field number from 1; 0 when none */
	char message[160];	/* valid UTF-8, no control characters */
	const char *code;	/* the kind, a stable code (vmsg.h: csv_...); NULL when none */
	size_t value;		/* the number the message names (a line, a limit), else 0 */
};

/*
 * Parses data[0..len-1] as CSV and calls row_cb for each record: rownum
 * counts records from 1 (skipped empty lines do not count); fields[0..
 * nfields-1] are NUL-terminated and valid UTF-8, owned by the parser and
 * valid only during the call; row_cb returns 0 to go on, else to stop.
 * Accepts quoted fields (commas, doubled quotes, CR and LF inside), CRLF, LF
 * or a lone CR as record ends, a last record with or without a line end, and
 * skips a leading UTF-8 BOM and lines that are completely empty. A '"'
 * inside an unquoted field is taken literally.
 * Returns 0 when every record was passed; the non-zero value row_cb returned
 * when it stopped the parse (err then has row 0 and an empty message); -1 on
 * malformed input (unterminated quoted field, characters after a closing
 * quote, a NUL byte, invalid UTF-8, a field over CSV_MAX_FIELD bytes, more
 * than CSV_MAX_FIELDS fields) or when memory ran out, with err (may be NULL)
 * filled with the record, the field number and a message.
 */
int csv_parse(const char *data, size_t len,
    int (*row_cb)(void *arg, size_t rownum, char **fields, size_t nfields),
    void *arg, struct csv_error *err);

/*
 * Writers: each appends one cell (or separator) to b and returns 0, or -1
 * when memory ran out (b may then hold part of the cell).
 *
 * csv_text: a text cell. Quoted when it contains ',', '"', CR or LF, when it
 * begins or ends with a space or tab, when it begins with U+FEFF (which
 * would read as a BOM), or when it is empty (so "" stays distinct from a
 * null cell). A cell beginning with '=', '+', '-', '@', tab
 * or CR gets a leading '\'' so spreadsheets do not run it as a formula.
 * Invalid UTF-8 bytes are written as U+FFFD. s == NULL writes a null cell.
 */
int csv_text(struct buf *b, const char *s);
/*
 * csv_number: the shortest of %.15g, %.16g, %.17g that strtod reads back
 * exactly; integral values below 2^53 in magnitude are written as plain
 * integers. NaN and infinities are written as a null (empty) cell.
 */
int csv_number(struct buf *b, double v);
int csv_int(struct buf *b, long long v);
int csv_null(struct buf *b);	/* an empty cell: writes nothing */
int csv_sep(struct buf *b);	/* "," */
int csv_eol(struct buf *b);	/* "\r\n" */

#endif
