/* profile_similar.c: the profile's five cities most like this one, each linked, with its score, and a
 * "compare with these" link to /compare with the city and the five (the reasons are on
 * /cities/{slug}/similar). */
#include <stdio.h>
#include <string.h>

#include "html.h"
#include "lang.h"
#include "ltext.h"
#include "profile_similar.h"
#include "query.h"
#include "view.h"

void
profile_similar_html(struct buf *b, json_t *model, const char *slug, const char *wave)
{
	json_t *list = json_object_get(model, "similar"), *c;
	size_t i;

	if (json_array_size(list) == 0 || slug == NULL || wave == NULL)
		return;
	html_raw(b, "<section id=\"similar\" aria-labelledby=\"h-similar\"><h2 id=\"h-similar\">");
	html_text(b, _("Cities most like this one"));
	html_raw(b, "</h2>\n<p>");
	{
		const char *t = _("By their answers in the {wave} wave (a score from 0 to 1, 1 = the same answers).");
		const char *w = strstr(t, "{wave}");
		if (w) {
			buf_append(b, t, (size_t)(w - t));
			html_text(b, wave);
			html_raw(b, w + 6);
		} else {
			html_raw(b, t);
		}
	}
	html_raw(b, "</p>\n<ol class=\"similar\">\n");
	json_array_foreach(list, i, c) {
		html_raw(b, "<li><a href=\"/cities/");
		url_encode(b, view_str(c, "slug"));
		html_raw(b, "?survey=");
		url_encode(b, wave);
		html_raw(b, "\">");
		html_text(b, view_str(c, "name"));
		{
			char sc[32], *dot;
			snprintf(sc, sizeof(sc), "%.2f", json_real_value(json_object_get(c, "score")));
			if (lang_current() == LANG_FR && (dot = strchr(sc, '.')) != NULL)
				*dot = ',';
			html_raw(b, "</a> — ");
			/* TRANSLATORS: a similarity score, {1} from 0 to 1 */
			ltext(b, _("score {1}"), 0, sc, NULL, NULL, NULL);
			html_raw(b, "</li>\n");
		}
	}
	html_raw(b, "</ol>\n<p><a class=\"compare-these\" href=\"/compare?cities=");
	url_encode(b, slug);
	json_array_foreach(list, i, c) {
		html_raw(b, ",");
		url_encode(b, view_str(c, "slug"));
	}
	html_raw(b, "&amp;survey=");
	url_encode(b, wave);
	html_raw(b, "\">");
	html_text(b, _("Compare with these"));
	html_raw(b, "</a> · <a href=\"/cities/");
	url_encode(b, slug);
	html_raw(b, "/similar?survey=");
	url_encode(b, wave);
	html_raw(b, "\">");
	html_text(b, _("why they are alike, and more cities"));
	html_raw(b, "</a></p>\n</section>\n");
}
