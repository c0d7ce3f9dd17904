/* peers.h: the peer-group expression (`peers=`) that selects a cohort. */
#ifndef CB_PEERS_H
#define CB_PEERS_H

#include <stddef.h>

#include "buf.h"

#define PEERS_MAX_SLUGS		500
#define PEERS_MAX_REGION	100		/* characters (code points) */
#define PEERS_MAX_POPULATION	1000000000000LL	/* 10^12 */
#define PEERS_MAX_FILTERS	16		/* parts joined by ';' */
#define PEERS_MAX_CODE		64		/* a question or option code: [a-z0-9_]{1,64} */

/* One part of a `;` expression: the kinds REGION, COUNTRY, POPULATION, ANSWER, ANSWERED. */
struct peers_filter {
	int kind;		/* an enum peers_kind */
	char *text;		/* REGION, COUNTRY as below; ANSWER, ANSWERED: the question code */
	char *option;		/* ANSWER: the option code (yes/no for a bool) */
	long long min, max;	/* POPULATION */
	int has_min, has_max;
};

struct peers {
	enum peers_kind {
		PEERS_ALL,		/* absent or empty: every city */
		PEERS_REGION,		/* text: the region's name */
		PEERS_COUNTRY,		/* text: two upper-case letters */
		PEERS_POPULATION,	/* min/max with has_min/has_max */
		PEERS_LIST,		/* slugs[0..nslugs-1] */
		PEERS_FILTERS,		/* filters[0..nfilters-1], all of which must hold */
		PEERS_ANSWER,		/* only inside filters: answer:CODE=OPTION */
		PEERS_ANSWERED,		/* only inside filters: answered:CODE */
		PEERS_SIMILAR		/* only inside filters: similar:SLUG (text: the slug) */
	} kind;
	char *text;		/* NULL unless REGION or COUNTRY (ANSWER*: while parsing) */
	char *option;		/* only while parsing an ANSWER part */
	long long min, max;
	int has_min, has_max;
	char **slugs;		/* distinct, in the order given */
	size_t nslugs;
	struct peers_filter *filters;
	size_t nfilters;
};

/*
 * Parses expr into p (NULL or "" is PEERS_ALL; blanks around the whole and
 * around each part are ignored; the kind prefix is matched in any case):
 * `similar:SLUG` (the 10 cities most like SLUG: resolved by the caller),
 * `region:NAME` (1..100 characters of valid UTF-8, no control characters
 * and no ';'), `country:CODE` (two ASCII letters), `population:MIN-MAX` (see
 * range_parse), `answer:CODE=OPTION` and `answered:CODE` (codes
 * [a-z0-9_]{1,64}), several of these joined by ';' (all must hold; at most
 * PEERS_MAX_FILTERS, empty parts skipped, repeated ones dropped, order kept),
 * or, alone, a comma list of 1..500 distinct slugs [a-z0-9-]{1,64} (empty
 * items are skipped, repeated ones dropped, order kept).
 * One region, country or population filter alone keeps its own kind (their
 * statistics may be stored); anything else with a colon is PEERS_FILTERS.
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
 * Appends the filters of a PEERS_FILTERS expression as the JSON array the
 * COHORT() statements take (queries.def): [{"k":"region","v":NAME},
 * {"k":"country","v":CC}, {"k":"population","min":N,"max":N},
 * {"k":"answer","c":CODE,"o":OPTION}, {"k":"answered","c":CODE},
 * {"k":"similar","c":SLUG} (the caller adds "s": its slugs)], a missing
 * population bound omitted.  "[]" for any other kind.  Returns 0, or -1
 * when memory ran out.
 */
int peers_filters_json(const struct peers *p, struct buf *b);

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
