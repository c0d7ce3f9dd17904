/* child.h: the process a plugin runs in, citybench-sandbox (plugin.c starts it with child_spawn;
 * child.c makes it a place a plugin may run, runs the sandbox in it and sends the result back). */
#ifndef CB_CHILD_H
#define CB_CHILD_H

#include <stddef.h>
#include <sys/types.h>

#include "metric.h"
#include "sandbox.h"

/*
 * citybench-sandbox's main (cgi/sandbox_main.c calls it): argv is "--sandbox", the parent's pid,
 * the number of cities and the limits (instructions per call, in all, CPU seconds, memory bytes);
 * descriptor 0 is its socket to the parent and 1 the progress page's memfd.  Hardens the process
 * (signals reset, the page mapped and its descriptor closed, no other descriptor open, `nobody`
 * when root, rlimits, CPU timer, no-new-privs and the seccomp filter), then reads the plugin (a
 * WIRE_FRAME_PLUGIN frame: the file's name, a NUL, the source), runs it with sandbox_run, writing
 * its whereabouts to the progress page, fetches the cities from the parent when there are any,
 * and writes a result frame (wire.h) on its socket.  Never returns: exits 0 after sending, 2 on a
 * wrong command line, 71 when it could not harden itself or read the plugin, 72 when the result
 * could not be sent, SANDBOX_EXIT_PANIC when Lua panicked; or a signal ends it.
 */
_Noreturn void child_exec_main(int argc, char **argv);

/*
 * Starts citybench-sandbox ($CITYBENCH_SANDBOX, else beside this program or one folder up) by
 * posix_spawn with an empty environment, link (this side's end of a socketpair for the child)
 * as its descriptor 0, progress_fd (a memfd holding a struct sandbox_progress) as 1, and no other
 * descriptor.  count > 1: the process runs count plugins one after another (a frame and a result
 * each, the Lua state closed in between, the CPU budget enforced per plugin by a timer that
 * exits SANDBOX_EXIT_CPU).  Returns its pid, or -1 (errno).
 */
pid_t child_spawn(int link, int progress_fd, size_t ncities, const struct plugin_limits *lim,
    size_t count);

#endif
