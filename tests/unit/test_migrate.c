/* test_migrate.c: the migration runner's parts that need no database: which files are migrations, in
 * which order, with which version; the shipped migrations each have their own version. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "migrate.h"
#include "t.h"

static char tmpdir[] = "/tmp/cb-migrate-XXXXXX";

static void
touch(const char *name)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	if ((f = fopen(path, "wb")) == NULL) {
		perror(path);
		exit(1);
	}
	fputs("select 1;\n", f);
	fclose(f);
}

static void
test_list(void)
{
	static const char *files[] = { "002_b.sql", "010_c.sql", "001_a.sql", "README.md", "x_001.sql",
	    "003_d.sql.bak", ".sql", "9.sql", "004_e.SQL", "011_f.sql~" };
	static const char *want[] = { "001_a.sql", "002_b.sql", "005_dir.sql", "010_c.sql", "9.sql" };
	char **names = NULL, *err = NULL, sub[600];
	size_t i;
	int n, same;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		touch(files[i]);
	snprintf(sub, sizeof(sub), "%s/005_dir.sql", tmpdir);
	mkdir(sub, 0755);	/* a directory named like a migration is still listed: reading it fails later */
	n = migrate_list(tmpdir, &names, &err);
	CHECK(n == 5 && err == NULL, "five names start with a digit and end in .sql");
	same = n == 5;
	for (i = 0; same && i < 5; i++)
		same = strcmp(names[i], want[i]) == 0;
	CHECK(same, "in name order: 001, 002, 005, 010, 9");
	migrate_names_free(names, n > 0 ? (size_t)n : 0);
	rmdir(sub);

	n = migrate_list("/nonexistent/cb/migrations", &names, &err);
	CHECK(n == -1 && names == NULL && err && strcmp(err, "cannot open /nonexistent/cb/migrations") == 0,
	    "a missing directory: -1, \"cannot open DIR\"");
	free(err);
	err = NULL;

	snprintf(sub, sizeof(sub), "%s/empty", tmpdir);
	mkdir(sub, 0755);
	n = migrate_list(sub, &names, &err);
	CHECK(n == 0 && names == NULL && err == NULL, "an empty directory: no migrations");
	rmdir(sub);
	migrate_names_free(NULL, 0);
	CHECK(1, "migrate_names_free(NULL) is safe");
}

static void
test_version(void)
{
	CHECK(migrate_version("001_schema.sql") == 1, "001_schema.sql is version 1");
	CHECK(migrate_version("002_stats.sql") == 2, "002_stats.sql is version 2");
	CHECK(migrate_version("010_x.sql") == 10, "010_x.sql is version 10 (not octal)");
	CHECK(migrate_version("9.sql") == 9, "9.sql is version 9");
}

static void
test_shipped(const char *root)
{
	char dir[4200], **names = NULL, *err = NULL;
	int n, i, increasing = 1;

	snprintf(dir, sizeof(dir), "%s/sql/migrations", root);
	n = migrate_list(dir, &names, &err);
	CHECK(n >= 2 && strcmp(names[0], "001_schema.sql") == 0, "sql/migrations starts with 001_schema.sql");
	/* Two files with one version: the second would never be applied (its version is recorded). */
	for (i = 1; i < n; i++)
		if (migrate_version(names[i]) <= migrate_version(names[i - 1])) {
			printf("# %s after %s\n", names[i], names[i - 1]);
			increasing = 0;
		}
	CHECK(increasing, "every shipped migration has its own version, in name order");
	migrate_names_free(names, n > 0 ? (size_t)n : 0);
	free(err);
}

int
main(int argc, char **argv)
{
	char root[4096], cmd[4200];

	(void)argc;
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	t_find_root(argv[0], "sql/migrations", root, sizeof(root));
	test_list();
	test_version();
	test_shipped(root);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", tmpdir);
	return T_DONE();
}
