/* survey_load.c: `citybench survey load`: a wave's questionnaire from its JSON file into the database.
 *
 * The file has the shape of /surveys/{wave}.json.  It is checked whole before anything is written (so
 * a bad file is refused without a round trip), then stored in one transaction: the wave, each question
 * (its code and type are shared by every wave, its text, section, position and bounds are the wave's),
 * its options; the wave's questions the file no longer names are removed.  The only check that needs
 * the database is that a question code keeps its type in every wave.
 *
 * Not to be confused with survey.c, the /surveys pages, nor with the catalog of ingest.c, the
 * questionnaires as validation reads them back. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "ingest.h"
#include "query.h"
#include "survey_load.h"
#include "utf8.h"

/* The section of a question that names none. */
#define SURVEY_DEFAULT_SECTION "goals"

/* "asked_if": {"question": CODE, "answer": OPTION}: the question is asked only of the cities whose
 * answer to CODE, an earlier question of the wave, includes OPTION (yes or no for a bool). */
static int
asked_if_check(const json_t *q, const json_t *qs, size_t at, char **err)
{
	const json_t *ai = json_object_get(q, "asked_if"), *e, *o;
	const char *code, *ans, *type;
	size_t i, j;

	if (ai == NULL)
		return 0;
	code = json_string_value(json_object_get(ai, "question"));
	ans = json_string_value(json_object_get(ai, "answer"));
	if (!json_is_object(ai) || !code || !ans || !ident_valid(code) || !ident_valid(ans))
		goto bad;
	for (i = 0; i < at; i++) {
		e = json_array_get(qs, i);
		if (strcmp(json_string_value(json_object_get(e, "code")), code) != 0)
			continue;
		type = json_string_value(json_object_get(e, "type"));
		if (strcmp(type, "bool") == 0) {
			if (strcmp(ans, "yes") == 0 || strcmp(ans, "no") == 0)
				return 0;
			break;
		}
		json_array_foreach(json_object_get(e, "options"), j, o)
			if (strcmp(json_string_value(json_object_get(o, "code")), ans) == 0)
				return 0;
		break;
	}
bad:
	*err = strdup("asked_if is {\"question\": an earlier question of the wave, \"answer\": one of its "
		      "options (yes or no for a bool)}");
	return -1;
}

/* A French text beside an English one (title_fr, text_fr, label_fr, help_fr): absent is fine (the
 * pages fall back on the English); present, it is valid UTF-8 of 1 to max characters.  0, or -1 with
 * *err set naming the field. */
static int
french_check(const json_t *o, const char *key, size_t max, char **err)
{
	const json_t *v = json_object_get(o, key);
	const char *s = json_string_value(v);
	size_t n, len, chars = 0;
	unsigned long cp;

	if (v == NULL)
		return 0;
	if (s != NULL) {
		len = json_string_length(v);
		for (n = 0; n < len && chars <= max; chars++) {
			size_t k = utf8_decode(s + n, len - n, &cp);

			if (k == 0 || cp == 0)
				break;
			n += k;
		}
		if (n == len && chars >= 1 && chars <= max)
			return 0;
	}
	if (asprintf(err, "%s, when given, is a text of 1 to %zu characters (leave it out to show the "
		     "English)", key, max) < 0)
		*err = NULL;
	return -1;
}

int
survey_load_check(const json_t *doc, char **err, size_t *question)
{
	const json_t *survey, *qs, *q, *opts, *o;
	const char *id, *title;
	size_t i, j;

	*err = NULL;
	*question = 0;
	survey = json_object_get(doc, "survey");
	qs = json_object_get(doc, "questions");
	id = json_string_value(json_object_get(survey, "id"));
	title = json_string_value(json_object_get(survey, "title"));
	if (!id || !title || !wave_valid(id) || !json_is_array(qs)) {
		*err = strdup("expected {\"survey\":{\"id\":\"2020\",\"title\":…},\"questions\":[…]}");
		return -1;
	}
	if (french_check(survey, "title_fr", 500, err) == -1)
		return -1;
	json_array_foreach(qs, i, q) {
		const char *code = json_string_value(json_object_get(q, "code"));
		const char *type = json_string_value(json_object_get(q, "type"));
		const char *text = json_string_value(json_object_get(q, "text"));

		if (!code || !ident_valid(code) || !type || (int)qtype_parse(type) < 0 || !text) {
			*err = strdup(
			    "each question needs code ([a-z0-9_]), type (bool, single, multi, integer, "
			    "number, text, url) and text");
			*question = i + 1;
			return -1;
		}
		if (french_check(q, "text_fr", 2000, err) == -1) {
			*question = i + 1;
			return -1;
		}
		opts = json_object_get(q, "options");
		json_array_foreach(opts, j, o) {
			const char *oc = json_string_value(json_object_get(o, "code"));
			const char *ol = json_string_value(json_object_get(o, "label"));

			const json_t *oh = json_object_get(o, "help");

			if (!oc || !ident_valid(oc) || !ol) {
				*err = strdup("each option needs code ([a-z0-9_]) and label");
				return -1;
			}
			if (oh && (!json_is_string(oh) || json_string_length(oh) < 1 ||
				      json_string_length(oh) > 2000)) {
				*err = strdup("an option's help is a text of 1 to 2,000 characters");
				*question = i + 1;
				return -1;
			}
			if (french_check(o, "label_fr", 500, err) == -1 ||
			    french_check(o, "help_fr", 2000, err) == -1) {
				*question = i + 1;
				return -1;
			}
		}
		if (asked_if_check(q, qs, i, err) == -1) {
			*question = i + 1;
			return -1;
		}
	}
	return 0;
}

json_t *
survey_load_read(const char *file, char **err, size_t *question)
{
	json_error_t jerr;
	json_t *doc;

	*err = NULL;
	*question = 0;
	if ((doc = json_load_file(file, JSON_REJECT_DUPLICATES, &jerr)) == NULL) {
		if (asprintf(err, "line %d: %s", jerr.line, jerr.text) < 0)
			*err = NULL;
		return NULL;
	}
	if (survey_load_check(doc, err, question) == -1) {
		json_decref(doc);
		return NULL;
	}
	return doc;
}

/* Runs q and keeps its result in *res (the caller PQclear()s it).  0, or -1 with *err set to
 * PostgreSQL's message. */
static int
run(struct db *db, enum query_id q, int n, const char *const *p, PGresult **res, char **err)
{
	PQclear(*res);
	*res = db_query(db, q, n, p);
	if (db_ok(*res))
		return 0;
	*err = strdup(*res ? PQresultErrorMessage(*res) : "the database is unreachable");
	return -1;
}

/* One question of the wave, at position pos, with its options.  0, or -1 with *err set. */
static int
store_question(struct db *db, const char *wave, const json_t *q, size_t pos, char **err)
{
	const char *code = json_string_value(json_object_get(q, "code"));
	const char *type = json_string_value(json_object_get(q, "type"));
	const char *section = json_string_value(json_object_get(q, "section"));
	const json_t *mn = json_object_get(q, "min"), *mx = json_object_get(q, "max");
	const json_t *mlen = json_object_get(q, "max_length"), *opts = json_object_get(q, "options"), *o;
	char spos[24], opos[24], num[2][64], ml[24];
	const char *p[8];
	PGresult *res = NULL;
	int rc = -1;
	size_t j;

	p[0] = code;
	if (run(db, Q_QUESTION_TYPE, 1, p, &res, err) == -1)
		goto out;
	if (PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, Q_QUESTION_TYPE_TYPE), type) != 0) {
		if (asprintf(err, "question %s is a %s in another wave, not a %s", code,
			PQgetvalue(res, 0, Q_QUESTION_TYPE_TYPE), type) < 0)
			*err = NULL;
		goto out;
	}
	p[1] = type;
	if (run(db, Q_QUESTION_INSERT, 2, p, &res, err) == -1)
		goto out;
	snprintf(spos, sizeof(spos), "%zu", pos);
	p[0] = wave;
	p[1] = code;
	p[2] = spos;
	p[3] = section ? section : SURVEY_DEFAULT_SECTION;
	p[4] = json_string_value(json_object_get(q, "text"));
	p[5] = p[6] = p[7] = NULL;
	if (json_is_number(mn)) {
		snprintf(num[0], sizeof(num[0]), "%.17g", json_number_value(mn));
		p[5] = num[0];
	}
	if (json_is_number(mx)) {
		snprintf(num[1], sizeof(num[1]), "%.17g", json_number_value(mx));
		p[6] = num[1];
	}
	if (json_is_integer(mlen)) {
		snprintf(ml, sizeof(ml), "%lld", (long long)json_integer_value(mlen));
		p[7] = ml;
	}
	if (run(db, Q_SQ_UPSERT, 8, p, &res, err) == -1 || run(db, Q_OPTIONS_CLEAR, 2, p, &res, err) == -1)
		goto out;
	p[2] = json_string_value(json_object_get(q, "text_fr"));
	if (run(db, Q_SQ_FR, 3, p, &res, err) == -1)
		goto out;
	json_array_foreach(opts, j, o) {
		const char *op[6];

		snprintf(opos, sizeof(opos), "%zu", j);
		op[0] = wave;
		op[1] = code;
		op[2] = json_string_value(json_object_get(o, "code"));
		op[3] = json_string_value(json_object_get(o, "label"));
		op[4] = opos;
		op[5] = json_string_value(json_object_get(o, "help"));
		if (run(db, Q_OPTION_INSERT, 6, op, &res, err) == -1)
			goto out;
		op[3] = json_string_value(json_object_get(o, "label_fr"));
		op[4] = json_string_value(json_object_get(o, "help_fr"));
		if (run(db, Q_OPTION_FR, 5, op, &res, err) == -1)
			goto out;
	}
	p[2] = json_string_value(json_object_get(json_object_get(q, "asked_if"), "question"));
	p[3] = json_string_value(json_object_get(json_object_get(q, "asked_if"), "answer"));
	if (run(db, Q_SQ_ASKED_IF, 4, p, &res, err) == -1)
		goto out;
	rc = 0;
out:
	PQclear(res);
	return rc;
}

int
survey_load_file(struct db *db, const char *file, FILE *out, char **err, size_t *question)
{
	json_t *doc, *qs, *q;
	struct buf codes = BUF_INIT;
	const char *wave, *p[2];
	PGresult *res = NULL;
	int rc = -1, began = 0;
	size_t i;

	if ((doc = survey_load_read(file, err, question)) == NULL)
		return -1;
	wave = json_string_value(json_object_get(json_object_get(doc, "survey"), "id"));
	qs = json_object_get(doc, "questions");
	if (db_begin(db) == -1) {
		*err = strdup("the database is unreachable");
		goto out;
	}
	began = 1;
	p[0] = wave;
	p[1] = json_string_value(json_object_get(json_object_get(doc, "survey"), "title"));
	if (run(db, Q_SURVEY_UPSERT, 2, p, &res, err) == -1)
		goto out;
	p[1] = json_string_value(json_object_get(json_object_get(doc, "survey"), "title_fr"));
	if (run(db, Q_SURVEY_FR, 2, p, &res, err) == -1)
		goto out;
	if (buf_putc(&codes, '{') == -1) {
		*err = strdup("out of memory");
		goto out;
	}
	json_array_foreach(qs, i, q) {
		if (store_question(db, wave, q, i, err) == -1)
			goto out;
		/* A code left out of this list would be pruned: memory running out must stop the load. */
		if (buf_printf(&codes, i ? ",%s" : "%s", json_string_value(json_object_get(q, "code"))) ==
		    -1) {
			*err = strdup("out of memory");
			goto out;
		}
	}
	if (buf_putc(&codes, '}') == -1) {
		*err = strdup("out of memory");
		goto out;
	}
	p[1] = codes.data;
	if (run(db, Q_SQ_PRUNE, 2, p, &res, err) == -1 || run(db, Q_BUMP_VERSION, 0, NULL, &res, err) == -1)
		goto out;
	began = 0;
	if (db_commit(db) == -1) {
		*err = strdup("could not commit the questionnaire");
		goto out;
	}
	fprintf(out, "loaded survey %s: %zu questions\n", wave, json_array_size(qs));
	rc = 0;
out:
	if (began)
		db_rollback(db);
	if (rc == -1 && *err == NULL)
		*err = strdup("failed");
	PQclear(res);
	buf_free(&codes);
	json_decref(doc);
	return rc;
}
