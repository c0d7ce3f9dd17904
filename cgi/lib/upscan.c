/* upscan.c: counts an upload's answer sets and answers with one pass over the text, keeping nothing but a
 * stack of container kinds (a bit a level), so that a body over the limits costs a scan, never a tree
 * (an 8 MiB array of empty objects is 2.8 million objects: about 600 MiB as jansson's tree).
 *
 * JSON: the value at depth 0 is the body; a top-level array's elements (depth 1) are the sets, a top-level
 * object is one set; every value deeper inside a set (its fields, the answers, a multi answer's options)
 * counts as an answer.  A value is counted where it starts: an object member at its ':', an array element
 * at its first character.  Malformed text stops the scan with what was counted: the parser, run next,
 * says what is wrong (a 400), and the contract puts 413 first only for a body that is over the limit. */
#include <string.h>

#include "upscan.h"

#define MAX_DEPTH 2048		/* jansson's own limit: deeper text is refused by the parser */

enum { NONE, ARRAY, OBJECT };

int
upscan_json(const char *s, size_t n, size_t max_sets, size_t max_answers, struct upscan *out)
{
	unsigned char kinds[MAX_DEPTH + 1];
	size_t depth = 0, i;
	int fresh = 0, root = NONE;	/* fresh: an array just opened, its first element not seen yet */

	memset(out, 0, sizeof(*out));
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		size_t at = 0;		/* the depth of a value starting here, plus one; 0: none starts */

		if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
			continue;
		if (fresh) {
			fresh = 0;
			if (c != ']')
				at = depth + 1;
		}
		if (c == ',' && depth > 0 && kinds[depth] == ARRAY)
			at = depth + 1;
		else if (c == ':' && depth > 0 && kinds[depth] == OBJECT)
			at = depth + 1;
		if (at) {
			if (at - 1 == 1 && root == ARRAY) {
				if (++out->sets > max_sets)
					return 1;
			} else if (at - 1 >= 1 && ++out->answers > max_answers) {
				return 1;
			}
		}
		switch (c) {
		case '"':
			for (i++; i < n && s[i] != '"'; i++)
				if (s[i] == '\\')
					i++;
			if (i >= n)
				return 0;
			break;
		case '[':
		case '{':
			if (depth == MAX_DEPTH)
				return 0;
			kinds[++depth] = c == '[' ? ARRAY : OBJECT;
			if (depth == 1) {
				root = kinds[1];
				if (root == OBJECT)
					out->sets = 1;
			}
			fresh = c == '[';
			break;
		case ']':
		case '}':
			if (depth == 0 || kinds[depth] != (c == ']' ? ARRAY : OBJECT))
				return 0;
			depth--;
			break;
		default:
			break;
		}
	}
	return 0;
}

int
upscan_csv(const char *s, size_t n, size_t max_rows, struct upscan *out)
{
	const char *p = s, *end = s + n;
	int quoted = 0;

	memset(out, 0, sizeof(*out));
	while (p < end) {
		const char *q = quoted ? memchr(p, '"', (size_t)(end - p)) : NULL;

		if (quoted) {
			/* "" inside a quoted field closes and reopens it: the count is the same */
			if (q == NULL)
				break;
			quoted = 0;
			p = q + 1;
			continue;
		}
		for (; p < end && *p != '"' && *p != '\n'; p++)
			;
		if (p == end)
			break;
		if (*p == '"') {
			quoted = 1;
		} else if (++out->answers > max_rows) {
			return 1;
		}
		p++;
	}
	/* a last record without its line break */
	if (n > 0 && s[n - 1] != '\n' && ++out->answers > max_rows)
		return 1;
	return 0;
}
