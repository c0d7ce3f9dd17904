/* vmsg.c: an upload's validation messages as kinds with stable codes (see vmsg.h). */
#include <string.h>

#include "buf.h"
#include "ingest.h"
#include "lang.h"
#include "utf8.h"
#include "vmsg.h"

/* A plural message: its two forms, for xgettext (--keyword=NP_:1,2) and for the table. */
#define NP_(one, many) one, many

#define B(k) (1u << ((k) - 1))

/* Every kind of problem an upload can meet (cgi/domain/ingest.c, cgi/lib/csv.c through it,
 * cgi/pages/upload.c), in the order a file meets them. */
const struct vmsg_kind vmsg_kinds[] = {
	/* the file */
	{ "body_empty", N_("The body is empty."), NULL, 0, 0, 0 },
	{ "file_nothing", N_("The file holds nothing: choose the file with your answers"), NULL, 0, 0, 0 },
	/* TRANSLATORS: {1} what the file is (a spreadsheet workbook...), {2} what was expected (a CSV file, JSON) */
	{ "file_kind_summary", N_("The file is {1}, not {2}."), NULL, 0, B(1) | B(2), 0 },
	/* TRANSLATORS: {3} how to save the file right */
	{ "file_kind", N_("The file is {1}, not {2}. {3}"), NULL, 0, B(1) | B(2) | B(3), 0 },
	{ "not_utf8_summary", N_("The file is not UTF-8 text."), NULL, 0, 0, 0 },
	{ "not_utf8", N_("The file is binary or in another encoding than UTF-8 (perhaps Windows-1252, as \"CSV "
	    "(comma delimited)\" writes it). {1}"), NULL, 0, B(1), 0 },
	/* CSV */
	{ "separator_summary", N_("The file separates its fields with {1}, not commas, so it cannot be read as CSV."),
	    NULL, 0, B(1), 0 },
	{ "separator", N_("The file separates its fields with {1}, not commas. In your spreadsheet program choose "
	    "Save as, pick the type \"CSV UTF-8 (comma delimited) (.csv)\", and upload that file; if your "
	    "spreadsheet still writes {1}, set its list separator to a comma"), NULL, 0, B(1), 0 },
	{ "column_unknown", N_("Column \"{1}\" is not a column of the upload form: the columns are city, survey, "
	    "question and value (label and help may be there too, and are ignored)"), NULL, 0, 0, 0 },
	{ "column_twice", N_("Column \"{1}\" appears twice in the header"), NULL, 0, 0, 0 },
	{ "column_missing", N_("Column \"{1}\" is missing: the header row must name city, survey, question and "
	    "value"), NULL, 0, 0, 0 },
	/* TRANSLATORS: {1} the row's number of fields, {2} the header's */
	{ "row_fields", N_("This row has {1} fields where the header has {2}"), NULL, 0, 0, 0 },
	{ "csv_fields_max", N_("More than {1} fields in a record"), NULL, 0, 0, 0 },
	/* TRANSLATORS: {1} a line number */
	{ "csv_quote_open", N_("The quoted field that starts on line {1} is never closed"), NULL, 0, 0, 0 },
	{ "csv_after_quote", N_("Characters after the closing quote of a field (a '\"' inside a quoted field is "
	    "written '\"\"')"), NULL, 0, 0, 0 },
	{ "csv_nul", N_("NUL byte in a field"), NULL, 0, 0, 0 },
	{ "csv_field_utf8", N_("Field is not valid UTF-8"), NULL, 0, 0, 0 },
	{ "csv_field_long", N_("Field longer than {1} bytes"), NULL, 0, 0, 0 },
	{ "csv_oom", N_("Out of memory"), NULL, 0, 0, 0 },
	{ "csv_unreadable", NP_("The CSV file could not be read: {1} problem.",
	    "The CSV file could not be read: {1} problems."), 1, 0, 0 },
	{ "csv_empty", N_("The CSV file is empty."), NULL, 0, 0, 0 },
	{ "csv_no_rows", N_("The file holds no rows: it needs a header row city,survey,question,value and one "
	    "answer a row"), NULL, 0, 0, 0 },
	/* JSON */
	{ "json_unreadable", N_("The JSON could not be read."), NULL, 0, 0, 0 },
	/* TRANSLATORS: {3} the JSON reader's own words (English) */
	{ "json_syntax", N_("Line {1}, column {2}: {3}"), NULL, 0, 0, 0 },
	{ "json_shape_summary", N_("The JSON must be an object or an array of objects."), NULL, 0, 0, 0 },
	{ "json_shape", N_("The upload takes {\"city\":…, \"survey\":…, \"answers\":{…}} or a list of such objects"),
	    NULL, 0, 0, 0 },
	{ "no_answers", N_("The upload holds no answers."), NULL, 0, 0, 0 },
	{ "json_list_empty", N_("The list is empty"), NULL, 0, 0, 0 },
	{ "json_not_object", N_("Expected an object with city, survey and answers"), NULL, 0, 0, 0 },
	{ "json_field_unknown", N_("Field \"{1}\" is not part of an upload: the fields are city, survey and answers"),
	    NULL, 0, 0, 0 },
	{ "json_city_type", N_("The city must be a string: the city's slug"), NULL, 0, 0, 0 },
	{ "json_survey_type", N_("The survey must be a string such as \"2020\""), NULL, 0, 0, 0 },
	{ "json_answers_type", N_("The answers must be an object of question codes"), NULL, 0, 0, 0 },
	{ "json_answers_empty", N_("The answers object is empty"), NULL, 0, 0, 0 },
	{ "json_not_upload", NP_("The JSON is not an upload: {1} problem.",
	    "The JSON is not an upload: {1} problems."), 1, 0, 0 },
	/* the questionnaire */
	{ "city_unknown", N_("Unknown city \"{1}\": no city is registered with that slug"), NULL, 0, 0, 0 },
	{ "wave_unknown", N_("Unknown survey wave \"{1}\": give a wave such as 2020"), NULL, 0, 0, 0 },
	/* TRANSLATORS: {1} a question's code, {2} a wave (a year) */
	{ "question_not_in_wave", N_("Question \"{1}\" is not asked in the {2} wave"), NULL, 0, 0, 0 },
	{ "question_unknown", N_("Unknown question \"{1}\""), NULL, 0, 0, 0 },
	/* TRANSLATORS: {1} the value given, {2} the question's code */
	{ "not_bool", N_("\"{1}\" is not yes or no: {2} takes yes, no, true, false, 1 or 0"), NULL, 0, 0, 0 },
	{ "option_unknown_list", N_("\"{1}\" is not an option of {2} (options: {3})"), NULL, 0, 0, 0 },
	{ "not_integer", N_("\"{1}\" is not a whole number: {2} takes digits only, such as 12"), NULL, 0, 0, 0 },
	{ "not_number", N_("\"{1}\" is not a number: {2} takes a number such as 12.5"), NULL, 0, 0, 0 },
	/* TRANSLATORS: {3} what is wrong with the address ("does not start with http:// or https://") */
	{ "not_url", N_("\"{1}\" is not a web address for {2}: it {3}; give a full address such as "
	    "https://example.org/innovation"), NULL, 0, B(3), 0 },
	{ "json_bool", N_("Question {1} takes true or false"), NULL, 0, 0, 0 },
	{ "json_single", N_("Question {1} takes one option code as a string"), NULL, 0, 0, 0 },
	{ "option_unknown", N_("\"{1}\" is not an option of {2}"), NULL, 0, 0, 0 },
	{ "json_multi", N_("Question {1} takes a list of option codes"), NULL, 0, 0, 0 },
	{ "json_multi_strings", N_("Question {1} takes a list of option codes (strings)"), NULL, 0, 0, 0 },
	{ "option_twice", N_("Option \"{1}\" of {2} is given twice"), NULL, 0, 0, 0 },
	{ "json_integer", N_("Question {1} takes a whole number"), NULL, 0, 0, 0 },
	{ "json_number", N_("Question {1} takes a number"), NULL, 0, 0, 0 },
	{ "json_text", N_("Question {1} takes text (a string)"), NULL, 0, 0, 0 },
	{ "json_url", N_("Question {1} takes a web address (a string starting with https://)"), NULL, 0, 0, 0 },
	/* TRANSLATORS: {1} a question's code, {2} and {3} the bounds */
	{ "out_of_range", N_("The value of {1} is out of range ({2} to {3})"), NULL, 0, 0, B(2) | B(3) },
	{ "control_char", N_("The value of {1} holds a control character"), NULL, 0, 0, 0 },
	{ "too_long", N_("The value of {1} is too long ({2} characters, at most {3})"), NULL, 0, 0, 0 },
	/* TRANSLATORS: {1} a question's code, {2} a city's slug, {3} a wave */
	{ "multi_empty_and_options", N_("Question {1} is named with an empty value and with options for {2} {3}"),
	    NULL, 0, 0, 0 },
	{ "question_twice", N_("Question {1} is named twice for {2} {3}"), NULL, 0, 0, 0 },
	{ "invalid", NP_("The upload breaks the questionnaire: {1} problem.",
	    "The upload breaks the questionnaire: {1} problems."), 1, 0, 0 },
	{ "no_answer_rows", N_("The file has no answer rows after the header"), NULL, 0, 0, 0 },
	/* the upload's checks against what is stored (cgi/pages/upload.c) */
	/* TRANSLATORS: {1} a question's code, {2} its stored value */
	{ "would_clear", N_("The upload would clear {1} (currently {2}): its value here is empty, which makes an "
	    "answered question unanswered"), NULL, 0, B(2), 0 },
	/* TRANSLATORS: {1} how many answered questions, {2} the city's slug */
	{ "would_clear_summary", NP_("The upload would clear {1} answered question of {2}: fill it in or leave its "
	    "row out, or upload again with clear=1 to clear it on purpose.",
	    "The upload would clear {1} answered questions of {2}: fill them in or leave their rows out, or upload "
	    "again with clear=1 to clear them on purpose."), 1, 0, 0 },
	/* TRANSLATORS: {1} a question's code, {2} the question deciding whether it is asked, {3} the option it
	 * needs, {4} the city's slug, {5} the wave */
	{ "not_asked", N_("Question {1} is asked only of the cities whose answer to {2} is {3}, and {4}'s answer to "
	    "{2} in the {5} wave is not {3}: leave {1} unanswered, or answer {2} {3}"), NULL, 0, 0, 0 },
	{ "not_asked_summary", NP_("The upload breaks the questionnaire: {1} is asked only of the cities whose "
	    "answer to {2} is {3}, and {4}'s is not ({5} problem).",
	    "The upload breaks the questionnaire: {1} is asked only of the cities whose answer to {2} is {3}, and "
	    "{4}'s is not ({5} problems)."), 5, 0, 0 },
	/* TRANSLATORS: {1} a row number, {2} the city's slug, {3} a wave */
	{ "city_empty", N_("The city column is empty in row {1}: write your city's slug, {2}, in every row (the form "
	    "from /surveys/{3}/template.csv?city={2} has it filled in)."), NULL, 0, 0, 0 },
	/* TRANSLATORS: {1} the token's city, {2} the city the upload names */
	{ "other_city", N_("This token writes {1} only, not {2}."), NULL, 0, 0, 0 },
	{ "researcher_upload", N_("A researcher token cannot upload answers: use the city's partner token."), NULL, 0,
	    0, 0 },
	{ "over_limits", N_("The upload is over the limits of one upload: at most 10,000 answer sets (JSON objects) "
	    "and 200,000 answers (CSV rows, or values inside the JSON objects). Split it into several uploads."), NULL,
	    0, 0, 0 },
	{ "busy", N_("Every upload slot is busy: retry in a few seconds."), NULL, 0, 0, 0 },
	{ "db_unreachable", N_("The database is unreachable; nothing was stored."), NULL, 0, 0, 0 },
	{ "db_store", N_("The database could not store the upload; nothing was stored."), NULL, 0, 0, 0 },
	{ "db_commit", N_("The database could not commit the upload; nothing was stored."), NULL, 0, 0, 0 },
	{ "oom", N_("Out of memory; nothing was stored."), NULL, 0, 0, 0 },
};
const size_t vmsg_nkinds = sizeof(vmsg_kinds) / sizeof(vmsg_kinds[0]);

/* The phrases arguments may be (file kinds, how to save, separators, cgi/lib/weburl.c's reasons, a
 * stored value's words): translated with the message, only when an argument is exactly one of them. */
const char *const vmsg_phrases[] = {
	N_("a spreadsheet workbook (an Excel .xlsx or OpenDocument .ods file)"),
	N_("an old Excel workbook (.xls)"),
	N_("UTF-16 text (saved as \"Unicode text\")"),
	N_("a CSV file"),
	N_("JSON"),
	N_("Open it in your spreadsheet program, choose Save as, pick the type \"CSV UTF-8 (comma delimited) "
	    "(.csv)\", and upload the .csv file"),
	N_("Save it as JSON in UTF-8, or as \"CSV UTF-8 (comma delimited) (.csv)\" from a spreadsheet"),
	N_("semicolons (;)"),
	N_("tabs"),
	N_("is not a web address"),
	N_("is longer than 2,000 characters"),
	N_("does not start with http:// or https://"),
	N_("holds a space or a character a web address cannot hold"),
	N_("names a user before the host"),
	N_("has no valid host name after the scheme"),
	N_("yes"),
	N_("no"),
	N_("none of the options"),
};
const size_t vmsg_nphrases = sizeof(vmsg_phrases) / sizeof(vmsg_phrases[0]);

const struct vmsg_kind *
vmsg_find(const char *code)
{
	size_t i;

	if (code == NULL)
		return NULL;
	for (i = 0; i < vmsg_nkinds; i++)
		if (strcmp(vmsg_kinds[i].code, code) == 0)
			return &vmsg_kinds[i];
	return NULL;
}

void
vmsg_english(char *out, size_t n, const struct vmsg_kind *k, const char *const args[VMSG_MAX_ARGS])
{
	const char *t = k->one, *s;
	size_t o = 0, len, i;

	if (n == 0)
		return;
	if (k->many && k->count && args[k->count - 1] && strcmp(args[k->count - 1], "1") != 0)
		t = k->many;
	out[0] = '\0';
	while (*t && o + 1 < n) {
		if (t[0] == '{' && t[1] >= '1' && t[1] <= '0' + VMSG_MAX_ARGS && t[2] == '}' && args[t[1] - '1']) {
			s = args[t[1] - '1'];
			t += 3;
		} else {
			out[o++] = *t++;
			continue;
		}
		len = strlen(s);
		if (len > n - 1 - o)
			len = n - 1 - o;
		memcpy(out + o, s, len);
		o += len;
	}
	out[o] = '\0';
	/* cut to whole characters, then make it a sentence */
	while (o > 0 && !utf8_valid(out, o))
		out[--o] = '\0';
	ingest_sentence(out, n);
	if (!utf8_valid(out, strlen(out)))
		for (i = 0; out[i]; i++)
			if ((unsigned char)out[i] >= 0x80)
				out[i] = '?';
}

json_t *
vmsg_make(const char *code, const char *a1, const char *a2, const char *a3, const char *a4, const char *a5)
{
	const char *args[VMSG_MAX_ARGS] = { a1, a2, a3, a4, a5 };
	const struct vmsg_kind *k = vmsg_find(code);
	char msg[600];
	json_t *d, *list;
	int i;

	if (k == NULL)
		return NULL;
	for (i = 0; i < VMSG_MAX_ARGS; i++)
		if (args[i] == NULL)
			break;
	for (; i < VMSG_MAX_ARGS; i++)
		args[i] = NULL;
	vmsg_english(msg, sizeof(msg), k, args);
	list = json_array();
	for (i = 0; i < VMSG_MAX_ARGS && args[i]; i++)
		json_array_append_new(list, json_string(utf8_valid(args[i], strlen(args[i])) ? args[i] : "?"));
	d = json_pack("{s:s, s:s, s:o}", "message", msg, "code", code, "args", list);
	return d;
}
