/* upload.c: partners' uploads: POST /api/submissions (CSV or JSON) and the /upload form.  Checked in the
 * contract's order, stored all or nothing as new versions, audited, visible to every worker before the
 * answer leaves. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app.h"
#include "auth.h"
#include "heavy.h"
#include "html.h"
#include "ingest.h"
#include "lang.h"
#include "ltext.h"
#include "multipart.h"
#include "page.h"
#include "plugin.h"
#include "query.h"
#include "ratelimit.h"
#include "reply.h"
#include "routes.h"
#include "session.h"
#include "store.h"
#include "upscan.h"
#include "upload.h"
#include "upload_msg.h"
#include "utf8.h"
#include "view.h"
#include "vmsg.h"

#define WRITE_RATE 2.0		/* uploads per second per token, sustained */
#define WRITE_BURST 120.0	/* a city's batch of uploads at once */
#define WRITE_COST_BYTES 65536.0	/* a request costs a token of its bucket per 64 KiB of body, and one more */

void
audit_write(struct request *r, const char *actor, int token_id, const char *action, const char *city,
    const char *survey, int accepted, int status, json_t *detail)
{
	char tid[16], st[16], *d = detail ? json_dumps(detail, JSON_COMPACT) : NULL;
	const struct token *t = auth_verified(token_id);
	const char *p[12];
	PGresult *res;

	snprintf(tid, sizeof(tid), "%d", token_id);
	snprintf(st, sizeof(st), "%d", status);
	p[0] = actor;
	p[1] = token_id > 0 ? tid : NULL;
	p[2] = action;
	p[3] = city;
	p[4] = survey;
	p[5] = accepted ? "true" : "false";
	p[6] = st;
	p[7] = d ? d : "{}";
	p[8] = r->request_id;
	/* The database takes the actor from the token's credential (or the transaction's grant); without
	 * one the row is an anonymous refusal, counted per client and minute (008_least_privilege.sql). */
	p[9] = t ? t->cred : NULL;
	p[10] = t && t->cred_session ? "true" : "false";
	p[11] = r->remote_addr;
	res = db_query(app_writer(r->app), Q_AUDIT, 12, p);
	if (!db_ok(res))
		fprintf(stderr, "citybench: request %s: audit not written: %s", r->request_id,
		    res ? PQresultErrorMessage(res) : "database unreachable\n");
	PQclear(res);
	free(d);
}

void
upload_outcome_free(struct upload_outcome *o)
{
	json_decref(o->details);
	json_decref(o->summary);
	o->summary = NULL;
	json_decref(o->submissions);
	json_decref(o->warnings);
	o->details = o->submissions = o->warnings = NULL;
}

int
upload_check(struct request *r, const struct upload_guard *g, const char *auth, int bearer,
    const char *ctype, int short_body, struct token *tok, int *media, int *retry_after, const char **msg)
{
	int st, i;

	*media = -1;
	*retry_after = 0;
	/* A signed-in session's form acts as the session's token (its CSRF token checked by the caller). */
	if (r->signed_in)
		*tok = *r->signed_in;
	else if ((st = auth_check(app_writer(r->app), auth, bearer, tok, msg)) != 0)
		return st;
	if (!rate_take_n(r->app->shm, g->rate_key_sign * tok->id, g->rate, g->burst,
	    1.0 + (double)r->body_len / WRITE_COST_BYTES, retry_after)) {
		*msg = g->rate_message;
		return 429;
	}
	for (i = 0; g->media[i] != NULL && !http_media_is(ctype, g->media[i]); i++)
		;
	if (g->media[i] == NULL) {
		*msg = g->media_message;
		return 415;
	}
	*media = i;
	if (short_body) {
		*msg = "the body is shorter than its Content-Length";
		return 400;
	}
	if (g->need_partner != -1 && tok->partner != g->need_partner) {
		*msg = g->role_message;
		return 403;
	}
	return 0;
}

int
upload_refuse(struct request *r, int status, const char *message, json_t *details, int retry_after)
{
	char ra[16];

	reply_error(r, status, message, details);
	if (status == 401)
		http_header(r, "WWW-Authenticate", "Bearer realm=\"citybench\"");
	if (status == 429) {
		snprintf(ra, sizeof(ra), "%d", retry_after > 0 ? retry_after : 1);
		http_header(r, "Retry-After", ra);
	}
	return -1;
}

static const char *const upload_media[] = { "text/csv", "application/json", NULL };

static const struct upload_guard upload_guard = {
	.rate = WRITE_RATE,
	.burst = WRITE_BURST,
	.rate_key_sign = 1,
	.rate_message = "too many uploads with this token: slow down and retry",
	.media = upload_media,
	.media_message = "send text/csv or application/json",
	.need_partner = -1,	/* a researcher's token is told so after the file is read: the contract */
};

/* 413 when an upload of that type is over the limits of sets or answers (a scan that builds nothing),
 * else 0: run before the token is looked at, as the contract puts 413 first. */
static int
over_limits(const char *ctype, const char *data, size_t len)
{
	struct upscan sc;

	if (ctype && http_media_is(ctype, "application/json"))
		return upscan_json(data, len, UPSCAN_MAX_SETS, UPSCAN_MAX_ANSWERS, &sc) ? 413 : 0;
	if (ctype && http_media_is(ctype, "text/csv"))
		return upscan_csv(data, len, UPSCAN_MAX_ANSWERS + 1, &sc) ? 413 : 0;
	return 0;
}

static const char over_message[] = "The upload is over the limits of one upload: at most 10,000 answer sets "
    "(JSON objects) and 200,000 answers (CSV rows, or values inside the JSON objects). Split it into "
    "several uploads.";

static void
fail(struct upload_outcome *o, int status, const char *msg, json_t *details)
{
	o->status = status;
	snprintf(o->message, sizeof(o->message), "%s", msg);
	ingest_sentence(o->message, sizeof(o->message));
	json_decref(o->details);
	o->details = details ? json_incref(details) : json_array();
	json_decref(o->summary);
	o->summary = NULL;
}

/* fail() with the message as a kind (vmsg.h); the English message is the kind's. */
static void
fail_k(struct upload_outcome *o, int status, json_t *summary, json_t *details)
{
	const char *m = json_string_value(json_object_get(summary, "message"));

	fail(o, status, m ? m : "the upload was refused", details);
	o->summary = summary;
}

/* A current answer, briefly, for a message: "yes", "12", "\"Ana\"", "a, b" (option codes). */
static void
describe(json_t *v, char *out, size_t n)
{
	struct buf b = BUF_INIT;
	json_t *o;
	size_t i;

	if (json_is_boolean(v))
		buf_puts(&b, json_is_true(v) ? "yes" : "no");
	else if (json_is_integer(v))
		buf_printf(&b, "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		buf_printf(&b, "%.15g", json_real_value(v));
	else if (json_is_string(v))
		buf_printf(&b, "\"%.60s%s\"", json_string_value(v), strlen(json_string_value(v)) > 60 ? "..." : "");
	else if (json_is_array(v) && json_array_size(v) == 0)
		buf_puts(&b, "none of the options");
	else if (json_is_array(v))
		json_array_foreach(v, i, o)
			buf_printf(&b, "%s%s", i ? ", " : "", json_string_value(o) ? json_string_value(o) : "?");
	snprintf(out, n, "%s", b.data ? b.data : "");
	if (strlen(out) + 1 == n && n > 4)
		memcpy(out + n - 4, "...", 4);
	buf_free(&b);
}

/* The first row naming a city. */
static size_t
first_row_of(const struct ingest *in, const char *city)
{
	size_t i;

	for (i = 0; i < in->nitems; i++)
		if (strcmp(in->items[i].city, city) == 0)
			return in->items[i].row;
	return 0;
}

/* One entry per answered question the sets would make unanswered: {row, column, question, message}. */
static json_t *
clearing_details(const struct ingest *in, const struct stored *stored, size_t *count)
{
	json_t *list = json_array(), *c;
	size_t i, j;

	*count = 0;
	for (i = 0; i < in->nsets; i++) {
		json_array_foreach(stored[i].cleared, j, c) {
			const char *code = json_string_value(json_array_get(c, 0));
			size_t row = ingest_row_of(in, in->sets[i].city, in->sets[i].survey, code);
			char was[160], col[80];
			json_t *d;

			describe(json_array_get(c, 1), was, sizeof(was));
			if (in->format == INGEST_CSV)
				snprintf(col, sizeof(col), "value");
			else
				snprintf(col, sizeof(col), "answers.%s", code);
			(*count)++;
			if (json_array_size(list) >= INGEST_MAX_DETAILS)
				continue;
			if ((d = vmsg_make("would_clear", code, was, NULL, NULL, NULL)) == NULL)
				continue;
			json_object_set_new(d, "column", json_string(col));
			json_object_set_new(d, "question", json_string(code));
			json_object_set_new(d, "city", json_string(in->sets[i].city));
			json_object_set_new(d, "survey", json_string(in->sets[i].survey));
			json_object_set_new(d, "row", row ? json_integer((json_int_t)row) : json_null());
			json_array_append_new(list, d);
		}
	}
	return list;
}

/* One entry per question answered that the wave does not ask of the city (asked_if): {row, column,
 * question, city, survey, message}. */
static json_t *
not_asked_details(const struct ingest *in, const struct stored *stored, size_t *count)
{
	json_t *list = json_array(), *c;
	size_t i, j;

	*count = 0;
	for (i = 0; i < in->nsets; i++) {
		json_array_foreach(stored[i].not_asked, j, c) {
			const char *code = json_string_value(json_array_get(c, 0));
			const char *cond = json_string_value(json_array_get(c, 1));
			const char *opt = json_string_value(json_array_get(c, 2));
			size_t row = ingest_row_of(in, in->sets[i].city, in->sets[i].survey, code);
			char col[80];
			json_t *d;

			if (!row)
				row = ingest_row_of(in, in->sets[i].city, in->sets[i].survey, cond);
			if (in->format == INGEST_CSV)
				snprintf(col, sizeof(col), "question");
			else
				snprintf(col, sizeof(col), "answers.%s", code);
			(*count)++;
			if (json_array_size(list) >= INGEST_MAX_DETAILS)
				continue;
			if ((d = vmsg_make("not_asked", code, cond, opt, in->sets[i].city, in->sets[i].survey)) == NULL)
				continue;
			json_object_set_new(d, "column", json_string(col));
			json_object_set_new(d, "question", json_string(code));
			json_object_set_new(d, "asked_if", json_string(cond));
			json_object_set_new(d, "city", json_string(in->sets[i].city));
			json_object_set_new(d, "survey", json_string(in->sets[i].survey));
			json_object_set_new(d, "row", row ? json_integer((json_int_t)row) : json_null());
			json_array_append_new(list, d);
		}
	}
	return list;
}

void
upload_run(struct request *r, const char *auth, int bearer, const char *ctype, const char *data, size_t len,
    int short_body, int flags, struct upload_outcome *o)
{
	int dry_run = flags & UPLOAD_DRY_RUN, made = 0, rc;
	struct db *w = app_writer(r->app);
	struct token tok;
	struct ingest in;
	struct catalog *cat = NULL;
	struct stored *stored = NULL;
	const char *msg, *cities[64];
	const char *actor = "anonymous";
	char *err = NULL;
	json_t *audit = NULL;
	size_t i, n;
	int st, media, slot = 0;

	memset(o, 0, sizeof(*o));
	o->dry_run = dry_run;
	ingest_init(&in, INGEST_CSV);
	if (over_limits(ctype, data, len)) {
		fail_k(o, 413, vmsg_make("over_limits", NULL, NULL, NULL, NULL, NULL), NULL);
		goto refused;
	}
	/* Tokens, the catalog, the versions and the audit: all on the primary (a token or a city made a
	 * moment ago may not have reached a replica yet). */
	st = upload_check(r, &upload_guard, auth, bearer, ctype, short_body, &tok, &media, &o->retry_after,
	    &msg);
	if (tok.id > 0)
		actor = tok.name;
	if (st != 0) {
		fail(o, st, msg, NULL);
		goto refused;
	}
	/* A body that costs a parse runs in one of the workers - 1 slots, so that a worker is always left for
	 * reads; a small one (a city's usual upload: a few KiB) parses in a moment and does not wait for one,
	 * so that a partner's batch of uploads at once is stored, not told to come back. */
	if (len > HEAVY_BODY_BYTES && !r->heavy && heavy_enter(r->app) == -1) {
		o->retry_after = 2;
		fail_k(o, 429, vmsg_make("busy", NULL, NULL, NULL, NULL, NULL), NULL);
		goto refused;
	}
	slot = len > HEAVY_BODY_BYTES && !r->heavy;	/* else the dispatch holds it (routes.c) */
	in.format = media == 1 ? INGEST_JSON : INGEST_CSV;
	if (tok.partner)
		snprintf(o->city, sizeof(o->city), "%s", tok.city);
	if (ingest_parse(&in, data, len) == -1) {
		fail(o, 400, in.message, in.details);
		o->summary = json_incref(in.summary);
		goto refused;
	}
	if (!tok.partner) {
		fail_k(o, 403, vmsg_make("researcher_upload", NULL, NULL, NULL, NULL, NULL), NULL);
		goto refused;
	}
	n = ingest_cities(&in, cities, sizeof(cities) / sizeof(cities[0]));
	for (i = 0; i < n; i++) {
		if (strcmp(cities[i], tok.city) != 0) {
			char m[80], c64[72];
			if (cities[i][0] == '\0') {
				snprintf(m, sizeof(m), "%zu", first_row_of(&in, ""));
				fail_k(o, 403, vmsg_make("city_empty", m, tok.city,
				    wave_valid(in.items[0].survey) ? in.items[0].survey : "2020", NULL, NULL), NULL);
			} else {
				snprintf(c64, sizeof(c64), "%.64s", cities[i]);
				while (c64[0] && !utf8_valid(c64, strlen(c64)))
					c64[strlen(c64) - 1] = '\0';
				fail_k(o, 403, vmsg_make("other_city", tok.city, c64, NULL, NULL, NULL), NULL);
			}
			goto refused;
		}
	}
	if ((cat = catalog_load_for(w, &in, NULL, &err)) == NULL) {
		fail_k(o, 503, vmsg_make("db_unreachable", NULL, NULL, NULL, NULL, NULL), NULL);
		goto refused;
	}
	if (ingest_validate(&in, cat) == -1) {
		fail(o, 422, in.message, in.details);
		o->summary = json_incref(in.summary);
		goto refused;
	}
	if ((stored = calloc(in.nsets, sizeof(*stored))) == NULL) {
		fail_k(o, 503, vmsg_make("oom", NULL, NULL, NULL, NULL, NULL), NULL);
		goto refused;
	}
	plugin_spare(1);	/* this worker takes uploads: its next one's sandbox is started ahead */
	if (!dry_run && db_begin(w) == -1) {
		fail_k(o, 503, vmsg_make("db_unreachable", NULL, NULL, NULL, NULL, NULL), NULL);
		goto refused;
	}
	if (!dry_run && auth_write_begin(w, &tok) == -1) {	/* the token's grant for this transaction */
		db_rollback(w);
		fail_k(o, 503, vmsg_make("db_store", NULL, NULL, NULL, NULL, NULL), NULL);
		goto refused;
	}
	rc = store_sets(w, cat, in.sets, in.nsets, tok.name, tok.id, "upload",
	    (dry_run ? STORE_DRY_RUN : 0) | (flags & UPLOAD_CLEAR ? 0 : STORE_KEEP) | STORE_ASKED_IF, stored,
	    &o->data_version,
	    NULL, stderr, &err);
	if (rc == -1) {
		fprintf(stderr, "citybench: request %s: upload not stored: %s", r->request_id, err ? err : "?\n");
		db_rollback(w);
		fail_k(o, 503, vmsg_make("db_store", NULL, NULL, NULL, NULL, NULL), NULL);
		goto refused;
	}
	if (rc == 2) {
		size_t count, k;
		json_t *list = not_asked_details(&in, stored, &count), *first = NULL;
		char m[32];

		if (!dry_run)
			db_rollback(w);
		for (k = 0; k < in.nsets && first == NULL; k++)
			first = json_array_get(stored[k].not_asked, 0);
		snprintf(m, sizeof(m), "%zu", count);
		fail_k(o, 422, vmsg_make("not_asked_summary", json_string_value(json_array_get(first, 0)),
		    json_string_value(json_array_get(first, 1)), json_string_value(json_array_get(first, 2)), tok.city, m),
		    list);
		json_decref(list);
		goto refused;
	}
	if (rc == 1 || dry_run) {
		size_t count;
		json_t *list = clearing_details(&in, stored, &count);
		if (rc == 1) {
			char m[32];
			db_rollback(w);
			snprintf(m, sizeof(m), "%zu", count);
			fail_k(o, 409, vmsg_make("would_clear_summary", m, tok.city, NULL, NULL, NULL), list);
			json_decref(list);
			goto refused;
		}
		o->warnings = list;
	}
	o->submissions = json_array();
	for (i = 0; i < in.nsets; i++) {
		json_t *s = json_pack("{s:s, s:s, s:i, s:i}", "city", in.sets[i].city, "survey", in.sets[i].survey,
		    "version", stored[i].version, "changed", stored[i].changed);
		if (!dry_run)
			json_object_set_new(s, "id", json_integer(stored[i].id));
		json_array_append_new(o->submissions, s);
		made |= stored[i].made;
	}
	if (!dry_run) {
		/* The audit row commits with the versions: both or neither. */
		audit = json_pack("{s:O}", "submissions", o->submissions);
		audit_write(r, actor, tok.id, "upload", tok.city, in.nsets ? in.sets[0].survey : NULL, 1,
		    made ? 201 : 200, audit);
		json_decref(audit);
		if (db_commit(w) == -1) {
			db_rollback(w);
			json_decref(o->submissions);
			o->submissions = NULL;
			fail_k(o, 503, vmsg_make("db_commit", NULL, NULL, NULL, NULL, NULL), NULL);
			goto refused;
		}
		/* Read-your-writes: every worker sees the new version before the 201 leaves. */
		if (made)
			app_publish_version(r->app, o->data_version);
		o->status = made ? 201 : 200;
	} else {
		o->status = 200;
		audit_write(r, actor, tok.id, "upload (dry run)", tok.city, NULL, 1, 200, NULL);
	}
	goto out;
refused:
	audit = json_pack("{s:s, s:i}", "message", o->message, "problems", (int)json_array_size(o->details));
	audit_write(r, actor, tok.id, dry_run ? "upload (dry run)" : "upload", tok.id ? tok.city : NULL, NULL, 0,
	    o->status, audit);
	json_decref(audit);
out:
	if (slot)
		heavy_leave(r->app);
	store_stored_free(stored, in.nsets);
	free(stored);
	free(err);
	catalog_free(cat);
	ingest_free(&in);
}

static int
truthy(const char *s)
{
	return s && (!strcmp(s, "1") || !strcasecmp(s, "true") || !strcasecmp(s, "yes") || !strcasecmp(s, "on"));
}

int
upload_api_post(struct request *r)
{
	struct upload_outcome o;
	json_t *err;

	upload_run(r, r->authorization, 1, r->content_type, r->body, r->body_len, r->body_short,
	    (truthy(query_get(&r->query, "dry_run")) ? UPLOAD_DRY_RUN : 0) |
	    (truthy(query_get(&r->query, "clear")) ? UPLOAD_CLEAR : 0), &o);
	if (o.status == 201 || o.status == 200) {
		json_t *v;
		if (o.warnings == NULL)
			o.warnings = json_array();
		v = o.dry_run ?
		    json_pack("{s:b, s:O, s:O}", "dry_run", 1, "submissions", o.submissions, "warnings",
			o.warnings) :
		    o.status == 200 ? json_pack("{s:O}", "submissions", o.submissions) :
		    json_pack("{s:O, s:I}", "submissions", o.submissions, "data_version",
			(json_int_t)o.data_version);
		reply_json(r, o.status, v);
		upload_outcome_free(&o);
		return 0;
	}
	err = o.details;
	o.details = NULL;
	upload_refuse(r, o.status, o.message, err, o.retry_after);
	upload_outcome_free(&o);
	return -1;
}

/* ---- the form ---- */

/* The downloads that start an upload: the city's current answers, or the wave's empty form with the
 * city filled in (for a first upload).  city may be NULL or unknown: then the wave's empty forms. */
static void
downloads(struct request *r, const char *city, const char *wave)
{
	struct buf *b = &r->out;
	PGresult *waves = db_query(r->app->db, Q_SURVEYS, 0, NULL), *known = NULL;
	const char *p[1] = { city };
	int i, ok = city && *city && path_segment_valid_slug(city, strlen(city));

	if (ok) {
		known = db_query(r->app->db, Q_CITY, 1, p);
		ok = db_ok(known) && PQntuples(known) == 1;
	}
	if (wave && !wave_valid(wave))
		wave = NULL;
	if (wave == NULL && db_ok(waves) && PQntuples(waves) > 0)
		wave = PQgetvalue(waves, PQntuples(waves) - 1, Q_SURVEYS_ID);
	html_raw(b, "<section aria-labelledby=\"h-start\"><h2 id=\"h-start\">");
	html_text(b, _("1. Start from your current answers"));
	html_raw(b, "</h2>\n<p>");
	/* TRANSLATORS: keep the <code> markup */
	html_raw(b, _("Download your city's current answers, change what you need in a spreadsheet, "
	    "and upload the file again: the rows you leave as they are change nothing, and the "
	    "<code>label</code> and <code>help</code> columns are there for you only."));
	html_raw(b, "</p>\n");
	if (ok) {
		html_raw(b, "<ul class=\"downloads\">\n<li><a href=\"/cities/");
		url_encode(b, city);
		html_raw(b, "/answers.csv");
		if (wave) {
			html_raw(b, "?survey=");
			url_encode(b, wave);
		}
		html_raw(b, "\" download>");
		html_text(b, _("Download your current answers (CSV)"));
		html_raw(b, "</a> · <a href=\"/cities/");
		url_encode(b, city);
		html_raw(b, "/answers.json");
		if (wave) {
			html_raw(b, "?survey=");
			url_encode(b, wave);
		}
		html_raw(b, "\">JSON</a> — ");
		html_text(b, PQgetvalue(known, 0, Q_CITY_NAME));
		if (wave) {
			html_raw(b, ", ");
			ltext(b, _("{1} wave"), 0, wave, NULL, NULL, NULL);
		}
		html_raw(b, "</li>\n");
		if (wave) {
			html_raw(b, "<li>");
			html_text(b, _("First upload for this wave?"));
			html_raw(b, " <a href=\"/surveys/");
			url_encode(b, wave);
			html_raw(b, "/template.csv?city=");
			url_encode(b, city);
			html_raw(b, "\" download>");
			html_text(b, _("The empty form with your city filled in (CSV)"));
			html_raw(b, "</a></li>\n");
		}
		html_raw(b, "</ul>\n");
	} else if (city && *city) {
		html_raw(b, "<p class=\"notice\" role=\"note\">");
		/* TRANSLATORS: {1} is the slug asked for; keep the <code> markup */
		ltext(b, _("No city is registered as “{1}”. Your city's slug is the last part of its profile's "
		    "address, such as <code>toronto</code> in /cities/toronto."), 0, city, NULL, NULL, NULL);
		html_raw(b, "</p>\n");
	}
	html_raw(b, "<form class=\"filters\" method=\"get\" action=\"/upload\">\n<div class=\"field\">"
	    "<label for=\"city\">");
	html_text(b, _("Your city (its slug)"));
	html_raw(b, "</label><input id=\"city\" name=\"city\" "
	    "autocomplete=\"off\" pattern=\"[a-z0-9\\-]{1,64}\" value=\"");
	html_attr(b, city ? city : "");
	html_raw(b, "\"></div>\n<div class=\"field\"><label for=\"survey\">");
	html_text(b, _("Wave"));
	html_raw(b, "</label><select id=\"survey\" name=\"survey\">");
	for (i = 0; db_ok(waves) && i < PQntuples(waves); i++) {
		html_raw(b, "<option");
		if (wave && strcmp(wave, PQgetvalue(waves, i, Q_SURVEYS_ID)) == 0)
			html_raw(b, " selected");
		html_raw(b, ">");
		html_text(b, PQgetvalue(waves, i, Q_SURVEYS_ID));
		html_raw(b, "</option>");
	}
	html_raw(b, "</select></div>\n<button type=\"submit\">");
	html_text(b, _("Show my downloads"));
	html_raw(b, "</button>\n</form>\n<p>");
	html_text(b, _("A first upload can also start from a wave's empty form:"));
	for (i = 0; db_ok(waves) && i < PQntuples(waves); i++) {
		html_raw(b, i ? ", " : " ");
		html_raw(b, "<a href=\"/surveys/");
		url_encode(b, PQgetvalue(waves, i, Q_SURVEYS_ID));
		html_raw(b, "/template.csv");
		if (ok) {
			html_raw(b, "?city=");
			url_encode(b, city);
		}
		html_raw(b, "\">");
		html_text(b, PQgetvalue(waves, i, Q_SURVEYS_ID));
		html_raw(b, "</a>");
	}
	html_raw(b, ".</p>\n</section>\n");
	PQclear(waves);
	PQclear(known);
}

/* The upload form; token re-rendered after a refusal; clear_offer: the checkbox that confirms
 * clearing the listed answers (after a 409). */
static void
form(struct request *r, int dry_checked, const char *token, size_t clear_offer)
{
	struct buf *b = &r->out;
	char num[32];

	html_raw(b, "<form class=\"upload\" method=\"post\" action=\"/upload\" enctype=\"multipart/form-data\">\n");
	if (!session_form_fields(r, b)) {
		html_raw(b, "<div class=\"field\"><label for=\"token\">");
		html_text(b, _("Your city's token"));
		html_raw(b, "</label><input id=\"token\" name=\"token\" type=\"password\" autocomplete=\"off\" required "
		    "aria-describedby=\"token-help\"");
		if (token && *token) {
			html_raw(b, " value=\"");
			html_attr(b, token);
			html_raw(b, "\"");
		}
		html_raw(b, "><p id=\"token-help\" class=\"help\">");
		/* TRANSLATORS: keep the markup and the link's address */
		html_raw(b, _("The partner token the citybench operator gave your "
		    "city (it starts with <code>cb_</code>). It is sent in the body, never in the address. Or <a "
		    "href=\"/signin?next=/upload\">sign in</a> once."));
		html_raw(b, "</p></div>\n");
	}
	html_raw(b, "<div class=\"field\"><label for=\"file\">");
	html_text(b, _("Answers file (CSV or JSON)"));
	html_raw(b, "</label><input id=\"file\" name=\"file\" type=\"file\" accept=\".csv,.json,text/csv,application/json\" "
	    "required aria-describedby=\"file-help\">"
	    "<p id=\"file-help\" class=\"help\">");
	/* TRANSLATORS: keep the <code> markup and its column names */
	html_raw(b, _("At most 8 MiB, 10,000 answer sets and 200,000 answers. "
	    "CSV UTF-8 (comma delimited), columns "
	    "<code>city,survey,question,value</code>, one answer a row (a multi-choice answer: a row per "
	    "option); a question whose value is empty becomes unanswered."));
	if (token && *token) {
		html_raw(b, " ");
		html_text(b, _("Choose the file again: a browser does not keep it after a refusal."));
	}
	html_raw(b, "</p></div>\n");
	if (clear_offer) {
		html_raw(b, "<div class=\"field check\"><input id=\"clear\" name=\"clear\" type=\"checkbox\" "
		    "value=\"1\" aria-describedby=\"clear-help\"><label for=\"clear\">");
		snprintf(num, sizeof(num), "%zu", clear_offer);
		ltext(b, P_("Yes, clear the {1} answer listed above", "Yes, clear the {1} answers listed above",
		    clear_offer), 0, num, NULL, NULL, NULL);
		html_raw(b, "</label><p id=\"clear-help\" class=\"help\">");
		html_text(b, _("Leave it unticked and fix the file to keep them."));
		html_raw(b, "</p></div>\n");
	}
	html_raw(b, "<div class=\"field check\"><input id=\"dry_run\" name=\"dry_run\" type=\"checkbox\" value=\"1\"");
	if (dry_checked)
		html_raw(b, " checked");
	html_raw(b, "><label for=\"dry_run\">");
	html_text(b, _("Check only (dry run): validate without storing"));
	html_raw(b, "</label></div>\n<button type=\"submit\">");
	html_text(b, _("Upload"));
	html_raw(b, "</button>\n</form>\n");
}

/* For programs: the API's description and an upload with curl. */
static void
for_programs(struct buf *b)
{
	html_raw(b, "<section aria-labelledby=\"h-api\"><h2 id=\"h-api\">");
	html_text(b, _("3. Or upload from a program"));
	html_raw(b, "</h2>\n<p>");
	/* TRANSLATORS: keep the markup, the addresses and the <code> names */
	html_raw(b, _("<code>POST /api/submissions</code> takes the same CSV (<code>text/csv</code>) or JSON "
	    "(<code>application/json</code>) files with your token in an <code>Authorization: Bearer</code> "
	    "header; <code>?dry_run=1</code> checks without storing, <code>?clear=1</code> confirms clearing "
	    "answers. Every answer and refusal is described in <a href=\"/api/openapi.json\">the API's "
	    "OpenAPI 3.1 document</a>. With curl, where <code>CITYBENCH_URL</code> is this portal's address "
	    "and <code>CITYBENCH_TOKEN</code> your city's token:"));
	html_raw(b, "</p>\n"
	    "<pre><code>curl --fail-with-body \\\n"
	    "  -H \"Authorization: Bearer $CITYBENCH_TOKEN\" \\\n"
	    "  -H \"Content-Type: text/csv\" \\\n"
	    "  --data-binary @answers.csv \\\n"
	    "  \"$CITYBENCH_URL/api/submissions?dry_run=1\"</code></pre>\n<p>");
	/* TRANSLATORS: keep the <code> markup */
	html_raw(b, _("Without <code>?dry_run=1</code> it stores the upload: <code>201</code> with the new version, "
	    "<code>200</code> when nothing changed, <code>409</code> with the answers it would clear, "
	    "<code>422</code> with every problem and its row."));
	html_raw(b, "</p>\n</section>\n");
}

int
upload_get(struct request *r)
{
	struct session s;
	const char *city, *msg;
	json_t *waves = view_waves(r->app);
	const char *newest = json_string_value(json_array_get(waves, json_array_size(waves) - 1));

	page_begin_described(r, _("Upload your city's answers"), _("The form through which a partner city sends its "
	    "survey answers as CSV or JSON, checks them first, and sees each problem beside its answer."));
	html_raw(&r->out, "<h1>");
	html_text(&r->out, _("Upload your city's answers"));
	html_raw(&r->out, "</h1>\n<p>");
	{
		struct buf q = BUF_INIT;

		if (newest) {
			html_raw(&q, "<a href=\"/surveys/");
			url_encode(&q, newest);
			html_raw(&q, "\">");
			html_text(&q, _("questionnaire"));
			html_raw(&q, "</a>");
		} else {
			html_text(&q, _("questionnaire"));
		}
		/* TRANSLATORS: {1} is the word "questionnaire" (translated apart), maybe a link; keep the <code> */
		ltext(&r->out, _("Partner cities send their survey answers here. Every upload is checked against "
		    "the wave's {1}; it is stored whole or not at all, as a new version: earlier versions stay "
		    "readable. An upload that would clear answers asks you to confirm first. Programs can use "
		    "<code>POST /api/submissions</code> with the same files."), 1, q.data ? q.data : "", NULL, NULL, NULL);
		buf_free(&q);
	}
	json_decref(waves);
	html_raw(&r->out, "</p>\n");
	/* A signed-in partner's page (its own, never a shared copy: routes.c) starts from the partner's
	 * city, as if it had been typed. */
	city = query_get(&r->query, "city");
	if ((city == NULL || *city == '\0') && r->session_seen && session_get(r, &s, &msg) == 0 &&
	    s.tok.partner && s.tok.city[0])
		city = s.tok.city;
	downloads(r, city, query_get(&r->query, "survey"));
	html_raw(&r->out, "<section aria-labelledby=\"h-send\"><h2 id=\"h-send\">");
	html_text(&r->out, _("2. Upload the file"));
	html_raw(&r->out, "</h2>\n");
	form(r, 0, NULL, 0);
	html_raw(&r->out, "</section>\n");
	for_programs(&r->out);
	page_end(r);
	return 0;
}

static const char *
part_ctype(const struct mp_part *f)
{
	size_t n = f->filename ? strlen(f->filename) : 0;

	if (n > 5 && strcasecmp(f->filename + n - 5, ".json") == 0)
		return "application/json";
	if (n > 4 && strcasecmp(f->filename + n - 4, ".csv") == 0)
		return "text/csv";
	if (f->content_type && (http_media_is(f->content_type, "application/json") ||
	    http_media_is(f->content_type, "text/csv")))
		return f->content_type;
	/* Browsers label CSV files variously: sniff a JSON body, else take CSV (which names a workbook). */
	if (f->len > 0 && (f->data[0] == '{' || f->data[0] == '['))
		return "application/json";
	return "text/csv";
}

/* A refused upload's page: the message, "Nothing was stored.", each problem as a list item, and the
 * form again with the token kept (and, after a 409, the checkbox that confirms clearing). */
static void
refused_page(struct request *r, const struct upload_outcome *o, const char *token, int dry)
{
	struct buf *b = &r->out;
	size_t i, n = json_array_size(o->details);
	json_t *d;

	const char *title = o->status == 409 ? _("Upload would clear answers") : _("Upload refused");
	char num[32];

	page_begin(r, title);
	r->status = o->status;
	html_raw(b, "<h1>");
	html_text(b, title);
	html_raw(b, "</h1>\n<div class=\"error\" role=\"alert\"><p>");
	upload_msg_html(b, o->summary, o->message);
	html_raw(b, "</p>\n<p>");
	html_text(b, _("Nothing was stored."));
	html_raw(b, "</p></div>\n");
	if (n) {
		snprintf(num, sizeof(num), "%zu", n);
		html_raw(b, "<h2>");
		if (o->status == 409)
			ltext(b, P_("{1} answer would be cleared", "{1} answers would be cleared", n), 0, num, NULL,
			    NULL, NULL);
		else
			ltext(b, P_("{1} problem", "{1} problems", n), 0, num, NULL, NULL, NULL);
		html_raw(b, "</h2>\n");
		html_raw(b, "<ul class=\"problems\">\n");
		json_array_foreach(o->details, i, d) {
			json_t *row = json_object_get(d, "row");
			const char *col = json_string_value(json_object_get(d, "column"));
			html_raw(b, "<li>");
			if (json_is_integer(row) || col) {
				html_raw(b, "<span class=\"where\">");
				struct buf c = BUF_INIT;

				snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(row));
				if (col) {
					html_raw(&c, "<code>");
					html_text(&c, col);
					html_raw(&c, "</code>");
				}
				if (json_is_integer(row) && col)
					/* TRANSLATORS: where a problem is: {1} the row number, {2} the column's name */
					ltext(b, _("Row {1}, column {2}:"), 2, num, c.data, NULL, NULL);
				else if (col)
					ltext(b, _("Column {1}:"), 1, c.data, NULL, NULL, NULL);
				else
					ltext(b, _("Row {1}:"), 0, num, NULL, NULL, NULL);
				buf_free(&c);
				html_raw(b, "</span> ");
			}
			upload_msg_html(b, d, NULL);
			html_raw(b, "</li>\n");
		}
		html_raw(b, "</ul>\n");
	}
	if (o->city[0]) {
		struct buf a = BUF_INIT;

		html_raw(&a, "<a href=\"/cities/");
		url_encode(&a, o->city);
		html_raw(&a, "/answers.csv\" download>");
		html_text(&a, _("download your current answers (CSV)"));
		html_raw(&a, "</a>");
		html_raw(b, "<p>");
		/* TRANSLATORS: {1} is the link "download your current answers (CSV)" */
		ltext(b, _("To start again from what is stored: {1}."), 1, a.data, NULL, NULL, NULL);
		html_raw(b, "</p>\n");
		buf_free(&a);
	}
	html_raw(b, "<h2>");
	html_text(b, _("Try again"));
	html_raw(b, "</h2>\n");
	form(r, dry, token, o->status == 409 ? n : 0);
}

int
upload_post(struct request *r)
{
	struct upload_outcome o;
	struct mp_part *parts = NULL;
	const struct mp_part *tok = NULL, *file = NULL, *dry = NULL, *clear = NULL;
	struct buf *b = &r->out;
	size_t nparts = 0, i;
	char *err = NULL, *token = NULL, why[300];
	struct session sess;
	struct token t;
	const char *msg = NULL;
	int flags = 0, multipart, form_ok = 0, typed, st;
	json_t *d;

	memset(&o, 0, sizeof(o));
	/* The contract's order: 413, 401, 415, 400, 403.  The token travels inside the form, so the form is
	 * read first (its parts point into the body: nothing is copied) and what it says is used in that
	 * order: a form that cannot be read has no token, which is a 401 before it is a 400. */
	multipart = r->content_type && strncasecmp(r->content_type, "multipart/form-data", 19) == 0;
	if (multipart && !r->body_short)
		form_ok = multipart_parse(r->content_type, r->body, r->body_len, &parts, &nparts, &err) == 0;
	if (form_ok) {
		tok = multipart_get(parts, nparts, "token");
		file = multipart_get(parts, nparts, "file");
		dry = multipart_get(parts, nparts, "dry_run");
		clear = multipart_get(parts, nparts, "clear");
		if (tok && (token = strndup(tok->data, tok->len)) != NULL)
			token[strcspn(token, "\r\n")] = '\0';
		if (file && over_limits(part_ctype(file), file->data, file->len)) {
			st = 413;
			msg = over_message;
			goto refuse;
		}
	} else if (!r->body_short && r->content_type &&
	    http_media_is(r->content_type, "application/x-www-form-urlencoded")) {
		/* the form sent with the wrong encoding still names its token: the 415 is for that token */
		struct query f = { 0, NULL };

		if (query_parse(r->body, &f, NULL) == 0 && query_get(&f, "token"))
			token = strdup(query_get(&f, "token"));
		query_free(&f);
	}
	/* A token typed (or sent as a program would, in an Authorization header) writes; else a signed-in
	 * session does, when the form carries its CSRF token. */
	typed = (token && *token) || (r->authorization && *r->authorization);
	if (token && *token)
		st = auth_check(app_writer(r->app), token, 0, &t, &msg);
	else if (typed)
		st = auth_check(app_writer(r->app), r->authorization, 1, &t, &msg);
	else if (session_cookie_present(r))
		st = session_get(r, &sess, &msg);
	else
		st = auth_check(app_writer(r->app), NULL, 0, &t, &msg);
	if (st != 0)
		goto refuse;
	r->signed_in = typed ? &t : &sess.tok;
	if (!multipart) {
		st = 415;
		msg = "send the form as multipart/form-data";
		goto refuse;
	}
	if (r->body_short) {
		st = 400;
		msg = "the body is shorter than its Content-Length";
		goto refuse;
	}
	if (!form_ok) {
		snprintf(why, sizeof(why), "the form could not be read: %s", err ? err : "malformed");
		st = 400;
		msg = why;
		goto refuse;
	}
	if (file == NULL || (file->len == 0 && (file->filename == NULL || *file->filename == '\0'))) {
		st = 400;
		msg = "The form has no file: choose your answers file.";
		goto refuse;
	}
	if (!typed) {
		const struct mp_part *c = multipart_get(parts, nparts, SESSION_CSRF_FIELD);
		char *csrf = c ? strndup(c->data, c->len) : NULL;
		int ok = session_csrf_ok(&sess, csrf);

		free(csrf);
		if (!ok) {
			st = 403;
			msg = "This form did not come from your session's page (its CSRF token is missing or "
			    "wrong): reload the page and try again.";
			goto refuse;
		}
	}
	if (dry && dry->len > 0)
		flags |= UPLOAD_DRY_RUN;
	if (clear && clear->len > 0)
		flags |= UPLOAD_CLEAR;
	upload_run(r, token, 0, part_ctype(file), file->data, file->len, 0, flags, &o);
	r->signed_in = NULL;
	multipart_free(parts, nparts);
	if (o.status != 200 && o.status != 201) {
		/* a token that was refused is not offered back */
		refused_page(r, &o, o.status == 401 ? NULL : token, flags & UPLOAD_DRY_RUN);
		page_end(r);
		free(token);
		free(err);
		upload_outcome_free(&o);
		return -1;
	}
	{
		const char *ti = o.status == 201 ? _("Upload stored") : o.dry_run ? _("Upload checked") :
		    _("Nothing changed");

		page_begin(r, ti);
		r->status = o.status;
		html_raw(b, "<h1>");
		html_text(b, ti);
		html_raw(b, "</h1>\n<p role=\"status\">");
		html_text(b, o.status == 201 ? _("Your answers are stored as new versions and show on the portal now.") :
		    o.dry_run ? _("The file passes every check. Nothing was stored (dry run).") :
		    _("The file holds the answers that are stored already, so no new version was made."));
		html_raw(b, "</p>\n");
	}
	if (o.dry_run && json_array_size(o.warnings)) {
		char num[32];

		snprintf(num, sizeof(num), "%zu", json_array_size(o.warnings));
		html_raw(b, "<h2>");
		ltext(b, P_("{1} answer would be cleared", "{1} answers would be cleared", json_array_size(o.warnings)),
		    0, num, NULL, NULL, NULL);
		html_raw(b, "</h2>\n<ul class=\"problems\">\n");
		json_array_foreach(o.warnings, i, d) {
			html_raw(b, "<li>");
			upload_msg_html(b, d, NULL);
			html_raw(b, "</li>\n");
		}
		html_raw(b, "</ul>\n<p>");
		html_text(b, _("Uploading it for real asks you to confirm this first."));
		html_raw(b, "</p>\n");
	}
	html_raw(b, "<div class=\"table-scroll\" tabindex=\"0\" role=\"region\" aria-label=\"");
	html_attr(b, _("Versions, scrolls sideways"));
	html_raw(b, "\"><table class=\"data\"><caption>");
	html_text(b, _("Versions"));
	html_raw(b, "</caption><thead><tr><th scope=\"col\">");
	html_text(b, _("City"));
	html_raw(b, "</th><th scope=\"col\">");
	html_text(b, _("Wave"));
	html_raw(b, "</th><th scope=\"col\" class=\"num\">");
	html_text(b, _("Version"));
	html_raw(b, "</th><th scope=\"col\" class=\"num\">");
	html_text(b, _("Answers changed"));
	html_raw(b, "</th></tr></thead><tbody>\n");
	json_array_foreach(o.submissions, i, d) {
		const char *city = json_string_value(json_object_get(d, "city"));
		const char *wave = json_string_value(json_object_get(d, "survey"));
		html_raw(b, "<tr><th scope=\"row\"><a href=\"/cities/");
		url_encode(b, city);
		html_raw(b, "?survey=");
		url_encode(b, wave);
		html_raw(b, "\">");
		html_text(b, city);
		html_raw(b, "</a></th><td>");
		html_text(b, wave);
		html_raw(b, "</td><td class=\"num\">");
		if (json_integer_value(json_object_get(d, "id")) > 0) {
			buf_printf(b, "<a href=\"/submissions/%lld\">%lld</a>",
			    (long long)json_integer_value(json_object_get(d, "id")),
			    (long long)json_integer_value(json_object_get(d, "version")));
		} else {
			buf_printf(b, "%lld", (long long)json_integer_value(json_object_get(d, "version")));
		}
		buf_printf(b, "</td><td class=\"num\">%lld</td></tr>\n",
		    (long long)json_integer_value(json_object_get(d, "changed")));
	}
	html_raw(b, "</tbody></table></div>\n");
	if (o.dry_run) {
		html_raw(b, "<h2>");
		html_text(b, _("Upload for real"));
		html_raw(b, "</h2>\n");
		form(r, 0, token, 0);
	}
	page_end(r);
	free(token);
	free(err);
	upload_outcome_free(&o);
	return 0;
refuse:
	r->signed_in = NULL;
	free(token);
	free(err);
	multipart_free(parts, nparts);
	return reply_error(r, st, msg, NULL);
}
