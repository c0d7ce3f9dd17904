/* ingest.c: survey answers in, from CSV or JSON: parsed, checked against the questionnaire, grouped
 * per city and wave.  The same code serves `citybench import` and the HTTP upload.
 *
 * Over 1,000 lines because it still holds the questionnaire catalog it checks against (catalog_load
 * and its lookups, the first 200 lines), which both the CLI and the server read: that part is due to
 * move to its own file (domain/catalog.c).  The rest is one job: the readers of the two formats, what
 * a file that is not CSV is named, and the checks of each question type. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "csv.h"
#include "ingest.h"
#include "query.h"
#include "utf8.h"
#include "vmsg.h"
#include "weburl.h"

/* ---- the catalog ---- */

enum qtype
qtype_parse(const char *s)
{
	static const char *names[] = { "bool", "single", "multi", "integer", "number", "text", "url" };
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(s, names[i]) == 0)
			return (enum qtype)i;
	return (enum qtype)-1;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
cmp_question(const void *a, const void *b)
{
	return strcmp(((const struct catalog_question *)a)->code,
	    ((const struct catalog_question *)b)->code);
}

/* Splits a PostgreSQL text[] of identifiers ("{a,b}") into a list. */
static int
split_array(const char *s, char ***out, size_t *n)
{
	const char *p, *e;
	size_t cap = 0;

	*out = NULL;
	*n = 0;
	if (*s == '{')
		s++;
	for (p = s; *p && *p != '}'; p = *e ? e + 1 : e) {
		char **grown;
		e = p + strcspn(p, ",}");
		if (*n == cap) {
			cap = cap ? cap * 2 : 8;
			if ((grown = realloc(*out, cap * sizeof(char *))) == NULL)
				return -1;
			*out = grown;
		}
		if (((*out)[(*n)++] = strndup(p, (size_t)(e - p))) == NULL)
			return -1;
		if (*e == '}')
			break;
	}
	return 0;
}

void
catalog_free(struct catalog *c)
{
	size_t i, j, k;

	if (c == NULL)
		return;
	for (i = 0; i < c->nsurveys; i++) {
		for (j = 0; j < c->surveys[i].nquestions; j++) {
			struct catalog_question *q = &c->surveys[i].questions[j];
			free(q->code);
			for (k = 0; k < q->noptions; k++)
				free(q->options[k]);
			free(q->options);
		}
		free(c->surveys[i].questions);
		free(c->surveys[i].id);
	}
	free(c->surveys);
	for (i = 0; i < c->ncities; i++)
		free(c->slugs[i]);
	free(c->slugs);
	free(c->city_ids);
	for (i = 0; i < c->ncodes; i++)
		free(c->all_codes[i]);
	free(c->all_codes);
	free(c);
}

/* The catalog with every city (slugs NULL), or with the cities named in the text[] literal slugs. */
static struct catalog *
catalog_load_with(struct db *db, const char *slugs, char **err)
{
	struct catalog *c = NULL;
	PGresult *qs = NULL, *cs = NULL;
	int i, n;

	qs = db_query(db, Q_ALL_QUESTIONS, 0, NULL);
	cs = slugs ? db_query(db, Q_CITY_SLUGS_OF, 1, &slugs) : db_query(db, Q_CITY_SLUGS, 0, NULL);
	if (!db_ok(qs) || !db_ok(cs)) {
		*err = strdup(qs == NULL || cs == NULL ? "the database is unreachable" :
		    "cannot read the questionnaires");
		goto fail;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL)
		goto oom;
	n = PQntuples(qs);
	/* rows come ordered by survey, then code */
	c->surveys = calloc((size_t)n + 1, sizeof(*c->surveys));
	c->all_codes = calloc((size_t)n + 1, sizeof(char *));
	if (c->surveys == NULL || c->all_codes == NULL)
		goto oom;
	for (i = 0; i < n; i++) {
		const char *sid = PQgetvalue(qs, i, Q_ALL_QUESTIONS_SURVEY_ID);
		struct catalog_survey *s;
		struct catalog_question *q;
		size_t k;

		if (c->nsurveys == 0 || strcmp(c->surveys[c->nsurveys - 1].id, sid) != 0) {
			s = &c->surveys[c->nsurveys++];
			if ((s->id = strdup(sid)) == NULL ||
			    (s->questions = calloc((size_t)n, sizeof(*s->questions))) == NULL)
				goto oom;
		}
		s = &c->surveys[c->nsurveys - 1];
		q = &s->questions[s->nquestions++];
		if ((q->code = strdup(PQgetvalue(qs, i, Q_ALL_QUESTIONS_CODE))) == NULL)
			goto oom;
		q->type = qtype_parse(PQgetvalue(qs, i, Q_ALL_QUESTIONS_TYPE));
		if ((q->has_min = !PQgetisnull(qs, i, Q_ALL_QUESTIONS_MIN)))
			q->min = strtod(PQgetvalue(qs, i, Q_ALL_QUESTIONS_MIN), NULL);
		if ((q->has_max = !PQgetisnull(qs, i, Q_ALL_QUESTIONS_MAX)))
			q->max = strtod(PQgetvalue(qs, i, Q_ALL_QUESTIONS_MAX), NULL);
		q->max_length = PQgetisnull(qs, i, Q_ALL_QUESTIONS_MAX_LENGTH) ? 0 : atoi(PQgetvalue(qs, i, Q_ALL_QUESTIONS_MAX_LENGTH));
		if (split_array(PQgetvalue(qs, i, Q_ALL_QUESTIONS_OPTIONS), &q->options, &q->noptions) == -1)
			goto oom;
		for (k = 0; k < c->ncodes; k++)
			if (strcmp(c->all_codes[k], q->code) == 0)
				break;
		if (k == c->ncodes && (c->all_codes[c->ncodes++] = strdup(q->code)) == NULL)
			goto oom;
	}
	for (i = 0; i < (int)c->nsurveys; i++)
		qsort(c->surveys[i].questions, c->surveys[i].nquestions, sizeof(struct catalog_question),
		    cmp_question);
	qsort(c->all_codes, c->ncodes, sizeof(char *), cmp_str);

	n = PQntuples(cs);	/* ordered by slug */
	c->slugs = calloc((size_t)n + 1, sizeof(char *));
	c->city_ids = calloc((size_t)n + 1, sizeof(int));
	if (c->slugs == NULL || c->city_ids == NULL)
		goto oom;
	for (i = 0; i < n; i++) {
		if ((c->slugs[i] = strdup(PQgetvalue(cs, i, Q_CITY_SLUGS_SLUG))) == NULL)
			goto oom;
		c->city_ids[i] = atoi(PQgetvalue(cs, i, Q_CITY_SLUGS_ID));
		c->ncities++;
	}
	PQclear(qs);
	PQclear(cs);
	return c;
oom:
	*err = strdup("out of memory");
fail:
	catalog_free(c);
	PQclear(qs);
	PQclear(cs);
	return NULL;
}

struct catalog *
catalog_load(struct db *db, char **err)
{
	return catalog_load_with(db, NULL, err);
}

/* Appends slug to the text[] literal in b, quoted. */
static void
slug_element(struct buf *b, const char *slug)
{
	const char *p;

	if (b->len > 1)
		buf_putc(b, ',');
	buf_putc(b, '"');
	for (p = slug; *p; p++) {
		if (*p == '"' || *p == '\\')
			buf_putc(b, '\\');
		buf_putc(b, *p);
	}
	buf_putc(b, '"');
}

struct catalog *
catalog_load_for(struct db *db, const struct ingest *in, const char *slug, char **err)
{
	struct buf b = BUF_INIT;
	struct catalog *c;
	size_t i;

	buf_putc(&b, '{');
	for (i = 0; in && i < in->nitems; i++)
		if (i == 0 || strcmp(in->items[i].city, in->items[i - 1].city) != 0)
			slug_element(&b, in->items[i].city);
	if (slug)
		slug_element(&b, slug);
	if (buf_putc(&b, '}') == -1) {
		buf_free(&b);
		*err = strdup("out of memory");
		return NULL;
	}
	c = catalog_load_with(db, b.data, err);
	buf_free(&b);
	return c;
}

const struct catalog_survey *
catalog_survey(const struct catalog *c, const char *id)
{
	size_t i;

	for (i = 0; i < c->nsurveys; i++)
		if (strcmp(c->surveys[i].id, id) == 0)
			return &c->surveys[i];
	return NULL;
}

const struct catalog_question *
catalog_question(const struct catalog_survey *s, const char *code)
{
	struct catalog_question key = { .code = (char *)code };

	return bsearch(&key, s->questions, s->nquestions, sizeof(key), cmp_question);
}

int
catalog_city_id(const struct catalog *c, const char *slug)
{
	char **hit = bsearch(&slug, c->slugs, c->ncities, sizeof(char *), cmp_str);

	return hit ? c->city_ids[hit - c->slugs] : 0;
}

static int
known_code(const struct catalog *c, const char *code)
{
	return bsearch(&code, c->all_codes, c->ncodes, sizeof(char *), cmp_str) != NULL;
}

/* ---- problems ---- */

void
ingest_sentence(char *msg, size_t n)
{
	size_t len = strlen(msg);

	if (len == 0)
		return;
	if (msg[0] >= 'a' && msg[0] <= 'z')
		msg[0] = (char)(msg[0] - 'a' + 'A');
	if (strchr(".!?", msg[len - 1]) == NULL && len + 1 < n) {
		msg[len] = '.';
		msg[len + 1] = '\0';
	}
}

void
ingest_problem(struct ingest *in, size_t row, const char *column, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	json_t *d;

	in->nproblems++;
	if (json_array_size(in->details) >= INGEST_MAX_DETAILS)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ingest_sentence(msg, sizeof(msg));
	/* the message may quote input: keep it valid UTF-8 for jansson */
	if (!utf8_valid(msg, strlen(msg))) {
		size_t i;
		for (i = 0; msg[i]; i++)
			if ((unsigned char)msg[i] >= 0x80)
				msg[i] = '?';
	}
	d = json_pack("{s:s}", "message", msg);
	if (d == NULL)
		return;
	json_object_set_new(d, "row", row ? json_integer((json_int_t)row) : json_null());
	json_object_set_new(d, "column", column ? json_string(column) : json_null());
	json_array_append_new(in->details, d);
}

void
ingest_problem_k(struct ingest *in, size_t row, const char *column, const char *code, const char *a1,
    const char *a2, const char *a3, const char *a4, const char *a5)
{
	json_t *d;

	in->nproblems++;
	if (json_array_size(in->details) >= INGEST_MAX_DETAILS)
		return;
	if ((d = vmsg_make(code, a1, a2, a3, a4, a5)) == NULL)
		return;
	json_object_set_new(d, "row", row ? json_integer((json_int_t)row) : json_null());
	json_object_set_new(d, "column", column ? json_string(column) : json_null());
	json_array_append_new(in->details, d);
}

void
ingest_summary(struct ingest *in, const char *code, const char *a1, const char *a2)
{
	json_decref(in->summary);
	in->summary = vmsg_make(code, a1, a2, NULL, NULL, NULL);
	snprintf(in->message, sizeof(in->message), "%s",
	    in->summary ? json_string_value(json_object_get(in->summary, "message")) : code);
}

/* A count as an argument. */
static const char *
zu(size_t n, char *tmp, size_t size)
{
	snprintf(tmp, size, "%zu", n);
	return tmp;
}

/* Quotes input for a message: at most 40 characters, valid UTF-8. */
static const char *
q40(const char *s, char *tmp, size_t n)
{
	size_t len = strlen(s), i, o = 0;

	for (i = 0; i < len && o + 5 < n && i < 40; i++)
		tmp[o++] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	if (i < len && o + 4 < n) {
		memcpy(tmp + o, "...", 3);
		o += 3;
	}
	tmp[o] = '\0';
	return tmp;
}

/* ---- phase 1: parsing ---- */

void
ingest_init(struct ingest *in, enum ingest_format format)
{
	memset(in, 0, sizeof(*in));
	in->format = format;
	in->details = json_array();
}

void
ingest_free(struct ingest *in)
{
	size_t i;

	for (i = 0; i < in->nitems; i++) {
		free(in->items[i].city);
		free(in->items[i].survey);
		free(in->items[i].question);
		free(in->items[i].value);
		json_decref(in->items[i].jvalue);
	}
	free(in->items);
	for (i = 0; i < in->nsets; i++) {
		free(in->sets[i].city);
		free(in->sets[i].survey);
		json_decref(in->sets[i].answers);
	}
	free(in->sets);
	json_decref(in->details);
	json_decref(in->summary);
	memset(in, 0, sizeof(*in));
}

static struct ingest_item *
add_item(struct ingest *in, size_t row)
{
	struct ingest_item *it;

	if (in->nitems == in->cap) {
		size_t cap = in->cap ? in->cap * 2 : 256;
		if ((it = realloc(in->items, cap * sizeof(*it))) == NULL)
			return NULL;
		in->items = it;
		in->cap = cap;
	}
	it = &in->items[in->nitems++];
	memset(it, 0, sizeof(*it));
	it->row = row;
	return it;
}

struct csv_state {
	struct ingest *in;
	int col[4];			/* index of city, survey, question, value */
	size_t ncols;
};

/* A header cell as a column name: trimmed of spaces, in any case. */
static int
header_is(const char *cell, const char *name)
{
	size_t n = strlen(name);

	while (*cell == ' ' || *cell == '\t')
		cell++;
	if (strncasecmp(cell, name, n) != 0)
		return 0;
	for (cell += n; *cell == ' ' || *cell == '\t'; cell++)
		;
	return *cell == '\0';
}

/* A header that is one cell holding ';' or tabs: a spreadsheet saved with another list separator. */
static int
other_separator(struct ingest *in, char **f, size_t n)
{
	const char *sep = NULL;

	if (n != 1)
		return 0;
	if (strchr(f[0], ';') != NULL)
		sep = "semicolons (;)";
	else if (strchr(f[0], '\t') != NULL)
		sep = "tabs";
	if (sep == NULL)
		return 0;
	ingest_summary(in, "separator_summary", sep, NULL);
	ingest_problem_k(in, 1, NULL, "separator", sep, NULL, NULL, NULL, NULL);
	return 1;
}

static int
csv_row(void *arg, size_t row, char **f, size_t n)
{
	static const char *want[] = { "city", "survey", "question", "value" };
	struct csv_state *st = arg;
	struct ingest *in = st->in;
	struct ingest_item *it;
	char tmp[64];
	size_t i, k;

	if (row == 1 || st->ncols == 0) {
		if (other_separator(in, f, n))
			return 1;
		for (k = 0; k < 4; k++)
			st->col[k] = -1;
		for (i = 0; i < n; i++) {
			for (k = 0; k < 4; k++)
				if (header_is(f[i], want[k]))
					break;
			if (k == 4) {
				/* the downloadable forms' columns, for people: read and ignored */
				if (header_is(f[i], "label") || header_is(f[i], "help"))
					continue;
				ingest_problem_k(in, row, f[i], "column_unknown", q40(f[i], tmp, sizeof(tmp)), NULL,
				    NULL, NULL, NULL);
			} else if (st->col[k] != -1) {
				ingest_problem_k(in, row, want[k], "column_twice", want[k], NULL, NULL, NULL, NULL);
			} else {
				st->col[k] = (int)i;
			}
		}
		for (k = 0; k < 4; k++)
			if (st->col[k] == -1)
				ingest_problem_k(in, row, want[k], "column_missing", want[k], NULL, NULL, NULL,
				    NULL);
		st->ncols = n;
		return in->nproblems ? 1 : 0;
	}
	if (n != st->ncols) {
		char t2[32];
		ingest_problem_k(in, row, NULL, "row_fields", zu(n, tmp, sizeof(tmp)), zu(st->ncols, t2, sizeof(t2)),
		    NULL, NULL, NULL);
		return in->nproblems >= INGEST_MAX_DETAILS ? 1 : 0;
	}
	if ((it = add_item(in, row)) == NULL)
		return 2;
	it->city = strdup(f[st->col[0]]);
	it->survey = strdup(f[st->col[1]]);
	it->question = strdup(f[st->col[2]]);
	it->value = strdup(f[st->col[3]]);
	if (!it->city || !it->survey || !it->question || !it->value)
		return 2;
	return 0;
}

static int
parse_csv(struct ingest *in, const char *data, size_t len)
{
	struct csv_state st = { .in = in };
	struct csv_error err;
	int rc;

	memset(&err, 0, sizeof(err));
	rc = csv_parse(data, len, csv_row, &st, &err);
	if (rc == 2) {
		snprintf(in->message, sizeof(in->message), "out of memory reading the upload");
		return -1;
	}
	if (rc == -1) {
		char col[16], v[32];
		snprintf(col, sizeof(col), "%zu", err.column);
		if (vmsg_find(err.code))
			ingest_problem_k(in, err.row, err.column ? col : NULL, err.code, zu(err.value, v, sizeof(v)),
			    NULL, NULL, NULL, NULL);
		else
			ingest_problem(in, err.row, err.column ? col : NULL, "%s", err.message);
	}
	if (in->nproblems) {
		char n[32];
		if (in->message[0] == '\0')
			ingest_summary(in, "csv_unreadable", zu(in->nproblems, n, sizeof(n)), NULL);
		return -1;
	}
	if (st.ncols == 0) {
		ingest_summary(in, "csv_empty", NULL, NULL);
		ingest_problem_k(in, 0, NULL, "csv_no_rows", NULL, NULL, NULL, NULL, NULL);
		return -1;
	}
	return 0;
}

static int
parse_json(struct ingest *in, const char *data, size_t len)
{
	json_error_t jerr;
	json_t *doc, *obj, *answers, *v;
	const char *code;
	size_t i, row;

	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0) {	/* a BOM, as some editors write */
		data += 3;
		len -= 3;
	}
	doc = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
	if (doc == NULL) {
		char l[32], c[32];
		ingest_summary(in, "json_unreadable", NULL, NULL);
		snprintf(l, sizeof(l), "%d", jerr.line);
		snprintf(c, sizeof(c), "%d", jerr.column);
		ingest_problem_k(in, (size_t)jerr.line > 0 ? (size_t)jerr.line : 0, NULL, "json_syntax", l, c,
		    jerr.text, NULL, NULL);
		return -1;
	}
	if (json_is_object(doc)) {
		json_t *a = json_array();
		json_array_append_new(a, doc);
		doc = a;
	}
	if (!json_is_array(doc)) {
		json_decref(doc);
		ingest_summary(in, "json_shape_summary", NULL, NULL);
		ingest_problem_k(in, 0, NULL, "json_shape", NULL, NULL, NULL, NULL, NULL);
		return -1;
	}
	if (json_array_size(doc) == 0) {
		json_decref(doc);
		ingest_summary(in, "no_answers", NULL, NULL);
		ingest_problem_k(in, 0, NULL, "json_list_empty", NULL, NULL, NULL, NULL, NULL);
		return -1;
	}
	json_array_foreach(doc, i, obj) {
		const char *key;
		json_t *city, *survey;

		row = i + 1;
		if (!json_is_object(obj)) {
			ingest_problem_k(in, row, NULL, "json_not_object", NULL, NULL, NULL, NULL, NULL);
			continue;
		}
		json_object_foreach(obj, key, v)
			if (strcmp(key, "city") && strcmp(key, "survey") && strcmp(key, "answers"))
			{
				char k40[48];
				snprintf(k40, sizeof(k40), "%.40s", key);
				while (k40[0] && !utf8_valid(k40, strlen(k40)))
					k40[strlen(k40) - 1] = '\0';
				ingest_problem_k(in, row, key, "json_field_unknown", k40, NULL, NULL, NULL, NULL);
			}
		city = json_object_get(obj, "city");
		survey = json_object_get(obj, "survey");
		answers = json_object_get(obj, "answers");
		if (!json_is_string(city))
			ingest_problem_k(in, row, "city", "json_city_type", NULL, NULL, NULL, NULL, NULL);
		if (!json_is_string(survey))
			ingest_problem_k(in, row, "survey", "json_survey_type", NULL, NULL, NULL, NULL, NULL);
		if (!json_is_object(answers))
			ingest_problem_k(in, row, "answers", "json_answers_type", NULL, NULL, NULL, NULL, NULL);
		if (!json_is_string(city) || !json_is_string(survey) || !json_is_object(answers))
			continue;
		if (json_object_size(answers) == 0)
			ingest_problem_k(in, row, "answers", "json_answers_empty", NULL, NULL, NULL, NULL, NULL);
		json_object_foreach(answers, code, v) {
			struct ingest_item *it = add_item(in, row);
			if (it == NULL)
				break;
			it->city = strdup(json_string_value(city));
			it->survey = strdup(json_string_value(survey));
			it->question = strdup(code);
			it->jvalue = json_incref(v);
		}
	}
	json_decref(doc);
	if (in->nproblems) {
		char n[32];
		ingest_summary(in, "json_not_upload", zu(in->nproblems, n, sizeof(n)), NULL);
		return -1;
	}
	return 0;
}

/* What a body that is not UTF-8 text is, as a person would name the file; NULL when it is none of
 * the usual suspects. */
static const char *
file_kind(const unsigned char *d, size_t len)
{
	size_t i, odd = 0, even = 0;

	if (len >= 4 && memcmp(d, "PK\x03\x04", 4) == 0)
		return "a spreadsheet workbook (an Excel .xlsx or OpenDocument .ods file)";
	if (len >= 8 && memcmp(d, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8) == 0)
		return "an old Excel workbook (.xls)";
	if (len >= 2 && ((d[0] == 0xff && d[1] == 0xfe) || (d[0] == 0xfe && d[1] == 0xff)))
		return "UTF-16 text (saved as \"Unicode text\")";
	/* ASCII as UTF-16 without a BOM: every other byte is NUL, on one side only */
	for (i = 0; i < len && i < 512; i++) {
		if (d[i] != 0)
			continue;
		if (i % 2)
			odd++;
		else
			even++;
	}
	if ((odd == 0) != (even == 0) && odd + even >= (i + 7) / 8)
		return "UTF-16 text (saved as \"Unicode text\")";
	return NULL;
}

int
ingest_parse(struct ingest *in, const char *data, size_t len)
{
	const char *kind;
	const char *save = in->format == INGEST_CSV ?
	    "Open it in your spreadsheet program, choose Save as, pick the type \"CSV UTF-8 (comma delimited) "
	    "(.csv)\", and upload the .csv file" :
	    "Save it as JSON in UTF-8, or as \"CSV UTF-8 (comma delimited) (.csv)\" from a spreadsheet";

	if (len == 0) {
		ingest_summary(in, "body_empty", NULL, NULL);
		ingest_problem_k(in, 0, NULL, "file_nothing", NULL, NULL, NULL, NULL, NULL);
		return -1;
	}
	if ((kind = file_kind((const unsigned char *)data, len)) != NULL) {
		const char *want = in->format == INGEST_CSV ? "a CSV file" : "JSON";
		ingest_summary(in, "file_kind_summary", kind, want);
		ingest_problem_k(in, 0, NULL, "file_kind", kind, want, save, NULL, NULL);
		return -1;
	}
	if (memchr(data, '\0', len) != NULL || !utf8_valid(data, len)) {
		ingest_summary(in, "not_utf8_summary", NULL, NULL);
		ingest_problem_k(in, 0, NULL, "not_utf8", save, NULL, NULL, NULL, NULL);
		return -1;
	}
	return in->format == INGEST_CSV ? parse_csv(in, data, len) : parse_json(in, data, len);
}

/* Where a question was named; the first such row. */
size_t
ingest_row_of(const struct ingest *in, const char *city, const char *survey, const char *code)
{
	size_t i;

	for (i = 0; i < in->nitems; i++)
		if (strcmp(in->items[i].question, code) == 0 && strcmp(in->items[i].city, city) == 0 &&
		    strcmp(in->items[i].survey, survey) == 0)
			return in->items[i].row;
	return 0;
}

size_t
ingest_cities(const struct ingest *in, const char **out, size_t max)
{
	size_t i, j, n = 0;

	for (i = 0; i < in->nitems; i++) {
		for (j = 0; j < n; j++)
			if (strcmp(out[j], in->items[i].city) == 0)
				break;
		if (j == n && n < max)
			out[n++] = in->items[i].city;
	}
	return n;
}

/* ---- phase 2: validation ---- */

static int
has_option(const struct catalog_question *q, const char *code)
{
	size_t i;

	for (i = 0; i < q->noptions; i++)
		if (strcmp(q->options[i], code) == 0)
			return 1;
	return 0;
}

static void
list_options(const struct catalog_question *q, char *out, size_t n)
{
	size_t i, o = 0;

	out[0] = '\0';
	for (i = 0; i < q->noptions && o + 2 < n; i++)
		o += (size_t)snprintf(out + o, n - o, "%s%s", i ? ", " : "", q->options[i]);
	if (o >= n)
		memcpy(out + n - 4, "...", 4);
}

/* A problem with one value: its kind's code and arguments (see vmsg.h). */
struct vprob {
	const char *code;
	char a[3][320];
};

static void
vprob(struct vprob *p, const char *code, const char *a1, const char *a2, const char *a3)
{
	const char *in[3] = { a1, a2, a3 };
	int i;

	p->code = code;
	for (i = 0; i < 3; i++)
		snprintf(p->a[i], sizeof(p->a[i]), "%s", in[i] ? in[i] : "");
}

/* A web address as the answer of a url question; NULL with msg set when it is none. */
static json_t *
url_value(const struct catalog_question *q, const char *s, struct vprob *p)
{
	const char *why;
	char tmp[64];

	if (weburl_valid(s, &why))
		return json_string(s);
	vprob(p, "not_url", q40(s, tmp, sizeof(tmp)), q->code, why);
	return NULL;
}

/* CSV text to a typed value; NULL with msg set when it does not fit the question. */
static json_t *
typed_csv(const struct catalog_question *q, const char *s, struct vprob *p)
{
	char *end, tmp[64], opts[300];
	long long ll;
	double d;

	switch (q->type) {
	case QT_BOOL:
		if (!strcasecmp(s, "yes") || !strcasecmp(s, "true") || !strcmp(s, "1"))
			return json_true();
		if (!strcasecmp(s, "no") || !strcasecmp(s, "false") || !strcmp(s, "0"))
			return json_false();
		vprob(p, "not_bool", q40(s, tmp, sizeof(tmp)), q->code, NULL);
		return NULL;
	case QT_SINGLE:
	case QT_MULTI:
		if (has_option(q, s))
			return json_string(s);
		list_options(q, opts, sizeof(opts));
		vprob(p, "option_unknown_list", q40(s, tmp, sizeof(tmp)), q->code, opts);
		return NULL;
	case QT_INTEGER:
		errno = 0;
		ll = strtoll(s, &end, 10);
		if (errno || end == s || *end || isspace((unsigned char)*s)) {
			vprob(p, "not_integer", q40(s, tmp, sizeof(tmp)), q->code, NULL);
			return NULL;
		}
		return json_integer(ll);
	case QT_NUMBER:
		errno = 0;
		d = strtod(s, &end);
		if (errno || end == s || *end || !isfinite(d) || isspace((unsigned char)*s) ||
		    strpbrk(s, "xXnN") != NULL) {
			vprob(p, "not_number", q40(s, tmp, sizeof(tmp)), q->code, NULL);
			return NULL;
		}
		return json_real(d);
	case QT_TEXT:
		/* The downloads write '=x as ''=x (a spreadsheet would run =x): one quote comes off
		 * when a run of them precedes a formula character, so a download reads back as it was. */
		if (s[0] == '\'' && s[strspn(s, "'")] != '\0' && strchr("=+-@\t\r", s[strspn(s, "'")]))
			s++;
		return json_string(s);
	case QT_URL:
		return url_value(q, s, p);
	}
	return NULL;
}

/* Checks a JSON value (not null) against the question; 0 or -1 with msg. */
static int
check_json(const struct catalog_question *q, json_t *v, struct vprob *p)
{
	char tmp[64];
	size_t i, j;
	json_t *o;

	switch (q->type) {
	case QT_BOOL:
		if (json_is_boolean(v))
			return 0;
		vprob(p, "json_bool", q->code, NULL, NULL);
		return -1;
	case QT_SINGLE:
		if (!json_is_string(v)) {
			vprob(p, "json_single", q->code, NULL, NULL);
			return -1;
		}
		if (has_option(q, json_string_value(v)))
			return 0;
		vprob(p, "option_unknown", q40(json_string_value(v), tmp, sizeof(tmp)), q->code, NULL);
		return -1;
	case QT_MULTI:
		if (!json_is_array(v)) {
			vprob(p, "json_multi", q->code, NULL, NULL);
			return -1;
		}
		json_array_foreach(v, i, o) {
			if (!json_is_string(o)) {
				vprob(p, "json_multi_strings", q->code, NULL, NULL);
				return -1;
			}
			if (!has_option(q, json_string_value(o))) {
				vprob(p, "option_unknown", q40(json_string_value(o), tmp, sizeof(tmp)), q->code, NULL);
				return -1;
			}
			for (j = 0; j < i; j++)
				if (json_equal(o, json_array_get(v, j))) {
					vprob(p, "option_twice", json_string_value(o), q->code, NULL);
					return -1;
				}
		}
		return 0;
	case QT_INTEGER:
		if (json_is_integer(v))
			return 0;
		if (json_is_real(v) && json_real_value(v) == floor(json_real_value(v)) &&
		    fabs(json_real_value(v)) < 9e15)
			return 0;
		vprob(p, "json_integer", q->code, NULL, NULL);
		return -1;
	case QT_NUMBER:
		if (json_is_number(v))
			return 0;
		vprob(p, "json_number", q->code, NULL, NULL);
		return -1;
	case QT_TEXT:
		if (json_is_string(v))
			return 0;
		vprob(p, "json_text", q->code, NULL, NULL);
		return -1;
	case QT_URL: {
		json_t *ok;
		if (!json_is_string(v)) {
			vprob(p, "json_url", q->code, NULL, NULL);
			return -1;
		}
		if ((ok = url_value(q, json_string_value(v), p)) == NULL)
			return -1;
		json_decref(ok);
		return 0;
	}
	}
	return -1;
}

/* Range and length checks shared by both formats; 0 or -1 with msg. */
static int
check_bounds(const struct catalog_question *q, json_t *v, struct vprob *p)
{
	double d;
	size_t chars = 0, i;
	const char *s;

	if (q->type == QT_INTEGER || q->type == QT_NUMBER) {
		d = json_number_value(v);
		if ((q->has_min && d < q->min) || (q->has_max && d > q->max)) {
			char lo[32] = "", hi[32] = "";
			if (q->has_min)
				snprintf(lo, sizeof(lo), "%.15g", q->min);
			if (q->has_max)
				snprintf(hi, sizeof(hi), "%.15g", q->max);
			vprob(p, "out_of_range", q->code, lo, hi);
			return -1;
		}
	}
	if (q->type == QT_TEXT) {
		s = json_string_value(v);
		for (i = 0; s[i]; i++) {
			if ((s[i] & 0xc0) != 0x80)
				chars++;
			if ((unsigned char)s[i] < 0x20 && s[i] != '\n' && s[i] != '\t' && s[i] != '\r') {
				vprob(p, "control_char", q->code, NULL, NULL);
				return -1;
			}
		}
		if (q->max_length && chars > (size_t)q->max_length) {
			char c[32], m[32];
			snprintf(c, sizeof(c), "%zu", chars);
			snprintf(m, sizeof(m), "%d", q->max_length);
			vprob(p, "too_long", q->code, c, m);
			return -1;
		}
	}
	return 0;
}

/* The set of a city and wave, made when first named.  index maps "city\tsurvey" to the set's position:
 * a scan of every earlier set made an import of 19,000 sets quadratic. */
static struct answer_set *
find_set(struct ingest *in, json_t *index, const char *city, const char *survey, size_t row)
{
	struct answer_set *s;
	char key[256];
	json_t *at;

	if (in->nsets && strcmp(in->sets[in->nsets - 1].city, city) == 0 &&
	    strcmp(in->sets[in->nsets - 1].survey, survey) == 0)
		return &in->sets[in->nsets - 1];
	snprintf(key, sizeof(key), "%s\t%s", city, survey);	/* slugs are 64, waves 4 bytes at most */
	if ((at = json_object_get(index, key)) != NULL)
		return &in->sets[json_integer_value(at)];
	if (json_object_set_new(index, key, json_integer((json_int_t)in->nsets)) == -1)
		return NULL;
	if ((in->nsets & (in->nsets - 1)) == 0) {
		/* capacity doubles at each power of two */
		s = realloc(in->sets, (in->nsets ? in->nsets * 2 : 1) * sizeof(*s));
		if (s == NULL)
			return NULL;
		in->sets = s;
	}
	s = &in->sets[in->nsets];
	s->city = strdup(city);
	s->survey = strdup(survey);
	s->answers = json_object();
	s->row = row;
	if (!s->city || !s->survey || !s->answers) {
		free(s->city);
		free(s->survey);
		json_decref(s->answers);
		return NULL;
	}
	in->nsets++;
	return s;
}

int
ingest_validate(struct ingest *in, const struct catalog *cat)
{
	json_t *named = json_object();	/* "city\tsurvey\tcode" -> 1 for a named-empty multi */
	json_t *index = json_object();	/* "city\tsurvey" -> position in in->sets */
	char tmp[64], key[256];
	struct vprob pb;
	const char *col_city = in->format == INGEST_CSV ? "city" : "city";
	size_t i;

	for (i = 0; i < in->nitems; i++) {
		struct ingest_item *it = &in->items[i];
		const struct catalog_survey *s;
		const struct catalog_question *q;
		struct answer_set *set;
		json_t *v = NULL, *prev;
		int empty;
		char vcol[96];

		if (in->format == INGEST_CSV)
			snprintf(vcol, sizeof(vcol), "value");
		else
			snprintf(vcol, sizeof(vcol), "answers.%.64s", it->question);
		if (!path_segment_valid_slug(it->city, strlen(it->city)) ||
		    catalog_city_id(cat, it->city) == 0) {
			ingest_problem_k(in, it->row, col_city, "city_unknown", q40(it->city, tmp, sizeof(tmp)), NULL,
			    NULL, NULL, NULL);
			continue;
		}
		if ((s = catalog_survey(cat, it->survey)) == NULL) {
			ingest_problem_k(in, it->row, "survey", "wave_unknown", q40(it->survey, tmp, sizeof(tmp)), NULL,
			    NULL, NULL, NULL);
			continue;
		}
		if ((q = catalog_question(s, it->question)) == NULL) {
			ingest_problem_k(in, it->row, in->format == INGEST_CSV ? "question" : vcol,
			    known_code(cat, it->question) ? "question_not_in_wave" : "question_unknown",
			    q40(it->question, tmp, sizeof(tmp)), it->survey, NULL, NULL, NULL);
			continue;
		}
		empty = in->format == INGEST_CSV ? it->value[0] == '\0' : json_is_null(it->jvalue);
		if (empty) {
			v = json_null();
		} else if (in->format == INGEST_CSV) {
			if ((v = typed_csv(q, it->value, &pb)) == NULL) {
				ingest_problem_k(in, it->row, vcol, pb.code, pb.a[0], pb.a[1], pb.a[2], NULL, NULL);
				continue;
			}
		} else {
			if (check_json(q, it->jvalue, &pb) == -1) {
				ingest_problem_k(in, it->row, vcol, pb.code, pb.a[0], pb.a[1], pb.a[2], NULL, NULL);
				continue;
			}
			v = q->type == QT_INTEGER && json_is_real(it->jvalue) ?
			    json_integer((json_int_t)json_real_value(it->jvalue)) :
			    q->type == QT_NUMBER && json_is_integer(it->jvalue) ?
			    json_real((double)json_integer_value(it->jvalue)) : json_incref(it->jvalue);
		}
		if (!empty && check_bounds(q, v, &pb) == -1) {
			ingest_problem_k(in, it->row, vcol, pb.code, pb.a[0], pb.a[1], pb.a[2], NULL, NULL);
			json_decref(v);
			continue;
		}
		if (index == NULL || (set = find_set(in, index, it->city, it->survey, it->row)) == NULL) {
			json_decref(v);
			snprintf(in->message, sizeof(in->message), "out of memory");
			json_decref(named);
			json_decref(index);
			return -1;
		}
		prev = json_object_get(set->answers, q->code);
		snprintf(key, sizeof(key), "%s\t%s\t%s", it->city, it->survey, q->code);
		if (in->format == INGEST_CSV && q->type == QT_MULTI) {
			/* one row per option; an empty value alone makes it unanswered */
			if (prev == NULL) {
				json_object_set_new(set->answers, q->code, empty ? json_null() :
				    json_pack("[o]", v));
				if (empty)
					json_object_set_new(named, key, json_true());
				continue;
			}
			if (empty || json_is_null(prev)) {
				ingest_problem_k(in, it->row, "question", "multi_empty_and_options", q->code, it->city,
				    it->survey, NULL, NULL);
				json_decref(v);
				continue;
			}
			{
				size_t j;
				json_t *o;
				int dup = 0;
				json_array_foreach(prev, j, o)
					if (json_equal(o, v))
						dup = 1;
				if (dup) {
					ingest_problem_k(in, it->row, vcol, "option_twice", json_string_value(v), q->code,
					    NULL, NULL, NULL);
					json_decref(v);
					continue;
				}
				json_array_append_new(prev, v);
			}
			continue;
		}
		if (prev != NULL) {
			ingest_problem_k(in, it->row, in->format == INGEST_CSV ? "question" : vcol, "question_twice",
			    q->code, it->city, it->survey, NULL, NULL);
			json_decref(v);
			continue;
		}
		json_object_set_new(set->answers, q->code, v);
	}
	json_decref(named);
	json_decref(index);
	if (in->nproblems) {
		ingest_summary(in, "invalid", zu(in->nproblems, tmp, sizeof(tmp)), NULL);
		return -1;
	}
	if (in->nsets == 0) {
		ingest_summary(in, "no_answers", NULL, NULL);
		ingest_problem_k(in, 0, NULL, "no_answer_rows", NULL, NULL, NULL, NULL, NULL);
		return -1;
	}
	return 0;
}

/* A decimal number, such as 43.6532 or -79.3832: digits, one optional point, an optional sign; no
 * exponent, no "nan" or "inf", at most 32 characters. */
static int
place_number(const char *s, double *v)
{
	const char *p = s;
	char *end;
	int digits = 0, point = 0;

	if (*p == '-' || *p == '+')
		p++;
	for (; *p; p++) {
		if (*p >= '0' && *p <= '9')
			digits++;
		else if (*p == '.' && !point)
			point = 1;
		else
			return -1;
	}
	if (digits == 0 || p - s > 32)
		return -1;
	*v = strtod(s, &end);
	return *end == '\0' && isfinite(*v) ? 0 : -1;
}

int
ingest_city_place(const char *lat_s, const char *lon_s, double *lat, double *lon,
    const char **column, const char **why)
{
	int has_lat = lat_s && *lat_s, has_lon = lon_s && *lon_s;

	if (!has_lat && !has_lon)
		return 0;
	if (has_lat != has_lon) {
		*column = has_lat ? "lon" : "lat";
		*why = "lat and lon go together: give both, or neither for a city not placed on the map";
		return -1;
	}
	if (place_number(lat_s, lat) == -1 || *lat < -90 || *lat > 90) {
		*column = "lat";
		*why = "lat is a latitude in decimal degrees from -90 to 90, such as 43.6532";
		return -1;
	}
	if (place_number(lon_s, lon) == -1 || *lon < -180 || *lon > 180) {
		*column = "lon";
		*why = "lon is a longitude in decimal degrees from -180 to 180, such as -79.3832";
		return -1;
	}
	return 1;
}
