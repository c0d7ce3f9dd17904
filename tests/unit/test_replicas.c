/* test_replicas.c: the list of read replicas and when it is tried again (no server needed: the
 * replicas here never answer; tests/scale.sh runs real ones). */
#include <stdio.h>
#include <string.h>

#include "replicas.h"
#include "t.h"

#define DEAD1 "host=/nonexistent/cb-a port=1 dbname=x"
#define DEAD2 "host=/nonexistent/cb-b port=2 dbname=x"

int
main(void)
{
	struct replicas *rs;
	char many[2048];
	size_t i;

	/* Parsing */
	rs = replicas_new(" host=a dbname=x | host=b dbname=x;host=c dbname=x ", 5);
	CHECK(rs && replicas_count(rs) == 3, "three conninfos split on | and ;");
	CHECK_STR(replicas_conninfo(rs, 0), "host=a dbname=x", "blanks removed (first)");
	CHECK_STR(replicas_conninfo(rs, 1), "host=b dbname=x", "second");
	CHECK_STR(replicas_conninfo(rs, 2), "host=c dbname=x", "third");
	CHECK(replicas_conninfo(rs, 3) == NULL, "no fourth");
	replicas_free(rs);

	rs = replicas_new("host=a password='p;q|r' dbname=x|host=b password='it\\'s;x'", 5);
	CHECK(rs && replicas_count(rs) == 2, "a separator inside a quoted value does not split");
	CHECK_STR(replicas_conninfo(rs, 0), "host=a password='p;q|r' dbname=x", "quoted value kept whole");
	CHECK_STR(replicas_conninfo(rs, 1), "host=b password='it\\'s;x'", "an escaped quote stays quoted");
	replicas_free(rs);

	rs = replicas_new("postgresql://u@db2/citybench?connect_timeout=2", 5);
	CHECK(rs && replicas_count(rs) == 1, "a URI is one conninfo");
	replicas_free(rs);

	CHECK(replicas_new("", 5) == NULL, "an empty list is no replicas");
	CHECK(replicas_new(" | ;; |", 5) == NULL, "separators only: no replicas");
	CHECK(replicas_new(NULL, 5) == NULL, "NULL: no replicas");
	CHECK(replicas_count(NULL) == 0 && replicas_pick(NULL, 0) == NULL && replicas_attempts(NULL) == 0,
	    "NULL set is harmless");
	replicas_free(NULL);
	replicas_drop(NULL, 0);

	many[0] = '\0';
	for (i = 0; i < REPLICAS_MAX + 5; i++)
		snprintf(many + strlen(many), sizeof(many) - strlen(many), "host=h%zu|", i);
	rs = replicas_new(many, 5);
	CHECK(rs && replicas_count(rs) == REPLICAS_MAX, "at most REPLICAS_MAX kept");
	replicas_free(rs);

	/* None answering: the primary, and the list is tried again once per retry period. */
	rs = replicas_new(DEAD1 "|" DEAD2, 5);
	CHECK(replicas_pick(rs, 100.0) == NULL, "no replica answers: NULL (read the primary)");
	CHECK(replicas_attempts(rs) == 2, "each replica tried once, in order");
	CHECK(replicas_pick(rs, 101.0) == NULL && replicas_attempts(rs) == 2,
	    "within the retry period nothing is tried");
	CHECK(replicas_pick(rs, 104.9) == NULL && replicas_attempts(rs) == 2, "still within it");
	CHECK(replicas_pick(rs, 105.0) == NULL && replicas_attempts(rs) == 4, "after it, the list again");
	replicas_drop(rs, 200.0);
	CHECK(replicas_pick(rs, 202.0) == NULL && replicas_attempts(rs) == 4, "a drop starts a retry period");
	CHECK(replicas_pick(rs, 205.5) == NULL && replicas_attempts(rs) == 6, "and then tries again");
	replicas_free(rs);

	rs = replicas_new(DEAD1, 0);
	CHECK(replicas_pick(rs, 10.0) == NULL && replicas_pick(rs, 14.0) == NULL && replicas_attempts(rs) == 1,
	    "a retry period of 0 means the default (5 s), not a connection attempt per request");
	replicas_free(rs);

	return T_DONE();
}
