/* sections.h: the city profile's statements, from the table of sections beside the questionnaires
 * (sql/surveys/sections.def), and the sentence pieces the profile page shares with them. */
#ifndef CB_SECTIONS_H
#define CB_SECTIONS_H

#include <jansson.h>

#include "buf.h"

/* The city profiled, read from its model (see profile.h): every member may be missing. */
struct profile {
	struct buf *b;			/* where the page is written */
	json_t *model, *city, *answers, *cohort, *questions, *others;
	json_t *seen;			/* the codes of the answers said so far: {code: true} */
	const char *name, *slug, *wave, *peers;
	long long size;			/* cities in the cohort */
	int teams_named;		/* in a TEAMS block: the teams said so far */
	const char *team_code;		/* its first team's name code */
};

/* Every statement of the table, in its order, for this city.  Never fails: a missing answer is said
 * to be missing. */
void sections_html(struct profile *p);

/* The page's table of contents: the sections of the table that have an entry, then the page's own
 * (metrics, answers across waves, downloads). */
void sections_toc(struct profile *p);

/* The question of `code` in this wave's questionnaire, or NULL. */
json_t *sections_question(const struct profile *p, const char *code);

/* The city's answer to `code` (NULL: not asked in this wave; JSON null: not answered), marked as
 * said. */
json_t *sections_answer(struct profile *p, const char *code);

/* How many cities of the cohort answered `code`, and how many of them chose option `opt` (0 when the
 * model does not say). */
long long sections_answered(const struct profile *p, const char *code);
long long sections_count(const struct profile *p, const char *code, const char *opt);

/* "<strong>81%</strong> of cities surveyed (81 of 100)": the share n of d of the cohort, named by
 * `what` (NULL: the cohort's own name); n links to the cohort's cities whose answer to `code` includes
 * `opt` (/cities?survey=W&peers=COHORT;answer:CODE=OPT), d to those that answered `code`. */
void sections_share(struct profile *p, const char *code, const char *opt, long long n, long long d,
    const char *what);

/* The count n as a link to its cities: those of the cohort whose answer to `code` includes `opt`
 * (NULL: that answered `code`); the bare number when the cohort is a list of slugs or code is NULL. */
void sections_count_link(struct profile *p, long long n, const char *code, const char *opt);

/* The city's name, escaped, and its possessive ("Toronto's"). */
void sections_city(struct profile *p);
void sections_city_s(struct profile *p);

#endif
