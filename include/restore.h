/* restore.h: a partner restores one of its city's earlier versions (restore.c). */
#ifndef CB_RESTORE_H
#define CB_RESTORE_H

#include "buf.h"
#include "http.h"
#include "session.h"

/* For the versions pages: 1 when the request is signed in as the partner of city slug (s filled; the
 * page is then the session's own: never cached, never a 304), else 0. */
int restore_signed_in_for(struct request *r, const char *slug, struct session *s);

/* Writes the "Restore this version" form of version `version` (submission id) for session s. */
void restore_button(struct buf *b, long long id, long long version, const struct session *s);

#endif
