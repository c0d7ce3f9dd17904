/* test_similar.c: the similarity score of two answer sets and its reasons. */
#include <math.h>

#include <jansson.h>

#include "similar.h"
#include "t.h"

static json_t *
J(const char *s)
{
	return json_loads(s, JSON_DECODE_ANY, NULL);
}

static int
near(double a, double b)
{
	return fabs(a - b) < 1e-9;
}

int
main(void)
{
	json_t *types = J("{\"sf\":\"multi\",\"approach\":\"single\",\"fund\":\"bool\",\"population\":\"integer\","
	    "\"staff\":\"integer\",\"note\":\"text\"}");
	json_t *a = J("{\"sf\":[\"a\",\"b\",\"c\",\"d\"],\"approach\":\"x\",\"fund\":true,\"population\":1000000,"
	    "\"staff\":3,\"note\":\"hi\"}");
	json_t *same = J("{\"sf\":[\"d\",\"c\",\"b\",\"a\"],\"approach\":\"x\",\"fund\":true,\"population\":1000000,"
	    "\"staff\":99,\"note\":\"other\"}");
	json_t *b = J("{\"sf\":[\"b\",\"c\",\"e\"],\"approach\":\"y\",\"fund\":true,\"population\":1400000}");
	json_t *none = J("{\"sf\":null,\"approach\":null}");
	json_t *far = J("{\"population\":1600000}");
	json_t *empty1 = J("{\"sf\":[]}"), *empty2 = J("{\"sf\":[]}");
	json_t *reasons = json_array(), *r;
	double s;

	CHECK(near(similar_score(types, a, same, NULL), 1.0), "the same answers score 1 (order of options, integers and texts do not count)");
	CHECK(near(similar_score(types, a, a, NULL), 1.0), "a city is like itself");
	/* sf: {b,c} of {a,b,c,d,e} = 2/5; approach 0; fund 1; population within 50% 1: (0.4+0+1+1)/4 */
	s = similar_score(types, a, b, reasons);
	CHECK(near(s, 2.4 / 4), "mean of Jaccard, equality, equality and the band");
	CHECK(json_array_size(reasons) == 3, "a reason for each question with something shared");
	r = json_array_get(reasons, 0);
	CHECK(r && json_object_get(r, "question") && json_is_array(json_object_get(r, "shared")), "reasons' shape");
	{
		size_t i;
		json_t *x;
		int sf_ok = 0, fund_ok = 0, pop_ok = 0, approach = 0;
		json_array_foreach(reasons, i, x) {
			const char *q = json_string_value(json_object_get(x, "question"));
			json_t *sh = json_object_get(x, "shared");
			if (strcmp(q, "sf") == 0)
				sf_ok = json_array_size(sh) == 2 && strcmp(json_string_value(json_array_get(sh, 0)), "b") == 0 &&
				    strcmp(json_string_value(json_array_get(sh, 1)), "c") == 0 &&
				    json_integer_value(json_object_get(x, "of")) == 5;
			if (strcmp(q, "fund") == 0)
				fund_ok = json_array_size(sh) == 1 && strcmp(json_string_value(json_array_get(sh, 0)), "yes") == 0;
			if (strcmp(q, "population") == 0)
				pop_ok = json_array_size(sh) == 0;
			if (strcmp(q, "approach") == 0)
				approach = 1;
		}
		CHECK(sf_ok, "multi: the options both chose, of those either chose");
		CHECK(fund_ok, "bool: yes shared");
		CHECK(pop_ok, "population: within the band, no options");
		CHECK(!approach, "a different single answer is no reason");
	}
	CHECK(similar_score(types, a, none, NULL) == -1, "nothing answered by both: -1");
	CHECK(similar_score(types, a, J("{}"), NULL) == -1, "no answers: -1");
	CHECK(near(similar_score(types, a, far, NULL), 0), "population beyond the band: 0");
	CHECK(near(similar_score(types, far, a, NULL), 1), "1,000,000 is within 50% of 1,600,000");
	CHECK(near(similar_score(types, empty1, empty2, NULL), 1), "both chose none: the same answer");
	CHECK(near(similar_score(types, a, empty1, NULL), 0), "none against some: 0");
	CHECK(near(similar_score(J("{\"fund\":\"bool\"}"), J("{\"fund\":false}"), J("{\"fund\":false}"), NULL), 1),
	    "bool: the same no");
	CHECK(near(similar_score(J("{\"population\":\"integer\"}"), J("{\"population\":0}"), J("{\"population\":0}"),
	    NULL), 0), "a population of 0 has no band");
	CHECK(similar_score(J("{\"fund\":\"bool\"}"), J("{\"fund\":\"yes\"}"), J("{\"fund\":true}"), NULL) == -1,
	    "a value of the wrong type does not count");
	return T_DONE();
}
