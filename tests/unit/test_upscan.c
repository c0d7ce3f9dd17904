/* test_upscan.c: the count of an upload's answer sets and answers before anything is parsed, against
 * jansson's tree of the same text, and its limits to the unit. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "t.h"
#include "upscan.h"
#include "json_inside.h"

/* The scan's counts equal the tree's, for text jansson parses. */
static int
same_as_tree(const char *s)
{
	struct upscan sc;
	json_t *root = json_loads(s, JSON_DECODE_ANY, NULL);
	size_t sets = 0, answers = 0, i;
	json_t *c;
	int ok;

	if (root == NULL)
		return 0;
	if (json_is_array(root)) {
		sets = json_array_size(root);
		json_array_foreach(root, i, c)
			answers += json_inside(c);
	} else if (json_is_object(root)) {
		sets = 1;
		answers = json_inside(root);
	}
	ok = upscan_json(s, strlen(s), 1000000, 1000000, &sc) == 0 && sc.sets == sets && sc.answers == answers;
	if (!ok)
		printf("# %s: scan %zu/%zu, tree %zu/%zu\n", s, sc.sets, sc.answers, sets, answers);
	json_decref(root);
	return ok;
}

static void
counts(void)
{
	static const char *const texts[] = {
		"{}", "[]", "[{}]", "[{},{},{}]", "  [ { } , { } ]  ",
		"{\"city\":\"toronto\",\"survey\":\"2020\",\"answers\":{\"a\":true,\"b\":[\"x\",\"y\"],\"c\":null}}",
		"[{\"city\":\"a\",\"answers\":{\"q\":[]}},{\"city\":\"b\",\"answers\":{\"q\":[[1],[2,3]]}}]",
		"[{\"k\":\"a string with , : [ { \\\" and \\\\\"}]", "[1,2,\"x\",null,true]", "3", "\"s\"",
		"{\"a\":{\"b\":{\"c\":{\"d\":[1,{\"e\":2}]}}}}", "[[],[[]],{}]",
	};
	size_t i;
	char name[64];

	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		snprintf(name, sizeof(name), "json: the scan counts as the tree does (%zu)", i);
		CHECK(same_as_tree(texts[i]), name);
	}
}

static void
limits(void)
{
	struct buf b = BUF_INIT;
	struct upscan sc;
	size_t i;

	buf_puts(&b, "[");
	for (i = 0; i < 10000; i++)
		buf_puts(&b, i ? ",{}" : "{}");
	buf_puts(&b, "]");
	CHECK(upscan_json(b.data, b.len, 10000, 200000, &sc) == 0 && sc.sets == 10000, "json: 10,000 sets pass");
	b.len--;
	buf_puts(&b, ",{}]");
	CHECK(upscan_json(b.data, b.len, 10000, 200000, &sc) == 1, "json: 10,001 sets are over");
	/* over is over, whatever follows: the scan stops there */
	b.len--;
	buf_puts(&b, ",{]]]");
	CHECK(upscan_json(b.data, b.len, 10000, 200000, &sc) == 1, "json: over before a syntax error");
	buf_free(&b);

	buf_puts(&b, "{\"answers\":{");
	for (i = 0; i < 99; i++)
		buf_printf(&b, "%s\"q%zu\":1", i ? "," : "", i);
	buf_puts(&b, "}}");
	CHECK(upscan_json(b.data, b.len, 10, 100, &sc) == 0 && sc.answers == 100, "json: 100 values inside pass");
	b.len -= 2;
	buf_puts(&b, ",\"x\":[1]}}");
	CHECK(upscan_json(b.data, b.len, 10, 100, &sc) == 1, "json: 101 values inside are over");
	buf_free(&b);

	/* malformed: stops, not over (the parser says what is wrong) */
	CHECK(upscan_json("[{}}", 4, 1, 1, &sc) == 0, "json: a mismatched bracket stops the scan");
	CHECK(upscan_json("[\"abc", 5, 1, 1, &sc) == 0, "json: an open string stops the scan");
	CHECK(upscan_json("[\"a\\", 4, 1, 1, &sc) == 0, "json: a trailing backslash reads nothing past the end");
	CHECK(upscan_json("", 0, 1, 1, &sc) == 0 && sc.sets == 0, "json: empty");

	CHECK(upscan_csv("h\na\nb\n", strlen("h\na\nb\n"), 3, &sc) == 0 && sc.answers == 3, "csv: three records");
	CHECK(upscan_csv("h\na\nb", strlen("h\na\nb"), 3, &sc) == 0 && sc.answers == 3, "csv: the last without its line break");
	CHECK(upscan_csv("h\na\nb\nc\n", strlen("h\na\nb\nc\n"), 3, &sc) == 1, "csv: four records are over three");
	CHECK(upscan_csv("h\n\"a\nb\"\"\nc\"\nd\n", strlen("h\n\"a\nb\"\"\nc\"\nd\n"), 3, &sc) == 0 && sc.answers == 3,
	    "csv: line breaks inside quotes are inside a record");
	CHECK(upscan_csv("h\r\na\r\n", strlen("h\r\na\r\n"), 2, &sc) == 0 && sc.answers == 2, "csv: CRLF");
	CHECK(upscan_csv("\"open", strlen("\"open"), 0, &sc) == 1, "csv: an open quote is still a record");
	CHECK(upscan_csv("", strlen(""), 0, &sc) == 0 && sc.answers == 0, "csv: empty");
}

int
main(void)
{
	counts();
	limits();
	return T_DONE();
}
