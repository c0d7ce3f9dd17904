/* say.h: how the operator's program speaks on stderr (say.c). */
#ifndef CB_SAY_H
#define CB_SAY_H

/* Prints "citybench: MESSAGE" and a newline on stderr: a refusal, worded for the operator. */
#include <stdarg.h>

void say_refusal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void say_vrefusal(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

#endif
