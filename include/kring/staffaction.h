/*
 * staffaction.h: staff acting by mail.  A message to a sub-address of a
 * community asks kring to act:
 *
 *   community+topic@domain                  start a topic: the Subject is
 *                                           its title, the text the question
 *   community+summary-ID@domain             record the summary of topic ID
 *   community+outcome-ID-STATUS@domain      record its outcome; STATUS is
 *                                           in-progress, implemented or
 *                                           declined
 *   community+announce@domain               an announcement: the message
 *                                           reaches every member, whatever
 *                                           their mode (announce.h)
 *
 * each optionally followed by ".EXPIRY.MAC", a token (staffauth.h).  The
 * sender (From) must be staff of the community with the role the action
 * needs (owner: topic and outcome; manager: summary; either: announce),
 * and the message
 * must carry a proof (staffauth.h); kringd refuses it otherwise, with
 * the reason in its SMTP reply.  The message itself is stored like any
 * post, marked MSG_F_STAFF_ACTION (store.h): the staff figures count it
 * neither as a staff post nor as a staff answer (activity.h); the action
 * is applied in the same transaction.
 */
#ifndef KRING_STAFFACTION_H
#define KRING_STAFFACTION_H

#include <stdint.h>
#include "kring/config.h"
#include "kring/ingest.h"
#include "kring/store.h"

enum staff_action_kind { ACT_TOPIC = 1, ACT_SUMMARY, ACT_OUTCOME,
	ACT_ANNOUNCE };

struct staff_action {
	enum staff_action_kind kind;
	uint64_t topic;		/* summary and outcome */
	int status;		/* outcome: enum topic_status */
	char action[64];	/* the detail without its token */
	char token[64];		/* "EXPIRY.MAC", or "" */
	char community[256];
};

/* Parse the detail of ADDRESS (local+DETAIL@domain) into A for community
 * NAME.  Returns 0, or -1 when the address asks for no action. */
int staff_action_parse(const char *address, const char *name,
    struct staff_action *a);

/*
 * May message RAW (LEN bytes) do A in community C?  KEY is the store's
 * secret or NULL.  Reads topics in ST.  Returns 0, or -1 with REASON
 * (an SMTP reply text, "5.7.1 ...").
 */
int staff_action_check(struct store *st, const struct kring_config *conf,
    const struct community_conf *c, const unsigned char *key,
    const struct staff_action *a, const char *raw, size_t len, int64_t now,
    char *reason, size_t rlen);

/* Do A in TXN: RAW was just ingested into the community as RES (marked
 * a staff action there). */
int staff_action_apply(struct store *st, MDB_txn *txn,
    const struct staff_action *a, const struct ingest_result *res,
    const char *raw, size_t len, int64_t now);

/*
 * Mail the staff member who sent RAW (LEN bytes, as received) what came
 * of A (template staff-done), in TXN after staff_action_apply.  Nothing
 * for a message delivered twice.  0, an LMDB code, or -1 when the mail
 * could not be made (a template).
 */
int staff_action_confirm(struct store *st, MDB_txn *txn,
    const struct kring_config *conf, const struct community_conf *c,
    const struct staff_action *a, const struct ingest_result *res,
    const char *raw, size_t len, int64_t now);

#endif
