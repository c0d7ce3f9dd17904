/* ops.h: the operator's door to the workers (ops.c). */
#ifndef CITYBENCH_OPS_H
#define CITYBENCH_OPS_H

/* The shortest CITYBENCH_OPS_KEY taken: shorter, or unset, and nobody gets /ops/metrics. */
#define OPS_KEY_MIN 16

/* 1 when GIVEN (the request's CITYBENCH_OPS parameter) equals the CITYBENCH_OPS_KEY setting, compared
 * in constant time; 0 otherwise, also when GIVEN is NULL or the key is unset or too short. */
int ops_key_ok(const char *given);

#endif
