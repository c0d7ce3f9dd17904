/* sandbox.h: the Lua side of plugins: one allow-listed lua_State with budgets, run in the child
 * (child.c).  Only the plugin layer uses it: child.c calls sandbox_run, which assumes a process it
 * may spend (it never closes the Lua state, so nothing the plugin left behind runs after it);
 * plugin.c reads the progress block and the panic status. */
#ifndef CB_SANDBOX_H
#define CB_SANDBOX_H

#include <stddef.h>

#include "metric.h"

/* Caps inside the sandbox's string library (sandbox.c explains the choice). */
#define SANDBOX_STRING_MAX	(1024 * 1024)	/* string.rep output; subject of find/match/gmatch/gsub */
#define SANDBOX_PATTERN_MAX	256		/* pattern (or plain needle) of find/match/gmatch/gsub */

#define SANDBOX_EXIT_PANIC	70		/* the child's exit status when Lua panicked */
#define SANDBOX_EXIT_CPU	73		/* a sandbox running several plugins: one over its CPU */

enum sandbox_phase { SANDBOX_SETUP, SANDBOX_LOADING, SANDBOX_VALIDATING, SANDBOX_COMPUTING, SANDBOX_DONE };

/* Where the child is, kept in memory the parent shares, so that a child the parent had to kill
 * (or that the kernel stopped) can still be reported with its line, city and metric.  The parent
 * reads it only after the child is gone and treats it as untrusted. */
struct sandbox_progress {
	volatile int phase;		/* enum sandbox_phase */
	volatile int line;		/* last line of the plugin seen running */
	volatile long city;		/* index of the city being computed, -1 none */
	volatile char metric[PLUGIN_ID_MAX + 1];	/* id of the metric being computed */
};

/*
 * How the sandbox gets its cities, once it knows which question codes its metrics read (the union
 * of their inputs, in declaration order): the callback stores a message made by
 * wire_cities_encode (wire.h) for those codes in *data and *len and returns 0, or returns -1.  The
 * memory stays the callback's: the sandbox reads it until sandbox_run returns, never frees it.  The
 * cities never come from the caller's memory directly: in the child (child.c) that memory is the
 * parent's, and touching it page by page costs more than sending what is needed.
 */
typedef int (*sandbox_fetch)(void *ud, const char *const *codes, size_t ncodes,
    const char **data, size_t *len);

/*
 * Runs the plugin in this process: a fresh state, load, validation, then compute over the ncities
 * cities fetch delivers (fetch is not called when ncities is 0).  Returns 0 with result->metrics
 * filled (values in the caller's city order), 1 with result->error's message and line filled and
 * *err_city set to the index of the city where it failed (-1 none; result->error.metric set when
 * a compute failed), or -1 when fetch failed, its message was malformed or this process ran out
 * of memory outside the Lua budget (message in result->error.message when it could be made).
 * close_state: close the Lua state before returning (a process that runs another plugin next);
 * 0 leaves it open for a process about to exit.
 */
int sandbox_run(const char *file, const char *source, size_t len, size_t ncities,
    const struct plugin_limits *lim, struct sandbox_progress *progress, sandbox_fetch fetch,
    void *ud, struct plugin_result *result, long *err_city, int close_state);

#endif
