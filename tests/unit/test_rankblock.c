/* test_rankblock.c: a wave's rankings in their flat form (rankblock.h): rows read back with their
 * city's slug, name and place, metrics found by id, a city found by its slug within one metric's rows
 * only, every city found by slug; truncated, stretched or corrupt blocks (a rank past its metric's rows, a city number past the
 * cities, cities out of slug order, metrics that do not tile the rows, an unterminated string, a value JSON cannot hold) are
 * refused, and no flipped byte makes an accepted block read outside itself. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "rankblock.h"
#include "simshare.h"
#include "t.h"

#define HDR	40	/* magic, nmetrics, ncities, nrows (u32), version, strbytes, jbytes (64 bits) */
#define MET	16
#define CIT	24
#define ROW	24

static void *
corrupt(const void *c, size_t len, size_t at, const void *v, size_t n)
{
	unsigned char *t = malloc(len);

	memcpy(t, c, len);
	memcpy(t + at, v, n);
	return t;
}

static int
refused(void *t, size_t len)
{
	struct rankblock *b = rankblock_from_flat(t, len);

	if (b == NULL) {
		free(t);
		return 1;
	}
	rankblock_free(b);
	return 0;
}

int
main(void)
{
	const char *ids[] = { "share", "staff" };
	size_t mfirst[] = { 0, 3 }, mn[] = { 3, 2 };
	const char *city[] = { "ajax", "Ajax", "43.85", "-79.02", "berg", "Berg", NULL, NULL,
		"corte", "Corte \xc3\xa9", "1.5", "2.5" };
	int syn[] = { 0, 1, 0 };
	size_t rcity[] = { 1, 0, 2, 2, 0 };
	const char *rvalue[] = { "0.5", "0.5", "0.25", "12", "3.5e-05" };
	long long rrank[] = { 1, 1, 3, 1, 2 };
	size_t len = 0, first = 9, n = 9, i;
	void *blk = rankblock_flat_make(77, 2, ids, mfirst, mn, 3, city, syn, 5, rcity, rvalue, rrank, &len), *c;
	struct rankblock *b;
	struct rankblock_row o;
	int all;

	CHECK(blk != NULL && len > HDR + 2 * MET + 3 * CIT + 5 * ROW,
	    "made");
	c = malloc(len);
	memcpy(c, blk, len);
	b = rankblock_from_flat(blk, len);
	CHECK(b != NULL && rankblock_version(b) == 77, "read back, its version kept");
	CHECK(rankblock_metric(b, "staff", &first, &n) == 0 && first == 3 && n == 2, "a metric found by id");
	CHECK(rankblock_metric(b, "nope", &first, &n) == -1, "an unknown metric: none");
	rankblock_row(b, 0, &o);
	CHECK(strcmp(o.slug, "berg") == 0 && strcmp(o.name, "Berg") == 0 && o.lat == NULL && o.lon == NULL &&
	    o.synthetic == 1 && o.rank == 1 && o.value == 0.5 && strcmp(o.value_text, "0.5") == 0,
	    "a row: its city's slug, name, no place, synthetic; its value and rank");
	rankblock_row(b, 4, &o);
	CHECK(strcmp(o.slug, "ajax") == 0 && strcmp(o.lat, "43.85") == 0 && strcmp(o.lon, "-79.02") == 0 &&
	    o.rank == 2 && o.value == 3.5e-05 && strcmp(o.value_text, "3.5e-05") == 0 && o.synthetic == 0,
	    "a city's place and a value's text as given");
	rankblock_row(b, 2, &o);
	CHECK(strcmp(o.name, "Corte \xc3\xa9") == 0, "UTF-8 names kept");
	CHECK(rankblock_city(b, "ajax") == 0 && rankblock_city(b, "berg") == 1 && rankblock_city(b, "corte") == 2 &&
	    rankblock_city(b, "") == -1 && rankblock_city(b, "bergx") == -1 && rankblock_city(b, "zz") == -1,
	    "a city found by slug");
	CHECK(rankblock_find(b, 0, 3, 2) == 2 && rankblock_find(b, 3, 2, 2) == 3 &&
	    rankblock_find(b, 3, 2, 1) == -1 && rankblock_find(b, 0, 3, -1) == -1,
	    "a city's row found within one metric's rows only");
	rankblock_city_row(b, 1, &o);
	CHECK(strcmp(o.slug, "berg") == 0 && o.value_text == NULL && o.rank == 0 && o.synthetic == 1 &&
	    o.lat == NULL, "a city without its row");
	{
		const char *j;
		size_t jl;
		json_t *a;

		rankblock_json(b, 0, 3, 0, 3, &j, &jl);
		a = json_loadb(j - 1 + 1, jl, JSON_DECODE_ANY, NULL);
		CHECK(a == NULL, "rows are joined, not an array");
		{
			char *w = malloc(jl + 3);

			w[0] = '[';
			memcpy(w + 1, j, jl);
			w[jl + 1] = ']';
			w[jl + 2] = '\0';
			a = json_loads(w, 0, NULL);
			free(w);
		}
		CHECK(a && json_array_size(a) == 3 &&
		    strcmp(json_string_value(json_object_get(json_array_get(a, 0), "city")), "berg") == 0 &&
		    json_real_value(json_object_get(json_array_get(a, 2), "percentile")) == 100.0 * 1 / 3 &&
		    json_is_null(json_object_get(json_array_get(a, 0), "lat")) &&
		    json_real_value(json_object_get(json_array_get(a, 1), "lon")) == -79.02,
		    "a metric's rows as the page writes them, percentiles of its whole ranking");
		json_decref(a);
		rankblock_json(b, 0, 3, 1, 2, &j, &jl);
		CHECK(jl > 2 && j[0] == '{' && j[jl - 1] == '}' && memchr(j, '\n', jl) == NULL &&
		    strncmp(j, "{\"city\":\"ajax\"", 14) == 0 && memchr(j, ',', jl) != NULL &&
		    j[jl] == ',', "one row: its object alone, without the separator after it");
		rankblock_json(b, 3, 2, 1, 2, &j, &jl);
		CHECK(jl > 2 && j[0] == '{' && j[jl - 1] == '}' && strncmp(j, "{\"city\":\"ajax\"", 14) == 0,
		    "the last row of the last metric");
		rankblock_json(b, 3, 2, 2, 2, &j, &jl);
		CHECK(jl == 0, "an empty page");
	}
	{	/* v-rank2: the rows' JSON left in the shared slot, a page read from it, a slot taken over */
		struct simshare *sh = simshare_new((size_t)SIMSHARE_SLOTS << 16);
		const struct rankblock *g;
		const char *j, *pj;
		size_t jl, pl, k;
		const size_t pages[][4] = { { 0, 3, 0, 3 }, { 0, 3, 1, 2 }, { 3, 2, 1, 2 }, { 3, 2, 0, 2 } };
		int same = 1;

		CHECK(sh != NULL, "a shared file");
		simshare_default = sh;
		simshare_test_plant(sh, 0, "rk:2020", 77, c, len, len);
		g = rankblock_get(NULL, "2020", 77);
		CHECK(g != NULL && rankblock_version(g) == 77, "the block copied from the shared slot");
		for (k = 0; g && k < 4; k++) {
			char *want;

			rankblock_json(b, pages[k][0], pages[k][1], pages[k][2], pages[k][3], &pj, &pl);
			want = malloc(pl + 1);
			memcpy(want, pj, pl);
			rankblock_json(g, pages[k][0], pages[k][1], pages[k][2], pages[k][3], &j, &jl);
			same &= j != NULL && jl == pl && memcmp(j, want, pl) == 0;
			free(want);
		}
		CHECK(same, "pages read from the slot: the private block's bytes, first to last row");
		rankblock_row(g, 4, &o);
		CHECK(strcmp(o.slug, "ajax") == 0 && strcmp(o.lat, "43.85") == 0 && strcmp(o.value_text, "3.5e-05") == 0,
		    "the rows, cities and strings still read from the worker's part");
		simshare_test_plant(sh, 0, "rk:2020", 77, c, len, len);	/* claimed anew: another block */
		rankblock_json(g, 0, 3, 0, 3, &j, &jl);
		CHECK(j == NULL && jl == 0, "the slot taken over: no page (the caller writes the rows)");
		g = rankblock_get(NULL, "2020", 77);
		rankblock_json(b, 0, 3, 0, 3, &pj, &pl);
		{
			char *want = malloc(pl);

			memcpy(want, pj, pl);
			rankblock_json(g, 0, 3, 0, 3, &j, &jl);
			CHECK(g != NULL && j != NULL && jl == pl && memcmp(j, want, pl) == 0,
			    "then obtained anew from the slot, its pages read again");
			free(want);
		}
		simshare_test_plant(sh, 0, "rk:2020", 77, c, 0, 0);	/* emptied */
		rankblock_json(g, 0, 3, 1, 2, &j, &jl);
		CHECK(j == NULL && jl == 0, "the slot emptied: no page");
		simshare_default = NULL;
		simshare_free(sh);
	}
	rankblock_free(b);

	all = 1;
	for (i = 0; i < len; i++) {	/* every truncation */
		void *t = malloc(i + 1);

		memcpy(t, c, i);
		all &= refused(t, i);
	}
	CHECK(all, "every truncation refused");
	{
		void *t = malloc(len + 8);

		memcpy(t, c, len);
		memset((char *)t + len, 0, 8);
		CHECK(refused(t, len + 8), "a stretched block refused");
	}
	{
		unsigned r7 = 7, city9 = 9, first1 = 1, q = 'q';
		double nan = NAN;
		size_t rows = HDR + 2 * MET + 3 * CIT;

		CHECK(refused(corrupt(c, len, rows + 2 * ROW + 16, &r7, 4), len), "a rank past its metric's rows refused");
		CHECK(refused(corrupt(c, len, rows + 8, &city9, 4), len), "a city number past the cities refused");
		CHECK(refused(corrupt(c, len, HDR + MET + 4, &first1, 4), len), "metrics that do not tile the rows refused");
		uint64_t jb;

		memcpy(&jb, (char *)c + 32, 8);
		CHECK(refused(corrupt(c, len, len - (size_t)jb - 1, &q, 1), len), "an unterminated string refused");
		CHECK(refused(corrupt(c, len, len - 1, &q, 1), len), "a row's JSON cut short refused");
		CHECK(refused(corrupt(c, len, len - (size_t)jb, &q, 1), len), "a row's JSON not an object refused");
		CHECK(refused(corrupt(c, len, rows + ROW, &nan, 8), len), "a value JSON cannot hold refused");
		CHECK(refused(corrupt(c, len, 0, "XXXX", 4), len), "another magic refused");
		{
			unsigned s0, s1;	/* the first two cities' slugs swapped: not by slug */

			memcpy(&s0, (char *)c + HDR + 2 * MET, 4);
			memcpy(&s1, (char *)c + HDR + 2 * MET + CIT, 4);
			void *t = corrupt(c, len, HDR + 2 * MET, &s1, 4);
			memcpy((char *)t + HDR + 2 * MET + CIT, &s0, 4);
			CHECK(refused(t, len), "cities not in slug order refused");
		}
	}
	for (i = 0; i < len; i++) {	/* every byte flipped: an accepted block reads within itself */
		unsigned char x = (unsigned char)(((unsigned char *)c)[i] ^ 0xff);
		void *t = corrupt(c, len, i, &x, 1);

		if ((b = rankblock_from_flat(t, len)) == NULL) {
			free(t);
			continue;
		}
		if (rankblock_metric(b, "share", &first, &n) == 0) {
			size_t j;
			for (j = first; j < first + n; j++) {
				rankblock_row(b, j, &o);
				(void)strlen(o.slug);
				(void)strlen(o.value_text);
			}
			(void)rankblock_find(b, first, n, rankblock_city(b, "corte"));
		}
		rankblock_free(b);
	}
	CHECK(1, "no flipped byte read outside the block");
	{
		const char *nid[] = { "x" };
		size_t f0[] = { 0 }, n0[] = { 0 };
		void *e = rankblock_flat_make(3, 1, nid, f0, n0, 0, NULL, NULL, 0, NULL, NULL, NULL, &len);

		b = e ? rankblock_from_flat(e, len) : NULL;
		CHECK(b != NULL && rankblock_metric(b, "x", &first, &n) == 0 && n == 0, "an empty ranking kept");
		rankblock_free(b);
	}
	free(c);
	return T_DONE();
}
