/* multipart.h: multipart/form-data request bodies (RFC 7578). */
#ifndef CB_MULTIPART_H
#define CB_MULTIPART_H

#include <stddef.h>

#define MP_MAX_PARTS	32
#define MP_MAX_HEADER	8192	/* bytes in one part's header block */

struct mp_part {
	char *name;		/* from Content-Disposition; non-empty UTF-8 */
	char *filename;		/* NULL when the part has none */
	char *content_type;	/* NULL when the part has none */
	const char *data;	/* points into the body passed to the parser */
	size_t len;
};

/*
 * Splits body[0..len-1] into its parts, with the boundary taken from
 * content_type_header ("multipart/form-data; boundary=..." with the boundary
 * quoted or not, 1 to 70 characters). Lines end in CRLF; bare LF is
 * accepted too. The preamble and epilogue are ignored.
 * Returns 0 with *parts a malloc'd array of *nparts parts (NULL when there
 * are none) for multipart_free, or -1 with *parts NULL, *nparts 0 and *err
 * (if err is not NULL) a malloc'd message: not multipart/form-data, missing
 * or invalid boundary, no closing boundary, more than MP_MAX_PARTS parts, a
 * header block over MP_MAX_HEADER bytes or never ended, a malformed header,
 * a missing Content-Disposition or name, a name, filename or type that is
 * not valid UTF-8, or memory running out.
 */
int multipart_parse(const char *content_type_header, const char *body,
    size_t len, struct mp_part **parts, size_t *nparts, char **err);

/* Releases parts[0..n-1] and the array; safe on NULL. */
void multipart_free(struct mp_part *parts, size_t n);

/* The first part called name, or NULL. */
const struct mp_part *multipart_get(const struct mp_part *p, size_t n,
    const char *name);

#endif
