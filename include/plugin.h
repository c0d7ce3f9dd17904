/* plugin.h: metric plugins: untrusted Lua 5.4 files run in a sandbox inside a forked child.
 *
 * A plugin returns one metric table or a list of them (docs/plugins.md, contract "Plugins").
 * plugin_run loads one plugin in a fresh lua_State built from an allow-list, inside a child
 * process with its own CPU, memory and wall-clock limits, validates what it declares and calls
 * its compute over every city given.  Nothing the plugin does can reach the caller's process:
 * the caller gets values or an error naming the file, line, city, wave and metric.
 *
 * This header is the plugin layer's only door: the rest of the program includes it and none of
 * the layer's other headers (metric.h, the types, comes with it).  Metric ids and question codes
 * follow ident_valid (query.h); units, metric_unit_valid (metric.h).
 *
 * Callers: call from a single-threaded process (the child is forked and then allocates), and do
 * not reap unknown children (waitpid(-1)) while plugin_run is running, or the child's status is
 * lost (reported as "ended without a result").
 */
#ifndef CB_PLUGIN_H
#define CB_PLUGIN_H

#include <stddef.h>

#include "buf.h"
#include "metric.h"	/* the types: plugin_city, plugin_metric, plugin_result, plugin_limits */

#define PLUGIN_MAX_SOURCE	(256 * 1024)	/* bytes of Lua source, as for previews */

/* Fills l with the defaults: 10 million instructions per call, 200 million per plugin, 1 s of
 * CPU, 64 MiB, 5 s wall clock. */
void plugin_limits_default(struct plugin_limits *l);

/*
 * Loads `source` (len bytes, named `file` in messages) in a fresh sandbox inside a forked child,
 * validates the declared metric(s) and runs compute over all ncities cities.  lim NULL means the
 * defaults.  ncities may be 0: then the plugin is only loaded and validated.
 * Returns 0 when the plugin loaded and every compute succeeded (result->metrics filled, one
 * values array of ncities per metric), 1 when the plugin was refused or failed (result->error
 * filled: message, file, line when known, city/survey/metric where it failed; no metrics), -1
 * on a system error (*err set unless err is NULL, a malloc'd message the caller frees; result
 * empty).  The result must be released with plugin_result_free in every case.  Fields of lim
 * that are 0 (or out of range) take their defaults.
 */
int plugin_run(const char *file, const char *source, size_t len,
    const struct plugin_city *cities, size_t ncities,
    const struct plugin_limits *lim, struct plugin_result *result, char **err);

/* One plugin of a plugin_run_many call: the caller fills file, source and len; plugin_run_many
 * fills status, result and err exactly as plugin_run would have (err malloc'd or NULL). */
struct plugin_job {
	const char *file;
	const char *source;
	size_t len;
	int status;		/* plugin_run's: 0 ok, 1 refused or failed, -1 system error */
	struct plugin_result result;	/* release with plugin_result_free */
	char *err;		/* for -1: the message, the caller frees */
};

/*
 * Runs njobs plugins over the same cities in one sandbox process, one after another, each in a
 * fresh lua_State (closed before the next starts) with budgets of its own (instructions, CPU,
 * memory, wall clock: lim's, per plugin) and the progress page reset for it.  Each job's status,
 * result and err are what plugin_run gives for it alone.  When the process dies while running
 * job k (crash, signal, a budget enforced by the kernel, the wall-clock kill), job k is reported
 * as plugin_run reports it and jobs k+1.. run in a fresh process: one plugin cannot change
 * another's outcome.  Release each job's result with plugin_result_free and free its err.
 */
void plugin_run_many(struct plugin_job *jobs, size_t njobs, const struct plugin_city *cities,
    size_t ncities, const struct plugin_limits *lim);

/* on: from now on each plugin_run_many starts, when it ends, a sandbox process for the next call of
 * the same shape (cities, plugins, limits), which that call uses if it is still fresh (alive, has run
 * nothing), else it starts its own as before: the web workers' uploads, so that a partner does not
 * wait for an exec.  A spare is used once and never holds anything of a call before.  off: the spare
 * is closed.  Off by default (the CLI). */
void plugin_spare(int on);

/* Appends to b the wire encoding (struct plugin_wired's bytes) of the answer whose JSON text is
 * `text` (PostgreSQL's jsonb text): exactly what the cities' encoding sends for the value json_loads
 * reads from it (nil when it reads none).  Returns 0, or -1 when memory ran out. */
int plugin_answer_encode(struct buf *b, const char *text);

/* Releases everything in r and leaves it empty; r may be NULL or already empty. */
void plugin_result_free(struct plugin_result *r);

/* Appends "file:line: message (city SLUG, survey W, metric ID)", leaving out what is unknown.
 * Returns 0, or -1 when memory ran out. */
int plugin_error_format(const struct plugin_error *e, struct buf *out);

/* One file of a plugin directory, as plugin_run_dir found it. */
struct plugin_file {
	char *name;		/* "funding_share.lua" */
	char *source;		/* the file's bytes, NUL-terminated; NULL if it could not be read */
	size_t len;
	int status;		/* plugin_run's: 0 ok, 1 refused or failed, -1 system error */
	struct plugin_result result;	/* for -1 too: result.error.message says what failed */
};

/*
 * Reads every regular file named *.lua in dir (names not starting with '.'), sorted by name
 * (byte order), and runs each with plugin_run over the cities.  A file larger than
 * PLUGIN_MAX_SOURCE, or one declaring a metric id that an earlier file already declared, is
 * refused (status 1).  Sets *files to an array of *nfiles entries, free it with
 * plugin_files_free.  Returns 0 (whatever each plugin did: see each status), or -1 when the
 * directory cannot be read or memory ran out (*err set, *files NULL, *nfiles 0).
 */
int plugin_run_dir(const char *dir, const struct plugin_city *cities, size_t ncities,
    const struct plugin_limits *lim, struct plugin_file **files, size_t *nfiles, char **err);

/* Releases an array from plugin_run_dir; files may be NULL. */
void plugin_files_free(struct plugin_file *files, size_t n);

#endif
