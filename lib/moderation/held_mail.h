/*
 * held_mail.h: inside lib/moderation, the mail about a held post, for
 * moderation.c (the hold and the decision) and expiry.c (the reminder
 * and the expiry).
 */
#ifndef KRING_HELD_MAIL_H
#define KRING_HELD_MAIL_H

#include "kring/moderation.h"
#include "kring/template.h"

/* "held:ID": what the tokens of held post ID are made for. */
char *held_token_key(uint64_t id);

/* The values every mail about H shows (free with tmpl_ctx_free). */
struct tmpl_ctx *held_mail_ctx(const struct moderation *m,
    const struct held *h);

/* Mail KIND with CTX to TO (NAME and REPLY_TO may be NULL).  A template
 * error is logged and loses nothing: 0 then, else an LMDB code. */
int held_mail_send(const struct moderation *m, const char *kind,
    struct tmpl_ctx *ctx, const char *name, const char *to,
    const char *reply_to);

/* The held-note with FLAG (note_held, note_rejected, note_withdrawn,
 * note_expired) to H's sender, a few a day at most; REASON for a
 * rejection (NULL: none). */
int held_tell_sender(const struct moderation *m, const struct held *h,
    const char *flag, const char *reason);

/* The "held" mail to every moderator of M->c; REMINDER: it is the
 * reminder before the post expires. */
int held_tell_moderators(const struct moderation *m, const struct held *h,
    bool reminder);

#endif
