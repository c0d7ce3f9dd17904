/* gen.c: the deterministic synthetic cohort (`citybench gen`)
 *
 * Over 1,000 lines, and one job: about 200 of them are the questionnaire's option lists, the word lists
 * that name cities and teams and the quota tables, 40 the explanation below, and the rest writes each
 * section of the two waves.  Splitting the lists from the code that draws from them would only make
 * both harder to check against sql/surveys/. */

/*
 * gen invents cities and their answers to both waves of the questionnaire
 * (sql/surveys/2018.json, 2020.json) so that the portal has a cohort to rank
 * and compare against. Everything comes from one xoshiro256** generator
 * seeded through splitmix64 from the caller's seed: never rand() or the
 * clock, so the same (ncities, seed) gives byte-identical files.
 *
 * The published figures. The demonstration sample is gen(157, seed 2020)
 * plus Toronto's transcribed answers (sql/sample/toronto.json), and with
 * Toronto counted it reproduces the survey's published figures exactly:
 *
 *   2018 wave: 89 cities answered (OECD, "Enhancing Innovation Capacity in
 *   City Government", 2019, and Toronto's 2018 profile page). Toronto's 2018
 *   page does not give its funding, so its funding questions are unanswered and
 *   the 89 that answer them are all synthetic: 89 synthetic cities answer 2018,
 *   90 cities with Toronto, and the other 2018 shares are over 90 (a share is
 *   over the cities that answered the question):
 *     municipal budget funding      79% (70 of 89)   Toronto not stated -> 70 of 89
 *     philanthropy or private funds 30               Toronto not stated -> 30 of 89
 *     external funding (asked of the funded cities)  30 yes among them
 *     explicit strategy yes         44%              Toronto yes -> 39 of 89 (40 of 90, 44%)
 *     approach = policy areas       over one-third   Toronto yes -> 33 of 89 (34 of 90, 38%)
 *     role project manager          82%              Toronto yes -> 73 of 89 (74 of 90, 82%)
 *     role community engagement     60%              Toronto yes -> 53 of 89 (54 of 90, 60%)
 *     role data scientist           56%              Toronto yes -> 49 of 89 (50 of 90, 56%)
 *   2020 wave: 100 cities (Toronto's 2020 profile page):
 *     dedicated funding yes         81% (81 of 100)  Toronto yes -> 80 of 99
 *     explicit strategy no          50% (50 of 100)  Toronto no  -> 50 yes of 99
 *     approach = both               more than half   Toronto yes -> 53 of 99 (54 of 100)
 *     funds training_capacity       61% (61 of 100)  Toronto yes -> 60 of 99
 *   Every city surveyed, each at its latest answer to funded_activities
 *   (seed page "Activities being funded"): launching 47 (2018 only: over the
 *   58 cities that answered 2018 only), idea generation 79, digital systems
 *   51, physical infrastructure 36, paying for services 30 (Toronto counts
 *   in the last four) -> quotas 47/58, 78/157, 50/157, 35/157, 29/157.
 *   Of 157 synthetic cities, 99 answer 2020 and 89 answer 2018, 31 of them
 *   both; 58 answer 2018 only.
 *
 * The quotas are therefore fractions of the synthetic sample (39/89, 80/99,
 * ...). For other N they scale proportionally: the k cities answering a wave
 * give exactly round_half_up(k * num / den) cities with the answer, chosen by
 * a seeded shuffle, so the shares stay those of the sample. Every other answer
 * is drawn from plausible distributions. Synthetic cities answer every non-text
 * question of every wave they take part in (so the quota denominators are
 * exact); about 3% of text answers are left empty ("asked, not answered"), as
 * are the name, staff and location of the teams a city does not have.
 */

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "gen.h"
#include "land.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define FLUSH_AT (1u << 20)
#define TEXT_NULL_PERCENT 3

/* ---- the generator ---- */

struct rng {
	uint64_t s[4];
};

static uint64_t
splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Independent streams per purpose, so one city's draws never shift another's. */
static void
rng_seed(struct rng *r, uint64_t seed, uint64_t stream)
{
	uint64_t x = seed ^ (stream * 0xd1b54a32d192ed03ull);
	int i;

	for (i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
}

static uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t
rng_next(struct rng *r)
{
	uint64_t *s = r->s;
	uint64_t out = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return out;
}

/* Uniform in [0, n), n > 0, without modulo bias. */
static uint32_t
below(struct rng *r, uint32_t n)
{
	uint64_t lim = UINT64_MAX - UINT64_MAX % n;
	uint64_t x;

	do
		x = rng_next(r);
	while (x >= lim);
	return (uint32_t)(x % n);
}

static uint32_t
between(struct rng *r, uint32_t lo, uint32_t hi)
{
	return lo + below(r, hi - lo + 1);
}

static int
permille(struct rng *r, unsigned pm)
{
	return below(r, 1000) < pm;
}

static unsigned
round_half_up(unsigned k, unsigned num, unsigned den)
{
	return (unsigned)((2ull * k * num + den) / (2ull * den));
}

/* ---- the questionnaire's options, in questionnaire order ---- */

/* The word lists and tables down to the cohort are laid out by hand. */
/* clang-format off */
static const char *const policy_opts[] = {
	"housing_homelessness", "social_inclusion_equity", "economic_development",
	"environment_climate", "digital_governance", "health", "transport_mobility",
	"education", "public_safety", "urban_planning", "government_finance",
	"social_services",
};
static const char *const policy_words[] = {
	"housing and homelessness", "social inclusion and equity",
	"economic development", "climate and the environment",
	"digital governance", "public health", "transport and mobility",
	"education", "public safety", "urban planning", "public finance",
	"social services",
};
static const char *const helps_opts[] = {
	"improve_service_delivery", "improve_resident_outcomes",
	"save_costs_efficiency", "increase_engagement", "attract_talent",
	"respond_to_crises",
};
static const unsigned short helps_pm[2][6] = {
	{ 850, 700, 600, 500, 250, 200 },
	{ 850, 720, 620, 520, 280, 550 },
};
static const char *const factor_opts[] = {
	"dedicated_funding", "focus_on_measurement", "dedicated_team",
	"hr_support", "culture_of_innovation", "engagement_with_partners",
	"outside_support", "mayor_leadership",
};
static const unsigned short factor_pm[8] = { 750, 550, 700, 450, 650, 600, 400, 600 };
static const char *const term_opts[] = {
	"human_centered_design", "data_driven", "digital_technology",
	"experimentation", "collaboration", "entrepreneurship",
};
static const unsigned short term_pm[6] = { 350, 450, 400, 350, 450, 200 };
static const char *const activity_opts[] = {
	"taking_risks", "data_analytics", "engaging_residents", "digital_solutions",
	"organisational_change", "human_centered_design", "financing_partnerships",
};
static const unsigned activity_weight[7] = { 9, 8, 7, 7, 5, 4, 2 };
static const char *const role_opts[] = {
	"project_manager", "data_scientist", "community_engagement",
	"open_data_advisor", "designer", "behavioural_scientist",
	"chief_innovation_officer", "software_developer",
};
enum { ROLE_PM, ROLE_DS, ROLE_CE };
static const unsigned short role_pm[8] = { 800, 600, 600, 400, 450, 200, 350, 500 };
static const char *const source_opts[] = {
	"municipal_budget", "national_government", "regional_government",
	"philanthropy", "private_sector", "international_organisations",
};
enum { SRC_MUNI, SRC_NAT, SRC_REG, SRC_PHIL, SRC_PRIV, SRC_INTL };
static const unsigned short source_pm[6] = { 850, 350, 250, 250, 200, 100 };
static const char *const funded_opts[2][5] = {
	{ "launching_projects", "idea_generation", "digital_systems",
	  "physical_infrastructure", "paying_for_services" },
	{ "training_capacity", "idea_generation", "digital_systems",
	  "physical_infrastructure", "paying_for_services" },
};
static const unsigned short funded_pm[2][5] = {
	{ 530, 600, 570, 400, 340 },
	{ 0, 550, 600, 350, 350 },	/* training_capacity is a quota */
};
static const char *const datapart_opts[] = {
	"private_sector", "academia_think_tanks", "other_cities",
	"civil_society", "national_government",
};
static const unsigned short datapart_pm[5] = { 500, 650, 400, 350, 300 };
static const char *const data_codes[] = {
	"data_policing", "data_waste", "data_labour_market",
	"data_social_inclusion", "data_public_works", "data_economic_development",
	"data_government_finance", "data_environment", "data_digital_governance",
	"data_land_use", "data_social_welfare", "data_built_environment",
};
static const unsigned short data_sufficient_pm[12] = {
	700, 650, 600, 500, 600, 450, 550, 400, 400, 500, 450, 400,
};
static const char *const partner_opts[] = {
	"public_agencies", "private_firms", "nonprofits", "residents",
	"academia", "other_cities",
};
static const unsigned short partner_pm[2][6] = {
	{ 750, 600, 650, 550, 650, 400 },
	{ 800, 650, 700, 600, 700, 450 },
};

/* ---- invented names ---- */

static const char *const name_pre[] = {
	"Nor", "Cas", "Bel", "Dar", "Eld", "Fen", "Gal", "Hal", "Ist", "Jor",
	"Kel", "Lun", "Mar", "Nev", "Ost", "Pel", "Quen", "Ros", "Sar", "Tav",
	"Ul", "Ver", "Wyn", "Yar", "Zel", "Cor", "Dun", "Es", "Fal", "Glen",
	"Har", "Lor", "Mor", "Pen", "Ren", "Sil", "Thal", "Val", "Wes", "Brev",
	"Carn", "Dov", "Elm", "Ferr", "Gorm", "Hav", "Ald", "Brom", "Calv", "Drum",
};
static const char *const name_link[] = {
	"a", "e", "i", "o", "an", "en", "el", "er", "il", "ar", "or", "in",
};
static const char *const name_suf[] = {
	"haven", "moor", "ford", "wick", "stead", "bury", "mouth", "gate",
	"holm", "vale", "mere", "crest", "field", "port", "ridge", "brook",
	"dale", "stone", "well", "march", "by", "ton", "ham", "ley", "lund",
	"stad", "gard", "burg", "thorpe", "sted", "minster", "ness", "garth",
	"combe",
};
static const char *const name_qual[] = {
	"North", "South", "East", "West", "Upper", "Lower", "New", "Old",
	"Port", "Great", "Little",
};
static const char *const first_names[] = {
	"Ana", "Ben", "Carmen", "David", "Elif", "Farah", "Giulia", "Hiroshi",
	"Ines", "Jonas", "Kwame", "Lena", "Mateo", "Nadia", "Oskar", "Priya",
	"Rafael", "Sofia", "Tomas", "Uma", "Viktor", "Wen", "Yusuf", "Zanele",
	"Amara", "Bruno", "Chloe", "Daniel", "Emma", "Felipe", "Grace", "Hannah",
	"Ivan", "Julia", "Karim", "Laura", "Miguel", "Noor", "Olivia", "Pedro",
};
static const char *const last_names[] = {
	"Almeida", "Bauer", "Castillo", "Dubois", "Eriksen", "Fischer", "Garcia",
	"Haddad", "Ito", "Jensen", "Kowalski", "Larsen", "Mensah", "Novak",
	"Okafor", "Petrov", "Quinn", "Rossi", "Santos", "Tanaka", "Urquhart",
	"Varga", "Walsh", "Yilmaz", "Zhang", "Abebe", "Byrne", "Costa", "Dimitriou",
	"Estrada", "Fontaine", "Gomez", "Hansen", "Iqbal", "Kim", "Lindqvist",
	"Moreau", "Nakamura", "Oliveira", "Park",
};
static const char *const team_names[] = {
	"Innovation Lab", "i-team", "Smart City team", "Digital Services team",
	"Transformation Office", "Policy Lab", "Data Office",
	"Office of Innovation", "Civic Design Studio", "Performance Unit",
	"Urban Lab", "Open Government team", "Delivery Unit", "Service Design team",
};
static const char *const team_places[] = {
	"Mayor's Office", "City Manager's Office",
	"Chief Administrative Officer's Office",
	"Department of Information Technology", "Finance Department",
	"Planning and Development Department", "Office of the Chief Digital Officer",
	"Economic Development Department", "Strategy and Performance Division",
	"Communications and Engagement Department",
};
static const char *const notes_fmt[] = {
	"%s is piloting new services in %s.",
	"%s, together with local universities, studies what works in %s.",
	"%s uses open data to target its programmes in %s.",
	"%s works with residents and community groups to redesign %s.",
};
static const char *const spot_open[] = {
	"%s has set up a small fund for pilots proposed by frontline staff.",
	"%s runs an annual challenge inviting residents, start-ups and universities to solve a city problem.",
	"%s publishes its performance data on an open portal updated every month.",
	"%s is moving its most used services online, designed with the residents who use them.",
	"%s works with neighbouring municipalities to share data, tools and lessons.",
};
static const char *const spot_close[] = {
	"The city plans to report the return on its innovation spending more openly.",
	"An \"open by default\" rule now covers every new dataset.",
	"Lessons from each pilot are written up and shared across departments.",
	"The next step is to bring the approach to %s.",
};

struct region {
	const char *name;
	unsigned weight;	/* per 100 */
	const char *const *countries;
	unsigned ncountries;
};
static const char *const c_na[] = { "US", "CA" };
static const char *const c_eu[] = {
	"GB", "FR", "DE", "ES", "IT", "NL", "SE", "DK", "FI", "NO", "PL", "PT",
	"IE", "BE", "AT", "CH", "GR", "CZ",
};
static const char *const c_la[] = { "MX", "BR", "AR", "CL", "CO", "PE", "UY", "EC", "CR" };
static const char *const c_ap[] = { "AU", "NZ", "JP", "KR", "IN", "ID", "PH", "SG", "TW", "VN", "TH", "MY" };
static const char *const c_af[] = { "ZA", "KE", "NG", "GH", "RW", "SN", "ET", "TZ", "UG" };
static const char *const c_me[] = { "IL", "AE", "JO", "SA", "QA", "LB", "OM" };
static const struct region regions[] = {
	{ "North America", 25, c_na, NELEM(c_na) },
	{ "Europe", 35, c_eu, NELEM(c_eu) },
	{ "Latin America", 15, c_la, NELEM(c_la) },
	{ "Asia-Pacific", 15, c_ap, NELEM(c_ap) },
	{ "Africa", 5, c_af, NELEM(c_af) },
	{ "Middle East", 5, c_me, NELEM(c_me) },
};
/* clang-format on */

/* ---- the cohort ---- */

#define NAME_MAX_LEN 48

/* Quota flags: which cities get a share-controlled answer. */
#define F18_STRATEGY (1u << 0)
#define F18_POLICY (1u << 1)
#define F18_MUNICIPAL (1u << 2)
#define F18_EXTERNAL (1u << 3)
#define F18_PM (1u << 4)
#define F18_CE (1u << 5)
#define F18_DS (1u << 6)
#define F20_FUNDING (1u << 8)
#define F20_STRATEGY (1u << 9)
#define F20_BOTH (1u << 10)
#define F20_TRAINING (1u << 11)
/* The activities funded at a city's latest answer (2020 if it took part, else 2018), bit i = option i of
 * funded_opts[latest wave] (bit 0: launching projects in 2018, training in 2020). */
#define FL_SHIFT 20
#define FL_ALL (0x1fu << FL_SHIFT)
#define F_IN2018 (1u << 16)
#define F_IN2020 (1u << 17)

struct quota {
	uint32_t flag;
	unsigned num, den; /* share of the wave's synthetic cities */
};

/* See the table at the top: fractions of the 89 (2018) / 99 (2020) synthetic cities. */
static const struct quota quotas2018[] = {
	{ F18_STRATEGY, 39, 89 },
	{ F18_POLICY, 33, 89 },
	{ F18_MUNICIPAL, 70, 89 },
	{ F18_EXTERNAL, 30, 89 },
	{ F18_PM, 73, 89 },
	{ F18_CE, 53, 89 },
	{ F18_DS, 49, 89 },
};
static const struct quota quota2020_strategy = { F20_STRATEGY, 50, 99 };
static const struct quota quota2020_both = { F20_BOTH, 53, 99 };
static const struct quota quota2020_funding = { F20_FUNDING, 80, 99 };
static const struct quota quota2020_training = { F20_TRAINING, 60, 99 };
/* Of 157 synthetic cities, 99 answer 2020 and 89 answer 2018 (31 answer both). */
#define COHORT_DEN 157
#define IN2020_NUM 99
#define IN2018_NUM 89
/* Activities funded, counted over every synthetic city at its latest answer (of 157): idea generation,
 * digital systems, physical infrastructure, paying for services; launching projects over the 58 whose
 * latest answer is 2018's (the option is 2018's only). */
static const unsigned latest_num[5] = { 47, 78, 50, 35, 29 };
#define ONLY2018_DEN 58

struct city {
	char slug[NAME_MAX_LEN];
	char name[NAME_MAX_LEN];
	const struct region *region;
	const char *country;
	unsigned long population;
	uint32_t flags;
};

struct cohort {
	struct city *cities;
	unsigned n;
	uint32_t *slots; /* open addressing over slugs: city index + 1, 0 empty */
	size_t nslots;
};

static uint64_t
hash_str(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 0x100000001b3ull;
	return h;
}

/* Returns 1 and records slug when it was free, 0 when taken. */
static int
claim_slug(struct cohort *c, unsigned idx)
{
	const char *slug = c->cities[idx].slug;
	size_t i = hash_str(slug) & (c->nslots - 1);

	if (strcmp(slug, "toronto") == 0) /* the sample's real city */
		return 0;
	while (c->slots[i]) {
		if (strcmp(c->cities[c->slots[i] - 1].slug, slug) == 0)
			return 0;
		i = (i + 1) & (c->nslots - 1);
	}
	c->slots[i] = idx + 1;
	return 1;
}

static void
set_slug(struct city *ct)
{
	size_t i;

	for (i = 0; ct->name[i]; i++) {
		char ch = ct->name[i];

		if (ch >= 'A' && ch <= 'Z')
			ch = (char)(ch - 'A' + 'a');
		else if (ch == ' ')
			ch = '-';
		ct->slug[i] = ch;
	}
	ct->slug[i] = '\0';
}

static void
name_city(struct cohort *c, unsigned idx, struct rng *r)
{
	struct city *ct = &c->cities[idx];
	char base[24];
	unsigned attempt, k;

	/* Random syllables first; a crowded space falls back on qualifiers, then numbers. */
	for (attempt = 0; attempt < 16; attempt++) {
		snprintf(base, sizeof base, "%s%s%s", name_pre[below(r, NELEM(name_pre))],
		    name_link[below(r, NELEM(name_link))], name_suf[below(r, NELEM(name_suf))]);
		memcpy(ct->name, base, sizeof base);
		set_slug(ct);
		if (claim_slug(c, idx))
			return;
	}
	for (k = 0; k < NELEM(name_qual); k++) {
		snprintf(ct->name, sizeof ct->name, "%s %s", name_qual[k], base);
		set_slug(ct);
		if (claim_slug(c, idx))
			return;
	}
	for (k = 2;; k++) {
		snprintf(ct->name, sizeof ct->name, "%s %u", base, k);
		set_slug(ct);
		if (claim_slug(c, idx))
			return;
	}
}

/*
 * 200^(k / 2^20) from square roots and products only. IEEE 754 rounds both
 * exactly, so the populations come out the same on every platform, which
 * libm's exp() and log() do not promise.
 */
static double
pow200(uint32_t k)
{
	double root = 200.0, v = 1.0;
	int i;

	for (i = 19; i >= 0; i--) {
		root = sqrt(root);
		if (k & (1u << i))
			v *= root;
	}
	return v;
}

static void
place_city(struct city *ct, struct rng *r)
{
	unsigned w = below(r, 100), i;
	unsigned long p;

	for (i = 0; i + 1 < NELEM(regions) && w >= regions[i].weight; i++)
		w -= regions[i].weight;
	ct->region = &regions[i];
	ct->country = regions[i].countries[below(r, regions[i].ncountries)];
	/* Log-uniform between 50,000 and 10,000,000, to the hundred. */
	p = (unsigned long)(500.0 * pow200(below(r, 1u << 20)) + 0.5) * 100;
	if (p < 50000)
		p = 50000;
	if (p > 10000000)
		p = 10000000;
	ct->population = p;
}

/* Gives flag to exactly q of the k cities idx[0..k-1] (reordering idx). */
static void
pick(struct rng *r, struct city *cities, unsigned *idx, unsigned k, unsigned q, uint32_t flag)
{
	unsigned i;

	for (i = 0; i < q && i < k; i++) {
		unsigned j = i + below(r, k - i), t = idx[i];

		idx[i] = idx[j];
		idx[j] = t;
		cities[idx[i]].flags |= flag;
	}
}

/* Every synthetic city's latest answer to funded_activities names at least one activity: a city left
 * without one takes an activity it lacks from a city that has two or more (the counts stay exact).
 * The first option (launching in 2018, training in 2020) belongs to its wave: only idea generation,
 * digital systems, physical infrastructure and paying for services move, or launching between 2018
 * cities. */
static void
cover_latest(struct city *cities, unsigned n)
{
	unsigned i, d, b;

	for (i = 0; i < n; i++) {
		uint32_t mine = cities[i].flags & FL_ALL;

		if (mine || ((cities[i].flags & F_IN2020) && (cities[i].flags & F20_TRAINING)))
			continue;
		for (d = 0; d < n && !(cities[i].flags & FL_ALL); d++) {
			uint32_t theirs = cities[d].flags & FL_ALL;
			unsigned have = 0;

			for (b = 0; b < 5; b++)
				have += (theirs >> (FL_SHIFT + b)) & 1u;
			if ((cities[d].flags & F_IN2020) && (cities[d].flags & F20_TRAINING))
				have++;
			if (have < 2)
				continue;
			for (b = 0; b < 5; b++) {
				uint32_t bit = 1u << (FL_SHIFT + b);

				if (!(theirs & bit))
					continue;
				if (b == 0 && ((cities[d].flags ^ cities[i].flags) & F_IN2020))
					continue;
				if (b == 0 && (cities[d].flags & F_IN2020))
					continue;
				cities[d].flags &= ~bit;
				cities[i].flags |= bit;
				break;
			}
		}
	}
}

static int
build_cohort(struct cohort *c, unsigned n, uint64_t seed)
{
	struct rng r;
	unsigned *idx = NULL, *w18 = NULL, *w20 = NULL, *only18 = NULL;
	unsigned i, k18 = 0, k20 = 0, kb, ko = 0, nfund, nboth;
	int rc = -1;

	c->n = n;
	c->cities = calloc(n ? n : 1, sizeof *c->cities);
	for (c->nslots = 16; c->nslots < 2 * (size_t)n; c->nslots *= 2)
		;
	c->slots = calloc(c->nslots, sizeof *c->slots);
	idx = malloc((n ? n : 1) * sizeof *idx);
	w18 = malloc((n ? n : 1) * sizeof *w18);
	w20 = malloc((n ? n : 1) * sizeof *w20);
	only18 = malloc((n ? n : 1) * sizeof *only18);
	if (!c->cities || !c->slots || !idx || !w18 || !w20 || !only18)
		goto out;

	rng_seed(&r, seed, 1);
	for (i = 0; i < n; i++) {
		name_city(c, i, &r);
		place_city(&c->cities[i], &r);
	}

	/* Who takes part in which wave: n20 in 2020, the others in 2018 only, and some of the 2020 cities
	 * in 2018 as well. */
	rng_seed(&r, seed, 2);
	for (i = 0; i < n; i++)
		idx[i] = i;
	k20 = round_half_up(n, IN2020_NUM, COHORT_DEN);
	if (k20 == 0 && n > 0)
		k20 = 1;
	pick(&r, c->cities, idx, n, k20, F_IN2020);
	kb = round_half_up(n, IN2018_NUM, COHORT_DEN);
	nboth = kb + k20 > n ? kb + k20 - n : 0;
	pick(&r, c->cities, idx, k20, nboth, F_IN2018);
	for (i = k20; i < n; i++)
		c->cities[idx[i]].flags |= F_IN2018;
	for (i = 0; i < n; i++)
		if (c->cities[i].flags & F_IN2018)
			w18[k18++] = i;
	for (k20 = 0, ko = 0, i = 0; i < n; i++) {
		if (c->cities[i].flags & F_IN2020)
			w20[k20++] = i;
		else
			only18[ko++] = i;
	}

	for (i = 0; i < NELEM(quotas2018); i++)
		pick(&r, c->cities, w18, k18, round_half_up(k18, quotas2018[i].num, quotas2018[i].den),
		    quotas2018[i].flag);

	pick(&r, c->cities, w20, k20, round_half_up(k20, quota2020_strategy.num, quota2020_strategy.den),
	    quota2020_strategy.flag);
	pick(&r, c->cities, w20, k20, round_half_up(k20, quota2020_both.num, quota2020_both.den),
	    quota2020_both.flag);
	nfund = round_half_up(k20, quota2020_funding.num, quota2020_funding.den);
	pick(&r, c->cities, w20, k20, nfund, quota2020_funding.flag);
	/* Training is paid for by cities with dedicated funding: a subset of them. */
	pick(&r, c->cities, w20, nfund, round_half_up(k20, quota2020_training.num, quota2020_training.den),
	    quota2020_training.flag);

	/* The activities funded at each city's latest answer: launching among the 2018-only cities, the
	 * four shared activities among all. */
	pick(&r, c->cities, only18, ko, round_half_up(ko, latest_num[0], ONLY2018_DEN), 1u << FL_SHIFT);
	for (i = 1; i < 5; i++) {
		unsigned j;

		for (j = 0; j < n; j++)
			idx[j] = j;
		pick(&r, c->cities, idx, n, round_half_up(n, latest_num[i], COHORT_DEN), 1u << (FL_SHIFT + i));
	}
	cover_latest(c->cities, n);
	rc = 0;
out:
	free(idx);
	free(w18);
	free(w20);
	free(only18);
	return rc;
}

/* ---- writing ---- */

struct out {
	struct buf b;
	FILE *f;
	int bad;
};

static void
put(struct out *o, const char *s)
{
	if (buf_puts(&o->b, s) < 0)
		o->bad = 1;
}

static void
putch(struct out *o, char ch)
{
	if (buf_putc(&o->b, ch) < 0)
		o->bad = 1;
}

/* RFC 4180: quote a field holding a comma, quote or line break. */
static void
put_field(struct out *o, const char *s)
{
	const char *p;

	if (!strpbrk(s, ",\"\r\n")) {
		put(o, s);
		return;
	}
	putch(o, '"');
	for (p = s; *p; p++) {
		if (*p == '"')
			putch(o, '"');
		putch(o, *p);
	}
	putch(o, '"');
}

static void
flush_if(struct out *o, size_t at)
{
	if (o->bad || o->b.len < at || o->b.len == 0)
		return;
	if (fwrite(o->b.data, 1, o->b.len, o->f) != o->b.len)
		o->bad = 1;
	buf_reset(&o->b);
}

/* One city in one wave being written. */
struct ctx {
	struct out *o;
	const struct city *city;
	const char *wave;
	int w; /* 0 = 2018, 1 = 2020 */
	struct rng r;
};

static void
row(struct ctx *x, const char *code, const char *value)
{
	put(x->o, x->city->slug);
	putch(x->o, ',');
	put(x->o, x->wave);
	putch(x->o, ',');
	put(x->o, code);
	putch(x->o, ',');
	if (value)
		put_field(x->o, value);
	putch(x->o, '\n');
}

static void
row_uint(struct ctx *x, const char *code, unsigned long v)
{
	char num[24];

	snprintf(num, sizeof num, "%lu", v);
	row(x, code, num);
}

static void
row_bool(struct ctx *x, const char *code, int v)
{
	row(x, code, v ? "yes" : "no");
}

/* A text answer, left empty ("asked, not answered") about 3% of the time. */
static void
row_text(struct ctx *x, const char *code, const char *value)
{
	row(x, code, below(&x->r, 100) < TEXT_NULL_PERCENT ? NULL : value);
}

static void
row_multi(struct ctx *x, const char *code, const char *const *opts, unsigned nopts, uint32_t mask)
{
	unsigned i;

	for (i = 0; i < nopts; i++)
		if (mask & (1u << i))
			row(x, code, opts[i]);
}

static uint32_t
draw_mask(struct rng *r, const unsigned short *pm, unsigned n)
{
	uint32_t m = 0;
	unsigned i;

	for (i = 0; i < n; i++)
		if (permille(r, pm[i]))
			m |= 1u << i;
	return m;
}

/* A multi answer is never empty (an empty one is no answer): add one allowed option. */
static uint32_t
nonempty(struct rng *r, uint32_t mask, uint32_t allowed)
{
	unsigned count = 0, k, i;

	if (mask || !allowed)
		return mask;
	for (i = 0; i < 32; i++)
		count += (allowed >> i) & 1u;
	k = below(r, count);
	for (i = 0; i < 32; i++)
		if ((allowed >> i) & 1u) {
			if (k-- == 0)
				return 1u << i;
		}
	return mask;
}

static void
person(struct rng *r, char *dst, size_t cap)
{
	snprintf(dst, cap, "%s %s", first_names[below(r, NELEM(first_names))],
	    last_names[below(r, NELEM(last_names))]);
}

static void
write_goals(struct ctx *x)
{
	struct rng *r = &x->r;
	const struct city *ct = x->city;
	char text[512], tail[160];
	const char *approach;
	unsigned order[7], weight[7], total, n, i, j, len, area;
	uint32_t m;

	if (x->w == 0) {
		row_bool(x, "explicit_strategy", ct->flags & F18_STRATEGY);
		approach = ct->flags & F18_POLICY ? "policy_areas" : permille(r, 400) ? "holistic" : "both";
	} else {
		row_bool(x, "explicit_strategy", ct->flags & F20_STRATEGY);
		approach = ct->flags & F20_BOTH ? "both" : permille(r, 450) ? "holistic" : "policy_areas";
	}
	row(x, "approach", approach);

	m = 0;
	n = between(r, 1, 4);
	for (i = 0; i < n; i++)
		m |= 1u << below(r, NELEM(policy_opts));
	row_multi(x, "policy_areas", policy_opts, NELEM(policy_opts), m);
	for (area = 0; !(m & (1u << area)); area++)
		;
	snprintf(text, sizeof text, notes_fmt[below(r, NELEM(notes_fmt))], ct->name, policy_words[area]);
	row_text(x, "policy_area_notes", text);

	m = draw_mask(r, helps_pm[x->w], NELEM(helps_opts));
	row_multi(x, "innovation_helps", helps_opts, NELEM(helps_opts),
	    nonempty(r, m, (1u << NELEM(helps_opts)) - 1));
	m = draw_mask(r, factor_pm, NELEM(factor_opts));
	row_multi(x, "success_factors", factor_opts, NELEM(factor_opts),
	    nonempty(r, m, (1u << NELEM(factor_opts)) - 1));
	m = draw_mask(r, term_pm, NELEM(term_opts));
	row_multi(x, "innovation_terms", term_opts, NELEM(term_opts),
	    nonempty(r, m, (1u << NELEM(term_opts)) - 1));

	/* Ranked: a weighted draw without replacement, most common first. */
	len = x->w == 1 && permille(r, 600) ? 7 : between(r, 3, 7);
	for (i = 0; i < 7; i++)
		weight[i] = activity_weight[i];
	for (n = 0; n < len; n++) {
		for (total = 0, i = 0; i < 7; i++)
			total += weight[i];
		j = below(r, total);
		for (i = 0; j >= weight[i]; i++)
			j -= weight[i];
		order[n] = i;
		weight[i] = 0;
	}
	for (i = 0; i < len; i++)
		row(x, "innovation_activities", activity_opts[order[i]]);

	if (x->w == 1) {
		snprintf(text, sizeof text, spot_open[below(r, NELEM(spot_open))], ct->name);
		snprintf(tail, sizeof tail, spot_close[below(r, NELEM(spot_close))],
		    policy_words[below(r, NELEM(policy_words))]);
		len = (unsigned)strlen(text);
		snprintf(text + len, sizeof text - len, " %s", tail);
		row_text(x, "spotlight", text);
	}
}

static void
write_organisation(struct ctx *x)
{
	static const char *const codes[3][3] = {
		{ "team1_name", "team1_staff", "team1_location" },
		{ "team2_name", "team2_staff", "team2_location" },
		{ "team3_name", "team3_staff", "team3_location" },
	};
	struct rng *r = &x->r;
	const struct city *ct = x->city;
	unsigned names[NELEM(team_names)], nroles, nteams, i, j, t, staff, roll;
	uint32_t m, allowed;

	m = draw_mask(r, role_pm, NELEM(role_opts));
	allowed = (1u << NELEM(role_opts)) - 1;
	if (x->w == 0) {
		/* Three roles are quotas in 2018: the draw decides only the others. */
		m &= ~((1u << ROLE_PM) | (1u << ROLE_DS) | (1u << ROLE_CE));
		allowed &= ~((1u << ROLE_PM) | (1u << ROLE_DS) | (1u << ROLE_CE));
		if (ct->flags & F18_PM)
			m |= 1u << ROLE_PM;
		if (ct->flags & F18_DS)
			m |= 1u << ROLE_DS;
		if (ct->flags & F18_CE)
			m |= 1u << ROLE_CE;
	}
	m = nonempty(r, m, allowed);
	for (nroles = 0, i = 0; i < NELEM(role_opts); i++)
		nroles += (m >> i) & 1u;
	/* A city may use more roles than the list names. */
	row_uint(x, "innovation_roles_count", nroles + (permille(r, 600) ? 0 : between(r, 1, 4)));
	row_multi(x, "innovation_roles", role_opts, NELEM(role_opts), m);

	roll = below(r, 100);
	nteams = roll < 45 ? 1 : roll < 80 ? 2 : 3;
	for (i = 0; i < NELEM(team_names); i++)
		names[i] = i;
	for (t = 0; t < 3; t++) {
		if (t >= nteams) {
			row(x, codes[t][0], NULL);
			row(x, codes[t][1], NULL);
			row(x, codes[t][2], NULL);
			continue;
		}
		j = t + below(r, NELEM(team_names) - t);
		i = names[t];
		names[t] = names[j];
		names[j] = i;
		roll = below(r, 100);
		staff = roll < 70 ? between(r, 1, 10) : roll < 95 ? between(r, 11, 25) : between(r, 26, 40);
		if (t > 0 && permille(r, 50))
			staff = 0;
		row_text(x, codes[t][0], team_names[names[t]]);
		row_uint(x, codes[t][1], staff);
		row_text(x, codes[t][2], team_places[below(r, NELEM(team_places))]);
	}
}

static void
write_funding(struct ctx *x)
{
	struct rng *r = &x->r;
	const struct city *ct = x->city;
	uint32_t m, allowed, external, muni;
	int funded = 0, latest = x->w == 1 || !(ct->flags & F_IN2020);

	external = (1u << SRC_PHIL) | (1u << SRC_PRIV);
	muni = 1u << SRC_MUNI;
	if (x->w == 0) {
		/* A city with municipal or external non-public funding has dedicated funding. */
		funded = (ct->flags & (F18_MUNICIPAL | F18_EXTERNAL)) || permille(r, 500);
		row_bool(x, "dedicated_funding", funded);
		m = draw_mask(r, source_pm, NELEM(source_opts)) & ~(external | muni);
		if (ct->flags & F18_MUNICIPAL)
			m |= muni;
		if (ct->flags & F18_EXTERNAL) {
			unsigned k = below(r, 3); /* philanthropy, private, both */

			m |= k == 0 ? 1u << SRC_PHIL : k == 1 ? 1u << SRC_PRIV : external;
		}
		allowed = ((1u << NELEM(source_opts)) - 1) & ~(external | muni);
	} else {
		row_bool(x, "dedicated_funding", ct->flags & F20_FUNDING);
		m = draw_mask(r, source_pm, NELEM(source_opts));
		allowed = (1u << NELEM(source_opts)) - 1;
	}
	row_multi(x, "funding_sources", source_opts, NELEM(source_opts), nonempty(r, m, allowed));
	/* Asked only of the cities with dedicated funding (the questionnaire's asked_if). */
	if (x->w == 0 && funded)
		row_bool(x, "external_funding", ct->flags & F18_EXTERNAL);

	m = draw_mask(r, funded_pm[x->w], 5);
	allowed = 0x1f;
	if (latest) {
		/* The counts over every city at its latest answer are quotas (build_cohort). */
		m = (ct->flags & FL_ALL) >> FL_SHIFT;
		if (x->w == 1)
			m = (m & ~1u) | (ct->flags & F20_TRAINING ? 1u : 0u);
		allowed = 0;
	}
	row_multi(x, "funded_activities", funded_opts[x->w], 5, nonempty(r, m, allowed));
}

static void
write_data(struct ctx *x)
{
	struct rng *r = &x->r;
	uint32_t m;
	unsigned i;

	m = draw_mask(r, datapart_pm, NELEM(datapart_opts));
	row_multi(x, "data_partnerships", datapart_opts, NELEM(datapart_opts),
	    nonempty(r, m, (1u << NELEM(datapart_opts)) - 1));
	for (i = 0; i < NELEM(data_codes); i++)
		row(x, data_codes[i], permille(r, data_sufficient_pm[i]) ? "sufficient" : "insufficient");
}

static void
write_wave(struct out *o, const struct city *ct, uint64_t seed, unsigned idx, int w, const char *mayor,
    const char *officer)
{
	struct ctx x;
	unsigned long pop;
	uint32_t m;

	x.o = o;
	x.city = ct;
	x.w = w;
	x.wave = w ? "2020" : "2018";
	rng_seed(&x.r, seed, 0x10000ull + 2ull * idx + (unsigned)w);

	/* profile: the answered population drifts a little from the registered one */
	pop = w ? ct->population / 1000 * between(&x.r, 995, 1015) :
		  ct->population / 1000 * between(&x.r, 960, 1000);
	pop = (pop + 50) / 100 * 100;
	row_uint(&x, "population", pop ? pop : 100);
	row_uint(&x, "population_year", w ? between(&x.r, 2016, 2019) : between(&x.r, 2014, 2016));
	row_text(&x, "mayor", mayor);
	row_text(&x, "lead_innovation_officer", officer);

	write_goals(&x);
	write_organisation(&x);
	write_funding(&x);
	if (w == 1)
		write_data(&x);

	m = draw_mask(&x.r, partner_pm[w], NELEM(partner_opts));
	row_multi(&x, "partnerships", partner_opts, NELEM(partner_opts),
	    nonempty(&x.r, m, (1u << NELEM(partner_opts)) - 1));
	row_bool(&x, "measures_outcomes", permille(&x.r, w ? 650 : 550));
	/* Last, so that the draws above stay those of the cohort without websites. */
	if (permille(&x.r, 700)) {
		char url[96];

		snprintf(url, sizeof url, "https://www.%s.example/innovation", ct->slug);
		row(&x, "innovation_website", url);
	} else {
		row(&x, "innovation_website", NULL);
	}
}

static int
write_answers(struct out *o, const struct cohort *c, uint64_t seed)
{
	char mayor[2][64], officer[2][64];
	struct rng r;
	unsigned i;

	put(o, "city,survey,question,value\n");
	for (i = 0; i < c->n && !o->bad; i++) {
		const struct city *ct = &c->cities[i];

		/* People carry over between waves unless they changed. */
		rng_seed(&r, seed, 0x1000000ull + i);
		person(&r, mayor[1], sizeof mayor[1]);
		person(&r, officer[1], sizeof officer[1]);
		if (permille(&r, 700))
			memcpy(mayor[0], mayor[1], sizeof mayor[0]);
		else
			person(&r, mayor[0], sizeof mayor[0]);
		if (permille(&r, 600))
			memcpy(officer[0], officer[1], sizeof officer[0]);
		else
			person(&r, officer[0], sizeof officer[0]);

		if (ct->flags & F_IN2018)
			write_wave(o, ct, seed, i, 0, mayor[0], officer[0]);
		if (ct->flags & F_IN2020)
			write_wave(o, ct, seed, i, 1, mayor[1], officer[1]);
		flush_if(o, FLUSH_AT);
	}
	flush_if(o, 1);
	return o->bad ? -1 : 0;
}

static int
write_cities(struct out *o, const struct cohort *c)
{
	char num[24], place[48];
	unsigned i;

	put(o, "slug,name,country,region,population,synthetic,lat,lon\n");
	for (i = 0; i < c->n && !o->bad; i++) {
		const struct city *ct = &c->cities[i];

		put(o, ct->slug);
		putch(o, ',');
		put_field(o, ct->name);
		putch(o, ',');
		put(o, ct->country);
		putch(o, ',');
		put_field(o, ct->region->name);
		snprintf(num, sizeof num, ",%lu,true", ct->population);
		put(o, num);
		land_csv_columns(place, sizeof place, ct->region->name, ct->slug);	/* own stream */
		put(o, place);
		putch(o, '\n');
		flush_if(o, FLUSH_AT);
	}
	flush_if(o, 1);
	return o->bad ? -1 : 0;
}

static void set_err(char **err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
set_err(char **err, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;
	int rc;

	if (!err)
		return;
	va_start(ap, fmt);
	rc = buf_puts(&b, "gen: ") < 0 ? -1 : buf_vprintf(&b, fmt, ap);
	va_end(ap);
	if (rc < 0) {
		buf_free(&b);
		*err = NULL;
		return;
	}
	*err = buf_steal(&b, NULL);
}

int
gen_write(unsigned ncities, unsigned long seed, const char *outdir, char **err)
{
	static const char *const files[2] = { "cities.csv", "answers.csv" };
	struct cohort c = { NULL, 0, NULL, 0 };
	struct buf paths[2][2] = { { BUF_INIT, BUF_INIT }, { BUF_INIT, BUF_INIT } };
	struct out o = { BUF_INIT, NULL, 0 };
	int i, made[2] = { 0, 0 }, rc = -1, e;

	if (err)
		*err = NULL;
	if (!outdir || !*outdir) {
		set_err(err, "no output directory");
		goto out;
	}
	if (ncities > GEN_MAX_CITIES) {
		set_err(err, "%u cities asked, at most %u", ncities, GEN_MAX_CITIES);
		goto out;
	}
	if (mkdir(outdir, 0777) < 0 && errno != EEXIST) {
		set_err(err, "cannot create %s: %s", outdir, strerror(errno));
		goto out;
	}
	for (i = 0; i < 2; i++)
		if (buf_printf(&paths[i][0], "%s/%s", outdir, files[i]) < 0 ||
		    buf_printf(&paths[i][1], "%s/.%s.tmp", outdir, files[i]) < 0) {
			set_err(err, "out of memory");
			goto out;
		}
	if (build_cohort(&c, ncities, (uint64_t)seed) < 0) {
		set_err(err, "out of memory");
		goto out;
	}
	for (i = 0; i < 2; i++) {
		o.bad = 0;
		o.f = fopen(paths[i][1].data, "w");
		if (!o.f) {
			set_err(err, "cannot write %s: %s", paths[i][1].data, strerror(errno));
			goto out;
		}
		made[i] = 1;
		errno = 0;
		if (i == 0 ? write_cities(&o, &c) : write_answers(&o, &c, (uint64_t)seed)) {
			e = errno ? errno : ENOMEM;
			set_err(err, "cannot write %s: %s", paths[i][1].data, strerror(e));
			goto out;
		}
		e = fclose(o.f);
		o.f = NULL;
		if (e != 0) {
			set_err(err, "cannot write %s: %s", paths[i][1].data, strerror(errno));
			goto out;
		}
	}
	for (i = 0; i < 2; i++) {
		if (rename(paths[i][1].data, paths[i][0].data) < 0) {
			set_err(err, "cannot rename into %s: %s", paths[i][0].data, strerror(errno));
			goto out;
		}
		made[i] = 0;
	}
	rc = 0;
out:
	if (o.f)
		fclose(o.f);
	for (i = 0; i < 2; i++) {
		if (made[i])
			unlink(paths[i][1].data);
		buf_free(&paths[i][0]);
		buf_free(&paths[i][1]);
	}
	buf_free(&o.b);
	free(c.cities);
	free(c.slots);
	return rc;
}
