/* heavy.h: the slots of the costly requests (uploads, the questionnaire's stores, plugin previews), fewer
 * than there are workers, so that one worker is always free for reads. */
#ifndef CB_HEAVY_H
#define CB_HEAVY_H

#include "app.h"

/* An upload body over this many bytes costs a parse worth a slot; a smaller one (a city's usual upload:
 * a few KiB) parses in a moment and takes none, so that a partner's batch of uploads at once is stored. */
#define HEAVY_BODY_BYTES 65536

/* Takes a slot: at most workers - 1 (at least one) costly requests run at once, over every worker.
 * Returns 0 when taken (give it back with heavy_leave), -1 when every slot is busy. */
int heavy_enter(struct app *a);

/* Gives back the slot heavy_enter took. */
void heavy_leave(struct app *a);

#endif
