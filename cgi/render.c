/* render.c: HTML pages written from the handlers' models, through the escaping writer. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "csv.h"
#include "html.h"
#include "page.h"
#include "render.h"
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

/* A label for an option code from the question's options. */
static const char *
option_label(json_t *q, const char *code)
{
	size_t i;
	json_t *o;

	json_array_foreach(json_object_get(q, "options"), i, o)
		if (strcmp(json_string_value(json_object_get(o, "code")), code) == 0)
			return json_string_value(json_object_get(o, "label"));
	return code;
}

static void
answer_html(struct buf *b, json_t *q, json_t *v, int asked)
{
	size_t i;
	json_t *o;

	if (!asked) {
		html_raw(b, "<span class=\"not-asked\">not asked in this wave</span>");
	} else if (v == NULL || json_is_null(v)) {
		html_raw(b, "<span class=\"unanswered\">asked, not answered</span>");
	} else if (json_is_true(v)) {
		html_raw(b, "<span class=\"yes\">Yes</span>");
	} else if (json_is_false(v)) {
		html_raw(b, "<span class=\"no\">No</span>");
	} else if (json_is_integer(v)) {
		buf_printf(b, "%lld", (long long)json_integer_value(v));
	} else if (json_is_real(v)) {
		view_number(b, json_real_value(v));
	} else if (json_is_array(v)) {
		if (json_array_size(v) == 0) {
			html_raw(b, "<span class=\"none\">none</span>");
			return;
		}
		html_raw(b, "<ul class=\"options\">");
		json_array_foreach(v, i, o) {
			html_raw(b, "<li>");
			html_text(b, option_label(q, json_string_value(o)));
			html_raw(b, "</li>");
		}
		html_raw(b, "</ul>");
	} else if (json_is_string(v)) {
		const char *s = json_string_value(v);
		html_text(b, strcmp(json_string_value(json_object_get(q, "type")), "single") == 0 ?
		    option_label(q, s) : s);
	}
}

void
render_profile(struct request *r, json_t *model)
{
	struct buf *b = &r->out;
	json_t *city = json_object_get(model, "city"), *q, *answers = json_object_get(model, "answers");
	const char *name = json_string_value(json_object_get(city, "name"));
	const char *wave = json_string_value(json_object_get(model, "survey"));
	char title[256];
	size_t i;

	snprintf(title, sizeof(title), "%s%s%s", name, wave ? ", " : "", wave ? wave : "");
	page_begin(r, title);
	html_raw(b, "<h1>");
	html_text(b, name);
	html_raw(b, "</h1>\n");
	json_array_foreach(json_object_get(model, "questions"), i, q) {
		const char *code = json_string_value(json_object_get(q, "code"));
		html_raw(b, "<div class=\"answer\"><h2>");
		html_text(b, json_string_value(json_object_get(q, "text")));
		html_raw(b, "</h2><p>");
		answer_html(b, q, json_object_get(answers, code), json_object_get(answers, code) != NULL);
		html_raw(b, "</p></div>\n");
	}
	page_end(r);
}
