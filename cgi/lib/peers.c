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

/* A question or option code: [a-z0-9_]{1,64}. */
static int
code_valid(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > PEERS_MAX_CODE)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '_'))
			return 0;
	return 1;
}

/* answer:CODE=OPTION (with_option) or answered:CODE into p (kind ANSWER/ANSWERED). */
static int
answer(const char *s, size_t n, int with_option, struct peers *p, char **err)
{
	const char *eq = with_option ? memchr(s, '=', n) : NULL, *o = NULL;
	size_t cn = n, on = 0;

	if (with_option) {
		if (eq == NULL) {
			seterr_quoting(err, "peers: answer:'", s, n, "' needs "
			    "CODE=OPTION (such as answer:dedicated_funding=yes)");
			return -1;
		}
		cn = (size_t)(eq - s);
		o = eq + 1;
		on = n - cn - 1;
		trim(&s, &cn);
		trim(&o, &on);
	}
	if (!code_valid(s, cn)) {
		seterr_quoting(err, "peers: '", s, cn, "' is not a question "
		    "code ([a-z0-9_], 1 to 64 characters)");
		return -1;
	}
	if (with_option && !code_valid(o, on)) {
		seterr_quoting(err, "peers: '", o, on, "' is not an option "
		    "code ([a-z0-9_], 1 to 64 characters; yes or no for a "
		    "yes/no question)");
		return -1;
	}
	if ((p->text = strndup(s, cn)) == NULL ||
	    (with_option && (p->option = strndup(o, on)) == NULL)) {
		buf_seterr(err, "out of memory");
		return -1;
	}
	p->kind = with_option ? PEERS_ANSWER : PEERS_ANSWERED;
	return 0;
}

/* One part (no ';') into p: any kind but ALL and FILTERS. */
static int
part(const char *s, size_t n, struct peers *p, char **err)
{
	const char *colon, *rest;
	size_t kn, rn;

	if ((colon = memchr(s, ':', n)) == NULL)
		return list(s, n, p, err);
	kn = (size_t)(colon - s);
	rest = colon + 1;
	rn = n - kn - 1;
	trim(&rest, &rn);
	trim(&s, &kn);
	if (kn == 6 && strncasecmp(s, "region", 6) == 0)
		return region(rest, rn, p, err);
	if (kn == 7 && strncasecmp(s, "country", 7) == 0)
		return country(rest, rn, p, err);
	if (kn == 10 && strncasecmp(s, "population", 10) == 0) {
		/* range_parse reads a string: the part ends at the ';' */
		char *r = strndup(rest, rn);
		int rc;

		if (r == NULL) {
			buf_seterr(err, "out of memory");
			return -1;
		}
		rc = population(r, p, err);
		free(r);
		return rc;
	}
	if (kn == 6 && strncasecmp(s, "answer", 6) == 0)
		return answer(rest, rn, 1, p, err);
	if (kn == 8 && strncasecmp(s, "answered", 8) == 0)
		return answer(rest, rn, 0, p, err);
	if (kn == 7 && strncasecmp(s, "similar", 7) == 0) {
		if (!path_segment_valid_slug(rest, rn)) {
			seterr_quoting(err, "peers: similar:'", rest, rn, "' needs a "
			    "city's slug ([a-z0-9-], 1 to 64 characters)");
			return -1;
		}
		if ((p->text = strndup(rest, rn)) == NULL) {
			buf_seterr(err, "out of memory");
			return -1;
		}
		p->kind = PEERS_SIMILAR;
		return 0;
	}
	seterr_quoting(err, "peers: unknown group '", s, kn, ":' (use "
	    "region:NAME, country:CODE, population:MIN-MAX, "
	    "answer:CODE=OPTION, answered:CODE, similar:SLUG, several joined by ';', "
	    "or a comma list of city slugs)");
	return -1;
}

static int
same_filter(const struct peers_filter *a, const struct peers *b)
{
	if (a->kind != (int)b->kind || a->min != b->min || a->max != b->max ||
	    a->has_min != b->has_min || a->has_max != b->has_max)
		return 0;
	if ((a->text == NULL) != (b->text == NULL) ||
	    (a->text && strcmp(a->text, b->text) != 0))
		return 0;
	if ((a->option == NULL) != (b->option == NULL) ||
	    (a->option && strcmp(a->option, b->option) != 0))
		return 0;
	return 1;
}

int
peers_parse(const char *expr, struct peers *p, char **err)
{
	const char *s = expr, *semi, *item;
	size_t n, in, i, nparts = 0;
	struct peers one;
	struct peers_filter *f;

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
	for (i = 0; i < n; i++)
		nparts += s[i] == ';';
	memset(&one, 0, sizeof one);
	if (nparts == 0) {
		if (part(s, n, &one, err) == -1)
			goto fail_one;
		if (one.kind != PEERS_ANSWER && one.kind != PEERS_ANSWERED &&
		    one.kind != PEERS_SIMILAR) {
			*p = one;
			return 0;
		}
		peers_free(&one);	/* parsed again below, as a filter */
	}
	memset(&one, 0, sizeof one);
	p->kind = PEERS_FILTERS;
	if ((p->filters = calloc(PEERS_MAX_FILTERS, sizeof *p->filters)) == NULL) {
		buf_seterr(err, "out of memory");
		goto fail;
	}
	while (n) {
		semi = memchr(s, ';', n);
		item = s;
		in = semi ? (size_t)(semi - s) : n;
		s += in;
		n -= in;
		if (semi) {
			s++;
			n--;
		}
		trim(&item, &in);
		if (in == 0)
			continue;
		memset(&one, 0, sizeof one);
		if (part(item, in, &one, err) == -1)
			goto fail_one;
		if (one.kind == PEERS_LIST) {
			buf_seterr(err, "peers: a list of cities stands alone: it "
			    "cannot be joined to other filters with ';'");
			goto fail_one;
		}
		for (i = 0; i < p->nfilters; i++)
			if (same_filter(&p->filters[i], &one))
				break;
		if (i < p->nfilters) {
			peers_free(&one);
			continue;
		}
		if (p->nfilters == PEERS_MAX_FILTERS) {
			buf_seterr(err, "peers: more than %d filters",
			    PEERS_MAX_FILTERS);
			goto fail_one;
		}
		f = &p->filters[p->nfilters++];
		f->kind = (int)one.kind;
		f->text = one.text;
		f->option = one.option;
		f->min = one.min;
		f->max = one.max;
		f->has_min = one.has_min;
		f->has_max = one.has_max;
		one.text = one.option = NULL;
		peers_free(&one);
	}
	if (p->nfilters == 0) {
		/* only blanks and ';': every city, as an empty expression */
		peers_free(p);
		return 0;
	}
	if (p->nfilters == 1 && p->filters[0].kind != PEERS_ANSWER &&
	    p->filters[0].kind != PEERS_ANSWERED && p->filters[0].kind != PEERS_SIMILAR) {
		/* "region:Europe;" is "region:Europe": one kind, one cache key */
		f = p->filters;
		p->kind = (enum peers_kind)f->kind;
		p->text = f->text;
		p->min = f->min;
		p->max = f->max;
		p->has_min = f->has_min;
		p->has_max = f->has_max;
		free(p->filters);
		p->filters = NULL;
		p->nfilters = 0;
	}
	return 0;
fail_one:
	peers_free(&one);
fail:
	peers_free(p);
	return -1;
}

void
peers_free(struct peers *p)
{
	size_t i;

	if (p == NULL)
		return;
	free(p->text);
	free(p->option);
	for (i = 0; i < p->nslugs; i++)
		free(p->slugs[i]);
	free(p->slugs);
	for (i = 0; i < p->nfilters; i++) {
		free(p->filters[i].text);
		free(p->filters[i].option);
	}
	free(p->filters);
	memset(p, 0, sizeof *p);
	p->kind = PEERS_ALL;
}

/* The canonical text of one single-kind expression or filter. */
static int
canonical_one(int kind, const char *text, const char *option, long long min,
    int has_min, long long max, int has_max, struct buf *b)
{
	switch (kind) {
	case PEERS_REGION:
		return buf_printf(b, "region:%s", text);
	case PEERS_COUNTRY:
		return buf_printf(b, "country:%s", text);
	case PEERS_POPULATION:
		if (buf_puts(b, "population:") == -1 ||
		    (has_min && buf_printf(b, "%lld", min) == -1) ||
		    buf_putc(b, '-') == -1 ||
		    (has_max && buf_printf(b, "%lld", max) == -1))
			return -1;
		return 0;
	case PEERS_ANSWER:
		return buf_printf(b, "answer:%s=%s", text, option);
	case PEERS_ANSWERED:
		return buf_printf(b, "answered:%s", text);
	case PEERS_SIMILAR:
		return buf_printf(b, "similar:%s", text);
	}
	return -1;
}

int
peers_canonical(const struct peers *p, struct buf *b)
{
	const struct peers_filter *f;
	size_t i;

	switch (p->kind) {
	case PEERS_ALL:
		return buf_append(b, "", 0);
	case PEERS_LIST:
		for (i = 0; i < p->nslugs; i++)
			if ((i && buf_putc(b, ',') == -1) ||
			    buf_puts(b, p->slugs[i]) == -1)
				return -1;
		return 0;
	case PEERS_FILTERS:
		for (i = 0; i < p->nfilters; i++) {
			f = &p->filters[i];
			if ((i && buf_putc(b, ';') == -1) ||
			    canonical_one(f->kind, f->text, f->option, f->min,
			    f->has_min, f->max, f->has_max, b) == -1)
				return -1;
		}
		return 0;
	default:
		return canonical_one((int)p->kind, p->text, p->option, p->min,
		    p->has_min, p->max, p->has_max, b);
	}
}

/* s as a JSON string: the texts here are valid UTF-8 without control characters. */
static int
json_str(struct buf *b, const char *s)
{
	if (buf_putc(b, '"') == -1)
		return -1;
	for (; *s; s++)
		if (((*s == '"' || *s == '\\') && buf_putc(b, '\\') == -1) ||
		    buf_putc(b, *s) == -1)
			return -1;
	return buf_putc(b, '"');
}

int
peers_filters_json(const struct peers *p, struct buf *b)
{
	static const char *names[] = {
		[PEERS_REGION] = "region", [PEERS_COUNTRY] = "country",
		[PEERS_POPULATION] = "population", [PEERS_ANSWER] = "answer",
		[PEERS_ANSWERED] = "answered", [PEERS_SIMILAR] = "similar",
	};
	const struct peers_filter *f;
	size_t i;

	if (buf_putc(b, '[') == -1)
		return -1;
	for (i = 0; p->kind == PEERS_FILTERS && i < p->nfilters; i++) {
		f = &p->filters[i];
		if ((i && buf_putc(b, ',') == -1) ||
		    buf_printf(b, "{\"k\":\"%s\"", names[f->kind]) == -1)
			return -1;
		switch (f->kind) {
		case PEERS_REGION:
		case PEERS_COUNTRY:
			if (buf_puts(b, ",\"v\":") == -1 || json_str(b, f->text) == -1)
				return -1;
			break;
		case PEERS_POPULATION:
			if ((f->has_min && buf_printf(b, ",\"min\":%lld", f->min) == -1) ||
			    (f->has_max && buf_printf(b, ",\"max\":%lld", f->max) == -1))
				return -1;
			break;
		case PEERS_ANSWER:
			if (buf_puts(b, ",\"o\":") == -1 || json_str(b, f->option) == -1)
				return -1;
			/* fall through */
		case PEERS_ANSWERED:
		case PEERS_SIMILAR:
			if (buf_puts(b, ",\"c\":") == -1 || json_str(b, f->text) == -1)
				return -1;
			break;
		}
		if (buf_putc(b, '}') == -1)
			return -1;
	}
	return buf_putc(b, ']');
}
