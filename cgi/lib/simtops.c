/* simtops.c: each city's most similar cities, kept and carried across data versions (see simtops.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "simtops.h"

enum { NONE, KEPT, COMPLETE };	/* a list's state: none; its first len exact; every city there is */

/* Carrying costs a score per kept list and changed row, all in the first request of the new version
 * (~0.7 us a score at 6,305 cities): past CARRY_MAX changed rows (an import, a survey load) or
 * CARRY_SCORES scores (~11 ms), scoring again as visitors ask is cheaper. */
#define CARRY_MAX 64
#define CARRY_SCORES 16384

struct hit {
	int32_t row;
	uint32_t both;
	double score;
};

struct simtops {
	size_t n;		/* rows of the index */
	unsigned char *state, *len;
	struct hit *hit;	/* n * SIMTOPS_KEEP, allocated with the first list */
	size_t kept;		/* lists kept */
	size_t answered;	/* answers read from a list (for the tests) */
};

struct simtops *
simtops_new(const struct simindex *x)
{
	struct simtops *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	t->n = simindex_size(x);
	if ((t->state = calloc(t->n + 1, 2)) == NULL) {
		free(t);
		return NULL;
	}
	t->len = t->state + t->n + 1;
	return t;
}

void
simtops_free(struct simtops *t)
{
	if (t == NULL)
		return;
	free(t->state);
	free(t->hit);
	free(t);
}

static int
has_room(struct simtops *t)
{
	return t->hit != NULL || (t->hit = malloc((t->n + 1) * SIMTOPS_KEEP * sizeof(*t->hit))) != NULL;
}

static struct simindex_hit
wide(const struct hit *h)
{
	struct simindex_hit w;

	w.row = h->row;
	w.score = h->score;
	w.both = h->both;
	return w;
}

static struct hit
narrow(const struct simindex_hit *w)
{
	struct hit h;

	h.row = w->row;
	h.both = (uint32_t)w->both;
	h.score = w->score;
	return h;
}

long
simtops_lookup(struct simtops *t, const struct simindex *x, int me, size_t limit, struct simindex_hit *out)
{
	const struct hit *l;
	size_t i, k;

	if (t == NULL || x == NULL || t->n != simindex_size(x) || me < 0 || (size_t)me >= t->n ||
	    limit > SIMTOPS_KEEP || t->hit == NULL)
		return -1;
	if (!(t->state[me] == COMPLETE || (t->state[me] == KEPT && t->len[me] >= limit)))
		return -1;
	l = t->hit + (size_t)me * SIMTOPS_KEEP;
	k = t->len[me] < limit ? t->len[me] : limit;
	for (i = 0; i < k; i++)
		out[i] = wide(&l[i]);
	t->answered++;
	return (long)k;
}

void
simtops_keep(struct simtops *t, const struct simindex *x, int me, const struct simindex_hit *got, size_t k)
{
	struct hit *l;
	size_t i;

	/* 0 is also what simindex_top says when out of memory: such a list is not kept */
	if (t == NULL || x == NULL || t->n != simindex_size(x) || me < 0 || (size_t)me >= t->n || k == 0 ||
	    k > SIMTOPS_KEEP || !has_room(t))
		return;
	l = t->hit + (size_t)me * SIMTOPS_KEEP;
	for (i = 0; i < k; i++)
		l[i] = narrow(&got[i]);
	t->kept += t->state[me] == NONE;
	t->state[me] = k < SIMTOPS_KEEP ? COMPLETE : KEPT;
	t->len[me] = (unsigned char)k;
}

size_t
simtops_top(struct simtops *t, const struct simindex *x, int me, size_t limit, struct simindex_hit *out)
{
	struct simindex_hit got[SIMTOPS_KEEP];
	long r;
	size_t k;

	if (t == NULL || x == NULL || t->n != simindex_size(x) || me < 0 || (size_t)me >= t->n ||
	    limit > SIMTOPS_KEEP)
		return simindex_top(x, me, limit, out);
	if ((r = simtops_lookup(t, x, me, limit, out)) >= 0)
		return (size_t)r;
	k = simindex_top(x, me, SIMTOPS_KEEP, got);
	simtops_keep(t, x, me, got, k);
	k = k < limit ? k : limit;
	memcpy(out, got, k * sizeof(*out));
	return k;
}

/* h put in its place in the list l (len *n, state *st) of new-index rows, when it belongs there: a
 * complete list takes every city (and is no longer complete when one falls off its end); a kept list
 * only one that comes before its last (the place after it is unknown). */
static void
place(const struct simindex *x, struct hit *l, unsigned char *n, unsigned char *st, const struct hit *h)
{
	struct simindex_hit a = wide(h), b;
	size_t at = *n;

	if (*st != COMPLETE) {
		if (*n == 0)
			return;
		b = wide(&l[*n - 1]);
		if (simindex_hit_cmp(x, &a, &b) >= 0)
			return;
	}
	while (at > 0) {
		b = wide(&l[at - 1]);
		if (simindex_hit_cmp(x, &a, &b) >= 0)
			break;
		if (at < SIMTOPS_KEEP)
			l[at] = l[at - 1];
		at--;
	}
	if (*n == SIMTOPS_KEEP)		/* the last fell off, or h would come after it */
		*st = KEPT;
	else
		(*n)++;
	if (at < SIMTOPS_KEEP)
		l[at] = *h;
}

struct simtops *
simtops_carry(const struct simtops *old, const struct simindex *ox, const struct simindex *nx,
    struct simtops_carried *st)
{
	size_t on, nn, nc = 0, o, i;
	int *map = NULL, changed[CARRY_MAX];
	struct simtops *t = NULL;
	struct simtops_carried c;

	memset(&c, 0, sizeof(c));
	if (st)
		*st = c;
	if (old == NULL || old->kept == 0 || ox == NULL || nx == NULL || old->n != simindex_size(ox) ||
	    simindex_qprint(ox) != simindex_qprint(nx))
		return NULL;
	on = simindex_size(ox);
	nn = simindex_size(nx);
	if ((map = malloc((on + 1) * sizeof(*map))) == NULL)
		goto fail;
	for (o = 0; o < on; o++)
		map[o] = -1;	/* gone, or changed: not in any carried list */
	for (i = 0; i < nn; i++) {
		int r = simindex_find(ox, simindex_slug(nx, (int)i));
		if (r >= 0 && map[r] == -1 && simindex_print(ox, r) == simindex_print(nx, (int)i)) {
			map[r] = (int)i;
			continue;
		}
		if (nc == CARRY_MAX)
			goto fail;
		changed[nc++] = (int)i;
	}
	c.changed = nc;
	if (nc * old->kept > CARRY_SCORES)
		goto fail;
	if ((t = simtops_new(nx)) == NULL || !has_room(t))
		goto fail;
	for (o = 0; o < on; o++) {
		const struct hit *ol = old->hit + o * SIMTOPS_KEEP;
		unsigned char n = 0, s = old->state[o];
		struct hit *l;
		size_t j, e;

		if (s == NONE || map[o] < 0)
			continue;
		j = (size_t)map[o];
		l = t->hit + j * SIMTOPS_KEEP;
		for (e = 0; e < old->len[o]; e++)	/* the unchanged cities keep their order */
			if (map[ol[e].row] >= 0) {
				l[n] = ol[e];
				l[n++].row = map[ol[e].row];
			}
		for (e = 0; e < nc; e++) {
			struct hit h;
			size_t both;

			if ((size_t)changed[e] == j)
				continue;
			h.row = changed[e];
			h.score = simindex_score(nx, (int)j, changed[e], &both);
			h.both = (uint32_t)both;
			c.scores++;
			if (both > 0)		/* nothing in common: never listed */
				place(nx, l, &n, &s, &h);
		}
		if (n == 0 && s != COMPLETE)
			continue;
		t->state[j] = s;
		t->len[j] = n;
		t->kept++;
		c.lists++;
	}
	free(map);
	if (st)
		*st = c;
	return t;
fail:
	simtops_free(t);
	free(map);
	return NULL;
}

size_t
simtops_kept(const struct simtops *t)
{
	return t ? t->kept : 0;
}

size_t
simtops_answered(const struct simtops *t)
{
	return t ? t->answered : 0;
}
