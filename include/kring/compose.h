/*
 * compose.h: build the mail kring sends (newsletters, thank-you notes,
 * digests, confirmations), one function for all of them, with gmime.  The
 * result is a complete RFC 5322 message with CRLF line ends, ready for
 * outbox_enqueue(), or for compose_mbox_append() to show as a preview.
 *
 * The header: Date, From, Reply-To (when given), Subject, To,
 * Message-ID, Auto-Submitted (when given), the extra fields in their
 * order, MIME-Version; names and subjects in RFC 2047 encoded words
 * where not ASCII.  The body: multipart/alternative of a text/plain and
 * a text/html part, or text/plain alone; both UTF-8, in 7bit,
 * quoted-printable or base64 as gmime finds best.  Parts the HTML shows
 * inline (pictures) go with it in a multipart/related (RFC 2387):
 * alternative{ text/plain, related{ text/html, image/png, ... } }.
 *
 * What callers pass may come from members (names, subjects): no value
 * can start a header field of its own.  Each run of control characters
 * (CR and LF among them) in a name, the subject or a field value becomes
 * one space; addresses, field names and the Message-ID domain are
 * checked and refused when bad.  Names and the subject are decoded
 * first where they hold encoded words ("=?utf-8?q?...?="), as readers
 * decode them (compose_header_text), so that what a reader sees never
 * holds a line break.  Call
 * msginfo_global_init() once per process first (it initialises gmime).
 */
#ifndef KRING_COMPOSE_H
#define KRING_COMPOSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <glib.h>

#define COMPOSE_ADDR_MAX 254	/* RFC 5321 4.5.3.1.3, less the <> */
#define COMPOSE_NAME_MAX 76	/* field name: fits a line with its colon */

struct compose_addr {
	const char *name;	/* display name, UTF-8; NULL or "" for none */
	const char *addr;	/* local@domain: dot-atoms, ASCII */
};

/* A message to put in a digest, as it is. */
struct compose_part {
	const char *data;
	size_t len;
};

/* A part the HTML refers to as "cid:CONTENT_ID" (RFC 2392): written
 * in base64 with Content-ID, Content-Disposition inline and FILENAME. */
struct compose_inline {
	const char *content_type;	/* "image/png": type/subtype, tokens */
	const char *content_id;	/* dot-atom@domain, without <>
				 * (compose_content_id makes one) */
	const char *filename;	/* UTF-8, one line */
	const void *data;
	size_t len;
};

#define COMPOSE_INLINE_MAX 16

struct compose_header {
	const char *name;	/* printable ASCII, no ':' or space */
	/* UTF-8.  ASCII is written as it is, folded at its spaces only (a
	 * List-Unsubscribe URL stays whole); other text as encoded words. */
	const char *value;
};

struct compose_msg {
	const char *from_name, *from_addr;
	const struct compose_addr *to;	/* NTO recipients; 0: no To field */
	size_t nto;
	const struct compose_addr *reply_to;	/* NULL: no Reply-To */
	const char *subject;	/* UTF-8; NULL: empty */
	const char *text;	/* UTF-8, the text/plain part; NULL: empty */
	const char *html;	/* UTF-8; NULL: text/plain only */
	const char *message_id_domain;	/* NULL: the domain of from_addr */
	const char *auto_submitted;	/* e.g. "auto-generated" (RFC 3834); NULL:
					 * no Auto-Submitted */
	/* Further fields (List-Id, List-Unsubscribe...).  Not allowed: the
	 * fields compose writes itself, Content-*, Sender, Cc, Bcc and
	 * Return-Path (recipients and the envelope are the outbox's). */
	const struct compose_header *headers;
	size_t nheaders;
	int64_t date;		/* Unix UTC; 0: kring_now() */
	/* A digest (RFC 2046 5.1.5): NDIGEST messages, each whole, after
	 * the body in a multipart/digest; the message is then
	 * multipart/mixed of the two. */
	const struct compose_part *digest;
	size_t ndigest;
	/* NINLINE (at most COMPOSE_INLINE_MAX) parts shown by the HTML;
	 * only with HTML. */
	const struct compose_inline *inlines;
	size_t ninline;
};

/*
 * Build message M into OUT (cleared first): CRLF line ends, ending in
 * CRLF.  When MESSAGE_ID is not NULL it gets the new Message-ID, without
 * <> as the store keeps it (g_free).  Returns 0, or -1 with ERR set and
 * OUT empty: a bad address, field name or Message-ID domain, a date out
 * of range, no randomness for the Message-ID, or a bad inline part (its
 * type or Content-ID, too many, or no HTML to show them).  Text is made valid
 * UTF-8 (U+FFFD for bad bytes) and line ends in the bodies become CRLF.
 */
int compose_build(const struct compose_msg *m, GByteArray *out,
    char **message_id, char *err, size_t errlen);

/*
 * A new Content-ID "NAME.<32 hex digits>@DOMAIN" without <> (g_free),
 * 128 random bits so that it never repeats; NAME is a dot-atom, DOMAIN a
 * host name.  NULL with ERR set when one is bad or there is no
 * randomness.
 */
char *compose_content_id(const char *name, const char *domain, char *err,
    size_t errlen);

/*
 * True when ADDR is an address compose_build takes: local@domain, a
 * dot-atom local part of at most 64 octets and a domain of LDH labels
 * ("xn--" labels only when valid punycode).  Quoted local parts, address
 * literals and non-ASCII are refused (what a relay without SMTPUTF8
 * cannot send is better refused here).  Needs gmime initialised.
 */
bool compose_addr_valid(const char *addr);

/*
 * TEXT (a name or subject, UTF-8) as compose_build writes it, before
 * encoding (g_free): RFC 2047 encoded words decoded, again while that
 * changes it (at most 8 rounds, then any "=?" left is broken up), each
 * run of control characters (CR and LF among them) one space, the ends
 * trimmed, valid UTF-8.  So it decodes to itself, one line.
 */
char *compose_header_text(const char *text);

/*
 * RAW, the value of an unstructured field as received (a post's
 * Subject): NULL when decoding it (again while that changes it) gives
 * no control character, so that it can be kept byte for byte; else the
 * value to write instead (g_free): compose_header_text() of it, encoded
 * again.  Needs gmime initialised.
 */
char *compose_header_reencode(const char *raw);

/*
 * Append MSG (a message as compose_build writes it) to OUT as one mboxrd
 * entry: a From_ line "From MAILER-DAEMON Www Mmm dd hh:mm:ss yyyy" of
 * DATE (UTC), the message with LF line ends and every line matching
 * ^>*From_ given one more '>', a final newline if missing, and an empty
 * line.  mbox_next() reads back the message exactly, with LF line ends.
 */
void compose_mbox_append(GByteArray *out, const GByteArray *msg,
    int64_t date);

#endif
