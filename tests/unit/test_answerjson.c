/* test_answerjson.c: view_answer_json reads the answers' common texts itself (issue 18, ninth session);
 * every value must be the one json_loads gives (same type, same dump), and every other text must still
 * go through json_loads (json_null when it fails). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "view.h"
#include "t.h"

/* json_loads' value as view_answer_json gave it before: its dump, "null" when it failed. */
static char *
reference(const char *text)
{
	json_t *v = json_loads(text, JSON_DECODE_ANY, NULL);
	char *out = json_dumps(v ? v : json_null(), JSON_COMPACT | JSON_ENCODE_ANY);

	json_decref(v);
	return out;
}

static int
same(const char *text)
{
	json_t *v = view_answer_json(text);
	char *got = v ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) : NULL, *want = reference(text);
	int ok = got && want && strcmp(got, want) == 0;

	if (!ok)
		fprintf(stderr, "# %s: got %s, want %s\n", text, got ? got : "(NULL)", want ? want : "(NULL)");
	json_decref(v);
	free(got);
	free(want);
	return ok;
}

int
main(void)
{
	static const char *const texts[] = {
		"true", "false", "null", "0", "-0", "7", "-12", "123456789012345", "1234567890123456",
		"99999999999999999999", "01", "-", "", "1.5", "-2.5e3", "1e2", " 1", "1 ", "tru", "nulls",
		"\"\"", "\"plain\"", "\"Montréal\"", "\"東京 😀\"", "\"\xe2\x80\xa8 U+2028\"", "\"a\\\"b\"",
		"\"tab\\tnew\\nline\"", "\"\\u0000\"", "\"\\u00e9\"", "\"ctl\x01\"", "\"del\x7f\"", "\"bad\xff\"",
		"\"bad\xc3\"", "\"<script>alert(1)</script>\"", "\"unterminated", "\"", "\"a\"\"b\"", "\"a\" ",
		"[]", "[ ]", "[\"a\"]", "[\"a\", \"b\"]", "[\"a\",\"b\"]", "[\"a\", \"b\", \"c\"]",
		"[\"a\", ]", "[\"a\",]", "[\"a\" ]", "[\"a\"", "[\"a\\\"\", \"b\"]", "[\"é\", \"\xe2\x80\xa8\"]",
		"[\"a\", 1]", "[1, 2]", "[true]", "[\"bad\xff\"]", "[\"ctl\x1f\"]", "[\"a\"]]", "[[\"a\"]]",
		"[\"a\", \"b\"", "[\"]", "[\"\"]", "[\"\", \"\"]", "{\"a\": 1}", "{}", "\"a\\\\\"",
	};
	size_t i;
	char name[160];
	json_t *v;

	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		snprintf(name, sizeof(name), "text %zu as json_loads reads it", i);
		CHECK(same(texts[i]), name);
	}
	v = view_answer_json("12");
	CHECK(json_is_integer(v), "an integer stays an integer");
	json_decref(v);
	v = view_answer_json("1.0");
	CHECK(json_is_real(v), "a real stays a real");
	json_decref(v);
	v = view_answer_json(NULL);
	CHECK(json_is_null(v), "NULL text is null");
	json_decref(v);
	return T_DONE();
}
