/* ratelimit.c: per-token token buckets shared by the workers (a small open-addressed table). */
#include <math.h>
#include <time.h>
#include <unistd.h>

#include "ratelimit.h"

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The holder's pid in the lock: the supervisor frees it if that worker dies holding it. */
static void
lock(struct shared *shm)
{
	int expected = 0, me = (int)getpid();

	while (!atomic_compare_exchange_weak(&shm->rate_lock, &expected, me))
		expected = 0;
}

static void
unlock(struct shared *shm)
{
	atomic_store(&shm->rate_lock, 0);
}

int
rate_take(struct shared *shm, int key, double rate, double burst, int *retry_after)
{
	struct rate_slot *s = NULL, *oldest = NULL;
	double t = now_s();
	unsigned h = (unsigned)key * 2654435761u;
	int i, ok;

	*retry_after = 0;
	if (shm == NULL)
		return 1;
	lock(shm);
	for (i = 0; i < 16; i++) {
		struct rate_slot *c = &shm->rate[(h + (unsigned)i) % RATE_SLOTS];
		if (c->token_id == key) {
			s = c;
			break;
		}
		if (c->token_id == 0 || (oldest == NULL || c->at < oldest->at))
			oldest = c->token_id == 0 && oldest && oldest->token_id == 0 ? oldest : c;
	}
	if (s == NULL) {
		/* A new bucket, or the least recently used of the probe window (it has refilled by then). */
		s = oldest;
		s->token_id = key;
		s->tokens = burst;
		s->at = t;
	}
	s->tokens = fmin(burst, s->tokens + (t - s->at) * rate);
	s->at = t;
	ok = s->tokens >= 1.0;
	if (ok)
		s->tokens -= 1.0;
	else
		*retry_after = (int)ceil((1.0 - s->tokens) / rate);
	unlock(shm);
	return ok;
}

void
rate_give(struct shared *shm, int key, double burst)
{
	unsigned h = (unsigned)key * 2654435761u;
	int i;

	if (shm == NULL)
		return;
	lock(shm);
	for (i = 0; i < 16; i++) {
		struct rate_slot *c = &shm->rate[(h + (unsigned)i) % RATE_SLOTS];
		if (c->token_id == key) {
			c->tokens = fmin(burst, c->tokens + 1.0);
			break;
		}
	}
	unlock(shm);
}
