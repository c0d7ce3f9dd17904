/* oplog.h: the operator's actions in the audit log (oplog.c). */
#ifndef CB_OPLOG_H
#define CB_OPLOG_H

#include <jansson.h>

#include "db.h"

/* The operator running this program: the OS user of the effective uid ("uid N" when it has no name). */
const char *oplog_user(void);

/* Writes one audit row for a CLI action: actor the OS user, action ACTION ("city add"), CITY and SURVEY
 * (NULL: none), accepted or refused, and a detail of {"via": "cli", "command": the command line (whole
 * tokens replaced by "cb_…"), then CHANGED's members}.  CHANGED may be NULL; it is not taken.  Returns 0,
 * or -1 (with a line on stderr) when the row could not be written. */
int oplog_write(struct db *db, const char *action, const char *city, const char *survey, int accepted,
    int argc, char **argv, json_t *changed);

#endif
