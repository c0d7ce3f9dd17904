/* heavy.c: the slots of the costly requests, counted in the shared memory (shm->previews_running, which
 * counts uploads too) and per worker (shm->worker_previews), so that the supervisor gives back the slots of
 * a worker that died holding them when it replaces it. */
#include <stdatomic.h>

#include "heavy.h"

int
heavy_enter(struct app *a)
{
	int running;

	if (a->shm == NULL)
		return 0;
	running = atomic_fetch_add(&a->shm->previews_running, 1);
	atomic_fetch_add(&a->shm->worker_previews[a->worker_index], 1);
	if (running >= (a->workers > 1 ? a->workers - 1 : 1)) {
		heavy_leave(a);
		return -1;
	}
	return 0;
}

void
heavy_leave(struct app *a)
{
	if (a->shm == NULL)
		return;
	atomic_fetch_sub(&a->shm->worker_previews[a->worker_index], 1);
	atomic_fetch_sub(&a->shm->previews_running, 1);
}
