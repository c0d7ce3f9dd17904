/* test_numtext.c: numtext_double is strtod, bit for bit, on PostgreSQL-like texts and hostile ones. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "numtext.h"
#include "t.h"

static int
same(const char *s)
{
	double a = numtext_double(s), b = strtod(s, NULL);

	return memcmp(&a, &b, sizeof(a)) == 0 || (isnan(a) && isnan(b));
}

int
main(void)
{
	static const char *cases[] = { "0", "-0", "0.0", "1", "-1", "0.1", "99.9", "100", "1e+300", "1.5e-07",
		"2.5e+00", "123456789012345", "1234567890123456", "0.30000000000000004", "97.29729729729729",
		"33.333333333333336", "NaN", "Infinity", "-Infinity", "", "-", ".", "1.", ".5", "1e", "1e+",
		"12abc", " 1", "1 ", "0.000000000000000000000001", "1e22", "1e23", "9007199254740993",
		"123456789012345e7", "1e-22", "4.9e-324", "1.7976931348623157e+308", "00012.5000",
		"-0.0001", "1e999", "0x10", "+1" };
	unsigned long long y = 88172645463325252ULL;
	size_t i;
	int bad = 0, n, prec;
	char t[64];

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(t, sizeof(t), "\"%s\" as strtod", cases[i]);
		CHECK(same(cases[i]), t);
	}
	for (n = 0; n < 400000; n++) {
		double v;
		y ^= y << 13, y ^= y >> 7, y ^= y << 17;
		switch (n % 4) {
		case 0: v = (double)(y % 100000) / (double)(y % 997 + 1); break;
		case 1: v = ldexp((double)(y >> 11), (int)(y % 120) - 100); break;
		case 2: v = (double)(y % 1000000007) * 1e-6; break;
		default: memcpy(&v, &y, sizeof(v)); break;
		}
		prec = 1 + (int)(y % 17);
		snprintf(t, sizeof(t), n % 2 ? "%.*g" : "%.*f", prec, v);
		if (!same(t) && bad++ < 5)
			printf("# %s\n", t);
	}
	CHECK(bad == 0, "400000 numbers' texts read exactly as strtod reads them");
	printf("# %d passed, %d failed\n", t_pass, t_fail);
	return t_fail != 0;
}
