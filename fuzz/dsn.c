/*
 * Fuzz target: reading a bounce (dsn_parse) and what kringd makes of it
 * (bounce_pick, bounce_classify), as bouncemail.c does for anything that
 * arrives at a return path, from anyone.  The checks: every field is
 * NUL-ended within its buffer; recipients, actions and statuses are
 * lower case, a status one word; no more recipients than DSN_MAX_RCPT; a
 * message that is no bounce names no recipient; and the reading is
 * deterministic.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>

#include "kring/bounce.h"
#include "kring/dsn.h"
#include "kring/msginfo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

/* FIELD is NUL-ended in its buffer and has no upper-case ASCII. */
#define CHECK_LOWER(field) do {						\
	size_t n_ = strnlen((field), sizeof (field));			\
	CHECK(n_ < sizeof (field));					\
	for (size_t i_ = 0; i_ < n_; i_++)				\
		CHECK(!g_ascii_isupper((field)[i_]));			\
} while (0)

static void
check_rcpt(const struct dsn_rcpt *r)
{
	size_t n;

	CHECK_LOWER(r->recipient);
	CHECK_LOWER(r->action);
	CHECK_LOWER(r->status);
	n = strlen(r->status);
	for (size_t i = 0; i < n; i++)
		CHECK(!g_ascii_isspace(r->status[i]));
	n = strnlen(r->diagnostic, sizeof r->diagnostic);
	CHECK(n < sizeof r->diagnostic);
	CHECK(memchr(r->diagnostic, '\n', n) == NULL);
	CHECK(bounce_class_name(bounce_classify(r)) != NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int initialised;
	static struct dsn_report report, again;

	if (!initialised) {
		msginfo_global_init();
		initialised = 1;
	}
	dsn_parse((const char *)data, size, &report);
	CHECK(report.n <= DSN_MAX_RCPT);
	CHECK(report.format != DSN_NONE || report.n == 0);
	CHECK(dsn_format_name(report.format) != NULL);
	for (size_t i = 0; i < report.n; i++)
		check_rcpt(&report.rcpt[i]);
	if (report.n > 0) {
		const struct dsn_rcpt *r = bounce_pick(&report,
		    report.rcpt[0].recipient);

		CHECK(r != NULL);
	}
	dsn_parse((const char *)data, size, &again);
	CHECK(memcmp(&report, &again, sizeof report) == 0);
	return 0;
}
