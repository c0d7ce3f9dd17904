/* replicas.c: a worker's read replicas.  One replica connection at a time, the first of the list that
 * answers; none answering, the worker reads from the primary and tries the list again once per retry
 * period, so that a replica coming back takes its share again without a restart. */
#include <stdlib.h>
#include <string.h>

#include "replicas.h"

struct replicas {
	char *conninfo[REPLICAS_MAX];
	size_t n;
	struct db *cur;			/* the connected replica, or NULL */
	double retry;			/* seconds between tries while none answers */
	double next_try;		/* monotonic time of the next try; 0 = at once */
	unsigned long attempts;
};

static int
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int
add(struct replicas *rs, const char *s, size_t len)
{
	while (len > 0 && is_blank(*s))
		s++, len--;
	while (len > 0 && is_blank(s[len - 1]))
		len--;
	if (len == 0 || rs->n == REPLICAS_MAX)
		return 0;
	if ((rs->conninfo[rs->n] = strndup(s, len)) == NULL)
		return -1;
	rs->n++;
	return 0;
}

struct replicas *
replicas_new(const char *list, double retry_seconds)
{
	struct replicas *rs;
	const char *p, *start;
	int quoted = 0;

	if (list == NULL || (rs = calloc(1, sizeof(*rs))) == NULL)
		return NULL;
	rs->retry = retry_seconds > 0 ? retry_seconds : 5.0;
	/* libpq quotes values with single quotes and escapes with a backslash: a separator inside a
	 * quoted value (a password holding ';') does not split. */
	for (p = start = list;; p++) {
		if (*p == '\\' && quoted && p[1] != '\0') {
			p++;
			continue;
		}
		if (*p == '\'')
			quoted = !quoted;
		if (*p == '\0' || (!quoted && (*p == '|' || *p == ';'))) {
			if (add(rs, start, (size_t)(p - start)) == -1) {
				replicas_free(rs);
				return NULL;
			}
			if (*p == '\0')
				break;
			start = p + 1;
		}
	}
	if (rs->n == 0) {
		replicas_free(rs);
		return NULL;
	}
	return rs;
}

void
replicas_free(struct replicas *rs)
{
	size_t i;

	if (rs == NULL)
		return;
	db_free(rs->cur);
	for (i = 0; i < rs->n; i++)
		free(rs->conninfo[i]);
	free(rs);
}

size_t
replicas_count(const struct replicas *rs)
{
	return rs ? rs->n : 0;
}

const char *
replicas_conninfo(const struct replicas *rs, size_t i)
{
	return rs && i < rs->n ? rs->conninfo[i] : NULL;
}

unsigned long
replicas_attempts(const struct replicas *rs)
{
	return rs ? rs->attempts : 0;
}

void
replicas_drop(struct replicas *rs, double now)
{
	if (rs == NULL)
		return;
	db_free(rs->cur);
	rs->cur = NULL;
	rs->next_try = now + rs->retry;
}

struct db *
replicas_pick(struct replicas *rs, double now)
{
	size_t i;

	if (rs == NULL)
		return NULL;
	if (rs->cur) {
		/* db_query empties conn when a reconnect failed; a dropped connection not yet noticed
		 * fails its next statement, and the worker then calls replicas_drop. */
		if (db_connected(rs->cur))
			return rs->cur;
		db_free(rs->cur);
		rs->cur = NULL;
		rs->next_try = 0;	/* another replica may answer: look now, once */
	}
	if (now < rs->next_try)
		return NULL;
	for (i = 0; i < rs->n; i++) {
		struct db *d = db_new(rs->conninfo[i]);

		rs->attempts++;
		if (d && db_connected(d)) {
			rs->cur = d;
			return d;
		}
		db_free(d);
	}
	rs->next_try = now + rs->retry;
	return NULL;
}
