/* simindex.c: a wave's answers as small integers for the similarity score (see simindex.h).
 *
 * Memory: per city its slug and name (one arena), per city and question one tag byte and an 8-byte
 * value, and the option ids of its lists (4 bytes each); strings are interned once per index.  At
 * 10,000 cities and 40 questions that is under 5 MiB. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "similar.h"
#include "simindex.h"

enum { Q_SKIP, Q_MULTI, Q_SINGLE, Q_BOOL, Q_OTHER };		/* a question's type */
enum { T_NONE, T_ARRAY, T_STRING, T_BOOL, T_NUMBER, T_OTHER };	/* an answer's JSON kind */

union cell {
	double num;				/* T_NUMBER */
	uint32_t id;				/* T_STRING: interned; T_BOOL: 0 or 1 */
	struct { uint32_t off, len; } run;	/* T_ARRAY: ids[off .. off+len) */
};

struct simindex {
	size_t nq;		/* questions, in the order of `types` */
	char **codes;
	unsigned char *qtype;
	unsigned char *population;	/* the question `population` (the band) */

	size_t n, cap;		/* cities */
	size_t *slug, *name;	/* offsets into text */
	char *text;
	size_t tlen, tcap;
	unsigned char *tag;	/* n * nq */
	union cell *cell;	/* n * nq */
	uint32_t *ids;
	size_t nids, cids;

	char **strs;		/* interned strings: id -> text; hash of ids (+1, 0 = empty) */
	size_t nstrs, cstrs;
	uint32_t *hash;
	size_t hcap;

	int *by_slug;		/* rows in strcmp order of slug (simindex_seal) */
};

static int
grow(void **p, size_t *cap, size_t need, size_t size)
{
	size_t c = *cap ? *cap : 16;
	void *q;

	if (need <= *cap)
		return 0;
	while (c < need)
		c *= 2;
	if ((q = realloc(*p, c * size)) == NULL)
		return -1;
	*p = q;
	*cap = c;
	return 0;
}

static uint32_t
strhash(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

/* The id of s, added when new; -1 when out of memory. */
static long
intern(struct simindex *x, const char *s)
{
	size_t i;
	uint32_t *h;

	if (x->nstrs * 2 >= x->hcap) {
		size_t cap = x->hcap ? x->hcap * 2 : 64;
		if ((h = calloc(cap, sizeof(*h))) == NULL)
			return -1;
		for (i = 0; i < x->nstrs; i++) {
			size_t j = strhash(x->strs[i]) & (cap - 1);
			while (h[j])
				j = (j + 1) & (cap - 1);
			h[j] = (uint32_t)i + 1;
		}
		free(x->hash);
		x->hash = h;
		x->hcap = cap;
	}
	for (i = strhash(s) & (x->hcap - 1); x->hash[i]; i = (i + 1) & (x->hcap - 1))
		if (strcmp(x->strs[x->hash[i] - 1], s) == 0)
			return (long)x->hash[i] - 1;
	if (grow((void **)&x->strs, &x->cstrs, x->nstrs + 1, sizeof(*x->strs)) == -1 ||
	    (x->strs[x->nstrs] = strdup(s)) == NULL)
		return -1;
	x->hash[i] = (uint32_t)++x->nstrs;
	return (long)x->nstrs - 1;
}

static long
add_text(struct simindex *x, const char *s)
{
	size_t len = strlen(s) + 1, at = x->tlen;

	if (grow((void **)&x->text, &x->tcap, x->tlen + len, 1) == -1)
		return -1;
	memcpy(x->text + at, s, len);
	x->tlen += len;
	return (long)at;
}

struct simindex *
simindex_new(json_t *types)
{
	struct simindex *x = calloc(1, sizeof(*x));
	const char *code;
	json_t *t;
	size_t n = json_object_size(types);

	if (x == NULL)
		return NULL;
	x->codes = calloc(n + 1, sizeof(*x->codes));
	x->qtype = calloc(n + 1, 1);
	x->population = calloc(n + 1, 1);
	if (x->codes == NULL || x->qtype == NULL || x->population == NULL)
		goto fail;
	json_object_foreach(types, code, t) {
		const char *type = json_string_value(t);
		if (x->nq == n)
			break;
		if ((x->codes[x->nq] = strdup(code)) == NULL)
			goto fail;
		x->qtype[x->nq] = type == NULL ? Q_SKIP : strcmp(type, "multi") == 0 ? Q_MULTI :
		    strcmp(type, "single") == 0 ? Q_SINGLE : strcmp(type, "bool") == 0 ? Q_BOOL : Q_OTHER;
		x->population[x->nq] = strcmp(code, "population") == 0;
		x->nq++;
	}
	return x;
fail:
	simindex_free(x);
	return NULL;
}

int
simindex_add(struct simindex *x, const char *slug, const char *name, json_t *answers)
{
	size_t q, row = x->n;
	long s, m, id;

	if (row == x->cap) {	/* every per-city array has room for cap cities */
		size_t cap = x->cap ? x->cap * 2 : 64;
		void *p;
		if ((p = realloc(x->slug, cap * sizeof(*x->slug))) == NULL)
			return -1;
		x->slug = p;
		if ((p = realloc(x->name, cap * sizeof(*x->name))) == NULL)
			return -1;
		x->name = p;
		if ((p = realloc(x->tag, cap * (x->nq + 1))) == NULL)
			return -1;
		x->tag = p;
		if ((p = realloc(x->cell, cap * (x->nq + 1) * sizeof(*x->cell))) == NULL)
			return -1;
		x->cell = p;
		x->cap = cap;
	}
	if ((s = add_text(x, slug)) == -1 || (m = add_text(x, name)) == -1)
		return -1;
	x->slug[row] = (size_t)s;
	x->name[row] = (size_t)m;
	for (q = 0; q < x->nq; q++) {
		json_t *v = json_is_object(answers) ? json_object_get(answers, x->codes[q]) : NULL;
		unsigned char *tg = &x->tag[row * x->nq + q];
		union cell *c = &x->cell[row * x->nq + q];
		size_t i;
		json_t *o;

		memset(c, 0, sizeof(*c));
		if (v == NULL || json_is_null(v)) {
			*tg = T_NONE;
		} else if (json_is_array(v)) {
			*tg = T_ARRAY;
			c->run.off = (uint32_t)x->nids;
			json_array_foreach(v, i, o) {
				if (!json_is_string(o))
					continue;	/* similar.c's jaccard counts strings only */
				if ((id = intern(x, json_string_value(o))) == -1 ||
				    grow((void **)&x->ids, &x->cids, x->nids + 1, sizeof(*x->ids)) == -1)
					return -1;
				x->ids[x->nids++] = (uint32_t)id;
				c->run.len++;
			}
		} else if (json_is_string(v)) {
			*tg = T_STRING;
			if ((id = intern(x, json_string_value(v))) == -1)
				return -1;
			c->id = (uint32_t)id;
		} else if (json_is_boolean(v)) {
			*tg = T_BOOL;
			c->id = json_is_true(v);
		} else if (json_is_number(v)) {
			*tg = T_NUMBER;
			c->num = json_number_value(v);
		} else {
			*tg = T_OTHER;
		}
	}
	x->n++;
	return 0;
}

static const struct simindex *sort_x;

static int
slug_cmp(const void *a, const void *b)
{
	return strcmp(simindex_slug(sort_x, *(const int *)a), simindex_slug(sort_x, *(const int *)b));
}

int
simindex_seal(struct simindex *x)
{
	size_t i;

	free(x->by_slug);
	if ((x->by_slug = malloc((x->n + 1) * sizeof(*x->by_slug))) == NULL)
		return -1;
	for (i = 0; i < x->n; i++)
		x->by_slug[i] = (int)i;
	sort_x = x;
	qsort(x->by_slug, x->n, sizeof(*x->by_slug), slug_cmp);
	sort_x = NULL;
	return 0;
}

void
simindex_free(struct simindex *x)
{
	size_t i;

	if (x == NULL)
		return;
	for (i = 0; x->codes && i < x->nq; i++)
		free(x->codes[i]);
	for (i = 0; i < x->nstrs; i++)
		free(x->strs[i]);
	free(x->codes);
	free(x->qtype);
	free(x->population);
	free(x->slug);
	free(x->name);
	free(x->text);
	free(x->tag);
	free(x->cell);
	free(x->ids);
	free(x->strs);
	free(x->hash);
	free(x->by_slug);
	free(x);
}

size_t
simindex_size(const struct simindex *x)
{
	return x ? x->n : 0;
}

size_t
simindex_bytes(const struct simindex *x)
{
	size_t b, i;

	if (x == NULL)
		return 0;
	b = sizeof(*x) + x->nq * (sizeof(char *) + 2) + x->cap * (2 * sizeof(size_t) + sizeof(int)) +
	    x->tcap + x->cap * x->nq * (1 + sizeof(union cell)) + x->cids * sizeof(uint32_t) +
	    x->cstrs * sizeof(char *) + x->hcap * sizeof(uint32_t);
	for (i = 0; i < x->nstrs; i++)
		b += strlen(x->strs[i]) + 1;
	return b;
}

int
simindex_find(const struct simindex *x, const char *slug)
{
	size_t lo = 0, hi = x && x->by_slug ? x->n : 0;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(simindex_slug(x, x->by_slug[mid]), slug);
		if (c == 0)
			return x->by_slug[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

const char *
simindex_slug(const struct simindex *x, int row)
{
	return x->text + x->slug[row];
}

const char *
simindex_name(const struct simindex *x, int row)
{
	return x->text + x->name[row];
}

double
simindex_score(const struct simindex *x, int mine, int theirs, size_t *both)
{
	const unsigned char *ta = x->tag + (size_t)mine * x->nq, *tb = x->tag + (size_t)theirs * x->nq;
	const union cell *ca = x->cell + (size_t)mine * x->nq, *cb = x->cell + (size_t)theirs * x->nq;
	double sum = 0, s;
	size_t q, n = 0;

	for (q = 0; q < x->nq; q++) {
		unsigned char k = x->qtype[q];

		if (k == Q_SKIP || ta[q] == T_NONE || tb[q] == T_NONE)
			continue;
		/* similar_score_n's chain of cases, in its order */
		if (k == Q_MULTI && ta[q] == T_ARRAY && tb[q] == T_ARRAY) {
			const uint32_t *a = x->ids + ca[q].run.off, *b = x->ids + cb[q].run.off;
			size_t na = ca[q].run.len, nb = cb[q].run.len, i, j, shared = 0, either;
			for (i = 0; i < na; i++)
				for (j = 0; j < nb; j++)
					if (a[i] == b[j]) {
						shared++;
						break;
					}
			either = na + nb - shared;
			s = either == 0 ? 1.0 : (double)shared / (double)either;
		} else if (k == Q_SINGLE && ta[q] == T_STRING && tb[q] == T_STRING) {
			s = ca[q].id == cb[q].id;
		} else if (k == Q_BOOL && ta[q] == T_BOOL && tb[q] == T_BOOL) {
			s = ca[q].id == cb[q].id;
		} else if (x->population[q] && ta[q] == T_NUMBER && tb[q] == T_NUMBER) {
			double a = ca[q].num, b = cb[q].num;
			s = a > 0 && fabs(b - a) <= SIMILAR_POPULATION_BAND * a;
		} else {
			continue;
		}
		sum += s;
		n++;
	}
	if (both)
		*both = n;
	return n == 0 ? -1 : sum / (double)n;
}

/* similar_top's order (view.c): score, then questions both answered, then name, then slug. */
static int
hit_cmp(const struct simindex *x, const struct simindex_hit *a, const struct simindex_hit *b)
{
	int c;

	if (a->score != b->score)
		return a->score < b->score ? 1 : -1;
	if (a->both != b->both)
		return a->both < b->both ? 1 : -1;
	if ((c = strcmp(simindex_name(x, a->row), simindex_name(x, b->row))) != 0)
		return c;
	return strcmp(simindex_slug(x, a->row), simindex_slug(x, b->row));
}

static const struct simindex *hit_x;

static int
hit_qcmp(const void *a, const void *b)
{
	return hit_cmp(hit_x, a, b);
}

size_t
simindex_top(const struct simindex *x, int me, size_t limit, struct simindex_hit *out)
{
	struct simindex_hit h, *all = NULL;
	size_t i, k = 0, n = 0;

	if (x == NULL || me < 0 || (size_t)me >= x->n || limit == 0)
		return 0;
	if (limit > 32 && (all = malloc(x->n * sizeof(*all))) == NULL)
		return 0;
	for (i = 0; i < x->n; i++) {
		if ((int)i == me)
			continue;
		h.row = (int)i;
		if ((h.score = simindex_score(x, me, (int)i, &h.both)) < 0)
			continue;
		if (all) {
			all[n++] = h;
			continue;
		}
		/* the best `limit` so far, in order: insert h where it belongs */
		if (k == limit && hit_cmp(x, &h, &out[k - 1]) >= 0)
			continue;
		{
			size_t at = k < limit ? k++ : k - 1;
			while (at > 0 && hit_cmp(x, &h, &out[at - 1]) < 0) {
				out[at] = out[at - 1];
				at--;
			}
			out[at] = h;
		}
	}
	if (all) {
		hit_x = x;
		qsort(all, n, sizeof(*all), hit_qcmp);
		hit_x = NULL;
		k = n < limit ? n : limit;
		memcpy(out, all, k * sizeof(*out));
		free(all);
	}
	return k;
}
