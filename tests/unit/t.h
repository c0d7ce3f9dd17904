/* t.h: the unit tests' few macros; each check prints "ok" or "not ok" (TAP). */
#ifndef CB_T_H
#define CB_T_H

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static int t_pass, t_fail;

#define CHECK(cond, name) do {						\
	if (cond) { t_pass++; printf("ok - %s\n", name); }		\
	else { t_fail++; printf("not ok - %s (%s:%d: %s)\n",		\
	    name, __FILE__, __LINE__, #cond); }				\
} while (0)

#define CHECK_STR(got, want, name) do {					\
	const char *g_ = (got), *w_ = (want);				\
	if (g_ && w_ && strcmp(g_, w_) == 0) { t_pass++;		\
	    printf("ok - %s\n", name); }				\
	else { t_fail++; printf("not ok - %s (%s:%d: got \"%s\", want \"%s\")\n", \
	    name, __FILE__, __LINE__, g_ ? g_ : "(null)", w_ ? w_ : "(null)"); } \
} while (0)

/* The source tree: "." when PROBE (a path inside it) is found from here, else three levels above the
 * test program (build/rel/tests/test_x -> the tree). */
static inline void
t_find_root(const char *argv0, const char *probe, char *root, size_t n)
{
	struct stat st;
	char *slash;

	if (stat(probe, &st) == 0) {
		snprintf(root, n, ".");
		return;
	}
	snprintf(root, n, "%s", argv0);
	if ((slash = strrchr(root, '/')) != NULL)
		*slash = '\0';
	strncat(root, "/../../..", n - strlen(root) - 1);
}

/* Last line read by tests/run: "# N passed, M failed". */
#define T_DONE() (printf("# %d passed, %d failed\n", t_pass, t_fail), t_fail ? 1 : 0)

#endif
