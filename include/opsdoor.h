/* opsdoor.h: the operator's door to the workers (opsdoor.c). */
#ifndef CB_OPSDOOR_H
#define CB_OPSDOOR_H

/* The shortest CITYBENCH_OPS_KEY taken: shorter, or unset, and nobody gets /ops/metrics. */
#define OPS_KEY_MIN 16

/* 1 when given (the request's CITYBENCH_OPS parameter) equals the CITYBENCH_OPS_KEY setting, compared
 * in constant time; 0 otherwise, also when given is NULL or the key is unset or too short. */
int opsdoor_key_ok(const char *given);

#endif
