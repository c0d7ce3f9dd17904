/* test_shmlock.c: the shared-memory lock (shmlock.c) and the rate limiter over it: a process that dies
 * holding the lock does not stop the others, and the buckets work across processes. */
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "app.h"
#include "ratelimit.h"
#include "shmlock.h"
#include "t.h"

static struct shared *
shared_new(void)
{
	struct shared *shm = mmap(NULL, sizeof(*shm), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (shm == MAP_FAILED)
		return NULL;
	memset(shm, 0, sizeof(*shm));
	if (shmlock_init(&shm->rate_lock) == -1) {
		munmap(shm, sizeof(*shm));
		return NULL;
	}
	return shm;
}

static void
test_dead_holder(void)
{
	struct shared *shm = shared_new();
	int status = 0, retry = -1, i, allowed = 0;
	pid_t pid;

	if (shm == NULL) {
		CHECK(0, "a shared region with its lock");
		return;
	}
	if ((pid = fork()) == 0) {
		shmlock_lock(&shm->rate_lock);
		raise(SIGKILL);
		_exit(0);
	}
	waitpid(pid, &status, 0);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "the child died holding the lock");
	alarm(10);	/* a lock never given back would hang here */
	CHECK(shmlock_lock(&shm->rate_lock) == 1, "the next locker is told its holder died");
	shmlock_unlock(&shm->rate_lock);
	CHECK(shmlock_lock(&shm->rate_lock) == 0, "then it is an ordinary lock again");
	shmlock_unlock(&shm->rate_lock);
	for (i = 0; i < 3; i++)
		allowed += rate_take(shm, 7, 0.001, 2, &retry);
	alarm(0);
	CHECK(allowed == 2 && retry > 0, "the rate limiter works after the recovery: a burst of 2, then a wait");
	munmap(shm, sizeof(*shm));
}

static void
test_across_processes(void)
{
	struct shared *shm = shared_new();
	int status = 0, retry = 0, i, ok = 1;
	pid_t pids[4];

	if (shm == NULL) {
		CHECK(0, "a shared region with its lock");
		return;
	}
	/* Four processes take 25 requests each from one bucket of 100 (refilling 1 a thousand seconds). */
	for (i = 0; i < 4; i++) {
		if ((pids[i] = fork()) == 0) {
			int k, got = 0, ra;
			for (k = 0; k < 25; k++)
				got += rate_take(shm, 42, 0.001, 100, &ra);
			_exit(got == 25 ? 0 : 1);
		}
	}
	for (i = 0; i < 4; i++)
		if (pids[i] < 0 || waitpid(pids[i], &status, 0) != pids[i] || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0)
			ok = 0;
	CHECK(ok, "four processes took a hundred requests from a bucket of a hundred");
	CHECK(rate_take(shm, 42, 0.001, 100, &retry) == 0 && retry > 0, "the hundred and first waits");
	CHECK(rate_take(shm, -42, 0.001, 100, &retry) == 1, "another key has its own bucket");
	munmap(shm, sizeof(*shm));
}

int
main(void)
{
	test_dead_holder();
	test_across_processes();
	return T_DONE();
}
