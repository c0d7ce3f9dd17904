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
#include "compute.h"
#include "csv.h"
#include "import.h"
#include "ingest.h"
#include "phasetime.h"
#include "progress.h"
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

static const char *
plural(size_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

/* ---- problems, grouped ----
 * A file's problems are said once per kind, counted, with the first rows named: 2,000 lines about
 * 500 unknown cities help nobody.  A kind is the column and the message with its quoted values left
 * out; the first message stands for the group. */

#define MAX_GROUPS 24
#define SHOWN_ROWS 4

struct group {
	char key[200], column[64], example[320];
	size_t count, rows[SHOWN_ROWS], nrows, quoted;	/* quoted: distinct first quoted values seen (<= 8) */
	char seen[8][48];
};

struct problems {
	struct group g[MAX_GROUPS];
	size_t ng, total, other;
};

/* MSG without its "quoted" parts: the kind of a problem. */
static void
kind_of(const char *msg, char *out, size_t size, char *first_quoted, size_t qsize)
{
	size_t n = 0, q = 0;
	int in = 0, first = 1;

	first_quoted[0] = '\0';
	for (; *msg && n + 1 < size; msg++) {
		if (*msg == '"') {
			if (in && first) {
				first_quoted[q] = '\0';
				first = 0;
			}
			in = !in;
			if (in)
				out[n++] = '#';
			continue;
		}
		if (!in)
			out[n++] = *msg;
		else if (first && q + 1 < qsize)
			first_quoted[q++] = *msg;
	}
	out[n] = '\0';
}

static void
problem_add(struct problems *ps, size_t row, const char *column, const char *msg)
{
	char key[200], q[48];
	struct group *g = NULL;
	size_t i;

	ps->total++;
	kind_of(msg, key, sizeof(key), q, sizeof(q));
	for (i = 0; i < ps->ng; i++)
		if (strcmp(ps->g[i].key, key) == 0 && strcmp(ps->g[i].column, column ? column : "") == 0)
			g = &ps->g[i];
	if (g == NULL) {
		if (ps->ng == MAX_GROUPS) {
			ps->other++;
			return;
		}
		g = &ps->g[ps->ng++];
		memset(g, 0, sizeof(*g));
		snprintf(g->key, sizeof(g->key), "%s", key);
		snprintf(g->column, sizeof(g->column), "%s", column ? column : "");
		snprintf(g->example, sizeof(g->example), "%s", msg);
	}
	g->count++;
	if (row && g->nrows < SHOWN_ROWS && (g->nrows == 0 || g->rows[g->nrows - 1] != row))
		g->rows[g->nrows++] = row;
	if (*q && g->quoted < 8) {
		for (i = 0; i < g->quoted && strcmp(g->seen[i], q) != 0; i++)
			;
		if (i == g->quoted)
			snprintf(g->seen[g->quoted++], sizeof(g->seen[0]), "%s", q);
	}
}

/* Prints each group on one line: "  FILE: row 3, column country: MESSAGE", or for many
 * "  FILE: 500 rows (2, 3, 4, 5, …), column city: MESSAGE (and 499 like it)". */
static void
problems_print(const char *file, const struct problems *ps, size_t uncounted)
{
	size_t i, k, len;

	for (i = 0; i < ps->ng; i++) {
		const struct group *g = &ps->g[i];

		fprintf(stderr, "  %s: ", file);
		if (g->count == 1 && g->nrows == 1)
			fprintf(stderr, "row %zu", g->rows[0]);
		else if (g->nrows) {
			fprintf(stderr, "%zu rows (", g->count);
			for (k = 0; k < g->nrows; k++)
				fprintf(stderr, "%s%zu", k ? ", " : "", g->rows[k]);
			fprintf(stderr, "%s)", g->count > g->nrows ? ", …" : "");
		} else
			fprintf(stderr, "%zu %s", g->count, plural(g->count, "time", "times"));
		if (*g->column)
			fprintf(stderr, ", column %s", g->column);
		len = strlen(g->example);
		if (g->count > 1 && g->quoted > 1)	/* the first stands for the rest: say so */
			fprintf(stderr, ": %.*s (and others like it)\n", (int)(len && g->example[len - 1] == '.' ?
			    len - 1 : len), g->example);
		else
			fprintf(stderr, ": %s\n", g->example);
	}
	if (ps->other)
		fprintf(stderr, "  %s: %zu more problems of other kinds\n", file, ps->other);
	if (uncounted)
		fprintf(stderr, "  %s: and %zu more problems, not itemised\n", file, uncounted);
}

/* ---- progress ---- */

static void
progress(size_t done, size_t total)
{
	progress_count(done, total);
	if (done == total)
		progress_step("recomputing the metrics");
}

/* ---- cities files ---- */

/* A cities row's fields in data terms (the column, then what it takes). */
static void
cities_row_check(struct problems *ps, size_t row, const char *col[8])
{
	const char *s;

	if (col[0] == NULL || !*col[0])
		problem_add(ps, row, "slug", "required: a slug such as saint-denis (a-z, 0-9 and -, up to 64)");
	else if (!path_segment_valid_slug(col[0], strlen(col[0])))
		problem_add(ps, row, "slug", "a slug such as saint-denis (a-z, 0-9 and -, up to 64)");
	if (col[1] == NULL || !*col[1])
		problem_add(ps, row, "name", "required: the city's name, 1 to 200 characters");
	else if (strlen(col[1]) > 200)
		problem_add(ps, row, "name", "the city's name, 1 to 200 characters");
	if (col[2] == NULL || !*col[2])
		problem_add(ps, row, "country", "required: a two-letter code such as CA");
	else if (strlen(col[2]) != 2 || !isalpha((unsigned char)col[2][0]) || !isalpha((unsigned char)col[2][1]))
		problem_add(ps, row, "country", "a two-letter code such as CA");
	if (col[3] == NULL || !*col[3])
		problem_add(ps, row, "region", "required: a region such as Europe, 1 to 100 characters");
	else if (strlen(col[3]) > 100)
		problem_add(ps, row, "region", "a region such as Europe, 1 to 100 characters");
	if (col[4] && *col[4]) {
		for (s = col[4]; *s && isdigit((unsigned char)*s); s++)
			;
		if (*s || strtoll(col[4], NULL, 10) <= 0)
			problem_add(ps, row, "population", "a positive whole number such as 52000, or empty");
	}
	if (col[5] && *col[5] && strcasecmp(col[5], "true") && strcasecmp(col[5], "false") &&
	    strcasecmp(col[5], "yes") && strcasecmp(col[5], "no") && strcmp(col[5], "1") && strcmp(col[5], "0"))
		problem_add(ps, row, "synthetic", "true or false, or empty (false)");
}

struct cities_file {
	struct db *db;
	const char *file;
	int col[8];
	size_t n, added, updated, rows;
	struct problems ps;
	int bulk, twice;		/* bulk: rows staged in copy (cities_bulk), not stored one by one */
	size_t last_row;
	struct buf copy;		/* the staged rows, in COPY's text format */
	json_t *slugs;			/* the slugs staged, to see one named twice */
	struct buf moved;		/* ids of known cities whose registered population changed, each
					 * followed by a comma (their metrics are computed again) */
};

/* Appends s escaped for COPY's text format (NULL: \N). */
static void
copy_field(struct buf *b, const char *s, char end)
{
	if (s == NULL)
		buf_puts(b, "\\N");
	for (; s && *s; s++) {
		switch (*s) {
		case '\\': buf_puts(b, "\\\\"); break;
		case '\t': buf_puts(b, "\\t"); break;
		case '\n': buf_puts(b, "\\n"); break;
		case '\r': buf_puts(b, "\\r"); break;
		default: buf_putc(b, *s);
		}
	}
	buf_putc(b, end);
}

/* A checked row into the staging buffer (the values as cities_row would store them). */
static void
cities_stage(struct cities_file *cf, size_t row, const char *const *p, int placed, double lat, double lon)
{
	char num[32];

	if (json_object_get(cf->slugs, p[0]) != NULL)
		cf->twice = 1;
	json_object_set_new(cf->slugs, p[0], json_true());
	snprintf(num, sizeof num, "%zu", row);
	cf->last_row = row;
	copy_field(&cf->copy, num, '\t');
	copy_field(&cf->copy, p[0], '\t');
	copy_field(&cf->copy, p[1], '\t');
	copy_field(&cf->copy, p[2], '\t');
	copy_field(&cf->copy, p[3], '\t');
	copy_field(&cf->copy, p[4], '\t');
	copy_field(&cf->copy, p[5], '\t');
	snprintf(num, sizeof num, "%.17g", lat);
	copy_field(&cf->copy, placed ? num : NULL, '\t');
	snprintf(num, sizeof num, "%.17g", lon);
	copy_field(&cf->copy, placed ? num : NULL, '\n');
	cf->n++;
}

/* Stores the staged rows of a cities file at once: one COPY, one upsert of every row (once 500 at a
 * time: see Q_CITIES_BULK_UPSERT), inside a savepoint.  0, or -1 with the savepoint rolled back (nothing of the file stored). */
static int
cities_bulk(struct cities_file *cf)
{
	PGresult *res = NULL;
	char *err = NULL;
	size_t off, lo, step = cf->last_row + 1;	/* one slice: the whole file */
	int ok;

	if (db_exec_ok(cf->db, SQL_CITIES_SAVEPOINT) == -1)
		return -1;
	ok = db_exec_ok(cf->db, SQL_CITIES_TABLE) == 0 && db_copy_begin(cf->db, SQL_CITIES_COPY, &err) == 0;
	if (ok) {
		for (off = 0; ok && off < cf->copy.len; off += 1u << 20)
			ok = db_copy_put(cf->db, cf->copy.data + off, cf->copy.len - off < (1u << 20) ?
			    cf->copy.len - off : 1u << 20) == 0;
		ok = db_copy_end(cf->db, ok ? NULL : "import aborted", &err) == 0 && ok;
	}
	free(err);
	for (lo = 0; ok && lo <= cf->last_row; lo += step) {
		char from[24], to[24];
		const char *p[3] = { from, to, cf->col[6] >= 0 || cf->col[7] >= 0 ? "true" : "false" };

		snprintf(from, sizeof from, "%zu", lo);
		snprintf(to, sizeof to, "%zu", lo + step);
		res = db_query(cf->db, Q_CITIES_BULK_UPSERT, 3, p);
		ok = db_ok(res) && PQntuples(res) == 1;
		if (ok) {
			const char *m = PQgetvalue(res, 0, Q_CITIES_BULK_UPSERT_MOVED);	/* {1,2,...} */
			size_t len = strlen(m);

			cf->added += strtoul(PQgetvalue(res, 0, Q_CITIES_BULK_UPSERT_ADDED), NULL, 10);
			cf->updated += strtoul(PQgetvalue(res, 0, Q_CITIES_BULK_UPSERT_UPDATED), NULL, 10);
			if (len > 2) {
				buf_append(&cf->moved, m + 1, len - 2);
				buf_putc(&cf->moved, ',');
			}
		}
		PQclear(res);
	}
	if (ok && db_exec_ok(cf->db, SQL_CITIES_RELEASE) == 0)
		return 0;
	db_exec_ok(cf->db, SQL_CITIES_ROLLBACK);
	return -1;
}

static int
cities_row(void *arg, size_t row, char **f, size_t nf)
{
	static const char *want[] = { "slug", "name", "country", "region", "population", "synthetic",
	    "lat", "lon" };
	struct cities_file *cf = arg;
	const char *p[6], *why = NULL, *pcol = NULL, *col[8];
	char place[2][32];
	double lat = 0, lon = 0;
	int placed, changed;
	PGresult *res;
	size_t k, i, before = cf->ps.total;

	if (row == 1) {
		for (k = 0; k < 8; k++) {
			cf->col[k] = -1;
			for (i = 0; i < nf; i++)
				if (strcmp(f[i], want[k]) == 0)
					cf->col[k] = (int)i;
		}
		for (k = 0; k < 4; k++)
			if (cf->col[k] == -1)
				problem_add(&cf->ps, 1, want[k], "missing from the header row "
				    "(slug,name,country,region,population,synthetic[,lat,lon])");
		return cf->ps.total ? 1 : 0;
	}
	cf->rows++;
	for (k = 0; k < 8; k++)
		col[k] = cf->col[k] >= 0 && (size_t)cf->col[k] < nf ? f[cf->col[k]] : NULL;
	cities_row_check(&cf->ps, row, col);
	if ((placed = ingest_city_place(col[6], col[7], &lat, &lon, &pcol, &why)) == -1)
		problem_add(&cf->ps, row, pcol, why);
	if (cf->ps.total)	/* nothing more is stored once a row is wrong; the rest are only checked */
		return 0;
	(void)before;
	p[0] = col[0];
	p[1] = col[1];
	p[2] = col[2];
	p[3] = col[3];
	p[4] = col[4] && *col[4] ? col[4] : NULL;
	p[5] = col[5] != NULL && (!strcasecmp(col[5], "true") || !strcasecmp(col[5], "yes") ||
	    !strcmp(col[5], "1")) ? "true" : "false";
	if (cf->bulk) {
		cities_stage(cf, row, p, placed, lat, lon);
		return 0;
	}
	res = db_query(cf->db, Q_CITY_UPSERT_ADDED, 6, p);
	if (!db_ok(res) || PQntuples(res) > 1) {
		problem_add(&cf->ps, row, NULL, res ? PQresultErrorMessage(res) : "the database is unreachable");
		PQclear(res);
		return 0;
	}
	/* no row: the city as it is, nothing written (unless its place below changes) */
	changed = PQntuples(res) == 1;
	if (changed && strcmp(PQgetvalue(res, 0, Q_CITY_UPSERT_ADDED_ADDED), "true") == 0)
		cf->added++;
	else if (changed)
		cf->updated++;
	if (changed && strcmp(PQgetvalue(res, 0, Q_CITY_UPSERT_ADDED_MOVED), "true") == 0)
		buf_printf(&cf->moved, "%s,", PQgetvalue(res, 0, Q_CITY_UPSERT_ADDED_ID));
	PQclear(res);
	if (cf->col[6] >= 0 || cf->col[7] >= 0) {	/* without the columns, a city keeps its place */
		const char *pp[3] = { p[0], placed ? place[0] : NULL, placed ? place[1] : NULL };
		snprintf(place[0], sizeof place[0], "%.17g", lat);
		snprintf(place[1], sizeof place[1], "%.17g", lon);
		res = db_query(cf->db, Q_CITY_PLACE, 3, pp);
		if (!db_ok(res))
			problem_add(&cf->ps, row, NULL, res ? PQresultErrorMessage(res) : "the database is unreachable");
		else if (!changed && PQntuples(res) == 1)
			cf->updated++;	/* only moved on the map */
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

/* The problems of an answer file: unknown cities first, as one line with their count (the details
 * stop at INGEST_MAX_DETAILS; the items do not), then the other kinds, grouped. */
static void
print_details(const char *file, const struct ingest *in, const struct catalog *cat)
{
	struct problems *ps = calloc(1, sizeof(*ps));
	json_t *unknown = json_object(), *d;
	size_t i, items = 0, rows = 0, last_row = 0, shown = 0, first_rows[SHOWN_ROWS];
	const char *slug;

	fprintf(stderr, "citybench: %s: %s\n", file, in->message);
	if (ps == NULL || unknown == NULL)
		goto out;
	for (i = 0; cat && i < in->nitems; i++) {
		const struct ingest_item *it = &in->items[i];
		if (it->city == NULL || (path_segment_valid_slug(it->city, strlen(it->city)) &&
		    catalog_city_id(cat, it->city) != 0))
			continue;
		items++;
		if (it->row != last_row && rows++ < SHOWN_ROWS)
			first_rows[rows - 1] = it->row;
		last_row = it->row;
		json_object_set_new(unknown, it->city, json_true());
	}
	if (items) {
		if (rows == 1)
			fprintf(stderr, "  %s: row %zu names an unknown city (", file, first_rows[0]);
		else {
			fprintf(stderr, "  %s: %zu rows (", file, rows);
			for (i = 0; i < rows && i < SHOWN_ROWS; i++)
				fprintf(stderr, "%s%zu", i ? ", " : "", first_rows[i]);
			fprintf(stderr, "%s) name %zu unknown %s (", rows > SHOWN_ROWS ? ", …" : "",
			    json_object_size(unknown), plural(json_object_size(unknown), "city", "cities"));
		}
		json_object_foreach(unknown, slug, d) {
			if (shown == 3) {
				fputs(", …", stderr);
				break;
			}
			fprintf(stderr, "%s%.40s", shown++ ? ", " : "", slug);
		}
		fputs("): import the cities file first (cities.csv), or name it in the same import\n", stderr);
	}
	json_array_foreach(in->details, i, d) {
		json_t *row = json_object_get(d, "row");
		const char *msg = json_string_value(json_object_get(d, "message"));
		if (items && msg && strncmp(msg, "Unknown city", 12) == 0)
			continue;
		problem_add(ps, json_is_integer(row) ? (size_t)json_integer_value(row) : 0,
		    json_string_value(json_object_get(d, "column")), msg ? msg : "");
	}
	problems_print(file, ps, in->nproblems > ps->total + items ? in->nproblems - ps->total - items : 0);
out:
	json_decref(unknown);
	free(ps);
}

/* Computes every metric again for the cities of list ("id,id,": known cities whose registered population
 * changed) in every wave.  0, or -1 with *err set. */
static int
recompute_moved(struct db *db, const char *list, char **err)
{
	PGresult *res = db_query(db, Q_SURVEYS, 0, NULL);
	size_t n = 0, cap = 16;
	int *ids = malloc(cap * sizeof(int)), rc = 0, w;
	const char *p = list;
	char *end;

	if (!db_ok(res) || ids == NULL) {
		*err = strdup(ids ? "the database is unreachable" : "out of memory");
		free(ids);
		PQclear(res);
		return -1;
	}
	while (*p) {
		long id = strtol(p, &end, 10);

		if (end == p || *end != ',')
			break;
		if (n == cap) {
			int *grown = realloc(ids, 2 * cap * sizeof(int));

			if (grown == NULL) {
				*err = strdup("out of memory");
				rc = -1;
				break;
			}
			ids = grown;
			cap *= 2;
		}
		ids[n++] = (int)id;
		p = end + 1;
	}
	for (w = 0; rc == 0 && w < PQntuples(res); w++)
		rc = compute_metrics_bulk(db, ids, n, PQgetvalue(res, w, Q_SURVEYS_ID), stderr, err);
	free(ids);
	PQclear(res);
	return rc;
}

/* Writes ", N unchanged" (cities rows) or ", N city-waves unchanged" (answer sets) into t, or "" for
 * none; returns t. */
static const char *
unchanged(char *t, size_t size, size_t n, int sets)
{
	t[0] = '\0';
	if (n && sets)
		snprintf(t, size, ", %zu %s unchanged", n, plural(n, "city-wave", "city-waves"));
	else if (n)
		snprintf(t, size, ", %zu unchanged", n);
	return t;
}

int
import_files(struct db *db, char **files, size_t nfiles, int dry_run, struct import_summary *sum)
{
	struct catalog *cat = NULL;
	struct ingest *ins = NULL;
	struct stored *out = NULL;
	struct cities_file *cf = NULL;
	struct buf moved = BUF_INIT;	/* the cities files' known cities whose population changed: "id,id," */
	char **data = NULL, *err = NULL, cu[64], su[64];
	size_t *lens = NULL, total_sets = 0, i, k, bad_files = 0, problems = 0, same;
	long long version = 0;
	int rc = -1, pass;

	memset(sum, 0, sizeof(*sum));
	data = calloc(nfiles, sizeof(char *));
	lens = calloc(nfiles, sizeof(size_t));
	ins = calloc(nfiles, sizeof(struct ingest));
	cf = calloc(1, sizeof(*cf));
	if (!data || !lens || !ins || !cf) {
		say_refusal("out of memory");
		goto out;
	}
	phasetime_mark("start");
	progress_step("reading the files");
	for (i = 0; i < nfiles; i++) {
		if ((data[i] = buf_read_file(files[i], &lens[i], IMPORT_MAX_FILE)) == NULL) {
			progress_end();
			say_refusal("%s: %s; nothing imported", files[i], errno == EFBIG ? "larger than 1 GiB" :
			    strerror(errno));
			goto out;
		}
	}
	progress_end();
	phasetime_mark("read the files");
	if (db_begin(db) == -1) {
		say_refusal("the database is unreachable");
		goto out;
	}
	{
		/* A bulk write: statistics are rebuilt once, when the data version is bumped. */
		PGresult *res = db_query(db, Q_BULK_ON, 0, NULL);
		int ok = db_ok(res);
		if (db->conn)
			phasetime_backend(PQbackendPID(db->conn));
		PQclear(res);
		if (!ok) {
			say_refusal("the database is unreachable");
			goto rollback;
		}
	}
	/* Cities first, whatever the order given, so answers may name them.  Every file is checked, so
	 * one run reports every file's problems; nothing is stored unless all of them hold. */
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < nfiles; i++) {
			int cities = is_cities_file(data[i], lens[i]);
			if (cities != (pass == 0))
				continue;
			if (cities) {
				struct csv_error ce;
				memset(cf, 0, sizeof(*cf));
				cf->db = db;
				cf->file = files[i];
				memset(&ce, 0, sizeof(ce));
				progress_step("storing cities");
				/* Staged and stored at once; row by row again (as before, for the database's
				 * own per-row messages) when that fails or a slug is named twice. */
				cf->bulk = 1;
				cf->slugs = json_object();
				if (csv_parse(data[i], lens[i], cities_row, cf, &ce) == -1)
					problem_add(&cf->ps, ce.row, NULL, ce.message);
				else if (cf->ps.total == 0 && cf->n && (cf->twice || cities_bulk(cf) == -1)) {
					json_decref(cf->slugs);
					buf_free(&cf->copy);
					buf_free(&cf->moved);
					memset(cf, 0, sizeof(*cf));
					cf->db = db;
					cf->file = files[i];
					memset(&ce, 0, sizeof(ce));
					if (csv_parse(data[i], lens[i], cities_row, cf, &ce) == -1)
						problem_add(&cf->ps, ce.row, NULL, ce.message);
				}
				json_decref(cf->slugs);
				cf->slugs = NULL;
				buf_free(&cf->copy);
				if (cf->ps.total == 0 && cf->moved.len)
					buf_append(&moved, cf->moved.data, cf->moved.len);
				buf_free(&cf->moved);
				progress_end();
				if (cf->ps.total) {
					fprintf(stderr, "citybench: %s: %zu %s in a cities file of %zu %s:\n", files[i],
					    cf->ps.total, plural(cf->ps.total, "problem", "problems"), cf->rows,
					    plural(cf->rows, "row", "rows"));
					problems_print(files[i], &cf->ps, 0);
					problems += cf->ps.total;
					bad_files++;
					continue;
				}
				phasetime_mark("cities file");
				same = cf->n - cf->added - cf->updated;
				sum->cities_added += cf->added;
				sum->cities_updated += cf->updated;
				sum->cities_unchanged += same;
				if (same)
					fprintf(stderr, "import: %s: %zu cities (%zu new, %zu updated, %zu unchanged)\n",
					    files[i], cf->n, cf->added, cf->updated, same);
				else
					fprintf(stderr, "import: %s: %zu cities (%zu new, %zu updated)\n", files[i],
					    cf->n, cf->added, cf->updated);
				continue;
			}
			if (bad_files)	/* answers naming a refused cities file's cities would only echo it */
				continue;
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
			progress_step("checking the answers");
			if (ingest_parse(&ins[i], data[i], lens[i]) == -1 ||
			    ingest_validate(&ins[i], cat) == -1) {
				progress_end();
				print_details(files[i], &ins[i], cat);
				problems += ins[i].nproblems ? ins[i].nproblems : 1;
				bad_files++;
				continue;
			}
			progress_end();
			phasetime_mark("parse and check answers");
			total_sets += ins[i].nsets;
			fprintf(stderr, "import: %s: %zu answers for %zu city-waves checked\n", files[i],
			    ins[i].nitems, ins[i].nsets);
		}
	}
	if (bad_files) {
		say_refusal("%s: %zu %s in %zu of %zu %s; nothing imported", dry_run ? "dry run" : "import",
		    problems, plural(problems, "problem", "problems"), bad_files, nfiles,
		    plural(nfiles, "file", "files"));
		goto rollback;
	}
	/* A known city's registered population is an input of its metrics (where its answers name none):
	 * computed again, in every wave, before the answers are stored (whose own metrics come after). */
	if (moved.len && recompute_moved(db, moved.data, &err) == -1) {
		say_refusal("%s; nothing imported", err ? err : "cannot compute the metrics");
		goto rollback;
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
		progress_step("storing versions");
		if (store_bulk(db, cat, all, total_sets, "operator", "import", out, &version, progress,
		    stderr, &err) == -1) {
			progress_end();
			free(all);
			say_refusal("%s; nothing imported", err ? err : "cannot store");
			goto rollback;
		}
		progress_end();
		free(all);
		for (k = 0; k < total_sets; k++)
			sum->versions += out[k].made != 0;
		sum->sets_unchanged = total_sets - sum->versions;
	}
	if (sum->versions == 0 && sum->cities_added + sum->cities_updated > 0) {
		/* Cities changed, no version made (which bumps it): a new data version all the same. */
		PGresult *res = db_query(db, Q_BUMP_VERSION, 0, NULL);
		int ok = db_ok(res);

		PQclear(res);
		if (!ok) {
			say_refusal("the database failed while the statistics were updated; nothing imported");
			goto rollback;
		}
	}
	if (dry_run) {
		db_rollback(db);
		printf("dry run: would add %zu %s, update %zu%s, store %zu %s%s; nothing stored\n",
		    sum->cities_added, plural(sum->cities_added, "city", "cities"), sum->cities_updated,
		    unchanged(cu, sizeof cu, sum->cities_unchanged, 0), sum->versions,
		    plural(sum->versions, "version", "versions"), unchanged(su, sizeof su, sum->sets_unchanged, 1));
		rc = 0;
		goto out;
	}
	if (db_commit(db) == -1) {
		say_refusal("could not commit the import; nothing imported");
		goto rollback;
	}
	phasetime_mark("commit");
	printf("imported: %zu %s added, %zu updated%s; %zu %s stored%s\n", sum->cities_added,
	    plural(sum->cities_added, "city", "cities"), sum->cities_updated,
	    unchanged(cu, sizeof cu, sum->cities_unchanged, 0), sum->versions,
	    plural(sum->versions, "version", "versions"),
	    unchanged(su, sizeof su, sum->sets_unchanged, 1));
	rc = 0;
	goto out;
rollback:
	db_rollback(db);
out:
	progress_end();
	buf_free(&moved);
	for (i = 0; data && i < nfiles; i++) {
		free(data[i]);
		if (ins)
			ingest_free(&ins[i]);
	}
	free(data);
	free(lens);
	free(ins);
	free(out);
	free(cf);
	free(err);
	catalog_free(cat);
	return rc;
}
