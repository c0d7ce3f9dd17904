/* sections.c: the city profile's statements, written from the table kept beside the questionnaires
 * (sql/surveys/sections.def, included below), and the sentence pieces they are made of.
 *
 * Each row of the table is a kind of statement about one question ("Like 81% of cities surveyed (81
 * of 100), Toronto has dedicated funding ..."), said from the city's answer and the cohort's counts in
 * the model that /cities/{slug}.json serves, so a number on the page is always one of the twin's.  A
 * share is count / cities of the cohort that answered the question (view_share), always written with
 * both counts.  "Not asked in this wave", "asked, not answered" and "No" are told apart in words,
 * never by colour alone.  Every answer said is marked in p->seen, so the page can list the others. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "answer.h"
#include "html.h"
#include "lang.h"
#include "ltext.h"
#include "names.h"
#include "sections.h"
#include "view.h"

/* ---- the table of statements (sql/surveys/sections.def) ---- */

enum step_kind {
	S_FACTS, S_FACT, S_POPULATION, S_PLACE, S_COLUMNS, S_SECTION, S_ASKED, S_TEAMS, S_TEAM, S_END,
	S_H3, S_CHOSEN, S_BY_CITIES, S_INTRO, S_YES_NO, S_SINGLE, S_PHRASE, S_NOTE, S_TEXT, S_COUNT_HEADING,
	S_NEW_OPTIONS, S_OPTIONS_NOTE, S_PARTNERS, S_BY_CITIES_LATEST, S_ASKED_OF
};

#define ANCHOR	1	/* SECTION: id="NAME", a target for links */
#define FOLDED	2	/* BY_CITIES: under <details> */
#define RANKED	4	/* CHOSEN: the order is a rank */

/* One row: its question codes and texts in the order of the macro's arguments (see sections.def). */
struct step {
	enum step_kind kind;
	int flags;
	const char *code[3];
	const char *text[4];
};

static const struct step steps[] = {
#define FACTS()				{ .kind = S_FACTS },
#define FACT(label, c)			{ .kind = S_FACT, .code = { c }, .text = { label } },
#define POPULATION(label, c, year)	{ .kind = S_POPULATION, .code = { c, year }, .text = { label } },
#define PLACE(label)			{ .kind = S_PLACE, .text = { label } },
#define COLUMNS()			{ .kind = S_COLUMNS },
#define SECTION(name, f, toc, heading)	{ .kind = S_SECTION, .flags = f, .text = { name, toc, heading } },
#define ASKED(c, wave)			{ .kind = S_ASKED, .code = { c }, .text = { wave } },
#define TEAMS(what)			{ .kind = S_TEAMS, .text = { what } },
#define TEAM(name, staff, where)	{ .kind = S_TEAM, .code = { name, staff, where } },
#define END()				{ .kind = S_END },
#define H3(t)				{ .kind = S_H3, .text = { t } },
#define CHOSEN(c, f, what)		{ .kind = S_CHOSEN, .flags = f, .code = { c }, .text = { what } },
#define BY_CITIES(c, f, title, col)	{ .kind = S_BY_CITIES, .flags = f, .code = { c }, .text = { title, col } },
#define INTRO(c, t)			{ .kind = S_INTRO, .code = { c }, .text = { t } },
#define YES_NO(c, has, has_not, whether) \
	{ .kind = S_YES_NO, .code = { c }, .text = { has, has_not, whether } },
#define SINGLE(c, what)			{ .kind = S_SINGLE, .code = { c }, .text = { what } },
#define PHRASE(c, option, t)		{ .kind = S_PHRASE, .code = { c, option }, .text = { t } },
#define NOTE(c)				{ .kind = S_NOTE, .code = { c } },
#define TEXT(c)				{ .kind = S_TEXT, .code = { c } },
#define COUNT_HEADING(c, one, many, fallback, what) \
	{ .kind = S_COUNT_HEADING, .code = { c }, .text = { one, many, fallback, what } },
#define NEW_OPTIONS(c, they, it, it_also, it_not) \
	{ .kind = S_NEW_OPTIONS, .code = { c }, .text = { they, it, it_also, it_not } },
#define OPTIONS_NOTE(c)			{ .kind = S_OPTIONS_NOTE, .code = { c } },
#define PARTNERS(c, lead, tail, what)	{ .kind = S_PARTNERS, .code = { c }, .text = { lead, tail, what } },
#define BY_CITIES_LATEST(c, title, col)	{ .kind = S_BY_CITIES_LATEST, .code = { c }, .text = { title, col } },
#define ASKED_OF(c, noun)		{ .kind = S_ASKED_OF, .code = { c }, .text = { noun } },
#include "sections.def"
#undef FACTS
#undef FACT
#undef POPULATION
#undef PLACE
#undef COLUMNS
#undef SECTION
#undef ASKED
#undef TEAMS
#undef TEAM
#undef END
#undef H3
#undef CHOSEN
#undef BY_CITIES
#undef INTRO
#undef YES_NO
#undef SINGLE
#undef PHRASE
#undef NOTE
#undef TEXT
#undef COUNT_HEADING
#undef NEW_OPTIONS
#undef OPTIONS_NOTE
#undef PARTNERS
#undef BY_CITIES_LATEST
#undef ASKED_OF
};

#define NSTEPS (sizeof(steps) / sizeof(steps[0]))

/* The messages of this file looked up once per language and process (issue 18, eighth session): a
 * message is a string literal or a row's text, so its address stands for it, and the catalogues are
 * bound once per process (lang_init), so a language's answer for it never changes.  _() below is
 * still what xgettext reads; a full table falls back to dgettext. */
#define MEMO_SLOTS 1024
static struct {
	const char *id, *text;
} memo[LANG_COUNT][MEMO_SLOTS];
static size_t memo_used[LANG_COUNT];

static const char *
memo_gettext(const char *id)
{
	enum lang l = lang_current() == LANG_FR ? LANG_FR : LANG_EN;
	size_t h = ((size_t)(uintptr_t)id >> 3) * 2654435761u % MEMO_SLOTS;

	while (memo[l][h].id != NULL) {
		if (memo[l][h].id == id)
			return memo[l][h].text;
		h = (h + 1) % MEMO_SLOTS;
	}
	if (memo_used[l] >= MEMO_SLOTS / 2)
		return dgettext(LANG_DOMAIN, id);
	memo[l][h].id = id;
	memo[l][h].text = dgettext(LANG_DOMAIN, id);
	memo_used[l]++;
	return memo[l][h].text;
}
#undef _
#define _(s) memo_gettext(s)

/* html_raw of a string literal without its strlen ("" x "" does not compile for anything else). */
#define RAW(b, lit) buf_append((b), "" lit "", sizeof("" lit "") - 1)

/* A share in a sentence frame: sections_share's arguments. */
struct share {
	const char *code, *opt, *what;
	long long n, d;
};

static void say_frame(struct profile *p, const char *t, long long n, const struct share *sh, const char *what);


static int
streq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

static int
chose(json_t *v, const char *opt)
{
	json_t *o;
	size_t i;

	json_array_foreach(v, i, o)
		if (streq(json_string_value(o), opt))
			return 1;
	return 0;
}

/* Text in a sentence: the label with its first letter lower-cased ("Private firms" -> "private
 * firms"), unless it starts an acronym ("AI ..."). */
static void
label_lc(struct buf *b, const char *s)
{
	char c[2] = { 0, 0 };

	if (s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'a' && s[1] <= 'z') {
		c[0] = (char)(s[0] - 'A' + 'a');
		html_text(b, c);
		html_text(b, s + 1);
	} else {
		html_text(b, s);
	}
}

json_t *
sections_question(const struct profile *p, const char *code)
{
	return answer_question(p->questions, code);
}

/* The city's answer (NULL: not asked in this wave; JSON null: not answered); marks it as shown. */
json_t *
sections_answer(struct profile *p, const char *code)
{
	json_object_set_new(p->seen, code, json_true());
	return json_object_get(p->answers, code);
}

long long
sections_answered(const struct profile *p, const char *code)
{
	return (long long)json_integer_value(json_object_get(json_object_get(p->cohort, code), "answered"));
}

long long
sections_count(const struct profile *p, const char *code, const char *opt)
{
	json_t *q = json_object_get(p->cohort, code);

	return (long long)json_integer_value(json_object_get(json_object_get(q, "counts"), opt));
}

static const char *
noun(const struct profile *p)
{
	return *p->peers ? _("cities in the peer group") : _("cities surveyed");
}

/* The cities a question's shares are over: an ASKED_OF row's ("cities with dedicated funding") for a
 * question the wave asks only of some cities, else the cohort's noun. */
static const char *
base_noun(const struct profile *p, const char *code)
{
	size_t i;

	if (!*p->peers && json_object_get(sections_question(p, code), "asked_if"))
		for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
			if (steps[i].kind == S_ASKED_OF && streq(steps[i].code[0], code))
				return _(steps[i].text[0]);
	return noun(p);
}

void
sections_city(struct profile *p)
{
	html_text(p->b, p->name);
}

void
sections_city_s(struct profile *p)
{
	html_text(p->b, p->name);
	RAW(p->b, "'s");
}

/* The start of a count link up to its answer filter ("<a class=\"count\" href=\"/cities?survey=W&amp;peers=
 * PEERS%3B"), and a question's filter ("answer%3ACODE%3D", "answered%3ACODE"), kept from one link to the
 * next while their inputs are the same (issue 18, eighth session): url_encode encodes byte by byte, so
 * the kept encodings joined are the whole's, as before. */
static struct {
	char *wave, *peers;		/* the inputs of `head` (copies; wave NULL: none) */
	struct buf head;
	char *code;			/* the input of `answer` and `answered` */
	struct buf answer, answered;
} link_memo;

static int
same_str(const char *kept, const char *s)
{
	return kept == NULL ? s == NULL : s != NULL && strcmp(kept, s) == 0;
}

static int
link_head(const char *wave, const char *peers)
{
	struct buf *h = &link_memo.head;

	if (h->data && same_str(link_memo.wave, wave) && same_str(link_memo.peers, peers))
		return 0;
	free(link_memo.wave);
	free(link_memo.peers);
	link_memo.wave = wave ? strdup(wave) : NULL;
	link_memo.peers = strdup(peers);
	buf_reset(h);
	RAW(h, "<a class=\"count\" href=\"/cities?");
	if (wave) {
		RAW(h, "survey=");
		url_encode(h, wave);
		RAW(h, "&amp;");
	}
	RAW(h, "peers=");
	if (*peers) {
		url_encode(h, peers);
		url_encode(h, ";");
	}
	if (h->data == NULL || link_memo.peers == NULL || (wave && link_memo.wave == NULL)) {
		buf_free(h);	/* not kept: the next link tries again */
		return -1;
	}
	return 0;
}

static int
link_code(const char *code)
{
	if (link_memo.code && link_memo.answer.data && link_memo.answered.data && strcmp(link_memo.code, code) == 0)
		return 0;
	free(link_memo.code);
	link_memo.code = strdup(code);
	buf_reset(&link_memo.answer);
	buf_reset(&link_memo.answered);
	url_encode(&link_memo.answer, "answer:");
	url_encode(&link_memo.answer, code);
	url_encode(&link_memo.answer, "=");
	url_encode(&link_memo.answered, "answered:");
	url_encode(&link_memo.answered, code);
	if (link_memo.code == NULL || link_memo.answer.data == NULL || link_memo.answered.data == NULL) {
		free(link_memo.code);
		link_memo.code = NULL;
		return -1;
	}
	return 0;
}

void
sections_count_link(struct profile *p, long long n, const char *code, const char *opt)
{
	const char *peers = p->peers ? p->peers : "";

	/* a list of slugs stands alone: it cannot be joined to an answer filter */
	if (code == NULL || (*peers && strchr(peers, ':') == NULL)) {
		view_int(p->b, n);
		return;
	}
	if (link_head(p->wave, peers) == 0 && link_code(code) == 0) {
		buf_append(p->b, link_memo.head.data, link_memo.head.len);
		if (opt) {
			buf_append(p->b, link_memo.answer.data, link_memo.answer.len);
			url_encode(p->b, opt);
		} else {
			buf_append(p->b, link_memo.answered.data, link_memo.answered.len);
		}
		RAW(p->b, "\">");
		view_int(p->b, n);
		RAW(p->b, "</a>");
		return;
	}
	RAW(p->b, "<a class=\"count\" href=\"/cities?");
	if (p->wave) {
		RAW(p->b, "survey=");
		url_encode(p->b, p->wave);
		RAW(p->b, "&amp;");
	}
	/* the peers expression encoded part by part (url_encode encodes byte by byte, so the parts'
	 * encodings joined are the whole's): "PEERS;answer:CODE=OPT" or "PEERS;answered:CODE" */
	RAW(p->b, "peers=");
	if (*peers) {
		url_encode(p->b, peers);
		url_encode(p->b, ";");
	}
	url_encode(p->b, opt ? "answer:" : "answered:");
	url_encode(p->b, code);
	if (opt) {
		url_encode(p->b, "=");
		url_encode(p->b, opt);
	}
	RAW(p->b, "\">");
	view_int(p->b, n);
	RAW(p->b, "</a>");
}

/* "81% of cities surveyed (81 of 100)", each count a link to its cities */
void
sections_share(struct profile *p, const char *code, const char *opt, long long n, long long d,
    const char *what)
{
	/* TRANSLATORS: "81% of cities surveyed (81 of 100)": {pct} the share, {what} the cities, {n} of {d} */
	const char *t = what && strcmp(what, "them") == 0 ? _("{pct} of them ({n} of {d})") :
	    _("{pct} of {what} ({n} of {d})"), *s;

	while ((s = strchr(t, '{')) != NULL) {
		buf_append(p->b, t, (size_t)(s - t));
		if (s[1] == 'p' && strncmp(s, "{pct}", 5) == 0) {
			RAW(p->b, "<strong>");
			view_percent(p->b, view_share(n, d), 0);
			RAW(p->b, "</strong>");
			t = s + 5;
		} else if (s[1] == 'w' && strncmp(s, "{what}", 6) == 0) {
			html_text(p->b, what ? what : noun(p));
			t = s + 6;
		} else if (s[1] == 'n' && strncmp(s, "{n}", 3) == 0) {
			sections_count_link(p, n, code, opt);
			t = s + 3;
		} else if (s[1] == 'd' && strncmp(s, "{d}", 3) == 0) {
			sections_count_link(p, d, code, NULL);
			t = s + 3;
		} else {
			buf_putc(p->b, '{');
			t = s + 1;
		}
	}
	html_raw(p->b, t);
}

/* What stands where an answer is missing: not asked in this wave, or asked and not answered ("X did
 * not answer <what>"). */
static void
missing(struct profile *p, json_t *v, const char *what)
{
	if (v == NULL) {
		RAW(p->b, "<p>");
		say_frame(p, _("<span class=\"not-asked\">— not asked</span> in the {what} wave."), 0, NULL,
		    p->wave);
		RAW(p->b, "</p>\n");
		return;
	}
	RAW(p->b, "<p>");
	say_frame(p, _("<span class=\"unanswered\">(no answer)</span> {city} did not answer {what}."), 0, NULL,
	    what ? what : _("this question"));
	RAW(p->b, "</p>\n");
}

/* A text of the table: {city}, {city's} and {n} filled in, the rest written as it is. */
static void
say(struct profile *p, const char *t, long long n)
{
	say_frame(p, t, n, NULL, NULL);
}

/* 1 when the name starts with a vowel sound French elides before ("d'Ottawa", "d'Helsinki" aside). */
static int
elides(const char *s)
{
	static const char *const v[] = { "A", "E", "I", "O", "U", "Y", "É", "È", "Ê", "Î", "Ô", "Â", "a", "e",
	    "i", "o", "u", "é" };
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		if (strncmp(s, v[i], strlen(v[i])) == 0)
			return 1;
	return 0;
}

/* A sentence frame (a message per language, with its own word order): {city}, {city's}, {de_city}
 * (French "de Toronto", "d'Ottawa"), {n}, {share} (sections_share of sh) and {what} (escaped). */
static void
say_frame(struct profile *p, const char *t, long long n, const struct share *sh, const char *what)
{
	const char *s;

	while ((s = strchr(t, '{')) != NULL) {
		buf_append(p->b, t, (size_t)(s - t));
		if (s[1] == 'd' && strncmp(s, "{de_city}", 9) == 0) {
			html_raw(p->b, p->name && elides(p->name) ? "d'" : "de ");
			sections_city(p);
			t = s + 9;
		} else if (s[1] == 'd' && strncmp(s, "{d}", 3) == 0 && sh) {
			sections_count_link(p, sh->d, sh->code, NULL);
			t = s + 3;
		} else if (s[1] == 'n' && strncmp(s, "{noun}", 6) == 0) {
			html_text(p->b, noun(p));
			t = s + 6;
		} else if (s[1] == 's' && strncmp(s, "{size}", 6) == 0) {
			view_int(p->b, p->size);
			t = s + 6;
		} else if (s[1] == 's' && strncmp(s, "{share}", 7) == 0 && sh) {
			sections_share(p, sh->code, sh->opt, sh->n, sh->d, sh->what);
			t = s + 7;
		} else if (s[1] == 'w' && strncmp(s, "{what}", 6) == 0 && what) {
			html_text(p->b, what);
			t = s + 6;
		} else if (s[1] == 'c' && strncmp(s, "{city}", 6) == 0) {
			sections_city(p);
			t = s + 6;
		} else if (s[1] == 'c' && strncmp(s, "{city's}", 8) == 0) {
			sections_city_s(p);
			t = s + 8;
		} else if (s[1] == 'n' && strncmp(s, "{n}", 3) == 0) {
			view_int(p->b, n);
			t = s + 3;
		} else {
			buf_putc(p->b, '{');
			t = s + 1;
		}
	}
	html_raw(p->b, t);
}

/* How option `opt` of question `code` reads in a sentence (a PHRASE row), or NULL. */
static const char *
phrase_of(const char *code, const char *opt)
{
	size_t i;

	for (i = 0; i < NSTEPS; i++)
		if (steps[i].kind == S_PHRASE && streq(steps[i].code[0], code) && streq(steps[i].code[1], opt))
			return _(steps[i].text[0]);
	return NULL;
}

/* The chosen options as words in a sentence: "a", "a and b", "a, b, and c". */
static void
and_list(struct profile *p, const char *qcode, json_t *q, json_t *v)
{
	size_t i, n = json_array_size(v);
	json_t *o;

	json_array_foreach(v, i, o) {
		const char *code = json_string_value(o), *ph = phrase_of(qcode, code);
		if (i > 0)
			/* TRANSLATORS: the last link of a list of three or more: English's serial comma */
			html_raw(p->b, n == 2 ? _(" and ") : i == n - 1 ? _(", and ") : ", ");
		if (ph)
			html_text(p->b, ph);
		else
			label_lc(p->b, answer_option_label(q, code));
	}
}

/* The options the city chose, each beside how many cities of the cohort chose it. */
static void
chosen_list(struct profile *p, const char *code, int ranked, const char *what)
{
	json_t *q = sections_question(p, code), *v = sections_answer(p, code), *o;
	long long d = sections_answered(p, code);
	size_t i;

	if (!json_is_array(v)) {
		missing(p, v, what);
		return;
	}
	if (json_array_size(v) == 0) {
		RAW(p->b, "<p>");
		html_text(p->b, _("None of the options."));
		RAW(p->b, "</p>\n");
		return;
	}
	html_raw(p->b, ranked ? "<ol class=\"chosen ranked\">\n" : "<ul class=\"chosen\">\n");
	json_array_foreach(v, i, o) {
		const char *opt = json_string_value(o), *label = opt ? opt : "";
		json_t *opts = json_object_get(q, "options"), *oo;
		size_t first = json_array_size(opts), j;
		int unique;

		/* options indexed by code (issue 18, ninth session): when the question's codes are distinct,
		 * the option found is the only one with its label and help */
		oo = answer_option(q, opt, &unique);
		if (unique) {
			RAW(p->b, "<li>");
			html_text(p->b, oo ? view_str(oo, "label") : label);
			if (oo && *view_str(oo, "help")) {
				RAW(p->b, " <span class=\"option-help\">");
				html_text(p->b, view_str(oo, "help"));
				RAW(p->b, "</span>");
			}
			goto said;
		}
		/* answer_option_label and option_help in one pass (issue 18, eighth session): the label of the
		 * first option with the code (else the code), then the help of each from there */
		for (j = 0; opt && j < first; j++)
			if (streq(view_str(json_array_get(opts, j), "code"), opt)) {
				label = view_str(json_array_get(opts, j), "label");
				first = j;
				break;
			}
		RAW(p->b, "<li>");
		html_text(p->b, label);
		for (j = first; j < json_array_size(opts); j++) {
			oo = json_array_get(opts, j);
			if (streq(view_str(oo, "code"), opt) && *view_str(oo, "help")) {
				RAW(p->b, " <span class=\"option-help\">");
				html_text(p->b, view_str(oo, "help"));
				RAW(p->b, "</span>");
			}
		}
said:
		if (d > 0) {
			struct share sh = { code, opt, NULL, sections_count(p, code, opt), d };
			RAW(p->b, " <span class=\"cohort\">");
			/* TRANSLATORS: after an option the city chose: "— like 79% of cities surveyed (79 of 100)" */
			say_frame(p, _("— like {share}"), 0, &sh, NULL);
			RAW(p->b, "</span>");
		}
		RAW(p->b, "</li>\n");
	}
	html_raw(p->b, ranked ? "</ol>\n" : "</ul>\n");
}

/* A bar for a percentage: decoration beside the number, hidden from assistive technology. */
static void
bar(struct buf *b, int pct)
{
	char digits[16];
	size_t k = sizeof(digits);
	unsigned u = pct < 0 ? 0u - (unsigned)pct : (unsigned)pct;

	/* "%d" written here rather than by printf (issue 18, eighth session): the same text */
	do {
		digits[--k] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (pct < 0)
		digits[--k] = '-';
	html_raw(b, "<svg class=\"bar\" width=\"100\" height=\"10\" viewBox=\"0 0 100 10\" "
	    "aria-hidden=\"true\" focusable=\"false\"><rect class=\"track\" x=\"0\" y=\"0\" width=\"100\" "
	    "height=\"10\"/><rect class=\"fill\" x=\"0\" y=\"0\" width=\"");
	buf_append(b, digits + k, sizeof(digits) - k);
	RAW(b, "\" height=\"10\"/></svg>");
}

/* Every option of a multi-choice question with how many cities of the cohort chose it, the city's own
 * marked: "Policy areas by number of cities". */
static void
by_cities(struct profile *p, const char *code, const char *title, const char *col, int folded)
{
	json_t *q = sections_question(p, code), *v = json_object_get(p->answers, code), *o;
	json_t *counts = json_object_get(json_object_get(p->cohort, code), "counts");
	long long d = sections_answered(p, code);
	size_t i;

	if (q == NULL)
		return;
	if (folded) {
		RAW(p->b, "<details class=\"by-cities\"><summary>");
		html_text(p->b, title);
		RAW(p->b, "</summary>\n");
	} else {
		RAW(p->b, "<h3>");
		html_text(p->b, title);
		RAW(p->b, "</h3>\n");
	}
	if (d == 0) {
		RAW(p->b, "<p>");
		html_text(p->b, _("No city in the cohort answered this question."));
		RAW(p->b, "</p>\n");
		goto out;
	}
	/* The heading (or summary) shows the title: the caption repeats it for screen readers only. */
	RAW(p->b, "<div class=\"table-scroll\" tabindex=\"0\" role=\"region\" aria-label=\"");
	html_attr(p->b, _("Answers by number of cities, scrolls sideways"));
	RAW(p->b, "\"><table class=\"data by-cities\"><caption><span class=\"visually-hidden\">");
	html_text(p->b, title);
	RAW(p->b, ": </span><span class=\"note\">");
	{
		struct share sh = { code, NULL, NULL, d, d };
		/* "70 of the 89 cities surveyed": the wave's cities, not only those that answered */
		int all = p->size > d && !*p->peers;

		/* {share} is here the count of those that answered, a link; {what} the wave */
		say_frame(p, all ? _("Of the {d} {noun} that answered, of the {size} cities surveyed in {what}; a city "
		    "may choose several.") : _("Of the {d} {noun} that answered; a city may choose several."), 0, &sh,
		    p->wave);
	}
	RAW(p->b, "</span></caption>\n<thead><tr><th scope=\"col\">");
	html_text(p->b, col);
	RAW(p->b, "</th><th scope=\"col\" class=\"num\">");
	html_text(p->b, _("Cities"));
	RAW(p->b, "</th><th scope=\"col\" class=\"num\">");
	html_text(p->b, _("Share"));
	RAW(p->b, "</th>");
	if (json_is_array(v)) {
		RAW(p->b, "<th scope=\"col\">");
		say(p, _("Chosen by {city}"), 0);
		RAW(p->b, "</th>");
	}
	RAW(p->b, "</tr></thead>\n<tbody>\n");
	json_array_foreach(json_object_get(q, "options"), i, o) {
		const char *opt = view_str(o, "code");
		long long n = (long long)json_integer_value(json_object_get(counts, opt));	/* sections_count */
		int mine = json_is_array(v) && chose(v, opt), pct = view_share(n, d);

		html_raw(p->b, mine ? "<tr class=\"mine\"><th scope=\"row\">" : "<tr><th scope=\"row\">");
		html_text(p->b, view_str(o, "label"));
		RAW(p->b, "</th><td class=\"num\">");
		sections_count_link(p, n, code, opt);
		RAW(p->b, "</td><td class=\"num\">");
		view_percent(p->b, pct, 0);
		RAW(p->b, " ");
		bar(p->b, pct);
		RAW(p->b, "</td>");
		if (json_is_array(v))
		{
			html_raw(p->b, mine ? "<td><span class=\"yes\">" : "<td><span class=\"not-chosen\">");
			html_text(p->b, mine ? _("Yes") : _("No"));
			RAW(p->b, "</span></td>");
		}
		RAW(p->b, "</tr>\n");
	}
	RAW(p->b, "</tbody></table></div>\n");
out:
	if (folded)
		RAW(p->b, "</details>\n");
}

/* The label of an option in this wave's questionnaire, else in another wave's (and that wave). */
static const char *
any_label(const struct profile *p, const char *code, const char *opt, const char **only_in)
{
	json_t *oq, *o;
	const char *w;
	size_t i;

	*only_in = NULL;
	json_array_foreach(json_object_get(sections_question(p, code), "options"), i, o)
		if (streq(view_str(o, "code"), opt))
			return view_str(o, "label");
	json_object_foreach(p->others, w, oq)
		json_array_foreach(json_object_get(answer_question(oq, code), "options"), i, o)
			if (streq(view_str(o, "code"), opt)) {
				*only_in = w;
				return view_str(o, "label");
			}
	return opt;
}

/* The wave after `after` (in id order) that has a questionnaire here, or NULL. */
static const char *
next_wave(const struct profile *p, const char *after)
{
	const char *best = NULL, *w;
	json_t *oq;

	if (strcmp(p->wave, after) > 0)
		best = p->wave;
	json_object_foreach(p->others, w, oq)
		if (strcmp(w, after) > 0 && (best == NULL || strcmp(w, best) < 0))
			best = w;
	return best;
}

static json_t *
wave_question(const struct profile *p, const char *wave, const char *code)
{
	if (streq(wave, p->wave))
		return sections_question(p, code);
	return answer_question(json_object_get(p->others, wave), code);
}

/* A BY_CITIES_LATEST row: every option of a question whose options changed between waves, with how
 * many cities chose it, over every city surveyed, each at its latest answer to the question (the
 * model's "latest", latest.c): "47 cities: Launching or sustaining a project (2018 only)". */
static void
by_cities_latest(struct profile *p, const char *code, const char *title, const char *col)
{
	json_t *l = json_object_get(json_object_get(p->model, "latest"), code), *n;
	json_t *v = json_object_get(p->answers, code), *o, *said;
	const char *opt, *w, *only, *last;
	size_t i, k = 0, nw = json_object_size(json_object_get(l, "waves"));

	if (l == NULL || sections_question(p, code) == NULL)
		return;
	said = json_object();
	RAW(p->b, "<h3>");
	html_text(p->b, title);
	html_raw(p->b, "</h3>\n<div class=\"table-scroll\" tabindex=\"0\" role=\"region\" "
	    "aria-label=\"");
	html_attr(p->b, _("Answers over every city surveyed, scrolls sideways"));
	RAW(p->b, "\"><table class=\"data by-cities latest\"><caption><span class=\"visually-hidden\">");
	html_text(p->b, title);
	html_raw(p->b, lang_current() == LANG_FR ? NNBSP ": </span><span class=\"note\">" : ": </span><span class=\"note\">");
	{
		struct buf cnt = BUF_INIT, per = BUF_INIT, num = BUF_INIT;
		long long answered = (long long)json_integer_value(json_object_get(l, "answered"));

		view_int(&cnt, answered);
		json_object_foreach(json_object_get(l, "waves"), w, n) {
			html_raw(&per, k == 0 ? "" : k + 1 == nw ? _(" and ") : ", ");
			buf_reset(&num);
			view_int(&num, json_integer_value(n));
			/* TRANSLATORS: {1} cities at their answer of the {2} wave */
			ltext(&per, _("{1} at their {2} answer"), 1, num.data ? num.data : "", w, NULL, NULL);
			k++;
		}
		/* TRANSLATORS: {1} the number of cities, {2} how many at each wave's answer */
		ltext(p->b, P_("Over every city surveyed in any wave, each at its latest answer to this question, a city "
		    "counted once: {1} city ({2}); not limited to a peer group. A city may choose several.",
		    "Over every city surveyed in any wave, each at its latest answer to this question, a city "
		    "counted once: {1} cities ({2}); not limited to a peer group. A city may choose several.",
		    (unsigned long)answered), 3, cnt.data ? cnt.data : "", per.data ? per.data : "", NULL, NULL);
		buf_free(&cnt);
		buf_free(&per);
		buf_free(&num);
	}
	RAW(p->b, "</span></caption>\n<thead><tr><th scope=\"col\" class=\"num\">");
	html_text(p->b, _("Cities"));
	RAW(p->b, "</th><th scope=\"col\">");
	html_text(p->b, col);
	RAW(p->b, "</th></tr></thead>\n<tbody>\n");
	/* the options in the questionnaires' order, the earliest wave's first */
	for (last = ""; (w = next_wave(p, last)) != NULL; last = w)
	json_array_foreach(json_object_get(wave_question(p, w, code), "options"), i, o) {
		const char *label;
		int mine;

		opt = view_str(o, "code");
		if ((n = json_object_get(json_object_get(l, "counts"), opt)) == NULL ||
		    json_object_get(said, opt))
			continue;
		json_object_set_new(said, opt, json_true());
		label = any_label(p, code, opt, &only);
		mine = json_is_array(v) && chose(v, opt);

		html_raw(p->b, mine ? "<tr class=\"mine\"><td class=\"num\">" : "<tr><td class=\"num\">");
		{
			struct buf num = BUF_INIT;
			view_int(&num, json_integer_value(n));
			/* TRANSLATORS: a count of cities in a table cell */
			ltext(p->b, P_("{1} city", "{1} cities", (unsigned long)json_integer_value(n)), 1,
			    num.data ? num.data : "", NULL, NULL, NULL);
			buf_free(&num);
		}
		RAW(p->b, "</td><th scope=\"row\">");
		html_text(p->b, label);
		if (only) {
			RAW(p->b, " <span class=\"note\">");
			/* TRANSLATORS: {1} a wave */
			ltext(p->b, _("(an option in {1} only)"), 0, only, NULL, NULL, NULL);
			RAW(p->b, "</span>");
		}
		RAW(p->b, "</th></tr>\n");
	}
	RAW(p->b, "</tbody></table></div>\n");
	json_decref(said);
}

/* A YES_NO row.  Yes: "Like 81% of cities surveyed (81 of 100), X has ...".  No: "Along with 50% ...
 * (50 of 100), X does not have ..." when at least half the cohort said no as well, else "Unlike 81%
 * ..., X has no ..." (the share of the cities that said yes).  Unanswered: what the cohort said.  A
 * row without its phrases (has NULL) quotes the question instead. */
static void
yes_no(struct profile *p, const struct step *y)
{
	const char *code = y->code[0], *has = y->text[0], *has_not = y->text[1], *whether = y->text[2];
	json_t *v = sections_answer(p, code), *q = sections_question(p, code);
	long long d = sections_answered(p, code), yes = sections_count(p, code, "yes"), no = sections_count(p, code, "no");

	if (v == NULL || json_is_null(v)) {
		missing(p, v, has ? whether : NULL);
		if (v && d > 0) {
			struct share sh = { code, "yes", "them", yes, d };
			RAW(p->b, "<p class=\"cohort\">");
			say_frame(p, _("Of the {what} that answered, {share} said yes."), 0, &sh, base_noun(p, code));
			RAW(p->b, "</p>\n");
		}
		return;
	}
	RAW(p->b, "<p class=\"statement\">");
	if (d == 0) {
		say(p, json_is_true(v) ? _("{city} answered yes; no other city in the cohort answered.") :
		    _("{city} answered no; no other city in the cohort answered."), 0);
	} else if (json_is_true(v)) {
		struct share sh = { code, "yes", base_noun(p, code), yes, d };
		/* TRANSLATORS: "Like 81% of cities surveyed (81 of 100), Toronto has dedicated funding …" */
		say_frame(p, has ? _("Like {share}, {city} {what}.") : _("Like {share}, {city} answered yes to “{what}”."),
		    0, &sh, has ? has : view_str(q, "text"));
	} else {
		int along = 2 * no >= d;
		struct share sh = { code, along ? "no" : "yes", base_noun(p, code), along ? no : yes, d };
		if (along)
			say_frame(p, has ? _("Along with {share}, {city} {what}.") :
			    _("Along with {share}, {city} answered no to “{what}”."), 0, &sh, has ? has_not : view_str(q, "text"));
		else
			say_frame(p, has ? _("Unlike {share}, {city} {what}.") :
			    _("Unlike {share}, {city} answered no to “{what}”."), 0, &sh, has ? has_not : view_str(q, "text"));
	}
	RAW(p->b, "</p>\n");
}

/* A single-choice answer beside the share of the cohort that gave the same one, said with its PHRASE
 * (else quoting the question and the option). */
static void
single(struct profile *p, const char *code, const char *what)
{
	json_t *v = sections_answer(p, code), *q = sections_question(p, code);
	const char *opt = json_string_value(v), *ph = phrase_of(code, opt);
	long long d = sections_answered(p, code);

	if (opt == NULL) {
		missing(p, v, what);
		return;
	}
	RAW(p->b, "<p class=\"statement\">");
	if (ph) {
		struct share sh = { code, opt, NULL, sections_count(p, code, opt), d };
		say_frame(p, d > 0 ? _("Similar to {share}, {city} {what}.") : _("{city} {what}."), 0, &sh, ph);
	} else {
		if (d > 0) {
			struct share sh = { code, opt, NULL, sections_count(p, code, opt), d };
			say_frame(p, _("Similar to {share}, "), 0, &sh, NULL);
		}
		say_frame(p, _("{city} answered “{what}”"), 0, NULL, answer_option_label(q, opt));
		say_frame(p, _(" to “{what}”."), 0, NULL, view_str(q, "text"));
	}
	RAW(p->b, "</p>\n");
}

static void
text_block(struct profile *p, const char *code)
{
	json_t *v = sections_answer(p, code);

	if (json_is_string(v)) {
		RAW(p->b, "<p class=\"text\">");
		answer_free_text(p->b, json_string_value(v), view_str(p->city, "lang"));
		RAW(p->b, "</p>\n");
	}
}

static void
fact(struct profile *p, const char *label, const char *code)
{
	json_t *v = sections_answer(p, code);

	RAW(p->b, "<div><dt>");
	html_text(p->b, label);
	RAW(p->b, "</dt><dd>");
	if (json_is_string(v) && !streq(view_str(sections_question(p, code), "type"), "url"))
		answer_free_text(p->b, json_string_value(v), view_str(p->city, "lang"));
	else
		answer_html_lang(p->b, sections_question(p, code), v, v != NULL, view_str(p->city, "lang"));
	RAW(p->b, "</dd></div>\n");
}

/* The population: the city's (its answer in this wave, else the registered one, as city.c sets it),
 * with the year of the count. */
static void
population(struct profile *p, const char *label, const char *code, const char *year_code)
{
	json_t *pop = json_object_get(p->city, "population"), *year = sections_answer(p, year_code);

	sections_answer(p, code);
	RAW(p->b, "<div><dt>");
	html_text(p->b, label);
	RAW(p->b, "</dt><dd>");
	if (json_is_integer(pop)) {
		view_int(p->b, (long long)json_integer_value(pop));
		if (json_is_integer(year))
			buf_printf(p->b, " (%lld)", (long long)json_integer_value(year));
	} else {
		RAW(p->b, "<span class=\"unanswered\">(no answer)</span>");
	}
	RAW(p->b, "</dd></div>\n");
}

/* Country and region, as the city is registered. */
static void
place(struct profile *p, const char *label)
{
	RAW(p->b, "<div><dt>");
	html_text(p->b, label);
	RAW(p->b, "</dt><dd>");
	view_country(p->b, view_str(p->city, "country"));	/* "Canada (CA)" */
	RAW(p->b, ", ");
	html_text(p->b, names_region(view_str(p->city, "region")));
	RAW(p->b, "</dd></div>\n");
}

/* A place named in a sentence: "the City Manager's Office", unless it has its article already. */
static void
the(struct buf *b, const char *place, const char *lang)
{
	if (strncasecmp(place, "the ", 4) != 0 && strncmp(place, "a ", 2) != 0 && strncmp(place, "an ", 3) != 0)
		RAW(b, "the ");
	answer_free_text(b, place, lang);
}

/* A team working on innovation (a TEAM row), as the published profile words it: the first named team
 * opens the paragraph, the others follow it. */
static void
team(struct profile *p, const struct step *t)
{
	json_t *name = sections_answer(p, t->code[0]), *staff = sections_answer(p, t->code[1]), *where = sections_answer(p, t->code[2]);
	int named = p->teams_named;

	if (p->team_code == NULL)
		p->team_code = t->code[0];
	if (!json_is_string(name) || *json_string_value(name) == '\0')
		return;
	html_raw(p->b, named ? " " : "<p class=\"teams\">");
	if (lang_current() != LANG_EN) {
		/* issue 20: a sentence per case and language; the English below keeps its own wording */
		struct buf tn = BUF_INIT, wh = BUF_INIT, st = BUF_INIT;
		long long n = json_is_integer(staff) ? (long long)json_integer_value(staff) : 0;
		const char *tm;

		answer_free_text(&tn, json_string_value(name), view_str(p->city, "lang"));
		if (json_is_string(where))
			answer_free_text(&wh, json_string_value(where), view_str(p->city, "lang"));
		view_int(&st, n);
		/* TRANSLATORS: a city's team: {1} its name, {2} the city, {3} where it sits, {4} its staff */
		if (!named)
			tm = !json_is_integer(staff) ? (json_is_string(where) ?
			    _("Situated in {3}, {2}'s {1} works on innovation (its number of staff was not given).") :
			    _("{2}'s {1} works on innovation (its number of staff was not given).")) :
			    json_is_string(where) ? P_("Situated in {3}, {2}'s {1} consists of {4} staff.",
			    "Situated in {3}, {2}'s {1} consists of {4} staff.", (unsigned long)n) :
			    P_("{2}'s {1} consists of {4} staff.", "{2}'s {1} consists of {4} staff.", (unsigned long)n);
		else
			tm = !json_is_integer(staff) ? (json_is_string(where) ?
			    _("{2}'s {1}, situated in {3}, is also working on innovation in the city.") :
			    _("{2}'s {1} is also working on innovation in the city.")) :
			    json_is_string(where) ? P_("{2}'s {1}, made up of {4} staff, situated in {3}, is also working on "
			    "innovation in the city.", "{2}'s {1}, made up of {4} staff, situated in {3}, is also working on "
			    "innovation in the city.", (unsigned long)n) :
			    P_("{2}'s {1}, made up of {4} staff, is also working on innovation in the city.",
			    "{2}'s {1}, made up of {4} staff, is also working on innovation in the city.", (unsigned long)n);
		ltext(p->b, tm, 0xd, tn.data ? tn.data : "", p->name, wh.data ? wh.data : "", st.data ? st.data : "");
		buf_free(&tn);
		buf_free(&wh);
		buf_free(&st);
		p->teams_named++;
		return;
	}
	if (!named) {
		if (json_is_string(where)) {
			RAW(p->b, "Situated in ");
			the(p->b, json_string_value(where), view_str(p->city, "lang"));
			RAW(p->b, ", ");
		}
		sections_city_s(p);
		RAW(p->b, " ");
		answer_free_text(p->b, json_string_value(name), view_str(p->city, "lang"));
		if (json_is_integer(staff))
			buf_printf(p->b, " consists of %lld staff.", (long long)json_integer_value(staff));
		else
			RAW(p->b, " works on innovation (its number of staff was not given).");
	} else {
		sections_city_s(p);
		RAW(p->b, " ");
		answer_free_text(p->b, json_string_value(name), view_str(p->city, "lang"));
		if (json_is_integer(staff))
			buf_printf(p->b, ", made up of %lld staff,", (long long)json_integer_value(staff));
		if (json_is_string(where)) {
			html_raw(p->b, json_is_integer(staff) ? " situated in " : ", situated in ");
			the(p->b, json_string_value(where), view_str(p->city, "lang"));
			RAW(p->b, ",");
		}
		RAW(p->b, " is also working on innovation in the city.");
	}
	p->teams_named++;
}

/* The end of a TEAMS block: its paragraph closed, or, when no team was named in a wave that asks for
 * them, that the city did not say. */
static void
teams_end(struct profile *p, const char *what)
{
	if (p->teams_named)
		RAW(p->b, "</p>\n");
	else if (p->team_code && json_object_get(p->answers, p->team_code))
		missing(p, json_null(), what);
}

/* A PARTNERS row: "X has developed partnerships to promote innovation capacity with a, b, and c." */
static void
partners(struct profile *p, const char *code, const char *lead, const char *tail, const char *what)
{
	json_t *v = sections_answer(p, code), *q = sections_question(p, code);

	if (!json_is_array(v)) {
		missing(p, v, what);
		return;
	}
	RAW(p->b, "<p class=\"statement\">");
	say(p, lead, 0);
	if (json_array_size(v) == 0) {
		RAW(p->b, " ");
		html_text(p->b, _("none of the kinds of partner the survey names."));
		RAW(p->b, "</p>\n");
		return;
	}
	RAW(p->b, " ");
	and_list(p, code, q, v);
	html_raw(p->b, tail);
	RAW(p->b, "</p>\n");
}

/* The options of this wave's question that another wave lacks, and the other way round:
 * "'Training staff ...' is not an option in the 2018 survey, while ...".  Returns 1 if it wrote. */
static int
wave_only_note(struct profile *p, const char *code)
{
	json_t *q = sections_question(p, code), *oq, *o;
	const char *w;
	size_t i;
	int n = 0;

	json_object_foreach(p->others, w, oq) {
		json_t *other = answer_question(oq, code);
		if (other == NULL)
			continue;
		json_array_foreach(json_object_get(q, "options"), i, o) {
			if (answer_has_option(other, view_str(o, "code")))
				continue;
			html_raw(p->b, n++ ? _(", while “") : "<p class=\"footnote\" id=\"fn-options\">* “");
			html_text(p->b, view_str(o, "label"));
			RAW(p->b, "” ");
			say_frame(p, _("is not an option in the {what} survey"), 0, NULL, w);
		}
		json_array_foreach(json_object_get(other, "options"), i, o) {
			if (answer_has_option(q, view_str(o, "code")))
				continue;
			html_raw(p->b, n++ ? _(", while “") : "<p class=\"footnote\" id=\"fn-options\">* “");
			html_text(p->b, view_str(o, "label"));
			RAW(p->b, "” ");
			say_frame(p, _("is not an option in the {what} survey"), 0, NULL, p->wave);
		}
	}
	if (n)
		RAW(p->b, ".</p>\n");
	return n;
}

/* Does another wave's questionnaire have this option of this question? */
static int
elsewhere(const struct profile *p, const char *code, const char *opt)
{
	json_t *oq;
	const char *w;

	json_object_foreach(p->others, w, oq) {
		json_t *other = answer_question(oq, code);
		if (other && !answer_has_option(other, opt))
			return 0;
	}
	return 1;
}

/* A NEW_OPTIONS row: "Similar to 61% of participating cities (61 of 100), Toronto's funding for
 * innovation capacity is also directed towards training staff and building capacity*", said of the
 * options only this wave offers, which the published profile singles out. */
static void
new_options(struct profile *p, const struct step *s)
{
	const char *code = s->code[0], *they = s->text[0], *it = s->text[1], *it_also = s->text[2];
	const char *it_not = s->text[3];
	json_t *q = sections_question(p, code), *v = json_object_get(p->answers, code), *o;
	long long d = sections_answered(p, code);
	const char *noun_ = *p->peers ? _("cities in the peer group") : _("participating cities");
	size_t i;

	if (q == NULL || d == 0)
		return;
	json_array_foreach(json_object_get(q, "options"), i, o) {
		const char *opt = view_str(o, "code");
		long long n = sections_count(p, code, opt);
		if (elsewhere(p, code, opt))
			continue;
		struct share sh = { code, opt, noun_, n, d };
		RAW(p->b, "<p class=\"statement\">");
		/* the row's text is a frame too: {city's}/{de_city} where the language puts the city */
		if (!json_is_array(v)) {
			say_frame(p, "{share} ", 0, &sh, NULL);
			say(p, they, 0);
		} else if (chose(v, opt)) {
			say_frame(p, _("Similar to {share}, "), 0, &sh, NULL);
			say(p, json_array_size(v) > 1 ? it_also : it, 0);
		} else {
			say_frame(p, _("Unlike {share}, "), 0, &sh, NULL);
			say(p, it_not, 0);
		}
		RAW(p->b, " ");
		label_lc(p->b, view_str(o, "label"));
		RAW(p->b, "<a href=\"#fn-options\" class=\"fn\" aria-label=\"about this option\">*</a>.");
		RAW(p->b, "</p>\n");
	}
}

/* ---- the table, written ---- */

/* Whether the wave asks the question (an ASKED block): the model then holds its answer (null when
 * unanswered) and its question. */
static int
asked(const struct profile *p, const char *code)
{
	return json_object_get(p->answers, code) != NULL || sections_question(p, code) != NULL;
}

static void
block_open(struct profile *p, const struct step *s)
{
	switch (s->kind) {
	case S_FACTS:
		RAW(p->b, "<dl class=\"facts\">\n");
		break;
	case S_COLUMNS:
		RAW(p->b, "<div class=\"columns\">\n");
		break;
	case S_SECTION:
		RAW(p->b, "<section");
		if (s->flags & ANCHOR) {
			RAW(p->b, " id=\"");
			html_raw(p->b, s->text[0]);
			RAW(p->b, "\"");
		}
		RAW(p->b, " aria-labelledby=\"h-");
		html_raw(p->b, s->text[0]);
		RAW(p->b, "\"><h2 id=\"h-");
		html_raw(p->b, s->text[0]);
		RAW(p->b, "\">");
		if (s->text[2]) {
			say(p, s->text[2], 0);
			RAW(p->b, "</h2>\n");
		}
		break;
	case S_TEAMS:
		p->teams_named = 0;
		p->team_code = NULL;
		break;
	default:
		break;
	}
}

static void
block_close(struct profile *p, const struct step *s)
{
	switch (s->kind) {
	case S_FACTS:
		RAW(p->b, "</dl>\n");
		break;
	case S_COLUMNS:
		RAW(p->b, "</div>\n");
		break;
	case S_SECTION:
		/* the way back to the list of sections, in the flow: it covers nothing (issue 15) */
		RAW(p->b, "<p class=\"to-toc\"><a href=\"#on-this-page\">");
		html_text(p->b, _("Back to the sections"));
		RAW(p->b, "</a></p>\n</section>\n");
		break;
	case S_TEAMS:
		teams_end(p, s->text[0]);
		break;
	default:
		break;
	}
}

/* A heading from a count: "Toronto utilizes 12 different innovation skills or roles", else the
 * fallback heading and what stands where the count is missing. */
static void
count_heading(struct profile *p, const struct step *s)
{
	json_t *n = sections_answer(p, s->code[0]);

	if (json_is_integer(n))
		say(p, json_integer_value(n) == 1 ? s->text[0] : s->text[1], (long long)json_integer_value(n));
	else
		html_raw(p->b, s->text[2]);
	RAW(p->b, "</h2>\n");
	if (!json_is_integer(n))
		missing(p, n, s->text[3]);
}

static void
statement(struct profile *p, const struct step *s)
{
	const char *code = s->code[0];

	switch (s->kind) {
	case S_FACT:
		fact(p, s->text[0], code);
		break;
	case S_POPULATION:
		population(p, s->text[0], code, s->code[1]);
		break;
	case S_PLACE:
		place(p, s->text[0]);
		break;
	case S_TEAM:
		team(p, s);
		break;
	case S_H3:
		RAW(p->b, "<h3>");
		say(p, s->text[0], 0);
		RAW(p->b, "</h3>\n");
		break;
	case S_CHOSEN:
		chosen_list(p, code, (s->flags & RANKED) != 0, s->text[0]);
		break;
	case S_BY_CITIES:
		by_cities(p, code, s->text[0], s->text[1], (s->flags & FOLDED) != 0);
		break;
	case S_INTRO:
		if (json_is_array(json_object_get(p->answers, code))) {
			RAW(p->b, "<p>");
			html_raw(p->b, s->text[0]);
			RAW(p->b, "</p>\n");
		}
		break;
	case S_YES_NO:
		yes_no(p, s);
		break;
	case S_SINGLE:
		single(p, code, s->text[0]);
		break;
	case S_NOTE:
		text_block(p, code);
		break;
	case S_TEXT:
		if (json_is_string(json_object_get(p->answers, code)))
			text_block(p, code);
		else
			missing(p, sections_answer(p, code), NULL);
		break;
	case S_COUNT_HEADING:
		count_heading(p, s);
		break;
	case S_NEW_OPTIONS:
		new_options(p, s);
		break;
	case S_OPTIONS_NOTE:
		if (sections_question(p, code))
			wave_only_note(p, code);
		break;
	case S_PARTNERS:
		partners(p, code, s->text[0], s->text[1], s->text[2]);
		break;
	case S_BY_CITIES_LATEST:
		by_cities_latest(p, code, s->text[0], s->text[1]);
		break;
	default:		/* PHRASE rows are read by the statements they follow */
		break;
	}
}

/* A row with its texts in the page's language (po/fr.po): a section's name and an ASKED row's wave are
 * codes, kept; a COUNT_HEADING's first two are the singular and plural of one message, chosen by the
 * count with the language's plural rule. */
static struct step
translated(const struct step *s, const struct profile *p)
{
	struct step t = *s;
	json_t *n;
	int k;

	for (k = 0; k < 4; k++) {
		if (t.text[k] == NULL || (k == 0 && (s->kind == S_SECTION || s->kind == S_ASKED)))
			continue;
		t.text[k] = _(t.text[k]);
	}
	if (s->kind == S_COUNT_HEADING) {
		n = json_object_get(p->answers, s->code[0]);
		t.text[0] = t.text[1] = dngettext(LANG_DOMAIN, s->text[0], s->text[1],
		    json_is_integer(n) ? (unsigned long)json_integer_value(n) : 2);
	}
	return t;
}

static int
opens_block(enum step_kind k)
{
	return k == S_FACTS || k == S_COLUMNS || k == S_SECTION || k == S_ASKED || k == S_TEAMS;
}

/* Runs the rows from i to the END of the block they are in (or the end of the table), writing them
 * when `write`; returns the index after that END. */
static size_t
run(struct profile *p, size_t i, int write)
{
	while (i < NSTEPS && steps[i].kind != S_END) {
		const struct step *s = &steps[i++];
		if (opens_block(s->kind)) {
			int w = write && (s->kind != S_ASKED || asked(p, s->code[0]));
			struct step t = translated(s, p);
			if (w)
				block_open(p, &t);
			i = run(p, i, w);
			if (w)
				block_close(p, &t);
		} else if (write) {
			struct step t = translated(s, p);
			statement(p, &t);
		}
	}
	return i + 1;
}

/* The table of contents: the sections of the table that have an entry, then the page's own. */
void
sections_toc(struct profile *p)
{
	size_t i;

	RAW(p->b, "<nav class=\"toc\" id=\"on-this-page\" aria-label=\"");
	html_attr(p->b, _("On this page"));
	RAW(p->b, "\"><ul>");
	for (i = 0; i < NSTEPS; i++) {
		if (steps[i].kind != S_SECTION || steps[i].text[1] == NULL)
			continue;
		RAW(p->b, "<li><a href=\"#");
		html_raw(p->b, steps[i].text[0]);
		RAW(p->b, "\">");
		html_raw(p->b, _(steps[i].text[1]));
		RAW(p->b, "</a></li>");
	}
	RAW(p->b, "<li><a href=\"#metrics\">");
	html_text(p->b, _("Metrics"));
	RAW(p->b, "</a></li><li><a href=\"#waves\">");
	html_text(p->b, _("Answers across waves"));
	RAW(p->b, "</a></li><li><a href=\"#downloads\">");
	html_text(p->b, _("Downloads and versions"));
	RAW(p->b, "</a></li></ul></nav>\n");
}

void
sections_html(struct profile *p)
{
	run(p, 0, 1);
}
