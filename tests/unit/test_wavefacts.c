/* test_wavefacts.c: a wave's facts in their flat form (wavefacts.h): counts summed in the block's
 * order with code and option split at the first '='; a city not in the block refuses the count;
 * truncated, stretched or corrupt blocks are refused. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "wavefacts.h"
#include "t.h"

static int
cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

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

/* Issue 18, twelfth session: the fact bits (a bit per city and fact, made on first use) against the
 * facts read one by one.  Random waves: up to 300 cities, up to 40 facts, some cities naming a fact
 * twice (then no bits: a tally counts it twice); cohorts of every size (the tally takes the bits past
 * a size), sorted or not, a member named twice; cohorts by "answered" and "answer" filters, one or
 * two at once, a fact no city has, one unknown. */
static int
random_waves(void)
{
	static char names[40][16], slugs[300][8];
	const char *facts[40], *attr[900];
	int city[300], ids[700], bad = 0, trial;
	size_t start[301];
	unsigned short ks[300 * 45];

	for (trial = 0; trial < 300; trial++) {
		size_t nf = 1 + (size_t)rand() % 40, nc = (size_t)rand() % 300, nks = 0, len, i, j, n, got;
		int twice = trial % 5 == 0, *members = NULL;
		struct wavefacts *w;
		uint32_t *cnt;
		void *b;

		for (i = 0; i < nf; i++) {	/* in cmp_fact's order: codes, then code=option */
			if (i < nf / 2)
				snprintf(names[i], sizeof(names[i]), "q%02zu", i);
			else
				snprintf(names[i], sizeof(names[i]), "q%02zu=o%zu", i - nf / 2, i);
			facts[i] = names[i];
		}
		for (i = 0; i < nc; i++) {
			city[i] = (int)(i * 3 + 1);
			/* one wave in 50 has every row under one slug (the database has none such): the full pass */
			snprintf(slugs[i], sizeof(slugs[i]), "s%03d", trial % 50 ? (int)((i * 7919 + (size_t)trial) % 300) : 0);
			attr[3 * i] = "r";
			attr[3 * i + 1] = "c";
			attr[3 * i + 2] = slugs[i];	/* not in the ids' order */
			start[i] = nks;
			for (j = 0; j < nf; j++)
				if (rand() % 3 == 0)
					ks[nks++] = (unsigned short)j;
			if (twice && nks > start[i] && rand() % 50 == 0)
				ks[nks++] = ks[start[i]];
		}
		start[nc] = nks;
		b = wavefacts_flat_make(trial, nf, facts, nc, city, start, ks, nks, NULL, attr, &len);
		if (b == NULL || (w = wavefacts_from_flat(b, len)) == NULL) {
			bad++;
			continue;
		}
		for (j = 0; j < 12; j++) {	/* tallies */
			size_t want[40] = { 0 }, k;

			n = j == 0 ? nc : (size_t)rand() % (nc + 1);
			for (i = 0; i < n; i++)
				ids[i] = j == 0 ? city[i] : city[(size_t)rand() % (nc ? nc : 1)];
			if (nc && j % 3 == 1)
				ids[n++] = ids[0];	/* named twice */
			if (j % 2 == 0)
				qsort(ids, n, sizeof(*ids), cmp_int);
			for (i = 0; i < n; i++) {
				size_t c = (size_t)(ids[i] - 1) / 3;

				for (k = start[c]; k < start[c + 1]; k++)
					want[ks[k]]++;
			}
			if ((cnt = wavefacts_tally(w, ids, n)) == NULL) {
				bad++;
				continue;
			}
			for (k = 0; k < nf; k++)
				bad += cnt[k] != want[k];
			free(cnt);
		}
		for (j = 0; j < 6; j++) {	/* cohorts */
			char filt[200];
			const char *params[5] = { "filters", filt, NULL, NULL, NULL };
			size_t a = (size_t)rand() % nf, c2 = (size_t)rand() % nf, want = 0, c, k;
			json_t *codes = json_array();
			int two = j % 2, unknown = j == 5;

			if (a >= nf / 2 && j % 3 == 0 && !unknown)	/* "q01=o7" as an answer filter */
				snprintf(filt, sizeof(filt), "[{\"k\":\"answer\",\"c\":\"q%02zu\",\"o\":\"o%zu\"}%s%s%s]",
				    a - nf / 2, a, two ? ",{\"k\":\"answered\",\"c\":\"" : "", two ? facts[c2] : "",
				    two ? "\"}" : "");
			else
				snprintf(filt, sizeof(filt), "[{\"k\":\"answered\",\"c\":\"%s\"}%s%s%s]",
				    unknown ? "nope" : facts[a], two ? ",{\"k\":\"answered\",\"c\":\"" : "",
				    two ? facts[c2] : "", two ? "\"}" : "");
			if (wavefacts_cohort(w, params, &members, &got, codes) != 0) {
				bad++;
				json_decref(codes);
				continue;
			}
			for (c = 0; c < nc; c++) {
				int has = 0, has2 = 0;

				for (k = start[c]; k < start[c + 1]; k++) {
					has |= ks[k] == a && !unknown;
					has2 |= ks[k] == c2;
				}
				if (has && (!two || has2)) {
					bad += want >= got || members[want] != city[c];
					want++;
				}
			}
			bad += want != got;
			free(members);
			json_decref(codes);
		}
		for (j = 0; j < 8; j++) {	/* lists: by slug, unknown ones, twice; and with an answer filter */
			char list[4000] = "{", filt[4000];
			const char *lp[5] = { "list", NULL, NULL, NULL, list }, *fp[5] = { "filters", filt, NULL, NULL, NULL };
			size_t m = (size_t)rand() % 12, a = (size_t)rand() % nf, c, k, want = 0;
			int in[300] = { 0 }, with = j % 2;
			json_t *codes = json_array();

			snprintf(filt, sizeof(filt), "[%s%s%s{\"k\":\"similar\",\"s\":[", with ? "{\"k\":\"answered\",\"c\":\"" : "",
			    with ? facts[a] : "", with ? "\"}," : "");
			for (k = 0; k < m; k++) {
				const char *sl = nc && k % 4 != 3 ? slugs[(size_t)rand() % nc] : "zz-none";

				for (c = 0; c < nc; c++)
					in[c] |= strcmp(slugs[c], sl) == 0;
				snprintf(list + strlen(list), 20, "%s%s", k ? "," : "", sl);
				snprintf(filt + strlen(filt), 20, "%s\"%s\"", k ? "," : "", sl);
			}
			strcat(list, "}");
			strcat(filt, "]}]");
			if (wavefacts_cohort(w, with ? fp : lp, &members, &got, codes) != 0) {
				bad++;
				json_decref(codes);
				continue;
			}
			for (c = 0; c < nc; c++) {
				int has = !with;

				for (k = start[c]; k < start[c + 1]; k++)
					has |= ks[k] == a;
				if (in[c] && has) {
					bad += want >= got || members[want] != city[c];
					want++;
				}
			}
			bad += want != got;
			free(members);
			json_decref(codes);
		}
		wavefacts_free(w);
	}
	return bad;
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
	CHECK(random_waves() == 0, "fact bits: tallies and cohorts as the facts read one by one (300 random waves)");
	CHECK(wavefacts_fast(0) > 1000 && wavefacts_fast(1) > 1000, "most of them answered by the bits, the lists by the slugs' order");
	return t_fail != 0;
}
