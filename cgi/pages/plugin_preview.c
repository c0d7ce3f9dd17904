/* plugin_preview.c: /plugins/preview — a signed-in researcher pastes or uploads a plugin and sees, per
 * metric and wave, its ranking (first and last cities, the value of any city), its distribution
 * (chart and summary) and what it printed, or its errors with the offending line shown.  A plain form
 * (multipart/form-data with the session's CSRF token): it works without JavaScript.  The run is the
 * API's preview (preview_execute): the same sandbox, budgets, slots, size limit and rate limit. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "chart.h"
#include "compute.h"
#include "html.h"
#include "lang.h"
#include "ltext.h"
#include "names.h"
#include "multipart.h"
#include "page.h"
#include "plugin.h"
#include "preview.h"
#include "ratelimit.h"
#include "reply.h"
#include "routes.h"
#include "session.h"

#define PAGE_RATE 0.5		/* as the API's previews, in the same bucket of the token */
#define PAGE_BURST 20.0
#define PAGE_ENDS 5		/* cities shown at each end of a ranking */

struct cv {
	const char *slug;
	double v;
};

static int
desc_value(const void *a, const void *b)
{
	const struct cv *x = a, *y = b;

	if (x->v != y->v)
		return x->v < y->v ? 1 : -1;
	return strcmp(x->slug, y->slug);
}

static int
asc_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void
form(struct request *r, const struct session *s, const char *src, size_t len, const char *city)
{
	struct buf *b = &r->out;

	html_raw(b, "<form class=\"preview\" method=\"post\" action=\"/plugins/preview\" "
	    "enctype=\"multipart/form-data\">\n");
	session_csrf_field(b, s);
	html_raw(b, "<p><label for=\"source\">");
	html_text(b, _("The plugin's Lua source (paste it here)"));
	html_raw(b, "</label><br>\n<textarea id=\"source\" name=\"source\" rows=\"18\" cols=\"80\" spellcheck=\"false\">");
	if (src)
		html_textn(b, src, len);
	html_raw(b, "</textarea></p>\n<p><label for=\"file\">");
	/* TRANSLATORS: keep the <code> markup */
	html_raw(b, _("or upload a <code>.lua</code> file"));
	html_raw(b, "</label> <input type=\"file\" id=\"file\" name=\"file\" accept=\".lua,text/x-lua,text/plain\"></p>\n"
	    "<p><label for=\"city\">");
	html_text(b, _("Show the value of the city (its slug, optional)"));
	html_raw(b, "</label> <input type=\"text\" id=\"city\" name=\"city\" maxlength=\"64\" value=\"");
	html_attr(b, city ? city : "");
	html_raw(b, "\"></p>\n<p><button type=\"submit\">");
	html_text(b, _("Preview"));
	html_raw(b, "</button> ");
	/* TRANSLATORS: keep the markup and the link's address */
	html_raw(b, _("At most 256 KiB; nothing is installed "
	    "or stored. To propose it for the portal, submit it with <code>POST /api/plugins</code> "
	    "(<a href=\"/guide#queue\">the guide</a>)."));
	html_raw(b, "</p>\n</form>\n");
}

static void
intro(struct request *r)
{
	html_raw(&r->out, "<h1>");
	html_text(&r->out, _("Preview a plugin"));
	html_raw(&r->out, "</h1>\n<p>");
	/* TRANSLATORS: keep the markup and the link's address */
	html_raw(&r->out, _("Run a metric plugin over the published data, in the "
	    "same sandbox and budgets as the server, without installing it: per wave its ranking, "
	    "distribution and summary, and what it printed with <code>print</code>. "
	    "<a href=\"/guide\">How to write one</a>."));
	html_raw(&r->out, "</p>\n");
}

int
plugin_preview_get(struct request *r)
{
	struct session s;
	const char *msg;
	int st = session_get(r, &s, &msg);

	page_begin(r, _("Preview a plugin"));
	intro(r);
	if (st != 0 || s.tok.partner) {
		html_raw(&r->out, "<p class=\"notice\">");
		/* TRANSLATORS: keep the link and its address */
		html_raw(&r->out, _("Previews are for researchers: <a href=\"/signin?next=/plugins/preview\">"
		    "sign in</a> with your researcher token first."));
		html_raw(&r->out, "</p>\n");
		page_end(r);
		return 0;
	}
	html_raw(&r->out, "<p>");
	ltext(&r->out, _("Signed in as {1}."), 0, s.tok.name, NULL, NULL, NULL);
	html_raw(&r->out, "</p>\n");
	form(r, &s, NULL, 0, NULL);
	page_end(r);
	return 0;
}

/* The error, and the source around its line with that line marked. */
static void
error_html(struct buf *b, const struct plugin_result *res, const char *src, size_t len)
{
	struct buf m = BUF_INIT;
	int line = res->error.line, n = 1;
	size_t i = 0, start;

	plugin_error_format(&res->error, &m);
	html_raw(b, "<section aria-labelledby=\"h-error\"><h2 id=\"h-error\">");
	html_text(b, _("The plugin failed"));
	html_raw(b, "</h2>\n<pre class=\"error\" role=\"alert\"><code>");
	html_text(b, m.data ? m.data : _("the plugin failed"));
	html_raw(b, "</code></pre>\n");
	buf_free(&m);
	if (line > 0) {
		char ln[32];

		snprintf(ln, sizeof(ln), "%d", line);
		html_raw(b, "<p>");
		/* TRANSLATORS: {1} a line number of a plugin's source */
		ltext(b, _("Line {1} of the source, with the lines around it:"), 0, ln, NULL, NULL, NULL);
		html_raw(b, "</p>\n<pre class=\"source\"><code>");
		while (i < len) {
			start = i;
			while (i < len && src[i] != '\n')
				i++;
			if (n >= line - 2 && n <= line + 2) {
				if (n == line)
					html_raw(b, "<mark>");
				buf_printf(b, "%5d  ", n);
				html_textn(b, src + start, i - start);
				if (n == line)
					html_raw(b, "</mark>");
				html_raw(b, "\n");
			}
			i++;
			n++;
		}
		html_raw(b, "</code></pre>\n");
	}
	html_raw(b, "</section>\n");
}

static void
ends_html(struct buf *b, const struct cv *v, size_t n, const char *unit, int first, const char *caption)
{
	size_t i, k = n < PAGE_ENDS ? n : PAGE_ENDS;

	html_raw(b, "<table class=\"data\"><caption>");
	html_text(b, caption);
	html_raw(b, "</caption><thead><tr><th scope=\"col\">");
	html_text(b, _("Rank"));
	html_raw(b, "</th><th scope=\"col\">");
	html_text(b, _("City"));
	html_raw(b, "</th><th scope=\"col\">");
	html_text(b, _("Value"));
	html_raw(b, "</th></tr></thead><tbody>\n");
	for (i = 0; i < k; i++) {
		size_t at = first ? i : n - k + i;

		buf_printf(b, "<tr><td>%zu</td><th scope=\"row\">", at + 1);
		html_text(b, v[at].slug);
		html_raw(b, "</th><td>");
		chart_value(b, v[at].v, unit);
		html_raw(b, "</td></tr>\n");
	}
	html_raw(b, "</tbody></table>\n");
}

static void
results_html(struct buf *b, const struct plugin_result *res, const struct city_inputs *in, const char *city)
{
	struct cv *v = malloc((in->n ? in->n : 1) * sizeof(*v));
	double *vals = malloc((in->n ? in->n : 1) * sizeof(*vals));
	size_t k, i, j, n;

	if (v == NULL || vals == NULL) {
		free(v);
		free(vals);
		return;
	}
	for (k = 0; k < res->nmetrics; k++) {
		const struct plugin_metric *m = &res->metrics[k];
		const char *done[16];
		size_t ndone = 0;

		{
			struct buf title = BUF_INIT;
			names_text_html(&title, m->title_fr, m->title);
			buf_printf(b, "<section aria-labelledby=\"m-%zu\"><h2 id=\"m-%zu\">", k, k);
			/* TRANSLATORS: a heading: {1} a metric's id, {2} its title */
			ltext(b, _("<code>{1}</code>: {2}"), 2, m->id, title.data ? title.data : "", NULL, NULL);
			html_raw(b, "</h2>\n<p>");
			buf_free(&title);
		}
		names_text_html(b, m->description_fr, m->description);
		html_raw(b, " ");
		/* TRANSLATORS: a metric's facts: {1} its unit (a code), {2} its version */
		ltext(b, m->higher_is_better ? _("Unit: {1}; higher is better; version {2}.") :
		    _("Unit: {1}; lower is better; version {2}."), 0, m->unit, m->version, NULL, NULL);
		html_raw(b, "</p>\n");
		for (i = 0; i < in->n && ndone < 16; i++) {
			const char *w = in->cities[i].survey;
			struct chart_bin *bins = NULL;
			size_t nbins = 0, d;
			double sum = 0, cityv = NAN;
			int seen = 0, found = 0;
			char cid[48], title[160];
			struct chart c;

			for (d = 0; d < ndone; d++)
				if (strcmp(done[d], w) == 0)
					seen = 1;
			if (seen)
				continue;
			done[ndone++] = w;
			for (j = i, n = 0; j < in->n; j++) {
				if (strcmp(in->cities[j].survey, w) != 0)
					continue;
				if (city && strcmp(in->cities[j].slug, city) == 0) {
					found = 1;
					cityv = m->values[j];
				}
				if (isnan(m->values[j]))
					continue;
				v[n].slug = in->cities[j].slug;
				v[n].v = m->values[j];
				vals[n++] = m->values[j];
				sum += m->values[j];
			}
			qsort(v, n, sizeof(*v), desc_value);
			if (!m->higher_is_better)
				for (j = 0; j < n / 2; j++) {
					struct cv t = v[j];

					v[j] = v[n - 1 - j];
					v[n - 1 - j] = t;
				}
			qsort(vals, n, sizeof(*vals), asc_double);
			html_raw(b, "<h3>");
			/* TRANSLATORS: {1} a wave (a year) */
			ltext(b, _("Wave {1}"), 0, w, NULL, NULL, NULL);
			html_raw(b, "</h3>\n<p>");
			{
				struct buf mean = BUF_INIT, med = BUF_INIT, lo = BUF_INIT, hi = BUF_INIT;
				char nn[32];

				snprintf(nn, sizeof(nn), "%zu", n);
				if (n) {
					chart_value(&mean, sum / (double)n, m->unit);
					chart_value(&med, n % 2 ? vals[n / 2] : (vals[n / 2 - 1] + vals[n / 2]) / 2, m->unit);
					chart_value(&lo, vals[0], m->unit);
					chart_value(&hi, vals[n - 1], m->unit);
					/* TRANSLATORS: {1} how many cities, then the mean, the median, the lowest, the highest:
					 * ltext takes four values, so the count is written first */
					ltext(b, P_("{1} city with a value;", "{1} cities with a value;", n), 0, nn, NULL, NULL,
					    NULL);
					html_raw(b, " ");
					ltext(b, _("mean {1}, median {2}, lowest {3}, highest {4}."), 0, mean.data, med.data,
					    lo.data, hi.data);
				} else {
					ltext(b, _("No city with a value."), 0, NULL, NULL, NULL, NULL);
				}
				buf_free(&mean);
				buf_free(&med);
				buf_free(&lo);
				buf_free(&hi);
			}
			html_raw(b, "</p>\n");
			if (city && *city) {
				struct buf cv = BUF_INIT;

				html_raw(b, "<p class=\"city-value\">");
				if (!found)
					buf_puts(&cv, _("not in this wave"));
				else if (isnan(cityv))
					buf_puts(&cv, _("no value"));
				else
					chart_value(&cv, cityv, m->unit);
				/* TRANSLATORS: {1} a city's slug, {2} its value */
				ltext(b, _("{1}: {2}."), 0, city, cv.data ? cv.data : "", NULL, NULL);
				buf_free(&cv);
				html_raw(b, "</p>\n");
			}
			if (n == 0)
				continue;
			ends_html(b, v, n, m->unit, 1, _("First in the ranking"));
			if (n > PAGE_ENDS)
				ends_html(b, v, n, m->unit, 0, _("Last in the ranking"));
			if (chart_bins(vals, n, &bins, &nbins) == 0 && nbins > 0) {
				snprintf(cid, sizeof(cid), "hist-%zu-%zu", k, ndone);
				/* TRANSLATORS: a chart's title: a metric's id, a wave */
				snprintf(title, sizeof(title), _("Distribution of %s, wave %s"), m->id, w);
				c = (struct chart){ .id = cid, .title = title,
					.desc = _("Cities per bin of values; the data list follows the chart."),
					.unit = m->unit };
				html_raw(b, "<figure>");
				chart_histogram(b, &c, bins, nbins, -1);
				html_raw(b, "</figure>\n");
			}
			free(bins);
		}
		html_raw(b, "</section>\n");
	}
	free(v);
	free(vals);
}

static void
log_html(struct buf *b, const char *log)
{
	html_raw(b, "<section aria-labelledby=\"h-log\"><h2 id=\"h-log\">");
	html_text(b, _("What it printed"));
	html_raw(b, "</h2>\n");
	if (log == NULL || *log == '\0') {
		html_raw(b, "<p>");
		/* TRANSLATORS: keep the <code> markup */
		html_raw(b, _("Nothing (<code>print</code> writes here, at most 100 lines of 200 characters)."));
		html_raw(b, "</p>\n");
	} else {
		html_raw(b, "<pre class=\"log\"><code>");
		html_text(b, log);
		html_raw(b, "</code></pre>\n");
	}
	html_raw(b, "</section>\n");
}

int
plugin_preview_post(struct request *r)
{
	struct mp_part *parts = NULL;
	const struct mp_part *csrf, *src, *file, *cityp;
	struct session s;
	struct plugin_result res;
	struct city_inputs in;
	const char *msg, *code = NULL;
	char *err = NULL, *given = NULL, name[PREVIEW_FILENAME_MAX + 1], city[65] = "";
	size_t nparts = 0, len = 0;
	int st, retry = 0;

	memset(&res, 0, sizeof(res));
	memset(&in, 0, sizeof(in));
	if (r->body_short)
		return reply_error(r, 400, "the body is shorter than its Content-Length", NULL);
	if ((st = session_get(r, &s, &msg)) != 0)
		return reply_error(r, st, st == 401 ? "Sign in with your researcher token to preview a plugin." : msg, NULL);
	if (r->content_type == NULL || strncasecmp(r->content_type, "multipart/form-data", 19) != 0)
		return reply_error(r, 415, "send the form as multipart/form-data", NULL);
	if (multipart_parse(r->content_type, r->body, r->body_len, &parts, &nparts, &err) == -1) {
		reply_errorf(r, 400, "the form could not be read: %s", err ? err : "malformed");
		free(err);
		return -1;
	}
	csrf = multipart_get(parts, nparts, SESSION_CSRF_FIELD);
	given = csrf ? strndup(csrf->data, csrf->len) : NULL;
	if (!session_csrf_ok(&s, given)) {
		st = reply_error(r, 403, "This form did not come from your session's page (its CSRF token is "
		    "missing or wrong): reload the page and try again.", NULL);
		goto out;
	}
	if (s.tok.partner) {
		st = reply_error(r, 403, "previews need a researcher's token: sign in with one", NULL);
		goto out;
	}
	if (!rate_take(r->app->shm, -s.tok.id, PAGE_RATE, PAGE_BURST, &retry)) {
		st = reply_error(r, 429, "too many previews: wait a few seconds and try again", NULL);
		goto out;
	}
	file = multipart_get(parts, nparts, "file");
	src = multipart_get(parts, nparts, "source");
	cityp = multipart_get(parts, nparts, "city");
	if (cityp && cityp->len > 0 && cityp->len < sizeof(city)) {
		memcpy(city, cityp->data, cityp->len);
		city[cityp->len] = '\0';
		city[strcspn(city, "\r\n")] = '\0';
	}
	if (file && file->len > 0) {
		code = file->data;
		len = file->len;
		preview_filename(file->filename, name, sizeof(name));
	} else if (src && src->len > 0) {
		code = src->data;
		len = src->len;
		preview_filename(NULL, name, sizeof(name));
	}
	if (code == NULL) {
		st = reply_error(r, 400, "The form has no plugin: paste its source or choose a file.", NULL);
		goto out;
	}
	if (len > PLUGIN_MAX_SOURCE) {
		st = reply_error(r, 413, "the plugin is over 256 KiB", NULL);
		goto out;
	}
	st = preview_execute(r, name, code, len, &res, &in);
	if (st < 0) {
		reply_error(r, st == -2 ? 429 : 503, st == -2 ? "every preview slot is busy: retry in a few seconds" :
		    st == -3 ? "the database is unreachable" : "the sandbox could not be started; try again", NULL);
		st = -1;
		goto out;
	}
	page_begin(r, st == 0 ? _("Plugin preview") : _("Plugin preview: it failed"));
	if (st == 1)
		r->status = 422;
	intro(r);
	if (st == 1)
		error_html(&r->out, &res, code, len);
	else
		results_html(&r->out, &res, &in, *city ? city : NULL);
	log_html(&r->out, res.log);
	html_raw(&r->out, "<h2>");
	html_text(&r->out, _("Try again"));
	html_raw(&r->out, "</h2>\n");
	form(r, &s, code, len, city);
	page_end(r);
	st = 0;
out:
	free(given);
	multipart_free(parts, nparts);
	plugin_result_free(&res);
	city_inputs_free(&in);
	return st;
}
