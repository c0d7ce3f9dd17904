/* app.h: what a worker holds across requests: its database connection, the shared memory the
 * supervisor set up, and its settings.  Nothing else survives a request but caches. */
#ifndef CB_APP_H
#define CB_APP_H

#include <stdatomic.h>
#include "db.h"

#define RATE_SLOTS 1024

/* Set up by the supervisor before it forks, seen by every worker. */
struct shared {
	_Atomic long long data_version;		/* bumped after every committed write */
	_Atomic int previews_running;		/* plugin previews in progress */
	_Atomic unsigned long long requests, errors, cache_hits, cache_misses;
	_Atomic unsigned long long latency_us_sum;
	_Atomic unsigned long long latency_buckets[8];	/* <=1,2,5,10,25,100,1000 ms, more */
	_Atomic int rate_lock;
	struct rate_slot {			/* token bucket per token id */
		int token_id;
		double tokens;
		double at;
	} rate[RATE_SLOTS];
};

struct app {
	struct db *db;
	struct shared *shm;
	const char *root;		/* the tree: web/templates, plugins/ */
	char *layout;			/* web/templates/layout.html */
	int workers;
	int cache_enabled;
	size_t cache_bytes;
	struct cache *cache;
};

/* Loads the layout; returns 0 or -1 (message on stderr). */
int app_init(struct app *a);
void app_free(struct app *a);

/* Counts a finished request in the shared counters. */
void app_account(struct app *a, int status, double seconds);

/* The data version every read is keyed on: the highest of what this worker was told by NOTIFY and
 * what any worker published in shared memory.  No database round trip. */
long long app_data_version(struct app *a);

/* Publishes a new data version to every worker (after a commit, before the reply). */
void app_publish_version(struct app *a, long long v);

#endif
