/* rankrow.h: one row of a metric's ranking as the ranking JSON writes it (`{"city":…,"lon":…}`), shared
 * by the page (metrics.c) and the ranking block (rankblock.c), which keeps every row's text ready to
 * copy (issue 18, eighth session). */
#ifndef CB_RANKROW_H
#define CB_RANKROW_H

#include "buf.h"

/* Appends the row's object; lat, lon NULL for null.  0, or -1 when memory ran out. */
int rankrow_json(struct buf *b, const char *city, const char *name, const char *value_text, long long rank,
    double percentile, int synthetic, const char *lat, const char *lon);

#endif
