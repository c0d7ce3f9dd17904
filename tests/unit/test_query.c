/* test_query.c: query strings, slugs, identifiers and wave ids. */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "query.h"
#include "t.h"
#include "utf8.h"

/* Parses qs and returns 0/-1; on error *msg holds the message (freed next call). */
static struct query q;
static char *msg;

static int
parse(const char *qs)
{
	free(msg);
	msg = NULL;
	query_free(&q);
	return query_parse(qs, &q, &msg);
}

static int
has(const char *needle)
{
	return msg && strstr(msg, needle) != NULL;
}

static void
limits(void)
{
	struct buf b = BUF_INIT;
	size_t i;

	for (i = 0; i < 100; i++)
		buf_printf(&b, "%sk%zu=%zu", i ? "&" : "", i, i);
	CHECK(parse(b.data) == 0 && q.n == 100, "100 parameters");
	CHECK_STR(query_get(&q, "k99"), "99", "the 100th");
	buf_puts(&b, "&one=more");
	CHECK(parse(b.data) == -1 && has("100"), "101 parameters refused");
	CHECK(q.n == 0 && q.p == NULL, "q empty after error");

	buf_reset(&b);
	buf_puts(&b, "v=");
	for (i = 0; i < QUERY_MAX_ITEM; i++)
		buf_putc(&b, 'x');
	CHECK(parse(b.data) == 0 && strlen(query_get(&q, "v")) == 8192, "value of 8 KiB");
	buf_putc(&b, 'x');
	CHECK(parse(b.data) == -1 && has("'v'") && has("8192"), "value over 8 KiB refused, named");

	buf_reset(&b);
	for (i = 0; i < QUERY_MAX_ITEM + 1; i++)
		buf_putc(&b, 'k');
	buf_puts(&b, "=1");
	CHECK(parse(b.data) == -1 && has("8192"), "key over 8 KiB refused");
	CHECK(msg && strlen(msg) < 200, "long key shortened in the message");

	buf_reset(&b);
	buf_puts(&b, "v=");
	for (i = 0; i < QUERY_MAX_ITEM; i++)
		buf_puts(&b, "%41");
	CHECK(parse(b.data) == 0, "8 KiB decoded from 24 KiB encoded");

	buf_reset(&b);
	for (i = 0; i < QUERY_MAX_LEN + 1; i++)
		buf_putc(&b, '&');
	CHECK(parse(b.data) == -1 && has("65536"), "query over 64 KiB refused");
	b.data[QUERY_MAX_LEN] = '\0';
	CHECK(parse(b.data) == 0 && q.n == 0, "64 KiB of '&' is an empty query");
	buf_free(&b);
}

/* query_keep's filter: keys that start with "k". */
static int
starts_k(const char *key)
{
	return key[0] == 'k';
}

static void
keep(void)
{
	const char *v[4];

	CHECK(parse("k1=a&utm_source=x&k2=b&k1=c&fbclid=") == 0 && q.n == 5, "keep: parsed");
	CHECK(query_keep(&q, starts_k) == 2 && q.n == 3, "keep: drops two");
	CHECK_STR(query_get(&q, "k2"), "b", "keep: a kept one");
	CHECK(query_get(&q, "utm_source") == NULL && query_get(&q, "fbclid") == NULL, "keep: the dropped are gone");
	CHECK(query_getv(&q, "k1", v, 4) == 2 && strcmp(v[0], "a") == 0 && strcmp(v[1], "c") == 0,
	    "keep: order kept");
	CHECK(query_keep(&q, starts_k) == 0 && q.n == 3, "keep: nothing more to drop");
	CHECK(parse("x=1") == 0 && query_keep(&q, starts_k) == 1 && q.n == 0, "keep: all dropped");
}

int
main(void)
{
	const char *v[4];
	struct query z = { 0, NULL };

	keep();
	CHECK(parse(NULL) == 0 && q.n == 0, "NULL query");
	CHECK(parse("") == 0 && q.n == 0, "empty query");
	CHECK(parse("a=1&b=two") == 0 && q.n == 2, "two params");
	CHECK_STR(query_get(&q, "a"), "1", "get a");
	CHECK_STR(query_get(&q, "b"), "two", "get b");
	CHECK(query_get(&q, "c") == NULL, "absent is NULL");
	CHECK(query_get(&q, "A") == NULL, "keys are case-sensitive");

	CHECK(parse("q=new+york&r=a%2Bb%20c") == 0, "plus and percent");
	CHECK_STR(query_get(&q, "q"), "new york", "+ is space");
	CHECK_STR(query_get(&q, "r"), "a+b c", "%2B is +, %20 space");
	CHECK(parse("a%5Bb%5d=x") == 0, "escaped key, either hex case");
	CHECK_STR(query_get(&q, "a[b]"), "x", "decoded key");
	CHECK(parse("name=Montr%C3%A9al") == 0, "UTF-8 value");
	CHECK_STR(query_get(&q, "name"), "Montr\xc3\xa9" "al", "UTF-8 decoded");

	CHECK(parse("a=1&&b=2&") == 0 && q.n == 2, "empty pieces skipped");
	CHECK(parse("&&&") == 0 && q.n == 0, "only separators");
	CHECK(parse("flag&x=") == 0 && q.n == 2, "key without '='");
	CHECK_STR(query_get(&q, "flag"), "", "no '=' gives \"\"");
	CHECK_STR(query_get(&q, "x"), "", "'x=' gives \"\"");
	CHECK(parse("=v") == 0 && q.n == 1, "empty key kept");
	CHECK_STR(query_get(&q, ""), "v", "empty key value");
	CHECK(parse("a=b=c") == 0, "second '=' is data");
	CHECK_STR(query_get(&q, "a"), "b=c", "value with '='");
	CHECK(parse("a=1;b=2") == 0 && q.n == 1, "';' is not a separator");
	CHECK_STR(query_get(&q, "a"), "1;b=2", "';' stays in the value");

	CHECK(parse("m=1&x=0&m=2&m=3") == 0, "repeated key");
	CHECK_STR(query_get(&q, "m"), "1", "get returns the first");
	CHECK(query_getv(&q, "m", v, 4) == 3, "getv counts all");
	CHECK(strcmp(v[0], "1") == 0 && strcmp(v[1], "2") == 0 && strcmp(v[2], "3") == 0,
	    "getv keeps order");
	CHECK(query_getv(&q, "m", v, 2) == 2, "getv stops at max");
	CHECK(query_getv(&q, "nope", v, 4) == 0, "getv absent");
	CHECK(query_getv(&q, "m", v, 0) == 0, "getv max 0");

	/* Hostile input. */
	CHECK(parse("a=%") == -1 && has("'a'") && has("%-escape"), "lone %");
	CHECK(parse("a=%4") == -1, "truncated escape");
	CHECK(parse("a=%zz") == -1, "non-hex escape");
	CHECK(parse("a=%+1") == -1, "sign is not hex");
	CHECK(parse("%g=1") == -1 && has("parameter name"), "bad escape in a key");
	CHECK(parse("ok=1&a=x%00y") == -1 && has("'a'") && has("NUL"), "decoded NUL refused, named");
	CHECK(q.n == 0, "nothing kept after a later error");
	CHECK(parse("a=%FF") == -1 && has("UTF-8"), "invalid UTF-8 refused");
	CHECK(parse("a=%C0%AF") == -1 && has("UTF-8"), "overlong refused");
	CHECK(parse("a=%ED%A0%80") == -1, "surrogate refused");
	CHECK(parse("a=\xff") == -1 && has("UTF-8"), "raw invalid byte refused");
	CHECK(parse("%FF=1") == -1 && msg && utf8_valid(msg, strlen(msg)),
	    "message stays valid UTF-8");
	CHECK(parse("\xff\xfe=%zz") == -1 && msg && utf8_valid(msg, strlen(msg)),
	    "raw bad key in message is made valid UTF-8");
	CHECK(parse("a=%0A%0D") == 0, "CR/LF decode (callers escape on output)");
	CHECK_STR(query_get(&q, "a"), "\n\r", "CR/LF kept");
	CHECK(parse("q=%3Cscript%3E") == 0, "markup decodes as text");
	CHECK_STR(query_get(&q, "q"), "<script>", "markup value");
	query_free(&q);
	CHECK(query_parse("a=%", &q, NULL) == -1, "NULL err allowed");

	limits();

	query_free(&z);
	CHECK(z.n == 0 && z.p == NULL, "free on zeroed struct");
	query_free(&q);
	query_free(&q);
	CHECK(q.n == 0, "free twice is safe");

	CHECK(path_segment_valid_slug("toronto", 7), "slug");
	CHECK(path_segment_valid_slug("new-york-2", 10), "slug with dash and digit");
	CHECK(path_segment_valid_slug("toronto.json", 7), "slug checks only n bytes");
	CHECK(!path_segment_valid_slug("", 0), "empty slug");
	CHECK(!path_segment_valid_slug("Toronto", 7), "upper case");
	CHECK(!path_segment_valid_slug("a_b", 3), "underscore");
	CHECK(!path_segment_valid_slug("a/b", 3), "slash");
	CHECK(!path_segment_valid_slug("..", 2), "dots");
	CHECK(!path_segment_valid_slug("a\0b", 3), "NUL inside");
	CHECK(!path_segment_valid_slug("caf\xc3\xa9", 5), "non-ASCII");
	CHECK(path_segment_valid_slug("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 64),
	    "64 chars");
	CHECK(!path_segment_valid_slug("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 65),
	    "65 chars");
	CHECK(!path_segment_valid_slug(NULL, 3), "NULL slug");

	CHECK(ident_valid("dedicated_funding"), "ident");
	CHECK(ident_valid("data_2020"), "ident with digits");
	CHECK(!ident_valid(""), "empty ident");
	CHECK(!ident_valid(NULL), "NULL ident");
	CHECK(!ident_valid("with-dash"), "dash in ident");
	CHECK(!ident_valid("Upper"), "upper in ident");
	CHECK(!ident_valid("a b"), "space in ident");
	CHECK(ident_valid("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"), "64-char ident");
	CHECK(!ident_valid("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"), "65-char ident");

	CHECK(wave_valid("2018") && wave_valid("2020"), "waves");
	CHECK(!wave_valid("201") && !wave_valid("20200"), "3 and 5 digits");
	CHECK(!wave_valid("0202"), "leading zero");
	CHECK(!wave_valid("20a0") && !wave_valid("") && !wave_valid(NULL), "not digits");
	CHECK(!wave_valid("2018 ") && !wave_valid("+201"), "trailing space, sign");

	free(msg);
	return T_DONE();
}
