/* cli.c: bin/citybench, the operator's command line.  Exit status: 0 done, 1 refused, 2 usage.
 *
 * One table (cgit's cmd.c) names every command: its words, whether it needs the database, how many
 * arguments it takes, the function that runs it and its usage.  One loop, cli_dispatch(), finds the
 * command, answers `COMMAND --help`, checks the number of arguments and connects to the database, all
 * before a command runs; a command that finds its options wrong returns EXIT_USAGE and the loop prints
 * that command's usage.  The longer jobs live in their own files: the migration runner (migrate.c),
 * the questionnaire loader (survey_load.c), the import (import.c), the synthetic set (gen.c). */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth.h"
#include "buf.h"
#include "compute.h"
#include "config.h"
#include "db.h"
#include "gen.h"
#include "import.h"
#include "say.h"
#include "ingest.h"
#include "migrate.h"
#include "oplog.h"
#include "plugin.h"
#include "queue.h"
#include "progress.h"
#include "query.h"
#include "store.h"
#include "survey_load.h"
#include "sync.h"

#define EXIT_REFUSED 1
#define EXIT_USAGE 2

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static char root[PATH_MAX];

#define NEEDS_DB 1	/* connect (CITYBENCH_DB, else the `make run` cluster) before the command runs */
#define AUDITED 2	/* changes data: an audit row (the OS user, the command, what changed) after it runs */
#define MANY -1		/* no upper bound on the arguments */

struct cli;

struct cmd {
	const char *word, *sub;	/* `citybench WORD SUB ARGS…`; sub NULL: a one-word command */
	int flags;
	int min_args, max_args;	/* the ARGS after the words; an option and its value count as two */
	int (*run)(struct cli *cli);
	const char *args, *what;	/* the usage: the ARGS, then what the command does */
};

/* The command being run, as the loop hands it over. */
struct cli {
	const struct cmd *cmd;
	struct db *db;		/* NULL unless the command NEEDS_DB */
	int argc;		/* its arguments, after its words */
	char **argv;
	/* For the audit row of an AUDITED command: what it changed (members of the detail), and the
	 * city and wave it changed, as the command found them (NULL: none). */
	json_t *changed;
	char city[72], survey[32];
	char why[160];		/* with EXIT_USAGE: what was wrong, said after the usage */
};

/* EXIT_USAGE, saying what was wrong with the options. */
static int
usage_why(struct cli *cli, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
usage_why(struct cli *cli, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cli->why, sizeof(cli->why), fmt, ap);
	va_end(ap);
	return EXIT_USAGE;
}

static int
refuse(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int
refuse(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say_vrefusal(fmt, ap);
	va_end(ap);
	return EXIT_REFUSED;
}

static void
find_root(const char *argv0)
{
	char exe[PATH_MAX], *slash;
	ssize_t n;

	if (getenv("CITYBENCH_ROOT")) {
		snprintf(root, sizeof(root), "%s", getenv("CITYBENCH_ROOT"));
		return;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0) {
		snprintf(exe, sizeof(exe), "%s", argv0);
		n = (ssize_t)strlen(exe);
	}
	exe[n] = '\0';
	/* bin/citybench (or build/rel/citybench) -> the tree: the nearest parent holding sql/migrations */
	while ((slash = strrchr(exe, '/')) != NULL) {
		struct stat st;
		char probe[PATH_MAX + 32];

		*slash = '\0';
		snprintf(probe, sizeof(probe), "%s/sql/migrations", exe);
		if (stat(probe, &st) == 0 && S_ISDIR(st.st_mode)) {
			snprintf(root, sizeof(root), "%s", exe);
			return;
		}
	}
	snprintf(root, sizeof(root), "%s", CB_DATADIR);	/* installed: $(PREFIX)/share/citybench */
}

static struct db *
connect_db(void)
{
	const char *ci = getenv("CITYBENCH_DB");
	char path[PATH_MAX + 32], *file = NULL;
	struct db *db;
	size_t len;

	if (ci == NULL) {
		snprintf(path, sizeof(path), "%s/var/conninfo", root);
		if ((file = buf_read_file(path, &len, 4096)) == NULL) {
			snprintf(path, sizeof(path), "%s/var/rt/conninfo", root);
			file = buf_read_file(path, &len, 4096);
		}
		if (file) {
			file[strcspn(file, "\n")] = '\0';
			ci = file;
		}
	}
	if (ci == NULL) {
		fprintf(stderr, "citybench: no database: set CITYBENCH_DB or start one with `make run`\n");
		return NULL;
	}
	db = db_new(ci);
	free(file);
	if (db == NULL || db_ensure(db) == -1) {
		fprintf(stderr, "citybench: cannot reach the database: %s",
		    db && db->conn ? PQerrorMessage(db->conn) : "connection failed\n");
		if (db) {
			PGconn *c = PQconnectdb(db->conninfo);
			fprintf(stderr, "citybench: %s", PQerrorMessage(c));
			PQfinish(c);
		}
		db_free(db);
		return NULL;
	}
	return db;
}

/* ---- db migrate, survey load ---- */

static int
cmd_migrate(struct cli *cli)
{
	struct db *db = cli->db;
	char dir[PATH_MAX + 32], *err = NULL;
	int rc;

	snprintf(dir, sizeof(dir), "%s/sql/migrations", root);
	if (migrate_apply(db, dir, stdout, &err) == 0)
		return 0;
	rc = refuse("%s", err ? err : "migrate: failed");
	free(err);
	return rc;
}

/* Each file in turn; the first one refused stops the rest (those before it stay loaded). */
static int
cmd_survey_load(struct cli *cli)
{
	struct db *db = cli->db;
	int argc = cli->argc;
	char **argv = cli->argv;
	char *err = NULL;
	size_t question;
	int i, rc = 0;

	for (i = 0; i < argc && rc == 0; i++) {
		if (survey_load_file(db, argv[i], stdout, &err, &question) == 0)
			continue;
		if (question)
			fprintf(stderr, "citybench: %s: question %zu\n", argv[i], question);
		rc = refuse("%s: %s", argv[i], err ? err : "failed");
		free(err);
		err = NULL;
	}
	return rc;
}

/* ---- cities ---- */

static int
city_opts(struct cli *cli, int argc, char **argv, struct city_fields *o, int *new_region, const char **lang)
{
	int i;

	memset(o, 0, sizeof(*o));
	*new_region = 0;
	*lang = NULL;
	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--synthetic") == 0) {
			o->synthetic = "true";
			continue;
		}
		if (strcmp(argv[i], "--new-region") == 0) {
			*new_region = 1;
			continue;
		}
		if (strncmp(argv[i], "--", 2) != 0)
			return usage_why(cli, "'%s' is not an option", argv[i]);
		if (i + 1 >= argc)
			return usage_why(cli, "%s needs a value", argv[i]);
		if (strcmp(argv[i], "--name") == 0)
			o->name = argv[++i];
		else if (strcmp(argv[i], "--country") == 0)
			o->country = argv[++i];
		else if (strcmp(argv[i], "--region") == 0)
			o->region = argv[++i];
		else if (strcmp(argv[i], "--population") == 0)
			o->population = argv[++i];
		else if (strcmp(argv[i], "--lat") == 0)
			o->lat = argv[++i];
		else if (strcmp(argv[i], "--lon") == 0)
			o->lon = argv[++i];
		else if (strcmp(argv[i], "--lang") == 0)
			*lang = argv[++i];
		else
			return usage_why(cli, "unknown option %s", argv[i]);
	}
	return 0;
}

/* Letters and digits only, lower case: "North America", "northamerica" and "North-America" are one. */
static void
region_key(const char *s, char *out, size_t size)
{
	size_t n = 0;

	for (; *s && n + 1 < size; s++)
		if ((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9'))
			out[n++] = *s;
		else if (*s >= 'A' && *s <= 'Z')
			out[n++] = (char)(*s - 'A' + 'a');
	out[n] = '\0';
}

/* Edit distance, capped at 64 characters (longer regions are compared by their first 64). */
static size_t
distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j, row[65], prev, tmp;

	la = la > 64 ? 64 : la;
	lb = lb > 64 ? 64 : lb;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			tmp = row[j];
			row[j] = a[i - 1] == b[j - 1] ? prev : 1 + (prev < row[j] ? (prev < row[j - 1] ? prev : row[j - 1]) :
			    (row[j] < row[j - 1] ? row[j] : row[j - 1]));
			prev = tmp;
		}
	}
	return row[lb];
}

/* A region no city has yet, close to one that some city has ("Northamerica", "North Amerika" beside
 * "North America"), is a typo until --new-region says otherwise: it would start a peer group of one.
 * A region unlike every other is taken as new, with a note (a fresh install has no regions at all).
 * Returns 0 (go on), else EXIT_REFUSED with the near region named. */
static int
region_known(struct db *db, const char *region, int new_region)
{
	PGresult *res = db_query(db, Q_REGIONS, 0, NULL);
	char key[128], k2[128];
	const char *best = NULL;
	size_t bestd = (size_t)-1, d;
	int i, rc = 0;

	if (!db_ok(res)) {
		PQclear(res);
		return refuse("cannot read the regions");
	}
	region_key(region, key, sizeof(key));
	for (i = 0; i < PQntuples(res); i++) {
		if (strcmp(PQgetvalue(res, i, Q_REGIONS_REGION), region) == 0) {
			PQclear(res);
			return 0;
		}
		region_key(PQgetvalue(res, i, Q_REGIONS_REGION), k2, sizeof(k2));
		d = distance(key, k2);
		if (d < bestd) {
			bestd = d;
			best = PQgetvalue(res, i, Q_REGIONS_REGION);
		}
	}
	if (best && (bestd == 0 || (bestd == 1 && strlen(key) >= 5)) && !new_region)
		rc = refuse("no city is in region '%s' yet: did you mean %s?  (--new-region adds '%s' as given)",
		    region, best, region);
	else
		fprintf(stderr, "citybench: note: '%s' is a new region (no city was in it)%s%s%s\n", region,
		    best && bestd <= 2 ? "; the nearest is " : "", best && bestd <= 2 ? best : "",
		    best && bestd <= 2 ? "" : "");
	PQclear(res);
	return rc;
}

/* city add|edit SLUG [options] */
static int
cmd_city(struct cli *cli)
{
	struct db *db = cli->db;
	int argc = cli->argc;
	char **argv = cli->argv;
	int add = strcmp(cli->cmd->sub, "add") == 0;
	struct city_fields o;
	const char *p[6], *why = NULL, *pcol = NULL, *lang;
	double lat = 0, lon = 0;
	int new_region;
	PGresult *res;

	if (city_opts(cli, argc - 1, argv + 1, &o, &new_region, &lang) == EXIT_USAGE)
		return EXIT_USAGE;
	snprintf(cli->city, sizeof(cli->city), "%s", argv[0]);
	cli->changed = json_pack("{s:{}}", "fields");
	{
		static const char *names[] = { "name", "country", "region", "population", "synthetic", "lat", "lon",
		    "lang" };
		const char *vals[] = { o.name, o.country, o.region, o.population, o.synthetic, o.lat, o.lon, lang };
		size_t k;
		for (k = 0; k < NELEM(names) && cli->changed; k++)
			if (vals[k])
				json_object_set_new(json_object_get(cli->changed, "fields"), names[k], json_string(vals[k]));
	}
	if (!path_segment_valid_slug(argv[0], strlen(argv[0])))
		return refuse("a city slug is [a-z0-9-]{1,64}");
	if (add && (!o.name || !o.country || !o.region))
		return refuse("city add needs --name, --country and --region");
	if ((why = import_city_check(&o)) != NULL)
		return refuse("%s", why);
	/* the language the city writes its own free text in (cities.lang, migration 011) */
	if (lang && strcmp(lang, "en") != 0 && strcmp(lang, "fr") != 0)
		return refuse("--lang takes en or fr (the language of the city's own texts), not '%.32s'", lang);
	if ((o.lat || o.lon) && (!o.lat || !o.lon || !*o.lat || !*o.lon ||
	    ingest_city_place(o.lat, o.lon, &lat, &lon, &pcol, &why) != 1))
		return refuse("--%s: %s", pcol ? pcol : o.lat ? "lon" : "lat",
		    why ? why : "--lat and --lon go together");
	if (o.region && (why = NULL, region_known(db, o.region, new_region)) != 0)
		return EXIT_REFUSED;
	p[0] = argv[0];
	p[1] = o.name;
	p[2] = o.country;
	p[3] = o.region;
	p[4] = o.population;
	p[5] = add ? (o.synthetic ? "true" : "false") : o.synthetic;
	res = db_query(db, add ? Q_CITY_INSERT : Q_CITY_UPDATE, 6, p);
	if (!db_ok(res)) {
		int rc = strcmp(db_sqlstate(res), "23505") == 0 ?
		    refuse("city %s exists already: use city edit", argv[0]) :
		    refuse("%s", res ? PQresultErrorMessage(res) : "the database is unreachable");
		PQclear(res);
		return rc;
	}
	if (PQntuples(res) == 0) {
		PQclear(res);
		return refuse("no city %s", argv[0]);
	}
	if (lang) {
		const char *pl[2] = { argv[0], lang };
		PGresult *lr = db_query(db, Q_CITY_SET_LANG, 2, pl);
		int ok = db_ok(lr);

		PQclear(lr);
		if (!ok) {
			PQclear(res);
			return refuse("the database could not store the language");
		}
	}
	if (o.lat) {
		char place[2][32];
		const char *pp[3] = { argv[0], place[0], place[1] };
		PGresult *pr;
		int ok;

		snprintf(place[0], sizeof place[0], "%.17g", lat);
		snprintf(place[1], sizeof place[1], "%.17g", lon);
		pr = db_query(db, Q_CITY_PLACE, 3, pp);
		ok = db_ok(pr);
		PQclear(pr);
		if (!ok) {
			PQclear(res);
			return refuse("the database could not store the place");
		}
	}
	PQclear(res);
	res = db_query(db, Q_BUMP_VERSION, 0, NULL);
	PQclear(res);
	printf("%s %s\n", add ? "added" : "updated", argv[0]);
	return 0;
}

/* ---- tokens ---- */

static int
cmd_token_list(struct cli *cli)
{
	struct db *db = cli->db;
	PGresult *res = db_query(db, Q_TOKEN_LIST, 0, NULL);
	int i;

	if (!db_ok(res)) {
		PQclear(res);
		return refuse("cannot list tokens");
	}
	printf("id\trole\tcity\tname\tcreated\texpires\tstate\n");
	for (i = 0; i < PQntuples(res); i++)
		printf("%s\t%s\t%s\t%s\t%s\t%s\t%s\n", PQgetvalue(res, i, Q_TOKEN_LIST_ID), PQgetvalue(res, i, Q_TOKEN_LIST_ROLE),
		    PQgetvalue(res, i, Q_TOKEN_LIST_CITY), PQgetvalue(res, i, Q_TOKEN_LIST_NAME), PQgetvalue(res, i, Q_TOKEN_LIST_CREATED_AT),
		    PQgetvalue(res, i, Q_TOKEN_LIST_EXPIRES), PQgetvalue(res, i, Q_TOKEN_LIST_STATE));
	PQclear(res);
	return 0;
}

static int
cmd_token_revoke(struct cli *cli)
{
	struct db *db = cli->db;
	char **argv = cli->argv;
	char id[16];
	const char *p[1] = { id };
	PGresult *res;
	int n = auth_token_id(argv[0]);
	char *end;
	long v;

	if (n < 0) {
		v = strtol(argv[0], &end, 10);
		if (*end || v <= 0 || v > 100000000)
			return refuse("revoke takes a token id or a whole token");
		n = (int)v;
	}
	snprintf(id, sizeof(id), "%d", n);
	res = db_query(db, Q_TOKEN_REVOKE, 1, p);
	if (!db_ok(res) || PQntuples(res) != 1) {
		PQclear(res);
		return refuse("no token %s", id);
	}
	PQclear(res);
	cli->changed = json_pack("{s:i}", "token", n);
	printf("revoked token %s\n", id);
	return 0;
}

static int
cmd_token_create(struct cli *cli)
{
	struct db *db = cli->db;
	int argc = cli->argc;
	char **argv = cli->argv;
	const char *city = NULL, *researcher = NULL;
	int days = 0, i;
	char *tok = NULL, *err = NULL;

	for (i = 0; i < argc; i++) {
		if (i + 1 >= argc)
			return EXIT_USAGE;
		if (strcmp(argv[i], "--city") == 0)
			city = argv[++i];
		else if (strcmp(argv[i], "--researcher") == 0)
			researcher = argv[++i];
		else if (strcmp(argv[i], "--expires") == 0) {
			char *end;
			long v = strtol(argv[++i], &end, 10);
			if (*end || v < 1 || v > 36500)
				return refuse("--expires takes a number of days (1 to 36500)");
			days = (int)v;
		} else
			return EXIT_USAGE;
	}
	if ((city == NULL) == (researcher == NULL))
		return EXIT_USAGE;
	if (city) {
		const char *p[1] = { city };
		PGresult *res = db_query(db, Q_CITY, 1, p);
		int id = db_ok(res) && PQntuples(res) == 1 ? atoi(PQgetvalue(res, 0, Q_CITY_ID)) : 0;
		PQclear(res);
		if (id == 0)
			return refuse("no city %s", city);
		if (auth_token_create(db, "partner", id, NULL, days, &tok, &err) == -1)
			goto fail;
		printf("partner token for %s%s (shown once; keep it secret):\n", city,
		    days ? "" : ", never expires");
	} else {
		if (*researcher == '\0' || strlen(researcher) > 100)
			return refuse("--researcher takes a name of 1 to 100 characters");
		if (auth_token_create(db, "researcher", 0, researcher, days, &tok, &err) == -1)
			goto fail;
		printf("researcher token for %s (shown once; keep it secret):\n", researcher);
	}
	printf("%s\n", tok);
	snprintf(cli->city, sizeof(cli->city), "%s", city ? city : "");
	cli->changed = json_pack("{s:i, s:s, s:s?, s:i}", "token", auth_token_id(tok), "role",
	    city ? "partner" : "researcher", "researcher", researcher, "expires_days", days);
	free(tok);
	return 0;
fail:
	i = refuse("%s", err ? err : "cannot create the token");
	free(err);
	return i;
}

/* ---- import ---- */

/* import [--dry-run] FILE...: a file named like an option is refused as one (`import FILE --help` is
 * help, answered before; `./--odd.csv` imports a file so named). */
static int
cmd_import(struct cli *cli)
{
	struct import_summary sum;
	char **files;
	size_t nfiles = 0;
	int i, dry = 0, rc;

	if ((files = calloc((size_t)cli->argc + 1, sizeof(char *))) == NULL)
		return refuse("out of memory");
	for (i = 0; i < cli->argc; i++) {
		if (strcmp(cli->argv[i], "--dry-run") == 0)
			dry = 1;
		else if (cli->argv[i][0] == '-' && cli->argv[i][1] != '\0') {
			free(files);
			return usage_why(cli, "unknown option %s (a file so named: ./%s)", cli->argv[i], cli->argv[i]);
		} else
			files[nfiles++] = cli->argv[i];
	}
	if (nfiles == 0) {
		free(files);
		return usage_why(cli, "no file given");
	}
	rc = import_files(cli->db, files, nfiles, dry, &sum) == 0 ? 0 : EXIT_REFUSED;
	cli->changed = json_pack("{s:b, s:I, s:I, s:I, s:I, s:I}", "dry_run", dry, "cities_added",
	    (json_int_t)sum.cities_added, "cities_updated", (json_int_t)sum.cities_updated,
	    "cities_unchanged", (json_int_t)sum.cities_unchanged, "versions", (json_int_t)sum.versions,
	    "sets_unchanged", (json_int_t)sum.sets_unchanged);
	free(files);
	return rc;
}

/* ---- gen ---- */

static int
cmd_gen(struct cli *cli)
{
	int argc = cli->argc;
	char **argv = cli->argv;
	const char *out = NULL;
	long long n = -1, seed = 1;
	char *end, *err = NULL;
	int i;

	for (i = 0; i < argc; i++) {
		if (i + 1 >= argc)
			return EXIT_USAGE;
		if (strcmp(argv[i], "--cities") == 0) {
			n = strtoll(argv[++i], &end, 10);
			if (*end || n < 1 || n > 1000000)
				return refuse("--cities takes 1 to 1000000");
		} else if (strcmp(argv[i], "--seed") == 0) {
			seed = strtoll(argv[++i], &end, 10);
			if (*end || seed < 0)
				return refuse("--seed takes a non-negative whole number");
		} else if (strcmp(argv[i], "--out") == 0) {
			out = argv[++i];
		} else
			return EXIT_USAGE;
	}
	if (n < 0 || out == NULL)
		return EXIT_USAGE;
	mkdir(out, 0755);
	if (gen_write((unsigned)n, (unsigned long)seed, out, &err) == -1) {
		i = refuse("gen: %s", err ? err : "failed");
		free(err);
		return i;
	}
	printf("wrote %s/cities.csv and %s/answers.csv (%lld cities, seed %lld)\n", out, out, n, seed);
	return 0;
}

/* ---- submission withdraw ---- */

static int
cmd_withdraw(struct cli *cli)
{
	struct db *db = cli->db;
	char **argv = cli->argv;
	const char *p[7];
	PGresult *res = NULL, *st = NULL;
	char *end, *err = NULL, cid[16];
	long long id;
	int city_id, rc = EXIT_REFUSED;

	id = strtoll(argv[0], &end, 10);
	if (*end || id <= 0)
		return refuse("withdraw takes a submission id");
	if (db_begin(db) == -1)
		return refuse("the database is unreachable");
	p[0] = argv[0];
	res = db_query(db, Q_WITHDRAW_NAMED, 1, p);
	if (!db_ok(res)) {
		refuse("cannot read submission %s", argv[0]);
		goto out;
	}
	if (PQntuples(res) == 0) {
		refuse("no submission %s", argv[0]);
		goto out;
	}
	city_id = atoi(PQgetvalue(res, 0, Q_WITHDRAW_NAMED_CITY_ID));
	snprintf(cid, sizeof(cid), "%d", city_id);
	p[0] = cid;
	p[1] = PQgetvalue(res, 0, Q_WITHDRAW_NAMED_SURVEY_ID);
	st = db_query(db, Q_LOCK_CITY_WAVE, 2, p);
	PQclear(st);
	p[2] = PQgetvalue(res, 0, Q_WITHDRAW_NAMED_PREVIOUS);
	p[3] = "operator";
	p[4] = NULL;
	p[5] = "withdraw";
	p[6] = argv[0];
	st = db_query(db, Q_STORE_VERSION, 7, p);
	if (!db_ok(st) || PQntuples(st) != 1) {
		refuse("cannot store: %s", st ? PQresultErrorMessage(st) : "database unreachable");
		goto out;
	}
	progress_step("recomputing the metrics");
	rc = compute_metrics(db, &city_id, 1, PQgetvalue(res, 0, Q_WITHDRAW_NAMED_SURVEY_ID), stderr, &err);
	progress_end();
	if (rc == -1) {
		rc = EXIT_REFUSED;
		refuse("%s", err);
		goto out;
	}
	rc = EXIT_REFUSED;
	{
		PGresult *b = db_query(db, Q_BUMP_VERSION, 0, NULL);
		PQclear(b);
	}
	if (db_commit(db) == -1) {
		refuse("could not commit");
		goto out;
	}
	cli->changed = json_pack("{s:I, s:s, s:s, s:s}", "submission", (json_int_t)id, "version",
	    PQgetvalue(st, 0, Q_STORE_VERSION_VERSION), "restored", PQgetvalue(st, 0, Q_STORE_VERSION_NCHANGED),
	    "new_submission", PQgetvalue(st, 0, Q_STORE_VERSION_ID));
	snprintf(cli->city, sizeof(cli->city), "%s", PQgetvalue(res, 0, Q_WITHDRAW_NAMED_SLUG));
	snprintf(cli->survey, sizeof(cli->survey), "%s", PQgetvalue(res, 0, Q_WITHDRAW_NAMED_SURVEY_ID));
	printf("withdrew submission %s: %s %s is now version %s (%s answers restored)\n", argv[0],
	    PQgetvalue(res, 0, Q_WITHDRAW_NAMED_SLUG), PQgetvalue(res, 0, Q_WITHDRAW_NAMED_SURVEY_ID), PQgetvalue(st, 0, Q_STORE_VERSION_VERSION), PQgetvalue(st, 0, Q_STORE_VERSION_NCHANGED));
	rc = 0;
out:
	if (rc)
		db_rollback(db);
	PQclear(res);
	PQclear(st);
	free(err);
	return rc;
}

/* ---- audit ---- */

static int
cmd_audit(struct cli *cli)
{
	struct db *db = cli->db;
	int argc = cli->argc;
	char **argv = cli->argv;
	const char *p[1] = { NULL };
	PGresult *res;
	int i;

	if (argc == 2 && strcmp(argv[0], "--city") == 0)
		p[0] = argv[1];
	else if (argc != 0)
		return EXIT_USAGE;
	res = db_query(db, Q_AUDIT_LIST, 1, p);
	if (!db_ok(res)) {
		PQclear(res);
		return refuse("cannot read the audit log");
	}
	printf("when\twho\ttoken\twhat\tcity\tsurvey\toutcome\tstatus\tdetail\n");
	for (i = 0; i < PQntuples(res); i++)
		printf("%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", PQgetvalue(res, i, Q_AUDIT_LIST_AT), PQgetvalue(res, i, Q_AUDIT_LIST_ACTOR),
		    PQgetvalue(res, i, Q_AUDIT_LIST_TOKEN_ID), PQgetvalue(res, i, Q_AUDIT_LIST_ACTION), PQgetvalue(res, i, Q_AUDIT_LIST_CITY), PQgetvalue(res, i, Q_AUDIT_LIST_SURVEY),
		    PQgetvalue(res, i, Q_AUDIT_LIST_OUTCOME), PQgetvalue(res, i, Q_AUDIT_LIST_STATUS), PQgetvalue(res, i, Q_AUDIT_LIST_DETAIL));
	PQclear(res);
	return 0;
}

/* ---- plugins ---- */

static const struct plugin_city *order_cities;	/* for by_wave_slug */

/* qsort: city-waves by wave, then slug. */
static int
by_wave_slug(const void *a, const void *b)
{
	const struct plugin_city *x = &order_cities[*(const size_t *)a];
	const struct plugin_city *y = &order_cities[*(const size_t *)b];
	int c = strcmp(x->survey ? x->survey : "", y->survey ? y->survey : "");

	return c ? c : strcmp(x->slug ? x->slug : "", y->slug ? y->slug : "");
}

/* What the plugin printed, one line each after prefix, on stdout. */
static void
print_log(const char *log, const char *prefix)
{
	const char *p, *nl;

	for (p = log; p && *p; p = nl + 1) {
		if ((nl = strchr(p, '\n')) == NULL)
			nl = p + strlen(p) - 1;
		printf("%s%.*s\n", prefix, (int)(nl - p), p);
	}
}

/* plugin check|test FILE.lua */
static int
cmd_plugin(struct cli *cli)
{
	struct db *db = cli->db;
	const char *file = cli->argv[0];
	int test = strcmp(cli->cmd->sub, "test") == 0;
	struct city_inputs in;
	struct plugin_limits lim;
	struct plugin_result res;
	char *src, *err = NULL;
	const char *name;
	size_t len, i, j, k, *order = NULL;
	int st;

	if ((src = buf_read_file(file, &len, PLUGIN_MAX_SOURCE)) == NULL)
		return refuse("%s: %s", file, errno == EFBIG ? "larger than 256 KiB" : strerror(errno));
	name = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
	if (city_inputs_load(db, NULL, 0, NULL, NULL, &in, &err) == -1) {
		free(src);
		st = refuse("%s", err);
		free(err);
		return st;
	}
	plugin_limits_default(&lim);
	memset(&res, 0, sizeof(res));
	st = plugin_run(name, src, len, in.cities, in.n, &lim, &res, &err);
	print_log(res.log, test ? "# log: " : "log: ");
	if (st == 0 && in.n > 0 && (order = malloc(in.n * sizeof(*order))) == NULL) {
		st = -1;
		free(err);
		err = strdup("out of memory");
	}
	if (st == 0) {
		for (i = 0; i < in.n; i++)
			order[i] = i;
		order_cities = in.cities;
		if (in.n > 1)
			qsort(order, in.n, sizeof(*order), by_wave_slug);
		for (k = 0; k < res.nmetrics; k++) {
			const struct plugin_metric *m = &res.metrics[k];
			size_t n = 0;
			if (test && res.nmetrics > 1)
				printf("# %s\n", m->id);
			for (j = 0; j < in.n; j++) {
				i = order[j];
				if (isnan(m->values[i]))
					continue;
				n++;
				if (test)
					printf("%s\t%s\t%.17g\n", in.cities[i].slug, in.cities[i].survey, m->values[i]);
			}
			if (!test)
				printf("ok %s: %s (%s, version %s): %zu values over %zu city-waves\n", name, m->id,
				    m->unit, m->version, n, in.n);
		}
	} else {
		struct buf msg = BUF_INIT;
		if (st == 1)
			plugin_error_format(&res.error, &msg);
		fprintf(stderr, "citybench: %s\n", msg.data ? msg.data : err ? err : "plugin failed");
		buf_free(&msg);
	}
	plugin_result_free(&res);
	city_inputs_free(&in);
	free(order);
	free(src);
	free(err);
	return st == 0 ? 0 : EXIT_REFUSED;
}

static int
cmd_reload(struct cli *cli)
{
	struct db *db = cli->db;
	char dir[PATH_MAX + 16], *err = NULL;
	int n;

	snprintf(dir, sizeof(dir), "%s/plugins", root);
	progress_step("loading plugins and recomputing the metrics");
	n = sync_plugins(db, dir, stdout, &err);
	progress_end();
	if (n < 0) {
		n = refuse("reload failed: %s", err ? err : "error");
		free(err);
		return n;
	}
	cli->changed = json_pack("{s:i}", "refused", n);
	printf("reloaded: %d refused\n", n);
	if (n > 0)	/* the last good version of a refused file's metrics keeps serving */
		return refuse("plugins reload: %d plugin file%s refused", n, n == 1 ? "" : "s");
	return 0;
}

/* plugin queue | plugin approve ID | plugin reject ID --why TEXT */
static int
cmd_queue(struct cli *cli)
{
	char dir[PATH_MAX + 16];
	const char *sub = cli->cmd->sub;

	snprintf(dir, sizeof(dir), "%s/plugins", root);
	if (strcmp(sub, "queue") == 0)
		return queue_list(cli->db, stdout) ? EXIT_REFUSED : 0;
	if (strcmp(sub, "approve") == 0)
		return queue_approve(cli->db, dir, cli->argv[0], stdout, &cli->changed) ? EXIT_REFUSED : 0;
	if (cli->argc != 3 || strcmp(cli->argv[1], "--why") != 0)
		return usage_why(cli, "give the reason: plugin reject ID --why TEXT");
	return queue_reject(cli->db, cli->argv[0], cli->argv[2], stdout, &cli->changed) ? EXIT_REFUSED : 0;
}

/* ---- the command table and its one loop ---- */

/* In the order the overall usage lists them.  A command's max_args counts each option once; its own
 * parser refuses the rest (unknown options, a missing value) with EXIT_USAGE. */
static const struct cmd cmds[] = {
	{ "db", "migrate", NEEDS_DB | AUDITED, 0, 0, cmd_migrate, "", "apply pending migrations" },
	{ "survey", "load", NEEDS_DB | AUDITED, 1, MANY, cmd_survey_load, "FILE.json...",
	    "load or update a wave's questionnaire" },
	{ "city", "add", NEEDS_DB | AUDITED, 1, 18, cmd_city,
	    "SLUG --name N --country CC --region R [--new-region] [--population P] [--synthetic] [--lat D --lon D] "
	    "[--lang en|fr]",
	    "register a city" },
	{ "city", "edit", NEEDS_DB | AUDITED, 1, 18, cmd_city,
	    "SLUG [--name N] [--country CC] [--region R [--new-region]] [--population P] [--lat D --lon D] "
	    "[--lang en|fr]",
	    "edit a city" },
	{ "token", "create", NEEDS_DB | AUDITED, 2, 4, cmd_token_create,
	    "--city SLUG [--expires DAYS] | --researcher NAME [--expires DAYS]",
	    "print a new token once, alone on the last line" },
	{ "token", "list", NEEDS_DB, 0, 0, cmd_token_list, "", "list the tokens (never their secrets)" },
	{ "token", "revoke", NEEDS_DB | AUDITED, 1, 1, cmd_token_revoke, "ID-or-TOKEN", "revoke a token" },
	{ "import", NULL, NEEDS_DB | AUDITED, 1, MANY, cmd_import, "[--dry-run] FILE...",
	    "cities files and answer files (CSV or JSON)" },
	{ "gen", NULL, 0, 2, 6, cmd_gen, "--cities N --seed S --out DIR", "write a synthetic set" },
	{ "submission", "withdraw", NEEDS_DB | AUDITED, 1, 1, cmd_withdraw, "ID",
	    "a new version without that one's changes" },
	{ "audit", NULL, NEEDS_DB, 0, 2, cmd_audit, "[--city SLUG]", "the audit log" },
	{ "plugin", "check", NEEDS_DB, 1, 1, cmd_plugin, "FILE.lua",
	    "run a plugin in the sandbox over the current data" },
	{ "plugin", "test", NEEDS_DB, 1, 1, cmd_plugin, "FILE.lua",
	    "the same, printing slug<TAB>wave<TAB>value lines" },
	{ "plugins", "reload", NEEDS_DB | AUDITED, 0, 0, cmd_reload, "", "load plugins/ again and recompute" },
	{ "plugin", "queue", NEEDS_DB, 0, 0, cmd_queue, "", "the plugins researchers submitted for review" },
	{ "plugin", "approve", NEEDS_DB | AUDITED, 1, 1, cmd_queue, "ID",
	    "install a submitted plugin (it survives restarts) and load plugins/ again" },
	{ "plugin", "reject", NEEDS_DB | AUDITED, 3, 3, cmd_queue, "ID --why TEXT",
	    "refuse a submitted plugin with a reason shown on /plugins" },
};

static const char usage_footer[] =
    "`citybench COMMAND --help` prints that command's usage.\n"
    "The database: CITYBENCH_DB (a libpq conninfo), else the one `make run` started.\n"
    "Settings: /etc/citybench/citybench.conf (or CITYBENCH_CONF); the environment wins.\n";

/* One command's line: its words and arguments, then what it does (on a line of its own when they do
 * not leave it room). */
static void
usage_line(FILE *f, const struct cmd *c)
{
	char synopsis[160];

	snprintf(synopsis, sizeof(synopsis), "%s%s%s%s%s", c->word, c->sub ? " " : "", c->sub ? c->sub : "",
	    *c->args ? " " : "", c->args);
	if (strlen(synopsis) < 36)
		fprintf(f, "  %-36s%s\n", synopsis, c->what);
	else
		fprintf(f, "  %s\n  %-36s%s\n", synopsis, "", c->what);
}

/* The usage of every command (word NULL) or of the commands of one word. */
static void
usage_print(FILE *f, const char *word)
{
	size_t i;

	fprintf(f, "usage: citybench %s ...\n", word ? word : "COMMAND");
	for (i = 0; i < NELEM(cmds); i++)
		if (word == NULL || strcmp(cmds[i].word, word) == 0)
			usage_line(f, &cmds[i]);
	if (word == NULL)
		fputs(usage_footer, f);
}

static void
usage_cmd(FILE *f, const struct cmd *c)
{
	fprintf(f, "usage: citybench %s%s%s%s%s\n  %s\n", c->word, c->sub ? " " : "", c->sub ? c->sub : "",
	    *c->args ? " " : "", c->args, c->what);
}

static int
is_help(const char *s)
{
	return strcmp(s, "--help") == 0 || strcmp(s, "-h") == 0;
}

/* argv[0] is the command's first word.  Finds the command; answers `--help` after its words (stdout,
 * 0); checks the number of arguments (usage on stderr, EXIT_USAGE); connects when the command needs
 * the database (EXIT_REFUSED when it cannot); runs it.  Returns the exit status. */
static int
cli_dispatch(int argc, char **argv)
{
	const struct cmd *c, *word = NULL;
	struct cli cli;
	char action[64];
	int skip, rc;

	memset(&cli, 0, sizeof(cli));
	for (c = cmds; c < cmds + NELEM(cmds); c++) {
		if (strcmp(c->word, argv[0]) != 0)
			continue;
		word = c;
		if (c->sub == NULL || (argc > 1 && strcmp(c->sub, argv[1]) == 0))
			break;
	}
	if (c == cmds + NELEM(cmds)) {
		if (word == NULL) {
			say_refusal("unknown command '%s'; see citybench --help", argv[0]);
			return EXIT_USAGE;
		}
		if (argc > 1 && is_help(argv[1])) {
			usage_print(stdout, word->word);
			return 0;
		}
		usage_print(stderr, word->word);
		if (argc > 1)
			say_refusal("unknown command '%s %s'; see citybench %s --help", argv[0], argv[1], argv[0]);
		else
			say_refusal("'%s' needs a command after it; see citybench %s --help", argv[0], argv[0]);
		return EXIT_USAGE;
	}
	skip = c->sub ? 2 : 1;
	argc -= skip;
	argv += skip;
	snprintf(action, sizeof(action), "%s%s%s", c->word, c->sub ? " " : "", c->sub ? c->sub : "");
	for (skip = 0; skip < argc; skip++)	/* `--help` anywhere after the words: no value is ever "--help" */
		if (strcmp(argv[skip], "--help") == 0 || (skip == 0 && is_help(argv[0]))) {
			usage_cmd(stdout, c);
			return 0;
		}
	if (argc < c->min_args || (c->max_args != MANY && argc > c->max_args)) {
		usage_cmd(stderr, c);
		if (argc < c->min_args)
			say_refusal("%s: %s missing; it takes %s", action,
			    argc == 0 ? "its arguments are" : "an argument is", c->args);
		else
			say_refusal("%s: too many arguments ('%s' is one too many); it takes %s", action,
			    argv[c->max_args], *c->args ? c->args : "none");
		return EXIT_USAGE;
	}
	if ((c->flags & NEEDS_DB) && (cli.db = connect_db()) == NULL)
		return EXIT_REFUSED;
	cli.cmd = c;
	cli.argc = argc;
	cli.argv = argv;
	rc = c->run(&cli);
	if (rc == EXIT_USAGE) {
		usage_cmd(stderr, c);
		if (cli.why[0])
			say_refusal("%s: %s", action, cli.why);
	} else if ((c->flags & AUDITED) && cli.db)
		oplog_write(cli.db, action, cli.city[0] ? cli.city : NULL,
		    cli.survey[0] ? cli.survey : NULL, rc == 0, argc, argv, cli.changed);
	json_decref(cli.changed);
	db_free(cli.db);
	return rc;
}

int
main(int argc, char **argv)
{
	int rc;

	/* First the settings (/etc/citybench/citybench.conf under the environment).  The operator's
	 * commands need the schema owner: CITYBENCH_DB from the environment, else CITYBENCH_OWNER_DB,
	 * else the file's CITYBENCH_DB (the workers' role). */
	rc = getenv("CITYBENCH_DB") != NULL;
	if (config_load() == -1)
		return EXIT_REFUSED;
	if (!rc && getenv("CITYBENCH_OWNER_DB") && *getenv("CITYBENCH_OWNER_DB"))
		setenv("CITYBENCH_DB", getenv("CITYBENCH_OWNER_DB"), 1);
	find_root(argv[0]);
	if (argc < 2) {
		usage_print(stderr, NULL);
		return EXIT_USAGE;
	}
	if (is_help(argv[1]) || strcmp(argv[1], "help") == 0) {
		usage_print(stdout, NULL);
		return 0;
	}
	return cli_dispatch(argc - 1, argv + 1);
}
