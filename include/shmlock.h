/* shmlock.h: the one lock for memory shared by the supervisor's processes: a process-shared, robust
 * pthread mutex, so that a worker killed while holding it cannot stop the others. */
#ifndef CB_SHMLOCK_H
#define CB_SHMLOCK_H

#include <pthread.h>

/* Makes m (in shared memory, before the fork) a process-shared robust mutex.  Returns 0 or -1. */
int shmlock_init(pthread_mutex_t *m);

/* Locks m.  Returns 0; 1 when its last holder died holding it (the lock is now this caller's and
 * usable again, but what the dead holder was changing may be half done: the caller repairs or
 * empties it); -1 when it cannot be locked (then nothing is held). */
int shmlock_lock(pthread_mutex_t *m);

void shmlock_unlock(pthread_mutex_t *m);

#endif
