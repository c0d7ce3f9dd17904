/* test_render.c: the profile writer and its pieces: numbers, answers, sentences, escaping, models with
 * holes. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "http.h"
#include "render.h"
#include "t.h"

static char *
int_text(long long n)
{
	struct buf b = BUF_INIT;

	render_int(&b, n);
	return buf_steal(&b, NULL);
}

static char *
answer_text(const char *q, const char *v, int asked)
{
	struct buf b = BUF_INIT;
	json_t *jq = q ? json_loads(q, 0, NULL) : NULL, *jv = v ? json_loads(v, JSON_DECODE_ANY, NULL) : NULL;

	render_answer(&b, jq, jv, asked);
	json_decref(jq);
	json_decref(jv);
	if (b.data == NULL)
		buf_puts(&b, "");
	return buf_steal(&b, NULL);
}

static int
same(const char *code, const char *a, const char *b)
{
	json_t *ja = json_loads(a, JSON_DECODE_ANY, NULL), *jb = json_loads(b, JSON_DECODE_ANY, NULL);
	int r = render_same_answer(code, ja, jb);

	json_decref(ja);
	json_decref(jb);
	return r;
}

/* Renders a profile model (JSON text) and returns the page. */
static char *
profile(const char *model_text)
{
	struct request r;
	json_t *model = json_loads(model_text, 0, NULL);
	char *page;

	memset(&r, 0, sizeof(r));
	if (model == NULL)
		return NULL;
	render_profile(&r, model);
	json_decref(model);
	buf_putc(&r.out, '\0');
	page = buf_steal(&r.out, NULL);
	buf_free(&r.headers);
	return page;
}

static int
count(const char *hay, const char *needle)
{
	int n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay += strlen(needle);
	}
	return n;
}

#define FREE_CHECK_STR(expr, want, name) do { char *s_ = (expr); CHECK_STR(s_, want, name); free(s_); } while (0)

static const char *const questions =
    "[{\"code\":\"mayor\",\"type\":\"text\",\"section\":\"profile\",\"text\":\"Mayor\",\"options\":[]},"
    "{\"code\":\"explicit_strategy\",\"type\":\"bool\",\"section\":\"goals\",\"text\":\"Strategy?\",\"options\":[]},"
    "{\"code\":\"approach\",\"type\":\"single\",\"section\":\"goals\",\"text\":\"Approach?\",\"options\":"
    "[{\"code\":\"holistic\",\"label\":\"Holistic\"},{\"code\":\"both\",\"label\":\"Both\"}]},"
    "{\"code\":\"policy_areas\",\"type\":\"multi\",\"section\":\"goals\",\"text\":\"Areas\",\"options\":"
    "[{\"code\":\"health\",\"label\":\"Health\"},{\"code\":\"education\",\"label\":\"Education <3\"}]},"
    "{\"code\":\"dedicated_funding\",\"type\":\"bool\",\"section\":\"funding\",\"text\":\"Funding?\",\"options\":[]},"
    "{\"code\":\"measures_outcomes\",\"type\":\"bool\",\"section\":\"outcomes\",\"text\":\"Measures?\",\"options\":[]},"
    "{\"code\":\"new_question\",\"type\":\"bool\",\"section\":\"outcomes\",\"text\":\"A new one?\",\"options\":[]},"
    "{\"code\":\"team1_name\",\"type\":\"text\",\"section\":\"organisation\",\"text\":\"Team\",\"options\":[]},"
    "{\"code\":\"team1_staff\",\"type\":\"integer\",\"section\":\"organisation\",\"text\":\"Staff\",\"options\":[]},"
    "{\"code\":\"team1_location\",\"type\":\"text\",\"section\":\"organisation\",\"text\":\"Where\",\"options\":[]}]";

int
main(void)
{
	char model[8192], *page;

	/* Numbers: separators from five digits on; the extremes do not overflow. */
	FREE_CHECK_STR(int_text(0), "0", "render_int 0");
	FREE_CHECK_STR(int_text(2018), "2018", "render_int keeps a year whole");
	FREE_CHECK_STR(int_text(12345), "12,345", "render_int 12,345");
	FREE_CHECK_STR(int_text(2800000), "2,800,000", "render_int 2,800,000");
	FREE_CHECK_STR(int_text(-1234567), "-1,234,567", "render_int negative");
	FREE_CHECK_STR(int_text(LLONG_MIN), "-9,223,372,036,854,775,808", "render_int LLONG_MIN");

	/* Answers: the three kinds of missing stay apart, text is escaped, codes become labels. */
	FREE_CHECK_STR(answer_text(NULL, NULL, 0), "<span class=\"not-asked\">— not asked</span>", "not asked");
	FREE_CHECK_STR(answer_text(NULL, "null", 1), "<span class=\"unanswered\">(no answer)</span>", "asked, no answer");
	FREE_CHECK_STR(answer_text(NULL, "false", 1), "<span class=\"no\">No</span>", "false is No");
	FREE_CHECK_STR(answer_text(NULL, "0", 1), "0", "zero is zero");
	FREE_CHECK_STR(answer_text("{\"type\":\"text\"}", "\"<script>&\"", 1), "&lt;script&gt;&amp;", "text escaped");
	FREE_CHECK_STR(answer_text("{\"type\":\"single\",\"options\":[{\"code\":\"a\",\"label\":\"<A>\"}]}", "\"a\"", 1),
	    "&lt;A&gt;", "single: the label, escaped");
	FREE_CHECK_STR(answer_text("{\"type\":\"single\",\"options\":[]}", "\"<x>\"", 1), "&lt;x&gt;",
	    "single: an unknown code is shown escaped");
	FREE_CHECK_STR(answer_text("{\"code\":\"innovation_activities\",\"type\":\"multi\",\"options\":[]}", "[\"b\",\"a\"]", 1),
	    "<ol class=\"options\"><li>b</li><li>a</li></ol>", "the ranked question is an ordered list");
	FREE_CHECK_STR(answer_text("{\"code\":\"x\",\"type\":\"multi\",\"options\":[]}", "[]", 1),
	    "<span class=\"none\">none of the options</span>", "an empty list is an answer");

	/* Changes: order matters only in the ranked question; a multiset, not a set. */
	CHECK(same("policy_areas", "[\"a\",\"b\"]", "[\"b\",\"a\"]") == 1, "same options in another order: same");
	CHECK(same("innovation_activities", "[\"a\",\"b\"]", "[\"b\",\"a\"]") == 0, "ranked: another order is a change");
	CHECK(same("policy_areas", "[\"a\",\"a\"]", "[\"a\",\"b\"]") == 0, "duplicates counted");
	CHECK(same("policy_areas", "[\"a\"]", "[\"a\",\"b\"]") == 0, "one more option: changed");
	CHECK(same("x", "null", "false") == 0, "null is not false");
	CHECK(same("x", "3", "3") == 1, "equal numbers");

	/* A profile: the sentences from the cohort's counts, the name escaped everywhere. */
	snprintf(model, sizeof(model),
	    "{\"city\":{\"slug\":\"x-1\",\"name\":\"<b>Bad & Co</b>\",\"country\":\"CA\",\"region\":\"R\","
	    "\"population\":1234567,\"synthetic\":true},\"waves\":[\"2018\",\"2020\"],\"survey\":\"2020\","
	    "\"peers\":\"\",\"cohort_size\":100,"
	    "\"answers\":{\"mayor\":\"<i>M</i>\",\"explicit_strategy\":false,\"approach\":\"both\","
	    "\"policy_areas\":[\"education\"],\"dedicated_funding\":false,\"measures_outcomes\":null,"
	    "\"new_question\":true,\"team1_name\":\"Lab\",\"team1_staff\":4,\"team1_location\":\"Mayor's Office\"},"
	    "\"history\":{\"2018\":{\"mayor\":\"<i>M</i>\",\"explicit_strategy\":true},"
	    "\"2020\":{\"mayor\":\"<i>M</i>\",\"explicit_strategy\":false}},"
	    "\"cohort\":{\"explicit_strategy\":{\"answered\":100,\"counts\":{\"yes\":50,\"no\":50}},"
	    "\"dedicated_funding\":{\"answered\":100,\"counts\":{\"yes\":81,\"no\":19}},"
	    "\"measures_outcomes\":{\"answered\":99,\"counts\":{\"yes\":60,\"no\":39}},"
	    "\"approach\":{\"answered\":100,\"counts\":{\"both\":54}},"
	    "\"new_question\":{\"answered\":8,\"counts\":{\"yes\":1}},"
	    "\"policy_areas\":{\"answered\":100,\"counts\":{\"education\":21}}},"
	    "\"metrics\":[{\"id\":\"m1\",\"title\":\"M <1>\",\"unit\":\"percent\",\"value\":41.666666666666664,"
	    "\"rank\":3,\"of\":100,\"percentile\":96.5},{\"id\":\"m2\",\"title\":\"M2\",\"unit\":\"count\","
	    "\"value\":null,\"rank\":null,\"of\":90,\"percentile\":null}],"
	    "\"questions\":%s,\"other_questions\":{\"2018\":%s}}", questions, questions);
	page = profile(model);
	CHECK(page != NULL, "profile renders");
	if (page) {
		CHECK(count(page, "<h1") == 1, "profile: one h1");
		CHECK(strstr(page, "<b>Bad") == NULL && strstr(page, "<i>M</i>") == NULL, "profile: no raw markup from data");
		CHECK(strstr(page, "&lt;b&gt;Bad &amp; Co&lt;/b&gt;") != NULL, "profile: the name escaped");
		CHECK(strstr(page, "Along with <strong>50%</strong> of cities surveyed (50 of 100), &lt;b&gt;Bad &amp; "
		    "Co&lt;/b&gt; does not have an explicit innovation strategy.") != NULL, "profile: along with 50%");
		CHECK(strstr(page, "Unlike <strong>81%</strong> of cities surveyed (81 of 100), &lt;b&gt;Bad &amp; "
		    "Co&lt;/b&gt; has no dedicated funding to support innovation capacity.") != NULL,
		    "profile: unlike 81% when the city has none");
		CHECK(strstr(page, "Similar to <strong>54%</strong> of cities surveyed (54 of 100)") != NULL,
		    "profile: approach with its share");
		CHECK(strstr(page, "did not answer whether it measures the outcomes") != NULL &&
		    strstr(page, "<strong>61%</strong> of them (60 of 99) said yes") != NULL,
		    "profile: unanswered, with what the cohort said (60/99 = 60.6 -> 61)");
		CHECK(strstr(page, "Synthetic demonstration city") != NULL, "profile: synthetic notice");
		CHECK(strstr(page, "Situated in the Mayor&#39;s Office, ") != NULL &&
		    strstr(page, " Lab consists of 4 staff.") != NULL, "profile: the team sentence");
		CHECK(strstr(page, "<data value=\"41.666666666666664\">41.7%</data>") != NULL,
		    "profile: a metric value exact for programs, rounded for people");
		CHECK(strstr(page, "<data value=\"96.5\">97</data>") != NULL, "profile: percentile rounded half up");
		CHECK(strstr(page, "href=\"/metrics/m1?city=x-1&amp;survey=2020\"") != NULL, "profile: metric link");
		CHECK(strstr(page, "M &lt;1&gt;") != NULL, "profile: metric title escaped");
		CHECK(strstr(page, "(no value)") != NULL, "profile: a metric without value");
		CHECK(strstr(page, "A new one?") != NULL && strstr(page, "(1 of 8)") != NULL,
		    "profile: a question the narrative does not word, beside its cohort");
		CHECK(strstr(page, "Education &lt;3") != NULL && strstr(page, "<tr class=\"mine\">") != NULL,
		    "profile: policy areas by number of cities, the city's own marked");
		CHECK(strstr(page, "<strong class=\"changed-mark\">changed</strong>") != NULL,
		    "profile: the strategy changed between waves, in words");
		CHECK(strstr(page, "style=") == NULL && strstr(page, "<script>") == NULL, "profile: no inline style or script");
		free(page);
	}

	/* Peers: the heading names the group; an empty group says so and divides by nothing. */
	snprintf(model, sizeof(model),
	    "{\"city\":{\"slug\":\"p\",\"name\":\"P\"},\"waves\":[\"2020\"],\"survey\":\"2020\","
	    "\"peers\":\"region:<Nowhere>\",\"cohort_size\":0,\"answers\":{\"explicit_strategy\":true},"
	    "\"history\":{\"2020\":{\"explicit_strategy\":true}},\"cohort\":{},\"metrics\":[],"
	    "\"questions\":%s,\"other_questions\":{}}", questions);
	page = profile(model);
	CHECK(page && strstr(page, "the peer group <code>region:&lt;Nowhere&gt;</code>: 0 cities") != NULL,
	    "peers: the heading names the group");
	CHECK(page && strstr(page, "No city of this wave is in the peer group") != NULL, "peers: an empty group");
	CHECK(page && strstr(page, "answered yes; no other city in the cohort answered") != NULL,
	    "peers: no share over an empty cohort");
	free(page);

	/* Models with holes: nothing crashes, one h1 still. */
	page = profile("{}");
	CHECK(page && count(page, "<h1") == 1 && strstr(page, "has not answered any wave") != NULL, "empty model");
	free(page);
	page = profile("{\"city\":{\"name\":\"Q\"},\"survey\":\"2020\",\"answers\":{\"policy_areas\":\"not a list\","
	    "\"explicit_strategy\":\"yes\",\"team1_name\":5},\"questions\":[{\"code\":\"policy_areas\"}]}");
	CHECK(page && count(page, "<h1") == 1, "a model with wrongly typed fields still renders");
	free(page);
	return T_DONE();
}
