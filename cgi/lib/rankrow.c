/* rankrow.c: one row of a metric's ranking in JSON (see rankrow.h). */
#include "jsonw.h"
#include "rankrow.h"

/* a string literal appended without strlen (a ranking's rows are ~10 of them each) */
#define LIT(b, s) buf_append((b), (s), sizeof(s) - 1)

int
rankrow_json(struct buf *b, const char *city, const char *name, const char *value_text, long long rank,
    double percentile, int synthetic, const char *lat, const char *lon)
{
	int rc = 0;

	rc |= LIT(b, "{\"city\":");
	rc |= jsonw_string(b, city);
	rc |= LIT(b, ",\"name\":");
	rc |= jsonw_string(b, name);
	rc |= LIT(b, ",\"value\":");
	rc |= jsonw_real_text(b, value_text);
	rc |= LIT(b, ",\"rank\":");
	rc |= jsonw_int(b, rank);
	rc |= LIT(b, ",\"percentile\":");
	rc |= jsonw_real(b, percentile);
	rc |= synthetic ? LIT(b, ",\"synthetic\":true") : LIT(b, ",\"synthetic\":false");
	rc |= LIT(b, ",\"lat\":");
	rc |= lat ? jsonw_real_text(b, lat) : LIT(b, "null");
	rc |= LIT(b, ",\"lon\":");
	rc |= lon ? jsonw_real_text(b, lon) : LIT(b, "null");
	rc |= buf_putc(b, '}');
	return rc ? -1 : 0;
}
