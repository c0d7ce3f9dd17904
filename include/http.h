/* http.h: one request and its response, over a FastCGI connection or built by a test. */
#ifndef CB_HTTP_H
#define CB_HTTP_H

#include <stddef.h>

#include "buf.h"
#include "lang.h"
#include "query.h"

struct app;
struct FCGX_Request;
struct token;

enum fmt {
	FMT_HTML = 1,
	FMT_JSON = 2,
	FMT_CSV = 4,
	FMT_SVG = 8,
};

#define HTTP_MAX_ARGS 4

struct request {
	struct app *app;
	struct FCGX_Request *fcgi;

	/* What came in: strings borrowed from the FastCGI environment, valid for this request only. */
	const char *method;
	int head;			/* HEAD: answered as GET without the body */
	char *path;			/* owned copy, extension removed */
	enum fmt fmt;			/* from the extension: none = HTML */
	const char *query_string;
	struct query query;
	const char *content_type;
	const char *authorization;
	const char *if_none_match;
	char request_id[48];
	size_t env_bytes;		/* the FastCGI parameters' bytes in all (http_request_parse) */
	long long content_length;	/* -1 when absent */
	int heavy;			/* holds a slot of heavy.c, taken before the body was read */
	char *body;
	size_t body_len;
	int body_short;			/* fewer bytes than Content-Length arrived */
	int ops;			/* came through the operator's server (CITYBENCH_OPS=1 from nginx) */
	const char *cookie;		/* the Cookie header, or NULL */
	int session_seen;		/* a session's cookie came (routes.c): the answer is this person's own,
					 * never a shared copy or a 304, and not kept by the browser */
	const char *accept_language;	/* the Accept-Language header, or NULL */
	enum lang lang;			/* the page's language (routes: lang=, else Accept-Language) */
	int lang_explicit;		/* lang= chose it: the page's links keep it */
	const char *csrf_header;	/* X-CSRF-Token: a program's CSRF token for a session's write */
	const char *remote_addr;	/* the client's address as nginx saw it */
	int tls;			/* came over TLS (nginx's HTTPS=on): cookies are Secure */
	const struct token *signed_in;	/* set by a handler that checked a session: writes act as it */
	char *args[HTTP_MAX_ARGS];	/* route captures, pointing into path */
	int nargs;

	/* What goes out. */
	int status;
	const char *ctype;
	struct buf headers;		/* extra header lines, each ending in \r\n */
	struct buf out;			/* the body */
	long long etag_version;		/* data version behind the page, 0 = not cacheable */
	int from_cache;
	/* A cached body sent where it lies in the shared cache (pinned there until http_send is done with
	 * it: cache_get_pinned); when set it is the body instead of out. */
	const char *body_ref;
	size_t body_ref_len;
};

/* Buffers larger than this are released between requests rather than kept for the next one. */
#define HTTP_KEEP_BYTES	(1u << 20)

/* Resets everything for a new request (keeps the buffers' memory, up to HTTP_KEEP_BYTES each). */
void http_request_reset(struct request *r);
void http_request_free(struct request *r);

/* Fills what came in from the FastCGI environment (method, path, headers nginx passes, query string,
 * a request id: nginx's REQUEST_ID when it is hex, else a new one).  The strings are borrowed
 * from envp but the path, copied.  Returns 0, or -1 when memory ran out (r->path is then NULL). */
int http_request_parse(struct request *r, char **envp);

/* Reads the body of Content-Length bytes (nginx has buffered it) into r->body, NUL-terminated;
 * sets body_short when fewer arrived.  Returns 0, or -1 when memory ran out. */
int http_read_body(struct request *r);

/* Reads the body nginx sends and keeps none of it (a request refused before its body was needed: the
 * connection must still be read to its end). */
void http_drain_body(struct request *r);

/* Adds a response header; refuses (returns -1) names or values holding CR, LF or NUL. */
int http_header(struct request *r, const char *name, const char *value);

/* 1 when the Content-Type ctype names the media type want (case aside, any parameters after it), else 0. */
int http_media_is(const char *ctype, const char *want);

/* The reason phrase for a status. */
const char *http_reason(int status);

/* The stable code of an error's kind, for programs and translations ("not_found", "invalid", …):
 * the "code" of every JSON error, one per status of the contract's table. */
const char *http_error_code(int status);

/* Writes status line, headers (with Content-Length) and body to the FastCGI stream. */
void http_send(struct request *r);

/* 1 when the request's If-None-Match matches the ETag for version v and format (then the handler
 * answers 304), 0 otherwise.  Also records v for the ETag/Last-Modified headers. */
int http_not_modified(struct request *r, long long v);

#endif
