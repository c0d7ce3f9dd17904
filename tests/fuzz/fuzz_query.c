/* fuzz_query.c: libFuzzer target for query strings, with an encode-and-reparse check. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "html.h"
#include "query.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct query q = { 0, NULL }, r = { 0, NULL };
	struct buf s = BUF_INIT, enc = BUF_INIT;
	const char *vals[QUERY_MAX_PARAMS];
	char *err = NULL;
	size_t i, n;

	buf_append(&s, data, size);	/* the input as a C string */
	if (query_parse(s.data, &q, &err) == -1) {
		if (err == NULL || !utf8_valid(err, strlen(err)) ||
		    q.n != 0 || q.p != NULL)
			abort();
		goto out;
	}
	if (q.n > QUERY_MAX_PARAMS)
		abort();
	for (i = 0; i < q.n; i++) {
		if (strlen(q.p[i].key) > QUERY_MAX_ITEM ||
		    strlen(q.p[i].value) > QUERY_MAX_ITEM ||
		    !utf8_valid(q.p[i].key, strlen(q.p[i].key)) ||
		    !utf8_valid(q.p[i].value, strlen(q.p[i].value)))
			abort();
		if (query_get(&q, q.p[i].key) == NULL)
			abort();
		n = query_getv(&q, q.p[i].key, vals, QUERY_MAX_PARAMS);
		if (n == 0)
			abort();
		if (i)
			buf_putc(&enc, '&');
		url_encode(&enc, q.p[i].key);
		buf_putc(&enc, '=');
		url_encode(&enc, q.p[i].value);
	}
	/* Encoding what was decoded gives the same parameters back, unless
	 * the encoded form outgrew the 64 KiB limit. */
	buf_append(&enc, "", 0);
	if (enc.len <= QUERY_MAX_LEN) {
		if (query_parse(enc.data, &r, NULL) != 0 || r.n != q.n)
			abort();
		for (i = 0; i < q.n; i++)
			if (strcmp(q.p[i].key, r.p[i].key) ||
			    strcmp(q.p[i].value, r.p[i].value))
				abort();
	}
out:
	query_free(&q);
	query_free(&r);
	buf_free(&s);
	buf_free(&enc);
	free(err);
	return 0;
}
