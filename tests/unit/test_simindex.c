/* test_simindex.c: the encoded wave scores exactly as similar_score_n (bit for bit, same questions
 * both answered) on random and hostile answers, and its top list is the full sort's head. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "similar.h"
#include "simindex.h"
#include "t.h"

#define N 300

static const char *opts[] = { "a", "b", "c", "d", "e", "f", "g" };

/* A random value for a question of `type`, sometimes of the wrong kind or absent. */
static json_t *
value(const char *code, const char *type)
{
	int r = rand() % 20, i, k;
	json_t *v;

	if (r == 0)
		return NULL;
	if (r == 1)
		return json_null();
	if (r == 2)
		return json_integer(rand() % 3);
	if (r == 3)
		return json_string(opts[rand() % 3]);
	if (r == 4)
		return json_true();
	if (r == 5)
		return json_pack("[s, i, s]", "a", 1, "a");	/* a duplicate and a non-string */
	if (strcmp(code, "population") == 0)
		return r % 3 ? json_integer(rand() % 3000) : json_real((rand() % 30000) / 10.0);
	if (strcmp(type, "multi") == 0) {
		v = json_array();
		k = rand() % 5;
		for (i = 0; i < k; i++)
			json_array_append_new(v, json_string(opts[rand() % 7]));
		return v;
	}
	if (strcmp(type, "single") == 0)
		return json_string(opts[rand() % 3]);
	if (strcmp(type, "bool") == 0)
		return json_boolean(rand() % 2);
	return json_string("text");
}

static json_t *rows[N];
static char slugs[N][16], names[N][16];

static int
full_cmp(const void *x, const void *y)
{
	const struct simindex_hit *a = x, *b = y;
	int c;

	if (a->score != b->score)
		return a->score < b->score ? 1 : -1;
	if (a->both != b->both)
		return a->both < b->both ? 1 : -1;
	if ((c = strcmp(names[a->row], names[b->row])) != 0)
		return c;
	return strcmp(slugs[a->row], slugs[b->row]);
}

int
main(void)
{
	json_t *types = json_loads("{\"sf\":\"multi\",\"mode\":\"single\",\"fund\":\"bool\",\"population\":"
	    "\"integer\",\"tags\":\"multi\",\"kind\":\"single\",\"open\":\"bool\",\"note\":\"text\"}", 0, NULL);
	struct simindex *x = simindex_new(types);
	struct simindex_hit all[N], top[N];
	const char *code;
	json_t *t;
	int i, j, bad = 0, badtop = 0;
	size_t n, k;

	srand(18);
	CHECK(x != NULL, "an index");
	for (i = 0; i < N; i++) {
		rows[i] = json_object();
		json_object_foreach(types, code, t) {
			json_t *v = value(code, json_string_value(t));
			if (v)
				json_object_set_new(rows[i], code, v);
		}
		snprintf(slugs[i], sizeof(slugs[i]), "c%03d", (i * 7) % N);
		snprintf(names[i], sizeof(names[i]), "Town %d", i % 40);	/* ties by name, then slug */
		if (simindex_add(x, slugs[i], names[i], i == N - 1 ? NULL : rows[i]) == -1)
			bad++;
	}
	CHECK(bad == 0 && simindex_seal(x) == 0, "every city added, sealed");
	CHECK(simindex_size(x) == N, "every city");
	CHECK(simindex_find(x, "c007") == 1 && simindex_find(x, "zzz") == -1, "found by slug");
	CHECK(strcmp(simindex_name(x, 2), names[2]) == 0, "names kept");
	for (i = 0; i < N; i++)
		for (j = 0; j < N; j++) {
			size_t b1 = 0, b2 = 0;
			double s1 = similar_score_n(types, i == N - 1 ? NULL : rows[i], j == N - 1 ? NULL : rows[j],
			    NULL, &b1);
			double s2 = simindex_score(x, i, j, &b2);
			if (memcmp(&s1, &s2, sizeof(s1)) != 0 || b1 != b2)
				bad++;
		}
	CHECK(bad == 0, "every pair scores as similar_score_n, bit for bit");
	for (i = 0; i < N; i += 7) {
		n = 0;
		for (j = 0; j < N; j++) {
			if (j == i)
				continue;
			all[n].row = j;
			if ((all[n].score = simindex_score(x, i, j, &all[n].both)) >= 0)
				n++;
		}
		qsort(all, n, sizeof(*all), full_cmp);
		for (k = 1; k <= 60; k += 29) {
			size_t got = simindex_top(x, i, k, top), m;
			if (got != (n < k ? n : k))
				badtop++;
			for (m = 0; m < got; m++)
				if (top[m].row != all[m].row || top[m].both != all[m].both ||
				    memcmp(&top[m].score, &all[m].score, sizeof(double)) != 0)
					badtop++;
		}
	}
	CHECK(badtop == 0, "the top list is the head of the full order (insertion and sort)");
	CHECK(simindex_top(x, N - 1, 10, top) == 0, "a city that answered nothing is like no city");
	CHECK(simindex_top(x, -1, 10, top) == 0 && simindex_top(x, 0, 0, top) == 0, "no row, no limit");
	CHECK(simindex_bytes(x) > 0, "bytes counted");
	simindex_free(x);
	simindex_free(NULL);
	for (i = 0; i < N; i++)
		json_decref(rows[i]);
	json_decref(types);
	return T_DONE();
}
