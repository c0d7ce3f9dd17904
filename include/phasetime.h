/* phasetime.h: the operator's program's phase times on stderr, when CITYBENCH_TIMING is set (any value
 * but empty or 0): each mark prints the wall time since the previous mark, this process's CPU time and
 * (when readable) the database backend's, then starts the next phase.  Nothing when unset. */
#ifndef CITYBENCH_PHASETIME_H
#define CITYBENCH_PHASETIME_H

/* The database backend's process id (PQbackendPID), whose CPU the marks also print; 0: none. */
void phasetime_backend(int pid);
/* Ends the phase running since the previous mark (or the first call) as NAME. */
void phasetime_mark(const char *name);

#endif
