/* simindex.c: a wave's answers as small integers for the similarity score (see simindex.h).
 *
 * Memory: per city its slug and name (one arena), per city and question one tag byte and an 8-byte
 * value, and the option ids of its lists (4 bytes each); strings are interned once per index.  At
 * 10,000 cities and 40 questions that is under 5 MiB. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "similar.h"
#include "simindex.h"
#include "siphash.h"

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
	uint32_t *qhash;	/* codes: hash of question positions (+1, 0 = empty) */
	size_t qhcap;

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
	/* Sealed (simindex_seal): tag and cell are column-major (question q's cities at q * n), so that
	 * simindex_top scores every city one question at a time in a tight loop. */
	uint32_t *rank;		/* per row its place in (name, slug) order, equal pairs equal */
	int32_t *qslot;		/* per question its slot among bits, or -1 */
	size_t nslots;		/* multi questions of at most 64 distinct options over the wave */
	uint64_t *bits;		/* nslots * n: per slot and city its list's options as bits */
	uint32_t *qopts;	/* nslots * 64: per slot the option id of each bit (UINT32_MAX: none) */
	int32_t *qcol;		/* per question its byte column among opt, or -1 */
	size_t ncols;		/* single questions of at most 255 distinct options, bool questions */
	unsigned char *opt;	/* ncols * n: per column and city 0 (no string / boolean), else option + 1 */
	int32_t *qmcol;		/* per question its list code column, or -1 (NULL: none) */
	size_t nmcols;		/* multi questions with option bits and at most 255 distinct lists */
	unsigned char *mcode;	/* nmcols * n: per column and city 0 (not a list), else its list + 1 */
	uint64_t *msets;	/* nmcols * 255 * 2: per column and list its option bits and length */
	uint64_t qprint;	/* the questions and their types, hashed in order (simindex_qprint) */
	uint64_t *print;	/* per row its slug, name and answers' text, hashed (simindex_print) */
	void *flat;		/* simindex_from_flat: the one block every array above points into */
	size_t flat_len;
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
strhash_n(const char *s, size_t len)
{
	uint32_t h = 2166136261u;

	while (len--)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

/* The prints' key (simindex_key): zeros until the server sets one. */
static unsigned char print_key[16];

void
simindex_key(const unsigned char key[16])
{
	memcpy(print_key, key, sizeof(print_key));
}

/* The strings given (each with its NUL), keyed: a print (simindex_qprint, simindex_print). */
static uint64_t
print_of(const char *a, const char *b, const char *c, const char *d)
{
	const char *part[4] = { a, b, c, d };
	struct siphash h;
	int i;

	siphash_init(&h, print_key);
	for (i = 0; i < 4 && part[i]; i++)
		siphash_add(&h, part[i], strlen(part[i]) + 1);
	return siphash_end(&h);
}

static uint32_t
strhash(const char *s)
{
	return strhash_n(s, strlen(s));
}

/* Whether the interned (NUL-terminated) t is the len bytes at s. */
static int
same(const char *t, const char *s, size_t len)
{
	return strncmp(t, s, len) == 0 && t[len] == '\0';
}

/* The id of the len bytes at s (no NUL among them), added when new; -1 when out of memory. */
static long
intern(struct simindex *x, const char *s, size_t len)
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
	for (i = strhash_n(s, len) & (x->hcap - 1); x->hash[i]; i = (i + 1) & (x->hcap - 1))
		if (same(x->strs[x->hash[i] - 1], s, len))
			return (long)x->hash[i] - 1;
	if (grow((void **)&x->strs, &x->cstrs, x->nstrs + 1, sizeof(*x->strs)) == -1 ||
	    (x->strs[x->nstrs] = strndup(s, len)) == NULL)
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
	size_t n = json_object_size(types), q;

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
	{	/* the questions in order, each its code and type as the score reads it */
		struct siphash h;
		siphash_init(&h, print_key);
		for (q = 0; q < x->nq; q++) {
			siphash_add(&h, x->codes[q], strlen(x->codes[q]) + 1);
			siphash_add(&h, &x->qtype[q], 1);
		}
		x->qprint = siphash_end(&h);
	}
	for (x->qhcap = 16; x->qhcap < 2 * x->nq; x->qhcap *= 2)
		;
	if ((x->qhash = calloc(x->qhcap, sizeof(*x->qhash))) == NULL)
		goto fail;
	for (q = 0; q < x->nq; q++) {
		size_t j = strhash(x->codes[q]) & (x->qhcap - 1);
		while (x->qhash[j])
			j = (j + 1) & (x->qhcap - 1);
		x->qhash[j] = (uint32_t)q + 1;
	}
	return x;
fail:
	simindex_free(x);
	return NULL;
}

/* The position of the question whose code is the len bytes at s, or -1. */
static long
question(const struct simindex *x, const char *s, size_t len)
{
	size_t j;

	for (j = strhash_n(s, len) & (x->qhcap - 1); x->qhash[j]; j = (j + 1) & (x->qhcap - 1))
		if (same(x->codes[x->qhash[j] - 1], s, len))
			return (long)x->qhash[j] - 1;
	return -1;
}

/* The decimal count at *p, which `end` follows; *p moves past `end`.  -1 when malformed. */
static long
count(const char **p, char end)
{
	const char *s = *p;
	long n = 0;

	if (*s < '0' || *s > '9')
		return -1;
	while (*s >= '0' && *s <= '9') {
		if (n > 100000000L)
			return -1;
		n = n * 10 + (*s++ - '0');
	}
	if (*s != end)
		return -1;
	*p = s + 1;
	return n;
}

/* LEN ':' BYTES at *p: *s, *len; *p moves past it.  -1 when malformed. */
static int
lstring(const char **p, const char **s, size_t *len)
{
	long n = count(p, ':');

	if (n < 0 || strnlen(*p, (size_t)n) < (size_t)n)
		return -1;
	*s = *p;
	*len = (size_t)n;
	*p += n;
	return 0;
}

/* TEXT ';' at *p, a number as jsonb prints it, read as jansson reads it (an integer unless it has
 * '.', 'e' or 'E': strtoll, else strtod); *p moves past it.  0, 1 when jansson rejects it (an
 * integer out of range, a real that overflows: the whole document then), -1 when malformed. */
static int
number(const char **p, double *d)
{
	const char *s = *p, *e = strchr(s, ';'), *c;
	char *end;
	int real = 0;

	if (e == NULL || e == s || !(*s == '-' || (*s >= '0' && *s <= '9')))
		return -1;
	for (c = s; c < e; c++)
		if (*c == '.' || *c == 'e' || *c == 'E')
			real = 1;
	errno = 0;
	if (real) {
		*d = strtod(s, &end);
		if (end != e)
			return -1;
		if ((*d == HUGE_VAL || *d == -HUGE_VAL) && errno == ERANGE)
			return 1;
	} else {
		long long ll = strtoll(s, &end, 10);
		if (end != e)
			return -1;
		if (errno == ERANGE)
			return 1;
		*d = (double)ll;
	}
	*p = e + 1;
	return 0;
}

/* Reads the entries of one city (simindex_add_encoded) into its row: 0, 1 when the document is one
 * jansson rejects or the text is malformed (the row then answers nothing), -1 when out of memory. */
static int
entries(struct simindex *x, size_t row, const char *p)
{
	unsigned char *tag = x->tag + row * x->nq;
	union cell *cell = x->cell + row * x->nq;
	const char *k, *s;
	size_t klen, len;
	long q, n, i, id;
	double d;
	int rc;

	while (*p) {
		unsigned char t;
		union cell c;

		if (lstring(&p, &k, &klen) == -1)
			return 1;
		q = question(x, k, klen);
		memset(&c, 0, sizeof(c));
		switch (*p++) {
		case 's':
			if (lstring(&p, &s, &len) == -1)
				return 1;
			t = T_STRING;
			if (q >= 0) {
				if ((id = intern(x, s, len)) == -1)
					return -1;
				c.id = (uint32_t)id;
			}
			break;
		case 'n':
			if ((rc = number(&p, &c.num)) != 0)
				return 1;
			t = T_NUMBER;
			break;
		case 't':
		case 'f':
			t = T_BOOL;
			c.id = p[-1] == 't';
			break;
		case 'z':
			t = T_NONE;
			break;
		case 'o':
			t = T_OTHER;
			break;
		case 'a':
			if ((n = count(&p, ';')) < 0)
				return 1;
			t = T_ARRAY;
			c.run.off = (uint32_t)x->nids;
			for (i = 0; i < n; i++) {
				switch (*p++) {
				case 's':	/* similar.c's jaccard counts strings only */
					if (lstring(&p, &s, &len) == -1)
						return 1;
					if (q < 0)
						break;
					if ((id = intern(x, s, len)) == -1 ||
					    grow((void **)&x->ids, &x->cids, x->nids + 1, sizeof(*x->ids)) == -1)
						return -1;
					x->ids[x->nids++] = (uint32_t)id;
					c.run.len++;
					break;
				case 'n':
					if (number(&p, &d) != 0)
						return 1;
					break;
				case 'x':
					break;
				default:
					return 1;
				}
			}
			break;
		default:
			return 1;
		}
		if (q >= 0) {
			tag[q] = t;
			cell[q] = c;
		}
	}
	return 0;
}

int
simindex_add_encoded(struct simindex *x, const char *slug, const char *name, const char *encoded,
    int unreadable)
{
	size_t row = x->n;
	long s, m;
	int rc;

	if (x->qslot)		/* sealed: its answers are laid out by question now */
		return -1;
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
		if ((p = realloc(x->print, cap * sizeof(*x->print))) == NULL)
			return -1;
		x->print = p;
		x->cap = cap;
	}
	if ((s = add_text(x, slug)) == -1 || (m = add_text(x, name)) == -1)
		return -1;
	x->slug[row] = (size_t)s;
	x->name[row] = (size_t)m;
	x->print[row] = print_of(slug, name, unreadable ? "\001u" : "", encoded ? encoded : "\001n");
	memset(x->tag + row * x->nq, T_NONE, x->nq);
	memset(x->cell + row * x->nq, 0, x->nq * sizeof(*x->cell));
	if (!unreadable && encoded && (rc = entries(x, row, encoded)) != 0) {
		if (rc == -1)
			return -1;
		memset(x->tag + row * x->nq, T_NONE, x->nq);	/* jansson read no answers */
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

/* hit_cmp's tie-break: name, then slug. */
static int
name_cmp(const void *a, const void *b)
{
	int ra = *(const int *)a, rb = *(const int *)b, c;

	if ((c = strcmp(simindex_name(sort_x, ra), simindex_name(sort_x, rb))) != 0)
		return c;
	return strcmp(simindex_slug(sort_x, ra), simindex_slug(sort_x, rb));
}

/* Each row's place in (name, slug) order into x->rank: comparing two ranks is comparing the two
 * names, then slugs, as strcmp does (equal pairs get equal ranks).  0, or -1 when out of memory. */
static int
seal_rank(struct simindex *x)
{
	int *order = malloc((x->n + 1) * sizeof(*order));
	size_t i;

	if (order == NULL || (x->rank = malloc((x->n + 1) * sizeof(*x->rank))) == NULL) {
		free(order);
		return -1;
	}
	for (i = 0; i < x->n; i++)
		order[i] = (int)i;
	sort_x = x;
	qsort(order, x->n, sizeof(*order), name_cmp);
	for (i = 0; i < x->n; i++)
		x->rank[order[i]] = i > 0 && name_cmp(&order[i - 1], &order[i]) == 0 ?
		    x->rank[order[i - 1]] : (uint32_t)i;
	sort_x = NULL;
	free(order);
	return 0;
}

/* The bit of option id among a slot's 64 (added when new and there is room), or -1. */
static int
opt_bit(uint32_t *opts, uint32_t id, int add)
{
	int b;

	for (b = 0; b < 64 && opts[b] != UINT32_MAX; b++)
		if (opts[b] == id)
			return b;
	if (!add || b == 64)
		return -1;
	opts[b] = id;
	return b;
}

/* Each single question of at most 255 distinct options and each bool question given a byte column
 * (x->qcol, x->opt) from the column-major tag and cell: per city 0 when its answer is not a string
 * (single) or a boolean (bool), else its option's place among the question's + 1 (a boolean: 1 + its
 * value).  Two cities' bytes are equal and not 0 exactly when simindex_score counts their answers as
 * the same.  0, or -1 when out of memory (x unchanged). */
static int
seal_bytes(struct simindex *x, const unsigned char *tag, const union cell *cell)
{
	size_t n = x->n, nq = x->nq, q, i, nc = 0;
	int32_t *qcol = malloc((nq + 1) * sizeof(*qcol));
	unsigned char *opt;
	uint32_t ids[255];

	for (q = 0; q < nq; q++)
		nc += x->qtype[q] == Q_SINGLE || x->qtype[q] == Q_BOOL;
	if (qcol == NULL || (opt = calloc(nc * n + 1, 1)) == NULL) {
		free(qcol);
		return -1;
	}
	nc = 0;
	for (q = 0; q < nq; q++) {
		const unsigned char *t = tag + q * n;
		const union cell *c = cell + q * n;
		unsigned char *o = opt + nc * n, want = x->qtype[q] == Q_SINGLE ? T_STRING : T_BOOL;
		size_t nids = 0, last = 0, j;

		qcol[q] = -1;
		if (x->qtype[q] != Q_SINGLE && x->qtype[q] != Q_BOOL)
			continue;
		for (i = 0; i < n; i++) {
			if (t[i] != want)
				o[i] = 0;
			else if (want == T_BOOL)
				o[i] = (unsigned char)(1 + (c[i].id != 0));
			else {
				if (nids == 0 || ids[last] != c[i].id) {
					for (j = 0; j < nids && ids[j] != c[i].id; j++)
						;
					if (j == nids) {
						if (nids == 255)
							break;	/* too many: this question keeps its cells */
						ids[nids++] = c[i].id;
					}
					last = j;
				}
				o[i] = (unsigned char)(last + 1);
			}
		}
		if (i < n)
			continue;
		qcol[q] = (int32_t)nc++;
	}
	x->qcol = qcol;
	x->opt = opt;
	x->ncols = nc;
	return 0;
}

/* Each multi question with option bits and at most 255 distinct lists (option bits and length) over
 * the wave given a code column: per city 0 when its answer is not a list, else its list's place + 1
 * among msets.  simindex_top's approximate pass then computes a question's term once per list, not
 * per city.  Out of memory: no code columns (qmcol NULL), the same scores, slower. */
static void
seal_codes(struct simindex *x)
{
	size_t n = x->n, q, i, j, nc = 0, nsets;
	uint16_t h[512];

	for (q = 0; q < x->nq; q++)
		nc += x->qslot[q] >= 0;
	x->qmcol = malloc((x->nq + 1) * sizeof(*x->qmcol));
	x->mcode = malloc(nc * n + 1);
	x->msets = calloc(nc * 255 * 2 + 1, sizeof(*x->msets));
	if (x->qmcol == NULL || x->mcode == NULL || x->msets == NULL) {
		free(x->qmcol);
		free(x->mcode);
		free(x->msets);
		x->qmcol = NULL;
		x->mcode = NULL;
		x->msets = NULL;
		return;
	}
	nc = 0;
	for (q = 0; q < x->nq; q++) {
		const unsigned char *t = x->tag + q * n;
		const union cell *c = x->cell + q * n;
		const uint64_t *bits = x->bits + (size_t)(x->qslot[q] < 0 ? 0 : x->qslot[q]) * n;
		unsigned char *code = x->mcode + nc * n;
		uint64_t *sets = x->msets + nc * 255 * 2;

		x->qmcol[q] = -1;
		if (x->qslot[q] < 0)
			continue;
		memset(h, 0, sizeof(h));
		nsets = 0;
		for (i = 0; i < n; i++) {
			if (t[i] != T_ARRAY) {
				code[i] = 0;
				continue;
			}
			for (j = (bits[i] * 31 + c[i].run.len) * 0x9e3779b97f4a7c15ull >> 55; h[j];
			    j = (j + 1) & 511)
				if (sets[2 * (h[j] - 1)] == bits[i] && sets[2 * (h[j] - 1) + 1] == c[i].run.len)
					break;
			if (h[j] == 0) {
				if (nsets == 255)
					break;	/* too many: this question keeps its bits only */
				sets[2 * nsets] = bits[i];
				sets[2 * nsets + 1] = c[i].run.len;
				h[j] = (uint16_t)++nsets;
			}
			code[i] = (unsigned char)h[j];
		}
		if (i < n)
			continue;
		x->qmcol[q] = (int32_t)nc++;
	}
	x->nmcols = nc;
}

/* The answers laid out by question (tag and cell column-major) and each multi question of at most
 * 64 distinct options given its bits per city.  0, or -1 when out of memory (x unchanged). */
static int
seal_columns(struct simindex *x)
{
	size_t n = x->n, nq = x->nq, q, i, j;
	unsigned char *tag = malloc(n * nq + 1);
	union cell *cell = malloc((n * nq + 1) * sizeof(*cell));
	int32_t *qslot = malloc((nq + 1) * sizeof(*qslot));
	uint32_t *qopts = malloc((nq * 64 + 1) * sizeof(*qopts));
	uint64_t *bits = NULL;
	size_t nslots = 0;

	if (tag == NULL || cell == NULL || qslot == NULL || qopts == NULL)
		goto fail;
	for (i = 0; i < n; i++)
		for (q = 0; q < nq; q++) {
			tag[q * n + i] = x->tag[i * nq + q];
			cell[q * n + i] = x->cell[i * nq + q];
		}
	for (q = 0; q < nq; q++) {
		uint32_t *opts = qopts + nslots * 64;
		qslot[q] = -1;
		if (x->qtype[q] != Q_MULTI)
			continue;
		for (j = 0; j < 64; j++)
			opts[j] = UINT32_MAX;
		for (i = 0; i < n; i++)
			if (tag[q * n + i] == T_ARRAY)
				for (j = 0; j < cell[q * n + i].run.len; j++)
					if (opt_bit(opts, x->ids[cell[q * n + i].run.off + j], 1) < 0)
						goto next;
		qslot[q] = (int32_t)nslots++;
next:		;
	}
	if ((bits = calloc(nslots * n + 1, sizeof(*bits))) == NULL)
		goto fail;
	for (q = 0; q < nq; q++) {
		uint64_t *b = bits + (size_t)(qslot[q] < 0 ? 0 : qslot[q]) * n;
		if (qslot[q] < 0)
			continue;
		for (i = 0; i < n; i++)
			if (tag[q * n + i] == T_ARRAY)
				for (j = 0; j < cell[q * n + i].run.len; j++)
					b[i] |= (uint64_t)1 << opt_bit(qopts + (size_t)qslot[q] * 64,
					    x->ids[cell[q * n + i].run.off + j], 0);
	}
	if (seal_bytes(x, tag, cell) == -1)
		goto fail;
	free(x->tag);
	free(x->cell);
	x->tag = tag;
	x->cell = cell;
	x->qslot = qslot;
	x->qopts = qopts;
	x->bits = bits;
	x->nslots = nslots;
	seal_codes(x);
	return 0;
fail:
	free(tag);
	free(cell);
	free(qslot);
	free(qopts);
	free(bits);
	return -1;
}

int
simindex_seal(struct simindex *x)
{
	size_t i;

	if (x->rank)		/* sealed already */
		return 0;
	free(x->by_slug);
	if ((x->by_slug = malloc((x->n + 1) * sizeof(*x->by_slug))) == NULL)
		return -1;
	for (i = 0; i < x->n; i++)
		x->by_slug[i] = (int)i;
	sort_x = x;
	qsort(x->by_slug, x->n, sizeof(*x->by_slug), slug_cmp);
	sort_x = NULL;
	if ((x->qslot == NULL && seal_columns(x) == -1) || seal_rank(x) == -1) {
		free(x->by_slug);
		x->by_slug = NULL;
		return -1;
	}
	return 0;
}

void
simindex_free(struct simindex *x)
{
	size_t i;

	if (x == NULL)
		return;
	if (x->flat) {		/* a view of a flat copy: its arrays are that block's */
		free(x->flat);
		free(x);
		return;
	}
	for (i = 0; x->codes && i < x->nq; i++)
		free(x->codes[i]);
	for (i = 0; i < x->nstrs; i++)
		free(x->strs[i]);
	free(x->codes);
	free(x->qtype);
	free(x->population);
	free(x->qhash);
	free(x->slug);
	free(x->name);
	free(x->text);
	free(x->tag);
	free(x->cell);
	free(x->ids);
	free(x->strs);
	free(x->hash);
	free(x->by_slug);
	free(x->rank);
	free(x->qslot);
	free(x->bits);
	free(x->qopts);
	free(x->qcol);
	free(x->opt);
	free(x->qmcol);
	free(x->mcode);
	free(x->msets);
	free(x->print);
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
	if (x->flat)
		return sizeof(*x) + x->flat_len;
	b = sizeof(*x) + x->nq * (sizeof(char *) + 2) + x->qhcap * sizeof(uint32_t) + x->cap * (3 * sizeof(size_t) + sizeof(int)) +
	    x->tcap + x->cap * x->nq * (1 + sizeof(union cell)) + x->cids * sizeof(uint32_t) +
	    x->cstrs * sizeof(char *) + x->hcap * sizeof(uint32_t);
	for (i = 0; i < x->nstrs; i++)
		b += strlen(x->strs[i]) + 1;
	if (x->qslot)
		b += x->n * sizeof(uint32_t) + x->nq * (sizeof(int32_t) + 64 * sizeof(uint32_t)) +
		    x->nslots * x->n * sizeof(uint64_t) + x->nq * sizeof(int32_t) + x->ncols * x->n +
		    x->nq * sizeof(int32_t) + x->nmcols * (x->n + 255 * 16);
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
	/* row-major while cities are added, column-major once sealed */
	size_t qs = x->qslot ? x->n : 1, rs = x->qslot ? 1 : x->nq;
	const unsigned char *ta = x->tag + (size_t)mine * rs, *tb = x->tag + (size_t)theirs * rs;
	const union cell *ca = x->cell + (size_t)mine * rs, *cb = x->cell + (size_t)theirs * rs;
	double sum = 0, s;
	size_t q, n = 0;

	for (q = 0; q < x->nq; q++, ta += qs, tb += qs, ca += qs, cb += qs) {
		unsigned char k = x->qtype[q];

		if (k == Q_SKIP || *ta == T_NONE || *tb == T_NONE)
			continue;
		/* similar_score_n's chain of cases, in its order */
		if (k == Q_MULTI && *ta == T_ARRAY && *tb == T_ARRAY) {
			const uint32_t *a = x->ids + ca->run.off, *b = x->ids + cb->run.off;
			size_t na = ca->run.len, nb = cb->run.len, i, j, shared = 0, either;
			for (i = 0; i < na; i++)
				for (j = 0; j < nb; j++)
					if (a[i] == b[j]) {
						shared++;
						break;
					}
			either = na + nb - shared;
			s = either == 0 ? 1.0 : (double)shared / (double)either;
		} else if (k == Q_SINGLE && *ta == T_STRING && *tb == T_STRING) {
			s = ca->id == cb->id;
		} else if (k == Q_BOOL && *ta == T_BOOL && *tb == T_BOOL) {
			s = ca->id == cb->id;
		} else if (x->population[q] && *ta == T_NUMBER && *tb == T_NUMBER) {
			double a = ca->num, b = cb->num;
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
	if (x->rank)		/* name, then slug, as ranked by simindex_seal */
		return x->rank[a->row] < x->rank[b->row] ? -1 : x->rank[a->row] > x->rank[b->row];
	if ((c = strcmp(simindex_name(x, a->row), simindex_name(x, b->row))) != 0)
		return c;
	return strcmp(simindex_slug(x, a->row), simindex_slug(x, b->row));
}

int
simindex_hit_cmp(const struct simindex *x, const struct simindex_hit *a, const struct simindex_hit *b)
{
	return hit_cmp(x, a, b);
}

uint64_t
simindex_qprint(const struct simindex *x)
{
	return x ? x->qprint : 0;
}

uint64_t
simindex_print(const struct simindex *x, int row)
{
	return x && row >= 0 && (size_t)row < x->n ? x->print[row] : 0;
}

static const struct simindex *hit_x;

static int
hit_qcmp(const void *a, const void *b)
{
	return hit_cmp(hit_x, a, b);
}

/* The CPU's popcnt instruction when it has one (the build targets plain x86-64): a multi question's
 * shared options for one city are then one AND and one popcnt. */
#if defined(__x86_64__) && defined(__GNUC__)
#define POPCNT_TARGET __attribute__((target("popcnt")))
static int
popcnt_ok(void)
{
	static int ok = -1;

	if (ok < 0) {
		__builtin_cpu_init();
		ok = __builtin_cpu_supports("popcnt") != 0;
	}
	return ok;
}
#else
#define POPCNT_TARGET
static int
popcnt_ok(void)
{
	return 1;
}
#endif

static POPCNT_TARGET int
popcount64(uint64_t v)
{
	return __builtin_popcountll(v);
}

/* column()'s multi case when my na options are distinct, as the bits `mine`: per city that answered
 * a list, shared = |mine & theirs| (as similar.c's jaccard counts it: mine found among theirs). */
static POPCNT_TARGET void
column_bits(const uint64_t *bits, uint64_t mine, size_t na, const unsigned char *t, const union cell *c,
    size_t n, double *sum, uint32_t *cnt)
{
	size_t i;

	for (i = 0; i < n; i++) {
		int64_t shared, either;	/* signed: one instruction to a double, the same value */
		if (t[i] != T_ARRAY)
			continue;
		shared = __builtin_popcountll(bits[i] & mine);
		either = (int64_t)na + c[i].run.len - shared;
		sum[i] += either == 0 ? 1.0 : (double)shared / (double)either;
		cnt[i]++;
	}
}

/* Adds question q's share of the score of every city against row me to sum and cnt (the question
 * counted), as simindex_score's loop does for one pair: the same cases, values and order of
 * additions per city (questions are taken in order).  Adding 0.0 for a city the question does not
 * count for leaves its sum as it was (a sum of values >= +0.0 is never -0.0). */
static void
column(const struct simindex *x, size_t q, size_t me, double *sum, uint32_t *cnt)
{
	size_t n = x->n, i, j;
	const unsigned char *t = x->tag + q * n;
	const union cell *c = x->cell + q * n;
	unsigned char k = x->qtype[q], ta = t[me];

	if (k == Q_SKIP || ta == T_NONE)
		return;
	if (k == Q_MULTI && ta == T_ARRAY) {
		const uint32_t *a = x->ids + c[me].run.off;
		size_t na = c[me].run.len;
		unsigned char pos[64];
		int32_t slot = x->qslot[q];

		for (j = 0; slot >= 0 && j < na && j < 64; j++) {
			int b = opt_bit(x->qopts + (size_t)slot * 64, a[j], 0);
			if (b < 0)
				break;
			pos[j] = (unsigned char)b;
		}
		if (slot >= 0 && j == na && popcnt_ok()) {	/* shared: my options among theirs */
			uint64_t mine = 0;
			for (j = 0; j < na; j++)
				mine |= (uint64_t)1 << pos[j];
			if ((size_t)popcount64(mine) == na) {	/* each given once */
				column_bits(x->bits + (size_t)slot * n, mine, na, t, c, n, sum, cnt);
				return;
			}
		}
		if (slot >= 0 && j == na) {	/* shared: my options (each time given) among theirs */
			const uint64_t *bits = x->bits + (size_t)slot * n;
			for (i = 0; i < n; i++) {
				size_t shared = 0, either;
				uint64_t b = bits[i];
				if (t[i] != T_ARRAY)
					continue;
				for (j = 0; j < na; j++)
					shared += (b >> pos[j]) & 1;
				either = na + c[i].run.len - shared;
				sum[i] += either == 0 ? 1.0 : (double)shared / (double)either;
				cnt[i]++;
			}
			return;
		}
		for (i = 0; i < n; i++) {	/* over 64 options, or over 64 given */
			const uint32_t *b = x->ids + c[i].run.off;
			size_t nb = c[i].run.len, shared = 0, either, l;
			if (t[i] != T_ARRAY)
				continue;
			for (j = 0; j < na; j++)
				for (l = 0; l < nb; l++)
					if (a[j] == b[l]) {
						shared++;
						break;
					}
			either = na + nb - shared;
			sum[i] += either == 0 ? 1.0 : (double)shared / (double)either;
			cnt[i]++;
		}
		return;
	}
	if ((k == Q_SINGLE && ta == T_STRING) || (k == Q_BOOL && ta == T_BOOL)) {
		uint32_t id = c[me].id;
		for (i = 0; i < n; i++) {
			unsigned m = t[i] == ta;
			cnt[i] += m;
			sum[i] += (double)(m & (c[i].id == id));
		}
		return;
	}
	if (x->population[q] && ta == T_NUMBER) {
		double a = c[me].num;
		for (i = 0; i < n; i++)
			if (t[i] == T_NUMBER) {
				double b = c[i].num;
				sum[i] += a > 0 && fabs(b - a) <= SIMILAR_POPULATION_BAND * a;
				cnt[i]++;
			}
	}
}

/* simindex_top with 32-bit counts (65535 questions or more: no wave has them). */
static size_t
simindex_top_wide(const struct simindex *x, int me, size_t limit, struct simindex_hit *out)
{
	struct simindex_hit h, *all = NULL;
	size_t i, k = 0, n = 0;
	double *sum;
	uint32_t *cnt;

	if ((sum = calloc(x->n, sizeof(*sum) + sizeof(*cnt))) == NULL)
		return 0;
	cnt = (uint32_t *)(void *)(sum + x->n);
	if (limit > 32 && (all = malloc(x->n * sizeof(*all))) == NULL) {
		free(sum);
		return 0;
	}
	for (i = 0; i < x->nq; i++)
		column(x, i, (size_t)me, sum, cnt);
	for (i = 0; i < x->n; i++) {
		if ((int)i == me || cnt[i] == 0)
			continue;
		h.row = (int)i;
		h.score = sum[i] / (double)cnt[i];
		h.both = cnt[i];
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
	free(sum);
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

/* simindex_top's pass when every count fits 16 bits (fewer than 65535 questions).  The score is
 * sum / cnt, sum the terms in question order in double, as simindex_score adds them.  A term is 0 or
 * 1 except a multi question's (a Jaccard fraction), so per city the pass keeps in m the ones not yet
 * added, and adds them one at a time to sum (ones()) only before a multi question's term and at the
 * end: the same additions in the same order, each rounded as before (adding +0.0 changes nothing).
 * Single and bool questions then read one byte per city and add to two 16-bit counts, which the
 * compiler vectorises. */

/* s + 1.0 + 1.0 ... (m times), each addition rounded as one: while s is a whole number below 2^52
 * every such sum is exact, and m at once is the same. */
static inline double
ones(double s, unsigned m)
{
	if (m == 0)
		return s;
	if (s < 4503599627370496.0 && s == (double)(int64_t)s)
		return s + (double)m;
	while (m--)
		s += 1.0;
	return s;
}

/* One byte column against my byte `mine` (not 0): a city counts the question when its byte is not
 * 0, and matches when it is mine.  -O3 for this loop only: at -O2 GCC 12 vectorises nothing that
 * needs an epilogue; this loop is most of simindex_top's work at 10,000 cities. */
__attribute__((optimize("O3"))) static void
column_byte(const unsigned char *restrict o, unsigned char mine, size_t n, uint16_t *restrict m,
    uint16_t *restrict cnt)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char v = o[i];
		cnt[i] = (uint16_t)(cnt[i] + (v != 0));
		m[i] = (uint16_t)(m[i] + (v == mine));
	}
}

/* Adds a multi question's term v to city i's sum: exact, after its pending ones (the order of
 * simindex_score); else (simindex_top's first, approximate pass) at once. */
static inline void
add_term(double *sum, uint16_t *m, size_t i, double v, int exact)
{
	if (exact) {
		sum[i] = ones(sum[i], m[i]) + v;
		m[i] = 0;
	} else
		sum[i] += v;
}

/* column()'s multi case with bits, pending ones added first (exact) or not. */
static POPCNT_TARGET void
column_bits16(const uint64_t *bits, uint64_t mine, size_t na, const unsigned char *t, const union cell *c,
    size_t n, double *sum, uint16_t *m, uint16_t *cnt, int exact)
{
	size_t i;

	if (!exact) {
		for (i = 0; i < n; i++) {
			int64_t shared, either;
			if (t[i] != T_ARRAY)
				continue;
			shared = __builtin_popcountll(bits[i] & mine);
			either = (int64_t)na + c[i].run.len - shared;
			sum[i] += either == 0 ? 1.0 : (double)shared / (double)either;
			cnt[i]++;
		}
		return;
	}
	for (i = 0; i < n; i++) {
		int64_t shared, either;
		if (t[i] != T_ARRAY)
			continue;
		shared = __builtin_popcountll(bits[i] & mine);
		either = (int64_t)na + c[i].run.len - shared;
		sum[i] = ones(sum[i], m[i]) + (either == 0 ? 1.0 : (double)shared / (double)either);
		m[i] = 0;
		cnt[i]++;
	}
}

/* simindex_top's approximate pass keeps a code column's terms in one 64-bit word per city: the count
 * of questions above bit 40, the sum of the terms as fixed point (TOP_FIX units a 1) below.  Each term
 * is rounded once to a unit (off by at most 2^-25), so the mean of the fixed-point terms is off by at
 * most 2^-25 (at most 65534 terms of at most 2^24 units: under 2^40). */
#define TOP_FIX 16777216.0	/* 2^24 */
#define TOP_CNT ((uint64_t)1 << 40)

/* column_bits16's approximate pass with code columns: each list's term and count computed once per
 * column (the same expression for the term), kept in `struct codes`; then codes_add adds the columns'
 * look-ups to acc four columns at a time (integers: the order does not matter). */
struct codes {
	size_t k;			/* columns kept */
	const unsigned char **col;	/* per column its codes */
	uint64_t (*v)[256];		/* per column and code its term and count (code 0: nothing) */
	size_t nb;			/* byte columns kept (bytes_add) */
	const unsigned char **bcol;	/* per byte column its bytes */
	unsigned char *bmine;		/* per byte column my byte (not 0) */
};

static POPCNT_TARGET void
code_table(const uint64_t *sets, uint64_t mine, size_t na, uint64_t *v)
{
	size_t i, top = 255;

	/* codes past the last list that is not (no options, length 0) are that list or not used */
	while (top > 0 && sets[2 * (top - 1)] == 0 && sets[2 * (top - 1) + 1] == 0)
		top--;
	v[0] = 0;
	for (i = 0; i < 255; i++) {
		int64_t shared, either;
		double t;
		if (i > top) {
			v[i + 1] = v[top + 1];
			continue;
		}
		shared = __builtin_popcountll(sets[2 * i] & mine);
		either = (int64_t)na + (int64_t)(uint32_t)sets[2 * i + 1] - shared;
		t = either == 0 ? 1.0 : (double)shared / (double)either;
		v[i + 1] = TOP_CNT + (uint64_t)(t * TOP_FIX + 0.5);	/* t in [0, 1]: to the nearest */
	}
}

/* acc[i] = the sum over the kept columns of their terms and counts for city i. */
static void
codes_add(const struct codes *cs, size_t n, uint64_t *restrict acc)
{
	size_t j, i;

	if (cs->k == 0) {
		memset(acc, 0, n * sizeof(*acc));
		return;
	}
	for (j = 0; j < cs->k; j += 4) {
		const unsigned char *restrict c0 = cs->col[j], *restrict c1, *restrict c2, *restrict c3;
		const uint64_t *v0 = cs->v[j], *v1, *v2, *v3;
		switch (cs->k - j) {
		case 1:
			if (j == 0)
				for (i = 0; i < n; i++)
					acc[i] = v0[c0[i]];
			else
				for (i = 0; i < n; i++)
					acc[i] += v0[c0[i]];
			break;
		case 2:
			c1 = cs->col[j + 1], v1 = cs->v[j + 1];
			if (j == 0)
				for (i = 0; i < n; i++)
					acc[i] = v0[c0[i]] + v1[c1[i]];
			else
				for (i = 0; i < n; i++)
					acc[i] += v0[c0[i]] + v1[c1[i]];
			break;
		case 3:
			c1 = cs->col[j + 1], v1 = cs->v[j + 1];
			c2 = cs->col[j + 2], v2 = cs->v[j + 2];
			if (j == 0)
				for (i = 0; i < n; i++)
					acc[i] = v0[c0[i]] + v1[c1[i]] + v2[c2[i]];
			else
				for (i = 0; i < n; i++)
					acc[i] += v0[c0[i]] + v1[c1[i]] + v2[c2[i]];
			break;
		default:
			c1 = cs->col[j + 1], v1 = cs->v[j + 1];
			c2 = cs->col[j + 2], v2 = cs->v[j + 2];
			c3 = cs->col[j + 3], v3 = cs->v[j + 3];
			if (j == 0)
				for (i = 0; i < n; i++)
					acc[i] = v0[c0[i]] + v1[c1[i]] + v2[c2[i]] + v3[c3[i]];
			else
				for (i = 0; i < n; i++)
					acc[i] += v0[c0[i]] + v1[c1[i]] + v2[c2[i]] + v3[c3[i]];
		}
	}
}

/* column_byte over the kept byte columns, four at a time: m and cnt read and written once per four
 * (counts: the order does not matter).  -O3 for this loop only, as column_byte. */
__attribute__((optimize("O3"))) static void
bytes4(const unsigned char *restrict o0, const unsigned char *restrict o1, const unsigned char *restrict o2,
    const unsigned char *restrict o3, const unsigned char *mine, size_t n, uint16_t *restrict m,
    uint16_t *restrict cnt)
{
	unsigned char b0 = mine[0], b1 = mine[1], b2 = mine[2], b3 = mine[3];
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char v0 = o0[i], v1 = o1[i], v2 = o2[i], v3 = o3[i];
		cnt[i] = (uint16_t)(cnt[i] + (unsigned char)((v0 != 0) + (v1 != 0) + (v2 != 0) + (v3 != 0)));
		m[i] = (uint16_t)(m[i] + (unsigned char)((v0 == b0) + (v1 == b1) + (v2 == b2) + (v3 == b3)));
	}
}

static void
bytes_add(const struct codes *cs, size_t n, uint16_t *m, uint16_t *cnt)
{
	size_t j = 0;

	for (; j + 4 <= cs->nb; j += 4)
		bytes4(cs->bcol[j], cs->bcol[j + 1], cs->bcol[j + 2], cs->bcol[j + 3], cs->bmine + j, n, m, cnt);
	for (; j < cs->nb; j++)
		column_byte(cs->bcol[j], cs->bmine[j], n, m, cnt);
}

/* column16's population case: a city counts the question when its answer is a number, and matches
 * when that is within the band of mine (a > 0): the same comparison, without a branch so that the
 * compiler vectorises it (-O3 for this loop only; a cell that is not a number is read as a double but
 * its result masked). */
__attribute__((optimize("O3"))) static void
column_number(const unsigned char *restrict t, const union cell *restrict c, double a, size_t n,
    uint16_t *restrict m, uint16_t *restrict cnt)
{
	double band = SIMILAR_POPULATION_BAND * a;
	size_t i;

	if (!(a > 0)) {
		for (i = 0; i < n; i++)
			cnt[i] = (uint16_t)(cnt[i] + (t[i] == T_NUMBER));
		return;
	}
	for (i = 0; i < n; i++) {
		uint16_t v = t[i] == T_NUMBER;
		cnt[i] = (uint16_t)(cnt[i] + v);
		m[i] = (uint16_t)(m[i] + (v & (fabs(c[i].num - a) <= band)));
	}
}

/* column() for simindex_top16: the same cases in the same order. */
static void
column16(const struct simindex *x, size_t q, size_t me, double *sum, uint16_t *m, uint16_t *cnt, struct codes *cs,
    int exact)
{
	size_t n = x->n, i, j;
	const unsigned char *t = x->tag + q * n;
	const union cell *c = x->cell + q * n;
	unsigned char k = x->qtype[q], ta = t[me];

	if (k == Q_SKIP || ta == T_NONE)
		return;
	if (k == Q_MULTI && ta == T_ARRAY) {
		const uint32_t *a = x->ids + c[me].run.off;
		size_t na = c[me].run.len;
		unsigned char pos[64];
		int32_t slot = x->qslot[q];

		for (j = 0; slot >= 0 && j < na && j < 64; j++) {
			int b = opt_bit(x->qopts + (size_t)slot * 64, a[j], 0);
			if (b < 0)
				break;
			pos[j] = (unsigned char)b;
		}
		if (slot >= 0 && j == na && popcnt_ok()) {
			uint64_t mine = 0;
			for (j = 0; j < na; j++)
				mine |= (uint64_t)1 << pos[j];
			if ((size_t)popcount64(mine) == na && !exact && x->qmcol && x->qmcol[q] >= 0) {
				code_table(x->msets + (size_t)x->qmcol[q] * 255 * 2, mine, na, cs->v[cs->k]);
				cs->col[cs->k++] = x->mcode + (size_t)x->qmcol[q] * n;
				return;
			}
			if ((size_t)popcount64(mine) == na) {
				column_bits16(x->bits + (size_t)slot * n, mine, na, t, c, n, sum, m, cnt, exact);
				return;
			}
		}
		if (slot >= 0 && j == na) {
			const uint64_t *bits = x->bits + (size_t)slot * n;
			for (i = 0; i < n; i++) {
				size_t shared = 0, either;
				uint64_t b = bits[i];
				if (t[i] != T_ARRAY)
					continue;
				for (j = 0; j < na; j++)
					shared += (b >> pos[j]) & 1;
				either = na + c[i].run.len - shared;
				add_term(sum, m, i, either == 0 ? 1.0 : (double)shared / (double)either, exact);
				cnt[i]++;
			}
			return;
		}
		for (i = 0; i < n; i++) {
			const uint32_t *b = x->ids + c[i].run.off;
			size_t nb = c[i].run.len, shared = 0, either, l;
			if (t[i] != T_ARRAY)
				continue;
			for (j = 0; j < na; j++)
				for (l = 0; l < nb; l++)
					if (a[j] == b[l]) {
						shared++;
						break;
					}
			either = na + nb - shared;
			add_term(sum, m, i, either == 0 ? 1.0 : (double)shared / (double)either, exact);
			cnt[i]++;
		}
		return;
	}
	if ((k == Q_SINGLE && ta == T_STRING) || (k == Q_BOOL && ta == T_BOOL)) {
		uint32_t id = c[me].id;
		if (x->qcol[q] >= 0) {
			const unsigned char *o = x->opt + (size_t)x->qcol[q] * n;
			if (o[me] != 0 && !exact && cs) {	/* approximate: added later */
				cs->bcol[cs->nb] = o;
				cs->bmine[cs->nb++] = o[me];
				return;
			}
			if (o[me] != 0) {
				column_byte(o, o[me], n, m, cnt);
				return;
			}
		}
		for (i = 0; i < n; i++) {
			unsigned v = t[i] == ta;
			cnt[i] = (uint16_t)(cnt[i] + v);
			m[i] = (uint16_t)(m[i] + (v & (c[i].id == id)));
		}
		return;
	}
	if (x->population[q] && ta == T_NUMBER)
		column_number(t, c, c[me].num, n, m, cnt);
}

/* The best `limit` of the hits so far out[0 .. *k), in order: h inserted where it belongs. */
static void
top_insert(const struct simindex *x, struct simindex_hit *out, size_t *k, size_t limit,
    const struct simindex_hit *h)
{
	size_t at;

	if (*k == limit && hit_cmp(x, h, &out[*k - 1]) >= 0)
		return;
	at = *k < limit ? (*k)++ : *k - 1;
	while (at > 0 && hit_cmp(x, h, &out[at - 1]) < 0) {
		out[at] = out[at - 1];
		at--;
	}
	out[at] = *h;
}

/* How far simindex_top's approximate score may be from the exact one, twice over, with room to
 * spare: a code column's term is rounded to 2^-24 (off by at most 2^-25, so their mean too), and every
 * double sum is of at most 65534 terms in [0, 1], each addition off by at most half an ulp of the sum
 * (<= cnt * 2^-53), so a score (sum / cnt) is off by under 2^-25 + 1e-11 < 3.1e-8 either way. */
#define TOP_SLACK 2e-7

/* simindex_top for limit <= 32 with a bound: a first pass scores every city approximately (the
 * fractions added at once, no ones pending, code columns in fixed point), keeps the limit-th best
 * approximate score a, and then scores exactly (simindex_score: the reference order) only the cities
 * whose approximate score is at least a - TOP_SLACK.  Any other city's exact score is below
 * a - TOP_SLACK / 2, so below the exact scores of `limit` cities: it cannot enter the list, ties
 * included. */
static size_t
top_bounded(const struct simindex *x, int me, size_t limit, struct simindex_hit *out, double *sum, uint16_t *m,
    uint16_t *cnt, uint64_t *acc)
{
	double best[32], thr, a, lo = -HUGE_VAL;
	size_t nb = 0, k = 0, i, at, both;
	struct simindex_hit h;
	struct codes cs;

	cs.k = cs.nb = 0;
	cs.col = malloc((x->nmcols + 1) * sizeof(*cs.col));
	cs.v = malloc((x->nmcols + 1) * sizeof(*cs.v));
	cs.bcol = malloc((x->ncols + 1) * sizeof(*cs.bcol));
	cs.bmine = malloc(x->ncols + 1);
	if (cs.col == NULL || cs.v == NULL || cs.bcol == NULL || cs.bmine == NULL) {
		free(cs.col);
		free(cs.v);
		free(cs.bcol);
		free(cs.bmine);
		return 0;
	}
	for (i = 0; i < x->nq; i++)
		column16(x, i, (size_t)me, sum, m, cnt, &cs, 0);
	codes_add(&cs, x->n, acc);
	bytes_add(&cs, x->n, m, cnt);
	free(cs.col);
	free(cs.v);
	free(cs.bcol);
	free(cs.bmine);
	for (i = 0; i < x->n; i++) {	/* the approximate score, NaN: not a candidate */
		uint64_t w = acc[i];
		double c = (double)cnt[i] + (double)(int64_t)(w >> 40);
		sum[i] = (sum[i] + (double)m[i] + (double)(int64_t)(w & (TOP_CNT - 1)) * (1 / TOP_FIX)) / c;
	}
	sum[me] = NAN;
	for (i = 0; i < x->n; i++) {
		if (!((a = sum[i]) > lo))
			continue;
		at = nb < limit ? nb++ : nb - 1;
		while (at > 0 && a > best[at - 1]) {
			best[at] = best[at - 1];
			at--;
		}
		best[at] = a;
		if (nb == limit)
			lo = best[nb - 1];
	}
	if (nb == 0)
		return 0;
	thr = nb < limit ? -HUGE_VAL : best[nb - 1] - TOP_SLACK;
	for (i = 0; i < x->n; i++) {
		if (!(sum[i] >= thr))
			continue;
		h.row = (int)i;
		h.score = simindex_score(x, me, (int)i, &both);
		h.both = both;
		top_insert(x, out, &k, limit, &h);
	}
	return k;
}

size_t
simindex_top(const struct simindex *x, int me, size_t limit, struct simindex_hit *out)
{
	struct simindex_hit h, *all;
	size_t i, k, n = 0;
	double *sum;
	uint16_t *m, *cnt;
	uint64_t *acc;

	if (x == NULL || me < 0 || (size_t)me >= x->n || limit == 0 || x->rank == NULL)
		return 0;
	if (x->nq >= 65535 || x->qcol == NULL)
		return simindex_top_wide(x, me, limit, out);
	if (limit <= 32) {	/* acc is written before it is read */
		if ((sum = calloc(x->n, sizeof(*sum) + 2 * sizeof(*m))) == NULL)
			return 0;
		if ((acc = malloc(x->n * sizeof(*acc) + 1)) == NULL) {
			free(sum);
			return 0;
		}
		m = (uint16_t *)(void *)(sum + x->n);
		cnt = m + x->n;
		k = top_bounded(x, me, limit, out, sum, m, cnt, acc);
		free(acc);
		free(sum);
		return k;
	}
	if ((sum = calloc(x->n, sizeof(*sum) + 2 * sizeof(*m))) == NULL)
		return 0;
	m = (uint16_t *)(void *)(sum + x->n);
	cnt = m + x->n;
	if ((all = malloc(x->n * sizeof(*all))) == NULL) {
		free(sum);
		return 0;
	}
	for (i = 0; i < x->nq; i++)
		column16(x, i, (size_t)me, sum, m, cnt, NULL, 1);
	for (i = 0; i < x->n; i++) {
		if ((int)i == me || cnt[i] == 0)
			continue;
		h.row = (int)i;
		h.score = ones(sum[i], m[i]) / (double)cnt[i];
		h.both = cnt[i];
		all[n++] = h;
	}
	free(sum);
	hit_x = x;
	qsort(all, n, sizeof(*all), hit_qcmp);
	hit_x = NULL;
	k = n < limit ? n : limit;
	memcpy(out, all, k * sizeof(*out));
	free(all);
	return k;
}

/* The flat form (simindex_flat): a header, then the arrays a sealed index scores from, each at an
 * offset that is a multiple of 8 from the block's start, in this order. */
#define FLAT_MAGIC 0x63627369786c6174ull	/* "cbsixlat" */
#define FLAT_FORMAT 4u		/* 2: answers by question, ranks, option bits; 3: byte and code columns; 4: prints */
#define FLAT_SIZES ((uint32_t)(sizeof(size_t) << 16 | sizeof(union cell) << 8 | sizeof(int)))
#define FLAT_MAX ((uint64_t)1 << 40)		/* no count or size is near this */

struct flathead {
	uint64_t magic;
	uint32_t format, sizes;
	uint64_t nq, n, tlen, nids, nslots, ncols, nmcols, qprint;
};

enum { F_QTYPE, F_POPULATION, F_SLUG, F_NAME, F_TEXT, F_TAG, F_CELL, F_IDS, F_BYSLUG, F_RANK, F_QSLOT,
	F_BITS, F_QOPTS, F_QCOL, F_OPT, F_QMCOL, F_MCODE, F_MSETS, F_PRINT, F_END };

/* Each array's offset in the block and the block's size (off[F_END]) for these counts; -1 when a
 * count is out of bounds (then nothing is computed from it). */
static int
flat_layout(uint64_t nq, uint64_t n, uint64_t tlen, uint64_t nids, uint64_t nslots, uint64_t ncols,
    uint64_t nmcols, uint64_t off[F_END + 1])
{
	uint64_t size[F_END], at = (sizeof(struct flathead) + 7) / 8 * 8;
	int i;

	if (nq > FLAT_MAX || n > FLAT_MAX || tlen > FLAT_MAX || nids > FLAT_MAX ||
	    (nq != 0 && n > FLAT_MAX / nq) || nslots > nq || ncols > nq || nmcols > nslots)
		return -1;
	size[F_QTYPE] = size[F_POPULATION] = nq;
	size[F_SLUG] = size[F_NAME] = n * sizeof(size_t);
	size[F_TEXT] = tlen;
	size[F_TAG] = n * nq;
	size[F_CELL] = n * nq * sizeof(union cell);
	size[F_IDS] = nids * sizeof(uint32_t);
	size[F_BYSLUG] = n * sizeof(int);
	size[F_RANK] = n * sizeof(uint32_t);
	size[F_QSLOT] = nq * sizeof(int32_t);
	size[F_BITS] = nslots * n * sizeof(uint64_t);
	size[F_QOPTS] = nslots * 64 * sizeof(uint32_t);
	size[F_QCOL] = nq * sizeof(int32_t);
	size[F_OPT] = ncols * n;
	size[F_QMCOL] = nq * sizeof(int32_t);
	size[F_MCODE] = nmcols * n;
	size[F_MSETS] = nmcols * 255 * 2 * sizeof(uint64_t);
	size[F_PRINT] = n * sizeof(uint64_t);
	for (i = 0; i < F_END; i++) {
		off[i] = at;
		at += (size[i] + 7) / 8 * 8;	/* each below 2^44: no sum overflows */
	}
	off[F_END] = at;
	return at > SIZE_MAX ? -1 : 0;
}

void *
simindex_flat(const struct simindex *x, size_t *len)
{
	uint64_t off[F_END + 1];
	struct flathead h;
	char *b;
	size_t i;

	if (x == NULL || x->rank == NULL || flat_layout(x->nq, x->n, x->tlen, x->nids, x->nslots, x->ncols, x->nmcols, off) == -1 ||
	    (b = calloc(1, (size_t)off[F_END])) == NULL)
		return NULL;
	memset(&h, 0, sizeof(h));
	h.magic = FLAT_MAGIC;
	h.format = FLAT_FORMAT;
	h.sizes = FLAT_SIZES;
	h.nq = x->nq;
	h.n = x->n;
	h.tlen = x->tlen;
	h.nids = x->nids;
	h.nslots = x->nslots;
	h.ncols = x->ncols;
	h.nmcols = x->nmcols;
	h.qprint = x->qprint;
	memcpy(b, &h, sizeof(h));
	if (x->nq) {
		memcpy(b + off[F_QTYPE], x->qtype, x->nq);
		memcpy(b + off[F_POPULATION], x->population, x->nq);
		memcpy(b + off[F_QSLOT], x->qslot, x->nq * sizeof(int32_t));
		memcpy(b + off[F_QCOL], x->qcol, x->nq * sizeof(int32_t));
	}
	if (x->n) {
		memcpy(b + off[F_SLUG], x->slug, x->n * sizeof(size_t));
		memcpy(b + off[F_NAME], x->name, x->n * sizeof(size_t));
		memcpy(b + off[F_BYSLUG], x->by_slug, x->n * sizeof(int));
		memcpy(b + off[F_RANK], x->rank, x->n * sizeof(uint32_t));
		memcpy(b + off[F_PRINT], x->print, x->n * sizeof(uint64_t));
	}
	if (x->nslots) {
		memcpy(b + off[F_BITS], x->bits, x->nslots * x->n * sizeof(uint64_t));
		memcpy(b + off[F_QOPTS], x->qopts, x->nslots * 64 * sizeof(uint32_t));
	}
	if (x->n && x->nq) {
		memcpy(b + off[F_TAG], x->tag, x->n * x->nq);
		memcpy(b + off[F_CELL], x->cell, x->n * x->nq * sizeof(union cell));
	}
	if (x->ncols && x->n)
		memcpy(b + off[F_OPT], x->opt, x->ncols * x->n);
	for (i = 0; i < x->nq; i++) {
		int32_t col = x->qmcol ? x->qmcol[i] : -1;
		memcpy(b + off[F_QMCOL] + i * sizeof(col), &col, sizeof(col));
	}
	if (x->nmcols && x->n)
		memcpy(b + off[F_MCODE], x->mcode, x->nmcols * x->n);
	if (x->nmcols)
		memcpy(b + off[F_MSETS], x->msets, x->nmcols * 255 * 2 * sizeof(uint64_t));
	if (x->tlen)
		memcpy(b + off[F_TEXT], x->text, x->tlen);
	if (x->nids)
		memcpy(b + off[F_IDS], x->ids, x->nids * sizeof(uint32_t));
	*len = (size_t)off[F_END];
	return b;
}

struct simindex *
simindex_from_flat(void *block, size_t len)
{
	uint64_t off[F_END + 1];
	struct flathead h;
	struct simindex *x;
	char *b = block;
	size_t i, c;

	if (b == NULL || len < sizeof(h) || ((uintptr_t)b & 7) != 0)
		return NULL;
	memcpy(&h, b, sizeof(h));
	if (h.magic != FLAT_MAGIC || h.format != FLAT_FORMAT || h.sizes != FLAT_SIZES ||
	    flat_layout(h.nq, h.n, h.tlen, h.nids, h.nslots, h.ncols, h.nmcols, off) == -1 || off[F_END] != len)
		return NULL;
	if ((x = calloc(1, sizeof(*x))) == NULL)
		return NULL;
	x->nq = (size_t)h.nq;
	x->n = x->cap = (size_t)h.n;
	x->tlen = x->tcap = (size_t)h.tlen;
	x->nids = x->cids = (size_t)h.nids;
	x->nslots = (size_t)h.nslots;
	x->ncols = (size_t)h.ncols;
	x->nmcols = (size_t)h.nmcols;
	x->qtype = (unsigned char *)(b + off[F_QTYPE]);
	x->population = (unsigned char *)(b + off[F_POPULATION]);
	x->slug = (size_t *)(void *)(b + off[F_SLUG]);
	x->name = (size_t *)(void *)(b + off[F_NAME]);
	x->text = b + off[F_TEXT];
	x->tag = (unsigned char *)(b + off[F_TAG]);
	x->cell = (union cell *)(void *)(b + off[F_CELL]);
	x->ids = (uint32_t *)(void *)(b + off[F_IDS]);
	x->by_slug = (int *)(void *)(b + off[F_BYSLUG]);
	x->rank = (uint32_t *)(void *)(b + off[F_RANK]);
	x->qslot = (int32_t *)(void *)(b + off[F_QSLOT]);
	x->bits = (uint64_t *)(void *)(b + off[F_BITS]);
	x->qopts = (uint32_t *)(void *)(b + off[F_QOPTS]);
	x->qcol = (int32_t *)(void *)(b + off[F_QCOL]);
	x->opt = (unsigned char *)(b + off[F_OPT]);
	x->qmcol = (int32_t *)(void *)(b + off[F_QMCOL]);
	x->mcode = (unsigned char *)(b + off[F_MCODE]);
	x->msets = (uint64_t *)(void *)(b + off[F_MSETS]);
	x->print = (uint64_t *)(void *)(b + off[F_PRINT]);
	x->qprint = h.qprint;
	/* Nothing read afterwards may leave the block: every string ends inside the text, every row is a
	 * row, every list's run lies among the ids, every question's slot, byte and code column is one
	 * (ranks, bits, option ids, bytes and codes are only compared or look up 256 entries). */
	if (x->n && (x->tlen == 0 || x->text[x->tlen - 1] != '\0'))
		goto bad;
	for (i = 0; i < x->n; i++)
		if (x->slug[i] >= x->tlen || x->name[i] >= x->tlen || x->by_slug[i] < 0 ||
		    (size_t)x->by_slug[i] >= x->n)
			goto bad;
	for (i = 0; i < x->nq; i++)
		if (x->qslot[i] < -1 || (x->qslot[i] >= 0 && (size_t)x->qslot[i] >= x->nslots) ||
		    x->qcol[i] < -1 || (x->qcol[i] >= 0 && (size_t)x->qcol[i] >= x->ncols) ||
		    x->qmcol[i] < -1 || (x->qmcol[i] >= 0 && (size_t)x->qmcol[i] >= x->nmcols))
			goto bad;
	for (c = 0; c < x->n * x->nq; c++)
		if (x->tag[c] == T_ARRAY &&
		    (uint64_t)x->cell[c].run.off + x->cell[c].run.len > (uint64_t)x->nids)
			goto bad;
	x->flat = block;
	x->flat_len = len;
	return x;
bad:
	free(x);
	return NULL;
}
