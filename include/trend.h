/* trend.h: a metric over time for one city, 2018 -> 2020 (issue 15): on the metric page (its city) and
 * on the profile (every metric).  A table, a row per metric and a column per wave: the value and its
 * rank among every city with a value in that wave. */
#ifndef CB_TREND_H
#define CB_TREND_H

#include "http.h"

/* Appends the section to r->out when the city has a value of some metric in two waves or more; else
 * nothing (also when the database fails: the page stands without it).  metric: one id, or NULL for
 * every active metric; name: the city's name, for the heading. */
void trend_html(struct request *r, const char *slug, const char *name, const char *metric);
/* The profile's Q_PROFILE_TREND result for slug (every metric: $2 NULL), read in its batch: trend_html
 * of that request and slug takes it instead of asking.  Takes over res; NULL r drops what is kept. */
void trend_read_ahead(const struct request *r, const char *slug, PGresult *res);

#endif
