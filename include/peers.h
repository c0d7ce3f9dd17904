/* peers.h: the peer-group expression (`peers=`) that selects a cohort. */
#ifndef CB_PEERS_H
#define CB_PEERS_H

#include <stddef.h>

#include "buf.h"

#define PEERS_MAX_SLUGS		500
#define PEERS_MAX_REGION	100		/* characters (code points) */
#define PEERS_MAX_POPULATION	1000000000000LL	/* 10^12 */

struct peers {
	enum peers_kind {
		PEERS_ALL,		/* absent or empty: every city */
		PEERS_REGION,		/* text: the region's name */
		PEERS_COUNTRY,		/* text: two upper-case letters */
		PEERS_POPULATION,	/* min/max with has_min/has_max */
		PEERS_LIST		/* slugs[0..nslugs-1] */
	} kind;
	char *text;		/* NULL unless REGION or COUNTRY */
	long long min, max;
	int has_min, has_max;
	char **slugs;		/* distinct, in the order given */
	size_t nslugs;
};

/*
 * Parses expr into p (NULL or "" is PEERS_ALL; blanks around the whole and
 * around each part are ignored; the kind prefix is matched in any case):
 * `region:NAME` (1..100 characters of valid UTF-8, no control characters),
 * `country:CODE` (two ASCII letters), `population:MIN-MAX` (see range_parse)
 * or a comma list of 1..500 distinct slugs [a-z0-9-]{1,64} (empty items are
 * skipped, repeated ones dropped, order kept).
 * Returns 0, or -1 with p empty (as after peers_free) and *err (if err is
 * not NULL) a malloc'd message saying what is wrong.
 */
int peers_parse(const char *expr, struct peers *p, char **err);

/* Releases p's memory and zeroes it (kind PEERS_ALL); safe on a zeroed struct. */
void peers_free(struct peers *p);

/*
 * Appends the normalised expression ("" for PEERS_ALL), which peers_parse
 * reads back to the same struct: for cache keys and permalinks (url_encode
 * it there). Returns 0, or -1 when memory ran out.
 */
int peers_canonical(const struct peers *p, struct buf *b);

/*
 * Parses "MIN-MAX": non-negative decimal integers up to 10^12, either side
 * may be empty but not both, MIN <= MAX; blanks around s and around each
 * number are ignored. Returns 0 with the four outputs set (a missing side
 * has has_* 0 and its value 0), or -1 with *err (if err is not NULL) a
 * malloc'd message and the outputs untouched.
 */
int range_parse(const char *s, long long *min, int *has_min, long long *max,
    int *has_max, char **err);

#endif
