/* progress.c: a line a second while the operator's program works on a long step.
 *
 * Decisions: an interval timer rather than a thread: the steps are libpq calls that cannot report from
 * inside, and a signal handler that only writes (write(2), async-signal-safe) needs no locking.  On a
 * terminal the line is rewritten in place; otherwise (a log, a pipe, a test) one plain line a second, so
 * a long step is never silent for more than a second.  Steps under a second print nothing. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "progress.h"

static const char *volatile step_name;
static volatile sig_atomic_t seconds, tty, have_count;
static volatile size_t count_done, count_total;
static struct timespec started;

/* Appends the decimal of V at P; returns the new end. */
static char *
put_num(char *p, size_t v)
{
	char d[24];
	int n = 0;

	do
		d[n++] = (char)('0' + v % 10);
	while ((v /= 10) > 0);
	while (n > 0)
		*p++ = d[--n];
	return p;
}

static char *
put_str(char *p, const char *s, size_t room)
{
	while (*s && room-- > 0)
		*p++ = *s++;
	return p;
}

static void
tick(int sig)
{
	char line[256], *p = line;
	int saved = errno;
	(void)sig;

	if (step_name == NULL)
		return;
	seconds++;
	if (tty)
		*p++ = '\r';
	p = put_str(p, "citybench: ", 16);
	p = put_str(p, step_name, 120);
	p = put_str(p, "… ", 8);
	if (have_count) {
		p = put_num(p, count_done);
		*p++ = '/';
		p = put_num(p, count_total);
		*p++ = ',';
		*p++ = ' ';
	}
	p = put_num(p, (size_t)seconds);
	p = put_str(p, " s", 4);
	if (!tty)
		*p++ = '\n';
	if (write(STDERR_FILENO, line, (size_t)(p - line)) < 0)
		(void)0;
	errno = saved;
}

static void
timer(int on)
{
	struct itimerval it;

	memset(&it, 0, sizeof(it));
	if (on) {
		it.it_value.tv_sec = 1;
		it.it_interval.tv_sec = 1;
	}
	setitimer(ITIMER_REAL, &it, NULL);
}

void
progress_step(const char *step)
{
	static int armed;

	if (step_name)
		progress_end();
	if (!armed) {
		struct sigaction sa;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = tick;
		sa.sa_flags = SA_RESTART;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGALRM, &sa, NULL);
		tty = isatty(STDERR_FILENO);
		armed = 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &started);
	seconds = 0;
	have_count = 0;
	step_name = step;
	timer(1);
}

void
progress_count(size_t done, size_t total)
{
	count_done = done;
	count_total = total;
	have_count = 1;
}

void
progress_end(void)
{
	struct timespec now;
	double took;
	const char *step = step_name;

	timer(0);
	step_name = NULL;
	if (step == NULL)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	took = (double)(now.tv_sec - started.tv_sec) + (double)(now.tv_nsec - started.tv_nsec) / 1e9;
	if (took >= 1.0)
		fprintf(stderr, "%scitybench: %s: done in %.1f s\n", tty ? "\r" : "", step, took);
}
