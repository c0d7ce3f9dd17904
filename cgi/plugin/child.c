/* child.c: the program a plugin runs in (citybench-sandbox): hardened, then the sandbox, then one
 * result; and the worker's side of starting it.
 *
 * The Lua side (sandbox.c) stops what it can see: instructions, CPU time checked between them,
 * memory.  This file stops the rest.  child_spawn starts citybench-sandbox by posix_spawn (an exec,
 * never a bare fork of the worker): an empty environment, its socket on descriptor 0 and the
 * progress page (a memfd of its own, nothing of the worker's) on 1, every other descriptor closed
 * before the exec; the exec gives it a fresh address space and its own layout, with none of the
 * worker's heap, shared cache, counters, environment or credentials.  child_exec_main, its main,
 * then makes itself a place a plugin may run before it reads a byte of the plugin: it maps the
 * progress page and closes its descriptor, checks that no descriptor but its socket is open,
 * becomes `nobody` when started as root, limits its core size, CPU time, descriptors and (outside
 * sanitizer builds, where ASan's reserved address space would trip it) its address space, arms a
 * CPU-time timer a quarter second past the budget for work the Lua hook cannot see (a backtracking
 * pattern in C), sets no-new-privs and installs a seccomp filter under which any system call but
 * read, write, memory management, the CPU clock and exit fails with EPERM: a plugin that escaped
 * the Lua VM still could not open, connect, fork or signal.  Then it reads the plugin (a
 * WIRE_FRAME_PLUGIN frame from the parent), runs it in the sandbox, asks the parent (plugin.c) for
 * the cities once the plugin has said which questions it reads, and sends its result; the
 * messages are wire.c's.  Its I/O blocks: the parent holds the deadline and kills it past that.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <spawn.h>
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
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "buf.h"
#include "child.h"
#include "metric.h"
#include "plugin.h"
#include "sandbox.h"
#include "wire.h"

#define LINK_FD		0		/* where the sandbox has its end of the socket */
#define PROGRESS_FD	1		/* the progress page (a memfd), closed once mapped */
#define TIMER_GRACE	0.25		/* seconds of CPU past the budget before SIGPROF */
#define PROF_TICK_US	50000		/* several plugins: how often on_prof looks (CPU time) */

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
	unsigned char head[WIRE_HEAD];

	wire_head_encode(head, type, body->len);
	return write_all(fd, head, sizeof(head)) | write_all(fd, body->data ? body->data : "", body->len);
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

/* Gives up root for `nobody` (or 65534 when /etc/passwd has no such user).  /etc/passwd is read
 * directly, not through NSS, which could leave a descriptor or a shared map (nscd) behind.
 * Returns 0 or -1. */
static int
drop_root(void)
{
	static char text[65536];
	unsigned long uid = 65534, gid = 65534;
	ssize_t n = 0, r;
	char *line;
	int fd;

	if (geteuid() != 0 && getuid() != 0)
		return 0;
	if ((fd = open("/etc/passwd", O_RDONLY | O_CLOEXEC)) >= 0) {
		while (n < (ssize_t)sizeof(text) - 1 &&
		    (r = read(fd, text + n, sizeof(text) - 1 - (size_t)n)) > 0)
			n += r;
		close(fd);
	}
	text[n] = '\0';
	for (line = text; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		unsigned long u, g;

		if (strncmp(line, "nobody:", 7) == 0 &&
		    sscanf(line, "nobody:%*[^:]:%lu:%lu:", &u, &g) == 2 && u != 0 && g != 0) {
			uid = u;
			gid = g;
			break;
		}
	}
	if (setgroups(0, NULL) != 0 || setresgid((gid_t)gid, (gid_t)gid, (gid_t)gid) != 0 ||
	    setresuid((uid_t)uid, (uid_t)uid, (uid_t)uid) != 0)
		return -1;
	return getuid() == 0 || geteuid() == 0 ? -1 : 0;
}

/* Makes this freshly started program a place a plugin may run.  Returns 0, or -1 when it should
 * give up (the parent is gone, a descriptor it did not expect is open, root could not be left). */
/* Several plugins in one process: RLIMIT_CPU and a one-shot ITIMER_PROF cannot be re-armed under
 * the filter, so a periodic CPU timer checks the running plugin's own deadline, set before each
 * plugin (stop_at, CPU seconds of this process), and exits SANDBOX_EXIT_CPU past it. */
static volatile double stop_at;

static double
cpu_seconds_now(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0)
		return 0;
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
on_prof(int sig)
{
	(void)sig;
	if (cpu_seconds_now() > stop_at)
		_exit(SANDBOX_EXIT_CPU);
}

static int
harden(const struct plugin_limits *lim, size_t ncities, pid_t parent,
    struct sandbox_progress **progress, size_t count)
{
	static const int reset[] = {
		SIGPROF, SIGXCPU, SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGALRM, SIGUSR1,
		SIGUSR2, SIGCHLD, SIGSYS,
	};
	struct sigaction sa;
	struct itimerval it;
	struct stat st;
	sigset_t none;
	size_t i, as;
	double t;
	void *p;
	int fd;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (i = 0; i < sizeof(reset) / sizeof(reset[0]); i++)
		sigaction(reset[i], &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		return -1;

	/* Descriptor 0 is the socket, 1 the progress page; nothing else may be open. */
	if (fstat(LINK_FD, &st) != 0 || !S_ISSOCK(st.st_mode) || fstat(PROGRESS_FD, &st) != 0 ||
	    !S_ISREG(st.st_mode) || (size_t)st.st_size < sizeof(**progress))
		return -1;
	p = mmap(NULL, sizeof(**progress), PROT_READ | PROT_WRITE, MAP_SHARED, PROGRESS_FD, 0);
	if (p == MAP_FAILED)
		return -1;
	*progress = p;
	close_range(PROGRESS_FD, ~0U, 0);
	if (drop_root() != 0)
		return -1;
	/* A change of user clears the parent-death signal: set it again, and look again. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		return -1;
	for (fd = 1; fd < 1024; fd++)
		if (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
			return -1;

	limit(RLIMIT_CORE, 0, 0);
	limit(RLIMIT_NOFILE, 1, 1);
	if (count > 1) {
		/* A backstop for the whole process: each plugin's own budget is on_prof's. */
		rlim_t all = (rlim_t)count * ((rlim_t)ceil(lim->cpu_seconds) + 1) + 1;

		limit(RLIMIT_CPU, all, all + 1);
	} else {
		limit(RLIMIT_CPU, (rlim_t)ceil(lim->cpu_seconds) + 1, (rlim_t)ceil(lim->cpu_seconds) + 2);
	}
#ifndef CB_SANITIZE
	/* What it has, twice the Lua budget for the allocator's overhead, the cities it may be sent,
	 * the values and their encoding, the plugin's source, and room for the C library. */
	if (!RUNNING_ON_VALGRIND && (as = vm_bytes()) > 0) {
		as += 2 * lim->memory_bytes + WIRE_CITIES_MAX + 64 * 1024 * 1024;
		as += 2 * ncities * sizeof(double) * PLUGIN_MAX_METRICS + 2 * PLUGIN_MAX_SOURCE;
		limit(RLIMIT_AS, (rlim_t)as, (rlim_t)as);
	}
#else
	(void)as;
	(void)ncities;
#endif
	t = lim->cpu_seconds + TIMER_GRACE;
	memset(&it, 0, sizeof(it));
	if (count > 1) {
		stop_at = cpu_seconds_now() + t;
		sa.sa_handler = on_prof;
		sa.sa_flags = SA_RESTART;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGPROF, &sa, NULL);
		it.it_value.tv_usec = PROF_TICK_US;
		it.it_interval.tv_usec = PROF_TICK_US;
	} else {
		it.it_value.tv_sec = (time_t)t;
		it.it_value.tv_usec = (suseconds_t)((t - floor(t)) * 1e6);
	}
	setitimer(ITIMER_PROF, &it, NULL);
	install_seccomp();
	return 0;
}

/* The sandbox's fetch in the child: asks the parent for the answers to codes.  They are read into
 * memory mapped for them (not the heap the child shares with its parent, where each page written
 * costs a copy), which stays until the child exits. */
struct link {
	int fd;
	void *map;		/* the cities fetched for the current plugin, unmapped after it */
	size_t maplen;
};

static int
fetch(void *ud, const char *const *codes, size_t ncodes, const char **data, size_t *len)
{
	struct link *k = ud;
	int fd = k->fd;
	struct buf b = BUF_INIT;
	uint64_t n;
	char *p;
	int rc = wire_request_encode(&b, codes, ncodes);

	rc = rc || write_frame(fd, WIRE_FRAME_REQUEST, &b);
	buf_free(&b);
	if (rc || read_all(fd, &n, sizeof(n)) != 0 || n == 0 || n > WIRE_CITIES_MAX)
		return -1;
	if ((p = mmap(NULL, (size_t)n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0))
	    == MAP_FAILED)
		return -1;
	k->map = p;
	k->maplen = (size_t)n;
	if (read_all(fd, p, (size_t)n) != 0)
		return -1;
	*data = p;
	*len = (size_t)n;
	return 0;
}

/* Reads the plugin frame: the file's name, a NUL, then the source.  Returns 0 or -1. */
static int
read_plugin(int fd, char **file, char **source, size_t *len, size_t *maplen)
{
	unsigned char head[WIRE_HEAD];
	uint32_t type;
	uint64_t n;
	char *p, *nul;

	if (read_all(fd, head, sizeof(head)) != 0)
		return -1;
	wire_head_decode(head, &type, &n);
	if (type != WIRE_FRAME_PLUGIN || n == 0 || n > PLUGIN_MAX_SOURCE + 4097)
		return -1;
	if ((p = mmap(NULL, (size_t)n + 1, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
	    0)) == MAP_FAILED || read_all(fd, p, (size_t)n) != 0)
		return -1;
	*maplen = (size_t)n + 1;
	p[n] = '\0';
	if ((nul = memchr(p, '\0', (size_t)n)) == NULL || (size_t)(nul - p) > 4096)
		return -1;
	*file = p;
	*source = nul + 1;
	*len = (size_t)n - (size_t)(nul - p) - 1;
	return *len <= PLUGIN_MAX_SOURCE ? 0 : -1;
}

static int
number(const char *s, double lo, double hi, double *out)
{
	char *end;
	double v;

	if (s == NULL || *s == '\0')
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !(v >= lo && v <= hi))
		return -1;
	*out = v;
	return 0;
}

void
child_exec_main(int argc, char **argv)
{
	struct sandbox_progress *progress = NULL;
	struct plugin_limits lim;
	struct plugin_result r;
	struct buf b = BUF_INIT;
	struct link k = { LINK_FD, NULL, 0 };
	double parent, ncities, ipc, itotal, mem, count = 1;
	char *file, *source;
	size_t len, maplen = 0, i;
	long city = -1;
	int rc;

	if ((argc != 8 && argc != 9) || strcmp(argv[1], "--sandbox") != 0 ||
	    number(argv[2], 1, INT_MAX, &parent) || number(argv[3], 0, 1e9, &ncities) ||
	    number(argv[4], 1, 9e18, &ipc) || number(argv[5], 1, 9e18, &itotal) ||
	    number(argv[6], 1e-3, 3600, &lim.cpu_seconds) || number(argv[7], 1, 1e15, &mem) ||
	    (argc == 9 && number(argv[8], 2, 4096, &count))) {
		static const char usage[] = "citybench-sandbox: the plugin sandbox; only citybench "
		    "and citybench-fcgi start it\n";

		if (write(STDERR_FILENO, usage, sizeof(usage) - 1) < 0)
			_exit(2);
		_exit(2);
	}
	lim.instructions_per_call = (long)ipc;
	lim.instructions_total = (long)itotal;
	lim.memory_bytes = (size_t)mem;
	lim.wall_seconds = 0;
	if (harden(&lim, (size_t)ncities, (pid_t)parent, &progress, (size_t)count) != 0)
		_exit(71);
	for (i = 0; i < (size_t)count; i++) {
		int last = i + 1 == (size_t)count;

		/* Only now, under the filter, the first byte of the plugin. */
		if (read_plugin(k.fd, &file, &source, &len, &maplen) != 0)
			_exit(71);
		/* Its own CPU budget, from now (the timer's; the Lua hook counts from its start). */
		stop_at = cpu_seconds_now() + lim.cpu_seconds + TIMER_GRACE;
		rc = sandbox_run(file, source, len, (size_t)ncities, &lim, progress, fetch, &k, &r,
		    &city, !last);
		buf_reset(&b);
		if (wire_result_encode(&b, rc, &r, city, (size_t)ncities) != 0 ||
		    write_frame(k.fd, WIRE_FRAME_RESULT, &b) != 0)
			_exit(72);
		if (last)
			break;
		/* The next plugin starts clean: nothing of this one's is left but freed memory. */
		plugin_result_free(&r);
		munmap(file, maplen);
		if (k.map)
			munmap(k.map, k.maplen);
		k.map = NULL;
		k.maplen = 0;
	}
	/* No free, no atexit handlers, no stdio flush: this process only ever held its plugins. */
	_exit(0);
}

/* --- the worker's side --------------------------------------------------------------------- */

/* The program's path: $CITYBENCH_SANDBOX, else citybench-sandbox beside this program (or one
 * folder up, for the unit tests in build/X/tests/).  Returns 0 with path filled, or -1. */
static int
sandbox_path(char *path, size_t size)
{
	const char *env = getenv("CITYBENCH_SANDBOX");
	char self[PATH_MAX], *slash;
	ssize_t n;

	if (env && *env)
		return (size_t)snprintf(path, size, "%s", env) < size ? 0 : -1;
	if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) <= 0)
		return -1;
	self[n] = '\0';
	if ((slash = strrchr(self, '/')) == NULL)
		return -1;
	*slash = '\0';
	if ((size_t)snprintf(path, size, "%s/citybench-sandbox", self) < size &&
	    access(path, X_OK) == 0)
		return 0;
	if ((slash = strrchr(self, '/')) != NULL) {
		*slash = '\0';
		if ((size_t)snprintf(path, size, "%s/citybench-sandbox", self) < size &&
		    access(path, X_OK) == 0)
			return 0;
	}
	errno = ENOENT;
	return -1;
}

pid_t
child_spawn(int link, int progress_fd, size_t ncities, const struct plugin_limits *lim,
    size_t count)
{
	char path[PATH_MAX], a[7][48];
	char *argv[10], *envp[1] = { NULL };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, all;
	pid_t pid = -1;
	int e, moved[2] = { -1, -1 };

	if (sandbox_path(path, sizeof(path)) != 0)
		return -1;
	snprintf(a[0], sizeof(a[0]), "%ld", (long)getpid());
	snprintf(a[1], sizeof(a[1]), "%zu", ncities);
	snprintf(a[2], sizeof(a[2]), "%ld", lim->instructions_per_call);
	snprintf(a[3], sizeof(a[3]), "%ld", lim->instructions_total);
	snprintf(a[4], sizeof(a[4]), "%.17g", lim->cpu_seconds);
	snprintf(a[5], sizeof(a[5]), "%zu", lim->memory_bytes);
	argv[0] = (char *)"citybench-sandbox";
	argv[1] = (char *)"--sandbox";
	snprintf(a[6], sizeof(a[6]), "%zu", count);
	for (e = 0; e < 6; e++)
		argv[2 + e] = a[e];
	argv[8] = count > 1 ? a[6] : NULL;	/* one plugin: the command line it always had */
	argv[9] = NULL;
	sigemptyset(&none);
	sigfillset(&all);
	sigdelset(&all, SIGKILL);
	sigdelset(&all, SIGSTOP);
	if (posix_spawn_file_actions_init(&fa) != 0)
		return -1;
	if (posix_spawnattr_init(&at) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		return -1;
	}
	/* Both descriptors above 2 (a copy when one is not), so that neither dup2 overwrites the
	 * other and each dup2 clears close-on-exec. */
	if (link < 3 && (link = moved[0] = fcntl(link, F_DUPFD_CLOEXEC, 3)) < 0)
		e = -1;
	else if (progress_fd < 3 &&
	    (progress_fd = moved[1] = fcntl(progress_fd, F_DUPFD_CLOEXEC, 3)) < 0)
		e = -1;
	else
		e = posix_spawn_file_actions_adddup2(&fa, link, LINK_FD) ||
		    posix_spawn_file_actions_adddup2(&fa, progress_fd, PROGRESS_FD) ||
		    posix_spawn_file_actions_addclosefrom_np(&fa, PROGRESS_FD + 1) ||
		    posix_spawnattr_setsigmask(&at, &none) ||
		    posix_spawnattr_setsigdefault(&at, &all) ||
		    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	if (e == 0 && (e = posix_spawn(&pid, path, &fa, &at, argv, envp)) != 0) {
		errno = e;
		pid = -1;
	}
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	for (e = 0; e < 2; e++)
		if (moved[e] >= 0)
			close(moved[e]);
	return pid;
}
