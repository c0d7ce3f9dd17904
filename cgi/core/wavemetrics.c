/* wavemetrics.c: the metric values of a wave's fact rows, per data version, shared by the workers (see
 * wavemetrics.h). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "simshare.h"
#include "idseek.h"
#include "pgorder.h"
#include "wavemetrics.h"

#define WMMAGIC	0x324d5757u	/* "WWM2": the 8-byte arrays first, then the 4-byte ones, then the bytes (aligned) */
#define WMSLOTS	4		/* waves a worker ranks in at once */
#define WMWAIT	5.0		/* seconds a worker waits for another's build of the same version */
#define WMMAXM	4096u		/* metrics */
#define WMMAXC	(1u << 24)	/* cities */
#define WMMAXV	(1u << 26)	/* values (metrics * cities) */
#define WMMAXQ	(1u << 20)	/* question codes */

struct wmhdr {
	uint32_t magic, nmetrics, ncities, ncodes;
	int64_t version;
	uint64_t strbytes;
	int64_t wavevalues;	/* the wave's values of active metrics (metric_values.survey_id = wave) */
	uint32_t nothers, spare;	/* the cities without a fact row of the wave (texts, flags, place only) */
};

struct wavemetrics {
	void *block;
	size_t len;
	const struct wmhdr *h;
	const double *values;		/* nmetrics * ncities */
	const int32_t *city;		/* ncities, strictly increasing */
	const uint32_t *text;		/* 4 * nmetrics: id, title, unit, description (offsets into str) */
	const uint32_t *codes;		/* ncodes (offsets into str) */
	const uint8_t *has;		/* nmetrics * ncities: 1 when the value is there */
	const uint8_t *hib;		/* nmetrics */
	/* the fact rows' cities, then nothers others */
	const uint32_t *ctext;		/* 4 per city: slug, name, region, country (offsets into str) */
	const double *place;		/* 2 per city: lat, lon */
	const uint8_t *cflags;		/* 1 per city: WM_SYNTHETIC, WM_PLACE */
	const char *str;		/* strbytes */
	/* built here on first use (compare.c's look-ups), never shared */
	uint32_t *byslug;		/* ncities, the cities' indexes by slug */
	double **sorted;		/* nmetrics: a metric's values in PostgreSQL's order, NULL until asked */
	size_t *nsorted;
	int exact;			/* 0 not known yet, 1 every value of the wave is here, -1 not */
};

static struct {
	char wave[32];
	struct wavemetrics *w;
	unsigned long used;
} slot[WMSLOTS];
static unsigned long wmclock;

/* The block's size for these counts, or 0 when too large. */
static size_t
flat_size(uint64_t nm, uint64_t nc, uint64_t nq, uint64_t strbytes, uint64_t no)
{
	if (nm > WMMAXM || nc > WMMAXC || no > WMMAXC || nm * nc > WMMAXV || nq > WMMAXQ ||
	    strbytes > ((uint64_t)1 << 30) || strbytes == 0)
		return 0;
	return sizeof(struct wmhdr) + 8 * nm * nc + 4 * nc + 16 * nm + 4 * nq + nm * nc + nm + 33 * (nc + no) +
	    strbytes;
}

void *
wavemetrics_flat_make(long long version, size_t nmetrics, const char *const *text, const int *hib,
    size_t ncities, const int *city, const double *values, const unsigned char *has, size_t ncodes,
    const char *const *codes, const char *const *ctext, const double *place, const unsigned char *cflags,
    long long wavevalues, size_t nothers, size_t *len)
{
	size_t nall = ncities + (ctext ? nothers : 0);
	struct wmhdr h;
	uint64_t strbytes = 1;	/* a "" first */
	size_t i, size;
	char *b, *p;

	for (i = 0; i < 4 * nmetrics; i++)
		strbytes += strlen(text[i] ? text[i] : "") + 1;
	for (i = 0; i < ncodes; i++)
		strbytes += strlen(codes[i]) + 1;
	for (i = 0; ctext && i < 4 * nall; i++)
		strbytes += strlen(ctext[i] ? ctext[i] : "") + 1;
	if ((size = flat_size(nmetrics, ncities, ncodes, strbytes, nall - ncities)) == 0 || (b = malloc(size)) == NULL)
		return NULL;
	h.magic = WMMAGIC;
	h.nmetrics = (uint32_t)nmetrics;
	h.ncities = (uint32_t)ncities;
	h.ncodes = (uint32_t)ncodes;
	h.version = version;
	h.strbytes = strbytes;
	h.wavevalues = wavevalues;
	h.nothers = (uint32_t)(nall - ncities);
	h.spare = 0;
	memcpy(b, &h, sizeof(h));
	p = b + sizeof(h);
	for (i = 0; i < nmetrics * ncities; i++)
		((double *)(void *)p)[i] = has[i] ? values[i] : 0.0;
	p += 8 * nmetrics * ncities;
	for (i = 0; i < 2 * nall; i++)
		((double *)(void *)p)[i] = place ? place[i] : 0.0;
	p += 16 * nall;
	for (i = 0; i < ncities; i++)
		((int32_t *)(void *)p)[i] = city[i];
	p += 4 * ncities;
	strbytes = 1;
	for (i = 0; i < 4 * nmetrics; i++) {
		((uint32_t *)(void *)p)[i] = (uint32_t)strbytes;
		strbytes += strlen(text[i] ? text[i] : "") + 1;
	}
	p += 16 * nmetrics;
	for (i = 0; i < ncodes; i++) {
		((uint32_t *)(void *)p)[i] = (uint32_t)strbytes;
		strbytes += strlen(codes[i]) + 1;
	}
	p += 4 * ncodes;
	for (i = 0; i < 4 * nall; i++) {
		/* "" (offset 0) without ctext */
		((uint32_t *)(void *)p)[i] = ctext ? (uint32_t)strbytes : 0;
		if (ctext)
			strbytes += strlen(ctext[i] ? ctext[i] : "") + 1;
	}
	p += 16 * nall;
	for (i = 0; i < nmetrics * ncities; i++)
		p[i] = has[i] ? 1 : 0;
	p += nmetrics * ncities;
	for (i = 0; i < nmetrics; i++)
		p[i] = hib[i] ? 1 : 0;
	p += nmetrics;
	for (i = 0; i < nall; i++)
		p[i] = cflags ? cflags[i] & (WM_SYNTHETIC | WM_PLACE) : 0;
	p += nall;
	*p++ = '\0';
	for (i = 0; i < 4 * nmetrics + ncodes + (ctext ? 4 * nall : 0); i++) {
		const char *s = i < 4 * nmetrics ? (text[i] ? text[i] : "") : i < 4 * nmetrics + ncodes ?
		    codes[i - 4 * nmetrics] : (ctext[i - 4 * nmetrics - ncodes] ? ctext[i - 4 * nmetrics - ncodes] : "");
		size_t l = strlen(s) + 1;

		memcpy(p, s, l);
		p += l;
	}
	*len = size;
	return b;
}

static int
str_ok(const struct wavemetrics *w, uint32_t off)
{
	return off < w->h->strbytes && memchr(w->str + off, '\0', w->h->strbytes - off) != NULL;
}

struct wavemetrics *
wavemetrics_from_flat(void *block, size_t len)
{
	struct wavemetrics *w;
	struct wmhdr h;
	const char *p;
	size_t i, nm, nc;

	if (block == NULL || len < sizeof(h))
		return NULL;
	memcpy(&h, block, sizeof(h));
	if (h.magic != WMMAGIC || flat_size(h.nmetrics, h.ncities, h.ncodes, h.strbytes, h.nothers) != len)
		return NULL;
	if ((w = calloc(1, sizeof(*w))) == NULL)
		return NULL;
	nm = h.nmetrics;
	nc = h.ncities;
	p = (const char *)block + sizeof(h);
	w->h = block;
	w->values = (const double *)(const void *)p;
	p += 8 * nm * nc;
	w->place = (const double *)(const void *)p;
	p += 16 * (nc + h.nothers);
	w->city = (const int32_t *)(const void *)p;
	p += 4 * nc;
	w->text = (const uint32_t *)(const void *)p;
	p += 16 * nm;
	w->codes = (const uint32_t *)(const void *)p;
	p += 4 * (size_t)h.ncodes;
	w->ctext = (const uint32_t *)(const void *)p;
	p += 16 * (nc + h.nothers);
	w->has = (const uint8_t *)p;
	p += nm * nc;
	w->hib = (const uint8_t *)p;
	p += nm;
	w->cflags = (const uint8_t *)p;
	p += nc + h.nothers;
	w->str = p;
	for (i = 0; i < 4 * nm; i++)
		if (!str_ok(w, w->text[i]))
			goto bad;
	for (i = 0; i < h.ncodes; i++)
		if (!str_ok(w, w->codes[i]))
			goto bad;
	for (i = 1; i < nc; i++)
		if (w->city[i - 1] >= w->city[i])
			goto bad;
	for (i = 0; i < nm * nc; i++)
		if (w->has[i] > 1)
			goto bad;
	for (i = 0; i < nm; i++)
		if (w->hib[i] > 1)
			goto bad;
	for (i = 0; i < 4 * (nc + h.nothers); i++)
		if (!str_ok(w, w->ctext[i]))
			goto bad;
	for (i = 0; i < nc + h.nothers; i++)
		if (w->cflags[i] & ~(WM_SYNTHETIC | WM_PLACE))
			goto bad;
	w->block = block;
	w->len = len;
	return w;
bad:
	free(w);
	return NULL;
}

void
wavemetrics_free(struct wavemetrics *w)
{
	size_t i;

	if (w == NULL)
		return;
	for (i = 0; w->sorted && i < w->h->nmetrics; i++)
		free(w->sorted[i]);
	free(w->sorted);
	free(w->nsorted);
	free(w->byslug);
	free(w->block);
	free(w);
}

long long
wavemetrics_version(const struct wavemetrics *w)
{
	return w->h->version;
}

/* A decimal int of PostgreSQL's text form (an optional '-', digits only), or 0 with *ok cleared. */
static long long
dec(const char *s, int *ok)
{
	long long v = 0;
	int neg = *s == '-';

	s += neg;
	if (*s == '\0')
		*ok = 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > (1LL << 50)) {
			*ok = 0;
			return 0;
		}
		v = v * 10 + (*s - '0');
	}
	return neg ? -v : v;
}

/* One city row of Q_WAVEMETRICS_CITIES or Q_WAVEMETRICS_OTHERS (the same columns) at index at. */
static void
city_row(const PGresult *res, int i, size_t at, const char **ctext, double *place, unsigned char *cflags)
{
	ctext[4 * at] = PQgetvalue(res, i, Q_WAVEMETRICS_CITIES_SLUG);
	ctext[4 * at + 1] = PQgetvalue(res, i, Q_WAVEMETRICS_CITIES_NAME);
	ctext[4 * at + 2] = PQgetvalue(res, i, Q_WAVEMETRICS_CITIES_REGION);
	ctext[4 * at + 3] = PQgetvalue(res, i, Q_WAVEMETRICS_CITIES_COUNTRY);
	cflags[at] = PQgetvalue(res, i, Q_WAVEMETRICS_CITIES_SYNTHETIC)[0] == 't' ? WM_SYNTHETIC : 0;
	if (!PQgetisnull(res, i, Q_WAVEMETRICS_CITIES_LAT) && !PQgetisnull(res, i, Q_WAVEMETRICS_CITIES_LON)) {
		cflags[at] |= WM_PLACE;
		place[2 * at] = strtod(PQgetvalue(res, i, Q_WAVEMETRICS_CITIES_LAT), NULL);
		place[2 * at + 1] = strtod(PQgetvalue(res, i, Q_WAVEMETRICS_CITIES_LON), NULL);
	}
}

enum { WB_HEAD, WB_METRICS, WB_CODES, WB_CITIES, WB_VALUES, WB_OTHERS, WB_VERSION, WB_N };

/* The block's statements in one pipelined batch: inside a repeatable read transaction of its own (one
 * snapshot, as the single statement was) unless the caller has one open; Q_DATA_VERSION last, so that
 * outside such a snapshot the data version read first and last must still agree.  0 or -1. */
static int
fetch(struct db *db, const char *wave, struct db_batch_item *it)
{
	const char *const p[1] = { wave };
	int own = !db->in_tx, rc;

	it[WB_HEAD] = (struct db_batch_item){ Q_WAVEMETRICS_HEAD, 1, p, NULL };
	it[WB_METRICS] = (struct db_batch_item){ Q_WAVEMETRICS_METRICS, 0, NULL, NULL };
	it[WB_CODES] = (struct db_batch_item){ Q_WAVEMETRICS_CODES, 0, NULL, NULL };
	it[WB_CITIES] = (struct db_batch_item){ Q_WAVEMETRICS_CITIES, 1, p, NULL };
	it[WB_VALUES] = (struct db_batch_item){ Q_WAVEMETRICS_VALUES, 1, p, NULL };
	it[WB_OTHERS] = (struct db_batch_item){ Q_WAVEMETRICS_OTHERS, 1, p, NULL };
	it[WB_VERSION] = (struct db_batch_item){ Q_DATA_VERSION, 0, NULL, NULL };
	if (own && (db_begin(db) == -1 ||
	    db_exec_ok(db, "set transaction isolation level repeatable read, read only") == -1)) {
		db_rollback(db);
		return -1;
	}
	rc = db_batch(db, it, WB_N);
	if (own) {
		if (rc == 0)
			rc = db_commit(db);
		else
			db_rollback(db);
	}
	return rc;
}

/* Q_WAVEMETRICS_* read into the flat form; NULL when the database failed, the answer is not as
 * expected, or it is not of version. */
static void *
build(struct db *db, const char *wave, long long version, size_t *len)
{
	struct db_batch_item it[WB_N];
	const PGresult *res;
	const char **text = NULL, **codes = NULL, **ctext = NULL;
	double *place = NULL;
	unsigned char *cflags = NULL;
	long long wv;
	int *hib = NULL;
	int32_t *city = NULL, *pos = NULL;
	double *values = NULL;
	unsigned char *has = NULL;
	size_t nm, nc, nq, no, r, k, i, maxcid;
	void *b = NULL;
	int ok = 1;

	memset(it, 0, sizeof(it));
	if (fetch(db, wave, it) == -1)
		return NULL;
	for (i = 0; i < WB_N; i++)
		if (it[i].res == NULL || PQresultStatus(it[i].res) != PGRES_TUPLES_OK)
			goto out;
	if (PQntuples(it[WB_HEAD].res) != 1 || PQntuples(it[WB_VERSION].res) != 1 ||
	    strtoll(PQgetvalue(it[WB_HEAD].res, 0, Q_WAVEMETRICS_HEAD_VERSION), NULL, 10) != version ||
	    strtoll(PQgetvalue(it[WB_VERSION].res, 0, Q_DATA_VERSION_VERSION), NULL, 10) != version)
		goto out;
	wv = strtoll(PQgetvalue(it[WB_HEAD].res, 0, Q_WAVEMETRICS_HEAD_WV), NULL, 10);
	nm = (size_t)PQntuples(it[WB_METRICS].res);
	nq = (size_t)PQntuples(it[WB_CODES].res);
	nc = (size_t)PQntuples(it[WB_CITIES].res);
	no = (size_t)PQntuples(it[WB_OTHERS].res);
	if (nm > WMMAXM || nc > WMMAXC || no > WMMAXC || nm * nc > WMMAXV || nq > WMMAXQ)
		goto out;
	if ((text = calloc(4 * nm + 1, sizeof(*text))) == NULL ||
	    (codes = calloc(nq + 1, sizeof(*codes))) == NULL ||
	    (hib = calloc(nm + 1, sizeof(*hib))) == NULL ||
	    (city = calloc(nc + 1, sizeof(*city))) == NULL ||
	    (ctext = calloc(4 * (nc + no) + 1, sizeof(*ctext))) == NULL ||
	    (place = calloc(2 * (nc + no) + 1, sizeof(*place))) == NULL ||
	    (cflags = calloc(nc + no + 1, 1)) == NULL ||
	    (values = calloc(nm * nc + 1, sizeof(*values))) == NULL ||
	    (has = calloc(nm * nc + 1, 1)) == NULL)
		goto out;
	res = it[WB_METRICS].res;
	for (i = 0; i < nm; i++) {
		text[4 * i] = PQgetvalue(res, (int)i, Q_WAVEMETRICS_METRICS_ID);
		text[4 * i + 1] = PQgetvalue(res, (int)i, Q_WAVEMETRICS_METRICS_TITLE);
		text[4 * i + 2] = PQgetvalue(res, (int)i, Q_WAVEMETRICS_METRICS_UNIT);
		text[4 * i + 3] = PQgetvalue(res, (int)i, Q_WAVEMETRICS_METRICS_DESCRIPTION);
		hib[i] = PQgetvalue(res, (int)i, Q_WAVEMETRICS_METRICS_HIGHER_IS_BETTER)[0] == 't';
	}
	for (i = 0; i < nq; i++)
		codes[i] = PQgetvalue(it[WB_CODES].res, (int)i, Q_WAVEMETRICS_CODES_CODE);
	res = it[WB_CITIES].res;
	for (i = 0, maxcid = 0; i < nc; i++) {
		long long id = dec(PQgetvalue(res, (int)i, Q_WAVEMETRICS_CITIES_CID), &ok);

		if (!ok || id < INT32_MIN || id > INT32_MAX || (i > 0 && city[i - 1] >= id))
			goto out;
		city[i] = (int32_t)id;
		if (id > 0 && (size_t)id > maxcid)
			maxcid = (size_t)id;
		city_row(res, (int)i, i, ctext, place, cflags);
	}
	res = it[WB_OTHERS].res;
	for (i = 0; i < no; i++)
		city_row(res, (int)i, nc + i, ctext, place, cflags);
	/* each value's city by its id: a table of ids when they are dense enough, else a binary search */
	if (nc > 0 && city[0] > 0 && maxcid <= 4 * nc + 4096 && (pos = malloc((maxcid + 1) * sizeof(*pos))) != NULL) {
		for (i = 0; i <= maxcid; i++)
			pos[i] = -1;
		for (i = 0; i < nc; i++)
			pos[city[i]] = (int32_t)i;
	}
	res = it[WB_VALUES].res;
	for (i = 0; i < (size_t)PQntuples(res); i++) {
		long long kk = dec(PQgetvalue(res, (int)i, Q_WAVEMETRICS_VALUES_K), &ok);
		long long id = dec(PQgetvalue(res, (int)i, Q_WAVEMETRICS_VALUES_CID), &ok);
		long c;

		if (!ok || kk < 0 || (size_t)kk >= nm || id < INT32_MIN || id > INT32_MAX)
			goto out;
		k = (size_t)kk;
		if (pos != NULL)
			c = id >= 0 && (size_t)id <= maxcid ? pos[id] : -1;
		else
			c = idseek(city, nc, nc, (int32_t)id);
		if (c < 0)
			goto out;
		r = k * nc + (size_t)c;
		if (has[r])
			goto out;	/* one value per metric, survey and city: the key */
		values[r] = strtod(PQgetvalue(res, (int)i, Q_WAVEMETRICS_VALUES_VALUE), NULL);
		has[r] = 1;
	}
	b = wavemetrics_flat_make(version, nm, text, hib, nc, city, values, has, nq, codes, ctext, place, cflags,
	    wv, no, len);
out:
	free(pos);
	free(ctext);
	free(place);
	free(cflags);
	free(text);
	free(codes);
	free(hib);
	free(city);
	free(values);
	free(has);
	db_batch_clear(it, WB_N);
	return b;
}

struct wmarg {
	struct db *db;
	const char *wave;
	long long version;
};

static void *
build_cb(void *arg, size_t *len)
{
	struct wmarg *a = arg;

	return build(a->db, a->wave, a->version, len);
}

/* The block over b when it is one of the version asked; else NULL, b freed. */
static void *
open_cb(void *arg, void *b, size_t len, const struct simshare_ticket *t)
{
	struct wmarg *a = arg;
	struct wavemetrics *w = wavemetrics_from_flat(b, len);

	(void)t;
	if (w != NULL && wavemetrics_version(w) == a->version)
		return w;
	if (w != NULL)
		wavemetrics_free(w);
	else
		free(b);
	return NULL;
}

/* The metric values of (wave, version) built once for all the workers (simshare_obtain); NULL when
 * not to be had at that version. */
static struct wavemetrics *
obtain(struct db *db, const char *wave, long long version)
{
	struct wmarg a = { db, wave, version };
	char key[40];

	snprintf(key, sizeof(key), "wm:%s", wave);
	return simshare_obtain(simshare_default, key, version, WMWAIT, build_cb, open_cb, &a);
}

const struct wavemetrics *
wavemetrics_get(struct db *db, const char *wave, long long version)
{
	struct wavemetrics *w;
	size_t i, s = 0;

	if (strlen(wave) >= sizeof(slot[0].wave) - 3)
		return NULL;
	for (i = 0; i < WMSLOTS; i++)
		if (slot[i].w && wavemetrics_version(slot[i].w) == version && strcmp(slot[i].wave, wave) == 0) {
			slot[i].used = ++wmclock;
			return slot[i].w;
		}
	if ((w = obtain(db, wave, version)) == NULL)
		return NULL;
	for (i = 0; i < WMSLOTS; i++) {
		if (slot[i].w && strcmp(slot[i].wave, wave) == 0) {
			s = i;	/* the same wave of another version: replaced */
			break;
		}
		if (slot[i].used < slot[s].used)
			s = i;
	}
	wavemetrics_free(slot[s].w);
	snprintf(slot[s].wave, sizeof(slot[s].wave), "%s", wave);
	slot[s].w = w;
	slot[s].used = ++wmclock;
	return w;
}

int
wavemetrics_choice_code(const struct wavemetrics *w, const char *code)
{
	uint32_t i;

	for (i = 0; i < w->h->ncodes; i++)
		if (strcmp(w->str + w->codes[i], code) == 0)
			return 1;
	return 0;
}


json_t *
wavemetrics_rank_row(const struct wavemetrics *w, size_t m, size_t me, long long of, long long better)
{
	size_t nc = w->h->ncities;
	int mine = w->has[m * nc + me], hib = w->hib[m];
	double v = w->values[m * nc + me];
	long long not_better = of - better;

	return json_pack("{s:s, s:s, s:s, s:s, s:b, s:o, s:o, s:I, s:o}",
	    "id", w->str + w->text[4 * m],
	    "title", w->str + w->text[4 * m + 1],
	    "description", w->str + w->text[4 * m + 3],
	    "unit", w->str + w->text[4 * m + 2],
	    "higher_is_better", hib,
	    "value", mine ? json_real(v) : json_null(),
	    "rank", mine ? json_integer(1 + better) : json_null(),
	    "of", (json_int_t)of,
	    "percentile", mine && of > 0 ? json_real(100.0 * (double)not_better / (double)of) : json_null());
}

int
wavemetrics_city_id(const struct wavemetrics *w, size_t i)
{
	return w->city[i];
}

long
wavemetrics_city_index(const struct wavemetrics *w, int id)
{
	return idseek(w->city, w->h->ncities, w->h->ncities, id);
}

json_t *
wavemetrics_ranks(const struct wavemetrics *w, const int *ids, size_t n, int city)
{
	size_t nc = w->h->ncities, i, *at = NULL;
	long me = idseek(w->city, nc, nc, city), c;
	json_t *list = NULL, *row;
	uint32_t m;

	if (me < 0 || (at = malloc((n + 1) * sizeof(*at))) == NULL)
		goto bad;
	for (i = 0; i < n; i++) {
		if ((c = idseek(w->city, nc, i ? at[i - 1] : 0, ids[i])) < 0)
			goto bad;
		at[i] = (size_t)c;
	}
	if ((list = json_array()) == NULL)
		goto bad;
	for (m = 0; m < w->h->nmetrics; m++) {
		const double *v = w->values + (size_t)m * nc;
		const uint8_t *has = w->has + (size_t)m * nc;
		int mine = has[me], hib = w->hib[m];
		long long of = 0, gt = 0, lt = 0;

		if (!mine) {
			for (i = 0; i < n; i++)
				of += has[at[i]] != 0;
		} else if (isnan(v[me])) {
			/* pgorder_cmp: NaN equals NaN and is above every number */
			for (i = 0; i < n; i++)
				if (has[at[i]]) {
					of++;
					lt += !isnan(v[at[i]]);
				}
		} else {
			double mv = v[me];

			for (i = 0; i < n; i++)
				if (has[at[i]]) {
					double x = v[at[i]];

					of++;
					gt += x > mv || isnan(x);
					lt += x < mv;
				}
		}
		row = wavemetrics_rank_row(w, m, (size_t)me, of, hib ? gt : lt);
		if (row == NULL || json_array_append_new(list, row) == -1)
			goto bad;
	}
	free(at);
	return list;
bad:
	json_decref(list);
	free(at);
	return NULL;
}

/* ---- /compare's look-ups (issue 18, eighth session, round 2) ---- */

static const struct wavemetrics *slug_sort_w;	/* qsort's context (one worker thread) */

static int
by_slug(const void *a, const void *b)
{
	const struct wavemetrics *w = slug_sort_w;

	return strcmp(w->str + w->ctext[4 * *(const uint32_t *)a], w->str + w->ctext[4 * *(const uint32_t *)b]);
}

/* The lazily built look-ups live in the worker's own copy: w is this module's (wavemetrics_get). */
static struct wavemetrics *
own(const struct wavemetrics *w)
{
	return (struct wavemetrics *)(uintptr_t)w;
}

int
wavemetrics_exact(const struct wavemetrics *cw)
{
	struct wavemetrics *w = own(cw);
	size_t i, n = (size_t)w->h->nmetrics * w->h->ncities;
	long long k = 0;

	if (w->exact == 0) {
		for (i = 0; i < n; i++)
			k += w->has[i];
		w->exact = k == w->h->wavevalues ? 1 : -1;
	}
	return w->exact == 1;
}

long
wavemetrics_city_slug(const struct wavemetrics *cw, const char *slug)
{
	struct wavemetrics *w = own(cw);
	size_t nc = (size_t)w->h->ncities + w->h->nothers, lo = 0, hi = nc, i;

	if (w->byslug == NULL) {
		if ((w->byslug = malloc((nc + 1) * sizeof(*w->byslug))) == NULL)
			return -1;
		for (i = 0; i < nc; i++)
			w->byslug[i] = (uint32_t)i;
		slug_sort_w = w;
		qsort(w->byslug, nc, sizeof(*w->byslug), by_slug);
	}
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int k = strcmp(w->str + w->ctext[4 * w->byslug[mid]], slug);

		if (k == 0)
			return (long)w->byslug[mid];
		if (k < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

size_t
wavemetrics_ncities(const struct wavemetrics *w)
{
	return w->h->ncities;
}

const char *
wavemetrics_city_text(const struct wavemetrics *w, size_t c, int k)
{
	return w->str + w->ctext[4 * c + (size_t)k];
}

int
wavemetrics_city_flags(const struct wavemetrics *w, size_t c, double *lat, double *lon)
{
	*lat = w->place[2 * c];
	*lon = w->place[2 * c + 1];
	return w->cflags[c];
}

size_t
wavemetrics_nmetrics(const struct wavemetrics *w)
{
	return w->h->nmetrics;
}

long
wavemetrics_metric(const struct wavemetrics *w, const char *id)
{
	uint32_t m;

	for (m = 0; m < w->h->nmetrics; m++)
		if (strcmp(w->str + w->text[4 * m], id) == 0)
			return (long)m;
	return -1;
}

const char *
wavemetrics_metric_text(const struct wavemetrics *w, size_t m, int k)
{
	return w->str + w->text[4 * m + (size_t)k];
}

int
wavemetrics_metric_hib(const struct wavemetrics *w, size_t m)
{
	return w->hib[m];
}

int
wavemetrics_value(const struct wavemetrics *w, size_t m, size_t c, double *v)
{
	size_t r = m * w->h->ncities + c;

	if (c >= w->h->ncities)
		return 0;	/* a city without a fact row of the wave */
	*v = w->values[r];
	return w->has[r];
}

int
wavemetrics_position(const struct wavemetrics *cw, size_t m, const size_t *members, size_t n, size_t c,
    long long *rank, long long *of)
{
	struct wavemetrics *w = own(cw);
	size_t nc = w->h->ncities, i, k;
	const double *v = w->values + m * nc;
	const uint8_t *has = w->has + m * nc;
	long long better = 0, count = 0;
	int hib = w->hib[m], mine = c < nc && has[c];

	if (members == NULL) {	/* every city of the block: a sorted copy of the metric's values */
		if (w->sorted == NULL && ((w->sorted = calloc(w->h->nmetrics + 1, sizeof(*w->sorted))) == NULL ||
		    (w->nsorted = calloc(w->h->nmetrics + 1, sizeof(*w->nsorted))) == NULL)) {
			free(w->sorted);
			w->sorted = NULL;
			return -1;
		}
		if (w->sorted[m] == NULL) {
			if ((w->sorted[m] = malloc((nc + 1) * sizeof(double))) == NULL)
				return -1;
			for (i = 0, k = 0; i < nc; i++)
				if (has[i])
					w->sorted[m][k++] = v[i];
			pgorder_sort(w->sorted[m], k);
			w->nsorted[m] = k;
		}
		count = (long long)w->nsorted[m];
		if (mine)
			better = hib ? count - (long long)pgorder_bound(w->sorted[m], w->nsorted[m], v[c], 1) :
			    (long long)pgorder_bound(w->sorted[m], w->nsorted[m], v[c], 0);
	} else {
		for (i = 0; i < n; i++) {
			if (!has[members[i]])
				continue;
			count++;
			if (mine) {
				int d = pgorder_cmp(v[members[i]], v[c]);
				better += hib ? d > 0 : d < 0;
			}
		}
	}
	*of = count;
	*rank = mine ? 1 + better : -1;
	return 0;
}
