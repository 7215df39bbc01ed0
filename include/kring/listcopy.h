/*
 * listcopy.h: the copy of a post that goes to the members, made once per
 * post and shared by every member's copy (outbox.h: shared bodies).
 *
 * From the post as stored, the header loses what only the sender's
 * side or another list may set (Return-Path, Delivered-To, X-Original-To,
 * List-*, Precedence, Errors-To) and gains RFC 2369 and RFC 2919 fields
 * (List-Id, List-Post, List-Help, List-Subscribe, List-Archive when
 * configured) and Precedence: list.  The Subject gets the community's
 * tag once; Reply-To and From follow reply_to and dmarc_rewrite:
 *
 *   dmarc_rewrite  From "Ann via Kring" <kring@...>, the author's From in
 *                  X-Original-From, and in Reply-To (reply_to "author",
 *                  unless they set a Reply-To) or Cc (reply_to "list"),
 *                  so a private reply still reaches them;
 *   reply_to list  Reply-To: the community.
 *
 * Message-ID, In-Reply-To and References are kept.  The footer (template
 * list-footer.txt) is added to a text/plain body in 7bit or 8bit, or as
 * its own part at the end of a multipart/mixed one; other bodies (signed,
 * encoded, alternative) are left untouched, since changing them would
 * break them.  The member's own fields (List-Unsubscribe) go before this
 * copy, per member (fanout.c).
 *
 * An author who keeps their address to themselves (relay.h) is shown by
 * their relay address: From "Ann via Kring" <kring+to-ID-MAC@...>, and
 * that in Reply-To or Cc as above; no X-Original-From or Sender, and
 * their own Reply-To is not kept.
 */
#ifndef KRING_LISTCOPY_H
#define KRING_LISTCOPY_H

#include <stddef.h>
#include <stdint.h>
#include <glib.h>
#include "kring/config.h"

/* The list copy of RAW (LEN bytes) for community C; FOOTER is the
 * rendered footer text (UTF-8) or NULL; RELAY the author's relay
 * address, or NULL to show their own.  CRLF line ends. */
GByteArray *listcopy_make(const struct community_conf *c, const char *raw,
    size_t len, const char *footer, const char *relay);

/*
 * The fields of member ADDRESS's own copy (CRLF line ends): how they
 * leave community C, by mail and, with a web_url and KEY (the store's
 * secret), with one click (RFC 8058: List-Unsubscribe-Post).  g_string_free.
 */
GString *listcopy_member_fields(const struct kring_config *conf,
    const struct community_conf *c, const unsigned char *key,
    const char *address, int64_t now);

#endif
