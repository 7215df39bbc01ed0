/*
 * msginfo.h: what kring needs to know of one message, read from its
 * header with gmime: Message-ID, parents, subject, author, date.
 */
#ifndef KRING_MSGINFO_H
#define KRING_MSGINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MSGINFO_MAX_REFS 128	/* References beyond these are dropped (oldest) */

struct msginfo {
	char *message_id;	/* without <>, never NULL after msginfo_parse */
	bool derived_id;	/* message_id was derived, not received */
	char *refs[MSGINFO_MAX_REFS];	/* References, then In-Reply-To, oldest first */
	size_t nrefs;
	bool refs_unordered;	/* In-Reply-To was in References, not last:
				 * their order cannot be trusted */
	char *subject;		/* decoded UTF-8, "" when absent */
	char *from;		/* lower-case address of the first From, "" if none */
	int64_t date;		/* Date header, Unix UTC; 0 when absent or bad */
	bool has_date;
};

/* Call once per process before msginfo_parse (it initialises gmime). */
void msginfo_global_init(void);

/*
 * Parse the header of the message RAW (LEN bytes) into *MI.  Never fails
 * on malformed mail: what cannot be read is left empty, and a missing
 * Message-ID is derived from From, Date, Subject and the body.  Returns 0,
 * or -1 only when out of memory.  Free with msginfo_release().
 */
int msginfo_parse(const char *raw, size_t len, struct msginfo *mi);
void msginfo_release(struct msginfo *mi);

/* The first NAME field of RAW's header, unfolded and trimmed, or NULL
 * (g_free). */
char *msg_header_get(const char *raw, size_t len, const char *name);

/* Offset of the body in RAW: after the first empty line, or LEN. */
size_t msg_body_offset(const char *raw, size_t len);

/*
 * True when SUBJECT starts with a reply or forward prefix (Re:, AW:,
 * Antw:, SV:, Fwd: ..., also after a [list] tag).
 */
bool subject_is_reply(const char *subject);

/*
 * The base subject: prefixes, list tags and surrounding white space taken
 * off, white space folded, lower case.  Returns a new string (g_free).
 */
char *subject_base(const char *subject);

#endif
