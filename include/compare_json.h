/* compare_json.h: /compare.json for a stored cohort written straight from Q_COMPARE_STORED's rows, the
 * same bytes compare.c's model gives, without building the model (issue 18). */
#ifndef CB_COMPARE_JSON_H
#define CB_COMPARE_JSON_H

#include <libpq-fe.h>

#include "http.h"

/* Writes the 200 JSON answer of res (Q_COMPARE_STORED's rows; peers the cohort's canonical text) into
 * r->out and returns 1 when the answer is the plain one: the JSON format, no `questions`, a known wave,
 * every city and metric known, and the waves kept for this data version.  Returns 0, r->out empty,
 * for anything else (compare.c answers through its model: the 404s, the answers side by side), and -1
 * when memory ran out. */
int compare_json_stored(struct request *r, const PGresult *res, const char *peers);

#endif
