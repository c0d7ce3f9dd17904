/* test_config.c: the configuration file: what it sets, that the environment wins, and that a bad file
 * changes nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "t.h"

static char dir[] = "/tmp/cb-config-XXXXXX";
static char path[256];

static void
write_file(const char *text, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (f == NULL) {
		perror(path);
		exit(1);
	}
	fwrite(text, 1, len, f);
	fclose(f);
}

static int
load(const char *text, char **err)
{
	free(*err);
	*err = NULL;
	write_file(text, strlen(text));
	return config_load_file(path, 1, err);
}

static int
err_has(const char *err, const char *needle)
{
	return err && strstr(err, needle) != NULL;
}

static void
clear(void)
{
	unsetenv("CITYBENCH_WORKERS");
	unsetenv("CITYBENCH_DB");
	unsetenv("CITYBENCH_DB_READ");
	unsetenv("CITYBENCH_CACHE");
	unsetenv("CITYBENCH_SOCKET");
}

int
main(void)
{
	char *err = NULL, big[300];
	int n;

	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/citybench.conf", dir);
	clear();

	/* The ordinary file: comments, blanks, CRLF, quotes, values holding '=' and spaces. */
	n = load("# citybench\n\n  CITYBENCH_WORKERS = 8\r\n"
	    "CITYBENCH_DB=host=/run/postgresql dbname=citybench user=citybench\n"
	    "CITYBENCH_DB_READ=\"host=db2 dbname=citybench|host=db3 dbname=citybench\"\n"
	    "\t# indented comment\nCITYBENCH_CACHE='0'\nCITYBENCH_SOCKET=", &err);
	CHECK(n == 5, "five settings read");
	CHECK(err == NULL, "no error for a good file");
	CHECK_STR(getenv("CITYBENCH_WORKERS"), "8", "blanks around key and value removed");
	CHECK_STR(getenv("CITYBENCH_DB"), "host=/run/postgresql dbname=citybench user=citybench",
	    "a value keeps its '=' and spaces");
	CHECK_STR(getenv("CITYBENCH_DB_READ"), "host=db2 dbname=citybench|host=db3 dbname=citybench",
	    "double quotes removed");
	CHECK_STR(getenv("CITYBENCH_CACHE"), "0", "single quotes removed");
	CHECK_STR(getenv("CITYBENCH_SOCKET"), "", "an empty value at the end without a newline");

	/* An empty file, and /dev/null (what the tests name to read nothing). */
	clear();
	CHECK(load("", &err) == 0 && err == NULL, "an empty file holds no setting");
	free(err);
	err = NULL;
	CHECK(config_load_file("/dev/null", 1, &err) == 0 && err == NULL, "/dev/null holds no setting");
	CHECK(load("\n\n# only a comment", &err) == 0, "blank lines and a comment: no setting");

	/* The environment wins. */
	clear();
	setenv("CITYBENCH_WORKERS", "3", 1);
	n = load("CITYBENCH_WORKERS=8\nCITYBENCH_CACHE=0\n", &err);
	CHECK(n == 2, "both read");
	CHECK_STR(getenv("CITYBENCH_WORKERS"), "3", "an environment variable beats the file");
	CHECK_STR(getenv("CITYBENCH_CACHE"), "0", "the file fills in what the environment lacks");

	/* A bad file changes nothing, and says where. */
	clear();
	n = load("CITYBENCH_WORKERS=8\nPATH=/tmp/evil\n", &err);
	CHECK(n == -1, "a key outside CITYBENCH_ refused");
	CHECK(err_has(err, "line 2") && err_has(err, "PATH"), "the message names the line and the key");
	CHECK(getenv("CITYBENCH_WORKERS") == NULL, "nothing set from a refused file");
	CHECK(getenv("PATH") && strcmp(getenv("PATH"), "/tmp/evil") != 0, "PATH untouched");

	n = load("CITYBENCH_WORKERS 8\n", &err);
	CHECK(n == -1 && err_has(err, "line 1") && err_has(err, "KEY=VALUE"), "a line without '=' refused");
	n = load("CITYBENCH_WORKERS=8\nCITYBENCH_WORKERS=9\n", &err);
	CHECK(n == -1 && err_has(err, "twice"), "a key given twice refused");
	n = load("CITYBENCH_=1\n", &err);
	CHECK(n == -1, "CITYBENCH_ alone is not a name");
	n = load("citybench_db=x\n", &err);
	CHECK(n == -1, "lower case refused");
	n = load("CITYBENCH_DB-X=1\n", &err);
	CHECK(n == -1, "a name with '-' refused");
	n = load("=value\n", &err);
	CHECK(n == -1, "an empty name refused");
	n = load("CITYBENCH_DB=\"host=x\n", &err);
	CHECK(n == -1 && err_has(err, "quote"), "an unbalanced quote refused");
	n = load("CITYBENCH_CONF=/etc/other.conf\n", &err);
	CHECK(n == -1 && err_has(err, "CITYBENCH_CONF"), "the file cannot name another file");
	write_file("CITYBENCH_DB=a\0b\n", 17);
	free(err);
	err = NULL;
	CHECK(config_load_file(path, 1, &err) == -1 && err_has(err, "NUL"), "a NUL byte refused");
	CHECK(getenv("CITYBENCH_DB") == NULL, "and nothing set");

	/* A long value is fine; an overlong file is not. */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	{
		char line[400];
		snprintf(line, sizeof(line), "CITYBENCH_DB=%s\n", big);
		CHECK(load(line, &err) == 1 && strlen(getenv("CITYBENCH_DB")) == sizeof(big) - 1,
		    "a 299-byte value kept whole");
		unsetenv("CITYBENCH_DB");
	}
	{
		size_t sz = (1u << 20) + 10;
		char *huge = malloc(sz + 1);
		memset(huge, '#', sz);
		huge[sz] = '\0';
		CHECK(load(huge, &err) == -1 && err_has(err, "1 MiB"), "a file over 1 MiB refused");
		free(huge);
	}

	/* An unknown CITYBENCH_ name is set (with a warning on stderr): another module may read it. */
	n = load("CITYBENCH_SOMETHING_NEW=1\n", &err);
	CHECK(n == 1 && getenv("CITYBENCH_SOMETHING_NEW"), "an unknown CITYBENCH_ name still set");
	CHECK(config_known("CITYBENCH_DB_READ") && !config_known("CITYBENCH_SOMETHING_NEW") &&
	    !config_known(NULL), "config_known");

	/* Missing files. */
	unlink(path);
	free(err);
	err = NULL;
	CHECK(config_load_file(path, 0, &err) == 0 && err == NULL, "a missing default file is fine");
	CHECK(config_load_file(path, 1, &err) == -1 && err_has(err, "No such file"),
	    "a missing file named by CITYBENCH_CONF is an error");
	free(err);
	err = NULL;
	CHECK(config_load_file(dir, 0, &err) == -1 && err_has(err, "directory"), "a directory refused");

	/* config_load: CITYBENCH_CONF names the file. */
	clear();
	write_file("CITYBENCH_WORKERS=5\n", 20);
	setenv("CITYBENCH_CONF", path, 1);
	CHECK(config_load() == 0 && getenv("CITYBENCH_WORKERS") && !strcmp(getenv("CITYBENCH_WORKERS"), "5"),
	    "config_load reads CITYBENCH_CONF");
	write_file("oops\n", 5);
	CHECK(config_load() == -1, "config_load fails on a bad file");
	unlink(path);
	CHECK(config_load() == -1, "config_load fails when CITYBENCH_CONF names a missing file");
	unsetenv("CITYBENCH_CONF");
	/* This test runs from the source tree: the system's file is never read here. */
	CHECK(config_load() == 0, "config_load from a source tree reads nothing");

	/* config_root */
	setenv("CITYBENCH_ROOT", "/somewhere", 1);
	CHECK_STR(config_root(), "/somewhere", "CITYBENCH_ROOT first");
	unsetenv("CITYBENCH_ROOT");
	CHECK(access(config_root(), F_OK) == 0 && strcmp(config_root(), CB_DATADIR) != 0,
	    "from the tree: the tree");

	free(err);
	rmdir(dir);
	return T_DONE();
}
