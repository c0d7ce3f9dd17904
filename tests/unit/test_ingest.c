/* test_ingest.c: the upload parser and validator against a hand-built questionnaire, no database. */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "ingest.h"
#include "t.h"

static struct catalog cat;

static char *
dup(const char *s)
{
	return strdup(s);
}

static void
question(struct catalog_question *q, const char *code, enum qtype t, int has_range, double min, double max,
    int maxlen, const char *const *opts, size_t nopts)
{
	size_t i;

	q->code = dup(code);
	q->type = t;
	q->has_min = q->has_max = has_range;
	q->min = min;
	q->max = max;
	q->max_length = maxlen;
	q->options = calloc(nopts + 1, sizeof(char *));
	for (i = 0; i < nopts; i++)
		q->options[i] = dup(opts[i]);
	q->noptions = nopts;
}

/* sorted by code, as catalog_load leaves them */
static void
build(void)
{
	static const char *sources[] = { "municipal_budget", "philanthropy", "private_sector" };
	static const char *approach[] = { "holistic", "policy_areas", "both" };
	static const char *codes[] = { "approach", "dedicated_funding", "funding_sources", "mayor", "score",
		"team1_staff" };
	struct catalog_survey *s;
	size_t i;

	cat.nsurveys = 2;
	cat.surveys = s = calloc(2, sizeof(*s));
	s[0].id = dup("2018");
	s[0].nquestions = 1;
	s[0].questions = calloc(1, sizeof(struct catalog_question));
	question(&s[0].questions[0], "dedicated_funding", QT_BOOL, 0, 0, 0, 0, NULL, 0);
	s[1].id = dup("2020");
	s[1].nquestions = 6;
	s[1].questions = calloc(6, sizeof(struct catalog_question));
	question(&s[1].questions[0], "approach", QT_SINGLE, 0, 0, 0, 0, approach, 3);
	question(&s[1].questions[1], "dedicated_funding", QT_BOOL, 0, 0, 0, 0, NULL, 0);
	question(&s[1].questions[2], "funding_sources", QT_MULTI, 0, 0, 0, 0, sources, 3);
	question(&s[1].questions[3], "mayor", QT_TEXT, 0, 0, 0, 10, NULL, 0);
	question(&s[1].questions[4], "score", QT_NUMBER, 1, 0, 10, 0, NULL, 0);
	question(&s[1].questions[5], "team1_staff", QT_INTEGER, 1, 0, 100, 0, NULL, 0);
	cat.ncities = 2;
	cat.slugs = calloc(2, sizeof(char *));
	cat.city_ids = calloc(2, sizeof(int));
	cat.slugs[0] = dup("oslo");
	cat.city_ids[0] = 2;
	cat.slugs[1] = dup("toronto");
	cat.city_ids[1] = 1;
	cat.ncodes = 6;
	cat.all_codes = calloc(6, sizeof(char *));
	for (i = 0; i < 6; i++)
		cat.all_codes[i] = dup(codes[i]);
}

static int
run(enum ingest_format f, const char *body, struct ingest *in)
{
	ingest_init(in, f);
	if (ingest_parse(in, body, strlen(body)) == -1)
		return 400;
	if (ingest_validate(in, &cat) == -1)
		return 422;
	return 0;
}

/* 1 when details hold a problem at row/column */
static int
has(const struct ingest *in, long row, const char *col)
{
	size_t i;
	json_t *d;

	json_array_foreach(in->details, i, d) {
		json_t *r = json_object_get(d, "row");
		const char *c = json_string_value(json_object_get(d, "column"));
		if ((row == 0 ? json_is_null(r) : json_integer_value(r) == row) &&
		    ((col == NULL && c == NULL) || (col && c && strcmp(col, c) == 0)))
			return 1;
	}
	return 0;
}

int
main(void)
{
	struct ingest in;
	json_t *a;
	char *big;
	size_t i;
	struct catalog *heap;

	build();
	CHECK(run(INGEST_CSV, "city,survey,question,value\r\ntoronto,2020,dedicated_funding,YES\r\n"
	    "toronto,2020,funding_sources,philanthropy\r\ntoronto,2020,funding_sources,municipal_budget\r\n"
	    "toronto,2020,mayor,\"A, \"\"B\"\"\nC\"\r\ntoronto,2020,team1_staff,12\r\ntoronto,2020,score,2.5\r\n"
	    "toronto,2018,dedicated_funding,0\r\n", &in) == 0, "csv: valid upload");
	CHECK(in.nsets == 2, "csv: one set per city and wave");
	a = in.sets[0].answers;
	CHECK(json_is_true(json_object_get(a, "dedicated_funding")), "csv: YES is true");
	CHECK(json_array_size(json_object_get(a, "funding_sources")) == 2 &&
	    strcmp(json_string_value(json_array_get(json_object_get(a, "funding_sources"), 0)), "philanthropy") == 0,
	    "csv: multi rows keep their order");
	CHECK_STR(json_string_value(json_object_get(a, "mayor")), "A, \"B\"\nC", "csv: quoted field");
	CHECK(json_integer_value(json_object_get(a, "team1_staff")) == 12, "csv: integer");
	CHECK(json_real_value(json_object_get(a, "score")) == 2.5, "csv: number");
	CHECK(json_is_false(json_object_get(in.sets[1].answers, "dedicated_funding")), "csv: 0 is false");
	ingest_free(&in);

	CHECK(run(INGEST_CSV, "\xef\xbb\xbf" "city,survey,question,value\ntoronto,2020,mayor,\n", &in) == 0 &&
	    json_is_null(json_object_get(in.sets[0].answers, "mayor")), "csv: BOM; empty value is unanswered");
	ingest_free(&in);

	CHECK(run(INGEST_CSV, "city,survey,question,value\ntoronto,2020,dedicated_funding,maybe\n"
	    "toronto,2020,nope,1\ntoronto,2020,team1_staff,-1\ntoronto,2020,team1_staff,1.5\n"
	    "paris,2020,mayor,x\ntoronto,1999,mayor,x\ntoronto,2020,approach,sideways\n"
	    "toronto,2020,mayor,much too long text\ntoronto,2018,mayor,x\n", &in) == 422,
	    "csv: every problem is a 422");
	CHECK(in.nproblems == 9, "csv: nine problems reported, not just the first");
	CHECK(has(&in, 2, "value") && has(&in, 3, "question") && has(&in, 4, "value") && has(&in, 5, "value") &&
	    has(&in, 6, "city") && has(&in, 7, "survey") && has(&in, 8, "value") && has(&in, 9, "value") &&
	    has(&in, 10, "question"), "csv: each problem with its row and column");
	ingest_free(&in);

	CHECK(run(INGEST_CSV, "city,survey,question,value\ntoronto,2020,mayor,a\ntoronto,2020,mayor,b\n", &in) == 422 &&
	    has(&in, 3, "question"), "csv: a question named twice");
	ingest_free(&in);
	CHECK(run(INGEST_CSV, "city,survey,question,value\ntoronto,2020,funding_sources,philanthropy\n"
	    "toronto,2020,funding_sources,philanthropy\n", &in) == 422, "csv: an option named twice");
	ingest_free(&in);
	CHECK(run(INGEST_CSV, "city,survey,question,value\ntoronto,2020,funding_sources,\n"
	    "toronto,2020,funding_sources,philanthropy\n", &in) == 422, "csv: a multi both empty and answered");
	ingest_free(&in);
	CHECK(run(INGEST_CSV, "city,survey,question,value\n", &in) == 422, "csv: header only is a 422");
	ingest_free(&in);
	CHECK(run(INGEST_CSV, "", &in) == 400, "csv: empty body is a 400");
	ingest_free(&in);
	CHECK(run(INGEST_CSV, "city,survey,question,value,colour\ntoronto,2020,mayor,x,red\n", &in) == 400 &&
	    has(&in, 1, "colour"), "csv: an unknown column is a 400 naming it");
	ingest_free(&in);
	CHECK(run(INGEST_CSV, "city,question,value\n", &in) == 400 && has(&in, 1, "survey"),
	    "csv: a missing column");
	ingest_free(&in);
	CHECK(run(INGEST_CSV, "city,survey,question,value\ntoronto,2020,mayor,\"open\n", &in) == 400,
	    "csv: an unterminated quote");
	ingest_free(&in);
	CHECK(run(INGEST_CSV, "city,survey,question,value\ntoronto,2020,mayor,\xc3\x28\n", &in) == 400,
	    "csv: invalid UTF-8");
	ingest_free(&in);
	CHECK(run(INGEST_CSV, "a\0b", &in) == 400, "csv: a NUL byte");
	ingest_free(&in);

	CHECK(run(INGEST_JSON, "{\"city\":\"toronto\",\"survey\":\"2020\",\"answers\":{\"dedicated_funding\":true,"
	    "\"funding_sources\":[\"private_sector\"],\"team1_staff\":3.0,\"score\":7,\"mayor\":null}}", &in) == 0,
	    "json: valid object");
	a = in.sets[0].answers;
	CHECK(json_is_integer(json_object_get(a, "team1_staff")) && json_is_real(json_object_get(a, "score")) &&
	    json_is_null(json_object_get(a, "mayor")), "json: 3.0 is an integer, 7 a number, null unanswered");
	ingest_free(&in);
	CHECK(run(INGEST_JSON, "[{\"city\":\"toronto\",\"survey\":\"2020\",\"answers\":{\"dedicated_funding\":\"yes\"}},"
	    "{\"city\":\"oslo\",\"survey\":\"2020\",\"answers\":{\"funding_sources\":\"philanthropy\","
	    "\"team1_staff\":2.5,\"approach\":[\"both\"]}}]", &in) == 422, "json: wrong types");
	CHECK(in.nproblems == 4 && has(&in, 1, "answers.dedicated_funding") && has(&in, 2, "answers.funding_sources") &&
	    has(&in, 2, "answers.team1_staff") && has(&in, 2, "answers.approach"), "json: row = object, column = field");
	ingest_free(&in);
	CHECK(run(INGEST_JSON, "{\"city\":\"toronto\",\"survey\":\"2020\",\"answers\":{\"mayor\":\"a\",\"mayor\":\"b\"}}",
	    &in) == 400, "json: duplicate keys are a 400");
	ingest_free(&in);
	CHECK(run(INGEST_JSON, "{\"city\":\"toronto\",\"survey\":\"2020\",\"answers\":{},\"extra\":1}", &in) == 400 &&
	    has(&in, 1, "extra"), "json: unknown field");
	ingest_free(&in);
	CHECK(run(INGEST_JSON, "\"text\"", &in) == 400, "json: not an object");
	ingest_free(&in);
	CHECK(run(INGEST_JSON, "[]", &in) == 400, "json: empty array");
	ingest_free(&in);
	big = malloc(20001);
	for (i = 0; i < 10000; i++) {
		big[i] = '[';
		big[10000 + i] = ']';
	}
	big[20000] = '\0';
	CHECK(run(INGEST_JSON, big, &in) == 400, "json: nested 10,000 deep is a 400");
	ingest_free(&in);
	free(big);

	/* at most 1,000 details, every problem counted */
	{
		struct buf b = BUF_INIT;
		buf_puts(&b, "city,survey,question,value\n");
		for (i = 0; i < 1500; i++)
			buf_printf(&b, "toronto,2020,q%zu,1\n", i);
		CHECK(run(INGEST_CSV, b.data, &in) == 422 && json_array_size(in.details) == 1000 &&
		    in.nproblems == 1500, "details capped at 1,000; all counted");
		ingest_free(&in);
		buf_free(&b);
	}
	{
		const char *cities[4];
		CHECK(run(INGEST_CSV, "city,survey,question,value\ntoronto,2020,mayor,a\noslo,2020,mayor,b\n"
		    "toronto,2018,dedicated_funding,no\n", &in) == 0 && ingest_cities(&in, cities, 4) == 2,
		    "the cities an upload names");
		ingest_free(&in);
	}
	/* issue 13: headers in any case, the forms' label/help columns, text read back as the downloads write
	 * it, and files that are not CSV named in one problem */
	CHECK(run(INGEST_CSV, " City ,SURVEY,Question,Value,LABEL,help\ntoronto,2020,mayor,'=x,Mayor,text\n"
	    "toronto,2020,approach,''-y,Approach,one\n", &in) == 422 && in.nproblems == 1 && has(&in, 3, "value"),
	    "csv: headers in any case, label and help ignored");
	ingest_free(&in);
	CHECK(run(INGEST_CSV, "city,survey,question,value,label\ntoronto,2020,mayor,'=x,M\n", &in) == 0 &&
	    strcmp(json_string_value(json_object_get(in.sets[0].answers, "mayor")), "=x") == 0,
	    "csv: one quote comes off a formula guard");
	ingest_free(&in);
	CHECK(run(INGEST_CSV, "city,survey,question,value\ntoronto,2020,mayor,''=x\n", &in) == 0 &&
	    strcmp(json_string_value(json_object_get(in.sets[0].answers, "mayor")), "'=x") == 0 &&
	    run(INGEST_CSV, "city,survey,question,value\ntoronto,2020,mayor,'quoted'\n", &in) == 0,
	    "csv: only one quote, and only before a formula character");
	ingest_free(&in);
	{
		static const struct { const char *body; size_t len; const char *word; } files[] = {
			{ "PK\x03\x04\x14\x00\x06\x00", 8, "workbook" },
			{ "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00", 10, ".xls" },
			{ "\xff\xfe" "c\x00i\x00t\x00y\x00", 10, "UTF-16" },
			{ "c\x00i\x00t\x00y\x00,\x00s\x00", 12, "UTF-16" },
			{ "city;survey;question;value\ntoronto;2020;mayor;x\n", 48, "semicolons" },
			{ "city\tsurvey\tquestion\tvalue\ntoronto\t2020\tmayor\tx\n", 48, "tabs" },
			{ "city,survey,question,value\ntoronto,2020,mayor,Z\xf6" "e\n", 50, "UTF-8" },
		};
		for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
			char name[80];
			const char *m;
			ingest_init(&in, INGEST_CSV);
			snprintf(name, sizeof(name), "csv: a file that is not CSV is one problem naming it (%s)",
			    files[i].word);
			m = ingest_parse(&in, files[i].body, files[i].len) == -1 && in.nproblems == 1 ?
			    json_string_value(json_object_get(json_array_get(in.details, 0), "message")) : "";
			CHECK(strstr(in.message, files[i].word) != NULL && strstr(m, "CSV UTF-8 (comma delimited)") &&
			    m[strlen(m) - 1] == '.', name);
			ingest_free(&in);
		}
	}
	/* catalog_free releases what build() made */
	heap = malloc(sizeof(*heap));
	*heap = cat;
	catalog_free(heap);
	return T_DONE();
}
