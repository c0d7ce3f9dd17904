/* clock.h: the monotonic clock in seconds, for durations and deadlines (never for dates). */
#ifndef CB_CLOCK_H
#define CB_CLOCK_H

/* Seconds on CLOCK_MONOTONIC, with nanoseconds as the fraction.  Cannot fail on Linux. */
double clock_mono(void);

#endif
