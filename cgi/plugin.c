/* plugin.c: runs metric plugins: one forked child per plugin, talking to it over a socket.
 *
 * The Lua side (sandbox.c) stops what it can see: instructions, CPU time checked between them,
 * memory.  This file stops the rest.  The child closes every descriptor it inherited but stderr
 * and its socket (a FastCGI worker's stdin is its listening socket, so stdin and stdout become
 * /dev/null), limits its core size, CPU time and (outside sanitizer builds, where ASan's
 * reserved address space would trip it) its address space, arms a CPU-time timer a quarter second
 * past the budget for work the Lua hook cannot see (a backtracking pattern in C), and installs a
 * seccomp filter under which any system call but read, write, memory management, the CPU clock
 * and exit fails with EPERM: a plugin that escaped the Lua VM still could not open, connect,
 * fork or signal.  The parent talks to the child under a wall-clock deadline and SIGKILLs it
 * after that; a child that was killed is reported with the line, city and metric it last recorded
 * in a shared progress block.  Everything that comes back is length-checked and validated again:
 * the child runs code the project does not trust.
 *
 * The child and the parent talk over a socketpair, in host byte order (both ends are this binary),
 * in frames: u32 type, u64 length, body.  Once the plugin is loaded and valid, the child sends a
 * request frame naming the question codes its metrics read; the parent answers with those
 * answers only, encoded by sandbox_encode_cities (u64 length, then the cities).  The cities are
 * sent rather than read from the parent's memory the child inherited: on the virtual machines the
 * project runs on, a child's first touch of a page it shares with its parent costs about 10 us
 * (measured), and 20,000 cities' JSON answers span tens of thousands of pages.  Last, the child
 * sends its result frame: u32 magic, u8 kind (0 ok, 1 the plugin failed, 2 system error), then
 * for 0: u32 nmetrics and per metric five strings (id, title, description, unit, version), u8
 * higher_is_better, u32 ninputs and the inputs, u64 nvalues and the doubles; for 1 and 2: the
 * message, i32 line, i64 city index, the metric id; then u32 end magic.  A string is a u32 length
 * and its bytes.  The parent bounds every frame before it reads it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "buf.h"
#include "clock.h"
#include "plugin.h"
#include "sandbox.h"
#include "utf8.h"

#define MAGIC		0x31504243u	/* "CBP1" */
#define MAGIC_END	0x444e4542u	/* "BEND" */
#define KIND_OK		0
#define KIND_FAILED	1
#define KIND_SYSTEM	2
#define LINK_FD		3		/* where the child keeps its end of the socket */
#define FRAME_REQUEST	0x51504243u	/* "CBPQ": the child asks for cities */
#define FRAME_RESULT	0x52504243u	/* "CBPR": the child's result */
#define TIMER_GRACE	0.25		/* seconds of CPU past the budget before SIGPROF */

/* Valgrind runs a program's system calls through its own, which the filter would refuse: under
 * valgrind the child goes without the filter and the address-space limit. */
#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif
#ifndef RUNNING_ON_VALGRIND
#define RUNNING_ON_VALGRIND 0
#endif

#if defined(__x86_64__)
#define SECCOMP_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define SECCOMP_ARCH AUDIT_ARCH_AARCH64
#endif

static const char *const units[] = { "share", "percent", "count", "number", "per_100k", "score", NULL };

void
plugin_limits_default(struct plugin_limits *l)
{
	l->instructions_per_call = 10000000;
	l->instructions_total = 200000000;
	l->cpu_seconds = 1.0;
	l->memory_bytes = (size_t)64 * 1024 * 1024;
	l->wall_seconds = 5.0;
}

int
plugin_id_valid(const char *s)
{
	size_t n;

	if (s == NULL)
		return 0;
	n = strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_");
	return n >= 1 && n <= PLUGIN_ID_MAX && s[n] == '\0';
}

int
plugin_unit_valid(const char *s)
{
	const char *const *u;

	for (u = units; s && *u; u++)
		if (strcmp(s, *u) == 0)
			return 1;
	return 0;
}

static void
metric_free(struct plugin_metric *m)
{
	size_t i;

	free(m->id);
	free(m->title);
	free(m->description);
	free(m->unit);
	free(m->version);
	for (i = 0; i < m->ninputs; i++)
		free(m->inputs[i]);
	free(m->inputs);
	free(m->values);
	memset(m, 0, sizeof(*m));
}

static void
metrics_free(struct plugin_result *r)
{
	size_t i;

	for (i = 0; i < r->nmetrics; i++)
		metric_free(&r->metrics[i]);
	free(r->metrics);
	r->metrics = NULL;
	r->nmetrics = 0;
}

void
plugin_result_free(struct plugin_result *r)
{
	if (r == NULL)
		return;
	metrics_free(r);
	free(r->error.message);
	free(r->error.file);
	free(r->error.city);
	free(r->error.survey);
	free(r->error.metric);
	memset(r, 0, sizeof(*r));
}

int
plugin_error_format(const struct plugin_error *e, struct buf *out)
{
	const char *sep = " (";
	int rc = 0;

	if (e->file)
		rc |= buf_printf(out, "%s:", e->file);
	if (e->line > 0)
		rc |= buf_printf(out, "%d:", e->line);
	if (e->file || e->line > 0)
		rc |= buf_putc(out, ' ');
	rc |= buf_puts(out, e->message ? e->message : "unknown error");
	if (e->city) {
		rc |= buf_printf(out, "%scity %s", sep, e->city);
		sep = ", ";
	}
	if (e->survey) {
		rc |= buf_printf(out, "%ssurvey %s", sep, e->survey);
		sep = ", ";
	}
	if (e->metric) {
		rc |= buf_printf(out, "%smetric %s", sep, e->metric);
		sep = ", ";
	}
	if (sep[0] == ',')
		rc |= buf_putc(out, ')');
	return rc ? -1 : 0;
}

/* --- transport ------------------------------------------------------------------------- */

static int
put_u32(struct buf *b, uint32_t v)
{
	return buf_append(b, &v, sizeof(v));
}

static int
put_str(struct buf *b, const char *s, size_t max)
{
	size_t n = s ? strlen(s) : 0;

	if (n > max)
		n = max;
	return put_u32(b, (uint32_t)n) | buf_append(b, s ? s : "", n);
}

static int
encode(struct buf *b, int rc, const struct plugin_result *r, long city, size_t ncities)
{
	uint8_t kind = rc == 0 ? KIND_OK : rc == 1 ? KIND_FAILED : KIND_SYSTEM;
	int e = put_u32(b, MAGIC) | buf_append(b, &kind, 1);
	size_t k, i;

	if (kind != KIND_OK) {
		int32_t line = r->error.line;
		int64_t c = city;

		e |= put_str(b, r->error.message ? r->error.message : "unknown error",
		    PLUGIN_MESSAGE_MAX * 4);
		e |= buf_append(b, &line, sizeof(line)) | buf_append(b, &c, sizeof(c));
		e |= put_str(b, r->error.metric, PLUGIN_ID_MAX);
	} else {
		e |= put_u32(b, (uint32_t)r->nmetrics);
		for (k = 0; k < r->nmetrics; k++) {
			const struct plugin_metric *m = &r->metrics[k];
			uint8_t hib = m->higher_is_better ? 1 : 0;
			uint64_t nv = m->values ? ncities : 0;

			e |= put_str(b, m->id, PLUGIN_ID_MAX) | put_str(b, m->title, PLUGIN_TITLE_MAX);
			e |= put_str(b, m->description, PLUGIN_DESCRIPTION_MAX);
			e |= put_str(b, m->unit, 16) | put_str(b, m->version, PLUGIN_VERSION_MAX);
			e |= buf_append(b, &hib, 1) | put_u32(b, (uint32_t)m->ninputs);
			for (i = 0; i < m->ninputs; i++)
				e |= put_str(b, m->inputs[i], PLUGIN_ID_MAX);
			e |= buf_append(b, &nv, sizeof(nv));
			if (nv)
				e |= buf_append(b, m->values, ncities * sizeof(double));
		}
	}
	e |= put_u32(b, MAGIC_END);
	return e ? -1 : 0;
}

struct reader {
	const unsigned char *p;
	size_t len, off;
	int bad;
};

static void
get(struct reader *r, void *out, size_t n)
{
	if (r->bad || n > r->len - r->off) {
		r->bad = 1;
		memset(out, 0, n);
		return;
	}
	memcpy(out, r->p + r->off, n);
	r->off += n;
}

static uint32_t
get_u32(struct reader *r)
{
	uint32_t v;

	get(r, &v, sizeof(v));
	return v;
}

/* A malloc'd copy of the next string (max bytes at most, no NUL inside), or NULL with r->bad. */
static char *
get_str(struct reader *r, size_t max)
{
	uint32_t n = get_u32(r);
	char *s;

	if (r->bad || n > max || n > r->len - r->off || memchr(r->p + r->off, '\0', n)) {
		r->bad = 1;
		return NULL;
	}
	if ((s = malloc((size_t)n + 1)) == NULL) {
		r->bad = 1;
		return NULL;
	}
	memcpy(s, r->p + r->off, n);
	s[n] = '\0';
	r->off += n;
	return s;
}

/* The most a well-behaved child sends for ncities: what the parent reads at most. */
static size_t
result_max(size_t ncities)
{
	size_t metric = 5 * 4 + PLUGIN_ID_MAX + PLUGIN_TITLE_MAX + PLUGIN_DESCRIPTION_MAX + 16 +
	    PLUGIN_VERSION_MAX + 1 + 4 + PLUGIN_MAX_INPUTS * (4 + PLUGIN_ID_MAX) + 8;

	if (ncities > (SIZE_MAX / 2 - 4096) / PLUGIN_MAX_METRICS / sizeof(double) - metric)
		return SIZE_MAX / 2;
	return 4096 + PLUGIN_MESSAGE_MAX * 4 + PLUGIN_MAX_METRICS * (metric + ncities * sizeof(double));
}

struct outcome {			/* what a child's message says, once decoded */
	int kind;
	char *message;
	int line;
	long city;
	char *metric;
};

/* Decodes a complete message into res (kind 0) or out.  Returns 0, -1 when the message is
 * malformed (res left empty), -2 when memory ran out. */
static int
decode(const char *data, size_t len, size_t ncities, struct plugin_result *res, struct outcome *out)
{
	struct reader r = { (const unsigned char *)data, len, 0, 0 };
	uint8_t kind = 0xff, hib;
	uint32_t n, k, i, j, ni;
	uint64_t nv;

	if (get_u32(&r) != MAGIC)
		return -1;
	get(&r, &kind, 1);
	out->kind = kind;
	if (kind == KIND_FAILED || kind == KIND_SYSTEM) {
		int32_t line;
		int64_t city;

		out->message = get_str(&r, PLUGIN_MESSAGE_MAX * 4);
		get(&r, &line, sizeof(line));
		get(&r, &city, sizeof(city));
		out->metric = get_str(&r, PLUGIN_ID_MAX);
		out->line = line > 0 && line < 100000000 ? line : 0;
		out->city = city >= 0 && (uint64_t)city < ncities ? (long)city : -1;
	} else if (kind == KIND_OK) {
		n = get_u32(&r);
		if (r.bad || n == 0 || n > PLUGIN_MAX_METRICS)
			return -1;
		if ((res->metrics = calloc(n, sizeof(*res->metrics))) == NULL)
			return -2;
		res->nmetrics = n;
		for (k = 0; k < n && !r.bad; k++) {
			struct plugin_metric *m = &res->metrics[k];

			m->id = get_str(&r, PLUGIN_ID_MAX);
			m->title = get_str(&r, PLUGIN_TITLE_MAX);
			m->description = get_str(&r, PLUGIN_DESCRIPTION_MAX);
			m->unit = get_str(&r, 16);
			m->version = get_str(&r, PLUGIN_VERSION_MAX);
			get(&r, &hib, 1);
			m->higher_is_better = hib == 1;
			ni = get_u32(&r);
			if (r.bad || hib > 1 || ni > PLUGIN_MAX_INPUTS)
				break;
			if (ni && (m->inputs = calloc(ni, sizeof(*m->inputs))) == NULL)
				goto oom;
			for (i = 0; i < ni && !r.bad; i++)
				if ((m->inputs[m->ninputs] = get_str(&r, PLUGIN_ID_MAX)) != NULL)
					m->ninputs++;
			get(&r, &nv, sizeof(nv));
			if (r.bad || nv != ncities || sandbox_metric_problem(m))
				break;
			if (nv) {
				if ((m->values = malloc(ncities * sizeof(double))) == NULL)
					goto oom;
				get(&r, m->values, ncities * sizeof(double));
				for (i = 0; i < ncities && !r.bad; i++)
					if (!isnan(m->values[i]) && !isfinite(m->values[i]))
						r.bad = 1;
			}
			for (j = 0; j < k; j++)
				if (strcmp(res->metrics[j].id, m->id) == 0)
					r.bad = 1;
		}
		if (k < n)
			r.bad = 1;
	} else {
		return -1;
	}
	if (get_u32(&r) != MAGIC_END || r.bad || r.off != r.len) {
		metrics_free(res);
		return -1;
	}
	return 0;
oom:
	metrics_free(res);
	return -2;
}

/* --- the child ---------------------------------------------------------------------------- */

static int
write_all(int fd, const void *data, size_t n)
{
	const char *p = data;

	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int
read_all(int fd, void *data, size_t n)
{
	char *p = data;

	while (n > 0) {
		ssize_t r = read(fd, p, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

static int
write_frame(int fd, uint32_t type, const struct buf *body)
{
	uint64_t n = body->len;

	return write_all(fd, &type, sizeof(type)) | write_all(fd, &n, sizeof(n)) |
	    write_all(fd, body->data ? body->data : "", body->len);
}

#ifndef CB_SANITIZE
/* Bytes of address space this process has mapped now (it inherited the parent's), or 0. */
static size_t
vm_bytes(void)
{
	char text[128];
	unsigned long pages = 0;
	ssize_t n;
	int fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	text[n] = '\0';
	if (sscanf(text, "%lu", &pages) != 1)
		return 0;
	return (size_t)pages * (size_t)sysconf(_SC_PAGESIZE);
}
#endif

/* Sets a limit, never above the hard limit already there (raising it would fail). */
static void
limit(int resource, rlim_t soft, rlim_t hard)
{
	struct rlimit now, rl;

	if (getrlimit(resource, &now) != 0)
		return;
	rl.rlim_max = now.rlim_max != RLIM_INFINITY && now.rlim_max < hard ? now.rlim_max : hard;
	rl.rlim_cur = soft < rl.rlim_max ? soft : rl.rlim_max;
	setrlimit(resource, &rl);
}

static void
install_seccomp(void)
{
#ifdef SECCOMP_ARCH
	static const int allowed[] = {
		SYS_read, SYS_write, SYS_brk, SYS_mmap, SYS_munmap, SYS_mremap, SYS_madvise,
		SYS_mprotect, SYS_clock_gettime, SYS_rt_sigreturn, SYS_exit, SYS_exit_group,
		SYS_futex, SYS_getpid, SYS_gettid, SYS_sched_yield, SYS_sigaltstack,
	};
	struct sock_filter f[5 + 2 * sizeof(allowed) / sizeof(allowed[0])];
	struct sock_fprog prog;
	size_t i, n = 0;

	if (RUNNING_ON_VALGRIND)
		return;
	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
	    offsetof(struct seccomp_data, arch));
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SECCOMP_ARCH, 1, 0);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
	    offsetof(struct seccomp_data, nr));
	for (i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++) {
		f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
		    (unsigned)allowed[i], 0, 1);
		f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	}
	/* EPERM rather than a kill: a call the C library makes that is not listed fails softly. */
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
	    SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA));
	prog.len = (unsigned short)n;
	prog.filter = f;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0)
		prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
#endif
}

/* Makes this freshly forked child a place a plugin may run.  Returns the link descriptor, or -1
 * when the child should give up (the parent is gone, or the link could not be kept). */
static int
harden(int link, const struct plugin_limits *lim, size_t ncities, pid_t parent)
{
	static const int reset[] = {
		SIGPROF, SIGXCPU, SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGALRM, SIGUSR1,
		SIGUSR2, SIGCHLD, SIGSYS,
	};
	struct sigaction sa;
	struct itimerval it;
	sigset_t none;
	size_t i, as;
	double t;
	int fd, null;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (i = 0; i < sizeof(reset) / sizeof(reset[0]); i++)
		sigaction(reset[i], &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		return -1;

	if ((fd = fcntl(link, F_DUPFD, LINK_FD + 1)) < 0)
		return -1;
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		if (link == STDERR_FILENO)
			dup2(null, STDERR_FILENO);
	}
	if (dup2(fd, LINK_FD) != LINK_FD)
		return -1;
	if (close_range(LINK_FD + 1, ~0U, 0) != 0) {
		struct rlimit rl;
		long max = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
		    rl.rlim_cur < 1048576 ? (long)rl.rlim_cur : 1048576;

		for (fd = LINK_FD + 1; fd < max; fd++)
			close(fd);
	}

	limit(RLIMIT_CORE, 0, 0);
	limit(RLIMIT_CPU, (rlim_t)ceil(lim->cpu_seconds) + 1, (rlim_t)ceil(lim->cpu_seconds) + 2);
#ifndef CB_SANITIZE
	/* What it has, twice the Lua budget for the allocator's overhead, the cities it may be sent,
	 * the values and their encoding, and room for the C library. */
	if (!RUNNING_ON_VALGRIND && (as = vm_bytes()) > 0) {
		as += 2 * lim->memory_bytes + SANDBOX_CITIES_MAX + 64 * 1024 * 1024;
		as += 2 * ncities * sizeof(double) * PLUGIN_MAX_METRICS;
		limit(RLIMIT_AS, (rlim_t)as, (rlim_t)as);
	}
#else
	(void)as;
	(void)ncities;
#endif
	t = lim->cpu_seconds + TIMER_GRACE;
	memset(&it, 0, sizeof(it));
	it.it_value.tv_sec = (time_t)t;
	it.it_value.tv_usec = (suseconds_t)((t - floor(t)) * 1e6);
	setitimer(ITIMER_PROF, &it, NULL);
	install_seccomp();
	return LINK_FD;
}

/* The sandbox's fetch in the child: asks the parent for the answers to codes.  They are read into
 * memory mapped for them (not the heap the child shares with its parent, where each page written
 * costs a copy), which stays until the child exits. */
static int
fetch(void *ud, const char *const *codes, size_t ncodes, const char **data, size_t *len)
{
	int fd = *(int *)ud;
	struct buf b = BUF_INIT;
	uint64_t n;
	size_t i;
	char *p;
	int rc = put_u32(&b, (uint32_t)ncodes);

	for (i = 0; i < ncodes; i++)
		rc |= put_str(&b, codes[i], PLUGIN_ID_MAX);
	rc = rc || write_frame(fd, FRAME_REQUEST, &b);
	buf_free(&b);
	if (rc || read_all(fd, &n, sizeof(n)) != 0 || n == 0 || n > SANDBOX_CITIES_MAX)
		return -1;
	if ((p = mmap(NULL, (size_t)n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0))
	    == MAP_FAILED || read_all(fd, p, (size_t)n) != 0)
		return -1;
	*data = p;
	*len = (size_t)n;
	return 0;
}

static void
child(int link, pid_t parent, const char *file, const char *source, size_t len,
    size_t ncities, const struct plugin_limits *lim, struct sandbox_progress *progress)
{
	struct plugin_result r;
	struct buf b = BUF_INIT;
	long city = -1;
	int fd, rc;

	if ((fd = harden(link, lim, ncities, parent)) < 0)
		_exit(71);
	rc = sandbox_run(file, source, len, ncities, lim, progress, fetch, &fd, &r, &city);
	if (encode(&b, rc, &r, city, ncities) != 0 || write_frame(fd, FRAME_RESULT, &b) != 0)
		_exit(72);
	/* No free, no atexit handlers, no stdio flush: this process only ever held the plugin. */
	_exit(0);
}

/* --- the parent --------------------------------------------------------------------------- */

enum io { IO_OK, IO_EOF, IO_LATE, IO_ERROR };

/* Waits until fd is ready for events or the deadline passes. */
static enum io
wait_for(int fd, short events, double deadline)
{
	for (;;) {
		struct pollfd pfd = { fd, events, 0 };
		double left = deadline - clock_mono();
		int r;

		if (left <= 0)
			return IO_LATE;
		r = poll(&pfd, 1, (int)(left * 1000) + 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return IO_ERROR;
		if (r > 0)
			return IO_OK;
	}
}

/* Reads n bytes from the non-blocking fd before the deadline. */
static enum io
read_exact(int fd, void *data, size_t n, double deadline)
{
	char *p = data;

	while (n > 0) {
		ssize_t r = read(fd, p, n);
		enum io w;

		if (r > 0) {
			p += r;
			n -= (size_t)r;
			continue;
		}
		if (r == 0)
			return IO_EOF;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return errno == ECONNRESET ? IO_EOF : IO_ERROR;
		if ((w = wait_for(fd, POLLIN, deadline)) != IO_OK)
			return w;
	}
	return IO_OK;
}

/* Writes n bytes to the non-blocking socket before the deadline; IO_EOF when the child left. */
static enum io
write_exact(int fd, const void *data, size_t n, double deadline)
{
	const char *p = data;

	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		enum io r;

		if (w > 0) {
			p += w;
			n -= (size_t)w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EPIPE || errno == ECONNRESET))
			return IO_EOF;
		if (w == 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
			return IO_ERROR;
		if ((r = wait_for(fd, POLLOUT, deadline)) != IO_OK)
			return r;
	}
	return IO_OK;
}

/* A frame from the child.  Its body, like the cities sent to the child, lives in memory mapped
 * for it: after fork every heap page the parent writes while the child lives costs a
 * copy-on-write fault, and glibc's malloc may place even a large buffer on the heap. */
struct frame {
	uint32_t type;
	char *data;		/* mapped, len bytes; NULL when len is 0 */
	size_t len;
};

static void *
map_new(size_t n)
{
	void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static void
frame_free(struct frame *f)
{
	if (f->data)
		munmap(f->data, f->len);
	f->data = NULL;
	f->len = 0;
}

/* Reads one frame from the child into f; *over when it announced more than max bytes. */
static enum io
read_frame(int fd, double deadline, size_t max, struct frame *f, int *over)
{
	uint64_t n;
	enum io r;

	frame_free(f);
	if ((r = read_exact(fd, &f->type, sizeof(f->type), deadline)) != IO_OK ||
	    (r = read_exact(fd, &n, sizeof(n), deadline)) != IO_OK)
		return r;
	if (n > max) {
		*over = 1;
		return IO_OK;
	}
	if (n == 0)
		return IO_OK;
	if ((f->data = map_new((size_t)n)) == NULL)
		return IO_ERROR;
	f->len = (size_t)n;
	return read_exact(fd, f->data, f->len, deadline);
}

/* Answers the child's request for the answers to some codes with the encoded cities.  Returns
 * IO_OK, or IO_ERROR with *bad set when the request is malformed (1) or asks too much (2). */
static enum io
serve_request(int fd, double deadline, const struct frame *req, const struct plugin_city *cities,
    size_t ncities, int *bad)
{
	struct reader r = { (const unsigned char *)req->data, req->len, 0, 0 };
	char **codes = NULL, *out = NULL;
	uint32_t n = get_u32(&r), i, got = 0;
	uint64_t len = 0;
	size_t cap = 0;
	enum io rc = IO_ERROR;

	if (r.bad || n > PLUGIN_MAX_METRICS * PLUGIN_MAX_INPUTS) {
		*bad = 1;
		return IO_ERROR;
	}
	if ((codes = calloc(n ? n : 1, sizeof(*codes))) == NULL)
		return IO_ERROR;
	for (i = 0; i < n; i++, got++)
		if ((codes[i] = get_str(&r, PLUGIN_ID_MAX)) == NULL || !plugin_id_valid(codes[i]))
			break;
	if (i < n || r.off != r.len) {
		*bad = 1;
		goto out;
	}
	/* One pass into a generous guess (untouched pages cost nothing); a second, sized exactly,
	 * only when texts made it longer.  Each pass walks every city's JSON, the costly part. */
	cap = ncities * (64 + (size_t)n * 32);
	if (cap > SANDBOX_CITIES_MAX)
		cap = SANDBOX_CITIES_MAX;
	if ((out = map_new(sizeof(len) + cap)) == NULL)
		goto out;
	len = sandbox_encode_cities(out + sizeof(len), cap, cities, ncities,
	    (const char *const *)codes, n);
	if (len > cap) {
		munmap(out, sizeof(len) + cap);
		out = NULL;
		if (len > SANDBOX_CITIES_MAX) {
			*bad = 2;
			goto out;
		}
		cap = (size_t)len;
		if ((out = map_new(sizeof(len) + cap)) == NULL)
			goto out;
		sandbox_encode_cities(out + sizeof(len), cap, cities, ncities,
		    (const char *const *)codes, n);
	}
	memcpy(out, &len, sizeof(len));
	rc = write_exact(fd, out, sizeof(len) + (size_t)len, deadline);
out:
	for (i = 0; i <= got && i < n; i++)
		free(codes[i]);
	free(codes);
	if (out)
		munmap(out, sizeof(len) + cap);
	return rc;
}

/* Waits for the child, killing it at the deadline.  Returns 0 with *status, or -1 when the
 * status is lost (someone else reaped it). */
static int
reap(pid_t pid, double deadline, int *status, int *late)
{
	struct timespec delay = { 0, 50000 };

	for (;;) {
		pid_t r = waitpid(pid, status, WNOHANG);

		if (r == pid)
			return 0;
		if (r < 0 && errno != EINTR)
			return -1;
		if (r == 0 && clock_mono() > deadline) {
			*late = 1;
			kill(pid, SIGKILL);
			while ((r = waitpid(pid, status, 0)) < 0 && errno == EINTR)
				;
			return r == pid ? 0 : -1;
		}
		nanosleep(&delay, NULL);
		if (delay.tv_nsec < 10000000)
			delay.tv_nsec *= 2;
	}
}

static int
set_text(char **dst, const char *s, size_t n, size_t max)
{
	struct buf b = BUF_INIT;

	if (utf8_quote(&b, s, n, max) != 0) {
		buf_free(&b);
		return -1;
	}
	free(*dst);
	*dst = buf_steal(&b, NULL);
	return *dst ? 0 : -1;
}

/* Fills res->error; city -1 and metric NULL when unknown.  Returns 0, or -1 out of memory. */
static int
set_error(struct plugin_result *res, const char *file, const char *message, int line,
    const struct plugin_city *cities, long city, const char *metric)
{
	struct plugin_error *e = &res->error;

	metrics_free(res);
	if (set_text(&e->message, message, strlen(message), PLUGIN_MESSAGE_MAX) != 0 ||
	    set_text(&e->file, file, strlen(file), 4096) != 0)
		return -1;
	e->line = line;
	if (city >= 0 && cities[city].slug &&
	    set_text(&e->city, cities[city].slug, strlen(cities[city].slug), 256) != 0)
		return -1;
	if (city >= 0 && cities[city].survey &&
	    set_text(&e->survey, cities[city].survey, strlen(cities[city].survey), 256) != 0)
		return -1;
	if (metric && plugin_id_valid(metric) && (e->metric = strdup(metric)) == NULL)
		return -1;
	return 0;
}

/* The error for a child that left no usable result: how it ended, and where it was. */
static int
report_ended(struct plugin_result *res, const char *file, const struct plugin_limits *lim,
    const struct plugin_city *cities, size_t ncities, const struct sandbox_progress *p,
    int status, int late, int bad)
{
	char msg[160], metric[PLUGIN_ID_MAX + 1];
	long city = -1;
	int line = p->line > 0 && p->line < 100000000 ? p->line : 0;
	int phase = p->phase;
	size_t i;

	if (late) {
		snprintf(msg, sizeof(msg), "stopped: exceeded its wall-clock budget (%g s)",
		    lim->wall_seconds);
	} else if (bad == 2) {
		snprintf(msg, sizeof(msg), "the answers it reads are over the sandbox's limit of %d MiB",
		    SANDBOX_CITIES_MAX / (1024 * 1024));
	} else if (bad) {
		snprintf(msg, sizeof(msg), "stopped: the sandbox sent a malformed message");
	} else if (WIFSIGNALED(status)) {
		int sig = WTERMSIG(status);

		if (sig == SIGXCPU || sig == SIGPROF || sig == SIGKILL)
			snprintf(msg, sizeof(msg), "stopped: exceeded its CPU budget (%g s)",
			    lim->cpu_seconds);
		else if (sig == SIGSYS)
			snprintf(msg, sizeof(msg), "stopped: made a forbidden system call");
		else
			snprintf(msg, sizeof(msg), "the sandbox crashed (signal %d, %s)", sig,
			    strsignal(sig));
	} else if (WIFEXITED(status) && WEXITSTATUS(status) == SANDBOX_EXIT_PANIC) {
		snprintf(msg, sizeof(msg), "the sandbox failed (Lua panicked)");
	} else {
		snprintf(msg, sizeof(msg), "the sandbox ended without a result (exit status %d)",
		    WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	}
	for (i = 0; i < PLUGIN_ID_MAX; i++)
		metric[i] = p->metric[i];
	metric[PLUGIN_ID_MAX] = '\0';
	if (phase == SANDBOX_COMPUTING && p->city >= 0 && (size_t)p->city < ncities)
		city = p->city;
	if (phase < SANDBOX_LOADING)
		line = 0;
	return set_error(res, file, msg, line, cities, city,
	    phase == SANDBOX_COMPUTING ? metric : NULL);
}

static void
effective_limits(struct plugin_limits *l, const struct plugin_limits *given)
{
	struct plugin_limits d;

	plugin_limits_default(&d);
	*l = given ? *given : d;
	if (l->instructions_per_call <= 0)
		l->instructions_per_call = d.instructions_per_call;
	if (l->instructions_total <= 0)
		l->instructions_total = d.instructions_total;
	if (!(l->cpu_seconds > 0) || l->cpu_seconds > 3600)
		l->cpu_seconds = d.cpu_seconds;
	if (l->memory_bytes == 0)
		l->memory_bytes = d.memory_bytes;
	if (!(l->wall_seconds > 0) || l->wall_seconds > 3600)
		l->wall_seconds = d.wall_seconds;
}

static int
system_error(char **err, const char *what)
{
	if (err) {
		struct buf b = BUF_INIT;

		if (buf_printf(&b, "plugin: %s: %s", what, strerror(errno)) == 0)
			*err = buf_steal(&b, NULL);
		buf_free(&b);
	}
	return -1;
}

/* Talks to the child until its result arrives: serves its one request for cities on the way.
 * Returns IO_OK with the result in in, or how it stopped (*bad: 1 malformed, 2 too large). */
/* Talks to the child until its result arrives: serves its one request for cities on the way.
 * Returns IO_OK with the result in f, or how it stopped (*bad: 1 malformed, 2 too large). */
static enum io
converse(int fd, double deadline, const struct plugin_city *cities, size_t ncities,
    struct frame *f, int *bad)
{
	size_t max = result_max(ncities);
	int served = 0, over = 0;
	enum io r;

	for (;;) {
		if ((r = read_frame(fd, deadline, max, f, &over)) != IO_OK)
			return r;
		if (over || (f->type != FRAME_REQUEST && f->type != FRAME_RESULT) ||
		    (f->type == FRAME_REQUEST && (served || ncities == 0))) {
			*bad = 1;
			return IO_ERROR;
		}
		if (f->type == FRAME_RESULT)
			return IO_OK;
		served = 1;
		if ((r = serve_request(fd, deadline, f, cities, ncities, bad)) != IO_OK)
			return r;
	}
}

int
plugin_run(const char *file, const char *source, size_t len,
    const struct plugin_city *cities, size_t ncities,
    const struct plugin_limits *lim, struct plugin_result *result, char **err)
{
	struct plugin_limits l;
	struct sandbox_progress *progress = MAP_FAILED;
	struct outcome o = { -1, NULL, 0, -1, NULL };
	struct frame in = { 0, NULL, 0 };
	int fds[2] = { -1, -1 };
	int rc = -1, status = 0, late = 0, bad = 0, d = -1;
	enum io io;
	double deadline;
	pid_t pid, parent = getpid();

	memset(result, 0, sizeof(*result));
	if (err)
		*err = NULL;
	effective_limits(&l, lim);
	if (file == NULL)
		file = "plugin.lua";
	if (source == NULL)
		len = 0;
	if (cities == NULL)
		ncities = 0;
	if (len > PLUGIN_MAX_SOURCE) {
		if (set_error(result, file, "the plugin is larger than 256 KiB", 0, cities, -1, NULL))
			goto oom;
		return 1;
	}
	progress = mmap(NULL, sizeof(*progress), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
	    -1, 0);
	if (progress == MAP_FAILED) {
		system_error(err, "mmap");
		goto out;
	}
	memset((void *)progress, 0, sizeof(*progress));
	progress->city = -1;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
		system_error(err, "socketpair");
		goto out;
	}
	deadline = clock_mono() + l.wall_seconds;
	if ((pid = fork()) < 0) {
		system_error(err, "fork");
		goto out;
	}
	if (pid == 0) {
		close(fds[0]);
		child(fds[1], parent, file, source ? source : "", len, ncities, &l, progress);
	}
	close(fds[1]);
	fds[1] = -1;
	fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK);

	io = converse(fds[0], deadline, cities, ncities, &in, &bad);
	if (io == IO_ERROR && !bad) {
		system_error(err, "talking to the plugin's process");
		kill(pid, SIGKILL);
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		goto out;
	}
	if (io != IO_OK)
		kill(pid, SIGKILL);	/* late, malformed, or gone already */
	late = io == IO_LATE;
	if (reap(pid, deadline + 1, &status, &late) != 0)
		status = 0;

	if (io == IO_OK) {
		d = decode(in.data, in.len, ncities, result, &o);
		if (d == -2)
			goto oom;
	}
	if (d == 0 && o.kind == KIND_OK) {
		rc = 0;
	} else if (d == 0 && o.kind == KIND_SYSTEM) {
		if (err) {
			struct buf b = BUF_INIT;

			if (buf_printf(&b, "plugin: the sandbox failed: %s", o.message ? o.message : "?") == 0)
				*err = buf_steal(&b, NULL);
			buf_free(&b);
		}
		rc = -1;
	} else if (d == 0) {
		if (set_error(result, file, o.message ? o.message : "unknown error", o.line, cities,
		    o.city, o.metric) != 0)
			goto oom;
		rc = 1;
	} else {
		if (report_ended(result, file, &l, cities, ncities, progress, status, late,
		    io == IO_OK ? 1 : bad) != 0)
			goto oom;
		rc = 1;
	}
	goto out;
oom:
	plugin_result_free(result);
	errno = ENOMEM;
	system_error(err, "plugin_run");
	rc = -1;
out:
	if (rc == -1)
		plugin_result_free(result);
	free(o.message);
	free(o.metric);
	frame_free(&in);
	if (fds[0] >= 0)
		close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
	if (progress != MAP_FAILED)
		munmap((void *)progress, sizeof(*progress));
	return rc;
}

/* --- a directory of plugins --------------------------------------------------------------- */

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Reads path into *out.  Returns 0, 1 when it is refused (*why says why), -1 (errno). */
static int
read_source(const char *path, char **out, size_t *len, const char **why)
{
	struct stat st;
	size_t got = 0;
	/* O_NONBLOCK: a FIFO named *.lua must not hang the caller in open. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	int rc = -1;

	*out = NULL;
	*len = 0;
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) != 0)
		goto out;
	if (!S_ISREG(st.st_mode)) {
		*why = "not a regular file";
		rc = 1;
		goto out;
	}
	if (st.st_size > PLUGIN_MAX_SOURCE) {
		*why = "the plugin is larger than 256 KiB";
		rc = 1;
		goto out;
	}
	if ((*out = malloc((size_t)st.st_size + 1)) == NULL)
		goto out;
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, *out + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto out;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	(*out)[got] = '\0';
	*len = got;
	rc = 0;
out:
	if (rc != 0) {
		int saved = errno;

		free(*out);
		*out = NULL;
		errno = saved;
	}
	close(fd);
	return rc;
}

/* Refuses f when it declares an id an earlier successful file declared.  Returns 0 or -1 (oom). */
static int
refuse_duplicates(struct plugin_file *files, size_t i)
{
	struct plugin_file *f = &files[i];
	size_t j, k, m;

	for (k = 0; k < f->result.nmetrics; k++) {
		for (j = 0; j < i; j++) {
			if (files[j].status != 0)
				continue;
			for (m = 0; m < files[j].result.nmetrics; m++) {
				struct buf b = BUF_INIT;
				int rc;

				if (strcmp(files[j].result.metrics[m].id, f->result.metrics[k].id) != 0)
					continue;
				if (buf_printf(&b, "metric id '%s' is already declared by %s",
				    f->result.metrics[k].id, files[j].name) != 0) {
					buf_free(&b);
					return -1;
				}
				f->status = 1;
				rc = set_error(&f->result, f->name, b.data, 0, NULL, -1, NULL);
				buf_free(&b);
				return rc;
			}
		}
	}
	return 0;
}

int
plugin_run_dir(const char *dir, const struct plugin_city *cities, size_t ncities,
    const struct plugin_limits *lim, struct plugin_file **files, size_t *nfiles, char **err)
{
	struct plugin_file *fs = NULL;
	char **names = NULL;
	size_t n = 0, cap = 0, i;
	struct dirent *de;
	struct buf path = BUF_INIT;
	DIR *d;
	int rc = -1;

	*files = NULL;
	*nfiles = 0;
	if (err)
		*err = NULL;
	if ((d = opendir(dir)) == NULL) {
		if (err) {
			struct buf b = BUF_INIT;

			if (buf_printf(&b, "plugin: cannot read %s: %s", dir, strerror(errno)) == 0)
				*err = buf_steal(&b, NULL);
			buf_free(&b);
		}
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);

		if (de->d_name[0] == '.' || len < 5 || strcmp(de->d_name + len - 4, ".lua") != 0)
			continue;
		if (n == cap) {
			char **grown = realloc(names, (cap ? cap * 2 : 16) * sizeof(*names));

			if (grown == NULL)
				goto oom;
			names = grown;
			cap = cap ? cap * 2 : 16;
		}
		if ((names[n] = strdup(de->d_name)) == NULL)
			goto oom;
		n++;
	}
	qsort(names, n, sizeof(*names), by_name);
	if (n && (fs = calloc(n, sizeof(*fs))) == NULL)
		goto oom;
	for (i = 0; i < n; i++) {
		struct plugin_file *f = &fs[i];
		const char *why = NULL;
		char *e = NULL;
		int r;

		f->name = names[i];
		names[i] = NULL;
		buf_reset(&path);
		if (buf_printf(&path, "%s/%s", dir, f->name) != 0)
			goto oom;
		r = read_source(path.data, &f->source, &f->len, &why);
		if (r < 0) {
			struct buf b = BUF_INIT;

			f->status = -1;
			if (buf_printf(&b, "cannot read it: %s", strerror(errno)) != 0 ||
			    set_error(&f->result, f->name, b.data, 0, NULL, -1, NULL) != 0) {
				buf_free(&b);
				goto oom;
			}
			buf_free(&b);
			continue;
		}
		if (r > 0) {
			f->status = 1;
			if (set_error(&f->result, f->name, why, 0, NULL, -1, NULL) != 0)
				goto oom;
			continue;
		}
		f->status = plugin_run(f->name, f->source, f->len, cities, ncities, lim, &f->result, &e);
		if (f->status < 0) {
			if (set_error(&f->result, f->name, e ? e : "system error", 0, NULL, -1, NULL)) {
				free(e);
				goto oom;
			}
			free(e);
		} else if (f->status == 0 && refuse_duplicates(fs, i) != 0) {
			goto oom;
		}
	}
	*files = fs;
	*nfiles = n;
	fs = NULL;
	rc = 0;
	goto out;
oom:
	if (err) {
		errno = ENOMEM;
		system_error(err, "plugin_run_dir");
	}
out:
	closedir(d);
	for (i = 0; i < n; i++)
		free(names ? names[i] : NULL);
	free(names);
	plugin_files_free(fs, n);
	buf_free(&path);
	return rc;
}

void
plugin_files_free(struct plugin_file *files, size_t n)
{
	size_t i;

	if (files == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(files[i].name);
		free(files[i].source);
		plugin_result_free(&files[i].result);
	}
	free(files);
}
