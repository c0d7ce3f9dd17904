/* sandbox.c: the Lua side of plugins: an allow-listed Lua 5.4 state with budgets.
 *
 * Each plugin gets a state of its own (child.c also gives it a process of its own).  The state is
 * built the way Redis builds its scripting state: libraries opened one by one, then every table
 * trimmed to an allow-list, so a name Lua adds in a later release stays out until someone lets it
 * in.  Kept: the base functions without load, loadfile, dofile, collectgarbage and warn (print
 * writes to a bounded log returned with the result, never to a descriptor);
 * string without dump, pack, packsize and unpack; table; math (random seeded with a constant).
 * No coroutine (nested coroutine.close overflows the C stack in 5.4.4), utf8 (5.4.4's codes
 * accepts spurious continuation bytes; no metric needs it), io, os, debug or package.  Chunks are
 * loaded as text only.  No text names an address: tostring of a table, function, userdata or
 * thread without __tostring is its type's name, string.format's '%s' the same and '%p' refused.
 * xpcall's message handler runs only while the budgets hold (guarded_handler says why).
 *
 * Budgets.  A custom allocator refuses to let the state grow past memory_bytes.  A count hook
 * fires every TICK instructions, charges them to the current call and to the plugin, and checks
 * the process's CPU time; once a budget is exceeded the hook re-arms itself to fire on every
 * instruction and raises an error each time, so a pcall in the plugin only buys one instruction,
 * and the engine reports the budget whatever the plugin did with the error.  The hook never fires
 * inside C functions, so the string functions that can take long on one call are capped: rep's
 * output and the subject of find/match/gmatch/gsub at 1 MiB, patterns (and plain needles) at 256
 * bytes.  1 MiB is 250 times the longest text answer (4000 bytes), so no honest plugin meets the
 * caps, and they bound the work of one call that does not backtrack (the worst measured: 127
 * character classes over 1 MiB, 1.2 s).  What still runs long in C (a backtracking pattern, a
 * table.move over 2^62 slots) is ended by the hard stops (child.c's CPU timer, plugin.c's wall
 * clock), which is why the hook and the wrappers of the string and table functions record the
 * line they run at in the shared progress block.  What the plugin declares is read and checked by
 * metric.c.  Cities come from the parent through a fetch callback, after the plugin has said which
 * questions it reads, in wire.c's encoding.
 *
 * setmetatable refuses metatables with __gc: finalizers run with hooks off.  The string metatable
 * carries __metatable = false, so getmetatable("") cannot hand out the string table.  The state
 * is never closed: the child that owns it _exits.
 */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>

#include "buf.h"
#include "metric.h"
#include "sandbox.h"
#include "wire.h"

#define TICK		1000		/* instructions between two hook calls */
#define RANDOM_SEED	20180620	/* math.random is deterministic: same seed in every state */

enum over { OVER_NONE, OVER_CALL, OVER_TOTAL, OVER_CPU };

struct sandbox {
	lua_State *L;
	size_t mem_used, mem_limit;
	int tick;
	long call_insns, total_insns;
	const struct plugin_limits *lim;
	double cpu_start;
	enum over over;
	struct sandbox_progress *progress;
	int err_line;			/* innermost plugin line of the last error */
	char chunkname[52];		/* "@" and the file name's last 50 bytes */
	struct buf log;			/* what print wrote (metric_log_add bounds it) */
	int log_lines;
};

struct run {				/* what sandbox_run hands to its protected main */
	struct sandbox *s;
	const char *source;
	size_t len;
	size_t ncities;
	sandbox_fetch fetch;
	void *ud;
	struct plugin_result *result;
	const char **codes;		/* the union of the inputs (borrowed from the metrics) */
	size_t ncodes;
	size_t *map;			/* per metric input: its index in codes */
	const unsigned char **vals;	/* per code: the current city's value */
	const char *data;		/* the cities, as fetched (the fetcher's memory) */
	size_t dlen;
	const unsigned char *end;	/* of data */
	int rc;				/* 0 ok, 1 the plugin failed, -1 out of memory */
	struct buf msg;			/* the plugin's error */
	int line;
	long city;
};

static const char *const globals_allowed[] = {
	"assert", "error", "getmetatable", "ipairs", "next", "pairs", "pcall", "rawequal",
	"rawget", "rawlen", "rawset", "select", "setmetatable", "tonumber", "tostring", "type",
	"xpcall", "_G", "_VERSION", "string", "table", "math", NULL
};
static const char *const string_allowed[] = {
	"byte", "char", "find", "format", "gmatch", "gsub", "len", "lower", "match", "rep",
	"reverse", "sub", "upper", NULL
};
static const char *const table_allowed[] = {
	"concat", "insert", "move", "pack", "remove", "sort", "unpack", NULL
};
static const char *const math_allowed[] = {
	"abs", "acos", "asin", "atan", "ceil", "cos", "deg", "exp", "floor", "fmod", "huge",
	"log", "max", "maxinteger", "min", "mininteger", "modf", "pi", "rad", "random",
	"randomseed", "sin", "sqrt", "tan", "tointeger", "type", "ult", NULL
};

static struct sandbox *
sandbox_of(lua_State *L)
{
	void *ud;

	lua_getallocf(L, &ud);
	return ud;
}

static double
cpu_now(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0)
		return 0;
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *
alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
	struct sandbox *s = ud;
	size_t old = ptr ? osize : 0;	/* without a block, osize says what kind of object it is */
	void *p;

	if (nsize == 0) {
		free(ptr);
		s->mem_used -= old;
		return NULL;
	}
	if (nsize > old && nsize - old > s->mem_limit - s->mem_used)
		return NULL;
	if ((p = realloc(ptr, nsize)) == NULL)
		return NULL;
	s->mem_used = s->mem_used - old + nsize;
	return p;
}

static int
panic(lua_State *L)
{
	(void)L;
	/* Everything runs under lua_pcall, so this is a bug in this file, not the plugin's doing. */
	_exit(SANDBOX_EXIT_PANIC);
}

static void
hook(lua_State *L, lua_Debug *ar)
{
	struct sandbox *s = sandbox_of(L);

	if (lua_getinfo(L, "l", ar) && ar->currentline > 0)
		s->progress->line = ar->currentline;
	if (s->over == OVER_NONE) {
		s->call_insns += s->tick;
		s->total_insns += s->tick;
		if (s->call_insns > s->lim->instructions_per_call)
			s->over = OVER_CALL;
		else if (s->total_insns > s->lim->instructions_total)
			s->over = OVER_TOTAL;
		else if (cpu_now() - s->cpu_start > s->lim->cpu_seconds)
			s->over = OVER_CPU;
	}
	if (s->over != OVER_NONE) {
		/* From now on every instruction of every thread that gets here raises again. */
		lua_sethook(L, hook, LUA_MASKCOUNT, 1);
		lua_pushliteral(L, "stopped: over budget");
		lua_error(L);
	}
}

/* Message handler: remembers the innermost line of the plugin where the error happened. */
static int
msgh(lua_State *L)
{
	struct sandbox *s = sandbox_of(L);
	lua_Debug ar;
	int level;

	s->err_line = 0;
	for (level = 1; lua_getstack(L, level, &ar); level++) {
		if (lua_getinfo(L, "l", &ar) && ar.currentline > 0) {
			s->err_line = ar.currentline;
			break;
		}
	}
	return 1;
}

static void
note_line(lua_State *L)
{
	lua_Debug ar;

	if (lua_getstack(L, 1, &ar) && lua_getinfo(L, "l", &ar) && ar.currentline > 0)
		sandbox_of(L)->progress->line = ar.currentline;
}

/* Calls the wrapped library function (upvalue 1) with the arguments as they are. */
static int
call_wrapped(lua_State *L)
{
	int n = lua_gettop(L);

	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, n, LUA_MULTRET);
	return lua_gettop(L);
}

static int
check_pattern_args(lua_State *L, const char *fn)
{
	size_t n, p;

	luaL_checklstring(L, 1, &n);
	luaL_checklstring(L, 2, &p);
	if (n > SANDBOX_STRING_MAX)
		return luaL_error(L, "string.%s: a subject of %I bytes is over the sandbox's limit of %I",
		    fn, (lua_Integer)n, (lua_Integer)SANDBOX_STRING_MAX);
	if (p > SANDBOX_PATTERN_MAX)
		return luaL_error(L, "string.%s: a pattern of %I bytes is over the sandbox's limit of %I",
		    fn, (lua_Integer)p, (lua_Integer)SANDBOX_PATTERN_MAX);
	note_line(L);
	return 0;
}

static int
wrap_find(lua_State *L)
{
	check_pattern_args(L, "find");
	return call_wrapped(L);
}

static int
wrap_match(lua_State *L)
{
	check_pattern_args(L, "match");
	return call_wrapped(L);
}

static int
wrap_gmatch(lua_State *L)
{
	check_pattern_args(L, "gmatch");
	return call_wrapped(L);
}

static int
wrap_gsub(lua_State *L)
{
	check_pattern_args(L, "gsub");
	return call_wrapped(L);
}

static int
wrap_rep(lua_State *L)
{
	size_t l, lsep = 0;
	lua_Integer n;

	luaL_checklstring(L, 1, &l);
	n = luaL_checkinteger(L, 2);
	luaL_optlstring(L, 3, "", &lsep);
	if (n > 0 && (double)l * (double)n + (double)lsep * (double)(n - 1) > SANDBOX_STRING_MAX)
		return luaL_error(L, "string.rep: the result would be over the sandbox's limit of %I bytes",
		    (lua_Integer)SANDBOX_STRING_MAX);
	return call_wrapped(L);
}

static int
wrap_setmetatable(lua_State *L)
{
	luaL_checktype(L, 1, LUA_TTABLE);
	luaL_argexpected(L, lua_type(L, 2) == LUA_TNIL || lua_type(L, 2) == LUA_TTABLE, 2, "nil or table");
	if (lua_type(L, 2) == LUA_TTABLE) {
		lua_pushliteral(L, "__gc");
		if (lua_rawget(L, 2) != LUA_TNIL)
			return luaL_error(L, "setmetatable: __gc is not allowed in the sandbox");
		lua_pop(L, 1);
	}
	return call_wrapped(L);
}

/* The table functions can run long inside C (table.move over 2^62 slots): record the line first,
 * for the report should the hard stop end them. */
static int
wrap_noted(lua_State *L)
{
	note_line(L);
	return call_wrapped(L);
}

static int addressed(lua_State *L, int i);

/* print: to the plugin's bounded log (returned with previews, shown by plugin check and test),
 * each value as tostring gives it: never an address. */
static int
sandbox_print(lua_State *L)
{
	struct sandbox *s = sandbox_of(L);
	int n = lua_gettop(L), i;
	luaL_Buffer b;
	size_t len;
	const char *text;

	if (s->log_lines > PLUGIN_LOG_LINES)
		return 0;
	luaL_buffinit(L, &b);
	for (i = 1; i <= n; i++) {
		if (i > 1)
			luaL_addchar(&b, '\t');
		if (addressed(L, i))
			lua_pushstring(L, luaL_typename(L, i));
		else
			luaL_tolstring(L, i, NULL);
		luaL_addvalue(&b);
	}
	luaL_pushresult(&b);
	text = lua_tolstring(L, -1, &len);
	metric_log_add(&s->log, &s->log_lines, text, len);
	return 0;
}

static int
wrap_randomseed(lua_State *L)
{
	/* Without arguments Lua would seed from the clock. */
	if (lua_gettop(L) == 0)
		lua_pushinteger(L, RANDOM_SEED);
	return call_wrapped(L);
}

/* A table, function, userdata or thread without __tostring has no text but its type's name: Lua's
 * own "table: 0x55d0..." would hand the plugin (and the preview's reader) an address. */
static int
addressed(lua_State *L, int i)
{
	int t = lua_type(L, i);

	if (t != LUA_TTABLE && t != LUA_TFUNCTION && t != LUA_TUSERDATA &&
	    t != LUA_TLIGHTUSERDATA && t != LUA_TTHREAD)
		return 0;
	if (luaL_getmetafield(L, i, "__tostring") == LUA_TNIL)
		return 1;
	lua_pop(L, 1);
	return 0;
}

static int
safe_tostring(lua_State *L)
{
	luaL_checkany(L, 1);
	if (addressed(L, 1))
		lua_pushstring(L, luaL_typename(L, 1));
	else
		luaL_tolstring(L, 1, NULL);
	return 1;
}

/* string.format without '%p', and with the neutral text of safe_tostring for a '%s' of a value
 * that would otherwise print its address. */
static int
wrap_format(lua_State *L)
{
	size_t n;
	const char *f = luaL_checklstring(L, 1, &n), *end = f + n;
	int arg = 1;

	while (f < end) {
		if (*f++ != '%')
			continue;
		if (f < end && *f == '%') {
			f++;
			continue;
		}
		arg++;
		while (f < end && strchr("-+ #0123456789.", *f))
			f++;
		if (f < end && *f == 'p')
			return luaL_error(L, "string.format: '%%p' is not allowed in the sandbox "
			    "(it prints an address)");
		if (f < end && *f == 's' && arg <= lua_gettop(L) && addressed(L, arg)) {
			lua_pushstring(L, luaL_typename(L, arg));
			lua_replace(L, arg);
		}
	}
	return call_wrapped(L);
}

/* The plugin's message handler runs only while the budgets hold.  Lua calls a handler for an error
 * raised by the count hook with hooks off (it is still inside the hook), where an endless loop in
 * the handler would be stopped by the CPU timer alone: once over, the error goes on as it is.  An
 * error the plugin raised itself is handled with the hook armed, so a loop there is counted. */
static int
guarded_handler(lua_State *L)
{
	if (sandbox_of(L)->over != OVER_NONE)
		return 1;
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, lua_gettop(L) - 1, 1);
	return 1;
}

static int
wrap_xpcall(lua_State *L)
{
	luaL_checktype(L, 2, LUA_TFUNCTION);
	lua_pushvalue(L, 2);
	lua_pushcclosure(L, guarded_handler, 1);
	lua_replace(L, 2);
	return call_wrapped(L);
}

static int
listed(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(s, *list) == 0)
			return 1;
	return 0;
}

/* Removes from the table on top of the stack every key that is not on the list. */
static void
keep_only(lua_State *L, const char *const *allowed)
{
	int t = lua_gettop(L);

	lua_pushnil(L);
	while (lua_next(L, t)) {
		lua_pop(L, 1);
		if (lua_type(L, -1) != LUA_TSTRING || !listed(lua_tostring(L, -1), allowed)) {
			/* Clearing a field that exists is allowed during a traversal. */
			lua_pushvalue(L, -1);
			lua_pushnil(L);
			lua_rawset(L, t);
		}
	}
}

/* Replaces field name of the table at t by fn wrapping the original. */
static void
wrap(lua_State *L, int t, const char *name, lua_CFunction fn)
{
	lua_getfield(L, t, name);
	lua_pushcclosure(L, fn, 1);
	lua_setfield(L, t, name);
}

/* Lua names a C function in its messages by finding it in the loaded-modules table: keep the
 * originals there (the registry is out of the plugin's reach), so that an error raised inside a
 * wrapped function still says "bad argument #1 to 'table.insert'", not '?'. */
static void
keep_originals(lua_State *L, const char *name)
{
	int t;

	lua_getfield(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
	if (strcmp(name, LUA_GNAME) == 0)
		lua_pushglobaltable(L);
	else
		lua_getglobal(L, name);
	t = lua_gettop(L);
	lua_newtable(L);
	lua_pushnil(L);
	while (lua_next(L, t)) {
		lua_pushvalue(L, -2);
		lua_insert(L, -2);
		lua_rawset(L, -4);
	}
	lua_setfield(L, -3, name);
	lua_pop(L, 2);
}

static void
open_libraries(lua_State *L)
{
	static const luaL_Reg libs[] = {
		{ LUA_GNAME, luaopen_base },
		{ LUA_STRLIBNAME, luaopen_string },
		{ LUA_TABLIBNAME, luaopen_table },
		{ LUA_MATHLIBNAME, luaopen_math },
		{ NULL, NULL }
	};
	static const struct { const char *name; const char *const *allowed; } trims[] = {
		{ LUA_STRLIBNAME, string_allowed },
		{ LUA_TABLIBNAME, table_allowed },
		{ LUA_MATHLIBNAME, math_allowed },
	};
	const luaL_Reg *lib;
	size_t i;
	int t;

	for (lib = libs; lib->func; lib++) {
		luaL_requiref(L, lib->name, lib->func, 1);
		lua_pop(L, 1);
	}
	lua_pushglobaltable(L);
	keep_only(L, globals_allowed);
	lua_pop(L, 1);
	for (i = 0; i < sizeof(trims) / sizeof(trims[0]); i++) {
		lua_getglobal(L, trims[i].name);
		keep_only(L, trims[i].allowed);
		lua_pop(L, 1);
	}
	for (lib = libs; lib->func; lib++)
		keep_originals(L, lib->name);

	lua_pushglobaltable(L);
	wrap(L, lua_gettop(L), "setmetatable", wrap_setmetatable);
	wrap(L, lua_gettop(L), "xpcall", wrap_xpcall);
	lua_pushcfunction(L, safe_tostring);
	lua_setfield(L, -2, "tostring");
	lua_pushcfunction(L, sandbox_print);
	lua_setfield(L, -2, "print");
	lua_pop(L, 1);
	lua_getglobal(L, LUA_STRLIBNAME);
	t = lua_gettop(L);
	wrap(L, t, "rep", wrap_rep);
	wrap(L, t, "find", wrap_find);
	wrap(L, t, "match", wrap_match);
	wrap(L, t, "gmatch", wrap_gmatch);
	wrap(L, t, "gsub", wrap_gsub);
	wrap(L, t, "format", wrap_format);
	lua_pop(L, 1);
	lua_getglobal(L, LUA_TABLIBNAME);
	t = lua_gettop(L);
	for (i = 0; table_allowed[i]; i++)
		if (strcmp(table_allowed[i], "pack") != 0)
			wrap(L, t, table_allowed[i], wrap_noted);
	lua_pop(L, 1);

	/* The string metatable's __index is the string table itself: hide the metatable. */
	lua_pushliteral(L, "");
	if (lua_getmetatable(L, -1)) {
		lua_pushboolean(L, 0);
		lua_setfield(L, -2, "__metatable");
		lua_pop(L, 1);
	}
	lua_pop(L, 1);

	lua_getglobal(L, LUA_MATHLIBNAME);
	t = lua_gettop(L);
	wrap(L, t, "randomseed", wrap_randomseed);
	lua_getfield(L, t, "randomseed");
	lua_pushinteger(L, RANDOM_SEED);
	lua_call(L, 1, 0);
	lua_pop(L, 1);
}

static void
fail(struct run *r, int line, const char *fmt, ...)
{
	va_list ap;

	buf_reset(&r->msg);
	va_start(ap, fmt);
	buf_vprintf(&r->msg, fmt, ap);
	va_end(ap);
	r->line = line;
	r->rc = 1;
}

/* Fails r with the budget that was exceeded, or with the memory budget when status says memory ran
 * out: returns 1 then, else 0. */
static int
fail_over(struct run *r, int status)
{
	struct sandbox *s = r->s;
	const struct plugin_limits *lim = s->lim;
	int line = s->progress->line;

	switch (s->over) {
	case OVER_CALL:
		fail(r, line, "stopped: exceeded its budget of %ld instructions per call",
		    lim->instructions_per_call);
		return 1;
	case OVER_TOTAL:
		fail(r, line, "stopped: exceeded its total budget of %ld instructions",
		    lim->instructions_total);
		return 1;
	case OVER_CPU:
		fail(r, line, "stopped: exceeded its CPU budget (%g s)", lim->cpu_seconds);
		return 1;
	case OVER_NONE:
		break;
	}
	if (status == LUA_ERRMEM) {
		if (lim->memory_bytes % (1024 * 1024) == 0)
			fail(r, line, "stopped: exceeded its memory budget (%zu MiB)",
			    lim->memory_bytes / (1024 * 1024));
		else
			fail(r, line, "stopped: exceeded its memory budget (%zu bytes)", lim->memory_bytes);
		return 1;
	}
	return 0;
}

static int
tostring_protected(lua_State *L)
{
	luaL_tolstring(L, 1, NULL);
	return 1;
}

/* Turns the error of a failed lua_pcall (status, error object on top) into r's message and line,
 * and pops it.  An error object that is not a string goes through its __tostring, under a fresh
 * per-call budget: that Lua code may loop too. */
static void
take_error(struct run *r, int status)
{
	struct sandbox *s = r->s;
	lua_State *L = s->L;
	const char *text, *short_src = s->chunkname + 1;
	size_t n, k = strlen(short_src);
	int line = s->err_line;

	if (fail_over(r, status))
		goto out;
	if (lua_type(L, -1) != LUA_TSTRING && lua_type(L, -1) != LUA_TNUMBER) {
		const char *type = luaL_typename(L, -1);

		if (luaL_getmetafield(L, -1, "__tostring") == LUA_TNIL) {
			fail(r, line, "error object is a %s value", type);
			goto out;
		}
		lua_pop(L, 1);
		s->call_insns = 0;
		lua_pushcfunction(L, tostring_protected);
		lua_insert(L, -2);
		status = lua_pcall(L, 1, 1, 0);
		if (fail_over(r, status))
			goto out;
		if (status != LUA_OK || lua_type(L, -1) != LUA_TSTRING) {
			fail(r, line, "error object is a %s value (its __tostring failed)", type);
			goto out;
		}
	}
	text = lua_tolstring(L, -1, &n);
	/* "file:12: message": the line Lua put in front is the one to report. */
	if (n > k + 2 && strncmp(text, short_src, k) == 0 && text[k] == ':' &&
	    text[k + 1] >= '0' && text[k + 1] <= '9') {
		size_t i = k + 1;
		long l = 0;

		while (i < n && text[i] >= '0' && text[i] <= '9' && l < 100000000)
			l = l * 10 + (text[i++] - '0');
		if (i + 1 < n && text[i] == ':' && text[i + 1] == ' ') {
			line = (int)l;
			text += i + 2;
			n -= i + 2;
		}
	}
	fail(r, line, "%.*s", (int)(n > PLUGIN_MESSAGE_MAX * 4 ? PLUGIN_MESSAGE_MAX * 4 : n), text);
out:
	lua_pop(L, 1);
}

/* Pushes the value at *p (checked by wire_city_next before) and moves *p past it.  Returns 1, or 0
 * for nil, which is not pushed. */
static int
push_value(lua_State *L, const unsigned char **p, const unsigned char *end)
{
	struct wire_value v;
	lua_Integer k = 0;
	uint32_t i;

	*p = wire_value_read(*p, end, &v);
	switch (v.tag) {
	case WIRE_FALSE:
	case WIRE_TRUE:
		lua_pushboolean(L, v.tag == WIRE_TRUE);
		return 1;
	case WIRE_INT:
		lua_pushinteger(L, (lua_Integer)v.i);
		return 1;
	case WIRE_FLOAT:
		lua_pushnumber(L, v.d);
		return 1;
	case WIRE_STRING:
		lua_pushlstring(L, v.s, v.len);
		return 1;
	case WIRE_LIST:
		lua_createtable(L, (int)(v.n < 1024 ? v.n : 1024), 0);
		for (i = 0; i < v.n; i++)
			if (push_value(L, p, end))
				lua_rawseti(L, -2, ++k);
		return 1;
	default:
		return 0;
	}
}

static void
set_metric_progress(struct sandbox_progress *p, const char *id)
{
	size_t i;

	for (i = 0; id[i] && i < PLUGIN_ID_MAX; i++)
		p->metric[i] = id[i];
	p->metric[i] = '\0';
}

/* The union of the metrics' inputs into r->codes, and where each metric's inputs sit in it into
 * r->map.  Returns 0, or -1 out of memory. */
static int
union_inputs(struct run *r)
{
	struct plugin_result *res = r->result;
	size_t total = 0, k, i, j, at = 0;

	for (k = 0; k < res->nmetrics; k++)
		total += res->metrics[k].ninputs;
	if ((r->codes = malloc((total ? total : 1) * sizeof(*r->codes))) == NULL ||
	    (r->map = malloc((total ? total : 1) * sizeof(*r->map))) == NULL ||
	    (r->vals = malloc((total ? total : 1) * sizeof(*r->vals))) == NULL)
		return -1;
	for (k = 0; k < res->nmetrics; k++) {
		const struct plugin_metric *m = &res->metrics[k];

		for (i = 0; i < m->ninputs; i++) {
			for (j = 0; j < r->ncodes && strcmp(r->codes[j], m->inputs[i]) != 0; j++)
				;
			if (j == r->ncodes)
				r->codes[r->ncodes++] = m->inputs[i];
			r->map[at++] = j;
		}
	}
	return 0;
}

/* __index of a city's answers: nil for a declared code without an answer; for any other code, the
 * error the contract asks for, naming the code, at the plugin's line (level 1: the Lua code that read
 * it).  Upvalue 1: the declared codes, as a set. */
static int
answers_index(lua_State *L)
{
	const char *code;

	if (lua_type(L, 2) != LUA_TSTRING) {
		lua_pushnil(L);
		return 1;
	}
	lua_pushvalue(L, 2);
	if (lua_rawget(L, lua_upvalueindex(1)) != LUA_TNIL) {
		lua_pushnil(L);
		return 1;
	}
	code = lua_tostring(L, 2);
	return luaL_error(L, "city.answers.%s: \"%s\" is not in the metric's inputs (declare it in inputs "
	    "to read it)", code, code);
}

/* Pushes the metatable of metric m's answers (built once per metric, kept in the registry). */
static void
push_answers_meta(lua_State *L, const struct plugin_metric *m)
{
	size_t i;

	if (lua_rawgetp(L, LUA_REGISTRYINDEX, m) == LUA_TTABLE)
		return;
	lua_pop(L, 1);
	lua_createtable(L, 0, 2);
	lua_createtable(L, 0, (int)m->ninputs);
	for (i = 0; i < m->ninputs; i++) {
		lua_pushboolean(L, 1);
		lua_setfield(L, -2, m->inputs[i]);
	}
	lua_pushcclosure(L, answers_index, 1);
	lua_setfield(L, -2, "__index");
	lua_pushboolean(L, 0);
	lua_setfield(L, -2, "__metatable");	/* the plugin cannot take it off */
	lua_pushvalue(L, -1);
	lua_rawsetp(L, LUA_REGISTRYINDEX, m);
}

static void
push_city(struct run *r, lua_State *L, const struct plugin_metric *m, const size_t *map,
    const struct wire_city *c)
{
	size_t i;

	lua_createtable(L, 0, 4);
	if (c->slug) {
		lua_pushlstring(L, c->slug, c->slen);
		lua_setfield(L, -2, "slug");
	}
	if (c->survey) {
		lua_pushlstring(L, c->survey, c->svlen);
		lua_setfield(L, -2, "survey");
	}
	if (!isnan(c->population)) {
		if (c->population == floor(c->population) && fabs(c->population) < 9007199254740992.0)
			lua_pushinteger(L, (lua_Integer)c->population);
		else
			lua_pushnumber(L, c->population);
		lua_setfield(L, -2, "population");
	}
	lua_createtable(L, 0, (int)m->ninputs);
	for (i = 0; i < m->ninputs; i++) {
		const unsigned char *v = r->vals[map[i]];

		if (push_value(L, &v, r->end))
			lua_setfield(L, -2, m->inputs[i]);
	}
	push_answers_meta(L, m);
	lua_setmetatable(L, -2);
	lua_setfield(L, -2, "answers");
}

/* Stores what compute left on top of the stack as the value of metric m for city i, or fails r.
 * Pops it either way. */
static int
take_value(struct run *r, lua_State *L, struct plugin_metric *m, size_t i)
{
	int type = lua_type(L, -1);
	double d;

	if (type == LUA_TNIL) {
		m->values[i] = NAN;
	} else if (type == LUA_TNUMBER) {
		d = lua_isinteger(L, -1) ? (double)lua_tointeger(L, -1) : (double)lua_tonumber(L, -1);
		if (!isfinite(d)) {
			fail(r, 0, "compute returned %s; it must return a finite number or nil",
			    isnan(d) ? "NaN (0/0)" : "an infinite number");
			lua_pop(L, 1);
			return -1;
		}
		m->values[i] = d;
	} else {
		fail(r, 0, "compute returned a %s; it must return a finite number or nil",
		    lua_typename(L, type));
		lua_pop(L, 1);
		return -1;
	}
	lua_pop(L, 1);
	return 0;
}

/* Gets the cities and calls every metric's compute on each, city by city. */
static int
compute_all(struct run *r, lua_State *L, int h, int computes)
{
	struct sandbox *s = r->s;
	struct plugin_result *res = r->result;
	struct wire_cities c;
	struct wire_city city;
	size_t i, k, base;

	if (r->ncities == 0)
		return 0;
	for (k = 0; k < res->nmetrics; k++)
		if ((res->metrics[k].values = malloc(r->ncities * sizeof(double))) == NULL)
			goto oom;
	if (union_inputs(r) != 0)
		goto oom;
	if (r->fetch(r->ud, r->codes, r->ncodes, &r->data, &r->dlen) != 0) {
		fail(r, 0, "could not get the cities");
		r->rc = -1;
		return -1;
	}
	r->end = (const unsigned char *)r->data + r->dlen;
	if (wire_cities_open(&c, r->data, r->dlen, r->ncities, r->ncodes) != 0)
		goto malformed;

	s->progress->phase = SANDBOX_COMPUTING;
	for (i = 0; i < r->ncities; i++) {
		if (wire_city_next(&c, &city, r->vals) != 0)
			goto malformed;
		for (k = 0, base = 0; k < res->nmetrics; base += res->metrics[k].ninputs, k++) {
			struct plugin_metric *m = &res->metrics[k];
			int status;

			s->progress->city = (long)i;
			set_metric_progress(s->progress, m->id);
			s->call_insns = 0;
			s->err_line = 0;
			lua_rawgeti(L, computes, (lua_Integer)k + 1);
			push_city(r, L, m, r->map + base, &city);
			status = lua_pcall(L, 1, 1, h);
			if (status != LUA_OK || s->over != OVER_NONE) {
				take_error(r, status);	/* pops the error, or the result */
				r->city = (long)i;
				return -1;
			}
			if (take_value(r, L, m, i) != 0) {
				r->city = (long)i;
				return -1;
			}
		}
	}
	if (wire_cities_close(&c) != 0)
		goto malformed;
	s->progress->phase = SANDBOX_DONE;
	return 0;
malformed:
	fail(r, 0, "the cities arrived malformed");
	r->rc = -1;
	return -1;
oom:
	r->rc = -1;
	return -1;
}

/* Everything that touches the Lua state, run under one lua_pcall so that a memory error in the
 * engine's own API calls (the plugin may have filled the budget) cannot reach the panic handler. */
static int
protected_main(lua_State *L)
{
	struct run *r = lua_touserdata(L, 1);
	struct sandbox *s = r->s;
	int h, v, status;

	lua_settop(L, 0);
	open_libraries(L);
	lua_pushcfunction(L, msgh);
	h = lua_gettop(L);

	s->progress->phase = SANDBOX_LOADING;
	s->cpu_start = cpu_now();
	lua_sethook(L, hook, LUA_MASKCOUNT, s->tick);
	status = luaL_loadbufferx(L, r->source, r->len, s->chunkname, "t");
	if (status != LUA_OK) {
		s->err_line = 0;
		take_error(r, status);
		return 0;
	}
	s->call_insns = 0;
	s->err_line = 0;
	status = lua_pcall(L, 0, 1, h);
	if (status != LUA_OK || s->over != OVER_NONE) {
		take_error(r, status);
		return 0;
	}
	v = lua_gettop(L);
	s->progress->phase = SANDBOX_VALIDATING;
	if ((r->rc = metric_declare(L, v, r->result, &r->msg)) != 0)
		return 0;
	compute_all(r, L, h, lua_gettop(L));
	return 0;
}

int
sandbox_run(const char *file, const char *source, size_t len, size_t ncities,
    const struct plugin_limits *lim, struct sandbox_progress *progress, sandbox_fetch fetch,
    void *ud, struct plugin_result *result, long *err_city, int close_state)
{
	struct sandbox s;
	struct sandbox_progress own;
	struct run r;
	size_t n = strlen(file);
	int status;

	memset(&s, 0, sizeof(s));
	memset(&r, 0, sizeof(r));
	memset(result, 0, sizeof(*result));
	*err_city = -1;
	if (progress == NULL) {
		memset(&own, 0, sizeof(own));
		progress = &own;
	}
	progress->phase = SANDBOX_SETUP;
	progress->line = 0;
	progress->city = -1;
	progress->metric[0] = '\0';

	s.lim = lim;
	s.mem_limit = lim->memory_bytes;
	s.progress = progress;
	s.tick = lim->instructions_per_call < TICK ? (int)lim->instructions_per_call : TICK;
	if (s.tick < 1)
		s.tick = 1;
	s.chunkname[0] = '@';
	/* Short enough that Lua's messages show the name whole: then the prefix can be matched. */
	strcpy(s.chunkname + 1, n > sizeof(s.chunkname) - 2 ? file + n - (sizeof(s.chunkname) - 2) : file);

	r.s = &s;
	r.source = source;
	r.len = len;
	r.ncities = ncities;
	r.fetch = fetch;
	r.ud = ud;
	r.result = result;
	r.city = -1;

	if ((s.L = lua_newstate(alloc, &s)) == NULL) {
		fail(&r, 0, "stopped: its memory budget is too small to start");
		goto out;
	}
	lua_atpanic(s.L, panic);
	lua_pushcfunction(s.L, protected_main);
	lua_pushlightuserdata(s.L, &r);
	status = lua_pcall(s.L, 1, 0, 0);
	if (status != LUA_OK && r.rc == 0) {
		/* An error outside the plugin's own calls: the budget it used up, or a bug here. */
		if (!fail_over(&r, status))
			fail(&r, 0, "the sandbox failed: %s",
			    lua_type(s.L, -1) == LUA_TSTRING ? lua_tostring(s.L, -1) : "?");
	}
out:
	if (r.rc != 0) {
		if (r.city < 0 && progress->phase == SANDBOX_COMPUTING)
			r.city = progress->city;
		metric_free_all(result);	/* the metrics read so far; the error is still empty */
		if (r.msg.len == 0 && r.rc < 0)
			buf_puts(&r.msg, "out of memory outside the plugin's budget");
		result->error.message = buf_steal(&r.msg, NULL);
		result->error.line = r.line;
		if (r.city >= 0 && result->error.message && progress->metric[0])
			result->error.metric = strdup((const char *)progress->metric);
		*err_city = r.city;
	}
	if (s.log.len > 0)
		result->log = buf_steal(&s.log, NULL);
	buf_free(&s.log);
	buf_free(&r.msg);
	free(r.codes);
	free(r.map);
	free(r.vals);
	/* Left open when this process is about to _exit; closed (its memory back under the same
	 * allocator, __gc refused so nothing of the plugin runs) when another plugin follows. */
	if (close_state && s.L)
		lua_close(s.L);
	return r.rc;
}
