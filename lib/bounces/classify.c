/*
 * classify.c: what a bounce means for the address (bounce.h).
 */
#include <string.h>
#include <glib.h>

#include "kring/bounce.h"

/* Words of a 5.0.0 (or a code-less failure) that say the address is
 * not there. */
static const char *const no_such_user[] = {
	"user unknown", "unknown user", "no such user", "does not exist",
	"doesn't exist", "no mailbox", "mailbox unavailable",
	"mailbox not found", "invalid recipient", "recipient unknown",
	"unknown recipient", "address rejected", "not a valid",
	"doesn't have a", "account has been disabled", "no such recipient",
	"unrouteable address", "user not found",
};

const struct dsn_rcpt *
bounce_pick(const struct dsn_report *report, const char *address)
{
	for (size_t i = 0; i < report->n; i++)
		if (g_ascii_strcasecmp(report->rcpt[i].recipient, address) == 0)
			return &report->rcpt[i];
	for (size_t i = 0; i < report->n; i++)
		if (strcmp(report->rcpt[i].action, "failed") == 0)
			return &report->rcpt[i];
	return report->n > 0 ? &report->rcpt[0] : NULL;
}

static bool
says_no_such_user(const char *diagnostic)
{
	char *lower = g_utf8_strdown(diagnostic, -1);
	bool found = false;

	for (size_t i = 0; i < G_N_ELEMENTS(no_such_user) && !found; i++)
		found = strstr(lower, no_such_user[i]) != NULL;
	g_free(lower);
	return found;
}

enum bounce_class
bounce_classify(const struct dsn_rcpt *r)
{
	const char *s = r->status;

	if (strcmp(r->action, "delayed") == 0)
		return BOUNCE_DELAYED;
	if (strcmp(r->action, "delivered") == 0 ||
	    strcmp(r->action, "relayed") == 0 ||
	    strcmp(r->action, "expanded") == 0)
		return BOUNCE_SUCCESS;
	if (r->action[0] != '\0' && strcmp(r->action, "failed") != 0)
		return BOUNCE_NOT;
	if (s[0] == '2')
		return BOUNCE_SUCCESS;
	if (strncmp(s, "5.7.", 4) == 0)
		return BOUNCE_POLICY;
	if (strncmp(s, "5.1.", 4) == 0 || strcmp(s, "5.2.1") == 0)
		return BOUNCE_HARD;
	if ((s[0] == '\0' || strcmp(s, "5.0.0") == 0) &&
	    says_no_such_user(r->diagnostic))
		return BOUNCE_HARD;
	if (s[0] == '\0' && r->action[0] == '\0')
		return BOUNCE_NOT;
	return BOUNCE_SOFT;	/* 5.x.x, or a 4.x.x given up on */
}

const char *
bounce_class_name(uint32_t c)
{
	static const char *const names[BOUNCE__N] = {
		"none", "delayed", "success", "policy", "soft", "hard",
	};

	return c < BOUNCE__N ? names[c] : "?";
}
