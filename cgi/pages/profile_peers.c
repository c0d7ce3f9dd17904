/* profile_peers.c: a profile's cohort parts against a peer group without stored statistics, in one
 * statement (issue 18): see queries_peers.def. */
#include <stdlib.h>
#include <string.h>

#include "profile_peers.h"

void
profile_count_add(json_t *counts, const char *code, const char *option, json_int_t n)
{
	json_t *q = json_object_get(counts, code);

	if (q == NULL) {
		q = json_pack("{s:i, s:{}}", "answered", 0, "counts");
		json_object_set_new(counts, code, q);
	}
	if (option == NULL)
		json_object_set_new(q, "answered", json_integer(n));
	else
		json_object_set_new(json_object_get(q, "counts"), option, json_integer(n));
}

int
profile_peers(struct db *db, const char *wave, const struct cohort *c, const char *city_id,
    json_t **cohort, json_t **metrics, long long *size)
{
	const char *p[7];
	PGresult *res;
	json_t *counts, *list;
	long long n = -1;
	int i;

	view_cohort_params(c, wave, p);
	p[6] = city_id;
	res = db_query(db, Q_PEERS_PROFILE, 7, p);
	if (!db_ok(res)) {
		PQclear(res);
		return -1;
	}
	counts = json_object();
	list = json_array();
	for (i = 0; i < PQntuples(res); i++) {
		const char *part = PQgetvalue(res, i, Q_PEERS_PROFILE_PART);

		if (part[0] == '0') {
			n = strtoll(PQgetvalue(res, i, Q_PEERS_PROFILE_N), NULL, 10);
		} else if (part[0] == '1') {
			profile_count_add(counts, PQgetvalue(res, i, Q_PEERS_PROFILE_CODE),
			    PQgetisnull(res, i, Q_PEERS_PROFILE_OPTION) ? NULL :
			    PQgetvalue(res, i, Q_PEERS_PROFILE_OPTION),
			    strtoll(PQgetvalue(res, i, Q_PEERS_PROFILE_N), NULL, 10));
		} else {
			/* as city_metrics() in city.c */
			long long of = strtoll(PQgetvalue(res, i, Q_PEERS_PROFILE_OF), NULL, 10);
			int has = !PQgetisnull(res, i, Q_PEERS_PROFILE_VALUE);
			json_t *m = json_pack("{s:s, s:s, s:s, s:s, s:b, s:o, s:o, s:I, s:o}",
			    "id", PQgetvalue(res, i, Q_PEERS_PROFILE_ID), "title", PQgetvalue(res, i, Q_PEERS_PROFILE_TITLE),
			    "description", PQgetvalue(res, i, Q_PEERS_PROFILE_DESCRIPTION),
			    "unit", PQgetvalue(res, i, Q_PEERS_PROFILE_UNIT),
			    "higher_is_better", PQgetvalue(res, i, Q_PEERS_PROFILE_HIGHER_IS_BETTER)[0] == 't',
			    "value", has ? json_real(strtod(PQgetvalue(res, i, Q_PEERS_PROFILE_VALUE), NULL)) : json_null(),
			    "rank", has ? json_integer(strtoll(PQgetvalue(res, i, Q_PEERS_PROFILE_RANK), NULL, 10)) :
				json_null(),
			    "of", (json_int_t)of,
			    "percentile", has && of > 0 ? json_real(100.0 *
				strtod(PQgetvalue(res, i, Q_PEERS_PROFILE_NOT_BETTER), NULL) / (double)of) : json_null());
			json_array_append_new(list, m);
		}
	}
	PQclear(res);
	if (n < 0) {
		json_decref(counts);
		json_decref(list);
		return -1;
	}
	*cohort = counts;
	*metrics = list;
	*size = n;
	return 0;
}
