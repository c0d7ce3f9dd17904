/* wavefacts.c: a wave's fact rows as small integers, per data version, shared by the workers (see
 * wavefacts.h). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "simshare.h"
#include "idseek.h"
#include "wavefacts.h"

#define WFMAGIC	0x32465757u	/* "WWF2" */
#define WFNOPOP	INT64_MIN	/* a city without a population */
#define WFSLOTS	4		/* waves a worker counts in at once */
#define WFWAIT	5.0		/* seconds a worker waits for another's build of the same version */
#define WFMAXF	65535u		/* fact numbers are uint16 */
#define WFMAXC	(1u << 24)	/* cities */
#define WFMAXK	(1u << 28)	/* fact numbers in all */

struct wfhdr {
	uint32_t magic, nfacts, ncities, nks;
	int64_t version;
	uint64_t strbytes;
};

struct wavefacts {
	void *block;
	size_t len;
	const struct wfhdr *h;
	const int64_t *pop;		/* ncities: population, or WFNOPOP */
	const uint32_t *factoff;	/* nfacts: offsets into str */
	const int32_t *city;		/* ncities, strictly increasing */
	const uint32_t *start;		/* ncities + 1 */
	const uint32_t *attr;		/* 3 * ncities: region, country, slug (offsets into str) */
	const uint16_t *ks;		/* nks */
	const char *str;		/* strbytes */
	/* Per fact, its cities as a bit per row (words a fact): made on the first cohort or tally that
	 * gains from it (fact_bits), the worker's own beside the shared block; bits_state 0 not yet, 1
	 * made, -1 not to be (a row names a fact twice, so that bits would count it once; too large; out
	 * of memory). */
	uint64_t *bits;
	size_t words;
	int bits_state;
	/* The rows in their slugs' order (slug_order), made on the first list cohort; same states. */
	uint32_t *byslug;
	int byslug_state;
};

static const uint64_t *fact_bits(const struct wavefacts *w);
static size_t fast[2];	/* cohorts and tallies answered by the bits, by the slugs' order (wavefacts_fast) */

static struct {
	char wave[32];
	struct wavefacts *w;
	unsigned long used;
} slot[WFSLOTS];
static unsigned long wfclock;

/* The block's size for these counts, or 0 when too large. */
static size_t
flat_size(uint64_t nfacts, uint64_t ncities, uint64_t nks, uint64_t strbytes)
{
	if (nfacts > WFMAXF || ncities > WFMAXC || nks > WFMAXK || strbytes > ((uint64_t)1 << 30))
		return 0;
	return sizeof(struct wfhdr) + 8 * ncities + 4 * nfacts + 4 * ncities + 4 * (ncities + 1) + 12 * ncities +
	    2 * nks + strbytes;
}

void *
wavefacts_flat_make(long long version, size_t nfacts, const char *const *facts, size_t ncities,
    const int *city, const size_t *start, const unsigned short *ks, size_t nks, const long long *pop,
    const char *const *attr, size_t *len)
{
	struct wfhdr h;
	uint64_t strbytes = 0;
	size_t i, size;
	char *b, *p;
	uint32_t *u;

	for (i = 0; i < nfacts; i++)
		strbytes += strlen(facts[i]) + 1;
	for (i = 0; attr && i < 3 * ncities; i++)
		strbytes += strlen(attr[i] ? attr[i] : "") + 1;
	if (!attr)
		strbytes += 1;	/* one "" for every attribute */
	if ((size = flat_size(nfacts, ncities, nks, strbytes)) == 0 || (b = malloc(size)) == NULL)
		return NULL;
	h.magic = WFMAGIC;
	h.nfacts = (uint32_t)nfacts;
	h.ncities = (uint32_t)ncities;
	h.nks = (uint32_t)nks;
	h.version = version;
	h.strbytes = strbytes;
	memcpy(b, &h, sizeof(h));
	p = b + sizeof(h);
	for (i = 0; i < ncities; i++)
		((int64_t *)(void *)p)[i] = pop ? (int64_t)pop[i] : WFNOPOP;
	p += 8 * ncities;
	u = (uint32_t *)(void *)p;
	strbytes = 0;
	for (i = 0; i < nfacts; i++) {
		u[i] = (uint32_t)strbytes;
		strbytes += strlen(facts[i]) + 1;
	}
	p += 4 * nfacts;
	for (i = 0; i < ncities; i++)
		((int32_t *)(void *)p)[i] = city[i];
	p += 4 * ncities;
	for (i = 0; i <= ncities; i++)
		((uint32_t *)(void *)p)[i] = (uint32_t)start[i];
	p += 4 * (ncities + 1);
	for (i = 0; i < 3 * ncities; i++) {
		((uint32_t *)(void *)p)[i] = (uint32_t)strbytes;
		if (attr)
			strbytes += strlen(attr[i] ? attr[i] : "") + 1;
	}
	p += 12 * ncities;
	memcpy(p, ks, 2 * nks);
	p += 2 * nks;
	for (i = 0; i < nfacts; i++) {
		size_t l = strlen(facts[i]) + 1;

		memcpy(p, facts[i], l);
		p += l;
	}
	for (i = 0; attr && i < 3 * ncities; i++) {
		const char *a = attr[i] ? attr[i] : "";
		size_t l = strlen(a) + 1;

		memcpy(p, a, l);
		p += l;
	}
	if (!attr)
		*p = '\0';
	*len = size;
	return b;
}

struct wavefacts *
wavefacts_from_flat(void *block, size_t len)
{
	struct wavefacts *w;
	struct wfhdr h;
	const char *p;
	size_t i;

	if (block == NULL || len < sizeof(h))
		return NULL;
	memcpy(&h, block, sizeof(h));
	if (h.magic != WFMAGIC || flat_size(h.nfacts, h.ncities, h.nks, h.strbytes) != len)
		return NULL;
	if ((w = calloc(1, sizeof(*w))) == NULL)
		return NULL;
	p = (const char *)block + sizeof(h);
	w->h = block;
	w->pop = (const int64_t *)(const void *)p;
	p += 8 * (size_t)h.ncities;
	w->factoff = (const uint32_t *)(const void *)p;
	p += 4 * (size_t)h.nfacts;
	w->city = (const int32_t *)(const void *)p;
	p += 4 * (size_t)h.ncities;
	w->start = (const uint32_t *)(const void *)p;
	p += 4 * ((size_t)h.ncities + 1);
	w->attr = (const uint32_t *)(const void *)p;
	p += 12 * (size_t)h.ncities;
	w->ks = (const uint16_t *)(const void *)p;
	p += 2 * (size_t)h.nks;
	w->str = p;
	for (i = 0; i < h.nfacts; i++)
		if (w->factoff[i] >= h.strbytes ||
		    memchr(w->str + w->factoff[i], '\0', h.strbytes - w->factoff[i]) == NULL)
			goto bad;
	for (i = 0; i < 3 * (size_t)h.ncities; i++)
		if (w->attr[i] >= h.strbytes ||
		    memchr(w->str + w->attr[i], '\0', h.strbytes - w->attr[i]) == NULL)
			goto bad;
	if (w->start[0] != 0 || w->start[h.ncities] != h.nks)
		goto bad;
	for (i = 0; i < h.ncities; i++)
		if (w->start[i] > w->start[i + 1] || (i > 0 && w->city[i - 1] >= w->city[i]))
			goto bad;
	for (i = 0; i < h.nks; i++)
		if (w->ks[i] >= h.nfacts)
			goto bad;
	w->block = block;
	w->len = len;
	return w;
bad:
	free(w);
	return NULL;
}

void
wavefacts_free(struct wavefacts *w)
{
	if (w == NULL)
		return;
	free(w->block);
	free(w->bits);
	free(w->byslug);
	free(w);
}

long long
wavefacts_version(const struct wavefacts *w)
{
	return w->h->version;
}

/* The distinct facts of a build, numbered in the order met (a hash table of their numbers). */
struct dict {
	char **x;		/* n */
	uint32_t *len;		/* n */
	size_t n, cap;
	uint32_t *tab;		/* tcap: a number + 1, or 0 for none */
	size_t tcap;
};

/* A hash of the n bytes at x, eight at a time. */
static uint64_t
hash(const char *x, size_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ull ^ n, w;

	for (; n >= 8; x += 8, n -= 8) {
		memcpy(&w, x, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdull;
		h ^= h >> 32;
	}
	w = 0;
	memcpy(&w, x, n);
	h = (h ^ w) * 0xff51afd7ed558ccdull;
	return h ^ (h >> 29);
}

/* The number of fact x (n bytes, no NUL among them), added when new; -1 when out of memory or out
 * of numbers. */
static long
dict_number(struct dict *d, const char *x, size_t n)
{
	size_t i;

	if (2 * (d->n + 1) > d->tcap) {
		size_t nc = d->tcap ? 2 * d->tcap : 1024, k;
		uint32_t *nt = calloc(nc, sizeof(*nt));

		if (nt == NULL)
			return -1;
		for (k = 0; k < d->n; k++) {
			for (i = (size_t)hash(d->x[k], d->len[k]) & (nc - 1); nt[i]; i = (i + 1) & (nc - 1))
				;
			nt[i] = (uint32_t)k + 1;
		}
		free(d->tab);
		d->tab = nt;
		d->tcap = nc;
	}
	for (i = (size_t)hash(x, n) & (d->tcap - 1); d->tab[i]; i = (i + 1) & (d->tcap - 1))
		if (d->len[d->tab[i] - 1] == n && memcmp(d->x[d->tab[i] - 1], x, n) == 0)
			return (long)d->tab[i] - 1;
	if (d->n >= WFMAXF || n > UINT32_MAX)
		return -1;
	if (d->n == d->cap) {
		size_t cap = d->cap ? 2 * d->cap : 256;
		char **nx = realloc(d->x, cap * sizeof(*nx));
		uint32_t *nl;

		if (nx == NULL)
			return -1;
		d->x = nx;
		if ((nl = realloc(d->len, cap * sizeof(*nl))) == NULL)
			return -1;
		d->len = nl;
		d->cap = cap;
	}
	if ((d->x[d->n] = malloc(n + 1)) == NULL)
		return -1;
	memcpy(d->x[d->n], x, n);
	d->x[d->n][n] = '\0';
	d->len[d->n] = (uint32_t)n;
	d->tab[i] = (uint32_t)d->n + 1;
	return (long)d->n++;
}

static void
dict_free(struct dict *d)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		free(d->x[i]);
	free(d->x);
	free(d->len);
	free(d->tab);
}

/* The order Q_PEERS_PROFILE gives the counts in: answered codes (no '=') first, then by code, then by
 * option; bytewise, as the database's C.UTF-8 collation orders them (code points). */
static int
cmp_fact(const void *pa, const void *pb)
{
	const char *a = *(const char *const *)pa, *b = *(const char *const *)pb;
	const char *ea = strchr(a, '='), *eb = strchr(b, '=');
	size_t la, lb;
	int c;

	if ((ea == NULL) != (eb == NULL))
		return ea == NULL ? -1 : 1;
	if (ea == NULL)
		return strcmp(a, b);
	la = (size_t)(ea - a);
	lb = (size_t)(eb - b);
	if ((c = memcmp(a, b, la < lb ? la : lb)) != 0)
		return c;
	if (la != lb)
		return la < lb ? -1 : 1;
	return strcmp(ea + 1, eb + 1);
}

/* The next element of a text[]'s text form at *s (after '{' or ','): 1 with *x, *n the element (in
 * place when not quoted, else decoded into buf, as long as the rest of s at least) and *s at the ','
 * or '}' after it; -1 when not an element of a one-dimensional array without nulls. */
static int
next_fact(const char **s, char *buf, const char **x, size_t *n)
{
	const char *p = *s;
	char *o = buf;

	if (*p == '"') {
		for (p++; *p != '"'; p++) {
			if (*p == '\\')
				p++;
			if (*p == '\0')
				return -1;
			*o++ = *p;
		}
		p++;
		*x = buf;
		*n = (size_t)(o - buf);
	} else {
		*n = strcspn(p, ",}\"\\{");
		*x = p;
		p += *n;
		if (*n == 0 || (*n == 4 && strncasecmp(*x, "NULL", 4) == 0))
			return -1;	/* a null element: not a fact */
	}
	if (*p != ',' && *p != '}')
		return -1;
	*s = p;
	return 1;
}

struct cidrow {
	int cid, row;
};

static int
cmp_cidrow(const void *pa, const void *pb)
{
	const struct cidrow *a = pa, *b = pb;

	return (a->cid > b->cid) - (a->cid < b->cid);
}

/* Q_WAVEFACTS read into the flat form: the distinct facts numbered and sorted here; NULL when the
 * database failed, the answer is not as expected, or it is not of version. */
static void *
build(struct db *db, const char *wave, long long version, size_t *len)
{
	const char *p[1] = { wave };
	PGresult *res = db_query(db, Q_WAVEFACTS, 1, p);
	const char **attr = NULL;
	struct dict d = { 0 };
	long long *pop = NULL;
	int *city = NULL, have0 = 0;
	struct cidrow *row = NULL;
	size_t *start = NULL, nc = 0, nk = 0, capk = 0, buflen = 0, i;
	unsigned short *ks = NULL, *perm = NULL;
	char *buf = NULL, **sorted = NULL;
	void *b = NULL;
	int r, rows;

	if (!db_ok(res) || (rows = PQntuples(res)) < 1)
		goto out;
	if ((row = calloc((size_t)rows, sizeof(*row))) == NULL ||
	    (city = calloc((size_t)rows, sizeof(*city))) == NULL ||
	    (start = calloc((size_t)rows + 1, sizeof(*start))) == NULL ||
	    (pop = calloc((size_t)rows, sizeof(*pop))) == NULL ||
	    (attr = calloc(3 * (size_t)rows, sizeof(*attr))) == NULL)
		goto out;
	for (r = 0; r < rows; r++) {
		const char *part = PQgetvalue(res, r, Q_WAVEFACTS_PART);

		if (strcmp(part, "0") == 0) {
			if (have0++ || strtoll(PQgetvalue(res, r, Q_WAVEFACTS_VERSION), NULL, 10) != version)
				goto out;
		} else if (strcmp(part, "1") == 0) {
			size_t l = (size_t)PQgetlength(res, r, Q_WAVEFACTS_FACTS) + 1;

			row[nc].cid = (int)strtol(PQgetvalue(res, r, Q_WAVEFACTS_CID), NULL, 10);
			row[nc++].row = r;
			if (l > buflen)
				buflen = l;
		} else {
			goto out;
		}
	}
	if (!have0 || (buf = malloc(buflen ? buflen : 1)) == NULL)
		goto out;
	qsort(row, nc, sizeof(*row), cmp_cidrow);
	for (i = 0; i < nc; i++) {
		const char *s = PQgetvalue(res, row[i].row, Q_WAVEFACTS_FACTS), *x;
		size_t n;

		r = row[i].row;
		city[i] = row[i].cid;
		pop[i] = PQgetisnull(res, r, Q_WAVEFACTS_POP) ? (long long)WFNOPOP :
		    strtoll(PQgetvalue(res, r, Q_WAVEFACTS_POP), NULL, 10);
		attr[3 * i] = PQgetvalue(res, r, Q_WAVEFACTS_REGION);
		attr[3 * i + 1] = PQgetvalue(res, r, Q_WAVEFACTS_COUNTRY);
		attr[3 * i + 2] = PQgetvalue(res, r, Q_WAVEFACTS_SLUG);
		if (i > 0 && city[i - 1] >= city[i])
			goto out;
		start[i] = nk;
		if (PQgetisnull(res, r, Q_WAVEFACTS_FACTS))
			continue;
		if (*s++ != '{')
			goto out;
		if (*s == '}' && s[1] == '\0')
			continue;	/* no facts */
		for (;;) {
			long k;

			if (next_fact(&s, buf, &x, &n) == -1 || (k = dict_number(&d, x, n)) < 0)
				goto out;
			if (nk == capk) {
				unsigned short *n2 = realloc(ks, (capk = capk ? 2 * capk : 4096) * sizeof(*ks));

				if (n2 == NULL)
					goto out;
				ks = n2;
			}
			ks[nk++] = (unsigned short)k;
			if (*s++ == '}')
				break;
		}
		if (*s != '\0')
			goto out;
	}
	start[nc] = nk;
	/* The numbers in the counts' order: facts sorted, each row's numbers renumbered. */
	if ((sorted = malloc((d.n ? d.n : 1) * sizeof(*sorted))) == NULL ||
	    (perm = malloc((d.n ? d.n : 1) * sizeof(*perm))) == NULL)
		goto out;
	memcpy(sorted, d.x, d.n * sizeof(*sorted));
	qsort(sorted, d.n, sizeof(*sorted), cmp_fact);
	for (i = 0; i < d.n; i++) {
		long k = dict_number(&d, sorted[i], strlen(sorted[i]));	/* may grow the table: can fail */

		if (k < 0 || (size_t)k >= d.n)
			goto out;
		perm[k] = (unsigned short)i;
	}
	for (i = 0; i < nk; i++)
		ks[i] = perm[ks[i]];
	b = wavefacts_flat_make(version, d.n, (const char *const *)sorted, nc, city, start, ks, nk, pop, attr, len);
out:
	dict_free(&d);
	free(sorted);
	free(perm);
	free(buf);
	free(row);
	free(attr);
	free(pop);
	free(city);
	free(start);
	free(ks);
	PQclear(res);
	return b;
}

struct wfarg {
	struct db *db;
	const char *wave;
	long long version;
};

static void *
build_cb(void *arg, size_t *len)
{
	struct wfarg *a = arg;

	return build(a->db, a->wave, a->version, len);
}

/* The block over b when it is one of the version asked; else NULL, b freed. */
static void *
open_cb(void *arg, void *b, size_t len, const struct simshare_ticket *t)
{
	struct wfarg *a = arg;
	struct wavefacts *w = wavefacts_from_flat(b, len);

	(void)t;
	if (w != NULL && wavefacts_version(w) == a->version)
		return w;
	if (w != NULL)
		wavefacts_free(w);
	else
		free(b);
	return NULL;
}

/* The facts of (wave, version) built once for all the workers (simshare_obtain); NULL when not to be
 * had at that version. */
static struct wavefacts *
obtain(struct db *db, const char *wave, long long version)
{
	struct wfarg a = { db, wave, version };
	char key[32];

	snprintf(key, sizeof(key), "wf:%s", wave);
	return simshare_obtain(simshare_default, key, version, WFWAIT, build_cb, open_cb, &a);
}

/* Whether the database orders text byte by byte, as the worker sorts the facts (cmp_fact): the
 * counts' order of the statements that answer without the block is the database's, so on a database
 * of another collation the block is not used (asked once per process: -1 not yet known). */
static int
bytewise(struct db *db)
{
	static int known = -1;
	PGresult *res;

	if (known >= 0)
		return known;
	if ((res = db_query(db, Q_DB_BYTEWISE, 0, NULL)) == NULL)
		return 0;
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
		known = strcmp(PQgetvalue(res, 0, Q_DB_BYTEWISE_BYTEWISE), "t") == 0;
	PQclear(res);
	return known == 1;
}

const struct wavefacts *
wavefacts_get(struct db *db, const char *wave, long long version)
{
	struct wavefacts *w;
	size_t i, s = 0;

	if (strlen(wave) >= sizeof(slot[0].wave) - 3 || !bytewise(db))
		return NULL;
	for (i = 0; i < WFSLOTS; i++)
		if (slot[i].w && wavefacts_version(slot[i].w) == version && strcmp(slot[i].wave, wave) == 0) {
			slot[i].used = ++wfclock;
			return slot[i].w;
		}
	if ((w = obtain(db, wave, version)) == NULL)
		return NULL;
	for (i = 0; i < WFSLOTS; i++) {
		if (slot[i].w && strcmp(slot[i].wave, wave) == 0) {
			s = i;	/* the same wave of another version: replaced */
			break;
		}
		if (slot[i].used < slot[s].used)
			s = i;
	}
	wavefacts_free(slot[s].w);
	snprintf(slot[s].wave, sizeof(slot[s].wave), "%s", wave);
	slot[s].w = w;
	slot[s].used = ++wfclock;
	return w;
}


uint32_t *
wavefacts_tally(const struct wavefacts *w, const int *ids, size_t n)
{
	uint32_t *cnt, nf = w->h->nfacts;
	uint64_t *mask = NULL;
	const uint64_t *bits;
	size_t i, from = 0, words = (w->h->ncities + 63) / 64;

	if ((cnt = calloc(nf ? nf : 1, sizeof(*cnt))) == NULL)
		return NULL;
	/* Many members: each fact's count is its cities' bits among the members' (one word for 64
	 * cities, whatever the cohort's size); few: their facts added one by one. */
	if (n > 0 && (uint64_t)n * (w->h->nks / (w->h->ncities ? w->h->ncities : 1) + 1) > (uint64_t)nf * words &&
	    (bits = fact_bits(w)) != NULL && (mask = calloc(words, 8)) != NULL) {
		for (i = 0; i < n; i++) {
			long c = idseek(w->city, w->h->ncities, from, ids[i]);

			if (c < 0) {
				free(mask);
				free(cnt);
				return NULL;
			}
			from = (size_t)c;
			if (mask[c / 64] >> (c % 64) & 1) {	/* a member named twice counts twice */
				free(mask);
				mask = NULL;
				from = 0;
				break;
			}
			mask[c / 64] |= (uint64_t)1 << (c % 64);
		}
		if (mask) {
			for (i = 0; i < nf; i++) {
				const uint64_t *b = bits + i * words;
				uint32_t k = 0;
				size_t j;

				for (j = 0; j < words; j++)
					k += (uint32_t)__builtin_popcountll(b[j] & mask[j]);
				cnt[i] = k;
			}
			free(mask);
			fast[0]++;
			return cnt;
		}
	}
	for (i = 0; i < n; i++) {
		long c = idseek(w->city, w->h->ncities, from, ids[i]);
		uint32_t j, end;

		if (c < 0) {
			free(cnt);
			return NULL;
		}
		from = (size_t)c;
		for (j = w->start[c], end = w->start[c + 1]; j < end; j++)
			cnt[w->ks[j]]++;
	}
	return cnt;
}

size_t
wavefacts_fast(int slugs)
{
	return fast[slugs != 0];
}

size_t
wavefacts_nfacts(const struct wavefacts *w)
{
	return w->h->nfacts;
}

const char *
wavefacts_fact(const struct wavefacts *w, size_t k)
{
	return w->str + w->factoff[k];
}

int
wavefacts_count(const struct wavefacts *w, const int *ids, size_t n, json_t *counts,
    void (*add)(json_t *, const char *, const char *, json_int_t))
{
	uint32_t *cnt, k, nf = w->h->nfacts;
	char *code = NULL;
	size_t cap = 0;

	if ((cnt = wavefacts_tally(w, ids, n)) == NULL)
		return -1;
	for (k = 0; k < nf; k++) {
		const char *x = w->str + w->factoff[k], *eq;

		if (cnt[k] == 0)
			continue;
		if ((eq = strchr(x, '=')) == NULL) {
			add(counts, x, NULL, (json_int_t)cnt[k]);
			continue;
		}
		if ((size_t)(eq - x) + 1 > cap) {
			char *c2 = realloc(code, (cap = (size_t)(eq - x) + 64));

			if (c2 == NULL) {
				free(code);
				free(cnt);
				return -1;	/* some added: the caller drops counts */
			}
			code = c2;
		}
		memcpy(code, x, (size_t)(eq - x));
		code[eq - x] = '\0';
		add(counts, code, eq + 1, (json_int_t)cnt[k]);
	}
	free(code);
	free(cnt);
	return 0;
}

size_t
wavefacts_ncities(const struct wavefacts *w)
{
	return w->h->ncities;
}

int
wavefacts_city(const struct wavefacts *w, size_t i)
{
	return w->city[i];
}

int
wavefacts_population(const struct wavefacts *w, size_t i, long long *pop)
{
	*pop = w->pop[i];
	return w->pop[i] != WFNOPOP;
}

size_t
wavefacts_run(const struct wavefacts *w, size_t i, const uint16_t **ks)
{
	*ks = w->ks + w->start[i];
	return w->start[i + 1] - w->start[i];
}

int
wavefacts_band(const char *const *params, long long *min, long long *max)
{
	if (params[0] == NULL || strcmp(params[0], "population") != 0)
		return 0;
	*min = params[2] ? strtoll(params[2], NULL, 10) : 0;
	*max = params[3] ? strtoll(params[3], NULL, 10) : INT64_MAX;
	return 1;
}

const struct wavefacts *
wavefacts_peek(const char *wave)
{
	size_t i;

	for (i = 0; i < WFSLOTS; i++)
		if (slot[i].w && strcmp(slot[i].wave, wave) == 0) {
			slot[i].used = ++wfclock;
			return slot[i].w;
		}
	return NULL;
}

/* The number of fact x, or -1 when no city of the wave has it. */
static long
fact_number(const struct wavefacts *w, const char *x)
{
	uint32_t k;

	for (k = 0; k < w->h->nfacts; k++)
		if (strcmp(w->str + w->factoff[k], x) == 0)
			return (long)k;
	return -1;
}

static int
has_fact(const struct wavefacts *w, size_t c, long k)
{
	uint32_t j;

	for (j = w->start[c]; k >= 0 && j < w->start[c + 1]; j++)
		if (w->ks[j] == (uint16_t)k)
			return 1;
	return 0;
}

#define WFBITS_MAX ((size_t)16 << 20)	/* bytes of a wave's fact bits at most (150 facts x 10,000 cities: 0.2 MB) */

/* The wave's fact bits (see struct wavefacts), or NULL. */
static const uint64_t *
fact_bits(const struct wavefacts *cw)
{
	struct wavefacts *w = (struct wavefacts *)cw;	/* the bits are a cache of what the block says */
	size_t nf = w->h->nfacts, nc = w->h->ncities, words = (nc + 63) / 64, c;
	uint64_t *b;
	uint32_t j;

	if (w->bits_state != 0)
		return w->bits_state == 1 ? w->bits : NULL;
	w->bits_state = -1;
	if (nf == 0 || words > WFBITS_MAX / 8 / nf || (b = calloc(nf * words, 8)) == NULL)
		return NULL;
	for (c = 0; c < nc; c++)
		for (j = w->start[c]; j < w->start[c + 1]; j++) {
			uint64_t *word = b + (size_t)w->ks[j] * words + c / 64, bit = (uint64_t)1 << (c % 64);

			if (*word & bit) {	/* named twice: counted twice by a tally, once by bits */
				free(b);
				return NULL;
			}
			*word |= bit;
		}
	w->bits = b;
	w->words = words;
	w->bits_state = 1;
	return b;
}

static const struct wavefacts *sorting;	/* qsort's context */

static int
cmp_row_slug(const void *a, const void *b)
{
	const struct wavefacts *w = sorting;

	return strcmp(w->str + w->attr[3 * *(const uint32_t *)a + 2], w->str + w->attr[3 * *(const uint32_t *)b + 2]);
}

/* The wave's rows in their slugs' order (see struct wavefacts), or NULL. */
static const uint32_t *
slug_order(const struct wavefacts *cw)
{
	struct wavefacts *w = (struct wavefacts *)cw;	/* a cache of what the block says */
	size_t i, nc = w->h->ncities;

	if (w->byslug_state != 0)
		return w->byslug_state == 1 ? w->byslug : NULL;
	w->byslug_state = -1;
	if ((w->byslug = malloc((nc ? nc : 1) * sizeof(*w->byslug))) == NULL)
		return NULL;
	for (i = 0; i < nc; i++)
		w->byslug[i] = (uint32_t)i;
	sorting = w;	/* a worker is one thread: qsort's context in a static, as wavemetrics.c's */
	qsort(w->byslug, nc, sizeof(*w->byslug), cmp_row_slug);
	for (i = 1; i < nc; i++)
		if (cmp_row_slug(&w->byslug[i - 1], &w->byslug[i]) == 0)
			return NULL;	/* two rows of one slug (the database has none): the full pass */
	w->byslug_state = 1;
	return w->byslug;
}

/* The row of slug s (by slug_order's rows), or -1. */
static long
row_of_slug(const struct wavefacts *w, const uint32_t *byslug, const char *s)
{
	size_t lo = 0, hi = w->h->ncities;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(w->str + w->attr[3 * byslug[mid] + 2], s);

		if (c == 0)
			return (long)byslug[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

static int
ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return 0;
	return 1;
}

/* A decided filter (COHORT_OK's arms): kind, and what it tests.  passes(): 1, 0, or -1 when this
 * city's row cannot be decided here (then neither can the cohort). */
struct wfilter {
	enum { F_REGION, F_REGION_CI, F_COUNTRY, F_POP, F_FACT, F_SLUGS } kind;
	const char *text;
	long long min, max;
	long k;			/* F_FACT: the fact's number, -1 for none */
	const char **slugs;	/* F_SLUGS: sorted */
	size_t nslugs;
};

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int
passes(const struct wavefacts *w, size_t c, const struct wfilter *f)
{
	const char *v;

	switch (f->kind) {
	case F_REGION:
		return strcmp(w->str + w->attr[3 * c], f->text) == 0;
	case F_REGION_CI:
		v = w->str + w->attr[3 * c];
		return ascii(v) ? strcasecmp(v, f->text) == 0 : -1;	/* lower() of 'K' (U+212A) is 'k' */
	case F_COUNTRY:
		return strcmp(w->str + w->attr[3 * c + 1], f->text) == 0;
	case F_POP:
		return w->pop[c] != WFNOPOP && w->pop[c] >= f->min && w->pop[c] <= f->max;
	case F_FACT:
		if (w->bits_state == 1)
			return f->k >= 0 && (w->bits[(size_t)f->k * w->words + c / 64] >> (c % 64) & 1);
		return has_fact(w, c, f->k);
	case F_SLUGS:
		v = w->str + w->attr[3 * c + 2];
		return f->nslugs > 0 && bsearch(&v, f->slugs, f->nslugs, sizeof(*f->slugs), cmp_str) != NULL;
	}
	return 0;
}

/* "{a,b}" (slugs: [a-z0-9-], no quoting) split in place into a sorted list; -1 out of memory. */
static int
slug_list(char *t, const char ***out, size_t *n)
{
	const char **v;
	size_t cap = 1, i = 0;
	char *p;

	for (p = t; *p; p++)
		cap += *p == ',';
	if ((v = calloc(cap, sizeof(*v))) == NULL)
		return -1;
	if (*t == '{')
		t++;
	if ((p = strchr(t, '}')) != NULL)
		*p = '\0';
	while (*t) {
		v[i++] = t;
		if ((p = strchr(t, ',')) == NULL)
			break;
		*p = '\0';
		t = p + 1;
	}
	qsort(v, i, sizeof(*v), cmp_str);
	*out = v;
	*n = i;
	return 0;
}

/* The first list filter among f (its index), or nf. */
static size_t
slugs_filter(const struct wfilter *f, size_t nf)
{
	size_t i;

	for (i = 0; i < nf && f[i].kind != F_SLUGS; i++)
		;
	return i;
}

int
wavefacts_cohort(const struct wavefacts *w, const char *const *params, int **ids, size_t *nids,
    json_t *codes)
{
	struct wfilter f[32];
	size_t nf = 0, i, j, n = 0;
	const char *kind = params[0] ? params[0] : "";
	char *list = NULL;
	json_t *fs = NULL, *e;
	int *v = NULL, rc = 1;

	memset(f, 0, sizeof(f));
	if (strcmp(kind, "all") == 0) {
		;	/* no filter */
	} else if (strcmp(kind, "region") == 0 && params[1]) {
		f[nf].kind = F_REGION;
		f[nf++].text = params[1];
	} else if (strcmp(kind, "country") == 0 && params[1]) {
		f[nf].kind = F_COUNTRY;
		f[nf++].text = params[1];
	} else if (wavefacts_band(params, &f[nf].min, &f[nf].max)) {
		f[nf++].kind = F_POP;
	} else if (strcmp(kind, "list") == 0 && params[4]) {
		if ((list = strdup(params[4])) == NULL || slug_list(list, &f[nf].slugs, &f[nf].nslugs) == -1)
			goto out;
		f[nf++].kind = F_SLUGS;
	} else if (strcmp(kind, "filters") == 0 && params[1]) {
		if ((fs = json_loads(params[1], 0, NULL)) == NULL || !json_is_array(fs) ||
		    json_array_size(fs) == 0 || json_array_size(fs) > sizeof(f) / sizeof(f[0]))
			goto out;
		json_array_foreach(fs, i, e) {
			const char *k = json_string_value(json_object_get(e, "k"));
			const char *val = json_string_value(json_object_get(e, "v"));
			const char *code = json_string_value(json_object_get(e, "c"));
			const char *opt = json_string_value(json_object_get(e, "o"));
			json_t *mn = json_object_get(e, "min"), *mx = json_object_get(e, "max"), *s, *sv;
			size_t m;

			if (k == NULL)
				goto out;
			if (strcmp(k, "region") == 0 && val && ascii(val)) {
				f[nf].kind = F_REGION_CI;	/* lower() = lower(): ASCII only here */
				f[nf].text = val;
			} else if (strcmp(k, "country") == 0 && val) {
				f[nf].kind = F_COUNTRY;
				f[nf].text = val;
			} else if (strcmp(k, "population") == 0 && (!mn || json_is_integer(mn)) &&
			    (!mx || json_is_integer(mx))) {
				f[nf].kind = F_POP;
				f[nf].min = mn ? (long long)json_integer_value(mn) : 0;
				f[nf].max = mx ? (long long)json_integer_value(mx) : INT64_MAX;
			} else if (strcmp(k, "answered") == 0 && code) {
				f[nf].kind = F_FACT;
				f[nf].k = fact_number(w, code);
			} else if (strcmp(k, "answer") == 0 && code && opt) {
				char x[2 * 64 + 2 + 64];

				if (snprintf(x, sizeof(x), "%s=%s", code, opt) >= (int)sizeof(x) ||
				    json_array_append_new(codes, json_string(code)) == -1)
					goto out;
				f[nf].kind = F_FACT;
				f[nf].k = fact_number(w, x);
			} else if (strcmp(k, "similar") == 0) {
				s = json_object_get(e, "s");
				f[nf].kind = F_SLUGS;
				if ((f[nf].slugs = calloc(json_array_size(s) + 1, sizeof(char *))) == NULL)
					goto out;
				json_array_foreach(s, m, sv)
					if (json_string_value(sv))
						f[nf].slugs[f[nf].nslugs++] = json_string_value(sv);
				qsort(f[nf].slugs, f[nf].nslugs, sizeof(char *), cmp_str);
			} else {
				goto out;	/* not decided here: PostgreSQL finds it */
			}
			nf++;
		}
	} else {
		goto out;
	}
	for (i = 0, j = 0; i < nf; i++)
		if (f[i].kind == F_FACT) {
			fact_bits(w);	/* a bit per city instead of a search of its facts */
			j++;
		}
	if ((v = malloc((w->h->ncities + 1) * sizeof(*v))) == NULL)
		goto out;
	if (nf > 0 && j == nf && w->bits_state == 1) {
		/* answer filters only: their bits and-ed, 64 cities at a time, the members read off */
		for (i = 0; i < w->words; i++) {
			uint64_t m = ~(uint64_t)0;

			for (j = 0; j < nf && m; j++)
				m &= f[j].k >= 0 ? w->bits[(size_t)f[j].k * w->words + i] : 0;
			for (; m; m &= m - 1)
				v[n++] = w->city[i * 64 + (size_t)__builtin_ctzll(m)];
		}
		fast[0]++;
	} else if ((j = slugs_filter(f, nf)) < nf && slug_order(w) != NULL) {
		/* a list of cities: only its cities' rows are tried (found by slug), in the rows' order (so a
		 * filter the facts cannot decide, a region not in ASCII, is only asked of them: the same
		 * members, decided here more often than the full pass did) */
		uint32_t *rows = malloc((f[j].nslugs ? f[j].nslugs : 1) * sizeof(*rows));
		size_t m = 0, k;

		if (rows == NULL)
			goto out;
		for (k = 0; k < f[j].nslugs; k++) {
			long r = row_of_slug(w, w->byslug, f[j].slugs[k]);

			if (r >= 0)
				rows[m++] = (uint32_t)r;
		}
		qsort(rows, m, sizeof(*rows), cmp_u32);
		for (k = 0; k < m; k++) {
			int pass = 1;

			if (k > 0 && rows[k - 1] == rows[k])
				continue;	/* named twice */
			for (i = 0; i < nf && pass == 1; i++)
				if ((pass = passes(w, rows[k], &f[i])) == -1) {
					free(rows);
					goto out;	/* not decided here */
				}
			if (pass == 1)
				v[n++] = w->city[rows[k]];
		}
		free(rows);
		fast[1]++;
	} else {
		for (i = 0; i < w->h->ncities; i++) {
			int pass = 1;

			for (j = 0; j < nf && pass == 1; j++)
				if ((pass = passes(w, i, &f[j])) == -1)
					goto out;	/* not decided here */
			if (pass == 1)
				v[n++] = w->city[i];
		}
	}
	*ids = v;
	*nids = n;
	v = NULL;
	rc = 0;
out:
	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		free(f[i].slugs);
	free(list);
	free(v);
	json_decref(fs);
	return rc;
}
