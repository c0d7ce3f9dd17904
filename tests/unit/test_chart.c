/* test_chart.c: the SVG charts: value formatting, histogram bins, escaping, accessibility attributes. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "chart.h"
#include "t.h"
#include "utf8.h"

static struct buf b = BUF_INIT;

static const char *
val(double v, const char *unit)
{
	buf_reset(&b);
	buf_append(&b, "", 0);
	chart_value(&b, v, unit);
	return b.data;
}

static const char *
label(double lo, double hi, int closed, const char *unit)
{
	struct chart_bin bin = { lo, hi, closed, 0 };

	buf_reset(&b);
	buf_append(&b, "", 0);
	chart_bin_label(&b, &bin, unit);
	return b.data;
}

static int
count(const char *hay, const char *needle)
{
	int n = 0;

	for (hay = strstr(hay, needle); hay; hay = strstr(hay + 1, needle))
		n++;
	return n;
}

/* What every chart must be: one svg with role img, labelled by its title and desc, no script, no style
 * attribute, valid UTF-8, no raw markup from the data. */
static void
check_svg(const char *s, const char *id, const char *name)
{
	char want[160];

	snprintf(want, sizeof(want), "role=\"img\" aria-labelledby=\"%s-title %s-desc\"", id, id);
	CHECK(strstr(s, want) != NULL, name);
	snprintf(want, sizeof(want), "<title id=\"%s-title\">", id);
	CHECK(strstr(s, want) != NULL, name);
	snprintf(want, sizeof(want), "<desc id=\"%s-desc\">", id);
	CHECK(strstr(s, want) != NULL, name);
	CHECK(strstr(s, "viewBox=\"0 0 800 ") != NULL, name);
	/* an inline chart comes wide and narrow, inside its pair; a standalone one alone */
	if (strstr(s, "<?xml") != NULL) {
		CHECK(count(s, "<svg") == 1 && count(s, "</svg>") == 1, name);
	} else {
		CHECK(count(s, "<svg") == 2 && count(s, "</svg>") == 2, name);
		CHECK(strncmp(s, "<div class=\"chart-pair\">", 24) == 0, name);
		snprintf(want, sizeof(want), "role=\"img\" aria-labelledby=\"%s-n-title %s-n-desc\" viewBox=\"0 0 360 ", id, id);
		CHECK(strstr(s, want) != NULL, name);
		CHECK(strstr(s, "class=\"chart chart-narrow\"") != NULL, name);
	}
	CHECK(strstr(s, "<script") == NULL && strstr(s, " style=") == NULL, name);
	CHECK(utf8_valid(s, strlen(s)), name);
}

int
main(void)
{
	struct chart_bin *bins = NULL;
	size_t nbins = 0, i, total;
	struct buf s = BUF_INIT;
	int ok;

	/* skewed values: bins by deciles, none holding most of them (issue 15: 88 of 100 in one bin) */
	{
		double sk[100];
		size_t most = 0;
		for (i = 0; i < 100; i++)
			sk[i] = i < 98 ? (double)(i * i) / 400.0 : 300.0 + (double)i;
		ok = chart_bins(sk, 100, &bins, &nbins) == 0;
		CHECK(ok && nbins >= 5 && nbins <= 10, "skewed: 5 to 10 bins");
		for (i = 0, total = 0; ok && i < nbins; i++) {
			total += bins[i].count;
			if (bins[i].count > most)
				most = bins[i].count;
		}
		CHECK(total == 100 && most <= 30, "skewed: every value binned, none in a bin of most");
		CHECK(chart_bins_uneven(bins, nbins), "skewed: the bins are uneven and say so");
		CHECK(bins[1].lo == 0.56 || bins[1].lo == 0.5 || bins[1].lo > 0, "skewed: round bounds");
		free(bins);
		bins = NULL;
	}

	/* values for people */
	CHECK_STR(val(1, "share"), "Yes", "share 1");
	CHECK_STR(val(0, "share"), "No", "share 0");
	CHECK_STR(val(0.41666666666666664, "share"), "41.7%", "a share that is not yes or no: a percentage");
	CHECK_STR(val(41.666666666666664, "percent"), "41.7%", "percent: one decimal at most");
	CHECK_STR(val(50, "percent"), "50%", "percent: no trailing zeros");
	CHECK_STR(val(2800000, NULL), "2,800,000", "thousands separators");
	CHECK_STR(val(-12345, NULL), "-12,345", "thousands separators, negative");
	CHECK_STR(val(9999, NULL), "9999", "no separator below 10,000");
	CHECK_STR(val(0.81, "share"), "81%", "share fraction as a percentage");
	CHECK_STR(val(41.666666666666664, "percent"), "41.7%", "percent rounded");
	CHECK_STR(val(0.42857142857142855, "per_100k"), "0.43 per 100k", "per 100k");
	CHECK_STR(val(2800000, "count"), "2,800,000", "whole number, thousands separated");
	CHECK_STR(val(-0.0, NULL), "0", "negative zero");
	CHECK_STR(val(0.0012345, NULL), "0.0012", "small number");
	CHECK_STR(val(2.5, NULL), "2.5", "trailing zeros dropped");
	CHECK_STR(val(1.999, NULL), "2", "rounds up to whole");
	CHECK_STR(val(NAN, "count"), "no value", "NaN");
	CHECK_STR(val(INFINITY, NULL), "no value", "infinity");
	CHECK_STR(val(-12.25, "percent"), "-12.2%", "negative percent, half up");

	/* bin labels */
	CHECK_STR(label(3, 3, 1, "count"), "3", "one-value bin");
	CHECK_STR(label(10, 20, 0, "per_100k"), "10 to under 20 per 100k", "open bin, unit once");
	CHECK_STR(label(90, 100, 1, "percent"), "90% to 100%", "closed bin, percent both");

	/* bins: few distinct values, one bin each */
	{
		double v[] = { 1, 0, 1, 1, NAN, 0 };
		ok = chart_bins(v, 6, &bins, &nbins) == 0;
		CHECK(ok && nbins == 2, "two distinct values, two bins");
		CHECK(ok && nbins == 2 && bins[0].lo == 0 && bins[0].count == 2 && bins[1].lo == 1 &&
		    bins[1].count == 3, "counts per distinct value, NaN skipped");
		free(bins);
	}
	{
		double v[] = { NAN, NAN };
		CHECK(chart_bins(v, 2, &bins, &nbins) == 0 && nbins == 0 && bins == NULL, "only NaN: no bins");
		CHECK(chart_bins(v, 0, &bins, &nbins) == 0 && nbins == 0, "no values: no bins");
	}
	{
		double v[] = { 7, 7, 7 };
		CHECK(chart_bins(v, 3, &bins, &nbins) == 0 && nbins == 1 && bins[0].count == 3,
		    "identical values: one bin");
		free(bins);
	}
	/* bins: many distinct values: contiguous round bins that hold every value exactly once */
	{
		double v[1000];
		for (i = 0; i < 1000; i++)
			v[i] = (double)((i * 7919) % 1000) / 7.0 + 0.1;
		ok = chart_bins(v, 1000, &bins, &nbins) == 0 && nbins >= 5 && nbins <= 21;
		CHECK(ok, "many values: 5 to 21 bins");
		total = 0;
		for (i = 0; ok && i < nbins; i++) {
			total += bins[i].count;
			if (i + 1 < nbins && bins[i].hi != bins[i + 1].lo)
				ok = 0;
			if (bins[i].closed != (i + 1 == nbins))
				ok = 0;
		}
		CHECK(ok && total == 1000, "bins contiguous, last closed, counts add up");
		CHECK(ok && bins[0].lo <= 0.1 && bins[nbins - 1].hi >= 999.0 / 7 + 0.1, "bins cover the range");
		for (i = 0; ok && i < 1000; i++) {
			long at = chart_bin_of(bins, nbins, v[i]);
			if (at < 0 || v[i] < bins[at].lo || v[i] > bins[at].hi)
				ok = 0;
		}
		CHECK(ok, "chart_bin_of finds every value's bin");
		CHECK(chart_bin_of(bins, nbins, NAN) == -1, "NaN is in no bin");
		CHECK(chart_bin_of(bins, nbins, bins[0].lo - 1) == -1, "below the range: no bin");
		CHECK(chart_bin_of(bins, nbins, bins[1].lo) == 1, "a bin's lower bound belongs to it");
		CHECK(chart_bin_of(bins, nbins, bins[nbins - 1].hi) == (long)nbins - 1,
		    "the last bin is closed");
		free(bins);
	}
	/* whole values never get fractional bin widths */
	{
		double v[40];
		for (i = 0; i < 40; i++)
			v[i] = (double)i;
		ok = chart_bins(v, 40, &bins, &nbins) == 0 && nbins > 1;
		CHECK(ok && bins[1].lo - bins[0].lo == floor(bins[1].lo - bins[0].lo),
		    "whole values: whole bin width");
		free(bins);
	}

	/* bars: hostile labels are escaped; highlight is not colour alone */
	{
		const char *labels[] = { "<script>alert(1)</script>", "Tor\"onto & 'co'", "bad \xff\xfe utf8" };
		double v[] = { 3, 10, NAN };
		struct chart c = { .id = "x", .title = "T <b>", .desc = "D", .unit = "count" };
		buf_reset(&s);
		CHECK(chart_bars(&s, &c, labels, v, 3, 1) == 0, "bars written");
		check_svg(s.data, "x", "bars: accessible svg");
		CHECK(strstr(s.data, "&lt;script&gt;alert(1)&lt;/script&gt;") != NULL, "bars: label escaped");
		CHECK(strstr(s.data, "T &lt;b&gt;") != NULL, "bars: title escaped");
		CHECK(strstr(s.data, "Tor&quot;onto &amp; &#39;co&#39;") != NULL, "bars: quotes escaped");
		CHECK(strstr(s.data, "fill=\"url(#x-hatch)\"") != NULL && count(s.data, "url(#x-hatch)") == 1,
		    "bars: one hatched bar");
		CHECK(count(s.data, "◀ selected") >= 2, "bars: a text marker on the highlighted bar");
		CHECK(strstr(s.data, "no value") != NULL, "bars: NaN says no value");
		CHECK(strstr(s.data, "width=\"100%\"") != NULL && strstr(s.data, "<?xml") == NULL,
		    "bars: inline by default");
	}
	/* standalone document */
	{
		const char *labels[] = { "a" };
		double v[] = { -5 };
		struct chart c = { .id = "s", .title = "T", .standalone = 1, .marker = "◀ <Toronto>" };
		buf_reset(&s);
		CHECK(chart_bars(&s, &c, labels, v, 1, 0) == 0, "standalone written");
		CHECK(strncmp(s.data, "<?xml", 5) == 0 && strstr(s.data, "width=\"800\"") == NULL &&
		    strstr(s.data, "width=\"100%\"") != NULL,
		    "standalone: XML declaration, scales to its container (no fixed width)");
		CHECK(strstr(s.data, "◀ &lt;Toronto&gt;") != NULL, "standalone: marker escaped");
		check_svg(s.data, "s", "standalone: accessible svg");
		c.subtitle = "Peers <x>";
		c.source = "Source: citybench & the survey · CC BY 4.0";
		c.permalink = "/metrics/m.svg?a=1&b=2";
		buf_reset(&s);
		CHECK(chart_bars(&s, &c, labels, v, 1, 0) == 0, "standalone with its foot written");
		CHECK(strstr(s.data, ">Peers &lt;x&gt;</text>") != NULL &&
		    strstr(s.data, ">Source: citybench &amp; the survey · CC BY 4.0</text>") != NULL &&
		    strstr(s.data, ">/metrics/m.svg?a=1&amp;b=2</text>") != NULL,
		    "standalone: subtitle, source and permalink visible, escaped");
		check_svg(s.data, "s", "standalone with its foot: accessible svg");
	}
	/* histogram and grouped */
	{
		double v[] = { 1, 2, 2, 3, 3, 3 };
		struct chart c = { .id = "h", .title = "H", .unit = "count" };
		CHECK(chart_bins(v, 6, &bins, &nbins) == 0 && nbins == 3, "histogram bins");
		buf_reset(&s);
		CHECK(chart_histogram(&s, &c, bins, nbins, 2) == 0, "histogram written");
		check_svg(s.data, "h", "histogram: accessible svg");
		CHECK(strstr(s.data, "3: 3 cities") != NULL && strstr(s.data, "1: 1 city") != NULL,
		    "histogram: desc lists the data");
		free(bins);
		buf_reset(&s);
		CHECK(chart_histogram(&s, &c, NULL, 0, -1) == 0 && strstr(s.data, "no city has a value"),
		    "empty histogram says so");
	}
	{
		const char *groups[] = { "Roles", "Funding <x>" }, *units[] = { "count", "share" };
		const char *series[] = { "A", "B", "C" };
		double v[] = { 3, 10, NAN, 1, 0, 1 };
		struct chart c = { .id = "g", .title = "G" };
		buf_reset(&s);
		CHECK(chart_grouped(&s, &c, groups, units, 2, series, 3, v, -1) == 0, "grouped written");
		check_svg(s.data, "g", "grouped: accessible svg");
		CHECK(strstr(s.data, "Funding &lt;x&gt;") != NULL, "grouped: group names escaped");
		CHECK(strstr(s.data, "Yes") != NULL && strstr(s.data, "no value") != NULL,
		    "grouped: units per group, NaN as no value");
		CHECK(strstr(s.data, "hatch)\" stroke") == NULL, "grouped: nothing highlighted");
	}
	/* long labels are cut on a character boundary */
	{
		char longname[200] = "";
		const char *labels[1];
		double v[] = { 1 };
		struct chart c = { .id = "l", .title = "L" };
		for (i = 0; i < 50; i++)
			strcat(longname, "é");
		labels[0] = longname;
		buf_reset(&s);
		CHECK(chart_bars(&s, &c, labels, v, 1, -1) == 0, "long label written");
		CHECK(utf8_valid(s.data, s.len) && strstr(s.data, "é…") != NULL, "long label cut whole");
	}
	/* the narrow standalone layout (issue 15): 360 units wide, the title, subtitle and foot wrapped */
	{
		const char *labels[] = { "Toronto", "A city of a rather long name indeed" };
		double v[] = { 3, 5 };
		size_t lines = 0;
		struct chart c = { .id = "n", .title = "Innovation staff per 100,000 inhabitants, 2020: how many "
		    "cities have each value", .standalone = 1, .narrow = 1, .subtitle = "2020 wave · peer group "
		    "region:Europe (33 cities with a value)", .source = "Source: citybench, the 2020 municipal "
		    "innovation survey · Licence: CC BY 4.0", .permalink = "/metrics/innovation_staff_per_100k.svg?"
		    "survey=2020&peers=region%3AEurope&layout=narrow&city=toronto" };
		buf_reset(&s);
		CHECK(chart_bars(&s, &c, labels, v, 2, 0) == 0, "narrow standalone written");
		CHECK(strstr(s.data, "viewBox=\"0 0 360 ") != NULL && strstr(s.data, "class=\"chart chart-narrow\"") &&
		    strstr(s.data, "chart-pair") == NULL, "narrow standalone: one chart, 360 wide");
		CHECK(strstr(s.data, ">Innovation staff per 100,000</text>") != NULL &&
		    strstr(s.data, ">have each value</text>") != NULL, "narrow standalone: the title wrapped at spaces");
		CHECK(strstr(s.data, ">/metrics/innovation_staff_per_100k.svg</text>") != NULL &&
		    strstr(s.data, ">?survey=2020&amp;peers=region%3AEurope</text>") != NULL &&
		    strstr(s.data, ">&amp;layout=narrow&amp;city=toronto</text>") != NULL,
		    "narrow standalone: the permalink broken before an &");
		CHECK(strstr(s.data, "Licence: CC BY 4.0</text>") != NULL, "narrow standalone: the licence shown");
		CHECK(chart_wrap_count("", 10) == 0 && chart_wrap_count("abc", 10) == 1 &&
		    chart_wrap_count("abcdefghij klm", 10) == 2 && chart_wrap_count("abcdefghijklmnopqrstu", 10) == 3,
		    "wrap count: empty, one line, at a space, hard breaks");
		buf_reset(&s);
		CHECK(chart_text_wrapped(&s, "<a> é é é é é é", 5, 1, 10, 20, " k=\"v\"", &lines) == 0 && lines == 3 &&
		    utf8_valid(s.data, s.len) && strstr(s.data, "<text x=\"1\" y=\"50\" k=\"v\">é é</text>") != NULL &&
		    strstr(s.data, "&lt;a&gt;") != NULL, "wrapped text: escaped, whole characters, a line each");
	}
	buf_free(&s);
	buf_free(&b);
	return T_DONE();
}
