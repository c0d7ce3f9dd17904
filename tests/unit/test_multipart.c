/* test_multipart.c: multipart/form-data bodies, well-formed and hostile. */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "multipart.h"
#include "t.h"
#include "utf8.h"

#define CT "multipart/form-data; boundary=XyZ"

static struct mp_part *parts;
static size_t np;
static char *msg;

static int
parse_n(const char *ct, const char *body, size_t len)
{
	multipart_free(parts, np);
	parts = NULL;
	np = 0;
	free(msg);
	msg = NULL;
	return multipart_parse(ct, body, len, &parts, &np, &msg);
}

#define PARSE(ct, lit) parse_n(ct, lit, sizeof(lit) - 1)

static int
has(const char *needle)
{
	return msg && strstr(msg, needle) != NULL;
}

static int
data_is(const struct mp_part *p, const char *want, size_t n)
{
	return p && p->len == n && memcmp(p->data, want, n) == 0;
}

static void
well_formed(void)
{
	const struct mp_part *p;
	static const char body[] =
	    "preamble to ignore\r\n"
	    "--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"token\"\r\n"
	    "\r\n"
	    "cb_1_secret\r\n"
	    "--XyZ\r\n"
	    "content-disposition: form-data; name=\"file\"; filename=\"a \\\"b\\\".csv\"\r\n"
	    "Content-Type: text/csv\r\n"
	    "\r\n"
	    "city,survey\r\nx,2020\r\n"
	    "\r\n"
	    "--XyZ\r\n"
	    "Content-Disposition: form-data; name=dry_run\r\n"
	    "\r\n"
	    "\r\n"
	    "--XyZ--\r\n"
	    "epilogue";
	static const char bin[] = "--XyZ\r\nContent-Disposition: form-data; "
	    "name=\"bin\"\r\n\r\n\0\xff\r\n--XyZ--";

	CHECK(PARSE(CT, body) == 0 && np == 3, "three parts");
	p = multipart_get(parts, np, "token");
	CHECK(data_is(p, "cb_1_secret", 11), "token data");
	CHECK(p && p->filename == NULL && p->content_type == NULL, "no filename, no type");
	p = multipart_get(parts, np, "file");
	CHECK(data_is(p, "city,survey\r\nx,2020\r\n", 21), "file data keeps its own CRLFs");
	CHECK_STR(p ? p->filename : NULL, "a \"b\".csv", "escaped quotes in filename");
	CHECK_STR(p ? p->content_type : NULL, "text/csv", "part content type");
	CHECK(p && p->data > body && p->data < body + sizeof body, "data points into the body");
	p = multipart_get(parts, np, "dry_run");
	CHECK(data_is(p, "", 0), "empty value, unquoted name");
	CHECK(multipart_get(parts, np, "nope") == NULL, "absent part");
	CHECK(multipart_get(NULL, 0, "x") == NULL, "get on NULL");

	CHECK(PARSE("Multipart/Form-Data ; BOUNDARY=\"XyZ\"", "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--XyZ--") == 0
	    && np == 1, "quoted boundary, any case, no final CRLF");
	CHECK(PARSE("multipart/form-data; charset=utf-8; boundary=XyZ",
	    "--XyZ\nContent-Disposition: form-data; name=\"a\"\n\nline1\nline2\n--XyZ--\n") == 0
	    && data_is(&parts[0], "line1\nline2", 11), "LF-only line ends");
	CHECK(PARSE(CT, "--XyZ  \r\nContent-Disposition: form-data; name=a\r\n\r\nv\r\n--XyZ--") == 0,
	    "padding after the boundary");
	CHECK(PARSE(CT, "--XyZ--\r\n") == 0 && np == 0 && parts == NULL, "no parts");
	CHECK(PARSE(CT, "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n"
	    "x\r\n--XyZa is not a delimiter? no: data\r\n--XyZ--") == -1, "delimiter prefix in data is refused");
	CHECK(PARSE(CT, "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n"
	    "x --XyZ y\r\n--XyZ--") == 0 && data_is(&parts[0], "x --XyZ y", 9),
	    "boundary inside a line is data");
	CHECK(PARSE(CT, "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n--XyZ--") == 0
	    && np == 1 && parts[0].len == 0, "delimiter right after the headers");
	CHECK(PARSE(CT, "--XyZ\r\nContent-Disposition: form-data;\r\n name=\"folded\"\r\n\r\nv\r\n--XyZ--") == 0
	    && multipart_get(parts, np, "folded") != NULL, "folded header line");
	CHECK(PARSE(CT, "--XyZ\r\nX-Other: whatever\r\nContent-Disposition: form-data; name=\"a\"; filename=\"\"\r\n\r\nv\r\n--XyZ--") == 0
	    && parts[0].filename && parts[0].filename[0] == '\0', "unknown header ignored, empty filename kept");
	CHECK(parse_n(CT, bin, sizeof bin - 1) == 0 && np == 1 &&
	    data_is(&parts[0], "\0\xff", 2), "binary data with NUL");
	CHECK(PARSE("multipart/form-data; boundary=\"a'()+_,-./:=? b\"",
	    "--a'()+_,-./:=? b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nv\r\n--a'()+_,-./:=? b--") == 0,
	    "every boundary character");
}

static void
hostile(void)
{
	static const char nul[] = "--XyZ\r\nContent-Disposition: form-data; "
	    "name=\"a\0b\"\r\n\r\nv\r\n--XyZ--";
	struct buf b = BUF_INIT;
	size_t i;

	CHECK(PARSE(NULL, "x") == -1 && has("Content-Type"), "no content type");
	CHECK(PARSE("text/csv", "x") == -1 && has("multipart/form-data"), "wrong type");
	CHECK(PARSE("multipart/form-data", "x") == -1 && has("boundary"), "missing boundary");
	CHECK(PARSE("multipart/form-data; boundary=", "x") == -1 && has("boundary"), "empty boundary");
	CHECK(PARSE("multipart/form-data; boundary=\"\"", "x") == -1, "empty quoted boundary");
	CHECK(PARSE("multipart/form-data; boundary=\"ab", "x") == -1, "unterminated quoted boundary");
	CHECK(PARSE("multipart/form-data; boundary=\"a b \"", "x") == -1, "boundary ending in space");
	CHECK(PARSE("multipart/form-data; boundary=\"a<b\"", "x") == -1, "boundary with '<'");
	CHECK(PARSE("multipart/form-data; boundary=a\xc3\xa9", "x") == -1, "non-ASCII boundary");
	CHECK(PARSE("multipart/form-data; boundary=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "x") == -1,
	    "71-char boundary");
	CHECK(PARSE("multipart/form-data; boundary=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	    "--aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa--") == 0, "70-char boundary");
	CHECK(PARSE("multipart/form-data; boundary", "x") == -1, "boundary without '='");

	CHECK(PARSE(CT, "") == -1, "empty body");
	CHECK(PARSE(CT, "no delimiter at all") == -1, "body without delimiter");
	CHECK(PARSE(CT, "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nvalue") == -1
	    && has("closing boundary"), "no closing boundary");
	CHECK(PARSE(CT, "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nv\r\n--XyZ\r\n") == -1
	    && has("part 2"), "ends after a delimiter");
	CHECK(PARSE(CT, "--XyZ") == -1, "just the delimiter");
	CHECK(PARSE(CT, "--XyZ\r\nContent-Disposition: form-data; name=\"a\"") == -1
	    && has("never ends"), "headers cut off");
	CHECK(PARSE(CT, "--XyZ\r\n\r\nv\r\n--XyZ--") == -1 && has("Content-Disposition"),
	    "missing Content-Disposition");
	CHECK(PARSE(CT, "--XyZ\r\nContent-Disposition: form-data\r\n\r\nv\r\n--XyZ--") == -1 && has("name"),
	    "missing name");
	CHECK(PARSE(CT, "--XyZ\r\nContent-Disposition: form-data; name=\"\"\r\n\r\nv\r\n--XyZ--") == -1,
	    "empty name");
	CHECK(PARSE(CT, "--XyZ\r\nContent-Disposition: attachment; name=\"a\"\r\n\r\nv\r\n--XyZ--") == -1
	    && has("form-data"), "not form-data");
	CHECK(PARSE(CT, "--XyZ\r\nContent-Disposition: form-data; name=\"a\r\n\r\nv\r\n--XyZ--") == -1,
	    "unterminated quoted name");
	CHECK(PARSE(CT, "--XyZ\r\nContent-Disposition: form-data; name=\"\xff\"\r\n\r\nv\r\n--XyZ--") == -1
	    && has("UTF-8"), "name not UTF-8");
	CHECK(PARSE(CT, "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n"
	    "Content-Disposition: form-data; name=\"b\"\r\n\r\nv\r\n--XyZ--") == -1, "two dispositions");
	CHECK(PARSE(CT, "--XyZ\r\nno colon here\r\n\r\nv\r\n--XyZ--") == -1 && has("malformed"),
	    "header line without colon");
	CHECK(parse_n(CT, nul, sizeof nul - 1) == -1 && has("NUL"), "NUL in headers");
	CHECK(PARSE(CT, "--XyZjunk\r\n") == -1 && has("boundary"), "junk after delimiter");
	CHECK(msg && utf8_valid(msg, strlen(msg)), "messages are UTF-8");

	/* 32 parts pass, 33 do not. */
	for (i = 0; i < 33; i++) {
		buf_printf(&b, "--XyZ\r\nContent-Disposition: form-data; name=\"p%zu\"\r\n\r\nv%zu\r\n", i, i);
		if (i == 31) {
			size_t keep = b.len;
			buf_puts(&b, "--XyZ--\r\n");
			CHECK(parse_n(CT, b.data, b.len) == 0 && np == 32, "32 parts");
			CHECK(data_is(multipart_get(parts, np, "p31"), "v31", 3), "the 32nd part");
			b.len = keep;
		}
	}
	buf_puts(&b, "--XyZ--\r\n");
	CHECK(parse_n(CT, b.data, b.len) == -1 && has("32"), "33 parts refused");
	CHECK(parts == NULL && np == 0, "outputs empty after error");

	/* Header block: 8 KiB passes, more does not. */
	buf_reset(&b);
	buf_puts(&b, "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\nX-Pad: ");
	while (b.len - 7 < MP_MAX_HEADER - 2)
		buf_putc(&b, 'x');
	buf_puts(&b, "\r\n\r\nv\r\n--XyZ--");
	CHECK(parse_n(CT, b.data, b.len) == 0, "header block of 8 KiB");
	buf_reset(&b);
	buf_puts(&b, "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\nX-Pad: ");
	while (b.len - 7 < MP_MAX_HEADER - 1)
		buf_putc(&b, 'x');
	buf_puts(&b, "\r\n\r\nv\r\n--XyZ--");
	CHECK(parse_n(CT, b.data, b.len) == -1 && has("8192"), "header block of 8 KiB + 1 refused");

	/* Garbage. */
	buf_reset(&b);
	srand(7);
	buf_puts(&b, "--XyZ\r\n");
	for (i = 0; i < 50000; i++)
		buf_putc(&b, (char)(rand() & 0xff));
	CHECK(parse_n(CT, b.data, b.len) == -1, "binary garbage refused");
	CHECK(multipart_parse(CT, "x", 1, &parts, &np, NULL) == -1, "NULL err allowed");
	buf_free(&b);
}

int
main(void)
{
	well_formed();
	hostile();
	multipart_free(parts, np);
	multipart_free(NULL, 3);
	free(msg);
	return T_DONE();
}
