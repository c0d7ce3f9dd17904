/* compute.c: metric values from plugins, computed on write and stored with the plugin's version. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "compute.h"
#include "phasetime.h"
#include "jsonw.h"
#include "numtext.h"

static int
int_array(struct buf *b, const int *v, size_t n)
{
	size_t i;

	buf_putc(b, '{');
	for (i = 0; i < n; i++)
		buf_printf(b, i ? ",%d" : "%d", v[i]);
	return buf_putc(b, '}');
}

/* Positions of the city-waves sorted by city id and wave, to find an answer row's city-wave. */
static const struct city_inputs *sort_in;	/* qsort has no argument; callers are single-threaded */

static int
cmp_pos(const void *a, const void *b)
{
	size_t i = *(const size_t *)a, j = *(const size_t *)b;

	if (sort_in->city_ids[i] != sort_in->city_ids[j])
		return sort_in->city_ids[i] < sort_in->city_ids[j] ? -1 : 1;
	return strcmp(sort_in->cities[i].survey, sort_in->cities[j].survey);
}

static long
find_pos(const struct city_inputs *in, const size_t *pos, int id, const char *survey)
{
	size_t lo = 0, hi = in->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2, k = pos[mid];
		int c = in->city_ids[k] != id ? (in->city_ids[k] < id ? -1 : 1) :
		    strcmp(in->cities[k].survey, survey);
		if (c == 0)
			return (long)k;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* An integer column as PostgreSQL writes it (atoi's value, without strtol's set-up). */
static int
pg_int(const char *s)
{
	int neg = *s == '-', v = 0;

	for (s += neg; *s >= '0' && *s <= '9'; s++)
		v = v * 10 + (*s - '0');
	return neg ? -v : v;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Code k of the sorted codes, or -1. */
static long
code_find(const char *const *codes, size_t n, const char *code)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(codes[mid], code);
		if (c == 0)
			return (long)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* The answers are encoded for the wire as they are read (plugin_answer_encode: no jansson value for
 * the simple forms), into one buffer, each city-wave's value of each code found by its slot: an
 * asked question without an answer row, an answer to a question its wave no longer asks and a code
 * no plugin reads all send nil, as before. */
int
city_inputs_load(struct db *db, const int *city_ids, size_t ncities, const char *wave, const char *codes,
    struct city_inputs *in, char **err)
{
	struct buf ids = BUF_INIT, waves = BUF_INIT;
	PGresult *ans = NULL;
	const char *p[3], **wave_ids = NULL, *last_survey = NULL;
	unsigned char *asked_in = NULL;	/* wave w, code k: asked_in[w * ncodes + k] */
	size_t *pos = NULL, ncodes = 0, nwaves = 0, w = 0;
	long last = -1, last_code = -1;
	int i, n, rc = -1;

	memset(in, 0, sizeof(*in));
	if (city_ids && ncities)
		int_array(&ids, city_ids, ncities);
	if (wave)
		buf_printf(&waves, "{%s}", wave);
	p[0] = ids.data;
	p[1] = waves.data;
	p[2] = codes;
	in->res = db_query(db, Q_PLUGIN_INPUTS, 2, p);
	if (!db_ok(in->res)) {
		*err = strdup(in->res ? PQresultErrorMessage(in->res) : "the database is unreachable");
		goto out;
	}
	n = PQntuples(in->res);
	in->cities = calloc((size_t)n + 1, sizeof(*in->cities));
	in->city_ids = calloc((size_t)n + 1, sizeof(int));
	pos = calloc((size_t)n + 1, sizeof(size_t));
	if (in->cities == NULL || in->city_ids == NULL || pos == NULL)
		goto oom;
	for (i = 0; i < n; i++) {
		struct plugin_city *c = &in->cities[i];
		in->city_ids[i] = atoi(PQgetvalue(in->res, i, Q_PLUGIN_INPUTS_CITY_ID));
		c->slug = PQgetvalue(in->res, i, Q_PLUGIN_INPUTS_SLUG);
		c->survey = PQgetvalue(in->res, i, Q_PLUGIN_INPUTS_SURVEY_ID);
		c->population = PQgetisnull(in->res, i, Q_PLUGIN_INPUTS_POPULATION) ? NAN : strtod(PQgetvalue(in->res, i, Q_PLUGIN_INPUTS_POPULATION), NULL);
		c->wired = &in->wired;
		c->row = (size_t)i;
		pos[i] = (size_t)i;
		in->n++;
	}
	sort_in = in;
	qsort(pos, in->n, sizeof(*pos), cmp_pos);
	sort_in = NULL;

	ans = db_query(db, Q_PLUGIN_ANSWERS, 3, p);
	in->asked = db_query(db, Q_PLUGIN_ASKED, 1, p + 2);
	if (!db_ok(ans) || !db_ok(in->asked)) {
		PGresult *bad = !db_ok(ans) ? ans : in->asked;
		*err = strdup(bad ? PQresultErrorMessage(bad) : "the database is unreachable");
		goto out;
	}
	/* The codes asked in any wave, sorted and distinct; the waves (rows come ordered by wave). */
	n = PQntuples(in->asked);
	if ((in->codes = calloc((size_t)n + 1, sizeof(*in->codes))) == NULL ||
	    (wave_ids = calloc((size_t)n + 1, sizeof(*wave_ids))) == NULL)
		goto oom;
	for (i = 0; i < n; i++) {
		const char *sv = PQgetvalue(in->asked, i, Q_PLUGIN_ASKED_SURVEY_ID);
		in->codes[i] = PQgetvalue(in->asked, i, Q_PLUGIN_ASKED_CODE);
		if (nwaves == 0 || strcmp(wave_ids[nwaves - 1], sv) != 0)
			wave_ids[nwaves++] = sv;
	}
	qsort(in->codes, (size_t)n, sizeof(*in->codes), cmp_str);
	for (i = 0; i < n; i++)
		if (ncodes == 0 || strcmp(in->codes[ncodes - 1], in->codes[i]) != 0)
			in->codes[ncodes++] = in->codes[i];
	if ((asked_in = calloc(nwaves * ncodes + 1, 1)) == NULL ||
	    (in->slot = calloc(in->n * ncodes + 1, sizeof(*in->slot))) == NULL)
		goto oom;
	for (i = 0, w = 0; i < n; i++) {
		const char *sv = PQgetvalue(in->asked, i, Q_PLUGIN_ASKED_SURVEY_ID);
		while (strcmp(wave_ids[w], sv) != 0)
			w++;
		asked_in[w * ncodes + (size_t)code_find(in->codes, ncodes, PQgetvalue(in->asked, i, Q_PLUGIN_ASKED_CODE))] = 1;
	}
	if (plugin_answer_encode(&in->bytes, "null") == -1)	/* slot 0: nil */
		goto oom;
	for (i = 0; i < PQntuples(ans); i++) {
		int id = pg_int(PQgetvalue(ans, i, Q_PLUGIN_ANSWERS_CITY_ID));
		const char *survey = PQgetvalue(ans, i, Q_PLUGIN_ANSWERS_SURVEY_ID), *name;
		long code;
		size_t at;

		if (last_survey == NULL || strcmp(last_survey, survey) != 0) {
			for (w = 0; w < nwaves && strcmp(wave_ids[w], survey) != 0; w++)
				;
			last_survey = survey;
		}
		/* A submission's answers come in the same order of codes, mostly: the one after the last
		 * one's is tried first. */
		name = PQgetvalue(ans, i, Q_PLUGIN_ANSWERS_CODE);
		code = last_code + 1 < (long)ncodes && strcmp(in->codes[last_code + 1], name) == 0 ? last_code + 1 :
		    code_find(in->codes, ncodes, name);
		last_code = code;
		if (w == nwaves || code < 0 || !asked_in[w * ncodes + (size_t)code])
			continue;	/* no longer asked in that wave */

		/* Rows come grouped by submission (the order of the answers table): the last one found is
		 * usually the one. */
		if (last < 0 || in->city_ids[last] != id || strcmp(in->cities[last].survey, survey) != 0)
			last = find_pos(in, pos, id, survey);
		if (last < 0)
			continue;	/* a city-wave stored after the first statement read them */
		at = in->bytes.len;
		if (at > 0xffffffffu - 1)
			goto oom;
		if (plugin_answer_encode(&in->bytes, PQgetvalue(ans, i, Q_PLUGIN_ANSWERS_VALUE)) == -1)
			goto oom;
		in->slot[(size_t)last * ncodes + (size_t)code] = (unsigned int)at;
	}
	in->wired.codes = in->codes;
	in->wired.ncodes = ncodes;
	in->wired.bytes = (const unsigned char *)in->bytes.data;
	in->wired.slot = in->slot;
	rc = 0;
	goto out;
oom:
	*err = strdup("out of memory");
out:
	if (rc == -1)
		city_inputs_free(in);
	PQclear(ans);
	free(asked_in);
	free(wave_ids);
	free(pos);
	buf_free(&ids);
	buf_free(&waves);
	return rc;
}

void
city_inputs_free(struct city_inputs *in)
{
	free(in->cities);
	free(in->city_ids);
	free(in->codes);
	free(in->slot);
	buf_free(&in->bytes);
	PQclear(in->res);
	PQclear(in->asked);
	memset(in, 0, sizeof(*in));
}

int
compute_store(struct db *db, const struct city_inputs *in, const struct plugin_metric *m, char **err)
{
	struct buf ids = BUF_INIT, waves = BUF_INIT, vals = BUF_INIT;
	const char *p[5];
	PGresult *res;
	size_t i;
	int ok;

	buf_putc(&waves, '{');
	buf_putc(&vals, '{');
	int_array(&ids, in->city_ids, in->n);
	for (i = 0; i < in->n; i++) {
		buf_printf(&waves, i ? ",%s" : "%s", in->cities[i].survey);
		if (i)
			buf_putc(&vals, ',');
		if (m->values == NULL || isnan(m->values[i]))
			buf_puts(&vals, "NULL");
		else
			buf_printf(&vals, "%.17g", m->values[i]);
	}
	buf_putc(&waves, '}');
	buf_putc(&vals, '}');
	p[0] = m->id;
	p[1] = ids.data;
	p[2] = waves.data;
	p[3] = vals.data;
	p[4] = m->version;
	res = db_query(db, Q_PUT_VALUES, 5, p);
	ok = db_ok(res);
	if (!ok)
		*err = strdup(res ? PQresultErrorMessage(res) : "the database is unreachable");
	PQclear(res);
	buf_free(&ids);
	buf_free(&waves);
	buf_free(&vals);
	return ok ? 0 : -1;
}

/* ---- values written in bulk (the CLI's import and reload) ---- */

/* Appends s escaped for COPY's text format. */
static int
copy_text(struct buf *b, const char *s)
{
	int e = 0;

	for (; *s; s++) {
		switch (*s) {
		case '\\': e |= buf_puts(b, "\\\\"); break;
		case '\t': e |= buf_puts(b, "\\t"); break;
		case '\n': e |= buf_puts(b, "\\n"); break;
		case '\r': e |= buf_puts(b, "\\r"); break;
		default: e |= buf_putc(b, *s);
		}
	}
	return e;
}

/* One metric's stored values: row[k] is the row of Q_VALUES_CURRENT for city-wave k of `in`, or -1. */
struct compute_current {
	const char *id;
	int *row;
};

int
compute_values_current(struct db *db, struct compute_values *v, const struct city_inputs *in, char **err)
{
	size_t *pos = NULL, k, last = (size_t)-1;
	int i, n;

	if ((v->cur = db_query(db, Q_VALUES_CURRENT, 0, NULL)) == NULL || !db_ok(v->cur)) {
		*err = strdup(v->cur ? PQresultErrorMessage(v->cur) : "the database is unreachable");
		return -1;
	}
	v->ncities = in->n;
	n = PQntuples(v->cur);
	if ((pos = calloc(in->n + 1, sizeof(*pos))) == NULL)
		goto oom;
	for (k = 0; k < in->n; k++)
		pos[k] = k;
	sort_in = in;
	qsort(pos, in->n, sizeof(*pos), cmp_pos);
	sort_in = NULL;
	for (i = 0; i < n; i++) {
		const char *id = PQgetvalue(v->cur, i, Q_VALUES_CURRENT_METRIC_ID);
		struct compute_current *c = NULL;
		long at;

		if (last < v->nmetrics && strcmp(v->metrics[last].id, id) == 0)
			c = &v->metrics[last];	/* rows come grouped by metric, mostly */
		for (k = 0; c == NULL && k < v->nmetrics; k++)
			if (strcmp(v->metrics[k].id, id) == 0) {
				c = &v->metrics[k];
				last = k;
			}
		if (c == NULL) {
			struct compute_current *more = realloc(v->metrics, (v->nmetrics + 1) * sizeof(*more));
			if (more == NULL)
				goto oom;
			v->metrics = more;
			c = &v->metrics[v->nmetrics];
			c->id = id;
			if ((c->row = malloc((in->n + 1) * sizeof(int))) == NULL)
				goto oom;
			v->nmetrics++;
			for (k = 0; k < in->n; k++)
				c->row[k] = -1;
		}
		at = find_pos(in, pos, pg_int(PQgetvalue(v->cur, i, Q_VALUES_CURRENT_CITY_ID)),
		    PQgetvalue(v->cur, i, Q_VALUES_CURRENT_SURVEY_ID));
		if (at >= 0)
			c->row[at] = i;
	}
	free(pos);
	return 0;
oom:
	free(pos);
	*err = strdup("out of memory");
	return -1;
}

/* Whether city-wave i's value of m is what is stored (then it is not written again). */
static int
unchanged(const struct compute_values *v, const struct compute_current *c, const struct plugin_metric *m,
    size_t i)
{
	int r = c ? c->row[i] : -1;

	if (m->values == NULL || isnan(m->values[i]))
		return r < 0;	/* no value, none stored: nothing to remove */
	return r >= 0 && numtext_double(PQgetvalue(v->cur, r, Q_VALUES_CURRENT_VALUE)) == m->values[i] &&
	    strcmp(PQgetvalue(v->cur, r, Q_VALUES_CURRENT_PLUGIN_VERSION), m->version ? m->version : "") == 0;
}

int
compute_values_add(struct compute_values *v, const struct city_inputs *in, const struct plugin_metric *m)
{
	struct buf id = BUF_INIT, ver = BUF_INIT;
	const struct compute_current *cur = NULL;
	size_t i;
	int e;

	if (v->cur && v->ncities == in->n)
		for (i = 0; i < v->nmetrics; i++)
			if (strcmp(v->metrics[i].id, m->id) == 0)
				cur = &v->metrics[i];
	e = copy_text(&id, m->id) | copy_text(&ver, m->version ? m->version : "");
	for (i = 0; !e && i < in->n; i++) {
		if (v->cur && v->ncities == in->n && unchanged(v, cur, m, i))
			continue;
		char num[16];
		int k = (int)sizeof(num);
		long c = in->city_ids[i];
		int neg = c < 0;

		if (neg)
			c = -c;
		do
			num[--k] = (char)('0' + c % 10);
		while ((c /= 10) != 0);
		if (neg)
			num[--k] = '-';
		e |= buf_append(&v->b, id.data, id.len) | buf_putc(&v->b, '\t') |
		    buf_puts(&v->b, in->cities[i].survey) | buf_putc(&v->b, '\t') |	/* waves: [0-9]{4} */
		    buf_append(&v->b, num + k, sizeof(num) - (size_t)k) | buf_putc(&v->b, '\t');
		if (m->values == NULL || isnan(m->values[i]))
			e |= buf_puts(&v->b, "\\N");
		else	/* the shortest text that reads back as exactly this double (finite here) */
			e |= jsonw_real(&v->b, m->values[i]);
		e |= buf_putc(&v->b, '\t') | buf_append(&v->b, ver.data, ver.len) | buf_putc(&v->b, '\n');
		v->n++;
	}
	buf_free(&id);
	buf_free(&ver);
	if (e)
		v->failed = 1;
	return e ? -1 : 0;
}

void
compute_values_free(struct compute_values *v)
{
	size_t i;

	for (i = 0; i < v->nmetrics; i++)
		free(v->metrics[i].row);
	free(v->metrics);
	PQclear(v->cur);
	buf_free(&v->b);
	memset(v, 0, sizeof(*v));
}

/* One COPY into the transaction's staging table, then one delete and one insert for every metric:
 * the set-based form of compute_store's cb_put_values for each metric in turn. */
int
compute_values_write(struct db *db, struct compute_values *v, char **err)
{
	PGresult *res;
	size_t off;
	int ok;

	if (v->failed) {
		*err = strdup("out of memory");
		return -1;
	}
	if (v->n == 0)
		return 0;
	res = db_exec(db, SQL_VALUES_TABLE);
	ok = db_ok(res);
	if (!ok)
		*err = strdup(res ? PQresultErrorMessage(res) : "the database is unreachable");
	PQclear(res);
	if (!ok || db_copy_begin(db, SQL_VALUES_COPY, err) == -1)
		return -1;
	for (off = 0, ok = 1; ok && off < v->b.len; off += 1u << 20) {
		size_t len = v->b.len - off < (1u << 20) ? v->b.len - off : 1u << 20;
		ok = db_copy_put(db, v->b.data + off, len) == 0;
	}
	if (db_copy_end(db, ok ? NULL : "bulk values aborted", err) == -1)
		return -1;
	res = db_query(db, Q_VALUES_DELETE, 0, NULL);
	if ((ok = db_ok(res)) != 0) {
		int fk_off = 0;

		/* The batch's foreign keys proven (and their parents locked) at once: then the insert runs
		 * without the three per-row checks, as the answers' (store.c; migration 022).  Without the
		 * privilege to set session_replication_role, each row is checked as before. */
		PQclear(res);
		res = db_query(db, Q_VALUES_UNPROVEN, 0, NULL);
		if ((ok = db_ok(res)) != 0 &&
		    strcmp(PQgetvalue(res, 0, Q_VALUES_UNPROVEN_MISSING), "0") == 0) {
			PQclear(res);
			res = db_query(db, Q_BULK_FK_OFF, 0, NULL);
			if ((ok = db_ok(res)) != 0)
				fk_off = !PQgetisnull(res, 0, Q_BULK_FK_OFF_ROLE);
		}
		if (ok) {
			PQclear(res);
			res = db_query(db, Q_VALUES_UPSERT, 0, NULL);
			ok = db_ok(res);
		}
		if (ok && fk_off) {
			PQclear(res);
			res = db_query(db, Q_BULK_FK_ON, 0, NULL);
			ok = db_ok(res);
		}
	}
	if (!ok)
		*err = strdup(res ? PQresultErrorMessage(res) : "the database is unreachable");
	PQclear(res);
	return ok ? 0 : -1;
}

/* ---- an upload's values: every metric's in one statement (cb_put_values_many, migration 016) ---- */

/* At most this many rows a statement (or one metric's when it alone has more): the statement
 * triggers of metric_values record moves up to 256 rows and mark a rebuild above (013), as they did
 * for the statements one metric at a time. */
#define BATCH_ROWS 256

struct batch {
	struct buf metrics, versions, cities, waves, values;
	size_t rows;
	int failed;
};

/* Appends s as an element of an array literal: quoted, " and \ escaped; NULL as NULL. */
static int
array_text(struct buf *b, const char *s)
{
	int e;

	if (s == NULL)
		return buf_puts(b, "NULL");
	e = buf_putc(b, '"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			e |= buf_putc(b, '\\');
		e |= buf_putc(b, *s);
	}
	return e | buf_putc(b, '"');
}

static void
batch_free(struct batch *t)
{
	buf_free(&t->metrics);
	buf_free(&t->versions);
	buf_free(&t->cities);
	buf_free(&t->waves);
	buf_free(&t->values);
	memset(t, 0, sizeof(*t));
}

/* Sends what t holds (nothing: nothing sent) and empties it.  0, or -1 with *err set. */
static int
batch_flush(struct db *db, struct batch *t, char **err)
{
	const char *p[5];
	PGresult *res;
	int ok;

	if (t->failed) {
		batch_free(t);
		*err = strdup("out of memory");
		return -1;
	}
	if (t->rows == 0)
		return 0;
	buf_putc(&t->metrics, '}');
	buf_putc(&t->versions, '}');
	buf_putc(&t->cities, '}');
	buf_putc(&t->waves, '}');
	if (buf_putc(&t->values, '}') != 0) {
		batch_free(t);
		*err = strdup("out of memory");
		return -1;
	}
	p[0] = t->metrics.data;
	p[1] = t->versions.data;
	p[2] = t->cities.data;
	p[3] = t->waves.data;
	p[4] = t->values.data;
	res = db_query(db, Q_PUT_VALUES_MANY, 5, p);
	ok = db_ok(res);
	if (!ok)
		*err = strdup(res ? PQresultErrorMessage(res) : "the database is unreachable");
	PQclear(res);
	batch_free(t);
	return ok ? 0 : -1;
}

/* Adds metric m's values for every city-wave of in (sending what t held first when the two together
 * would pass BATCH_ROWS).  0, or -1 with *err set. */
static int
batch_add(struct db *db, struct batch *t, const struct city_inputs *in, const struct plugin_metric *m,
    char **err)
{
	size_t i;
	int e = 0;

	if (t->rows > 0 && t->rows + in->n > BATCH_ROWS && batch_flush(db, t, err) == -1)
		return -1;
	for (i = 0; i < in->n; i++) {
		const char *sep = t->rows ? "," : "{";

		e |= buf_puts(&t->metrics, sep) | array_text(&t->metrics, m->id);
		e |= buf_puts(&t->versions, sep) | array_text(&t->versions, m->version);
		e |= buf_printf(&t->cities, "%s%d", sep, in->city_ids[i]);
		e |= buf_printf(&t->waves, "%s%s", sep, in->cities[i].survey);	/* waves: [0-9]{4} */
		if (m->values == NULL || isnan(m->values[i]))
			e |= buf_printf(&t->values, "%sNULL", sep);
		else
			e |= buf_printf(&t->values, "%s%.17g", sep, m->values[i]);
		t->rows++;
	}
	if (e)
		t->failed = 1;
	return t->rows >= BATCH_ROWS ? batch_flush(db, t, err) : 0;
}

/* A metric's values: into the bulk write when there is one, else into the upload's batch. */
static int
put(struct db *db, struct compute_values *bulk, struct batch *batch, const struct city_inputs *in,
    const struct plugin_metric *m, char **err)
{
	if (bulk == NULL)
		return batch_add(db, batch, in, m, err);
	if (compute_values_add(bulk, in, m) == -1) {
		*err = strdup("out of memory");
		return -1;
	}
	return 0;
}

static int
compute_run(struct db *db, const int *city_ids, size_t ncities, const char *wave, FILE *log,
    struct compute_values *bulk, char **err);

int
compute_metrics(struct db *db, const int *city_ids, size_t ncities, const char *wave, FILE *log, char **err)
{
	return compute_run(db, city_ids, ncities, wave, log, NULL, err);
}

int
compute_metrics_bulk(struct db *db, const int *city_ids, size_t ncities, const char *wave, FILE *log,
    char **err)
{
	struct compute_values v;
	int rc;

	memset(&v, 0, sizeof(v));
	rc = compute_run(db, city_ids, ncities, wave, log, &v, err);
	phasetime_mark("metrics: inputs and plugins");
	if (rc == 0)
		rc = compute_values_write(db, &v, err);
	phasetime_mark("metrics: values write");
	compute_values_free(&v);
	return rc;
}

static int
compute_run(struct db *db, const int *city_ids, size_t ncities, const char *wave, FILE *log,
    struct compute_values *bulk, char **err)
{
	struct city_inputs in;
	struct plugin_limits lim;
	struct plugin_job *jobs = NULL;
	struct batch batch;
	PGresult *plugins = NULL, *inputs = NULL;
	size_t njobs = 0, jb;
	int i, rc = -1;

	memset(&in, 0, sizeof(in));
	memset(&batch, 0, sizeof(batch));
	plugins = db_query(db, Q_ACTIVE_PLUGINS, 0, NULL);
	inputs = db_query(db, Q_ACTIVE_INPUTS, 0, NULL);
	if (!db_ok(plugins) || !db_ok(inputs)) {
		*err = strdup("cannot read the plugins from the database");
		goto out;
	}
	if (PQntuples(plugins) == 0) {
		rc = 0;
		goto out;
	}
	if (city_inputs_load(db, city_ids, ncities, wave, PQgetvalue(inputs, 0, Q_ACTIVE_INPUTS_INPUTS), &in, err) == -1)
		goto out;
	if (bulk)
		phasetime_mark("metrics: inputs load");
	if (in.n == 0) {
		rc = 0;
		goto out;
	}
	plugin_limits_default(&lim);
	/* Every active plugin in one sandbox process, each as plugin_run would run it alone. */
	if ((jobs = calloc((size_t)PQntuples(plugins), sizeof(*jobs))) == NULL) {
		*err = strdup("out of memory");
		goto out;
	}
	njobs = (size_t)PQntuples(plugins);
	for (i = 0; i < PQntuples(plugins); i++) {
		jobs[i].file = PQgetvalue(plugins, i, Q_ACTIVE_PLUGINS_PLUGIN);
		jobs[i].source = PQgetvalue(plugins, i, Q_ACTIVE_PLUGINS_SOURCE);
		jobs[i].len = strlen(jobs[i].source);
	}
	plugin_run_many(jobs, njobs, in.cities, in.n, &lim);
	for (i = 0; i < PQntuples(plugins); i++) {
		struct plugin_result res = jobs[i].result;
		const char *file = jobs[i].file;
		char *perr = jobs[i].err;
		size_t k;
		int st = jobs[i].status;

		memset(&jobs[i].result, 0, sizeof(jobs[i].result));
		jobs[i].err = NULL;
		if (st != 0) {
			/* The plugin fails on the new data: its values for these cities are unknown. */
			struct buf msg = BUF_INIT;
			if (st == 1)
				plugin_error_format(&res.error, &msg);
			if (log)
				fprintf(log, "citybench: plugin %s failed: %s\n", file,
				    msg.data ? msg.data : perr ? perr : "error");
			buf_free(&msg);
			free(perr);
			plugin_result_free(&res);
			{
				PGresult *ids = db_query(db, Q_METRIC_IDS_OF, 1, &file);
				int j;
				for (j = 0; db_ok(ids) && j < PQntuples(ids); j++) {
					struct plugin_metric none;
					memset(&none, 0, sizeof(none));
					none.id = PQgetvalue(ids, j, Q_METRIC_IDS_OF_ID);
					none.version = PQgetvalue(ids, j, Q_METRIC_IDS_OF_VERSION);
					if (put(db, bulk, &batch, &in, &none, err) == -1) {
						PQclear(ids);
						goto out;
					}
				}
				PQclear(ids);
			}
			continue;
		}
		for (k = 0; k < res.nmetrics; k++) {
			if (put(db, bulk, &batch, &in, &res.metrics[k], err) == -1) {
				plugin_result_free(&res);
				goto out;
			}
		}
		plugin_result_free(&res);
	}
	if (batch_flush(db, &batch, err) == -1)
		goto out;
	rc = 0;
out:
	batch_free(&batch);
	for (jb = 0; jb < njobs; jb++) {
		plugin_result_free(&jobs[jb].result);
		free(jobs[jb].err);
	}
	free(jobs);
	city_inputs_free(&in);
	PQclear(plugins);
	PQclear(inputs);
	return rc;
}
