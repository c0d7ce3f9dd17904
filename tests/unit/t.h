/* t.h: the unit tests' few macros; each check prints "ok" or "not ok" (TAP). */
#ifndef CB_T_H
#define CB_T_H

#include <stdio.h>
#include <string.h>

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

/* Last line read by tests/run: "# N passed, M failed". */
#define T_DONE() (printf("# %d passed, %d failed\n", t_pass, t_fail), t_fail ? 1 : 0)

#endif
