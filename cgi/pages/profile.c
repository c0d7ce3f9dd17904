/* profile.c: /cities/{slug} for people — a city's profile in one wave, written from the model that
 * /cities/{slug}.json serves (city.c builds it).
 *
 * The narrative (which question is said how, in which section) is sections.c's, from the table kept
 * beside the questionnaires; this file writes the page around it: the heading and the peer-group form,
 * data availability by policy area, the metrics with rank and percentile, the answers no statement
 * words ("Other answers", so a new wave's questions always show), the answers across waves and the
 * downloads. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "chart.h"
#include "country.h"
#include "html.h"
#include "metric_links.h"
#include "names.h"
#include "trend.h"
#include "page.h"
#include "latest.h"
#include "profile.h"
#include "ltext.h"
#include "profile_similar.h"
#include "sections.h"
#include "view.h"

static int
streq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

/* "Data availability by policy area": the single-choice questions whose options are sufficient /
 * insufficient, as lists. */
static int
is_data_question(json_t *q)
{
	return q && streq(view_str(q, "type"), "single") && json_array_size(json_object_get(q, "options")) == 2 &&
	    answer_has_option(q, "sufficient") && answer_has_option(q, "insufficient");
}

static const char *
area_name(json_t *q)
{
	/* the question's text without its prefix, in either language of the questionnaire */
	static const char *const prefixes[] = { "Data availability: ",
		"Disponibilit\xc3\xa9 des donn\xc3\xa9" "es\xe2\x80\xaf: " };
	const char *t = view_str(q, "text");
	size_t i;

	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (strncmp(t, prefixes[i], strlen(prefixes[i])) == 0)
			return t + strlen(prefixes[i]);
	return t;
}

static void
data_list(struct profile *p, const char *want, const char *title, const unsigned char *dq)
{
	json_t *q;
	size_t i;
	int n = 0;

	json_array_foreach(p->questions, i, q) {
		const char *code;
		json_t *v;
		if (!(dq ? dq[i] : is_data_question(q)))
			continue;
		code = view_str(q, "code");
		v = json_object_get(p->answers, code);
		if (want ? !streq(json_string_value(v), want) : json_is_string(v))
			continue;
		sections_answer(p, code);
		if (n++ == 0) {
			html_raw(p->b, "<div class=\"data-list\"><h3>");
			html_text(p->b, title);
			html_raw(p->b, "</h3>\n<ul>\n");
		}
		html_raw(p->b, "<li>");
		html_text(p->b, area_name(q));
		if (want && sections_answered(p, code) > 0) {
			html_raw(p->b, " <span class=\"cohort\">");
			html_text(p->b, _("— like"));
			html_raw(p->b, " ");
			sections_share(p, code, want, sections_count(p, code, want), sections_answered(p, code), NULL);
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
	/* which questions are data questions, decided once for the three lists (NULL: each list decides;
	 * issue 18, eighth session), and the other waves' looked at only when this one has none */
	size_t nq = json_array_size(p->questions);
	unsigned char *dq = nq ? calloc(nq, 1) : NULL;

	json_array_foreach(p->questions, i, q) {
		int d = is_data_question(q);
		if (dq)
			dq[i] = (unsigned char)d;
		here += d;
	}
	if (!here)
		json_object_foreach(p->others, w, oq)
			json_array_foreach(oq, i, q)
				other += is_data_question(q);
	if (!here && !other) {
		free(dq);
		return;
	}
	html_raw(p->b, "<section id=\"data-availability\" aria-labelledby=\"h-data\"><h2 id=\"h-data\">");
	html_text(p->b, _("Data availability by policy area"));
	html_raw(p->b, "</h2>\n");
	if (!here) {
		html_raw(p->b, "<p><span class=\"not-asked\">— not asked</span> in the ");
		html_text(p->b, p->wave);
		html_raw(p->b, " wave.</p>\n");
	} else {
		html_raw(p->b, "<div class=\"columns\">\n");
		data_list(p, "sufficient", _("Sufficient data"), dq);
		data_list(p, "insufficient", _("Insufficient data"), dq);
		data_list(p, NULL, _("Not answered"), dq);
		html_raw(p->b, "</div>\n");
	}
	html_raw(p->b, "</section>\n");
	free(dq);
}

/* A metric value for people, with the exact value in <data value> for programs. */
static void
metric_value(struct buf *b, json_t *v, const char *unit)
{
	double d = json_number_value(v);

	struct buf t = BUF_INIT;

	html_raw(b, "<data value=\"");
	view_number(b, d);
	html_raw(b, "\">");
	chart_value(&t, d, unit);	/* the one spelling of compare, the metric page and the charts */
	html_text(b, t.data ? t.data : "");
	buf_free(&t);
	html_raw(b, "</data>");
}

/* The query string of this view (survey and peers), for links to the same view elsewhere. */
static void
same_view_query(struct profile *p, struct buf *b, const char *sep)
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

	html_raw(p->b, "<section id=\"metrics\" aria-labelledby=\"h-metrics\"><h2 id=\"h-metrics\">");
	html_text(p->b, _("Metrics"));
	html_raw(p->b, "</h2>\n");
	if (json_array_size(list) == 0) {
		html_raw(p->b, "<p>");
		html_text(p->b, _("No metric is published for this wave yet."));
		html_raw(p->b, "</p></section>\n");
		return;
	}
	html_raw(p->b, "<p>");
	/* TRANSLATORS: {1} is the city */
	ltext(p->b, _("Rank 1 is the best in the cohort; the percentile is the share of the cohort's "
	    "cities with a value that {1} equals or beats."), 0, p->name, NULL, NULL, NULL);
	html_raw(p->b, "</p>\n<div class=\"scroll\" tabindex=\"0\" role=\"region\" "
	    "aria-labelledby=\"cap-metrics\"><table class=\"data metrics\"><caption id=\"cap-metrics\">");
	/* TRANSLATORS: {1} the city, {2} the wave */
	ltext(p->b, _("{1}'s metrics, {2} wave"), 0, p->name, p->wave, NULL, NULL);
	html_raw(p->b, "</caption>\n<thead><tr><th scope=\"col\">");
	html_text(p->b, _("Metric"));
	html_raw(p->b, "</th><th scope=\"col\" class=\"num\">");
	html_text(p->b, _("Value"));
	html_raw(p->b, "</th><th scope=\"col\" class=\"num\">");
	html_text(p->b, _("Rank"));
	html_raw(p->b, "</th><th scope=\"col\" class=\"num\">");
	html_text(p->b, _("Percentile"));
	html_raw(p->b, "</th></tr></thead>\n<tbody>\n");
	json_array_foreach(list, i, m) {
		json_t *v = json_object_get(m, "value");
		html_raw(p->b, "<tr><th scope=\"row\"><a href=\"/metrics/");
		url_encode(p->b, view_str(m, "id"));
		html_raw(p->b, "?city=");
		url_encode(p->b, p->slug);
		same_view_query(p, p->b, "&amp;");
		html_raw(p->b, "\">");
		names_json_title_html(p->b, m);
		html_raw(p->b, "</a></th><td class=\"num\">");
		if (json_is_number(v)) {
			metric_value(p->b, v, view_str(m, "unit"));
			metric_links_html(p->b, m, p->slug, p->wave);
			html_raw(p->b, "</td><td class=\"num\">");
			{
				char rk[64], of[32];
				snprintf(rk, sizeof(rk), "<data value=\"%lld\">%lld</data>",
				    (long long)json_integer_value(json_object_get(m, "rank")),
				    (long long)json_integer_value(json_object_get(m, "rank")));
				snprintf(of, sizeof(of), "%lld", (long long)json_integer_value(json_object_get(m, "of")));
				/* TRANSLATORS: a rank: {1} of {2} */
				ltext(p->b, _("{1} of {2}"), 1, rk, of, NULL, NULL);
			}
			html_raw(p->b, "</td><td class=\"num\"><data value=\"");
			view_number(p->b, json_number_value(json_object_get(m, "percentile")));
			html_raw(p->b, "\">");
			view_fixed(p->b, json_number_value(json_object_get(m, "percentile")), 0);
			html_raw(p->b, "</data></td></tr>\n");
		} else {
			html_raw(p->b, "<span class=\"unanswered\">");
			html_text(p->b, _("(no value)"));
			html_raw(p->b, "</span></td><td class=\"num\">–</td><td class=\"num\">–</td></tr>\n");
		}
	}
	html_raw(p->b, "</tbody></table></div>\n<p class=\"to-toc\"><a href=\"#on-this-page\">");
	html_text(p->b, _("Back to the sections"));
	html_raw(p->b, "</a></p>\n</section>\n");
}

/* The question of a code in a wave's questionnaire (this wave's or another's). */
static json_t *
question_in(const struct profile *p, const char *wave, const char *code)
{
	if (streq(wave, p->wave))
		return sections_question(p, code);
	return answer_question(json_object_get(p->others, wave), code);
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
			if (json_object_get(have, view_str(q, "code")))
				continue;
			json_object_set_new(have, view_str(q, "code"), json_string(wave));
			json_array_append_new(codes, json_string(view_str(q, "code")));
		}
	}
	html_raw(p->b, "<section id=\"waves\" aria-labelledby=\"h-waves\"><h2 id=\"h-waves\">");
	html_text(p->b, _("Answers across waves"));
	html_raw(p->b, "</h2>\n");
	html_raw(p->b, "<p>");
	/* TRANSLATORS: {1} the city; keep the markup */
	ltext(p->b, _("Every question of the survey beside {1}'s answer in each wave it took part in. "
	    "<span class=\"not-asked\">— not asked</span> means the wave did not ask the question; "
	    "<span class=\"unanswered\">(no answer)</span> means it was asked and not answered; an answer that "
	    "differs from the wave before is marked <strong class=\"changed-mark\">changed</strong>."), 0,
	    p->name, NULL, NULL, NULL);
	html_raw(p->b, "</p>\n");
	html_raw(p->b, "<div class=\"scroll\" tabindex=\"0\" role=\"region\" aria-labelledby=\"cap-waves\">"
	    "<table class=\"data waves\"><caption id=\"cap-waves\">");
	/* TRANSLATORS: {1} the city */
	ltext(p->b, _("{1}'s answers by wave"), 0, p->name, NULL, NULL, NULL);
	html_raw(p->b, "</caption>\n<thead><tr><th scope=\"col\">");
	html_text(p->b, _("Question"));
	html_raw(p->b, "</th>");
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
			int changed = v && before && !answer_same(code, v, before);

			html_raw(&row, changed ? "<td class=\"changed\">" : "<td>");
			answer_html_lang(&row, question_in(p, wave, code) ? question_in(p, wave, code) : label_q, v,
			    v != NULL, view_str(p->city, "lang"));
			if (changed) {
				html_raw(&row, " <strong class=\"changed-mark\">");
				html_text(&row, _("changed"));
				html_raw(&row, "</strong>");
				changed_row = 1;
			}
			html_raw(&row, "</td>");
		}
		changes += changed_row;
		html_raw(p->b, changed_row ? "<tr class=\"changed\"><th scope=\"row\">" : "<tr><th scope=\"row\">");
		html_text(p->b, view_str(label_q, "text"));
		html_raw(p->b, "</th>");
		if (row.data)
			buf_append(p->b, row.data, row.len);
		html_raw(p->b, "</tr>\n");
		buf_free(&row);
	}
	html_raw(p->b, "</tbody></table></div>\n");
	if (nw > 1)
	{
		char n[16];
		snprintf(n, sizeof(n), "%d", changes);
		html_raw(p->b, "<p>");
		ltext(p->b, P_("{1} answer changed between waves.", "{1} answers changed between waves.",
		    (unsigned long)changes), 0, n, NULL, NULL, NULL);
		html_raw(p->b, "</p>\n");
	}
	html_raw(p->b, "<p class=\"to-toc\"><a href=\"#on-this-page\">");
	html_text(p->b, _("Back to the sections"));
	html_raw(p->b, "</a></p>\n</section>\n");
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
		const char *code = view_str(q, "code"), *type = view_str(q, "type");
		json_t *v = json_object_get(p->answers, code);
		if (json_object_get(p->seen, code))
			continue;
		if (n++ == 0) {
			html_raw(p->b, "<section id=\"other\" aria-labelledby=\"h-other\"><h2 id=\"h-other\">");
			html_text(p->b, _("Other answers"));
			html_raw(p->b, "</h2>\n<dl class=\"answers\">\n");
		}
		html_raw(p->b, "<dt>");
		html_text(p->b, view_str(q, "text"));
		html_raw(p->b, "</dt><dd>");
		answer_html_lang(p->b, q, v, v != NULL, view_str(p->city, "lang"));
		if (((streq(type, "single") && json_is_string(v)) || json_is_boolean(v)) &&
		    sections_answered(p, code) > 0) {
			const char *opt = json_is_string(v) ? json_string_value(v) : json_is_true(v) ? "yes" : "no";
			html_raw(p->b, " <span class=\"cohort\">");
			html_text(p->b, _("— like"));
			html_raw(p->b, " ");
			sections_share(p, code, opt, sections_count(p, code, opt), sections_answered(p, code), NULL);
			html_raw(p->b, "</span>");
		}
		html_raw(p->b, "</dd>\n");
	}
	if (n)
		html_raw(p->b, "</dl></section>\n");
}

static void
peers_form(struct request *r, struct profile *p)
{
	html_raw(p->b, "<form class=\"filters peers\" method=\"get\" action=\"/cities/");
	url_encode(p->b, p->slug);
	html_raw(p->b, "\">\n<div class=\"field\"><label for=\"survey\">");
	html_text(p->b, _("Wave"));
	html_raw(p->b, "</label><select id=\"survey\" name=\"survey\">");
	view_wave_options(p->b, json_object_get(p->model, "waves"), p->wave);
	html_raw(p->b, "</select></div>\n<div class=\"field wide\"><label for=\"peers\">");
	html_text(p->b, _("Compare with"));
	html_raw(p->b, "</label><input id=\"peers\" name=\"peers\" autocomplete=\"off\" spellcheck=\"false\" "
	    "aria-describedby=\"peers-help\" value=\"");
	html_attr(p->b, p->peers);
	html_raw(p->b, "\"></div>\n");
	view_peers_selects(r, p->b);	/* issue 15: region and country as drop-downs */
	html_raw(p->b, "<button type=\"submit\">");
	html_text(p->b, _("Show"));
	html_raw(p->b, "</button>\n<p id=\"peers-help\" class=\"hint\">");
	/* TRANSLATORS: keep the <code> examples as they are: they are what the field takes */
	html_raw(p->b, _("Leave empty to compare with every city in the wave, or name a peer group: "
	    "<code>region:Europe</code>, <code>country:CA</code>, "
	    "<code>population:1000000-5000000</code>, or city slugs separated by commas "
	    "(<code>toronto,aldilmere</code>)."));
	html_raw(p->b, "</p>\n</form>\n");
}

/* The page's description (issue 15): the city, its country and population, the wave, the metrics
 * and the peers it is ranked among. */
static void
description(struct profile *p, struct buf *d)
{
	const char *cc = view_str(p->city, "country"), *cn = country_name(cc);
	json_t *pop = json_object_get(p->city, "population");

	struct buf head = BUF_INIT, v = BUF_INIT;
	size_t nm = json_array_size(json_object_get(p->model, "metrics"));
	char n[32], size[32];

	/* Plain text (the page escapes it): every value raw. */
	if (json_is_number(pop)) {
		chart_value(&v, json_number_value(pop), NULL);
		/* TRANSLATORS: a page's description: {1} a city, {2} its country, {3} its population */
		ltext(&head, _("{1} ({2}), population {3}"), 7, p->name, cn ? cn : cc, v.data ? v.data : "", NULL);
	} else {
		ltext(&head, _("{1} ({2})"), 3, p->name, cn ? cn : cc, NULL, NULL);
	}
	snprintf(n, sizeof(n), "%zu", nm);
	snprintf(size, sizeof(size), "%lld", p->size);
	if (p->wave)	/* TRANSLATORS: a profile's description: {1} the city and its country, {2} a wave */
		ltext(d, *p->peers ? P_("{1}: its answers to the {2} municipal innovation survey, {3} metric ranked among "
		    "{4} peer cities, how its answers changed between waves, and the cities most like it.",
		    "{1}: its answers to the {2} municipal innovation survey, {3} metrics ranked among {4} peer cities, "
		    "how its answers changed between waves, and the cities most like it.", nm) :
		    P_("{1}: its answers to the {2} municipal innovation survey, {3} metric ranked among {4} cities, how "
		    "its answers changed between waves, and the cities most like it.", "{1}: its answers to the {2} "
		    "municipal innovation survey, {3} metrics ranked among {4} cities, how its answers changed between "
		    "waves, and the cities most like it.", nm), 15, head.data ? head.data : "", p->wave, n, size);
	else
		ltext(d, _("{1}: no answers to a survey wave yet."), 1, head.data ? head.data : "", NULL, NULL, NULL);
	buf_free(&head);
	buf_free(&v);
}

void
profile_html(struct request *r, json_t *model)
{
	struct profile pr, *p = &pr;
	struct buf desc = BUF_INIT;
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
	p->name = view_str(p->city, "name");
	p->slug = view_str(p->city, "slug");
	p->wave = json_string_value(json_object_get(model, "survey"));
	p->peers = view_str(model, "peers");
	p->size = (long long)json_integer_value(json_object_get(model, "cohort_size"));

	if (p->wave)	/* TRANSLATORS: a profile's title: the city, the wave */
		snprintf(title, sizeof(title), _("%s, %s wave"), p->name, p->wave);
	else
		snprintf(title, sizeof(title), "%s", p->name);
	description(p, &desc);
	page_begin_described(r, title, desc.data);
	buf_free(&desc);
	html_raw(p->b, "<h1>");
	sections_city(p);
	if (p->wave) {
		struct buf n = BUF_INIT;
		const char *t, *s;
		int latest = json_is_string(json_object_get(model, "city_survey"));

		view_int(&n, p->size);
		html_raw(p->b, " <span class=\"subtitle\">");
		/* a frame per language: {wave}, {peers} (code), {n}; with survey=latest, the city at its
		 * latest wave and the cohort each city at its own latest */
		if (latest)
			t = *p->peers ? P_("{wave} wave, its latest, compared with each city at its latest wave in the peer "
			    "group <code>{peers}</code>: {n} city", "{wave} wave, its latest, compared with each city at its "
			    "latest wave in the peer group <code>{peers}</code>: {n} cities", (unsigned long)p->size) :
			    P_("{wave} wave, its latest, compared with each city at its latest wave: {n} city",
			    "{wave} wave, its latest, compared with each city at its latest wave: {n} cities",
			    (unsigned long)p->size);
		else
			t = *p->peers ? P_("{wave} wave, compared with the peer group <code>{peers}</code>: {n} city",
			    "{wave} wave, compared with the peer group <code>{peers}</code>: {n} cities",
			    (unsigned long)p->size) :
			    P_("{wave} wave, compared with all {n} cities surveyed",
			    "{wave} wave, compared with all {n} cities surveyed", (unsigned long)p->size);
		while ((s = strchr(t, '{')) != NULL) {
			buf_append(p->b, t, (size_t)(s - t));
			if (strncmp(s, "{wave}", 6) == 0) {
				html_text(p->b, latest ? view_str(model, "city_survey") : p->wave);
				t = s + 6;
			} else if (strncmp(s, "{peers}", 7) == 0) {
				html_text(p->b, p->peers);
				t = s + 7;
			} else if (strncmp(s, "{n}", 3) == 0) {
				buf_append(p->b, n.data ? n.data : "", n.len);
				t = s + 3;
			} else {
				buf_putc(p->b, '{');
				t = s + 1;
			}
		}
		html_raw(p->b, t);
		buf_free(&n);
		html_raw(p->b, "</span>");
	}
	html_raw(p->b, "</h1>\n");
	latest_pools_html(p->b, model);
	if (json_is_true(json_object_get(p->city, "synthetic")))
		html_raw(p->b, _("<p class=\"notice synthetic\" role=\"note\"><strong>Synthetic demonstration "
		    "city.</strong> Its name and answers were generated to fill the demonstration cohort; "
		    "they describe no real city.</p>\n"));
	if (p->wave == NULL) {
		struct buf u = BUF_INIT;

		html_raw(p->b, "<p>");
		ltext(p->b, _("{1} has not answered any wave of the survey yet."), 0, p->name, NULL, NULL, NULL);
		html_raw(p->b, "</p>\n<p><a href=\"/cities/");
		url_encode(p->b, p->slug);
		html_raw(p->b, "/submissions\">");
		html_text(p->b, _("Versions"));
		html_raw(p->b, "</a> · <a href=\"/cities/");
		url_encode(p->b, p->slug);
		html_raw(p->b, ".json\">JSON</a></p>\n<p>");
		url_encode(&u, p->slug);
		/* TRANSLATORS: {1} the city's address part; keep the markup */
		ltext(p->b, _("The city's partner: <a href=\"/cities/{1}/answers.csv\">download the empty form with the "
		    "city filled in (CSV)</a> for a first <a href=\"/upload\">upload</a>."), 1, u.data ? u.data : "",
		    NULL, NULL, NULL);
		html_raw(p->b, "</p>\n");
		buf_free(&u);
		goto out;
	}
	/* issue 15: a way to compare from every profile; the compare page asks for the other cities */
	html_raw(p->b, "<p class=\"compare-with\"><a href=\"/compare?cities=");
	url_encode(p->b, p->slug);
	html_raw(p->b, "&amp;survey=");
	url_encode(p->b, p->wave);
	html_raw(p->b, "\">");
	ltext(p->b, _("Compare {1} with other cities…"), 0, p->name, NULL, NULL, NULL);
	html_raw(p->b, "</a></p>\n");
	peers_form(r, p);
	if (*p->peers && p->size == 0)
	{
		html_raw(p->b, "<p class=\"notice\" role=\"note\">");
		html_text(p->b, _("No city of this wave is in the peer group: the statements below have no cohort to "
		    "compare with."));
		html_raw(p->b, "</p>\n");
	}

	sections_toc(p);
	sections_html(p);
	data_availability(p);
	metrics_table(p);
	trend_html(r, p->slug, p->name, NULL);	/* issue 15: the metrics over time */
	other_answers(p);
	waves_table(p);
	profile_similar_html(p->b, p->model, p->slug, p->wave);

	html_raw(p->b, "<section id=\"downloads\" aria-labelledby=\"h-downloads\"><h2 id=\"h-downloads\">");
	html_text(p->b, _("Downloads and versions"));
	html_raw(p->b, "</h2>\n<ul>\n<li>");
	{
		struct buf s = BUF_INIT, wv = BUF_INIT;

		url_encode(&s, p->slug);
		url_encode(&wv, p->wave);
		/* TRANSLATORS: {1} the city's and {2} the wave's address parts; keep the markup */
		ltext(p->b, _("For the city's partner: <a href=\"/cities/{1}/answers.csv?survey={2}\">download your current "
		    "answers</a> to edit and <a href=\"/upload?city={1}&amp;survey={2}\">upload</a> again (CSV; "
		    "<a href=\"/cities/{1}/answers.json?survey={2}\">JSON</a>), or, for a first upload, "
		    "<a href=\"/surveys/{2}/template.csv?city={1}\">the empty form</a>"), 3, s.data ? s.data : "",
		    wv.data ? wv.data : "", NULL, NULL);
		html_raw(p->b, "</li>\n<li><a rel=\"alternate\" type=\"application/atom+xml\" href=\"/cities/");
		url_encode(p->b, p->slug);
		html_raw(p->b, "/feed.atom\">");
		html_text(p->b, _("Follow this city: its new versions as an Atom feed"));
		html_raw(p->b, "</a></li>\n<li><a href=\"/cities/");
		url_encode(p->b, p->slug);
		html_raw(p->b, ".json");
		same_view_query(p, p->b, "?");
		html_raw(p->b, "\">");
		html_text(p->b, _("This profile as JSON"));
		html_raw(p->b, "</a></li>\n<li><a href=\"/cities/");
		url_encode(p->b, p->slug);
		html_raw(p->b, ".csv");
		same_view_query(p, p->b, "?");
		html_raw(p->b, "\">");
		html_text(p->b, _("The answers as CSV"));
		html_raw(p->b, "</a> (<code>question,value</code>)</li>\n<li>");
		ltext(p->b, _("<a href=\"/cities/{1}/submissions?survey={2}\">Versions of these answers</a> and what each "
		    "changed"), 3, s.data ? s.data : "", wv.data ? wv.data : "", NULL, NULL);
		html_raw(p->b, "</li>\n");
		buf_free(&s);
		buf_free(&wv);
	}
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
		/* TRANSLATORS: {1} the city, {2} a wave */
		ltext(p->b, _("{1}'s profile in the {2} wave"), 0, p->name, json_string_value(w), NULL, NULL);
		html_raw(p->b, "</a></li>\n");
	}
	html_raw(p->b, "<li><a href=\"/surveys/");
	url_encode(p->b, p->wave);
	html_raw(p->b, "\">");
	ltext(p->b, _("The {1} questionnaire"), 0, p->wave, NULL, NULL, NULL);
	html_raw(p->b, "</a></li>\n</ul>\n</section>\n");
out:
	page_end(r);
	json_decref(p->seen);
}
