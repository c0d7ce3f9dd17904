/* reqlimits.c: the request line and header limits of the nginx site, applied to the FastCGI parameters
 * (see reqlimits.h for why the workers check them too).  The messages are nginx's error pages'. */
#include <string.h>

#include "reply.h"
#include "reqlimits.h"

int
reqlimits_check(struct request *r, char **envp)
{
	size_t total = 0, len;
	const char *eq;

	/* The parameters' bytes counted by http_request_parse bound every line and their sum: a header
	 * line ("Name: value") is shorter than its HTTP_Name=value, the request line's URI shorter than
	 * its REQUEST_URI=...; within REQLIMITS_LINE in all, no limit can be passed. */
	if (r->env_bytes > 0 && r->env_bytes <= REQLIMITS_LINE)
		return 0;
	for (; envp && *envp; envp++) {
		eq = strchr(*envp, '=');
		if (eq == NULL)
			continue;
		len = strlen(*envp);
		if (strncmp(*envp, "REQUEST_URI=", 12) == 0 && len - 12 > REQLIMITS_LINE)
			return reply_error(r, 414, "request line too long", NULL);
		if (strncmp(*envp, "HTTP_", 5) != 0)
			continue;
		/* "Name: value" as HTTP/1.1 carries it: the name, ": ", the value. */
		len = (size_t)(eq - *envp) - 5 + 2 + strlen(eq + 1);
		total += len + 2;
		if (len > REQLIMITS_LINE || total > REQLIMITS_HEADERS)
			return reply_error(r, 431, "request headers too large", NULL);
	}
	return 0;
}
