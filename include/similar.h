/* similar.h: how alike two cities' answers in one wave are (/cities/{slug}/similar). */
#ifndef CB_SIMILAR_H
#define CB_SIMILAR_H

#include <stddef.h>

#include <jansson.h>

/* How much of the other's population may differ from the city's and still count as alike: ±50 %. */
#define SIMILAR_POPULATION_BAND 0.5

/*
 * The score of `theirs` against `mine` (both {CODE: VALUE}, answered questions only; a JSON null is
 * "not answered"), over the questions of `types` ({CODE: "bool"|"single"|"multi"|"integer"}) that both
 * answered: the mean of, per question, the Jaccard overlap of the options chosen (multi: shared ÷
 * chosen by either; both none: 1), 1 for the same answer and 0 for another (single, bool), and for the
 * question `population` 1 when theirs is within ±50 % of mine, else 0.  Other types do not count.
 * Returns the score in [0, 1], or -1 when no question was answered by both.  When reasons is not NULL,
 * appends to it what they share, in the order of `types`: {"question": CODE, "shared": [OPTION…]}
 * ("yes"/"no" for a bool, [] for the population band) with "of" (the options either chose).
 */
double similar_score(json_t *types, json_t *mine, json_t *theirs, json_t *reasons);

/* The same, with *both (when not NULL) set to the number of questions both answered: between equal
 * scores, the city with more in common to compare comes first. */
double similar_score_n(json_t *types, json_t *mine, json_t *theirs, json_t *reasons, size_t *both);

#endif
