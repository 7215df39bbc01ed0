/*
 * hfield.h: a message header taken apart field by field (a field with
 * its folded lines), for the copies kring makes of a member's mail
 * (listcopy.h, relay.h), which keep some fields byte for byte and
 * rewrite others.
 */
#ifndef KRING_HFIELD_H
#define KRING_HFIELD_H

#include <stdbool.h>
#include <stddef.h>
#include <glib.h>

struct hfield {
	const char *start;	/* the name */
	size_t len;		/* the whole field, its line ends included */
	size_t namelen;		/* 0: a line without a colon */
};

/* The next field of the header at *P (before END) into *F, *P moved past
 * it; false at the empty line or END. */
bool hfield_next(const char **p, const char *end, struct hfield *f);

/* True when F is named NAME (any case). */
bool hfield_is(const struct hfield *f, const char *name);

/* True when F's name starts with PREFIX (any case), e.g. "List-". */
bool hfield_has_prefix(const struct hfield *f, const char *prefix);

/* F's value without its name, folds kept, outer blanks gone (g_free). */
char *hfield_value(const struct hfield *f);

/* Append "NAME: VALUE" and CRLF to OUT. */
void hfield_add(GByteArray *out, const char *name, const char *value);

#endif
