/*
 * smtp.h: the SMTP/LMTP command line parser.  Pure: no I/O, so it is
 * tested by itself and fuzzed.
 */
#ifndef KRING_SMTP_H
#define KRING_SMTP_H

#include <stdbool.h>
#include <stddef.h>

#define SMTP_PATH_MAX 256	/* RFC 5321 4.5.3.1.3, reverse/forward path */

enum smtp_verb {
	SMTP_UNKNOWN, SMTP_HELO, SMTP_EHLO, SMTP_LHLO, SMTP_MAIL, SMTP_RCPT,
	SMTP_DATA, SMTP_RSET, SMTP_NOOP, SMTP_QUIT, SMTP_HELP, SMTP_VRFY,
	SMTP_EXPN, SMTP_STARTTLS, SMTP_AUTH, SMTP_BDAT
};

struct smtp_cmd {
	enum smtp_verb verb;
	const char *arg;	/* the rest after the verb and a space, or "" */
};

/* Split LINE (NUL-terminated, no CRLF) into verb and argument. */
void smtp_cmd_parse(char *line, struct smtp_cmd *cmd);

struct smtp_path {
	char addr[SMTP_PATH_MAX + 1];	/* "" for the null path <> */
	long size;		/* SIZE= parameter, -1 when absent */
	bool body_8bit;		/* BODY=8BITMIME */
	bool smtputf8;
};

enum smtp_path_err {
	PATH_OK = 0,
	PATH_SYNTAX,		/* 501 5.5.4 / 5.1.3 */
	PATH_TOO_LONG,		/* 501 5.1.3 */
	PATH_BAD_PARAM,		/* 555 5.5.4 */
};

/*
 * Parse the argument of MAIL ("FROM:<addr> params") or RCPT ("TO:<addr>
 * params"); KEYWORD is "FROM" or "TO".  Source routes are dropped.  A
 * non-ASCII address is accepted only with SMTPUTF8 (for MAIL) or when
 * UTF8_OK (RCPT in a SMTPUTF8 transaction).
 */
enum smtp_path_err smtp_path_parse(const char *arg, const char *keyword,
    bool utf8_ok, struct smtp_path *path);

/* True when ADDR is a plausible local@domain mailbox. */
bool smtp_addr_valid(const char *addr);

#endif
