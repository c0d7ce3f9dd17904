/* shmlock.c: process-shared robust mutexes for the shared memory regions (the response cache, the
 * rate limiter's buckets).  The kernel hands a lock whose holder died to the next caller, marked
 * EOWNERDEAD: nothing needs to remember who held it. */
#include <errno.h>

#include "shmlock.h"

int
shmlock_init(pthread_mutex_t *m)
{
	pthread_mutexattr_t ma;
	int rc = -1;

	if (pthread_mutexattr_init(&ma) != 0)
		return -1;
	if (pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED) == 0 &&
	    pthread_mutexattr_setrobust(&ma, PTHREAD_MUTEX_ROBUST) == 0 &&
	    pthread_mutex_init(m, &ma) == 0)
		rc = 0;
	pthread_mutexattr_destroy(&ma);
	return rc;
}

int
shmlock_lock(pthread_mutex_t *m)
{
	int rc = pthread_mutex_lock(m);

	if (rc == EOWNERDEAD) {
		pthread_mutex_consistent(m);
		return 1;
	}
	return rc == 0 ? 0 : -1;
}

void
shmlock_unlock(pthread_mutex_t *m)
{
	pthread_mutex_unlock(m);
}
