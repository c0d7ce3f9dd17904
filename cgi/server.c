/* server.c: citybench-fcgi, the FastCGI server: a supervisor that opens the socket, preforks workers,
 * restarts one that dies and shuts down cleanly on SIGTERM.  Each worker connects to PostgreSQL after
 * the fork and serves one request at a time through the route table. */
#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "app.h"
#include "cache.h"
#include "http.h"
#include "routes.h"
#include "sync.h"

#define MAX_WORKERS 64

static volatile sig_atomic_t stopping;
static volatile sig_atomic_t reload_asked;

static void
on_stop(int sig)
{
	(void)sig;
	stopping = 1;
}

static void
on_hup(int sig)
{
	(void)sig;
	reload_asked = 1;
}

static void
usage(void)
{
	fprintf(stderr, "usage: citybench-fcgi --socket PATH [--workers N] [--pidfile FILE]\n");
	exit(2);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
worker_main(int sock, struct shared *shm, int nworkers)
{
	struct app app;
	struct request req;
	FCGX_Request fr;
	struct sigaction sa;
	const char *s;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;	/* no SA_RESTART: a signal breaks the accept */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);

	memset(&app, 0, sizeof(app));
	app.shm = shm;
	app.workers = nworkers;
	app.root = getenv("CITYBENCH_ROOT") ? getenv("CITYBENCH_ROOT") : ".";
	s = getenv("CITYBENCH_CACHE");
	app.cache_enabled = !(s && strcmp(s, "0") == 0);
	s = getenv("CITYBENCH_CACHE_BYTES");
	app.cache_bytes = s ? strtoull(s, NULL, 10) : 16u << 20;
	if (app_init(&app) == -1)
		_exit(1);
	if (app.cache_enabled)
		app.cache = cache_new(app.cache_bytes);
	/* After the fork: a libpq connection must never cross one. */
	app.db = db_new(getenv("CITYBENCH_DB"));
	if (app.db == NULL)
		_exit(1);
	db_listen(app.db);

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
		t0 = now_s();
		http_request_reset(&req);
		req.fcgi = &fr;
		routes_dispatch(&req, fr.envp);
		http_send(&req);
		FCGX_Finish_r(&fr);
		app_account(&app, req.status, now_s() - t0);
	}
	http_request_free(&req);
	cache_free(app.cache);
	app_free(&app);
	db_free(app.db);
	_exit(0);
}

static pid_t
spawn(int sock, struct shared *shm, int nworkers)
{
	pid_t pid = fork();

	if (pid == 0)
		worker_main(sock, shm, nworkers);
	return pid;
}

int
main(int argc, char **argv)
{
	const char *path = NULL, *pidfile = NULL, *group;
	int nworkers = 4, sock, i, backlog = 1024;
	pid_t pids[MAX_WORKERS];
	struct shared *shm;
	struct sigaction sa;
	double last_restart = 0;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--socket") == 0 && i + 1 < argc)
			path = argv[++i];
		else if (strcmp(argv[i], "--workers") == 0 && i + 1 < argc)
			nworkers = atoi(argv[++i]);
		else if (strcmp(argv[i], "--pidfile") == 0 && i + 1 < argc)
			pidfile = argv[++i];
		else if (strcmp(argv[i], "--backlog") == 0 && i + 1 < argc)
			backlog = atoi(argv[++i]);
		else
			usage();
	}
	if (path == NULL && (path = getenv("CITYBENCH_SOCKET")) == NULL)
		usage();
	if (getenv("CITYBENCH_WORKERS") && nworkers == 4)
		nworkers = atoi(getenv("CITYBENCH_WORKERS"));
	if (nworkers < 1 || nworkers > MAX_WORKERS) {
		fprintf(stderr, "citybench-fcgi: --workers must be 1..%d\n", MAX_WORKERS);
		return 2;
	}

	if (FCGX_Init() != 0) {
		fprintf(stderr, "citybench-fcgi: FCGX_Init failed\n");
		return 1;
	}
	unlink(path);
	if ((sock = FCGX_OpenSocket(path, backlog)) < 0) {
		fprintf(stderr, "citybench-fcgi: cannot listen on %s: %s\n", path, strerror(errno));
		return 1;
	}
	/* Only nginx may write to the socket: its group, mode 0660. */
	if ((group = getenv("CITYBENCH_SOCKET_GROUP")) != NULL) {
		struct group *gr = getgrnam(group);
		if (gr && chown(path, (uid_t)-1, gr->gr_gid) == -1)
			fprintf(stderr, "citybench-fcgi: chown %s: %s\n", path, strerror(errno));
	}
	chmod(path, 0660);

	shm = mmap(NULL, sizeof(*shm), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shm == MAP_FAILED) {
		fprintf(stderr, "citybench-fcgi: mmap: %s\n", strerror(errno));
		return 1;
	}
	memset(shm, 0, sizeof(*shm));

	/* Plugins are loaded and their values brought up to date before the first worker serves. */
	if (getenv("CITYBENCH_OWNER_DB") && getenv("CITYBENCH_SKIP_SYNC") == NULL)
		sync_plugins_at_start(getenv("CITYBENCH_OWNER_DB"),
		    getenv("CITYBENCH_ROOT") ? getenv("CITYBENCH_ROOT") : ".");

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = on_hup;
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	for (i = 0; i < nworkers; i++)
		pids[i] = spawn(sock, shm, nworkers);
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
			if (now_s() - last_restart < 0.2)
				usleep(200000);
			last_restart = now_s();
			fprintf(stderr, "citybench-fcgi: worker %d %s %d; restarting\n", (int)pid,
			    WIFSIGNALED(status) ? "killed by signal" : "exited with",
			    WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
			pids[i] = spawn(sock, shm, nworkers);
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
	unlink(path);
	if (pidfile)
		unlink(pidfile);
	return 0;
}
