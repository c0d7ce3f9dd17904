/* simkept.c: a wave's similarity index kept for one data version (see simkept.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "reply.h"
#include "simkept.h"
#include "simlists.h"
#include "simshare.h"
#include "simtops.h"
#include "view.h"

#define SKSLOTS	4	/* waves a worker scores in at once */
#define SKWAIT	5.0	/* seconds a worker waits for another's build of the same version */

static struct {
	char wave[32];
	long long version;
	struct simindex *index;
	struct simtops *tops;	/* its cities' similar lists (simtops.h), NULL: none kept */
	uint64_t print;		/* the index's print, under which the workers share lists (simlists.h) */
	unsigned long used;	/* least recently used goes first; 0 = empty */
} slot[SKSLOTS];
static unsigned long skclock;

/* Reads the wave's questions and its answers as flat text (Q_SIMILAR_ENCODED, written on write: no
 * JSON to parse) and encodes them; NULL with the error answered. */
static struct simindex *
build(struct request *r, const char *wave)
{
	const char *p[1] = { wave };
	PGresult *qs = NULL, *ans = NULL;
	struct simindex *x = NULL;
	json_t *types = NULL;
	int i;

	qs = db_query(r->app->db, Q_SIMILAR_QUESTIONS, 1, p);
	ans = db_query(r->app->db, Q_SIMILAR_ENCODED, 1, p);
	if (!db_ok(qs) || !db_ok(ans)) {
		view_db_error(r, db_ok(qs) ? ans : qs);
		goto out;
	}
	types = json_object();
	for (i = 0; i < PQntuples(qs); i++)
		json_object_set_new(types, PQgetvalue(qs, i, Q_SIMILAR_QUESTIONS_CODE),
		    json_string(PQgetvalue(qs, i, Q_SIMILAR_QUESTIONS_TYPE)));
	if ((x = simindex_new(types)) == NULL)
		goto oom;
	for (i = 0; i < PQntuples(ans); i++)
		if (simindex_add_encoded(x, PQgetvalue(ans, i, Q_SIMILAR_ENCODED_SLUG),
		    PQgetvalue(ans, i, Q_SIMILAR_ENCODED_NAME), PQgetvalue(ans, i, Q_SIMILAR_ENCODED_ENCODED),
		    PQgetisnull(ans, i, Q_SIMILAR_ENCODED_ENCODED)) == -1)
			goto oom;
	if (simindex_seal(x) == -1)
		goto oom;
	goto out;
oom:
	simindex_free(x);
	x = NULL;
	reply_error(r, 503, "out of memory", NULL);
out:
	json_decref(types);
	PQclear(qs);
	PQclear(ans);
	return x;
}

/* The index of (wave, version) built once for all the workers (simshare.h): copied from another's
 * build, or built here and shared, or built here alone; NULL with the error answered. */
static struct simindex *
obtain(struct request *r, const char *wave, long long version)
{
	struct simshare_ticket t;
	struct simindex *x, *v;
	void *b = NULL;
	size_t len = 0;

	switch (simshare_get(simshare_default, wave, version, SKWAIT, &b, &len, &t)) {
	case SIMSHARE_COPIED:
		if ((x = simindex_from_flat(b, len)) != NULL)
			return x;
		free(b);	/* not a block of ours (simindex_from_flat checked it): built alone */
		return build(r, wave);
	case SIMSHARE_BUILD:
		if ((x = build(r, wave)) == NULL || (b = simindex_flat(x, &len)) == NULL) {
			simshare_abandon(simshare_default, &t);
			return x;
		}
		simshare_put(simshare_default, &t, b, len);
		/* Kept in the flat form too: smaller than the builder's (no interning tables). */
		if ((v = simindex_from_flat(b, len)) == NULL) {
			free(b);
			return x;
		}
		simindex_free(x);
		return v;
	default:
		return build(r, wave);
	}
}

/* Whether the similar lists are kept (CITYBENCH_SIMTOPS=0: every page scores the wave, as before the
 * eleventh session; the tests compare both). */
static int
tops_on(void)
{
	static int on = -1;

	if (on == -1) {
		const char *v = getenv("CITYBENCH_SIMTOPS");
		on = v == NULL || strcmp(v, "0") != 0;
	}
	return on;
}

/* The lists for the new index x of a wave whose older index was `ox` (lists `old`): carried when they
 * can be, else empty. */
static struct simtops *
tops_for(const struct simindex *x, const struct simtops *old, const struct simindex *ox)
{
	struct simtops_carried c;
	struct simtops *t;

	if (!tops_on())
		return NULL;
	t = simtops_carry(old, ox, x, &c);
	if (simshare_tracing())
		fprintf(stderr, "simtops: %s: %zu of %zu lists carried, %zu rows changed, %zu scores\n",
		    t ? "carried" : "new", c.lists, simtops_kept(old), c.changed, c.scores);
	return t ? t : simtops_new(x);
}

size_t
simkept_top(const struct simindex *x, int me, size_t limit, struct simindex_hit *out)
{
	struct simindex_hit got[SIMTOPS_KEEP];
	long r;
	size_t i, k;

	for (i = 0; i < SKSLOTS; i++)
		if (slot[i].index == x && x != NULL)
			break;
	if (i == SKSLOTS)
		return simindex_top(x, me, limit, out);
	if (slot[i].tops == NULL || limit > SIMTOPS_KEEP || me < 0 || (size_t)me >= simindex_size(x))
		return simtops_top(slot[i].tops, x, me, limit, out);
	if ((r = simtops_lookup(slot[i].tops, x, me, limit, out)) >= 0)
		return (size_t)r;
	/* Not kept here: read from another worker's scoring, else scored and shared. */
	if ((r = simlists_get(simlists_default, slot[i].print, simindex_size(x), me, got)) > 0) {
		k = (size_t)r;
		if (simshare_tracing())
			fprintf(stderr, "simlists: pid %d read row %d\n", (int)getpid(), me);
	} else {
		k = simindex_top(x, me, SIMTOPS_KEEP, got);
		if (simshare_tracing())
			fprintf(stderr, "simlists: pid %d scored row %d\n", (int)getpid(), me);
		if (k > 0)
			simlists_put(simlists_default, slot[i].print, me, got, k);
	}
	simtops_keep(slot[i].tops, x, me, got, k);
	k = k < limit ? k : limit;
	memcpy(out, got, k * sizeof(*out));
	return k;
}

const struct simindex *
simkept_get(struct request *r, const char *wave)
{
	long long version = app_data_version(r->app);
	struct simindex *x;
	size_t i, s = 0;

	if (strlen(wave) >= sizeof(slot[0].wave)) {	/* waves are years */
		reply_errorf(r, 404, "no such survey: %s", wave);
		return NULL;
	}
	for (i = 0; i < SKSLOTS; i++)
		if (slot[i].index && slot[i].version == version && strcmp(slot[i].wave, wave) == 0) {
			slot[i].used = ++skclock;
			return slot[i].index;
		}
	if ((x = obtain(r, wave, version)) == NULL)
		return NULL;
	for (i = 0; i < SKSLOTS; i++) {
		if (slot[i].index && strcmp(slot[i].wave, wave) == 0) {
			s = i;	/* the same wave of an older version: replaced */
			break;
		}
		if (slot[i].used < slot[s].used)
			s = i;
	}
	{
		int same = slot[s].index && strcmp(slot[s].wave, wave) == 0;
		struct simtops *t = tops_for(x, same ? slot[s].tops : NULL, same ? slot[s].index : NULL);
		simtops_free(slot[s].tops);
		slot[s].tops = t;
	}
	simindex_free(slot[s].index);
	snprintf(slot[s].wave, sizeof(slot[s].wave), "%s", wave);
	slot[s].version = version;
	slot[s].index = x;
	slot[s].print = slot[s].tops ? simlists_print(x, wave) : 0;
	slot[s].used = ++skclock;
	return x;
}
