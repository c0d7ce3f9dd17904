/* idseek.h: a city id found in an increasing array of ids, the next member of a cohort sorted by id
 * starting where the previous one was found (the per-version blocks' city columns: wavefacts.c,
 * wavemetrics.c). */
#ifndef CITYBENCH_IDSEEK_H
#define CITYBENCH_IDSEEK_H

#include <stddef.h>
#include <stdint.h>

/* The index of id in ids (n of them, increasing) at or after from, where ids[from] <= id is the common
 * case: a gallop from there, then a binary search; otherwise (ids asked not increasing) the whole
 * array is searched, as it is for from n or more.  -1 when id is not there. */
long idseek(const int32_t *ids, size_t n, size_t from, int32_t id);

#endif
