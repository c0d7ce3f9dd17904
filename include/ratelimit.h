/* ratelimit.h: token buckets per token, in the memory all workers share. */
#ifndef CB_RATELIMIT_H
#define CB_RATELIMIT_H

#include "app.h"

/* Takes one request from the bucket of key (a token id; previews use their own keys).  rate per second,
 * burst the bucket's size.  Returns 1 when allowed, 0 when over the limit (then *retry_after is set to the
 * seconds until the next request is allowed). */
int rate_take(struct shared *shm, int key, double rate, double burst, int *retry_after);

/* rate_take for a request that costs cost tokens (at least 1, at most burst: an upload pays for its size). */
int rate_take_n(struct shared *shm, int key, double rate, double burst, double cost, int *retry_after);

/* Gives one request back to key's bucket (an attempt that turned out not to count), up to burst. */
void rate_give(struct shared *shm, int key, double burst);

#endif
