/* vmsg.h: an upload's validation messages as kinds (issue 20): each kind has a stable code, an English
 * template with {1} .. {5} for its values, and a plural form when a count chooses the wording.  The JSON
 * answers carry the English sentence in `message` (as before), the kind in `code` and the values in
 * `args`; an HTML page writes the kind's template in its own language with the same values, never by
 * recognising the English wording. */
#ifndef CB_VMSG_H
#define CB_VMSG_H

#include <stddef.h>
#include <jansson.h>

#define VMSG_MAX_ARGS 5

struct vmsg_kind {
	const char *code;		/* stable, [a-z_]: JSON `code` of a detail */
	const char *one;		/* the English template (a gettext msgid) */
	const char *many;		/* the plural template, or NULL */
	unsigned count;			/* the argument (1-5) whose number chooses one or many; 0: none */
	unsigned phrases;		/* bit k-1: argument k is a phrase from vmsg_phrases (translated too) */
	unsigned numbers;		/* bit k-1: argument k is a number (a decimal comma in French) */
};

extern const struct vmsg_kind vmsg_kinds[];
extern const size_t vmsg_nkinds;
/* The phrases some kinds take as arguments (gettext msgids as well). */
extern const char *const vmsg_phrases[];
extern const size_t vmsg_nphrases;

/* The kind of a code; NULL when there is none. */
const struct vmsg_kind *vmsg_find(const char *code);

/* The English sentence of a kind with its arguments (NULL ends them) into out: a capital first letter,
 * a full stop at the end, valid UTF-8. */
void vmsg_english(char *out, size_t n, const struct vmsg_kind *k, const char *const args[VMSG_MAX_ARGS]);

/* {"message": the English sentence, "code": code, "args": [the arguments as strings]}; NULL when the
 * code is unknown or memory ran out.  Arguments after the first NULL are ignored. */
json_t *vmsg_make(const char *code, const char *a1, const char *a2, const char *a3, const char *a4,
    const char *a5);

#endif
