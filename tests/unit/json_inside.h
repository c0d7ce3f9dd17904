/* json_inside.h: the values inside a jansson value (not the value itself), counted as the upload scan
 * (cgi/lib/upscan.c) counts answers; shared by test_upscan and the fuzz_upscan target. */
#ifndef CB_JSON_INSIDE_H
#define CB_JSON_INSIDE_H

#include <jansson.h>

static inline size_t
json_inside(json_t *v)
{
	size_t n = 0, i;
	const char *k;
	json_t *c;

	if (json_is_object(v))
		json_object_foreach(v, k, c)
			n += 1 + json_inside(c);
	else if (json_is_array(v))
		json_array_foreach(v, i, c)
			n += 1 + json_inside(c);
	return n;
}

#endif
