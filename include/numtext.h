/* numtext.h: PostgreSQL's text of a float8 read back as a double, faster than strtod for short texts. */
#ifndef CB_NUMTEXT_H
#define CB_NUMTEXT_H

/*
 * numtext_double: exactly strtod(s, NULL).  A decimal of at most 15 significant digits and a power of
 * ten within 10^+-22 (PostgreSQL's text of most values) is one exact integer multiplied or divided by
 * one exact power of ten, correctly rounded once: strtod's answer without its multi-precision
 * arithmetic.  Anything else (more digits, "NaN", "Infinity", trailing text) goes to strtod.
 */
double numtext_double(const char *s);

#endif
