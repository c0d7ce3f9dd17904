/* survey.h: facts of the questionnaires that pages other than /surveys share. */
#ifndef CB_SURVEY_H
#define CB_SURVEY_H

/* The title of a questionnaire's section ("funding" -> "Funding and resources"); the code itself for a
 * section without one.  Never NULL. */
const char *survey_section_title(const char *code);

#endif
