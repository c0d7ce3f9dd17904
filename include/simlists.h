/* simlists.h: the similar lists (simtops.h) shared by the workers of a supervisor (issue 18, twelfth
 * session).
 *
 * A worker keeps each city's list once it has scored it (simtops), but each worker scores for itself:
 * with 4 workers a city's first four visits may cost four passes over its wave (simindex_top, ~0.7 M
 * instructions at 6,305 cities, half of a cold profile's).  Here the first worker to score a city
 * publishes the list, and every other worker holding the same index reads it instead of scoring.
 *
 * A list is filed under its index's print (simlists_print: the wave, the questions and every row's
 * print, in row order), so it is only ever read for the very index it was scored in: workers of two
 * data versions, or a worker that built its own index from later rows, never mix lists.  What is
 * shared is exactly simindex_top(x, me, SIMTOPS_KEEP) (fewer cities: every city there is).
 *
 * Memory made before the fork, mapped by every worker: SIMLISTS_TABLES tables (one per index in use,
 * the least recently used given to a new print) of SIMLISTS_ROWS lists (rows past that are not
 * shared).  No lock: each list is written under its own sequence number (odd while written), and a
 * reader keeps only what it read between two equal even numbers, stamped with its print; a torn,
 * stale or foreign list is a miss, never an answer.  A worker killed while writing a list leaves that
 * row of that table unshared for the supervisor's life, whatever print the table files later (its
 * number stays odd: readers and writers pass it by); nothing else. */
#ifndef CB_SIMLISTS_H
#define CB_SIMLISTS_H

#include <stddef.h>
#include <stdint.h>

#include "simindex.h"
#include "simtops.h"

#define SIMLISTS_TABLES 4
#define SIMLISTS_ROWS 16384

struct simlists;

/* The shared tables (before the fork: the children inherit them); NULL when the system will not. */
struct simlists *simlists_new(void);
void simlists_free(struct simlists *s);

/* The one the supervisor made (NULL: none, as in the command-line tool and under CITYBENCH_SIMLISTS=0;
 * simlists_get and simlists_put then find and keep nothing). */
extern struct simlists *simlists_default;

/* The print lists of index x (a wave's, named `wave`) are filed under. */
uint64_t simlists_print(const struct simindex *x, const char *wave);

/* Row me's list for the index of print fp (of `rows` rows) into out (room for SIMTOPS_KEEP hits): how
 * many, or -1 when none is shared. */
long simlists_get(struct simlists *s, uint64_t fp, size_t rows, int me, struct simindex_hit *out);

/* Shares row me's list, got[0..k) = simindex_top(x, me, SIMTOPS_KEEP, got) for the index of print fp
 * (k >= 1).  Silently not when another process writes the same row at that moment. */
void simlists_put(struct simlists *s, uint64_t fp, int me, const struct simindex_hit *got, size_t k);

#endif
