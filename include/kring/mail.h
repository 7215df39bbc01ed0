/*
 * mail.h: the mail of the staff tools, from template to outbox.  A tool
 * fills a tmpl_ctx per message and calls mail_kind(); the message is
 * rendered from KIND-subject.txt, KIND.txt and KIND.html in the
 * community's language, built with compose_build(), and either appended
 * to an mbox preview or enqueued in the caller's write transaction
 * (with --send), beside the ledger records that say it was sent.
 */
#ifndef KRING_MAIL_H
#define KRING_MAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <glib.h>
#include "kring/compose.h"
#include "kring/config.h"
#include "kring/store.h"
#include "kring/template.h"

struct mail_out {
	const struct kring_config *conf;
	const struct community_conf *community;
	struct store *st;
	MDB_txn *txn;		/* a write transaction when SEND */
	bool send;		/* enqueue; else append to PREVIEW */
	struct tmpl_set *templates;
	GByteArray *preview;	/* the mbox stream when previewing */
	int64_t now;
	size_t count;		/* messages made */
	/* For the next messages, when set: the language (else the
	 * community's), a Reply-To, and more header fields. */
	const char *lang;
	const struct compose_addr *reply_to;
	const struct compose_header *headers;
	size_t nheaders;
	const struct compose_part *digest;	/* compose.h */
	size_t ndigest;
	/* Pictures for the HTML: only those it refers to ("cid:ID") are
	 * attached. */
	const struct compose_inline *inlines;
	size_t ninline;
};

/*
 * Set up MO for community C of CONF: templates from the config's folders
 * (or, when none of them exists, the folder shipped beside the program).
 * Free with mail_out_free.
 */
void mail_out_init(struct mail_out *mo, const struct kring_config *conf,
    const struct community_conf *c, struct store *st, MDB_txn *txn,
    bool send, int64_t now);
void mail_out_free(struct mail_out *mo);

/*
 * Render KIND with CTX (community_name, lang and subject are set here)
 * and send or preview it to the NTO recipients TO, From the community.
 * AUTO_SUBMITTED is the RFC 3834 value or NULL.  Returns 0, or -1 with
 * ERR set (a template or composing error: nothing was sent), or an LMDB
 * code from the outbox.
 */
int mail_kind(struct mail_out *mo, const char *kind, struct tmpl_ctx *ctx,
    const struct compose_addr *to, size_t nto, const char *auto_submitted,
    char *err, size_t errlen);

/* Render and build KIND as mail_kind does, into MSG (and its Message-ID
 * into *MESSAGE_ID, g_free, when not NULL), without sending it. */
int mail_kind_build(struct mail_out *mo, const char *kind,
    struct tmpl_ctx *ctx, const struct compose_addr *to, size_t nto,
    const char *auto_submitted, GByteArray *msg, char **message_id,
    char *err, size_t errlen);

/*
 * One message, for code that mails now and then: what mail_out_init
 * takes, and where it goes: PREVIEW (not NULL) gets it as an mbox, else
 * it is enqueued in TXN.  LANG and REPLY_TO may be NULL.
 */
struct mail_one {
	const struct kring_config *conf;
	const struct community_conf *c;
	struct store *st;
	MDB_txn *txn;
	int64_t now;
	GByteArray *preview;
	const char *lang;
	const struct compose_addr *reply_to;
	const char *auto_submitted;	/* RFC 3834 */
};

/* Render KIND with CTX to TO as ONE says; returns as mail_kind. */
int mail_send_one(const struct mail_one *one, const char *kind,
    struct tmpl_ctx *ctx, const struct compose_addr *to, char *err,
    size_t errlen);

/* Render the one template NAME (e.g. "list-footer.txt") in LANG (NULL:
 * community C's language) with CTX into a new string, or NULL with ERR
 * set. */
char *mail_render_one(const struct kring_config *conf,
    const struct community_conf *c, const char *lang, const char *name,
    struct tmpl_ctx *ctx, char *err, size_t errlen);

/* Set TEXT_NAME and HTML_NAME in CTX from Markdown MD (NULL or "":
 * neither). */
void mail_set_markdown(struct tmpl_ctx *ctx, const char *text_name,
    const char *html_name, const char *md);

/* Set "status" (topic_status_name) and the one status_* flag the
 * templates test (_status.txt, _status.html) in CTX. */
void mail_set_topic_status(struct tmpl_ctx *ctx, uint32_t status);

#endif
