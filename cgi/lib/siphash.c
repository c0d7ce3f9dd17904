/* siphash.c: SipHash-2-4 (see siphash.h), as in the reference implementation: 2 rounds per 8-byte
 * word, 4 at the end; the last word holds the length's low byte on top. */
#include <string.h>

#include "siphash.h"

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

static void
rounds(uint64_t *v, int n)
{
	while (n--) {
		v[0] += v[1];
		v[1] = ROTL(v[1], 13);
		v[1] ^= v[0];
		v[0] = ROTL(v[0], 32);
		v[2] += v[3];
		v[3] = ROTL(v[3], 16);
		v[3] ^= v[2];
		v[0] += v[3];
		v[3] = ROTL(v[3], 21);
		v[3] ^= v[0];
		v[2] += v[1];
		v[1] = ROTL(v[1], 17);
		v[1] ^= v[2];
		v[2] = ROTL(v[2], 32);
	}
}

static uint64_t
le64(const unsigned char *p)
{
	uint64_t w = 0;
	int i;

	for (i = 7; i >= 0; i--)
		w = w << 8 | p[i];
	return w;
}

static void
word(struct siphash *s, uint64_t m)
{
	s->v[3] ^= m;
	rounds(s->v, 2);
	s->v[0] ^= m;
}

void
siphash_init(struct siphash *s, const unsigned char key[16])
{
	uint64_t k0 = le64(key), k1 = le64(key + 8);

	s->v[0] = k0 ^ 0x736f6d6570736575ull;
	s->v[1] = k1 ^ 0x646f72616e646f6dull;
	s->v[2] = k0 ^ 0x6c7967656e657261ull;
	s->v[3] = k1 ^ 0x7465646279746573ull;
	s->tail = 0;
	s->len = 0;
}

void
siphash_add(struct siphash *s, const void *p, size_t n)
{
	const unsigned char *b = p;

	while (n > 0 && s->len % 8 != 0) {	/* fill the pending word */
		s->tail |= (uint64_t)*b++ << (8 * (s->len++ % 8));
		n--;
		if (s->len % 8 == 0) {
			word(s, s->tail);
			s->tail = 0;
		}
	}
	for (; n >= 8; n -= 8, b += 8, s->len += 8)
		word(s, le64(b));
	while (n--)
		s->tail |= (uint64_t)*b++ << (8 * (s->len++ % 8));
}

uint64_t
siphash_end(struct siphash *s)
{
	word(s, s->tail | (uint64_t)(s->len & 0xff) << 56);
	s->v[2] ^= 0xff;
	rounds(s->v, 4);
	return s->v[0] ^ s->v[1] ^ s->v[2] ^ s->v[3];
}
