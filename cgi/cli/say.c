/* say.c: how the operator's program speaks on stderr: one prefix, one line a refusal. */
#include <stdarg.h>
#include <stdio.h>

#include "say.h"

void
say_vrefusal(const char *fmt, va_list ap)
{
	fputs("citybench: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void
say_refusal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say_vrefusal(fmt, ap);
	va_end(ap);
}
