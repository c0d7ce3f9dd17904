/* bare.c: the FastCGI ceiling for `make bench`: a libfcgi responder that does no work.  It preforks
 * as many workers as citybench-fcgi, and answers every request with a body of the size its path asks
 * for, with the headers citybench sends (Content-Length included), so that nginx, the FastCGI protocol
 * and the process model cost what they cost for citybench, and nothing else does.
 *
 *   bare --socket PATH [--workers N] [--pidfile FILE]
 *
 *   /__bare/<bytes>.json[/...]   200, application/json, <bytes> bytes
 *   /__bare/<bytes>.html[/...]   200, text/html with citybench's security headers, <bytes> bytes
 *   /__bare/nm[/...]             304 with an ETag, no body
 *
 * Whatever follows (the workload's own path and query) is ignored: it is there so that the request
 * carries as many bytes of parameters as the workload's.
 *
 * Not part of the server: built by tests/bench.sh into build/bench/bare. */
#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcgiapp.h>

#define MAX_WORKERS 64
#define MAX_BODY (8u << 20)

static volatile sig_atomic_t stopping;

static void
on_stop(int sig)
{
	(void)sig;
	stopping = 1;
}

static const char *
env_get(char **envp, const char *name)
{
	size_t n = strlen(name);

	for (; envp && *envp; envp++)
		if (strncmp(*envp, name, n) == 0 && (*envp)[n] == '=')
			return *envp + n + 1;
	return NULL;
}

/* The body is one buffer of MAX_BODY bytes made once; a response sends a prefix of it. */
static char *body;

static void
answer(FCGX_Request *fr, unsigned long long *counter)
{
	const char *uri = env_get(fr->envp, "PATH_INFO");
	const char *rid = env_get(fr->envp, "REQUEST_ID");
	char head[1024], *end;
	unsigned long long size;
	int html, n;

	if (uri == NULL)
		uri = env_get(fr->envp, "DOCUMENT_URI");
	if (uri == NULL || strncmp(uri, "/__bare/", 8) != 0) {
		FCGX_PutS("Status: 404 Not Found\r\nContent-Length: 0\r\n\r\n", fr->out);
		return;
	}
	uri += 8;
	(*counter)++;
	if (strncmp(uri, "nm", 2) == 0 && (uri[2] == '\0' || uri[2] == '/')) {
		n = snprintf(head, sizeof(head), "Status: 304 Not Modified\r\nETag: \"v1-2\"\r\n"
		    "Cache-Control: no-cache\r\nX-Request-Id: %s\r\n\r\n", rid ? rid : "0");
		FCGX_PutStr(head, n, fr->out);
		return;
	}
	size = strtoull(uri, &end, 10);
	if (end == uri || size > MAX_BODY) {
		FCGX_PutS("Status: 400 Bad Request\r\nContent-Length: 0\r\n\r\n", fr->out);
		return;
	}
	html = strncmp(end, ".html", 5) == 0;
	n = snprintf(head, sizeof(head), "Status: 200 OK\r\nContent-Type: %s\r\nContent-Length: %llu\r\n"
	    "ETag: \"v1-%d\"\r\nCache-Control: no-cache\r\nX-Request-Id: %s\r\n%s\r\n",
	    html ? "text/html; charset=utf-8" : "application/json", size, html ? 1 : 2, rid ? rid : "0",
	    html ? "Content-Security-Policy: default-src 'self'; script-src 'self'; style-src 'self'; "
	    "img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; "
	    "frame-ancestors 'none'\r\nX-Frame-Options: DENY\r\n" : "");
	FCGX_PutStr(head, n, fr->out);
	FCGX_PutStr(body, (int)size, fr->out);
}

static void
worker(int sock)
{
	FCGX_Request fr;
	struct sigaction sa;
	unsigned long long served = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;	/* no SA_RESTART: a signal breaks the accept */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	FCGX_InitRequest(&fr, sock, FCGI_FAIL_ACCEPT_ON_INTR);
	while (!stopping) {
		if (FCGX_Accept_r(&fr) < 0) {
			if (stopping)
				break;
			continue;
		}
		answer(&fr, &served);
		FCGX_Finish_r(&fr);
	}
	_exit(0);
}

int
main(int argc, char **argv)
{
	const char *path = NULL, *pidfile = NULL, *group;
	int nworkers = 4, sock, i;
	pid_t pids[MAX_WORKERS];
	struct sigaction sa;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--socket") == 0 && i + 1 < argc)
			path = argv[++i];
		else if (strcmp(argv[i], "--workers") == 0 && i + 1 < argc)
			nworkers = atoi(argv[++i]);
		else if (strcmp(argv[i], "--pidfile") == 0 && i + 1 < argc)
			pidfile = argv[++i];
		else
			path = NULL, i = argc;
	}
	if (path == NULL || nworkers < 1 || nworkers > MAX_WORKERS) {
		fprintf(stderr, "usage: bare --socket PATH [--workers 1..%d] [--pidfile FILE]\n", MAX_WORKERS);
		return 2;
	}
	if ((body = malloc(MAX_BODY)) == NULL) {
		fprintf(stderr, "bare: out of memory\n");
		return 1;
	}
	memset(body, 'x', MAX_BODY);
	if (FCGX_Init() != 0) {
		fprintf(stderr, "bare: FCGX_Init failed\n");
		return 1;
	}
	unlink(path);
	if ((sock = FCGX_OpenSocket(path, 1024)) < 0) {
		fprintf(stderr, "bare: cannot listen on %s: %s\n", path, strerror(errno));
		return 1;
	}
	if ((group = getenv("BARE_SOCKET_GROUP")) != NULL) {
		struct group *gr = getgrnam(group);
		if (gr && chown(path, (uid_t)-1, gr->gr_gid) == -1)
			fprintf(stderr, "bare: chown %s: %s\n", path, strerror(errno));
	}
	chmod(path, 0660);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < nworkers; i++) {
		pids[i] = fork();
		if (pids[i] == 0)
			worker(sock);
	}
	if (pidfile) {
		FILE *f = fopen(pidfile, "w");
		if (f) {
			fprintf(f, "%d\n", (int)getpid());
			fclose(f);
		}
	}
	while (!stopping) {
		if (waitpid(-1, NULL, 0) == -1 && errno != EINTR)
			break;
	}
	for (i = 0; i < nworkers; i++)
		if (pids[i] > 0)
			kill(pids[i], SIGTERM);
	for (i = 0; i < nworkers; i++)
		if (pids[i] > 0)
			waitpid(pids[i], NULL, 0);
	unlink(path);
	if (pidfile)
		unlink(pidfile);
	free(body);
	return 0;
}
