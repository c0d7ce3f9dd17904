/* config.c: the configuration file read by citybench and citybench-fcgi.  The file only fills in what
 * the environment leaves out, so a systemd drop-in, a shell or a test can always override one setting
 * without editing it.  A file is taken whole or not at all: a bad line stops the program instead of
 * running it with half a configuration. */
#include <errno.h>
#include <stdarg.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "config.h"

#define CONFIG_MAX_BYTES (1u << 20)
#define CONFIG_MAX_SETTINGS 128

/* Every setting the programs read; docs/operations.md and dist/citybench.conf describe each. */
static const char *const known[] = {
	"CITYBENCH_DB", "CITYBENCH_DB_READ", "CITYBENCH_DB_READ_RETRY", "CITYBENCH_DB_READ_MAX_LAG",
	"CITYBENCH_OWNER_DB", "CITYBENCH_ROOT", "CITYBENCH_SOCKET", "CITYBENCH_SOCKET_GROUP",
	"CITYBENCH_FCGI_ALLOW", "CITYBENCH_WORKERS", "CITYBENCH_CACHE", "CITYBENCH_CACHE_BYTES",
	"CITYBENCH_SKIP_SYNC", "CITYBENCH_OPS_KEY", "CITYBENCH_SANDBOX",
};

int
config_known(const char *name)
{
	size_t i;

	for (i = 0; name && i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(name, known[i]) == 0)
			return 1;
	return 0;
}

static int
fail(char **err, const char *path, int line, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int
fail(char **err, const char *path, int line, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	if (line > 0)
		buf_printf(&b, "%s: line %d: ", path, line);
	else
		buf_printf(&b, "%s: ", path);
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	*err = buf_steal(&b, NULL);
	return -1;
}

static char *
trim(char *s, char *end)
{
	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
		*--end = '\0';
	*end = '\0';
	return s;
}

static int
key_valid(const char *k)
{
	if (strncmp(k, "CITYBENCH_", 10) != 0 || k[10] == '\0')
		return 0;
	for (k += 10; *k; k++)
		if (!((*k >= 'A' && *k <= 'Z') || (*k >= '0' && *k <= '9') || *k == '_'))
			return 0;
	return 1;
}

static char *
slurp(const char *path, size_t *len, int *missing, char **err)
{
	FILE *f = fopen(path, "rb");
	struct buf b = BUF_INIT;
	char chunk[8192];
	size_t n;

	*missing = 0;
	if (f == NULL) {
		*missing = errno == ENOENT;
		fail(err, path, 0, "%s", strerror(errno));
		return NULL;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (b.len + n > CONFIG_MAX_BYTES) {
			fail(err, path, 0, "larger than 1 MiB");
			goto bad;
		}
		if (buf_append(&b, chunk, n) == -1) {
			fail(err, path, 0, "out of memory");
			goto bad;
		}
	}
	if (ferror(f)) {
		fail(err, path, 0, "cannot read it");
		goto bad;
	}
	fclose(f);
	if (b.data == NULL) {	/* an empty file (/dev/null) */
		*len = 0;
		if ((b.data = strdup("")) == NULL)
			fail(err, path, 0, "out of memory");
		return b.data;
	}
	return buf_steal(&b, len);
bad:
	fclose(f);
	buf_free(&b);
	return NULL;
}

int
config_load_file(const char *path, int must_exist, char **err)
{
	char *text, *line, *next, *eq, *key, *val, *end;
	const char *keys[CONFIG_MAX_SETTINGS], *vals[CONFIG_MAX_SETTINGS];
	size_t len, n = 0, i;
	int missing, lineno = 0, rc = -1;
	struct stat st;

	*err = NULL;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return fail(err, path, 0, "is a directory");
	if ((text = slurp(path, &len, &missing, err)) == NULL) {
		if (missing && !must_exist) {
			free(*err);
			*err = NULL;
			return 0;
		}
		return -1;
	}
	if (memchr(text, '\0', len) != NULL) {
		fail(err, path, 0, "holds a NUL byte: not a text file");
		goto out;
	}
	for (line = text; line && *line; line = next) {
		lineno++;
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		end = line + strlen(line);
		line = trim(line, end);
		if (*line == '\0' || *line == '#')
			continue;
		if ((eq = strchr(line, '=')) == NULL) {
			fail(err, path, lineno, "expected KEY=VALUE");
			goto out;
		}
		*eq = '\0';
		key = trim(line, eq);
		val = trim(eq + 1, eq + 1 + strlen(eq + 1));
		if (strcmp(key, "CITYBENCH_CONF") == 0) {
			fail(err, path, lineno, "CITYBENCH_CONF names this file: set it in the environment");
			goto out;
		}
		if (!key_valid(key)) {
			fail(err, path, lineno, "\"%s\" is not a citybench setting (CITYBENCH_...)", key);
			goto out;
		}
		len = strlen(val);
		if (len >= 2 && (val[0] == '"' || val[0] == '\'') && val[len - 1] == val[0]) {
			val[len - 1] = '\0';
			val++;
		} else if (len >= 1 && (val[0] == '"' || val[0] == '\'')) {
			fail(err, path, lineno, "%s: unbalanced quote", key);
			goto out;
		}
		for (i = 0; i < n; i++) {
			if (strcmp(keys[i], key) == 0) {
				fail(err, path, lineno, "%s is set twice", key);
				goto out;
			}
		}
		if (n == CONFIG_MAX_SETTINGS) {
			fail(err, path, lineno, "more than 128 settings");
			goto out;
		}
		keys[n] = key;
		vals[n++] = val;
	}
	/* Only a whole, valid file reaches the environment. */
	for (i = 0; i < n; i++) {
		if (!config_known(keys[i]))
			fprintf(stderr, "citybench: %s: %s is not a setting citybench knows (a typo?)\n", path,
			    keys[i]);
		if (setenv(keys[i], vals[i], 0) == -1) {
			fail(err, path, 0, "cannot set %s", keys[i]);
			goto out;
		}
	}
	rc = (int)n;
out:
	free(text);
	return rc;
}

/* The source tree the running program was built in, if it runs from one: the nearest parent of the
 * executable holding sql/migrations and web/templates.  Returns 0 and fills dir, or -1. */
static int
source_tree(char *dir, size_t size)
{
	char exe[PATH_MAX], probe[PATH_MAX + 32], *slash;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	struct stat st;

	if (n <= 0)
		return -1;
	exe[n] = '\0';
	while ((slash = strrchr(exe, '/')) != NULL) {
		*slash = '\0';
		snprintf(probe, sizeof(probe), "%s/sql/migrations", exe);
		if (stat(probe, &st) != 0 || !S_ISDIR(st.st_mode))
			continue;
		snprintf(probe, sizeof(probe), "%s/web/templates", exe);
		if (stat(probe, &st) != 0 || !S_ISDIR(st.st_mode))
			continue;
		snprintf(dir, size, "%s", exe[0] ? exe : "/");
		return 0;
	}
	return -1;
}

int
config_load(void)
{
	const char *path = getenv("CITYBENCH_CONF");
	char tree[PATH_MAX], *err = NULL;
	int explicit = path != NULL && *path != '\0';

	if (!explicit) {
		if (source_tree(tree, sizeof(tree)) == 0)
			return 0;
		path = CONFIG_DEFAULT_PATH;
	}
	if (config_load_file(path, explicit, &err) == -1) {
		fprintf(stderr, "citybench: configuration: %s\n", err ? err : path);
		free(err);
		return -1;
	}
	return 0;
}

const char *
config_root(void)
{
	static char root[PATH_MAX];
	const char *env = getenv("CITYBENCH_ROOT");

	if (env && *env)
		snprintf(root, sizeof(root), "%s", env);
	else if (source_tree(root, sizeof(root)) == -1)
		snprintf(root, sizeof(root), "%s", CB_DATADIR);
	return root;
}
