/* batch.c: what the partners' uploads cost to write when they are written together, for `make bench`'s
 * upload row (issue 18: its p50 target, 30 ms for 20 partners at once, is missed; this is the measured
 * floor of the alternative, a writer that applies every pending upload in one transaction).
 *
 * The same kind of uploads the bench's partners send (one integer answer each, a value unlike the city's
 * current one, so that each makes a version), stored through the domain's own store functions as the
 * operator, three ways:
 *   single  each upload in its own transaction, one after another (today's write, serialised);
 *   sets    all of them in one transaction (store_sets: each upload's statements, one metric run, one
 *           bump of the data version and one pass over the rank steps);
 *   bulk    all of them in one transaction through the import's set-based statements (store_bulk, with
 *           the statistics kept incrementally, as an upload keeps them, not rebuilt).
 * Each way is timed ROUNDS times (a fresh value each time); the median is printed, with the count of
 * versions made, which must be the count of uploads (else the figure is void and the exit status 1).
 * What it leaves out of an upload: the HTTP request, the token check, the write grant and the audit row
 * (the dry runs of the bench's upload row measure the first two); and it connects as the schema's owner,
 * whose set-based path skips the answers' per-row foreign-key checks (proven for the whole batch
 * instead, store.c), which the workers' role could not: its set-based figure is a lower bound.
 *
 *   batch CONNINFO WAVE QUESTION MIN MAX ROUNDS SLUG...
 * prints "uploads=N single_ms=.. sets_ms=.. bulk_ms=.. made=N of=N" */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "db.h"
#include "ingest.h"
#include "store.h"

#define MAX_SETS 64
#define MAX_ROUNDS 9

enum way { SINGLE, SETS, BULK, NWAYS };

static double
now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

/* Each city's current answer to the question in the wave (lo - 1 when it has none) into cur[0..n-1]. */
static int
current_values(struct db *db, const char *wave, const char *q, char **slugs, int n, int lo, int *cur)
{
	int i;

	for (i = 0; i < n; i++) {
		const char *p[3] = { slugs[i], wave, q };
		PGresult *res = PQexecParams(db->conn, "select a.value #>> '{}' from cities c "
		    "join current_submissions cs on cs.city_id = c.id and cs.survey_id = $2 "
		    "join answers a on a.submission_id = cs.submission_id and a.code = $3 where c.slug = $1",
		    3, NULL, p, NULL, NULL, 0);

		if (PQresultStatus(res) != PGRES_TUPLES_OK) {
			fprintf(stderr, "batch: %s", PQresultErrorMessage(res));
			PQclear(res);
			return -1;
		}
		cur[i] = PQntuples(res) == 1 && !PQgetisnull(res, 0, 0) ? atoi(PQgetvalue(res, 0, 0)) : lo - 1;
		PQclear(res);
	}
	return 0;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Stores sets [from, to) of in (validated) in one transaction, the given way; the count of versions
 * made, or -1. */
static int
store(struct db *db, const struct catalog *cat, struct ingest *in, size_t from, size_t to, enum way w)
{
	struct stored out[MAX_SETS];
	long long version;
	char *err = NULL;
	size_t i, n = to - from;
	int rc, made = 0;

	if (db_begin(db) == -1)
		return -1;
	memset(out, 0, sizeof(out));
	rc = w == BULK ? store_bulk(db, cat, in->sets + from, n, "operator", "import", out, &version, NULL,
	    stderr, &err) : store_sets(db, cat, in->sets + from, n, "operator", 0, "upload", 0, out, &version,
	    NULL, stderr, &err);
	if (rc != 0 || db_commit(db) == -1) {
		fprintf(stderr, "batch: %s\n", err ? err : "could not store");
		free(err);
		db_rollback(db);
		store_stored_free(out, n);
		return -1;
	}
	for (i = 0; i < n; i++)
		made += out[i].made != 0;
	store_stored_free(out, n);
	return made;
}

int
main(int argc, char **argv)
{
	static const char *const names[NWAYS] = { "single", "sets", "bulk" };
	double ms[NWAYS][MAX_ROUNDS];
	struct catalog *cat;
	struct db *db;
	char *err = NULL;
	unsigned seed = (unsigned)getpid() * 2654435761u;
	int lo, hi, rounds, nsets, r, w, i, made = 0, of = 0, cur[MAX_SETS], next[MAX_SETS];

	if (argc < 8) {
		fprintf(stderr, "usage: batch CONNINFO WAVE QUESTION MIN MAX ROUNDS SLUG...\n");
		return 2;
	}
	lo = atoi(argv[4]);
	hi = atoi(argv[5]);
	rounds = atoi(argv[6]);
	nsets = argc - 7;
	if (hi - lo < 10 || rounds < 1 || rounds > MAX_ROUNDS || nsets > MAX_SETS) {
		fprintf(stderr, "batch: MIN-MAX needs 10 values or more, ROUNDS 1-%d, at most %d cities\n",
		    MAX_ROUNDS, MAX_SETS);
		return 2;
	}
	db = db_new(argv[1]);
	if (db == NULL || db_ensure(db) == -1 || (cat = catalog_load(db, &err)) == NULL) {
		fprintf(stderr, "batch: %s\n", err ? err : "cannot connect");
		return 1;
	}
	if (current_values(db, argv[2], argv[3], argv + 7, nsets, lo, cur) == -1)
		return 1;
	for (r = 0; r < rounds; r++) {
		for (w = 0; w < NWAYS; w++) {
			struct buf b = BUF_INIT;
			struct ingest in;
			double t0;
			int k;

			/* a value for each city, unlike the one it has (a draw from the question's range) */
			buf_puts(&b, "city,survey,question,value\n");
			for (i = 0; i < nsets; i++) {
				next[i] = lo + (int)(rand_r(&seed) % (unsigned)(hi - lo));
				if (next[i] == cur[i])
					next[i] = next[i] + 1 < hi ? next[i] + 1 : lo;
				buf_printf(&b, "%s,%s,%s,%d\n", argv[7 + i], argv[2], argv[3], next[i]);
			}
			ingest_init(&in, INGEST_CSV);
			if (ingest_parse(&in, b.data, b.len) == -1 || ingest_validate(&in, cat) == -1) {
				fprintf(stderr, "batch: %s\n", in.message);
				return 1;
			}
			t0 = now_ms();
			if (w == SINGLE) {
				for (i = 0, k = 0; i < (int)in.nsets && k >= 0; i++)
					made += k = store(db, cat, &in, i, i + 1, w);
			} else {
				made += k = store(db, cat, &in, 0, in.nsets, w);
			}
			ms[w][r] = now_ms() - t0;
			of += (int)in.nsets;
			memcpy(cur, next, sizeof(cur));
			ingest_free(&in);
			buf_free(&b);
			if (k < 0)
				return 1;
		}
	}
	printf("uploads=%d", nsets);
	for (w = 0; w < NWAYS; w++) {
		qsort(ms[w], (size_t)rounds, sizeof(double), cmp_double);
		printf(" %s_ms=%.1f", names[w], ms[w][rounds / 2]);
	}
	printf(" made=%d of=%d\n", made, of);
	catalog_free(cat);
	db_free(db);
	return made == of ? 0 : 1;
}
