/* test_map.c: the land for the map: TopoJSON decoding, Equal Earth, the antimeridian, point in land,
 * the synthetic cities' places. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "land.h"
#include "map.h"
#include "t.h"

static int
near(double a, double b, double eps)
{
	return fabs(a - b) <= eps;
}

/* The largest horizontal step between consecutive points of a subpath of path data "Mx,y x,y …Z". */
static double
widest_step(const char *d, size_t *subpaths)
{
	double x, y, px = 0, py = 0, widest = 0;
	int have = 0, n;
	const char *s = d;

	*subpaths = 0;
	while (*s) {
		if (*s == 'M') {
			have = 0;
			(*subpaths)++;
			s++;
		} else if (*s == 'Z' || *s == ' ') {
			s++;
			continue;
		}
		if (sscanf(s, "%lf,%lf%n", &x, &y, &n) != 2)
			return -1;
		s += n;
		if (have && fabs(x - px) > widest)
			widest = fabs(x - px);
		(void)py;
		px = x;
		py = y;
		have = 1;
	}
	return widest;
}

static void
synthetic(void)
{
	/* a square around 0,0 given by four arcs, the last reversed; delta-encoded and quantized */
	const char *topo = "{\"type\":\"Topology\",\"transform\":{\"scale\":[0.5,0.25],\"translate\":[-10,-5]},"
	    "\"objects\":{\"land\":{\"type\":\"GeometryCollection\",\"geometries\":["
	    "{\"type\":\"Polygon\",\"arcs\":[[0,1,-3]]}]}},"
	    "\"arcs\":[[[0,0],[40,0]],[[40,0],[0,40]],[[0,0],[0,40],[40,0]]]}";
	struct map_land *l;
	char *err = NULL;

	l = map_land_parse(topo, strlen(topo), "land", &err);
	CHECK(l != NULL && l->nrings == 1, "topojson: one ring");
	if (l == NULL)
		printf("# %s\n", err ? err : "?");
	if (l) {
		CHECK(l->rings[0].n == 5 && near(l->rings[0].pt[0], -10, 1e-9) &&
		    near(l->rings[0].pt[1], -5, 1e-9) && near(l->rings[0].pt[2], 10, 1e-9) &&
		    near(l->rings[0].pt[5], 5, 1e-9), "topojson: delta decoding and transform");
		CHECK(map_land_contains(l, 0, 0) && !map_land_contains(l, 20, 0) &&
		    !map_land_contains(l, 0, -6), "point in the square");
	}
	map_land_free(l);
	/* a ring across the antimeridian: cut in two, each within [-180, 180] */
	{
		const char *cross = "{\"type\":\"Topology\",\"objects\":{\"x\":{\"type\":\"Polygon\","
		    "\"arcs\":[[0]]}},\"arcs\":[[[170,-10],[-170,-10],[-170,10],[170,10],[170,-10]]]}";
		size_t i, j, sub;
		int inside = 1;
		struct buf b = BUF_INIT;

		l = map_land_parse(cross, strlen(cross), NULL, &err);
		CHECK(l && l->nrings == 2, "antimeridian: the ring is cut in two");
		for (i = 0; l && i < l->nrings; i++)
			for (j = 0; j < l->rings[i].n; j++)
				inside &= l->rings[i].pt[2 * j] >= -180 && l->rings[i].pt[2 * j] <= 180;
		CHECK(inside, "antimeridian: every longitude within ±180");
		CHECK(l && map_land_contains(l, 175, 0) && map_land_contains(l, -175, 0) &&
		    !map_land_contains(l, 0, 0), "antimeridian: both sides are land, the middle is not");
		map_land_path(l, &b);
		CHECK(b.data && widest_step(b.data, &sub) < MAP_WIDTH / 2 && sub == 2,
		    "antimeridian: no step across the map");
		buf_free(&b);
		map_land_free(l);
	}
	CHECK(map_land_parse("{", 1, NULL, &err) == NULL && err != NULL, "not JSON refused");
	free(err);
	err = NULL;
	CHECK(map_land_parse("{\"objects\":{\"a\":{\"type\":\"Polygon\",\"arcs\":[[7]]}},\"arcs\":[]}", 57,
	    NULL, &err) == NULL, "unknown arc refused");
	free(err);
	err = NULL;
	CHECK(map_land_load("/nonexistent/land.json", NULL, &err) == NULL && err, "missing file");
	free(err);
}

int
main(void)
{
	double x, y, lat, lat2, lon, lon2;
	struct map_land *l;
	struct buf b = BUF_INIT;
	char *err = NULL, cols[64];
	size_t sub, i;
	int ok;

	/* d3-geo 3's geoEqualEarthRaw of Toronto, (0, 0), (180, 0) and the pole (run once with node) */
	map_equal_earth(-79.3832, 43.6532, &x, &y);
	CHECK(near(x, -1.0327943830033801, 1e-9) && near(y, 0.8375671179363504, 1e-9),
	    "Toronto projects where d3-geo's Equal Earth puts it");
	map_equal_earth(180, 0, &x, &y);
	CHECK(near(x, 2.7066299836960748, 1e-9) && near(y, 0, 1e-12), "Equal Earth: (180, 0)");
	map_equal_earth(0, 90, &x, &y);
	CHECK(near(x, 0, 1e-12) && near(y, 1.3173627591574133, 1e-9), "Equal Earth: the pole");
	map_equal_earth(139.6917, 35.6895, &x, &y);
	CHECK(near(x, 1.909462941700033, 1e-9) && near(y, 0.6978447157781326, 1e-9), "Equal Earth: Tokyo");
	map_project(0, 0, &x, &y);
	CHECK(near(x, MAP_WIDTH / 2, 1e-9) && near(y, MAP_HEIGHT / 2, 0.5), "the frame's centre");
	map_project(-180, 90, &x, &y);
	CHECK(x > 0 && y >= 0 && y < 10, "the frame's top");
	map_project(180, -90, &x, &y);
	CHECK(x < MAP_WIDTH && y <= MAP_HEIGHT && y > MAP_HEIGHT - 10, "the frame's bottom");
	map_project(-79.3832, 43.6532, &x, &y);
	CHECK(x > 290 && x < 305 && y > 80 && y < 100, "Toronto in the frame");

	synthetic();

	l = map_land_load("web/vendor/node_modules/world-atlas/land-110m.json", "land", &err);
	if (l == NULL)
		l = map_land_load("../../web/vendor/node_modules/world-atlas/land-110m.json", "land", &err);
	CHECK(l != NULL, "land-110m.json decodes (make vendor fetches it)");
	if (l) {
		CHECK(l->npoints > 5000 && l->nrings >= 127, "land-110m: every ring");
		CHECK(map_land_path(l, &b) == 0 && b.len > 20000 && b.len < 120000, "land path: one path of sane size");
		CHECK(widest_step(b.data, &sub) >= 0 && widest_step(b.data, &sub) < MAP_WIDTH / 2,
		    "no path segment jumps more than half the width");
		CHECK(map_land_contains(l, -79.3832, 43.6532) && map_land_contains(l, 2.35, 48.85) &&
		    map_land_contains(l, 178.0, -17.8) && map_land_contains(l, 175, 66) &&
		    map_land_contains(l, 0, -80), "on land: Toronto, Paris, Fiji, Chukotka, Antarctica");
		CHECK(!map_land_contains(l, -40, 30) && !map_land_contains(l, -150, 0) &&
		    !map_land_contains(l, 80, -20), "not on land: the oceans");
		ok = 1;
		for (i = 0; i < 200; i++) {
			static const char *const regions[] = { "North America", "Europe", "Latin America",
			    "Asia-Pacific", "Africa", "Middle East", "Elsewhere" };
			char slug[32];
			snprintf(slug, sizeof slug, "city-%zu", i);
			if (land_place(l, regions[i % 7], slug, &lat, &lon) != 0 ||
			    land_place(l, regions[i % 7], slug, &lat2, &lon2) != 0 ||
			    lat != lat2 || lon != lon2 || !map_land_contains(l, lon, lat))
				ok = 0;
			if (i % 7 == 1 && (lon < -9.5 || lon > 28 || lat < 37 || lat > 61))
				ok = 0;
		}
		CHECK(ok, "land_place: deterministic, on land, inside the region's box");
		CHECK(land_place(NULL, "Europe", "x", &lat, &lon) == -1, "land_place without land");
		land_csv_columns(cols, sizeof cols, "Europe", "city-1");
		CHECK(cols[0] == ',' && strchr(cols + 1, ',') != NULL, "csv columns");
	}
	map_land_free(l);
	buf_free(&b);
	free(err);
	return T_DONE();
}
