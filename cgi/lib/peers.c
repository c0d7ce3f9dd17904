/* peers.c: the peer-group expression (`peers=`) that selects a cohort.
 *
 * The expression arrives from a query string already decoded; this file
 * turns it into a struct the statistics code can bind as SQL parameters,
 * and back into one canonical string so equal cohorts share a cache key.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "peers.h"
#include "query.h"
#include "utf8.h"

/* Like buf_seterr, with a printable rendering of s[0..n-1] in the middle. */
static void
seterr_quoting(char **err, const char *before, const char *s, size_t n,
    const char *after)
{
	struct buf b = BUF_INIT;

	if (err == NULL || *err != NULL)
		return;
	if (buf_puts(&b, before) == -1 || utf8_quote(&b, s, n, 64) == -1 ||
	    buf_puts(&b, after) == -1) {
		buf_free(&b);
		*err = strdup("out of memory");
		return;
	}
	*err = buf_steal(&b, NULL);
}

static int
blank(char c)
{
	return c == ' ' || c == '\t';
}

static void
trim(const char **s, size_t *n)
{
	while (*n && blank(**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n && blank((*s)[*n - 1]))
		(*n)--;
}

/* Parses s[0..n-1], digits only, into *v; -1 when not a number or too big. */
static int
number(const char *s, size_t n, long long *v)
{
	long long x = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		x = x * 10 + (s[i] - '0');
		if (x > PEERS_MAX_POPULATION)
			return -1;
	}
	*v = x;
	return 0;
}

int
range_parse(const char *s, long long *min, int *has_min, long long *max,
    int *has_max, char **err)
{
	const char *dash, *a, *b;
	size_t n, an, bn;
	long long lo = 0, hi = 0;

	if (err)
		*err = NULL;
	if (s == NULL)
		s = "";
	n = strlen(s);
	trim(&s, &n);
	if ((dash = memchr(s, '-', n)) == NULL) {
		seterr_quoting(err, "range '", s, n, "' is not MIN-MAX "
		    "(such as 10000-500000, 10000- or -500000)");
		return -1;
	}
	a = s;
	an = (size_t)(dash - s);
	b = dash + 1;
	bn = n - an - 1;
	trim(&a, &an);
	trim(&b, &bn);
	if (an == 0 && bn == 0) {
		buf_seterr(err, "range '-' needs a minimum, a maximum or both");
		return -1;
	}
	if ((an && number(a, an, &lo) == -1) ||
	    (bn && number(b, bn, &hi) == -1)) {
		seterr_quoting(err, "range '", s, n, "': MIN and MAX must be "
		    "whole numbers from 0 to 1000000000000");
		return -1;
	}
	if (an && bn && lo > hi) {
		buf_seterr(err, "range %lld-%lld: the minimum is above the "
		    "maximum", lo, hi);
		return -1;
	}
	*min = lo;
	*has_min = an > 0;
	*max = hi;
	*has_max = bn > 0;
	return 0;
}

static int
region(const char *s, size_t n, struct peers *p, char **err)
{
	unsigned long cp;
	size_t i, k, chars = 0;

	if (n == 0) {
		buf_seterr(err, "peers: region: needs a name, such as "
		    "region:Europe");
		return -1;
	}
	for (i = 0; i < n; i += k, chars++) {
		if ((k = utf8_decode(s + i, n - i, &cp)) == 0) {
			buf_seterr(err, "peers: the region name is not valid "
			    "UTF-8");
			return -1;
		}
		if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0)) {
			buf_seterr(err, "peers: the region name contains a "
			    "control character");
			return -1;
		}
	}
	if (chars > PEERS_MAX_REGION) {
		buf_seterr(err, "peers: the region name is longer than %d "
		    "characters", PEERS_MAX_REGION);
		return -1;
	}
	if ((p->text = strndup(s, n)) == NULL) {
		buf_seterr(err, "out of memory");
		return -1;
	}
	p->kind = PEERS_REGION;
	return 0;
}

static int
country(const char *s, size_t n, struct peers *p, char **err)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z')))
			break;
	if (n != 2 || i != 2) {
		seterr_quoting(err, "peers: country '", s, n, "' is not a "
		    "two-letter country code (such as country:CA)");
		return -1;
	}
	if ((p->text = malloc(3)) == NULL) {
		buf_seterr(err, "out of memory");
		return -1;
	}
	for (i = 0; i < 2; i++)
		p->text[i] = (char)(s[i] >= 'a' ? s[i] - 'a' + 'A' : s[i]);
	p->text[2] = '\0';
	p->kind = PEERS_COUNTRY;
	return 0;
}

static int
population(const char *s, struct peers *p, char **err)
{
	char *why = NULL;

	if (range_parse(s, &p->min, &p->has_min, &p->max, &p->has_max,
	    &why) == -1) {
		buf_seterr(err, "peers: population %s", why ? why : "");
		free(why);
		return -1;
	}
	p->kind = PEERS_POPULATION;
	return 0;
}

static int
list(const char *s, size_t n, struct peers *p, char **err)
{
	const char *item, *comma;
	size_t in, i;
	char **grown;
	size_t cap = 0;

	p->kind = PEERS_LIST;
	while (n) {
		comma = memchr(s, ',', n);
		item = s;
		in = comma ? (size_t)(comma - s) : n;
		s += in;
		n -= in;
		if (comma) {
			s++;
			n--;
		}
		trim(&item, &in);
		if (in == 0)
			continue;
		if (!path_segment_valid_slug(item, in)) {
			seterr_quoting(err, "peers: '", item, in, "' is not "
			    "a city slug (a-z, 0-9 and '-', 1 to 64 "
			    "characters)");
			return -1;
		}
		for (i = 0; i < p->nslugs; i++)
			if (strlen(p->slugs[i]) == in &&
			    memcmp(p->slugs[i], item, in) == 0)
				break;
		if (i < p->nslugs)
			continue;
		if (p->nslugs == PEERS_MAX_SLUGS) {
			buf_seterr(err, "peers: more than %d cities",
			    PEERS_MAX_SLUGS);
			return -1;
		}
		if (p->nslugs == cap) {
			cap = cap ? cap * 2 : 16;
			if ((grown = realloc(p->slugs,
			    cap * sizeof *grown)) == NULL)
				goto oom;
			p->slugs = grown;
		}
		if ((p->slugs[p->nslugs] = strndup(item, in)) == NULL)
			goto oom;
		p->nslugs++;
	}
	if (p->nslugs == 0) {
		buf_seterr(err, "peers: the list names no city");
		return -1;
	}
	return 0;
oom:
	buf_seterr(err, "out of memory");
	return -1;
}

int
peers_parse(const char *expr, struct peers *p, char **err)
{
	const char *s = expr, *colon, *rest;
	size_t n, kn, rn;
	int rc;

	memset(p, 0, sizeof *p);
	p->kind = PEERS_ALL;
	if (err)
		*err = NULL;
	if (expr == NULL)
		return 0;
	n = strlen(s);
	trim(&s, &n);
	if (n == 0)
		return 0;
	if ((colon = memchr(s, ':', n)) == NULL) {
		rc = list(s, n, p, err);
	} else {
		kn = (size_t)(colon - s);
		rest = colon + 1;
		rn = n - kn - 1;
		trim(&rest, &rn);
		trim(&s, &kn);
		if (kn == 6 && strncasecmp(s, "region", 6) == 0) {
			rc = region(rest, rn, p, err);
		} else if (kn == 7 && strncasecmp(s, "country", 7) == 0) {
			rc = country(rest, rn, p, err);
		} else if (kn == 10 && strncasecmp(s, "population", 10) == 0) {
			rc = population(rest, p, err);
		} else {
			seterr_quoting(err, "peers: unknown group '", s, kn,
			    ":' (use region:NAME, country:CODE, "
			    "population:MIN-MAX or a comma list of city "
			    "slugs)");
			rc = -1;
		}
	}
	if (rc == -1)
		peers_free(p);
	return rc;
}

void
peers_free(struct peers *p)
{
	size_t i;

	if (p == NULL)
		return;
	free(p->text);
	for (i = 0; i < p->nslugs; i++)
		free(p->slugs[i]);
	free(p->slugs);
	memset(p, 0, sizeof *p);
	p->kind = PEERS_ALL;
}

int
peers_canonical(const struct peers *p, struct buf *b)
{
	size_t i;

	switch (p->kind) {
	case PEERS_ALL:
		return buf_append(b, "", 0);
	case PEERS_REGION:
		return buf_printf(b, "region:%s", p->text);
	case PEERS_COUNTRY:
		return buf_printf(b, "country:%s", p->text);
	case PEERS_POPULATION:
		if (buf_puts(b, "population:") == -1 ||
		    (p->has_min && buf_printf(b, "%lld", p->min) == -1) ||
		    buf_putc(b, '-') == -1 ||
		    (p->has_max && buf_printf(b, "%lld", p->max) == -1))
			return -1;
		return 0;
	case PEERS_LIST:
		for (i = 0; i < p->nslugs; i++)
			if ((i && buf_putc(b, ',') == -1) ||
			    buf_puts(b, p->slugs[i]) == -1)
				return -1;
		return 0;
	}
	return -1;
}
