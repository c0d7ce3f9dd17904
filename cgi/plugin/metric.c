/* metric.c: what a plugin may declare: its metric tables read from Lua, the checks each field
 * must pass, and the release of declared metrics.
 *
 * One rule per field, shared by both sides of the plugin layer: the sandbox reads a declaration
 * with metric_declare (types first, each with its own message, then metric_problem on the
 * content), and the parent runs metric_problem again on what the child sends back (wire.c), since
 * the child runs code the project does not trust.  Ids and question codes follow ident_valid
 * (query.c), the rule the rest of the program uses for them too.  The declaration is read with raw
 * accesses only, so no metamethod of the plugin's runs while it is read.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lua.h>
#include <lauxlib.h>

#include "buf.h"
#include "metric.h"
#include "query.h"
#include "utf8.h"

static const char *const units[] = { "share", "percent", "count", "number", "per_100k", "score", NULL };

int
metric_unit_valid(const char *s)
{
	const char *const *u;

	for (u = units; s && *u; u++)
		if (strcmp(s, *u) == 0)
			return 1;
	return 0;
}

/* 1 when s is 1 to max bytes of UTF-8 without control characters (but newline and tab when
 * multiline), else 0. */
static int
text_ok(const char *s, size_t max, int multiline)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > max || !utf8_valid(s, n))
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c < 0x20 && !(multiline && (c == '\n' || c == '\t'))) || c == 0x7f)
			return 0;
	}
	return 1;
}

const char *
metric_problem(const struct plugin_metric *m)
{
	size_t i, j;

	if (!m->id || !ident_valid(m->id))
		return "field 'id' must be [a-z0-9_], 1 to 64 characters";
	if (!m->title || !text_ok(m->title, PLUGIN_TITLE_MAX, 0))
		return "field 'title' must be 1 to 200 bytes of UTF-8 text on one line";
	if (!m->description || !text_ok(m->description, PLUGIN_DESCRIPTION_MAX, 1))
		return "field 'description' must be 1 to 2000 bytes of UTF-8 text";
	if (m->title_fr && !text_ok(m->title_fr, PLUGIN_TITLE_MAX, 0))
		return "field 'title_fr' must be 1 to 200 bytes of UTF-8 text on one line";
	if (m->description_fr && !text_ok(m->description_fr, PLUGIN_DESCRIPTION_MAX, 1))
		return "field 'description_fr' must be 1 to 2000 bytes of UTF-8 text";
	if (!m->unit || !metric_unit_valid(m->unit))
		return "field 'unit' must be one of share, percent, count, number, per_100k, score";
	if (!m->version || !*m->version || strlen(m->version) > PLUGIN_VERSION_MAX ||
	    strspn(m->version, "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ._+-")
	    != strlen(m->version))
		return "field 'version' must be 1 to 32 characters of [A-Za-z0-9._+-]";
	if (m->ninputs > PLUGIN_MAX_INPUTS)
		return "too many inputs";
	for (i = 0; i < m->ninputs; i++) {
		if (!m->inputs[i] || !ident_valid(m->inputs[i]))
			return "an input is not a question code ([a-z0-9_], 1 to 64 characters)";
		for (j = 0; j < i; j++)
			if (strcmp(m->inputs[i], m->inputs[j]) == 0)
				return "field 'inputs' names a question twice";
	}
	return NULL;
}

static void
release(struct plugin_metric *m)
{
	size_t i;

	free(m->id);
	free(m->title);
	free(m->description);
	free(m->title_fr);
	free(m->description_fr);
	free(m->unit);
	free(m->version);
	for (i = 0; i < m->ninputs; i++)
		free(m->inputs[i]);
	free(m->inputs);
	free(m->values);
	memset(m, 0, sizeof(*m));
}

void
metric_free_all(struct plugin_result *r)
{
	size_t i;

	for (i = 0; i < r->nmetrics; i++)
		release(&r->metrics[i]);
	free(r->metrics);
	r->metrics = NULL;
	r->nmetrics = 0;
}

/* --- the print log --------------------------------------------------------------------------- */

void
metric_log_add(struct buf *log, int *lines, const char *s, size_t n)
{
	size_t i = 0;

	do {
		size_t chars = 0, start = log->len;

		if (*lines >= PLUGIN_LOG_LINES) {
			if (*lines == PLUGIN_LOG_LINES && buf_puts(log, PLUGIN_LOG_TRUNCATED "\n") == 0)
				(*lines)++;
			return;
		}
		while (i < n && s[i] != '\n') {
			unsigned long cp = 0;
			size_t k = utf8_decode(s + i, n - i, &cp);
			int e = 0;

			if (chars < PLUGIN_LOG_LINE_CHARS) {
				if (k == 0)
					e = buf_puts(log, "\xef\xbf\xbd");
				else if ((cp < 0x20 && cp != '\t') || (cp >= 0x7f && cp < 0xa0))
					e = buf_putc(log, ' ');
				else
					e = buf_append(log, s + i, k);
				if (e) {
					log->len = start;
					return;
				}
			}
			chars++;
			i += k ? k : 1;
		}
		if (buf_putc(log, '\n') != 0) {
			log->len = start;
			return;
		}
		(*lines)++;
		i++;		/* past the newline, or past the end */
	} while (i <= n && !(i == n && n > 0 && s[n - 1] == '\n'));
}

int
metric_log_valid(const char *s)
{
	size_t n = strlen(s), i, lines = 0, chars = 0;

	if (n > PLUGIN_LOG_MAX || !utf8_valid(s, n) || (n > 0 && s[n - 1] != '\n'))
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\n') {
			lines++;
			chars = 0;
		} else if ((c < 0x20 && c != '\t') || c == 0x7f) {
			return 0;
		} else if ((c & 0xc0) != 0x80 && ++chars > PLUGIN_LOG_LINE_CHARS) {
			return 0;
		}
	}
	return lines <= PLUGIN_LOG_LINES + 1;
}

/* --- reading a declaration from the plugin's Lua state ---------------------------------------- */

static const char *const fields_allowed[] = {
	"id", "title", "description", "unit", "higher_is_better", "version", "inputs", "compute",
	"title_fr", "description_fr", NULL
};

#define PROBLEMS_MAX	(PLUGIN_MESSAGE_MAX - 100)	/* bytes of problems listed, then "and more" */

/* Adds one problem to msg ("; " between two) and returns 1, the status of a refused declaration.
 * Every problem of a declaration is listed, up to PROBLEMS_MAX bytes. */
static int
refuse(struct buf *msg, const char *fmt, ...)
{
	va_list ap;
	size_t start = msg->len;

	if (msg->len >= PROBLEMS_MAX) {
		if (msg->len < PROBLEMS_MAX + 16 && (msg->len < 8 ||
		    strcmp(msg->data + msg->len - 8, "and more") != 0))
			buf_puts(msg, "; and more");
		return 1;
	}
	if (msg->len > 0)
		buf_puts(msg, "; ");
	va_start(ap, fmt);
	if (buf_vprintf(msg, fmt, ap) != 0)
		msg->len = start;
	va_end(ap);
	if (msg->data && msg->len > PROBLEMS_MAX + 16) {
		msg->len = start;
		buf_puts(msg, "; and more");
	}
	if (msg->data)
		msg->data[msg->len] = '\0';
	return 1;
}

/* Edit distance between a and b (at most 64 bytes each, else 99): insertions, deletions,
 * substitutions, and transpositions of two neighbours (the optimal string alignment distance). */
static size_t
distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j, d[65][65];

	if (la > 64 || lb > 64)
		return 99;
	for (i = 0; i <= la; i++)
		d[i][0] = i;
	for (j = 0; j <= lb; j++)
		d[0][j] = j;
	for (i = 1; i <= la; i++)
		for (j = 1; j <= lb; j++) {
			size_t v = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);

			if (d[i - 1][j] + 1 < v)
				v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	return d[la][lb];
}

/* The word of list nearest to s, when it is near enough to be a slip (at most 2 edits, and fewer
 * than a third of its letters), else NULL. */
static const char *
nearest(const char *s, const char *const *list)
{
	const char *best = NULL;
	size_t bd = 99, d, n = strlen(s);

	for (; *list; list++)
		if ((d = distance(s, *list)) < bd) {
			bd = d;
			best = *list;
		}
	return bd > 0 && bd <= 2 && bd * 3 <= (n > strlen(best) ? n : strlen(best)) ? best : NULL;
}

static int
field_known(const char *s)
{
	const char *const *f;

	for (f = fields_allowed; *f; f++)
		if (strcmp(s, *f) == 0)
			return 1;
	return 0;
}

/* Copies the string field key of the table at t into *out.  Returns 0, 1 refused, -1 oom. */
static int
take_string(lua_State *L, int t, const char *key, const char *label, char **out, struct buf *msg)
{
	size_t n;
	const char *s;
	int type, rc;

	lua_pushstring(L, key);
	type = lua_rawget(L, t);
	if (type == LUA_TNIL) {
		rc = refuse(msg, "%s: field '%s' is missing", label, key);
		goto out;
	}
	if (type != LUA_TSTRING) {
		rc = refuse(msg, "%s: field '%s' must be a string, not a %s", label, key,
		    lua_typename(L, type));
		goto out;
	}
	s = lua_tolstring(L, -1, &n);
	if (strlen(s) != n) {
		rc = refuse(msg, "%s: field '%s' contains a NUL byte", label, key);
		goto out;
	}
	rc = (*out = strdup(s)) == NULL ? -1 : 0;
out:
	lua_pop(L, 1);
	return rc;
}

static int
take_inputs(lua_State *L, int t, struct plugin_metric *m, const char *label, struct buf *msg)
{
	lua_Integer n, i, keys = 0;
	int in, bad = 0;

	lua_pushliteral(L, "inputs");
	if (lua_rawget(L, t) != LUA_TTABLE) {
		lua_pop(L, 1);
		return refuse(msg, "%s: field 'inputs' must be a list of question codes", label);
	}
	in = lua_gettop(L);
	n = (lua_Integer)lua_rawlen(L, in);
	lua_pushnil(L);
	while (lua_next(L, in)) {
		lua_pop(L, 1);
		if (++keys > n) {
			lua_pop(L, 2);
			return refuse(msg, "%s: field 'inputs' must be a list of question codes", label);
		}
	}
	if (n > PLUGIN_MAX_INPUTS) {
		lua_pop(L, 1);
		return refuse(msg, "%s: more than %d inputs", label, PLUGIN_MAX_INPUTS);
	}
	if (n > 0 && (m->inputs = calloc((size_t)n, sizeof(*m->inputs))) == NULL) {
		lua_pop(L, 1);
		return -1;
	}
	for (i = 1; i <= n; i++) {
		size_t len;
		const char *code;

		if (lua_rawgeti(L, in, i) != LUA_TSTRING) {
			lua_pop(L, 1);
			bad = refuse(msg, "%s: inputs[%lld] must be a question code (a string)", label,
			    (long long)i);
			continue;
		}
		code = lua_tolstring(L, -1, &len);
		if (strlen(code) != len || !ident_valid(code)) {
			lua_pop(L, 1);
			bad = refuse(msg,
			    "%s: inputs[%lld] is not a question code ([a-z0-9_], 1 to 64 characters)",
			    label, (long long)i);
			continue;
		}
		if ((m->inputs[m->ninputs] = strdup(code)) == NULL) {
			lua_pop(L, 2);
			return -1;
		}
		m->ninputs++;
		lua_pop(L, 1);
	}
	lua_pop(L, 1);
	return bad;
}

/* The same for a field that may be left out (nil: *out stays NULL). */
static int
take_optional_string(lua_State *L, int t, const char *key, const char *label, char **out, struct buf *msg)
{
	int type;

	lua_pushstring(L, key);
	type = lua_rawget(L, t);
	lua_pop(L, 1);
	return type == LUA_TNIL ? 0 : take_string(L, t, key, label, out, msg);
}

/* Reads the metric table at t into m (raw reads: a metatable on it is not consulted) and pushes
 * its compute function onto the stack.  Returns 0, 1 refused (msg lists every problem found, each
 * named with its metric and field), -1 out of memory. */
static int
take_metric(lua_State *L, int t, size_t k, struct plugin_metric *m, struct buf *msg)
{
	char label[PLUGIN_ID_MAX + 16];
	const char *problem, *near;
	int rc, type, bad = 0;

	snprintf(label, sizeof(label), "metric #%zu", k + 1);
	if ((rc = take_string(L, t, "id", label, &m->id, msg)) < 0)
		return rc;
	bad |= rc;
	if (m->id && ident_valid(m->id))
		snprintf(label, sizeof(label), "metric '%s'", m->id);
	else if (m->id)
		bad = refuse(msg, "%s: field 'id' must be [a-z0-9_], 1 to 64 characters", label);
	lua_pushnil(L);
	while (lua_next(L, t)) {
		lua_pop(L, 1);
		if (lua_type(L, -1) != LUA_TSTRING)
			bad = refuse(msg, "%s: unknown field (a %s key)", label, luaL_typename(L, -1));
		else if (!field_known(lua_tostring(L, -1))) {
			near = strlen(lua_tostring(L, -1)) <= 64 ? nearest(lua_tostring(L, -1),
			    fields_allowed) : NULL;
			if (near)
				bad = refuse(msg, "%s: unknown field '%.64s' (did you mean %s?)", label,
				    lua_tostring(L, -1), near);
			else
				bad = refuse(msg, "%s: unknown field '%.64s'", label, lua_tostring(L, -1));
		}
	}
	if ((rc = take_string(L, t, "title", label, &m->title, msg)) < 0)
		return rc;
	bad |= rc;
	if (m->title && !text_ok(m->title, PLUGIN_TITLE_MAX, 0))
		bad = refuse(msg, "%s: field 'title' must be 1 to 200 bytes of UTF-8 text on one line", label);
	if ((rc = take_string(L, t, "description", label, &m->description, msg)) < 0)
		return rc;
	bad |= rc;
	if (m->description && !text_ok(m->description, PLUGIN_DESCRIPTION_MAX, 1))
		bad = refuse(msg, "%s: field 'description' must be 1 to 2000 bytes of UTF-8 text", label);
	if ((rc = take_optional_string(L, t, "title_fr", label, &m->title_fr, msg)) < 0)
		return rc;
	bad |= rc;
	if (m->title_fr && !text_ok(m->title_fr, PLUGIN_TITLE_MAX, 0))
		bad = refuse(msg, "%s: field 'title_fr' must be 1 to 200 bytes of UTF-8 text on one line", label);
	if ((rc = take_optional_string(L, t, "description_fr", label, &m->description_fr, msg)) < 0)
		return rc;
	bad |= rc;
	if (m->description_fr && !text_ok(m->description_fr, PLUGIN_DESCRIPTION_MAX, 1))
		bad = refuse(msg, "%s: field 'description_fr' must be 1 to 2000 bytes of UTF-8 text", label);
	if ((rc = take_string(L, t, "unit", label, &m->unit, msg)) < 0)
		return rc;
	bad |= rc;
	if (m->unit && !metric_unit_valid(m->unit)) {
		near = strlen(m->unit) <= 64 ? nearest(m->unit, units) : NULL;
		bad = refuse(msg, "%s: field 'unit' must be one of share, percent, count, number, "
		    "per_100k, score, not '%.64s'%s%s%s", label, m->unit, near ? " (did you mean " : "",
		    near ? near : "", near ? "?)" : "");
	}
	if ((rc = take_string(L, t, "version", label, &m->version, msg)) < 0)
		return rc;
	bad |= rc;
	lua_pushliteral(L, "higher_is_better");
	type = lua_rawget(L, t);
	m->higher_is_better = lua_toboolean(L, -1);
	lua_pop(L, 1);
	if (type == LUA_TNIL)
		bad = refuse(msg, "%s: field 'higher_is_better' is missing (true or false)", label);
	else if (type != LUA_TBOOLEAN)
		bad = refuse(msg, "%s: field 'higher_is_better' must be true or false", label);
	if ((rc = take_inputs(L, t, m, label, msg)) < 0)
		return rc;
	bad |= rc;
	lua_pushliteral(L, "compute");
	type = lua_rawget(L, t);
	lua_pop(L, 1);
	if (type != LUA_TFUNCTION)
		bad = refuse(msg, "%s: field 'compute' must be a function%s", label,
		    type == LUA_TNIL ? " (it is missing)" : "");
	if (!bad && (problem = metric_problem(m)) != NULL)
		bad = refuse(msg, "%s: %s", label, problem);
	if (bad)
		return 1;
	lua_pushliteral(L, "compute");
	lua_rawget(L, t);
	return 0;
}

int
metric_declare(lua_State *L, int v, struct plugin_result *res, struct buf *msg)
{
	size_t n, k, j;
	int list, computes, rc, bad = 0;

	buf_reset(msg);
	if (lua_type(L, v) != LUA_TTABLE)
		return refuse(msg, "the plugin must return a metric table or a list of them, not a %s",
		    luaL_typename(L, v));
	lua_pushnil(L);
	if (!lua_next(L, v))
		return refuse(msg, "the plugin returned an empty table, not a metric");
	lua_pop(L, 2);
	/* A list has items and no metric fields; anything else is read as one metric. */
	lua_pushliteral(L, "id");
	list = lua_rawget(L, v) == LUA_TNIL;
	lua_pop(L, 1);
	lua_pushliteral(L, "compute");
	list = list && lua_rawget(L, v) == LUA_TNIL && lua_rawlen(L, v) > 0;
	lua_pop(L, 1);
	n = list ? lua_rawlen(L, v) : 1;
	if (n > PLUGIN_MAX_METRICS)
		return refuse(msg, "the plugin declares more than %d metrics", PLUGIN_MAX_METRICS);
	if ((res->metrics = calloc(n, sizeof(*res->metrics))) == NULL)
		return -1;
	lua_createtable(L, (int)n, 0);
	computes = lua_gettop(L);
	for (k = 0; k < n; k++) {
		int t = v;

		if (list) {
			if (lua_rawgeti(L, v, (lua_Integer)k + 1) != LUA_TTABLE) {
				bad = refuse(msg, "metric #%zu must be a table, not a %s", k + 1,
				    luaL_typename(L, -1));
				lua_pop(L, 1);
				continue;
			}
			t = lua_gettop(L);
		}
		res->nmetrics = k + 1;
		if ((rc = take_metric(L, t, k, &res->metrics[k], msg)) < 0)
			return rc;
		if (rc == 0)
			lua_rawseti(L, computes, (lua_Integer)k + 1);
		bad |= rc;
		if (list)
			lua_pop(L, 1);
		for (j = 0; j < k && res->metrics[k].id; j++)
			if (res->metrics[j].id && strcmp(res->metrics[j].id, res->metrics[k].id) == 0)
				bad = refuse(msg, "metric id '%s' is declared twice", res->metrics[k].id);
	}
	return bad;
}
