/*
 * catalog.h: a GNU gettext message catalog (a compiled .po file, "MO
 * file"), read whole and checked, for the strings of the mail templates
 * in one language (template.h).
 *
 * Only what the templates need is read: the original strings and their
 * translations, a msgid with a msgctxt as "CONTEXT\004MSGID" (as gettext
 * stores it).  Entries with plural forms are kept out of the lookup (the
 * templates use the NAME_one helper of template.h), and so is the header
 * entry (msgid ""), whose charset must be UTF-8.
 *
 * Limits: a catalog is at most CATALOG_MAX_FILE bytes.
 */
#ifndef KRING_CATALOG_H
#define KRING_CATALOG_H

#include <stddef.h>

#define CATALOG_MAX_FILE	(16 * 1024 * 1024)

struct catalog;

/*
 * Read the catalog at PATH into *OUT (free with catalog_free).  Returns
 * 0; 1 when there is no such file; or -1 with ERR holding "PATH: what is
 * wrong": not readable, too large, not a catalog (bad magic number or
 * revision), a table or string outside the file, a string not ended by
 * NUL, not UTF-8, or a charset other than UTF-8.
 */
int catalog_load(const char *path, struct catalog **out, char *err,
    size_t errlen);

/*
 * Build a catalog from the LEN bytes at DATA (copied), named NAME in
 * errors: catalog_load without the file.  0 or -1 with ERR.
 */
int catalog_parse(const char *name, const void *data, size_t len,
    struct catalog **out, char *err, size_t errlen);

/* The translation of MSGID, or NULL when CAT has none.  The string lives
 * as long as CAT. */
const char *catalog_lookup(const struct catalog *cat, const char *msgid);

/* The path or name CAT was made from, for errors. */
const char *catalog_name(const struct catalog *cat);

/* Free CAT.  NULL is fine. */
void catalog_free(struct catalog *cat);

#endif
