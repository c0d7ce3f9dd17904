/* test_wavemetrics.c: a wave's metric values in their flat form (wavemetrics.h): the city's ranks
 * within a cohort as Q_PEERS_METRICS_IDS counts them (ties, a missing value, NaN above every number,
 * higher_is_better false, a city without a value); a city not in the block refuses; truncated,
 * stretched or corrupt blocks are refused. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "wavemetrics.h"
#include "t.h"

static int
is(json_t *row, const char *key, double want)
{
	json_t *v = json_object_get(row, key);

	return v != NULL && json_is_number(v) && fabs(json_number_value(v) - want) < 1e-9;
}

int
main(void)
{
	const char *text[] = { "m_up", "Up", "%", "higher is better", "m_down", "Down \xc3\xa9", "", "lower" };
	const char *codes[] = { "dedicated_funding", "funding_sources" };
	int hib[] = { 1, 0 };
	int city[] = { 2, 5, 8, 11 };
	/* metric by metric, city by city */
	double values[] = { 10, 10, NAN, 0, 3, 0, 1, 3 };
	unsigned char has[] = { 1, 1, 1, 0, 1, 0, 1, 1 };
	int cohort[] = { 2, 5, 8, 11 }, stranger[] = { 2, 4 };
	size_t len = 0, i;
	void *b = wavemetrics_flat_make(7, 2, text, hib, 4, city, values, has, 2, codes, &len), *c;
	struct wavemetrics *w;
	json_t *r, *m;
	int refused = 1;

	CHECK(b != NULL && len > 0, "made");
	c = malloc(len);
	memcpy(c, b, len);
	w = wavemetrics_from_flat(b, len);
	CHECK(w != NULL && wavemetrics_version(w) == 7, "read back, its version kept");
	CHECK(wavemetrics_choice_code(w, "funding_sources") && !wavemetrics_choice_code(w, "mayor"),
	    "choice question codes");
	r = wavemetrics_ranks(w, cohort, 4, 2);
	CHECK(r != NULL && json_array_size(r) == 2, "two metrics");
	m = json_array_get(r, 0);
	CHECK_STR(json_string_value(json_object_get(m, "id")), "m_up", "in the block's order");
	CHECK(is(m, "value", 10) && is(m, "rank", 2) && is(m, "of", 3) && is(m, "percentile", 200.0 / 3),
	    "a tie is not better, NaN is above every number, a missing value is not counted");
	m = json_array_get(r, 1);
	CHECK_STR(json_string_value(json_object_get(m, "title")), "Down \xc3\xa9", "the title kept");
	CHECK(json_is_false(json_object_get(m, "higher_is_better")) && is(m, "rank", 2) && is(m, "of", 3) &&
	    is(m, "percentile", 200.0 / 3), "lower is better: one below");
	json_decref(r);
	r = wavemetrics_ranks(w, cohort, 4, 11);
	m = json_array_get(r, 0);
	CHECK(json_is_null(json_object_get(m, "value")) && json_is_null(json_object_get(m, "rank")) &&
	    is(m, "of", 3) && json_is_null(json_object_get(m, "percentile")), "a city without a value");
	json_decref(r);
	r = wavemetrics_ranks(w, cohort, 3, 11);
	m = json_array_get(r, 1);
	CHECK(is(m, "rank", 2) && is(m, "of", 2) && is(m, "percentile", 50), "one below when lower is better");
	json_decref(r);
	CHECK(wavemetrics_ranks(w, cohort, 4, 8) == NULL,
	    "the city's own value NaN (not JSON): refused, PostgreSQL's path answers");
	r = wavemetrics_ranks(w, cohort, 0, 5);
	m = json_array_get(r, 0);
	CHECK(is(m, "rank", 1) && is(m, "of", 0) && json_is_null(json_object_get(m, "percentile")),
	    "an empty cohort");
	json_decref(r);
	CHECK(wavemetrics_ranks(w, stranger, 2, 2) == NULL, "a cohort city not in the wave: refused");
	CHECK(wavemetrics_ranks(w, cohort, 4, 3) == NULL, "a city not in the wave: refused");
	wavemetrics_free(w);
	for (i = 0; i < len + 8; i++) {	/* every truncation, and stretched */
		unsigned char *t = calloc(1, len + 8);

		memcpy(t, c, i < len ? i : len);
		if (i != len && (w = wavemetrics_from_flat(t, i)) != NULL) {
			refused = 0;
			wavemetrics_free(w);
		} else {
			free(t);
		}
	}
	CHECK(refused, "every truncation and stretch refused");
	{
		/* cities out of order, a has byte not 0 or 1, a string offset past the end, unterminated */
		size_t at[] = { 32 + 64 + 4, 32 + 64 + 16 + 32 + 8, 32 + 64 + 16 + 4, len - 1 };
		unsigned char v[] = { 0, 7, 0xff, 'q' };
		int k, all = 1;

		for (k = 0; k < 4; k++) {
			unsigned char *t = malloc(len);

			memcpy(t, c, len);
			t[at[k]] = v[k];
			if ((w = wavemetrics_from_flat(t, len)) != NULL) {
				all = 0;
				wavemetrics_free(w);
			} else {
				free(t);
			}
		}
		CHECK(all, "aimed corruptions refused");
	}
	free(c);
	return t_fail != 0;
}
