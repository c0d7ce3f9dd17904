/* test_simlists.c: the similar lists shared by the workers (simlists.h).  Every row's list put under
 * an index's print reads back as simindex_top's (rows, scores to the bit, questions both answered);
 * nothing reads back under another print, for a row past the index, or past SIMLISTS_ROWS; a second
 * index of the same rows prints alike (built again, or through its flat copy), one city changed prints
 * otherwise; lists put by a child process read in the parent; a fifth print takes the least recently
 * used table; and two processes writing the same row while a third reads it: every list read is one
 * of the two written, whole (the sequence numbers), never a mix. */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "simhits.h"
#include "simindex.h"
#include "simlists.h"
#include "simtops.h"
#include "t.h"

#define NC 60

static char enc[NC][256];

static void
lstr(char *b, const char *v)
{
	sprintf(b + strlen(b), "%zu:%s", strlen(v), v);
}

/* Q_SIMILAR_ENCODED's text for a city: two singles and a bool, few options (so, ties). */
static void
answers(char *b)
{
	char o[8];

	b[0] = '\0';
	lstr(b, "a");
	snprintf(o, sizeof(o), "o%d", rand() % 3);
	strcat(b, "s");
	lstr(b, o);
	lstr(b, "b");
	snprintf(o, sizeof(o), "o%d", rand() % 4);
	strcat(b, "s");
	lstr(b, o);
	lstr(b, "c");
	strcat(b, rand() % 2 ? "t" : "f");
}

static struct simindex *
build(int flat)
{
	json_t *types = json_pack("{s:s, s:s, s:s}", "a", "single", "b", "single", "c", "bool");
	struct simindex *x = simindex_new(types);
	char slug[16];
	int i;

	json_decref(types);
	for (i = 0; i < NC; i++) {
		snprintf(slug, sizeof(slug), "c%02d", i);
		simindex_add_encoded(x, slug, slug, enc[i], 0);
	}
	return simhits_seal(x, flat);
}

/* Every row's list put under fp (when put), then read back against simindex_top: the rows that differ. */
static int
roundtrip(struct simlists *s, const struct simindex *x, uint64_t fp, int put)
{
	struct simindex_hit want[SIMTOPS_KEEP], got[SIMTOPS_KEEP];
	size_t k;
	int me, bad = 0;

	for (me = 0; me < NC; me++) {
		k = simindex_top(x, me, SIMTOPS_KEEP, want);
		if (put)
			simlists_put(s, fp, me, want, k);
		/* a city with nothing in common with any other has no list to share */
		bad += k == 0 ? simlists_get(s, fp, NC, me, got) != -1 : !simhits_same(got, simlists_get(s, fp, NC, me, got), want, k);
	}
	return bad;
}

/* Two writers of row 0 (lists of 12 hits on row 1, of 11 hits on row 2: whole lists, so that a read
 * caught between two writes shows) and a reader: the lists read that are neither, whole. */
static int
torn_reads(struct simlists *s, uint64_t fp)
{
	struct simindex_hit a[SIMTOPS_KEEP], b[SIMTOPS_KEEP], got[SIMTOPS_KEEP];
	pid_t w[2];
	long k;
	int i, j, live, bad = 0, read = 0;

	for (i = 0; i < SIMTOPS_KEEP; i++) {
		a[i].row = 1, a[i].score = 0.25 + i, a[i].both = 3;
		b[i].row = 2, b[i].score = 0.5 + i, b[i].both = 5;
	}
	for (i = 0; i < 2; i++)
		if ((w[i] = fork()) == 0) {
			long n;
			for (n = 0; n < 1000000; n++)
				simlists_put(s, fp, 0, i ? b : a, i ? SIMTOPS_KEEP - 1 : SIMTOPS_KEEP);
			_exit(0);
		}
	for (j = 0, live = 2; j < 2; j++)
		if (w[j] < 0)
			w[j] = 0, live--;	/* no such writer */
	/* reading until both writers are done (each put 1,000,000 times) */
	for (i = 0; live > 0; i++) {
		if ((k = simlists_get(s, fp, NC, 0, got)) >= 0) {
			read++;
			if (!(simhits_same(got, k, a, SIMTOPS_KEEP) || simhits_same(got, k, b, SIMTOPS_KEEP - 1)) && bad++ == 0)
				printf("# read %ld hits, the first on row %d (%g, %zu)\n", k, got[0].row, got[0].score, got[0].both);
		}
		if (i % 1024 == 0)
			for (j = 0; j < 2; j++)
				if (w[j] > 0 && waitpid(w[j], NULL, WNOHANG) == w[j])
					w[j] = 0, live--;
	}
	CHECK(read > 0, "the reader read lists while two processes wrote them");
	return bad;
}

int
main(void)
{
	struct simlists *s = simlists_new();
	struct simindex *x, *y, *z;
	struct simindex_hit want[SIMTOPS_KEEP], got[SIMTOPS_KEEP];
	uint64_t fp, f2;
	unsigned char key[16] = "simlists-test-k";
	size_t k;
	int i, status;
	pid_t child;

	simindex_key(key);
	srand(7);
	for (i = 0; i < NC; i++)
		answers(enc[i]);
	CHECK(s != NULL, "the shared tables are made");
	x = build(0);
	y = build(1);
	fp = simlists_print(x, "2020");
	CHECK(fp != 0 && fp == simlists_print(y, "2020"), "an index built again, through its flat copy, prints alike");
	CHECK(simlists_print(x, "2018") != fp, "another wave prints otherwise");
	CHECK(simlists_get(s, fp, NC, 3, got) == -1, "nothing is shared before it is put");
	CHECK(roundtrip(s, x, fp, 1) == 0, "every row's list reads back as simindex_top's");
	CHECK(roundtrip(s, y, fp, 0) == 0, "and in the other index of the same print");
	CHECK(simlists_get(s, fp ^ 1, NC, 3, got) == -1, "nothing reads under another print");
	k = simindex_top(x, 3, SIMTOPS_KEEP, want);
	CHECK(k > 0 && simlists_get(s, fp, (size_t)want[0].row, 3, got) == -1,
	    "nor for an index too short for a row it names");
	CHECK(simlists_get(s, fp, NC, -1, got) == -1 && simlists_get(s, fp, SIMLISTS_ROWS + 5, SIMLISTS_ROWS, got) == -1,
	    "nor for a row outside the tables");
	simlists_put(s, fp, SIMLISTS_ROWS, want, k);	/* past the tables: not written anywhere */

	/* one city changed: another print, and nothing of the old index's reads under it */
	answers(enc[NC / 2]);
	strcat(enc[NC / 2], "1:dsx");	/* unknown question: ignored by the score, but in the print */
	z = build(0);
	f2 = simlists_print(z, "2020");
	CHECK(f2 != fp, "an index with one city changed prints otherwise");
	CHECK(simlists_get(s, f2, NC, 3, got) == -1, "and finds none of the other's lists");

	/* a child's lists, read by the parent */
	if ((child = fork()) == 0) {
		roundtrip(s, z, f2, 1);
		_exit(0);
	}
	waitpid(child, &status, 0);
	CHECK(WIFEXITED(status) && roundtrip(s, z, f2, 0) == 0, "the lists a child process put read in the parent");
	CHECK(roundtrip(s, x, fp, 0) == 0, "the first print's lists are still there (two tables in use)");

	/* three more prints: the least recently used table (fp's, read just before f2's) goes to the last */
	roundtrip(s, x, fp, 0);
	roundtrip(s, z, f2, 0);
	roundtrip(s, x, fp ^ 0x100, 1);
	roundtrip(s, x, fp ^ 0x200, 1);
	CHECK(roundtrip(s, z, f2, 0) == 0, "four prints fit");
	roundtrip(s, x, fp ^ 0x300, 1);
	CHECK(simlists_get(s, fp, NC, 3, got) == -1, "a fifth takes the least recently used table");
	CHECK(roundtrip(s, z, f2, 0) == 0 && roundtrip(s, x, fp ^ 0x300, 0) == 0, "and the others stay");

	CHECK(torn_reads(s, fp ^ 0x400) == 0, "no list read is a mix of two writers'");

	simindex_free(x);
	simindex_free(y);
	simindex_free(z);
	simlists_free(s);
	return T_DONE();
}
