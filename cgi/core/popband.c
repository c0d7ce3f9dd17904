/* popband.c: population bands answered from blocks of the cities in population order (see popband.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pgorder.h"
#include "popband.h"

#define PBB	128		/* cities a block (CITYBENCH_POPBAND_B: the tests' small blocks) */
#define PBSLOTS	4		/* waves a worker keeps blocks of */
#define PBMAXT	(1u << 22)	/* tally slots in all ((blocks + 1) * facts): 16 MiB at most (10,000 cities of
				 * 300 facts: 24,000) */

struct popband {
	long long wfversion, wmversion;
	size_t n, b, nb, nfacts, nmetrics;
	long long *pop;		/* n: the populations, ascending (ties by id) */
	uint32_t *at;		/* n: the city's index in the facts and the metrics (the same: by id) */
	uint32_t *tally;	/* (nb + 1) * nfacts: row k counts the facts of the cities before block k */
	double *val;		/* nmetrics * n: metric m's values in population order (0 when none) */
	uint8_t *has;		/* nmetrics * n */
	double *sorted;		/* nmetrics * n: per metric, each block's values in PostgreSQL's order (pgorder.h) from k * b */
	uint32_t *nval;		/* nmetrics * (nb + 1): metric m's values before block k */
};

static struct {
	char wave[32];
	struct popband *p;
	unsigned long used;
} slot[PBSLOTS];
/* The last (wave, versions) whose blocks could not be made: not tried again for every request. */
static struct {
	char wave[32];
	long long wfversion, wmversion;
} refused;
static unsigned long pbclock;

struct popcity {
	long long pop;
	int id;
	uint32_t at;
};

static int
by_pop(const void *pa, const void *pb)
{
	const struct popcity *a = pa, *b = pb;

	if (a->pop != b->pop)
		return a->pop < b->pop ? -1 : 1;
	return (a->id > b->id) - (a->id < b->id);
}

void
popband_free(struct popband *p)
{
	if (p == NULL)
		return;
	free(p->pop);
	free(p->at);
	free(p->tally);
	free(p->val);
	free(p->has);
	free(p->sorted);
	free(p->nval);
	free(p);
}

struct popband *
popband_make(const struct wavefacts *w, const struct wavemetrics *m, size_t b)
{
	size_t nc = wavefacts_ncities(w), i, k, j, n = 0, nf, nm;
	struct popcity *pc = NULL;
	struct popband *p;

	if (b == 0 || nc != wavemetrics_ncities(m) || (p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	for (i = 0; i < nc; i++)
		if (wavefacts_city(w, i) != wavemetrics_city_id(m, i))
			goto bad;	/* not the same cities: not the same wave and version */
	p->wfversion = wavefacts_version(w);
	p->wmversion = wavemetrics_version(m);
	p->b = b;
	p->nfacts = nf = wavefacts_nfacts(w);
	p->nmetrics = nm = wavemetrics_nmetrics(m);
	if ((pc = malloc((nc + 1) * sizeof(*pc))) == NULL)
		goto bad;
	for (i = 0; i < nc; i++)
		if (wavefacts_population(w, i, &pc[n].pop)) {	/* without one, in no band */
			pc[n].id = wavefacts_city(w, i);
			pc[n++].at = (uint32_t)i;
		}
	p->n = n;
	p->nb = (n + b - 1) / b;
	if ((p->nb + 1) * (nf ? nf : 1) > PBMAXT)
		goto bad;
	qsort(pc, n, sizeof(*pc), by_pop);
	if ((p->pop = malloc((n + 1) * sizeof(*p->pop))) == NULL ||
	    (p->at = malloc((n + 1) * sizeof(*p->at))) == NULL ||
	    (p->tally = calloc((p->nb + 1) * nf + 1, sizeof(*p->tally))) == NULL ||
	    (p->val = malloc((nm * n + 1) * sizeof(*p->val))) == NULL ||
	    (p->has = malloc(nm * n + 1)) == NULL ||
	    (p->sorted = malloc((nm * n + 1) * sizeof(*p->sorted))) == NULL ||
	    (p->nval = calloc(nm * (p->nb + 1) + 1, sizeof(*p->nval))) == NULL)
		goto bad;
	for (i = 0; i < n; i++) {
		p->pop[i] = pc[i].pop;
		p->at[i] = pc[i].at;
	}
	for (k = 0; k < p->nb; k++) {
		uint32_t *t = p->tally + (k + 1) * nf;

		memcpy(t, t - nf, nf * sizeof(*t));
		for (i = k * b; i < n && i < (k + 1) * b; i++) {
			const uint16_t *ks;
			size_t r = wavefacts_run(w, p->at[i], &ks);

			for (j = 0; j < r; j++)
				t[ks[j]]++;
		}
	}
	for (j = 0; j < nm; j++) {
		double *val = p->val + j * n, *s = p->sorted + j * n;
		uint8_t *has = p->has + j * n;
		uint32_t *nv = p->nval + j * (p->nb + 1);

		for (i = 0; i < n; i++)
			has[i] = (uint8_t)wavemetrics_value(m, j, p->at[i], &val[i]);
		for (k = 0; k < p->nb; k++) {
			size_t e = (k + 1) * b < n ? (k + 1) * b : n, c = 0;

			for (i = k * b; i < e; i++)
				if (has[i])
					s[k * b + c++] = val[i];
			pgorder_sort(s + k * b, c);
			nv[k + 1] = nv[k] + (uint32_t)c;
		}
		for (i = 0; i < n; i++)
			if (!has[i])
				val[i] = 0.0;
	}
	free(pc);
	return p;
bad:
	free(pc);
	popband_free(p);
	return NULL;
}

/* Cities a block: PBB, or CITYBENCH_POPBAND_B (1 to 65536) for the tests, whose waves are small. */
static size_t
block_size(void)
{
	static size_t b;

	if (b == 0) {
		const char *v = getenv("CITYBENCH_POPBAND_B");
		long n = v ? strtol(v, NULL, 10) : 0;

		b = n >= 1 && n <= 65536 ? (size_t)n : PBB;
	}
	return b;
}

const struct popband *
popband_get(const char *wave, const struct wavefacts *w, const struct wavemetrics *m)
{
	struct popband *p;
	size_t i, s = 0;

	if (strlen(wave) >= sizeof(slot[0].wave))
		return NULL;
	/* by wave and versions: the blocks copy what they read, and a version's cities are always the same
	 * rows, so facts and metrics read again (their own slots moved) still match */
	for (i = 0; i < PBSLOTS; i++)
		if (slot[i].p && strcmp(slot[i].wave, wave) == 0 &&
		    slot[i].p->wfversion == wavefacts_version(w) && slot[i].p->wmversion == wavemetrics_version(m)) {
			slot[i].used = ++pbclock;
			return slot[i].p;
		}
	if (strcmp(refused.wave, wave) == 0 && refused.wfversion == wavefacts_version(w) &&
	    refused.wmversion == wavemetrics_version(m))
		return NULL;
	if ((p = popband_make(w, m, block_size())) == NULL) {
		memcpy(refused.wave, wave, strlen(wave) + 1);
		refused.wfversion = wavefacts_version(w);
		refused.wmversion = wavemetrics_version(m);
		return NULL;
	}
	for (i = 0; i < PBSLOTS; i++) {
		if (slot[i].p && strcmp(slot[i].wave, wave) == 0) {
			s = i;	/* the same wave of another version: replaced */
			break;
		}
		if (slot[i].used < slot[s].used)
			s = i;
	}
	popband_free(slot[s].p);
	memcpy(slot[s].wave, wave, strlen(wave) + 1);
	slot[s].p = p;
	slot[s].used = ++pbclock;
	return p;
}

/* The first city of population order with a population at least pop (gt 0) or above it (gt 1). */
static size_t
pop_bound(const struct popband *p, long long pop, int gt)
{
	size_t lo = 0, hi = p->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (p->pop[mid] < pop || (gt && p->pop[mid] == pop))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* A band: its cities are positions [lo, hi) of population order, counted as the whole blocks [k0, k1)
 * (k0 == k1: none) with the cities of span[i] added (sign 1) or taken out (sign -1).  The blocks are
 * those whose edges are nearest the band's ends, so a span is at most half a block; a band shorter
 * than its spans is its own span. */
struct band {
	size_t lo, hi, k0, k1, nspan;
	struct { size_t from, to; int sign; } span[2];
};

static size_t
edge(const struct popband *p, size_t k)
{
	return k * p->b < p->n ? k * p->b : p->n;
}

static void
band(const struct popband *p, long long min, long long max, struct band *x)
{
	size_t e0, e1;

	x->lo = pop_bound(p, min, 0);
	x->hi = min <= max ? pop_bound(p, max, 1) : x->lo;
	if (x->hi < x->lo)
		x->hi = x->lo;
	x->k0 = (x->lo + p->b / 2) / p->b;
	x->k1 = (x->hi + p->b / 2) / p->b;
	e0 = edge(p, x->k0);
	e1 = edge(p, x->k1);
	x->nspan = 0;
	if (x->k0 == x->k1 || x->hi - x->lo <= (x->lo > e0 ? x->lo - e0 : e0 - x->lo) +
	    (x->hi > e1 ? x->hi - e1 : e1 - x->hi)) {
		x->k0 = x->k1 = 0;
		x->span[x->nspan].from = x->lo;
		x->span[x->nspan].to = x->hi;
		x->span[x->nspan++].sign = 1;
		return;
	}
	if (x->lo != e0) {
		x->span[x->nspan].from = x->lo < e0 ? x->lo : e0;
		x->span[x->nspan].to = x->lo < e0 ? e0 : x->lo;
		x->span[x->nspan++].sign = x->lo < e0 ? 1 : -1;
	}
	if (x->hi != e1) {
		x->span[x->nspan].from = x->hi < e1 ? x->hi : e1;
		x->span[x->nspan].to = x->hi < e1 ? e1 : x->hi;
		x->span[x->nspan++].sign = x->hi > e1 ? 1 : -1;
	}
}

size_t
popband_size(const struct popband *p, long long min, long long max)
{
	struct band x;

	band(p, min, max, &x);
	return x.hi - x.lo;
}

uint32_t *
popband_tally(const struct popband *p, const struct wavefacts *w, long long min, long long max)
{
	size_t e, i, j, nf = p->nfacts;
	struct band x;
	uint32_t *cnt;

	if (p->wfversion != wavefacts_version(w))
		return NULL;	/* not the facts the blocks were made from */

	band(p, min, max, &x);
	if ((cnt = calloc(nf ? nf : 1, sizeof(*cnt))) == NULL)
		return NULL;
	if (x.k0 < x.k1) {
		const uint32_t *a = p->tally + x.k0 * nf, *b = p->tally + x.k1 * nf;

		for (j = 0; j < nf; j++)
			cnt[j] = b[j] - a[j];
	}
	/* uint32 arithmetic: a count taken out was added by the blocks */
	for (e = 0; e < x.nspan; e++)
		for (i = x.span[e].from; i < x.span[e].to; i++) {
			const uint16_t *ks;
			size_t n = wavefacts_run(w, p->at[i], &ks);

			for (j = 0; j < n; j++)
				cnt[ks[j]] += (uint32_t)x.span[e].sign;
		}
	return cnt;
}

json_t *
popband_ranks(const struct popband *p, const struct wavemetrics *m, long long min, long long max, int city)
{
	size_t e, i, k, j, n = p->n;
	long me = wavemetrics_city_index(m, city);
	struct band x;
	json_t *list, *row;

	if (me < 0 || p->wmversion != wavemetrics_version(m) || (list = json_array()) == NULL)
		return NULL;	/* (or not the metric values the blocks were made from) */
	band(p, min, max, &x);
	for (j = 0; j < p->nmetrics; j++) {
		const double *val = p->val + j * n, *s = p->sorted + j * n;
		const uint8_t *has = p->has + j * n;
		const uint32_t *nv = p->nval + j * (p->nb + 1);
		long long of = (long long)nv[x.k1] - nv[x.k0], gt = 0, lt = 0;
		double mv;

		if (!wavemetrics_value(m, j, (size_t)me, &mv)) {
			for (e = 0; e < x.nspan; e++)
				for (i = x.span[e].from; i < x.span[e].to; i++)
					of += x.span[e].sign * has[i];
		} else {
			/* a number: gt counts NaN too; NaN: nothing above it, every number below */
			for (k = x.k0; k < x.k1; k++) {
				size_t c = nv[k + 1] - nv[k];

				lt += (long long)pgorder_bound(s + k * p->b, c, mv, 0);
				gt += (long long)(c - pgorder_bound(s + k * p->b, c, mv, 1));
			}
			for (e = 0; e < x.nspan; e++)
				for (i = x.span[e].from; i < x.span[e].to; i++)
					if (has[i]) {
						int d = pgorder_cmp(val[i], mv), sign = x.span[e].sign;

						of += sign;
						gt += d > 0 ? sign : 0;
						lt += d < 0 ? sign : 0;
					}
		}
		row = wavemetrics_rank_row(m, j, (size_t)me, of, wavemetrics_metric_hib(m, j) ? gt : lt);
		if (row == NULL || json_array_append_new(list, row) == -1) {
			json_decref(list);
			return NULL;
		}
	}
	return list;
}
