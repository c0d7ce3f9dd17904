/* test_csv.c: the CSV reader and writer, with hostile input. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "csv.h"
#include "t.h"
#include "utf8.h"

/* Renders every record as "ROW:<f1><f2>...\n". */
static int
collect(void *arg, size_t rownum, char **fields, size_t nfields)
{
	struct buf *b = arg;
	size_t i;

	buf_printf(b, "%zu:", rownum);
	for (i = 0; i < nfields; i++)
		buf_printf(b, "<%s>", fields[i]);
	buf_putc(b, '\n');
	return 0;
}

static int
stop_at_2(void *arg, size_t rownum, char **fields, size_t nfields)
{
	(void)fields;
	(void)nfields;
	*(size_t *)arg = rownum;
	return rownum == 2 ? 7 : 0;
}

static int
count_fields(void *arg, size_t rownum, char **fields, size_t nfields)
{
	(void)rownum;
	(void)fields;
	*(size_t *)arg = nfields;
	return 0;
}

static struct buf out = BUF_INIT;
static struct csv_error e;

/* Parses len bytes; returns the rendered records, or "ERR r c: msg". */
static const char *
parse_n(const char *s, size_t len)
{
	int rc;

	buf_reset(&out);
	buf_append(&out, "", 0);
	rc = csv_parse(s, len, collect, &out, &e);
	if (rc != 0) {
		buf_reset(&out);
		buf_printf(&out, "ERR %zu %zu", e.row, e.column);
	}
	return out.data;
}

#define P(lit) parse_n(lit, sizeof(lit) - 1)

static void
reader(void)
{
	struct buf big = BUF_INIT;
	size_t n, i;
	int rc;

	CHECK_STR(P(""), "", "empty input: no records");
	CHECK_STR(P("a,b,c\r\n1,2,3\r\n"), "1:<a><b><c>\n2:<1><2><3>\n", "CRLF");
	CHECK_STR(P("a,b\n1,2\n"), "1:<a><b>\n2:<1><2>\n", "LF");
	CHECK_STR(P("a,b\n1,2"), "1:<a><b>\n2:<1><2>\n", "no final newline");
	CHECK_STR(P("a,b\r1,2\r"), "1:<a><b>\n2:<1><2>\n", "lone CR ends a record");
	CHECK_STR(P("\xef\xbb\xbf" "a,b\n"), "1:<a><b>\n", "BOM skipped");
	CHECK_STR(P("a\xef\xbb\xbf,b\n"), "1:<a\xef\xbb\xbf><b>\n", "BOM only skipped at the start");
	CHECK_STR(P("a,b\n\n\r\n1,2\n\n"), "1:<a><b>\n2:<1><2>\n", "empty lines skipped, not counted");
	CHECK_STR(P("\n\na\n"), "1:<a>\n", "leading empty lines");
	CHECK_STR(P("a,,\n"), "1:<a><><>\n", "empty fields");
	CHECK_STR(P(",\n"), "1:<><>\n", "a lone comma is two empty fields");
	CHECK_STR(P("a,"), "1:<a><>\n", "trailing comma at end of input");
	CHECK_STR(P("\"\"\n"), "1:<>\n", "a quoted empty field is a record");
	CHECK_STR(P(" a , b \n"), "1:< a >< b >\n", "spaces kept");
	CHECK_STR(P("\"a,b\",c\n"), "1:<a,b><c>\n", "embedded comma");
	CHECK_STR(P("\"say \"\"hi\"\"\",x\n"), "1:<say \"hi\"><x>\n", "doubled quotes");
	CHECK_STR(P("\"\"\"\"\n"), "1:<\">\n", "field that is one quote");
	CHECK_STR(P("\"l1\r\nl2\nl3\",z\r\nnext\r\n"), "1:<l1\r\nl2\nl3><z>\n2:<next>\n", "CR/LF inside quotes");
	CHECK_STR(P("\"a\"\r\n"), "1:<a>\n", "quoted then CRLF");
	CHECK_STR(P("\"a\""), "1:<a>\n", "quoted at end of input");
	CHECK_STR(P("5\" screen,x\n"), "1:<5\" screen><x>\n", "quote inside an unquoted field is literal");
	CHECK_STR(P("caf\xc3\xa9,\xe2\x82\xac\n"), "1:<caf\xc3\xa9><\xe2\x82\xac>\n", "UTF-8 fields");
	CHECK_STR(P("=1+1,-2,@x\n"), "1:<=1+1><-2><@x>\n", "formula-looking cells read as written");

	/* Errors, with row and column. */
	CHECK_STR(P("a,b\n1,\"open\n2,3\n"), "ERR 2 2", "unterminated quote");
	CHECK(strstr(e.message, "line 2") != NULL, "unterminated quote names its line");
	CHECK_STR(P("\""), "ERR 1 1", "lone quote");
	CHECK_STR(P("a,\"b\"x,c\n"), "ERR 1 2", "characters after closing quote");
	CHECK_STR(P("\"b\" \n"), "ERR 1 1", "space after closing quote");
	CHECK_STR(P("h\nx,\"b\"\"\n"), "ERR 2 2", "truncated doubled quote");
	CHECK_STR(parse_n("a,b\nc,d\0e\n", 10), "ERR 2 2", "NUL in unquoted field");
	CHECK(strstr(e.message, "NUL") != NULL, "NUL message");
	CHECK_STR(parse_n("a,\"x\0y\"\n", 8), "ERR 1 2", "NUL in quoted field");
	CHECK_STR(parse_n("\0", 1), "ERR 1 1", "input that is one NUL");
	CHECK_STR(P("a\nb,c\xff\n"), "ERR 2 2", "invalid UTF-8 byte");
	CHECK(strstr(e.message, "UTF-8") != NULL, "UTF-8 message");
	CHECK_STR(P("\xc0\xaf\n"), "ERR 1 1", "overlong UTF-8");
	CHECK_STR(P("\xed\xa0\x80\n"), "ERR 1 1", "surrogate");
	CHECK_STR(P("\"\xc3\"\"\xa9\"\n"), "ERR 1 1", "UTF-8 split by a doubled quote");
	CHECK_STR(P("\xef\xbb\n"), "ERR 1 1", "truncated BOM is invalid UTF-8");

	/* Field size: exactly 64 KiB is fine, one more byte is not. */
	for (i = 0; i < CSV_MAX_FIELD; i++)
		buf_putc(&big, 'x');
	rc = csv_parse(big.data, big.len, count_fields, &n, &e);
	CHECK(rc == 0 && n == 1, "field of exactly 64 KiB");
	buf_putc(&big, 'x');
	rc = csv_parse(big.data, big.len, count_fields, &n, &e);
	CHECK(rc == -1 && e.row == 1 && e.column == 1, "field over 64 KiB");
	CHECK(strstr(e.message, "65536") != NULL, "size message");
	buf_reset(&big);
	buf_puts(&big, "a,\"");
	for (i = 0; i < CSV_MAX_FIELD + 1; i++)
		buf_puts(&big, "\"\"");
	buf_puts(&big, "\"\n");
	rc = csv_parse(big.data, big.len, count_fields, &n, &e);
	CHECK(rc == -1 && e.column == 2, "quoted field of doubled quotes over 64 KiB");

	/* Field count: 1,000 is fine, 1,001 is not. */
	buf_reset(&big);
	for (i = 0; i < CSV_MAX_FIELDS; i++)
		buf_puts(&big, i ? ",x" : "x");
	rc = csv_parse(big.data, big.len, count_fields, &n, &e);
	CHECK(rc == 0 && n == CSV_MAX_FIELDS, "1000 fields");
	buf_puts(&big, ",");
	rc = csv_parse(big.data, big.len, count_fields, &n, &e);
	CHECK(rc == -1 && e.row == 1 && e.column == 1001, "1001 fields");

	/* The callback stops the parse with its own value. */
	n = 0;
	rc = csv_parse("a\nb\nc\n", 6, stop_at_2, &n, &e);
	CHECK(rc == 7 && n == 2, "callback value stops the parse");
	CHECK(e.row == 0 && e.message[0] == '\0', "no error filled when stopped");

	/* Binary garbage never crashes and always ends with an answer. */
	buf_reset(&big);
	srand(42);
	for (i = 0; i < 100000; i++)
		buf_putc(&big, (char)(rand() & 0xff));
	rc = csv_parse(big.data, big.len, count_fields, &n, &e);
	CHECK(rc == -1 && e.message[0] != '\0', "binary garbage is refused");
	CHECK(utf8_valid(e.message, strlen(e.message)), "error message is UTF-8");
	rc = csv_parse(big.data, big.len, count_fields, &n, NULL);
	CHECK(rc == -1, "NULL err is allowed");
	buf_free(&big);
}

static struct buf w = BUF_INIT;

static const char *
text(const char *s)
{
	buf_reset(&w);
	buf_append(&w, "", 0);
	csv_text(&w, s);
	return w.data;
}

static const char *
num(double v)
{
	buf_reset(&w);
	buf_append(&w, "", 0);
	csv_number(&w, v);
	return w.data;
}

static int
reads_back(double v)
{
	num(v);
	return strtod(w.data, NULL) == v;
}

/* Writes a row of cells and reads it back through the parser. */
static void
roundtrip(void)
{
	const char *cells[] = { "plain", "a,b", "say \"hi\"", "l1\r\nl2",
	    " pad ", "", "caf\xc3\xa9", "\"", ",", "\n" };
	size_t i, nc = sizeof cells / sizeof cells[0];
	struct buf expect = BUF_INIT;

	buf_reset(&w);
	buf_puts(&expect, "1:");
	for (i = 0; i < nc; i++) {
		if (i)
			csv_sep(&w);
		csv_text(&w, cells[i]);
		buf_printf(&expect, "<%s>", cells[i]);
	}
	csv_eol(&w);
	buf_putc(&expect, '\n');
	CHECK_STR(parse_n(w.data, w.len), expect.data, "writer output reads back");
	buf_free(&expect);
}

static void
writer(void)
{
	CHECK_STR(text("plain"), "plain", "plain text unquoted");
	CHECK_STR(text(""), "\"\"", "empty text is quoted, unlike null");
	CHECK_STR(text(NULL), "", "NULL text is a null cell");
	CHECK_STR(text("a,b"), "\"a,b\"", "comma quoted");
	CHECK_STR(text("say \"hi\""), "\"say \"\"hi\"\"\"", "quotes doubled");
	CHECK_STR(text("l1\nl2"), "\"l1\nl2\"", "LF quoted");
	CHECK_STR(text("l1\rl2"), "\"l1\rl2\"", "CR quoted");
	CHECK_STR(text(" lead"), "\" lead\"", "leading space quoted");
	CHECK_STR(text("trail "), "\"trail \"", "trailing space quoted");
	CHECK_STR(text("=1+1"), "'=1+1", "formula = neutralised");
	CHECK_STR(text("+1"), "'+1", "formula + neutralised");
	CHECK_STR(text("-2"), "'-2", "text -2 is prefixed (it is text)");
	CHECK_STR(text("@SUM(A1)"), "'@SUM(A1)", "formula @ neutralised");
	CHECK_STR(text("=HYPERLINK(\"http://x\",\"y\")"),
	    "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"", "formula with quotes");
	CHECK_STR(text("\t=1"), "\"'\t=1\"", "leading tab neutralised and quoted");
	CHECK_STR(text("\r=1"), "\"'\r=1\"", "leading CR neutralised and quoted");
	CHECK_STR(text("a=1"), "a=1", "= later in the cell is fine");
	CHECK_STR(text("\xef\xbb\xbfx"), "\"\xef\xbb\xbfx\"", "leading U+FEFF quoted, not lost as a BOM");
	CHECK_STR(text("caf\xc3\xa9"), "caf\xc3\xa9", "UTF-8 kept");
	CHECK_STR(text("a\xff" "b"), "a\xef\xbf\xbd" "b", "invalid byte replaced");
	CHECK_STR(text("\xc0\xaf"), "\xef\xbf\xbd\xef\xbf\xbd", "overlong replaced per byte");

	CHECK_STR(num(-2), "-2", "number -2 is not prefixed");
	CHECK_STR(num(0), "0", "zero");
	CHECK_STR(num(-0.0), "0", "negative zero");
	CHECK_STR(num(12), "12", "integer");
	CHECK_STR(num(1e15), "1000000000000000", "1e15 without exponent");
	CHECK_STR(num(9007199254740991.0), "9007199254740991", "2^53-1 as integer");
	CHECK_STR(num(0.1), "0.1", "0.1 shortest");
	CHECK_STR(num(0.5), "0.5", "0.5");
	CHECK_STR(num(1.0 / 3), "0.3333333333333333", "1/3 needs 16 digits");
	CHECK_STR(num(0.1 + 0.2), "0.30000000000000004", "0.1+0.2 needs 17 digits");
	CHECK_STR(num(-1.5), "-1.5", "negative fraction");
	CHECK_STR(num(NAN), "", "NaN is a null cell");
	CHECK_STR(num(INFINITY), "", "infinity is a null cell");
	CHECK(reads_back(1e300) && reads_back(5e-324) && reads_back(1.7976931348623157e308),
	    "extremes read back");
	CHECK(reads_back(9007199254740993.0) && reads_back(-123456789.123456789),
	    "large and long values read back");
	CHECK(reads_back(2.0 / 3) && reads_back(100.0 / 7) && reads_back(1e-7),
	    "fractions read back");

	buf_reset(&w);
	csv_int(&w, -9223372036854775807LL - 1);
	CHECK_STR(w.data, "-9223372036854775808", "csv_int min");
	buf_reset(&w);
	csv_null(&w);
	csv_sep(&w);
	csv_int(&w, 3);
	csv_eol(&w);
	CHECK_STR(w.data, ",3\r\n", "null, sep, int, eol");

	roundtrip();
}

int
main(void)
{
	reader();
	writer();
	buf_free(&out);
	buf_free(&w);
	return T_DONE();
}
