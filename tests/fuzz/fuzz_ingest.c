/* fuzz_ingest.c: libFuzzer target for the upload parser and validator (cgi/ingest.c).
 *
 * The same input is read as a JSON upload and as a CSV upload (ingest_parse, then ingest_validate)
 * against an in-memory catalog built from the questionnaires in sql/surveys (2020, and 2018 so that
 * "asked in another wave" is reached) and a few registered cities.  Checked: every refusal carries a
 * message and at most INGEST_MAX_DETAILS details that jansson can write (valid UTF-8); every accepted
 * answer fits its question (type, option, range, length), belongs to a registered city and a known
 * wave; nothing leaks (ASan's leak check).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ingest.h"
#include "weburl.h"
#include "utf8.h"

#ifndef FUZZ_SURVEY_DIR
#define FUZZ_SURVEY_DIR "sql/surveys"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct catalog *cat;
static const char *const cities[] = { "a", "lyon", "t-1", "toronto" };	/* sorted */

static int
cmp_question(const void *a, const void *b)
{
	return strcmp(((const struct catalog_question *)a)->code, ((const struct catalog_question *)b)->code);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *
xstrdup(const char *s)
{
	char *p = strdup(s);

	if (p == NULL)
		abort();
	return p;
}

static void
add_code(const char *code)
{
	size_t i;

	for (i = 0; i < cat->ncodes; i++)
		if (strcmp(cat->all_codes[i], code) == 0)
			return;
	cat->all_codes = realloc(cat->all_codes, (cat->ncodes + 1) * sizeof(char *));
	if (cat->all_codes == NULL)
		abort();
	cat->all_codes[cat->ncodes++] = xstrdup(code);
}

/* One wave from its questionnaire file, the shape `survey load` reads. */
static void
load_survey(const char *file)
{
	json_error_t jerr;
	json_t *doc = json_load_file(file, 0, &jerr), *q, *o;
	struct catalog_survey *s;
	size_t i, k;

	if (doc == NULL) {
		fprintf(stderr, "fuzz_ingest: %s: %s\n", file, jerr.text);
		abort();
	}
	cat->surveys = realloc(cat->surveys, (cat->nsurveys + 1) * sizeof(*cat->surveys));
	if (cat->surveys == NULL)
		abort();
	s = &cat->surveys[cat->nsurveys++];
	memset(s, 0, sizeof(*s));
	s->id = xstrdup(json_string_value(json_object_get(json_object_get(doc, "survey"), "id")));
	s->nquestions = json_array_size(json_object_get(doc, "questions"));
	if ((s->questions = calloc(s->nquestions, sizeof(*s->questions))) == NULL)
		abort();
	json_array_foreach(json_object_get(doc, "questions"), i, q) {
		struct catalog_question *cq = &s->questions[i];
		json_t *opts = json_object_get(q, "options");

		cq->code = xstrdup(json_string_value(json_object_get(q, "code")));
		cq->type = qtype_parse(json_string_value(json_object_get(q, "type")));
		if ((int)cq->type < 0)
			abort();
		if ((cq->has_min = json_is_number(json_object_get(q, "min"))))
			cq->min = json_number_value(json_object_get(q, "min"));
		if ((cq->has_max = json_is_number(json_object_get(q, "max"))))
			cq->max = json_number_value(json_object_get(q, "max"));
		cq->max_length = (int)json_integer_value(json_object_get(q, "max_length"));
		cq->noptions = json_array_size(opts);
		if (cq->noptions && (cq->options = calloc(cq->noptions, sizeof(char *))) == NULL)
			abort();
		json_array_foreach(opts, k, o)
			cq->options[k] = xstrdup(json_string_value(json_object_get(o, "code")));
		add_code(cq->code);
	}
	qsort(s->questions, s->nquestions, sizeof(*s->questions), cmp_question);
	json_decref(doc);
}

static void
build_catalog(void)
{
	size_t i;

	if ((cat = calloc(1, sizeof(*cat))) == NULL)
		abort();
	load_survey(FUZZ_SURVEY_DIR "/2020.json");
	load_survey(FUZZ_SURVEY_DIR "/2018.json");
	qsort(cat->all_codes, cat->ncodes, sizeof(char *), cmp_str);
	cat->ncities = sizeof(cities) / sizeof(cities[0]);
	cat->slugs = calloc(cat->ncities, sizeof(char *));
	cat->city_ids = calloc(cat->ncities, sizeof(int));
	if (cat->slugs == NULL || cat->city_ids == NULL)
		abort();
	for (i = 0; i < cat->ncities; i++) {
		cat->slugs[i] = xstrdup(cities[i]);
		cat->city_ids[i] = (int)i + 1;
	}
}

static void
check_problems(const struct ingest *in)
{
	size_t i;
	json_t *d;
	char *dump;

	if (in->message[0] == '\0' || !utf8_valid(in->message, strlen(in->message)))
		abort();
	if (in->nproblems == 0 || json_array_size(in->details) == 0 ||
	    json_array_size(in->details) > INGEST_MAX_DETAILS ||
	    json_array_size(in->details) > in->nproblems)
		abort();
	json_array_foreach(in->details, i, d) {
		json_t *row = json_object_get(d, "row"), *col = json_object_get(d, "column");
		if (!json_is_string(json_object_get(d, "message")))
			abort();
		if (!json_is_null(row) && !(json_is_integer(row) && json_integer_value(row) > 0))
			abort();
		if (!json_is_null(col) && !json_is_string(col))
			abort();
	}
	/* The error body is written by jansson: it must be able to. */
	if ((dump = json_dumps(in->details, JSON_COMPACT)) == NULL)
		abort();
	free(dump);
}

static int
is_option(const struct catalog_question *q, const char *s)
{
	size_t i;

	for (i = 0; i < q->noptions; i++)
		if (strcmp(q->options[i], s) == 0)
			return 1;
	return 0;
}

/* An accepted value must fit its question as the questionnaire says. */
static void
check_value(const struct catalog_question *q, json_t *v)
{
	size_t i, j, chars = 0;
	const char *s;
	double d;

	if (json_is_null(v))
		return;
	switch (q->type) {
	case QT_BOOL:
		if (!json_is_boolean(v))
			abort();
		return;
	case QT_SINGLE:
		if (!json_is_string(v) || !is_option(q, json_string_value(v)))
			abort();
		return;
	case QT_MULTI:
		if (!json_is_array(v))
			abort();
		for (i = 0; i < json_array_size(v); i++) {
			if (!json_is_string(json_array_get(v, i)) ||
			    !is_option(q, json_string_value(json_array_get(v, i))))
				abort();
			for (j = 0; j < i; j++)
				if (json_equal(json_array_get(v, i), json_array_get(v, j)))
					abort();
		}
		return;
	case QT_INTEGER:
	case QT_NUMBER:
		if (q->type == QT_INTEGER ? !json_is_integer(v) : !json_is_real(v))
			abort();
		d = json_number_value(v);
		if (!isfinite(d) || (q->has_min && d < q->min) || (q->has_max && d > q->max))
			abort();
		return;
	case QT_TEXT:
		if (!json_is_string(v))
			abort();
		s = json_string_value(v);
		for (i = 0; s[i]; i++) {
			if (((unsigned char)s[i] & 0xc0) != 0x80)
				chars++;
			if ((unsigned char)s[i] < 0x20 && s[i] != '\n' && s[i] != '\t' && s[i] != '\r')
				abort();
		}
		if (q->max_length && chars > (size_t)q->max_length)
			abort();
		return;
	case QT_URL:
		if (!json_is_string(v) || !weburl_valid(json_string_value(v), NULL))
			abort();
		return;
	}
	abort();
}

static void
check_sets(const struct ingest *in)
{
	size_t i, j;
	const char *code;
	json_t *v;

	if (in->nsets == 0 || in->nproblems != 0)
		abort();
	for (i = 0; i < in->nsets; i++) {
		const struct answer_set *set = &in->sets[i];
		const struct catalog_survey *s = catalog_survey(cat, set->survey);

		if (s == NULL || catalog_city_id(cat, set->city) == 0 || !json_is_object(set->answers))
			abort();
		for (j = 0; j < i; j++)
			if (strcmp(in->sets[j].city, set->city) == 0 && strcmp(in->sets[j].survey, set->survey) == 0)
				abort();
		json_object_foreach(set->answers, code, v) {
			const struct catalog_question *q = catalog_question(s, code);
			if (q == NULL)
				abort();
			check_value(q, v);
		}
	}
}

static void
run(enum ingest_format fmt, const char *data, size_t size)
{
	struct ingest in;
	const char *names[8];
	size_t i, n;

	ingest_init(&in, fmt);
	if (ingest_parse(&in, data, size) == -1) {
		check_problems(&in);
	} else {
		if (in.nproblems != 0)
			abort();
		for (i = 0; i < in.nitems; i++) {
			const struct ingest_item *it = &in.items[i];
			if (!it->city || !it->survey || !it->question || it->row == 0)
				abort();
			if (fmt == INGEST_CSV ? it->value == NULL : it->jvalue == NULL)
				abort();
		}
		n = ingest_cities(&in, names, sizeof(names) / sizeof(names[0]));
		if (n > sizeof(names) / sizeof(names[0]) || (in.nitems > 0 && n == 0))
			abort();
		if (ingest_validate(&in, cat) == -1)
			check_problems(&in);
		else
			check_sets(&in);
	}
	ingest_free(&in);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy;

	if (cat == NULL)
		build_catalog();
	/* In an allocation of its own size, so that ASan sees a read past the end. */
	if ((copy = malloc(size ? size : 1)) == NULL)
		abort();
	memcpy(copy, data, size);
	run(INGEST_JSON, copy, size);
	run(INGEST_CSV, copy, size);
	free(copy);
	return 0;
}
