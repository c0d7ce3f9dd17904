/* test_optindex.c: answer_option, answer_option_label and answer_has_option look options up through a
 * per-question index (issue 18, ninth session); each answer must be the scan's: the first option with
 * the code, the code itself when none has it, "" for NULL; duplicate codes, short lists, codes that are
 * not strings or not UTF-8, lists grown or replaced after indexing, and more questions than the table
 * holds. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "view.h"
#include "t.h"

/* the former scan */
static json_t *
ref_option(json_t *q, const char *code)
{
	json_t *o;
	size_t i;

	json_array_foreach(json_object_get(q, "options"), i, o)
		if (code && strcmp(view_str(o, "code"), code) == 0)
			return o;
	return NULL;
}

static const char *const codes[] = { "a", "b", "c", "d", "e", "f", "g", "h", "", "yes", "no", "\xff\xfe",
	"caf\xc3\xa9", "x" };
#define NCODES (sizeof(codes) / sizeof(codes[0]))

static json_t *
random_question(int n)
{
	json_t *q = json_object(), *opts = json_array();
	int i;

	for (i = 0; i < n; i++) {
		json_t *o = json_object();
		int r = rand() % 20;
		if (r == 0)
			json_object_set_new(o, "code", json_integer(i));	/* not a string: "" to view_str */
		else if (r == 1)
			json_object_set_new_nocheck(o, "code", json_string_nocheck(codes[11]));	/* not UTF-8 */
		else if (r > 2)
			json_object_set_new(o, "code", json_string(codes[rand() % (NCODES - 1)]));
		json_object_set_new(o, "label", json_sprintf("label %d", i));
		if (rand() % 3 == 0)
			json_object_set_new(o, "help", json_sprintf("help %d", i));
		json_array_append_new(opts, o);
	}
	json_object_set_new(q, "options", opts);
	return q;
}

static int
check(json_t *q)
{
	size_t k;
	int ok = 1, unique;

	for (k = 0; k < NCODES; k++) {
		json_t *want = ref_option(q, codes[k]), *got = answer_option(q, codes[k], &unique);
		ok &= got == want;
		ok &= strcmp(answer_option_label(q, codes[k]), want ? view_str(want, "label") : codes[k]) == 0;
		ok &= answer_has_option(q, codes[k]) == (want != NULL);
		if (unique) {	/* said distinct: no other option has the code */
			json_t *o;
			size_t i, n = 0;
			json_array_foreach(json_object_get(q, "options"), i, o)
				n += strcmp(view_str(o, "code"), codes[k]) == 0;
			ok &= n <= 1;
		}
	}
	ok &= answer_option(q, NULL, &unique) == NULL && !unique;
	ok &= strcmp(answer_option_label(q, NULL), "") == 0 && !answer_has_option(q, NULL);
	return ok;
}

int
main(void)
{
	json_t *keep[3000], *q;
	size_t i;
	int ok = 1;

	srand(18);
	ok &= answer_option(NULL, "a", NULL) == NULL && strcmp(answer_option_label(NULL, "a"), "a") == 0;
	CHECK(ok, "answer_option: no question, no option");
	for (i = 0; i < 3000; i++) {
		keep[i] = random_question(rand() % 12);
		ok &= check(keep[i]) & check(keep[i]);	/* the second time from the index */
	}
	CHECK(ok, "answer_option: 3,000 random questions (duplicates, non-string and non-UTF-8 codes) as the scan");
	for (i = 0; i < 3000; i++)
		ok &= check(keep[i]);	/* after the table was emptied many times */
	CHECK(ok, "answer_option: again after the table was emptied");
	for (i = 0; i < 300; i++) {
		json_t *o = json_object(), *other = random_question(8);
		q = keep[rand() % 3000];
		check(q);
		json_object_set_new(o, "code", json_string(codes[rand() % (NCODES - 1)]));
		json_object_set_new(o, "label", json_string("grown"));
		json_array_append_new(json_object_get(q, "options"), o);	/* grown after indexing */
		ok &= check(q);
		json_object_set_new(q, "options", json_array());		/* replaced */
		ok &= check(q);
		json_object_set_new(q, "options", json_deep_copy(json_object_get(other, "options")));
		ok &= check(q);
		json_decref(other);
	}
	CHECK(ok, "answer_option: lists grown or replaced after indexing are indexed again");
	for (i = 0; i < 3000; i++)
		json_decref(keep[i]);
	return T_DONE();
}
