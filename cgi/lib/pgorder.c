/* pgorder.c: doubles in PostgreSQL's order (see pgorder.h). */
#include <math.h>
#include <stdlib.h>

#include "pgorder.h"

int
pgorder_cmp(double a, double b)
{
	if (isnan(a))
		return isnan(b) ? 0 : 1;
	if (isnan(b))
		return -1;
	return (a > b) - (a < b);
}

static int
by_pg(const void *a, const void *b)
{
	return pgorder_cmp(*(const double *)a, *(const double *)b);
}

void
pgorder_sort(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), by_pg);
}

size_t
pgorder_bound(const double *s, size_t n, double v, int le)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int k = pgorder_cmp(s[mid], v);

		if (k < 0 || (le && k == 0))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}
