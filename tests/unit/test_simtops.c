/* test_simtops.c: the similar lists kept per index and carried to the next (simtops.h) against
 * simindex_top on the same index: random waves (few options, so ties; names that tie), lists asked
 * for at every limit; then versions that change a few cities' answers (some copied from another city,
 * so that they enter its list and its neighbours'), rename one, drop one, add one, and change none;
 * every city's list from the carried lists must be simindex_top's (rows, scores to the bit, questions
 * both answered, order), through chains of versions and through the flat copies the workers read.
 * Between versions only some cities are asked for, at one limit each, so that short lists are carried
 * again; some cities answer nothing or are unreadable.  A change of questions, or more changed rows
 * than CARRY_MAX, carries nothing.  The prints' SipHash-2-4 against the reference vectors. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "simhits.h"
#include "simindex.h"
#include "simtops.h"
#include "siphash.h"
#include "t.h"

#define TRIALS 120
#define STEPS 4
#define MAXC 90
#define NQ 8

static const char *qtypes[NQ] = { "single", "single", "bool", "multi", "multi", "integer", "bool", "single" };

struct city {
	char slug[16], name[16], enc[512];
	int live, unread;
};

static struct city cs[MAXC + STEPS + 1];
static size_t ncs;

static void
lstr(char *b, const char *v)
{
	sprintf(b + strlen(b), "%zu:%s", strlen(v), v);
}

/* A city's answers as Q_SIMILAR_ENCODED writes them (test_simindex.c has the format). */
static void
answers(char *b, int nopt)
{
	char code[8], o[8];
	int q, k, i;

	b[0] = '\0';
	if (rand() % 15 == 0)
		return;		/* nothing answered */
	for (q = 0; q < NQ; q++) {
		if (rand() % 7 == 0)
			continue;	/* not answered */
		snprintf(code, sizeof(code), "q%d", q);
		lstr(b, q == 5 ? "population" : code);
		if (strcmp(qtypes[q], "single") == 0) {
			snprintf(o, sizeof(o), "o%d", rand() % nopt);
			strcat(b, "s");
			lstr(b, o);
		} else if (strcmp(qtypes[q], "bool") == 0) {
			strcat(b, rand() % 2 ? "t" : "f");
		} else if (strcmp(qtypes[q], "multi") == 0) {
			k = rand() % 4;
			sprintf(b + strlen(b), "a%d;", k);
			for (i = 0; i < k; i++) {
				snprintf(o, sizeof(o), "o%d", rand() % nopt);
				strcat(b, "s");
				lstr(b, o);
			}
		} else {
			sprintf(b + strlen(b), "n%d;", (rand() % 6) * 100000);
		}
	}
}

static json_t *
types_of(int other)
{
	json_t *t = json_object();
	char code[8];
	int q;

	for (q = 0; q < NQ; q++) {
		snprintf(code, sizeof(code), "q%d", q);
		json_object_set_new(t, q == 5 ? "population" : code, json_string(other && q == 2 ? "single" : qtypes[q]));
	}
	return t;
}

/* The live cities in a random order, as an index; through its flat copy half the time. */
static struct simindex *
build(json_t *types)
{
	struct simindex *x = simindex_new(types);
	size_t order[MAXC + STEPS + 1], i, j;

	for (i = 0; i < ncs; i++)
		order[i] = i;
	for (i = ncs; i > 1; i--) {
		size_t t;
		j = (size_t)rand() % i;
		t = order[i - 1];
		order[i - 1] = order[j];
		order[j] = t;
	}
	for (i = 0; i < ncs; i++)
		if (cs[order[i]].live)
			simindex_add_encoded(x, cs[order[i]].slug, cs[order[i]].name, cs[order[i]].enc, cs[order[i]].unread);
	return simhits_seal(x, rand() % 2 == 0);
}

/* Cities' lists from t against simindex_top; the wrong ones.  all: every city at every limit; else
 * about half the cities, at one random limit each (so that short lists stay short). */
static int
check(struct simtops *t, const struct simindex *x, int all)
{
	struct simindex_hit got[SIMTOPS_KEEP + 4], want[SIMTOPS_KEEP + 4];
	size_t n = simindex_size(x), me, k, l;
	int bad = 0;

	for (me = 0; me < n; me++) {
		if (!all && rand() % 2)
			continue;
		for (l = 0; l <= (all ? SIMTOPS_KEEP + 2 : 0); l++) {
			size_t lim = l == 0 ? 1 + (size_t)rand() % SIMTOPS_KEEP : l;
			k = simtops_top(t, x, (int)me, lim, got);
			bad += !simhits_same(got, k, want, simindex_top(x, (int)me, lim, want));
		}
	}
	return bad;
}

static void
mutate(int nopt)
{
	int k = rand() % 4, i;
	size_t a, b;

	if (rand() % 5 == 0)
		return;		/* a version that changed no answer (a plugin, a metric) */
	for (i = 0; i < k; i++) {
		a = (size_t)rand() % ncs;
		b = (size_t)rand() % ncs;
		if (rand() % 2)
			memcpy(cs[a].enc, cs[b].enc, sizeof(cs[a].enc));	/* now like b */
		else
			answers(cs[a].enc, nopt);
	}
	if (rand() % 3 == 0)
		snprintf(cs[rand() % ncs].name, sizeof(cs[0].name), "Town %d", rand() % 3);
	if (rand() % 4 == 0)
		cs[rand() % ncs].live = 0;
	if (rand() % 3 == 0 && ncs < MAXC + STEPS + 1) {
		snprintf(cs[ncs].slug, sizeof(cs[0].slug), "n%03zu", ncs);
		snprintf(cs[ncs].name, sizeof(cs[0].name), "Town %d", rand() % 3);
		memcpy(cs[ncs].enc, cs[(size_t)rand() % ncs].enc, sizeof(cs[0].enc));
		cs[ncs].unread = 0;
		cs[ncs++].live = 1;
	}
}

int
main(void)
{
	size_t trial, step, served = 0, carried = 0, scores = 0, i;
	int bad = 0, badcarry = 0, nocarry = 0;
	json_t *types = types_of(0), *other = types_of(1);

	srand(2611);
	for (trial = 0; trial < TRIALS; trial++) {
		int nopt = 1 + rand() % 4;
		struct simindex *x, *nx;
		struct simtops *t, *nt;

		ncs = 2 + (size_t)rand() % (MAXC - 2);
		for (i = 0; i < ncs; i++) {
			snprintf(cs[i].slug, sizeof(cs[i].slug), "c%03zu", i);
			snprintf(cs[i].name, sizeof(cs[i].name), "Town %d", rand() % 3);
			answers(cs[i].enc, nopt);
			cs[i].live = 1;
			cs[i].unread = rand() % 40 == 0;
		}
		x = build(types);
		t = simtops_new(x);
		bad += check(t, x, rand() % 2);
		for (step = 0; step < STEPS; step++) {
			struct simtops_carried c;
			mutate(nopt);
			nx = build(types);
			nt = simtops_carry(t, x, nx, &c);
			if (nt == NULL) {
				nocarry += simtops_kept(t) > 0;
				nt = simtops_new(nx);
			}
			carried += c.lists;
			scores += c.scores;
			bad += check(nt, nx, step == STEPS - 1);
			if (step != STEPS - 1)	/* one question a city: answered by a carried list */
				served += simtops_answered(nt);
			simtops_free(t);
			simindex_free(x);
			t = nt;
			x = nx;
		}
		/* other questions: nothing carried */
		nx = build(other);
		if ((nt = simtops_carry(t, x, nx, NULL)) != NULL)
			badcarry++;
		simtops_free(nt);
		simindex_free(nx);
		/* more changed rows than carrying is worth: nothing carried */
		for (i = 0; i < ncs; i++)
			answers(cs[i].enc, 5);
		if (ncs > 64 + 8) {
			nx = build(types);
			if ((nt = simtops_carry(t, x, nx, NULL)) != NULL)
				badcarry++;
			simtops_free(nt);
			simindex_free(nx);
		}
		simtops_free(t);
		simindex_free(x);
	}
	printf("# %zu lists carried, %zu answers from kept lists after a carry, %zu scores to carry, %d versions not carried\n",
	    carried, served, scores, nocarry);
	CHECK(bad == 0, "every list, kept, carried or scored, is simindex_top's");
	CHECK(carried > 1000 && served > 1000, "lists are carried and answer without a new pass");
	CHECK(nocarry == 0, "a version of a few changes is carried");
	CHECK(badcarry == 0, "other questions, or too many changes, carry nothing");
	CHECK(simtops_carry(NULL, NULL, NULL, NULL) == NULL, "nothing to carry: NULL");
	{	/* SipHash-2-4's reference vectors: key 00..0f, messages 00..(n-1), fed in pieces */
		static const uint64_t want[] = { 0x726fdb47dd0e0e31ull, 0x74f839c593dc67fdull, 0x0d6c8009d9a94f5aull,
		    0x85676696d7fb7e2dull, 0xcf2794e0277187b7ull, 0x18765564cd99a68dull, 0xcbc9466e58fee3ceull,
		    0xab0200f58b01d137ull, 0x93f5f5799a932462ull, 0x9e0082df0ba9e4b0ull, 0x7a5dbbc594ddb9f3ull,
		    0xf4b32f46226bada7ull, 0x751e8fbc860ee5fbull, 0x14ea5627c0843d90ull, 0xf723ca908e7af2eeull,
		    0xa129ca6149be45e5ull, 0x3f2acc7f57c29bdbull };
		unsigned char key[16], msg[17];
		int ok = 1;
		for (i = 0; i < 16; i++)
			key[i] = (unsigned char)i;
		for (i = 0; i < 17; i++)
			msg[i] = (unsigned char)i;
		for (i = 0; i < 17; i++) {
			struct siphash h;
			size_t cut = i / 3, cut2 = i / 2;
			siphash_init(&h, key);
			siphash_add(&h, msg, cut);
			siphash_add(&h, msg + cut, cut2 - cut);
			siphash_add(&h, msg + cut2, i - cut2);
			ok &= siphash_end(&h) == want[i];
		}
		CHECK(ok, "SipHash-2-4 gives the reference vectors, fed in pieces");
	}
	json_decref(types);
	json_decref(other);
	return T_DONE();
}
