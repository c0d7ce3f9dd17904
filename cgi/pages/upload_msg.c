/* upload_msg.c: an upload's English validation messages, recognised and translated for HTML pages. */
#include <stdlib.h>
#include <string.h>

#include "html.h"
#include "lang.h"
#include "ltext.h"
#include "upload_msg.h"

/* The messages of cgi/domain/ingest.c and cgi/pages/upload.c as they read after ingest_sentence():
 * {1} .. {4} stand for the values, in the English order. */
static const char *const templates[] = {
	/* TRANSLATORS: an upload's problem: {1} the value given, {2} the question's code */
	N_("\"{1}\" is not yes or no: {2} takes yes, no, true, false, 1 or 0."),
	N_("\"{1}\" is not an option of {2} (options: {3})."),
	N_("\"{1}\" is not a whole number: {2} takes digits only, such as 12."),
	N_("\"{1}\" is not a number: {2} takes a number such as 12.5."),
	N_("\"{1}\" is not an option of {2}."),
	N_("Option \"{1}\" of {2} is given twice."),
	N_("Question {1} takes true or false."),
	N_("Question {1} takes one option code as a string."),
	N_("Question {1} takes a list of option codes (strings)."),
	N_("Question {1} takes a list of option codes."),
	N_("Question {1} takes a whole number."),
	N_("Question {1} takes a number."),
	N_("Question {1} takes text (a string)."),
	N_("Question {1} takes a web address (a string starting with https://)."),
	/* TRANSLATORS: {1} a question's code, {2} and {3} the bounds */
	N_("The value of {1} is out of range ({2} to {3})."),
	N_("The value of {1} holds a control character."),
	N_("The value of {1} is too long ({2} characters, at most {3})."),
	N_("Unknown city \"{1}\": no city is registered with that slug."),
	N_("Unknown survey wave \"{1}\": give a wave such as 2020."),
	/* TRANSLATORS: {1} a question's code, {2} a wave (a year) */
	N_("Question \"{1}\" is not asked in the {2} wave."),
	N_("Unknown question \"{1}\"."),
	N_("Column \"{1}\" is not a column of the upload form: the columns are city, survey, question and value "
	    "(label and help may be there too, and are ignored)."),
	N_("Column \"{1}\" appears twice in the header."),
	N_("Column \"{1}\" is missing: the header row must name city, survey, question and value."),
	N_("This row has {1} fields where the header has {2}."),
	N_("The file holds no rows: it needs a header row city,survey,question,value and one answer a row."),
	N_("The upload takes {\"city\":…, \"survey\":…, \"answers\":{…}} or a list of such objects."),
	N_("The list is empty."),
	N_("Expected an object with city, survey and answers."),
	N_("Field \"{1}\" is not part of an upload: the fields are city, survey and answers."),
	N_("The city must be a string: the city's slug."),
	N_("The survey must be a string such as \"2020\"."),
	N_("The answers must be an object of question codes."),
	N_("The answers object is empty."),
	N_("The file holds nothing: choose the file with your answers."),
	N_("The CSV file could not be read: {1} problem."),
	N_("The CSV file could not be read: {1} problems."),
	N_("The JSON is not an upload: {1} problem."),
	N_("The JSON is not an upload: {1} problems."),
	N_("The upload breaks the questionnaire: {1} problem."),
	N_("The upload breaks the questionnaire: {1} problems."),
	N_("The CSV file is empty."),
	N_("The JSON could not be read."),
	N_("The JSON must be an object or an array of objects."),
	N_("The upload holds no answers."),
	N_("The body is empty."),
	N_("The file is not UTF-8 text."),
	N_("The form has no file: choose your answers file."),
	/* TRANSLATORS: {1} a question's code, {2} its stored value */
	N_("The upload would clear {1} (currently {2}): its value here is empty, which makes an answered "
	    "question unanswered."),
	N_("The upload would clear 1 answered question of {1}: fill it in or leave its row out, or upload again "
	    "with clear=1 to clear it on purpose."),
	N_("The upload would clear {1} answered questions of {2}: fill them in or leave their rows out, or upload "
	    "again with clear=1 to clear them on purpose."),
	N_("This token writes {1} only, not {2}."),
};

#define NCAP 4

/* Does s match the template t ({k} matching one or more characters)?  Fills cap[k-1]. */
static int
match(const char *t, const char *s, const char *cap[NCAP], size_t len[NCAP])
{
	while (*t) {
		if (t[0] == '{' && t[1] >= '1' && t[1] <= '0' + NCAP && t[2] == '}') {
			int k = t[1] - '1';
			size_t n;

			for (n = 1; s[n - 1]; n++) {
				cap[k] = s;
				len[k] = n;
				if (match(t + 3, s + n, cap, len))
					return 1;
			}
			return 0;
		}
		if (*t != *s)
			return 0;
		t++;
		s++;
	}
	return *s == '\0';
}

void
upload_msg_html(struct buf *b, const char *msg)
{
	const char *cap[NCAP];
	size_t len[NCAP], i;
	char *v[NCAP];
	int k;

	if (msg == NULL)
		return;
	for (i = 0; i < sizeof(templates) / sizeof(templates[0]); i++) {
		memset(cap, 0, sizeof(cap));
		memset(len, 0, sizeof(len));
		if (!match(templates[i], msg, cap, len))
			continue;
		if (_(templates[i]) == templates[i])
			break;	/* not translated (English): the message as the domain wrote it, escaped */
		for (k = 0; k < NCAP; k++)
			v[k] = cap[k] ? strndup(cap[k], len[k]) : NULL;
		if ((cap[0] == NULL || v[0]) && (cap[1] == NULL || v[1]) && (cap[2] == NULL || v[2]) &&
		    (cap[3] == NULL || v[3])) {
			ltext(b, _(templates[i]), 0, v[0], v[1], v[2], v[3]);
			for (k = 0; k < NCAP; k++)
				free(v[k]);
			return;
		}
		for (k = 0; k < NCAP; k++)
			free(v[k]);
		break;
	}
	html_text(b, msg);
}
