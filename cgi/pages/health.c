/* health.c: /healthz — 200 "ok" when the database answers, 503 when it does not. */
#include "app.h"
#include "reply.h"
#include "routes.h"

int
health_get(struct request *r)
{
	PGresult *res = db_query(r->app->db, Q_PING, 0, NULL);
	int ok = db_ok(res);

	PQclear(res);
	if (!ok)
		return reply_error(r, 503, "the database is unreachable", NULL);
	if (r->fmt == FMT_JSON)
		return reply_json(r, 200, json_pack("{s:s}", "status", "ok"));
	r->ctype = "text/plain";
	buf_puts(&r->out, "ok\n");
	return 0;
}
