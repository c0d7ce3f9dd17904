/* render.c: HTML written from the handlers' models, through the escaping writer.
 *
 * The city profile says in sentences what the survey's published profiles say ("Like 81% of cities
 * surveyed (81 of 100), Toronto has dedicated funding ..."), generated from the city's answers and the
 * cohort's counts in the model that /cities/{slug}.json serves, so a number on the page is always one
 * of the twin's.  A share is count / cities of the cohort that answered the question (view_share),
 * always written with both counts.  "Not asked in this wave", "asked, not answered" and "No" are told
 * apart in words, never by colour alone. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "csv.h"
#include "html.h"
#include "page.h"
#include "render.h"
#include "weburl.h"
#include "view.h"

void
render_csv_value(struct buf *b, json_t *v)
{
	if (json_is_true(v))
		buf_puts(b, "yes");
	else if (json_is_false(v))
		buf_puts(b, "no");
	else if (json_is_integer(v))
		csv_int(b, (long long)json_integer_value(v));
	else if (json_is_real(v))
		csv_number(b, json_real_value(v));
	else if (json_is_string(v))
		csv_text(b, json_string_value(v));
	else if (json_is_array(v)) {
		size_t i;
		json_t *o;
		struct buf tmp = BUF_INIT;
		json_array_foreach(v, i, o) {
			if (i)
				buf_putc(&tmp, ';');
			buf_puts(&tmp, json_string_value(o) ? json_string_value(o) : "");
		}
		csv_text(b, tmp.data ? tmp.data : "");
		buf_free(&tmp);
	}
}

static const char *
str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

static int
streq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

void
render_int(struct buf *b, long long n)
{
	char digits[32];
	size_t len, i;
	unsigned long long u = (unsigned long long)n;

	if (n < 0) {
		buf_putc(b, '-');
		u = 0ULL - u;
	}
	snprintf(digits, sizeof(digits), "%llu", u);
	len = strlen(digits);
	for (i = 0; i < len; i++) {
		/* four digits stay together: years, 2018 */
		if (i > 0 && (len - i) % 3 == 0 && len > 4)
			buf_putc(b, ',');
		buf_putc(b, digits[i]);
	}
}

/* A number with at most `places` decimals, rounded half up, trailing zeros dropped. */
static void
fixed(struct buf *b, double v, int places)
{
	char s[64], *e;
	double m = pow(10, places);

	/* half up, as shares are (printf alone rounds half to even: 96.5 -> 96) */
	if (isfinite(v) && fabs(v) * m < 9e15)
		v = floor(v * m + 0.5) / m;
	snprintf(s, sizeof(s), "%.*f", places, v);
	if (strchr(s, '.')) {
		for (e = s + strlen(s) - 1; *e == '0'; e--)
			*e = '\0';
		if (*e == '.')
			*e = '\0';
	}
	if (strcmp(s, "-0") == 0)
		strcpy(s, "0");
	buf_puts(b, s);
}

/* The multi-choice question whose order is a rank ("most common first"); in others, order is noise. */
static int
ranked_question(const char *code)
{
	return code && strcmp(code, "innovation_activities") == 0;
}

int
render_same_answer(const char *code, json_t *a, json_t *b)
{
	size_t i, j;
	json_t *x, *y;

	if (json_equal(a, b))
		return 1;
	if (ranked_question(code) || !json_is_array(a) || !json_is_array(b) ||
	    json_array_size(a) != json_array_size(b))
		return 0;
	/* The same options as a multiset: each occurs as often in a as in b. */
	json_array_foreach(a, i, x) {
		size_t in_a = 0, in_b = 0;
		json_array_foreach(a, j, y)
			in_a += json_equal(x, y);
		json_array_foreach(b, j, y)
			in_b += json_equal(x, y);
		if (in_a != in_b)
			return 0;
	}
	return 1;
}

static json_t *
find_question(json_t *list, const char *code)
{
	size_t i;
	json_t *q;

	json_array_foreach(list, i, q)
		if (streq(str(q, "code"), code))
			return q;
	return NULL;
}

/* The label of an option code from the question's options; the code when unknown. */
static const char *
option_label(json_t *q, const char *code)
{
	json_t *o = NULL;
	size_t i;

	if (code == NULL)
		return "";
	json_array_foreach(json_object_get(q, "options"), i, o)
		if (streq(str(o, "code"), code))
			return str(o, "label");
	return code;
}

static int
has_option(json_t *q, const char *code)
{
	json_t *o;
	size_t i;

	json_array_foreach(json_object_get(q, "options"), i, o)
		if (streq(str(o, "code"), code))
			return 1;
	return 0;
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

void
render_answer(struct buf *b, json_t *q, json_t *v, int asked)
{
	size_t i;
	json_t *o;
	const char *type = str(q, "type");

	if (!asked) {
		html_raw(b, "<span class=\"not-asked\">— not asked</span>");
	} else if (v == NULL || json_is_null(v)) {
		html_raw(b, "<span class=\"unanswered\">(no answer)</span>");
	} else if (json_is_true(v)) {
		html_raw(b, "<span class=\"yes\">Yes</span>");
	} else if (json_is_false(v)) {
		html_raw(b, "<span class=\"no\">No</span>");
	} else if (json_is_integer(v)) {
		render_int(b, (long long)json_integer_value(v));
	} else if (json_is_real(v)) {
		view_number(b, json_real_value(v));
	} else if (json_is_array(v)) {
		int ranked = ranked_question(str(q, "code"));
		if (json_array_size(v) == 0) {
			html_raw(b, "<span class=\"none\">none of the options</span>");
			return;
		}
		html_raw(b, ranked ? "<ol class=\"options\">" : "<ul class=\"options\">");
		json_array_foreach(v, i, o) {
			html_raw(b, "<li>");
			html_text(b, option_label(q, json_string_value(o)));
			html_raw(b, "</li>");
		}
		html_raw(b, ranked ? "</ol>" : "</ul>");
	} else if (json_is_string(v)) {
		const char *s = json_string_value(v);
		if (streq(type, "url") && weburl_valid(s, NULL)) {
			/* only an address the upload's own check accepts becomes a link */
			html_raw(b, "<a class=\"answer-url\" rel=\"nofollow noopener\" href=\"");
			html_attr(b, s);
			html_raw(b, "\">");
			html_text(b, s);
			html_raw(b, "</a>");
			return;
		}
		html_text(b, streq(type, "single") ? option_label(q, s) : s);
	}
}

/* ---- the profile ---- */

struct profile {
	struct buf *b;
	json_t *model, *city, *answers, *cohort, *questions, *others, *seen;
	const char *name, *slug, *wave, *peers;
	long long size;
};

static json_t *
question(const struct profile *p, const char *code)
{
	return find_question(p->questions, code);
}

/* The city's answer (NULL: not asked in this wave; JSON null: not answered); marks it as shown. */
static json_t *
answer(struct profile *p, const char *code)
{
	json_object_set_new(p->seen, code, json_true());
	return json_object_get(p->answers, code);
}

static long long
answered_of(const struct profile *p, const char *code)
{
	return (long long)json_integer_value(json_object_get(json_object_get(p->cohort, code), "answered"));
}

static long long
count_of(const struct profile *p, const char *code, const char *opt)
{
	json_t *q = json_object_get(p->cohort, code);

	return (long long)json_integer_value(json_object_get(json_object_get(q, "counts"), opt));
}

static const char *
noun(const struct profile *p)
{
	return *p->peers ? "cities in the peer group" : "cities surveyed";
}

static void
city_name(struct profile *p)
{
	html_text(p->b, p->name);
}

static void
city_s(struct profile *p)
{
	html_text(p->b, p->name);
	html_raw(p->b, "'s");
}

/* "81% of cities surveyed (81 of 100)" */
static void
share(struct profile *p, long long n, long long d, const char *what)
{
	buf_printf(p->b, "<strong>%d%%</strong> of ", view_share(n, d));
	html_text(p->b, what ? what : noun(p));
	html_raw(p->b, " (");
	render_int(p->b, n);
	html_raw(p->b, " of ");
	render_int(p->b, d);
	html_raw(p->b, ")");
}

/* What stands where an answer is missing: not asked in this wave, or asked and not answered ("X did
 * not answer <what>"). */
static void
missing(struct profile *p, json_t *v, const char *what)
{
	if (v == NULL) {
		html_raw(p->b, "<p><span class=\"not-asked\">— not asked</span> in the ");
		html_text(p->b, p->wave);
		html_raw(p->b, " wave.</p>\n");
		return;
	}
	html_raw(p->b, "<p><span class=\"unanswered\">(no answer)</span> ");
	city_name(p);
	html_raw(p->b, " did not answer ");
	html_text(p->b, what ? what : "this question");
	html_raw(p->b, ".</p>\n");
}

struct phrase {
	const char *code, *text;
};

static const char *
phrase_of(const struct phrase *map, const char *code)
{
	for (; map && map->code; map++)
		if (streq(map->code, code))
			return map->text;
	return NULL;
}

/* The chosen options as words in a sentence: "a", "a and b", "a, b, and c". */
static void
and_list(struct profile *p, json_t *q, json_t *v, const struct phrase *map)
{
	size_t i, n = json_array_size(v);
	json_t *o;

	json_array_foreach(v, i, o) {
		const char *code = json_string_value(o), *ph = phrase_of(map, code);
		if (i > 0)
			html_raw(p->b, n == 2 ? " and " : i == n - 1 ? ", and " : ", ");
		if (ph)
			html_text(p->b, ph);
		else
			label_lc(p->b, option_label(q, code));
	}
}

/* The options the city chose, each beside how many cities of the cohort chose it. */
static void
chosen_list(struct profile *p, const char *code, int ranked, const char *what)
{
	json_t *q = question(p, code), *v = answer(p, code), *o;
	long long d = answered_of(p, code);
	size_t i;

	if (!json_is_array(v)) {
		missing(p, v, what);
		return;
	}
	if (json_array_size(v) == 0) {
		html_raw(p->b, "<p>None of the options.</p>\n");
		return;
	}
	html_raw(p->b, ranked ? "<ol class=\"chosen ranked\">\n" : "<ul class=\"chosen\">\n");
	json_array_foreach(v, i, o) {
		const char *opt = json_string_value(o);
		html_raw(p->b, "<li>");
		html_text(p->b, option_label(q, opt));
		if (d > 0) {
			html_raw(p->b, " <span class=\"cohort\">— like ");
			share(p, count_of(p, code, opt), d, NULL);
			html_raw(p->b, "</span>");
		}
		html_raw(p->b, "</li>\n");
	}
	html_raw(p->b, ranked ? "</ol>\n" : "</ul>\n");
}

/* A bar for a percentage: decoration beside the number, hidden from assistive technology. */
static void
bar(struct buf *b, int pct)
{
	buf_printf(b, "<svg class=\"bar\" width=\"100\" height=\"10\" viewBox=\"0 0 100 10\" "
	    "aria-hidden=\"true\" focusable=\"false\"><rect class=\"track\" x=\"0\" y=\"0\" width=\"100\" "
	    "height=\"10\"/><rect class=\"fill\" x=\"0\" y=\"0\" width=\"%d\" height=\"10\"/></svg>", pct);
}

/* Every option of a multi-choice question with how many cities of the cohort chose it, the city's own
 * marked: "Policy areas by number of cities". */
static void
by_cities(struct profile *p, const char *code, const char *title, const char *col, int folded)
{
	json_t *q = question(p, code), *v = json_object_get(p->answers, code), *o;
	long long d = answered_of(p, code);
	size_t i;

	if (q == NULL)
		return;
	if (folded) {
		html_raw(p->b, "<details class=\"by-cities\"><summary>");
		html_text(p->b, title);
		html_raw(p->b, "</summary>\n");
	} else {
		html_raw(p->b, "<h3>");
		html_text(p->b, title);
		html_raw(p->b, "</h3>\n");
	}
	if (d == 0) {
		html_raw(p->b, "<p>No city in the cohort answered this question.</p>\n");
		goto out;
	}
	/* The heading (or summary) shows the title: the caption repeats it for screen readers only. */
	html_raw(p->b, "<table class=\"data by-cities\"><caption><span class=\"visually-hidden\">");
	html_text(p->b, title);
	html_raw(p->b, ": </span><span class=\"note\">Of the ");
	render_int(p->b, d);
	html_raw(p->b, " ");
	html_text(p->b, noun(p));
	html_raw(p->b, " that answered; a city may choose several.</span></caption>\n<thead><tr><th scope=\"col\">");
	html_text(p->b, col);
	html_raw(p->b, "</th><th scope=\"col\" class=\"num\">Cities</th><th scope=\"col\" class=\"num\">Share</th>");
	if (json_is_array(v)) {
		html_raw(p->b, "<th scope=\"col\">Chosen by ");
		city_name(p);
		html_raw(p->b, "</th>");
	}
	html_raw(p->b, "</tr></thead>\n<tbody>\n");
	json_array_foreach(json_object_get(q, "options"), i, o) {
		const char *opt = str(o, "code");
		long long n = count_of(p, code, opt);
		int mine = json_is_array(v) && chose(v, opt), pct = view_share(n, d);

		html_raw(p->b, mine ? "<tr class=\"mine\"><th scope=\"row\">" : "<tr><th scope=\"row\">");
		html_text(p->b, str(o, "label"));
		html_raw(p->b, "</th><td class=\"num\">");
		render_int(p->b, n);
		buf_printf(p->b, "</td><td class=\"num\">%d%% ", pct);
		bar(p->b, pct);
		html_raw(p->b, "</td>");
		if (json_is_array(v))
			html_raw(p->b, mine ? "<td><span class=\"yes\">Yes</span></td>" :
			    "<td><span class=\"not-chosen\">No</span></td>");
		html_raw(p->b, "</tr>\n");
	}
	html_raw(p->b, "</tbody></table>\n");
out:
	if (folded)
		html_raw(p->b, "</details>\n");
}

/* Yes/no questions as sentences. */
struct yesno {
	const char *code, *has, *has_not, *whether;
};

static const struct yesno yesnos[] = {
	{ "explicit_strategy", "has an explicit innovation strategy",
	  "does not have an explicit innovation strategy", "whether it has an explicit innovation strategy" },
	{ "dedicated_funding", "has dedicated funding to support innovation capacity",
	  "has no dedicated funding to support innovation capacity",
	  "whether it has dedicated funding to support innovation capacity" },
	{ "measures_outcomes", "measures the outcomes of its innovation work",
	  "does not measure the outcomes of its innovation work",
	  "whether it measures the outcomes of its innovation work" },
	{ NULL, NULL, NULL, NULL }
};

/* Yes: "Like 81% of cities surveyed (81 of 100), X has ...".  No: "Along with 50% ... (50 of 100), X
 * does not have ..." when at least half the cohort said no as well, else "Unlike 81% ..., X has no
 * ..." (the share of the cities that said yes).  Unanswered: what the cohort said. */
static void
yes_no(struct profile *p, const char *code)
{
	const struct yesno *y = yesnos;
	json_t *v = answer(p, code), *q = question(p, code);
	long long d = answered_of(p, code), yes = count_of(p, code, "yes"), no = count_of(p, code, "no");

	while (y->code && !streq(y->code, code))
		y++;
	if (v == NULL || json_is_null(v)) {
		missing(p, v, y->code ? y->whether : NULL);
		if (v && d > 0) {
			html_raw(p->b, "<p class=\"cohort\">Of the ");
			html_text(p->b, noun(p));
			html_raw(p->b, " that answered, ");
			share(p, yes, d, "them");
			html_raw(p->b, " said yes.</p>\n");
		}
		return;
	}
	html_raw(p->b, "<p class=\"statement\">");
	if (d == 0) {
		city_name(p);
		html_raw(p->b, " answered ");
		html_raw(p->b, json_is_true(v) ? "yes" : "no");
		html_raw(p->b, "; no other city in the cohort answered.");
	} else if (json_is_true(v)) {
		html_raw(p->b, "Like ");
		share(p, yes, d, NULL);
		html_raw(p->b, ", ");
		city_name(p);
		html_raw(p->b, " ");
		if (y->code)
			html_text(p->b, y->has);
		else {
			html_raw(p->b, "answered yes to “");
			html_text(p->b, str(q, "text"));
			html_raw(p->b, "”");
		}
		html_raw(p->b, ".");
	} else {
		int along = 2 * no >= d;
		html_raw(p->b, along ? "Along with " : "Unlike ");
		share(p, along ? no : yes, d, NULL);
		html_raw(p->b, ", ");
		city_name(p);
		html_raw(p->b, " ");
		if (y->code)
			html_text(p->b, y->has_not);
		else {
			html_raw(p->b, "answered no to “");
			html_text(p->b, str(q, "text"));
			html_raw(p->b, "”");
		}
		html_raw(p->b, ".");
	}
	html_raw(p->b, "</p>\n");
}

static const struct phrase approaches[] = {
	{ "holistic", "approaches innovation capacity from a holistic / macro level" },
	{ "policy_areas", "approaches innovation capacity in specific policy areas or domains" },
	{ "both", "approaches innovation capacity both from a holistic / macro level, as well as in "
	  "specific policy areas" },
	{ NULL, NULL }
};

/* A single-choice answer beside the share of the cohort that gave the same one. */
static void
single(struct profile *p, const char *code, const struct phrase *map, const char *what)
{
	json_t *v = answer(p, code), *q = question(p, code);
	const char *opt = json_string_value(v), *ph = phrase_of(map, opt);
	long long d = answered_of(p, code);

	if (opt == NULL) {
		missing(p, v, what);
		return;
	}
	html_raw(p->b, "<p class=\"statement\">");
	if (d > 0) {
		html_raw(p->b, "Similar to ");
		share(p, count_of(p, code, opt), d, NULL);
		html_raw(p->b, ", ");
	}
	city_name(p);
	html_raw(p->b, " ");
	if (ph)
		html_text(p->b, ph);
	else {
		html_raw(p->b, "answered “");
		html_text(p->b, option_label(q, opt));
		html_raw(p->b, "” to “");
		html_text(p->b, str(q, "text"));
		html_raw(p->b, "”");
	}
	html_raw(p->b, ".</p>\n");
}

static void
text_block(struct profile *p, const char *code)
{
	json_t *v = answer(p, code);

	if (json_is_string(v)) {
		html_raw(p->b, "<p class=\"text\">");
		html_text(p->b, json_string_value(v));
		html_raw(p->b, "</p>\n");
	}
}

static void
fact(struct profile *p, const char *label, const char *code)
{
	json_t *v = answer(p, code);

	html_raw(p->b, "<div><dt>");
	html_text(p->b, label);
	html_raw(p->b, "</dt><dd>");
	if (json_is_string(v))
		html_text(p->b, json_string_value(v));
	else
		render_answer(p->b, question(p, code), v, v != NULL);
	html_raw(p->b, "</dd></div>\n");
}

static void
facts(struct profile *p)
{
	json_t *pop = json_object_get(p->city, "population"), *year = answer(p, "population_year");

	answer(p, "population");
	html_raw(p->b, "<dl class=\"facts\">\n");
	fact(p, "Mayor", "mayor");
	html_raw(p->b, "<div><dt>Population</dt><dd>");
	if (json_is_integer(pop)) {
		render_int(p->b, (long long)json_integer_value(pop));
		if (json_is_integer(year))
			buf_printf(p->b, " (%lld)", (long long)json_integer_value(year));
	} else {
		html_raw(p->b, "<span class=\"unanswered\">(no answer)</span>");
	}
	html_raw(p->b, "</dd></div>\n");
	fact(p, "Lead innovation officer", "lead_innovation_officer");
	html_raw(p->b, "<div><dt>Country and region</dt><dd>");
	html_text(p->b, str(p->city, "country"));
	html_raw(p->b, ", ");
	html_text(p->b, str(p->city, "region"));
	html_raw(p->b, "</dd></div>\n</dl>\n");
}

/* A place named in a sentence: "the City Manager's Office", unless it has its article already. */
static void
the(struct buf *b, const char *place)
{
	if (strncasecmp(place, "the ", 4) != 0 && strncmp(place, "a ", 2) != 0 && strncmp(place, "an ", 3) != 0)
		html_raw(b, "the ");
	html_text(b, place);
}

/* The teams working on innovation, as the published profile words them. */
static void
teams(struct profile *p)
{
	char code[32];
	int t, named = 0;

	for (t = 1; t <= 3; t++) {
		json_t *name, *staff, *where;
		snprintf(code, sizeof(code), "team%d_name", t);
		name = answer(p, code);
		snprintf(code, sizeof(code), "team%d_staff", t);
		staff = answer(p, code);
		snprintf(code, sizeof(code), "team%d_location", t);
		where = answer(p, code);
		if (!json_is_string(name) || *json_string_value(name) == '\0')
			continue;
		html_raw(p->b, named ? " " : "<p class=\"teams\">");
		if (!named) {
			if (json_is_string(where)) {
				html_raw(p->b, "Situated in ");
				the(p->b, json_string_value(where));
				html_raw(p->b, ", ");
			}
			city_s(p);
			html_raw(p->b, " ");
			html_text(p->b, json_string_value(name));
			if (json_is_integer(staff))
				buf_printf(p->b, " consists of %lld staff.", (long long)json_integer_value(staff));
			else
				html_raw(p->b, " works on innovation (its number of staff was not given).");
		} else {
			city_s(p);
			html_raw(p->b, " ");
			html_text(p->b, json_string_value(name));
			if (json_is_integer(staff))
				buf_printf(p->b, ", made up of %lld staff,", (long long)json_integer_value(staff));
			if (json_is_string(where)) {
				html_raw(p->b, json_is_integer(staff) ? " situated in " : ", situated in ");
				the(p->b, json_string_value(where));
				html_raw(p->b, ",");
			}
			html_raw(p->b, " is also working on innovation in the city.");
		}
		named++;
	}
	if (named)
		html_raw(p->b, "</p>\n");
	else if (json_object_get(p->answers, "team1_name"))
		missing(p, json_null(), "which teams work on innovation");
}

static const struct phrase partner_phrases[] = {
	{ "private_sector", "the private sector" },
	{ "national_government", "the national government" },
	{ NULL, NULL }
};

/* "X has developed partnerships to promote innovation capacity with a, b, and c." */
static void
partners(struct profile *p, const char *code, const char *lead, const char *tail, const char *what)
{
	json_t *v = answer(p, code), *q = question(p, code);

	if (!json_is_array(v)) {
		missing(p, v, what);
		return;
	}
	html_raw(p->b, "<p class=\"statement\">");
	html_raw(p->b, lead);
	if (json_array_size(v) == 0) {
		html_raw(p->b, " none of the kinds of partner the survey names.</p>\n");
		return;
	}
	html_raw(p->b, " ");
	and_list(p, q, v, partner_phrases);
	html_raw(p->b, tail);
	html_raw(p->b, "</p>\n");
}

/* The options of this wave's question that another wave lacks, and the other way round:
 * "'Training staff ...' is not an option in the 2018 survey, while ...".  Returns 1 if it wrote. */
static int
wave_only_note(struct profile *p, const char *code)
{
	json_t *q = question(p, code), *oq, *o;
	const char *w;
	size_t i;
	int n = 0;

	json_object_foreach(p->others, w, oq) {
		json_t *other = find_question(oq, code);
		if (other == NULL)
			continue;
		json_array_foreach(json_object_get(q, "options"), i, o) {
			if (has_option(other, str(o, "code")))
				continue;
			html_raw(p->b, n++ ? ", while “" : "<p class=\"footnote\" id=\"fn-options\">* “");
			html_text(p->b, str(o, "label"));
			html_raw(p->b, "” is not an option in the ");
			html_text(p->b, w);
			html_raw(p->b, " survey");
		}
		json_array_foreach(json_object_get(other, "options"), i, o) {
			if (has_option(q, str(o, "code")))
				continue;
			html_raw(p->b, n++ ? ", while “" : "<p class=\"footnote\" id=\"fn-options\">* “");
			html_text(p->b, str(o, "label"));
			html_raw(p->b, "” is not an option in the ");
			html_text(p->b, p->wave);
			html_raw(p->b, " survey");
		}
	}
	if (n)
		html_raw(p->b, ".</p>\n");
	return n;
}

/* Does another wave's questionnaire have this option of this question? */
static int
elsewhere(const struct profile *p, const char *code, const char *opt)
{
	json_t *oq;
	const char *w;

	json_object_foreach(p->others, w, oq) {
		json_t *other = find_question(oq, code);
		if (other && !has_option(other, opt))
			return 0;
	}
	return 1;
}

/* "Similar to 61% of participating cities (61 of 100), Toronto's funding for innovation capacity is
 * also directed towards training staff and building capacity*": said of the activities only this
 * wave offers, which the published profile singles out. */
static void
funded_statement(struct profile *p)
{
	json_t *q = question(p, "funded_activities"), *v = json_object_get(p->answers, "funded_activities"), *o;
	long long d = answered_of(p, "funded_activities");
	const char *noun_ = *p->peers ? "cities in the peer group" : "participating cities";
	size_t i;

	if (q == NULL || d == 0)
		return;
	json_array_foreach(json_object_get(q, "options"), i, o) {
		const char *opt = str(o, "code");
		long long n = count_of(p, "funded_activities", opt);
		if (elsewhere(p, "funded_activities", opt))
			continue;
		html_raw(p->b, "<p class=\"statement\">");
		if (!json_is_array(v)) {
			share(p, n, d, noun_);
			html_raw(p->b, " direct their funding for innovation capacity towards ");
			label_lc(p->b, str(o, "label"));
		} else if (chose(v, opt)) {
			html_raw(p->b, "Similar to ");
			share(p, n, d, noun_);
			html_raw(p->b, ", ");
			city_s(p);
			html_raw(p->b, json_array_size(v) > 1 ? " funding for innovation capacity is also directed "
			    "towards " : " funding for innovation capacity is directed towards ");
			label_lc(p->b, str(o, "label"));
		} else {
			html_raw(p->b, "Unlike ");
			share(p, n, d, noun_);
			html_raw(p->b, ", ");
			city_s(p);
			html_raw(p->b, " funding for innovation capacity is not directed towards ");
			label_lc(p->b, str(o, "label"));
		}
		html_raw(p->b, "<a href=\"#fn-options\" class=\"fn\" aria-label=\"about this option\">*</a>.");
		html_raw(p->b, "</p>\n");
	}
}

/* "Data availability by policy area": the single-choice questions whose options are sufficient /
 * insufficient, as lists. */
static int
is_data_question(json_t *q)
{
	return q && streq(str(q, "type"), "single") && json_array_size(json_object_get(q, "options")) == 2 &&
	    has_option(q, "sufficient") && has_option(q, "insufficient");
}

static const char *
area_name(json_t *q)
{
	const char *t = str(q, "text"), *prefix = "Data availability: ";

	return strncmp(t, prefix, strlen(prefix)) == 0 ? t + strlen(prefix) : t;
}

static void
data_list(struct profile *p, const char *want, const char *title)
{
	json_t *q;
	size_t i;
	int n = 0;

	json_array_foreach(p->questions, i, q) {
		const char *code = str(q, "code");
		json_t *v;
		if (!is_data_question(q))
			continue;
		v = json_object_get(p->answers, code);
		if (want ? !streq(json_string_value(v), want) : json_is_string(v))
			continue;
		answer(p, code);
		if (n++ == 0) {
			html_raw(p->b, "<div class=\"data-list\"><h3>");
			html_text(p->b, title);
			html_raw(p->b, "</h3>\n<ul>\n");
		}
		html_raw(p->b, "<li>");
		html_text(p->b, area_name(q));
		if (want && answered_of(p, code) > 0) {
			html_raw(p->b, " <span class=\"cohort\">— like ");
			share(p, count_of(p, code, want), answered_of(p, code), NULL);
			html_raw(p->b, "</span>");
		}
		html_raw(p->b, "</li>\n");
	}
	if (n)
		html_raw(p->b, "</ul></div>\n");
}

static void
data_availability(struct profile *p)
{
	json_t *q, *oq;
	const char *w;
	size_t i;
	int here = 0, other = 0;

	json_array_foreach(p->questions, i, q)
		here += is_data_question(q);
	json_object_foreach(p->others, w, oq)
		json_array_foreach(oq, i, q)
			other += is_data_question(q);
	if (!here && !other)
		return;
	html_raw(p->b, "<section id=\"data-availability\" aria-labelledby=\"h-data\">"
	    "<h2 id=\"h-data\">Data availability by policy area</h2>\n");
	if (!here) {
		html_raw(p->b, "<p><span class=\"not-asked\">— not asked</span> in the ");
		html_text(p->b, p->wave);
		html_raw(p->b, " wave.</p>\n");
	} else {
		html_raw(p->b, "<div class=\"columns\">\n");
		data_list(p, "sufficient", "Sufficient data");
		data_list(p, "insufficient", "Insufficient data");
		data_list(p, NULL, "Not answered");
		html_raw(p->b, "</div>\n");
	}
	html_raw(p->b, "</section>\n");
}

/* A metric value for people, with the exact value in <data value> for programs. */
static void
metric_value(struct buf *b, json_t *v, const char *unit)
{
	double d = json_number_value(v);

	html_raw(b, "<data value=\"");
	view_number(b, d);
	html_raw(b, "\">");
	if (streq(unit, "share")) {
		fixed(b, d * 100, 1);
		buf_putc(b, '%');
	} else if (streq(unit, "percent")) {
		fixed(b, d, 1);
		buf_putc(b, '%');
	} else if (streq(unit, "per_100k")) {
		fixed(b, d, 2);
		html_raw(b, " per 100,000");
	} else {
		fixed(b, d, 2);
	}
	html_raw(b, "</data>");
}

/* The query string of this view (survey and peers), for links to the same view elsewhere. */
static void
view_query(struct profile *p, struct buf *b, const char *sep)
{
	if (p->wave) {
		html_raw(b, sep);
		html_raw(b, "survey=");
		url_encode(b, p->wave);
		sep = "&amp;";
	}
	if (*p->peers) {
		html_raw(b, sep);
		html_raw(b, "peers=");
		url_encode(b, p->peers);
	}
}

static void
metrics_table(struct profile *p)
{
	json_t *list = json_object_get(p->model, "metrics"), *m;
	size_t i;

	html_raw(p->b, "<section id=\"metrics\" aria-labelledby=\"h-metrics\"><h2 id=\"h-metrics\">Metrics</h2>\n");
	if (json_array_size(list) == 0) {
		html_raw(p->b, "<p>No metric is published for this wave yet.</p></section>\n");
		return;
	}
	html_raw(p->b, "<p>Rank 1 is the best in the cohort; the percentile is the share of the cohort's "
	    "cities with a value that ");
	city_name(p);
	html_raw(p->b, " equals or beats.</p>\n<div class=\"scroll\" tabindex=\"0\" role=\"region\" "
	    "aria-labelledby=\"cap-metrics\"><table class=\"data metrics\"><caption id=\"cap-metrics\">");
	city_s(p);
	html_raw(p->b, " metrics, ");
	html_text(p->b, p->wave);
	html_raw(p->b, " wave</caption>\n<thead><tr><th scope=\"col\">Metric</th><th scope=\"col\" class=\"num\">"
	    "Value</th><th scope=\"col\" class=\"num\">Rank</th><th scope=\"col\" class=\"num\">Percentile</th>"
	    "</tr></thead>\n<tbody>\n");
	json_array_foreach(list, i, m) {
		json_t *v = json_object_get(m, "value");
		html_raw(p->b, "<tr><th scope=\"row\"><a href=\"/metrics/");
		url_encode(p->b, str(m, "id"));
		html_raw(p->b, "?city=");
		url_encode(p->b, p->slug);
		view_query(p, p->b, "&amp;");
		html_raw(p->b, "\">");
		html_text(p->b, str(m, "title"));
		html_raw(p->b, "</a></th><td class=\"num\">");
		if (json_is_number(v)) {
			metric_value(p->b, v, str(m, "unit"));
			html_raw(p->b, "</td><td class=\"num\">");
			buf_printf(p->b, "<data value=\"%lld\">%lld</data> of %lld",
			    (long long)json_integer_value(json_object_get(m, "rank")),
			    (long long)json_integer_value(json_object_get(m, "rank")),
			    (long long)json_integer_value(json_object_get(m, "of")));
			html_raw(p->b, "</td><td class=\"num\"><data value=\"");
			view_number(p->b, json_number_value(json_object_get(m, "percentile")));
			html_raw(p->b, "\">");
			fixed(p->b, json_number_value(json_object_get(m, "percentile")), 0);
			html_raw(p->b, "</data></td></tr>\n");
		} else {
			html_raw(p->b, "<span class=\"unanswered\">(no value)</span></td><td class=\"num\">–</td>"
			    "<td class=\"num\">–</td></tr>\n");
		}
	}
	html_raw(p->b, "</tbody></table></div>\n</section>\n");
}

/* The question of a code in a wave's questionnaire (this wave's or another's). */
static json_t *
question_in(const struct profile *p, const char *wave, const char *code)
{
	if (streq(wave, p->wave))
		return question(p, code);
	return find_question(json_object_get(p->others, wave), code);
}

/* Every question by each wave the city answered; a cell that differs from the wave before is marked. */
static void
waves_table(struct profile *p)
{
	json_t *waves = json_object_get(p->model, "waves"), *history = json_object_get(p->model, "history");
	json_t *codes = json_array(), *have = json_object(), *list, *q, *w;
	size_t i, j, k, nw = json_array_size(waves);
	int changes = 0;

	/* Rows: the latest wave's questionnaire first, then what only older waves asked. */
	for (k = nw; k-- > 0;) {
		const char *wave = json_string_value(json_array_get(waves, k));
		list = streq(wave, p->wave) ? p->questions : json_object_get(p->others, wave);
		json_array_foreach(list, i, q) {
			if (json_object_get(have, str(q, "code")))
				continue;
			json_object_set_new(have, str(q, "code"), json_string(wave));
			json_array_append_new(codes, json_string(str(q, "code")));
		}
	}
	html_raw(p->b, "<section id=\"waves\" aria-labelledby=\"h-waves\"><h2 id=\"h-waves\">Answers across waves</h2>\n");
	html_raw(p->b, "<p>Every question of the survey beside ");
	city_s(p);
	html_raw(p->b, " answer in each wave it took part in. <span class=\"not-asked\">— not asked</span> "
	    "means the wave did not ask the question; <span class=\"unanswered\">(no answer)</span> means it "
	    "was asked and not answered; an answer that differs from the wave before is marked "
	    "<strong class=\"changed-mark\">changed</strong>.</p>\n");
	html_raw(p->b, "<div class=\"scroll\" tabindex=\"0\" role=\"region\" aria-labelledby=\"cap-waves\">"
	    "<table class=\"data waves\"><caption id=\"cap-waves\">");
	city_s(p);
	html_raw(p->b, " answers by wave</caption>\n<thead><tr><th scope=\"col\">Question</th>");
	json_array_foreach(waves, j, w) {
		html_raw(p->b, "<th scope=\"col\">");
		html_text(p->b, json_string_value(w));
		html_raw(p->b, "</th>");
	}
	html_raw(p->b, "</tr></thead>\n<tbody>\n");
	json_array_foreach(codes, i, w) {
		const char *code = json_string_value(w);
		json_t *label_q = question_in(p, json_string_value(json_object_get(have, code)), code);
		struct buf row = BUF_INIT;
		int changed_row = 0;

		for (j = 0; j < nw; j++) {
			const char *wave = json_string_value(json_array_get(waves, j));
			json_t *set = json_object_get(history, wave), *v = json_object_get(set, code);
			json_t *before = j > 0 ? json_object_get(json_object_get(history,
			    json_string_value(json_array_get(waves, j - 1))), code) : NULL;
			int changed = v && before && !render_same_answer(code, v, before);

			html_raw(&row, changed ? "<td class=\"changed\">" : "<td>");
			render_answer(&row, question_in(p, wave, code) ? question_in(p, wave, code) : label_q, v,
			    v != NULL);
			if (changed) {
				html_raw(&row, " <strong class=\"changed-mark\">changed</strong>");
				changed_row = 1;
			}
			html_raw(&row, "</td>");
		}
		changes += changed_row;
		html_raw(p->b, changed_row ? "<tr class=\"changed\"><th scope=\"row\">" : "<tr><th scope=\"row\">");
		html_text(p->b, str(label_q, "text"));
		html_raw(p->b, "</th>");
		if (row.data)
			buf_append(p->b, row.data, row.len);
		html_raw(p->b, "</tr>\n");
		buf_free(&row);
	}
	html_raw(p->b, "</tbody></table></div>\n");
	if (nw > 1)
		buf_printf(p->b, "<p>%d %s changed between waves.</p>\n", changes,
		    changes == 1 ? "answer" : "answers");
	html_raw(p->b, "</section>\n");
	json_decref(codes);
	json_decref(have);
}

/* Questions the narrative above does not word (a later wave's new ones), each beside its cohort. */
static void
other_answers(struct profile *p)
{
	json_t *q;
	size_t i;
	int n = 0;

	json_array_foreach(p->questions, i, q) {
		const char *code = str(q, "code"), *type = str(q, "type");
		json_t *v = json_object_get(p->answers, code);
		if (json_object_get(p->seen, code))
			continue;
		if (n++ == 0)
			html_raw(p->b, "<section id=\"other\" aria-labelledby=\"h-other\"><h2 id=\"h-other\">"
			    "Other answers</h2>\n<dl class=\"answers\">\n");
		html_raw(p->b, "<dt>");
		html_text(p->b, str(q, "text"));
		html_raw(p->b, "</dt><dd>");
		render_answer(p->b, q, v, v != NULL);
		if (((streq(type, "single") && json_is_string(v)) || json_is_boolean(v)) &&
		    answered_of(p, code) > 0) {
			const char *opt = json_is_string(v) ? json_string_value(v) : json_is_true(v) ? "yes" : "no";
			html_raw(p->b, " <span class=\"cohort\">— like ");
			share(p, count_of(p, code, opt), answered_of(p, code), NULL);
			html_raw(p->b, "</span>");
		}
		html_raw(p->b, "</dd>\n");
	}
	if (n)
		html_raw(p->b, "</dl></section>\n");
}

static void
peers_form(struct profile *p)
{
	json_t *w;
	size_t i;

	html_raw(p->b, "<form class=\"filters peers\" method=\"get\" action=\"/cities/");
	url_encode(p->b, p->slug);
	html_raw(p->b, "\">\n<div class=\"field\"><label for=\"survey\">Wave</label><select id=\"survey\" "
	    "name=\"survey\">");
	json_array_foreach(json_object_get(p->model, "waves"), i, w) {
		html_raw(p->b, "<option value=\"");
		html_attr(p->b, json_string_value(w));
		html_raw(p->b, streq(json_string_value(w), p->wave) ? "\" selected>" : "\">");
		html_text(p->b, json_string_value(w));
		html_raw(p->b, "</option>");
	}
	html_raw(p->b, "</select></div>\n<div class=\"field wide\"><label for=\"peers\">Compare with</label>"
	    "<input id=\"peers\" name=\"peers\" autocomplete=\"off\" spellcheck=\"false\" "
	    "aria-describedby=\"peers-help\" value=\"");
	html_attr(p->b, p->peers);
	html_raw(p->b, "\"></div>\n<button type=\"submit\">Show</button>\n<p id=\"peers-help\" class=\"hint\">"
	    "Leave empty to compare with every city in the wave, or name a peer group: "
	    "<code>region:Europe</code>, <code>country:CA</code>, "
	    "<code>population:1000000-5000000</code>, or city slugs separated by commas "
	    "(<code>toronto,aldilmere</code>).</p>\n</form>\n");
}

void
render_profile(struct request *r, json_t *model)
{
	struct profile pr, *p = &pr;
	char title[300];
	json_t *w;
	size_t i;

	memset(p, 0, sizeof(*p));
	p->b = &r->out;
	p->model = model;
	p->city = json_object_get(model, "city");
	p->answers = json_object_get(model, "answers");
	p->cohort = json_object_get(model, "cohort");
	p->questions = json_object_get(model, "questions");
	p->others = json_object_get(model, "other_questions");
	p->seen = json_object();
	p->name = str(p->city, "name");
	p->slug = str(p->city, "slug");
	p->wave = json_string_value(json_object_get(model, "survey"));
	p->peers = str(model, "peers");
	p->size = (long long)json_integer_value(json_object_get(model, "cohort_size"));

	snprintf(title, sizeof(title), "%s%s%s%s", p->name, p->wave ? ", " : "", p->wave ? p->wave : "",
	    p->wave ? " wave" : "");
	page_begin(r, title);
	html_raw(p->b, "<h1>");
	city_name(p);
	if (p->wave) {
		html_raw(p->b, " <span class=\"subtitle\">");
		html_text(p->b, p->wave);
		html_raw(p->b, " wave, compared with ");
		if (*p->peers) {
			html_raw(p->b, "the peer group <code>");
			html_text(p->b, p->peers);
			html_raw(p->b, "</code>: ");
			render_int(p->b, p->size);
			html_raw(p->b, p->size == 1 ? " city" : " cities");
		} else {
			html_raw(p->b, "all ");
			render_int(p->b, p->size);
			html_raw(p->b, " cities surveyed");
		}
		html_raw(p->b, "</span>");
	}
	html_raw(p->b, "</h1>\n");
	if (json_is_true(json_object_get(p->city, "synthetic")))
		html_raw(p->b, "<p class=\"notice synthetic\" role=\"note\"><strong>Synthetic demonstration "
		    "city.</strong> Its name and answers were generated to fill the demonstration cohort; "
		    "they describe no real city.</p>\n");
	if (p->wave == NULL) {
		html_raw(p->b, "<p>");
		city_name(p);
		html_raw(p->b, " has not answered any wave of the survey yet.</p>\n<p><a href=\"/cities/");
		url_encode(p->b, p->slug);
		html_raw(p->b, "/submissions\">Versions</a> · <a href=\"/cities/");
		url_encode(p->b, p->slug);
		html_raw(p->b, ".json\">JSON</a></p>\n<p>The city's partner: <a href=\"/cities/");
		url_encode(p->b, p->slug);
		html_raw(p->b, "/answers.csv\">download the empty form with the city filled in (CSV)</a> for a "
		    "first <a href=\"/upload\">upload</a>.</p>\n");
		goto out;
	}
	peers_form(p);
	if (*p->peers && p->size == 0)
		html_raw(p->b, "<p class=\"notice\" role=\"note\">No city of this wave is in the peer group: "
		    "the statements below have no cohort to compare with.</p>\n");

	html_raw(p->b, "<nav class=\"toc\" aria-label=\"On this page\"><ul>"
	    "<li><a href=\"#vision\">Vision and approach</a></li>"
	    "<li><a href=\"#skills\">Skills and teams</a></li>"
	    "<li><a href=\"#activities\">Activities</a></li>"
	    "<li><a href=\"#funding\">Funding</a></li>"
	    "<li><a href=\"#measured\">Measurement and partnerships</a></li>"
	    "<li><a href=\"#metrics\">Metrics</a></li>"
	    "<li><a href=\"#waves\">Answers across waves</a></li>"
	    "<li><a href=\"#downloads\">Downloads and versions</a></li></ul></nav>\n");

	facts(p);

	html_raw(p->b, "<div class=\"columns\">\n<section aria-labelledby=\"h-helps\"><h2 id=\"h-helps\">"
	    "Innovation is helping to</h2>\n");
	chosen_list(p, "innovation_helps", 0, "what innovation is helping it to do");
	by_cities(p, "innovation_helps", "What innovation is helping to do, by number of cities", "Goal", 1);
	html_raw(p->b, "</section>\n<section aria-labelledby=\"h-factors\"><h2 id=\"h-factors\">Critical success "
	    "factors</h2>\n");
	chosen_list(p, "success_factors", 0, "which success factors are critical");
	by_cities(p, "success_factors", "Critical success factors by number of cities", "Factor", 1);
	html_raw(p->b, "</section>\n</div>\n");

	if (json_object_get(p->answers, "spotlight")) {
		html_raw(p->b, "<section aria-labelledby=\"h-spotlight\"><h2 id=\"h-spotlight\">Spotlight on "
		    "innovation in ");
		city_name(p);
		html_raw(p->b, "</h2>\n");
		if (json_is_string(json_object_get(p->answers, "spotlight")))
			text_block(p, "spotlight");
		else
			missing(p, answer(p, "spotlight"), NULL);
		html_raw(p->b, "</section>\n");
	}

	html_raw(p->b, "<section id=\"vision\" aria-labelledby=\"h-vision\"><h2 id=\"h-vision\">Vision and "
	    "approach to innovation capacity</h2>\n");
	yes_no(p, "explicit_strategy");
	single(p, "approach", approaches, "how it approaches innovation capacity");
	html_raw(p->b, "<h3>Policy areas that ");
	city_name(p);
	html_raw(p->b, " is focused on</h3>\n");
	chosen_list(p, "policy_areas", 0, "which policy areas it focuses on");
	text_block(p, "policy_area_notes");
	by_cities(p, "policy_areas", "Policy areas by number of cities", "Policy area", 0);
	html_raw(p->b, "</section>\n");

	html_raw(p->b, "<section id=\"skills\" aria-labelledby=\"h-skills\"><h2 id=\"h-skills\">");
	{
		json_t *n = answer(p, "innovation_roles_count");
		if (json_is_integer(n)) {
			city_name(p);
			buf_printf(p->b, " utilizes %lld different innovation %s", (long long)json_integer_value(n),
			    json_integer_value(n) == 1 ? "skill or role" : "skills or roles");
		} else {
			html_raw(p->b, "Innovation skills, roles and teams");
		}
		html_raw(p->b, "</h2>\n");
		if (!json_is_integer(n))
			missing(p, n, "how many different innovation skills or roles it uses");
	}
	if (json_is_array(json_object_get(p->answers, "innovation_roles")))
		html_raw(p->b, "<p>The roles it names:</p>\n");
	chosen_list(p, "innovation_roles", 0, "which innovation roles it uses");
	by_cities(p, "innovation_roles", "Innovation roles by number of cities", "Role", 0);
	html_raw(p->b, "<h3>Teams</h3>\n");
	teams(p);
	html_raw(p->b, "</section>\n");

	html_raw(p->b, "<section id=\"terms\" aria-labelledby=\"h-terms\"><h2 id=\"h-terms\">Terms ");
	city_name(p);
	html_raw(p->b, " most associates with innovation</h2>\n");
	chosen_list(p, "innovation_terms", 0, "which terms it associates with innovation");
	by_cities(p, "innovation_terms", "Terms by number of cities", "Term", 1);
	html_raw(p->b, "</section>\n");

	html_raw(p->b, "<section id=\"activities\" aria-labelledby=\"h-activities\"><h2 id=\"h-activities\">");
	city_s(p);
	html_raw(p->b, " most common innovation activities</h2>\n");
	if (json_is_array(json_object_get(p->answers, "innovation_activities")))
		html_raw(p->b, "<p>Most common first.</p>\n");
	chosen_list(p, "innovation_activities", 1, "which innovation activities are most common");
	by_cities(p, "innovation_activities", "Innovation activities by number of cities", "Activity", 1);
	html_raw(p->b, "</section>\n");

	html_raw(p->b, "<section id=\"funding\" aria-labelledby=\"h-funding\"><h2 id=\"h-funding\">How is "
	    "innovation funded here?</h2>\n");
	yes_no(p, "dedicated_funding");
	html_raw(p->b, "<h3>Top sources of funding</h3>\n");
	chosen_list(p, "funding_sources", 0, "where its funding comes from");
	by_cities(p, "funding_sources", "Sources of funding by number of cities", "Source", 1);
	html_raw(p->b, "<h3>Activities being funded</h3>\n");
	chosen_list(p, "funded_activities", 0, "which activities its funding goes to");
	funded_statement(p);
	by_cities(p, "funded_activities", "Activities funded by number of cities", "Activity", 0);
	if (question(p, "funded_activities"))
		wave_only_note(p, "funded_activities");
	html_raw(p->b, "</section>\n");

	html_raw(p->b, "<section id=\"measured\" aria-labelledby=\"h-measured\"><h2 id=\"h-measured\">How is "
	    "innovation measured?</h2>\n");
	yes_no(p, "measures_outcomes");
	{
		struct buf lead = BUF_INIT;
		html_text(&lead, p->name);
		html_raw(&lead, " has developed partnerships to promote innovation capacity with");
		if (json_object_get(p->answers, "partnerships") || question(p, "partnerships")) {
			partners(p, "partnerships", lead.data, ".", "which partnerships it has developed");
			by_cities(p, "partnerships", "Partnerships by number of cities", "Partner", 1);
		}
		buf_reset(&lead);
		html_raw(&lead, "To improve data use, ");
		html_text(&lead, p->name);
		html_raw(&lead, " has also developed data partnerships with");
		if (json_object_get(p->answers, "data_partnerships")) {
			partners(p, "data_partnerships", lead.data, ", to collect and analyse data.",
			    "which data partnerships it has developed");
			by_cities(p, "data_partnerships", "Data partnerships by number of cities", "Partner", 1);
		}
		buf_free(&lead);
	}
	html_raw(p->b, "</section>\n");

	data_availability(p);
	metrics_table(p);
	other_answers(p);
	waves_table(p);

	html_raw(p->b, "<section id=\"downloads\" aria-labelledby=\"h-downloads\"><h2 id=\"h-downloads\">"
	    "Downloads and versions</h2>\n<ul>\n<li>For the city's partner: <a href=\"/cities/");
	url_encode(p->b, p->slug);
	html_raw(p->b, "/answers.csv?survey=");
	url_encode(p->b, p->wave);
	html_raw(p->b, "\">download your current answers</a> to edit and <a href=\"/upload?city=");
	url_encode(p->b, p->slug);
	html_raw(p->b, "&amp;survey=");
	url_encode(p->b, p->wave);
	html_raw(p->b, "\">upload</a> again (CSV; <a href=\"/cities/");
	url_encode(p->b, p->slug);
	html_raw(p->b, "/answers.json?survey=");
	url_encode(p->b, p->wave);
	html_raw(p->b, "\">JSON</a>), or, for a first upload, <a href=\"/surveys/");
	url_encode(p->b, p->wave);
	html_raw(p->b, "/template.csv?city=");
	url_encode(p->b, p->slug);
	html_raw(p->b, "\">the empty form</a></li>\n<li><a href=\"/cities/");
	url_encode(p->b, p->slug);
	html_raw(p->b, ".json");
	view_query(p, p->b, "?");
	html_raw(p->b, "\">This profile as JSON</a></li>\n<li><a href=\"/cities/");
	url_encode(p->b, p->slug);
	html_raw(p->b, ".csv");
	view_query(p, p->b, "?");
	html_raw(p->b, "\">The answers as CSV</a> (<code>question,value</code>)</li>\n<li><a href=\"/cities/");
	url_encode(p->b, p->slug);
	html_raw(p->b, "/submissions?survey=");
	url_encode(p->b, p->wave);
	html_raw(p->b, "\">Versions of these answers</a> and what each changed</li>\n");
	json_array_foreach(json_object_get(model, "waves"), i, w) {
		if (streq(json_string_value(w), p->wave))
			continue;
		html_raw(p->b, "<li><a href=\"/cities/");
		url_encode(p->b, p->slug);
		html_raw(p->b, "?survey=");
		url_encode(p->b, json_string_value(w));
		if (*p->peers) {
			html_raw(p->b, "&amp;peers=");
			url_encode(p->b, p->peers);
		}
		html_raw(p->b, "\">");
		city_s(p);
		html_raw(p->b, " profile in the ");
		html_text(p->b, json_string_value(w));
		html_raw(p->b, " wave</a></li>\n");
	}
	html_raw(p->b, "<li><a href=\"/surveys/");
	url_encode(p->b, p->wave);
	html_raw(p->b, "\">The ");
	html_text(p->b, p->wave);
	html_raw(p->b, " questionnaire</a></li>\n</ul>\n</section>\n");
out:
	page_end(r);
	json_decref(p->seen);
}
