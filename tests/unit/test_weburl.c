/* test_weburl.c: which answers of a `url` question may become links. */
#include <stdlib.h>
#include <string.h>

#include "t.h"
#include "weburl.h"

int
main(void)
{
	static const char *good[] = {
		"https://example.org", "http://example.org/", "HTTPS://Example.ORG/a/b?c=d&e=f#g",
		"https://example.org:8443/x", "http://[2001:db8::1]/", "https://a-b.example.co.uk/%20x",
		"https://example.org/~user/(x)", "http://localhost",
	};
	static const char *bad[] = {
		"", "javascript:alert(1)", "JavaScript://example.org/%0aalert(1)", "ftp://example.org/",
		"data:text/html,<b>x</b>", "http://", "https://", "https:///path", "//example.org/",
		"example.org", "https://exa mple.org/", " https://example.org/", "https://example.org/ x",
		"https://example.org/\"onmouseover=\"x", "https://example.org/<script>", "https://user@evil.example/",
		"https://user:pw@evil.example/", "https://example.org:/", "https://example.org:123456/",
		"https://.example.org/", "https://-example.org/", "https://exa_mple.org/", "https://[zz]/",
		"https://[]/", "https://example.org\\@evil/", "https://ex\xc3\xa4mple.org/", "https://example.org/\x7f",
		"https://example.org/\t", "http:example.org", "mailto:a@example.org",
	};
	char name[300], *longest;
	const char *why;
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		snprintf(name, sizeof(name), "accepted: %s", good[i]);
		CHECK(weburl_valid(good[i], &why) == 1 && why == NULL, name);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(name, sizeof(name), "refused, with a reason: %s", bad[i]);
		CHECK(weburl_valid(bad[i], &why) == 0 && why != NULL && *why, name);
	}
	CHECK(weburl_valid(NULL, NULL) == 0, "NULL is refused");
	longest = malloc(WEBURL_MAX + 2);
	memcpy(longest, "https://example.org/", 20);
	memset(longest + 20, 'a', WEBURL_MAX - 20);
	longest[WEBURL_MAX] = '\0';
	CHECK(weburl_valid(longest, NULL) == 1, "2,000 characters are accepted");
	longest[WEBURL_MAX] = 'a';
	longest[WEBURL_MAX + 1] = '\0';
	CHECK(weburl_valid(longest, &why) == 0 && strstr(why, "2,000") != NULL, "2,001 are refused, saying why");
	free(longest);
	return T_DONE();
}
