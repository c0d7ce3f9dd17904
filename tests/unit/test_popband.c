/* test_popband.c: population bands from the blocks in population order (popband.h) against the long
 * way (wavefacts_cohort's members, wavefacts_tally, wavemetrics_ranks) on random waves: ties of
 * population, cities without one, negative ones, missing values, NaN, ties of value, both
 * higher_is_better; bands empty, of one city, of the whole wave, with ends inside a block and on block
 * edges, for several block sizes; the city inside the band, outside it, without a value, NaN. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "popband.h"
#include "t.h"

static unsigned long long rng = 88172645463325252ull;

static unsigned
rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

struct wave {
	struct wavefacts *w;
	struct wavemetrics *m;
	size_t nc;
	int *city;
	long long *pop;
};

static void
make_wave(struct wave *x, size_t nc, size_t nf, size_t nm, int popspread)
{
	static const double pick[] = { 0, 1, 1, 2.5, -3, 7, 7, 100, NAN };
	const char **facts = calloc(nf + 1, sizeof(char *)), **text = calloc(4 * nm + 1, sizeof(char *));
	size_t *start = calloc(nc + 1, sizeof(size_t)), nks = 0, i, j;
	unsigned short *ks = calloc(nc * 8 + 1, sizeof(unsigned short));
	double *values = calloc(nm * nc + 1, sizeof(double));
	unsigned char *has = calloc(nm * nc + 1, 1);
	int *hib = calloc(nm + 1, sizeof(int));
	char name[64];
	void *b;
	size_t len;

	x->nc = nc;
	x->city = calloc(nc + 1, sizeof(int));
	x->pop = calloc(nc + 1, sizeof(long long));
	for (i = 0; i < nf; i++) {
		snprintf(name, sizeof(name), i % 3 ? "q%zu=o%zu" : "q%zu", i / 3, i % 3);
		facts[i] = strdup(name);
	}
	for (i = 0; i < nc; i++) {
		unsigned r = rnd(12);

		x->city[i] = (int)(i ? x->city[i - 1] : 0) + 1 + (int)rnd(3);
		x->pop[i] = r == 0 ? INT64_MIN : r == 1 ? -(long long)rnd(5) : (long long)rnd((unsigned)popspread);
		start[i] = nks;
		for (j = rnd(nf ? 8 : 1); j > 0 && nf; j--)
			ks[nks++] = (unsigned short)rnd((unsigned)nf);
	}
	start[nc] = nks;
	for (i = 0; i < 4 * nm; i++) {
		snprintf(name, sizeof(name), "m%zu.%zu", i / 4, i % 4);
		text[i] = strdup(name);
	}
	for (i = 0; i < nm; i++)
		hib[i] = (int)(i % 2);
	for (i = 0; i < nm * nc; i++) {
		has[i] = rnd(5) != 0;
		values[i] = rnd(3) ? pick[rnd(sizeof(pick) / sizeof(pick[0]))] : (double)rnd(1000) / 8;
	}
	b = wavefacts_flat_make(3, nf, facts, nc, x->city, start, ks, nks, x->pop, NULL, &len);
	x->w = wavefacts_from_flat(b, len);
	b = wavemetrics_flat_make(3, nm, text, hib, nc, x->city, values, has, 0, NULL, NULL, NULL, NULL, 0, 0, &len);
	x->m = wavemetrics_from_flat(b, len);
	for (i = 0; i < nf; i++)
		free((void *)facts[i]);
	for (i = 0; i < 4 * nm; i++)
		free((void *)text[i]);
	free(facts);
	free(text);
	free(start);
	free(ks);
	free(values);
	free(has);
	free(hib);
}

static void
free_wave(struct wave *x)
{
	wavefacts_free(x->w);
	wavemetrics_free(x->m);
	free(x->city);
	free(x->pop);
}

/* The band [min, max] (given: no NULL parameter) and the cities asked about, both ways; 1 alike. */
static int
alike(const struct popband *p, const struct wave *x, const char *min, const char *max, const int *cities,
    size_t ncities, const char *what)
{
	const char *params[5] = { "population", NULL, min, max, NULL };
	long long lo = 0, hi = 0;
	int *ids = NULL, ok = 1;
	size_t nids = 0, i, nf = wavefacts_nfacts(x->w);
	json_t *codes = json_array();
	uint32_t *a, *b;

	if (!wavefacts_band(params, &lo, &hi) || wavefacts_cohort(x->w, params, &ids, &nids, codes) != 0)
		return 0;
	if (popband_size(p, lo, hi) != nids) {
		printf("# %s [%s, %s]: %zu cities, want %zu\n", what, min ? min : "-", max ? max : "-",
		    popband_size(p, lo, hi), nids);
		ok = 0;
	}
	a = popband_tally(p, x->w, lo, hi);
	b = wavefacts_tally(x->w, ids, nids);
	if (a == NULL || b == NULL || memcmp(a, b, (nf ? nf : 1) * sizeof(*a)) != 0) {
		printf("# %s [%s, %s]: tallies differ\n", what, min ? min : "-", max ? max : "-");
		ok = 0;
	}
	free(a);
	free(b);
	for (i = 0; i < ncities && ok; i++) {
		json_t *r1 = popband_ranks(p, x->m, lo, hi, cities[i]);
		json_t *r2 = wavemetrics_ranks(x->m, ids, nids, cities[i]);
		char *s1 = r1 ? json_dumps(r1, JSON_SORT_KEYS) : NULL, *s2 = r2 ? json_dumps(r2, JSON_SORT_KEYS) : NULL;

		if ((s1 == NULL) != (s2 == NULL) || (s1 && strcmp(s1, s2) != 0)) {
			printf("# %s [%s, %s] city %d:\n#  %s\n#  %s\n", what, min ? min : "-", max ? max : "-",
			    cities[i], s1 ? s1 : "(null)", s2 ? s2 : "(null)");
			ok = 0;
		}
		free(s1);
		free(s2);
		json_decref(r1);
		json_decref(r2);
	}
	json_decref(codes);
	free(ids);
	return ok;
}

static int
cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

/* Every kind of band of wave x with blocks of b cities; 1 when all alike. */
static int
bands(const struct wave *x, size_t b)
{
	struct popband *p = popband_make(x->w, x->m, b);
	long long *sorted = malloc((x->nc + 1) * sizeof(long long));
	size_t n = 0, i, k;
	int ok = p != NULL, few[8], nfew = 0, stranger = x->nc ? x->city[x->nc - 1] + 1 : 1;
	char a[32], z[32];

	for (i = 0; i < x->nc; i++)
		if (x->pop[i] != INT64_MIN)
			sorted[n++] = x->pop[i];
	qsort(sorted, n, sizeof(*sorted), cmp_ll);
	for (i = 0; i < 6 && x->nc; i++)
		few[nfew++] = x->city[rnd((unsigned)x->nc)];
	few[nfew++] = stranger;	/* not a city of the wave: refused both ways */
	if (!ok)
		goto out;
	/* the whole wave, defaults, nothing, an empty range, a negative band */
	ok &= alike(p, x, NULL, NULL, x->city, x->nc, "whole");
	ok &= alike(p, x, "-9223372036854775807", "9223372036854775807", x->city, x->nc, "everything");
	ok &= alike(p, x, "5", "4", few, (size_t)nfew, "min above max");
	ok &= alike(p, x, "1000000", NULL, few, (size_t)nfew, "above every city");
	ok &= alike(p, x, "-5", "-1", few, (size_t)nfew, "negative");
	ok &= alike(p, x, NULL, "0", few, (size_t)nfew, "zero only");
	/* bands whose ends are the populations at block edges and around them, and at random */
	for (i = 0; i < n && ok; i++) {
		int edge = i % b == 0 || i % b == b - 1 || i % b == 1;

		if (!edge && rnd(4))
			continue;
		k = i + rnd((unsigned)(n - i));
		if (rnd(3) == 0)
			k = i + (b - i % b) % b + b * rnd(3);	/* to an edge further on */
		if (k >= n)
			k = n - 1;
		snprintf(a, sizeof(a), "%lld", sorted[i]);
		snprintf(z, sizeof(z), "%lld", sorted[k] - (long long)(rnd(4) == 0));
		ok &= alike(p, x, a, z, few, (size_t)nfew, "edges");
		snprintf(z, sizeof(z), "%lld", sorted[i]);
		ok &= alike(p, x, a, z, few, (size_t)nfew, "one population");
		snprintf(a, sizeof(a), "%lld", sorted[i] + 1);
		ok &= alike(p, x, a, z, few, (size_t)nfew, "empty between");
	}
	for (i = 0; i < n && ok; i += 1 + rnd(20)) {
		snprintf(a, sizeof(a), "%lld", sorted[i]);
		snprintf(z, sizeof(z), "%lld", sorted[i + rnd((unsigned)(n - i))]);
		ok &= alike(p, x, a, z, x->city, x->nc, "every city asked");
	}
out:
	popband_free(p);
	free(sorted);
	return ok;
}

int
main(void)
{
	static const size_t bs[] = { 1, 2, 3, 7, 16, 128 };
	struct wave x, y;
	size_t t, i;
	int ok;
	char name[96];

	for (t = 0; t < 24; t++) {
		size_t nc = t == 0 ? 0 : t == 1 ? 1 : 1 + rnd(t < 12 ? 60 : 600);
		int spread = t % 3 == 0 ? 4 : t % 3 == 1 ? 40 : 100000;

		make_wave(&x, nc, t == 2 ? 0 : 1 + rnd(40), t == 3 ? 0 : 1 + rnd(4), spread);
		CHECK(x.w != NULL && x.m != NULL, "a random wave made");
		for (i = 0, ok = 1; i < sizeof(bs) / sizeof(bs[0]); i++)
			ok &= bands(&x, bs[i]);
		snprintf(name, sizeof(name), "wave %zu (%zu cities, populations 0 to %d): bands as the long way", t,
		    nc, spread);
		CHECK(ok, name);
		free_wave(&x);
	}
	make_wave(&x, 50, 5, 2, 10);
	make_wave(&y, 51, 5, 2, 10);
	CHECK(popband_make(x.w, y.m, 16) == NULL, "facts and metrics of other cities: refused");
	CHECK(popband_make(x.w, x.m, 0) == NULL, "blocks of no city: refused");
	free_wave(&x);
	free_wave(&y);
	return T_DONE();
}
