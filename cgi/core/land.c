/* land.c: the land outlines this process draws and places cities on, and a deterministic point on
 * land inside a region for the synthetic cohort.
 *
 * The synthetic cities get coordinates from their own random stream, seeded by the slug alone: gen's
 * main streams (and so every answer and published figure) are untouched, and a city keeps its place
 * when the cohort around it changes.  A region is a rough box around where the generator's countries
 * are; a draw counts when the point is on land (map.c's even-odd test against the same outlines the
 * map draws), so no city sits in the sea.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <strings.h>

#include "config.h"
#include "land.h"

struct box {
	const char *region;
	double lon0, lon1, lat0, lat1;
};

/* Rough boxes around the generator's countries for each region (gen.c's names). */
static const struct box boxes[] = {
	{ "North America",	-123.0,	-71.0,	29.0,	50.0 },
	{ "Europe",		-9.5,	28.0,	37.0,	61.0 },
	{ "Latin America",	-106.0,	-43.0,	-38.0,	24.0 },
	{ "Asia-Pacific",	72.0,	152.0,	-38.0,	44.0 },
	{ "Africa",		-17.0,	42.0,	-34.0,	14.0 },
	{ "Middle East",	34.0,	58.0,	16.0,	33.0 },
};
static const struct box world = { "", -170.0, 178.0, -45.0, 65.0 };

const struct map_land *
land_outlines(const char **err)
{
	static struct map_land *land;
	static int tried;
	static char msg[4200];
	char path[4096], *e = NULL;

	if (!tried) {
		tried = 1;
		snprintf(path, sizeof path, "%s/%s", config_root(), LAND_FILE);
		land = map_land_load(path, "land", &e);
		if (land == NULL)
			snprintf(msg, sizeof msg, "%s (run make to fetch it)", e ? e : path);
		free(e);
	}
	if (land == NULL && err)
		*err = msg;
	return land;
}

/* splitmix64: a small generator of good quality, seeded from the slug. */
static uint64_t
next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static double
unit(uint64_t *s)
{
	return (double)(next(s) >> 11) / 9007199254740992.0;	/* [0, 1) */
}

int
land_place(const struct map_land *land, const char *region, const char *slug, double *lat,
    double *lon)
{
	const struct box *b = &world;
	uint64_t seed = 0xcbf29ce484222325ull;	/* FNV-1a offset basis */
	const unsigned char *c;
	double x, y;
	size_t i;
	int k;

	if (land == NULL || slug == NULL)
		return -1;
	for (c = (const unsigned char *)slug; *c; c++)
		seed = (seed ^ *c) * 0x100000001b3ull;
	for (i = 0; region && i < sizeof boxes / sizeof boxes[0]; i++)
		if (strcasecmp(region, boxes[i].region) == 0)
			b = &boxes[i];
	for (k = 0; k < 4000; k++) {
		x = round((b->lon0 + unit(&seed) * (b->lon1 - b->lon0)) * 1e4) / 1e4;
		y = round((b->lat0 + unit(&seed) * (b->lat1 - b->lat0)) * 1e4) / 1e4;
		if (map_land_contains(land, x, y)) {
			*lat = y;
			*lon = x;
			return 0;
		}
	}
	return -1;
}

void
land_csv_columns(char *dst, size_t size, const char *region, const char *slug)
{
	double lat, lon;

	if (land_place(land_outlines(NULL), region, slug, &lat, &lon) == 0)
		snprintf(dst, size, ",%.4f,%.4f", lat, lon);
	else
		snprintf(dst, size, ",,");
}
