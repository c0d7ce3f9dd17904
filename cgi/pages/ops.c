/* ops.c: /ops/metrics — the workers' shared counters in the Prometheus text format, for the operator
 * only.  nginx serves it on a unix socket in a root-only directory (its own server block, which sends
 * the operator's key as CITYBENCH_OPS); through the public port the path is refused by nginx, and the route
 * table (ROUTE_OPERATOR) answers a request without the key with the same 404 as any unknown page.  The key, not the socket, tells the
 * operator's server apart: anything that may speak FastCGI to the workers (nginx's user, any process
 * of that user, a host allowed on a pool's TCP port) could set CITYBENCH_OPS=1 itself. */
#include <stdatomic.h>

#include "app.h"
#include "cache.h"
#include "reply.h"
#include "routes.h"

/* app_account() fills 8 latency buckets: le[] below names their bounds. */
_Static_assert(sizeof(((struct shared *)0)->latency_buckets) / sizeof(((struct shared *)0)->latency_buckets[0]) == 8,
    "ops.c: le[] must match struct shared's latency buckets");

static void
counter(struct buf *b, const char *name, const char *help, unsigned long long v)
{
	buf_printf(b, "# HELP %s %s\n# TYPE %s counter\n%s %llu\n", name, help, name, name, v);
}

static void
gauge(struct buf *b, const char *name, const char *help, long long v)
{
	buf_printf(b, "# HELP %s %s\n# TYPE %s gauge\n%s %lld\n", name, help, name, name, v);
}

/* The plugins refused: files of plugins/ refused at their last load (a refused update keeps the last
 * good version serving), and researchers' submissions by status.  Left out when the database does
 * not answer (the counters above still do). */
static void
plugin_gauges(struct request *r, struct buf *b)
{
	PGresult *res = r->app->db ? db_query(r->app->db, Q_OPS_PLUGINS, 0, NULL) : NULL;

	if (db_ok(res) && PQntuples(res) == 1) {
		gauge(b, "citybench_plugins_refused", "Plugin files of plugins/ refused at their last load.",
		    atoll(PQgetvalue(res, 0, Q_OPS_PLUGINS_REFUSED_FILES)));
		buf_printf(b, "# HELP citybench_plugin_submissions Plugins researchers submitted, by status.\n"
		    "# TYPE citybench_plugin_submissions gauge\n"
		    "citybench_plugin_submissions{status=\"pending\"} %lld\n"
		    "citybench_plugin_submissions{status=\"rejected\"} %lld\n"
		    "citybench_plugin_submissions{status=\"approved\"} %lld\n",
		    atoll(PQgetvalue(res, 0, Q_OPS_PLUGINS_PENDING)), atoll(PQgetvalue(res, 0, Q_OPS_PLUGINS_REJECTED)),
		    atoll(PQgetvalue(res, 0, Q_OPS_PLUGINS_APPROVED)));
	}
	PQclear(res);
}

int
ops_metrics_get(struct request *r)
{
	/* The upper bounds of app_account()'s buckets; the last bucket is +Inf. */
	static const char *const le[] = { "0.001", "0.002", "0.005", "0.01", "0.025", "0.1", "1", "+Inf" };
	struct shared *shm = r->app ? r->app->shm : NULL;
	struct buf *b = &r->out;
	struct cache_stats cs;
	unsigned long long cum = 0;
	size_t i;

	if (shm == NULL)
		return reply_error(r, 404, "no such page", NULL);
	buf_reset(b);
	counter(b, "citybench_requests_total", "Requests answered by the workers.",
	    atomic_load(&shm->requests));
	counter(b, "citybench_errors_total", "Requests answered with a 5xx status.",
	    atomic_load(&shm->errors));
	counter(b, "citybench_cache_hits_total", "GETs answered from the workers' shared response cache.",
	    atomic_load(&shm->cache_hits));
	counter(b, "citybench_cache_misses_total", "Cacheable GETs that ran their handler.",
	    atomic_load(&shm->cache_misses));
	cache_stats(r->app->cache, &cs);
	gauge(b, "citybench_cache_bytes", "Bytes the workers' shared response cache holds (0: no cache).",
	    (long long)cs.bytes);
	gauge(b, "citybench_cache_entries", "Responses the shared cache holds.", (long long)cs.entries);
	gauge(b, "citybench_cache_capacity_bytes", "What the shared cache may hold (CITYBENCH_CACHE_BYTES, "
	    "less its index).", (long long)cs.capacity);
	counter(b, "citybench_cache_recovered_total", "Times the shared cache was emptied because a worker "
	    "died holding its lock.", cs.recovered);
	gauge(b, "citybench_previews_running", "Plugin previews and uploads in progress (at most workers - 1).",
	    atomic_load(&shm->previews_running));
	gauge(b, "citybench_workers", "FastCGI workers the supervisor keeps running.", r->app->workers);
	plugin_gauges(r, b);
	gauge(b, "citybench_data_version", "Data version every read is keyed on (bumped by each write).",
	    app_data_version(r->app));

	buf_puts(b, "# HELP citybench_request_duration_seconds Time a worker took to answer a request.\n"
	    "# TYPE citybench_request_duration_seconds histogram\n");
	for (i = 0; i < sizeof(le) / sizeof(le[0]); i++) {
		cum += atomic_load(&shm->latency_buckets[i]);
		buf_printf(b, "citybench_request_duration_seconds_bucket{le=\"%s\"} %llu\n", le[i], cum);
	}
	buf_printf(b, "citybench_request_duration_seconds_sum %.6f\n",
	    (double)atomic_load(&shm->latency_us_sum) / 1e6);
	buf_printf(b, "citybench_request_duration_seconds_count %llu\n", cum);
	r->ctype = "text/plain; version=0.0.4";
	return 0;
}
