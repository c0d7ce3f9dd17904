/* app.h: what a worker holds across requests: its database connection, the shared memory the
 * supervisor set up, and its settings.  Nothing else survives a request but caches. */
#ifndef CB_APP_H
#define CB_APP_H

#include <pthread.h>
#include <stdatomic.h>
#include "db.h"

#define RATE_SLOTS 1024
#define SHARED_MAX_WORKERS 64

/* Set up by the supervisor before it forks, seen by every worker. */
struct shared {
	_Atomic long long data_version;		/* bumped after every committed write */
	_Atomic int previews_running;		/* plugin previews in progress */
	/* Of those, what each worker slot holds: a worker killed mid-preview never gives its slot back,
	 * so the supervisor does, from here, when it replaces the worker. */
	_Atomic int worker_previews[SHARED_MAX_WORKERS];
	_Atomic unsigned long long requests, errors, cache_hits, cache_misses;
	_Atomic unsigned long long latency_us_sum;
	_Atomic unsigned long long latency_buckets[8];	/* <=1,2,5,10,25,100,1000 ms, more */
	pthread_mutex_t rate_lock;		/* over rate[]: shmlock_init() by the supervisor */
	struct rate_slot {			/* token bucket per token id */
		int token_id;
		double tokens;
		double at;
	} rate[RATE_SLOTS];
};

struct app {
	struct db *db;			/* reads: a replica (CITYBENCH_DB_READ) when one answers, else the primary */
	struct db *db_write;		/* the primary (CITYBENCH_DB): writes, LISTEN; NULL = db is the primary */
	struct replicas *replicas;	/* CITYBENCH_DB_READ; NULL without replicas */
	double read_max_lag;		/* seconds a replica may stay behind before reads leave it; 0 = no limit */
	double write_retry_at;		/* when to try reconnecting the primary's LISTEN connection */
	long long read_version;		/* the replica's data version when last asked */
	double read_version_at;		/* when (monotonic seconds); 0 = ask before using it */
	const struct db *read_version_db;	/* the database it was asked on */
	unsigned long read_version_connects;	/* and db_connects() there: a new connection asks again */
	unsigned long read_version_gen;	/* replicas_attempts() then: a new connection asks again */
	long long lag_target;		/* a version the primary has and the replica had not, when first seen */
	double lag_since;		/* when it was first seen missing; 0 = the replica is not behind */
	struct shared *shm;
	int worker_index;		/* this worker's slot in shm->worker_previews */
	const char *root;		/* the tree: web/templates, plugins/ */
	int workers;
	int cache_enabled;
	size_t cache_bytes;
	struct cache *cache;
};

/* Counts a finished request in the shared counters. */
void app_account(struct app *a, int status, double seconds);

/* The data version this request's reads see, which caches and ETags are keyed on.  Reads on the
 * primary: the highest of what this worker was told by NOTIFY (on the primary) and what any worker
 * published in shared memory, without a round trip.  Reads on a replica: the replica's own version,
 * asked again while it is behind the primary, after a new connection, and at least once a second, so
 * that a page made from a lagging replica is never cached or tagged under a version it does not show;
 * if the replica does not answer, reads move to the primary for this request. */
long long app_data_version(struct app *a);

/* The primary, where writes go: db_write, or db when the worker has a single connection. */
struct db *app_writer(struct app *a);

/* Before each request (now: monotonic seconds): chooses where its reads go (a->db): the replica when
 * one answers and has not been behind the primary for more than read_max_lag seconds, else the
 * primary; keeps the primary's LISTEN connection up.  No round trip when nothing changed. */
void app_begin_request(struct app *a, double now);

/* A GET answered 503 while its reads were on a replica: drops the replica if its connection is gone
 * and points reads at the primary.  Returns 1 when the request should be run again (on the primary),
 * 0 when its reads were on the primary already. */
int app_read_failed(struct app *a, double now);

/* ?min_version=v: makes this request's reads see data version v or later: they move to the primary
 * when the replica has not reached v; on the primary, a version this worker has not heard of yet
 * (the NOTIFY from another host may be on its way) is asked for, so that the ETag is not older than
 * the page.  Lasts for this request: app_begin_request chooses again. */
void app_read_at_least(struct app *a, long long v);

/* Publishes a new data version to every worker (after a commit, before the reply). */
void app_publish_version(struct app *a, long long v);

#endif
