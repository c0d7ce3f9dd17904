/* test_viewnumber.c: view_number writes whole numbers and short decimals itself (issue 18, ninth
 * session); its text must be csv_number's (the printf and strtod path) for every double. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "view.h"
#include "t.h"

static unsigned long fast_taken;

static int
same_text(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

static int
same(double v)
{
	static struct buf got, want, fast;
	int taken;

	buf_reset(&got);
	buf_reset(&want);
	buf_reset(&fast);
	view_number(&got, v);
	csv_number(&want, v);
	taken = view_number_fast(&fast, v);

	fast_taken += taken != 0;
	if (!same_text(got.data, want.data) || (taken && !same_text(fast.data, want.data)) ||
	    (!taken && fast.len != 0)) {
		fprintf(stderr, "view_number(%a = %.17g): \"%s\", want \"%s\"\n", v, v, got.data ? got.data : "",
		    want.data ? want.data : "");
		return 0;
	}
	return 1;
}

/* a double from 64 random bits: every kind of value, subnormals, NaNs and infinities too */
static double
any_double(void)
{
	unsigned long long u = 0;
	double v;
	int i;

	for (i = 0; i < 4; i++)
		u = (u << 16) ^ (unsigned long long)(rand() & 0xffff);
	memcpy(&v, &u, sizeof(v));
	return v;
}

int
main(void)
{
	static const double fixed[] = { 0.0, -0.0, 0.5, -0.5, 0.1, 0.2, 0.3, 1.1, 2.675, 1e-4, 0.0001,
		0.00012, 0.000123, 0.00009, 0.00001, 1.5e-5, -1e-4, 1e-6, 1.000001, 999999.999999, 123456789.5,
		99999999999999.9, 999999999999999.9, 999999999999999.0, 1e15, 1e15 + 0.5, 1e16, 9007199254740991.0,
		9007199254740992.0, -9007199254740992.0, 9007199254740993.0, 4503599627370495.5, 1e300, -1e300,
		DBL_MIN, -DBL_MIN, DBL_MAX, 5e-324, 0.1 + 0.2, 1.0 / 3, 2.0 / 3, 100.0 / 7, 12.34, -12.34, 42.42,
		3.14159, 2.718281, 0.999999, 0.9999995, 1234.5678, 0.05, 0.15, 0.25, 0.35, 7.000001 };
	unsigned long decimals = 0;
	size_t i;
	int ok = 1, d;

	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		ok &= same(fixed[i]) & same(-fixed[i]) & same(nextafter(fixed[i], 0)) & same(nextafter(fixed[i], 1e308));
	CHECK(ok, "view_number: csv_number's text for edge values and their neighbours");
	ok &= same(INFINITY) & same(-INFINITY) & same(NAN);
	CHECK(ok, "view_number: nothing for values that are not finite, as csv_number");
	srand(18);
	for (i = 0; i < 300000 && ok; i++) {
		/* decimals as data holds them: n / 10^d, a few digits to fifteen */
		long long n = ((long long)rand() << 20 ^ rand()) % (long long)pow(10, 1 + rand() % 15);
		double v;

		d = 1 + rand() % 7;
		v = (double)(rand() % 2 ? -n : n) / pow(10, d);
		ok &= same(v);
		ok &= same(v * 1.0000000001);		/* a long decimal: the printf path */
		ok &= same((double)rand() / RAND_MAX * pow(10, rand() % 20 - 8));
		ok &= same(any_double());
	}
	CHECK(ok, "view_number: 1,200,000 random values (short decimals, long ones, any bits) as csv_number");
	fast_taken = 0;
	for (d = 1; d <= 6; d++)
		for (i = 1; i < 2000; i++) {
			ok &= same((double)i / pow(10, d));
			decimals++;
		}
	CHECK(ok, "view_number: i / 10^d for d 1..6 as csv_number");
	CHECK(fast_taken > decimals * 9 / 10, "view_number: short decimals are written without printf");
	return T_DONE();
}
