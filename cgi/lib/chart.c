/* chart.c: small SVG charts (horizontal bars, histograms, grouped bars) written through xml_text.
 *
 * One row renderer serves the three charts: a row is either a heading (a group's name) or a bar with a
 * label on the left, the bar on its own scale, and the value as text after it.  The body and the data
 * list for <desc> are written side by side into two buffers, then put together behind the <title> and
 * <desc>, which must come first.  Geometry is in user units of an 800-wide viewBox. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libintl.h>

#include "chart.h"
#include "html.h"

#define WIDTH		800.0
#define LABEL_END	242.0	/* labels end here (text-anchor end) */
#define BAR_START	250.0
#define BAR_END		620.0
#define ROW_H		26.0
#define BAR_H		18.0
#define HEAD_H		32.0
#define PAD		10.0
#define TITLE_H		34.0	/* the visible title of a standalone chart */
#define SUBTITLE_H	22.0	/* its second line (the peer group) */
#define FOOT_H		22.0	/* a line of its foot (source and licence, permalink) */
#define LABEL_MAX	32	/* code points of a label shown; the whole one is in the row's <title> */
#define DESC_ROWS	60	/* rows listed in <desc> */

#define BAR_FILL	"#3b6ea5"
#define MARK_FILL	"#8a4b00"

/* The narrow layout (issue 15): the same chart drawn 360 units wide, each label on its own line above
 * its bar, for screens under 600 CSS px where the wide one would shrink its text under 9 px.  Inline
 * charts carry both, inside <div class="chart-pair">; the style sheet shows one. */
#define N_WIDTH		360.0
#define N_BAR_END	200.0
#define N_ROW_H		44.0
#define N_LABEL_H	18.0
#define T_CHARS		36	/* code points per line of the narrow standalone title (16 units) */
#define S_CHARS		40	/* of its subtitle (15) */
#define F_CHARS		44	/* of its foot (14) */
#define LINE_H		20.0	/* the title's line height */

struct geometry { double width, label_end, bar_start, bar_end, row_h, label_h; int narrow; };
static const struct geometry wide_geo = { WIDTH, LABEL_END, BAR_START, BAR_END, ROW_H, 0, 0 };
static const struct geometry narrow_geo = { N_WIDTH, 0, 0, N_BAR_END, N_ROW_H, N_LABEL_H, 1 };
static const struct geometry *geo = &wide_geo;
static int pairing;	/* inside the pair: each writer draws once */

struct canvas {
	const struct chart *c;
	struct buf body, list;
	double y;
	size_t listed, unlisted;
	int after_heading;	/* the next data item follows a heading: no separator */
	int failed;
};

static void
note(struct canvas *k, int rc)
{
	if (rc == -1)
		k->failed = 1;
}

static void
fmt_number(char *s, size_t n, double v)
{
	size_t len;

	if (v == 0)
		v = 0;	/* no "-0" */
	if (v == floor(v) && fabs(v) < 1e15) {
		snprintf(s, n, "%.0f", v);
		return;
	}
	if (fabs(v) < 0.01) {
		snprintf(s, n, "%.2g", v);
		return;
	}
	snprintf(s, n, "%.2f", v);
	len = strlen(s);
	while (len > 0 && s[len - 1] == '0')
		s[--len] = '\0';
	if (len > 0 && s[len - 1] == '.')
		s[--len] = '\0';
}

/* v rounded half up to at most places decimals, trailing zeros dropped, no "-0". */
static void
fmt_fixed(char *s, size_t n, double v, int places)
{
	double m = pow(10, places);
	size_t len;

	if (fabs(v) * m < 9e15)
		v = floor(v * m + 0.5) / m;
	snprintf(s, n, "%.*f", places, v);
	len = strlen(s);
	if (strchr(s, '.')) {
		while (len > 0 && s[len - 1] == '0')
			s[--len] = '\0';
		if (len > 0 && s[len - 1] == '.')
			s[--len] = '\0';
	}
	if (strcmp(s, "-0") == 0)
		snprintf(s, n, "0");
}

/* A whole number with thousands separators: 2800000 -> "2,800,000". */
static void
fmt_grouped(char *s, size_t n, double v)
{
	char d[32];
	size_t len, i, o = 0, lead;

	snprintf(d, sizeof(d), "%.0f", fabs(v));
	len = strlen(d);
	if (v < 0 && o + 1 < n)
		s[o++] = '-';
	lead = len % 3 ? len % 3 : 3;
	for (i = 0; i < len && o + 2 < n; i++) {
		if (i >= lead && (i - lead) % 3 == 0)
			s[o++] = ',';
		s[o++] = d[i];
	}
	s[o] = '\0';
}

/* The charts' language (issue 20): words through gettext's domain "citybench" (the thread's locale,
 * which core's lang_use sets per request), numbers in French typography when chart_french is set. */
#define C_(s) dgettext("citybench", s)
static int french;

void
chart_language(int fr)
{
	french = fr != 0;
}

/* A number as the chart's language writes it: French "2 800 000", "41,7 %" (narrow no-break spaces). */
static int
put_num(struct buf *b, const char *s, const char *suffix)
{
	const char *p;

	if (!french)
		return buf_puts(b, s) == -1 || buf_puts(b, suffix) == -1 ? -1 : 0;
	for (p = s; *p; p++) {
		if (*p == ',' && buf_puts(b, "\xe2\x80\xaf") == -1)
			return -1;
		if (*p == '.' && buf_putc(b, ',') == -1)
			return -1;
		if (*p != ',' && *p != '.' && buf_putc(b, *p) == -1)
			return -1;
	}
	if (*suffix == '%')
		return buf_puts(b, "\xe2\x80\xaf%");
	return buf_puts(b, suffix);
}

int
chart_value(struct buf *b, double v, const char *unit)
{
	char s[64], per[64];

	if (!isfinite(v))
		return buf_puts(b, C_("no value"));
	/* one spelling per unit on every page and chart (issue 15): yes/no for a city's binary share,
	 * percentages with at most one decimal, thousands separators */
	if (unit && strcmp(unit, "share") == 0 && (v == 0 || v == 1))
		return buf_puts(b, v == 1 ? C_("Yes") : C_("No"));
	if (unit && strcmp(unit, "share") == 0)
		return fmt_fixed(s, sizeof(s), v * 100, 1), put_num(b, s, "%");
	if (unit && strcmp(unit, "percent") == 0)
		return fmt_fixed(s, sizeof(s), v, 1), put_num(b, s, "%");
	fmt_number(s, sizeof(s), v);
	if (v == floor(v) && fabs(v) >= 10000 && fabs(v) < 1e15)
		fmt_grouped(s, sizeof(s), v);
	if (unit && strcmp(unit, "per_100k") == 0) {
		snprintf(per, sizeof(per), " %s", C_("per 100k"));
		return put_num(b, s, per);
	}
	return put_num(b, s, "");
}

/* The first max code points of s (whole UTF-8 sequences), with "…" when cut. */
static int
clipped(struct buf *b, const char *s, size_t max)
{
	size_t i = 0, cps = 0;
	struct buf tmp = BUF_INIT;
	int rc;

	while (s[i] && cps < max) {
		i++;
		while (((unsigned char)s[i] & 0xc0) == 0x80)
			i++;
		cps++;
	}
	if (s[i] == '\0')
		return xml_text(b, s);
	rc = buf_append(&tmp, s, i) == -1 || buf_puts(&tmp, "…") == -1 ? -1 : xml_text(b, tmp.data);
	buf_free(&tmp);
	return rc;
}

/* The length in bytes of the next line of s of at most max code points (at least one code point), and in
 * *next where the line after it starts (spaces at the break skipped). */
static size_t
wrap_next(const char *s, size_t max, size_t *next)
{
	size_t i = 0, cps = 0, space = 0, soft = 0;

	while (s[i] && cps < max) {
		if (s[i] == ' ')
			space = i;
		else if (strchr("&?", s[i]) && i > 0)
			soft = i;	/* "&peers=" starts the next line */
		else if (strchr("/,", s[i]))
			soft = i + 1;
		i++;
		while (((unsigned char)s[i] & 0xc0) == 0x80)
			i++;
		cps++;
	}
	if (s[i] == '\0') {
		*next = i;
		return i;
	}
	if (s[i] == ' ')
		space = i;
	if (space > 0) {
		*next = space;
		while (s[*next] == ' ')
			(*next)++;
		return space;
	}
	*next = soft > 0 ? soft : i;
	return *next;
}

size_t
chart_wrap_count(const char *text, size_t max)
{
	size_t n = 0, next;

	while (*text) {
		wrap_next(text, max ? max : 1, &next);
		text += next;
		n++;
	}
	return n;
}

int
chart_text_wrapped(struct buf *b, const char *text, size_t max, double x, double y, double line_h,
    const char *attrs, size_t *lines)
{
	size_t n = 0, len, next;
	struct buf t = BUF_INIT;
	int rc = 0;

	while (*text) {
		len = wrap_next(text, max ? max : 1, &next);
		buf_reset(&t);
		if (buf_printf(b, "<text x=\"%.0f\" y=\"%.0f\"%s>", x, y + line_h * (double)n, attrs ? attrs : "") == -1 ||
		    buf_append(&t, text, len) == -1 || buf_putc(&t, '\0') == -1 || xml_text(b, t.data) == -1 ||
		    buf_puts(b, "</text>\n") == -1)
			rc = -1;
		text += next;
		n++;
	}
	buf_free(&t);
	if (lines)
		*lines = n;
	return rc;
}

static void
coord(struct buf *b, const char *name, double v)
{
	buf_printf(b, " %s=\"%.1f\"", name, v);
}

static double
x_of(double v, double lo, double hi)
{
	if (hi <= lo)
		hi = lo + 1;
	return geo->bar_start + (v - lo) / (hi - lo) * (geo->bar_end - geo->bar_start);
}

static void
list_item(struct canvas *k, const char *label, const char *text)
{
	if (k->listed >= DESC_ROWS) {
		k->unlisted++;
		return;
	}
	if (k->listed++ && !k->after_heading)
		note(k, buf_puts(&k->list, "; "));
	k->after_heading = 0;
	note(k, buf_puts(&k->list, label));
	note(k, buf_puts(&k->list, ": "));
	note(k, buf_puts(&k->list, text));
}

static void
heading_row(struct canvas *k, const char *text)
{
	struct buf *b = &k->body;

	if (k->listed < DESC_ROWS) {
		if (k->listed++)
			note(k, buf_puts(&k->list, ". "));
		note(k, buf_puts(&k->list, text));
		note(k, buf_puts(&k->list, " — "));
		k->after_heading = 1;
	}
	buf_puts(b, "<text x=\"0\"");
	coord(b, "y", k->y + HEAD_H - 9);
	buf_puts(b, " font-size=\"15\" font-weight=\"bold\" fill=\"currentColor\">");
	note(k, clipped(b, text, geo->narrow ? 40 : 80));
	buf_puts(b, "</text>\n");
	k->y += HEAD_H;
}

/* One bar: label, bar from 0 on the [lo, hi] scale, the value text; mark: the highlighted one. */
static void
bar_row(struct canvas *k, const char *label, double v, double lo, double hi, const char *text, int mark)
{
	struct buf *b = &k->body;
	const char *marker = k->c->marker ? k->c->marker : C_("◀ selected");
	double x0 = x_of(0 < lo ? lo : (0 > hi ? hi : 0), lo, hi), xv, tx;

	buf_puts(b, "<g><title>");
	note(k, xml_text(b, label));
	buf_puts(b, ": ");
	note(k, xml_text(b, text));
	if (mark) {
		buf_putc(b, ' ');
		note(k, xml_text(b, marker));
	}
	buf_puts(b, "</title>\n<text");
	coord(b, "x", geo->label_end);
	coord(b, "y", k->y + BAR_H - 4);
	buf_puts(b, geo->narrow ? " fill=\"currentColor\"" : " text-anchor=\"end\" fill=\"currentColor\"");
	if (mark)
		buf_puts(b, " font-weight=\"bold\"");
	buf_putc(b, '>');
	note(k, clipped(b, label, LABEL_MAX));
	if (mark && geo->narrow) {	/* the marker on the label's line: the bar's line has no room */
		buf_putc(b, ' ');
		note(k, clipped(b, marker, 24));
	}
	buf_puts(b, "</text>\n");
	k->y += geo->label_h;
	tx = x0 + 6;
	if (isfinite(v)) {
		xv = x_of(v, lo, hi);
		if (fabs(xv - x0) >= 0.5) {
			buf_puts(b, "<rect");
			coord(b, "x", xv < x0 ? xv : x0);
			coord(b, "y", k->y);
			coord(b, "width", fabs(xv - x0));
			coord(b, "height", BAR_H);
			if (mark) {
				buf_puts(b, " fill=\"url(#");
				note(k, xml_text(b, k->c->id));
				buf_puts(b, "-hatch)\" stroke=\"currentColor\" stroke-width=\"2\"/>\n");
			} else {
				buf_puts(b, " fill=\"" BAR_FILL "\" stroke=\"currentColor\" stroke-width=\"0.5\"/>\n");
			}
		}
		tx = (xv > x0 ? xv : x0) + 6;
	}
	buf_puts(b, "<text");
	coord(b, "x", tx);
	coord(b, "y", k->y + BAR_H - 4);
	buf_puts(b, " fill=\"currentColor\"");
	if (!isfinite(v))
		buf_puts(b, " font-style=\"italic\"");
	if (mark)
		buf_puts(b, " font-weight=\"bold\"");
	buf_putc(b, '>');
	note(k, xml_text(b, text));
	if (mark && !geo->narrow) {
		buf_putc(b, ' ');
		note(k, clipped(b, marker, 24));
	}
	buf_puts(b, "</text></g>\n");
	if (k->listed < DESC_ROWS && mark) {
		struct buf t = BUF_INIT;
		note(k, buf_printf(&t, "%s (%s)", text, marker));
		list_item(k, label, t.data ? t.data : text);
		buf_free(&t);
	} else {
		list_item(k, label, text);
	}
	k->y += geo->row_h - geo->label_h;
}

/* Puts the chart together: svg element, title, desc (with the data list), defs, body. */
static int
finish(struct buf *b, struct canvas *k)
{
	const struct chart *c = k->c;
	/* narrow: the title, subtitle and foot wrapped to the 360 units (16, 15, 14-unit text) */
	size_t tl = geo->narrow ? chart_wrap_count(c->title ? c->title : "Chart", T_CHARS) : 1;
	size_t sl = !c->subtitle ? 0 : geo->narrow ? chart_wrap_count(c->subtitle, S_CHARS) : 1;
	size_t fl = !c->source ? 0 : geo->narrow ? chart_wrap_count(c->source, F_CHARS) : 1;
	size_t pl = !c->permalink ? 0 : geo->narrow ? chart_wrap_count(c->permalink, F_CHARS) : 1;
	double top = c->standalone ? TITLE_H + (double)(tl - 1) * LINE_H + (double)sl * SUBTITLE_H : 0;
	double foot = c->standalone ? (double)(fl + pl) * FOOT_H : 0;
	double h = top + k->y + PAD + foot;
	int rc = 0;

	if (k->failed)
		rc = -1;
	if (c->standalone)
		buf_puts(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	buf_puts(b, geo->narrow ? "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart chart-narrow\" role=\"img\" aria-labelledby=\""
	    : "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" role=\"img\" aria-labelledby=\"");
	xml_text(b, c->id);
	buf_puts(b, "-title ");
	xml_text(b, c->id);
	buf_printf(b, "-desc\" viewBox=\"0 0 %.0f %.0f\"", geo->width, ceil(h));
	buf_puts(b, " width=\"100%\"");	/* scales to its container, an iframe of 400 px too */
	buf_puts(b, " font-family=\"system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif\" font-size=\"14\">\n"
	    "<title id=\"");
	xml_text(b, c->id);
	buf_puts(b, "-title\">");
	xml_text(b, c->title ? c->title : "Chart");
	buf_puts(b, "</title>\n<desc id=\"");
	xml_text(b, c->id);
	buf_puts(b, "-desc\">");
	if (c->desc) {
		xml_text(b, c->desc);
		buf_putc(b, ' ');
	}
	if (k->list.data)
		xml_text(b, k->list.data);
	if (k->unlisted)
		buf_printf(b, C_("; and %zu more"), k->unlisted);
	buf_puts(b, ".</desc>\n<defs><pattern id=\"");
	xml_text(b, c->id);
	buf_puts(b, "-hatch\" patternUnits=\"userSpaceOnUse\" width=\"8\" height=\"8\" "
	    "patternTransform=\"rotate(45)\"><rect width=\"8\" height=\"8\" fill=\"" MARK_FILL "\"/>"
	    "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"8\" stroke=\"#ffffff\" stroke-width=\"3\"/></pattern></defs>\n");
	if (c->standalone) {
		/* readable wherever it is embedded, dark pages too, and says what it is without a page */
		buf_puts(b, "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n");
		if (geo->narrow) {
			if (chart_text_wrapped(b, c->title ? c->title : "Chart", T_CHARS, 6, 22, LINE_H,
			    " font-size=\"16\" font-weight=\"bold\" fill=\"currentColor\"", NULL) == -1)
				rc = -1;
		} else {
			buf_puts(b, "<text x=\"6\" y=\"22\" font-size=\"16\" font-weight=\"bold\" fill=\"currentColor\">");
			if (clipped(b, c->title ? c->title : "Chart", 90) == -1)
				rc = -1;
			buf_puts(b, "</text>\n");
		}
		if (c->subtitle) {
			double ys = TITLE_H + (double)(tl - 1) * LINE_H + SUBTITLE_H - 6;
			if (geo->narrow) {
				if (chart_text_wrapped(b, c->subtitle, S_CHARS, 6, ys, SUBTITLE_H,
				    " font-size=\"15\" fill=\"currentColor\"", NULL) == -1)
					rc = -1;
			} else {
				buf_printf(b, "<text x=\"6\" y=\"%.0f\" font-size=\"15\" fill=\"currentColor\">", ys);
				if (clipped(b, c->subtitle, 95) == -1)
					rc = -1;
				buf_puts(b, "</text>\n");
			}
		}
		buf_puts(b, "<g transform=\"translate(0 " );
		buf_printf(b, "%.0f)\">\n", top);
	}
	if (k->body.data && buf_append(b, k->body.data, k->body.len) == -1)
		rc = -1;
	if (c->standalone) {
		double y = top + k->y + PAD;
		buf_puts(b, "</g>\n");
		if (c->source) {
			if (geo->narrow) {
				if (chart_text_wrapped(b, c->source, F_CHARS, 6, y + FOOT_H - 8, FOOT_H,
				    " font-size=\"14\" fill=\"currentColor\"", NULL) == -1)
					rc = -1;
			} else {
				buf_printf(b, "<text x=\"6\" y=\"%.0f\" font-size=\"14\" fill=\"currentColor\">", y + FOOT_H - 8);
				if (clipped(b, c->source, 100) == -1)
					rc = -1;
				buf_puts(b, "</text>\n");
			}
			y += (double)fl * FOOT_H;
		}
		if (c->permalink) {
			if (geo->narrow) {
				if (chart_text_wrapped(b, c->permalink, F_CHARS, 6, y + FOOT_H - 8, FOOT_H,
				    " font-size=\"14\" fill=\"currentColor\"", NULL) == -1)
					rc = -1;
			} else {
				buf_printf(b, "<text x=\"6\" y=\"%.0f\" font-size=\"14\" fill=\"currentColor\">", y + FOOT_H - 8);
				if (clipped(b, c->permalink, 100) == -1)
					rc = -1;
				buf_puts(b, "</text>\n");
			}
		}
	}
	if (buf_puts(b, "</svg>\n") == -1)
		rc = -1;
	buf_free(&k->body);
	buf_free(&k->list);
	return rc;
}

/* An inline chart is drawn twice, wide and narrow (ids of the narrow one end in "-n"), inside a
 * <div class="chart-pair">; a standalone one once, wide, or narrow when it asks for it.  PAIR(call) runs the writer's own call so. */
#define PAIR(b, c, call) do { \
	if ((c)->standalone && (c)->narrow && geo != &narrow_geo) { \
		int rcn_; \
		geo = &narrow_geo; \
		rcn_ = call(b, (c)); \
		geo = &wide_geo; \
		return rcn_; \
	} \
	if (!(c)->standalone && !pairing) { \
		struct chart cn_ = *(c); \
		char idn_[96]; \
		int rc_; \
		snprintf(idn_, sizeof(idn_), "%.80s-n", (c)->id ? (c)->id : "chart"); \
		cn_.id = idn_; \
		pairing = 1; \
		rc_ = buf_puts((b), "<div class=\"chart-pair\">\n"); \
		if (call(b, (c)) == -1) \
			rc_ = -1; \
		geo = &narrow_geo; \
		if (call(b, &cn_) == -1) \
			rc_ = -1; \
		geo = &wide_geo; \
		pairing = 0; \
		if (buf_puts((b), "</div>\n") == -1) \
			rc_ = -1; \
		return rc_; \
	} \
} while (0)

static void
canvas_init(struct canvas *k, const struct chart *c)
{
	memset(k, 0, sizeof(*k));
	k->c = c;
	k->y = PAD;
}

/* The zero line across the bar rows from y0 to the current y. */
static void
zero_line(struct canvas *k, double y0, double lo, double hi)
{
	double x0 = x_of(0 < lo ? lo : (0 > hi ? hi : 0), lo, hi);

	if (k->y <= y0)
		return;
	buf_puts(&k->body, "<line");
	coord(&k->body, "x1", x0);
	coord(&k->body, "y1", y0 + geo->label_h - 3);
	coord(&k->body, "x2", x0);
	coord(&k->body, "y2", k->y - (geo->row_h - geo->label_h) + BAR_H + 3);
	buf_puts(&k->body, " stroke=\"currentColor\" stroke-width=\"1\"/>\n");
}

static void
scale_of(const double *v, size_t n, size_t stride, double *lo, double *hi)
{
	size_t i;

	*lo = 0;
	*hi = 0;
	for (i = 0; i < n; i++) {
		double x = v[i * stride];
		if (!isfinite(x))
			continue;
		if (x < *lo)
			*lo = x;
		if (x > *hi)
			*hi = x;
	}
	if (*hi <= *lo)
		*hi = *lo + 1;
}

int
chart_bars(struct buf *b, const struct chart *c, const char *const *labels, const double *values,
    size_t n, long highlight)
{
	struct canvas k;
	struct buf t = BUF_INIT;
	double lo, hi, y0;
	size_t i;

#define BARS_CALL(b_, c_) chart_bars((b_), (c_), labels, values, n, highlight)
	PAIR(b, c, BARS_CALL);
	canvas_init(&k, c);
	scale_of(values, n, 1, &lo, &hi);
	y0 = k.y;
	for (i = 0; i < n; i++) {
		buf_reset(&t);
		note(&k, chart_value(&t, values[i], c->unit));
		bar_row(&k, labels[i] ? labels[i] : "", values[i], lo, hi, t.data ? t.data : "",
		    (long)i == highlight);
	}
	if (n == 0)
		list_item(&k, C_("no data"), C_("no city has a value"));
	zero_line(&k, y0, lo, hi);
	buf_free(&t);
	return finish(b, &k);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* A round width of at least raw: 1, 2, 2.5 or 5 times a power of ten (no 2.5 for whole values). */
static double
nice_width(double raw, int whole)
{
	double e = pow(10, floor(log10(raw))), f = raw / e;

	if (f <= 1)
		f = 1;
	else if (f <= 2)
		f = 2;
	else if (f <= 2.5 && !whole)
		f = 2.5;
	else if (f <= 5)
		f = 5;
	else
		f = 10;
	return whole && f * e < 1 ? 1 : f * e;
}

/* x rounded down to two significant figures (a whole number when whole): a bin bound people can read. */
static double
round_down2(double x, int whole)
{
	double p;

	if (x == 0 || !isfinite(x))
		return 0;
	p = pow(10, floor(log10(fabs(x))) - 1);
	if (whole && p < 1)
		p = 1;
	if (p < 1) {	/* divide by a whole power of ten: 0.47, not 0.47000000000000003 */
		double inv = round(1 / p);
		return floor(x * inv) / inv;
	}
	return floor(x / p) * p;
}

/* Quantile-aware bins for skewed values (issue 15: equal widths put 88 of 100 cities in one bin): the
 * bounds are the deciles of the m sorted values v, rounded down to two significant figures, without
 * repeats; each bin then holds about a tenth of the cities, and the widths differ (the labels say
 * where each bin starts and ends).  Returns the number of bins written into out (at most 10). */
static size_t
quantile_bins(const double *v, size_t m, int whole, struct chart_bin *out)
{
	double bounds[11];
	size_t j, nb = 0, nbounds = 0;

	bounds[nbounds++] = round_down2(v[0], whole);
	for (j = 1; j < 10; j++) {
		double q = round_down2(v[j * m / 10], whole);
		if (q > bounds[nbounds - 1])
			bounds[nbounds++] = q;
	}
	for (j = 0; j + 1 < nbounds; j++, nb++) {
		out[nb].lo = bounds[j];
		out[nb].hi = bounds[j + 1];
	}
	out[nb].lo = bounds[nbounds - 1];
	out[nb].hi = v[m - 1] > bounds[nbounds - 1] ? v[m - 1] : bounds[nbounds - 1];
	out[nb].closed = 1;
	nb++;
	for (j = 0; j < m; j++) {
		long at = chart_bin_of(out, nb, v[j]);
		out[at < 0 ? (long)nb - 1 : at].count++;
	}
	return nb;
}

long
chart_bin_of(const struct chart_bin *bins, size_t nbins, double v)
{
	size_t a = 0, z = nbins;

	if (!isfinite(v) || nbins == 0)
		return -1;
	while (a < z) {	/* the first bin whose upper bound is above v (or holds it) */
		size_t m = a + (z - a) / 2;
		if (bins[m].closed ? v > bins[m].hi : v >= bins[m].hi)
			a = m + 1;
		else
			z = m;
	}
	if (a == nbins || v < bins[a].lo)
		return -1;
	return (long)a;
}

/* Sorts v ascending, as a stable qsort by value would (issue 18: a ranking hands its values best first,
 * already in one order or the other).  Ascending: left as it is; descending without a zero (the only
 * equal doubles told apart, -0.0 and 0.0, whose order a reversal would change): reversed; else qsort. */
void
chart_sort_up(double *v, size_t m)
{
	size_t i;
	int up = 1, down = 1, zero = 0;

	for (i = 0; i < m && (up || down); i++) {
		if (v[i] == 0)
			zero = 1;
		if (i > 0) {
			up = up && v[i - 1] <= v[i];
			down = down && v[i - 1] >= v[i];
		}
	}
	if (up)
		return;
	if (!down || zero) {
		qsort(v, m, sizeof(*v), cmp_double);
		return;
	}
	for (i = 0; i < m / 2; i++) {
		double t = v[i];
		v[i] = v[m - 1 - i];
		v[m - 1 - i] = t;
	}
}

int
chart_bins(const double *values, size_t n, struct chart_bin **bins, size_t *nbins)
{
	double *v = NULL, width, start, lo, hi;
	struct chart_bin *out = NULL;
	size_t i, m = 0, distinct = 0, k, nb;
	int whole = 1;

	*bins = NULL;
	*nbins = 0;
	if (n == 0)
		return 0;
	if ((v = malloc(n * sizeof(*v))) == NULL)
		return -1;
	for (i = 0; i < n; i++)
		if (isfinite(values[i]))
			v[m++] = values[i];
	if (m == 0) {
		free(v);
		return 0;
	}
	chart_sort_up(v, m);
	for (i = 0; i < m; i++) {
		if (i == 0 || v[i] != v[i - 1])
			distinct++;
		if (v[i] != floor(v[i]))
			whole = 0;
	}
	if (distinct <= 12) {
		if ((out = calloc(distinct, sizeof(*out))) == NULL)
			goto fail;
		for (i = 0, k = 0; i < m; i++) {
			if (i > 0 && v[i] != v[i - 1])
				k++;
			out[k].lo = out[k].hi = v[i];
			out[k].closed = 1;
			out[k].count++;
		}
		nb = distinct;
	} else {
		lo = v[0];
		hi = v[m - 1];
		k = (size_t)ceil(log2((double)m)) + 1;	/* Sturges */
		if (k < 5)
			k = 5;
		if (k > 20)
			k = 20;
		width = nice_width((hi - lo) / (double)k, whole);
		start = floor(lo / width);
		nb = (size_t)ceil((hi - start * width) / width);
		if (nb == 0)
			nb = 1;
		if ((start + (double)nb) * width < hi && nb < 40)
			nb++;	/* rounding left hi outside */
		if ((out = calloc(nb, sizeof(*out))) == NULL)
			goto fail;
		for (i = 0; i < nb; i++) {
			out[i].lo = (start + (double)i) * width;
			out[i].hi = (start + (double)i + 1) * width;
		}
		out[nb - 1].closed = 1;
		for (i = 0; i < m; i++) {
			long at = chart_bin_of(out, nb, v[i]);
			out[at < 0 ? (v[i] < out[0].lo ? 0 : (long)nb - 1) : at].count++;
		}
		for (i = 0, k = 0; i < nb; i++)
			if (out[i].count > k)
				k = out[i].count;
		if (k * 10 > m * 4) {	/* one bin holds over 40%: skewed; bins by quantile instead */
			struct chart_bin *q = calloc(11, sizeof(*q));
			if (q == NULL)
				goto fail;
			free(out);
			out = q;
			nb = quantile_bins(v, m, whole, out);
		}
	}
	free(v);
	*bins = out;
	*nbins = nb;
	return 0;
fail:
	free(v);
	free(out);
	return -1;
}

int
chart_bin_label(struct buf *b, const struct chart_bin *bin, const char *unit)
{
	/* the unit once, at the end ("10 to under 20 per 100k"), except a percent sign on both */
	int pct = unit && strcmp(unit, "percent") == 0;

	if (bin->lo == bin->hi)
		return chart_value(b, bin->lo, unit);
	if (chart_value(b, bin->lo, pct ? unit : NULL) == -1 ||
	    buf_puts(b, bin->closed ? C_(" to ") : C_(" to under ")) == -1)
		return -1;
	return chart_value(b, bin->hi, unit);
}

int
chart_histogram(struct buf *b, const struct chart *c, const struct chart_bin *bins, size_t nbins,
    long highlight)
{
	struct canvas k;
	struct buf label = BUF_INIT, t = BUF_INIT;
	double hi = 1, y0;
	size_t i;

#define HIST_CALL(b_, c_) chart_histogram((b_), (c_), bins, nbins, highlight)
	PAIR(b, c, HIST_CALL);
	canvas_init(&k, c);
	for (i = 0; i < nbins; i++)
		if ((double)bins[i].count > hi)
			hi = (double)bins[i].count;
	y0 = k.y;
	for (i = 0; i < nbins; i++) {
		buf_reset(&label);
		buf_reset(&t);
		note(&k, chart_bin_label(&label, &bins[i], c->unit));
		note(&k, buf_printf(&t, dngettext("citybench", "%zu city", "%zu cities", bins[i].count), bins[i].count));
		bar_row(&k, label.data ? label.data : "", (double)bins[i].count, 0, hi, t.data ? t.data : "",
		    (long)i == highlight);
	}
	if (nbins == 0)
		list_item(&k, C_("no data"), C_("no city has a value"));
	zero_line(&k, y0, 0, hi);
	buf_free(&label);
	buf_free(&t);
	return finish(b, &k);
}

int
chart_grouped(struct buf *b, const struct chart *c, const char *const *groups,
    const char *const *units, size_t ngroups, const char *const *series, size_t nseries,
    const double *values, long highlight)
{
	struct canvas k;
	struct buf t = BUF_INIT;
	double lo, hi, y0;
	size_t g, s;

#define GROUPED_CALL(b_, c_) chart_grouped((b_), (c_), groups, units, ngroups, series, nseries, values, highlight)
	PAIR(b, c, GROUPED_CALL);
	canvas_init(&k, c);
	for (g = 0; g < ngroups; g++) {
		const char *unit = units && units[g] ? units[g] : c->unit;
		heading_row(&k, groups[g] ? groups[g] : "");
		scale_of(values + g * nseries, nseries, 1, &lo, &hi);
		y0 = k.y;
		for (s = 0; s < nseries; s++) {
			buf_reset(&t);
			note(&k, chart_value(&t, values[g * nseries + s], unit));
			bar_row(&k, series[s] ? series[s] : "", values[g * nseries + s], lo, hi,
			    t.data ? t.data : "", (long)s == highlight);
		}
		zero_line(&k, y0, lo, hi);
		k.y += 6;
	}
	if (ngroups == 0 || nseries == 0)
		list_item(&k, C_("no data"), C_("nothing to compare"));
	buf_free(&t);
	return finish(b, &k);
}

int
chart_bins_uneven(const struct chart_bin *bins, size_t nbins)
{
	size_t i;

	for (i = 1; i + 1 < nbins; i++)	/* the last, closed bin may be cut short */
		if (bins[i].lo != bins[i].hi && fabs((bins[i].hi - bins[i].lo) - (bins[0].hi - bins[0].lo)) >
		    1e-9 * fabs(bins[0].hi - bins[0].lo))
			return 1;
	return 0;
}
