/* test_simtop.c: simindex_top (scored a question at a time over the whole wave, option bits for multi
 * questions, ranks for the tie-break) against a brute force over similar_score_n on the same
 * documents: many random waves with ties, unanswered questions, answers of the wrong kind, lists with
 * duplicates and non-strings, questions of more than 64 options, a `population` question of any type;
 * the same rows, scores to the bit and questions both answered, in the same order, from the index and
 * from its flat copy. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "similar.h"
#include "simindex.h"
#include "t.h"

#define WAVES 300
#define MAXC 70

static const char *types_pool[] = { "multi", "multi", "single", "bool", "integer", "text" };

static char opt[100][24];
static size_t nopt;		/* options of this wave: few (ties) or more than 64 */

static json_t *
value(const char *code, const char *type)
{
	int r = rand() % 24, i, k;
	json_t *v;

	if (r == 0)
		return NULL;
	if (r == 1)
		return json_null();
	if (r == 2)
		return json_integer(rand() % 3);
	if (r == 3)
		return json_string(opt[(size_t)rand() % nopt]);
	if (r == 4)
		return json_boolean(rand() % 2);
	if (r == 5)
		return json_pack("[s, i, s, n]", opt[0], 1, opt[0]);	/* a duplicate, non-strings */
	if (r == 6)
		return json_real((rand() % 8) / 4.0);
	if (strcmp(code, "population") == 0 && r < 16)
		return r % 3 ? json_integer(rand() % 40 * 50 - 100) : json_real((rand() % 3000) / 10.0);
	if (strcmp(type, "multi") == 0) {
		v = json_array();
		k = rand() % (r == 7 ? 12 : 5);
		for (i = 0; i < k; i++)
			json_array_append_new(v, json_string(opt[(size_t)rand() % nopt]));
		return v;
	}
	if (strcmp(type, "single") == 0)
		return json_string(opt[(size_t)rand() % (nopt < 3 ? nopt : 3)]);
	if (strcmp(type, "bool") == 0)
		return json_boolean(rand() % 2);
	if (strcmp(type, "integer") == 0)
		return json_integer(rand() % 5);
	return json_string("text");
}

static void
lstr(char *b, const char *v)
{
	sprintf(b + strlen(b), "%zu:%s", strlen(v), v);
}

/* A value as Q_SIMILAR_ENCODED writes it (as in test_simindex.c). */
static void
encode_value(char *b, json_t *v, int item)
{
	size_t i;
	json_t *o;

	if (json_is_string(v)) {
		strcat(b, "s");
		lstr(b, json_string_value(v));
	} else if (json_is_integer(v)) {
		sprintf(b + strlen(b), "n%lld;", (long long)json_integer_value(v));
	} else if (json_is_real(v)) {
		sprintf(b + strlen(b), "n%.17g;", json_real_value(v));
	} else if (item) {
		strcat(b, "x");
	} else if (json_is_boolean(v)) {
		strcat(b, json_is_true(v) ? "t" : "f");
	} else if (json_is_array(v)) {
		sprintf(b + strlen(b), "a%zu;", json_array_size(v));
		json_array_foreach(v, i, o)
			encode_value(b, o, 1);
	} else if (json_is_object(v)) {
		strcat(b, "o");
	} else {
		strcat(b, "z");
	}
}

static const char *
encode(json_t *answers)
{
	static char b[16384];
	const char *code;
	json_t *v;

	b[0] = '\0';
	json_object_foreach(answers, code, v) {
		lstr(b, code);
		encode_value(b, v, 0);
	}
	return b;
}

static char names[MAXC][32], slugs[MAXC][32];

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

/* How many of `got` differ from the head of the full order `all` (n long) for limit k. */
static int
differ(const struct simindex_hit *got, size_t ngot, const struct simindex_hit *all, size_t n, size_t k)
{
	size_t m;
	int d = ngot != (n < k ? n : k);

	for (m = 0; !d && m < ngot; m++)
		if (got[m].row != all[m].row || got[m].both != all[m].both ||
		    memcmp(&got[m].score, &all[m].score, sizeof(double)) != 0)
			d++;
	return d;
}

int
main(void)
{
	static struct simindex_hit all[MAXC], top[MAXC];
	static json_t *docs[MAXC];
	static const size_t limits[] = { 1, 3, 10, 33, MAXC };
	size_t w, i, j, l, tops = 0, bitsets = 0, generic = 0;
	int bad = 0, badflat = 0, badscore = 0;

	srand(1818);
	for (w = 0; w < WAVES; w++) {
		json_t *types = json_object();
		size_t nq = 1 + (size_t)rand() % 10, nc = 1 + (size_t)rand() % MAXC, nall, len;
		struct simindex *x, *y;
		char code[32];
		void *flat;

		nopt = w % 5 == 0 ? 70 + (size_t)rand() % 30 : 1 + (size_t)rand() % 8;
		for (i = 0; i < nopt; i++)
			snprintf(opt[i], sizeof(opt[i]), "o%zu", i);
		for (i = 0; i < nq; i++) {
			const char *t = types_pool[rand() % 6];
			if (i == 0 && rand() % 2)
				snprintf(code, sizeof(code), "population");
			else
				snprintf(code, sizeof(code), "q%zu", i);
			if (strcmp(code, "population") == 0 && rand() % 2)
				t = "integer";
			json_object_set_new(types, code, json_string(t));
		}
		x = simindex_new(types);
		for (i = 0; i < nc; i++) {
			const char *c;
			json_t *t;
			docs[i] = json_object();
			json_object_foreach(types, c, t) {
				json_t *v = rand() % 6 == 0 ? NULL : value(c, json_string_value(t));
				if (v)
					json_object_set_new(docs[i], c, v);
			}
			snprintf(names[i], sizeof(names[i]), "Town %d", rand() % 4);	/* ties by name */
			snprintf(slugs[i], sizeof(slugs[i]), "s%03zu", (i * 37) % nc);
			if (simindex_add_encoded(x, slugs[i], names[i], encode(docs[i]), 0) == -1)
				bad++;
		}
		if (simindex_seal(x) == -1 || (flat = simindex_flat(x, &len)) == NULL ||
		    (y = simindex_from_flat(flat, len)) == NULL) {
			bad++;
			break;
		}
		if (nopt > 64)
			generic++;
		else
			bitsets++;
		for (i = 0; i < nc; i++) {
			nall = 0;
			for (j = 0; j < nc; j++) {
				size_t b = 0, b2 = 0;
				double s = similar_score_n(types, docs[i], docs[j], NULL, &b), s2;
				s2 = simindex_score(x, (int)i, (int)j, &b2);
				if (memcmp(&s, &s2, sizeof(s)) != 0 || b != b2)
					badscore++;
				if (j == i || s < 0)
					continue;
				all[nall].row = (int)j;
				all[nall].score = s;
				all[nall].both = b;
				nall++;
			}
			qsort(all, nall, sizeof(*all), full_cmp);
			for (l = 0; l < sizeof(limits) / sizeof(limits[0]); l++) {
				size_t k = limits[l];
				bad += differ(top, simindex_top(x, (int)i, k, top), all, nall, k);
				badflat += differ(top, simindex_top(y, (int)i, k, top), all, nall, k);
				tops++;
			}
		}
		for (i = 0; i < nc; i++)
			json_decref(docs[i]);
		simindex_free(y);
		simindex_free(x);
		json_decref(types);
	}
	printf("# %zu waves, %zu top lists (%zu waves with option bits, %zu with over 64 options)\n",
	    w, tops, bitsets, generic);
	CHECK(w == WAVES && bitsets > 0 && generic > 0, "every wave built, both ways of scoring lists");
	CHECK(badscore == 0, "every pair scores as similar_score_n, bit for bit");
	CHECK(bad == 0, "every top list is the head of similar_score_n's full order (rows, scores, both)");
	CHECK(badflat == 0, "and so is the flat copy's");
	return T_DONE();
}
