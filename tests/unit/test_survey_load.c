/* test_survey_load.c: the questionnaire loader's checks, which need no database: the shipped
 * questionnaires pass; every malformed file is refused with the message the CLI prints, naming the
 * question at fault where there is one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "survey_load.h"
#include "t.h"

static char tmpdir[] = "/tmp/cb-survey-load-XXXXXX";

/* Checks text as a document; returns the check's status and sets *err (freed by the caller) and *q. */
static int
check(const char *text, char **err, size_t *q)
{
	json_error_t jerr;
	json_t *doc = json_loads(text, 0, &jerr);
	int rc;

	if (doc == NULL) {
		fprintf(stderr, "bad test document: %s: %s\n", jerr.text, text);
		exit(1);
	}
	rc = survey_load_check(doc, err, q);
	json_decref(doc);
	return rc;
}

/* A refused document: status -1, the message contains want, the question number is q_want. */
static void
refused(const char *name, const char *text, const char *want, size_t q_want)
{
	char *err = NULL, label[256];
	size_t q = 99;
	int rc = check(text, &err, &q);

	snprintf(label, sizeof(label), "%s: refused", name);
	CHECK(rc == -1, label);
	snprintf(label, sizeof(label), "%s: says \"%s\"", name, want);
	CHECK(err != NULL && strstr(err, want) != NULL, label);
	snprintf(label, sizeof(label), "%s: question %zu", name, q_want);
	CHECK(q == q_want, label);
	free(err);
}

static const char *
write_tmp(const char *name, const char *text)
{
	static char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	if ((f = fopen(path, "wb")) == NULL) {
		perror(path);
		exit(1);
	}
	fputs(text, f);
	fclose(f);
	return path;
}

#define Q_OK "{\"code\":\"dedicated_funding\",\"type\":\"bool\",\"text\":\"Funding?\"}"
#define Q_SINGLE "{\"code\":\"approach\",\"type\":\"single\",\"text\":\"How?\"," \
	"\"options\":[{\"code\":\"holistic\",\"label\":\"Holistic\"},{\"code\":\"both\",\"label\":\"Both\"}]}"
#define DOC(questions) "{\"survey\":{\"id\":\"2020\",\"title\":\"A wave\"},\"questions\":[" questions "]}"

/* 1 when key_fr is a non-empty text wherever key is: the questionnaire is wholly translated. */
static int
has_french(const json_t *o, const char *key, const char *key_fr)
{
	const char *fr = json_string_value(json_object_get(o, key_fr));

	if (json_object_get(o, key) == NULL)
		return 1;
	if (fr && *fr)
		return 1;
	printf("# no %s: %s\n", key_fr, json_string_value(json_object_get(o, key)));
	return 0;
}

/* The shipped questionnaires are wholly in French too: the wave's title, every question's text, every
 * option's label and help.  French typography: no plain space before ? : ; ! (a narrow no-break one). */
static int
all_french(const json_t *doc)
{
	const json_t *q, *o;
	size_t i, j;
	int ok = has_french(json_object_get(doc, "survey"), "title", "title_fr");

	json_array_foreach(json_object_get(doc, "questions"), i, q) {
		const char *fr = json_string_value(json_object_get(q, "text_fr"));

		ok &= has_french(q, "text", "text_fr");
		if (fr && (strstr(fr, " ?") || strstr(fr, " :") || strstr(fr, " ;") || strstr(fr, " !"))) {
			printf("# a plain space before a ? : ; or !: %s\n", fr);
			ok = 0;
		}
		json_array_foreach(json_object_get(q, "options"), j, o)
			ok &= has_french(o, "label", "label_fr") & has_french(o, "help", "help_fr");
	}
	return ok;
}

static void
test_shipped(const char *root)
{
	static const char *waves[] = { "2018", "2020" };
	char path[4200], label[128], *err = NULL;
	size_t i, q = 99;
	json_t *doc;

	for (i = 0; i < sizeof(waves) / sizeof(waves[0]); i++) {
		snprintf(path, sizeof(path), "%s/sql/surveys/%s.json", root, waves[i]);
		doc = survey_load_read(path, &err, &q);
		snprintf(label, sizeof(label), "sql/surveys/%s.json passes the checks", waves[i]);
		CHECK(doc != NULL && err == NULL && q == 0, label);
		if (err)
			printf("# %s: %s\n", path, err);
		snprintf(label, sizeof(label), "sql/surveys/%s.json is wave %s with questions", waves[i], waves[i]);
		CHECK(doc && strcmp(json_string_value(json_object_get(json_object_get(doc, "survey"), "id")),
		    waves[i]) == 0 && json_array_size(json_object_get(doc, "questions")) > 10, label);
		snprintf(label, sizeof(label), "sql/surveys/%s.json: every text, label and help has its French", waves[i]);
		CHECK(doc && all_french(doc), label);
		json_decref(doc);
		free(err);
		err = NULL;
	}
}

/* A document whose option has a help_fr of n "é"; its check gives want. */
static void
help_fr_of(size_t n, int want, const char *label)
{
	static const char head[] = "{\"survey\":{\"id\":\"2020\",\"title\":\"t\"},\"questions\":[{\"code\":\"c\","
	    "\"type\":\"multi\",\"text\":\"x\",\"options\":[{\"code\":\"a\",\"label\":\"A\",\"help_fr\":\"";
	char *doc = malloc(sizeof(head) + 2 * n + 16), *err = NULL;
	size_t k, at = sizeof(head) - 1, q;

	if (doc == NULL)
		exit(1);
	memcpy(doc, head, at);
	for (k = 0; k < n; k++, at += 2)
		memcpy(doc + at, "\xc3\xa9", 2);
	strcpy(doc + at, "\"}]}]}");
	CHECK(check(doc, &err, &q) == want && (want == 0) == (err == NULL), label);
	free(err);
	free(doc);
}

static void
test_documents(void)
{
	char *err = (char *)1;
	size_t q = 99;

	CHECK(check(DOC(Q_OK "," Q_SINGLE), &err, &q) == 0 && err == NULL && q == 0,
	    "a good document passes, err NULL, question 0");
	CHECK(check(DOC(""), &err, &q) == 0, "a wave without questions passes (the file may empty a wave)");
	CHECK(check(DOC("{\"code\":\"population\",\"type\":\"integer\",\"text\":\"P\",\"min\":1,\"max\":9,"
	    "\"section\":\"profile\"}," "{\"code\":\"mayor\",\"type\":\"text\",\"text\":\"M\",\"max_length\":200},"
	    "{\"code\":\"share\",\"type\":\"number\",\"text\":\"S\"},"
	    "{\"code\":\"areas\",\"type\":\"multi\",\"text\":\"A\",\"options\":[{\"code\":\"a\",\"label\":\"A\"}]}"),
	    &err, &q) == 0, "every type passes: bool, single, multi, integer, number, text");

	refused("not an object", "[]", "expected {\"survey\":{\"id\":\"2020\"", 0);
	refused("no survey", "{\"questions\":[]}", "expected {\"survey\"", 0);
	refused("no title", "{\"survey\":{\"id\":\"2020\"},\"questions\":[]}", "expected {\"survey\"", 0);
	refused("a title that is not text", "{\"survey\":{\"id\":\"2020\",\"title\":7},\"questions\":[]}",
	    "expected {\"survey\"", 0);
	refused("a wave that is not a year", "{\"survey\":{\"id\":\"20x0\",\"title\":\"t\"},\"questions\":[]}",
	    "expected {\"survey\"", 0);
	refused("a wave starting with 0", "{\"survey\":{\"id\":\"0999\",\"title\":\"t\"},\"questions\":[]}",
	    "expected {\"survey\"", 0);
	refused("a numeric wave", "{\"survey\":{\"id\":2020,\"title\":\"t\"},\"questions\":[]}",
	    "expected {\"survey\"", 0);
	refused("questions not a list", "{\"survey\":{\"id\":\"2020\",\"title\":\"t\"},\"questions\":{}}",
	    "expected {\"survey\"", 0);
	refused("no questions", "{\"survey\":{\"id\":\"2020\",\"title\":\"t\"}}", "expected {\"survey\"", 0);

	refused("a question without code", DOC(Q_OK ",{\"type\":\"bool\",\"text\":\"x\"}"),
	    "each question needs code ([a-z0-9_]), type", 2);
	refused("a code in capitals", DOC(Q_OK "," Q_SINGLE ",{\"code\":\"Funding\",\"type\":\"bool\",\"text\":\"x\"}"),
	    "each question needs code", 3);
	refused("a code with a space", DOC("{\"code\":\"a b\",\"type\":\"bool\",\"text\":\"x\"}"),
	    "each question needs code", 1);
	refused("a code of 65 characters", DOC("{\"code\":\"" "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "\",\"type\":\"bool\",\"text\":\"x\"}"), "each question needs code", 1);
	refused("an unknown type", DOC(Q_OK ",{\"code\":\"c\",\"type\":\"colour\",\"text\":\"x\"}"),
	    "type (bool, single, multi, integer, number, text", 2);
	refused("no type", DOC("{\"code\":\"c\",\"text\":\"x\"}"), "each question needs code", 1);
	refused("no text", DOC("{\"code\":\"c\",\"type\":\"bool\"}"), "and text", 1);
	refused("a text that is a number", DOC("{\"code\":\"c\",\"type\":\"bool\",\"text\":1}"), "and text", 1);
	refused("a question that is not an object", DOC(Q_OK ",\"c\""), "each question needs code", 2);

	refused("an option without label", DOC(Q_OK ",{\"code\":\"c\",\"type\":\"single\",\"text\":\"x\","
	    "\"options\":[{\"code\":\"a\",\"label\":\"A\"},{\"code\":\"b\"}]}"),
	    "each option needs code ([a-z0-9_]) and label", 0);
	refused("an option code with a capital", DOC("{\"code\":\"c\",\"type\":\"multi\",\"text\":\"x\","
	    "\"options\":[{\"code\":\"B\",\"label\":\"B\"}]}"), "each option needs code", 0);
	refused("an option that is not an object", DOC("{\"code\":\"c\",\"type\":\"multi\",\"text\":\"x\","
	    "\"options\":[\"b\"]}"), "each option needs code", 0);
	/* The French beside the English: absent is fine (the pages fall back on the English), present it
	 * is a text of 1 to N characters. */
	CHECK(check("{\"survey\":{\"id\":\"2020\",\"title\":\"t\",\"title_fr\":\"Vague\"},\"questions\":["
	    "{\"code\":\"c\",\"type\":\"single\",\"text\":\"How?\",\"text_fr\":\"Comment\u202f?\","
	    "\"options\":[{\"code\":\"a\",\"label\":\"A\",\"label_fr\":\"\u00c0\",\"help\":\"h\","
	    "\"help_fr\":\"aide\"},{\"code\":\"b\",\"label\":\"B\"}]}]}", &err, &q) == 0 && err == NULL,
	    "French title, text, label and help pass; an option without label_fr passes (English fallback)");
	CHECK(check(DOC(Q_OK "," Q_SINGLE), &err, &q) == 0, "a questionnaire without any French passes");
	refused("a title_fr that is a number", "{\"survey\":{\"id\":\"2020\",\"title\":\"t\",\"title_fr\":7},"
	    "\"questions\":[]}", "title_fr, when given, is a text of 1 to 500 characters", 0);
	refused("an empty text_fr", DOC(Q_OK ",{\"code\":\"c\",\"type\":\"bool\",\"text\":\"x\",\"text_fr\":\"\"}"),
	    "text_fr, when given, is a text of 1 to 2000 characters", 2);
	refused("a null text_fr", DOC("{\"code\":\"c\",\"type\":\"bool\",\"text\":\"x\",\"text_fr\":null}"),
	    "text_fr, when given", 1);
	refused("a label_fr that is a list", DOC(Q_OK ",{\"code\":\"c\",\"type\":\"multi\",\"text\":\"x\","
	    "\"options\":[{\"code\":\"a\",\"label\":\"A\",\"label_fr\":[\"A\"]}]}"), "label_fr, when given", 2);
	help_fr_of(2000, 0, "a help_fr of 2,000 characters of 2 bytes each passes (characters, not bytes)");
	help_fr_of(2001, -1, "a help_fr of 2,001 characters is refused");
	/* The first problem is the one named. */
	refused("the first problem wins", DOC("{\"code\":\"c\",\"type\":\"multi\",\"text\":\"x\","
	    "\"options\":[{\"code\":\"B\"}]},{\"code\":\"Bad\"}"), "each option needs code", 0);
}

static void
test_files(void)
{
	char *err = NULL;
	size_t q = 99;
	json_t *doc;

	doc = survey_load_read(write_tmp("good.json", DOC(Q_OK)), &err, &q);
	CHECK(doc != NULL && err == NULL && q == 0, "a good file reads");
	json_decref(doc);

	doc = survey_load_read(write_tmp("broken.json", "{\"survey\": {\"id\": \"2020\",\n\"title\": }"), &err, &q);
	CHECK(doc == NULL && err && strncmp(err, "line 2: ", 8) == 0, "a file that is not JSON: the line of the fault");
	free(err);
	err = NULL;

	doc = survey_load_read(write_tmp("dup.json",
	    "{\"survey\":{\"id\":\"2020\",\"id\":\"2021\",\"title\":\"t\"},\"questions\":[]}"), &err, &q);
	CHECK(doc == NULL && err && strstr(err, "duplicate") != NULL, "a duplicate key is refused, not last-wins");
	free(err);
	err = NULL;

	doc = survey_load_read(write_tmp("badq.json", DOC(Q_OK ",{\"code\":\"c\",\"type\":\"bool\"}")), &err, &q);
	CHECK(doc == NULL && err && strstr(err, "and text") && q == 2, "a file with a bad question: its number");
	free(err);
	err = NULL;

	doc = survey_load_read(write_tmp("empty.json", ""), &err, &q);
	CHECK(doc == NULL && err != NULL, "an empty file is refused");
	free(err);
	err = NULL;

	doc = survey_load_read("/nonexistent/cb/2020.json", &err, &q);
	CHECK(doc == NULL && err && strstr(err, "unable to open") != NULL, "a missing file is refused");
	free(err);
}

int
main(int argc, char **argv)
{
	char root[4096], cmd[4200];

	(void)argc;
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	t_find_root(argv[0], "sql/surveys/2020.json", root, sizeof(root));
	test_shipped(root);
	test_documents();
	test_files();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", tmpdir);
	return T_DONE();
}
