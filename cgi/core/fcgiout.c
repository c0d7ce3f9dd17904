/* fcgiout.c: a large answer body in FastCGI records of up to 64 KiB (see fcgiout.h). */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/uio.h>

#include <fastcgi.h>

#include "fcgiout.h"

#define RECMAX	65535	/* a record's content length is 16 bits */
#define VECMAX	16	/* records per writev (8 headers and bodies: 512 KiB) */

/* Writes the iovecs in full, resuming after a short write: 0, or -1. */
static int
write_all(int fd, struct iovec *v, int n)
{
	while (n > 0) {
		ssize_t w = writev(fd, v, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		while (n > 0 && (size_t)w >= v->iov_len) {
			w -= (ssize_t)v->iov_len;
			v++;
			n--;
		}
		if (n > 0) {
			v->iov_base = (char *)v->iov_base + w;
			v->iov_len -= (size_t)w;
		}
	}
	return 0;
}

int
fcgiout_put(FCGX_Request *req, const char *data, size_t len)
{
	unsigned char hdr[VECMAX / 2][8];
	struct iovec v[VECMAX];
	int n = 0;

	if (len < FCGIOUT_DIRECT || req->ipcFd < 0 || req->out == NULL || req->out->isClosed)
		return FCGX_PutStr(data, (int)len, req->out) == (int)len ? 0 : -1;
	if (FCGX_FFlush(req->out) == -1)
		return -1;
	while (len > 0) {
		size_t c = len > RECMAX ? RECMAX : len;
		unsigned char *h = hdr[n / 2];

		h[0] = FCGI_VERSION_1;
		h[1] = FCGI_STDOUT;
		h[2] = (unsigned char)((req->requestId >> 8) & 0xff);
		h[3] = (unsigned char)(req->requestId & 0xff);
		h[4] = (unsigned char)((c >> 8) & 0xff);
		h[5] = (unsigned char)(c & 0xff);
		h[6] = 0;	/* no padding */
		h[7] = 0;
		v[n].iov_base = h;
		v[n++].iov_len = 8;
		v[n].iov_base = (void *)(uintptr_t)data;
		v[n++].iov_len = c;
		data += c;
		len -= c;
		if (n == VECMAX || len == 0) {
			if (write_all(req->ipcFd, v, n) == -1) {
				req->out->isClosed = 1;	/* the peer is gone: libfcgi writes nothing more */
				req->out->FCGI_errno = errno;
				return -1;
			}
			n = 0;
		}
	}
	return 0;
}
