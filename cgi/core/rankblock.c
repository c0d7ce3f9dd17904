/* rankblock.c: a wave's whole-cohort rankings per data version, shared by the workers (see
 * rankblock.h). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "numtext.h"
#include "rankblock.h"
#include "rankrow.h"
#include "simshare.h"

#define RBMAGIC	0x31424b52u	/* "RKB1" */
#define RBNONE	UINT32_MAX	/* a city not placed */
#define RBSLOTS	4		/* waves a worker ranks from at once */
#define RBWAIT	5.0		/* seconds a worker waits for another's build of the same version */
#define RBMAX	(1u << 26)	/* metrics, cities, rows */

struct rbhdr {
	uint32_t magic, nmetrics, ncities, nrows;
	int64_t version;
	uint64_t strbytes;
	uint64_t jbytes;	/* the rows' JSON: each metric's rows joined by ',', the metrics one after another */
};

struct rbmetric {
	uint32_t id, first, n, pad;
};

struct rbcity {
	uint32_t slug, name, lat, lon, synthetic, pad;
};

struct rbrow {
	double value;
	uint32_t city, vtext, rank, jstart;	/* jstart: where its JSON starts in the JSON area */
};

struct rankblock {
	void *block;
	size_t len;
	struct rbhdr h;
	const struct rbmetric *m;
	const struct rbcity *c;
	const struct rbrow *r;
	const char *str;
	const char *json;	/* NULL when the rows' JSON stays in the shared slot: read per page (shared) */
	int shared;
	struct simshare_ticket t;	/* the shared slot's block (simshare_read) */
	size_t joff;		/* where the rows' JSON starts in it */
};

static struct {
	char wave[32];
	struct rankblock *b;
	unsigned long used;
} slot[RBSLOTS];
static unsigned long rbclock;
static const struct rankblock *lost;	/* a block whose shared slot was taken over: obtained anew */
static char *page;		/* a page's JSON read from the shared slot */
static size_t pagecap;

/* The block's size for these counts, or 0 when too large. */
static size_t
flat_size(uint64_t nmetrics, uint64_t ncities, uint64_t nrows, uint64_t strbytes, uint64_t jbytes)
{
	if (nmetrics > RBMAX || ncities > RBMAX || nrows > RBMAX || strbytes == 0 ||
	    strbytes > ((uint64_t)1 << 31) || jbytes > ((uint64_t)1 << 31))
		return 0;
	return sizeof(struct rbhdr) + sizeof(struct rbmetric) * nmetrics + sizeof(struct rbcity) * ncities +
	    sizeof(struct rbrow) * nrows + strbytes + jbytes;
}

/* Appends s (NUL included) at *at in str (NULL: only counts); its offset. */
static uint32_t
put_str(char *str, uint64_t *at, const char *s)
{
	size_t l = strlen(s) + 1;
	uint32_t o = (uint32_t)*at;

	if (str)
		memcpy(str + *at, s, l);
	*at += l;
	return o;
}

void *
rankblock_flat_make(long long version, size_t nmetrics, const char *const *ids, const size_t *mfirst,
    const size_t *mn, size_t ncities, const char *const *city, const int *synthetic, size_t nrows,
    const size_t *rcity, const char *const *rvalue, const long long *rrank, size_t *len)
{
	struct rbhdr h;
	uint64_t strbytes = 1, at;	/* offset 0: "" */
	size_t i, size;
	struct rbmetric *m;
	struct rbcity *c;
	struct rbrow *r;
	char *b, *str;
	struct buf json = BUF_INIT;
	size_t *jstart, k;

	for (i = 0; i < nmetrics; i++)
		strbytes += strlen(ids[i]) + 1;
	for (i = 0; i < 4 * ncities; i++)
		if (city[i])
			strbytes += strlen(city[i]) + 1;
		else if (i % 4 < 2)
			strbytes += 1;	/* "" for a slug or name not given */
	for (i = 0; i < nrows; i++)
		strbytes += strlen(rvalue[i]) + 1;
	if ((jstart = calloc(nrows + 1, sizeof(*jstart))) == NULL)
		return NULL;
	/* each row's JSON as the ranking page writes it, percentiles of the metric's whole ranking */
	for (k = 0; k < nmetrics; k++)
		for (i = mfirst[k]; i < mfirst[k] + mn[k] && i < nrows; i++) {
			size_t ci = rcity[i] < ncities ? rcity[i] : 0;
			const char *const *cy = ncities ? city + 4 * ci : NULL;

			if (i > mfirst[k] && buf_putc(&json, ',') == -1)
				goto fail;
			jstart[i] = json.len;
			if (rankrow_json(&json, cy && cy[0] ? cy[0] : "", cy && cy[1] ? cy[1] : "", rvalue[i], rrank[i],
			    100.0 * (double)((long long)mn[k] - rrank[i] + 1) / (double)mn[k],
			    synthetic && ncities && synthetic[ci], cy ? cy[2] : NULL, cy ? cy[3] : NULL) == -1)
				goto fail;
		}
	if ((size = flat_size(nmetrics, ncities, nrows, strbytes, json.len)) == 0 || (b = calloc(1, size)) == NULL)
		goto fail;
	memset(&h, 0, sizeof(h));
	h.magic = RBMAGIC;
	h.nmetrics = (uint32_t)nmetrics;
	h.ncities = (uint32_t)ncities;
	h.nrows = (uint32_t)nrows;
	h.version = version;
	h.strbytes = strbytes;
	h.jbytes = json.len;
	memcpy(b, &h, sizeof(h));
	m = (struct rbmetric *)(void *)(b + sizeof(h));
	c = (struct rbcity *)(void *)(m + nmetrics);
	r = (struct rbrow *)(void *)(c + ncities);
	str = (char *)(r + nrows);
	at = 1;
	for (i = 0; i < nmetrics; i++) {
		m[i].id = put_str(str, &at, ids[i]);
		m[i].first = (uint32_t)mfirst[i];
		m[i].n = (uint32_t)mn[i];
	}
	for (i = 0; i < ncities; i++) {
		c[i].slug = put_str(str, &at, city[4 * i] ? city[4 * i] : "");
		c[i].name = put_str(str, &at, city[4 * i + 1] ? city[4 * i + 1] : "");
		c[i].lat = city[4 * i + 2] ? put_str(str, &at, city[4 * i + 2]) : RBNONE;
		c[i].lon = city[4 * i + 3] ? put_str(str, &at, city[4 * i + 3]) : RBNONE;
		c[i].synthetic = synthetic && synthetic[i] ? 1 : 0;
	}
	for (i = 0; i < nrows; i++) {
		r[i].value = numtext_double(rvalue[i]);
		r[i].city = (uint32_t)rcity[i];
		r[i].vtext = put_str(str, &at, rvalue[i]);
		r[i].rank = rrank[i] < 0 || rrank[i] > (long long)UINT32_MAX ? 0 : (uint32_t)rrank[i];
		r[i].jstart = (uint32_t)jstart[i];
	}
	if (json.len)
		memcpy(str + strbytes, json.data, json.len);
	buf_free(&json);
	free(jstart);
	*len = size;
	return b;
fail:
	buf_free(&json);
	free(jstart);
	return NULL;
}

/* 1 when offset o starts a string of the block (its strings end inside it: the last byte is NUL). */
static int
str_ok(const struct rankblock *b, uint32_t o)
{
	return o < b->h.strbytes;
}

struct rankblock *
rankblock_from_flat(void *block, size_t len)
{
	struct rankblock *b;
	size_t i, next = 0;

	if (block == NULL || len < sizeof(struct rbhdr))
		return NULL;
	if ((b = calloc(1, sizeof(*b))) == NULL)
		return NULL;
	memcpy(&b->h, block, sizeof(b->h));
	if (b->h.magic != RBMAGIC ||
	    flat_size(b->h.nmetrics, b->h.ncities, b->h.nrows, b->h.strbytes, b->h.jbytes) != len)
		goto bad;
	b->block = block;
	b->len = len;
	b->m = (const struct rbmetric *)(const void *)((const char *)block + sizeof(struct rbhdr));
	b->c = (const struct rbcity *)(const void *)(b->m + b->h.nmetrics);
	b->r = (const struct rbrow *)(const void *)(b->c + b->h.ncities);
	b->str = (const char *)(b->r + b->h.nrows);
	b->json = b->str + b->h.strbytes;
	if (b->str[b->h.strbytes - 1] != '\0')
		goto bad;
	/* the metrics tile the rows in order; each ranking starts at 1 and never goes down or past its n */
	for (i = 0; i < b->h.nmetrics; i++) {
		const struct rbmetric *m = &b->m[i];
		uint32_t j;

		if (!str_ok(b, m->id) || m->first != next || m->n > b->h.nrows - m->first)
			goto bad;
		for (j = 0; j < m->n; j++) {
			const struct rbrow *r = &b->r[m->first + j];

			if (r->rank < 1 || r->rank > m->n || (j == 0 ? r->rank != 1 : r->rank < r[-1].rank) ||
			    r->rank > j + 1)
				goto bad;
		}
		next += m->n;
	}
	if (next != b->h.nrows)
		goto bad;
	for (i = 0; i < b->h.ncities; i++) {
		const struct rbcity *c = &b->c[i];

		if (!str_ok(b, c->slug) || !str_ok(b, c->name) || (c->lat != RBNONE && !str_ok(b, c->lat)) ||
		    (c->lon != RBNONE && !str_ok(b, c->lon)) || c->synthetic > 1)
			goto bad;
		if (i > 0 && strcmp(b->str + c[-1].slug, b->str + c->slug) >= 0)
			goto bad;	/* by slug, each once: found by bsearch */
	}
	for (i = 0; i < b->h.nrows; i++) {
		const struct rbrow *r = &b->r[i];

		if (r->city >= b->h.ncities || !str_ok(b, r->vtext) || !isfinite(r->value))
			goto bad;
	}
	/* the rows' JSON: one after another from 0, each an object ("{...}"), joined by ',' within a metric */
	for (i = 0; i < b->h.nrows; i++) {
		uint32_t at = b->r[i].jstart;
		uint64_t end = i + 1 < b->h.nrows ? b->r[i + 1].jstart : b->h.jbytes;

		if ((i == 0 && at != 0) || at >= end || end > b->h.jbytes || b->json[at] != '{')
			goto bad;
		if (i + 1 < b->h.nrows && b->json[end - 1] == ',')
			end--;	/* a separator: only within a metric (checked below) */
		if (end - at < 2 || b->json[end - 1] != '}')
			goto bad;
	}
	if (b->h.nrows == 0 && b->h.jbytes != 0)
		goto bad;
	for (i = 0; i < b->h.nmetrics; i++) {
		uint32_t j;

		for (j = 0; j + 1 < b->m[i].n; j++)	/* within a metric: a ',' before each row but its first */
			if (b->json[b->r[b->m[i].first + j + 1].jstart - 1] != ',')
				goto bad;
		if (b->m[i].n > 0 && b->m[i].first > 0 && b->json[b->r[b->m[i].first].jstart - 1] != '}')
			goto bad;	/* none before a metric's first */
	}
	return b;
bad:
	free(b);
	return NULL;
}

void
rankblock_free(struct rankblock *b)
{
	if (b == NULL)
		return;
	free(b->block);
	free(b);
}

long long
rankblock_version(const struct rankblock *b)
{
	return b->h.version;
}

int
rankblock_metric(const struct rankblock *b, const char *id, size_t *first, size_t *n)
{
	uint32_t i;

	for (i = 0; i < b->h.nmetrics; i++)
		if (strcmp(b->str + b->m[i].id, id) == 0) {
			*first = b->m[i].first;
			*n = b->m[i].n;
			return 0;
		}
	return -1;
}

void
rankblock_row(const struct rankblock *b, size_t i, struct rankblock_row *out)
{
	const struct rbrow *r = &b->r[i];
	const struct rbcity *c = &b->c[r->city];

	out->slug = b->str + c->slug;
	out->name = b->str + c->name;
	out->value_text = b->str + r->vtext;
	out->value = r->value;
	out->rank = r->rank;
	out->synthetic = (int)c->synthetic;
	out->lat = c->lat == RBNONE ? NULL : b->str + c->lat;
	out->lon = c->lon == RBNONE ? NULL : b->str + c->lon;
}

/* The page buffer at least n bytes: 0, or -1. */
static int
grow_page(size_t n)
{
	char *p = realloc(page, n);

	if (p == NULL)
		return -1;
	page = p;
	pagecap = n;
	return 0;
}

/* The block without its rows' JSON, which stays in the shared slot of ticket t (the JSON is the block's
 * last part): a worker keeps ~a third of a block's bytes (issue 18, eighth session, v-rank2). */
static void
detach_json(struct rankblock *b, const struct simshare_ticket *t)
{
	size_t keep = b->len - (size_t)b->h.jbytes;
	char c;
	void *nb;

	if (b->h.jbytes == 0 || simshare_read(simshare_default, t, keep, &c, 1) == -1 || c != '{')
		return;	/* nothing to leave, or the slot does not hold it (put dropped): all kept */
	if ((nb = realloc(b->block, keep)) == NULL)
		return;
	b->block = nb;
	b->len = keep;
	b->m = (const struct rbmetric *)(const void *)((const char *)nb + sizeof(struct rbhdr));
	b->c = (const struct rbcity *)(const void *)(b->m + b->h.nmetrics);
	b->r = (const struct rbrow *)(const void *)(b->c + b->h.ncities);
	b->str = (const char *)(b->r + b->h.nrows);
	b->json = NULL;
	b->shared = 1;
	b->t = *t;
	b->joff = keep;
}

void
rankblock_json(const struct rankblock *b, size_t first, size_t n, size_t from, size_t to, const char **json,
    size_t *len)
{
	size_t start, end;

	if (from >= to || to > n) {
		*json = b->json;
		*len = 0;
		return;
	}
	start = b->r[first + from].jstart;
	if (to < n)
		end = b->r[first + to].jstart - 1;	/* before the next row's ',' */
	else
		end = first + n < b->h.nrows ? b->r[first + n].jstart : b->h.jbytes;
	if (b->json == NULL) {	/* in the shared slot: the page's bytes only, checked as the block was */
		if ((end - start > pagecap && grow_page(end - start) == -1) ||
		    simshare_read(simshare_default, &b->t, b->joff + start, page, end - start) == -1 ||
		    page[0] != '{' || page[end - start - 1] != '}') {
			lost = b;	/* not that block any more (or no memory): obtained anew next time */
			*json = NULL;	/* the caller writes the rows from rankblock_row */
			*len = 0;
			return;
		}
		*json = page;
		*len = end - start;
		return;
	}
	*json = b->json + start;
	*len = end - start;
}

long
rankblock_city(const struct rankblock *b, const char *slug)
{
	size_t lo = 0, hi = b->h.ncities, mid;
	int c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if ((c = strcmp(b->str + b->c[mid].slug, slug)) == 0)
			return (long)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

void
rankblock_city_row(const struct rankblock *b, size_t city, struct rankblock_row *out)
{
	const struct rbcity *c = &b->c[city];

	memset(out, 0, sizeof(*out));
	out->slug = b->str + c->slug;
	out->name = b->str + c->name;
	out->value = NAN;
	out->synthetic = (int)c->synthetic;
	out->lat = c->lat == RBNONE ? NULL : b->str + c->lat;
	out->lon = c->lon == RBNONE ? NULL : b->str + c->lon;
}

long
rankblock_find(const struct rankblock *b, size_t first, size_t n, long city)
{
	size_t i;

	for (i = first; city >= 0 && i < first + n && i < b->h.nrows; i++)
		if (b->r[i].city == (uint32_t)city)
			return (long)i;
	return -1;
}

/* The block of wave at version from PostgreSQL (malloc'd, *len bytes), or NULL when the statement saw
 * another version or failed.  A metric with a value JSON cannot hold (NaN, infinity) is left out. */
static void *
build(struct db *db, const char *wave, long long version, size_t *len)
{
	const char *p[1] = { wave };
	PGresult *res = db_query(db, Q_RANKBLOCK, 1, p);
	const char **ids = NULL, **city = NULL, **rvalue = NULL;
	size_t *mfirst = NULL, *mn = NULL, *rcity = NULL, nm = 0, nc = 0, nr = 0, i;
	long long *rrank = NULL;
	int *syn = NULL, rows, t, bad = 0;
	void *b = NULL;

	if (!db_ok(res) || (rows = PQntuples(res)) < 1 ||
	    strtoll(PQgetvalue(res, 0, Q_RANKBLOCK_VERSION), NULL, 10) != version)
		goto out;
	if ((ids = calloc((size_t)rows, sizeof(*ids))) == NULL || (mfirst = calloc((size_t)rows, sizeof(*mfirst))) == NULL ||
	    (mn = calloc((size_t)rows, sizeof(*mn))) == NULL || (city = calloc(4 * (size_t)rows, sizeof(*city))) == NULL ||
	    (syn = calloc((size_t)rows, sizeof(*syn))) == NULL || (rvalue = calloc((size_t)rows, sizeof(*rvalue))) == NULL ||
	    (rcity = calloc((size_t)rows, sizeof(*rcity))) == NULL || (rrank = calloc((size_t)rows, sizeof(*rrank))) == NULL)
		goto out;
	for (t = 0; t < rows; t++) {
		const char *metric, *v;
		unsigned long ci;
		double d;

		ci = strtoul(PQgetvalue(res, t, Q_RANKBLOCK_CI), NULL, 10);
		if (PQgetisnull(res, t, Q_RANKBLOCK_SLUG))
			break;	/* no city at all */
		if (ci >= (unsigned long)rows)
			goto out;
		if (city[4 * ci] == NULL) {
			city[4 * ci] = PQgetvalue(res, t, Q_RANKBLOCK_SLUG);
			city[4 * ci + 1] = PQgetvalue(res, t, Q_RANKBLOCK_NAME);
			city[4 * ci + 2] = PQgetisnull(res, t, Q_RANKBLOCK_LAT) ? NULL : PQgetvalue(res, t, Q_RANKBLOCK_LAT);
			city[4 * ci + 3] = PQgetisnull(res, t, Q_RANKBLOCK_LON) ? NULL : PQgetvalue(res, t, Q_RANKBLOCK_LON);
			syn[ci] = PQgetvalue(res, t, Q_RANKBLOCK_SYNTHETIC)[0] == 't';
		}
		if (ci + 1 > nc)
			nc = ci + 1;
		if (PQgetisnull(res, t, Q_RANKBLOCK_METRIC)) {
			if (nm > 0)
				goto out;	/* the cities without values come first */
			continue;
		}
		metric = PQgetvalue(res, t, Q_RANKBLOCK_METRIC);
		if (nm == 0 || strcmp(ids[nm - 1], metric) != 0) {
			if (nm > 0 && bad)
				nr = mfirst[--nm];	/* the last metric dropped */
			for (i = 0; i < nm; i++)
				if (strcmp(ids[i], metric) == 0)
					goto out;	/* not grouped by metric */
			ids[nm] = metric;
			mfirst[nm] = nr;
			mn[nm++] = 0;
			bad = 0;
		}
		v = PQgetvalue(res, t, Q_RANKBLOCK_VALUE);
		d = numtext_double(v);
		if (PQgetisnull(res, t, Q_RANKBLOCK_VALUE) || !isfinite(d))
			bad = 1;
		rvalue[nr] = v;
		rcity[nr] = ci;
		rrank[nr++] = strtoll(PQgetvalue(res, t, Q_RANKBLOCK_RANK), NULL, 10);
		mn[nm - 1]++;
	}
	if (nm > 0 && bad)
		nr = mfirst[--nm];
	for (i = 0; i < nc; i++)
		if (city[4 * i] == NULL)
			goto out;	/* a city number without its city: not dense */
	b = rankblock_flat_make(version, nm, ids, mfirst, mn, nc, city, syn, nr, rcity, rvalue, rrank, len);
out:
	free(ids);
	free(mfirst);
	free(mn);
	free(city);
	free(syn);
	free(rvalue);
	free(rcity);
	free(rrank);
	PQclear(res);
	return b;
}

struct rbarg {
	struct db *db;
	const char *wave;
	long long version;
};

static void *
build_cb(void *arg, size_t *len)
{
	struct rbarg *a = arg;

	return build(a->db, a->wave, a->version, len);
}

/* The block over b when it is one of the version asked (its JSON left in the shared slot when it
 * has a ticket); else NULL, b freed. */
static void *
open_cb(void *arg, void *b, size_t len, const struct simshare_ticket *t)
{
	struct rbarg *a = arg;
	struct rankblock *rb = rankblock_from_flat(b, len);

	if (rb != NULL && rankblock_version(rb) == a->version) {
		if (t != NULL)
			detach_json(rb, t);
		return rb;
	}
	if (rb != NULL)
		rankblock_free(rb);
	else
		free(b);
	return NULL;
}

/* The block of (wave, version) built once for all the workers (simshare_obtain); NULL when not to be
 * had at that version. */
static struct rankblock *
obtain(struct db *db, const char *wave, long long version)
{
	struct rbarg a = { db, wave, version };
	char key[32];

	snprintf(key, sizeof(key), "rk:%s", wave);
	return simshare_obtain(simshare_default, key, version, RBWAIT, build_cb, open_cb, &a);
}

const struct rankblock *
rankblock_get(struct db *db, const char *wave, long long version)
{
	struct rankblock *b;
	size_t i, s = 0;

	if (strlen(wave) >= sizeof(slot[0].wave) - 3)
		return NULL;
	for (i = 0; i < RBSLOTS; i++)
		if (slot[i].b && slot[i].b == lost) {
			rankblock_free(slot[i].b);	/* its slot was taken over: obtained anew below */
			slot[i].b = NULL;
			slot[i].used = 0;
		}
	lost = NULL;
	for (i = 0; i < RBSLOTS; i++)
		if (slot[i].b && rankblock_version(slot[i].b) == version && strcmp(slot[i].wave, wave) == 0) {
			slot[i].used = ++rbclock;
			return slot[i].b;
		}
	if ((b = obtain(db, wave, version)) == NULL)
		return NULL;
	for (i = 0; i < RBSLOTS; i++) {
		if (slot[i].b && strcmp(slot[i].wave, wave) == 0) {
			s = i;	/* the same wave of another version: replaced */
			break;
		}
		if (slot[i].used < slot[s].used)
			s = i;
	}
	rankblock_free(slot[s].b);
	snprintf(slot[s].wave, sizeof(slot[s].wave), "%s", wave);
	slot[s].b = b;
	slot[s].used = ++rbclock;
	return b;
}
