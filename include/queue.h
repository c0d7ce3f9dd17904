/* queue.h: the operator's side of the review queue of researchers' plugins (`citybench plugin
 * queue|approve ID|reject ID --why TEXT`; the submissions come in through POST /api/plugins). */
#ifndef CB_QUEUE_H
#define CB_QUEUE_H

#include <stdio.h>
#include <jansson.h>

#include "db.h"

/* Prints the submissions, newest first, one a line: id, status, submitted_at, author, metrics,
 * file, reason.  Returns 0, or 1 with a refusal said on stderr. */
int queue_list(struct db *db, FILE *out);

/* Installs pending submission id: checks it again in the sandbox over the current data, writes it
 * into plugins_dir (the file its metric already comes from, else ID.lua for its first metric id),
 * marks it approved and loads plugins_dir again (as `plugins reload`).  Sets *changed to what the
 * audit row says.  Returns 0, or 1 with a refusal said on stderr (nothing approved or written). */
int queue_approve(struct db *db, const char *plugins_dir, const char *id, FILE *out, json_t **changed);

/* Rejects pending submission id with the reason why (shown on /plugins).  Returns 0, or 1. */
int queue_reject(struct db *db, const char *id, const char *why, FILE *out, json_t **changed);

#endif
