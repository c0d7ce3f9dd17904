/* app.c: a worker's lasting state: settings, where its reads and writes go (primary, replica), the
 * shared data version, counters. */
#include <stdlib.h>

#include "app.h"
#include "clock.h"
#include "replicas.h"

struct db *
app_writer(struct app *a)
{
	return a->db_write ? a->db_write : a->db;
}

/* What the primary has: NOTIFY on this worker's LISTEN connection, or shared memory. */
static long long
known_version(struct app *a)
{
	struct db *w = app_writer(a);
	long long mine = w ? db_poll(w) : 0, shared = 0;

	if (a->shm) {
		shared = atomic_load(&a->shm->data_version);
		/* Tell the other workers what NOTIFY told this one. */
		while (mine > shared &&
		    !atomic_compare_exchange_weak(&a->shm->data_version, &shared, mine))
			;
	}
	return mine > shared ? mine : shared;
}

static int
reading_replica(const struct app *a)
{
	return a->db_write && a->db && a->db != a->db_write;
}

/* The version of the replica rep: asked again when the primary is ahead of what it said, after a new
 * connection, and once a second.  Returns it, or -1 when the replica did not answer. */
static long long
replica_version(struct app *a, struct db *rep, long long known, double now)
{
	PGresult *res;
	long long v;

	if (rep == a->read_version_db && db_connects(rep) == a->read_version_connects &&
	    replicas_attempts(a->replicas) == a->read_version_gen &&
	    a->read_version_at > 0 && a->read_version >= known && now - a->read_version_at < 1.0)
		return a->read_version;
	res = db_query(rep, Q_DATA_VERSION, 0, NULL);
	if (!db_ok(res) || PQntuples(res) != 1) {
		PQclear(res);
		a->read_version_at = 0;
		return -1;
	}
	v = strtoll(PQgetvalue(res, 0, Q_DATA_VERSION_VERSION), NULL, 10);
	PQclear(res);
	a->read_version = v;
	a->read_version_at = now;
	a->read_version_db = rep;
	a->read_version_connects = db_connects(rep);
	a->read_version_gen = replicas_attempts(a->replicas);
	/* The lag: how long a version the primary has been known to have is missing on the replica.
	 * Not "behind at all": under steady writes a healthy replica is always a little behind. */
	if (v >= known || (a->lag_since > 0 && v >= a->lag_target))
		a->lag_since = 0;
	if (v < known && a->lag_since == 0) {
		a->lag_target = known;
		a->lag_since = now;
	}
	return v;
}

long long
app_data_version(struct app *a)
{
	long long known = known_version(a), v;

	if (!reading_replica(a))
		return known;
	v = replica_version(a, a->db, known, clock_mono());
	if (v < 0) {
		/* The replica is gone: this request reads from the primary. */
		replicas_drop(a->replicas, clock_mono());
		a->db = a->db_write;
		return known;
	}
	return v;
}

void
app_begin_request(struct app *a, double now)
{
	struct db *rep;

	if (a->db_write == NULL)
		return;
	/* With replicas the primary's connection may see no statement for a long time: keep it up, since
	 * its LISTEN is how this worker learns of every new version. */
	if (!db_connected(a->db_write) && now >= a->write_retry_at) {
		if (db_ensure(a->db_write) == -1)
			a->write_retry_at = now + 1.0;
	}
	a->db = a->db_write;
	if (a->replicas == NULL || (rep = replicas_pick(a->replicas, now)) == NULL)
		return;
	if (a->read_max_lag > 0 && a->lag_since > 0 && now - a->lag_since > a->read_max_lag) {
		/* Too far behind: read from the primary until the replica has caught up. */
		if (replica_version(a, rep, known_version(a), now) < 0) {
			replicas_drop(a->replicas, now);
			return;
		}
		if (a->lag_since > 0 && now - a->lag_since > a->read_max_lag)
			return;
	}
	a->db = rep;
}

int
app_read_failed(struct app *a, double now)
{
	if (!reading_replica(a))
		return 0;
	if (!db_connected(a->db))
		replicas_drop(a->replicas, now);
	a->db = a->db_write;
	return 1;
}

void
app_read_at_least(struct app *a, long long v)
{
	struct db *w = app_writer(a);
	PGresult *res;

	if (reading_replica(a) && app_data_version(a) >= v && reading_replica(a))
		return;
	a->db = w;
	if (w == NULL || known_version(a) >= v)
		return;
	res = db_query(w, Q_DATA_VERSION, 0, NULL);
	if (db_ok(res) && PQntuples(res) == 1)
		app_publish_version(a, strtoll(PQgetvalue(res, 0, Q_DATA_VERSION_VERSION), NULL, 10));
	PQclear(res);
}

void
app_publish_version(struct app *a, long long v)
{
	struct db *w = app_writer(a);
	long long cur;

	if (w && v > w->seen_version)
		w->seen_version = v;
	if (a->shm == NULL)
		return;
	cur = atomic_load(&a->shm->data_version);
	while (v > cur && !atomic_compare_exchange_weak(&a->shm->data_version, &cur, v))
		;
}

void
app_account(struct app *a, int status, double seconds)
{
	static const double bounds[] = { 0.001, 0.002, 0.005, 0.010, 0.025, 0.100, 1.0 };
	size_t i;

	if (a->shm == NULL)
		return;
	atomic_fetch_add(&a->shm->requests, 1);
	if (status >= 500)
		atomic_fetch_add(&a->shm->errors, 1);
	atomic_fetch_add(&a->shm->latency_us_sum, (unsigned long long)(seconds * 1e6));
	for (i = 0; i < sizeof(bounds) / sizeof(bounds[0]) && seconds > bounds[i]; i++)
		;
	atomic_fetch_add(&a->shm->latency_buckets[i], 1);
}
