/* country.c: ISO 3166-1 names from the iso-codes package, loaded on first use (see country.h). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "buf.h"
#include "country.h"
#include "lang.h"

/* iso-codes' own message domain: the names in French (/usr/share/locale/fr/LC_MESSAGES). */
#define ISO3166_DOMAIN "iso_3166-1"

#define ISO3166_DEFAULT "/usr/share/iso-codes/json/iso_3166-1.json"

struct country { char code[3]; char *shown, *name, *official; };

static struct country *countries;
static size_t ncountries;
static int loaded;
static int domain_bound;
/* Issue 18: the first country of each two-letter code, ASCII case aside (index + 1; 0: none), so that
 * a page naming every country of the peer-group form does not scan the list once per option. */
static unsigned short by_letters[26][26];

static int
letter(unsigned char c)
{
	return c >= 'a' && c <= 'z' ? c - 'a' : c >= 'A' && c <= 'Z' ? c - 'A' : -1;
}

static char *
dup_or_null(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? strdup(s) : NULL;
}

static void
load(void)
{
	const char *path = getenv("CITYBENCH_ISO3166");
	json_t *root, *list, *e;
	size_t i;

	loaded = 1;
	root = json_load_file(path && *path ? path : ISO3166_DEFAULT, 0, NULL);
	list = json_object_get(root, "3166-1");
	if (!json_is_array(list) || (countries = calloc(json_array_size(list), sizeof(*countries))) == NULL) {
		json_decref(root);
		return;
	}
	json_array_foreach(list, i, e) {
		const char *a2 = json_string_value(json_object_get(e, "alpha_2"));
		struct country *c = &countries[ncountries];

		if (a2 == NULL || strlen(a2) != 2 || json_string_value(json_object_get(e, "name")) == NULL)
			continue;
		memcpy(c->code, a2, 3);
		c->name = dup_or_null(e, "name");
		c->official = dup_or_null(e, "official_name");
		c->shown = dup_or_null(e, "common_name");
		if (c->shown == NULL)
			c->shown = c->name ? strdup(c->name) : NULL;
		if (c->name == NULL || c->shown == NULL)
			continue;
		ncountries++;
	}
	json_decref(root);
	for (i = 0; i < ncountries && i < 65535; i++) {
		int a = letter((unsigned char)countries[i].code[0]), b = letter((unsigned char)countries[i].code[1]);
		if (a >= 0 && b >= 0 && by_letters[a][b] == 0)
			by_letters[a][b] = (unsigned short)(i + 1);
	}
}

/* Country i's name in the page's language. */
static const char *
shown(size_t i)
{
	if (lang_current() != LANG_FR)
		return countries[i].shown;
	if (!domain_bound) {
		bind_textdomain_codeset(ISO3166_DOMAIN, "UTF-8");
		domain_bound = 1;
	}
	return dgettext(ISO3166_DOMAIN, countries[i].shown);
}

const char *
country_name(const char *code)
{
	size_t i;
	int a, b;

	if (!loaded)
		load();
	if (code == NULL || strlen(code) != 2)
		return NULL;
	a = letter((unsigned char)code[0]);
	b = letter((unsigned char)code[1]);
	if (a >= 0 && b >= 0 && ncountries < 65535)	/* two letters: only the same two match */
		return by_letters[a][b] ? shown(by_letters[a][b] - 1u) : NULL;
	for (i = 0; i < ncountries; i++)
		if (strcasecmp(countries[i].code, code) == 0)
			return shown(i);
	return NULL;
}

/* 1 when a word of hay starts with needle, ASCII case aside ("korea" finds "South Korea", "land"
 * does not find "Finland"). */
static int
contains(const char *hay, const char *needle)
{
	size_t n = strlen(needle);
	const char *h;

	for (h = hay; h && *h; h++)
		if ((h == hay || h[-1] == ' ' || h[-1] == '(' || h[-1] == '-') && strncasecmp(h, needle, n) == 0)
			return 1;
	return 0;
}

size_t
country_codes_matching(const char *q, struct buf *b)
{
	size_t i, n = 0, qn = q ? strlen(q) : 0;

	if (!loaded)
		load();
	buf_putc(b, '{');
	for (i = 0; qn > 0 && i < ncountries; i++) {
		const struct country *c = &countries[i];
		int hit = qn >= 3 ? contains(c->shown, q) || contains(c->name, q) || contains(c->official, q)
		    : strcasecmp(c->shown, q) == 0 || strcasecmp(c->name, q) == 0;
		/* French pages find a country by its French name too ("Allemagne") */
		if (!hit && lang_current() == LANG_FR) {
			const char *fr = country_name(c->code);
			hit = fr && (qn >= 3 ? contains(fr, q) : strcasecmp(fr, q) == 0);
		}
		if (!hit)
			continue;
		if (n++)
			buf_putc(b, ',');
		buf_puts(b, c->code);
	}
	buf_putc(b, '}');
	return n;
}
