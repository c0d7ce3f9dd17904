/* progress.h: the operator's program says what it is doing during a long step (progress.c). */
#ifndef CB_PROGRESS_H
#define CB_PROGRESS_H

#include <stddef.h>

/* Starts STEP (a static string, "storing versions"): from its second second on, stderr gets a line a
 * second ("citybench: storing versions… 3 s"), rewritten in place when stderr is a terminal.  A step
 * already running ends first.  Ticks come from SIGALRM with SA_RESTART; libpq retries its waits. */
void progress_step(const char *step);

/* With counts: the current step's "done/total" joins its ticks (and is printed at once). */
void progress_count(size_t done, size_t total);

/* Ends the step: "citybench: STEP: done in N s" when it took a second or more; nothing otherwise. */
void progress_end(void);

#endif
