/* similar.c: the score of two cities' answers in a wave and the reasons for it (see similar.h). */
#include <math.h>
#include <string.h>

#include "similar.h"

static int
has_option(json_t *list, const char *opt)
{
	size_t i;
	json_t *o;

	json_array_foreach(list, i, o)
		if (json_is_string(o) && strcmp(json_string_value(o), opt) == 0)
			return 1;
	return 0;
}

/* The overlap of two lists of option codes; the shared ones appended to shared (when not NULL). */
static double
jaccard(json_t *a, json_t *b, json_t *shared, size_t *either)
{
	size_t i, both = 0, na = 0, nb = 0;
	json_t *o;

	json_array_foreach(a, i, o) {
		if (!json_is_string(o))
			continue;
		na++;
		if (has_option(b, json_string_value(o))) {
			both++;
			if (shared)
				json_array_append(shared, o);
		}
	}
	json_array_foreach(b, i, o)
		if (json_is_string(o))
			nb++;
	*either = na + nb - both;
	return *either == 0 ? 1.0 : (double)both / (double)*either;
}

double
similar_score(json_t *types, json_t *mine, json_t *theirs, json_t *reasons)
{
	return similar_score_n(types, mine, theirs, reasons, NULL);
}

double
similar_score_n(json_t *types, json_t *mine, json_t *theirs, json_t *reasons, size_t *both)
{
	const char *code;
	json_t *t, *a, *b;
	double sum = 0;
	size_t n = 0;

	json_object_foreach(types, code, t) {
		const char *type = json_string_value(t);
		json_t *shared = NULL;
		double s;
		size_t of = 1;

		a = json_object_get(mine, code);
		b = json_object_get(theirs, code);
		if (type == NULL || a == NULL || b == NULL || json_is_null(a) || json_is_null(b))
			continue;
		shared = json_array();
		if (strcmp(type, "multi") == 0 && json_is_array(a) && json_is_array(b)) {
			s = jaccard(a, b, shared, &of);
		} else if (strcmp(type, "single") == 0 && json_is_string(a) && json_is_string(b)) {
			s = strcmp(json_string_value(a), json_string_value(b)) == 0;
			if (s > 0)
				json_array_append(shared, a);
		} else if (strcmp(type, "bool") == 0 && json_is_boolean(a) && json_is_boolean(b)) {
			s = json_is_true(a) == json_is_true(b);
			if (s > 0)
				json_array_append_new(shared, json_string(json_is_true(a) ? "yes" : "no"));
		} else if (strcmp(code, "population") == 0 && json_is_number(a) && json_is_number(b)) {
			double x = json_number_value(a), y = json_number_value(b);
			s = x > 0 && fabs(y - x) <= SIMILAR_POPULATION_BAND * x;
		} else {
			json_decref(shared);
			continue;
		}
		sum += s;
		n++;
		if (reasons && s > 0)
			json_array_append_new(reasons, json_pack("{s:s, s:o, s:I}", "question", code,
			    "shared", shared, "of", (json_int_t)of));
		else
			json_decref(shared);
	}
	if (both)
		*both = n;
	return n == 0 ? -1 : sum / (double)n;
}
