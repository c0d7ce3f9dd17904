/* pgorder.h: doubles in PostgreSQL's order for double precision (NaN above every number and equal to
 * itself), as the per-version blocks rank metric values the way the database would. */
#ifndef CB_PGORDER_H
#define CB_PGORDER_H

#include <stddef.h>

/* a against b: < 0, 0, > 0. */
int pgorder_cmp(double a, double b);
/* v[0 .. n) sorted in that order. */
void pgorder_sort(double *v, size_t n);
/* In the sorted run s[0 .. n): the number of values below v (le 0), or at or below v (le 1). */
size_t pgorder_bound(const double *s, size_t n, double v, int le);

#endif
