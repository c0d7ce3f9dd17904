/* routes.h: the route table and the dispatcher; the handlers of every resource. */
#ifndef CB_ROUTES_H
#define CB_ROUTES_H

#include "http.h"

/* Decides method, format, body and 404 once, then runs the handler.  Always leaves a response in r. */
void routes_dispatch(struct request *r, char **envp);

/* What routes_match found for a method and a path. */
struct route_match {
	int status;			/* 0 found; 404 no such path; 405 other methods only; 503 no memory */
	int index;			/* the route's row in the table, -1 when none */
	const char *method, *pattern;	/* the route's ("GET" also answers HEAD) */
	int fmts;			/* the formats the route takes */
	enum fmt fmt;			/* from the path's extension */
	char allow[64];			/* for a 405: the methods the path takes ("GET, HEAD") */
	char *args[HTTP_MAX_ARGS];	/* the "*" captures, malloc'd */
	int nargs;
};

/* Matches method and path against the route table: pure (no request, no I/O), so it can be fuzzed.
 * path is normalised in place as handlers see it: a known extension (.json .csv .svg) is cut off the
 * last segment into m->fmt, then a trailing slash is dropped.  Returns m->status; on 0, m->args hold
 * the captures, which routes_match_free releases (also safe after a failure). */
int routes_match(const char *method, char *path, struct route_match *m);
void routes_match_free(struct route_match *m);

/* Handlers, one file per resource: they return 0, or -1 after reply_error(). */
int health_get(struct request *r);
int home_get(struct request *r);
int cities_get(struct request *r);
int city_get(struct request *r);
int similar_get(struct request *r);
int feed_all_get(struct request *r);
int feed_city_get(struct request *r);
int submissions_city_get(struct request *r);
int submissions_get(struct request *r);
int answers_export_get(struct request *r);
int survey_get(struct request *r);
int survey_template_get(struct request *r);
int metrics_get(struct request *r);
int metric_get(struct request *r);
int compare_get(struct request *r);
int data_get(struct request *r);
int data_file_get(struct request *r);
int upload_get(struct request *r);
int upload_post(struct request *r);
int upload_api_post(struct request *r);
int preview_post(struct request *r);
int plugins_submit_post(struct request *r);
int plugins_get(struct request *r);
int plugin_preview_get(struct request *r);
int plugin_preview_post(struct request *r);
int guide_get(struct request *r);
int ops_metrics_get(struct request *r);
int signin_get(struct request *r);
int signin_post(struct request *r);
int signout_post(struct request *r);
int answers_get(struct request *r);
int answers_post(struct request *r);
int api_restore_post(struct request *r);
int restore_post(struct request *r);
int map_get(struct request *r);

#endif
