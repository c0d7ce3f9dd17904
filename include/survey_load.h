/* survey_load.h: `citybench survey load`: a wave's questionnaire, from the JSON of /surveys/{wave}.json,
 * checked, then stored in one transaction. */
#ifndef CB_SURVEY_LOAD_H
#define CB_SURVEY_LOAD_H

#include <stddef.h>
#include <stdio.h>
#include <jansson.h>

#include "db.h"

/* Checks a questionnaire without a database: {"survey":{"id":WAVE,"title":…},"questions":[…]}, each
 * question with a code ([a-z0-9_]{1,64}), a type (bool, single, multi, integer, number, text) and a text;
 * each option with a code and a label.  Returns 0, or -1 with *err set (a malloc'd message the caller
 * frees) naming the first problem, and *question the number (from 1) of the question at fault when the
 * problem is that question's code, type or text (else 0).  Changes nothing. */
int survey_load_check(const json_t *doc, char **err, size_t *question);

/* Reads file (duplicate keys refused) and checks it as survey_load_check() does.  Returns the document
 * (the caller json_decref()s it), or NULL with *err and *question set as above ("line N: …" when the
 * file is not JSON). */
json_t *survey_load_read(const char *file, char **err, size_t *question);

/* Reads, checks and stores file: the wave (inserted or retitled), its questions in the file's order
 * with their options; questions of the wave that the file no longer holds are removed, and the data
 * version moves.  A question code keeps its type across waves: a file that gives it another one is
 * refused.  Prints "loaded survey WAVE: N questions" to out.  Returns 0, or -1 with *err and *question
 * set as above; everything is then rolled back and nothing has changed. */
int survey_load_file(struct db *db, const char *file, FILE *out, char **err, size_t *question);

#endif
