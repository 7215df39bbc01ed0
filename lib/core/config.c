/*
 * config.c: read kring.conf with libconfuse.  Every error names the file
 * and line.  Defaults are here; conf/kring.conf documents them.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <confuse.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "kring/config.h"
#include "kring/smtp.h"
#include "kring/util.h"

static cfg_opt_t limits_opts[] = {
	CFG_INT("message_size", 10 * 1024 * 1024, CFGF_NONE),
	CFG_INT("line_length", 8192, CFGF_NONE),
	CFG_INT("recipients", 100, CFGF_NONE),
	CFG_INT("connections", 1000, CFGF_NONE),
	CFG_INT("connections_per_client", 200, CFGF_NONE),
	CFG_INT("bad_commands", 10, CFGF_NONE),
	CFG_INT("timeout_command", 300, CFGF_NONE),
	CFG_INT("timeout_data_block", 180, CFGF_NONE),
	CFG_INT("shutdown_grace", 30, CFGF_NONE),
	CFG_INT("batch_messages", 256, CFGF_NONE),
	CFG_INT("member_requests_per_address", 5, CFGF_NONE),
	CFG_INT("member_requests_per_client", 30, CFGF_NONE),
	CFG_INT("confirm_hours", 72, CFGF_NONE),
	CFG_INT("relays_per_sender", 20, CFGF_NONE),
	CFG_END()
};

static cfg_opt_t delivery_opts[] = {
	CFG_STR("relay", "", CFGF_NONE),
	CFG_INT("connections", 2, CFGF_NONE),
	CFG_INT("batch", 20, CFGF_NONE),
	CFG_INT("lifetime", 5 * 24 * 3600, CFGF_NONE),
	CFG_INT("retry_min", 60, CFGF_NONE),
	CFG_INT("retry_max", 3600, CFGF_NONE),
	CFG_INT("timeout", 60, CFGF_NONE),
	CFG_STR("tls", "if-offered", CFGF_NONE),
	CFG_BOOL("tls_verify", cfg_true, CFGF_NONE),
	CFG_STR("tls_ca_file", "", CFGF_NONE),
	CFG_STR("user", "", CFGF_NONE),
	CFG_STR("password_file", "", CFGF_NONE),
	CFG_END()
};

static cfg_opt_t staff_opts[] = {
	CFG_STR("name", "", CFGF_NONE),
	CFG_STR_LIST("roles", "{}", CFGF_NONE),
	CFG_END()
};

static cfg_opt_t community_opts[] = {
	CFG_STR("address", NULL, CFGF_NODEFAULT),
	CFG_STR("description", "", CFGF_NONE),
	CFG_STR("language", "en", CFGF_NONE),
	CFG_STR("timezone", "UTC", CFGF_NONE),
	CFG_INT("response_hours", 24, CFGF_NONE),
	CFG_STR("policy", "open", CFGF_NONE),
	CFG_BOOL("outside_posts", cfg_false, CFGF_NONE),
	CFG_BOOL("hold_outside_posts", cfg_false, CFGF_NONE),
	CFG_INT("hold_first_posts", 0, CFGF_NONE),
	CFG_INT("hold_size_kb", 0, CFGF_NONE),
	CFG_BOOL("hold_attachments", cfg_false, CFGF_NONE),
	CFG_INT("hold_days", 7, CFGF_NONE),
	CFG_INT("bounce_score_limit", 5, CFGF_NONE),
	CFG_STR("digest_weekday", "Mon", CFGF_NONE),
	CFG_INT("bounce_half_life_days", 7, CFGF_NONE),
	CFG_STR("reply_to", "author", CFGF_NONE),
	CFG_STR("dmarc_rewrite", "always", CFGF_NONE),
	CFG_STR("subject_tag", "", CFGF_NONE),
	CFG_BOOL("footer", cfg_true, CFGF_NONE),
	CFG_STR("archive_url", "", CFGF_NONE),
	CFG_STR("parent", "", CFGF_NONE),
	CFG_SEC("staff", staff_opts, CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES),
	CFG_END()
};

static cfg_opt_t schedule_opts[] = {
	CFG_STR("every", NULL, CFGF_NODEFAULT),
	CFG_STR("at", "", CFGF_NONE),
	CFG_STR_LIST("community", "{}", CFGF_NONE),
	CFG_INT("retry", 300, CFGF_NONE),
	CFG_END()
};

static cfg_opt_t root_opts[] = {
	CFG_STR("hostname", "localhost", CFGF_NONE),
	CFG_STR("store", "var/kring", CFGF_NONE),
	CFG_INT("map_size_mb", 4096, CFGF_NONE),
	CFG_STR("user", NULL, CFGF_NODEFAULT),
	CFG_STR("authserv_id", "", CFGF_NONE),
	CFG_STR_LIST("listen", "{127.0.0.1:2525}", CFGF_NONE),
	CFG_STR("web_listen", "", CFGF_NONE),
	CFG_STR("web_url", "", CFGF_NONE),
	CFG_STR("tls_cert_file", "", CFGF_NONE),
	CFG_STR("tls_key_file", "", CFGF_NONE),
	CFG_STR_LIST("templates", "{" KRING_DATADIR "/templates}", CFGF_NONE),
	CFG_SEC("limits", limits_opts, CFGF_NONE),
	CFG_SEC("delivery", delivery_opts, CFGF_NONE),
	CFG_SEC("community", community_opts, CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES),
	CFG_SEC("schedule", schedule_opts, CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES),
	CFG_END()
};

#define CONFIG_FILE_MAX (1 << 20)	/* bytes of a config file */

/* Where libconfuse reports errors: into the caller's buffer, once.  The
 * file name is kept here because sections do not carry it. */
static char *err_buf;
static size_t err_len;
static const char *err_path;

static void config_errfunc(cfg_t *cfg, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

static void
config_errfunc(cfg_t *cfg, const char *fmt, va_list ap)
{
	char msg[512];

	if (err_buf == NULL || err_buf[0] != '\0')
		return;
	vsnprintf(msg, sizeof msg, fmt, ap);
	snprintf(err_buf, err_len, "%s:%d: %s", err_path ? err_path : "?",
	    cfg ? cfg->line : 0, msg);
}

/* The least value of each number; libconfuse calls the check as each
 * option is parsed, so the error has its line. */
static const struct {
	const char *name;
	long min;
} number_min[] = {
	{ "limits|message_size", 1 }, { "limits|line_length", 80 },
	{ "limits|recipients", 1 }, { "limits|connections", 1 },
	{ "limits|connections_per_client", 1 }, { "limits|bad_commands", 1 },
	{ "limits|timeout_command", 1 }, { "limits|timeout_data_block", 1 },
	{ "limits|shutdown_grace", 1 }, { "limits|batch_messages", 1 },
	{ "map_size_mb", 1 }, { "delivery|connections", 1 },
	{ "delivery|batch", 1 }, { "delivery|lifetime", 1 },
	{ "delivery|retry_min", 1 }, { "delivery|retry_max", 1 },
	{ "delivery|timeout", 1 }, { "community|response_hours", 1 },
	{ "schedule|retry", 1 }, { "limits|member_requests_per_address", 1 },
	{ "limits|member_requests_per_client", 1 },
	{ "limits|confirm_hours", 1 }, { "limits|relays_per_sender", 1 },
	{ "community|hold_first_posts", 0 },
	{ "community|hold_size_kb", 0 }, { "community|hold_days", 1 },
	{ "community|bounce_score_limit", 1 },
	{ "community|bounce_half_life_days", 1 },
};

static int
validate_number(cfg_t *cfg, cfg_opt_t *opt)
{
	long v = cfg_opt_getnint(opt, 0);
	const char *name = cfg_opt_name(opt);

	for (size_t i = 0; i < G_N_ELEMENTS(number_min); i++) {
		const char *bar = strrchr(number_min[i].name, '|');
		const char *base = bar ? bar + 1 : number_min[i].name;

		if (strcmp(base, name) == 0 && v < number_min[i].min) {
			cfg_error(cfg, "%s must be at least %ld, not %ld", name,
			    number_min[i].min, v);
			return -1;
		}
	}
	return 0;
}

static int
validate_listen(cfg_t *cfg, cfg_opt_t *opt)
{
	struct listen_spec spec;

	if (cfg_opt_size(opt) > KRING_MAX_LISTENERS) {
		cfg_error(cfg, "listen: more than %d addresses",
		    KRING_MAX_LISTENERS);
		return -1;
	}
	for (unsigned i = 0; i < cfg_opt_size(opt); i++) {
		const char *v = cfg_opt_getnstr(opt, i);

		if (listen_spec_parse(v, &spec) != 0) {
			cfg_error(cfg, "listen: \"%s\" is not host:port or "
			    "host:port/lmtp", v);
			return -1;
		}
	}
	return 0;
}

static int
validate_tls(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *v = cfg_opt_getnstr(opt, 0);

	if (strcmp(v, "off") != 0 && strcmp(v, "if-offered") != 0 &&
	    strcmp(v, "required") != 0) {
		cfg_error(cfg, "tls must be \"off\", \"if-offered\" or "
		    "\"required\", not \"%s\"", v);
		return -1;
	}
	return 0;
}

/* Options that take one of a few words; libconfuse calls the check as
 * each is parsed, so the error has its line. */
static const struct {
	const char *name;
	const char *choices[8];	/* NULL-ended */
} word_options[] = {
	{ "community|policy", { "open", "closed", NULL } },
	{ "community|digest_weekday", { "Sun", "Mon", "Tue", "Wed", "Thu",
	    "Fri", "Sat" } },
	{ "community|reply_to", { "author", "list", NULL } },
	{ "community|dmarc_rewrite", { "always", "never", NULL } },
};

static int
validate_word(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *v = cfg_opt_getnstr(opt, 0);
	const char *name = cfg_opt_name(opt);

	for (size_t i = 0; i < G_N_ELEMENTS(word_options); i++) {
		const char *const *ch = word_options[i].choices;
		const char *bar = strrchr(word_options[i].name, '|');

		if (strcmp(bar + 1, name) != 0)
			continue;
		GString *list = g_string_new(NULL);
		size_t j;

		for (j = 0; j < G_N_ELEMENTS(word_options[i].choices) &&
		    ch[j] != NULL; j++) {
			if (strcmp(ch[j], v) == 0) {
				g_string_free(list, TRUE);
				return 0;
			}
			g_string_append_printf(list, "%s\"%s\"", j == 0 ? "" :
			    j + 1 < G_N_ELEMENTS(word_options[i].choices) &&
			    ch[j + 1] != NULL ? ", " : " or ", ch[j]);
		}
		cfg_error(cfg, "%s must be %s, not \"%s\"", name, list->str, v);
		g_string_free(list, TRUE);
		return -1;
	}
	return 0;
}

/* A zone GLib knows ("Europe/Amsterdam", "UTC", "+01:00"), checked as it
 * is parsed so that the error has its line. */
static int
validate_timezone(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *v = cfg_opt_getnstr(opt, 0);
	GTimeZone *tz = v[0] != '\0' ? g_time_zone_new_identifier(v) : NULL;

	if (tz == NULL) {
		cfg_error(cfg, "timezone: \"%s\" is not a time zone (an "
		    "IANA name such as \"Europe/Amsterdam\", or \"UTC\")", v);
		return -1;
	}
	g_time_zone_unref(tz);
	return 0;
}

static int
validate_web_listen(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *v = cfg_opt_getnstr(opt, 0);
	struct listen_spec spec;

	if (v[0] != '\0' && (listen_spec_parse(v, &spec) != 0 ||
	    spec.proto != PROTO_SMTP || strchr(v, '/') != NULL)) {
		cfg_error(cfg, "web_listen: \"%s\" is not host:port", v);
		return -1;
	}
	return 0;
}

/* The lines of tls_cert_file and tls_key_file in the file being read,
 * for errors found after parsing (kringd loads the files itself). */
static int tls_cert_line, tls_key_line;

/* PATH, relative to the config file's folder unless absolute. */
static char *
config_relative(const char *path)
{
	char *base, *full;

	if (g_path_is_absolute(path) || err_path == NULL)
		return g_strdup(path);
	base = g_path_get_dirname(err_path);
	full = g_build_filename(base, path, NULL);
	g_free(base);
	return full;
}

/* A STARTTLS certificate or key must be a file that exists; whether
 * OpenSSL takes it is checked when kringd loads it (before it drops
 * privileges: a key is often readable by root only). */
static int
validate_tls_file(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *v = cfg_opt_getnstr(opt, 0);
	const char *name = cfg_opt_name(opt);
	char *full;
	GStatBuf st;
	int rc = 0;

	*(strcmp(name, "tls_cert_file") == 0 ? &tls_cert_line :
	    &tls_key_line) = cfg->line;
	if (v[0] == '\0')
		return 0;
	full = config_relative(v);
	if (g_stat(full, &st) != 0) {
		cfg_error(cfg, "%s: %s: %s", name, full, g_strerror(errno));
		rc = -1;
	} else if (!S_ISREG(st.st_mode)) {
		cfg_error(cfg, "%s: %s: not a file", name, full);
		rc = -1;
	}
	g_free(full);
	return rc;
}

static const struct {
	const char *name;
	unsigned bit;
} role_names[] = {
	{ "manager", ROLE_MANAGER }, { "owner", ROLE_OWNER },
	{ "moderator", ROLE_MODERATOR },
};

/* The bit of staff role NAME; 0 when there is no such role. */
static unsigned
role_bit(const char *name)
{
	for (size_t j = 0; j < G_N_ELEMENTS(role_names); j++)
		if (strcmp(role_names[j].name, name) == 0)
			return role_names[j].bit;
	return 0;
}

/* Each staff role must be one of role_names; checked as it is parsed,
 * so the error has the line of the roles, not of the section's end. */
static int
validate_roles(cfg_t *cfg, cfg_opt_t *opt)
{
	for (unsigned i = 0; i < cfg_opt_size(opt); i++) {
		const char *r = cfg_opt_getnstr(opt, i);

		if (role_bit(r) == 0) {
			cfg_error(cfg, "staff role \"%s\" is not manager, "
			    "owner or moderator", r);
			return -1;
		}
	}
	return 0;
}

static cfg_t *
config_parser_new(void)
{
	cfg_t *cfg = cfg_init(root_opts, CFGF_NONE);

	if (cfg == NULL)
		return NULL;
	cfg_set_error_function(cfg, config_errfunc);
	for (size_t i = 0; i < G_N_ELEMENTS(number_min); i++)
		cfg_set_validate_func(cfg, number_min[i].name, validate_number);
	cfg_set_validate_func(cfg, "listen", validate_listen);
	cfg_set_validate_func(cfg, "delivery|tls", validate_tls);
	for (size_t i = 0; i < G_N_ELEMENTS(word_options); i++)
		cfg_set_validate_func(cfg, word_options[i].name, validate_word);
	cfg_set_validate_func(cfg, "community|timezone", validate_timezone);
	cfg_set_validate_func(cfg, "web_listen", validate_web_listen);
	cfg_set_validate_func(cfg, "tls_cert_file", validate_tls_file);
	cfg_set_validate_func(cfg, "tls_key_file", validate_tls_file);
	cfg_set_validate_func(cfg, "community|staff|roles", validate_roles);
	return cfg;
}

int
listen_spec_parse(const char *text, struct listen_spec *spec)
{
	const char *colon, *host = text, *slash;
	size_t hostlen;
	long port;
	char portbuf[16];

	memset(spec, 0, sizeof *spec);
	spec->proto = PROTO_SMTP;
	if (text[0] == '[') {
		const char *close = strchr(text, ']');

		if (close == NULL || close[1] != ':')
			return -1;
		host = text + 1;
		hostlen = (size_t)(close - host);
		colon = close + 1;
	} else {
		colon = strrchr(text, ':');
		if (colon == NULL)
			return -1;
		hostlen = (size_t)(colon - text);
	}
	if (hostlen == 0 || hostlen >= sizeof spec->host)
		return -1;
	slash = strchr(colon + 1, '/');
	if (slash != NULL) {
		if (g_ascii_strcasecmp(slash + 1, "lmtp") == 0)
			spec->proto = PROTO_LMTP;
		else if (g_ascii_strcasecmp(slash + 1, "smtp") != 0)
			return -1;
	} else
		slash = colon + 1 + strlen(colon + 1);
	if ((size_t)(slash - colon - 1) >= sizeof portbuf)
		return -1;
	memcpy(portbuf, colon + 1, (size_t)(slash - colon - 1));
	portbuf[slash - colon - 1] = '\0';
	if (parse_long(portbuf, 0, 65535, &port) != 0)
		return -1;
	memcpy(spec->host, host, hostlen);
	spec->host[hostlen] = '\0';
	snprintf(spec->port, sizeof spec->port, "%ld", port);
	return 0;
}

/* The roles of staff section SEC as bits (validate_roles checked each
 * name as it was parsed). */
static unsigned
staff_roles(cfg_t *sec)
{
	unsigned bits = 0;

	for (unsigned i = 0; i < cfg_size(sec, "roles"); i++)
		bits |= role_bit(cfg_getnstr(sec, "roles", i));
	return bits;
}

/* The staff sections of community section SEC into C. */
static int
staff_fill(struct community_conf *c, cfg_t *sec, const char *path,
    char *err, size_t errlen)
{
	unsigned n = cfg_size(sec, "staff");

	if (n > KRING_MAX_STAFF) {
		snprintf(err, errlen, "%s:%d: community \"%s\": more than %d "
		    "staff", path, sec->line, c->name, KRING_MAX_STAFF);
		return -1;
	}
	c->staff = g_new0(struct staff_conf, n);
	for (unsigned i = 0; i < n; i++) {
		cfg_t *ss = cfg_getnsec(sec, "staff", i);
		const char *addr = cfg_title(ss);
		unsigned roles = staff_roles(ss);

		if (!smtp_addr_valid(addr) || strchr(addr, '@') == NULL) {
			snprintf(err, errlen, "%s:%d: staff \"%s\" is not an "
			    "address", path, ss->line, addr);
			return -1;
		}
		c->staff[i].address = ascii_lower(g_strdup(addr));
		c->staff[i].name = g_strdup(cfg_getstr(ss, "name"));
		c->staff[i].roles = roles;
		c->nstaff = i + 1;
	}
	return 0;
}

/* A string option, NULL when empty. */
static char *
opt_string(cfg_t *sec, const char *name)
{
	const char *v = cfg_getstr(sec, name);

	return v && *v ? g_strdup(v) : NULL;
}

/* Split COMMUNITY's address into lower-case local part and domain. */
/* "Sun".."Sat" (checked by validate_word) as 0..6, tm_wday's. */
static int
weekday_number(const char *day)
{
	static const char *const days[] = {
		"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat",
	};

	for (int i = 0; i < 7; i++)
		if (strcmp(days[i], day) == 0)
			return i;
	return 1;
}

static int
community_fill(struct community_conf *c, cfg_t *sec, const char *path,
    char *err, size_t errlen)
{
	const char *addr = cfg_getstr(sec, "address");
	const char *at;

	if (addr == NULL) {
		snprintf(err, errlen, "%s:%d: community \"%s\" has no address",
		    path, sec->line, c->name);
		return -1;
	}
	at = strrchr(addr, '@');
	if (!smtp_addr_valid(addr) || at == NULL || strchr(addr, '+') != NULL) {
		snprintf(err, errlen, "%s:%d: community \"%s\": address \"%s\" "
		    "is not local@domain (without '+')", path, sec->line,
		    c->name, addr);
		return -1;
	}
	c->address = g_strdup(addr);
	c->local = ascii_lower(g_strndup(addr, (size_t)(at - addr)));
	c->domain = ascii_lower(g_strdup(at + 1));
	c->description = g_strdup(cfg_getstr(sec, "description"));
	c->language = g_strdup(cfg_getstr(sec, "language"));
	c->timezone = g_strdup(cfg_getstr(sec, "timezone"));
	/* Checked by validate_timezone; the zone database could still
	 * have changed between the two. */
	if ((c->tz = g_time_zone_new_identifier(c->timezone)) == NULL) {
		snprintf(err, errlen, "%s:%d: community \"%s\": timezone \"%s\" "
		    "is not a time zone", path, sec->line, c->name,
		    c->timezone);
		return -1;
	}
	c->response_hours = cfg_getint(sec, "response_hours");
	c->closed = strcmp(cfg_getstr(sec, "policy"), "closed") == 0;
	c->outside_posts = cfg_getbool(sec, "outside_posts");
	c->hold.outside = cfg_getbool(sec, "hold_outside_posts");
	c->hold.first_posts = cfg_getint(sec, "hold_first_posts");
	c->hold.size_kb = cfg_getint(sec, "hold_size_kb");
	c->hold.attachments = cfg_getbool(sec, "hold_attachments");
	c->hold.days = cfg_getint(sec, "hold_days");
	c->bounce.score_limit = cfg_getint(sec, "bounce_score_limit");
	c->bounce.half_life_days = cfg_getint(sec, "bounce_half_life_days");
	c->digest_weekday = weekday_number(cfg_getstr(sec, "digest_weekday"));
	c->reply_to_list = strcmp(cfg_getstr(sec, "reply_to"), "list") == 0;
	c->dmarc_rewrite = strcmp(cfg_getstr(sec, "dmarc_rewrite"),
	    "always") == 0;
	c->subject_tag = opt_string(sec, "subject_tag");
	c->footer = cfg_getbool(sec, "footer");
	c->archive_url = opt_string(sec, "archive_url");
	c->parent = opt_string(sec, "parent");
	return staff_fill(c, sec, path, err, errlen);
}

static void
limits_fill(struct limits_conf *l, cfg_t *sec)
{
	l->message_size = cfg_getint(sec, "message_size");
	l->line_length = cfg_getint(sec, "line_length");
	l->recipients = cfg_getint(sec, "recipients");
	l->connections = cfg_getint(sec, "connections");
	l->connections_per_client = cfg_getint(sec, "connections_per_client");
	l->bad_commands = cfg_getint(sec, "bad_commands");
	l->timeout_command = cfg_getint(sec, "timeout_command");
	l->timeout_data_block = cfg_getint(sec, "timeout_data_block");
	l->shutdown_grace = cfg_getint(sec, "shutdown_grace");
	l->batch_messages = cfg_getint(sec, "batch_messages");
	l->member_requests_per_address = cfg_getint(sec,
	    "member_requests_per_address");
	l->member_requests_per_client = cfg_getint(sec,
	    "member_requests_per_client");
	l->confirm_hours = cfg_getint(sec, "confirm_hours");
	l->relays_per_sender = cfg_getint(sec, "relays_per_sender");
}

static void
delivery_fill(struct delivery_conf *d, cfg_t *sec)
{
	const char *tls = cfg_getstr(sec, "tls");

	d->relay = opt_string(sec, "relay");
	d->tls = strcmp(tls, "off") == 0 ? TLS_OFF :
	    strcmp(tls, "required") == 0 ? TLS_REQUIRED : TLS_IF_OFFERED;
	d->tls_verify = cfg_getbool(sec, "tls_verify");
	d->tls_ca_file = opt_string(sec, "tls_ca_file");
	d->user = opt_string(sec, "user");
	d->password_file = opt_string(sec, "password_file");
	d->connections = cfg_getint(sec, "connections");
	d->batch = cfg_getint(sec, "batch");
	d->lifetime = cfg_getint(sec, "lifetime");
	d->retry_min = cfg_getint(sec, "retry_min");
	d->retry_max = cfg_getint(sec, "retry_max");
	d->timeout = cfg_getint(sec, "timeout");
}

/* The template folders; relative ones from the folder of PATH. */
static int
templates_fill(struct kring_config *conf, cfg_t *cfg, const char *path,
    char *err, size_t errlen)
{
	unsigned n = cfg_size(cfg, "templates");
	char *base = g_path_get_dirname(path);

	if (n > KRING_MAX_TEMPLATE_DIRS) {
		snprintf(err, errlen, "%s: more than %d template folders", path,
		    KRING_MAX_TEMPLATE_DIRS);
		g_free(base);
		return -1;
	}
	for (unsigned i = 0; i < n; i++) {
		const char *d = cfg_getnstr(cfg, "templates", i);

		conf->template_dirs[i] = g_path_is_absolute(d) ? g_strdup(d) :
		    g_build_filename(base, d, NULL);
	}
	g_free(base);
	return 0;
}

static const char *const schedule_tools[] = {
	"newsletter", "thanks", "feedback", "sla", "digest",
};

/* Schedule section SEC into S; its communities must be configured. */
static int
schedule_fill(struct kring_config *conf, struct schedule_conf *s, cfg_t *sec,
    const char *path, char *err, size_t errlen)
{
	const char *every = cfg_getstr(sec, "every"), *at = cfg_getstr(sec, "at");
	unsigned n = cfg_size(sec, "community");
	size_t i = 0;

	while (i < G_N_ELEMENTS(schedule_tools) &&
	    strcmp(schedule_tools[i], cfg_title(sec)) != 0)
		i++;
	if (i == G_N_ELEMENTS(schedule_tools)) {
		snprintf(err, errlen, "%s:%d: schedule \"%s\": not newsletter, "
		    "thanks, feedback, sla or digest", path, sec->line,
		    cfg_title(sec));
		return -1;
	}
	s->tool = g_strdup(cfg_title(sec));
	s->retry = cfg_getint(sec, "retry");
	if (every == NULL || schedule_every_parse(every, &s->every) != 0 ||
	    (at[0] != '\0' && schedule_at_parse(at, &s->anchor) != 0)) {
		snprintf(err, errlen, "%s:%d: schedule \"%s\": every = \"N "
		    "minutes|hours|days|weeks\" and at = \"[Mon] HH:MM\" (local) "
		    "are needed", path, sec->line, s->tool);
		return -1;
	}
	s->communities = n ? g_new0(char *, n + 1) : NULL;
	for (unsigned j = 0; j < n; j++) {
		const char *c = cfg_getnstr(sec, "community", j);

		if (config_community(conf, c) == NULL) {
			snprintf(err, errlen, "%s:%d: schedule \"%s\": no "
			    "community \"%s\"", path, sec->line, s->tool, c);
			return -1;
		}
		s->communities[j] = g_strdup(c);
	}
	return 0;
}

static int
schedules_fill(struct kring_config *conf, cfg_t *cfg, const char *path,
    char *err, size_t errlen)
{
	unsigned n = cfg_size(cfg, "schedule");

	if (n > KRING_MAX_SCHEDULES) {
		snprintf(err, errlen, "%s: more than %d schedules", path,
		    KRING_MAX_SCHEDULES);
		return -1;
	}
	for (unsigned i = 0; i < n; i++) {
		conf->nschedules = i + 1;
		if (schedule_fill(conf, &conf->schedules[i],
		    cfg_getnsec(cfg, "schedule", i), path, err, errlen) != 0)
			return -1;
	}
	return 0;
}

/* Each parent must be another configured community, with no parent of
 * its own: one level, central and local (a cycle cannot arise). */
static int
parents_check(struct kring_config *conf, cfg_t *cfg, const char *path,
    char *err, size_t errlen)
{
	for (size_t i = 0; i < conf->ncommunities; i++) {
		const struct community_conf *c = &conf->communities[i];
		const struct community_conf *p;

		if (c->parent == NULL)
			continue;
		p = config_community(conf, c->parent);
		if (p == NULL || p == c || p->parent != NULL) {
			snprintf(err, errlen, "%s:%d: community \"%s\": parent "
			    "\"%s\" is not %s", path,
			    cfg_getnsec(cfg, "community", (unsigned)i)->line,
			    c->name, c->parent, p == NULL ?
			    "a community here" : p == c ? "another community" :
			    "a community without a parent");
			return -1;
		}
	}
	return 0;
}

/* The STARTTLS files: both or neither. */
static int
tls_fill(struct kring_config *conf, cfg_t *cfg, const char *path,
    char *err, size_t errlen)
{
	char *cert = opt_string(cfg, "tls_cert_file");
	char *key = opt_string(cfg, "tls_key_file");

	conf->tls_cert_line = tls_cert_line;
	conf->tls_key_line = tls_key_line;
	if ((cert == NULL) != (key == NULL)) {
		snprintf(err, errlen, "%s:%d: %s is set but %s is not", path,
		    cert ? tls_cert_line : tls_key_line,
		    cert ? "tls_cert_file" : "tls_key_file",
		    cert ? "tls_key_file" : "tls_cert_file");
		g_free(cert);
		g_free(key);
		return -1;
	}
	if (cert != NULL) {
		conf->tls_cert_file = config_relative(cert);
		conf->tls_key_file = config_relative(key);
	}
	g_free(cert);
	g_free(key);
	return 0;
}

/* Copy the parsed CFG into CONF; semantic checks that need the whole file. */
static int
config_fill(struct kring_config *conf, cfg_t *cfg, const char *path,
    char *err, size_t errlen)
{
	unsigned n;

	conf->hostname = g_strdup(cfg_getstr(cfg, "hostname"));
	conf->store = g_strdup(cfg_getstr(cfg, "store"));
	conf->map_size_mb = cfg_getint(cfg, "map_size_mb");
	conf->user = g_strdup(cfg_getstr(cfg, "user"));
	conf->authserv_id = g_strdup(cfg_getstr(cfg, "authserv_id"));
	conf->web_listen = opt_string(cfg, "web_listen");
	conf->web_url = opt_string(cfg, "web_url");
	if (tls_fill(conf, cfg, path, err, errlen) != 0)
		return -1;
	limits_fill(&conf->limits, cfg_getsec(cfg, "limits"));
	delivery_fill(&conf->delivery, cfg_getsec(cfg, "delivery"));
	n = cfg_size(cfg, "listen");
	if (n > KRING_MAX_LISTENERS) {
		snprintf(err, errlen, "%s: more than %d listen addresses",
		    path, KRING_MAX_LISTENERS);
		return -1;
	}
	for (unsigned i = 0; i < n; i++)
		listen_spec_parse(cfg_getnstr(cfg, "listen", i),
		    &conf->listeners[conf->nlisteners++]);
	if (templates_fill(conf, cfg, path, err, errlen) != 0)
		return -1;
	n = cfg_size(cfg, "community");
	if (n > KRING_MAX_COMMUNITIES) {
		snprintf(err, errlen, "%s: more than %d communities", path,
		    KRING_MAX_COMMUNITIES);
		return -1;
	}
	for (unsigned i = 0; i < n; i++) {
		cfg_t *sec = cfg_getnsec(cfg, "community", i);
		struct community_conf *c = &conf->communities[i];

		c->name = g_strdup(cfg_title(sec));
		conf->ncommunities = i + 1;
		if (c->name[0] == '.' || c->name[0] == '\0') {
			/* Names with a dot are kringd's own (store.h). */
			snprintf(err, errlen, "%s:%d: community \"%s\": a name "
			    "may not be empty or start with '.'", path,
			    sec->line, c->name);
			return -1;
		}
		if (community_fill(c, sec, path, err, errlen) != 0)
			return -1;
	}
	if (parents_check(conf, cfg, path, err, errlen) != 0)
		return -1;
	return schedules_fill(conf, cfg, path, err, errlen);
}

void
config_defaults(struct kring_config *conf)
{
	cfg_t *cfg;

	memset(conf, 0, sizeof *conf);
	cfg = config_parser_new();
	if (cfg == NULL)
		abort();
	/* Parsing the empty text gives the defaults. */
	if (cfg_parse_buf(cfg, "") != CFG_SUCCESS)
		abort();
	conf->path = g_strdup("(defaults)");
	if (config_fill(conf, cfg, conf->path, NULL, 0) != 0)
		abort();
	cfg_free(cfg);
}

/*
 * TEXT with its comments (# and // to the end of the line, and block
 * comments) made spaces, the line ends kept, and what is in quotes left
 * alone.  Debian's libconfuse 3.3 counts a comment line more than once,
 * so that errors named the wrong line; without comments its count is
 * right.  Returns the line of the first block left open at the end
 * ('{' without its '}'), which libconfuse takes without a word, or 0.
 */
static int
blank_comments(char *text)
{
	enum { CODE, DQUOTE, SQUOTE, LINE, BLOCK } state = CODE;
	int line = 1, depth = 0, open_line = 0;

	for (char *p = text; *p != '\0'; p++) {
		if (*p == '\n')
			line++;
		switch (state) {
		case CODE:
			if (*p == '{' && depth++ == 0)
				open_line = line;
			else if (*p == '}' && depth > 0)
				depth--;
			else if (*p == '"' || *p == '\'') {
				state = *p == '"' ? DQUOTE : SQUOTE;
			} else if (*p == '#' || (p[0] == '/' && p[1] == '/')) {
				state = LINE;
				*p = ' ';
			} else if (p[0] == '/' && p[1] == '*') {
				state = BLOCK;
				*p++ = ' ';
				*p = ' ';
			}
			break;
		case DQUOTE:
		case SQUOTE:
			if (*p == '\\' && p[1] != '\0')
				p++;
			else if (*p == (state == DQUOTE ? '"' : '\''))
				state = CODE;
			break;
		case LINE:
			if (*p == '\n')
				state = CODE;
			else
				*p = ' ';
			break;
		case BLOCK:
			if (p[0] == '*' && p[1] == '/') {
				*p++ = ' ';
				*p = ' ';
				state = CODE;
			} else if (*p != '\n')
				*p = ' ';
			break;
		}
	}
	return depth > 0 ? open_line : 0;
}

/* Parse the file PATH into CFG, its comments blanked (blank_comments). */
static int
parse_file(cfg_t *cfg, const char *path, char *err, size_t errlen)
{
	GError *gerr = NULL;
	char *text;
	gsize len;
	int rc, open_line;

	if (!g_file_get_contents(path, &text, &len, &gerr)) {
		snprintf(err, errlen, "%s: cannot read: %s", path,
		    gerr->message);
		g_error_free(gerr);
		return CFG_FILE_ERROR;
	}
	if (len > CONFIG_FILE_MAX || strlen(text) != len) {
		snprintf(err, errlen, "%s: %s", path, len > CONFIG_FILE_MAX ?
		    "larger than 1 MiB" : "a NUL byte in the file");
		g_free(text);
		return CFG_FILE_ERROR;
	}
	open_line = blank_comments(text);
	rc = cfg_parse_buf(cfg, text);
	g_free(text);
	if (rc == CFG_SUCCESS && open_line > 0) {
		snprintf(err, errlen, "%s:%d: a block opened here is not "
		    "closed ('}' missing)", path, open_line);
		rc = CFG_PARSE_ERROR;
	}
	return rc;
}

int
config_load(const char *path, struct kring_config *conf, char *err,
    size_t errlen)
{
	cfg_t *cfg;
	int rc = -1;

	memset(conf, 0, sizeof *conf);
	err[0] = '\0';
	err_buf = err;
	err_len = errlen;
	err_path = path;
	tls_cert_line = tls_key_line = 0;
	cfg = config_parser_new();
	if (cfg == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto out;
	}
	switch (parse_file(cfg, path, err, errlen)) {
	case CFG_SUCCESS:
		break;
	case CFG_FILE_ERROR:
		goto out;
	default:
		if (err[0] == '\0')
			snprintf(err, errlen, "%s: parse error", path);
		goto out;
	}
	conf->path = g_strdup(path);
	if (config_fill(conf, cfg, path, err, errlen) != 0)
		goto out;
	rc = 0;
out:
	if (cfg != NULL)
		cfg_free(cfg);
	err_buf = NULL;
	err_path = NULL;
	if (rc != 0)
		config_free(conf);
	return rc;
}

void
config_free(struct kring_config *conf)
{
	g_free(conf->path);
	g_free(conf->hostname);
	g_free(conf->store);
	g_free(conf->user);
	g_free(conf->authserv_id);
	g_free(conf->web_listen);
	g_free(conf->web_url);
	g_free(conf->tls_cert_file);
	g_free(conf->tls_key_file);
	g_free(conf->delivery.relay);
	g_free(conf->delivery.tls_ca_file);
	g_free(conf->delivery.user);
	g_free(conf->delivery.password_file);
	for (size_t i = 0; i < conf->ncommunities; i++) {
		struct community_conf *c = &conf->communities[i];

		g_free(c->name);
		g_free(c->address);
		g_free(c->local);
		g_free(c->domain);
		g_free(c->description);
		g_free(c->language);
		g_free(c->timezone);
		if (c->tz != NULL)
			g_time_zone_unref(c->tz);
		g_free(c->subject_tag);
		g_free(c->archive_url);
		g_free(c->parent);
		for (size_t j = 0; j < c->nstaff; j++) {
			g_free(c->staff[j].address);
			g_free(c->staff[j].name);
		}
		g_free(c->staff);
	}
	for (size_t i = 0; conf->template_dirs[i] != NULL; i++)
		g_free(conf->template_dirs[i]);
	for (size_t i = 0; i < conf->nschedules; i++) {
		g_free(conf->schedules[i].tool);
		g_strfreev(conf->schedules[i].communities);
	}
	memset(conf, 0, sizeof *conf);
}

const struct community_conf *
config_match_rcpt(const struct kring_config *conf, const char *address)
{
	const char *at = strrchr(address, '@');
	const char *plus;
	size_t locallen;

	if (at == NULL)
		return NULL;
	plus = memchr(address, '+', (size_t)(at - address));
	locallen = (size_t)((plus ? plus : at) - address);
	for (size_t i = 0; i < conf->ncommunities; i++) {
		const struct community_conf *c = &conf->communities[i];

		if (strlen(c->local) == locallen &&
		    g_ascii_strncasecmp(c->local, address, locallen) == 0 &&
		    g_ascii_strcasecmp(c->domain, at + 1) == 0)
			return c;
	}
	return NULL;
}

const struct community_conf *
config_match_request(const struct kring_config *conf, const char *address)
{
	const char *at = strrchr(address, '@');
	size_t suffix = strlen(REQUEST_SUFFIX), locallen;

	if (at == NULL || (locallen = (size_t)(at - address)) <= suffix ||
	    g_ascii_strncasecmp(at - suffix, REQUEST_SUFFIX, suffix) != 0)
		return NULL;
	locallen -= suffix;
	for (size_t i = 0; i < conf->ncommunities; i++) {
		const struct community_conf *c = &conf->communities[i];

		if (strlen(c->local) == locallen &&
		    g_ascii_strncasecmp(c->local, address, locallen) == 0 &&
		    g_ascii_strcasecmp(c->domain, at + 1) == 0)
			return c;
	}
	return NULL;
}

const struct community_conf *
config_community(const struct kring_config *conf, const char *name)
{
	if (conf->ncommunities == 0)
		return NULL;
	if (name == NULL)
		return &conf->communities[0];
	for (size_t i = 0; i < conf->ncommunities; i++)
		if (strcmp(conf->communities[i].name, name) == 0)
			return &conf->communities[i];
	return NULL;
}

const struct staff_conf *
config_staff(const struct community_conf *c, const char *address)
{
	for (size_t i = 0; i < c->nstaff; i++)
		if (g_ascii_strcasecmp(c->staff[i].address, address) == 0)
			return &c->staff[i];
	return NULL;
}
