/* replicas.h: a worker's read replicas (CITYBENCH_DB_READ): reads go to the first replica that answers;
 * when none answers they go to the primary, and the replicas are tried again every retry period so that
 * one that comes back is used again. */
#ifndef CB_REPLICAS_H
#define CB_REPLICAS_H

#include <stddef.h>

#include "db.h"

#define REPLICAS_MAX 16

struct replicas;

/* Splits list into conninfos: separated by '|' or ';' (not inside a single-quoted conninfo value),
 * blanks around each removed, empty entries skipped, at most REPLICAS_MAX.  Connects to nothing yet.
 * Returns NULL when the list names no conninfo or memory ran out. */
struct replicas *replicas_new(const char *list, double retry_seconds);
void replicas_free(struct replicas *rs);

size_t replicas_count(const struct replicas *rs);
const char *replicas_conninfo(const struct replicas *rs, size_t i);

/* The replica reads should use at time now (monotonic seconds): the current one while its connection
 * is up; once it is down, the list in order, first at once and then at most once per retry period.
 * Returns NULL when no replica answers: read from the primary.  The connection stays owned by rs. */
struct db *replicas_pick(struct replicas *rs, double now);

/* Drops the current replica (it failed a request, or lags too far): the next pick after the retry
 * period tries the list again. */
void replicas_drop(struct replicas *rs, double now);

/* Connection attempts so far (for the operator's counters and tests). */
unsigned long replicas_attempts(const struct replicas *rs);

#endif
