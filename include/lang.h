/* lang.h: the page's language (English or French): chosen per request from `lang=en|fr` in the query,
 * else the browser's Accept-Language, else English; the messages through GNU gettext (po/fr.po, built
 * into <bin>/locale by make); the links of a page keeping the choice. */
#ifndef CB_LANG_H
#define CB_LANG_H

#include <stddef.h>
#include <libintl.h>

#include "buf.h"

enum lang { LANG_EN = 0, LANG_FR = 1 };
#define LANG_COUNT 2

/* The gettext domain of every message. */
#define LANG_DOMAIN "citybench"

/* Marks a message: translated in the current request's language (lang_use).  N_() marks a message
 * kept in a table and translated where it is used (with _() or lang_gettext). */
#define _(s) dgettext(LANG_DOMAIN, s)
#define N_(s) (s)
/* Plural forms: ngettext's arguments. */
#define P_(one, many, n) dngettext(LANG_DOMAIN, one, many, n)

/* U+202F NARROW NO-BREAK SPACE: French's space before % : ; ! ? », after «, between thousands. */
#define NNBSP "\xe2\x80\xaf"

/* "en" or "fr". */
const char *lang_code(enum lang l);
/* The language's own name ("English", "Français"). */
const char *lang_name(enum lang l);
/* The value of a lang= parameter: "en" / "fr" (case aside; "fr-CA" and the like count as fr).
 * Returns 0 and sets *l, or -1 for anything else (NULL too). */
int lang_parse(const char *s, enum lang *l);
/* The best of English and French for an Accept-Language header (q-values; q=0 refuses; ties: the
 * first listed); English when neither is acceptable or the header is NULL or malformed. */
enum lang lang_accept(const char *header);

/* Binds the message domain (the .mo files under dir/<code>/LC_MESSAGES, the French locale under
 * dir/fr_FR.UTF-8 or the system's) for this process.  dir NULL: $CITYBENCH_LOCALEDIR, else the
 * directory "locale" beside the running program (a build), else DATADIR/locale (installed).  Returns 0, or -1 when French messages cannot be
 * had (then pages in French show the English messages; a message on stderr). */
int lang_init(const char *dir);
/* Makes gettext answer in l for this thread from now on (a request's language). */
void lang_use(enum lang l);
/* The current language (lang_use's last). */
enum lang lang_current(void);

/* Appends to b what a link adds to keep the language: "" when keep is 0, else "lang=fr" after sep
 * ("?" or "&amp;" as the caller's query needs). */
void lang_qs(struct buf *b, enum lang l, int keep, const char *sep);
/* Rewrites the HTML in b so that every link inside the site keeps the language l: href and action
 * attributes starting with one "/" (not /static/, not already carrying lang=) get lang=CODE in their
 * query (before any #fragment); a GET form gets a hidden lang field.  Returns 0, or -1 when memory
 * ran out (b is then as it was). */
int lang_rewrite_links(struct buf *b, enum lang l);

#endif
