/* test_viewnum.c: view_fixed_lang with no places writes its whole numbers itself (issue 18, eighth
 * session); its text must be what the printf path wrote: half up, then "%.0f", "-0" as "0". */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lang.h"
#include "view.h"
#include "t.h"

/* The former text of view_fixed_lang(v, 0, l). */
static void
reference(char *s, size_t size, double v)
{
	if (isfinite(v) && fabs(v) < 9e15)
		v = floor(v + 0.5);
	snprintf(s, size, "%.0f", v);
	if (strcmp(s, "-0") == 0)
		strcpy(s, "0");
}

static int
same(double v, enum lang l)
{
	static struct buf b;
	char want[64];	/* view_fixed_lang's own buffer: a huge number is cut as it was */

	buf_reset(&b);
	view_fixed_lang(&b, v, 0, l);
	reference(want, sizeof(want), v);
	if (b.data == NULL || strcmp(b.data, want) != 0) {
		fprintf(stderr, "view_fixed_lang(%a, 0): \"%s\", want \"%s\"\n", v, b.data ? b.data : "", want);
		return 0;
	}
	return 1;
}

int
main(void)
{
	static const double fixed[] = { 0.0, -0.0, 0.49999999999999994, 0.5, -0.5, -0.49, -0.51, 1.5, 2.5,
		96.5, 99.99, 100, -100.5, 1e15, 8.999999999999998e15, 9e15, -9e15, 1e300, -1e300, DBL_MIN,
		-DBL_MIN, 4503599627370495.5, 4503599627370496.0, -4503599627370495.5 };
	size_t i;
	int ok = 1;

	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		ok &= same(fixed[i], LANG_EN) & same(fixed[i], LANG_FR);
	CHECK(ok, "view_fixed_lang(v, 0): the printf text for edge values");
	ok &= same(INFINITY, LANG_EN) & same(-INFINITY, LANG_EN) & same(NAN, LANG_EN);
	CHECK(ok, "view_fixed_lang(v, 0): not finite as before");
	srand(18);
	for (i = 0; i < 200000 && ok; i++) {
		double v = ((double)rand() / RAND_MAX - 0.5) * pow(10, rand() % 17);
		ok &= same(v, LANG_EN);
		ok &= same(100.0 * (rand() % 1000) / (1 + rand() % 1000), LANG_FR);
	}
	CHECK(ok, "view_fixed_lang(v, 0): 400,000 random values as printf wrote them");
	return T_DONE();
}
