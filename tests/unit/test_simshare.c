/* test_simshare.c: blocks built once for every process (simshare.h), across real forks: one builds,
 * the others copy; a waiter gets the build it waited for; never a block of another version; a dead
 * builder is taken over (no waiting on it); a live one is waited for boundedly; hostile slots
 * (declared longer than the slot, garbage) are never handed out as more than their bytes. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "simshare.h"
#include "t.h"

static struct simshare *s;

static void
die(void)
{
	raise(SIGKILL);
}

/* In a child: get (key, version) and exit with what came back (+ 10 when the copy is `want`). */
static pid_t
child_get(const char *key, long long version, double wait_s, const char *want)
{
	pid_t pid = fork();

	if (pid == 0) {
		struct simshare_ticket t;
		void *b = NULL;
		size_t len = 0;
		enum simshare_got g = simshare_get(s, key, version, wait_s, &b, &len, &t);
		int same = g == SIMSHARE_COPIED && want && len == strlen(want) + 1 && memcmp(b, want, len) == 0;
		_exit((int)g + (same ? 10 : 0));
	}
	return pid;
}

static int
status_of(pid_t pid)
{
	int st = 0;

	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int
main(void)
{
	struct simshare_ticket t, t2;
	void *b = NULL;
	size_t len = 0;
	int go[2], ready[2];
	pid_t pid, waiter;
	char c;
	const char *v1 = "the index of 2020 at version 7", *v2 = "the index of 2020 at version 8";

	s = simshare_new(SIMSHARE_BYTES);
	CHECK(s != NULL && simshare_slot_bytes(s) == SIMSHARE_BYTES / SIMSHARE_SLOTS, "a shared file of SIMSHARE_SLOTS slots");
	CHECK(simshare_get(NULL, "2020", 7, 1, &b, &len, &t) == SIMSHARE_ALONE, "none: alone");
	CHECK(simshare_get(s, "a key longer than thirty-one bytes", 7, 1, &b, &len, &t) == SIMSHARE_ALONE,
	    "a key too long: alone");

	/* the first one builds; another process copies it */
	CHECK(simshare_get(s, "2020", 7, 1, &b, &len, &t) == SIMSHARE_BUILD, "the first to ask builds");
	simshare_put(s, &t, v1, strlen(v1) + 1);
	CHECK(status_of(child_get("2020", 7, 1, v1)) == 10 + SIMSHARE_COPIED, "another process copies that build");
	CHECK(simshare_get(s, "2020", 7, 1, &b, &len, &t2) == SIMSHARE_COPIED && len == strlen(v1) + 1 &&
	    strcmp(b, v1) == 0, "and so does the builder");
	free(b);

	/* a reader behind the others is never handed the newer block, nor does it replace it */
	CHECK(simshare_get(s, "2020", 8, 1, &b, &len, &t) == SIMSHARE_BUILD, "a new version: built anew");
	CHECK(status_of(child_get("2020", 7, 1, NULL)) == SIMSHARE_ALONE, "the older version meanwhile: alone");
	simshare_put(s, &t, v2, strlen(v2) + 1);
	CHECK(status_of(child_get("2020", 7, 1, NULL)) == SIMSHARE_ALONE, "the older version after: alone");
	CHECK(status_of(child_get("2020", 8, 1, v2)) == 10 + SIMSHARE_COPIED, "the new one: copied");

	/* a waiter gets the build it waited for (ordering by pipes, no timing) */
	pipe(go);
	pipe(ready);
	if ((pid = fork()) == 0) {
		enum simshare_got g = simshare_get(s, "2020", 9, 60, &b, &len, &t);
		c = (char)g;
		write(ready[1], &c, 1);
		read(go[0], &c, 1);
		simshare_put(s, &t, "nine", 5);
		_exit(0);
	}
	read(ready[0], &c, 1);
	CHECK(c == SIMSHARE_BUILD, "a child builds version 9");
	waiter = child_get("2020", 9, 60, "nine");
	CHECK(simshare_get(s, "2020", 9, 0, &b, &len, &t) == SIMSHARE_ALONE, "a live build is waited for boundedly");
	write(go[1], "x", 1);
	CHECK(status_of(waiter) == 10 + SIMSHARE_COPIED, "the waiter copies the build it waited for");
	status_of(pid);

	/* a builder that dies is taken over, not waited for (an hour allowed: it would hang) */
	if ((pid = fork()) == 0) {
		simshare_get(s, "2020", 10, 1, &b, &len, &t);
		_exit(0);
	}
	status_of(pid);
	CHECK(simshare_get(s, "2020", 10, 3600, &b, &len, &t) == SIMSHARE_BUILD, "a dead builder's claim is taken over");
	/* its late put (a claim taken over) publishes nothing */
	t2 = t;
	t2.gen--;
	simshare_put(s, &t2, "stale", 6);
	simshare_abandon(s, &t2);
	CHECK(status_of(child_get("2020", 10, 0, NULL)) == SIMSHARE_ALONE, "a stale ticket published nothing "
	    "(a child still sees the live build, and waits 0 s for it)");
	simshare_abandon(s, &t);
	CHECK(status_of(child_get("2020", 10, 0, NULL)) == SIMSHARE_BUILD, "an abandoned build: the next one builds");

	/* more keys than slots: the least recently used ready one goes */
	{
		char keys[2 * SIMSHARE_SLOTS][8];
		int i, ok = 1;
		for (i = 0; i < 2 * SIMSHARE_SLOTS; i++) {
			snprintf(keys[i], sizeof(keys[i]), "k%d", 2001 + i);	/* never a key used above ("2020") */
			if (simshare_get(s, keys[i], 1, 1, &b, &len, &t) != SIMSHARE_BUILD)
				ok = 0;
			simshare_put(s, &t, keys[i], strlen(keys[i]) + 1);
		}
		CHECK(ok, "twice as many keys as slots: each built");
		CHECK(status_of(child_get(keys[2 * SIMSHARE_SLOTS - 1], 1, 0, keys[2 * SIMSHARE_SLOTS - 1])) ==
		    10 + SIMSHARE_COPIED &&
		    status_of(child_get(keys[2 * SIMSHARE_SLOTS - 2], 1, 0, keys[2 * SIMSHARE_SLOTS - 2])) ==
		    10 + SIMSHARE_COPIED &&
		    status_of(child_get(keys[2 * SIMSHARE_SLOTS - 3], 1, 0, keys[2 * SIMSHARE_SLOTS - 3])) == 10 + SIMSHARE_COPIED,
		    "the newest kept");
		CHECK(simshare_get(s, "k2001", 1, 0, &b, &len, &t) == SIMSHARE_BUILD, "the oldest gone: built anew");
		simshare_abandon(s, &t);
	}

	/* hostile slots: declared past the slot (emptied, built anew); garbage (handed out as its bytes,
	 * which the index checks: test_simflat) */
	simshare_test_plant(s, 0, "2030", 1, "abc", 3, SIMSHARE_BYTES);
	CHECK(simshare_get(s, "2030", 1, 0, &b, &len, &t) == SIMSHARE_ALONE, "a slot longer than it may be: alone");
	CHECK(simshare_get(s, "2030", 1, 0, &b, &len, &t) == SIMSHARE_BUILD, "then emptied: built anew");
	simshare_abandon(s, &t);
	simshare_test_plant(s, 1, "2031", 1, "abc", 3, 0);
	CHECK(simshare_get(s, "2031", 1, 0, &b, &len, &t) == SIMSHARE_ALONE, "a slot of no bytes: alone");
	simshare_test_plant(s, 1, "2032", 1, "abcdef", 6, 4);
	CHECK(simshare_get(s, "2032", 1, 0, &b, &len, &t) == SIMSHARE_COPIED && len == 4 && memcmp(b, "abcd", 4) == 0,
	    "a slot declared shorter: only its declared bytes");
	free(b);
	CHECK(simshare_recovered(s) == 0, "no dead lock holder");

	/* the lock's holder dies half-way through writing a block: the slots are emptied, the lock usable */
	CHECK(simshare_get(s, "2040", 1, 0, &b, &len, &t) == SIMSHARE_BUILD, "a build to die in");
	if ((pid = fork()) == 0) {
		simshare_test_hook = die;
		simshare_put(s, &t, "dies", 5);	/* the parent's claim: this child's pid is not its */
		t.gen = 0;
		_exit(1);
	}
	status_of(pid);
	/* the child's put found the claim not its own (another pid) and wrote nothing: die in ours */
	if ((pid = fork()) == 0) {
		struct simshare_ticket t3;
		simshare_test_hook = die;
		if (simshare_get(s, "2041", 1, 0, &b, &len, &t3) == SIMSHARE_BUILD)
			simshare_put(s, &t3, "dies", 5);
		_exit(1);
	}
	CHECK(status_of(pid) == -1, "a builder killed inside its put, the lock held");
	CHECK(simshare_recovered(s) == 1, "the next to lock clears the dead holder's mess");
	CHECK(simshare_get(s, "2041", 1, 0, &b, &len, &t) == SIMSHARE_BUILD, "its slot empty: built anew");
	simshare_put(s, &t, "2041", 5);
	CHECK(status_of(child_get("2041", 1, 0, "2041")) == 10 + SIMSHARE_COPIED, "and shared again");
	simshare_free(s);
	simshare_free(NULL);
	return T_DONE();
}
