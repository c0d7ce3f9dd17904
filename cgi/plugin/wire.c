/* wire.c: the messages between the worker and a plugin's child: frames, the request for cities,
 * the result, and the cities themselves (wire.h describes the format).
 *
 * Encoders never fail but for memory; decoders take what they read for hostile.  A reader keeps a
 * bad flag instead of returning at every field: once a read falls short, every later read gives
 * zeroes and the flag, and the message is judged once at its end.  The result decoder checks every
 * metric with metric_problem, the rule the sandbox applied before sending it: a child that escaped
 * the sandbox must not get past the parent with a metric the sandbox would have refused.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "metric.h"
#include "query.h"
#include "wire.h"

#define MAGIC		0x31504243u	/* "CBP1": a result */
#define MAGIC_END	0x444e4542u	/* "BEND" */
#define CITIES_MAGIC	0x31434243u	/* "CBC1" */
#define CITIES_END	0x444e4543u	/* "CEND" */
#define NO_STRING	0xffffffffu	/* the length of a city's absent slug or survey */
#define UNIT_MAX	16		/* bytes of a unit on the wire */

void
wire_head_encode(unsigned char head[WIRE_HEAD], uint32_t type, uint64_t len)
{
	memcpy(head, &type, sizeof(type));
	memcpy(head + sizeof(type), &len, sizeof(len));
}

void
wire_head_decode(const unsigned char head[WIRE_HEAD], uint32_t *type, uint64_t *len)
{
	memcpy(type, head, sizeof(*type));
	memcpy(len, head + sizeof(*type), sizeof(*len));
}

/* --- frames: writing and reading ------------------------------------------------------------- */

static int
put_u32(struct buf *b, uint32_t v)
{
	return buf_append(b, &v, sizeof(v));
}

static int
put_str(struct buf *b, const char *s, size_t max)
{
	size_t n = s ? strlen(s) : 0;

	if (n > max)
		n = max;
	return put_u32(b, (uint32_t)n) | buf_append(b, s ? s : "", n);
}

struct reader {
	const unsigned char *p;
	size_t len, off;
	int bad;
};

static void
get(struct reader *r, void *out, size_t n)
{
	if (r->bad || n > r->len - r->off) {
		r->bad = 1;
		memset(out, 0, n);
		return;
	}
	memcpy(out, r->p + r->off, n);
	r->off += n;
}

static uint32_t
get_u32(struct reader *r)
{
	uint32_t v;

	get(r, &v, sizeof(v));
	return v;
}

/* A malloc'd copy of the next string (max bytes at most, no NUL inside), or NULL with r->bad. */
static char *
get_str(struct reader *r, size_t max)
{
	uint32_t n = get_u32(r);
	char *s;

	if (r->bad || n > max || n > r->len - r->off || memchr(r->p + r->off, '\0', n)) {
		r->bad = 1;
		return NULL;
	}
	if ((s = malloc((size_t)n + 1)) == NULL) {
		r->bad = 1;
		return NULL;
	}
	memcpy(s, r->p + r->off, n);
	s[n] = '\0';
	r->off += n;
	return s;
}

/* --- the request ------------------------------------------------------------------------------ */

int
wire_request_encode(struct buf *b, const char *const *codes, size_t ncodes)
{
	size_t i;
	int rc = put_u32(b, (uint32_t)ncodes);

	for (i = 0; i < ncodes; i++)
		rc |= put_str(b, codes[i], PLUGIN_ID_MAX);
	return rc ? -1 : 0;
}

int
wire_request_decode(const char *data, size_t len, char ***codes, size_t *ncodes)
{
	struct reader r = { (const unsigned char *)data, len, 0, 0 };
	uint32_t n = get_u32(&r), i;
	char **c;

	*codes = NULL;
	*ncodes = 0;
	if (r.bad || n > PLUGIN_MAX_METRICS * PLUGIN_MAX_INPUTS)
		return -1;
	if ((c = calloc(n ? n : 1, sizeof(*c))) == NULL)
		return -2;
	for (i = 0; i < n; i++)
		if ((c[i] = get_str(&r, PLUGIN_ID_MAX)) == NULL || !ident_valid(c[i]))
			break;
	if (i < n || r.off != r.len) {
		wire_codes_free(c, i < n ? i + 1 : n);
		return -1;
	}
	*codes = c;
	*ncodes = n;
	return 0;
}

void
wire_codes_free(char **codes, size_t ncodes)
{
	size_t i;

	if (codes == NULL)
		return;
	for (i = 0; i < ncodes; i++)
		free(codes[i]);
	free(codes);
}

/* --- the result ------------------------------------------------------------------------------- */

int
wire_result_encode(struct buf *b, int rc, const struct plugin_result *r, long city, size_t ncities)
{
	uint8_t kind = rc == 0 ? WIRE_OK : rc == 1 ? WIRE_FAILED : WIRE_SYSTEM;
	int e = put_u32(b, MAGIC) | buf_append(b, &kind, 1);
	size_t k, i;

	if (kind != WIRE_OK) {
		int32_t line = r->error.line;
		int64_t c = city;

		e |= put_str(b, r->error.message ? r->error.message : "unknown error",
		    PLUGIN_MESSAGE_MAX * 4);
		e |= buf_append(b, &line, sizeof(line)) | buf_append(b, &c, sizeof(c));
		e |= put_str(b, r->error.metric, PLUGIN_ID_MAX);
	} else {
		e |= put_u32(b, (uint32_t)r->nmetrics);
		for (k = 0; k < r->nmetrics; k++) {
			const struct plugin_metric *m = &r->metrics[k];
			uint8_t hib = m->higher_is_better ? 1 : 0;
			uint64_t nv = m->values ? ncities : 0;

			e |= put_str(b, m->id, PLUGIN_ID_MAX) | put_str(b, m->title, PLUGIN_TITLE_MAX);
			e |= put_str(b, m->description, PLUGIN_DESCRIPTION_MAX);
			/* the optional French: "" when none */
			e |= put_str(b, m->title_fr, PLUGIN_TITLE_MAX);
			e |= put_str(b, m->description_fr, PLUGIN_DESCRIPTION_MAX);
			e |= put_str(b, m->unit, UNIT_MAX) | put_str(b, m->version, PLUGIN_VERSION_MAX);
			e |= buf_append(b, &hib, 1) | put_u32(b, (uint32_t)m->ninputs);
			for (i = 0; i < m->ninputs; i++)
				e |= put_str(b, m->inputs[i], PLUGIN_ID_MAX);
			e |= buf_append(b, &nv, sizeof(nv));
			if (nv)
				e |= buf_append(b, m->values, ncities * sizeof(double));
		}
	}
	e |= put_str(b, r->log, PLUGIN_LOG_MAX);
	e |= put_u32(b, MAGIC_END);
	return e ? -1 : 0;
}

size_t
wire_result_max(size_t ncities)
{
	size_t metric = 7 * 4 + PLUGIN_ID_MAX + 2 * (PLUGIN_TITLE_MAX + PLUGIN_DESCRIPTION_MAX) + UNIT_MAX +
	    PLUGIN_VERSION_MAX + 1 + 4 + PLUGIN_MAX_INPUTS * (4 + PLUGIN_ID_MAX) + 8;

	if (ncities > (SIZE_MAX / 2 - 4096) / PLUGIN_MAX_METRICS / sizeof(double) - metric)
		return SIZE_MAX / 2;
	return 4096 + PLUGIN_MESSAGE_MAX * 4 + 4 + PLUGIN_LOG_MAX + PLUGIN_MAX_METRICS * (metric + ncities * sizeof(double));
}

int
wire_result_decode(const char *data, size_t len, size_t ncities, struct plugin_result *res,
    struct wire_outcome *out)
{
	struct reader r = { (const unsigned char *)data, len, 0, 0 };
	uint8_t kind = 0xff, hib;
	uint32_t n, k, i, j, ni;
	uint64_t nv;

	if (get_u32(&r) != MAGIC)
		return -1;
	get(&r, &kind, 1);
	out->kind = kind;
	if (kind == WIRE_FAILED || kind == WIRE_SYSTEM) {
		int32_t line;
		int64_t city;

		out->message = get_str(&r, PLUGIN_MESSAGE_MAX * 4);
		get(&r, &line, sizeof(line));
		get(&r, &city, sizeof(city));
		out->metric = get_str(&r, PLUGIN_ID_MAX);
		out->line = line > 0 && line < 100000000 ? line : 0;
		out->city = city >= 0 && (uint64_t)city < ncities ? (long)city : -1;
	} else if (kind == WIRE_OK) {
		n = get_u32(&r);
		if (r.bad || n == 0 || n > PLUGIN_MAX_METRICS)
			return -1;
		if ((res->metrics = calloc(n, sizeof(*res->metrics))) == NULL)
			return -2;
		res->nmetrics = n;
		for (k = 0; k < n && !r.bad; k++) {
			struct plugin_metric *m = &res->metrics[k];

			m->id = get_str(&r, PLUGIN_ID_MAX);
			m->title = get_str(&r, PLUGIN_TITLE_MAX);
			m->description = get_str(&r, PLUGIN_DESCRIPTION_MAX);
			m->title_fr = get_str(&r, PLUGIN_TITLE_MAX);
			m->description_fr = get_str(&r, PLUGIN_DESCRIPTION_MAX);
			if (m->title_fr && !*m->title_fr) {
				free(m->title_fr);
				m->title_fr = NULL;
			}
			if (m->description_fr && !*m->description_fr) {
				free(m->description_fr);
				m->description_fr = NULL;
			}
			m->unit = get_str(&r, UNIT_MAX);
			m->version = get_str(&r, PLUGIN_VERSION_MAX);
			get(&r, &hib, 1);
			m->higher_is_better = hib == 1;
			ni = get_u32(&r);
			if (r.bad || hib > 1 || ni > PLUGIN_MAX_INPUTS)
				break;
			if (ni && (m->inputs = calloc(ni, sizeof(*m->inputs))) == NULL)
				goto oom;
			for (i = 0; i < ni && !r.bad; i++)
				if ((m->inputs[m->ninputs] = get_str(&r, PLUGIN_ID_MAX)) != NULL)
					m->ninputs++;
			get(&r, &nv, sizeof(nv));
			if (r.bad || nv != ncities || metric_problem(m))
				break;
			if (nv) {
				if ((m->values = malloc(ncities * sizeof(double))) == NULL)
					goto oom;
				get(&r, m->values, ncities * sizeof(double));
				for (i = 0; i < ncities && !r.bad; i++)
					if (!isnan(m->values[i]) && !isfinite(m->values[i]))
						r.bad = 1;
			}
			for (j = 0; j < k; j++)
				if (strcmp(res->metrics[j].id, m->id) == 0)
					r.bad = 1;
		}
		if (k < n)
			r.bad = 1;
	} else {
		return -1;
	}
	res->log = get_str(&r, PLUGIN_LOG_MAX);
	if (res->log && (!*res->log || !metric_log_valid(res->log))) {
		r.bad = !!*res->log;
		free(res->log);
		res->log = NULL;
	}
	if (get_u32(&r) != MAGIC_END || r.bad || r.off != r.len) {
		metric_free_all(res);
		free(res->log);
		res->log = NULL;
		return -1;
	}
	return 0;
oom:
	metric_free_all(res);
	free(res->log);
	res->log = NULL;
	return -2;
}

/* --- the cities: writing ---------------------------------------------------------------------- */

/* Where an encoding goes: bytes are counted always, copied only while they fit. */
struct out {
	unsigned char *p;		/* NULL: count only */
	size_t len, cap;
};

static void
emit(struct out *o, const void *src, size_t n)
{
	if (o->p && o->len <= o->cap && n <= o->cap - o->len)
		memcpy(o->p + o->len, src, n);
	o->len += n;
}

static void
emit_u8(struct out *o, unsigned char v)
{
	emit(o, &v, 1);
}

static void
emit_u32(struct out *o, uint32_t v)
{
	emit(o, &v, sizeof(v));
}

static void
emit_string(struct out *o, const char *s, size_t n)
{
	if (s == NULL || n >= NO_STRING) {
		emit_u32(o, NO_STRING);
		return;
	}
	emit_u32(o, (uint32_t)n);
	emit(o, s, n);
}

static void
emit_answer(struct out *o, json_t *v, int nested)
{
	size_t i, n;
	int64_t iv;
	double d;

	switch (v ? json_typeof(v) : JSON_NULL) {
	case JSON_TRUE:
		emit_u8(o, WIRE_TRUE);
		break;
	case JSON_FALSE:
		emit_u8(o, WIRE_FALSE);
		break;
	case JSON_INTEGER:
		iv = (int64_t)json_integer_value(v);
		emit_u8(o, WIRE_INT);
		emit(o, &iv, sizeof(iv));
		break;
	case JSON_REAL:
		d = json_real_value(v);
		emit_u8(o, WIRE_FLOAT);
		emit(o, &d, sizeof(d));
		break;
	case JSON_STRING:
		if (json_string_length(v) >= NO_STRING) {
			emit_u8(o, WIRE_NIL);
			break;
		}
		emit_u8(o, WIRE_STRING);
		emit_string(o, json_string_value(v), json_string_length(v));
		break;
	case JSON_ARRAY:
		if (nested || (n = json_array_size(v)) >= NO_STRING) {
			emit_u8(o, WIRE_NIL);
			break;
		}
		emit_u8(o, WIRE_LIST);
		emit_u32(o, (uint32_t)n);
		for (i = 0; i < n; i++)
			emit_answer(o, json_array_get(v, i), 1);
		break;
	default:
		emit_u8(o, WIRE_NIL);
		break;
	}
}

size_t
wire_answer_encode(void *out, size_t cap, json_t *v)
{
	struct out o = { out, 0, cap };

	emit_answer(&o, v, 0);
	return o.len;
}

/* Code k of w, or -1 when w has none by that name. */
static long
wired_find(const struct plugin_wired *w, const char *code)
{
	size_t lo = 0, hi = w->ncodes;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(w->codes[mid], code);
		if (c == 0)
			return (long)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* City c's value of codes[j] from its encoded answers: map[j] is its code in `mapped` (the last
 * plugin_wired seen), found again when c has another. */
static void
emit_wired(struct out *o, const struct plugin_city *c, const char *const *codes, size_t ncodes,
    size_t j, const struct plugin_wired **mapped, long *map)
{
	const struct plugin_wired *w = c->wired;
	const unsigned char *v;
	long k;

	if (map && *mapped != w) {
		size_t x;
		for (x = 0; x < ncodes; x++)
			map[x] = wired_find(w, codes[x]);
		*mapped = w;
	}
	k = map ? map[j] : wired_find(w, codes[j]);
	v = k < 0 ? w->bytes : w->bytes + w->slot[c->row * w->ncodes + (size_t)k];
	emit(o, v, wire_value_size(v));
}

size_t
wire_cities_encode(void *out, size_t cap, const struct plugin_city *cities, size_t ncities,
    const char *const *codes, size_t ncodes)
{
	struct out o = { out, 0, cap };
	uint64_t n = ncities;
	size_t i, j;
	const struct plugin_wired *mapped = NULL;
	long map[PLUGIN_MAX_METRICS * PLUGIN_MAX_INPUTS], *m = ncodes <= sizeof(map) / sizeof(*map) ? map : NULL;

	emit_u32(&o, CITIES_MAGIC);
	emit(&o, &n, sizeof(n));
	emit_u32(&o, (uint32_t)ncodes);
	for (i = 0; i < ncities; i++) {
		const struct plugin_city *c = &cities[i];

		emit_string(&o, c->slug, c->slug ? strlen(c->slug) : 0);
		emit_string(&o, c->survey, c->survey ? strlen(c->survey) : 0);
		emit(&o, &c->population, sizeof(c->population));
		for (j = 0; j < ncodes; j++)
			if (c->wired)
				emit_wired(&o, c, codes, ncodes, j, &mapped, m);
			else
				emit_answer(&o, c->answers ? json_object_get(c->answers, codes[j]) : NULL, 0);
	}
	emit_u32(&o, CITIES_END);
	return o.len;
}

/* --- the cities: reading ---------------------------------------------------------------------- */

static const unsigned char *
take(struct wire_cities *c, size_t n)
{
	const unsigned char *q = c->p;

	if (c->bad || n > (size_t)(c->end - c->p)) {
		c->bad = 1;
		return NULL;
	}
	c->p += n;
	return q;
}

static uint32_t
take_u32(struct wire_cities *c)
{
	const unsigned char *q = take(c, 4);
	uint32_t v = 0;

	if (q)
		memcpy(&v, q, 4);
	return v;
}

/* The next string, or NULL when there is none (or c went bad). */
static const char *
take_bytes(struct wire_cities *c, size_t *n)
{
	uint32_t len = take_u32(c);

	*n = 0;
	if (c->bad || len == NO_STRING)
		return NULL;
	*n = len;
	return (const char *)take(c, len);
}

static void
skip_value(struct wire_cities *c, int nested)
{
	const unsigned char *tag = take(c, 1);
	size_t n;
	uint32_t k;

	if (tag == NULL)
		return;
	switch (*tag) {
	case WIRE_NIL:
	case WIRE_FALSE:
	case WIRE_TRUE:
		break;
	case WIRE_INT:
	case WIRE_FLOAT:
		take(c, 8);
		break;
	case WIRE_STRING:
		if (take_bytes(c, &n) == NULL)
			c->bad = 1;
		break;
	case WIRE_LIST:
		if (nested) {
			c->bad = 1;
			break;
		}
		for (k = take_u32(c); k > 0 && !c->bad; k--)
			skip_value(c, 1);
		break;
	default:
		c->bad = 1;
	}
}

int
wire_cities_open(struct wire_cities *c, const char *data, size_t len, size_t ncities,
    size_t ncodes)
{
	const unsigned char *q;
	uint64_t n = 0;

	c->p = (const unsigned char *)data;
	c->end = data ? c->p + len : c->p;
	c->ncodes = ncodes;
	c->bad = 0;
	if (take_u32(c) != CITIES_MAGIC)
		return -1;
	if ((q = take(c, sizeof(n))) != NULL)
		memcpy(&n, q, sizeof(n));
	if (n != ncities || take_u32(c) != ncodes)
		return -1;
	return 0;
}

int
wire_city_next(struct wire_cities *c, struct wire_city *city, const unsigned char **vals)
{
	const unsigned char *q;
	size_t j;

	city->slug = take_bytes(c, &city->slen);
	city->survey = take_bytes(c, &city->svlen);
	city->population = NAN;
	if ((q = take(c, sizeof(city->population))) != NULL)
		memcpy(&city->population, q, sizeof(city->population));
	for (j = 0; j < c->ncodes; j++) {
		vals[j] = c->p;
		skip_value(c, 0);
	}
	return c->bad ? -1 : 0;
}

int
wire_cities_close(struct wire_cities *c)
{
	return take_u32(c) != CITIES_END || c->p != c->end ? -1 : 0;
}

const unsigned char *
wire_value_read(const unsigned char *p, const unsigned char *end, struct wire_value *v)
{
	struct wire_cities c = { p, end, 0, 0 };
	const unsigned char *q;

	memset(v, 0, sizeof(*v));
	if ((q = take(&c, 1)) == NULL)
		return c.p;
	v->tag = *q;
	switch (v->tag) {
	case WIRE_FALSE:
	case WIRE_TRUE:
		break;
	case WIRE_INT:
		if ((q = take(&c, sizeof(v->i))) != NULL)
			memcpy(&v->i, q, sizeof(v->i));
		break;
	case WIRE_FLOAT:
		if ((q = take(&c, sizeof(v->d))) != NULL)
			memcpy(&v->d, q, sizeof(v->d));
		break;
	case WIRE_STRING:
		v->s = take_bytes(&c, &v->len);
		if (v->s == NULL)
			c.bad = 1;
		break;
	case WIRE_LIST:
		v->n = take_u32(&c);
		break;
	default:
		v->tag = WIRE_NIL;
		break;
	}
	if (c.bad)
		memset(v, 0, sizeof(*v));
	return c.p;
}
