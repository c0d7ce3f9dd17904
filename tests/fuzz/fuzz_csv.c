/* fuzz_csv.c: libFuzzer target for the CSV reader, with a write-and-reread check. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "csv.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct state {
	size_t lastrow;
	struct buf line;	/* the record written back */
	char **want;		/* what re-reading it must give */
	size_t nwant;
	size_t got;
};

static int
check_again(void *arg, size_t rownum, char **fields, size_t nfields)
{
	struct state *st = arg;
	size_t i;

	if (rownum != 1 || nfields != st->nwant)
		abort();
	for (i = 0; i < nfields; i++)
		if (strcmp(fields[i], st->want[i]) != 0)
			abort();
	st->got++;
	return 0;
}

static int
row(void *arg, size_t rownum, char **fields, size_t nfields)
{
	struct state *st = arg, again;
	struct csv_error e;
	size_t i, n;

	if (rownum != st->lastrow + 1 || nfields == 0 ||
	    nfields > CSV_MAX_FIELDS)
		abort();
	st->lastrow = rownum;
	buf_reset(&st->line);
	for (i = 0; i < nfields; i++) {
		n = strlen(fields[i]);
		if (n > CSV_MAX_FIELD || !utf8_valid(fields[i], n))
			abort();
		if (i && csv_sep(&st->line) == -1)
			abort();
		if (csv_text(&st->line, fields[i]) == -1)
			abort();
	}
	if (csv_eol(&st->line) == -1)
		abort();

	/* Written cells read back as themselves, formula cells with '\''. */
	memset(&again, 0, sizeof again);
	again.want = calloc(nfields, sizeof *again.want);
	if (again.want == NULL)
		abort();
	for (i = 0; i < nfields; i++) {
		struct buf w = BUF_INIT;

		if (fields[i][0] && strchr("=+-@\t\r", fields[i][0]))
			buf_putc(&w, '\'');
		buf_puts(&w, fields[i]);
		buf_append(&w, "", 0);
		again.want[i] = buf_steal(&w, NULL);
	}
	again.nwant = nfields;
	/* csv_text writes "" for an empty cell, so a record of one empty
	 * field does not come back as an empty line (which is skipped). The
	 * '\'' can push a field of exactly CSV_MAX_FIELD bytes over. */
	for (i = 0; i < nfields; i++)
		if (strlen(again.want[i]) > CSV_MAX_FIELD)
			break;
	if (i == nfields && (csv_parse(st->line.data, st->line.len,
	    check_again, &again, &e) != 0 || again.got != 1))
		abort();
	for (i = 0; i < nfields; i++)
		free(again.want[i]);
	free(again.want);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct state st;
	struct csv_error e;
	int rc;

	memset(&st, 0, sizeof st);
	rc = csv_parse((const char *)data, size, row, &st, &e);
	if (rc == -1) {
		if (e.message[0] == '\0' ||
		    !utf8_valid(e.message, strlen(e.message)))
			abort();
	} else if (rc != 0) {
		abort();
	}
	buf_free(&st.line);
	return 0;
}
