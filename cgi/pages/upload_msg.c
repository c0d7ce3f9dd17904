/* upload_msg.c: an upload's validation messages in the page's language, by kind (see upload_msg.h). */
#include <stdlib.h>
#include <string.h>

#include "html.h"
#include "lang.h"
#include "upload_msg.h"
#include "vmsg.h"

/* Template text (from the sources or fr.po, plain text): & < > escaped, quotes kept as written. */
static void
tmpl_text(struct buf *b, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] == '&')
			buf_puts(b, "&amp;");
		else if (s[i] == '<')
			buf_puts(b, "&lt;");
		else if (s[i] == '>')
			buf_puts(b, "&gt;");
		else
			buf_putc(b, s[i]);
	}
}

/* The argument as the page's language writes it: a phrase of the sources translated, a number with a
 * decimal comma in French. */
static void
arg_html(struct buf *b, const struct vmsg_kind *k, int i, const char *a)
{
	size_t j;

	if (k->phrases & (1u << i))
		for (j = 0; j < vmsg_nphrases; j++)
			if (strcmp(a, vmsg_phrases[j]) == 0) {
				html_text(b, _(vmsg_phrases[j]));
				return;
			}
	if ((k->numbers & (1u << i)) && lang_current() == LANG_FR && strchr(a, '.')) {
		char *c = strdup(a), *p;
		if (c) {
			for (p = c; *p; p++)
				if (*p == '.')
					*p = ',';
			html_text(b, c);
			free(c);
			return;
		}
	}
	html_text(b, a);
}

int
upload_msg_kind(struct buf *b, const char *code, json_t *args)
{
	const struct vmsg_kind *k = vmsg_find(code);
	const char *t, *s, *a;
	size_t start = b->len;

	if (k == NULL)
		return -1;
	if (k->many) {
		a = json_string_value(json_array_get(args, k->count ? k->count - 1 : 0));
		t = P_(k->one, k->many, a ? strtoul(a, NULL, 10) : 0);
	} else {
		t = _(k->one);
	}
	while ((s = strchr(t, '{')) != NULL) {
		tmpl_text(b, t, (size_t)(s - t));
		if (s[1] >= '1' && s[1] <= '0' + VMSG_MAX_ARGS && s[2] == '}' &&
		    (a = json_string_value(json_array_get(args, (size_t)(s[1] - '1')))) != NULL) {
			arg_html(b, k, s[1] - '1', a);
			t = s + 3;
		} else {
			buf_putc(b, '{');
			t = s + 1;
		}
	}
	tmpl_text(b, t, strlen(t));
	/* a sentence, as the English one: a full stop at the end */
	if (b->len > start && strchr(".!?", b->data[b->len - 1]) == NULL)
		buf_putc(b, '.');
	return 0;
}

void
upload_msg_html(struct buf *b, json_t *d, const char *msg)
{
	if (d && upload_msg_kind(b, json_string_value(json_object_get(d, "code")), json_object_get(d, "args")) == 0)
		return;
	if (msg == NULL)
		msg = json_string_value(json_object_get(d, "message"));
	if (msg && *msg)
		html_text(b, _(msg));
}
