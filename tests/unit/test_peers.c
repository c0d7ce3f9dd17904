/* test_peers.c: the peer-group expression, its canonical form and ranges. */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "peers.h"
#include "t.h"
#include "utf8.h"

static struct peers p;
static char *msg;
static struct buf canon = BUF_INIT;

static int
parse(const char *expr)
{
	int rc;

	peers_free(&p);
	free(msg);
	msg = NULL;
	rc = peers_parse(expr, &p, &msg);
	buf_reset(&canon);
	buf_append(&canon, "", 0);
	if (rc == 0)
		peers_canonical(&p, &canon);
	return rc;
}

static int
has(const char *needle)
{
	return msg && strstr(msg, needle) != NULL;
}

/* The canonical form parses back to itself. */
static int
stable(void)
{
	struct peers again;
	struct buf b = BUF_INIT;
	int ok;

	if (peers_parse(canon.data, &again, NULL) != 0)
		return 0;
	buf_append(&b, "", 0);
	peers_canonical(&again, &b);
	ok = strcmp(b.data, canon.data) == 0 && again.kind == p.kind;
	peers_free(&again);
	buf_free(&b);
	return ok;
}

static void
ranges(void)
{
	long long lo = -1, hi = -1;
	int hl = -1, hh = -1;
	char *e = NULL;

	CHECK(range_parse("100-500", &lo, &hl, &hi, &hh, &e) == 0 && lo == 100 && hi == 500
	    && hl == 1 && hh == 1, "range both");
	CHECK(range_parse("100-", &lo, &hl, &hi, &hh, &e) == 0 && lo == 100 && hl == 1 && hh == 0,
	    "range min only");
	CHECK(range_parse("-500", &lo, &hl, &hi, &hh, &e) == 0 && hi == 500 && hl == 0 && hh == 1,
	    "range max only");
	CHECK(range_parse(" 5 - 5 ", &lo, &hl, &hi, &hh, &e) == 0 && lo == 5 && hi == 5, "blanks, MIN == MAX");
	CHECK(range_parse("0-1000000000000", &lo, &hl, &hi, &hh, &e) == 0 && hi == 1000000000000LL,
	    "10^12 allowed");
	CHECK(range_parse("0-1000000000001", &lo, &hl, &hi, &hh, &e) == -1 && e, "over 10^12");
	free(e);
	e = NULL;
	CHECK(range_parse("0-99999999999999999999999999", &lo, &hl, &hi, &hh, &e) == -1, "huge number");
	free(e);
	e = NULL;
	lo = 77;
	CHECK(range_parse("500-100", &lo, &hl, &hi, &hh, &e) == -1 && e && strstr(e, "above"),
	    "MIN > MAX");
	CHECK(lo == 77, "outputs untouched on error");
	free(e);
	e = NULL;
	CHECK(range_parse("-", &lo, &hl, &hi, &hh, &e) == -1 && e, "'-' alone");
	free(e);
	e = NULL;
	CHECK(range_parse("", &lo, &hl, &hi, &hh, &e) == -1, "empty");
	free(e);
	e = NULL;
	CHECK(range_parse("500", &lo, &hl, &hi, &hh, &e) == -1 && e && strstr(e, "MIN-MAX"), "no dash");
	free(e);
	e = NULL;
	CHECK(range_parse("-5-10", &lo, &hl, &hi, &hh, &e) == -1, "negative");
	free(e);
	e = NULL;
	CHECK(range_parse("1e3-2e3", &lo, &hl, &hi, &hh, &e) == -1, "exponent");
	free(e);
	e = NULL;
	CHECK(range_parse("1.5-2", &lo, &hl, &hi, &hh, &e) == -1, "fraction");
	free(e);
	e = NULL;
	CHECK(range_parse("+1-2", &lo, &hl, &hi, &hh, &e) == -1, "plus sign");
	free(e);
	e = NULL;
	CHECK(range_parse(NULL, &lo, &hl, &hi, &hh, &e) == -1, "NULL");
	free(e);
	CHECK(range_parse("x-y", &lo, &hl, &hi, &hh, NULL) == -1, "NULL err allowed");
}

int
main(void)
{
	struct buf big = BUF_INIT;
	struct peers z;
	size_t i;

	CHECK(parse(NULL) == 0 && p.kind == PEERS_ALL, "NULL is all");
	CHECK(parse("") == 0 && p.kind == PEERS_ALL, "empty is all");
	CHECK(parse("  ") == 0 && p.kind == PEERS_ALL, "blank is all");
	CHECK_STR(canon.data, "", "all canonical");

	CHECK(parse("region:Europe") == 0 && p.kind == PEERS_REGION, "region");
	CHECK_STR(p.text, "Europe", "region text");
	CHECK_STR(canon.data, "region:Europe", "region canonical");
	CHECK(parse(" Region : Latin America, Caribbean ") == 0 && p.kind == PEERS_REGION,
	    "region, any case, blanks, comma in name");
	CHECK_STR(p.text, "Latin America, Caribbean", "region text trimmed");
	CHECK(stable(), "region canonical is stable");
	CHECK(parse("region:\xc3\x8e" "le-de-France") == 0, "UTF-8 region");
	CHECK(parse("region:a:b") == 0 && strcmp(p.text, "a:b") == 0, "colon in region name");
	CHECK(parse("region:") == -1 && has("region"), "empty region");
	CHECK(parse("region:a\x01" "b") == -1 && has("control"), "control char in region");
	CHECK(parse("region:a\xc2\x85" "b") == -1 && has("control"), "C1 control in region");
	CHECK(parse("region:\xff") == -1 && has("UTF-8"), "invalid UTF-8 region");
	CHECK(parse("region:\xc0\xaf") == -1 && has("UTF-8"), "overlong in region");
	for (i = 0; i < 100; i++)
		buf_puts(&big, "\xc3\xa9");
	{
		struct buf e = BUF_INIT;

		buf_puts(&e, "region:");
		buf_append(&e, big.data, big.len);
		CHECK(parse(e.data) == 0, "region of 100 two-byte characters");
		buf_puts(&e, "x");
		CHECK(parse(e.data) == -1 && has("100"), "region of 101 characters");
		buf_free(&e);
	}
	CHECK(p.kind == PEERS_ALL && p.text == NULL, "p empty after error");

	CHECK(parse("country:ca") == 0 && p.kind == PEERS_COUNTRY, "country");
	CHECK_STR(p.text, "CA", "country upper-cased");
	CHECK_STR(canon.data, "country:CA", "country canonical");
	CHECK(parse("COUNTRY:De") == 0 && strcmp(p.text, "DE") == 0, "country mixed case");
	CHECK(parse("country:C") == -1 && has("two-letter"), "one letter");
	CHECK(parse("country:CAN") == -1, "three letters");
	CHECK(parse("country:C1") == -1, "digit");
	CHECK(parse("country:") == -1, "empty country");
	CHECK(parse("country:\xc3\xa9\xc3\xa9") == -1 && msg && utf8_valid(msg, strlen(msg)),
	    "non-ASCII country refused, message valid UTF-8");

	CHECK(parse("population:100000-500000") == 0 && p.kind == PEERS_POPULATION, "population");
	CHECK(p.has_min && p.has_max && p.min == 100000 && p.max == 500000, "population bounds");
	CHECK_STR(canon.data, "population:100000-500000", "population canonical");
	CHECK(parse("population: 0100 - ") == 0 && p.has_min && !p.has_max && p.min == 100,
	    "population min only, leading zero");
	CHECK_STR(canon.data, "population:100-", "population canonical normalises");
	CHECK(stable(), "population canonical is stable");
	CHECK(parse("population:-5") == 0 && !p.has_min && p.max == 5, "population max only");
	CHECK(parse("population:-") == -1 && has("population"), "population neither side");
	CHECK(parse("population:9-1") == -1 && has("above"), "population MIN > MAX");
	CHECK(parse("population:1-2000000000000") == -1, "population over 10^12");
	CHECK(parse("population:abc") == -1, "population not numbers");

	CHECK(parse("toronto") == 0 && p.kind == PEERS_LIST && p.nslugs == 1, "one slug");
	CHECK(parse("toronto,montreal,toronto, ottawa ,,montreal,") == 0 && p.nslugs == 3,
	    "list: duplicates, blanks and empty items");
	CHECK(p.nslugs == 3 && strcmp(p.slugs[0], "toronto") == 0 && strcmp(p.slugs[1], "montreal") == 0
	    && strcmp(p.slugs[2], "ottawa") == 0, "order kept");
	CHECK_STR(canon.data, "toronto,montreal,ottawa", "list canonical");
	CHECK(stable(), "list canonical is stable");
	CHECK(parse(",,,") == -1 && has("no city"), "list of nothing");
	CHECK(parse("toronto,Montreal") == -1 && has("'Montreal'"), "upper-case slug named");
	CHECK(parse("a,<script>") == -1 && has("slug"), "markup is not a slug");
	CHECK(parse("a b") == -1, "space inside a slug");
	CHECK(parse("caf\xc3\xa9") == -1, "non-ASCII slug");
	CHECK(parse("a\xff") == -1 && msg && utf8_valid(msg, strlen(msg)), "bad byte, message valid UTF-8");
	CHECK(parse("city:toronto") == -1 && has("unknown"), "unknown kind");
	CHECK(parse(":x") == -1 && has("unknown"), "empty kind");
	CHECK(parse("regionx:a") == -1, "kind prefix must match whole");

	buf_reset(&big);
	for (i = 0; i < 500; i++)
		buf_printf(&big, "%sc%zu", i ? "," : "", i);
	CHECK(parse(big.data) == 0 && p.nslugs == 500, "500 slugs");
	buf_puts(&big, ",c0,c1");
	CHECK(parse(big.data) == 0 && p.nslugs == 500, "500 slugs plus repeats");
	buf_puts(&big, ",c500");
	CHECK(parse(big.data) == -1 && has("500"), "501 slugs refused");
	buf_reset(&big);
	for (i = 0; i < 65; i++)
		buf_putc(&big, 'a');
	CHECK(parse(big.data) == -1, "65-char slug");
	big.data[64] = '\0';
	CHECK(parse(big.data) == 0, "64-char slug");

	CHECK(peers_parse("BAD SLUG", &z, NULL) == -1, "NULL err allowed");
	memset(&z, 0, sizeof z);
	peers_free(&z);
	peers_free(NULL);
	CHECK(z.kind == PEERS_ALL, "free on zeroed struct");

	/* answers and ';' */
	CHECK(parse("answer:dedicated_funding=yes") == 0 && p.kind == PEERS_FILTERS && p.nfilters == 1 &&
	    p.filters[0].kind == PEERS_ANSWER && strcmp(p.filters[0].text, "dedicated_funding") == 0 &&
	    strcmp(p.filters[0].option, "yes") == 0 && stable(), "answer:CODE=OPTION");
	CHECK_STR(canon.data, "answer:dedicated_funding=yes", "answer canonical");
	CHECK(parse(" Answered : spotlight ") == 0 && p.kind == PEERS_FILTERS &&
	    p.filters[0].kind == PEERS_ANSWERED && stable(), "answered:CODE");
	CHECK_STR(canon.data, "answered:spotlight", "answered canonical");
	CHECK(parse("region:Europe; answer:innovation_roles=data_scientist ;population:-500000;;") == 0 &&
	    p.kind == PEERS_FILTERS && p.nfilters == 3 && stable(), "three filters");
	CHECK_STR(canon.data, "region:Europe;answer:innovation_roles=data_scientist;population:-500000",
	    "three filters canonical");
	buf_reset(&big);
	CHECK(peers_filters_json(&p, &big) == 0, "filters json");
	CHECK_STR(big.data, "[{\"k\":\"region\",\"v\":\"Europe\"},{\"k\":\"answer\",\"o\":\"data_scientist\","
	    "\"c\":\"innovation_roles\"},{\"k\":\"population\",\"max\":500000}]", "filters json text");
	CHECK(parse("region:A\"b\\c;country:ca") == 0 && stable(), "quotes in a region");
	buf_reset(&big);
	peers_filters_json(&p, &big);
	CHECK_STR(big.data, "[{\"k\":\"region\",\"v\":\"A\\\"b\\\\c\"},{\"k\":\"country\",\"v\":\"CA\"}]",
	    "filters json escapes");
	CHECK(parse("region:Europe;") == 0 && p.kind == PEERS_REGION && stable(), "one filter keeps its kind");
	CHECK(parse("country:CA;country:ca") == 0 && p.kind == PEERS_COUNTRY, "repeated filter dropped");
	CHECK(parse(";;") == 0 && p.kind == PEERS_ALL, "only separators: all");
	CHECK(parse("toronto,paris;region:Europe") == -1 && has("stands alone"), "list with a filter");
	CHECK(parse("answer:dedicated_funding") == -1 && has("CODE=OPTION"), "answer without option");
	CHECK(parse("answer:Bad-Code=yes") == -1 && has("question code"), "bad question code");
	CHECK(parse("answer:x=") == -1 && has("option code"), "empty option");
	CHECK(parse("answered:") == -1, "answered without code");
	CHECK(parse("similarly:x") == -1 && has("unknown group"), "unknown kind");
	CHECK(parse("region:Europe;population:9-1") == -1 && has("minimum"), "bad part fails the whole");
	buf_reset(&big);
	for (i = 0; i < 17; i++)
		buf_printf(&big, "%sanswered:q%zu", i ? ";" : "", i);
	CHECK(parse(big.data) == -1 && has("more than 16"), "17 filters refused");

	ranges();

	peers_free(&p);
	free(msg);
	buf_free(&big);
	buf_free(&canon);
	return T_DONE();
}
