/* opsdoor.c: the operator's door to the workers: nginx's operator-only server sends the operator's key
 * as CITYBENCH_OPS, and only a request carrying it reaches the operator's pages (/ops/metrics).  The key,
 * not the socket, tells that server apart: anything that may speak FastCGI to the workers (nginx's
 * user, any process of that user, a host allowed on a pool's TCP port) could set CITYBENCH_OPS=1. */
#include <stdlib.h>
#include <string.h>

#include "opsdoor.h"

int
opsdoor_key_ok(const char *given)
{
	const char *key;
	size_t n, i;
	unsigned char diff = 0;

	if (given == NULL)	/* every public request: no key sought */
		return 0;
	key = getenv("CITYBENCH_OPS_KEY");
	if (key == NULL || (n = strlen(key)) < OPS_KEY_MIN || strlen(given) != n)
		return 0;
	for (i = 0; i < n; i++)
		diff |= (unsigned char)(given[i] ^ key[i]);
	return diff == 0;
}
