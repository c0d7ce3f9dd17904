/* test_simindex.c: the encoded wave scores exactly as similar_score_n (bit for bit, same questions
 * both answered) on random and hostile answers, and its top list is the full sort's head.  The
 * answers reach the index as Q_SIMILAR_ENCODED's flat text (encode() below writes it as the SQL
 * does); hostile texts (odd strings, numbers jansson reads differently or rejects, malformed text)
 * score as the same document parsed by jansson. */
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

/* Appends to b (room checked by the caller's size) LEN ':' BYTES. */
static void
lstr(char *b, const char *v)
{
	sprintf(b + strlen(b), "%zu:%s", strlen(v), v);
}

/* A value as Q_SIMILAR_ENCODED writes it (numbers as jansson would print them back: an integer as
 * digits, a real with 17 digits). */
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

static char *
encode(json_t *answers)
{
	static char b[4096];
	const char *code;
	json_t *v;

	b[0] = '\0';
	json_object_foreach(answers, code, v) {
		lstr(b, code);
		encode_value(b, v, 0);
	}
	return b;
}

/* Hostile flat texts and the JSON document each stands for (as jsonb would print it). */
static const struct { const char *enc, *json; int unreadable; } hostile[] = {
	{ "10:population" "n1000;", "{\"population\": 1000}", 0 },
	{ "10:population" "n1e3;", "{\"population\": 1e3}", 0 },		/* a real, 1000 */
	{ "10:population" "n1000.0;", "{\"population\": 1000.0}", 0 },
	{ "10:population" "n-0;", "{\"population\": -0}", 0 },
	{ "10:population" "n-0.0;", "{\"population\": -0.0}", 0 },
	{ "10:population" "n1049.999999999999999999999;", "{\"population\": 1049.999999999999999999999}", 0 },
	{ "10:population" "n9223372036854775807;", "{\"population\": 9223372036854775807}", 0 },
	{ "10:population" "n9007199254740993;", "{\"population\": 9007199254740993}", 0 },
	{ "10:population" "n1e-400;", "{\"population\": 1e-400}", 0 },	/* underflow: read as 0 */
	/* jansson rejects the whole document: nothing answered */
	{ "10:population" "n9223372036854775808;4:mode" "s1:a", "{\"population\": 9223372036854775808, \"mode\": \"a\"}", 0 },
	{ "4:mode" "s1:a" "10:population" "n-9223372036854775809;", "{\"mode\": \"a\", \"population\": -9223372036854775809}", 0 },
	{ "4:mode" "s1:a" "2:zz" "n1e400;", "{\"mode\": \"a\", \"zz\": 1e400}", 0 },
	{ "4:mode" "s1:a" "2:sf" "a2;s1:an99999999999999999999;", "{\"mode\": \"a\", \"sf\": [\"a\", 99999999999999999999]}", 0 },
	{ "4:mode" "s1:a" "2:zz" "o", "{\"mode\": \"a\", \"zz\": {\"x\": 1e999}}", 1 },
	/* odd strings, unicode, empty and mixed lists */
	{ "4:mode" "s5:a:1;b" "2:sf" "a3;s3:s1:s0:s2:\xc3\xa9", "{\"mode\": \"a:1;b\", \"sf\": [\"s1:\", \"\", \"\u00e9\"]}", 0 },
	{ "4:mode" "s3:\xe2\x82\xac" "4:tags" "a0;" "2:sf" "a0;", "{\"mode\": \"\u20ac\", \"tags\": [], \"sf\": []}", 0 },
	{ "2:sf" "a5;xxn1.5;s1:as1:a" "4:tags" "a2;s1:bx", "{\"sf\": [null, {\"a\": 1}, 1.5, \"a\", \"a\"], \"tags\": [\"b\", [1]]}", 0 },
	{ "4:fund" "t" "4:open" "f" "4:kind" "z" "4:note" "o" "4:mode" "a1;s1:a", "{\"fund\": true, \"open\": false, \"kind\": null, \"note\": {}, \"mode\": [\"a\"]}", 0 },
	{ "4:fund" "n1;" "4:mode" "t" "2:sf" "s1:a" "4:kind" "s1:\n", "{\"fund\": 1, \"mode\": true, \"sf\": \"a\", \"kind\": \"\\n\"}", 0 },
	{ "7:unknown" "s1:a" "4:mode" "s1:b", "{\"unknown\": \"a\", \"mode\": \"b\"}", 0 },
	{ "", "{}", 0 },
	/* malformed text (never from the SQL): nothing answered, no crash */
	{ "4:mode" "s9:a", "{}", 0 },
	{ "4:mode" "q", "{}", 0 },
	{ "99:mode", "{}", 0 },
	{ "4:mode" "a9;s1:a", "{}", 0 },
	{ "4:mode" "s1:a" "10:population" "n12", "{}", 0 },
	{ "10:population" "nabc;", "{}", 0 },
	{ "10:population" "n12x;", "{}", 0 },
	{ "4:mode" "s99999999999:a", "{}", 0 },
};
#define NH (sizeof(hostile) / sizeof(hostile[0]))

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
		if (simindex_add_encoded(x, slugs[i], names[i], i == N - 1 ? NULL : encode(rows[i]), 0) == -1)
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

	/* the hostile texts against each other and against the random rows */
	{
		json_t *doc[NH];
		size_t h, g;
		int parsed = 0;

		x = simindex_new(types);
		bad = 0;
		for (h = 0; h < NH; h++) {
			doc[h] = json_loads(hostile[h].json, JSON_DECODE_ANY, NULL);	/* view_answer_json */
			parsed += doc[h] != NULL;
			if (simindex_add_encoded(x, "h", "h", hostile[h].enc, hostile[h].unreadable) == -1)
				bad++;
		}
		for (i = 0; i < N - 1; i++)
			if (simindex_add_encoded(x, slugs[i], names[i], encode(rows[i]), 0) == -1)
				bad++;
		CHECK(bad == 0 && simindex_seal(x) == 0, "hostile texts added");
		CHECK(parsed == (int)NH - 5, "jansson rejects the documents with out-of-range numbers");
		for (h = 0; h < NH; h++) {
			for (g = 0; g < NH; g++) {
				size_t b1 = 0, b2 = 0;
				double s1 = similar_score_n(types, doc[h], doc[g], NULL, &b1);
				double s2 = simindex_score(x, (int)h, (int)g, &b2);
				if (memcmp(&s1, &s2, sizeof(s1)) != 0 || b1 != b2) {
					bad++;
					printf("# hostile %zu vs %zu: %.17g/%zu, want %.17g/%zu\n", h, g, s2, b2, s1, b1);
				}
			}
			for (i = 0; i < N - 1; i++) {
				size_t b1 = 0, b2 = 0;
				double s1 = similar_score_n(types, doc[h], rows[i], NULL, &b1);
				double s2 = simindex_score(x, (int)h, (int)(NH + (size_t)i), &b2);
				if (memcmp(&s1, &s2, sizeof(s1)) != 0 || b1 != b2)
					bad++;
				s1 = similar_score_n(types, rows[i], doc[h], NULL, &b1);
				s2 = simindex_score(x, (int)(NH + (size_t)i), (int)h, &b2);
				if (memcmp(&s1, &s2, sizeof(s1)) != 0 || b1 != b2)
					bad++;
			}
		}
		CHECK(bad == 0, "hostile texts score as jansson's reading of the same documents, bit for bit");
		CHECK(simindex_score(x, 9, 0, NULL) == -1 && simindex_score(x, 13, 0, NULL) == -1,
		    "a rejected or unreadable document answers nothing");
		CHECK(simindex_score(x, 0, 1, NULL) == 1 && simindex_score(x, 0, 3, NULL) == 0,
		    "1e3 is 1000 and -0 is no population");
		for (h = 0; h < NH; h++)
			json_decref(doc[h]);
		simindex_free(x);
	}
	simindex_free(NULL);
	for (i = 0; i < N; i++)
		json_decref(rows[i]);
	json_decref(types);
	return T_DONE();
}
