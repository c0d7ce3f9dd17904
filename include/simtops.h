/* simtops.h: each city's most similar cities, kept for a wave's similarity index and carried to the
 * next data version's index (issue 18, eleventh session).
 *
 * Every profile page shows "the cities most like this one", and peers=similar:SLUG compares against
 * them: simindex_top scores the city against every city of its wave, a pass that grows with the
 * cohort (0.84 M instructions at 6,305 cities).  A worker keeps each city's list once it has scored
 * it: the first SIMTOPS_KEEP cities in simindex_top's order.  When the data version moves (an upload,
 * an edit, a survey load), the new index is told apart from the old a row at a time
 * (simindex_print): a list whose own city did not change keeps its entries among the cities that did
 * not change, and each city that changed is scored against it once and put in its place when it
 * belongs there.  So an upload costs each kept list one score per city it changed, and a visitor's
 * page after it reads the list instead of scoring the wave again.
 *
 * What a list holds is exact: the first `len` cities of the order over the whole wave.  A city that
 * falls out of a full list leaves its place unknown (the list is then shorter, still exact); a list
 * too short for a request is scored again.  A complete list (fewer than SIMTOPS_KEEP cities have
 * anything in common with its city) holds every such city. */
#ifndef CB_SIMTOPS_H
#define CB_SIMTOPS_H

#include <stddef.h>

#include "simindex.h"

#define SIMTOPS_KEEP 12		/* cities kept a list: the peers' 10 and the profile's 5, and 2 to lose */

struct simtops;

/* What simtops_carry did (for the tests and docs/performance.md). */
struct simtops_carried {
	size_t changed;		/* rows of the new index that are new or changed */
	size_t lists;		/* lists carried */
	size_t scores;		/* simindex_score calls */
};

/* Empty lists for the sealed index x (kept by the caller, who frees the lists before or with it); NULL
 * when out of memory. */
struct simtops *simtops_new(const struct simindex *x);
void simtops_free(struct simtops *t);

/* simindex_top(x, me, limit, out) (x: the index of t): from me's kept list when it holds `limit` cities
 * or every city there is, else scored and then kept.  Same rows, scores and order as simindex_top;
 * without t (NULL) or for a limit over SIMTOPS_KEEP, simindex_top's own. */
size_t simtops_top(struct simtops *t, const struct simindex *x, int me, size_t limit, struct simindex_hit *out);

/* simtops_top's two halves, for a caller that may find the list elsewhere (simlists.h): me's kept list
 * when it answers `limit` (its length), else -1; and got[0..k) = simindex_top(x, me, SIMTOPS_KEEP, got)
 * kept as me's list (k = 0, or t not made for x: nothing kept). */
long simtops_lookup(struct simtops *t, const struct simindex *x, int me, size_t limit, struct simindex_hit *out);
void simtops_keep(struct simtops *t, const struct simindex *x, int me, const struct simindex_hit *got, size_t k);

/* The lists of `old` (kept for index ox) carried to index nx (see above), as new lists for nx; NULL
 * when none can be: no old lists, other questions, more changed rows (or lists times changed rows)
 * than make carrying cheaper than scoring again, or out of memory (then start from simtops_new).  `old` is left as it was.  *st, when
 * not NULL, says what was done. */
struct simtops *simtops_carry(const struct simtops *old, const struct simindex *ox, const struct simindex *nx,
    struct simtops_carried *st);

/* The cities with a list kept; the answers simtops_top read from a list (no pass over the wave). */
size_t simtops_kept(const struct simtops *t);
size_t simtops_answered(const struct simtops *t);

#endif
