/* cli.c: bin/citybench, the operator's command line.  Exit status: 0 done, 1 refused, 2 usage. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "auth.h"
#include "buf.h"
#include "compute.h"
#include "config.h"
#include "csv.h"
#include "db.h"
#include "gen.h"
#include "ingest.h"
#include "plugin.h"
#include "query.h"
#include "store.h"
#include "sync.h"

#define EXIT_REFUSED 1
#define EXIT_USAGE 2

static char root[PATH_MAX];

static const char usage_text[] =
    "usage: citybench COMMAND ...\n"
    "  db migrate                          apply pending migrations\n"
    "  survey load FILE.json...            load or update a wave's questionnaire\n"
    "  city add SLUG --name N --country CC --region R [--population P] [--synthetic]\n"
    "                [--lat D --lon D]\n"
    "  city edit SLUG [--name N] [--country CC] [--region R] [--population P]\n"
    "  token create --city SLUG [--expires DAYS] | --researcher NAME [--expires DAYS]\n"
    "  token list | token revoke ID-or-TOKEN\n"
    "  import FILE...                      cities files and answer files (CSV or JSON)\n"
    "  gen --cities N --seed S --out DIR   write a synthetic set\n"
    "  submission withdraw ID              a new version without that one's changes\n"
    "  audit [--city SLUG]                 the audit log\n"
    "  plugin check FILE.lua | plugin test FILE.lua\n"
    "  plugins reload                      load plugins/ again and recompute\n"
    "The database: CITYBENCH_DB (a libpq conninfo), else the one `make run` started.\n"
    "Settings: /etc/citybench/citybench.conf (or CITYBENCH_CONF); the environment wins.\n";

static int
usage(void)
{
	fputs(usage_text, stderr);
	return EXIT_USAGE;
}

static int
refuse(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int
refuse(const char *fmt, ...)
{
	va_list ap;

	fputs("citybench: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
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

static char *
read_file(const char *path, size_t *len, size_t max)
{
	FILE *f = fopen(path, "rb");
	struct buf b = BUF_INIT;
	char chunk[65536];
	size_t n;

	if (f == NULL)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (b.len + n > max || buf_append(&b, chunk, n) == -1) {
			buf_free(&b);
			fclose(f);
			errno = EFBIG;
			return NULL;
		}
	}
	fclose(f);
	if (b.data == NULL)
		buf_reserve(&b, 0);
	return buf_steal(&b, len);
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
		if ((file = read_file(path, &len, 4096)) == NULL) {
			snprintf(path, sizeof(path), "%s/var/rt/conninfo", root);
			file = read_file(path, &len, 4096);
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

static int
exec_sql(struct db *db, const char *sql, char **err)
{
	PGresult *res = db_exec(db, sql);
	int ok = db_ok(res);

	if (!ok && err)
		*err = strdup(res ? PQresultErrorMessage(res) : "the database is unreachable");
	PQclear(res);
	return ok ? 0 : -1;
}

/* ---- db migrate ---- */

static int
cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
cmd_migrate(struct db *db)
{
	char dir[PATH_MAX + 32], path[PATH_MAX * 2], *names[512], *err = NULL, *sql;
	DIR *d;
	struct dirent *e;
	size_t n = 0, i, len;
	int applied = 0, rc = 0;
	PGresult *res;

	snprintf(dir, sizeof(dir), "%s/sql/migrations", root);
	if ((d = opendir(dir)) == NULL)
		return refuse("cannot open %s", dir);
	while ((e = readdir(d)) != NULL && n < 512) {
		len = strlen(e->d_name);
		if (len > 4 && strcmp(e->d_name + len - 4, ".sql") == 0 && isdigit((unsigned char)e->d_name[0]))
			names[n++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(char *), cmp_name);
	/* Several hosts may run this at once during an upgrade: one at a time, the others then find
	 * nothing left to do.  The lock ends with the session. */
	if (exec_sql(db, "SELECT pg_advisory_lock(7244160518)", &err) == -1 ||
	    exec_sql(db, "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, "
	    "name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())", &err) == -1) {
		rc = refuse("migrate: %s", err);
		goto out;
	}
	for (i = 0; i < n; i++) {
		char ver[16];
		const char *p[2];

		snprintf(ver, sizeof(ver), "%d", atoi(names[i]));
		p[0] = ver;
		res = PQexecParams(db->conn, "SELECT 1 FROM schema_migrations WHERE version = $1::int", 1,
		    NULL, p, NULL, NULL, 0);
		if (!db_ok(res)) {
			PQclear(res);
			rc = refuse("migrate: cannot read schema_migrations");
			goto out;
		}
		if (PQntuples(res) == 1) {
			PQclear(res);
			continue;
		}
		PQclear(res);
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if ((sql = read_file(path, &len, 16u << 20)) == NULL) {
			rc = refuse("migrate: cannot read %s", path);
			goto out;
		}
		if (exec_sql(db, "BEGIN", &err) == -1 || exec_sql(db, sql, &err) == -1) {
			free(sql);
			exec_sql(db, "ROLLBACK", NULL);
			rc = refuse("migrate: %s: %s", names[i], err);
			goto out;
		}
		free(sql);
		p[1] = names[i];
		res = PQexecParams(db->conn, "INSERT INTO schema_migrations (version, name) VALUES ($1::int, $2)",
		    2, NULL, p, NULL, NULL, 0);
		if (!db_ok(res) || exec_sql(db, "COMMIT", &err) == -1) {
			PQclear(res);
			exec_sql(db, "ROLLBACK", NULL);
			rc = refuse("migrate: %s: cannot record it", names[i]);
			goto out;
		}
		PQclear(res);
		printf("applied %s\n", names[i]);
		applied++;
	}
	if (applied == 0)
		printf("database is up to date (%zu migrations)\n", n);
out:
	for (i = 0; i < n; i++)
		free(names[i]);
	free(err);
	return rc;
}

/* ---- survey load ---- */

static int
load_survey(struct db *db, const char *file)
{
	json_error_t jerr;
	json_t *doc = json_load_file(file, JSON_REJECT_DUPLICATES, &jerr), *survey, *qs, *q, *opts, *o;
	const char *id, *title, *p[8];
	struct buf codes = BUF_INIT;
	char pos[24], opos[24], num[2][64], ml[24];
	size_t i, j;
	PGresult *res;
	char *err = NULL;

	if (doc == NULL)
		return refuse("%s: line %d: %s", file, jerr.line, jerr.text);
	survey = json_object_get(doc, "survey");
	qs = json_object_get(doc, "questions");
	id = json_string_value(json_object_get(survey, "id"));
	title = json_string_value(json_object_get(survey, "title"));
	if (!id || !title || !wave_valid(id) || !json_is_array(qs)) {
		json_decref(doc);
		return refuse("%s: expected {\"survey\":{\"id\":\"2020\",\"title\":…},\"questions\":[…]}", file);
	}
	if (exec_sql(db, "BEGIN", &err) == -1)
		goto fail;
	p[0] = id;
	p[1] = title;
	res = db_query(db, Q_SURVEY_UPSERT, 2, p);
	if (!db_ok(res)) {
		err = strdup(PQresultErrorMessage(res));
		PQclear(res);
		goto fail;
	}
	PQclear(res);
	buf_putc(&codes, '{');
	json_array_foreach(qs, i, q) {
		const char *code = json_string_value(json_object_get(q, "code"));
		const char *type = json_string_value(json_object_get(q, "type"));
		const char *text = json_string_value(json_object_get(q, "text"));
		const char *section = json_string_value(json_object_get(q, "section"));
		json_t *mn = json_object_get(q, "min"), *mx = json_object_get(q, "max");
		json_t *mlen = json_object_get(q, "max_length");

		if (!code || !ident_valid(code) || !type || (int)qtype_parse(type) < 0 || !text) {
			err = strdup("each question needs code ([a-z0-9_]), type (bool, single, multi, integer, "
			    "number, text) and text");
			fprintf(stderr, "citybench: %s: question %zu\n", file, i + 1);
			goto fail;
		}
		p[0] = code;
		res = db_query(db, Q_QUESTION_TYPE, 1, p);
		if (db_ok(res) && PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 0), type) != 0) {
			char msg[256];
			snprintf(msg, sizeof(msg), "question %s is a %s in another wave, not a %s", code,
			    PQgetvalue(res, 0, 0), type);
			err = strdup(msg);
			PQclear(res);
			goto fail;
		}
		PQclear(res);
		p[1] = type;
		res = db_query(db, Q_QUESTION_INSERT, 2, p);
		PQclear(res);
		snprintf(pos, sizeof(pos), "%zu", i);
		p[0] = id;
		p[1] = code;
		p[2] = pos;
		p[3] = section ? section : "goals";
		p[4] = text;
		p[5] = p[6] = p[7] = NULL;
		if (json_is_number(mn)) {
			snprintf(num[0], sizeof(num[0]), "%.17g", json_number_value(mn));
			p[5] = num[0];
		}
		if (json_is_number(mx)) {
			snprintf(num[1], sizeof(num[1]), "%.17g", json_number_value(mx));
			p[6] = num[1];
		}
		if (json_is_integer(mlen)) {
			snprintf(ml, sizeof(ml), "%lld", (long long)json_integer_value(mlen));
			p[7] = ml;
		}
		res = db_query(db, Q_SQ_UPSERT, 8, p);
		if (!db_ok(res)) {
			err = strdup(PQresultErrorMessage(res));
			PQclear(res);
			goto fail;
		}
		PQclear(res);
		res = db_query(db, Q_OPTIONS_CLEAR, 2, p);
		PQclear(res);
		opts = json_object_get(q, "options");
		json_array_foreach(opts, j, o) {
			const char *oc = json_string_value(json_object_get(o, "code"));
			const char *ol = json_string_value(json_object_get(o, "label"));
			const char *op[5];
			if (!oc || !ident_valid(oc) || !ol) {
				err = strdup("each option needs code ([a-z0-9_]) and label");
				goto fail;
			}
			snprintf(opos, sizeof(opos), "%zu", j);
			op[0] = id;
			op[1] = code;
			op[2] = oc;
			op[3] = ol;
			op[4] = opos;
			res = db_query(db, Q_OPTION_INSERT, 5, op);
			if (!db_ok(res)) {
				err = strdup(PQresultErrorMessage(res));
				PQclear(res);
				goto fail;
			}
			PQclear(res);
		}
		buf_printf(&codes, i ? ",%s" : "%s", code);
	}
	buf_putc(&codes, '}');
	p[0] = id;
	p[1] = codes.data;
	res = db_query(db, Q_SQ_PRUNE, 2, p);
	PQclear(res);
	res = db_query(db, Q_BUMP_VERSION, 0, NULL);
	PQclear(res);
	if (exec_sql(db, "COMMIT", &err) == -1)
		goto fail;
	printf("loaded survey %s: %zu questions\n", id, json_array_size(qs));
	buf_free(&codes);
	json_decref(doc);
	return 0;
fail:
	exec_sql(db, "ROLLBACK", NULL);
	buf_free(&codes);
	json_decref(doc);
	{
		int rc = refuse("%s: %s", file, err ? err : "failed");
		free(err);
		return rc;
	}
}

/* ---- cities ---- */

struct city_opts {
	const char *name, *country, *region, *population, *synthetic, *lat, *lon;
};

static int
city_opts(int argc, char **argv, struct city_opts *o)
{
	int i;

	memset(o, 0, sizeof(*o));
	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--synthetic") == 0) {
			o->synthetic = "true";
			continue;
		}
		if (i + 1 >= argc)
			return -1;
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
		else
			return -1;
	}
	return 0;
}

static const char *
check_city(const struct city_opts *o)
{
	const char *s;

	if (o->country && (strlen(o->country) != 2 || !isalpha((unsigned char)o->country[0]) ||
	    !isalpha((unsigned char)o->country[1])))
		return "--country takes a two-letter code such as CA";
	if (o->population) {
		for (s = o->population; *s; s++)
			if (!isdigit((unsigned char)*s))
				return "--population takes a positive whole number";
		if (*o->population == '\0' || strtoll(o->population, NULL, 10) <= 0)
			return "--population takes a positive whole number";
	}
	if (o->name && (*o->name == '\0' || strlen(o->name) > 200))
		return "--name takes 1 to 200 characters";
	if (o->region && (*o->region == '\0' || strlen(o->region) > 100))
		return "--region takes 1 to 100 characters";
	return NULL;
}

static int
cmd_city(struct db *db, int argc, char **argv)
{
	struct city_opts o;
	const char *p[6], *why = NULL, *pcol = NULL;
	double lat = 0, lon = 0;
	PGresult *res;
	int add;

	if (argc < 2 || (strcmp(argv[0], "add") && strcmp(argv[0], "edit")))
		return usage();
	add = strcmp(argv[0], "add") == 0;
	if (city_opts(argc - 2, argv + 2, &o) == -1)
		return usage();
	if (!path_segment_valid_slug(argv[1], strlen(argv[1])))
		return refuse("a city slug is [a-z0-9-]{1,64}");
	if (add && (!o.name || !o.country || !o.region))
		return refuse("city add needs --name, --country and --region");
	if ((why = check_city(&o)) != NULL)
		return refuse("%s", why);
	if ((o.lat || o.lon) && (!o.lat || !o.lon || !*o.lat || !*o.lon ||
	    ingest_city_place(o.lat, o.lon, &lat, &lon, &pcol, &why) != 1))
		return refuse("--%s: %s", pcol ? pcol : o.lat ? "lon" : "lat",
		    why ? why : "--lat and --lon go together");
	p[0] = argv[1];
	p[1] = o.name;
	p[2] = o.country;
	p[3] = o.region;
	p[4] = o.population;
	p[5] = add ? (o.synthetic ? "true" : "false") : o.synthetic;
	res = db_query(db, add ? Q_CITY_INSERT : Q_CITY_UPDATE, 6, p);
	if (!db_ok(res)) {
		int rc = strcmp(db_sqlstate(res), "23505") == 0 ?
		    refuse("city %s exists already: use city edit", argv[1]) :
		    refuse("%s", res ? PQresultErrorMessage(res) : "the database is unreachable");
		PQclear(res);
		return rc;
	}
	if (PQntuples(res) == 0) {
		PQclear(res);
		return refuse("no city %s", argv[1]);
	}
	if (o.lat) {
		char place[2][32];
		const char *pp[3] = { argv[1], place[0], place[1] };
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
	printf("%s %s\n", add ? "added" : "updated", argv[1]);
	return 0;
}

/* ---- tokens ---- */

static int
cmd_token(struct db *db, int argc, char **argv)
{
	const char *city = NULL, *researcher = NULL;
	int days = 0, i;
	char *tok = NULL, *err = NULL;

	if (argc >= 1 && strcmp(argv[0], "list") == 0) {
		PGresult *res = db_query(db, Q_TOKEN_LIST, 0, NULL);
		if (!db_ok(res)) {
			PQclear(res);
			return refuse("cannot list tokens");
		}
		printf("id\trole\tcity\tname\tcreated\texpires\tstate\n");
		for (i = 0; i < PQntuples(res); i++)
			printf("%s\t%s\t%s\t%s\t%s\t%s\t%s\n", PQgetvalue(res, i, 0), PQgetvalue(res, i, 1),
			    PQgetvalue(res, i, 2), PQgetvalue(res, i, 3), PQgetvalue(res, i, 4),
			    PQgetvalue(res, i, 5), PQgetvalue(res, i, 6));
		PQclear(res);
		return 0;
	}
	if (argc == 2 && strcmp(argv[0], "revoke") == 0) {
		char id[16];
		const char *p[1] = { id };
		PGresult *res;
		int n = auth_token_id(argv[1]);
		char *end;
		long v;

		if (n < 0) {
			v = strtol(argv[1], &end, 10);
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
		printf("revoked token %s\n", id);
		return 0;
	}
	if (argc < 1 || strcmp(argv[0], "create") != 0)
		return usage();
	for (i = 1; i < argc; i++) {
		if (i + 1 >= argc)
			return usage();
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
			return usage();
	}
	if ((city == NULL) == (researcher == NULL))
		return usage();
	if (city) {
		const char *p[1] = { city };
		PGresult *res = db_query(db, Q_CITY, 1, p);
		int id = db_ok(res) && PQntuples(res) == 1 ? atoi(PQgetvalue(res, 0, 0)) : 0;
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
	free(tok);
	return 0;
fail:
	i = refuse("%s", err ? err : "cannot create the token");
	free(err);
	return i;
}

/* ---- import ---- */

static void
progress(size_t done, size_t total)
{
	fprintf(stderr, "\rimport: %zu/%zu versions stored", done, total);
	if (done == total)
		fputc('\n', stderr);
}

struct cities_file {
	struct db *db;
	const char *file;
	int col[8];
	size_t n, problems;
};

static int
cities_row(void *arg, size_t row, char **f, size_t nf)
{
	static const char *want[] = { "slug", "name", "country", "region", "population", "synthetic",
	    "lat", "lon" };
	struct cities_file *cf = arg;
	struct city_opts o;
	const char *p[6], *why = NULL, *pcol = NULL;
	char place[2][32];
	double lat = 0, lon = 0;
	int placed;
	PGresult *res;
	size_t k, i;

	if (row == 1) {
		for (k = 0; k < 8; k++) {
			cf->col[k] = -1;
			for (i = 0; i < nf; i++)
				if (strcmp(f[i], want[k]) == 0)
					cf->col[k] = (int)i;
		}
		for (k = 0; k < 4; k++)
			if (cf->col[k] == -1) {
				fprintf(stderr, "%s: row 1, column %s: missing\n", cf->file, want[k]);
				cf->problems++;
			}
		return cf->problems ? 1 : 0;
	}
	const char *col[8];
	for (k = 0; k < 8; k++)
		col[k] = cf->col[k] >= 0 && (size_t)cf->col[k] < nf ? f[cf->col[k]] : NULL;
#define COL(k) (col[k])
	memset(&o, 0, sizeof(o));
	o.name = COL(1);
	o.country = COL(2);
	o.region = COL(3);
	o.population = COL(4) && *COL(4) ? COL(4) : NULL;
	if (col[0] == NULL || !path_segment_valid_slug(col[0], strlen(col[0]))) {
		fprintf(stderr, "%s: row %zu, column slug: a slug is [a-z0-9-]{1,64}\n", cf->file, row);
		cf->problems++;
		return 0;
	}
	if (!o.name || !o.country || !o.region || (why = check_city(&o)) != NULL) {
		fprintf(stderr, "%s: row %zu: %s\n", cf->file, row, !o.name || !o.country || !o.region ?
		    "name, country and region are required" : why);
		cf->problems++;
		return 0;
	}
	p[0] = COL(0);
	p[1] = o.name;
	p[2] = o.country;
	p[3] = o.region;
	p[4] = o.population;
	p[5] = col[5] != NULL && (!strcasecmp(col[5], "true") || !strcasecmp(col[5], "yes") ||
	    !strcmp(col[5], "1")) ? "true" : "false";
#undef COL
	if ((placed = ingest_city_place(col[6], col[7], &lat, &lon, &pcol, &why)) == -1) {
		fprintf(stderr, "%s: row %zu, column %s: %s\n", cf->file, row, pcol, why);
		cf->problems++;
	}
	if (cf->problems)
		return 0;
	res = db_query(cf->db, Q_CITY_UPSERT, 6, p);
	if (!db_ok(res)) {
		fprintf(stderr, "%s: row %zu: %s", cf->file, row, res ? PQresultErrorMessage(res) : "database\n");
		cf->problems++;
	}
	PQclear(res);
	if (cf->col[6] >= 0 || cf->col[7] >= 0) {	/* without the columns, a city keeps its place */
		const char *pp[3] = { p[0], placed ? place[0] : NULL, placed ? place[1] : NULL };
		snprintf(place[0], sizeof place[0], "%.17g", lat);
		snprintf(place[1], sizeof place[1], "%.17g", lon);
		res = db_query(cf->db, Q_CITY_PLACE, 3, pp);
		if (!db_ok(res)) {
			fprintf(stderr, "%s: row %zu: %s", cf->file, row,
			    res ? PQresultErrorMessage(res) : "database\n");
			cf->problems++;
		}
		PQclear(res);
	}
	cf->n++;
	return 0;
}

static int
is_cities_file(const char *data, size_t len)
{
	if (len >= 3 && (unsigned char)data[0] == 0xef && (unsigned char)data[1] == 0xbb)
		data += 3, len -= 3;
	return len >= 5 && strncmp(data, "slug,", 5) == 0;
}

static void
print_details(const char *file, const struct ingest *in)
{
	size_t i;
	json_t *d;

	fprintf(stderr, "citybench: %s: %s\n", file, in->message);
	json_array_foreach(in->details, i, d) {
		json_t *row = json_object_get(d, "row");
		const char *col = json_string_value(json_object_get(d, "column"));
		fprintf(stderr, "  %s%s%s%s%s\n", file, json_is_integer(row) ? ": row " : "",
		    "", col ? ", column " : "", col ? col : "");
		if (json_is_integer(row))
			fprintf(stderr, "    row %lld", (long long)json_integer_value(row));
		else
			fprintf(stderr, "   ");
		fprintf(stderr, "%s%s: %s\n", col ? ", column " : "", col ? col : "",
		    json_string_value(json_object_get(d, "message")));
	}
	if (in->nproblems > json_array_size(in->details))
		fprintf(stderr, "  … and %zu more\n", in->nproblems - json_array_size(in->details));
}

static int
cmd_import(struct db *db, int argc, char **argv)
{
	struct catalog *cat = NULL;
	struct ingest *ins = NULL;
	struct stored *out = NULL;
	char **data = NULL, *err = NULL;
	size_t *lens = NULL, total_sets = 0, i, k;
	long long version = 0;
	int rc = EXIT_REFUSED, pass;

	if (argc < 1)
		return usage();
	data = calloc((size_t)argc, sizeof(char *));
	lens = calloc((size_t)argc, sizeof(size_t));
	ins = calloc((size_t)argc, sizeof(struct ingest));
	if (!data || !lens || !ins)
		goto out;
	for (i = 0; i < (size_t)argc; i++) {
		if ((data[i] = read_file(argv[i], &lens[i], 1u << 30)) == NULL) {
			refuse("%s: %s", argv[i], strerror(errno));
			goto out;
		}
	}
	if (store_begin(db) == -1) {
		refuse("the database is unreachable");
		goto out;
	}
	{
		/* A bulk write: statistics are rebuilt once, when the data version is bumped. */
		PGresult *res = db_query(db, Q_BULK_ON, 0, NULL);
		int ok = db_ok(res);
		PQclear(res);
		if (!ok) {
			refuse("the database is unreachable");
			goto rollback;
		}
	}
	/* Cities first, whatever the order given, so answers may name them. */
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < (size_t)argc; i++) {
			int cities = is_cities_file(data[i], lens[i]);
			if (cities != (pass == 0))
				continue;
			if (cities) {
				struct cities_file cf = { .db = db, .file = argv[i] };
				struct csv_error ce;
				memset(&ce, 0, sizeof(ce));
				if (csv_parse(data[i], lens[i], cities_row, &cf, &ce) == -1) {
					refuse("%s: row %zu, field %zu: %s", argv[i], ce.row, ce.column, ce.message);
					goto rollback;
				}
				if (cf.problems) {
					refuse("%s: %zu problem%s; nothing imported", argv[i], cf.problems,
					    cf.problems == 1 ? "" : "s");
					goto rollback;
				}
				fprintf(stderr, "import: %s: %zu cities\n", argv[i], cf.n);
				continue;
			}
			if (cat == NULL && (cat = catalog_load(db, &err)) == NULL) {
				refuse("%s", err);
				goto rollback;
			}
			{
				size_t len = strlen(argv[i]);
				int json = (len > 5 && strcmp(argv[i] + len - 5, ".json") == 0) ||
				    (lens[i] > 0 && (data[i][0] == '{' || data[i][0] == '['));
				ingest_init(&ins[i], json ? INGEST_JSON : INGEST_CSV);
			}
			if (ingest_parse(&ins[i], data[i], lens[i]) == -1 ||
			    ingest_validate(&ins[i], cat) == -1) {
				print_details(argv[i], &ins[i]);
				refuse("%s: nothing imported", argv[i]);
				goto rollback;
			}
			total_sets += ins[i].nsets;
			fprintf(stderr, "import: %s: %zu answers for %zu city-waves checked\n", argv[i],
			    ins[i].nitems, ins[i].nsets);
		}
	}
	if (total_sets) {
		/* The answer files together, as one batch: versions, then metric values once. */
		struct answer_set *all = calloc(total_sets, sizeof(*all));
		size_t o = 0;
		if ((out = calloc(total_sets, sizeof(*out))) == NULL || all == NULL) {
			free(all);
			refuse("out of memory");
			goto rollback;
		}
		for (i = 0; i < (size_t)argc; i++)
			for (k = 0; k < ins[i].nsets; k++)
				all[o++] = ins[i].sets[k];
		if (store_bulk(db, cat, all, total_sets, "operator", "import", out, &version, progress,
		    stderr, &err) == -1) {
			free(all);
			refuse("%s", err ? err : "cannot store");
			goto rollback;
		}
		free(all);
	} else {
		PGresult *res = db_query(db, Q_BUMP_VERSION, 0, NULL);
		PQclear(res);
	}
	if (store_commit(db) == -1) {
		refuse("could not commit the import");
		goto rollback;
	}
	printf("imported %zu versions\n", total_sets);
	rc = 0;
	goto out;
rollback:
	store_rollback(db);
out:
	for (i = 0; data && i < (size_t)argc; i++) {
		free(data[i]);
		if (ins)
			ingest_free(&ins[i]);
	}
	free(data);
	free(lens);
	free(ins);
	free(out);
	free(err);
	catalog_free(cat);
	return rc;
}

/* ---- gen ---- */

static int
cmd_gen(int argc, char **argv)
{
	const char *out = NULL;
	long long n = -1, seed = 1;
	char *end, *err = NULL;
	int i;

	for (i = 0; i < argc; i++) {
		if (i + 1 >= argc)
			return usage();
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
			return usage();
	}
	if (n < 0 || out == NULL)
		return usage();
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
cmd_withdraw(struct db *db, int argc, char **argv)
{
	const char *p[7];
	PGresult *res = NULL, *st = NULL;
	char *end, *err = NULL, cid[16];
	long long id;
	int city_id, rc = EXIT_REFUSED;

	if (argc != 2 || strcmp(argv[0], "withdraw") != 0)
		return usage();
	id = strtoll(argv[1], &end, 10);
	if (*end || id <= 0)
		return refuse("withdraw takes a submission id");
	if (store_begin(db) == -1)
		return refuse("the database is unreachable");
	p[0] = argv[1];
	res = db_query(db, Q_WITHDRAW_NAMED, 1, p);
	if (!db_ok(res)) {
		refuse("cannot read submission %s", argv[1]);
		goto out;
	}
	if (PQntuples(res) == 0) {
		refuse("no submission %s", argv[1]);
		goto out;
	}
	city_id = atoi(PQgetvalue(res, 0, 0));
	snprintf(cid, sizeof(cid), "%d", city_id);
	p[0] = cid;
	p[1] = PQgetvalue(res, 0, 1);
	st = db_query(db, Q_LOCK_CITY_WAVE, 2, p);
	PQclear(st);
	p[2] = PQgetvalue(res, 0, 3);
	p[3] = "operator";
	p[4] = NULL;
	p[5] = "withdraw";
	p[6] = argv[1];
	st = db_query(db, Q_STORE_VERSION, 7, p);
	if (!db_ok(st) || PQntuples(st) != 1) {
		refuse("cannot store: %s", st ? PQresultErrorMessage(st) : "database unreachable");
		goto out;
	}
	if (compute_metrics(db, &city_id, 1, PQgetvalue(res, 0, 1), stderr, &err) == -1) {
		refuse("%s", err);
		goto out;
	}
	{
		PGresult *b = db_query(db, Q_BUMP_VERSION, 0, NULL);
		PQclear(b);
	}
	if (store_commit(db) == -1) {
		refuse("could not commit");
		goto out;
	}
	printf("withdrew submission %s: %s %s is now version %s (%s answers restored)\n", argv[1],
	    PQgetvalue(res, 0, 2), PQgetvalue(res, 0, 1), PQgetvalue(st, 0, 1), PQgetvalue(st, 0, 2));
	rc = 0;
out:
	if (rc)
		store_rollback(db);
	PQclear(res);
	PQclear(st);
	free(err);
	return rc;
}

/* ---- audit ---- */

static int
cmd_audit(struct db *db, int argc, char **argv)
{
	const char *p[1] = { NULL };
	PGresult *res;
	int i;

	if (argc == 2 && strcmp(argv[0], "--city") == 0)
		p[0] = argv[1];
	else if (argc != 0)
		return usage();
	res = db_query(db, Q_AUDIT_LIST, 1, p);
	if (!db_ok(res)) {
		PQclear(res);
		return refuse("cannot read the audit log");
	}
	printf("when\twho\ttoken\twhat\tcity\tsurvey\toutcome\tstatus\tdetail\n");
	for (i = 0; i < PQntuples(res); i++)
		printf("%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", PQgetvalue(res, i, 0), PQgetvalue(res, i, 1),
		    PQgetvalue(res, i, 2), PQgetvalue(res, i, 3), PQgetvalue(res, i, 4), PQgetvalue(res, i, 5),
		    PQgetvalue(res, i, 6), PQgetvalue(res, i, 7), PQgetvalue(res, i, 8));
	PQclear(res);
	return 0;
}

/* ---- plugins ---- */

static int
cmd_plugin(struct db *db, int argc, char **argv)
{
	struct city_inputs in;
	struct plugin_limits lim;
	struct plugin_result res;
	char *src, *err = NULL;
	const char *name;
	size_t len, i, k;
	int st, test;

	if (argc != 2 || (strcmp(argv[0], "check") && strcmp(argv[0], "test")))
		return usage();
	test = strcmp(argv[0], "test") == 0;
	if ((src = read_file(argv[1], &len, PLUGIN_MAX_SOURCE)) == NULL)
		return refuse("%s: %s", argv[1], errno == EFBIG ? "larger than 256 KiB" : strerror(errno));
	name = strrchr(argv[1], '/') ? strrchr(argv[1], '/') + 1 : argv[1];
	if (city_inputs_load(db, NULL, 0, NULL, NULL, &in, &err) == -1) {
		free(src);
		st = refuse("%s", err);
		free(err);
		return st;
	}
	plugin_limits_default(&lim);
	memset(&res, 0, sizeof(res));
	st = plugin_run(name, src, len, in.cities, in.n, &lim, &res, &err);
	if (st == 0) {
		for (k = 0; k < res.nmetrics; k++) {
			const struct plugin_metric *m = &res.metrics[k];
			size_t n = 0;
			if (test && res.nmetrics > 1)
				printf("# %s\n", m->id);
			for (i = 0; i < in.n; i++) {
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
	free(src);
	free(err);
	return st == 0 ? 0 : EXIT_REFUSED;
}

static int
cmd_reload(struct db *db)
{
	char dir[PATH_MAX + 16], *err = NULL;
	int n;

	snprintf(dir, sizeof(dir), "%s/plugins", root);
	n = sync_plugins(db, dir, stdout, &err);
	if (n < 0) {
		n = refuse("reload failed: %s", err ? err : "error");
		free(err);
		return n;
	}
	printf("reloaded: %d refused\n", n);
	return 0;
}

int
main(int argc, char **argv)
{
	struct db *db;
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
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		if (argc >= 2) {
			fputs(usage_text, stdout);
			return 0;
		}
		return usage();
	}
	if (strcmp(argv[1], "gen") == 0)
		return cmd_gen(argc - 2, argv + 2);
	/* Every other command needs a database; check the words first so usage errors exit 2. */
	if (!((strcmp(argv[1], "db") == 0 && argc == 3 && strcmp(argv[2], "migrate") == 0) ||
	    (strcmp(argv[1], "survey") == 0 && argc >= 4 && strcmp(argv[2], "load") == 0) ||
	    strcmp(argv[1], "city") == 0 || strcmp(argv[1], "token") == 0 ||
	    strcmp(argv[1], "import") == 0 || strcmp(argv[1], "submission") == 0 ||
	    strcmp(argv[1], "audit") == 0 || strcmp(argv[1], "plugin") == 0 ||
	    (strcmp(argv[1], "plugins") == 0 && argc == 3 && strcmp(argv[2], "reload") == 0)))
		return usage();
	if (strcmp(argv[1], "import") == 0 && argc < 3)
		return usage();
	if ((db = connect_db()) == NULL)
		return EXIT_REFUSED;
	if (strcmp(argv[1], "db") == 0)
		rc = cmd_migrate(db);
	else if (strcmp(argv[1], "survey") == 0) {
		int i;
		rc = 0;
		for (i = 3; i < argc && rc == 0; i++)
			rc = load_survey(db, argv[i]);
	} else if (strcmp(argv[1], "city") == 0)
		rc = cmd_city(db, argc - 2, argv + 2);
	else if (strcmp(argv[1], "token") == 0)
		rc = cmd_token(db, argc - 2, argv + 2);
	else if (strcmp(argv[1], "import") == 0)
		rc = cmd_import(db, argc - 2, argv + 2);
	else if (strcmp(argv[1], "submission") == 0)
		rc = cmd_withdraw(db, argc - 2, argv + 2);
	else if (strcmp(argv[1], "audit") == 0)
		rc = cmd_audit(db, argc - 2, argv + 2);
	else if (strcmp(argv[1], "plugin") == 0)
		rc = cmd_plugin(db, argc - 2, argv + 2);
	else
		rc = cmd_reload(db);
	db_free(db);
	return rc;
}
