/* fcgiout.h: a large answer body written to nginx in FastCGI records of up to 64 KiB (issue 18, ninth
 * session, v-rank3): libfcgi's stream sends its 8 KiB buffer per record, one write(2) each, so a
 * 125 KB ranking page at 10,000 cities took 16 writes (and nginx as many reads); this takes 2. */
#ifndef CB_FCGIOUT_H
#define CB_FCGIOUT_H

#include <stddef.h>
#include <fcgiapp.h>

/* Below this many bytes the body goes through the stream (FCGX_PutStr) as before. */
#define FCGIOUT_DIRECT 16384

/* Writes len bytes of data as the request's standard output: through the stream when short, else
 * after flushing the stream (what it holds goes first) as STDOUT records of up to 65,535 bytes
 * written straight to the connection, with writev.  The stream's end record and the end of the
 * request are still written by FCGX_Finish_r.  0, or -1 when the connection failed (the stream is
 * then marked so that nothing more is written). */
int fcgiout_put(FCGX_Request *req, const char *data, size_t len);

#endif
