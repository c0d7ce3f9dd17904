/* simhits.h: what the similar-cities unit tests share (test_simtops.c, test_simlists.c). */
#ifndef SIMHITS_H
#define SIMHITS_H

#include <string.h>

#include "simindex.h"

/* x sealed; when flat, the index read back from its flat copy instead (x freed), as the workers get
 * it; x itself when the copy cannot be made.  NULL when sealing fails. */
static inline struct simindex *
simhits_seal(struct simindex *x, int flat)
{
	struct simindex *y;
	void *b;
	size_t len;

	if (simindex_seal(x) == -1)
		return NULL;
	if (!flat || (b = simindex_flat(x, &len)) == NULL || (y = simindex_from_flat(b, len)) == NULL)
		return x;
	simindex_free(x);
	return y;
}

/* Whether na hits (na < 0: a failed look-up) are the nb of b: rows, scores to the bit, questions both
 * answered. */
static inline int
simhits_same(const struct simindex_hit *a, long na, const struct simindex_hit *b, size_t nb)
{
	long i;

	if (na < 0 || (size_t)na != nb)
		return 0;
	for (i = 0; i < na; i++)
		if (a[i].row != b[i].row || a[i].both != b[i].both || memcmp(&a[i].score, &b[i].score, sizeof(double)) != 0)
			return 0;
	return 1;
}

#endif
