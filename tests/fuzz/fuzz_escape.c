/* fuzz_escape.c: libFuzzer target for the output escapers (HTML, XML, URL, CSV).
 *
 * Whatever the input, HTML/XML output holds no markup character outside an
 * entity, no forbidden control character and only valid UTF-8; URL output
 * only unreserved characters and %XX; a CSV cell reads back as one field;
 * a CSV number reads back exactly.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "csv.h"
#include "html.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_markup(const struct buf *b)
{
	const char *s = b->data;
	size_t i;

	if (b->len == 0)
		return;
	if (!utf8_valid(s, b->len) || memchr(s, '\0', b->len))
		abort();
	for (i = 0; i < b->len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '<' || c == '>' || c == '"' || c == '\'')
			abort();
		if (c == '&' && strncmp(s + i, "&amp;", 5) &&
		    strncmp(s + i, "&lt;", 4) && strncmp(s + i, "&gt;", 4) &&
		    strncmp(s + i, "&quot;", 6) && strncmp(s + i, "&#39;", 5))
			abort();
		if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') ||
		    c == 0x7f)
			abort();
		/* C1 controls (U+0080..U+009F) are C2 80..C2 9F. */
		if (c == 0xc2 && i + 1 < b->len &&
		    (unsigned char)s[i + 1] < 0xa0)
			abort();
		/* U+FFFE, U+FFFF. */
		if (c == 0xef && i + 2 < b->len &&
		    (unsigned char)s[i + 1] == 0xbf &&
		    ((unsigned char)s[i + 2] == 0xbe ||
		    (unsigned char)s[i + 2] == 0xbf))
			abort();
	}
}

static int
one_field(void *arg, size_t rownum, char **fields, size_t nfields)
{
	const char *want = arg;

	if (rownum != 1 || nfields != 1 || strcmp(fields[0], want) != 0)
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf in = BUF_INIT, out = BUF_INIT, want = BUF_INIT;
	struct csv_error e;
	double v;
	size_t i;

	buf_append(&in, data, size);

	/* html_textn sees the raw bytes, NULs included. */
	if (html_textn(&out, (const char *)data, size) == -1)
		abort();
	check_markup(&out);
	buf_reset(&out);
	if (html_text(&out, in.data) == -1 || html_attr(&out, in.data) == -1)
		abort();
	check_markup(&out);
	buf_reset(&out);
	if (xml_text(&out, in.data) == -1)
		abort();
	check_markup(&out);

	buf_reset(&out);
	if (url_encode(&out, in.data) == -1)
		abort();
	for (i = 0; i < out.len; i++) {
		char c = out.data[i];

		if (c == '%') {
			if (i + 2 >= out.len ||
			    !strchr("0123456789ABCDEF", out.data[i + 1]) ||
			    !strchr("0123456789ABCDEF", out.data[i + 2]))
				abort();
			i += 2;
		} else if (!((c >= 'a' && c <= 'z') ||
		    (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    strchr("-._~", c))) {
			abort();
		}
	}

	/* A CSV cell of valid UTF-8 reads back as itself (or '\''-prefixed);
	 * invalid input comes back with U+FFFD, still one field. */
	buf_reset(&out);
	if (csv_text(&out, in.data) == -1 || csv_eol(&out) == -1)
		abort();
	if (!utf8_valid(out.data, out.len))
		abort();
	if (in.len <= CSV_MAX_FIELD / 4 && utf8_valid(in.data, in.len) &&
	    strlen(in.data) == in.len) {
		if (in.len && strchr("=+-@\t\r", in.data[0]))
			buf_putc(&want, '\'');
		buf_append(&want, in.data, in.len);
		if (csv_parse(out.data, out.len, one_field, want.data,
		    &e) != 0)
			abort();
	}

	/* Any 8 bytes as a double: csv_number reads back exactly. */
	if (size >= sizeof v) {
		memcpy(&v, data, sizeof v);
		buf_reset(&out);
		buf_append(&out, "", 0);
		if (csv_number(&out, v) == -1)
			abort();
		if (isfinite(v)) {
			if (strtod(out.data, NULL) != v || out.len == 0)
				abort();
			if (v == trunc(v) && fabs(v) < 9007199254740992.0 &&
			    strpbrk(out.data, ".eE"))
				abort();
		} else if (out.len != 0) {
			abort();
		}
	}

	buf_free(&in);
	buf_free(&out);
	buf_free(&want);
	return 0;
}
