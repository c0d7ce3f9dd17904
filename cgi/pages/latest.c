/* latest.c: counts over every city surveyed, each city at its latest answer to the question (see
 * latest.h).  The profile says them for the questions whose options changed between waves, where a
 * single wave's cohort cannot show every option. */
#include <stdio.h>
#include <stdlib.h>

#include "html.h"
#include "lang.h"
#include "latest.h"
#include "ltext.h"

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

int
latest_pools_set(struct db *db, const struct cohort *c, json_t *model)
{
	PGresult *res = view_cohort_query(db, Q_LATEST_POOLS, Q_LATEST_POOLS, c, "latest", NULL, 0);
	json_t *pools;
	int i;

	if (!db_ok(res)) {
		PQclear(res);
		return -1;
	}
	pools = json_object();
	for (i = 0; i < PQntuples(res); i++)
		json_object_set_new(pools, PQgetvalue(res, i, Q_LATEST_POOLS_SURVEY_ID),
		    json_integer(strtoll(PQgetvalue(res, i, Q_LATEST_POOLS_N), NULL, 10)));
	PQclear(res);
	json_object_set_new(model, "pooled_waves", pools);
	return 0;
}

void
latest_pools_html(struct buf *b, json_t *model)
{
	json_t *pools = json_object_get(model, "pooled_waves"), *n;
	const char *wave;
	size_t i = 0, k = json_object_size(pools);

	if (!json_is_object(pools))
		return;
	html_raw(b, "<p class=\"note pooled\">");
	html_text(b, _("Each city at the latest wave it answered, counted once: the shares pool "));
	if (k == 0)
		html_text(b, _("no wave"));
	json_object_foreach(pools, wave, n) {
		char ns[32];
		if (i > 0)
			html_text(b, i + 1 == k ? _(" and ") : _(", "));
		snprintf(ns, sizeof ns, "%lld", (long long)json_integer_value(n));
		ltext(b, P_("{1} city at its {2} answers", "{1} cities at their {2} answers",
		    (unsigned long)json_integer_value(n)), 0, ns, wave, NULL, NULL);
		i++;
	}
	html_raw(b, ".</p>\n");
}
