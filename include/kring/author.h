/*
 * author.h: the display name of a message's author, for greetings
 * ("Hello Anna,") and lists of members; read from the stored message
 * when needed, since the store indexes addresses only.
 */
#ifndef KRING_AUTHOR_H
#define KRING_AUTHOR_H

#include <stddef.h>
#include <stdint.h>
#include "kring/store.h"

/* The display name of the first From address of RAW, decoded to UTF-8
 * and with control characters made spaces; "" when none.  Needs
 * msginfo_global_init() first.  g_free the result. */
char *msg_author_name(const char *raw, size_t len);

/* The first From address of RAW in lower case, "" when none.  g_free. */
char *msg_author_address(const char *raw, size_t len);

/* "Name (address)" of the author of stored message MSG, or ADDR alone
 * when the message gives no name.  g_free. */
char *author_label(struct store *st, MDB_txn *txn, uint64_t msg,
    const char *addr);

#endif
