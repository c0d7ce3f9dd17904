/* ltext.c: a translated sentence with its values in place (see ltext.h). */
#include <string.h>

#include "html.h"
#include "ltext.h"

void
ltext(struct buf *b, const char *tmpl, unsigned raw, const char *a1, const char *a2, const char *a3,
    const char *a4)
{
	const char *args[4] = { a1, a2, a3, a4 }, *s;

	while ((s = strchr(tmpl, '{')) != NULL) {
		buf_append(b, tmpl, (size_t)(s - tmpl));
		if (s[1] >= '1' && s[1] <= '4' && s[2] == '}' && args[s[1] - '1']) {
			int k = s[1] - '1';
			if (raw & (1u << k))
				buf_puts(b, args[k]);
			else
				html_text(b, args[k]);
			tmpl = s + 3;
		} else {
			buf_putc(b, '{');
			tmpl = s + 1;
		}
	}
	buf_puts(b, tmpl);
}
