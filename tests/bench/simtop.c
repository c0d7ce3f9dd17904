/* simtop.c: a microbench of simindex_top (docs/performance.md, "the similar cities' top list a question
 * at a time").  tests/bench/simtop_wave.py writes a wave of `citybench gen`'s set as TYPES.json and
 * WAVE.txt (slug TAB name TAB the encoded answers per line); then
 *   cc -O2 -Iinclude -o simtop tests/bench/simtop.c cgi/lib/simindex.c cgi/lib/similar.c -ljansson -lm
 *   valgrind --tool=callgrind --toggle-collect=simindex_top ./simtop TYPES.json WAVE.txt EVERY [dump]
 * scores every EVERY-th city's top 10 (from the flat copy, as the workers do); `dump` prints them (row,
 * score as %a, questions both answered) to compare two builds. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "simindex.h"
int
main(int argc, char **argv)
{
	json_t *types = json_load_file(argv[1], JSON_PRESERVE_ORDER, NULL);
	struct simindex *x = simindex_new(types), *y;
	static char line[1 << 16];
	FILE *f = fopen(argv[2], "r");
	int every = atoi(argv[3]);
	size_t len, i;
	double sum = 0;
	struct simindex_hit top[10];
	void *flat;

	if (argc < 4 || types == NULL || x == NULL || f == NULL) {
		fprintf(stderr, "usage: simtop TYPES.json WAVE.txt EVERY [dump]\n");
		return 2;
	}
	while (fgets(line, sizeof(line), f)) {
		char *a = strchr(line, '\t'), *b = a ? strchr(a + 1, '\t') : NULL;
		if (!b) continue;
		*a = *b = 0;
		line[strcspn(b + 1, "\n") + (size_t)(b + 1 - line)] = 0;
		simindex_add_encoded(x, line, a + 1, b + 1, 0);
	}
	simindex_seal(x);
	flat = simindex_flat(x, &len);
	y = simindex_from_flat(flat, len);
	for (i = 0; i < simindex_size(y); i += (size_t)every) {
		size_t k = simindex_top(y, (int)i, 10, top), j;
		for (j = 0; j < k; j++)
			sum += top[j].score * (double)(j + 1) + top[j].row;
		if (argc > 4)
			for (j = 0; j < k; j++)
				printf("%zu %d %a %zu\n", i, top[j].row, top[j].score, top[j].both);
	}
	fprintf(stderr, "n=%zu checksum %.17g bytes %zu\n", simindex_size(y), sum, len);
	return 0;
}
