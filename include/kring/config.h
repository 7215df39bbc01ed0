/*
 * config.h: kring.conf, read with libconfuse.  Defaults live in config.c;
 * conf/kring.conf is the commented sample.
 */
#ifndef KRING_CONFIG_H
#define KRING_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <glib.h>

#define KRING_MAX_LISTENERS   16
#define KRING_MAX_COMMUNITIES 256
#define KRING_MAX_STAFF       256	/* per community */
#define KRING_MAX_TEMPLATE_DIRS 8

enum listen_proto { PROTO_SMTP, PROTO_LMTP };

struct listen_spec {
	char host[256];
	char port[16];
	enum listen_proto proto;
};

/* Roles of a staff member; a bit each. */
enum staff_role {
	ROLE_MANAGER = 1u << 0,		/* community manager: summaries */
	ROLE_OWNER = 1u << 1,		/* topic owner: outcomes */
	ROLE_MODERATOR = 1u << 2,
};

struct staff_conf {
	char *address;	/* lower case */
	char *name;	/* display name, may be "" */
	unsigned roles;	/* enum staff_role bits */
};

struct community_conf {
	char *name;	/* the section title: community "name" { ... } */
	char *address;	/* full address, local@domain */
	char *local;	/* local part of address, lower case */
	char *domain;	/* domain of address, lower case */
	char *description;	/* also the display name of its mail */
	char *language;	/* of its mail: a folder of the templates */
	/* Its time zone ("Europe/Amsterdam", default "UTC"): schedule
	 * slots, period boundaries and the dates in its mail follow it.
	 * TZ is that zone, owned by the config. */
	char *timezone;
	GTimeZone *tz;
	long response_hours;	/* the promise: member posts answered within */
	bool closed;		/* policy "closed": staff admit who joins */
	bool outside_posts;	/* non-members may post */
	struct {		/* which posts wait for a moderator */
		bool outside;	/* a non-member's (else refused) */
		long first_posts;	/* a new member's first N */
		long size_kb;	/* larger than this; 0: no limit */
		bool attachments;	/* with an attachment */
		long days;	/* undecided, it expires after */
	} hold;
	int digest_weekday;	/* weekly digests go out on it: 0 Sunday */
	struct {		/* when bounces suspend delivery (bounce.h) */
		long score_limit;	/* suspended at this score */
		long half_life_days;	/* the score halves in this time */
	} bounce;
	bool reply_to_list;	/* reply_to "list": else to the author */
	bool dmarc_rewrite;	/* From becomes "Name via Community" */
	char *subject_tag;	/* "[Kring]" before each subject, or NULL */
	bool footer;		/* the list footer under each post */
	char *archive_url;	/* for List-Archive, or NULL */
	char *parent;		/* name of the central community, or NULL */
	struct staff_conf *staff;
	size_t nstaff;
};

struct limits_conf {
	long message_size;	/* octets, advertised with SIZE */
	long line_length;	/* octets of one line, CRLF included */
	long recipients;	/* per transaction */
	long connections;	/* in all */
	long connections_per_client;
	long bad_commands;	/* before a disconnect */
	long timeout_command;	/* seconds, RFC 5321 4.5.3.2 */
	long timeout_data_block;
	long shutdown_grace;	/* seconds SIGTERM waits for DATA in flight */
	long batch_messages;	/* most messages in one group commit */
	/* Member commands (join, leave...) answered per address a day, and
	 * taken per client IP an hour: no mail cannon. */
	long member_requests_per_address;
	long member_requests_per_client;
	long confirm_hours;	/* how long a confirm address works */
	long relays_per_sender;	/* private replies a member sends a day */
};

struct delivery_conf {
	char *relay;		/* host:port, or NULL: nothing is delivered */
	long connections;	/* worker threads, one connection each */
	long batch;		/* messages per connection */
	long lifetime;		/* seconds before a message is given up */
	long retry_min, retry_max;	/* backoff, seconds */
	long timeout;		/* seconds per SMTP step */
	enum { TLS_OFF, TLS_IF_OFFERED, TLS_REQUIRED } tls;
	bool tls_verify;	/* check the relay's certificate */
	char *tls_ca_file;	/* CA bundle, or NULL: the system's */
	char *user;		/* AUTH user, or NULL: no AUTH */
	char *password_file;	/* holds the AUTH password (mode 0600) */
};

/* schedule TOOL { every = "14 days"  at = "Mon 09:00" }: kringd runs
 * kring-TOOL --send for each period.  Slots are ANCHOR + k * EVERY, in
 * the time zone of each community (schedule.h); the anchor is the first
 * such weekday and time from 1970-01-01. */
#define KRING_MAX_SCHEDULES 8
struct schedule_conf {
	char *tool;		/* newsletter, thanks, feedback or sla */
	int64_t every;		/* seconds */
	int64_t anchor;		/* Unix time of slot 0 */
	char **communities;	/* NULL-ended names; NULL: every community */
	long retry;		/* seconds before a failed run is tried again */
};

struct kring_config {
	char *path;		/* the file read, for messages */
	char *hostname;
	char *store;		/* LMDB directory */
	long map_size_mb;
	char *user;		/* drop to this user after binding, or NULL */
	/* The authserv-id of our MTA's Authentication-Results fields, the
	 * only ones trusted for staff actions by mail; "" trusts none. */
	char *authserv_id;
	char *web_listen;	/* host:port of the one-click HTTP, or NULL */
	char *web_url;		/* its public base (https://...), or NULL */
	/* STARTTLS on the SMTP listeners: PEM certificate chain and key,
	 * both or neither (NULL: no STARTTLS), and their lines. */
	char *tls_cert_file, *tls_key_file;
	int tls_cert_line, tls_key_line;
	/* Template folders, searched in order (an admin's before the shipped
	 * one); relative paths are taken from the config file's folder. */
	char *template_dirs[KRING_MAX_TEMPLATE_DIRS + 1];	/* NULL-ended */
	struct listen_spec listeners[KRING_MAX_LISTENERS];
	size_t nlisteners;
	struct limits_conf limits;
	struct delivery_conf delivery;
	struct community_conf communities[KRING_MAX_COMMUNITIES];
	size_t ncommunities;
	struct schedule_conf schedules[KRING_MAX_SCHEDULES];
	size_t nschedules;
};

/*
 * Read PATH into *CONF.  On error returns -1 and writes "file:line: what"
 * into ERR.  The caller frees with config_free().
 */
int config_load(const char *path, struct kring_config *conf,
    char *err, size_t errlen);

/* Defaults only, with no file: for tools given just a store. */
void config_defaults(struct kring_config *conf);

void config_free(struct kring_config *conf);

/*
 * Parse "host:port[/lmtp]" (or "[v6]:port") into SPEC.  Returns 0, or -1
 * when it is not of that form.
 */
int listen_spec_parse(const char *text, struct listen_spec *spec);

/*
 * Find the community that ADDRESS (local[+detail]@domain) belongs to, or
 * NULL.  Case-insensitive.  If DETAIL is not NULL it receives a pointer
 * into ADDRESS at the detail after '+', or NULL.
 */
const struct community_conf *config_match_rcpt(const struct kring_config *conf,
    const char *address);

/* The community whose request address (local-request@domain, as
 * Mailman's: commands in the Subject) ADDRESS is, or NULL. */
#define REQUEST_SUFFIX "-request"
const struct community_conf *config_match_request(
    const struct kring_config *conf, const char *address);

/* Parse "14 days" (minutes, hours, days, weeks; singular too) into
 * *SECONDS; -1 when it is not of that form. */
int schedule_every_parse(const char *text, int64_t *seconds);

/* Parse "Mon 09:00" or "09:00" into the anchor of the slots; -1 when it
 * is not of that form. */
int schedule_at_parse(const char *text, int64_t *anchor);

/* Staff member ADDRESS (any case) of community C, or NULL. */
const struct staff_conf *config_staff(const struct community_conf *c,
    const char *address);

/* The community named NAME, or the first one when NAME is NULL. */
const struct community_conf *config_community(const struct kring_config *conf,
    const char *name);

#endif
