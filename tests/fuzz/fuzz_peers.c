/* fuzz_peers.c: libFuzzer target for the peers expression and ranges.
 *
 * Whatever parses must print a canonical form that parses back to itself.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "peers.h"
#include "query.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_struct(const struct peers *p)
{
	size_t i, j;

	switch (p->kind) {
	case PEERS_ALL:
		break;
	case PEERS_REGION:
		if (p->text == NULL || p->text[0] == '\0' ||
		    !utf8_valid(p->text, strlen(p->text)))
			abort();
		break;
	case PEERS_COUNTRY:
		if (p->text == NULL || strlen(p->text) != 2 ||
		    p->text[0] < 'A' || p->text[0] > 'Z' ||
		    p->text[1] < 'A' || p->text[1] > 'Z')
			abort();
		break;
	case PEERS_POPULATION:
		if ((!p->has_min && !p->has_max) || p->min < 0 ||
		    p->max < 0 || (p->has_min && p->has_max &&
		    p->min > p->max) || p->max > PEERS_MAX_POPULATION ||
		    p->min > PEERS_MAX_POPULATION)
			abort();
		break;
	case PEERS_LIST:
		if (p->nslugs == 0 || p->nslugs > PEERS_MAX_SLUGS)
			abort();
		for (i = 0; i < p->nslugs; i++) {
			if (!path_segment_valid_slug(p->slugs[i],
			    strlen(p->slugs[i])))
				abort();
			for (j = 0; j < i; j++)
				if (strcmp(p->slugs[i], p->slugs[j]) == 0)
					abort();
		}
		break;
	case PEERS_FILTERS:
		if (p->nfilters == 0 || p->nfilters > PEERS_MAX_FILTERS || p->text || p->slugs)
			abort();
		for (i = 0; i < p->nfilters; i++) {
			if (p->filters[i].kind == PEERS_ANSWER && (p->filters[i].text == NULL ||
			    p->filters[i].option == NULL))
				abort();
			if (p->filters[i].kind < PEERS_REGION || p->filters[i].kind > PEERS_ANSWERED ||
			    p->filters[i].kind == PEERS_LIST || p->filters[i].kind == PEERS_FILTERS)
				abort();
		}
		break;
	default:
		abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct peers p, again;
	struct buf s = BUF_INIT, c1 = BUF_INIT, c2 = BUF_INIT;
	long long lo = -1, hi = -1;
	int hl, hh;
	char *err = NULL;

	buf_append(&s, data, size);
	if (peers_parse(s.data, &p, &err) == -1) {
		if (err == NULL || !utf8_valid(err, strlen(err)) ||
		    p.kind != PEERS_ALL || p.text || p.slugs || p.nslugs || p.filters)
			abort();
	} else {
		check_struct(&p);
		if (peers_canonical(&p, &c1) == -1)
			abort();
		if (peers_parse(c1.data, &again, NULL) != 0)
			abort();
		check_struct(&again);
		if (peers_canonical(&again, &c2) == -1 ||
		    strcmp(c1.data, c2.data) != 0 || again.kind != p.kind)
			abort();
		peers_free(&again);
	}
	peers_free(&p);
	free(err);
	err = NULL;

	if (range_parse(s.data, &lo, &hl, &hi, &hh, &err) == 0) {
		if ((!hl && !hh) || lo < 0 || hi < 0 ||
		    (hl && hh && lo > hi))
			abort();
	} else if (err == NULL || !utf8_valid(err, strlen(err))) {
		abort();
	}
	free(err);
	buf_free(&s);
	buf_free(&c1);
	buf_free(&c2);
	return 0;
}
