/* test_profile.c: the city profile: its sentences, escaping and models with holes, and the table of
 * sections (sql/surveys/sections.def) against every questionnaire beside it. */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "answer.h"
#include "buf.h"
#include "http.h"
#include "profile.h"
#include "t.h"

/* The page as rendered, before strip_count_links (the last profile() call's). */
static char *raw;

/* Drops the links around counts ("(<a class="count" href="...">81</a> of ...") so that the checks
 * below read the sentences; the links are checked on `raw`. */
static void
strip_count_links(char *s)
{
	char *a, *e;

	while ((a = strstr(s, "<a class=\"count\" href=\"")) != NULL) {
		if ((e = strchr(a, '>')) == NULL)
			return;
		memmove(a, e + 1, strlen(e + 1) + 1);
		if ((e = strstr(a, "</a>")) == NULL)
			return;
		memmove(e, e + 4, strlen(e + 4) + 1);
	}
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
	profile_html(&r, model);
	json_decref(model);
	buf_putc(&r.out, '\0');
	page = buf_steal(&r.out, NULL);
	buf_free(&r.headers);
	free(raw);
	raw = page ? strdup(page) : NULL;
	if (page)
		strip_count_links(page);
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

/* ---- the table of sections against the questionnaires ---- */

/* A row of sections.def as the test reads it: its kind (for the blocks), the question codes it names,
 * the option a PHRASE names, and the wave an ASKED block names. */
enum row_kind { R_OPEN, R_ASKED, R_END, R_ROW, R_PHRASE };

struct row {
	enum row_kind kind;
	const char *code[3];
	const char *wave;	/* ASKED: the one questionnaire that asks it, or NULL */
	const char *text;	/* the row's first text, for SECTION its name */
};

static const struct row rows[] = {
#define FACTS()				{ R_OPEN, { NULL }, NULL, NULL },
#define FACT(label, c)			{ R_ROW, { c }, NULL, label },
#define POPULATION(label, c, year)	{ R_ROW, { c, year }, NULL, label },
#define PLACE(label)			{ R_ROW, { NULL }, NULL, label },
#define COLUMNS()			{ R_OPEN, { NULL }, NULL, NULL },
#define SECTION(name, f, toc, heading)	{ R_OPEN, { NULL }, NULL, name },
#define ASKED(c, wave)			{ R_ASKED, { c }, wave, NULL },
#define TEAMS(what)			{ R_OPEN, { NULL }, NULL, what },
#define TEAM(name, staff, where)	{ R_ROW, { name, staff, where }, NULL, NULL },
#define END()				{ R_END, { NULL }, NULL, NULL },
#define H3(t)				{ R_ROW, { NULL }, NULL, t },
#define CHOSEN(c, f, what)		{ R_ROW, { c }, NULL, what },
#define BY_CITIES(c, f, title, col)	{ R_ROW, { c }, NULL, title },
#define INTRO(c, t)			{ R_ROW, { c }, NULL, t },
#define YES_NO(c, has, has_not, whether) { R_ROW, { c }, NULL, has },
#define SINGLE(c, what)			{ R_ROW, { c }, NULL, what },
#define PHRASE(c, option, t)		{ R_PHRASE, { c, option }, NULL, t },
#define NOTE(c)				{ R_ROW, { c }, NULL, NULL },
#define TEXT(c)				{ R_ROW, { c }, NULL, NULL },
#define COUNT_HEADING(c, one, many, fallback, what) { R_ROW, { c }, NULL, one },
#define NEW_OPTIONS(c, they, it, it_also, it_not) { R_ROW, { c }, NULL, they },
#define OPTIONS_NOTE(c)			{ R_ROW, { c }, NULL, NULL },
#define PARTNERS(c, lead, tail, what)	{ R_ROW, { c }, NULL, lead },
#define BY_CITIES_LATEST(c, title, col)	{ R_ROW, { c }, NULL, title },
#define ASKED_OF(c, noun)		{ R_ROW, { c }, NULL, noun },
#define ANCHOR 1
#define FOLDED 2
#define RANKED 4
#include "sections.def"
};

#define NROWS (sizeof(rows) / sizeof(rows[0]))

struct wave {
	char *id;
	json_t *questions;
};

/* The questionnaires in sql/surveys (each *.json), by the id each declares; returns how many (at most max). */
static size_t
load_waves(const char *dir, struct wave *w, size_t max)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	while (d && (e = readdir(d)) != NULL && n < max) {
		size_t len = strlen(e->d_name);
		char path[4096];
		json_t *doc;

		if (len < 6 || strcmp(e->d_name + len - 5, ".json") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		doc = json_load_file(path, 0, NULL);
		if (doc == NULL) {
			CHECK(doc != NULL, "sections: a questionnaire of sql/surveys reads as JSON");
			printf("# %s\n", path);
			continue;
		}
		w[n].id = strdup(json_string_value(json_object_get(json_object_get(doc, "survey"), "id")) ?
		    json_string_value(json_object_get(json_object_get(doc, "survey"), "id")) : "");
		w[n].questions = json_incref(json_object_get(doc, "questions"));
		json_decref(doc);
		n++;
	}
	if (d)
		closedir(d);
	return n;
}

static void
check_sections(void)
{
	const char *root = getenv("CITYBENCH_ROOT");
	char dir[4000], name[300];
	struct wave waves[32];
	const char *only[16];		/* the wave of each open block (NULL: every one) */
	size_t nw, i, k, j;
	int depth = 0, codes = 0, bad_wave = 0, unopened = 0;

	snprintf(dir, sizeof(dir), "%s/sql/surveys", root && *root ? root : ".");
	nw = load_waves(dir, waves, 32);
	CHECK(nw >= 2, "sections: the questionnaires of sql/surveys are found (2018 and 2020 at least)");
	only[0] = NULL;
	for (i = 0; i < NROWS; i++) {
		const struct row *r = &rows[i];
		const char *want = depth > 0 ? only[depth] : NULL;

		if (r->kind == R_OPEN || r->kind == R_ASKED) {
			if (depth + 1 >= (int)(sizeof(only) / sizeof(only[0])))
				break;
			only[depth + 1] = r->kind == R_ASKED && r->wave ? r->wave : want;
			if (r->kind == R_ASKED && r->wave) {
				int known = 0;
				for (k = 0; k < nw; k++)
					known |= strcmp(waves[k].id, r->wave) == 0;
				if (!known) {
					bad_wave = 1;
					printf("# ASKED(\"%s\", \"%s\"): no questionnaire %s in %s\n", r->code[0], r->wave,
					    r->wave, dir);
				}
			}
			depth++;
			if (r->kind == R_OPEN)
				continue;
			want = only[depth];	/* ASKED's own code is asked where its rows are */
		} else if (r->kind == R_END) {
			if (--depth < 0)
				unopened = 1;
			continue;
		}
		for (k = 0; k < nw; k++) {
			if (want && strcmp(want, waves[k].id) != 0)
				continue;
			for (j = 0; j < 3 && r->code[j]; j++) {
				json_t *q = answer_question(waves[k].questions, r->code[j]);
				if (r->kind == R_PHRASE && j == 1) {
					q = answer_question(waves[k].questions, r->code[0]);
					snprintf(name, sizeof(name), "sections: option %s of %s is in %s's questionnaire",
					    r->code[1], r->code[0], waves[k].id);
					CHECK(answer_has_option(q, r->code[1]), name);
				} else {
					snprintf(name, sizeof(name), "sections: %s is in %s's questionnaire", r->code[j],
					    waves[k].id);
					CHECK(q != NULL, name);
				}
				codes++;
			}
		}
	}
	CHECK(depth == 0 && !unopened, "sections: every block ends, and every END closes one");
	CHECK(!bad_wave, "sections: every wave an ASKED block names has its questionnaire here");
	CHECK(codes > 50, "sections: the table names the survey's questions");
	for (k = 0; k < nw; k++) {
		free(waves[k].id);
		json_decref(waves[k].questions);
	}
}

int
main(void)
{
	char model[8192], *page;

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
		CHECK(raw && strstr(raw, "(<a class=\"count\" href=\"/cities?survey=2020&amp;"
		    "peers=answer%3Aexplicit_strategy%3Dno\">50</a> of <a class=\"count\" "
		    "href=\"/cities?survey=2020&amp;peers=answered%3Aexplicit_strategy\">100</a>)") != NULL,
		    "profile: each count links to its cities (answer: and answered:)");
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
		CHECK(strstr(page, "h-spotlight") == NULL && strstr(page, "data partnerships") == NULL,
		    "sections: what the wave does not ask is left out, not said missing");
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

	/* The table's blocks: an ASKED section shows when the wave asks its question; a PHRASE words an
	 * option; the table of contents lists the sections that have an entry, in the table's order. */
	page = profile("{\"city\":{\"slug\":\"s\",\"name\":\"S&\"},\"survey\":\"2020\",\"peers\":\"\","
	    "\"answers\":{\"spotlight\":\"A <b>lab</b>\",\"data_partnerships\":[\"private_sector\",\"academia\","
	    "\"civil\"]},\"questions\":[{\"code\":\"spotlight\",\"type\":\"text\"},{\"code\":\"data_partnerships\","
	    "\"type\":\"multi\",\"options\":[{\"code\":\"academia\",\"label\":\"Academia\"},{\"code\":\"civil\","
	    "\"label\":\"Civil society\"}]}]}");
	CHECK(page && strstr(page, "<section aria-labelledby=\"h-spotlight\"><h2 id=\"h-spotlight\">Spotlight on "
	    "innovation in S&amp;</h2>\n<p class=\"text\">A &lt;b&gt;lab&lt;/b&gt;</p>\n"
	    "<p class=\"to-toc\"><a href=\"#on-this-page\">Back to the sections</a></p>\n</section>") != NULL,
	    "sections: the spotlight when the wave asks it, escaped");
	CHECK(page && strstr(page, "To improve data use, S&amp; has also developed data partnerships with the private "
	    "sector, academia, and civil society, to collect and analyse data.") != NULL,
	    "sections: partners in words, a PHRASE for the private sector");
	CHECK(page && strstr(page, "<nav class=\"toc\" id=\"on-this-page\" aria-label=\"On this page\"><ul><li><a href=\"#vision\">"
	    "Vision and approach</a></li><li><a href=\"#skills\">Skills and teams</a></li><li><a href=\"#activities\">"
	    "Activities</a></li><li><a href=\"#funding\">Funding</a></li><li><a href=\"#measured\">Measurement and "
	    "partnerships</a></li><li><a href=\"#metrics\">Metrics</a></li>") != NULL, "sections: the table of contents");
	CHECK(page && strstr(page, "<h2 id=\"h-skills\">Innovation skills, roles and teams</h2>\n<p><span "
	    "class=\"not-asked\">— not asked</span> in the 2020 wave.</p>") != NULL,
	    "sections: a count heading without its count");
	free(page);

	check_sections();
	return T_DONE();
}
