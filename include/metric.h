/* metric.h: what a plugin declares and returns, and the reading and checks of a declaration.
 *
 * The bottom of the plugin layer (plugin → child, wire, sandbox → metric): the types every module
 * of it shares (a city given to plugins, a declared metric with its values, a plugin's result and
 * error, the budgets), their limits, and the one validation of a metric's fields, run by the
 * sandbox when the plugin declares it and again by the parent on what the child sends back.
 * plugin.h, the layer's only door, includes this header, so the rest of the program sees these
 * types through plugin.h.  They keep the prefix plugin_: they are the words of the door's
 * contract (docs/plugins.md), used by every caller of plugin_run.
 */
#ifndef CB_METRIC_H
#define CB_METRIC_H

#include <stddef.h>
#include <jansson.h>

#include "buf.h"
#include "query.h"		/* ident_valid: the rule for metric ids and question codes */

struct lua_State;

#define PLUGIN_MAX_METRICS	32		/* metrics one file may declare */
#define PLUGIN_MAX_INPUTS	128		/* question codes one metric may read */
#define PLUGIN_ID_MAX		IDENT_MAX	/* metric ids and question codes: [a-z0-9_]{1,64} */
#define PLUGIN_TITLE_MAX	200		/* bytes */
#define PLUGIN_DESCRIPTION_MAX	2000		/* bytes */
#define PLUGIN_VERSION_MAX	32		/* bytes */
#define PLUGIN_MESSAGE_MAX	1000		/* bytes of an error message (longer ones end in "...") */
#define PLUGIN_LOG_LINES	100		/* lines print may write; then one "… truncated" line */
#define PLUGIN_LOG_LINE_CHARS	200		/* characters of one printed line (longer ones are cut) */
#define PLUGIN_LOG_MAX		(PLUGIN_LOG_LINES * (PLUGIN_LOG_LINE_CHARS * 4 + 1) + 64)	/* bytes */
#define PLUGIN_LOG_TRUNCATED	"\xe2\x80\xa6 truncated"	/* the marker line: "… truncated" */

struct plugin_city {		/* one city in one wave, given by the caller */
	const char *slug;
	const char *survey;	/* "2018" */
	double population;	/* NAN when unknown */
	json_t *answers;	/* object CODE -> value; JSON null = asked, not answered;
				   absent = not asked; NULL = no answers at all */
	const struct plugin_wired *wired;	/* NULL, or the answers already encoded (then
						   `answers` is not read): row `row` of it */
	size_t row;
};

/* Answers encoded once for the wire, for many cities (city_inputs_load): each city's value of each
 * code, as wire_cities_encode would encode its JSON (plugin_answer_encode). */
struct plugin_wired {
	const char *const *codes;	/* distinct, sorted by strcmp */
	size_t ncodes;
	const unsigned char *bytes;	/* the encodings; bytes[0] is nil */
	const unsigned int *slot;	/* city row r, code k: its value at bytes + slot[r * ncodes + k] */
};
/* The plugin sees each answer by its JSON type: true/false a boolean, a string a string, an
 * integer a Lua integer, a real a float, an array a sequence of those (in order).  So a caller
 * gives the answers to `number` questions as JSON reals (json_real), even when whole. */

struct plugin_metric {		/* what a plugin declares, after validation */
	char *id, *title, *description, *unit, *version;
	int higher_is_better;
	char **inputs;
	size_t ninputs;
	double *values;		/* [ncities]; NAN = nil (no value); NULL when ncities is 0 */
	char *title_fr, *description_fr;	/* optional French of title and description; NULL: none */
};

struct plugin_error {		/* all strings malloc'd, valid UTF-8; NULL when unknown */
	char *message;		/* without the "file:line:" prefix */
	char *file;
	int line;		/* 0 when unknown */
	char *city;		/* slug of the city whose compute failed */
	char *survey;
	char *metric;		/* id of the metric whose compute failed */
};

struct plugin_result {
	struct plugin_metric *metrics;	/* in declaration order */
	size_t nmetrics;		/* 0 when the plugin failed */
	struct plugin_error error;	/* message NULL when ok */
	char *log;			/* what print wrote, each line ended by '\n' (valid UTF-8, no
					   other control characters but tab), bounded as above; NULL: nothing */
};

struct plugin_limits {
	long instructions_per_call;	/* Lua VM instructions in one compute (or the file's main chunk) */
	long instructions_total;	/* across the main chunk and every compute of the file */
	double cpu_seconds;		/* CPU time of the whole child */
	size_t memory_bytes;		/* what the Lua state may allocate */
	double wall_seconds;		/* after this the child is killed */
};

/* 1 when s is one of share, percent, count, number, per_100k, score, else 0 (also for NULL). */
int metric_unit_valid(const char *s);

/* Checks the content of a declared metric (id, title, description, title_fr and description_fr when
 * given, unit, version, inputs) against
 * the contract; ids and input codes by ident_valid.  Returns NULL when it is fine, else a static
 * message naming the field.  Never fails otherwise. */
const char *metric_problem(const struct plugin_metric *m);

/*
 * Reads what a plugin's main chunk returned (stack index v of L: one metric table, or a list of
 * them) into res->metrics, in declaration order, checking every field, and pushes a table of their
 * compute functions.  Returns 0; 1 when the declaration is refused, with the reason (naming the
 * metric and field) in msg; -1 when memory ran out outside L (msg untouched).  On failure res may
 * hold the metrics read so far (release them with metric_free_all).  May raise a Lua error when L
 * runs out of memory: call it under lua_pcall.
 */
int metric_declare(struct lua_State *L, int v, struct plugin_result *res, struct buf *msg);

/* Appends what one print call wrote (n bytes at s, split at newlines) to log, a bounded log of
 * *lines lines: each line made valid UTF-8 (other bytes become U+FFFD, control characters but tab
 * spaces), cut at PLUGIN_LOG_LINE_CHARS characters, ended by '\n'; past PLUGIN_LOG_LINES lines
 * one PLUGIN_LOG_TRUNCATED line is added and the rest dropped.  Never fails: what does not fit
 * in memory is dropped. */
void metric_log_add(struct buf *log, int *lines, const char *s, size_t n);

/* 1 when s (NUL-terminated) is a log as metric_log_add writes it, within its bounds, else 0. */
int metric_log_valid(const char *s);

/* Releases r's metrics (and their values) and leaves r with none; r->error is left as it is. */
void metric_free_all(struct plugin_result *r);

#endif
