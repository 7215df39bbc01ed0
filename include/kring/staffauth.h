/*
 * staffauth.h: is a message that asks kring to act (start a topic,
 * record a summary or an outcome) really from the staff member it says?
 * Two proofs count:
 *
 * - Our own MTA checked it: an Authentication-Results field (RFC 8601)
 *   whose authserv-id is the configured one says dkim=pass for the From
 *   domain (header.d, or a parent domain of From's), or spf=pass for an
 *   envelope domain (smtp.mailfrom) aligned with From's.  Fields of other
 *   authserv-ids are ignored: the MTA removes forged ones of its own id.
 * - A token in the address: community+ACTION.EXPIRY.MAC@domain, where MAC
 *   is an HMAC-SHA256 (GHmac) of the sender, community, action and
 *   expiry day under the store's secret (kring token makes them).
 *
 * The secret is 32 random bytes in DIR/hmac.key (mode 0600), made by
 * kringd on its first start.
 */
#ifndef KRING_STAFFAUTH_H
#define KRING_STAFFAUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STAFF_KEY_LEN 32
#define STAFF_KEY_FILE "hmac.key"

/*
 * Read the secret of the store in DIR into KEY; with CREATE, make it
 * first when missing.  Returns 0, or -1 with ERR set.
 */
int staff_key_load(const char *dir, bool create, unsigned char *key,
    char *err, size_t errlen);

/*
 * True when RAW's header has an Authentication-Results field of
 * AUTHSERV_ID that passes DKIM or aligned SPF for FROM (the From
 * address, lower case).  *HOW gets "dkim" or "spf".
 */
bool staff_auth_results(const char *raw, size_t len, const char *authserv_id,
    const char *from, const char **how);

/* The first HEXDIGITS (at most 64) lower-case hex digits of the
 * HMAC-SHA256 of MSG under KEY (STAFF_KEY_LEN bytes).  g_free. */
char *staff_key_mac(const unsigned char *key, const char *msg,
    size_t hexdigits);

/* The token "EXPIRY.MAC" for FROM's ACTION in COMMUNITY until EXPIRES
 * (Unix time; rounded up to a whole day).  g_free. */
char *staff_token_make(const unsigned char *key, const char *from,
    const char *community, const char *action, int64_t expires);

/* True when TOKEN ("EXPIRY.MAC") is valid for FROM's ACTION in COMMUNITY
 * at NOW. */
bool staff_token_valid(const unsigned char *key, const char *from,
    const char *community, const char *action, const char *token,
    int64_t now);

#endif
