/* answer.c: one survey answer as people and programs read it, and whether two answers say the same.
 *
 * A value is what the answers table holds (jsonb): true/false, a number, a text or an option code, a
 * list of option codes, or null (asked, not answered).  Not being asked at all is told apart by the
 * caller (no value, `asked` 0), and written in words: never by colour alone. */
#include <stdint.h>
#include <string.h>

#include "answer.h"
#include "csv.h"
#include "html.h"
#include "lang.h"
#include "view.h"
#include "weburl.h"

/* The multi-choice question whose order is a rank ("most common first"); in others, order is noise. */
static int
ranked_question(const char *code)
{
	return code && strcmp(code, "innovation_activities") == 0;
}

static int
streq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

void
answer_csv(struct buf *b, json_t *v)
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

int
answer_same(const char *code, json_t *a, json_t *b)
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
			in_a += json_equal(x, y) ? 1 : 0;
		json_array_foreach(b, j, y)
			in_b += json_equal(x, y) ? 1 : 0;
		if (in_a != in_b)
			return 0;
	}
	return 1;
}

/* Issue 18: a profile looks questions up by code a few thousand times in the same few lists (the
 * questionnaires kept per data version), a linear scan each: the last few lists looked up in are
 * indexed by code.  A slot holds a reference to its list (it cannot be freed and its address reused
 * while indexed) and the list's size (a list grown since is indexed again); nothing in the worker
 * changes a question's code in place.  The index keeps the first question of each code, as the scan
 * returns it. */
#define QINDEX_SLOTS	8
#define QINDEX_MIN	8	/* shorter lists are scanned */

static struct {
	json_t *list, *index;
	size_t size;
	unsigned long used;
} qindex[QINDEX_SLOTS];
static unsigned long qindex_clock;

static json_t *
question_index(json_t *questions)
{
	size_t i, n = json_array_size(questions), slot = 0;
	json_t *q, *index;

	for (i = 0; i < QINDEX_SLOTS; i++) {
		if (qindex[i].list == questions && qindex[i].size == n) {
			qindex[i].used = ++qindex_clock;
			return qindex[i].index;
		}
		if (qindex[i].used < qindex[slot].used)
			slot = i;
	}
	if ((index = json_object()) == NULL)
		return NULL;
	json_array_foreach(questions, i, q) {
		const char *code = view_str(q, "code");
		if (json_object_get(index, code) == NULL && json_object_set(index, code, q) == -1) {
			json_decref(index);
			return NULL;
		}
	}
	json_decref(qindex[slot].list);
	json_decref(qindex[slot].index);
	qindex[slot].list = json_incref(questions);
	qindex[slot].index = index;
	qindex[slot].size = n;
	qindex[slot].used = ++qindex_clock;
	return index;
}

json_t *
answer_question(json_t *questions, const char *code)
{
	size_t i;
	json_t *q, *index;

	if (code == NULL)
		return NULL;
	if (json_array_size(questions) >= QINDEX_MIN && (index = question_index(questions)) != NULL)
		return json_object_get(index, code);
	json_array_foreach(questions, i, q)
		if (streq(view_str(q, "code"), code))
			return q;
	return NULL;
}

/* Issue 18, ninth session: a profile looks options up by code a few thousand times (a label per chosen
 * option, whether another wave offers it), a scan of the question's options with a look-up each: the
 * options of a question with OINDEX_MIN or more are indexed by code, per question.  A slot holds a
 * reference to the question and to its options list (neither freed nor its address reused while
 * indexed) and the list's size (a list grown since is indexed again); as for the questions' index,
 * nothing in the worker changes an option's code in place.  The index keeps the first option of each
 * code, as the scan finds it, and whether a code occurs twice.  A full table is emptied. */
#define OINDEX_SLOTS	2048
#define OINDEX_MIN	4	/* shorter lists are scanned */

static struct {
	json_t *q, *options, *index;
	size_t size;
	int dups;
} oindex[OINDEX_SLOTS];
static size_t oindex_used;

static void
oindex_drop(size_t h)
{
	json_decref(oindex[h].q);
	json_decref(oindex[h].options);
	json_decref(oindex[h].index);
	memset(&oindex[h], 0, sizeof(oindex[h]));
}

static json_t *
option_index(json_t *q, json_t *options, int *dups)
{
	size_t n = json_array_size(options), h, i;
	json_t *index, *o;

	if (n < OINDEX_MIN)
		return NULL;
	h = (size_t)(((uintptr_t)q >> 4) * 2654435761u % OINDEX_SLOTS);
	while (oindex[h].q != NULL && oindex[h].q != q)
		h = (h + 1) % OINDEX_SLOTS;
	if (oindex[h].q == q) {
		if (oindex[h].options == options && oindex[h].size == n) {
			*dups = oindex[h].dups;
			return oindex[h].index;
		}
		oindex_drop(h);		/* its list changed: indexed again in the same slot */
		oindex_used--;
	} else if (oindex_used >= OINDEX_SLOTS / 2) {
		for (i = 0; i < OINDEX_SLOTS; i++)
			if (oindex[i].q)
				oindex_drop(i);
		oindex_used = 0;
		h = (size_t)(((uintptr_t)q >> 4) * 2654435761u % OINDEX_SLOTS);
	}
	if ((index = json_object()) == NULL)
		return NULL;
	*dups = 0;
	json_array_foreach(options, i, o) {
		const char *code = view_str(o, "code");
		if (json_object_get(index, code) != NULL)
			*dups = 1;
		else if (json_object_set(index, code, o) == -1) {	/* e.g. a code not UTF-8: scanned */
			json_decref(index);
			return NULL;
		}
	}
	oindex[h].q = json_incref(q);
	oindex[h].options = json_incref(options);
	oindex[h].index = index;
	oindex[h].size = n;
	oindex[h].dups = *dups;
	oindex_used++;
	return index;
}

json_t *
answer_option(json_t *q, const char *code, int *unique)
{
	json_t *options, *index, *o;
	size_t i;
	int dups = 1;

	if (unique)
		*unique = 0;
	if (code == NULL)
		return NULL;
	options = json_object_get(q, "options");
	if ((index = option_index(q, options, &dups)) != NULL) {
		if (unique)
			*unique = !dups;
		return json_object_get(index, code);
	}
	json_array_foreach(options, i, o)
		if (streq(view_str(o, "code"), code))
			return o;
	return NULL;
}

const char *
answer_option_label(json_t *q, const char *code)
{
	json_t *o;

	if (code == NULL)
		return "";
	o = answer_option(q, code, NULL);
	return o ? view_str(o, "label") : code;
}

int
answer_has_option(json_t *q, const char *code)
{
	return answer_option(q, code, NULL) != NULL;
}

void
answer_free_text(struct buf *b, const char *s, const char *lang)
{
	if (lang && *lang) {
		html_raw(b, "<span lang=\"");
		html_attr(b, lang);
		html_raw(b, "\">");
	}
	html_text(b, s);
	if (lang && *lang)
		html_raw(b, "</span>");
}

void
answer_html(struct buf *b, json_t *q, json_t *v, int asked)
{
	answer_html_lang(b, q, v, asked, NULL);
}

void
answer_html_lang(struct buf *b, json_t *q, json_t *v, int asked, const char *lang)
{
	size_t i;
	json_t *o;
	const char *type = view_str(q, "type");

	if (!asked) {
		html_raw(b, "<span class=\"not-asked\">");
		html_text(b, _("— not asked"));
		html_raw(b, "</span>");
	} else if (v == NULL || json_is_null(v)) {
		html_raw(b, "<span class=\"unanswered\">");
		html_text(b, _("(no answer)"));
		html_raw(b, "</span>");
	} else if (json_is_true(v)) {
		html_raw(b, "<span class=\"yes\">");
		html_text(b, _("Yes"));
		html_raw(b, "</span>");
	} else if (json_is_false(v)) {
		html_raw(b, "<span class=\"no\">");
		html_text(b, _("No"));
		html_raw(b, "</span>");
	} else if (json_is_integer(v)) {
		view_int(b, (long long)json_integer_value(v));
	} else if (json_is_real(v)) {
		view_number(b, json_real_value(v));
	} else if (json_is_array(v)) {
		int ranked = ranked_question(view_str(q, "code"));
		if (json_array_size(v) == 0) {
			html_raw(b, "<span class=\"none\">none of the options</span>");
			return;
		}
		html_raw(b, ranked ? "<ol class=\"options\">" : "<ul class=\"options\">");
		json_array_foreach(v, i, o) {
			html_raw(b, "<li>");
			html_text(b, answer_option_label(q, json_string_value(o)));
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
		if (streq(type, "single"))
			html_text(b, answer_option_label(q, s));
		else
			answer_free_text(b, s, lang);
	}
}
