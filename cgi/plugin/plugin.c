/* plugin.c: runs metric plugins: a citybench-sandbox process per plugin (child.c starts it), or one
 * for several run one after another (plugin_run_many), talking to it over a socket; and the scan
 * of a plugin directory.  The plugin layer's only door
 * (plugin.h).
 *
 * The layer, from the top: this file starts the child (an exec of citybench-sandbox, never a fork
 * of this process), sends it the plugin and holds the conversation; child.c hardens the child and
 * runs the plugin in the sandbox (sandbox.c, the Lua state and its budgets); wire.c encodes and
 * decodes every message between the two processes; metric.c holds the types and the checks of what
 * a plugin declares.  Nothing below includes this file's header.
 *
 * The parent talks to the child under a wall-clock deadline and SIGKILLs it after that; a child
 * that was killed is reported with the line, city and metric it last recorded in a shared progress
 * block (a memfd page made for that child alone).  It serves the child's one request for cities
 * with the answers to the codes it names only (u64 length, then wire_cities_encode's encoding):
 * the child has nothing of the parent's memory, and gets only what its plugin declared it reads.
 * Everything that comes back is bounded before it is read (wire_result_max), length-checked and
 * validated again (wire_result_decode): the child runs code the project does not trust.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
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
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "buf.h"
#include "child.h"
#include "metric.h"
#include "clock.h"
#include "plugin.h"
#include "query.h"
#include "sandbox.h"
#include "utf8.h"
#include "wire.h"

void
plugin_limits_default(struct plugin_limits *l)
{
	l->instructions_per_call = 10000000;
	l->instructions_total = 200000000;
	l->cpu_seconds = 1.0;
	l->memory_bytes = (size_t)64 * 1024 * 1024;
	l->wall_seconds = 5.0;
}

void
plugin_result_free(struct plugin_result *r)
{
	if (r == NULL)
		return;
	metric_free_all(r);
	free(r->error.message);
	free(r->error.file);
	free(r->error.city);
	free(r->error.survey);
	free(r->error.metric);
	free(r->log);
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
	unsigned char head[WIRE_HEAD];
	uint64_t n;
	enum io r;

	frame_free(f);
	if ((r = read_exact(fd, head, sizeof(head), deadline)) != IO_OK)
		return r;
	wire_head_decode(head, &f->type, &n);
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
	char **codes = NULL, *out = NULL;
	size_t n = 0, cap = 0;
	uint64_t len = 0;
	enum io rc = IO_ERROR;
	int d;

	if ((d = wire_request_decode(req->data, req->len, &codes, &n)) != 0) {
		if (d == -1)
			*bad = 1;
		return IO_ERROR;
	}
	/* One pass into a generous guess (untouched pages cost nothing); a second, sized exactly,
	 * only when texts made it longer.  Each pass walks every city's JSON, the costly part. */
	cap = ncities * (64 + n * 32);
	if (cap > WIRE_CITIES_MAX)
		cap = WIRE_CITIES_MAX;
	if ((out = map_new(sizeof(len) + cap)) == NULL)
		goto out;
	len = wire_cities_encode(out + sizeof(len), cap, cities, ncities,
	    (const char *const *)codes, n);
	if (len > cap) {
		munmap(out, sizeof(len) + cap);
		out = NULL;
		if (len > WIRE_CITIES_MAX) {
			*bad = 2;
			goto out;
		}
		cap = (size_t)len;
		if ((out = map_new(sizeof(len) + cap)) == NULL)
			goto out;
		wire_cities_encode(out + sizeof(len), cap, cities, ncities,
		    (const char *const *)codes, n);
	}
	memcpy(out, &len, sizeof(len));
	rc = write_exact(fd, out, sizeof(len) + (size_t)len, deadline);
out:
	wire_codes_free(codes, n);
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

	metric_free_all(res);
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
	if (metric && ident_valid(metric) && (e->metric = strdup(metric)) == NULL)
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
		    WIRE_CITIES_MAX / (1024 * 1024));
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
	} else if (WIFEXITED(status) && WEXITSTATUS(status) == SANDBOX_EXIT_CPU) {
		/* Several plugins in one process: its CPU timer stopped this one. */
		snprintf(msg, sizeof(msg), "stopped: exceeded its CPU budget (%g s)",
		    lim->cpu_seconds);
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
 * Returns IO_OK with the result in f, or how it stopped (*bad: 1 malformed, 2 too large). */
static enum io
converse(int fd, double deadline, const struct plugin_city *cities, size_t ncities,
    struct frame *f, int *bad)
{
	size_t max = wire_result_max(ncities);
	int served = 0, over = 0;
	enum io r;

	for (;;) {
		if ((r = read_frame(fd, deadline, max, f, &over)) != IO_OK)
			return r;
		if (over || (f->type != WIRE_FRAME_REQUEST && f->type != WIRE_FRAME_RESULT) ||
		    (f->type == WIRE_FRAME_REQUEST && (served || ncities == 0))) {
			*bad = 1;
			return IO_ERROR;
		}
		if (f->type == WIRE_FRAME_RESULT)
			return IO_OK;
		served = 1;
		if ((r = serve_request(fd, deadline, f, cities, ncities, bad)) != IO_OK)
			return r;
	}
}

/* Sends the child its plugin: the file's name, a NUL, the source (WIRE_FRAME_PLUGIN). */
static enum io
send_plugin(int fd, double deadline, const char *file, const char *source, size_t len)
{
	unsigned char head[WIRE_HEAD];
	size_t flen = strnlen(file, 4096);
	enum io r;

	wire_head_encode(head, WIRE_FRAME_PLUGIN, flen + 1 + len);
	if ((r = write_exact(fd, head, sizeof(head), deadline)) != IO_OK ||
	    (r = write_exact(fd, file, flen, deadline)) != IO_OK ||
	    (r = write_exact(fd, "", 1, deadline)) != IO_OK)
		return r;
	return len ? write_exact(fd, source, len, deadline) : IO_OK;
}

/* A citybench-sandbox process and the parent's ends: its socket, its progress page, how many
 * plugins it still expects. */
struct proc {
	pid_t pid;		/* -1 when there is none (never started, ended, reaped) */
	int fd;
	struct sandbox_progress *progress;
	size_t left;
};

#define PROC_NONE { -1, -1, MAP_FAILED, 0 }

static void
proc_close(struct proc *p)
{
	int status;

	if (p->pid > 0) {
		kill(p->pid, SIGKILL);
		while (waitpid(p->pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	p->pid = -1;
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
	if (p->progress != MAP_FAILED)
		munmap((void *)p->progress, sizeof(*p->progress));
	p->progress = MAP_FAILED;
	p->left = 0;
}

/* Starts a sandbox process for count plugins.  Returns 0, or -1 (*err set; p closed). */
static int
proc_start(struct proc *p, size_t ncities, const struct plugin_limits *l, size_t count, char **err)
{
	int fds[2] = { -1, -1 }, pfd = -1, rc = -1;

	proc_close(p);
	/* The progress page is a memfd of its own, the one memory the sandbox shares with us. */
	if ((pfd = memfd_create("citybench-progress", MFD_CLOEXEC)) < 0 ||
	    ftruncate(pfd, sizeof(*p->progress)) != 0 ||
	    (p->progress = mmap(NULL, sizeof(*p->progress), PROT_READ | PROT_WRITE, MAP_SHARED,
	    pfd, 0)) == MAP_FAILED) {
		system_error(err, "the progress page");
		goto out;
	}
	memset((void *)p->progress, 0, sizeof(*p->progress));
	p->progress->city = -1;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
		system_error(err, "socketpair");
		goto out;
	}
	if ((p->pid = child_spawn(fds[1], pfd, ncities, l, count)) < 0) {
		system_error(err, "starting citybench-sandbox");
		goto out;
	}
	p->fd = fds[0];
	fds[0] = -1;
	p->left = count;
	fcntl(p->fd, F_SETFL, fcntl(p->fd, F_GETFL) | O_NONBLOCK);
	rc = 0;
out:
	if (fds[0] >= 0)
		close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
	if (pfd >= 0)
		close(pfd);
	if (rc != 0)
		proc_close(p);
	return rc;
}

/* Runs one plugin in p (started, expecting it) before the deadline; returns what plugin_run
 * returns.  When the process ended (its last plugin, a death, a kill), it is reaped and p->pid is
 * -1; otherwise it waits for its next plugin. */
static int
run_in(struct proc *p, double deadline, const char *file, const char *source, size_t len,
    const struct plugin_city *cities, size_t ncities, const struct plugin_limits *l,
    struct plugin_result *result, char **err)
{
	struct wire_outcome o = { -1, NULL, 0, -1, NULL };
	struct frame in = { 0, NULL, 0 };
	int rc = -1, status = 0, late = 0, bad = 0, d = -1;
	enum io io;

	/* This plugin's whereabouts only: the process wrote nothing since its last result. */
	memset((void *)p->progress, 0, sizeof(*p->progress));
	p->progress->city = -1;
	io = send_plugin(p->fd, deadline, file, source, len);
	if (io == IO_OK)
		io = converse(p->fd, deadline, cities, ncities, &in, &bad);
	p->left--;
	if (io == IO_ERROR && !bad) {
		system_error(err, "talking to the plugin's process");
		kill(p->pid, SIGKILL);
		while (waitpid(p->pid, &status, 0) < 0 && errno == EINTR)
			;
		p->pid = -1;
		goto out;
	}
	if (io != IO_OK)
		kill(p->pid, SIGKILL);	/* late, malformed, or gone already */
	late = io == IO_LATE;
	if (io != IO_OK || p->left == 0) {
		if (reap(p->pid, deadline + 1, &status, &late) != 0)
			status = 0;
		p->pid = -1;
	}

	if (io == IO_OK) {
		d = wire_result_decode(in.data, in.len, ncities, result, &o);
		if (d == -2)
			goto oom;
	}
	if (d == 0 && o.kind == WIRE_OK) {
		rc = 0;
	} else if (d == 0 && o.kind == WIRE_SYSTEM) {
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
		if (p->pid > 0) {	/* a malformed result from a live process: it ends here */
			kill(p->pid, SIGKILL);
			if (reap(p->pid, deadline + 1, &status, &late) != 0)
				status = 0;
			p->pid = -1;
		}
		if (report_ended(result, file, l, cities, ncities, p->progress, status, late,
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
	return rc;
}

int
plugin_run(const char *file, const char *source, size_t len,
    const struct plugin_city *cities, size_t ncities,
    const struct plugin_limits *lim, struct plugin_result *result, char **err)
{
	struct plugin_limits l;
	struct proc p = PROC_NONE;
	double deadline;
	int rc;

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
		if (set_error(result, file, "the plugin is larger than 256 KiB", 0, cities, -1, NULL)) {
			plugin_result_free(result);
			errno = ENOMEM;
			return system_error(err, "plugin_run");
		}
		return 1;
	}
	deadline = clock_mono() + l.wall_seconds;
	if (proc_start(&p, ncities, &l, 1, err) != 0)
		return -1;
	rc = run_in(&p, deadline, file, source ? source : "", len, cities, ncities, &l, result, err);
	proc_close(&p);
	return rc;
}

/* The spare (plugin_spare): a sandbox process started at the end of one plugin_run_many for the next
 * one of the same shape, so that the next upload does not wait for an exec and the child's hardening.
 * It has run nothing: started, hardened, under seccomp, blocked reading its first plugin.  It is used
 * once, by one plugin_run_many, and never kept after it: nothing of one upload's plugins or cities can
 * reach another's (each still gets a fresh lua_State per plugin, with its own budgets). */
static struct proc spare = PROC_NONE;
static struct plugin_limits spare_lim;
static size_t spare_ncities, spare_count;
static int spare_on;

void
plugin_spare(int on)
{
	spare_on = on;
	if (!on)
		proc_close(&spare);
}

/* 1 when the spare is alive and has said nothing (a child that failed its hardening has exited: its
 * socket reads end-of-file). */
static int
spare_fresh(void)
{
	struct pollfd pfd;
	int status;

	if (spare.pid <= 0)
		return 0;
	if (waitpid(spare.pid, &status, WNOHANG) != 0) {
		spare.pid = -1;	/* ended (and reaped now): nothing left to kill */
		return 0;
	}
	pfd.fd = spare.fd;
	pfd.events = POLLIN;
	pfd.revents = 0;
	return poll(&pfd, 1, 0) == 0;
}

/* Moves the spare into *p when it was started for these cities, plugins and limits; else closes it.
 * 0 when *p holds it, -1 otherwise. */
static int
spare_take(struct proc *p, size_t ncities, const struct plugin_limits *l, size_t count)
{
	int same = spare_ncities == ncities && spare_count == count &&
	    spare_lim.instructions_per_call == l->instructions_per_call &&
	    spare_lim.instructions_total == l->instructions_total && spare_lim.cpu_seconds == l->cpu_seconds &&
	    spare_lim.memory_bytes == l->memory_bytes && spare_lim.wall_seconds == l->wall_seconds;

	if (spare.pid <= 0)
		return -1;
	if (!same || !spare_fresh()) {
		proc_close(&spare);
		return -1;
	}
	*p = spare;
	spare.pid = -1;
	spare.fd = -1;
	spare.progress = MAP_FAILED;
	spare.left = 0;
	return 0;
}

void
plugin_run_many(struct plugin_job *jobs, size_t njobs, const struct plugin_city *cities,
    size_t ncities, const struct plugin_limits *lim)
{
	struct plugin_limits l;
	struct proc p = PROC_NONE;
	size_t i, j, all = 0;
	int started = 0;

	effective_limits(&l, lim);
	if (cities == NULL)
		ncities = 0;
	for (i = 0; i < njobs; i++) {
		memset(&jobs[i].result, 0, sizeof(jobs[i].result));
		jobs[i].err = NULL;
		jobs[i].status = -1;
		if (jobs[i].file == NULL)
			jobs[i].file = "plugin.lua";
		if (jobs[i].source == NULL)
			jobs[i].len = 0;
	}
	for (i = 0; i < njobs; i++) {
		struct plugin_job *job = &jobs[i];
		double deadline = clock_mono() + l.wall_seconds;

		if (job->len > PLUGIN_MAX_SOURCE) {
			job->status = 1;
			if (set_error(&job->result, job->file, "the plugin is larger than 256 KiB", 0,
			    cities, -1, NULL) != 0) {
				plugin_result_free(&job->result);
				errno = ENOMEM;
				job->status = system_error(&job->err, "plugin_run");
			}
			continue;
		}
		if (p.pid < 0) {
			/* A fresh process for this plugin and every one after it that it may run. */
			size_t count = 0;

			for (j = i; j < njobs; j++)
				count += jobs[j].len <= PLUGIN_MAX_SOURCE;
			if (!started++ && spare_take(&p, ncities, &l, count) == 0)
				;	/* started ahead, has run nothing */
			else if (proc_start(&p, ncities, &l, count, &job->err) != 0) {
				job->status = -1;
				continue;
			}
		}
		job->status = run_in(&p, deadline, job->file, job->source ? job->source : "",
		    job->len, cities, ncities, &l, &job->result, &job->err);
	}
	proc_close(&p);
	/* The next call's process, started now: it hardens itself while the caller goes on. */
	for (i = 0; i < njobs; i++)
		all += jobs[i].len <= PLUGIN_MAX_SOURCE;
	if (spare_on && all > 0 && spare.pid <= 0) {
		char *ignored = NULL;
		if (proc_start(&spare, ncities, &l, all, &ignored) == 0) {
			spare_lim = l;
			spare_ncities = ncities;
			spare_count = all;
		}
		free(ignored);
	}
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
	struct plugin_job *jobs = NULL;
	char **names = NULL;
	size_t n = 0, cap = 0, i, j, njobs = 0;
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
		f->status = 2;		/* to run, below */
	}
	/* Every readable file in one sandbox process (plugin_run_many), each as plugin_run would. */
	for (i = 0; i < n; i++)
		njobs += fs[i].status == 2;
	if (njobs && (jobs = calloc(njobs, sizeof(*jobs))) == NULL)
		goto oom;
	for (i = 0, j = 0; i < n; i++) {
		if (fs[i].status != 2)
			continue;
		jobs[j].file = fs[i].name;
		jobs[j].source = fs[i].source;
		jobs[j].len = fs[i].len;
		j++;
	}
	plugin_run_many(jobs, njobs, cities, ncities, lim);
	for (i = 0, j = 0; i < n; i++) {
		struct plugin_file *f = &fs[i];

		if (f->status != 2)
			continue;
		f->status = jobs[j].status;
		f->result = jobs[j].result;
		memset(&jobs[j].result, 0, sizeof(jobs[j].result));
		if (f->status < 0) {
			plugin_result_free(&f->result);
			if (set_error(&f->result, f->name, jobs[j].err ? jobs[j].err : "system error", 0,
			    NULL, -1, NULL))
				goto oom;
		} else if (f->status == 0 && refuse_duplicates(fs, i) != 0) {
			goto oom;
		}
		j++;
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
	for (j = 0; jobs && j < njobs; j++) {
		plugin_result_free(&jobs[j].result);
		free(jobs[j].err);
	}
	free(jobs);
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
