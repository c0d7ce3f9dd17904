/* test_answer.c: one answer for people and programs, and whether two answers say the same; the whole
 * numbers of view_int beside them. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "answer.h"
#include "buf.h"
#include "view.h"
#include "t.h"

static char *
int_text(long long n)
{
	struct buf b = BUF_INIT;

	view_int(&b, n);
	return buf_steal(&b, NULL);
}

static char *
answer_text(const char *q, const char *v, int asked)
{
	struct buf b = BUF_INIT;
	json_t *jq = q ? json_loads(q, 0, NULL) : NULL, *jv = v ? json_loads(v, JSON_DECODE_ANY, NULL) : NULL;

	answer_html(&b, jq, jv, asked);
	json_decref(jq);
	json_decref(jv);
	if (b.data == NULL)
		buf_puts(&b, "");
	return buf_steal(&b, NULL);
}

static char *
csv_text_of(const char *v)
{
	struct buf b = BUF_INIT;
	json_t *jv = json_loads(v, JSON_DECODE_ANY, NULL);

	answer_csv(&b, jv);
	json_decref(jv);
	if (b.data == NULL)
		buf_puts(&b, "");
	return buf_steal(&b, NULL);
}

static int
same(const char *code, const char *a, const char *b)
{
	json_t *ja = json_loads(a, JSON_DECODE_ANY, NULL), *jb = json_loads(b, JSON_DECODE_ANY, NULL);
	int r = answer_same(code, ja, jb);

	json_decref(ja);
	json_decref(jb);
	return r;
}

#define FREE_CHECK_STR(expr, want, name) do { char *s_ = (expr); CHECK_STR(s_, want, name); free(s_); } while (0)

int
main(void)
{
	json_t *qs, *q;

	/* Numbers: separators from five digits on; the extremes do not overflow. */
	FREE_CHECK_STR(int_text(0), "0", "view_int 0");
	FREE_CHECK_STR(int_text(2018), "2018", "view_int keeps a year whole");
	FREE_CHECK_STR(int_text(12345), "12,345", "view_int 12,345");
	FREE_CHECK_STR(int_text(2800000), "2,800,000", "view_int 2,800,000");
	FREE_CHECK_STR(int_text(-1234567), "-1,234,567", "view_int negative");
	FREE_CHECK_STR(int_text(LLONG_MIN), "-9,223,372,036,854,775,808", "view_int LLONG_MIN");

	/* Answers: the three kinds of missing stay apart, text is escaped, codes become labels. */
	FREE_CHECK_STR(answer_text(NULL, NULL, 0), "<span class=\"not-asked\">— not asked</span>", "not asked");
	FREE_CHECK_STR(answer_text(NULL, "null", 1), "<span class=\"unanswered\">(no answer)</span>", "asked, no answer");
	FREE_CHECK_STR(answer_text(NULL, "false", 1), "<span class=\"no\">No</span>", "false is No");
	FREE_CHECK_STR(answer_text(NULL, "0", 1), "0", "zero is zero");
	FREE_CHECK_STR(answer_text("{\"type\":\"text\"}", "\"<script>&\"", 1), "&lt;script&gt;&amp;", "text escaped");
	FREE_CHECK_STR(answer_text("{\"type\":\"single\",\"options\":[{\"code\":\"a\",\"label\":\"<A>\"}]}", "\"a\"", 1),
	    "&lt;A&gt;", "single: the label, escaped");
	FREE_CHECK_STR(answer_text("{\"type\":\"single\",\"options\":[]}", "\"<x>\"", 1), "&lt;x&gt;",
	    "single: an unknown code is shown escaped");
	FREE_CHECK_STR(answer_text("{\"code\":\"innovation_activities\",\"type\":\"multi\",\"options\":[]}", "[\"b\",\"a\"]", 1),
	    "<ol class=\"options\"><li>b</li><li>a</li></ol>", "the ranked question is an ordered list");
	FREE_CHECK_STR(answer_text("{\"code\":\"x\",\"type\":\"multi\",\"options\":[]}", "[]", 1),
	    "<span class=\"none\">none of the options</span>", "an empty list is an answer");

	/* Changes: order matters only in the ranked question; a multiset, not a set. */
	CHECK(same("policy_areas", "[\"a\",\"b\"]", "[\"b\",\"a\"]") == 1, "same options in another order: same");
	CHECK(same("innovation_activities", "[\"a\",\"b\"]", "[\"b\",\"a\"]") == 0, "ranked: another order is a change");
	CHECK(same("policy_areas", "[\"a\",\"a\"]", "[\"a\",\"b\"]") == 0, "duplicates counted");
	CHECK(same("policy_areas", "[\"a\"]", "[\"a\",\"b\"]") == 0, "one more option: changed");
	CHECK(same("x", "null", "false") == 0, "null is not false");
	CHECK(same("x", "3", "3") == 1, "equal numbers");

	/* CSV cells: yes/no, numbers exact, a list joined by ';', text neutralised, null empty. */
	FREE_CHECK_STR(csv_text_of("true"), "yes", "csv: true is yes");
	FREE_CHECK_STR(csv_text_of("false"), "no", "csv: false is no");
	FREE_CHECK_STR(csv_text_of("null"), "", "csv: null is empty");
	FREE_CHECK_STR(csv_text_of("0.1"), "0.1", "csv: a real reads back");
	FREE_CHECK_STR(csv_text_of("[\"a\",\"b\"]"), "a;b", "csv: a list joined");
	FREE_CHECK_STR(csv_text_of("\"=1+1\""), "'=1+1", "csv: a formula neutralised");

	/* Questionnaire lookups. */
	qs = json_loads("[{\"code\":\"a\",\"options\":[{\"code\":\"x\",\"label\":\"Ex\"}]},{\"code\":\"b\"}]",
	    0, NULL);
	q = answer_question(qs, "a");
	CHECK(q != NULL && answer_question(qs, "c") == NULL && answer_question(NULL, "a") == NULL,
	    "answer_question finds a code, and only a code it has");
	CHECK_STR(answer_option_label(q, "x"), "Ex", "answer_option_label: the label");
	CHECK_STR(answer_option_label(q, "y"), "y", "answer_option_label: an unknown code stays");
	CHECK(answer_has_option(q, "x") && !answer_has_option(q, "y") && !answer_has_option(NULL, "x"),
	    "answer_has_option");
	json_decref(qs);
	return T_DONE();
}
