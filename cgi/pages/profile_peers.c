/* profile_peers.c: a profile's cohort parts against a peer group without stored statistics, in one
 * statement (issue 18): see queries_peers.def. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "popband.h"
#include "profile_peers.h"
#include "simshare.h"
#include "wavefacts.h"
#include "wavemetrics.h"

void
profile_count_add(json_t *counts, const char *code, const char *option, json_int_t n)
{
	json_t *q = json_object_get(counts, code);

	if (q == NULL) {
		q = json_object();
		json_object_set_new_nocheck(q, "answered", json_integer(0));
		json_object_set_new_nocheck(q, "counts", json_object());
		json_object_set_new(counts, code, q);
	}
	if (option == NULL)
		json_object_set_new_nocheck(q, "answered", json_integer(n));
	else
		json_object_set_new(json_object_get(q, "counts"), option, json_integer(n));
}

/* Issue 18, tenth session: the cohort's counts ({code: {answered, counts: {option: n}}}, as
 * profile_count_add builds them from the facts' slots in order, byte for byte) from the flat tally of
 * the facts (wavefacts_tally): a code's slots are mostly adjacent, so its object is looked up once for
 * them, and no format is parsed.  cnt (NULL: no memory) is freed here.  NULL when memory ran out. */
static json_t *
counts_from_tally(const struct wavefacts *w, uint32_t *cnt)
{
	json_t *counts, *q = NULL, *qc = NULL;
	const char *last = NULL;
	size_t k, nf, lastlen = 0;

	if (cnt == NULL)
		return NULL;
	if ((counts = json_object()) == NULL) {
		free(cnt);
		return NULL;
	}
	nf = wavefacts_nfacts(w);
	for (k = 0; k < nf; k++) {
		const char *x, *eq;
		size_t len;

		if (cnt[k] == 0)
			continue;
		x = wavefacts_fact(w, k);
		eq = strchr(x, '=');
		len = eq ? (size_t)(eq - x) : strlen(x);
		if (q == NULL || len != lastlen || memcmp(x, last, len) != 0) {
			last = x;
			lastlen = len;
			if ((q = json_object_getn(counts, x, len)) != NULL) {
				qc = json_object_get(q, "counts");
			} else {
				/* made with its answered count when this slot is that count */
				q = json_object();
				qc = json_object();
				if (q == NULL || qc == NULL || json_object_set_new_nocheck(q, "answered",
				    json_integer(eq ? 0 : (json_int_t)cnt[k])) == -1 ||
				    json_object_set_nocheck(q, "counts", qc) == -1 ||
				    json_object_setn_new(counts, x, len, json_incref(q)) == -1) {
					json_decref(q);
					json_decref(qc);
					json_decref(counts);
					free(cnt);
					return NULL;
				}
				json_decref(q);
				json_decref(qc);	/* both held by counts now */
				if (eq == NULL)
					continue;
			}
		}
		if (eq == NULL)
			json_object_set_new_nocheck(q, "answered", json_integer((json_int_t)cnt[k]));
		else
			json_object_set_new(qc, eq + 1, json_integer((json_int_t)cnt[k]));
	}
	free(cnt);
	return counts;
}

/* The cohort's counts from its cities (ids, n of them): NULL when a city is not in the facts or memory
 * ran out. */
static json_t *
cohort_from_facts(const struct wavefacts *w, const int *ids, size_t n)
{
	return counts_from_tally(w, wavefacts_tally(w, ids, n));
}

/* Whether population bands are answered from the blocks in population order (popband.h);
 * CITYBENCH_POPBAND=0 finds their members and sums them as before the eleventh session (the tests
 * compare both). */
static int
popband_on(void)
{
	static int on = -1;

	if (on == -1) {
		const char *v = getenv("CITYBENCH_POPBAND");
		on = v == NULL || strcmp(v, "0") != 0;
	}
	return on;
}

/* The columns of a metric row in each of the peer statements. */
struct metric_cols {
	int id, title, description, unit, higher_is_better, value, rank, of, not_better;
};

/* A metric of the city against the cohort from row i, as city_metrics() in city.c writes it. */
static json_t *
metric_row(const PGresult *res, int i, const struct metric_cols *k)
{
	long long of = strtoll(PQgetvalue(res, i, k->of), NULL, 10);
	int has = !PQgetisnull(res, i, k->value);

	return json_pack("{s:s, s:s, s:s, s:s, s:b, s:o, s:o, s:I, s:o}",
	    "id", PQgetvalue(res, i, k->id),
	    "title", PQgetvalue(res, i, k->title),
	    "description", PQgetvalue(res, i, k->description),
	    "unit", PQgetvalue(res, i, k->unit),
	    "higher_is_better", PQgetvalue(res, i, k->higher_is_better)[0] == 't',
	    "value", has ? json_real(strtod(PQgetvalue(res, i, k->value), NULL)) : json_null(),
	    "rank", has ? json_integer(strtoll(PQgetvalue(res, i, k->rank), NULL, 10)) : json_null(),
	    "of", (json_int_t)of,
	    "percentile", has && of > 0 ?
		json_real(100.0 * strtod(PQgetvalue(res, i, k->not_better), NULL) / (double)of) : json_null());
}

#define METRIC_COLS(Q) { Q##_ID, Q##_TITLE, Q##_DESCRIPTION, Q##_UNIT, Q##_HIGHER_IS_BETTER, Q##_VALUE, \
	Q##_RANK, Q##_OF, Q##_NOT_BETTER }

static const struct metric_cols q_peers_profile_ids_cols = METRIC_COLS(Q_PEERS_PROFILE_IDS);
static const struct metric_cols q_peers_metrics_ids_cols = METRIC_COLS(Q_PEERS_METRICS_IDS);
static const struct metric_cols q_peers_profile_cols = METRIC_COLS(Q_PEERS_PROFILE);

/* As profile_peers with the counts summed in the worker from the wave's facts (wavefacts.h) of the
 * version the statement saw: 0; 1 when they cannot be had at that version (nothing set: the caller
 * asks Q_PEERS_PROFILE); -1 when the database failed. */
static int
peers_in_worker(struct db *db, const char *wave, const struct cohort *c, const char *city_id,
    json_t **cohort, json_t **metrics, long long *size)
{
	const char *p[7];
	PGresult *res;
	const struct wavefacts *w;
	json_t *counts = NULL, *list = NULL;
	long long n = -1, version = -1;
	int *ids = NULL, i, nids = 0, rc = 1;

	view_cohort_params(c, wave, p);
	p[6] = city_id;
	res = db_query(db, Q_PEERS_PROFILE_IDS, 7, p);
	if (!db_ok(res)) {
		PQclear(res);
		return -1;
	}
	if ((ids = malloc(((size_t)PQntuples(res) + 1) * sizeof(*ids))) == NULL)
		goto out;
	list = json_array();
	for (i = 0; i < PQntuples(res); i++) {
		const char *part = PQgetvalue(res, i, Q_PEERS_PROFILE_IDS_PART);

		if (part[0] == '0') {
			n = strtoll(PQgetvalue(res, i, Q_PEERS_PROFILE_IDS_N), NULL, 10);
			version = strtoll(PQgetvalue(res, i, Q_PEERS_PROFILE_IDS_VERSION), NULL, 10);
		} else if (part[0] == '1') {
			ids[nids++] = (int)strtol(PQgetvalue(res, i, Q_PEERS_PROFILE_IDS_CID), NULL, 10);
		} else {
			json_array_append_new(list, metric_row(res, i, &q_peers_profile_ids_cols));
		}
	}
	if (n < 0 || n != nids || (w = wavefacts_get(db, wave, version)) == NULL)
		goto out;
	if ((counts = cohort_from_facts(w, ids, (size_t)nids)) == NULL)
		goto out;
	*cohort = counts;
	*metrics = list;
	*size = n;
	counts = list = NULL;
	rc = 0;
out:
	json_decref(counts);
	json_decref(list);
	free(ids);
	PQclear(res);
	return rc;
}

/* As peers_in_worker with the cohort found in the worker too (wavefacts_cohort), in the facts this
 * worker last used for the wave; PostgreSQL gives the metrics of those cities (Q_PEERS_METRICS_IDS)
 * and the version it saw, which must be the facts' own: 0; 1 when the facts cannot decide the cohort,
 * are of another version, or an answer filter's question is not one the facts hold (nothing set: the
 * caller goes on); -1 when the database failed. */
static int
peers_found_in_worker(struct db *db, const char *wave, const struct cohort *c, const char *city_id,
    json_t **cohort, json_t **metrics, long long *size)
{
	const char *p[4];
	char vbuf[24];
	PGresult *res = NULL;
	const struct wavefacts *w = wavefacts_peek(wave);
	json_t *counts = NULL, *list = NULL, *codes = json_array();
	struct buf idt = BUF_INIT, ct = BUF_INIT;
	long long n = -1, version = -1;
	int *ids = NULL, i, ok = 0, rc = 1;
	size_t nids = 0, k;

	if (w == NULL || codes == NULL || wavefacts_cohort(w, c->params, &ids, &nids, codes) != 0)
		goto out;
	buf_putc(&idt, '{');
	for (k = 0; k < nids; k++) {
		snprintf(vbuf, sizeof(vbuf), k ? ",%d" : "%d", ids[k]);
		buf_puts(&idt, vbuf);
	}
	buf_putc(&idt, '}');
	buf_putc(&ct, '{');
	for (k = 0; k < json_array_size(codes); k++) {
		buf_puts(&ct, k ? "," : "");
		buf_puts(&ct, json_string_value(json_array_get(codes, k)));	/* [a-z0-9_]: no quoting */
	}
	buf_putc(&ct, '}');
	if (idt.data == NULL || ct.data == NULL)
		goto out;
	p[0] = wave;
	p[1] = idt.data;
	p[2] = city_id;
	p[3] = ct.data;
	res = db_query(db, Q_PEERS_METRICS_IDS, 4, p);
	if (!db_ok(res)) {
		rc = -1;
		goto out;
	}
	list = json_array();
	for (i = 0; i < PQntuples(res); i++) {
		if (PQgetvalue(res, i, Q_PEERS_METRICS_IDS_PART)[0] == '0') {
			n = strtoll(PQgetvalue(res, i, Q_PEERS_METRICS_IDS_N), NULL, 10);
			version = strtoll(PQgetvalue(res, i, Q_PEERS_METRICS_IDS_VERSION), NULL, 10);
			ok = PQgetvalue(res, i, Q_PEERS_METRICS_IDS_FACTS_OK)[0] == 't';
		} else {
			json_array_append_new(list, metric_row(res, i, &q_peers_metrics_ids_cols));
		}
	}
	if (!ok || n != (long long)nids || version != wavefacts_version(w))
		goto out;
	if ((counts = cohort_from_facts(w, ids, nids)) == NULL)
		goto out;
	*cohort = counts;
	*metrics = list;
	*size = n;
	counts = list = NULL;
	rc = 0;
out:
	json_decref(counts);
	json_decref(list);
	json_decref(codes);
	buf_free(&idt);
	buf_free(&ct);
	free(ids);
	PQclear(res);
	return rc;
}

/* Issue 18, eighth session: as peers_found_in_worker with the metrics ranked in the worker too, from the
 * wave's metric values (wavemetrics.h) of version, the data version this request reads (known without
 * a round trip), beside the wave's facts of that version: no statement at all.  0; 1 when either
 * cannot be had at that version, the facts cannot decide the cohort, an answer filter's question is
 * not one the facts hold, or the city has no fact row of the wave (nothing set: the caller goes on). */
static int
peers_in_blocks(struct db *db, const char *wave, const struct cohort *c, const char *city_id,
    long long version, json_t **cohort, json_t **metrics, long long *size)
{
	const struct wavefacts *w;
	const struct wavemetrics *m;
	const struct popband *pb;
	json_t *counts = NULL, *list = NULL, *codes = json_array();
	long long min, max;
	int *ids = NULL, rc = 1;
	size_t nids = 0, k;
	char *e;
	long city = strtol(city_id, &e, 10);

	if (version <= 0 || *e != '\0' || codes == NULL || (w = wavefacts_get(db, wave, version)) == NULL ||
	    (m = wavemetrics_get(db, wave, version)) == NULL)
		goto out;
	if (wavefacts_band(c->params, &min, &max) && popband_on() && (pb = popband_get(wave, w, m)) != NULL) {
		/* a population band: its members are never listed (issue 18, eleventh session) */
		if ((list = popband_ranks(pb, m, min, max, (int)city)) == NULL ||
		    (counts = counts_from_tally(w, popband_tally(pb, w, min, max))) == NULL)
			goto out;
		nids = popband_size(pb, min, max);
		if (simshare_tracing())
			fprintf(stderr, "popband: %s %lld-%lld: %zu cities from the blocks\n", wave, min, max, nids);
		goto done;
	}
	if (wavefacts_cohort(w, c->params, &ids, &nids, codes) != 0)
		goto out;
	for (k = 0; k < json_array_size(codes); k++)
		if (!wavemetrics_choice_code(m, json_string_value(json_array_get(codes, k))))
			goto out;
	if ((list = wavemetrics_ranks(m, ids, nids, (int)city)) == NULL)
		goto out;
	if ((counts = cohort_from_facts(w, ids, nids)) == NULL)
		goto out;
done:
	*cohort = counts;
	*metrics = list;
	*size = (long long)nids;
	counts = list = NULL;
	rc = 0;
out:
	json_decref(counts);
	json_decref(list);
	json_decref(codes);
	free(ids);
	return rc;
}

int
profile_peers(struct db *db, const char *wave, const struct cohort *c, const char *city_id,
    long long version, json_t **cohort, json_t **metrics, long long *size)
{
	const char *p[7];
	PGresult *res;
	json_t *counts, *list;
	long long n = -1;
	int i;

	if (getenv("CITYBENCH_PEERS_SQL") == NULL && getenv("CITYBENCH_PEERS_COHORT_SQL") == NULL &&
	    getenv("CITYBENCH_PEERS_METRICS_SQL") == NULL &&
	    peers_in_blocks(db, wave, c, city_id, version, cohort, metrics, size) == 0)
		return 0;
	if (getenv("CITYBENCH_PEERS_SQL") == NULL && getenv("CITYBENCH_PEERS_COHORT_SQL") == NULL &&
	    (i = peers_found_in_worker(db, wave, c, city_id, cohort, metrics, size)) != 1)
		return i;
	if (getenv("CITYBENCH_PEERS_SQL") == NULL && (i = peers_in_worker(db, wave, c, city_id, cohort,
	    metrics, size)) != 1)
		return i;
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
			json_array_append_new(list, metric_row(res, i, &q_peers_profile_cols));
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
