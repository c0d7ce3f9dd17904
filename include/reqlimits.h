/* reqlimits.h: the request-size limits nginx enforces over HTTP/1.1 (414, 431), enforced again by the
 * workers for what reaches them otherwise (HTTP/2 measures header fields after HPACK compression, so
 * a 26 KiB header can arrive in 16 KiB; a FastCGI client on a pool's TCP port). */
#ifndef CITYBENCH_REQLIMITS_H
#define CITYBENCH_REQLIMITS_H

#include "http.h"

/* nginx's large_client_header_buffers 4 16k: a request line or one header line of 16 KiB, 64 KiB of
 * headers in all. */
#define REQLIMITS_LINE (16 * 1024)
#define REQLIMITS_HEADERS (64 * 1024)

/* Checks ENVP (the FastCGI parameters): 0 when within the limits, else -1 with the request answered
 * 414 (REQUEST_URI) or 431 (an HTTP_* parameter, or all of them), in nginx's JSON and wording. */
int reqlimits_check(struct request *r, char **envp);

#endif
