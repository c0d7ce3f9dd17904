/* latest.c: counts over every city surveyed, each city at its latest answer to the question (see
 * latest.h).  The profile says them for the questions whose options changed between waves, where a
 * single wave's cohort cannot show every option. */
#include <stdlib.h>

#include "latest.h"

json_t *
latest_counts(struct db *db)
{
	PGresult *res = db_query(db, Q_LATEST_COUNTS, 0, NULL);
	json_t *all;
	int i;

	if (!db_ok(res)) {
		PQclear(res);
		return NULL;
	}
	all = json_object();
	for (i = 0; i < PQntuples(res); i++) {
		const char *code = PQgetvalue(res, i, Q_LATEST_COUNTS_CODE);
		const char *wave = PQgetvalue(res, i, Q_LATEST_COUNTS_SURVEY_ID);
		const char *opt = PQgetvalue(res, i, Q_LATEST_COUNTS_OPTION);
		json_int_t n = strtoll(PQgetvalue(res, i, Q_LATEST_COUNTS_N), NULL, 10);
		json_t *q = json_object_get(all, code), *c;

		if (q == NULL) {
			q = json_pack("{s:I, s:{}, s:{}}", "answered", (json_int_t)0, "waves", "counts");
			json_object_set_new(all, code, q);
		}
		if (*opt == '\0') {
			json_object_set_new(q, "answered",
			    json_integer(json_integer_value(json_object_get(q, "answered")) + n));
			json_object_set_new(json_object_get(q, "waves"), wave, json_integer(n));
			continue;
		}
		c = json_object_get(json_object_get(q, "counts"), opt);
		json_object_set_new(json_object_get(q, "counts"), opt, json_integer(json_integer_value(c) + n));
	}
	PQclear(res);
	return all;
}
