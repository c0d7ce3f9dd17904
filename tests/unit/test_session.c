/* test_session.c: the session cookie as the workers read and write it, without a database: which
 * Cookie headers carry cb_session, the attributes of the cookie (Secure only over TLS), CSRF checks. */
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "session.h"
#include "t.h"

static int
present(const char *cookie)
{
	struct request r;

	memset(&r, 0, sizeof(r));
	r.cookie = cookie;
	return session_cookie_present(&r);
}

int
main(void)
{
	struct request r;
	struct session s;

	CHECK(!present(NULL), "no Cookie header: no session");
	CHECK(present("cb_session=abc"), "the cookie alone");
	CHECK(present("theme=dark; cb_session=abc; x=1"), "among other cookies");
	CHECK(!present("xcb_session=abc"), "a cookie whose name ends in cb_session is another cookie");
	CHECK(!present("a=cb_session=abc"), "cb_session= inside another cookie's value is not the cookie");
	CHECK(!present("cb_sessionx=abc; cb_sessio=1"), "names that only start alike");

	memset(&r, 0, sizeof(r));
	session_clear_cookie(&r);
	CHECK(r.headers.data && strstr(r.headers.data, "Set-Cookie: cb_session=; Path=/; Max-Age=0; HttpOnly; "
	    "SameSite=Strict\r\n") != NULL, "clearing over plain HTTP: HttpOnly, SameSite=Strict, no Secure");
	buf_free(&r.headers);
	memset(&r, 0, sizeof(r));
	r.tls = 1;
	session_clear_cookie(&r);
	CHECK(r.headers.data && strstr(r.headers.data, "SameSite=Strict; Secure\r\n") != NULL,
	    "over TLS the cookie is Secure");
	buf_free(&r.headers);

	memset(&s, 0, sizeof(s));
	memset(s.csrf, 'a', 64);
	CHECK(session_csrf_ok(&s, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"), "the session's CSRF token");
	CHECK(!session_csrf_ok(&s, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab"), "another token");
	CHECK(!session_csrf_ok(&s, "aaaa"), "a short one");
	CHECK(!session_csrf_ok(&s, NULL), "none");
	memset(&s, 0, sizeof(s));
	CHECK(!session_csrf_ok(&s, ""), "a session without a token accepts nothing");
	return T_DONE();
}
