/* test_gen.c: the synthetic cohort: determinism, shape, exact quotas, hostile calls */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "gen.h"
#include "t.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* ---- the questionnaire as questions.md defines it ---- */

enum qtype { BOOL, SINGLE, MULTI, INTEGER, TEXT };
struct q {
	const char *code;
	enum qtype type;
	int only2020;	/* 1: asked in 2020 only; 2: in 2018 only, of the cities with dedicated funding */
};
static const struct q questions[] = {
	{ "population", INTEGER, 0 }, { "population_year", INTEGER, 0 },
	{ "mayor", TEXT, 0 }, { "lead_innovation_officer", TEXT, 0 }, { "innovation_website", TEXT, 0 },
	{ "explicit_strategy", BOOL, 0 }, { "approach", SINGLE, 0 },
	{ "policy_areas", MULTI, 0 }, { "policy_area_notes", TEXT, 0 },
	{ "innovation_helps", MULTI, 0 }, { "success_factors", MULTI, 0 },
	{ "innovation_terms", MULTI, 0 }, { "innovation_activities", MULTI, 0 },
	{ "spotlight", TEXT, 1 },
	{ "innovation_roles_count", INTEGER, 0 }, { "innovation_roles", MULTI, 0 },
	{ "team1_name", TEXT, 0 }, { "team1_staff", INTEGER, 0 }, { "team1_location", TEXT, 0 },
	{ "team2_name", TEXT, 0 }, { "team2_staff", INTEGER, 0 }, { "team2_location", TEXT, 0 },
	{ "team3_name", TEXT, 0 }, { "team3_staff", INTEGER, 0 }, { "team3_location", TEXT, 0 },
	{ "dedicated_funding", BOOL, 0 }, { "funding_sources", MULTI, 0 }, { "external_funding", BOOL, 2 },
	{ "funded_activities", MULTI, 0 },
	{ "data_partnerships", MULTI, 1 },
	{ "data_policing", SINGLE, 1 }, { "data_waste", SINGLE, 1 },
	{ "data_labour_market", SINGLE, 1 }, { "data_social_inclusion", SINGLE, 1 },
	{ "data_public_works", SINGLE, 1 }, { "data_economic_development", SINGLE, 1 },
	{ "data_government_finance", SINGLE, 1 }, { "data_environment", SINGLE, 1 },
	{ "data_digital_governance", SINGLE, 1 }, { "data_land_use", SINGLE, 1 },
	{ "data_social_welfare", SINGLE, 1 }, { "data_built_environment", SINGLE, 1 },
	{ "partnerships", MULTI, 0 }, { "measures_outcomes", BOOL, 0 },
};
#define NQ ((int)NELEM(questions))

static int qindex(const char *code)
{
	int i;

	for (i = 0; i < NQ; i++)
		if (strcmp(questions[i].code, code) == 0)
			return i;
	return -1;
}

/* ---- files ---- */

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *p = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (p = malloc((size_t)n + 1)) != NULL) {
		if (fread(p, 1, (size_t)n, f) != (size_t)n) {
			free(p);
			p = NULL;
		} else {
			p[n] = '\0';
			*len = (size_t)n;
		}
	}
	fclose(f);
	return p;
}

static int same_file(const char *a, const char *b)
{
	size_t la = 0, lb = 0;
	char *pa = slurp(a, &la), *pb = slurp(b, &lb);
	int same = pa && pb && la == lb && memcmp(pa, pb, la) == 0;

	free(pa);
	free(pb);
	return same;
}

static void path(char *dst, size_t cap, const char *dir, const char *name)
{
	int n = snprintf(dst, cap, "%s/%s", dir, name);

	if (n < 0 || (size_t)n >= cap)
		dst[0] = '\0';	/* the tests' paths are short: never hit */
}

static void rm_tree(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char p[1024];
	struct stat st;

	if (!d)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		path(p, sizeof p, dir, e->d_name);
		if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
			rm_tree(p);
		else
			unlink(p);
	}
	closedir(d);
	rmdir(dir);
}

/* ---- RFC 4180 reading: calls row() per record; -1 on a malformed file ---- */

#define MAXF 8
typedef int (*row_fn)(void *ctx, char **f, int nf, size_t rowno);

static int parse_csv(char *p, size_t len, row_fn row, void *ctx)
{
	char *end = p + len, *w, *f[MAXF];
	size_t rowno = 0;
	int nf;

	while (p < end) {
		nf = 0;
		rowno++;
		for (;;) {
			if (nf == MAXF)
				return -1;
			f[nf++] = w = p;
			if (p < end && *p == '"') {
				p++;
				for (;;) {
					if (p >= end)
						return -1;	/* unterminated quote */
					if (*p == '"') {
						if (p + 1 < end && p[1] == '"') {
							*w++ = '"';
							p += 2;
							continue;
						}
						p++;
						break;
					}
					*w++ = *p++;
				}
			} else {
				while (p < end && *p != ',' && *p != '\n' && *p != '"' && *p != '\r')
					*w++ = *p++;
				if (p < end && (*p == '"' || *p == '\r'))
					return -1;	/* a bare quote or CR: gen never writes them */
			}
			if (p < end && *p == ',') {
				*w = '\0';
				p++;
				continue;
			}
			if (p >= end || *p != '\n')
				return -1;	/* every record ends with LF */
			*w = '\0';
			p++;
			break;
		}
		if (row(ctx, f, nf, rowno) < 0)
			return -1;
	}
	return 0;
}

/* ---- cities.csv ---- */

struct cities {
	char **slug;	/* sorted */
	size_t n;
	int bad;
	char why[200];
};

static int valid_slug(const char *s)
{
	size_t n = strlen(s), i;

	if (n < 1 || n > 64)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return 0;
	return 1;
}

static int city_row(void *ctx, char **f, int nf, size_t rowno)
{
	static const char *const regions[] = {
		"North America", "Europe", "Latin America", "Asia-Pacific", "Africa", "Middle East",
	};
	struct cities *c = ctx;
	char *end;
	unsigned long pop;
	size_t i;
	int region = 0;

	if (rowno == 1) {
		if (nf != 8 || strcmp(f[0], "slug") || strcmp(f[1], "name") || strcmp(f[2], "country") ||
		    strcmp(f[3], "region") || strcmp(f[4], "population") || strcmp(f[5], "synthetic") ||
		    strcmp(f[6], "lat") || strcmp(f[7], "lon"))
			goto bad;
		return 0;
	}
	if (nf != 8 || !valid_slug(f[0]) || !*f[1])
		goto bad;
	/* a place (on land, from the slug's own stream: tests/unit/test_map.c), or none without outlines */
	if ((*f[6] == '\0') != (*f[7] == '\0') || (*f[6] && (fabs(strtod(f[6], NULL)) > 90 ||
	    fabs(strtod(f[7], NULL)) > 180)))
		goto bad;
	if (strlen(f[2]) != 2 || f[2][0] < 'A' || f[2][0] > 'Z' || f[2][1] < 'A' || f[2][1] > 'Z')
		goto bad;
	for (i = 0; i < NELEM(regions); i++)
		region |= strcmp(f[3], regions[i]) == 0;
	pop = strtoul(f[4], &end, 10);
	if (!region || *end || pop < 50000 || pop > 10000000 || strcmp(f[5], "true"))
		goto bad;
	c->slug[c->n] = strdup(f[0]);
	if (!c->slug[c->n])
		return -1;
	c->n++;
	return 0;
bad:
	if (!c->bad)
		snprintf(c->why, sizeof c->why, "cities.csv row %zu: %s,%s,%s,%s,%s,%s", rowno,
		    nf > 0 ? f[0] : "", nf > 1 ? f[1] : "", nf > 2 ? f[2] : "",
		    nf > 3 ? f[3] : "", nf > 4 ? f[4] : "", nf > 5 ? f[5] : "");
	c->bad = 1;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Reads and checks dir/cities.csv; the caller frees with cities_free. */
static int read_cities(const char *dir, unsigned expect, struct cities *c)
{
	char p[512];
	size_t len = 0, i;
	char *data;
	int rc;

	memset(c, 0, sizeof *c);
	path(p, sizeof p, dir, "cities.csv");
	data = slurp(p, &len);
	if (!data)
		return -1;
	c->slug = calloc(expect + 1, sizeof *c->slug);
	rc = c->slug ? parse_csv(data, len, city_row, c) : -1;
	free(data);
	if (rc < 0)
		return -1;
	qsort(c->slug, c->n, sizeof *c->slug, cmp_str);
	for (i = 1; i < c->n; i++)
		if (strcmp(c->slug[i - 1], c->slug[i]) == 0) {
			snprintf(c->why, sizeof c->why, "slug %s twice", c->slug[i]);
			c->bad = 1;
		}
	return 0;
}

static void cities_free(struct cities *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		free(c->slug[i]);
	free(c->slug);
}

/* ---- answers.csv ---- */

/* Facts per city and wave that the quotas are about. */
#define B_FUND_YES	(1u << 0)
#define B_STRAT_YES	(1u << 1)
#define B_BOTH		(1u << 2)
#define B_POLICY	(1u << 3)
#define B_TRAIN		(1u << 4)
#define B_MUNI		(1u << 5)
#define B_EXT		(1u << 6)
#define B_PM		(1u << 7)
#define B_CE		(1u << 8)
#define B_DS		(1u << 9)
#define B_SEEN		(1u << 10)

struct cw {
	unsigned char rows[NQ];		/* rows per question */
	unsigned char empty[NQ];	/* empty-value rows per question */
	uint32_t facts;
	unsigned roles_named, roles_count;
	uint32_t activities;		/* bitmask of activity options seen, to spot repeats */
	unsigned nactivities;
	uint32_t funded;		/* funded_activities: bit i = option i of the wave */
};

struct answers {
	const struct cities *c;
	struct cw (*cw)[2];
	size_t last;			/* rows come grouped by city: cache the lookup */
	unsigned long text_rows, text_empty;
	int bad;
	char why[300];
};

static void fail(struct answers *a, size_t rowno, const char *what, char **f)
{
	if (!a->bad)
		snprintf(a->why, sizeof a->why, "answers.csv row %zu: %s (%s,%s,%s,%s)", rowno, what,
		    f[0], f[1], f[2], f[3]);
	a->bad = 1;
}

static int in_range(const char *s, long lo, long hi)
{
	char *end;
	long v;

	if (!*s || (*s != '-' && (*s < '0' || *s > '9')))
		return 0;
	v = strtol(s, &end, 10);
	return !*end && v >= lo && v <= hi;
}

static int answer_row(void *ctx, char **f, int nf, size_t rowno)
{
	static const char *const activities[] = {
		"taking_risks", "data_analytics", "engaging_residents", "digital_solutions",
		"organisational_change", "human_centered_design", "financing_partnerships",
	};
	struct answers *a = ctx;
	const struct cities *c = a->c;
	char **hit, *key;
	struct cw *x;
	int w, qi;
	const char *code, *v;
	size_t i;

	if (rowno == 1) {
		if (nf != 4 || strcmp(f[0], "city") || strcmp(f[1], "survey") ||
		    strcmp(f[2], "question") || strcmp(f[3], "value"))
			a->bad = 1, snprintf(a->why, sizeof a->why, "answers.csv: bad header");
		return 0;
	}
	if (nf != 4) {
		a->bad = 1;
		snprintf(a->why, sizeof a->why, "answers.csv row %zu: %d fields", rowno, nf);
		return 0;
	}
	if (a->last < c->n && strcmp(c->slug[a->last], f[0]) == 0) {
		i = a->last;
	} else {
		key = f[0];
		hit = bsearch(&key, c->slug, c->n, sizeof *c->slug, cmp_str);
		if (!hit) {
			fail(a, rowno, "unknown city", f);
			return 0;
		}
		i = a->last = (size_t)(hit - c->slug);
	}
	if (strcmp(f[1], "2018") == 0)
		w = 0;
	else if (strcmp(f[1], "2020") == 0)
		w = 1;
	else {
		fail(a, rowno, "unknown wave", f);
		return 0;
	}
	code = f[2];
	v = f[3];
	qi = qindex(code);
	if (qi < 0 || (questions[qi].only2020 == 1 && w == 0) || (questions[qi].only2020 == 2 && w == 1)) {
		fail(a, rowno, "question not in this wave", f);
		return 0;
	}
	x = &a->cw[i][w];
	x->facts |= B_SEEN;
	if (x->rows[qi] < 255)
		x->rows[qi]++;
	if (questions[qi].type == TEXT &&
	    (strcmp(code, "mayor") == 0 || strcmp(code, "lead_innovation_officer") == 0 ||
	     strcmp(code, "policy_area_notes") == 0 || strcmp(code, "spotlight") == 0)) {
		a->text_rows++;
		a->text_empty += !*v;
	}
	if (!*v) {
		x->empty[qi]++;
		if (questions[qi].type != TEXT && strncmp(code, "team", 4) != 0)
			fail(a, rowno, "a non-text answer left empty", f);
		return 0;
	}
	switch (questions[qi].type) {
	case BOOL:
		if (strcmp(v, "yes") && strcmp(v, "no"))
			fail(a, rowno, "bool not yes/no", f);
		break;
	case TEXT:
		if (strlen(v) > 200 && strcmp(code, "spotlight") && strcmp(code, "policy_area_notes"))
			fail(a, rowno, "text too long", f);
		break;
	default:
		break;
	}

	if (strcmp(code, "dedicated_funding") == 0 && strcmp(v, "yes") == 0)
		x->facts |= B_FUND_YES;
	else if (strcmp(code, "explicit_strategy") == 0 && strcmp(v, "yes") == 0)
		x->facts |= B_STRAT_YES;
	else if (strcmp(code, "approach") == 0) {
		if (strcmp(v, "both") == 0)
			x->facts |= B_BOTH;
		else if (strcmp(v, "policy_areas") == 0)
			x->facts |= B_POLICY;
		else if (strcmp(v, "holistic"))
			fail(a, rowno, "unknown approach", f);
	} else if (strcmp(code, "funded_activities") == 0) {
		static const char *const fo[] = { "launching_projects", "idea_generation", "digital_systems",
			"physical_infrastructure", "paying_for_services", "training_capacity" };
		unsigned k;

		for (k = 0; k < NELEM(fo); k++)
			if (strcmp(v, fo[k]) == 0)
				x->funded |= 1u << k;
		if (strcmp(v, "training_capacity") == 0)
			x->facts |= B_TRAIN;
		if (w == 0 && strcmp(v, "training_capacity") == 0)
			fail(a, rowno, "training_capacity is a 2020 option", f);
		if (w == 1 && strcmp(v, "launching_projects") == 0)
			fail(a, rowno, "launching_projects is a 2018 option", f);
	} else if (strcmp(code, "funding_sources") == 0) {
		if (strcmp(v, "municipal_budget") == 0)
			x->facts |= B_MUNI;
		else if (strcmp(v, "philanthropy") == 0 || strcmp(v, "private_sector") == 0)
			x->facts |= B_EXT;
	} else if (strcmp(code, "innovation_roles") == 0) {
		x->roles_named++;
		if (strcmp(v, "project_manager") == 0)
			x->facts |= B_PM;
		else if (strcmp(v, "community_engagement") == 0)
			x->facts |= B_CE;
		else if (strcmp(v, "data_scientist") == 0)
			x->facts |= B_DS;
	} else if (strcmp(code, "innovation_roles_count") == 0) {
		if (!in_range(v, 0, 50))
			fail(a, rowno, "roles count out of range", f);
		x->roles_count = (unsigned)atoi(v);
	} else if (strcmp(code, "innovation_activities") == 0) {
		for (i = 0; i < NELEM(activities) && strcmp(v, activities[i]); i++)
			;
		if (i == NELEM(activities) || (x->activities & (1u << i)))
			fail(a, rowno, "unknown or repeated activity", f);
		x->activities |= 1u << i;
		x->nactivities++;
	} else if (strncmp(code, "team", 4) == 0 && strstr(code, "_staff")) {
		if (!in_range(v, 0, 40))
			fail(a, rowno, "team staff not 0-40", f);
	} else if (strcmp(code, "population_year") == 0) {
		if (!in_range(v, w ? 2016 : 2014, w ? 2019 : 2016))
			fail(a, rowno, "population_year out of the wave's range", f);
	} else if (strcmp(code, "population") == 0) {
		if (!in_range(v, 1, 100000000))
			fail(a, rowno, "population out of range", f);
	} else if (strncmp(code, "data_", 5) == 0 && strcmp(code, "data_partnerships")) {
		if (strcmp(v, "sufficient") && strcmp(v, "insufficient"))
			fail(a, rowno, "data availability not sufficient/insufficient", f);
	}
	return 0;
}

/* What a generated set holds, counted per wave. */
struct tally {
	unsigned cities[2];
	unsigned fund_yes[2], strat_yes[2], both[2], policy[2], train[2];
	unsigned muni[2], ext[2], pm[2], ce[2], ds[2];
	unsigned train_without_funding;
	unsigned incomplete;		/* city-waves missing a question or naming one twice */
	unsigned roles_undercounted;	/* roles_count below the roles named */
	unsigned bad_activity_count;	/* not 3-7 ranked activities */
	unsigned only2018;		/* cities in 2018 but not 2020 */
	unsigned latest[5];		/* funded activities at each city's latest answer (launching ... paying) */
	unsigned ext_yes, ext_unfunded;	/* 2018 external_funding yes; answered without dedicated funding */
	double text_null_rate;
};

static int read_answers(const char *dir, const struct cities *c, struct tally *t, char *why,
    size_t whycap)
{
	struct answers a;
	char p[512];
	size_t len = 0, i;
	char *data;
	int w, qi, rc = -1;

	memset(t, 0, sizeof *t);
	memset(&a, 0, sizeof a);
	a.c = c;
	a.last = (size_t)-1;
	a.cw = calloc(c->n ? c->n : 1, sizeof *a.cw);
	path(p, sizeof p, dir, "answers.csv");
	data = slurp(p, &len);
	if (!a.cw || !data)
		goto out;
	if (parse_csv(data, len, answer_row, &a) < 0) {
		snprintf(why, whycap, "answers.csv is not RFC 4180 as gen writes it");
		goto out;
	}
	if (a.bad) {
		snprintf(why, whycap, "%s", a.why);
		goto out;
	}
	for (i = 0; i < c->n; i++) {
		const struct cw *l = (a.cw[i][1].facts & B_SEEN) ? &a.cw[i][1] : &a.cw[i][0];
		int fx = qindex("external_funding");

		if ((a.cw[i][0].facts & B_SEEN) && !(a.cw[i][1].facts & B_SEEN))
			t->only2018++;
		for (w = 0; w < 5; w++)
			t->latest[w] += (l->facts & B_SEEN) && (l->funded >> w) & 1u;
		if (a.cw[i][0].rows[fx] && !(a.cw[i][0].facts & B_FUND_YES))
			t->ext_unfunded++;
		for (w = 0; w < 2; w++) {
			const struct cw *x = &a.cw[i][w];
			uint32_t fa = x->facts;

			if (!(fa & B_SEEN))
				continue;
			t->cities[w]++;
			for (qi = 0; qi < NQ; qi++) {
				unsigned want_rows = questions[qi].only2020 == 1 && w == 0 ? 0 : 1;

				if (questions[qi].only2020 == 2)	/* asked of the cities with funding */
					want_rows = w == 0 && (fa & B_FUND_YES) ? 1 : 0;

				if (questions[qi].type == MULTI ? (x->rows[qi] < want_rows ||
				    (x->empty[qi] && x->rows[qi] != 1)) : x->rows[qi] != want_rows)
					t->incomplete++;
			}
			t->fund_yes[w] += !!(fa & B_FUND_YES);
			t->strat_yes[w] += !!(fa & B_STRAT_YES);
			t->both[w] += !!(fa & B_BOTH);
			t->policy[w] += !!(fa & B_POLICY);
			t->train[w] += !!(fa & B_TRAIN);
			t->muni[w] += !!(fa & B_MUNI);
			t->ext[w] += !!(fa & B_EXT);
			t->pm[w] += !!(fa & B_PM);
			t->ce[w] += !!(fa & B_CE);
			t->ds[w] += !!(fa & B_DS);
			if (w == 1 && (fa & B_TRAIN) && !(fa & B_FUND_YES))
				t->train_without_funding++;
			if (x->roles_count < x->roles_named || x->roles_named == 0)
				t->roles_undercounted++;
			if (x->nactivities < 3 || x->nactivities > 7)
				t->bad_activity_count++;
		}
	}
	t->text_null_rate = a.text_rows ? (double)a.text_empty / (double)a.text_rows : 0;
	rc = 0;
out:
	free(data);
	free(a.cw);
	return rc;
}

static unsigned rhu(unsigned k, unsigned num, unsigned den)
{
	return (unsigned)((2ull * k * num + den) / (2ull * den));
}

/* Generates n cities into dir and checks shape and quotas; returns 0 when it could read them. */
static int check_set(const char *dir, unsigned n, unsigned long seed, const char *label,
    struct tally *t)
{
	struct cities c;
	char *err = NULL, why[300] = "", name[200];
	/* 157 cities in the sample: 99 in 2020, 89 in 2018, 31 in both (see gen.c) */
	unsigned k20 = n ? (rhu(n, 99, 157) ? rhu(n, 99, 157) : 1) : 0;
	unsigned kb = rhu(n, 89, 157), k18 = (kb + k20 > n ? kb + k20 - n : 0) + (n - k20);
	int rc = -1;

	snprintf(name, sizeof name, "%s: gen_write succeeds", label);
	CHECK(gen_write(n, seed, dir, &err) == 0 && err == NULL, name);
	if (err)
		printf("# %s\n", err);
	free(err);
	if (read_cities(dir, n, &c) < 0) {
		snprintf(name, sizeof name, "%s: cities.csv readable", label);
		CHECK(0, name);
		cities_free(&c);
		return -1;
	}
	snprintf(name, sizeof name, "%s: cities.csv has %u valid, unique rows", label, n);
	CHECK(!c.bad && c.n == n, name);
	if (c.bad)
		printf("# %s\n", c.why);
	if (read_answers(dir, &c, t, why, sizeof why) < 0) {
		snprintf(name, sizeof name, "%s: answers.csv valid", label);
		CHECK(0, name);
		printf("# %s\n", why);
		goto out;
	}
	snprintf(name, sizeof name, "%s: %u cities answer 2018, %u answer 2020, %u 2018 only", label, k18, k20,
	    n - k20);
	CHECK(t->cities[0] == k18 && t->cities[1] == k20 && t->only2018 == n - k20, name);
	snprintf(name, sizeof name, "%s: external_funding asked only of cities with dedicated funding", label);
	CHECK(t->ext_unfunded == 0, name);
	snprintf(name, sizeof name, "%s: activities funded at the latest answer = round(n*47|78|50|35|29/157)",
	    label);
	CHECK(t->latest[0] == rhu(n - k20, 47, 58) && t->latest[1] == rhu(n, 78, 157) &&
	    t->latest[2] == rhu(n, 50, 157) && t->latest[3] == rhu(n, 35, 157) && t->latest[4] == rhu(n, 29, 157),
	    name);
	snprintf(name, sizeof name, "%s: every question of each wave answered once (multi: >= 1 row)",
	    label);
	CHECK(t->incomplete == 0, name);
	snprintf(name, sizeof name, "%s: roles_count >= roles named, >= 1 role", label);
	CHECK(t->roles_undercounted == 0, name);
	snprintf(name, sizeof name, "%s: 3-7 distinct ranked activities", label);
	CHECK(t->bad_activity_count == 0, name);

	/* The quotas, scaled from the sample's fractions (see gen.c). */
	snprintf(name, sizeof name, "%s: 2020 dedicated_funding yes = round(n*80/99)", label);
	CHECK(t->fund_yes[1] == rhu(k20, 80, 99), name);
	snprintf(name, sizeof name, "%s: 2020 explicit_strategy yes = round(n*50/99)", label);
	CHECK(t->strat_yes[1] == rhu(k20, 50, 99), name);
	snprintf(name, sizeof name, "%s: 2020 approach both = round(n*53/99)", label);
	CHECK(t->both[1] == rhu(k20, 53, 99), name);
	snprintf(name, sizeof name, "%s: 2020 training_capacity = round(n*60/99), all funded", label);
	CHECK(t->train[1] == rhu(k20, 60, 99) && t->train_without_funding == 0, name);
	snprintf(name, sizeof name, "%s: 2018 explicit_strategy yes = round(k*39/89)", label);
	CHECK(t->strat_yes[0] == rhu(k18, 39, 89), name);
	snprintf(name, sizeof name, "%s: 2018 approach policy_areas = round(k*33/89)", label);
	CHECK(t->policy[0] == rhu(k18, 33, 89), name);
	snprintf(name, sizeof name, "%s: 2018 municipal budget = round(k*70/89)", label);
	CHECK(t->muni[0] == rhu(k18, 70, 89), name);
	snprintf(name, sizeof name, "%s: 2018 philanthropy or private = round(k*30/89)", label);
	CHECK(t->ext[0] == rhu(k18, 30, 89), name);
	snprintf(name, sizeof name, "%s: 2018 roles pm/ce/ds = round(k*73|53|49/89)", label);
	CHECK(t->pm[0] == rhu(k18, 73, 89) && t->ce[0] == rhu(k18, 53, 89) &&
	    t->ds[0] == rhu(k18, 49, 89), name);
	rc = 0;
out:
	cities_free(&c);
	return rc;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(void)
{
	char root[] = "/tmp/test_gen.XXXXXX";
	char a[600], b[600], d[600], p1[700], p2[700], p3[700];
	struct tally t;
	struct stat st;
	char *err;
	double t0, dt;
	FILE *f;

	if (!mkdtemp(root)) {
		perror("mkdtemp");
		return 1;
	}
	path(a, sizeof a, root, "a");
	path(b, sizeof b, root, "b");
	path(d, sizeof d, root, "d");

	/* The sample: exact figures for 157 synthetic cities, seed 2020. */
	if (check_set(a, 157, 2020, "sample n=157 seed=2020", &t) == 0) {
		CHECK(t.cities[0] == 89 && t.cities[1] == 99, "sample: 89 in 2018, 99 in 2020");
		CHECK(t.only2018 == 58, "sample: 58 in 2018 only");
		CHECK(t.latest[0] == 47 && t.latest[1] == 78 && t.latest[2] == 50 && t.latest[3] == 35 &&
		    t.latest[4] == 29, "sample: activities funded at the latest answer 47/78/50/35/29 "
		    "(with Toronto 47/79/51/36/30)");
		CHECK(t.fund_yes[1] == 80, "sample: 2020 dedicated_funding yes 80 of 99");
		CHECK(t.strat_yes[1] == 50, "sample: 2020 explicit_strategy yes 50 of 99 (49 no)");
		CHECK(t.train[1] == 60, "sample: 2020 training_capacity 60 of 99");
		CHECK(t.both[1] == 53, "sample: 2020 approach both 53 of 99");
		CHECK(t.strat_yes[0] == 39, "sample: 2018 explicit_strategy yes 39 of 89");
		CHECK(t.policy[0] == 33, "sample: 2018 approach policy_areas 33 of 89");
		CHECK(t.muni[0] == 70, "sample: 2018 municipal_budget 70 of 89 synthetic (Toronto's not stated: 79%)");
		CHECK(t.ext[0] == 30, "sample: 2018 philanthropy or private 30 of 89");
		CHECK(t.pm[0] == 73 && t.ce[0] == 53 && t.ds[0] == 49,
		    "sample: 2018 roles pm 73, community 53, data 49 of 89");
	}

	/* Determinism: the same seed twice gives the same bytes; another seed does not. */
	err = NULL;
	CHECK(gen_write(157, 2020, b, &err) == 0, "second run, same seed");
	free(err);
	path(p1, sizeof p1, a, "cities.csv");
	path(p2, sizeof p2, b, "cities.csv");
	CHECK(same_file(p1, p2), "same seed: cities.csv byte-identical");
	path(p1, sizeof p1, a, "answers.csv");
	path(p2, sizeof p2, b, "answers.csv");
	CHECK(same_file(p1, p2), "same seed: answers.csv byte-identical");
	err = NULL;
	CHECK(gen_write(99, 2021, b, &err) == 0, "overwrite with seed 2021");
	free(err);
	CHECK(!same_file(p1, p2), "different seed: answers.csv differs");
	path(p1, sizeof p1, a, "cities.csv");
	path(p2, sizeof p2, b, "cities.csv");
	CHECK(!same_file(p1, p2), "different seed: cities.csv differs");
	path(p3, sizeof p3, b, ".answers.csv.tmp");
	CHECK(stat(p3, &st) < 0, "no temporary file left behind");

	/* The quotas hold for any seed and scale with N. */
	check_set(b, 99, 7, "n=99 seed=7", &t);
	check_set(b, 10, 1, "n=10 seed=1", &t);
	check_set(b, 1, 3, "n=1 seed=3", &t);
	check_set(b, 990, 2020, "n=990 seed=2020", &t);
	CHECK(t.cities[0] == 561 && t.cities[1] == 624 && t.fund_yes[1] == 504 && t.strat_yes[0] == 246,
	    "n=990: 561 in 2018, 624 in 2020, 504 funded in 2020, 246 strategies in 2018");
	check_set(b, 0, 5, "n=0", &t);
	CHECK(t.cities[0] == 0 && t.cities[1] == 0, "n=0: headers only");

	/* 10,000 cities: fast, unique slugs, ~3% of text answers empty. */
	t0 = now();
	err = NULL;
	CHECK(gen_write(10000, 42, d, &err) == 0, "10000 cities written");
	dt = now() - t0;
	free(err);
	printf("# 10000 cities in %.3f s\n", dt);
#if defined(CB_SANITIZE)
	CHECK(dt < 10.0, "10000 cities in under 10 s (sanitizer build)");
#else
	CHECK(dt < 2.0, "10000 cities in under 2 s");
#endif
	if (check_set(d, 10000, 42, "n=10000 seed=42", &t) == 0) {
		printf("# text null rate %.4f\n", t.text_null_rate);
		CHECK(t.text_null_rate > 0.02 && t.text_null_rate < 0.04,
		    "about 3% of text answers left empty");
	}

	/* More cities than syllable combinations: qualified and numbered names stay unique. */
	check_set(d, 30000, 9, "n=30000 seed=9", &t);

	/* Hostile calls. */
	err = NULL;
	CHECK(gen_write(10, 1, NULL, &err) == -1 && err != NULL, "NULL outdir refused with a message");
	free(err);
	err = NULL;
	CHECK(gen_write(10, 1, "", &err) == -1 && err != NULL, "empty outdir refused");
	free(err);
	CHECK(gen_write(10, 1, NULL, NULL) == -1, "NULL err pointer accepted");
	err = NULL;
	CHECK(gen_write(GEN_MAX_CITIES + 1, 1, b, &err) == -1 && err != NULL,
	    "more than GEN_MAX_CITIES refused");
	free(err);
	path(p1, sizeof p1, root, "no/such/parent");
	err = NULL;
	CHECK(gen_write(10, 1, p1, &err) == -1 && err && strstr(err, "no/such/parent"),
	    "missing parent directory refused, path named");
	if (err)
		printf("# %s\n", err);
	free(err);
	path(p1, sizeof p1, root, "plainfile");
	f = fopen(p1, "w");
	if (f)
		fclose(f);
	err = NULL;
	CHECK(gen_write(10, 1, p1, &err) == -1 && err != NULL, "outdir that is a file refused");
	free(err);
	/* answers.csv cannot be replaced (a directory is in the way): no temporary survives. */
	path(p1, sizeof p1, root, "blocked");
	mkdir(p1, 0777);
	path(p2, sizeof p2, p1, "answers.csv");
	mkdir(p2, 0777);
	err = NULL;
	CHECK(gen_write(10, 1, p1, &err) == -1 && err != NULL, "unreplaceable answers.csv refused");
	free(err);
	path(p3, sizeof p3, p1, ".answers.csv.tmp");
	CHECK(stat(p3, &st) < 0, "failed run removed its temporary");

	rm_tree(root);
	return T_DONE();
}
