/*
 * membercmd.h: what a member asks by mailing a sub-address of the
 * community address (community+DETAIL@domain):
 *
 *   subscribe, join, aanmelden        join (a confirmation is sent)
 *   unsubscribe, leave, afmelden      leave (likewise)
 *   help, hulp                        the commands
 *   settings, instellingen            the member's settings
 *   each, digest, nomail              how the posts come
 *   digest-daily, digest-weekly       a digest each day, or each week
 *   overzicht[-dagelijks|-wekelijks]  the same, in Dutch
 *   name, naam                        the Subject becomes their name
 *   resume, hervatten                 mail again, after bounces
 *                                     suspended it (bounce.h)
 *   lang-en, lang-nl, taal-en, taal-nl  the language of their mail
 *   confirm-TOKEN[-LANG]              carry out what TOKEN proves (in
 *                                     LANG, en or nl, when given)
 *   approve-ID-TOKEN, reject-ID-TOKEN  staff: decide on applicant ID
 *   mod-approve-ID-TOKEN, mod-reject-ID-TOKEN, mod-discard-ID-TOKEN
 *                                     a moderator: decide on held post
 *                                     ID; mod-ID-TOKEN: by the first word
 *                                     of the mail's text (moderation.h)
 *   withdraw-ID-TOKEN                 the sender withdraws held post ID
 *
 * in any case.  Anything else is answered with the help.  The request
 * address (community-request@domain) takes the same words as the first
 * word of the Subject ("Re:" and the like skipped; "confirm TOKEN" as
 * well as "confirm-TOKEN"; "name Ann" sets the name to the rest).  The session
 * leaves return paths (bounce-...) and staff actions (staffaction.h) out
 * before it asks here.
 */
#ifndef KRING_MEMBERCMD_H
#define KRING_MEMBERCMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "kring/membertoken.h"

enum member_cmd {
	MCMD_HELP = 1, MCMD_SUBSCRIBE, MCMD_UNSUBSCRIBE, MCMD_SETTINGS,
	MCMD_MODE, MCMD_NAME, MCMD_LANG, MCMD_CONFIRM,
	MCMD_DECIDE,	/* staff: approve-ID-TOKEN or reject-ID-TOKEN */
	MCMD_MODERATE,	/* a held post: mod-...-ID-TOKEN, withdraw-ID-TOKEN */
	MCMD_RESUME,	/* mail again after bounces suspended it */
	MCMD_LAST = MCMD_RESUME	/* the highest: what checks of the range use */
};

#define MEMBER_CMD_UNKNOWN_MAX 40	/* bytes of an unknown command kept */

struct member_request {
	enum member_cmd cmd;
	int mode;		/* MCMD_MODE: enum member_mode */
	bool weekly;		/* MCMD_MODE, MODE_DIGEST: once a week */
	/* MCMD_LANG: the language asked for; otherwise "nl" when the
	 * command was Dutch, "" when it says nothing of a language. */
	char lang[8];
	/* MCMD_CONFIRM and MCMD_DECIDE: the token in lower case; "" when it
	 * was too long to be one (it is then malformed). */
	char token[MEMBER_TOKEN_MAX];
	/* MCMD_DECIDE: admit or turn down the applicant whose member id is
	 * ID (0: not a number, malformed); MCMD_MODERATE: held post ID. */
	bool approve;
	uint64_t id;
	/* MCMD_MODERATE: 'a'pprove, 'r'eject, 'd'iscard, 'w'ithdraw, or 0:
	 * the mail's text says. */
	char verdict;
	/* Sent to the request address: the command is in the Subject, read
	 * when the message is in (member_request_from_subject). */
	bool by_subject;
	/* MCMD_HELP for a command not understood: it, printable ASCII only
	 * ('?' for other bytes), cut at MEMBER_CMD_UNKNOWN_MAX; else "". */
	char unknown[MEMBER_CMD_UNKNOWN_MAX + 1];
};

/* Parse DETAIL (LEN bytes: the part between '+' and '@') into *R.  Never
 * fails: what is not understood is MCMD_HELP with R->unknown set. */
void member_request_parse(const char *detail, size_t len,
    struct member_request *r);

/* The command in SUBJECT, sent to the request address, into *R; into
 * *REST the words after it (for MCMD_NAME: the name). */
void member_request_from_subject(const char *subject, struct member_request *r,
    const char **rest);

/* The command's name, for logs. */
const char *member_cmd_name(enum member_cmd cmd);

#endif
