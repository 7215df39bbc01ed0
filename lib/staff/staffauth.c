/*
 * staffauth.c: proofs that a message comes from staff (staffauth.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>
#include <glib.h>

#include "kring/msginfo.h"
#include "kring/staffauth.h"
#include "kring/util.h"

#define MAC_HEX 16		/* hex digits of the HMAC kept: 64 bits */

static int
key_create(const char *path, char *err, size_t errlen)
{
	unsigned char key[STAFF_KEY_LEN];
	int fd;

	if (getrandom(key, sizeof key, 0) != (ssize_t)sizeof key) {
		snprintf(err, errlen, "%s: no randomness: %s", path,
		    strerror(errno));
		return -1;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (fd < 0 && errno == EEXIST)
		return 0;	/* another process made it first */
	if (fd < 0 || write(fd, key, sizeof key) != (ssize_t)sizeof key ||
	    fsync(fd) != 0 || close(fd) != 0) {
		snprintf(err, errlen, "%s: cannot write: %s", path,
		    strerror(errno));
		if (fd >= 0)
			close(fd);
		unlink(path);
		return -1;
	}
	return 0;
}

int
staff_key_load(const char *dir, bool create, unsigned char *key, char *err,
    size_t errlen)
{
	char *path = g_build_filename(dir, STAFF_KEY_FILE, NULL);
	int fd, rc = -1;

	if (create && access(path, F_OK) != 0 &&
	    key_create(path, err, errlen) != 0)
		goto out;
	if ((fd = open(path, O_RDONLY)) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (read(fd, key, STAFF_KEY_LEN) != STAFF_KEY_LEN)
		snprintf(err, errlen, "%s: not %d bytes", path, STAFF_KEY_LEN);
	else
		rc = 0;
	close(fd);
out:
	g_free(path);
	return rc;
}

/* True when DOMAIN and FROM_DOMAIN are the same or one is a parent of
 * the other (relaxed alignment, RFC 7489 3.1, without the public suffix
 * list: the shorter must keep a dot, so "bank.example" aligns
 * "mail.bank.example" both ways, and "example" aligns nothing). */
static bool
aligned(const char *domain, const char *from_domain)
{
	const char *s = domain, *l = from_domain;
	size_t ls, ll;

	if (strlen(s) > strlen(l)) {
		s = from_domain;
		l = domain;
	}
	ls = strlen(s);
	ll = strlen(l);
	if (ls == 0 || strchr(s, '.') == NULL)
		return false;
	if (ll == ls)
		return g_ascii_strcasecmp(s, l) == 0;
	return l[ll - ls - 1] == '.' && g_ascii_strcasecmp(l + ll - ls, s) == 0;
}

/* The value of PROP ("header.d=") in RESULT (one resinfo), lower case;
 * for smtp.mailfrom, the domain after the '@'. */
static char *
prop_domain(const char *result, const char *prop)
{
	const char *p = strstr(result, prop), *end, *at;

	if (p == NULL)
		return NULL;
	p += strlen(prop);
	end = p + strcspn(p, " \t\r\n;()");
	at = memchr(p, '@', (size_t)(end - p));
	if (at != NULL)
		p = at + 1;
	return g_ascii_strdown(p, end - p);
}

/* One resinfo ("dkim=pass header.d=example.org") checked for FROM_DOMAIN. */
static const char *
resinfo_passes(const char *r, const char *from_domain)
{
	const char *kinds[][2] = { { "dkim=pass", "header.d=" },
	    { "spf=pass", "smtp.mailfrom=" } };

	while (*r == ' ' || *r == '\t')
		r++;
	for (size_t i = 0; i < G_N_ELEMENTS(kinds); i++) {
		char *d;
		bool ok;

		if (g_ascii_strncasecmp(r, kinds[i][0], strlen(kinds[i][0])))
			continue;
		if ((d = prop_domain(r, kinds[i][1])) == NULL)
			return NULL;
		ok = aligned(d, from_domain);
		g_free(d);
		return ok ? (i == 0 ? "dkim" : "spf") : NULL;
	}
	return NULL;
}

/* Check one Authentication-Results VALUE. */
static const char *
field_passes(const char *value, const char *authserv_id,
    const char *from_domain)
{
	char **parts = g_strsplit(value, ";", -1);
	const char *how = NULL;
	char *id = g_strstrip(g_strdup(parts[0] ? parts[0] : ""));

	/* The authserv-id may be followed by a version number. */
	id[strcspn(id, " \t")] = '\0';
	if (g_ascii_strcasecmp(id, authserv_id) == 0)
		for (size_t i = 1; parts[i] != NULL && how == NULL; i++)
			how = resinfo_passes(parts[i], from_domain);
	g_free(id);
	g_strfreev(parts);
	return how;
}

/* The unfolded value of the field at P (its name NAMELEN bytes and the
 * colon skipped), up to END; *NEXT gets the start of the next field. */
static char *
field_value(const char *p, const char *end, size_t namelen,
    const char **next)
{
	GString *v = g_string_new(NULL);
	const char *q = p + namelen + 1;

	do {
		const char *nl = memchr(q, '\n', (size_t)(end - q));
		const char *eol = nl ? nl : end;

		g_string_append_len(v, q, (gssize)(eol - q));
		g_string_append_c(v, ' ');
		q = nl ? nl + 1 : end;
	} while (q < end && (*q == ' ' || *q == '\t'));
	*next = q;
	return g_string_free(v, FALSE);
}

bool
staff_auth_results(const char *raw, size_t len, const char *authserv_id,
    const char *from, const char **how)
{
	static const char name[] = "Authentication-Results";
	const char *at = strrchr(from, '@');
	const char *p = raw, *end = raw + msg_body_offset(raw, len);

	*how = NULL;
	if (authserv_id == NULL || authserv_id[0] == '\0' || at == NULL)
		return false;
	while (p < end && *how == NULL) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		if ((size_t)(end - p) >= sizeof name &&
		    g_ascii_strncasecmp(p, name, sizeof name - 1) == 0 &&
		    p[sizeof name - 1] == ':') {
			char *value = field_value(p, end, sizeof name - 1, &p);

			*how = field_passes(value, authserv_id, at + 1);
			g_free(value);
		} else
			p = nl ? nl + 1 : end;
	}
	return *how != NULL;
}

char *
staff_key_mac(const unsigned char *key, const char *msg, size_t hexdigits)
{
	GHmac *h = g_hmac_new(G_CHECKSUM_SHA256, key, STAFF_KEY_LEN);
	char *mac;

	g_hmac_update(h, (const guchar *)msg, (gssize)strlen(msg));
	mac = g_strndup(g_hmac_get_string(h), hexdigits);
	g_hmac_unref(h);
	return mac;
}

static char *
token_mac(const unsigned char *key, const char *from, const char *community,
    const char *action, const char *expiry)
{
	char *lower = g_ascii_strdown(from, -1);
	char *msg = g_strdup_printf("kring-v1\n%s\n%s\n%s\n%s", lower,
	    community, action, expiry);
	char *mac = staff_key_mac(key, msg, MAC_HEX);

	g_free(msg);
	g_free(lower);
	return mac;
}

char *
staff_token_make(const unsigned char *key, const char *from,
    const char *community, const char *action, int64_t expires)
{
	char expiry[24], *mac, *token;

	snprintf(expiry, sizeof expiry, "%llx",
	    (unsigned long long)((expires + 86399) / 86400));
	mac = token_mac(key, from, community, action, expiry);
	token = g_strdup_printf("%s.%s", expiry, mac);
	g_free(mac);
	return token;
}

bool
staff_token_valid(const unsigned char *key, const char *from,
    const char *community, const char *action, const char *token,
    int64_t now)
{
	const char *dot = strchr(token, '.');
	char *expiry, *mac, *end;
	unsigned long long day;
	unsigned char diff = 0;	/* all compared: no timing hint */
	bool ok;

	if (dot == NULL || dot == token || strlen(dot + 1) != MAC_HEX)
		return false;
	expiry = g_strndup(token, (gsize)(dot - token));
	day = g_ascii_strtoull(expiry, &end, 16);
	mac = token_mac(key, from, community, action, expiry);
	ok = *end == '\0' && day_start(day) >= now;
	for (size_t i = 0; i < MAC_HEX; i++)
		diff |= (unsigned char)(mac[i] ^ g_ascii_tolower(dot[1 + i]));
	ok = ok && diff == 0;
	g_free(expiry);
	g_free(mac);
	return ok;
}
