/* map.c: the world's land for the map: TopoJSON decoding, the Equal Earth projection, the land as one
 * SVG path, and a point-in-land test.
 *
 * The land comes from Natural Earth's 1:110m land polygons as world-atlas ships them (land-110m.json:
 * a TopoJSON topology, quantized, its arcs delta-encoded).  Three rings cross the antimeridian
 * (Chukotka, Fiji and Antarctica's edge): projected naively they paint bands across the map.  Here
 * each ring's longitudes are unwrapped so no step exceeds 180 degrees; a ring that then ends 360
 * degrees from where it began winds around a pole, and is closed along it; the ring is cut to
 * [-180, 180], and its copies shifted by ±360 degrees are cut too, so what lies beyond one edge of
 * the map appears at the other.  The cut rings serve both the drawing and the point-in-land test.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "map.h"

#define MAX_ARCS	1000000
#define MAX_POINTS	10000000

/* A growable list of lon/lat pairs. */
struct pts {
	double *p;
	size_t n, cap;		/* in points */
};

static int
pts_add(struct pts *s, double lon, double lat)
{
	double *grown;
	size_t cap;

	if (s->n == s->cap) {
		if (s->cap >= MAX_POINTS)
			return -1;
		cap = s->cap ? s->cap * 2 : 64;
		if ((grown = realloc(s->p, cap * 2 * sizeof *grown)) == NULL)
			return -1;
		s->p = grown;
		s->cap = cap;
	}
	s->p[2 * s->n] = lon;
	s->p[2 * s->n + 1] = lat;
	s->n++;
	return 0;
}

static void
seterr(char **err, const char *msg)
{
	if (err && *err == NULL)
		*err = strdup(msg);
}

/* ---- projection ---- */

#define A1 1.340264
#define A2 (-0.081106)
#define A3 0.000893
#define A4 0.003796

void
map_equal_earth(double lon, double lat, double *x, double *y)
{
	const double m = sqrt(3.0) / 2.0, rad = M_PI / 180.0;
	double l = asin(m * sin(lat * rad)), l2 = l * l, l6 = l2 * l2 * l2;

	*x = lon * rad * cos(l) / (m * (A1 + 3 * A2 * l2 + l6 * (7 * A3 + 9 * A4 * l2)));
	*y = l * (A1 + A2 * l2 + l6 * (A3 + A4 * l2));
}

void
map_project(double lon, double lat, double *x, double *y)
{
	double ex, ey, xmax, ymax, s;

	map_equal_earth(180.0, 0.0, &xmax, &ey);
	map_equal_earth(0.0, 90.0, &ex, &ymax);
	s = (MAP_WIDTH - 2 * MAP_PAD) / (2 * xmax);
	map_equal_earth(lon, lat, &ex, &ey);
	*x = MAP_WIDTH / 2 + s * ex;
	*y = MAP_PAD + s * ymax - s * ey;
}

/* ---- cutting at the antimeridian ---- */

/* Sutherland–Hodgman against one side of a meridian: keep lon >= edge (keep_above) or lon <= edge. */
static int
clip_side(const struct pts *in, struct pts *out, double edge, int keep_above)
{
	size_t i;

	out->n = 0;
	for (i = 0; i < in->n; i++) {
		const double *a = in->p + 2 * i, *b = in->p + 2 * ((i + 1) % in->n);
		int ain = keep_above ? a[0] >= edge : a[0] <= edge;
		int bin = keep_above ? b[0] >= edge : b[0] <= edge;

		if (ain && pts_add(out, a[0], a[1]) == -1)
			return -1;
		if (ain != bin) {
			double t = (edge - a[0]) / (b[0] - a[0]);
			if (pts_add(out, edge, a[1] + t * (b[1] - a[1])) == -1)
				return -1;
		}
	}
	return 0;
}

static int
add_ring(struct map_land *land, const struct pts *r)
{
	struct map_ring *grown;
	struct map_ring *ring;

	if (r->n < 3)
		return 0;
	if ((grown = realloc(land->rings, (land->nrings + 1) * sizeof *grown)) == NULL)
		return -1;
	land->rings = grown;
	ring = &land->rings[land->nrings];
	if ((ring->pt = malloc((r->n + 1) * 2 * sizeof(double))) == NULL)
		return -1;
	memcpy(ring->pt, r->p, r->n * 2 * sizeof(double));
	ring->pt[2 * r->n] = r->p[0];		/* closed */
	ring->pt[2 * r->n + 1] = r->p[1];
	ring->n = r->n + 1;
	land->nrings++;
	return 0;
}

/* Unwraps the ring (open: the closing point dropped), closes it along a pole when it winds around
 * one, and adds its parts within [-180, 180] to the land. */
static int
cut_ring(struct map_land *land, struct pts *r)
{
	struct pts shifted = { 0 }, half = { 0 }, cut = { 0 };
	double lo, hi, turn, off, sumlat = 0;
	size_t i;
	int rc = -1, k;

	if (r->n >= 2 && r->p[0] == r->p[2 * (r->n - 1)] && r->p[1] == r->p[2 * (r->n - 1) + 1])
		r->n--;
	if (r->n < 3)
		return 0;
	for (i = 1; i < r->n; i++) {
		while (r->p[2 * i] - r->p[2 * (i - 1)] > 180)
			r->p[2 * i] -= 360;
		while (r->p[2 * i] - r->p[2 * (i - 1)] < -180)
			r->p[2 * i] += 360;
	}
	for (i = 0; i < r->n; i++)
		sumlat += r->p[2 * i + 1];
	/* The closing step, unwrapped too: a ring around a pole ends a whole turn from its start. */
	turn = r->p[0] - r->p[2 * (r->n - 1)];
	while (turn > 180)
		turn -= 360;
	while (turn < -180)
		turn += 360;
	turn = r->p[2 * (r->n - 1)] + turn - r->p[0];
	if (fabs(turn) > 180) {
		double pole = sumlat < 0 ? -90 : 90;
		double first = r->p[0] + turn;	/* where the closing point would be, unwrapped */

		if (pts_add(r, first, r->p[1]) == -1 || pts_add(r, first, pole) == -1 ||
		    pts_add(r, r->p[0], pole) == -1)
			goto out;
	}
	lo = hi = r->p[0];
	for (i = 1; i < r->n; i++) {
		lo = fmin(lo, r->p[2 * i]);
		hi = fmax(hi, r->p[2 * i]);
	}
	for (k = -2; k <= 2; k++) {
		off = 360.0 * k;
		if (hi + off <= -180 || lo + off >= 180)
			continue;
		shifted.n = 0;
		for (i = 0; i < r->n; i++)
			if (pts_add(&shifted, r->p[2 * i] + off, r->p[2 * i + 1]) == -1)
				goto out;
		if (clip_side(&shifted, &half, -180, 1) == -1 || clip_side(&half, &cut, 180, 0) == -1 ||
		    add_ring(land, &cut) == -1)
			goto out;
	}
	rc = 0;
out:
	free(shifted.p);
	free(half.p);
	free(cut.p);
	return rc;
}

/* ---- TopoJSON ---- */

struct topo {
	json_t *arcs;
	int quantized;
	double scale[2], translate[2];
};

/* Appends arc i (~i: reversed) to r, without its first point when r already holds points. */
static int
add_arc(const struct topo *t, json_int_t idx, struct pts *r, size_t *npoints)
{
	json_t *arc;
	size_t n, i, j, start;
	int reversed = idx < 0;
	double x = 0, y = 0;
	struct pts a = { 0 };
	int rc = -1;

	if (reversed)
		idx = ~idx;
	if ((arc = json_array_get(t->arcs, (size_t)idx)) == NULL || !json_is_array(arc))
		return -1;
	n = json_array_size(arc);
	for (i = 0; i < n; i++) {
		json_t *p = json_array_get(arc, i);
		json_t *px = json_array_get(p, 0), *py = json_array_get(p, 1);
		if (!json_is_number(px) || !json_is_number(py))
			goto out;
		if (t->quantized) {
			x += json_number_value(px);
			y += json_number_value(py);
			if (pts_add(&a, x * t->scale[0] + t->translate[0], y * t->scale[1] + t->translate[1]) == -1)
				goto out;
		} else if (pts_add(&a, json_number_value(px), json_number_value(py)) == -1) {
			goto out;
		}
	}
	*npoints += n;
	start = r->n ? 1 : 0;
	for (i = start; i < a.n; i++) {
		j = reversed ? a.n - 1 - i : i;
		if (!isfinite(a.p[2 * j]) || !isfinite(a.p[2 * j + 1]) || fabs(a.p[2 * j + 1]) > 90)
			goto out;
		if (pts_add(r, a.p[2 * j], a.p[2 * j + 1]) == -1)
			goto out;
	}
	rc = 0;
out:
	free(a.p);
	return rc;
}

/* A polygon: an array of rings, each an array of arc indexes. */
static int
polygon(const struct topo *t, json_t *rings, struct map_land *land)
{
	struct pts r = { 0 };
	json_t *ring, *idx;
	size_t i, j;
	int rc = -1;

	if (!json_is_array(rings))
		return -1;
	json_array_foreach(rings, i, ring) {
		if (!json_is_array(ring))
			goto out;
		r.n = 0;
		json_array_foreach(ring, j, idx) {
			if (!json_is_integer(idx) || add_arc(t, json_integer_value(idx), &r, &land->npoints) == -1)
				goto out;
		}
		if (cut_ring(land, &r) == -1)
			goto out;
	}
	rc = 0;
out:
	free(r.p);
	return rc;
}

static int
geometry(const struct topo *t, json_t *g, struct map_land *land, int depth)
{
	const char *type = json_string_value(json_object_get(g, "type"));
	json_t *x;
	size_t i;

	if (type == NULL || depth > 8)
		return -1;
	if (strcmp(type, "GeometryCollection") == 0) {
		json_array_foreach(json_object_get(g, "geometries"), i, x)
			if (geometry(t, x, land, depth + 1) == -1)
				return -1;
		return 0;
	}
	if (strcmp(type, "Polygon") == 0)
		return polygon(t, json_object_get(g, "arcs"), land);
	if (strcmp(type, "MultiPolygon") == 0) {
		if (!json_is_array(json_object_get(g, "arcs")))
			return -1;
		json_array_foreach(json_object_get(g, "arcs"), i, x)
			if (polygon(t, x, land) == -1)
				return -1;
		return 0;
	}
	return 0;	/* points and lines are not land */
}

struct map_land *
map_land_parse(const char *json, size_t len, const char *object, char **err)
{
	struct map_land *land = NULL;
	json_t *doc, *objects, *obj = NULL, *tr;
	struct topo t = { 0 };
	json_error_t jerr;

	if (err)
		*err = NULL;
	if ((doc = json_loadb(json, len, 0, &jerr)) == NULL) {
		seterr(err, "the land outlines are not JSON");
		return NULL;
	}
	objects = json_object_get(doc, "objects");
	if (object)
		obj = json_object_get(objects, object);
	else if (json_is_object(objects) && json_object_size(objects) > 0)
		obj = json_object_iter_value(json_object_iter(objects));
	t.arcs = json_object_get(doc, "arcs");
	if (!json_is_object(obj) || !json_is_array(t.arcs) || json_array_size(t.arcs) > MAX_ARCS) {
		seterr(err, "the land outlines are not a TopoJSON topology with that object");
		goto out;
	}
	if ((tr = json_object_get(doc, "transform")) != NULL) {
		json_t *s = json_object_get(tr, "scale"), *o = json_object_get(tr, "translate");
		if (!json_is_number(json_array_get(s, 0)) || !json_is_number(json_array_get(s, 1)) ||
		    !json_is_number(json_array_get(o, 0)) || !json_is_number(json_array_get(o, 1))) {
			seterr(err, "the land outlines' transform is malformed");
			goto out;
		}
		t.quantized = 1;
		t.scale[0] = json_number_value(json_array_get(s, 0));
		t.scale[1] = json_number_value(json_array_get(s, 1));
		t.translate[0] = json_number_value(json_array_get(o, 0));
		t.translate[1] = json_number_value(json_array_get(o, 1));
	}
	if ((land = calloc(1, sizeof *land)) == NULL) {
		seterr(err, "out of memory");
		goto out;
	}
	if (geometry(&t, obj, land, 0) == -1) {
		seterr(err, "the land outlines' geometry is malformed (or memory ran out)");
		map_land_free(land);
		land = NULL;
	}
out:
	json_decref(doc);
	return land;
}

struct map_land *
map_land_load(const char *path, const char *object, char **err)
{
	FILE *f = fopen(path, "rb");
	struct map_land *land = NULL;
	char *data = NULL, msg[512];
	long size;

	if (err)
		*err = NULL;
	if (f == NULL) {
		snprintf(msg, sizeof msg, "%s: %s", path, strerror(errno));
		seterr(err, msg);
		return NULL;
	}
	if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 && size < (64L << 20) &&
	    fseek(f, 0, SEEK_SET) == 0 && (data = malloc((size_t)size + 1)) != NULL &&
	    fread(data, 1, (size_t)size, f) == (size_t)size)
		land = map_land_parse(data, (size_t)size, object, err);
	else
		seterr(err, "cannot read the land outlines");
	free(data);
	fclose(f);
	return land;
}

void
map_land_free(struct map_land *land)
{
	size_t i;

	if (land == NULL)
		return;
	for (i = 0; i < land->nrings; i++)
		free(land->rings[i].pt);
	free(land->rings);
	free(land);
}

/* ---- drawing ---- */

/* A coordinate to a tenth, without a trailing ".0". */
static int
coord(struct buf *b, double v)
{
	long t = lround(v * 10);

	if (t % 10 == 0)
		return buf_printf(b, "%ld", t / 10);
	return buf_printf(b, "%s%ld.%ld", t < 0 && t > -10 ? "-" : "", t / 10, labs(t % 10));
}

int
map_land_path(const struct map_land *land, struct buf *b)
{
	size_t i, j, k, steps, drawn;
	long px, py, lx = 0, ly = 0;
	double x, y;

	for (i = 0; land && i < land->nrings; i++) {
		const struct map_ring *r = &land->rings[i];
		drawn = 0;
		for (j = 0; j < r->n; j++) {
			const double *a = r->pt + 2 * j, *c = j ? r->pt + 2 * (j - 1) : a;
			double span = fmax(fabs(a[0] - c[0]), fabs(a[1] - c[1]));
			steps = span > 2 ? (size_t)ceil(span / 2) : 1;
			for (k = j ? 1 : steps; k <= steps; k++) {
				double f = (double)k / (double)steps;
				map_project(c[0] + f * (a[0] - c[0]), c[1] + f * (a[1] - c[1]), &x, &y);
				px = lround(x * 10);
				py = lround(y * 10);
				if (drawn && px == lx && py == ly)
					continue;
				if (buf_putc(b, drawn ? ' ' : 'M') == -1 || coord(b, x) == -1 ||
				    buf_putc(b, ',') == -1 || coord(b, y) == -1)
					return -1;
				lx = px;
				ly = py;
				drawn++;
			}
		}
		if (drawn && buf_putc(b, 'Z') == -1)
			return -1;
	}
	return 0;
}

/* ---- point in land ---- */

int
map_land_contains(const struct map_land *land, double lon, double lat)
{
	size_t i, j;
	int in = 0;

	for (i = 0; land && i < land->nrings; i++) {
		const struct map_ring *r = &land->rings[i];
		for (j = 1; j < r->n; j++) {
			const double *a = r->pt + 2 * (j - 1), *c = r->pt + 2 * j;
			if ((a[1] > lat) != (c[1] > lat) &&
			    lon < a[0] + (lat - a[1]) * (c[0] - a[0]) / (c[1] - a[1]))
				in = !in;
		}
	}
	return in;
}
