/* ingest.h: the one parser and validator of survey answers, for `citybench import` and for uploads.
 *
 * Two phases, so that the contract's order of errors holds (400 before 403 before 422):
 * ingest_parse() reads CSV or JSON into items (a 400 when the body cannot be read); the caller may then
 * check which cities the upload names; ingest_validate() checks every item against the questionnaire and
 * groups them into answer sets, one per city and wave (a 422 listing every problem). */
#ifndef CB_INGEST_H
#define CB_INGEST_H

#include <stddef.h>
#include <jansson.h>

#include "db.h"

#define INGEST_MAX_DETAILS 1000

enum qtype { QT_BOOL, QT_SINGLE, QT_MULTI, QT_INTEGER, QT_NUMBER, QT_TEXT, QT_URL };

struct catalog_question {
	char *code;
	enum qtype type;
	int has_min, has_max;
	double min, max;
	int max_length;			/* 0: none */
	char **options;
	size_t noptions;
};

struct catalog_survey {
	char *id;
	struct catalog_question *questions;	/* sorted by code */
	size_t nquestions;
};

/* What validation needs to know: the waves, their questions, the registered cities. */
struct catalog {
	struct catalog_survey *surveys;
	size_t nsurveys;
	char **slugs;			/* sorted */
	int *city_ids;
	size_t ncities;
	char **all_codes;		/* every question code of any wave, sorted */
	size_t ncodes;
};

/* Loads the catalog; returns NULL with *err set when the database cannot be read. */
struct catalog *catalog_load(struct db *db, char **err);
/* The catalog with only the cities an upload names (in's items, and slug if not NULL) and no other:
 * the cost of an upload does not grow with the cities registered.  NULL with *err set as above. */
struct ingest;
struct catalog *catalog_load_for(struct db *db, const struct ingest *in, const char *slug, char **err);
void catalog_free(struct catalog *c);
const struct catalog_survey *catalog_survey(const struct catalog *c, const char *id);
const struct catalog_question *catalog_question(const struct catalog_survey *s, const char *code);
int catalog_city_id(const struct catalog *c, const char *slug);	/* 0 when unknown */
enum qtype qtype_parse(const char *s);	/* -1 when unknown */

/* One city's answers for one wave, as the upload named them (code -> value or null). */
struct answer_set {
	char *city;
	char *survey;
	json_t *answers;
	size_t row;			/* where it was first named, for messages */
};

enum ingest_format { INGEST_CSV, INGEST_JSON };

struct ingest_item {			/* one CSV record, or one JSON object's answer */
	size_t row;
	char *city, *survey, *question;
	char *value;			/* CSV: the text; JSON: NULL */
	json_t *jvalue;			/* JSON: the value; CSV: NULL */
};

struct ingest {
	enum ingest_format format;
	struct ingest_item *items;
	size_t nitems, cap;
	struct answer_set *sets;
	size_t nsets;
	json_t *details;		/* [{row, column, message}], at most INGEST_MAX_DETAILS */
	size_t nproblems;		/* all problems, also those past the cap */
	char message[256];		/* the summary for the error */
	json_t *summary;		/* the same as a message kind (vmsg.h): {message, code, args}, or NULL */
};

void ingest_init(struct ingest *in, enum ingest_format format);
void ingest_free(struct ingest *in);

/* Reads a body.  Returns 0, or -1 when it is malformed (unparsable, invalid UTF-8, wrong columns, not
 * the upload shape): a 400, with in->message and in->details saying every problem found.  A file that
 * is no CSV at all (a spreadsheet workbook, UTF-16 text) or CSV with ';' or tabs between its fields
 * gets one problem saying what it is and how to save it as CSV UTF-8.  CSV headers match in any case;
 * extra `label` and `help` columns (the downloadable forms') are read and ignored. */
int ingest_parse(struct ingest *in, const char *data, size_t len);

/* The distinct city slugs the parsed upload names (borrowed; for a scope check before validation). */
size_t ingest_cities(const struct ingest *in, const char **out, size_t max);

/* Checks every item against the questionnaire and builds in->sets.  Returns 0, or -1 (a 422) with
 * in->message and in->details listing every problem; nothing is half-built on failure. */
int ingest_validate(struct ingest *in, const struct catalog *cat);

/* The row (CSV record, or JSON object) where an upload named a question of a city and wave; 0 when it
 * did not name it. */
size_t ingest_row_of(const struct ingest *in, const char *city, const char *survey, const char *code);

/* Makes msg (of size n) a sentence in place: a capital first letter, a full stop at the end. */
void ingest_sentence(char *msg, size_t n);

/* Adds a problem (row 0 = none; column may be NULL), worded as a sentence. */
void ingest_problem(struct ingest *in, size_t row, const char *column, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Adds a problem of a kind (vmsg.h: its code and up to five arguments, NULL ending them): the detail
 * {row, column, message, code, args}. */
void ingest_problem_k(struct ingest *in, size_t row, const char *column, const char *code, const char *a1,
    const char *a2, const char *a3, const char *a4, const char *a5);
/* Sets the summary (in->message and in->summary) to a kind with up to two arguments. */
void ingest_summary(struct ingest *in, const char *code, const char *a1, const char *a2);

/*
 * A cities file's optional `lat,lon` cells (NULL: the column is absent, "": empty).  Both empty (or
 * absent) is "not placed": returns 0.  Both decimal numbers, lat in [-90, 90] and lon in [-180, 180]:
 * returns 1 with *lat and *lon set.  Anything else (one without the other, not a number, out of
 * range) returns -1 with *column the cell's column name and *why a static message.
 */
int ingest_city_place(const char *lat_s, const char *lon_s, double *lat, double *lon,
    const char **column, const char **why);

#endif
