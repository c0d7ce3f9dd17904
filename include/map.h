/* map.h: the world's land for the map: TopoJSON decoding, the Equal Earth projection, the land as one
 * SVG path, and a point-in-land test.  Pure: no database, no request (land.c finds the file). */
#ifndef CB_MAP_H
#define CB_MAP_H

#include <stddef.h>

#include "buf.h"

/* The frame the map is drawn in: MAP_WIDTH wide, MAP_HEIGHT high (user units of the SVG). */
#define MAP_WIDTH	960.0
#define MAP_PAD		4.0
#define MAP_HEIGHT	472.0

/* A ring of the land in degrees (lon, lat pairs, closed: the last point is the first), already cut at
 * the antimeridian: every longitude lies in [-180, 180] and no step crosses it. */
struct map_ring {
	double *pt;		/* 2 * n doubles: lon, lat, lon, lat … */
	size_t n;
};

struct map_land {
	struct map_ring *rings;
	size_t nrings;
	size_t npoints;		/* the points decoded from the arcs (before cutting) */
};

/*
 * Decodes a TopoJSON topology (quantized and delta-encoded arcs when it has a "transform", else
 * absolute ones) into rings: every Polygon and MultiPolygon of the object named `object` (NULL: the
 * first object), outer rings and holes alike (drawn and tested even-odd).  A ring that winds around a
 * pole (Antarctica) is closed along that pole; rings that cross the antimeridian are unwrapped and
 * cut at ±180 (the parts beyond are shifted by 360 degrees and cut again).
 * Returns the land, or NULL with *err (if err is not NULL) a malloc'd message.
 */
struct map_land *map_land_parse(const char *json, size_t len, const char *object, char **err);

/* Reads and decodes the file at path (see map_land_parse). */
struct map_land *map_land_load(const char *path, const char *object, char **err);

/* Releases the land; NULL is fine. */
void map_land_free(struct map_land *land);

/* The Equal Earth projection (Šavrič, Patterson, Jenny 2018; d3-geo's constants) of lon/lat degrees,
 * in the raw units of d3's geoEqualEarthRaw (y up). */
void map_equal_earth(double lon, double lat, double *x, double *y);

/* lon/lat degrees to the map's frame (x right, y down, 0..MAP_WIDTH, 0..MAP_HEIGHT). */
void map_project(double lon, double lat, double *x, double *y);

/* Appends the land as SVG path data in the map's frame: one subpath per ring, coordinates rounded to a
 * tenth, long edges followed in steps of at most 2 degrees (the outline's meridians and pole lines are
 * curves or long lines in the projection).  Returns 0, or -1 when memory ran out. */
int map_land_path(const struct map_land *land, struct buf *b);

/* Whether lon/lat (degrees) is on land: an even-odd count over the rings.  0 for NULL land. */
int map_land_contains(const struct map_land *land, double lon, double lat);

#endif
