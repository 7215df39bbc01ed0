/*
 * dsn.h: what a bounce says, read from the message: the per-recipient
 * fields of an RFC 3464 delivery status notification (message/delivery-
 * status, or RFC 6533's message/global-delivery-status), or, for the
 * MTAs that send plain text (qmail, old Exim, Yahoo and the like), the
 * same fields guessed from the text.
 */
#ifndef KRING_DSN_H
#define KRING_DSN_H

#include <stdbool.h>
#include <stddef.h>

#define DSN_MAX_RCPT 16
#define DSN_ADDR_MAX 254
#define DSN_DIAG_MAX 300	/* bytes of a diagnostic kept */

enum dsn_format {
	DSN_NONE = 0,	/* not a bounce, as far as can be told */
	DSN_RFC3464,	/* a delivery-status part */
	DSN_TEXT,	/* a bounce in words */
};

struct dsn_rcpt {
	char recipient[DSN_ADDR_MAX + 1];	/* lower case; "" unknown */
	char action[16];	/* failed, delayed, delivered, relayed,
				   expanded; lower case; "" unknown */
	char status[16];	/* "5.1.1"; "" unknown */
	char diagnostic[DSN_DIAG_MAX + 1];	/* one line, UTF-8 */
};

struct dsn_report {
	enum dsn_format format;
	size_t n;
	struct dsn_rcpt rcpt[DSN_MAX_RCPT];
};

/* Read message RAW (LEN bytes) into *OUT.  Needs msginfo_global_init().
 * Never fails: what is not a bounce is DSN_NONE with no recipients. */
void dsn_parse(const char *raw, size_t len, struct dsn_report *out);

const char *dsn_format_name(enum dsn_format f);

#endif
