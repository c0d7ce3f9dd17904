/* fuzz_upscan.c: libFuzzer target for the count of an upload before its parse: never reads past the end,
 * and for any text jansson parses, never counts fewer sets or answers than jansson's tree holds (the
 * scan is what bounds the tree).  Duplicate keys are why it may count more: the tree keeps one. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "upscan.h"
#include "../unit/json_inside.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* a copy of exactly size bytes: ASan sees a read past the end */
	char *s = malloc(size ? size : 1);
	struct upscan sc, csv;
	json_t *root, *c;
	size_t sets = 0, answers = 0, i;
	int over;

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	over = upscan_json(s, size, (size_t)-1, (size_t)-1, &sc);
	if (over != 0)
		abort();
	if (upscan_csv(s, size, 3, &csv) == 0 && csv.answers > 3)
		abort();
	if ((root = json_loadb(s, size, JSON_DECODE_ANY, NULL)) != NULL) {
		if (json_is_array(root)) {
			sets = json_array_size(root);
			json_array_foreach(root, i, c)
				answers += json_inside(c);
		} else if (json_is_object(root)) {
			sets = 1;
			answers = json_inside(root);
		}
		if (sc.sets < sets || sc.answers < answers)
			abort();
		/* with the tree's own counts as limits, the scan passes it unless keys repeat */
		json_decref(root);
	}
	free(s);
	return 0;
}
