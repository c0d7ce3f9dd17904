/* wire.h: the messages between the worker (plugin.c) and a plugin's child (child.c, sandbox.c).
 *
 * Pure encoding and decoding over memory, both ends in one place; the descriptors and deadlines
 * belong to the callers.  Host byte order: both ends (citybench-fcgi or citybench, and
 * citybench-sandbox) are built together from this tree and installed side by side.  Every decoder
 * treats its input as hostile (the child runs code the project does not trust, and the parent is
 * checked too): lengths are bounded before they are used, and a message must be consumed exactly.
 *
 * A frame: WIRE_HEAD bytes, u32 type and u64 length, then the body.  First the parent sends the
 * plugin frame (WIRE_FRAME_PLUGIN: the file's name, a NUL, the source); the rest go from the child
 * to the parent.  Once the plugin is loaded and valid, the child sends a request frame naming the
 * question codes its metrics read (u32 count, then each code as a string); the parent answers with
 * those answers only: u64 length, then the cities (below).  Last, the child sends its result
 * frame: u32 magic, u8 kind (WIRE_OK, WIRE_FAILED, WIRE_SYSTEM), then for WIRE_OK: u32 nmetrics
 * and per metric five strings (id, title, description, unit, version), u8 higher_is_better, u32
 * ninputs and the inputs, u64 nvalues and the doubles; for the others: the message, i32 line, i64
 * city index, the metric id; then, for every kind, the print log (a string, empty when nothing
 * was printed); then u32 end magic.  A string is a u32 length and its bytes.
 *
 * The cities: u32 magic, u64 ncities, u32 ncodes; per city its slug and survey (u32 length and
 * bytes; length 0xffffffff: none), f64 population (NaN: unknown), then one value per code: a tag
 * byte and its payload: nil, false, true, i64, f64, a string (u32 length and bytes) or a list (u32
 * count and that many values, none of them a list).  Then u32 end magic.
 */
#ifndef CB_WIRE_H
#define CB_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "metric.h"

#define WIRE_CITIES_MAX		(256 * 1024 * 1024)	/* the encoded cities one plugin is sent */
#define WIRE_HEAD		12			/* bytes of a frame's head */
#define WIRE_FRAME_REQUEST	0x51504243u		/* "CBPQ": the child asks for cities */
#define WIRE_FRAME_RESULT	0x52504243u		/* "CBPR": the child's result */
#define WIRE_FRAME_PLUGIN	0x53504243u		/* "CBPS": to the child: name, NUL, source */

enum wire_kind { WIRE_OK, WIRE_FAILED, WIRE_SYSTEM };

/* Writes a frame's head for a body of len bytes into head.  Never fails. */
void wire_head_encode(unsigned char head[WIRE_HEAD], uint32_t type, uint64_t len);

/* Reads a frame's head.  Never fails: what the values mean is the reader's to check. */
void wire_head_decode(const unsigned char head[WIRE_HEAD], uint32_t *type, uint64_t *len);

/* --- the request -------------------------------------------------------------------------- */

/* Appends the request for the answers to codes to b.  Returns 0, or -1 when memory ran out (b
 * then holds part of it). */
int wire_request_encode(struct buf *b, const char *const *codes, size_t ncodes);

/*
 * Decodes a request body: sets *codes to a malloc'd array of *ncodes malloc'd codes, each valid by
 * ident_valid, at most PLUGIN_MAX_METRICS * PLUGIN_MAX_INPUTS of them; free it with
 * wire_codes_free.  Returns 0, -1 when the request is malformed, -2 when memory ran out (*codes
 * NULL and *ncodes 0 in both cases).
 */
int wire_request_decode(const char *data, size_t len, char ***codes, size_t *ncodes);

/* Releases an array from wire_request_decode; codes may be NULL. */
void wire_codes_free(char **codes, size_t ncodes);

/* --- the result --------------------------------------------------------------------------- */

/* What a result frame says when it is not WIRE_OK, once decoded. */
struct wire_outcome {
	int kind;		/* enum wire_kind; -1 before decoding */
	char *message;		/* malloc'd, or NULL */
	int line;		/* 0 when unknown */
	long city;		/* index into the cities, -1 none */
	char *metric;		/* malloc'd, or NULL */
};

/*
 * Appends the result of sandbox_run to b: rc 0 the metrics of r with their ncities values each,
 * rc 1 (WIRE_FAILED) or -1 (WIRE_SYSTEM) r's error message and line, city and r's error metric.
 * Strings longer than their limits (metric.h) are cut to them.  Returns 0, or -1 when memory ran
 * out (b then holds part of it).
 */
int wire_result_encode(struct buf *b, int rc, const struct plugin_result *r, long city,
    size_t ncities);

/* The most a well-behaved child sends as its result for ncities: what the parent reads at most. */
size_t wire_result_max(size_t ncities);

/*
 * Decodes a whole result body for ncities cities: WIRE_OK fills res->metrics (every metric
 * checked by metric_problem, ids distinct, ncities finite-or-NaN values each) and sets out->kind;
 * the others fill out (line 0 and city -1 when out of range, metric NULL when invalid).  Returns
 * 0, -1 when the message is malformed (res left without metrics), -2 when memory ran out (res
 * left without metrics).  out's strings are the caller's to free in every case.
 */
int wire_result_decode(const char *data, size_t len, size_t ncities, struct plugin_result *res,
    struct wire_outcome *out);

/* --- the cities --------------------------------------------------------------------------- */

/*
 * Encodes the cities with, for each, the answers to codes only (JSON null and absent both become
 * nil; so does an object, or an array or object inside an array) into out, and returns the size
 * of the encoding.  It writes at most cap bytes, so the encoding in out is whole only when the
 * size returned is at most cap: call it with out NULL to learn the size, then with that much
 * room.  Never fails.
 */
size_t wire_cities_encode(void *out, size_t cap, const struct plugin_city *cities,
    size_t ncities, const char *const *codes, size_t ncodes);

/* Encodes one answer as the cities' encoding does (v NULL: nil) into out (at most cap bytes) and
 * returns its size. */
size_t wire_answer_encode(void *out, size_t cap, json_t *v);

/* The size of the encoded value at p (one that plugin_answer_encode or wire_answer_encode wrote). */
size_t wire_value_size(const unsigned char *p);

/* A reader of encoded cities: wire_cities_open, wire_city_next once per city, wire_cities_close. */
struct wire_cities {
	const unsigned char *p, *end;
	size_t ncodes;
	int bad;
};

struct wire_city {		/* one city as read: pointers into the encoding */
	const char *slug;	/* NULL when none */
	size_t slen;
	const char *survey;	/* NULL when none */
	size_t svlen;
	double population;	/* NaN when unknown */
};

/* Starts reading data (len bytes).  Returns 0, or -1 when it does not hold ncities cities with
 * ncodes values each (judged by its head; the rest is checked as it is read). */
int wire_cities_open(struct wire_cities *c, const char *data, size_t len, size_t ncities,
    size_t ncodes);

/* Reads the next city into city and where each of its ncodes values starts into vals, after
 * checking those values whole.  Returns 0, or -1 when the encoding is malformed. */
int wire_city_next(struct wire_cities *c, struct wire_city *city, const unsigned char **vals);

/* Returns 0 when the encoding ends right after the last city read, else -1. */
int wire_cities_close(struct wire_cities *c);

enum wire_tag { WIRE_NIL, WIRE_FALSE, WIRE_TRUE, WIRE_INT, WIRE_FLOAT, WIRE_STRING, WIRE_LIST };

struct wire_value {
	int tag;		/* enum wire_tag */
	int64_t i;		/* WIRE_INT */
	double d;		/* WIRE_FLOAT */
	const char *s;		/* WIRE_STRING: len bytes */
	size_t len;
	uint32_t n;		/* WIRE_LIST: count of items, which start at the pointer returned */
};

/* Reads the value at p, one that wire_city_next checked (end: the encoding's end), into v.
 * Returns the byte after the value, or for a list the byte where its first item starts.  A value
 * that does not fit before end reads as nil. */
const unsigned char *wire_value_read(const unsigned char *p, const unsigned char *end,
    struct wire_value *v);

#endif
