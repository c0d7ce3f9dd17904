/* weburl.c: is this answer a web address that may become a link?  Pure code, no I/O. */
#include <string.h>
#include <strings.h>

#include "weburl.h"

static int
host_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
	    c == '.';
}

int
weburl_valid(const char *s, const char **why)
{
	const char *p, *host, *end;
	size_t len, skip;

	if (why)
		*why = "is not a web address";
	if (s == NULL)
		return 0;
	len = strlen(s);
	if (len > WEBURL_MAX) {
		if (why)
			*why = "is longer than 2,000 characters";
		return 0;
	}
	if (strncasecmp(s, "http://", 7) == 0)
		skip = 7;
	else if (strncasecmp(s, "https://", 8) == 0)
		skip = 8;
	else {
		if (why)
			*why = "does not start with http:// or https://";
		return 0;
	}
	for (p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c <= 0x20 || c >= 0x7f || strchr("\"<>\\^`{|}", c) != NULL) {
			if (why)
				*why = "holds a space or a character a web address cannot hold";
			return 0;
		}
	}
	host = s + skip;
	end = host + strcspn(host, "/?#");
	/* user information is not a host: refused, it only serves to disguise one */
	if (memchr(host, '@', (size_t)(end - host)) != NULL) {
		if (why)
			*why = "names a user before the host";
		return 0;
	}
	if (why)
		*why = "has no valid host name after the scheme";
	p = host;
	if (*p == '[') {
		for (p++; p < end && *p != ']'; p++)
			if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') || (*p >= 'A' && *p <= 'F') ||
			    *p == ':' || *p == '.'))
				return 0;
		if (p == end || p == host + 1)
			return 0;
		p++;
	} else {
		if (p == end || *p == '.' || *p == '-')
			return 0;
		while (p < end && host_char(*p))
			p++;
		if (p[-1] == '.' && p - 1 == host)
			return 0;
	}
	if (p < end && *p == ':') {
		const char *port = ++p;
		while (p < end && *p >= '0' && *p <= '9')
			p++;
		if (p == port || p - port > 5)
			return 0;
	}
	if (p != end)
		return 0;
	if (why)
		*why = NULL;
	return 1;
}
