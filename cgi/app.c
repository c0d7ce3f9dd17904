/* app.c: a worker's lasting state: settings, layout, the shared data version, counters. */
#include <stdlib.h>
#include <stdio.h>

#include "app.h"
#include "page.h"

int
app_init(struct app *a)
{
	char *err = NULL;

	if (page_load_layout(a->root, &a->layout, &err) == -1) {
		fprintf(stderr, "citybench-fcgi: %s\n", err ? err : "no layout");
		free(err);
		return -1;
	}
	return 0;
}

void
app_free(struct app *a)
{
	free(a->layout);
	a->layout = NULL;
}

long long
app_data_version(struct app *a)
{
	long long mine = a->db ? db_poll(a->db) : 0, shared = 0;

	if (a->shm) {
		shared = atomic_load(&a->shm->data_version);
		/* Tell the other workers what NOTIFY told this one. */
		while (mine > shared &&
		    !atomic_compare_exchange_weak(&a->shm->data_version, &shared, mine))
			;
	}
	return mine > shared ? mine : shared;
}

void
app_publish_version(struct app *a, long long v)
{
	long long cur;

	if (a->db && v > a->db->seen_version)
		a->db->seen_version = v;
	if (a->shm == NULL)
		return;
	cur = atomic_load(&a->shm->data_version);
	while (v > cur && !atomic_compare_exchange_weak(&a->shm->data_version, &cur, v))
		;
}

void
app_account(struct app *a, int status, double seconds)
{
	static const double bounds[] = { 0.001, 0.002, 0.005, 0.010, 0.025, 0.100, 1.0 };
	size_t i;

	if (a->shm == NULL)
		return;
	atomic_fetch_add(&a->shm->requests, 1);
	if (status >= 500)
		atomic_fetch_add(&a->shm->errors, 1);
	atomic_fetch_add(&a->shm->latency_us_sum, (unsigned long long)(seconds * 1e6));
	for (i = 0; i < sizeof(bounds) / sizeof(bounds[0]) && seconds > bounds[i]; i++)
		;
	atomic_fetch_add(&a->shm->latency_buckets[i], 1);
}
