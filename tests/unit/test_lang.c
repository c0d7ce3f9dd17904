/* test_lang.c: the request's language (lang.c): lang= values, Accept-Language with q-values, the
 * links that keep a chosen language, the numbers for people in each language (view.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lang.h"
#include "view.h"
#include "t.h"

static const char *
rewrite(const char *html)
{
	static struct buf b;

	buf_reset(&b);
	buf_puts(&b, html);
	if (lang_rewrite_links(&b, LANG_FR) == -1)
		return "(failed)";
	return b.data ? b.data : "";
}

static const char *
num(long long n, enum lang l)
{
	static struct buf b;

	buf_reset(&b);
	view_int_lang(&b, n, l);
	return b.data ? b.data : "";
}

static const char *
pct(double v, int places, enum lang l)
{
	static struct buf b;

	buf_reset(&b);
	view_percent_lang(&b, v, places, l);
	return b.data ? b.data : "";
}

int
main(void)
{
	enum lang l = LANG_EN;

	CHECK(lang_parse("fr", &l) == 0 && l == LANG_FR, "fr");
	CHECK(lang_parse("EN", &l) == 0 && l == LANG_EN, "EN");
	CHECK(lang_parse("fr-CA", &l) == 0 && l == LANG_FR, "fr-CA");
	CHECK(lang_parse("de", &l) == -1 && lang_parse("", &l) == -1 && lang_parse(NULL, &l) == -1, "others");
	CHECK(lang_parse("fra", &l) == -1 && lang_parse("fr-", &l) == -1 && lang_parse("f", &l) == -1, "near misses");

	CHECK(lang_accept(NULL) == LANG_EN, "no header");
	CHECK(lang_accept("fr-CA,fr;q=0.9,en;q=0.8") == LANG_FR, "fr first");
	CHECK(lang_accept("en-US,en;q=0.9,fr;q=0.8") == LANG_EN, "en first");
	CHECK(lang_accept("de;q=1, fr;q=0.3") == LANG_FR, "fr the only one known");
	CHECK(lang_accept("fr;q=0, en;q=0.1") == LANG_EN, "q=0 refuses");
	CHECK(lang_accept("en;q=0.4, fr;q=0.6") == LANG_FR, "q-values, not order");
	CHECK(lang_accept("fr;q=0.5, en;q=0.5") == LANG_FR && lang_accept("en, fr") == LANG_EN, "ties: first");
	CHECK(lang_accept("fr;q=2") == LANG_EN && lang_accept("fr;q=x") == LANG_EN && lang_accept(",,;;") == LANG_EN,
	    "malformed");
	CHECK(lang_accept("*") == LANG_EN && lang_accept("frx") == LANG_EN, "wildcard, unknown");

	CHECK_STR(rewrite("<a href=\"/cities\">x</a>"), "<a href=\"/cities?lang=fr\">x</a>", "bare link");
	CHECK_STR(rewrite("<a href=\"/cities?survey=2020#top\">"), "<a href=\"/cities?survey=2020&amp;lang=fr#top\">",
	    "query and fragment");
	CHECK_STR(rewrite("<a href=\"#main\"> <a href=\"/static/x.css\"> <a href=\"//h/x\"> <a href=\"https://e/\">"),
	    "<a href=\"#main\"> <a href=\"/static/x.css\"> <a href=\"//h/x\"> <a href=\"https://e/\">", "left alone");
	CHECK_STR(rewrite("<a href=\"/x?lang=en\">"), "<a href=\"/x?lang=en\">", "a switch keeps its language");
	CHECK_STR(rewrite("<form method=\"get\" action=\"/cities\"><input name=q></form>"),
	    "<form method=\"get\" action=\"/cities\"><input type=\"hidden\" name=\"lang\" value=\"fr\"><input name=q></form>",
	    "GET form: a hidden field");
	CHECK_STR(rewrite("<form method=\"post\" action=\"/upload\">"),
	    "<form method=\"post\" action=\"/upload?lang=fr\">", "POST form: its address");
	CHECK_STR(rewrite("<a href=\"/x"), "<a href=\"/x", "unterminated attribute");
	CHECK_STR(rewrite(""), "", "empty");

	CHECK_STR(num(2800000, LANG_EN), "2,800,000", "en thousands");
	CHECK_STR(num(2800000, LANG_FR), "2" NNBSP "800" NNBSP "000", "fr thousands");
	CHECK_STR(num(2018, LANG_FR), "2018", "four digits together");
	CHECK_STR(num(-12345, LANG_FR), "-12" NNBSP "345", "negative");
	CHECK_STR(pct(41.66, 1, LANG_FR), "41,7" NNBSP "%", "fr percent, decimal comma");
	CHECK_STR(pct(41.66, 1, LANG_EN), "41.7%", "en percent");
	CHECK_STR(pct(81, 0, LANG_FR), "81" NNBSP "%", "whole percent");
	return T_DONE();
}
