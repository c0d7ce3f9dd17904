/* server.c: citybench-fcgi, the FastCGI server: a supervisor that opens the socket, preforks workers,
 * restarts one that dies and shuts down cleanly on SIGTERM.  Each worker connects to PostgreSQL after
 * the fork and serves one request at a time through the route table. */
#include <errno.h>
#include <grp.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "app.h"
#include "auth.h"
#include "cache.h"
#include "clock.h"
#include "config.h"
#include "http.h"
#include "lang.h"
#include "page.h"
#include "replicas.h"
#include "routes.h"
#include "shmlock.h"
#include "simindex.h"
#include "simlists.h"
#include "simshare.h"
#include "sync.h"

#define MAX_WORKERS SHARED_MAX_WORKERS	/* a slot each in shm->worker_previews */

static volatile sig_atomic_t stopping;

static void
on_stop(int sig)
{
	(void)sig;
	stopping = 1;
}

static void
usage(int status)
{
	fprintf(status ? stderr : stdout, "usage: citybench-fcgi --socket PATH|[HOST]:PORT [--workers N] "
	    "[--pidfile FILE] [--backlog N]\n"
	    "Settings: %s (CITYBENCH_CONF), each also an environment variable; see citybench-fcgi(8).\n",
	    CONFIG_DEFAULT_PATH);
	exit(status);
}

static double
env_seconds(const char *name, double dflt)
{
	const char *s = getenv(name);
	char *end;
	double v;

	if (s == NULL || *s == '\0')
		return dflt;
	v = strtod(s, &end);
	if (*end != '\0' || !(v >= 0 && v < 1e6)) {
		fprintf(stderr, "citybench-fcgi: %s=%s is not a number of seconds; using %g\n", name, s, dflt);
		return dflt;
	}
	return v;
}

/* libfcgi listens on TCP when the address is HOST:PORT or :PORT (a non-zero port), else on a unix
 * socket at that path. */
static int
is_tcp(const char *path)
{
	const char *colon = strchr(path, ':');

	return colon && atoi(colon + 1) > 0;
}

static int
is_read(const char *method)
{
	return method && (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0);
}

/* The supervisor's shared response cache (NULL: CITYBENCH_CACHE=0) and its size. */
static struct cache *cache;
static size_t cache_bytes;

static void
worker_main(int sock, struct shared *shm, int nworkers, int index)
{
	struct app app;
	struct request req;
	FCGX_Request fr;
	struct sigaction sa;
	const char *s;
	unsigned long served = 0, leave_after = 0;
	int leakcheck;

	/* CITYBENCH_LEAKCHECK=1 (tests/leak.sh): the worker leaves by exit(), not _exit(), so that
	 * LeakSanitizer's exit-time check runs (valgrind checks either way); =N > 1 also makes it leave
	 * after N requests (the supervisor starts another). */
	s = getenv("CITYBENCH_LEAKCHECK");
	leakcheck = s && *s && strcmp(s, "0") != 0;
	if (leakcheck && strtoul(s, NULL, 10) > 1)
		leave_after = strtoul(s, NULL, 10);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;	/* no SA_RESTART: a signal breaks the accept */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	/* Blocks of 256 KiB and more (a large answer's buffer, its rows) are mapped and unmapped: freed,
	 * they go back to the system instead of staying in the heap (worker RSS). */
	mallopt(M_MMAP_THRESHOLD, 256 * 1024);

	memset(&app, 0, sizeof(app));
	app.shm = shm;
	app.worker_index = index;
	app.workers = nworkers;
	app.root = config_root();
	/* The supervisor's, inherited: every worker (and its replacements) shares the one region. */
	app.cache = cache;
	app.cache_enabled = cache != NULL;
	app.cache_bytes = cache_bytes;
	if (page_init(app.root) == -1)
		_exit(1);
	lang_init(NULL);
	/* After the fork: a libpq connection must never cross one.  The primary takes the writes and
	 * LISTENs (NOTIFY reaches no hot standby); reads go to a replica when CITYBENCH_DB_READ names
	 * some, else to the primary too. */
	app.db_write = db_new(getenv("CITYBENCH_DB"));
	if (app.db_write == NULL)
		_exit(1);
	db_listen(app.db_write);
	app.db = app.db_write;
	if ((s = getenv("CITYBENCH_DB_READ")) != NULL && *s != '\0') {
		app.replicas = replicas_new(s, env_seconds("CITYBENCH_DB_READ_RETRY", 5.0));
		if (app.replicas == NULL)
			fprintf(stderr, "citybench-fcgi: CITYBENCH_DB_READ names no conninfo: reading from "
			    "the primary\n");
	}
	app.read_max_lag = env_seconds("CITYBENCH_DB_READ_MAX_LAG", 30.0);

	FCGX_InitRequest(&fr, sock, FCGI_FAIL_ACCEPT_ON_INTR);
	memset(&req, 0, sizeof(req));
	req.app = &app;
	while (!stopping) {
		double t0;

		if (FCGX_Accept_r(&fr) < 0) {
			if (stopping)
				break;
			continue;
		}
		t0 = clock_mono();
		app_begin_request(&app, t0);
		http_request_reset(&req);
		req.fcgi = &fr;
		routes_dispatch(&req, fr.envp);
		if (req.status == 503 && is_read(req.method) && app_read_failed(&app, clock_mono())) {
			/* A read failed on a replica (gone, or a query cancelled by recovery): a GET is
			 * safe to run again, on the primary. */
			http_request_reset(&req);
			req.fcgi = &fr;
			routes_dispatch(&req, fr.envp);
		}
		http_send(&req);
		if (req.body_ref)
			cache_release(app.cache);	/* the body went out of the shared region */
		FCGX_Finish_r(&fr);
		auth_forget();		/* the request's token credential, if any */
		app_account(&app, req.status, clock_mono() - t0);
		/* After a large answer (its buffers and results freed now), give the memory back to the
		 * system instead of keeping the heap at its high-water mark for the worker's life.  After any
		 * request with a body too (an upload, a preview, a form), whatever its answer: a parse's tree
		 * and the body itself are freed now. */
		if (req.out.cap > HTTP_KEEP_BYTES || req.body_len > 0) {
			http_request_reset(&req);
			malloc_trim(0);
		}
		if (leave_after && ++served >= leave_after)
			break;
	}
	http_request_free(&req);
	FCGX_Free(&fr, 0);
	cache_free(app.cache);
	page_free();
	replicas_free(app.replicas);	/* app.db is the primary or one of these */
	db_free(app.db_write);
	if (leakcheck) {
		fprintf(stderr, "citybench-fcgi: worker %d leaving through exit() for the leak check\n",
		    (int)getpid());
		exit(0);
	}
	_exit(0);
}

/* What a dead worker held in shared memory: its preview slots.  (A lock it held is handed on by the
 * kernel: shmlock.h.) */
static void
release_slots(struct shared *shm, int index)
{
	int held = atomic_exchange(&shm->worker_previews[index], 0);

	if (held > 0)
		atomic_fetch_sub(&shm->previews_running, held);
}

static pid_t
spawn(int sock, struct shared *shm, int nworkers, int index)
{
	pid_t pid = fork();

	if (pid == 0)
		worker_main(sock, shm, nworkers, index);
	return pid;
}

int
main(int argc, char **argv)
{
	const char *path = NULL, *pidfile = NULL, *group, *allow, *s;
	char *owner;
	int nworkers = 4, sock, i, backlog = 1024;
	pid_t pids[MAX_WORKERS];
	struct shared *shm;
	struct sigaction sa;
	double last_restart = 0;

	/* The configuration file first: it only fills in what the environment leaves out. */
	if (config_load() == -1)
		return 1;
	if (getenv("CITYBENCH_ROOT") == NULL)
		setenv("CITYBENCH_ROOT", config_root(), 1);
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			usage(0);
		else if (strcmp(argv[i], "--socket") == 0 && i + 1 < argc)
			path = argv[++i];
		else if (strcmp(argv[i], "--workers") == 0 && i + 1 < argc)
			nworkers = atoi(argv[++i]);
		else if (strcmp(argv[i], "--pidfile") == 0 && i + 1 < argc)
			pidfile = argv[++i];
		else if (strcmp(argv[i], "--backlog") == 0 && i + 1 < argc)
			backlog = atoi(argv[++i]);
		else
			usage(2);
	}
	if (path == NULL && ((path = getenv("CITYBENCH_SOCKET")) == NULL || *path == '\0'))
		usage(2);
	if (getenv("CITYBENCH_WORKERS") && nworkers == 4)
		nworkers = atoi(getenv("CITYBENCH_WORKERS"));
	if (nworkers < 1 || nworkers > MAX_WORKERS) {
		fprintf(stderr, "citybench-fcgi: --workers must be 1..%d\n", MAX_WORKERS);
		return 2;
	}

	/* On TCP, libfcgi accepts only the addresses in FCGI_WEB_SERVER_ADDRS (read by FCGX_Init). */
	if ((allow = getenv("CITYBENCH_FCGI_ALLOW")) != NULL && *allow != '\0')
		setenv("FCGI_WEB_SERVER_ADDRS", allow, 1);
	if (is_tcp(path) && getenv("FCGI_WEB_SERVER_ADDRS") == NULL)
		fprintf(stderr, "citybench-fcgi: listening on TCP %s without CITYBENCH_FCGI_ALLOW: any host that "
		    "reaches the port can send requests\n", path);
	if (FCGX_Init() != 0) {
		fprintf(stderr, "citybench-fcgi: FCGX_Init failed\n");
		return 1;
	}
	if (!is_tcp(path))
		unlink(path);
	if ((sock = FCGX_OpenSocket(path, backlog)) < 0) {
		fprintf(stderr, "citybench-fcgi: cannot listen on %s: %s\n", path, strerror(errno));
		return 1;
	}
	/* Only nginx may write to the socket: its group, mode 0660. */
	if (!is_tcp(path) && (group = getenv("CITYBENCH_SOCKET_GROUP")) != NULL && *group != '\0') {
		struct group *gr = getgrnam(group);
		if (gr == NULL)
			fprintf(stderr, "citybench-fcgi: no group %s for the socket\n", group);
		else if (chown(path, (uid_t)-1, gr->gr_gid) == -1)
			fprintf(stderr, "citybench-fcgi: chown %s: %s\n", path, strerror(errno));
	}
	if (!is_tcp(path))
		chmod(path, 0660);

	shm = mmap(NULL, sizeof(*shm), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shm == MAP_FAILED) {
		fprintf(stderr, "citybench-fcgi: mmap: %s\n", strerror(errno));
		return 1;
	}
	memset(shm, 0, sizeof(*shm));
	if (shmlock_init(&shm->rate_lock) == -1) {
		fprintf(stderr, "citybench-fcgi: cannot make the rate limiter's lock\n");
		return 1;
	}

	/* One response cache for all workers, made before they are forked. */
	s = getenv("CITYBENCH_CACHE");
	if (!(s && strcmp(s, "0") == 0)) {
		s = getenv("CITYBENCH_CACHE_BYTES");
		cache_bytes = s && *s ? strtoull(s, NULL, 10) : (size_t)128 << 20;
		if ((cache = cache_new(cache_bytes)) == NULL)
			fprintf(stderr, "citybench-fcgi: no response cache: CITYBENCH_CACHE_BYTES=%s is under "
			    "64 KiB or more than the system gives\n", s && *s ? s : "(default)");
	}

	/* The similar-cities index's prints are keyed (simindex_key): one key for the workers, which
	 * share their indexes, and unknown to partners, whose answers are printed. */
	{
		unsigned char key[16];
		if (getrandom(key, sizeof(key), 0) == (ssize_t)sizeof(key))
			simindex_key(key);
		else
			fprintf(stderr, "citybench-fcgi: no random key for the similar lists' prints\n");
	}

	/* The similar-cities index, built once per data version for every worker (not a response cache:
	 * on under CITYBENCH_CACHE=0 too); without it each worker builds its own. */
	if ((simshare_default = simshare_new(SIMSHARE_BYTES)) == NULL)
		fprintf(stderr, "citybench-fcgi: no shared similar-cities index: each worker builds its own\n");
	/* And the cities' similar lists scored in it, each scored once for all the workers (simlists.h);
	 * CITYBENCH_SIMLISTS=0 leaves them unshared, as in the eleventh session (the tests compare both). */
	s = getenv("CITYBENCH_SIMLISTS");
	if (!(s && strcmp(s, "0") == 0) && (simlists_default = simlists_new()) == NULL)
		fprintf(stderr, "citybench-fcgi: no shared similar lists: each worker scores its own\n");

	/* The schema owner's conninfo is never a worker's (issue 14): plugins are loaded by `citybench
	 * plugins reload`, run as the owner before the server (tests/stack.sh, the unit's ExecStartPre).
	 * Given anyway, it is wiped where it was (the environment's own copy too: /proc/PID/environ). */
	if ((owner = getenv("CITYBENCH_OWNER_DB")) != NULL) {
		if (*owner)
			fprintf(stderr, "citybench-fcgi: CITYBENCH_OWNER_DB ignored: the workers never hold the "
			    "schema owner's credentials; run `citybench plugins reload` before the server\n");
		explicit_bzero(owner, strlen(owner));
		unsetenv("CITYBENCH_OWNER_DB");
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	/* No reload: settings, the layout and the plugins' values are read at start (plugins: `citybench
	 * plugins reload`); a hangup must not stop the server. */
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);

	for (i = 0; i < nworkers; i++)
		pids[i] = spawn(sock, shm, nworkers, i);
	if (pidfile) {
		FILE *f = fopen(pidfile, "w");
		if (f) {
			fprintf(f, "%d\n", (int)getpid());
			fclose(f);
		}
	}
	fprintf(stderr, "citybench-fcgi: %d workers on %s\n", nworkers, path);

	while (!stopping) {
		int status;
		pid_t pid = waitpid(-1, &status, 0);

		if (pid == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (i = 0; i < nworkers; i++) {
			if (pids[i] != pid)
				continue;
			if (stopping)
				break;
			/* A worker that died is replaced; a crash loop is slowed down, never stopped. */
			if (clock_mono() - last_restart < 0.2)
				usleep(200000);
			last_restart = clock_mono();
			fprintf(stderr, "citybench-fcgi: worker %d %s %d; restarting\n", (int)pid,
			    WIFSIGNALED(status) ? "killed by signal" : "exited with",
			    WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
			release_slots(shm, i);
			pids[i] = spawn(sock, shm, nworkers, i);
		}
	}
	for (i = 0; i < nworkers; i++)
		if (pids[i] > 0)
			kill(pids[i], SIGTERM);
	for (i = 0; i < nworkers; i++) {
		int waited = 0;
		while (pids[i] > 0 && waitpid(pids[i], NULL, WNOHANG) == 0 && waited++ < 50)
			usleep(100000);
		if (waited > 50)
			kill(pids[i], SIGKILL), waitpid(pids[i], NULL, 0);
	}
	if (!is_tcp(path))
		unlink(path);
	if (pidfile)
		unlink(pidfile);
	cache_free(cache);
	simshare_free(simshare_default);
	return 0;
}
