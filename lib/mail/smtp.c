/*
 * smtp.c: parse SMTP/LMTP command lines and their paths (RFC 5321 4.1,
 * RFC 6531 for SMTPUTF8).  Untrusted input: the line is bounded by the
 * caller; nothing here allocates.
 */
#include <string.h>
#include <glib.h>

#include "kring/smtp.h"
#include "kring/util.h"

static const struct {
	const char *name;
	enum smtp_verb verb;
} verbs[] = {
	{ "HELO", SMTP_HELO }, { "EHLO", SMTP_EHLO }, { "LHLO", SMTP_LHLO },
	{ "MAIL", SMTP_MAIL }, { "RCPT", SMTP_RCPT }, { "DATA", SMTP_DATA },
	{ "RSET", SMTP_RSET }, { "NOOP", SMTP_NOOP }, { "QUIT", SMTP_QUIT },
	{ "HELP", SMTP_HELP }, { "VRFY", SMTP_VRFY }, { "EXPN", SMTP_EXPN },
	{ "STARTTLS", SMTP_STARTTLS }, { "AUTH", SMTP_AUTH },
	{ "BDAT", SMTP_BDAT },
};

void
smtp_cmd_parse(char *line, struct smtp_cmd *cmd)
{
	size_t n = strcspn(line, " ");

	cmd->verb = SMTP_UNKNOWN;
	cmd->arg = line[n] == ' ' ? line + n + 1 : line + n;
	for (size_t i = 0; i < G_N_ELEMENTS(verbs); i++) {
		if (strlen(verbs[i].name) == n &&
		    g_ascii_strncasecmp(line, verbs[i].name, n) == 0) {
			cmd->verb = verbs[i].verb;
			break;
		}
	}
	/* Trailing white space is not part of the argument. */
	size_t len = strlen(cmd->arg);
	while (len > 0 && (cmd->arg[len - 1] == ' ' || cmd->arg[len - 1] == '\t'))
		((char *)cmd->arg)[--len] = '\0';
}

bool
smtp_addr_valid(const char *addr)
{
	const char *at = strrchr(addr, '@');

	if (at == NULL || at == addr || at[1] == '\0')
		return false;
	for (const char *p = addr; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c <= ' ' || c == 0x7f || c == '<' || c == '>' ||
		    c == ',' || c == ';')
			return false;
	}
	return true;
}

static bool
has_non_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return true;
	return false;
}

/* Handle one ESMTP parameter KEY[=VALUE] of MAIL FROM. */
static enum smtp_path_err
path_param(char *param, struct smtp_path *path)
{
	char *eq = strchr(param, '=');
	const char *value = eq ? eq + 1 : NULL;
	long size;

	if (eq != NULL)
		*eq = '\0';
	if (g_ascii_strcasecmp(param, "SIZE") == 0) {
		if (value == NULL || parse_long(value, 0, 0x7fffffffL, &size))
			return PATH_BAD_PARAM;
		path->size = size;
	} else if (g_ascii_strcasecmp(param, "BODY") == 0) {
		if (value != NULL && g_ascii_strcasecmp(value, "8BITMIME") == 0)
			path->body_8bit = true;
		else if (value == NULL || g_ascii_strcasecmp(value, "7BIT") != 0)
			return PATH_BAD_PARAM;
	} else if (g_ascii_strcasecmp(param, "SMTPUTF8") == 0) {
		if (value != NULL)
			return PATH_BAD_PARAM;
		path->smtputf8 = true;
	} else
		return PATH_BAD_PARAM;
	return PATH_OK;
}

enum smtp_path_err
smtp_path_parse(const char *arg, const char *keyword, bool utf8_ok,
    struct smtp_path *path)
{
	size_t kwlen = strlen(keyword);
	const char *p = arg, *close, *start;
	char params[512];
	size_t len;

	memset(path, 0, sizeof *path);
	path->size = -1;
	if (g_ascii_strncasecmp(p, keyword, kwlen) != 0 || p[kwlen] != ':')
		return PATH_SYNTAX;
	p += kwlen + 1;
	while (*p == ' ')	/* tolerated by every MTA, though not RFC */
		p++;
	if (*p != '<')
		return PATH_SYNTAX;
	close = strchr(p, '>');
	if (close == NULL)
		return PATH_SYNTAX;
	start = p + 1;
	/* A source route "@a,@b:" is ignored (RFC 5321 C). */
	if (*start == '@') {
		const char *colon = memchr(start, ':', (size_t)(close - start));

		if (colon == NULL)
			return PATH_SYNTAX;
		start = colon + 1;
	}
	len = (size_t)(close - start);
	if (len > SMTP_PATH_MAX)
		return PATH_TOO_LONG;
	memcpy(path->addr, start, len);
	path->addr[len] = '\0';
	if (len > 0 && !smtp_addr_valid(path->addr))
		return PATH_SYNTAX;
	p = close + 1;
	if (*p != '\0' && *p != ' ')
		return PATH_SYNTAX;
	if (strlen(p) >= sizeof params)
		return PATH_BAD_PARAM;
	strcpy(params, p);
	/* RCPT takes no parameters here (no DSN). */
	if (g_ascii_strcasecmp(keyword, "TO") == 0 && strspn(params, " ") !=
	    strlen(params))
		return PATH_BAD_PARAM;
	for (char *save = NULL, *tok = strtok_r(params, " ", &save); tok;
	    tok = strtok_r(NULL, " ", &save)) {
		enum smtp_path_err e = path_param(tok, path);

		if (e != PATH_OK)
			return e;
	}
	if (has_non_ascii(path->addr) && !path->smtputf8 && !utf8_ok)
		return PATH_SYNTAX;
	return PATH_OK;
}
