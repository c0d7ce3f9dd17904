/* test_wire.c: the messages between the worker and a plugin's child (wire.c): every message
 * encoded and decoded back, and truncated, padded or hostile messages refused. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "metric.h"
#include "plugin.h"
#include "t.h"
#include "wire.h"

/* A copy of the first n bytes of data in a block of exactly n bytes, so that the sanitizers see a
 * read past the end. */
static char *
cut(const char *data, size_t n)
{
	char *p = malloc(n ? n : 1);

	if (p && n)
		memcpy(p, data, n);
	return p;
}

/* 1 when status refuses (-1) every proper prefix of data, each in a block of its own size. */
static int
every_cut_refused(const char *data, size_t len, int (*status)(const char *, size_t, size_t),
    size_t arg)
{
	size_t i, refused = 0;
	char *p;

	for (i = 0; i < len; i++) {
		p = cut(data, i);
		if (status(p, i, arg) == -1)
			refused++;
		free(p);
	}
	return refused == len;
}

static void
put32(struct buf *b, uint32_t v)
{
	buf_append(b, &v, sizeof(v));
}

static void
put64(struct buf *b, uint64_t v)
{
	buf_append(b, &v, sizeof(v));
}

static void
test_head(void)
{
	unsigned char head[WIRE_HEAD];
	uint32_t type = 0;
	uint64_t len = 0;

	wire_head_encode(head, WIRE_FRAME_RESULT, 0x123456789aull);
	wire_head_decode(head, &type, &len);
	CHECK(type == WIRE_FRAME_RESULT && len == 0x123456789aull, "frame head: round trip");
}

/* Decodes a request, frees it and returns its status; a refused request must leave nothing. */
static int
request_status(const char *data, size_t len, size_t unused)
{
	char **codes = (char **)&unused;
	size_t n = 1;
	int rc = wire_request_decode(data, len, &codes, &n);

	if (rc != 0 && (codes != NULL || n != 0))
		rc = 99;
	if (rc == 0)
		wire_codes_free(codes, n);
	return rc;
}

static void
test_request(void)
{
	const char *codes[] = { "funding", "q_2", "a" };
	struct buf b = BUF_INIT, h = BUF_INIT;
	char **got = NULL;
	size_t n = 99, i;
	int rc;

	CHECK(wire_request_encode(&b, codes, 3) == 0, "request: encoded");
	rc = wire_request_decode(b.data, b.len, &got, &n);
	CHECK(rc == 0 && n == 3 && got && strcmp(got[0], "funding") == 0 && strcmp(got[1], "q_2") == 0 &&
	    strcmp(got[2], "a") == 0, "request: round trip");
	wire_codes_free(got, n);

	CHECK(every_cut_refused(b.data, b.len, request_status, 0), "request: every truncation refused");

	buf_append(&b, "x", 1);
	CHECK(wire_request_decode(b.data, b.len, &got, &n) == -1 && got == NULL, "request: a byte too many refused");

	buf_reset(&b);
	CHECK(wire_request_encode(&b, NULL, 0) == 0 && wire_request_decode(b.data, b.len, &got, &n) == 0 &&
	    n == 0, "request: no codes");
	wire_codes_free(got, n);
	CHECK(wire_request_decode(NULL, 0, &got, &n) == -1, "request: empty body refused");

	/* Codes that are not identifiers, and counts past the limit. */
	put32(&h, 2);
	put32(&h, 1);
	buf_append(&h, "a", 1);
	put32(&h, 3);
	buf_append(&h, "A-b", 3);
	CHECK(wire_request_decode(h.data, h.len, &got, &n) == -1 && got == NULL, "request: a code that is not an identifier refused");
	buf_reset(&h);
	put32(&h, 1);
	put32(&h, 3);
	buf_append(&h, "a\0b", 3);
	CHECK(wire_request_decode(h.data, h.len, &got, &n) == -1, "request: a NUL inside a code refused");
	buf_reset(&h);
	put32(&h, 1);
	put32(&h, 65);
	for (i = 0; i < 65; i++)
		buf_append(&h, "a", 1);
	CHECK(wire_request_decode(h.data, h.len, &got, &n) == -1, "request: a code of 65 characters refused");
	buf_reset(&h);
	put32(&h, PLUGIN_MAX_METRICS * PLUGIN_MAX_INPUTS + 1);
	CHECK(wire_request_decode(h.data, h.len, &got, &n) == -1, "request: too many codes refused");
	buf_reset(&h);
	put32(&h, 0xffffffffu);
	put32(&h, 1);
	buf_append(&h, "a", 1);
	CHECK(wire_request_decode(h.data, h.len, &got, &n) == -1, "request: a count past the body refused");
	buf_free(&b);
	buf_free(&h);
}

/* Fills m as a plugin would declare it; values NULL when ncities is 0. */
static void
metric(struct plugin_metric *m, const char *id, const char *unit, const double *values, size_t n)
{
	static char *inputs[] = { (char *)"funding", (char *)"staff" };

	memset(m, 0, sizeof(*m));
	m->id = (char *)id;
	m->title = (char *)"Funding share";
	m->description = (char *)"Line one.\nLine two.";
	m->unit = (char *)unit;
	m->version = (char *)"1.2-b";
	m->higher_is_better = 1;
	m->inputs = inputs;
	m->ninputs = 2;
	m->values = n ? (double *)values : NULL;
}

/* Starts a hand-made result message in b: magic, kind WIRE_OK, nmetrics. */
static void
result_head(struct buf *b, uint32_t nmetrics)
{
	buf_reset(b);
	put32(b, 0x31504243u);
	buf_append(b, "\0", 1);
	put32(b, nmetrics);
}

static int
same_value(double a, double b)
{
	return (isnan(a) && isnan(b)) || a == b;
}

/* Decodes data (len bytes) for ncities and returns its status, freeing what it made. */
static int
decode_status(const char *data, size_t len, size_t ncities)
{
	struct plugin_result res;
	struct wire_outcome o = { -1, NULL, 0, -1, NULL };
	int rc;

	memset(&res, 0, sizeof(res));
	rc = wire_result_decode(data, len, ncities, &res, &o);
	if (rc != 0 && (res.nmetrics != 0 || res.metrics != NULL))
		rc = 99;	/* a refused message must leave no metrics */
	metric_free_all(&res);
	free(o.message);
	free(o.metric);
	return rc;
}

/* 1 when r, encoded for ncities, is refused by the decoder. */
static int
encoded_refused(const struct plugin_result *r, size_t ncities)
{
	struct buf b = BUF_INIT;
	int rc = wire_result_encode(&b, 0, r, -1, ncities) == 0 && decode_status(b.data, b.len, ncities) == -1;

	buf_free(&b);
	return rc;
}

static void
test_result_ok(void)
{
	const double v1[] = { 0.25, NAN, -3 }, v2[] = { 1, 2, 1e300 };
	struct plugin_metric ms[2];
	struct plugin_result r, got;
	struct wire_outcome o = { -1, NULL, 0, -1, NULL };
	struct buf b = BUF_INIT;
	size_t i, hib;
	char *p;
	int rc;

	metric(&ms[0], "funding_share", "share", v1, 3);
	metric(&ms[1], "staff", "count", v2, 3);
	ms[1].higher_is_better = 0;
	ms[1].title_fr = (char *)"Effectif";	/* the optional French: given for one, not the other */
	ms[1].description_fr = (char *)"Ligne une.\nLigne deux\u202f!";
	memset(&r, 0, sizeof(r));
	r.metrics = ms;
	r.nmetrics = 2;
	CHECK(wire_result_encode(&b, 0, &r, -1, 3) == 0, "result: encoded");
	CHECK(b.len <= wire_result_max(3), "result: within the most the parent reads");
	memset(&got, 0, sizeof(got));
	rc = wire_result_decode(b.data, b.len, 3, &got, &o);
	CHECK(rc == 0 && o.kind == WIRE_OK && got.nmetrics == 2, "result: round trip");
	if (rc == 0 && got.nmetrics == 2) {
		CHECK_STR(got.metrics[0].id, "funding_share", "result: id");
		CHECK_STR(got.metrics[0].title, "Funding share", "result: title");
		CHECK_STR(got.metrics[0].description, "Line one.\nLine two.", "result: description");
		CHECK_STR(got.metrics[1].unit, "count", "result: unit");
		CHECK(got.metrics[0].title_fr == NULL && got.metrics[0].description_fr == NULL,
		    "result: no French stays none");
		CHECK_STR(got.metrics[1].title_fr, "Effectif", "result: title_fr");
		CHECK_STR(got.metrics[1].description_fr, "Ligne une.\nLigne deux\u202f!", "result: description_fr");
		CHECK_STR(got.metrics[0].version, "1.2-b", "result: version");
		CHECK(got.metrics[0].higher_is_better == 1 && got.metrics[1].higher_is_better == 0, "result: higher_is_better");
		CHECK(got.metrics[1].ninputs == 2 && strcmp(got.metrics[1].inputs[1], "staff") == 0, "result: inputs");
		CHECK(same_value(got.metrics[0].values[0], 0.25) && isnan(got.metrics[0].values[1]) &&
		    same_value(got.metrics[0].values[2], -3) && same_value(got.metrics[1].values[2], 1e300),
		    "result: values, NaN for nil");
	}
	metric_free_all(&got);

	CHECK(every_cut_refused(b.data, b.len, decode_status, 3), "result: every truncation refused, without metrics");
	p = cut(b.data, b.len);
	CHECK(decode_status(p, b.len, 2) == -1 && decode_status(p, b.len, 4) == -1,
	    "result: values for another number of cities refused");
	free(p);
	buf_append(&b, "", 1);
	CHECK(decode_status(b.data, b.len, 3) == -1, "result: a byte too many refused");

	/* higher_is_better is one byte after the seven strings (the French two empty here). */
	buf_reset(&b);
	wire_result_encode(&b, 0, &r, -1, 3);
	hib = 4 + 1 + 4 + (4 + strlen(ms[0].id)) + (4 + strlen(ms[0].title)) +
	    (4 + strlen(ms[0].description)) + (4 + 0) + (4 + 0) + (4 + strlen(ms[0].unit)) +
	    (4 + strlen(ms[0].version));
	CHECK(b.data[hib] == 1, "result: higher_is_better where expected");
	b.data[hib] = 2;
	CHECK(decode_status(b.data, b.len, 3) == -1, "result: higher_is_better 2 refused");
	b.data[hib] = 1;
	b.data[0] ^= 1;
	CHECK(decode_status(b.data, b.len, 3) == -1, "result: a wrong magic refused");
	b.data[0] ^= 1;
	b.data[4] = 7;
	CHECK(decode_status(b.data, b.len, 3) == -1, "result: an unknown kind refused");
	b.data[4] = WIRE_OK;
	CHECK(decode_status(b.data, b.len, 3) == 0, "result: the message restored is accepted");
	b.data[b.len - 1] ^= 1;
	CHECK(decode_status(b.data, b.len, 3) == -1, "result: a wrong end magic refused");

	/* What the sandbox would have refused is refused again. */
	{
		const double inf[] = { 1, INFINITY, 2 };
		struct plugin_metric bad[2];
		struct plugin_result br;

		memset(&br, 0, sizeof(br));
		br.metrics = bad;
		br.nmetrics = 1;
		metric(&bad[0], "x", "kg", v1, 3);
		CHECK(encoded_refused(&br, 3), "result: a unit not in the contract refused");
		metric(&bad[0], "Bad-Id", "share", v1, 3);
		CHECK(encoded_refused(&br, 3), "result: an id that is not an identifier refused");
		metric(&bad[0], "x", "share", inf, 3);
		CHECK(encoded_refused(&br, 3), "result: an infinite value refused");
		metric(&bad[0], "x", "share", v1, 3);
		bad[0].title = (char *)"two\nlines";
		CHECK(encoded_refused(&br, 3), "result: a title on two lines refused");
		metric(&bad[0], "same", "share", v1, 3);
		metric(&bad[1], "same", "share", v2, 3);
		br.nmetrics = 2;
		CHECK(encoded_refused(&br, 3), "result: a metric id twice refused");
		br.nmetrics = 0;
		CHECK(encoded_refused(&br, 3), "result: no metrics refused");
	}

	/* Counts past the limits. */
	result_head(&b, PLUGIN_MAX_METRICS + 1);
	CHECK(decode_status(b.data, b.len, 0) == -1, "result: too many metrics refused");
	result_head(&b, 1);
	for (i = 0; i < 5; i++) {
		put32(&b, 1);
		buf_append(&b, "x", 1);
	}
	buf_append(&b, "\1", 1);
	put32(&b, PLUGIN_MAX_INPUTS + 1);
	CHECK(decode_status(b.data, b.len, 0) == -1, "result: too many inputs refused");
	result_head(&b, 1);
	put32(&b, 0xfffffff0u);
	CHECK(decode_status(b.data, b.len, 0) == -1, "result: a string past the message refused");
	CHECK(decode_status(NULL, 0, 0) == -1, "result: empty refused");

	/* No cities: no values. */
	metric(&ms[0], "funding_share", "share", NULL, 0);
	r.nmetrics = 1;
	buf_reset(&b);
	wire_result_encode(&b, 0, &r, -1, 0);
	memset(&got, 0, sizeof(got));
	CHECK(wire_result_decode(b.data, b.len, 0, &got, &o) == 0 && got.nmetrics == 1 &&
	    got.metrics[0].values == NULL, "result: no cities, no values");
	metric_free_all(&got);
	buf_free(&b);
}

static void
test_result_error(void)
{
	struct plugin_result r, got;
	struct wire_outcome o = { -1, NULL, 0, -1, NULL };
	struct buf b = BUF_INIT;

	memset(&r, 0, sizeof(r));
	r.error.message = (char *)"attempt to index a nil value";
	r.error.line = 12;
	r.error.metric = (char *)"funding_share";
	CHECK(wire_result_encode(&b, 1, &r, 2, 3) == 0, "error: encoded");
	memset(&got, 0, sizeof(got));
	CHECK(wire_result_decode(b.data, b.len, 3, &got, &o) == 0 && o.kind == WIRE_FAILED && o.line == 12 &&
	    o.city == 2 && got.nmetrics == 0, "error: round trip");
	CHECK_STR(o.message, "attempt to index a nil value", "error: message");
	CHECK_STR(o.metric, "funding_share", "error: metric");
	free(o.message);
	free(o.metric);
	memset(&o, 0, sizeof(o));

	/* A city out of range and a line that is not one are dropped, not trusted. */
	CHECK(wire_result_decode(b.data, b.len, 2, &got, &o) == 0 && o.city == -1, "error: a city out of range is none");
	free(o.message);
	free(o.metric);
	memset(&o, 0, sizeof(o));
	CHECK(every_cut_refused(b.data, b.len, decode_status, 3), "error: every truncation refused");

	buf_reset(&b);
	r.error.line = -5;
	r.error.message = NULL;
	r.error.metric = NULL;
	wire_result_encode(&b, -1, &r, -1, 3);
	CHECK(wire_result_decode(b.data, b.len, 3, &got, &o) == 0 && o.kind == WIRE_SYSTEM && o.line == 0 &&
	    o.city == -1, "system error: round trip, a negative line is none");
	CHECK_STR(o.message, "unknown error", "system error: a missing message says so");
	free(o.message);
	free(o.metric);
	CHECK(wire_result_max(0) < wire_result_max(1000) && wire_result_max(SIZE_MAX / 4) == SIZE_MAX / 2,
	    "result bound: grows with the cities, saturates");
	buf_free(&b);
}

/* Reads every city of an encoding; returns 0 when it is whole, else -1. */
static int
read_cities(const char *data, size_t len, size_t ncities, size_t ncodes)
{
	struct wire_cities c;
	struct wire_city city;
	const unsigned char *vals[8];
	size_t i;

	if (wire_cities_open(&c, data, len, ncities, ncodes) != 0)
		return -1;
	for (i = 0; i < ncities; i++)
		if (wire_city_next(&c, &city, vals) != 0)
			return -1;
	return wire_cities_close(&c);
}

/* read_cities for two cities of ncodes codes each. */
static int
two_cities(const char *data, size_t len, size_t ncodes)
{
	return read_cities(data, len, 2, ncodes);
}

static void
test_cities(void)
{
	const char *codes[] = { "i", "r", "s", "t", "f", "n", "list", "obj" };
	struct plugin_city cs[2] = { 0 };
	struct wire_cities c;
	struct wire_city city;
	struct wire_value v, item;
	const unsigned char *vals[8], *p, *end;
	json_t *answers;
	size_t len, len2, i;
	char *out, *q;
	int ok;

	answers = json_pack("{s:i, s:f, s:s, s:b, s:b, s:n, s:[i, s, n, [i], {}], s:{}}", "i", 3, "r", 2.5,
	    "s", "Zürich", "t", 1, "f", 0, "n", "list", 1, "x", 7, "obj");
	cs[0].slug = "oslo";
	cs[0].survey = "2020";
	cs[0].population = 700000;
	cs[0].answers = answers;
	cs[1].slug = NULL;
	cs[1].survey = NULL;
	cs[1].population = NAN;
	cs[1].answers = NULL;

	len = wire_cities_encode(NULL, 0, cs, 2, codes, 8);
	out = malloc(len + 16);
	memset(out, 0x55, len + 16);
	len2 = wire_cities_encode(out, len - 1, cs, 2, codes, 8);
	CHECK(len2 == len && (unsigned char)out[len - 1] == 0x55, "cities: a short room is not overrun, the size is told");
	len2 = wire_cities_encode(out, len, cs, 2, codes, 8);
	CHECK(len2 == len && (unsigned char)out[len] == 0x55, "cities: encoded in the size told");
	q = cut(out, len);

	ok = wire_cities_open(&c, q, len, 2, 8) == 0 && wire_city_next(&c, &city, vals) == 0;
	CHECK(ok && city.slug && city.slen == 4 && memcmp(city.slug, "oslo", 4) == 0 && city.svlen == 4 &&
	    city.population == 700000, "cities: first city's slug, survey, population");
	if (ok) {
		end = (const unsigned char *)q + len;
		wire_value_read(vals[0], end, &v);
		CHECK(v.tag == WIRE_INT && v.i == 3, "cities: an integer");
		wire_value_read(vals[1], end, &v);
		CHECK(v.tag == WIRE_FLOAT && v.d == 2.5, "cities: a real");
		wire_value_read(vals[2], end, &v);
		CHECK(v.tag == WIRE_STRING && v.len == strlen("Zürich") && memcmp(v.s, "Zürich", v.len) == 0,
		    "cities: a string");
		wire_value_read(vals[3], end, &v);
		CHECK(v.tag == WIRE_TRUE, "cities: true");
		wire_value_read(vals[4], end, &v);
		CHECK(v.tag == WIRE_FALSE, "cities: false");
		wire_value_read(vals[5], end, &v);
		CHECK(v.tag == WIRE_NIL, "cities: JSON null is nil");
		wire_value_read(vals[7], end, &v);
		CHECK(v.tag == WIRE_NIL, "cities: an object is nil");
		p = wire_value_read(vals[6], end, &v);
		CHECK(v.tag == WIRE_LIST && v.n == 5, "cities: a list");
		p = wire_value_read(p, end, &item);
		CHECK(item.tag == WIRE_INT && item.i == 1, "cities: list item 1");
		p = wire_value_read(p, end, &item);
		CHECK(item.tag == WIRE_STRING && item.len == 1 && item.s[0] == 'x', "cities: list item 2");
		p = wire_value_read(p, end, &item);
		CHECK(item.tag == WIRE_NIL, "cities: a null in a list is nil");
		p = wire_value_read(p, end, &item);
		CHECK(item.tag == WIRE_NIL, "cities: a list in a list is nil");
		p = wire_value_read(p, end, &item);
		CHECK(item.tag == WIRE_NIL && p == vals[7], "cities: an object in a list is nil, and the list ends there");
	}
	ok = ok && wire_city_next(&c, &city, vals) == 0;
	CHECK(ok && city.slug == NULL && city.survey == NULL && isnan(city.population),
	    "cities: a city without slug, survey or population");
	if (ok) {
		wire_value_read(vals[0], (const unsigned char *)q + len, &v);
		CHECK(v.tag == WIRE_NIL, "cities: a city without answers has nil");
	}
	CHECK(ok && wire_cities_close(&c) == 0, "cities: the encoding ends after the last city");
	CHECK(read_cities(q, len, 1, 8) == -1 && read_cities(q, len, 3, 8) == -1 && read_cities(q, len, 2, 7) == -1,
	    "cities: another count of cities or codes refused");
	free(q);

	CHECK(every_cut_refused(out, len, two_cities, 8), "cities: every truncation refused");
	q = cut(out, len + 1);
	CHECK(read_cities(q, len + 1, 2, 8) == -1, "cities: a byte too many refused");
	free(q);
	CHECK(read_cities(NULL, 0, 0, 0) == -1, "cities: empty refused");
	free(out);
	json_decref(answers);

	/* Hand-made encodings: one city, one code, its value in the middle. */
	{
		static const struct { const char *value; size_t n; int whole; const char *name; } cases[] = {
			{ "\6\1\0\0\0\3\7\0\0\0\0\0\0\0", 14, 1, "cities: a list of an integer is read" },
			{ "\6\1\0\0\0\6\0\0\0\0", 10, 0, "cities: a list inside a list refused" },
			{ "\11", 1, 0, "cities: an unknown tag refused" },
			{ "\5\360\377\377\377", 5, 0, "cities: a string past the message refused" },
			{ "\5\377\377\377\377", 5, 0, "cities: a string without a length refused" },
			{ "\6\360\377\377\377\0", 6, 0, "cities: a list count past the message refused" },
		};
		double nan = NAN;
		struct buf h = BUF_INIT;

		for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			buf_reset(&h);
			put32(&h, 0x31434243u);
			put64(&h, 1);
			put32(&h, 1);
			put32(&h, 0xffffffffu);
			put32(&h, 0xffffffffu);
			buf_append(&h, &nan, sizeof(nan));
			buf_append(&h, cases[i].value, cases[i].n);
			put32(&h, 0x444e4543u);
			q = cut(h.data, h.len);
			CHECK(read_cities(q, h.len, 1, 1) == (cases[i].whole ? 0 : -1), cases[i].name);
			free(q);
		}
		buf_free(&h);
	}
}

/* The answers encoded from their JSON text (plugin_answer_encode, city_inputs_load's path) against
 * wire_cities_encode of what json_loads reads from the same text: the same bytes, hostile texts too. */
static const char *const hostile[] = {
	"\"plain\"", "\"\"", "\"esc\\\"aped\\n\\t\\\\\"", "\"\\u00e9\\ud83d\\ude00\\u0000x\"", "\"Z\xc3\xbcrich \xf0\x9f\x98\x80\"",
	"\"bad \xff utf8\"", "\"overlong \xc0\xaf\"", "\"surrogate \xed\xa0\x80\"", "\"ctrl\x01\"", "\"tab\t\"",
	"\"unterminated", "\"a\" ", " \"a\"", "\"a\"\"b\"",
	"0", "-0", "12", "-12", "01", "-", "1.", ".5", "-12.50", "0.1", "1.5e3", "1E-2", "-0.0",
	"3.14159265358979323846", "123456789012345678", "-123456789012345678", "1234567890123456789",
	"9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
	"99999999999999999999999", "1e400", "-1e400", "1.7976931348623157e308", "4.9e-324", "0.000000000000000001",
	"123456789012345678.5", "12345678901234567.8", "1 ", "1x", "+1",
	"null", "true", "false", "nul", "truex", "fals", "NaN", "Infinity", "",
	"[]", "[ ]", "[1, \"a\", null, true, false, 2.5]", "[1,2]", "[1,  2]", "[1, 2", "[1, 2,]",
	"[[1], {\"a\": 1}, \"x\"]", "[\"a\", [\"b\"]]", "[[]]", "[{}]", "[\"\\u00e9\", \"Z\xc3\xbcrich\"]",
	"[\"bad \xff\"]", "[9223372036854775808]", "[1e400]", "[1.5e3, 0.25]", "[\"a\", \"b\", \"c\", \"d\"]",
	"{}", "{\"a\": 1}", "{\"a\": [1, 2]}", "[null]", "[true, false]",
};

static int
same_as_jansson(const char *const *texts, size_t n)
{
	const char *codes[] = { "a", "b", "zz" }, *wcodes[] = { "a", "b" };
	struct plugin_city *cs = calloc(n + 1, sizeof(*cs)), *ws = calloc(n + 1, sizeof(*ws));
	unsigned int *slot = calloc(2 * (n + 1), sizeof(*slot));
	struct plugin_wired w;
	struct buf bytes = BUF_INIT;
	size_t i, la, lb;
	char *a = NULL, *b = NULL;
	int same = 0;

	if (cs == NULL || ws == NULL || slot == NULL || plugin_answer_encode(&bytes, "null") != 0)
		goto out;
	for (i = 0; i < n; i++) {
		json_t *v = json_loads(texts[i], JSON_DECODE_ANY, NULL);
		cs[i].slug = ws[i].slug = "x";
		cs[i].survey = ws[i].survey = "2020";
		cs[i].population = ws[i].population = (double)i;
		cs[i].answers = json_object();
		if (v)
			json_object_set_new(cs[i].answers, "a", v);
		json_object_set_new(cs[i].answers, "b", json_null());
		ws[i].wired = &w;
		ws[i].row = i;
		slot[2 * i] = (unsigned int)bytes.len;
		if (plugin_answer_encode(&bytes, texts[i]) != 0)
			goto out;
	}
	w.codes = wcodes;
	w.ncodes = 2;
	w.bytes = (const unsigned char *)bytes.data;
	w.slot = slot;
	la = wire_cities_encode(NULL, 0, cs, n, codes, 3);
	lb = wire_cities_encode(NULL, 0, ws, n, codes, 3);
	if (la != lb || (a = malloc(la)) == NULL || (b = malloc(lb)) == NULL)
		goto out;
	wire_cities_encode(a, la, cs, n, codes, 3);
	wire_cities_encode(b, lb, ws, n, codes, 3);
	same = memcmp(a, b, la) == 0 && read_cities(b, lb, n, 3) == 0;
	if (!same && n > 1)
		for (i = 0; i < n; i++)
			if (same_as_jansson(texts + i, 1) == 0) {
				fprintf(stderr, "# differs: %s\n", texts[i]);
				break;
			}
out:
	for (i = 0; cs && i < n; i++)
		json_decref(cs[i].answers);
	free(cs);
	free(ws);
	free(slot);
	free(a);
	free(b);
	buf_free(&bytes);
	return same;
}

static void
test_answer_text(void)
{
	static const char pieces[][8] = { "[", "]", ", ", ",", "\"", "\\", "\\u00", "e9", "1", "-", ".",
	    "0", "9", "e", "null", "true", "fa", "lse", " ", "{", "}", ":", "\xc3", "\xa9", "\xff", "\x01",
	    "a", "999999" };
	const char *many[4100], *one[1], *codes[4100];
	char texts[3000][48];
	struct plugin_city c = { 0 };
	struct plugin_wired w;
	struct buf bytes = BUF_INIT;
	unsigned int slot[1];
	size_t i, j, la, lb;
	char *a, *b;
	unsigned seed = 18;

	CHECK(same_as_jansson(hostile, sizeof(hostile) / sizeof(*hostile)),
	    "answers from text: the same bytes as jansson's values, hostile texts");
	for (i = 0; i < 3000; i++) {	/* random texts of JSON-ish pieces */
		texts[i][0] = '\0';
		for (j = (seed = seed * 1103515245u + 12345u) >> 16 & 7; j > 0; j--) {
			const char *piece = pieces[((seed = seed * 1103515245u + 12345u) >> 16) % (sizeof(pieces) / sizeof(*pieces))];
			if (strlen(texts[i]) + strlen(piece) < sizeof(texts[i]))
				strcat(texts[i], piece);
		}
		if ((seed >> 20) % 3 == 0) {	/* half of them well-formed shapes */
			char tmp[48];
			snprintf(tmp, sizeof(tmp), (seed >> 24) % 2 ? "[%.20s]" : "\"%.20s\"", texts[i]);
			memcpy(texts[i], tmp, sizeof(tmp));
		}
		many[i % 4100] = texts[i];
	}
	CHECK(same_as_jansson(many, 3000), "answers from text: the same bytes as jansson's values, 3,000 random texts");

	/* More codes asked than the encoder maps at once: each found by itself, same bytes. */
	c.slug = "x";
	c.survey = "2020";
	c.population = 1;
	one[0] = "a";
	slot[0] = 1;
	plugin_answer_encode(&bytes, "null");
	plugin_answer_encode(&bytes, "[1, \"b\"]");
	w.codes = one;
	w.ncodes = 1;
	w.bytes = (const unsigned char *)bytes.data;
	w.slot = slot;
	c.wired = &w;
	for (i = 0; i < 4100; i++)
		codes[i] = i % 2 ? "a" : "q";
	la = wire_cities_encode(NULL, 0, &c, 1, codes, 4100);
	c.wired = NULL;
	c.answers = json_loads("{\"a\": [1, \"b\"]}", 0, NULL);
	lb = wire_cities_encode(NULL, 0, &c, 1, codes, 4100);
	a = malloc(la);
	b = malloc(lb);
	wire_cities_encode(b, lb, &c, 1, codes, 4100);
	c.wired = &w;
	wire_cities_encode(a, la, &c, 1, codes, 4100);
	CHECK(la == lb && a && b && memcmp(a, b, la) == 0, "answers from text: 4,100 codes asked, the same bytes");
	json_decref(c.answers);
	free(a);
	free(b);
	buf_free(&bytes);
}

int
main(void)
{
	test_head();
	test_request();
	test_result_ok();
	test_result_error();
	test_cities();
	test_answer_text();
	return T_DONE();
}
