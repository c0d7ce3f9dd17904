/* city.c: /cities/{slug} — one city in one wave: every answer beside its cohort, its metrics with rank
 * and percentile, its waves side by side.  The handler builds one model (the JSON twin); the CSV is
 * written here and the HTML by profile.c from that same model, so the numbers cannot differ. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "app.h"
#include "csv.h"
#include "latest.h"
#include "metric_links.h"
#include "names.h"
#include "profile.h"
#include "profile_blocks.h"
#include "profile_json.h"
#include "profile_peers.h"
#include "reply.h"
#include "routes.h"
#include "survey_lang.h"
#include "trend.h"
#include "versioned.h"
#include "view.h"

/* Every wave's answers of a city in one statement: history gets {WAVE: {code: answer}} for each wave
 * the city answered that asks a question (as wave_answers gives them, one wave at a time). */
DB_SAME_COLUMN(Q_PROFILE_ANSWERS, Q_PROFILE_ANSWERS_SLUG, SURVEY_ID);
DB_SAME_COLUMN(Q_PROFILE_ANSWERS, Q_PROFILE_ANSWERS_SLUG, CODE);
DB_SAME_COLUMN(Q_PROFILE_ANSWERS, Q_PROFILE_ANSWERS_SLUG, VALUE);
DB_SAME_COLUMN(Q_CITY_WAVES, Q_CITY_WAVES_SLUG, SURVEY_ID);
DB_SAME_COLUMN(Q_STATS_CITY_METRICS, Q_STATS_CITY_METRICS_SLUG, ID);
DB_SAME_COLUMN(Q_STATS_CITY_METRICS, Q_STATS_CITY_METRICS_SLUG, DESCRIPTION);
DB_SAME_COLUMN(Q_STATS_CITY_METRICS, Q_STATS_CITY_METRICS_SLUG, NOT_BETTER);
DB_SAME_COLUMN(Q_CITY_METRIC_VERSIONS, Q_CITY_METRIC_VERSIONS_SLUG, METRIC_ID);
DB_SAME_COLUMN(Q_CITY_METRIC_VERSIONS, Q_CITY_METRIC_VERSIONS_SLUG, PLUGIN_VERSION);
DB_SAME_COLUMN(Q_CITY_WAVES, Q_CITY_WAVES_SLUG, POPULATION);

/* From Q_PROFILE_ANSWERS' (or Q_PROFILE_ANSWERS_SLUG's) result, which it PQclear()s. */
static int
all_answers(PGresult *res, json_t *history)
{
	json_t *set = NULL;
	const char *w = NULL;
	int i;

	if (!db_ok(res)) {
		PQclear(res);
		return -1;
	}
	for (i = 0; i < PQntuples(res); i++) {
		if (w == NULL || strcmp(w, PQgetvalue(res, i, Q_PROFILE_ANSWERS_SURVEY_ID)) != 0) {
			w = PQgetvalue(res, i, Q_PROFILE_ANSWERS_SURVEY_ID);
			set = json_object();
			json_object_set_new(history, w, set);
		}
		json_object_set_new(set, PQgetvalue(res, i, Q_PROFILE_ANSWERS_CODE),
		    view_answer_json(PQgetisnull(res, i, Q_PROFILE_ANSWERS_VALUE) ? NULL :
		    PQgetvalue(res, i, Q_PROFILE_ANSWERS_VALUE)));
	}
	PQclear(res);
	return 0;
}

/* A numeric column as a JSON integer when it is whole, else a real. */
static json_t *
number(const char *s)
{
	double d = strtod(s, NULL);

	if (d == floor(d) && fabs(d) < 9e15)
		return json_integer((json_int_t)d);
	return json_real(d);
}

/* The wave's questions as the database has them now; NULL when the database failed. */
static json_t *
read_questions(struct db *db, const char *wave)
{
	const char *p[1] = { wave };
	PGresult *res = db_query(db, Q_SURVEY_QUESTIONS, 1, p);
	json_t *list;
	int i;

	if (!db_ok(res)) {
		PQclear(res);
		return NULL;
	}
	list = json_array();
	for (i = 0; i < PQntuples(res); i++) {
		json_t *q = json_pack("{s:s, s:s, s:s, s:s, s:o}",
		    "code", PQgetvalue(res, i, Q_SURVEY_QUESTIONS_CODE), "type", PQgetvalue(res, i, Q_SURVEY_QUESTIONS_TYPE),
		    "section", PQgetvalue(res, i, Q_SURVEY_QUESTIONS_SECTION), "text", PQgetvalue(res, i, Q_SURVEY_QUESTIONS_TEXT),
		    "options", view_answer_json(PQgetvalue(res, i, Q_SURVEY_QUESTIONS_OPTIONS)));
		if (!PQgetisnull(res, i, Q_SURVEY_QUESTIONS_MIN))
			json_object_set_new(q, "min", number(PQgetvalue(res, i, Q_SURVEY_QUESTIONS_MIN)));
		if (!PQgetisnull(res, i, Q_SURVEY_QUESTIONS_MAX))
			json_object_set_new(q, "max", number(PQgetvalue(res, i, Q_SURVEY_QUESTIONS_MAX)));
		if (!PQgetisnull(res, i, Q_SURVEY_QUESTIONS_MAX_LENGTH))
			json_object_set_new(q, "max_length", json_integer(atoi(PQgetvalue(res, i, Q_SURVEY_QUESTIONS_MAX_LENGTH))));
		if (!PQgetisnull(res, i, Q_SURVEY_QUESTIONS_ASKED_IF_CODE))
			json_object_set_new(q, "asked_if", json_pack("{s:s, s:s}",
			    "question", PQgetvalue(res, i, Q_SURVEY_QUESTIONS_ASKED_IF_CODE),
			    "answer", PQgetvalue(res, i, Q_SURVEY_QUESTIONS_ASKED_IF_OPTION)));
		if (!PQgetisnull(res, i, Q_SURVEY_QUESTIONS_TEXT_FR))
			json_object_set_new(q, "text_fr", json_string(PQgetvalue(res, i, Q_SURVEY_QUESTIONS_TEXT_FR)));
		json_array_append_new(list, q);
	}
	PQclear(res);
	return list;
}

/* The parsed questionnaires of the last few waves asked for, kept by the worker and read again only when
 * the data version moves: a questionnaire changes only with `survey load`, which bumps it.  This is a
 * parse cache of the questionnaire (re-reading it and parsing every option list was a third of a
 * profile's instructions), not a response cache: it stays on under CITYBENCH_CACHE=0. */
#define QCACHE_WAVES	8

static struct {
	char wave[16];
	long long version;
	json_t *questions;		/* shared with callers: read-only */
	unsigned long used;		/* for least recently used; 0 = empty */
} qcache[QCACHE_WAVES];
static unsigned long qcache_clock;

/* The wave's questions (a list the caller owns a reference to and must not modify), or NULL when the
 * database failed.  Keyed on the data version this request's reads see (app_data_version: no round
 * trip on the primary; a replica's own version on a replica). */
static json_t *
survey_questions(struct app *a, const char *wave)
{
	long long version;
	json_t *list;
	size_t i, slot = 0;

	if (wave == NULL || strlen(wave) >= sizeof(qcache[0].wave))
		return read_questions(a->db, wave);
	version = app_data_version(a);
	for (i = 0; i < QCACHE_WAVES; i++) {
		if (qcache[i].questions && qcache[i].version == version && strcmp(qcache[i].wave, wave) == 0) {
			qcache[i].used = ++qcache_clock;
			return json_incref(qcache[i].questions);
		}
		if (qcache[i].used < qcache[slot].used)
			slot = i;
	}
	if ((list = read_questions(a->db, wave)) == NULL)
		return NULL;
	for (i = 0; i < QCACHE_WAVES; i++)
		if (qcache[i].questions && strcmp(qcache[i].wave, wave) == 0)
			slot = i;
	json_decref(qcache[slot].questions);
	snprintf(qcache[slot].wave, sizeof(qcache[slot].wave), "%s", wave);
	qcache[slot].version = version;
	qcache[slot].questions = json_incref(list);
	qcache[slot].used = ++qcache_clock;
	return list;
}

json_t *
city_survey_questions(struct app *a, const char *wave)
{
	return survey_questions(a, wave);
}

/* The stored statistics' statements answer as the live ones: the code reads the live ones' names. */
DB_SAME_COLUMN(Q_COHORT_COUNTS, Q_STATS_COUNTS, CODE);
DB_SAME_COLUMN(Q_COHORT_COUNTS, Q_STATS_COUNTS, OPTION);
DB_SAME_COLUMN(Q_COHORT_COUNTS, Q_STATS_COUNTS, N);
DB_SAME_COLUMN(Q_PAGES_COHORT_SIZE, Q_STATS_COHORT_SIZE, SIZE);
DB_SAME_COLUMN(Q_CITY_METRICS, Q_STATS_CITY_METRICS, ID);
DB_SAME_COLUMN(Q_CITY_METRICS, Q_STATS_CITY_METRICS, TITLE);
DB_SAME_COLUMN(Q_CITY_METRICS, Q_STATS_CITY_METRICS, UNIT);
DB_SAME_COLUMN(Q_CITY_METRICS, Q_STATS_CITY_METRICS, HIGHER_IS_BETTER);
DB_SAME_COLUMN(Q_CITY_METRICS, Q_STATS_CITY_METRICS, VALUE);
DB_SAME_COLUMN(Q_CITY_METRICS, Q_STATS_CITY_METRICS, RANK);
DB_SAME_COLUMN(Q_CITY_METRICS, Q_STATS_CITY_METRICS, OF);
DB_SAME_COLUMN(Q_CITY_METRICS, Q_STATS_CITY_METRICS, NOT_BETTER);
DB_SAME_COLUMN(Q_CITY_METRICS, Q_STATS_CITY_METRICS, DESCRIPTION);

/* The key of a cohort-wide result kept per data version (versioned.h): kind, wave, cohort. */
static void
versioned_key(char *key, size_t size, const char *kind, const char *wave, const struct cohort *c)
{
	if ((size_t)snprintf(key, size, "%s\x1f%s\x1f%s", kind, wave ? wave : "",
	    c->canonical.data ? c->canonical.data : "") >= size)
		key[0] = '\0';	/* too long: not kept */
}

static json_t *
cohort_counts(struct app *a, const char *wave, const struct cohort *c)
{
	char key[256];
	PGresult *res;
	json_t *cohort;
	int i;

	/* Kept per version (issue 18, eighth session): Q_STATS_COUNTS orders its rows (answered counts
	 * first, then by code and option), so a kept copy lists the members as a fresh read does. */
	versioned_key(key, sizeof(key), "counts", wave, c);
	if (*key && (cohort = versioned_get(a, key)) != NULL)
		return cohort;
	res = view_cohort_query(a->db, Q_STATS_COUNTS, Q_COHORT_COUNTS, c, wave, NULL, 0);
	if (!db_ok(res)) {
		PQclear(res);
		return NULL;
	}
	cohort = json_object();
	for (i = 0; i < PQntuples(res); i++)
		profile_count_add(cohort, PQgetvalue(res, i, Q_COHORT_COUNTS_CODE),
		    PQgetisnull(res, i, Q_COHORT_COUNTS_OPTION) ? NULL : PQgetvalue(res, i, Q_COHORT_COUNTS_OPTION),
		    strtoll(PQgetvalue(res, i, Q_COHORT_COUNTS_N), NULL, 10));
	PQclear(res);
	if (*key)
		versioned_put(a, key, cohort);
	return cohort;
}

/* The number of cities in the cohort of a wave, or -1 when the database failed. */
static long long
cohort_size(struct app *a, const char *wave, const struct cohort *c)
{
	char key[256];
	PGresult *res;
	json_t *kept;
	long long n = -1;

	versioned_key(key, sizeof(key), "size", wave, c);
	if (*key && (kept = versioned_get(a, key)) != NULL) {
		n = (long long)json_integer_value(kept);
		json_decref(kept);
		return n;
	}
	res = view_cohort_query(a->db, Q_STATS_COHORT_SIZE, Q_PAGES_COHORT_SIZE, c, wave, NULL, 0);
	if (db_ok(res) && PQntuples(res) == 1)
		n = strtoll(PQgetvalue(res, 0, Q_PAGES_COHORT_SIZE_SIZE), NULL, 10);
	PQclear(res);
	if (n >= 0 && *key && (kept = json_integer(n)) != NULL) {
		versioned_put(a, key, kept);
		json_decref(kept);
	}
	return n;
}

/* The questionnaires of the waves other than `wave`: {WAVE: [questions]}, or NULL when the database
 * failed.  The profile names answers of other waves (and options that exist in one wave only) with
 * their own wave's labels. */
static json_t *
other_questionnaires(struct request *r, const char *wave)
{
	PGresult *res = NULL;
	json_t *ids, *all = NULL, *id;
	size_t i;
	int k;

	/* the waves' ids, read once per data version (versioned.h) */
	if ((ids = versioned_get(r->app, "surveys")) == NULL) {
		res = db_query(r->app->db, Q_SURVEYS, 0, NULL);
		if (!db_ok(res))
			goto out;
		ids = json_array();
		for (k = 0; k < PQntuples(res); k++)
			json_array_append_new(ids, json_string(PQgetvalue(res, k, Q_SURVEYS_ID)));
		versioned_put(r->app, "surveys", ids);
	}
	all = json_object();
	json_array_foreach(ids, i, id) {
		json_t *qs;
		if (strcmp(json_string_value(id), wave) == 0)
			continue;
		if ((qs = survey_questions_lang(r, json_string_value(id))) == NULL) {
			json_decref(all);
			all = NULL;
			goto out;
		}
		json_object_set_new(all, json_string_value(id), qs);
	}
out:
	json_decref(ids);
	PQclear(res);
	return all;
}

/* The counts across latest waves (latest.c), read once per data version. */
static json_t *
kept_latest_counts(struct app *a)
{
	json_t *l = versioned_get(a, "latest");

	if (l == NULL && (l = latest_counts(a->db)) != NULL)
		versioned_put(a, "latest", l);
	return l;
}

/* From the metrics statement's result (view_cohort_query's, or read in a db_batch), which it PQclear()s. */
static json_t *
city_metrics(PGresult *res)
{
	json_t *list;
	int i;

	if (!db_ok(res)) {
		PQclear(res);
		return NULL;
	}
	list = json_array();
	for (i = 0; i < PQntuples(res); i++) {
		long long of = strtoll(PQgetvalue(res, i, Q_CITY_METRICS_OF), NULL, 10);
		int has = !PQgetisnull(res, i, Q_CITY_METRICS_VALUE);
		json_t *m = json_pack("{s:s, s:s, s:s, s:s, s:b, s:o, s:o, s:I, s:o}",
		    "id", PQgetvalue(res, i, Q_CITY_METRICS_ID), "title", PQgetvalue(res, i, Q_CITY_METRICS_TITLE),
		    "description", PQgetvalue(res, i, Q_CITY_METRICS_DESCRIPTION),
		    "unit", PQgetvalue(res, i, Q_CITY_METRICS_UNIT), "higher_is_better", PQgetvalue(res, i, Q_CITY_METRICS_HIGHER_IS_BETTER)[0] == 't',
		    "value", has ? json_real(strtod(PQgetvalue(res, i, Q_CITY_METRICS_VALUE), NULL)) : json_null(),
		    "rank", has ? json_integer(strtoll(PQgetvalue(res, i, Q_CITY_METRICS_RANK), NULL, 10)) : json_null(),
		    "of", (json_int_t)of,
		    "percentile", has && of > 0 ?
			json_real(100.0 * strtod(PQgetvalue(res, i, Q_CITY_METRICS_NOT_BETTER), NULL) / (double)of) : json_null());
		json_array_append_new(list, m);
	}
	PQclear(res);
	return list;
}

/* The answers as CSV (question,value): a multi-choice answer is a row per option, as in the upload
 * form. */
static void
city_csv(struct request *r, json_t *model)
{
	json_t *answers = json_object_get(model, "answers"), *q;
	size_t k;

	r->ctype = "text/csv";
	buf_puts(&r->out, "question,value\r\n");
	json_array_foreach(json_object_get(model, "questions"), k, q) {
		const char *code = json_string_value(json_object_get(q, "code"));
		json_t *v = json_object_get(answers, code), *o;
		size_t j;

		if (json_is_array(v) && json_array_size(v) > 0) {
			json_array_foreach(v, j, o) {
				csv_text(&r->out, code);
				csv_sep(&r->out);
				answer_csv(&r->out, o);
				csv_eol(&r->out);
			}
			continue;
		}
		csv_text(&r->out, code);
		csv_sep(&r->out);
		answer_csv(&r->out, v);
		csv_eol(&r->out);
	}
}

/* The answers that differ between two waves' answer sets (questions asked in both). */
static json_t *
changed_between(json_t *before, json_t *after)
{
	json_t *changed = json_array(), *v;
	const char *code;

	json_object_foreach(after, code, v) {
		json_t *w = json_object_get(before, code);
		if (w && !answer_same(code, v, w))
			json_array_append_new(changed, json_string(code));
	}
	return changed;
}

/* The wave a profile shown without survey= is of: the city's latest wave.  ids: the waves' ids
 * (versioned "surveys"), or NULL.  The cities whose latest wave is not the newest are read once per
 * data version (Q_CITY_OLDER_LATEST, kept as {slug: wave or null}); any other is of the newest.  The
 * guess is written to out (n bytes); out is left as it is when it cannot be told (no ids, a failed
 * read, a city that answered no wave).  A wrong guess costs only a second batch (city_get). */
static void
latest_wave_guess(struct app *a, const char *slug, json_t *ids, char *out, size_t n)
{
	const char *newest = json_string_value(json_array_get(ids, json_array_size(ids) - 1)), *w;
	json_t *older, *got;
	PGresult *res;
	const char *pa[1];
	int k;

	if (newest == NULL)
		return;
	if ((older = versioned_get(a, "older_latest")) == NULL) {
		pa[0] = newest;
		res = db_query(a->db, Q_CITY_OLDER_LATEST, 1, pa);
		if (!db_ok(res)) {
			PQclear(res);
			return;
		}
		older = json_object();
		for (k = 0; k < PQntuples(res); k++)
			json_object_set_new(older, PQgetvalue(res, k, Q_CITY_OLDER_LATEST_SLUG),
			    PQgetisnull(res, k, Q_CITY_OLDER_LATEST_SURVEY_ID) ? json_null() :
			    json_string(PQgetvalue(res, k, Q_CITY_OLDER_LATEST_SURVEY_ID)));
		PQclear(res);
		versioned_put(a, "older_latest", older);
	}
	got = json_object_get(older, slug);
	w = got ? json_string_value(got) : newest;
	if (w && strlen(w) < n)
		snprintf(out, n, "%s", w);
	json_decref(older);
}

/* Q_SIMILAR_CITY_WAVE's answer (the city's latest wave, NULL: none) told from its waves (Q_CITY_WAVES'
 * rows, ordered by wave: the last is the greatest, as max() gives it), so the profile sends one statement
 * less (issue 18, ninth session); NULL when no memory. */
static PGresult *
similar_wave_from(const PGresult *waves)
{
	static char name[] = "wave";
	PGresAttDesc d = { name, 0, 0, 0, 25, -1, -1 };	/* text */
	PGresult *res = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK);
	int n = PQntuples(waves);
	const char *w = n > 0 ? PQgetvalue(waves, n - 1, Q_CITY_WAVES_SURVEY_ID) : NULL;

	if (res == NULL || !PQsetResultAttrs(res, 1, &d) ||
	    !PQsetvalue(res, 0, 0, (char *)w, w ? (int)strlen(w) : -1)) {
		PQclear(res);
		return NULL;
	}
	return res;
}

int
city_get(struct request *r)
{
	struct cohort c;
	PGresult *city = NULL, *waves = NULL, *similar_wave = NULL, *versions = NULL, *kcity = NULL, *kwaves = NULL;
	PGresult *ktrend = NULL;	/* Q_PROFILE_TREND's rows from the blocks (profile_blocks_trend) */
	struct db_batch_item first[7];
	int skip = 0;	/* 2: the city's row and waves were not sent (kcity, kwaves) */
	char spec[16] = "";
	int nfirst = 0, isim = 0, itrend = 0, sql = getenv("CITYBENCH_PROFILE_SQL") != NULL;
	json_t *model = NULL, *answers, *history, *wave_list, *cohort, *metrics, *questions, *others;
	json_t *guessed = NULL;	/* the stored metrics of the wave in spec, from the blocks */
	int from_blocks = 0;
	int peer_versions = 0;	/* a peer cohort's metrics: their versions from the kept wave's too */
	long long size;
	const char *slug = r->args[0], *want, *wave = NULL, *prev = NULL;
	const char *p[1], *tp[2], *smp[4], *svp[2];
	char city_id[16];
	int i, status = -1, have_cohort = 0, latest = 0, html;

	memset(first, 0, sizeof(first));
	if (view_slug_arg(r, slug, "city") == -1 || view_wave_param_latest(r, &want) == -1)
		return -1;
	if (view_cohort(r, &c) == -1)
		return -1;
	have_cohort = 1;
	if (view_not_modified(r)) {
		status = 0;
		goto out;
	}
	/* One round trip (issue 18): the city, its waves, its answers in every wave, the stored metrics and
	 * their versions when the wave can be told now (the wave asked for, else the newest, kept per data
	 * version: used only if it is the wave the page shows), its wave for the similar cities and, for
	 * the HTML page, its metrics over time (trend.c); each read below where it was read on its own. */
	p[0] = slug;
	tp[0] = slug;
	tp[1] = NULL;
	html = r->fmt != FMT_JSON && r->fmt != FMT_CSV;
	first[0] = (struct db_batch_item){ Q_CITY, 1, p, NULL };
	first[1] = (struct db_batch_item){ Q_CITY_WAVES_SLUG, 1, p, NULL };
	first[2] = (struct db_batch_item){ Q_PROFILE_ANSWERS_SLUG, 1, p, NULL };
	nfirst = 3;
	if (view_cohort_is_stored(&c) && !view_wave_is_latest(want)) {
		json_t *ids = want ? NULL : versioned_get(r->app, "surveys");
		if (want == NULL)
			latest_wave_guess(r->app, slug, ids, spec, sizeof(spec));
		else if (strlen(want) < sizeof(spec))
			snprintf(spec, sizeof(spec), "%s", want);
		json_decref(ids);
	}
	/* The stored metrics from the blocks kept per data version (profile_blocks.h): no statement. */
	if (*spec && profile_blocks_metrics(r, spec, c.stored[0], c.stored[1], slug, &guessed) == 1)
		from_blocks = 1;
	if (*spec && !from_blocks) {
		smp[0] = spec;
		smp[1] = c.stored[0];
		smp[2] = c.stored[1];
		smp[3] = slug;
		svp[0] = spec;
		svp[1] = slug;
		first[nfirst++] = (struct db_batch_item){ Q_STATS_CITY_METRICS_SLUG, 4, smp, NULL };
		first[nfirst++] = (struct db_batch_item){ Q_CITY_METRIC_VERSIONS_SLUG, 2, svp, NULL };
	}
	isim = nfirst;
	if (sql)
		first[nfirst++] = (struct db_batch_item){ Q_SIMILAR_CITY_WAVE, 1, p, NULL };
	itrend = nfirst;
	/* the metrics over time from the metric values blocks (profile_blocks.h): not sent */
	if (html && (ktrend = profile_blocks_trend(r, slug)) == NULL)
		first[nfirst++] = (struct db_batch_item){ Q_PROFILE_TREND, 2, tp, NULL };
	/* the city's row and waves from the rows kept per data version (profile_blocks.h): not sent; a
	 * city no row has is answered 404 without a statement */
	if (profile_blocks_city(r, slug, &kcity, &kwaves) == 1) {
		skip = 2;
		if (PQntuples(kcity) == 0) {
			PQclear(kwaves);
			kwaves = NULL;
			view_city_res(r, slug, kcity);
			kcity = NULL;
			goto out;
		}
	}
	if (db_batch(r->app->db, first + skip, nfirst - skip) == 0 && *spec && !from_blocks &&
	    (!db_ok(first[3].res) || !db_ok(first[4].res)))
		/* a failed guess must not cost what came after it: those run one by one, as before */
		for (i = isim; i < nfirst; i++) {
			PQclear(first[i].res);
			first[i].res = db_query(r->app->db, first[i].q, first[i].nparams, first[i].params);
		}
	if (html && ktrend) {
		trend_read_ahead(r, slug, ktrend);
		ktrend = NULL;
	} else if (html) {
		trend_read_ahead(r, slug, first[itrend].res);
		first[itrend].res = NULL;
	}
	if (skip) {
		first[0].res = kcity;
		first[1].res = kwaves;
		kcity = kwaves = NULL;
	}
	waves = first[1].res;
	first[1].res = NULL;
	if (sql) {
		similar_wave = first[isim].res;
		first[isim].res = NULL;
	}
	if ((city = view_city_res(r, slug, first[0].res)) == NULL) {
		first[0].res = NULL;
		goto out;
	}
	first[0].res = NULL;
	snprintf(city_id, sizeof(city_id), "%s", PQgetvalue(city, 0, Q_CITY_ID));
	p[0] = city_id;
	if (!db_ok(waves)) {
		view_db_error(r, waves);
		goto out;
	}
	wave_list = json_array();
	for (i = 0; i < PQntuples(waves); i++) {
		json_array_append_new(wave_list, json_string(PQgetvalue(waves, i, Q_CITY_WAVES_SURVEY_ID)));
		if (want && strcmp(want, PQgetvalue(waves, i, Q_CITY_WAVES_SURVEY_ID)) == 0)
			wave = PQgetvalue(waves, i, Q_CITY_WAVES_SURVEY_ID);
	}
	if (view_wave_is_latest(want)) {
		/* survey=latest: the city at its latest wave, its cohort each city at its own latest */
		latest = 1;
		want = NULL;
	}
	if (want && wave == NULL) {
		json_decref(wave_list);
		reply_errorf(r, 404, "%s has no answers for the %s wave", PQgetvalue(city, 0, Q_CITY_NAME), want);
		goto out;
	}
	if (wave == NULL && PQntuples(waves) > 0)
		wave = PQgetvalue(waves, PQntuples(waves) - 1, Q_CITY_WAVES_SURVEY_ID);

	model = json_pack("{s:o, s:o}", "city", view_city_json(city, 0, Q_CITY_SLUG), "waves", wave_list);
	/* The language the city writes its free text in (migration 011): its text answers are marked with it. */
	json_object_set_new(json_object_get(model, "city"), "lang", json_string(PQgetvalue(city, 0, Q_CITY_LANG)));
	json_object_set_new(model, "survey", wave ? json_string(latest ? "latest" : wave) : json_null());
	if (latest && wave)
		json_object_set_new(model, "city_survey", json_string(wave));
	json_object_set_new(model, "peers", json_string(c.canonical.data ? c.canonical.data : ""));
	answers = json_object();
	json_object_set_new(model, "answers", answers);
	history = json_object();
	json_object_set_new(model, "history", history);
	if (wave) {
		json_t *got = json_object();
		PGresult *res = first[2].res;
		first[2].res = NULL;
		if (all_answers(res, got) == -1) {
			json_decref(got);
			view_db_error(r, NULL);
			goto out;
		}
		for (i = 0; i < PQntuples(waves); i++) {
			const char *w = PQgetvalue(waves, i, Q_CITY_WAVES_SURVEY_ID);
			json_t *set = json_object_get(got, w);
			if (set == NULL) {	/* a wave without questions has no rows */
				set = json_object();
				json_object_set_new(got, w, set);
			}
			json_object_set(history, w, set);	/* in the waves' order */
			if (strcmp(w, wave) == 0) {
				json_object_update(answers, set);
				/* population: the wave's answer, else the registered one */
				if (!PQgetisnull(waves, i, Q_CITY_WAVES_POPULATION))
					json_object_set_new(json_object_get(model, "city"), "population",
					    json_integer(strtoll(PQgetvalue(waves, i, Q_CITY_WAVES_POPULATION), NULL, 10)));
			} else if (strcmp(w, wave) < 0) {
				prev = w;
			}
		}
		json_decref(got);
		if (prev)
			json_object_set_new(model, "changed_since", json_pack("{s:s, s:o}", "survey", prev,
			    "questions", changed_between(json_object_get(history, prev), answers)));
		if (!view_cohort_is_stored(&c) || latest) {
			/* no stored statistics: the cohort found once, its three parts in one statement */
			if (profile_peers(r->app->db, latest ? "latest" : wave, &c, city_id,
			    app_data_version(r->app), &cohort, &metrics,
			    &size) == -1) {
				cohort = metrics = NULL;
				size = -1;
			}
			peer_versions = !latest;
		} else {
			/* the stored statistics (view_cohort_query's stored_ok): the metrics and their
			 * plugins' versions in one round trip */
			const char *mp[4] = { wave, c.stored[0], c.stored[1], city_id }, *vp[2] = { wave, city_id };
			struct db_batch_item second[2] = { { Q_STATS_CITY_METRICS, 4, mp, NULL },
				{ Q_CITY_METRIC_VERSIONS, 2, vp, NULL } };
			int at = 3;
			cohort = cohort_counts(r->app, wave, &c);
			if (from_blocks && strcmp(spec, wave) == 0) {
				metrics = guessed;
				guessed = NULL;
			} else if (*spec && !from_blocks && strcmp(spec, wave) == 0) {
				second[0].res = first[at].res;
				second[1].res = first[at + 1].res;
				first[at].res = first[at + 1].res = NULL;
			} else if ((from_blocks = profile_blocks_metrics(r, wave, c.stored[0], c.stored[1], slug,
			    &metrics)) != 1) {
				db_batch(r->app->db, second, 2);
			}
			if (from_blocks != 1) {
				from_blocks = 0;
				metrics = city_metrics(second[0].res);
				versions = second[1].res;
			}
			size = cohort_size(r->app, wave, &c);
		}
		names_metrics_json(r->app, metrics);
		questions = survey_questions_lang(r, wave);
		others = other_questionnaires(r, wave);
		if (cohort == NULL || metrics == NULL || questions == NULL || others == NULL || size < 0) {
			json_decref(cohort);
			json_decref(metrics);
			json_decref(questions);
			json_decref(others);
			view_db_error(r, NULL);
			goto out;
		}
		json_object_set_new(model, "cohort", cohort);
		json_object_set_new(model, "cohort_size", json_integer(size));
		json_object_set_new(model, "metrics", metrics);
		json_object_set_new(model, "questions", questions);
		if (latest && latest_pools_set(r->app->db, &c, model) == -1) {
			view_db_error(r, NULL);
			goto out;
		}
		json_object_set_new(model, "other_questions", others);
		if ((others = kept_latest_counts(r->app)) == NULL) {
			view_db_error(r, NULL);
			goto out;
		}
		json_object_set_new(model, "latest", others);
		if ((from_blocks || peer_versions) && profile_blocks_versions(r, wave, metrics) == 1)
			;
		else if ((versions ? metric_links_versions_res(versions, metrics) :
		    metric_links_versions(r->app->db, wave, city_id, metrics)) == -1) {
			versions = NULL;
			view_db_error(r, NULL);
			goto out;
		}
		others = json_array();
		json_object_set_new(model, "similar", others);
		versions = NULL;
		{
			PGresult *w = similar_wave ? similar_wave : similar_wave_from(waves);
			similar_wave = NULL;
			if (view_similar_cities_res(r, slug, 5, others, w) == -1)
				goto out;
		}
	} else {
		json_object_set_new(model, "cohort", json_object());
		json_object_set_new(model, "cohort_size", json_integer(0));
		json_object_set_new(model, "metrics", json_array());
		json_object_set_new(model, "questions", json_array());
		json_object_set_new(model, "other_questions", json_object());
	}

	if (r->fmt == FMT_JSON) {
		profile_json_reply(r, wave, json_incref(model));
	} else if (r->fmt == FMT_CSV) {
		city_csv(r, model);
	} else {
		profile_html(r, model);
	}
	status = 0;
out:
	if (have_cohort)
		view_cohort_free(&c);
	json_decref(model);
	PQclear(city);
	PQclear(waves);
	PQclear(similar_wave);
	PQclear(versions);
	PQclear(kcity);
	PQclear(kwaves);
	PQclear(ktrend);
	db_batch_clear(first, 7);
	json_decref(guessed);
	trend_read_ahead(NULL, NULL, NULL);	/* unused when the page was not written */
	return status;
}
