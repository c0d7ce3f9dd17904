/* test_wavefacts.c: a wave's facts in their flat form (wavefacts.h): counts summed in the block's
 * order with code and option split at the first '='; a city not in the block refuses the count;
 * truncated, stretched or corrupt blocks are refused. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "wavefacts.h"
#include "t.h"

static void
add(json_t *counts, const char *code, const char *option, json_int_t n)
{
	json_t *q = json_object_get(counts, code);

	if (q == NULL) {
		q = json_pack("{s:i, s:{}}", "answered", 0, "counts");
		json_object_set_new(counts, code, q);
	}
	if (option == NULL)
		json_object_set_new(q, "answered", json_integer(n));
	else
		json_object_set_new(json_object_get(q, "counts"), option, json_integer(n));
}

int
main(void)
{
	const char *facts[] = { "a", "b", "a=x", "a=y=z", "b=\xc3\xa9" };
	int city[] = { 3, 7, 9 };
	size_t start[] = { 0, 3, 3, 7 };
	unsigned short ks[] = { 0, 2, 1, 0, 3, 1, 4 };
	int cohort[] = { 9, 3, 9 }, stranger[] = { 3, 4 };
	size_t len = 0, i;
	void *b = wavefacts_flat_make(42, 5, facts, 3, city, start, ks, 7, NULL, NULL, &len), *c;
	struct wavefacts *w;
	json_t *counts = json_object();
	char *s;
	int refused = 1;

	CHECK(b != NULL && len > 0, "made");
	c = malloc(len);
	memcpy(c, b, len);
	w = wavefacts_from_flat(b, len);
	CHECK(w != NULL && wavefacts_version(w) == 42, "read back, its version kept");
	CHECK(wavefacts_count(w, cohort, 3, counts, add) == 0, "counted");
	s = json_dumps(counts, JSON_COMPACT);
	CHECK_STR(s, "{\"a\":{\"answered\":3,\"counts\":{\"x\":1,\"y=z\":2}},"
	    "\"b\":{\"answered\":3,\"counts\":{\"\xc3\xa9\":2}}}", "in the block's order, repeats counted again");
	free(s);
	json_decref(counts);
	counts = json_object();
	CHECK(wavefacts_count(w, stranger, 2, counts, add) == -1 && json_object_size(counts) == 0,
	    "a city not in the wave: refused, nothing added");
	json_decref(counts);
	wavefacts_free(w);
	for (i = 0; i < len; i++) {	/* every truncation */
		void *t = malloc(i + 1);

		memcpy(t, c, i);
		if ((w = wavefacts_from_flat(t, i)) != NULL) {
			refused = 0;
			wavefacts_free(w);
		} else {
			free(t);
		}
	}
	CHECK(refused, "every truncation refused");
	{
		/* a fact number past the facts, a start past the end, an unterminated string */
		size_t at[] = { len - 20 - 2, 32 + 5 * 4 + 3 * 4 + 4, len - 1 };
		unsigned char v[] = { 9, 200, 'q' };
		int k, all = 1;

		for (k = 0; k < 3; k++) {
			unsigned char *t = malloc(len);

			memcpy(t, c, len);
			t[at[k]] = v[k];
			if ((w = wavefacts_from_flat(t, len)) != NULL) {
				all = 0;
				wavefacts_free(w);
			} else {
				free(t);
			}
		}
		CHECK(all, "aimed corruptions refused");
	}
	free(c);
	return t_fail != 0;
}
