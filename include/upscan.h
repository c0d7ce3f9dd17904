/* upscan.h: an upload's size in answer sets and answers, counted by a scan that builds nothing, so that an
 * upload over the limits is refused before it costs a parse. */
#ifndef CB_UPSCAN_H
#define CB_UPSCAN_H

#include <stddef.h>

/* The limits of one upload, in the contract-facing docs (docs/operations.md, the OpenAPI document) and in
 * the 413's message. */
#define UPSCAN_MAX_SETS		10000	/* answer sets: JSON objects (a city in a wave) */
#define UPSCAN_MAX_ANSWERS	200000	/* answers: CSV records, or values inside the JSON sets */

struct upscan {
	size_t sets;		/* JSON: the objects of the top-level array (1 for a single object); CSV: 0 */
	size_t answers;		/* JSON: every value inside a set (fields, answers, options); CSV: records */
};

/* Counts a JSON upload's sets and the values inside them, without building anything, and stops as soon as
 * a count passes its limit.  Returns 1 when over max_sets or max_answers, else 0, also when the text is not
 * JSON (where the scan stops: the parser says what is wrong).  Never reads past s + n. */
int upscan_json(const char *s, size_t n, size_t max_sets, size_t max_answers, struct upscan *out);

/* Counts a CSV upload's records (lines outside quoted fields; the header included) and stops past
 * max_rows.  Returns 1 when over, else 0. */
int upscan_csv(const char *s, size_t n, size_t max_rows, struct upscan *out);

#endif
