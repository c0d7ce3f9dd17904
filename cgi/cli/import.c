/* import.c: `citybench import`: cities files and answer files, as the operator, for any city, all or
 * nothing.  Cities files are read here (the upsert of each row); answer files go through the same
 * parser and validator as an upload (ingest.c) and are stored as one batch (store.c). */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "buf.h"
#include "csv.h"
#include "import.h"
#include "ingest.h"
#include "query.h"
#include "say.h"
#include "store.h"

/* The largest file an import reads (a whole cohort's answers). */
#define IMPORT_MAX_FILE (1u << 30)


const char *
import_city_check(const struct city_fields *o)
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
	struct city_fields o;
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
	if (!o.name || !o.country || !o.region || (why = import_city_check(&o)) != NULL) {
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

int
import_files(struct db *db, char **files, size_t nfiles)
{
	struct catalog *cat = NULL;
	struct ingest *ins = NULL;
	struct stored *out = NULL;
	char **data = NULL, *err = NULL;
	size_t *lens = NULL, total_sets = 0, i, k;
	long long version = 0;
	int rc = -1, pass;

	data = calloc(nfiles, sizeof(char *));
	lens = calloc(nfiles, sizeof(size_t));
	ins = calloc(nfiles, sizeof(struct ingest));
	if (!data || !lens || !ins) {
		say_refusal("out of memory");
		goto out;
	}
	for (i = 0; i < nfiles; i++) {
		if ((data[i] = buf_read_file(files[i], &lens[i], IMPORT_MAX_FILE)) == NULL) {
			say_refusal("%s: %s", files[i], strerror(errno));
			goto out;
		}
	}
	if (db_begin(db) == -1) {
		say_refusal("the database is unreachable");
		goto out;
	}
	{
		/* A bulk write: statistics are rebuilt once, when the data version is bumped. */
		PGresult *res = db_query(db, Q_BULK_ON, 0, NULL);
		int ok = db_ok(res);
		PQclear(res);
		if (!ok) {
			say_refusal("the database is unreachable");
			goto rollback;
		}
	}
	/* Cities first, whatever the order given, so answers may name them. */
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < nfiles; i++) {
			int cities = is_cities_file(data[i], lens[i]);
			if (cities != (pass == 0))
				continue;
			if (cities) {
				struct cities_file cf = { .db = db, .file = files[i] };
				struct csv_error ce;
				memset(&ce, 0, sizeof(ce));
				if (csv_parse(data[i], lens[i], cities_row, &cf, &ce) == -1) {
					say_refusal("%s: row %zu, field %zu: %s", files[i], ce.row, ce.column, ce.message);
					goto rollback;
				}
				if (cf.problems) {
					say_refusal("%s: %zu problem%s; nothing imported", files[i], cf.problems,
					    cf.problems == 1 ? "" : "s");
					goto rollback;
				}
				fprintf(stderr, "import: %s: %zu cities\n", files[i], cf.n);
				continue;
			}
			if (cat == NULL && (cat = catalog_load(db, &err)) == NULL) {
				say_refusal("%s", err);
				goto rollback;
			}
			{
				size_t len = strlen(files[i]);
				int json = (len > 5 && strcmp(files[i] + len - 5, ".json") == 0) ||
				    (lens[i] > 0 && (data[i][0] == '{' || data[i][0] == '['));
				ingest_init(&ins[i], json ? INGEST_JSON : INGEST_CSV);
			}
			if (ingest_parse(&ins[i], data[i], lens[i]) == -1 ||
			    ingest_validate(&ins[i], cat) == -1) {
				print_details(files[i], &ins[i]);
				say_refusal("%s: nothing imported", files[i]);
				goto rollback;
			}
			total_sets += ins[i].nsets;
			fprintf(stderr, "import: %s: %zu answers for %zu city-waves checked\n", files[i],
			    ins[i].nitems, ins[i].nsets);
		}
	}
	if (total_sets) {
		/* The answer files together, as one batch: versions, then metric values once. */
		struct answer_set *all = calloc(total_sets, sizeof(*all));
		size_t o = 0;
		if ((out = calloc(total_sets, sizeof(*out))) == NULL || all == NULL) {
			free(all);
			say_refusal("out of memory");
			goto rollback;
		}
		for (i = 0; i < nfiles; i++)
			for (k = 0; k < ins[i].nsets; k++)
				all[o++] = ins[i].sets[k];
		if (store_bulk(db, cat, all, total_sets, "operator", "import", out, &version, progress,
		    stderr, &err) == -1) {
			free(all);
			say_refusal("%s", err ? err : "cannot store");
			goto rollback;
		}
		free(all);
	} else {
		PGresult *res = db_query(db, Q_BUMP_VERSION, 0, NULL);
		PQclear(res);
	}
	if (db_commit(db) == -1) {
		say_refusal("could not commit the import");
		goto rollback;
	}
	printf("imported %zu versions\n", total_sets);
	rc = 0;
	goto out;
rollback:
	db_rollback(db);
out:
	for (i = 0; data && i < nfiles; i++) {
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
