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
	const char *ctext[] = { "b-town", "B Town", "Europe", "FR", "a-ville", "A \xc3\xa9", "Asia", "JP",
		"d-city", "D", "Europe", "DE", "c-burg", "C", "Asia", "JP", "e-other", "E", "Asia", "CN" };
	double place[] = { 48.5, 2.25, 0, 0, -33.125, 151.0, 1, 2, 3, 4 };
	unsigned char cflags[] = { WM_PLACE, WM_SYNTHETIC, WM_PLACE | WM_SYNTHETIC, 0, WM_PLACE };
	void *b = wavemetrics_flat_make(7, 2, text, hib, 4, city, values, has, 2, codes, ctext, place, cflags, 6,
	    1, &len), *c;
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
	{
		/* /compare's look-ups: cities by slug, their attributes, metrics by id, positions */
		long long rk, of;
		double lat, lon, v;
		size_t all_asia[] = { 1, 3 };

		CHECK(wavemetrics_exact(w), "6 values: every value of the wave is here");
		CHECK(wavemetrics_city_slug(w, "a-ville") == 1 && wavemetrics_city_slug(w, "c-burg") == 3 &&
		    wavemetrics_city_slug(w, "b-town") == 0 && wavemetrics_city_slug(w, "zz") == -1 &&
		    wavemetrics_city_slug(w, "") == -1, "cities by slug");
		CHECK_STR(wavemetrics_city_text(w, 1, 1), "A \xc3\xa9", "a city's name");
		CHECK_STR(wavemetrics_city_text(w, 2, 2), "Europe", "its region");
		CHECK_STR(wavemetrics_city_text(w, 3, 3), "JP", "its country");
		CHECK(wavemetrics_city_flags(w, 2, &lat, &lon) == (WM_PLACE | WM_SYNTHETIC) && lat == -33.125 &&
		    lon == 151.0, "synthetic, and its place");
		CHECK(wavemetrics_city_flags(w, 1, &lat, &lon) == WM_SYNTHETIC, "no place");
		CHECK(wavemetrics_metric(w, "m_down") == 1 && wavemetrics_metric(w, "nope") == -1 &&
		    wavemetrics_nmetrics(w) == 2 && !wavemetrics_metric_hib(w, 1), "metrics by id");
		CHECK(wavemetrics_value(w, 0, 2, &v) && isnan(v) && !wavemetrics_value(w, 0, 3, &v), "values");
		CHECK(wavemetrics_position(w, 0, NULL, 0, 0, &rk, &of) == 0 && rk == 2 && of == 3,
		    "every city: a tie is not better, NaN above");
		CHECK(wavemetrics_position(w, 0, NULL, 0, 2, &rk, &of) == 0 && rk == 1 && of == 3, "NaN first");
		CHECK(wavemetrics_position(w, 0, NULL, 0, 3, &rk, &of) == 0 && rk == -1 && of == 3, "no value");
		CHECK(wavemetrics_position(w, 1, NULL, 0, 3, &rk, &of) == 0 && rk == 2 && of == 3 &&
		    wavemetrics_position(w, 1, NULL, 0, 2, &rk, &of) == 0 && rk == 1,
		    "lower is better: one below, then none");
		CHECK(wavemetrics_position(w, 0, all_asia, 2, 0, &rk, &of) == 0 && rk == 1 && of == 1,
		    "a cohort's members, a city outside it ranked against them");
		CHECK(wavemetrics_position(w, 1, all_asia, 2, 3, &rk, &of) == 0 && rk == 1 && of == 1,
		    "a cohort's members, lower is better");
		CHECK(wavemetrics_position(w, 1, NULL, 0, 1, &rk, &of) == 0 && rk == -1 && of == 3,
		    "a city without a value of a metric");
		CHECK(wavemetrics_city_slug(w, "e-other") == 4 && wavemetrics_ncities(w) == 4 &&
		    !wavemetrics_value(w, 0, 4, &v) && wavemetrics_city_flags(w, 4, &lat, &lon) == WM_PLACE &&
		    lat == 3 && wavemetrics_position(w, 0, NULL, 0, 4, &rk, &of) == 0 && rk == -1 && of == 3,
		    "a city without a fact row: its texts and place, no value, no rank");
		CHECK_STR(wavemetrics_city_text(w, 4, 3), "CN", "its country");
	}
	wavemetrics_free(w);
	{
		void *d = wavemetrics_flat_make(7, 2, text, hib, 4, city, values, has, 2, codes, NULL, NULL, NULL, 7, 3, &i);

		w = wavemetrics_from_flat(d, i);
		CHECK(w != NULL && !wavemetrics_exact(w) && wavemetrics_city_slug(w, "a-ville") == -1,
		    "7 values in the wave, 6 here: not exact; no city texts");
		wavemetrics_free(w);
	}
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
		/* cities out of order, a has byte not 0 or 1, a string offset past the end, unterminated, a city's
		 * string offset past the end, a city's flags not known */
		/* the layout: header 48, values 64, place 80, city 16, text 32, codes 8, ctext 80, has 8, hib 2,
		 * cflags 5, strings */
		size_t at[] = { 48 + 64 + 80 + 4, 48 + 64 + 80 + 16 + 32 + 8 + 80, 48 + 64 + 80 + 16 + 4, len - 1,
		    48 + 64 + 80 + 16 + 32 + 8 + 4, 48 + 64 + 80 + 16 + 32 + 8 + 80 + 8 + 2 + 1 };
		unsigned char v[] = { 0, 7, 0xff, 'q', 0xff, 9 };
		int k, all = 1;

		for (k = 0; k < 6; k++) {
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
