/*
 * Fuzz target: reading a compiled message catalog (catalog_parse), as
 * the templates do for every LANG/kring.mo of the shipped or an admin's
 * template folders.  A catalog is trusted more than mail, but a broken
 * file must give an error, never a crash.  The checks: a refusal says
 * why, with the catalog's name first; a catalog read keeps its header
 * entry (msgid "") out of its lookup; every translation found is UTF-8;
 * and the reading is deterministic.
 *
 * The msgids looked up are the NUL-ended runs of the input itself, so a
 * catalog libFuzzer builds up from the seeds is also asked for what it
 * holds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>

#include "kring/catalog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

#define NAME	"fuzz.mo"

/* Look up every NUL-ended run of DATA in A and B: the same answers, each
 * UTF-8.  A run with a NUL of its own inside is a plural entry's msgid
 * (msgid NUL msgid_plural), so the lookups never see those whole. */
static void
check_lookups(const struct catalog *a, const struct catalog *b,
    const char *data, size_t size)
{
	const char *end = data + size, *p = data;

	while (p < end) {
		const char *nul = memchr(p, '\0', (size_t)(end - p));
		const char *sa, *sb;

		if (nul == NULL)
			break;
		sa = catalog_lookup(a, p);
		sb = catalog_lookup(b, p);
		CHECK((sa == NULL) == (sb == NULL));
		if (sa != NULL) {
			CHECK(strcmp(sa, sb) == 0);
			CHECK(g_utf8_validate(sa, -1, NULL));
		}
		p = nul + 1;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct catalog *a = NULL, *b = NULL;
	char err[256] = "", again[256] = "";
	int ra, rb;

	ra = catalog_parse(NAME, data, size, &a, err, sizeof err);
	rb = catalog_parse(NAME, data, size, &b, again, sizeof again);
	CHECK(ra == rb);
	if (ra == -1) {
		CHECK(a == NULL && b == NULL);
		CHECK(strncmp(err, NAME ": ", strlen(NAME ": ")) == 0);
		CHECK(strlen(err) > strlen(NAME ": "));
		CHECK(strcmp(err, again) == 0);
		return 0;
	}
	CHECK(ra == 0 && a != NULL && b != NULL);
	CHECK(strcmp(catalog_name(a), NAME) == 0);
	CHECK(catalog_lookup(a, "") == NULL);
	check_lookups(a, b, (const char *)data, size);
	catalog_free(a);
	catalog_free(b);
	return 0;
}
