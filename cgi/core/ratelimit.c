/* ratelimit.c: per-token token buckets shared by the workers (a small open-addressed table). */
#include <math.h>

#include "clock.h"
#include "ratelimit.h"
#include "shmlock.h"

int
rate_take(struct shared *shm, int key, double rate, double burst, int *retry_after)
{
	return rate_take_n(shm, key, rate, burst, 1.0, retry_after);
}

int
rate_take_n(struct shared *shm, int key, double rate, double burst, double cost, int *retry_after)
{
	struct rate_slot *s = NULL, *oldest = NULL;
	double t = clock_mono();
	unsigned h = (unsigned)key * 2654435761u;
	int i, ok;

	*retry_after = 0;
	if (shm == NULL)
		return 1;
	/* A holder that died may have left one bucket half updated: a bucket may be wrong for a while,
	 * never unsafe (it refills), so a 1 from the lock needs no repair. */
	if (shmlock_lock(&shm->rate_lock) == -1)
		return 1;
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
	/* A cost over the bucket's size could never be paid: it costs the whole bucket. */
	cost = fmax(1.0, fmin(cost, burst));
	ok = s->tokens >= cost;
	if (ok)
		s->tokens -= cost;
	else
		*retry_after = (int)ceil((cost - s->tokens) / rate);
	shmlock_unlock(&shm->rate_lock);
	return ok;
}

void
rate_give(struct shared *shm, int key, double burst)
{
	unsigned h = (unsigned)key * 2654435761u;
	int i;

	if (shm == NULL)
		return;
	if (shmlock_lock(&shm->rate_lock) == -1)
		return;
	for (i = 0; i < 16; i++) {
		struct rate_slot *c = &shm->rate[(h + (unsigned)i) % RATE_SLOTS];
		if (c->token_id == key) {
			c->tokens = fmin(burst, c->tokens + 1.0);
			break;
		}
	}
	shmlock_unlock(&shm->rate_lock);
}
