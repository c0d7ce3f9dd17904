/* child.c: the process a plugin runs in: hardened, then the sandbox, then one result.
 *
 * The Lua side (sandbox.c) stops what it can see: instructions, CPU time checked between them,
 * memory.  This file stops the rest.  The child closes every descriptor it inherited but stderr
 * and its socket (a FastCGI worker's stdin is its listening socket, so stdin and stdout become
 * /dev/null), limits its core size, CPU time and (outside sanitizer builds, where ASan's
 * reserved address space would trip it) its address space, arms a CPU-time timer a quarter second
 * past the budget for work the Lua hook cannot see (a backtracking pattern in C), and installs a
 * seccomp filter under which any system call but read, write, memory management, the CPU clock
 * and exit fails with EPERM: a plugin that escaped the Lua VM still could not open, connect,
 * fork or signal.  Then it runs the plugin in the sandbox, asks the parent (plugin.c) for the
 * cities once the plugin has said which questions it reads, and sends its result; the messages
 * are wire.c's.  Its I/O blocks: the parent holds the deadline and kills it past that.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "buf.h"
#include "child.h"
#include "metric.h"
#include "sandbox.h"
#include "wire.h"

#define LINK_FD		3		/* where the child keeps its end of the socket */
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
		as += 2 * lim->memory_bytes + WIRE_CITIES_MAX + 64 * 1024 * 1024;
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
	char *p;
	int rc = wire_request_encode(&b, codes, ncodes);

	rc = rc || write_frame(fd, WIRE_FRAME_REQUEST, &b);
	buf_free(&b);
	if (rc || read_all(fd, &n, sizeof(n)) != 0 || n == 0 || n > WIRE_CITIES_MAX)
		return -1;
	if ((p = mmap(NULL, (size_t)n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0))
	    == MAP_FAILED || read_all(fd, p, (size_t)n) != 0)
		return -1;
	*data = p;
	*len = (size_t)n;
	return 0;
}

void
child_main(int link, pid_t parent, const char *file, const char *source, size_t len,
    size_t ncities, const struct plugin_limits *lim, struct sandbox_progress *progress)
{
	struct plugin_result r;
	struct buf b = BUF_INIT;
	long city = -1;
	int fd, rc;

	if ((fd = harden(link, lim, ncities, parent)) < 0)
		_exit(71);
	rc = sandbox_run(file, source, len, ncities, lim, progress, fetch, &fd, &r, &city);
	if (wire_result_encode(&b, rc, &r, city, ncities) != 0 ||
	    write_frame(fd, WIRE_FRAME_RESULT, &b) != 0)
		_exit(72);
	/* No free, no atexit handlers, no stdio flush: this process only ever held the plugin. */
	_exit(0);
}
