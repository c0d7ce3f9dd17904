/* siphash.h: SipHash-2-4 (Aumasson and Bernstein), a keyed 64-bit hash, fed in pieces.
 *
 * For prints that a city's partner can reach with their own answers (simindex_print): with a key the
 * partner does not know, two different texts give the same print with probability 2^-64 whatever
 * the texts (FNV and the like can be made to collide on purpose). */
#ifndef CB_SIPHASH_H
#define CB_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

struct siphash {
	uint64_t v[4];
	uint64_t tail;		/* the bytes not yet a whole word, little end first */
	size_t len;		/* bytes fed so far */
};

void siphash_init(struct siphash *s, const unsigned char key[16]);
void siphash_add(struct siphash *s, const void *p, size_t n);
uint64_t siphash_end(struct siphash *s);

#endif
