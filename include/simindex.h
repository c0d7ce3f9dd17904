/* simindex.h: a wave's answers encoded for similar_score, built once per data version (issue 18).
 *
 * similar_score (similar.h) reads two cities' parsed answers; scoring one city against every other
 * city of a wave that way walks jansson objects and compares strings for every pair.  A simindex
 * holds the same answers as small integers: per city and question a tag (not answered, a list, a
 * string, a boolean, a number) and a value (an option's interned id, a boolean, a number, or a
 * run of interned option ids in the order given), so that simindex_score is a few integer compares
 * per question.  Its results are similar_score_n's to the bit: the same questions in the same order
 * (the iteration order of `types`), the same arithmetic in the same order. */
#ifndef CB_SIMINDEX_H
#define CB_SIMINDEX_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct simindex;

/* A city scored against another: its row, score (similar_score's) and questions both answered. */
struct simindex_hit {
	int row;
	double score;
	size_t both;
};

/* A new, empty index over the questions of `types` ({CODE: TYPE}, read now, not kept); NULL when out
 * of memory. */
struct simindex *simindex_new(json_t *types);
/* Adds a city (row simindex_size() before the call) with its answers in Q_SIMILAR_ENCODED's flat text
 * (queries_similar.def: per key of city_facts.choices its kind and value; read now).  The index
 * reads it as the JSON path read the same document with jansson (view_answer_json): strings are
 * the decoded bytes, a number is strtoll's (as a double) when its text has no '.', 'e' or 'E', else
 * strtod's, only the strings of a list count; `unreadable`, a number jansson rejects (an integer
 * out of 64 bits, a real that overflows) or malformed text: nothing answered.  0, or -1 when out of
 * memory (the index is then unusable). */
int simindex_add_encoded(struct simindex *x, const char *slug, const char *name, const char *encoded,
    int unreadable);
/* Done adding: prepares simindex_find.  0, or -1 when out of memory. */
int simindex_seal(struct simindex *x);
void simindex_free(struct simindex *x);

size_t simindex_size(const struct simindex *x);
/* The bytes the index holds (for the tests and docs/performance.md). */
size_t simindex_bytes(const struct simindex *x);
/* The row of slug (after simindex_seal), or -1. */
int simindex_find(const struct simindex *x, const char *slug);
const char *simindex_slug(const struct simindex *x, int row);
const char *simindex_name(const struct simindex *x, int row);

/* similar_score_n of row `theirs` against row `mine`: the score, or -1 when no question was
 * answered by both; *both (when not NULL) the questions both answered. */
double simindex_score(const struct simindex *x, int mine, int theirs, size_t *both);

/* The `limit` cities most like row `me` (score, then questions both answered, then name, then slug;
 * cities with nothing in common left out) into out (room for `limit`); returns how many. */
size_t simindex_top(const struct simindex *x, int me, size_t limit, struct simindex_hit *out);

/* hit a against hit b (rows of x) in simindex_top's order: < 0 when a comes first, 0 when they are the
 * same city, > 0 otherwise. */
int simindex_hit_cmp(const struct simindex *x, const struct simindex_hit *a, const struct simindex_hit *b);

/* Prints, so that two indexes can be told apart a row at a time (simtops.h carries the cities' lists
 * from one data version's index to the next): the questions and their types in order, hashed; a row's
 * slug, name and answers' text (Q_SIMILAR_ENCODED's) hashed.  A row with the same print in two indexes
 * of the same questions scores every other row alike in both: SipHash-2-4 under the key of
 * simindex_key, so that a partner cannot choose answers whose print is another's (different texts
 * collide with probability 2^-64).  Two indexes compare only when built under the same key: the server
 * sets one key before it forks its workers, which share their indexes. */
uint64_t simindex_qprint(const struct simindex *x);
uint64_t simindex_print(const struct simindex *x, int row);
void simindex_key(const unsigned char key[16]);

/* The sealed index x as one block of position-independent bytes (offsets, no pointers: it may be
 * copied anywhere, another process's memory included), malloc'd, its size in *len; NULL when x is
 * not sealed or memory ran out.  Same machine only: the block says which sizes it was made with. */
void *simindex_flat(const struct simindex *x, size_t *len);
/* An index reading the block (simindex_flat's bytes, copied to memory aligned like malloc's), which
 * it then owns (simindex_free frees it); scores, top lists, slugs and names are the original's.  The
 * block is checked first: NULL (the block still the caller's) when it is not exactly one such block
 * of len bytes, or when any offset in it points outside it (truncated or corrupt bytes are never
 * read past their end).  Such an index is sealed already: nothing may be added to it. */
struct simindex *simindex_from_flat(void *block, size_t len);

#endif
