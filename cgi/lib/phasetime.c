/* phasetime.c: phase times for `citybench import` (CITYBENCH_TIMING=1): wall, own CPU, the backend's
 * CPU (from /proc/PID/stat, on the same machine), each since the previous mark. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "phasetime.h"

static int on = -1, backend;
static double last_wall, last_cpu, last_be;

/* This process's and its waited-for children's (the sandbox's) user and system CPU, in seconds. */
static double
now_cpu(void)
{
	struct rusage a, b;

	getrusage(RUSAGE_SELF, &a);
	getrusage(RUSAGE_CHILDREN, &b);
	return (double)(a.ru_utime.tv_sec + a.ru_stime.tv_sec + b.ru_utime.tv_sec + b.ru_stime.tv_sec) +
	    (double)(a.ru_utime.tv_usec + a.ru_stime.tv_usec + b.ru_utime.tv_usec + b.ru_stime.tv_usec) / 1e6;
}

/* The backend's user + system CPU in seconds, or -1 when unreadable. */
static double
backend_cpu(void)
{
	char path[64], line[1024], *p;
	unsigned long ut = 0, st = 0;
	FILE *f;
	int k;

	if (backend <= 0)
		return -1;
	snprintf(path, sizeof path, "/proc/%d/stat", backend);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	p = fgets(line, sizeof line, f);
	fclose(f);
	if (p == NULL || (p = strrchr(line, ')')) == NULL)
		return -1;
	/* p is at the ')' ending field 2; the first strchr finds the space before field 3, each next one
	 * the space before the next field: utime is field 14, stime 15 */
	for (k = 2; k < 14 && p; k++)
		p = strchr(p + 1, ' ');
	if (p == NULL || sscanf(p + 1, "%lu %lu", &ut, &st) != 2)
		return -1;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static int
enabled(void)
{
	if (on == -1) {
		const char *v = getenv("CITYBENCH_TIMING");
		on = v && *v && strcmp(v, "0") != 0;
		last_wall = clock_mono();
		last_cpu = now_cpu();
	}
	return on;
}

void
phasetime_backend(int pid)
{
	if (!enabled())
		return;
	backend = pid;
	last_be = backend_cpu();
}

void
phasetime_mark(const char *name)
{
	double w, c, b;

	if (!enabled())
		return;
	w = clock_mono();
	c = now_cpu();
	b = backend_cpu();
	if (b >= 0 && last_be >= 0)
		fprintf(stderr, "timing: %-28s wall %7.3f s  cli cpu %7.3f s  backend cpu %7.3f s\n", name,
		    w - last_wall, c - last_cpu, b - last_be);
	else
		fprintf(stderr, "timing: %-28s wall %7.3f s  cli cpu %7.3f s\n", name, w - last_wall,
		    c - last_cpu);
	last_wall = w;
	last_cpu = c;
	last_be = b;
}
