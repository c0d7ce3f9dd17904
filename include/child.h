/* child.h: the process a plugin runs in (plugin.c forks it; child.c makes it a place a plugin may
 * run, runs the sandbox in it and sends the result back). */
#ifndef CB_CHILD_H
#define CB_CHILD_H

#include <stddef.h>
#include <sys/types.h>

#include "metric.h"
#include "sandbox.h"

/*
 * The child's whole life, called right after fork with link, its end of the socketpair: hardens
 * the process (signals reset, descriptors closed but stderr and link, rlimits, CPU timer, seccomp
 * filter), runs the plugin (file, source of len bytes) with sandbox_run under lim, writing its
 * whereabouts to progress (memory shared with the parent), fetches the cities from the parent when
 * ncities > 0, and writes a result frame (wire.h) on link.  Never returns: exits 0 after sending,
 * 71 when it could not harden itself (or parent is no longer its parent), 72 when the result could
 * not be sent, SANDBOX_EXIT_PANIC when Lua panicked; or a signal ends it.
 */
_Noreturn void child_main(int link, pid_t parent, const char *file, const char *source, size_t len,
    size_t ncities, const struct plugin_limits *lim, struct sandbox_progress *progress);

#endif
