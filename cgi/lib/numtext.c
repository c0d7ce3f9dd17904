/* numtext.c: decimal text to double, exact, with a fast path for short texts (see numtext.h). */
#include <stdlib.h>

#include "numtext.h"

double
numtext_double(const char *s)
{
	static const double p10[] = { 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12,
		1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22 };
	const char *p = s;
	unsigned long long w = 0;
	int neg = 0, nd = 0, scale = 0, e = 0, eneg = 0, ed = 0, any = 0;
	double v;

	if (*p == '-') {
		neg = 1;
		p++;
	}
	for (; *p >= '0' && *p <= '9'; p++, any = 1) {
		if (w == 0 && *p == '0')
			continue;	/* leading zeros are not significant */
		if (++nd > 15)
			return strtod(s, NULL);
		w = w * 10 + (unsigned long long)(*p - '0');
	}
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++, any = 1) {
			scale--;
			if (w == 0 && *p == '0')
				continue;
			if (++nd > 15)
				return strtod(s, NULL);
			w = w * 10 + (unsigned long long)(*p - '0');
		}
	}
	if (!any)
		return strtod(s, NULL);
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			eneg = *p++ == '-';
		for (; *p >= '0' && *p <= '9'; p++) {
			if (++ed > 3)
				return strtod(s, NULL);
			e = e * 10 + (*p - '0');
		}
		if (ed == 0)
			return strtod(s, NULL);
	}
	if (*p != '\0')
		return strtod(s, NULL);
	scale += eneg ? -e : e;
	if (w == 0)
		scale = 0;
	/* w < 10^15 < 2^53 and 10^|scale| are exact doubles: one correctly rounded operation */
	if (scale < -22 || scale > 22)
		return strtod(s, NULL);
	v = scale < 0 ? (double)w / p10[-scale] : (double)w * p10[scale];
	return neg ? -v : v;
}
