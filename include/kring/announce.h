/*
 * announce.h: announcements, what every member must know (a change of
 * rules, the community closing).  An announcement is a post of the
 * community that reaches every active member once, whatever their
 * delivery mode (each, digest and nomail alike), the members of its
 * local communities too: its fan-out has FANOUT_EVERYONE (fanout.h).
 * It is marked in DB_LEDGER ("announce", community, message id), so the
 * digests leave it out: the members have it already.  Members whose
 * mail bounces (suspended, bounce.h) are not sent it.
 *
 * Staff announce with kring announce, or by mail to
 * community+announce@domain (staffaction.h).
 */
#ifndef KRING_ANNOUNCE_H
#define KRING_ANNOUNCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "kring/config.h"
#include "kring/store.h"

/* Mark stored post MSG of community C an announcement and record its
 * fan-out to everyone, in TXN. */
int announce_post(struct store *st, MDB_txn *txn,
    const struct kring_config *conf, const struct community_conf *c,
    uint64_t msg, int64_t now);

/* True when post MSG of COMMUNITY (a store id) is an announcement. */
bool announce_is(struct store *st, MDB_txn *txn, uint32_t community,
    uint64_t msg);

/* Who an announcement to C by AUTHOR reaches: distinct active members
 * of C and its local communities but the author (unless they want their
 * own posts), by delivery mode (the first record seen), and those left
 * out because their mail bounces. */
struct announce_audience {
	size_t each, digest, nomail;
	size_t suspended;
};

int announce_audience(struct store *st, MDB_txn *txn,
    const struct kring_config *conf, const struct community_conf *c,
    const char *author, struct announce_audience *a);

#endif
