/* chart.h: small SVG charts for the pages and the embeddable .svg twins.
 *
 * Every chart is an <svg role="img" aria-labelledby="ID-title ID-desc" viewBox=...> with a <title> and a
 * <desc> (the desc also lists the data, so the picture is never the only place it is said); every string
 * goes through xml_text; colours are presentation attributes (fill=, stroke=), never style attributes, so
 * the charts live under a CSP without 'unsafe-inline' styles; no script.  Information is not colour
 * alone: every bar carries its value as text, and the highlighted one a hatch pattern and a text marker.
 * Bars are horizontal (labels on the left, values at the end of the bar), so long city names and bin
 * labels stay readable at 200% zoom; text is 14 user units or more and scales with the viewBox.
 *
 * Writers append to a struct buf and return 0, or -1 when memory ran out (the buffer may then hold part
 * of the chart).  They never fail on odd numbers: NaN means "no value" and is written as such.
 */
#ifndef CB_CHART_H
#define CB_CHART_H

#include <stddef.h>

#include "buf.h"

struct chart {
	const char *id;		/* prefix of the element ids: ID-title, ID-desc, ID-hatch; [A-Za-z0-9_-] */
	const char *title;	/* what the chart shows (<title>) */
	const char *desc;	/* how to read it (<desc>, before the data list); may be NULL */
	const char *unit;	/* the metric unit of the values (chart_value), NULL: a plain number */
	const char *marker;	/* text after the highlighted bar's value; NULL: "◀ selected" */
	int standalone;		/* 1: a document of its own (XML declaration, a visible title, white
				 * background); 0: inline in HTML.  Both scale to their container
				 * (viewBox, width="100%", no fixed size). */
	const char *subtitle;	/* standalone: a second visible line under the title (the peer group); NULL */
	const char *source;	/* standalone: the source and licence line at the foot; NULL: none */
	const char *permalink;	/* standalone: where the chart lives, written under the source; NULL */
	int narrow;		/* standalone: the narrow layout (360 units wide, labels above their
				 * bars, title and foot wrapped), whose text stays 9 CSS px or more in a
				 * frame down to 250 px wide (issue 15: `layout=narrow`) */
};

/* Appends text as one <text> per line of at most max code points (broken at spaces, or after '&', '?',
 * '/', ',' in a long word, or anywhere in a longer one), the first baseline at y, then every line_h;
 * attrs go inside each <text ...> (e.g. " font-size=\"14\"").  *lines (if not NULL) is the number of
 * lines written.  Returns 0, or -1 when memory ran out. */
int chart_text_wrapped(struct buf *b, const char *text, size_t max, double x, double y, double line_h,
    const char *attrs, size_t *lines);

/* The number of lines chart_text_wrapped would write. */
size_t chart_wrap_count(const char *text, size_t max);

/* Writes v for people in a metric unit, the one spelling every page and chart uses: share 1/0 (a city's
 * yes or no) as "Yes"/"No", another share as a percentage, percent with "%", both with at most one
 * decimal (half up); per_100k with " per 100k"; whole numbers without decimals, thousands separated
 * from 10,000; others rounded to two decimals (three significant digits below 0.01); NaN and
 * infinities as "no value".  Exact values belong in the JSON and CSV. */
int chart_value(struct buf *b, double v, const char *unit);

/* The language of what chart_value and the charts write from now on in this process (a request's):
 * 1 French typography (narrow no-break spaces between thousands and before %, a decimal comma), 0
 * English.  Their words come from gettext's domain "citybench" in the thread's locale. */
void chart_language(int french);

/* A horizontal bar chart: one bar per label, in the order given; values[i] NaN is "no value".
 * highlight: index of the bar to mark, or -1. */
int chart_bars(struct buf *b, const struct chart *c, const char *const *labels, const double *values,
    size_t n, long highlight);

/* A histogram bin: the values v with lo <= v < hi (lo <= v <= hi when closed); lo == hi for a bin of
 * one distinct value. */
struct chart_bin {
	double lo, hi;
	int closed;
	size_t count;
};

/* Bins for n values (NaNs skipped): one bin per distinct value when there are at most 12 of them, else
 * up to 20 bins of a round width (1, 2, 2.5 or 5 times a power of ten; at least 1 when every value is
 * whole) from a multiple of that width; but when one of those bins would hold over 40% of the values
 * (skewed data), up to 10 bins whose bounds are the deciles rounded down to two significant figures
 * (each holds about a tenth of the values; widths differ, see chart_bins_uneven).  *bins is malloc'd (the caller frees it), *nbins may be 0 (then
 * *bins is NULL).  Returns 0, or -1 when memory ran out (*bins NULL, *nbins 0). */
/* Sorts v ascending, as a stable qsort by value would, in one pass when v is already in order one way or
 * the other (a ranking's values come best first). */
void chart_sort_up(double *v, size_t n);
int chart_bins(const double *values, size_t n, struct chart_bin **bins, size_t *nbins);

/* 1 when the bins (of more than one value each) are of different widths: a histogram says so. */
int chart_bins_uneven(const struct chart_bin *bins, size_t nbins);

/* The index of the bin holding v, or -1 (also for NaN). */
long chart_bin_of(const struct chart_bin *bins, size_t nbins, double v);

/* A bin's label in the unit: "3" for a one-value bin, "10 to under 20 per 100k", or "90% to 100%" when
 * closed. */
int chart_bin_label(struct buf *b, const struct chart_bin *bin, const char *unit);

/* A histogram: one bar per bin, the number of cities in it; highlight: a bin index or -1. */
int chart_histogram(struct buf *b, const struct chart *c, const struct chart_bin *bins, size_t nbins,
    long highlight);

/* A grouped bar chart: a heading per group (e.g. a metric) with one bar per series (e.g. a city) under
 * it.  values[g * nseries + s] (NaN: no value); units[g] is group g's unit (NULL: c->unit).  Each group
 * has its own scale, from 0 (or its lowest negative value) to its highest value, since groups may
 * measure different things; the desc says so.  highlight: a series index to mark in every group, or -1. */
int chart_grouped(struct buf *b, const struct chart *c, const char *const *groups,
    const char *const *units, size_t ngroups, const char *const *series, size_t nseries,
    const double *values, long highlight);

#endif
