/*
 * thread_node.h: the nodes of the thread graph, inside lib/ only.  A node
 * is a Message-ID seen in a community, as a message or only referred to
 * (a placeholder); its parent link is either its own message's (from
 * In-Reply-To/References) or guessed from other messages' References.
 */
#ifndef KRING_THREAD_NODE_H
#define KRING_THREAD_NODE_H

#include <stdbool.h>
#include "kring/store.h"

#define NODE_F_OWN_PARENT 1u	/* parent set by the node's own message */
#define NODE_KEY_MAX (4 + KRING_IDKEY_MAX + 65)

struct node {
	unsigned char key[NODE_KEY_MAX];	/* community, idkey */
	size_t keylen;
	struct node_rec rec;
	char parent[KRING_IDKEY_MAX + 65];
	size_t plen;
	bool exists;		/* in the store (else a fresh record) */
};

/* Load node IDKEY of community COMM into *N (a fresh record if absent). */
int node_load(struct store *st, MDB_txn *txn, uint32_t comm, const char *idkey,
    size_t idlen, struct node *n);
int node_save(struct store *st, MDB_txn *txn, struct node *n);
/* N's idkey (points into N). */
const char *node_idkey(const struct node *n, size_t *len);

/*
 * Make PARENT the parent of CHILD; OWN when the child's own message says
 * so (it overrides guesses, and cuts a guess that would close a loop).
 * A guess is refused when it would loop or is implausible by date.  Both
 * nodes are saved.
 */
int node_link(struct store *st, MDB_txn *txn, struct node *child,
    struct node *parent, bool own);
/* Make N a top node: drop its parent. */
int node_unlink(struct store *st, MDB_txn *txn, struct node *n);
/* Walk up from N to the top of its tree (bounded). */
int node_top(struct store *st, MDB_txn *txn, uint32_t comm, struct node *n);
/* SELF just became a real message: drop guesses around it that its date
 * shows to be wrong. */
int node_recheck_guesses(struct store *st, MDB_txn *txn, struct node *self);

#endif
