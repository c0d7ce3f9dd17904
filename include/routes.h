/* routes.h: the route table and the dispatcher; the handlers of every resource. */
#ifndef CB_ROUTES_H
#define CB_ROUTES_H

#include "http.h"

/* Decides method, format, body and 404 once, then runs the handler.  Always leaves a response in r. */
void routes_dispatch(struct request *r, char **envp);

/* Handlers, one file per resource: they return 0, or -1 after http_error(). */
int health_get(struct request *r);
int home_get(struct request *r);
int cities_get(struct request *r);
int city_get(struct request *r);
int city_submissions_get(struct request *r);
int submission_get(struct request *r);
int survey_get(struct request *r);
int survey_template_get(struct request *r);
int metrics_get(struct request *r);
int metric_get(struct request *r);
int compare_get(struct request *r);
int data_get(struct request *r);
int data_file_get(struct request *r);
int upload_get(struct request *r);
int upload_post(struct request *r);
int api_submissions_post(struct request *r);
int api_preview_post(struct request *r);
int guide_get(struct request *r);
int metrics_prom_get(struct request *r);

#endif
