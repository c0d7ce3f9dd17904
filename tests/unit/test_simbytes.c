/* test_simbytes.c: simindex_top's byte columns and 16-bit counts (issue 18, ninth session) against a
 * brute force over similar_score_n: waves of many questions, singles of over 255 options given (no
 * byte column: the cells are read), and a hostile shape where adding the ones of single questions
 * at once would change last bits. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "similar.h"
#include "simindex.h"
#include "t.h"
#define MAXC 330

static char opt[400][24];
static size_t nopt;

static void
lstr(char *b, const char *v)
{
	sprintf(b + strlen(b), "%zu:%s", strlen(v), v);
}

/* A value as Q_SIMILAR_ENCODED writes it (as in test_simtop.c). */
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
	static char b[65536];
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

/* A random answer of a question of type `type` (sometimes of another kind, sometimes none). */
static json_t *
value(const char *code, const char *type, size_t singles, size_t city)
{
	int r = rand() % 30, i, k;
	json_t *v;

	if (r == 0)
		return NULL;
	if (r == 1)
		return json_null();
	if (r == 2)
		return json_string(opt[(size_t)rand() % nopt]);
	if (r == 3)
		return json_boolean(rand() % 2);
	if (r == 4)
		return json_integer(rand() % 3);
	if (strcmp(code, "population") == 0)
		return json_integer(rand() % 40 * 50 - 100);
	if (strcmp(type, "multi") == 0) {
		v = json_array();
		k = rand() % 7;
		for (i = 0; i < k; i++)
			json_array_append_new(v, json_string(opt[(size_t)rand() % (nopt < 9 ? nopt : 9)]));
		return v;
	}
	if (strcmp(type, "single") == 0)
		return json_string(opt[singles > 255 && rand() % 8 ? city % singles : (size_t)rand() % 5]);
	if (strcmp(type, "bool") == 0)
		return json_boolean(rand() % 2);
	return json_integer(rand() % 5);
}

/* Brute force: every top list of the index x (and of its flat copy) is the head of similar_score_n's
 * full order over docs. */
static int
check_wave(json_t *types, json_t **docs, size_t nc, struct simindex *x, int *badscore)
{
	static struct simindex_hit all[MAXC], top[MAXC];
	static const size_t limits[] = { 1, 5, 10, 40, MAXC };
	size_t i, j, l, nall, len;
	int bad = 0;
	void *flat = simindex_flat(x, &len);
	struct simindex *y = flat ? simindex_from_flat(flat, len) : NULL;

	if (y == NULL)
		return 1;
	for (i = 0; i < nc; i++) {
		nall = 0;
		for (j = 0; j < nc; j++) {
			size_t b = 0, b2 = 0;
			double s = similar_score_n(types, docs[i], docs[j], NULL, &b), s2;
			s2 = simindex_score(x, (int)i, (int)j, &b2);
			if (memcmp(&s, &s2, sizeof(s)) != 0 || b != b2)
				(*badscore)++;
			if (j == i || s < 0)
				continue;
			all[nall].row = (int)j;
			all[nall].score = s;
			all[nall].both = b;
			nall++;
		}
		qsort(all, nall, sizeof(*all), full_cmp);
		for (l = 0; l < sizeof(limits) / sizeof(limits[0]); l++) {
			bad += differ(top, simindex_top(x, (int)i, limits[l], top), all, nall, limits[l]);
			bad += differ(top, simindex_top(y, (int)i, limits[l], top), all, nall, limits[l]);
		}
	}
	simindex_free(y);
	return bad;
}

static double
jaccard(const int *a, const int *b, int k)
{
	int i, shared = 0, either = 0;

	for (i = 0; i < k; i++) {
		shared += a[i] && b[i];
		either += a[i] || b[i];
	}
	return either == 0 ? 1.0 : (double)shared / (double)either;
}

int
main(void)
{
	static json_t *docs[MAXC];
	static const char *pool[] = { "multi", "single", "single", "bool", "bool", "integer", "text" };
	size_t w, i, j, q, wide = 0;
	int bad = 0, badscore = 0, naive = 0, seqbad = 0;

	srand(1919);
	/* random waves of many questions: singles of few options (a byte column) or of 256 to 300
	 * (no byte column: the cells are read), bools, multi questions between them, a population */
	for (w = 0; w < 24; w++) {
		json_t *types = json_object();
		size_t singles = w % 8 == 0 ? 400 : 1 + (size_t)rand() % 6;
		size_t nq = singles > 255 ? 20 + (size_t)rand() % 10 : 20 + (size_t)rand() % 120;
		size_t nc = singles > 255 ? MAXC : 2 + (size_t)rand() % 160;
		struct simindex *x;
		char code[32];

		nopt = singles > 9 ? singles : 9;
		for (i = 0; i < nopt; i++)
			snprintf(opt[i], sizeof(opt[i]), "o%zu", i);
		for (q = 0; q < nq; q++) {
			if (q == 7)
				snprintf(code, sizeof(code), "population");
			else
				snprintf(code, sizeof(code), "q%zu", q);
			json_object_set_new(types, code, json_string(q == 7 ? "integer" : pool[rand() % 7]));
		}
		x = simindex_new(types);
		for (i = 0; i < nc; i++) {
			const char *c;
			json_t *t;
			docs[i] = json_object();
			json_object_foreach(types, c, t) {
				json_t *v = value(c, json_string_value(t), singles, i);
				if (v)
					json_object_set_new(docs[i], c, v);
			}
			snprintf(names[i], sizeof(names[i]), "Town %d", rand() % 3);
			snprintf(slugs[i], sizeof(slugs[i]), "s%03zu", (i * 37) % nc);
			if (simindex_add_encoded(x, slugs[i], names[i], encode(docs[i]), 0) == -1)
				bad++;
		}
		if (simindex_seal(x) == -1)
			bad++;
		else
			bad += check_wave(types, docs, nc, x, &badscore);
		wide += singles > 255;
		for (i = 0; i < nc; i++)
			json_decref(docs[i]);
		simindex_free(x);
		json_decref(types);
	}
	CHECK(wide > 0 && bad == 0 && badscore == 0,
	    "waves of 20 to 140 questions, singles of few and of over 255 options given: every top list as "
	    "similar_score_n's, bit for bit, from the index and its flat copy");

	/* The hazard the pass avoids: a multi question (a fraction), ones, another fraction, ones.
	 * Adding the ones of the single questions at once (ints + fractions) rounds differently from
	 * adding them one at a time for some cities; the index must give the sequential sums. */
	{
		json_t *types = json_object();
		static int lists[MAXC][2][12];
		struct simindex *x;
		size_t nc = 160, k;
		char code[32];

		nopt = 12;
		for (i = 0; i < nopt; i++)
			snprintf(opt[i], sizeof(opt[i]), "o%zu", i);
		json_object_set_new(types, "m1", json_string("multi"));
		for (q = 0; q < 9; q++) {
			snprintf(code, sizeof(code), "a%zu", q);
			json_object_set_new(types, code, json_string("single"));
		}
		json_object_set_new(types, "m2", json_string("multi"));
		for (q = 0; q < 9; q++) {
			snprintf(code, sizeof(code), "b%zu", q);
			json_object_set_new(types, code, json_string(q % 2 ? "single" : "bool"));
		}
		x = simindex_new(types);
		for (i = 0; i < nc; i++) {
			json_t *v;
			docs[i] = json_object();
			for (k = 0; k < 2; k++) {
				v = json_array();
				for (j = 0; j < 12; j++)
					if ((lists[i][k][j] = rand() % 3 == 0 || (i == 0 && j < 3)))
						json_array_append_new(v, json_string(opt[j]));
				json_object_set_new(docs[i], k ? "m2" : "m1", v);
			}
			for (q = 0; q < 9; q++) {
				snprintf(code, sizeof(code), "a%zu", q);
				json_object_set_new(docs[i], code, json_string(i == 0 || rand() % 5 ? "x" : "y"));
				snprintf(code, sizeof(code), "b%zu", q);
				json_object_set_new(docs[i], code, q % 2 ? json_string(i == 0 || rand() % 5 ? "x" : "y") :
				    json_boolean(i == 0 || rand() % 5));
			}
			snprintf(names[i], sizeof(names[i]), "T%zu", i);
			snprintf(slugs[i], sizeof(slugs[i]), "t%03zu", i);
			if (simindex_add_encoded(x, slugs[i], names[i], encode(docs[i]), 0) == -1)
				bad++;
		}
		for (j = 1; j < nc; j++) {	/* city 0 against each: the terms in order, and at once */
			double seq = 0, j1 = jaccard(lists[0][0], lists[j][0], 12), j2 = jaccard(lists[0][1], lists[j][1], 12);
			int ones1 = 0, ones2 = 0, t;
			size_t b;
			for (q = 0; q < 9; q++) {
				char c2[32];
				snprintf(code, sizeof(code), "a%zu", q);
				ones1 += json_equal(json_object_get(docs[0], code), json_object_get(docs[j], code));
				snprintf(c2, sizeof(c2), "b%zu", q);
				ones2 += json_equal(json_object_get(docs[0], c2), json_object_get(docs[j], c2));
			}
			seq += j1;
			for (t = 0; t < ones1; t++)
				seq += 1.0;
			seq += j2;
			for (t = 0; t < ones2; t++)
				seq += 1.0;
			if (memcmp(&seq, &(double){ (double)(ones1 + ones2) + (j1 + j2) }, sizeof(seq)) != 0 ||
			    memcmp(&seq, &(double){ (j1 + j2) + (double)(ones1 + ones2) }, sizeof(seq)) != 0)
				naive++;
			seq /= 20.0;
			if (memcmp(&seq, &(double){ similar_score_n(types, docs[0], docs[j], NULL, &b) }, sizeof(seq)) != 0)
				seqbad++;
		}
		printf("# %d of %zu cities' sums change when the ones are added at once\n", naive, nc - 1);
		CHECK(seqbad == 0, "the terms in order are similar_score_n's");
		CHECK(naive > 0, "summing the ones at once would change some scores' last bits");
		CHECK(simindex_seal(x) == 0 && check_wave(types, docs, nc, x, &badscore) == 0 && badscore == 0,
		    "the index's top lists are the sequential sums', bit for bit");
		for (i = 0; i < nc; i++)
			json_decref(docs[i]);
		simindex_free(x);
		json_decref(types);
	}
	return T_DONE();
}
