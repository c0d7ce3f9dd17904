/* land.h: the land outlines this process draws and places cities on (loaded once), and a
 * deterministic point on land inside a region, for the synthetic cohort. */
#ifndef CB_LAND_H
#define CB_LAND_H

#include "map.h"

/* Where the outlines are, under the data root (config_root()): fetched by `make` with npm. */
#define LAND_FILE	"web/vendor/node_modules/world-atlas/land-110m.json"
#define LAND_LICENCE	"web/vendor/node_modules/world-atlas/LICENSE"

/* The outlines, read once per process from the data root; NULL when the file is missing or
 * malformed (then *err, if err is not NULL, points at a static message, for a log). */
const struct map_land *land_outlines(const char **err);

/*
 * A point on land inside region (a rough box per region name the generator uses; any other name: the
 * inhabited world), drawn from a random stream seeded by slug alone (FNV-1a), so the same slug and
 * region always give the same point, whatever else is generated.  Coordinates are rounded to four
 * decimals (about 10 m) and the rounded point is the one tested.
 * Returns 0 with *lat and *lon set, or -1 when land is NULL or no point on land was found in 4,000
 * draws.
 */
int land_place(const struct map_land *land, const char *region, const char *slug, double *lat,
    double *lon);

/* Writes ",LAT,LON" (the place of land_place with land_outlines(), or ",," when there is none) into
 * dst: the columns `gen` appends to a city's row.  dst holds at least 32 bytes. */
void land_csv_columns(char *dst, size_t size, const char *region, const char *slug);

#endif
