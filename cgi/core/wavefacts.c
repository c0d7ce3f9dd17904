/* wavefacts.c: a wave's fact rows as small integers, per data version, shared by the workers (see
 * wavefacts.h). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "simshare.h"
#include "wavefacts.h"

#define WFMAGIC	0x31465757u	/* "WWF1" */
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
	const uint32_t *factoff;	/* nfacts: offsets into str */
	const int32_t *city;		/* ncities, strictly increasing */
	const uint32_t *start;		/* ncities + 1 */
	const uint16_t *ks;		/* nks */
	const char *str;		/* strbytes */
};

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
	return sizeof(struct wfhdr) + 4 * nfacts + 4 * ncities + 4 * (ncities + 1) + 2 * nks + strbytes;
}

void *
wavefacts_flat_make(long long version, size_t nfacts, const char *const *facts, size_t ncities,
    const int *city, const size_t *start, const unsigned short *ks, size_t nks, size_t *len)
{
	struct wfhdr h;
	uint64_t strbytes = 0;
	size_t i, size;
	char *b, *p;
	uint32_t *u;

	for (i = 0; i < nfacts; i++)
		strbytes += strlen(facts[i]) + 1;
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
	memcpy(p, ks, 2 * nks);
	p += 2 * nks;
	for (i = 0; i < nfacts; i++) {
		size_t l = strlen(facts[i]) + 1;

		memcpy(p, facts[i], l);
		p += l;
	}
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
	w->factoff = (const uint32_t *)(const void *)p;
	p += 4 * (size_t)h.nfacts;
	w->city = (const int32_t *)(const void *)p;
	p += 4 * (size_t)h.ncities;
	w->start = (const uint32_t *)(const void *)p;
	p += 4 * ((size_t)h.ncities + 1);
	w->ks = (const uint16_t *)(const void *)p;
	p += 2 * (size_t)h.nks;
	w->str = p;
	for (i = 0; i < h.nfacts; i++)
		if (w->factoff[i] >= h.strbytes ||
		    memchr(w->str + w->factoff[i], '\0', h.strbytes - w->factoff[i]) == NULL)
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
	free(w);
}

long long
wavefacts_version(const struct wavefacts *w)
{
	return w->h->version;
}

static int
cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/* Q_WAVEFACTS read into the flat form; NULL when the database failed, the answer is not as expected,
 * or it is not of version. */
static void *
build(struct db *db, const char *wave, long long version, size_t *len)
{
	const char *p[1] = { wave };
	PGresult *res = db_query(db, Q_WAVEFACTS, 1, p);
	const char **facts = NULL;
	int *city = NULL;
	size_t *start = NULL, nf = 0, nc = 0, nk = 0, capk = 0;
	unsigned short *ks = NULL;
	void *b = NULL;
	int i, rows;

	if (!db_ok(res) || (rows = PQntuples(res)) < 1 ||
	    strcmp(PQgetvalue(res, 0, Q_WAVEFACTS_PART), "0") != 0 ||
	    strtoll(PQgetvalue(res, 0, Q_WAVEFACTS_VERSION), NULL, 10) != version)
		goto out;
	if ((facts = calloc((size_t)rows, sizeof(*facts))) == NULL ||
	    (city = calloc((size_t)rows, sizeof(*city))) == NULL ||
	    (start = calloc((size_t)rows + 1, sizeof(*start))) == NULL)
		goto out;
	for (i = 1; i < rows; i++) {
		const char *part = PQgetvalue(res, i, Q_WAVEFACTS_PART);

		if (strcmp(part, "1") == 0) {
			if (nc > 0 || strtoll(PQgetvalue(res, i, Q_WAVEFACTS_K), NULL, 10) != (long long)nf)
				goto out;
			facts[nf++] = PQgetvalue(res, i, Q_WAVEFACTS_X);
		} else if (strcmp(part, "2") == 0) {
			const char *s = PQgetvalue(res, i, Q_WAVEFACTS_KS);
			char *e;

			city[nc] = (int)strtol(PQgetvalue(res, i, Q_WAVEFACTS_CID), NULL, 10);
			if (nc > 0 && city[nc - 1] >= city[nc])
				goto out;
			start[nc++] = nk;
			while (!PQgetisnull(res, i, Q_WAVEFACTS_KS) && *s) {
				unsigned long k = strtoul(s, &e, 10);

				if (e == s || k >= nf || (*e != ',' && *e != '\0'))
					goto out;
				if (nk == capk) {
					unsigned short *n2 = realloc(ks, (capk = capk ? 2 * capk : 4096) * sizeof(*ks));

					if (n2 == NULL)
						goto out;
					ks = n2;
				}
				ks[nk++] = (unsigned short)k;
				s = *e ? e + 1 : e;
			}
		} else {
			goto out;
		}
	}
	start[nc] = nk;
	b = wavefacts_flat_make(version, nf, facts, nc, city, start, ks, nk, len);
out:
	free(facts);
	free(city);
	free(start);
	free(ks);
	PQclear(res);
	return b;
}

/* The facts of (wave, version) built once for all the workers: copied from another's build, or built
 * here and shared, or built here alone; NULL when not to be had at that version. */
static struct wavefacts *
obtain(struct db *db, const char *wave, long long version)
{
	struct simshare_ticket t;
	struct wavefacts *w;
	char key[32];
	void *b = NULL;
	size_t len = 0;

	snprintf(key, sizeof(key), "wf:%s", wave);
	switch (simshare_get(simshare_default, key, version, WFWAIT, &b, &len, &t)) {
	case SIMSHARE_COPIED:
		if ((w = wavefacts_from_flat(b, len)) != NULL && wavefacts_version(w) == version)
			return w;
		if (w != NULL)
			wavefacts_free(w);
		else
			free(b);
		break;	/* not a block of ours: built alone */
	case SIMSHARE_BUILD:
		if ((b = build(db, wave, version, &len)) == NULL) {
			simshare_abandon(simshare_default, &t);
			return NULL;
		}
		simshare_put(simshare_default, &t, b, len);
		if ((w = wavefacts_from_flat(b, len)) == NULL)
			free(b);
		return w;
	default:
		break;
	}
	if ((b = build(db, wave, version, &len)) == NULL)
		return NULL;
	if ((w = wavefacts_from_flat(b, len)) == NULL)
		free(b);
	return w;
}

const struct wavefacts *
wavefacts_get(struct db *db, const char *wave, long long version)
{
	struct wavefacts *w;
	size_t i, s = 0;

	if (strlen(wave) >= sizeof(slot[0].wave) - 3)
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

int
wavefacts_count(const struct wavefacts *w, const int *ids, size_t n, json_t *counts,
    void (*add)(json_t *, const char *, const char *, json_int_t))
{
	uint32_t *cnt, k, nf = w->h->nfacts;
	char *code = NULL;
	size_t i, cap = 0;

	if ((cnt = calloc(nf ? nf : 1, sizeof(*cnt))) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		const int32_t *c = bsearch(&ids[i], w->city, w->h->ncities, sizeof(*w->city), cmp_int);
		uint32_t j;

		if (c == NULL) {
			free(cnt);
			return -1;
		}
		for (j = w->start[c - w->city]; j < w->start[c - w->city + 1]; j++)
			cnt[w->ks[j]]++;
	}
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
