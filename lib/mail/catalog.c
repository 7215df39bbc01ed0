/*
 * catalog.c: a reader of GNU gettext MO files (catalog.h), after the
 * format of the gettext manual ("The Format of GNU MO Files"): a magic
 * number that also gives the byte order, a revision, the number N of
 * strings, the offsets of the table of originals and of translations
 * (N pairs of length and offset each), and a hash table we do not need.
 *
 * Why not glibc's dgettext: it picks the catalog by the process's locale
 * (LC_MESSAGES must be a locale installed on the machine, not "C") and
 * switching language means setting LANGUAGE and bumping
 * _nl_msg_cat_cntr, process-wide; kringd and the tools write mail in a
 * community's language, several languages in one process, from a list of
 * template folders an admin may override.  So the catalog is read here,
 * whole, from a path we choose, and looked up in a hash table of our own:
 * no locale, no global state.
 *
 * A catalog comes from us or from an admin, but a broken or hostile file
 * must not crash a daemon: every offset and length is checked against
 * the file's size before it is used, every string must end in its NUL,
 * and every string must be UTF-8.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <glib.h>

#include "kring/catalog.h"
#include "kring/util.h"

#define MO_MAGIC	0x950412deU
#define MO_HEADER	28	/* magic .. hash table offset */

struct catalog {
	char *name;		/* for errors */
	char *data;		/* the file; the strings point into it */
	size_t len;
	GHashTable *strings;	/* msgid -> msgstr, both into DATA */
};

/* The file being read. */
struct mo {
	const unsigned char *p;
	size_t len;
	bool swap;		/* big-endian file */
	char *err;
	size_t errlen;
	const char *name;
};

static int G_GNUC_PRINTF(2, 3)
mo_fail(const struct mo *mo, const char *fmt, ...)
{
	va_list ap;
	char *what;

	if (mo->errlen == 0)
		return -1;
	va_start(ap, fmt);
	what = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	snprintf(mo->err, mo->errlen, "%s: %s", mo->name, what);
	g_free(what);
	return -1;
}

/* The 32-bit word at OFF, which the caller checked is inside. */
static uint32_t
mo_word(const struct mo *mo, size_t off)
{
	const unsigned char *b = mo->p + off;

	if (mo->swap)
		return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
		    (uint32_t)b[2] << 8 | b[3];
	return (uint32_t)b[3] << 24 | (uint32_t)b[2] << 16 |
	    (uint32_t)b[1] << 8 | b[0];
}

/*
 * String I of the table at TABLE (checked to be inside) into *S and
 * *LEN: its LEN bytes must be inside the file, followed by a NUL.
 */
static int
mo_string(const struct mo *mo, uint32_t table, uint32_t i, const char *what,
    const char **s, size_t *len)
{
	size_t at = (size_t)table + (size_t)i * 8;
	uint32_t n = mo_word(mo, at), off = mo_word(mo, at + 4);

	if (off >= mo->len || n > mo->len - 1 - off)
		return mo_fail(mo, "%s %u is past the end of the file", what,
		    (unsigned)i);
	if (mo->p[off + n] != '\0')
		return mo_fail(mo, "%s %u does not end in NUL", what,
		    (unsigned)i);
	if (!g_utf8_validate((const char *)mo->p + off, (gssize)n, NULL))
		return mo_fail(mo, "%s %u is not valid UTF-8", what,
		    (unsigned)i);
	*s = (const char *)mo->p + off;
	*len = n;
	return 0;
}

/* The header entry: its charset, when it names one, must be UTF-8. */
static int
mo_header(const struct mo *mo, const char *header)
{
	const char *cs = strstr(header, "charset=");
	size_t n;

	if (cs == NULL)
		return 0;
	cs += strlen("charset=");
	n = strcspn(cs, " \t\r\n;");
	if ((n == 5 && g_ascii_strncasecmp(cs, "UTF-8", 5) == 0) ||
	    (n == 4 && g_ascii_strncasecmp(cs, "UTF8", 4) == 0))
		return 0;
	return mo_fail(mo, "charset %.*s, not UTF-8", (int)MIN(n, 40), cs);
}

/* Entry I: into STRINGS (a msgid with a context is "CONTEXT\004MSGID")
 * unless it is the header or has plural forms (a NUL inside). */
static int
mo_entry(const struct mo *mo, uint32_t orig, uint32_t trans, uint32_t i,
    GHashTable *strings)
{
	const char *id, *str;
	size_t idlen, strlen_;

	if (mo_string(mo, orig, i, "original", &id, &idlen) == -1 ||
	    mo_string(mo, trans, i, "translation", &str, &strlen_) == -1)
		return -1;
	if (idlen == 0)
		return mo_header(mo, str);
	if (memchr(id, '\0', idlen) != NULL)
		return 0;
	g_hash_table_replace(strings, (gpointer)id, (gpointer)str);
	return 0;
}

/* Check the header and both tables of MO, and fill STRINGS. */
static int
mo_read(struct mo *mo, GHashTable *strings)
{
	uint32_t magic, rev, n, orig, trans;

	if (mo->len < MO_HEADER)
		return mo_fail(mo, "%zu bytes: too short for a catalog",
		    mo->len);
	magic = mo_word(mo, 0);
	if (magic != MO_MAGIC) {
		mo->swap = true;
		if (mo_word(mo, 0) != MO_MAGIC)
			return mo_fail(mo, "bad magic number: not a "
			    "compiled catalog (msgfmt makes one)");
	}
	rev = mo_word(mo, 4);
	if (rev >> 16 > 1)
		return mo_fail(mo, "revision %u.%u: not one this reader "
		    "knows", (unsigned)(rev >> 16), (unsigned)(rev & 0xffff));
	n = mo_word(mo, 8);
	orig = mo_word(mo, 12);
	trans = mo_word(mo, 16);
	if (n > (mo->len - MO_HEADER) / 8)
		return mo_fail(mo, "%u strings: more than the file holds",
		    (unsigned)n);
	if (orig > mo->len || (size_t)n * 8 > mo->len - orig ||
	    trans > mo->len || (size_t)n * 8 > mo->len - trans)
		return mo_fail(mo, "a string table is past the end of the "
		    "file");
	for (uint32_t i = 0; i < n; i++)
		if (mo_entry(mo, orig, trans, i, strings) == -1)
			return -1;
	return 0;
}

/* A catalog of the LEN bytes at DATA (g_malloc'ed, LEN + 1 long with a
 * NUL at the end), taking DATA. */
static int
catalog_take(const char *name, char *data, size_t len, struct catalog **out,
    char *err, size_t errlen)
{
	struct catalog *cat = g_new0(struct catalog, 1);
	struct mo mo = { .len = len, .err = err, .errlen = errlen,
	    .name = name };

	cat->name = g_strdup(name);
	cat->data = data;
	cat->len = len;
	cat->strings = g_hash_table_new(g_str_hash, g_str_equal);
	mo.p = (const unsigned char *)cat->data;
	if (mo_read(&mo, cat->strings) == -1) {
		catalog_free(cat);
		return -1;
	}
	*out = cat;
	return 0;
}

int
catalog_parse(const char *name, const void *data, size_t len,
    struct catalog **out, char *err, size_t errlen)
{
	char *copy = g_malloc(len + 1);

	memcpy(copy, data, len);
	copy[len] = '\0';
	return catalog_take(name, copy, len, out, err, errlen);
}

int
catalog_load(const char *path, struct catalog **out, char *err,
    size_t errlen)
{
	char *data = NULL;
	size_t len = 0;
	int rc;

	rc = read_file_max(path, CATALOG_MAX_FILE, &data, &len, err, errlen);
	if (rc != 0)
		return rc;
	return catalog_take(path, data, len, out, err, errlen);
}

const char *
catalog_lookup(const struct catalog *cat, const char *msgid)
{
	return g_hash_table_lookup(cat->strings, msgid);
}

const char *
catalog_name(const struct catalog *cat)
{
	return cat->name;
}

void
catalog_free(struct catalog *cat)
{
	if (cat == NULL)
		return;
	g_hash_table_destroy(cat->strings);
	g_free(cat->data);
	g_free(cat->name);
	g_free(cat);
}
