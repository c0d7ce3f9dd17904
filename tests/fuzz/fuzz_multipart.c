/* fuzz_multipart.c: libFuzzer target for multipart/form-data bodies.
 *
 * The input's first line is the Content-Type header, the rest the body.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "multipart.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	struct buf ct = BUF_INIT;
	struct mp_part *parts = NULL;
	size_t np = 0, i, hlen = nl ? (size_t)(nl - data) : size;
	const char *body;
	size_t blen;
	char *err = NULL, *copy;

	buf_append(&ct, data, hlen);
	/* The body in its own allocation, so ASan sees reads past its end. */
	blen = size - hlen - (nl ? 1 : 0);
	copy = malloc(blen ? blen : 1);
	if (copy == NULL)
		abort();
	if (blen)
		memcpy(copy, data + hlen + 1, blen);
	body = copy;
	if (multipart_parse(ct.data, body, blen, &parts, &np, &err) == -1) {
		if (err == NULL || !utf8_valid(err, strlen(err)) ||
		    parts != NULL || np != 0)
			abort();
	} else {
		if (np > MP_MAX_PARTS || (np == 0) != (parts == NULL))
			abort();
		for (i = 0; i < np; i++) {
			if (parts[i].name == NULL || parts[i].name[0] == '\0' ||
			    !utf8_valid(parts[i].name, strlen(parts[i].name)))
				abort();
			if (parts[i].data < body ||
			    parts[i].data + parts[i].len > body + blen)
				abort();
			if (multipart_get(parts, np, parts[i].name) == NULL)
				abort();
		}
	}
	multipart_free(parts, np);
	buf_free(&ct);
	free(copy);
	free(err);
	return 0;
}
