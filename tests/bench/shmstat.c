/* shmstat.c: reads the counters citybench-fcgi keeps in shared memory (requests, errors, cache hits
 * and misses) from outside, through /proc/PID/mem of the supervisor, so that `make bench` can say how
 * often the worker cache answered.  A measuring aid for the benchmark only (needs ptrace rights on the
 * server: the same user, or root).
 *
 *   shmstat PID    prints "requests N errors N cache_hits N cache_misses N"; exit 1 when not found */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"

int
main(int argc, char **argv)
{
	char path[64], line[512];
	unsigned long lo, hi;
	struct shared s;
	FILE *maps;
	int fd, found = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: shmstat PID\n");
		return 2;
	}
	snprintf(path, sizeof(path), "/proc/%s/maps", argv[1]);
	if ((maps = fopen(path, "r")) == NULL) {
		perror(path);
		return 1;
	}
	snprintf(path, sizeof(path), "/proc/%s/mem", argv[1]);
	if ((fd = open(path, O_RDONLY)) == -1) {
		perror(path);
		fclose(maps);
		return 1;
	}
	/* The supervisor's only shared anonymous mapping is struct shared (mmap MAP_SHARED|MAP_ANONYMOUS). */
	while (!found && fgets(line, sizeof(line), maps)) {
		if (strstr(line, " rw-s ") == NULL || strstr(line, "/dev/zero") == NULL)
			continue;
		/* its size, rounded up to pages: another shared mapping is not read as the counters */
		if (sscanf(line, "%lx-%lx", &lo, &hi) != 2 || hi - lo < sizeof(s) ||
		    hi - lo >= sizeof(s) + (unsigned long)sysconf(_SC_PAGESIZE))
			continue;
		if (pread(fd, &s, sizeof(s), (off_t)lo) == (ssize_t)sizeof(s))
			found = 1;
	}
	fclose(maps);
	close(fd);
	if (!found) {
		fprintf(stderr, "shmstat: no shared counters in process %s\n", argv[1]);
		return 1;
	}
	printf("requests %llu errors %llu cache_hits %llu cache_misses %llu data_version %lld\n",
	    (unsigned long long)s.requests, (unsigned long long)s.errors,
	    (unsigned long long)s.cache_hits, (unsigned long long)s.cache_misses,
	    (long long)s.data_version);
	return 0;
}
