/* oplog.c: the operator's actions in the audit log, as the server's writes are (pages/upload.c).
 *
 * Decisions: the actor is the OS user (getpwuid(geteuid())): the CLI has no token, and the person at
 * the terminal is what an audit asks for.  The command line is kept, but never a whole token (`token
 * revoke cb_…` names a secret): such an argument is stored as "cb_…". */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth.h"
#include "buf.h"
#include "oplog.h"
#include "query.h"

const char *
oplog_user(void)
{
	static char name[64];
	struct passwd *pw = getpwuid(geteuid());

	if (pw && pw->pw_name && *pw->pw_name)
		snprintf(name, sizeof(name), "%s", pw->pw_name);
	else
		snprintf(name, sizeof(name), "uid %u", (unsigned)geteuid());
	return name;
}

int
oplog_write(struct db *db, const char *action, const char *city, const char *survey, int accepted,
    int argc, char **argv, json_t *changed)
{
	struct buf cmd = BUF_INIT;
	json_t *detail = NULL;
	char *text = NULL;
	const char *p[6];
	PGresult *res = NULL;
	int i, rc = -1;

	buf_printf(&cmd, "citybench %s", action);
	for (i = 0; i < argc; i++)
		buf_printf(&cmd, " %s", auth_token_id(argv[i]) >= 0 ? "cb_…" : argv[i]);
	detail = json_pack("{s:s, s:s%}", "via", "cli", "command", cmd.data ? cmd.data : "", cmd.len);
	if (detail == NULL)
		goto out;
	if (changed)
		json_object_update(detail, changed);
	if ((text = json_dumps(detail, JSON_COMPACT)) == NULL)
		goto out;
	p[0] = oplog_user();
	p[1] = action;
	p[2] = city;
	p[3] = survey;
	p[4] = accepted ? "true" : "false";
	p[5] = text;
	res = db_query(db, Q_CLI_AUDIT, 6, p);
	if (db_ok(res))
		rc = 0;
out:
	if (rc == -1)
		fprintf(stderr, "citybench: the audit log was not written: %s",
		    res ? PQresultErrorMessage(res) : "out of memory\n");
	PQclear(res);
	free(text);
	json_decref(detail);
	buf_free(&cmd);
	return rc;
}
