/* test_simflat.c: a similar-cities index in its flat form (simindex_flat, simindex_from_flat) scores
 * as the index it was made from, bit for bit, on random answers; truncated or corrupt blocks are
 * refused or, when accepted, never read past their end (each block lies against a page the process
 * may not read: a read past it kills the test). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <jansson.h>

#include "simindex.h"
#include "t.h"

#define N 400

static const char *opts[] = { "a", "b", "c", "d", "e", "f", "g", "h\xc3\xa9", "" };

/* One city's answers as Q_SIMILAR_ENCODED's flat text, random and sometimes of the wrong kind. */
static const char *
encode(void)
{
	static char b[2048];
	static const char *codes[] = { "sf", "mode", "fund", "population", "tags", "kind", "open", "note" };
	size_t q;
	int k, i;

	b[0] = '\0';
	for (q = 0; q < sizeof(codes) / sizeof(codes[0]); q++) {
		int r = rand() % 12;
		if (r == 0)
			continue;
		sprintf(b + strlen(b), "%zu:%s", strlen(codes[q]), codes[q]);
		if (r == 1)
			strcat(b, "z");
		else if (r == 2)
			strcat(b, rand() % 2 ? "t" : "f");
		else if (r == 3 || strcmp(codes[q], "population") == 0)
			sprintf(b + strlen(b), "n%d;", rand() % 3000);
		else if (r < 8) {
			const char *o = opts[rand() % 9];
			sprintf(b + strlen(b), "s%zu:%s", strlen(o), o);
		} else {
			k = rand() % 6;
			sprintf(b + strlen(b), "a%d;", k);
			for (i = 0; i < k; i++) {
				const char *o = opts[rand() % 9];
				if (rand() % 7 == 0)
					strcat(b, "x");
				else
					sprintf(b + strlen(b), "s%zu:%s", strlen(o), o);
			}
		}
	}
	return b;
}

/* len bytes copied to the end of a mapping whose next page cannot be read; *map, *maplen to unmap. */
static void *
guarded(const void *src, size_t len, void **map, size_t *maplen)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), data = (len + page - 1) / page * page;
	char *p = mmap(NULL, data + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	mprotect(p + data, page, PROT_NONE);
	*map = p;
	*maplen = data + page;
	/* 8-aligned (a block must be): the end is then up to 7 bytes short of the guard */
	p += (data - len) / 8 * 8;
	memcpy(p, src, len);
	return p;
}

/* Whether the len bytes at c are refused (a view that took them is let go, the bytes kept). */
static int
refused_block(void *c, size_t len)
{
	struct simindex *e = simindex_from_flat(c, len);
	int no = e == NULL;

	free(e);	/* not simindex_free: the block stays the caller's */
	return no;
}

/* Reads everything an index answers (every pair's score, every top list, every slug and name, a
 * look-up of each slug); returns a checksum so that nothing is optimised away. */
static double
exercise(const struct simindex *x)
{
	struct simindex_hit top[50];
	size_t i, j, n = simindex_size(x), b;
	double sum = 0, s;

	for (i = 0; i < n; i++) {
		for (j = 0; j < n; j += 7) {
			s = simindex_score(x, (int)i, (int)j, &b);
			sum += s + (double)b;
		}
		sum += (double)simindex_top(x, (int)i, i % 2 ? 50 : 3, top);
		sum += (double)strlen(simindex_slug(x, (int)i)) + (double)strlen(simindex_name(x, (int)i));
		sum += simindex_find(x, simindex_slug(x, (int)i));
	}
	return sum;
}

int
main(void)
{
	json_t *types = json_loads("{\"sf\":\"multi\",\"mode\":\"single\",\"fund\":\"bool\",\"population\":"
	    "\"integer\",\"tags\":\"multi\",\"kind\":\"single\",\"open\":\"bool\",\"note\":\"text\"}", 0, NULL);
	struct simindex *x = simindex_new(types), *y, *e;
	struct simindex_hit t1[60], t2[60];
	char slug[32], name[32];
	void *flat, *map, *g, *copy;
	size_t len, maplen, cut, i, j, k;
	int bad = 0, accepted = 0, refused = 0, r;

	srand(1818);
	for (i = 0; i < N; i++) {
		snprintf(slug, sizeof(slug), "c%03zu", (i * 7) % N);
		snprintf(name, sizeof(name), "Town %zu", i % 50);
		if (simindex_add_encoded(x, slug, name, i % 50 == 3 ? NULL : encode(), 0) == -1)
			bad++;
	}
	CHECK(bad == 0, "random cities added");
	CHECK(simindex_flat(x, &len) == NULL, "an index not sealed has no flat form");
	CHECK(simindex_seal(x) == 0, "sealed");
	flat = simindex_flat(x, &len);
	CHECK(flat != NULL && len > 0 && len % 8 == 0, "a flat form");
	copy = malloc(len);
	memcpy(copy, flat, len);
	y = simindex_from_flat(copy, len);
	CHECK(y != NULL, "read back");
	CHECK(simindex_size(y) == N && simindex_bytes(y) > len, "every city, its bytes counted");
	for (i = 0; i < N; i++)
		for (j = 0; j < N; j++) {
			size_t b1 = 0, b2 = 0;
			double s1 = simindex_score(x, (int)i, (int)j, &b1), s2 = simindex_score(y, (int)i, (int)j, &b2);
			if (memcmp(&s1, &s2, sizeof(s1)) != 0 || b1 != b2)
				bad++;
		}
	CHECK(bad == 0, "every pair scores as in the original, bit for bit");
	for (i = 0; i < N; i++) {
		if (strcmp(simindex_slug(x, (int)i), simindex_slug(y, (int)i)) != 0 ||
		    strcmp(simindex_name(x, (int)i), simindex_name(y, (int)i)) != 0 ||
		    simindex_find(y, simindex_slug(x, (int)i)) != (int)i)
			bad++;
		for (k = 1; k <= 60; k += 59) {
			size_t n1 = simindex_top(x, (int)i, k, t1), n2 = simindex_top(y, (int)i, k, t2), m;
			if (n1 != n2)
				bad++;
			for (m = 0; m < n1 && m < n2; m++)
				if (t1[m].row != t2[m].row || t1[m].both != t2[m].both ||
				    memcmp(&t1[m].score, &t2[m].score, sizeof(double)) != 0)
					bad++;
		}
	}
	CHECK(bad == 0, "slugs, names, look-ups and top lists as in the original");
	CHECK(simindex_find(y, "zzz") == -1, "an unknown slug");
	/* a copy of the copy reads the same: nothing in it points anywhere */
	{
		void *again = simindex_flat(y, &k);
		CHECK(again != NULL && k == len && memcmp(again, flat, len) == 0, "its flat form is the same bytes");
		free(again);
	}
	simindex_free(y);

	/* every truncation refused, read against the guard page */
	for (cut = 0; cut < len; cut += cut < 256 ? 1 : 97) {
		if ((g = guarded(flat, cut, &map, &maplen)) == NULL)
			break;
		if ((e = simindex_from_flat(g, cut)) != NULL) {
			bad++;
			free(e);	/* not simindex_free: the block is the mapping's */
		}
		munmap(map, maplen);
	}
	CHECK(bad == 0, "a truncated block is refused");
	CHECK(simindex_from_flat(NULL, 0) == NULL, "no block");
	/* corrupt bytes: refused, or read without leaving the block */
	for (i = 0; i < 3000; i++) {
		char *c = malloc(len);
		memcpy(c, flat, len);
		for (j = 0, k = 1 + (size_t)rand() % 4; j < k; j++) {
			size_t at = i % 3 == 0 ? (size_t)rand() % 64 : (size_t)rand() % len;	/* the header often */
			c[at] = (char)(rand() % 3 == 0 ? 0xff : rand());
		}
		g = guarded(c, len, &map, &maplen);
		free(c);
		if (g == NULL)
			break;
		if ((e = simindex_from_flat(g, len)) != NULL) {
			accepted++;
			(void)exercise(e);
			free(e);
		} else
			refused++;
		munmap(map, maplen);
	}
	printf("# corrupt blocks: %d accepted (read within bounds), %d refused\n", accepted, refused);
	CHECK(accepted + refused == 3000 && refused > 0, "corrupt blocks are refused or read within their bounds");
	/* aimed corruptions, each refused: a count past the block, a string past the text, a row that is
	 * not a row, a list past the ids, a text not ended */
	{
		struct { uint64_t magic; uint32_t format, sizes; uint64_t nq, n, tlen, nids, nslots, ncols, nmcols, qprint; } h;
		static const size_t field[] = { 16, 24, 32, 40, 48, 56 };
		char *c = malloc(len);
		memcpy(&h, flat, sizeof(h));
		for (i = 0; i < 6; i++) {
			static const uint64_t v[] = { UINT64_MAX, (uint64_t)1 << 40, (uint64_t)1 << 33, 1 };
			for (j = 0; j < 4; j++) {
				memcpy(c, flat, len);
				memcpy(c + field[i], &v[j], 8);
				if ((e = simindex_from_flat(c, len)) != NULL) {
					bad++;
					free(e);
				}
			}
		}
		CHECK(bad == 0, "a count that does not match the block is refused (no overflow)");
		/* the arrays' offsets, as simindex.c lays them out */
		{
			size_t at = (sizeof(h) + 7) / 8 * 8, nq = h.nq, n = h.n;
			size_t o_slug = at + (nq + 7) / 8 * 8 * 2, o_name = o_slug + n * 8, o_text = o_name + n * 8;
			size_t o_tag = o_text + (h.tlen + 7) / 8 * 8, o_cell = o_tag + (n * nq + 7) / 8 * 8;
			size_t o_ids = o_cell + n * nq * 8, o_by = o_ids + (h.nids * 4 + 7) / 8 * 8;
			size_t o_rank = o_by + (n * 4 + 7) / 8 * 8, o_qslot = o_rank + (n * 4 + 7) / 8 * 8;
			int32_t slot = (int32_t)h.nslots, below = -2;
			uint64_t big = h.tlen;
			uint32_t run[2] = { (uint32_t)h.nids, 1 };
			int row = (int)n;

			memcpy(c, flat, len);
			memcpy(c + o_slug + 8 * 5, &big, 8);
			r = refused_block(c, len);
			memcpy(c, flat, len);
			memcpy(c + o_name, &big, 8);
			r &= refused_block(c, len);
			memcpy(c, flat, len);
			memcpy(c + o_by + 4 * 3, &row, 4);
			r &= refused_block(c, len);
			memcpy(c, flat, len);
			c[o_text + h.tlen - 1] = 'x';
			r &= refused_block(c, len);
			memcpy(c, flat, len);
			for (k = 0; k < n * nq; k++)
				if (((unsigned char *)c)[o_tag + k] == 1)	/* T_ARRAY */
					break;
			CHECK(k < n * nq, "a list among the answers");
			memcpy(c + o_cell + k * 8, run, 8);
			r &= refused_block(c, len);
			memcpy(c, flat, len);
			c[o_tag + k + (k + 1 < n * nq)] = 1;	/* another cell said to be a list: its run is random */
			memset(c + o_cell + (k + (k + 1 < n * nq)) * 8, 0x7f, 8);
			r &= refused_block(c, len);
			memcpy(c, flat, len);
			CHECK(h.nslots > 0, "a multi question given option bits");
			memcpy(c + o_qslot + 4 * (nq - 1), &slot, 4);
			r &= refused_block(c, len);
			memcpy(c, flat, len);
			memcpy(c + o_qslot, &below, 4);
			r &= refused_block(c, len);
			{	/* a question's byte column past the columns, or below -1 */
				size_t o_qcol = o_qslot + (nq * 4 + 7) / 8 * 8 + h.nslots * n * 8 + h.nslots * 64 * 4;
				int32_t col = (int32_t)h.ncols;
				CHECK(h.ncols > 0, "single and bool questions given byte columns");
				memcpy(c, flat, len);
				memcpy(c + o_qcol + 4 * (nq - 1), &col, 4);
				r &= refused_block(c, len);
				memcpy(c, flat, len);
				memcpy(c + o_qcol + 4, &below, 4);
				r &= refused_block(c, len);
			}
			CHECK(r, "strings past the text, a row out of range, a list past the ids, an unended text, "
			    "a question's slot or byte column out of range: refused");
			memcpy(c, flat, len);
			CHECK((e = simindex_from_flat(c, len)) != NULL, "the same bytes unharmed are read");
			simindex_free(e);	/* frees c */
		}
	}
	free(flat);
	simindex_free(x);
	/* an empty wave */
	x = simindex_new(types);
	simindex_seal(x);
	flat = simindex_flat(x, &len);
	y = flat ? simindex_from_flat(flat, len) : NULL;
	CHECK(y != NULL && simindex_size(y) == 0 && simindex_find(y, "a") == -1 && simindex_top(y, 0, 5, t1) == 0,
	    "an empty wave round-trips");
	simindex_free(y);
	simindex_free(x);
	json_decref(types);
	return T_DONE();
}
