/* simkept.h: a wave's answers encoded for the similarity score (simindex.h), kept by a worker for
 * one data version (issue 18).
 *
 * The profile's "cities most like this one" and peers=similar: score a city against every city of
 * its wave.  The encoding is built once per data version from city_facts (Q_SIMILAR_QUESTIONS and
 * Q_SIMILAR_ANSWERS) and kept like versioned.h's results: parsed state, not a response cache (it
 * stays on under CITYBENCH_CACHE=0); every write that changes an answer moves the data version.
 * Built once per (wave, version) for all the workers of the supervisor (simshare.h): the first
 * worker that needs it builds it and shares its flat form; the others copy that (or wait for it,
 * boundedly), and build their own only when the shared one is not there. */
#ifndef CB_SIMKEPT_H
#define CB_SIMKEPT_H

#include "app.h"
#include "simindex.h"

/* The index of `wave` for this request's data version, or NULL with the error answered.  The
 * worker keeps it: valid until the next simkept_get. */
const struct simindex *simkept_get(struct request *r, const char *wave);

/* simindex_top(x, me, limit, out) for an index simkept_get handed back: from the lists the worker keeps
 * for it (simtops.h), carried from the wave's previous index when the data version moved. */
size_t simkept_top(const struct simindex *x, int me, size_t limit, struct simindex_hit *out);

#endif
