/*
 * membercmd.c: the sub-address commands of members (membercmd.h).
 */
#include <stdio.h>
#include <string.h>
#include <glib.h>

#include "kring/member.h"
#include "kring/membercmd.h"

static const struct {
	const char *word;
	enum member_cmd cmd;
	int mode;		/* MCMD_MODE */
	const char *lang;	/* MCMD_LANG: the language; else a hint */
	bool weekly;		/* MODE_DIGEST: once a week */
} words[] = {
	{ "subscribe", MCMD_SUBSCRIBE, 0, "", false },
	{ "join", MCMD_SUBSCRIBE, 0, "", false },
	{ "aanmelden", MCMD_SUBSCRIBE, 0, "nl", false },
	{ "unsubscribe", MCMD_UNSUBSCRIBE, 0, "", false },
	{ "leave", MCMD_UNSUBSCRIBE, 0, "", false },
	{ "afmelden", MCMD_UNSUBSCRIBE, 0, "nl", false },
	{ "help", MCMD_HELP, 0, "", false },
	{ "hulp", MCMD_HELP, 0, "nl", false },
	{ "settings", MCMD_SETTINGS, 0, "", false },
	{ "instellingen", MCMD_SETTINGS, 0, "nl", false },
	{ "each", MCMD_MODE, MODE_EACH, "", false },
	{ "digest", MCMD_MODE, MODE_DIGEST, "", false },
	{ "digest-daily", MCMD_MODE, MODE_DIGEST, "", false },
	{ "digest-weekly", MCMD_MODE, MODE_DIGEST, "", true },
	{ "overzicht", MCMD_MODE, MODE_DIGEST, "nl", false },
	{ "overzicht-dagelijks", MCMD_MODE, MODE_DIGEST, "nl", false },
	{ "overzicht-wekelijks", MCMD_MODE, MODE_DIGEST, "nl", true },
	{ "nomail", MCMD_MODE, MODE_NOMAIL, "", false },
	{ "name", MCMD_NAME, 0, "", false },
	{ "naam", MCMD_NAME, 0, "nl", false },
	{ "resume", MCMD_RESUME, 0, "", false },
	{ "hervatten", MCMD_RESUME, 0, "nl", false },
	{ "lang-en", MCMD_LANG, 0, "en", false },
	{ "lang-nl", MCMD_LANG, 0, "nl", false },
	{ "taal-en", MCMD_LANG, 0, "en", false },
	{ "taal-nl", MCMD_LANG, 0, "nl", false },
};

#define CONFIRM_PREFIX "confirm-"
#define APPROVE_PREFIX "approve-"
#define REJECT_PREFIX "reject-"

/* Held posts (moderation.h): a moderator's verdict, or the sender's
 * withdrawal; "mod-ID-TOKEN" takes the verdict from the mail's text. */
static const struct {
	const char *prefix;
	char verdict;
} held_prefixes[] = {
	{ "mod-approve-", 'a' }, { "mod-reject-", 'r' },
	{ "mod-discard-", 'd' }, { "mod-", 0 }, { "withdraw-", 'w' },
};

static void
keep_unknown(const char *detail, size_t len, struct member_request *r)
{
	size_t n = len < MEMBER_CMD_UNKNOWN_MAX ? len : MEMBER_CMD_UNKNOWN_MAX;

	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)detail[i];

		r->unknown[i] = ch > ' ' && ch < 0x7f ? (char)ch : '?';
	}
	r->unknown[n] = '\0';
}

/* TEXT (LEN bytes) into R->token, lower case; "" when too long. */
static void
keep_token(const char *text, size_t len, struct member_request *r)
{
	if (len < sizeof r->token)
		for (size_t i = 0; i < len; i++)
			r->token[i] = g_ascii_tolower(text[i]);
}

/* A confirm address may end in "-en" or "-nl": the language to answer
 * in (not part of the token, and no harm if changed).  Into R->lang;
 * returns LEN less it. */
static size_t
strip_lang(const char *detail, size_t len, struct member_request *r)
{
	static const char *const langs[] = { "-en", "-nl" };

	for (size_t i = 0; i < G_N_ELEMENTS(langs); i++) {
		size_t n = strlen(langs[i]);

		if (len > n && g_ascii_strncasecmp(detail + len - n, langs[i],
		    n) == 0) {
			g_strlcpy(r->lang, langs[i] + 1, sizeof r->lang);
			return len - n;
		}
	}
	return len;
}

/* "ID-TOKEN" of a staff decision into R (R->id 0 when ID is not one). */
static void
parse_decision(const char *text, size_t len, struct member_request *r)
{
	const char *dash = memchr(text, '-', len);
	char digits[21];
	size_t n;

	r->cmd = MCMD_DECIDE;
	if (dash == NULL || (n = (size_t)(dash - text)) == 0 ||
	    n >= sizeof digits)
		return;
	memcpy(digits, text, n);
	digits[n] = '\0';
	if (g_ascii_string_to_unsigned(digits, 10, 1, G_MAXUINT64, &r->id,
	    NULL))
		keep_token(dash + 1, len - n - 1, r);
	else
		r->id = 0;
}

/* True when DETAIL (LEN bytes) starts with PREFIX ("confirm-" alone is
 * a confirmation whose token is missing: malformed, not unknown). */
static bool
has_prefix(const char *detail, size_t len, const char *prefix)
{
	size_t plen = strlen(prefix);

	return len >= plen && g_ascii_strncasecmp(detail, prefix, plen) == 0;
}

void
member_request_parse(const char *detail, size_t len, struct member_request *r)
{
	memset(r, 0, sizeof *r);
	if (has_prefix(detail, len, CONFIRM_PREFIX)) {
		r->cmd = MCMD_CONFIRM;
		detail += strlen(CONFIRM_PREFIX);
		len -= strlen(CONFIRM_PREFIX);
		len = strip_lang(detail, len, r);
		keep_token(detail, len, r);
		return;
	}
	for (size_t i = 0; i < G_N_ELEMENTS(held_prefixes); i++) {
		size_t plen = strlen(held_prefixes[i].prefix);

		if (!has_prefix(detail, len, held_prefixes[i].prefix))
			continue;
		parse_decision(detail + plen, len - plen, r);
		r->cmd = MCMD_MODERATE;
		r->verdict = held_prefixes[i].verdict;
		return;
	}
	if (has_prefix(detail, len, APPROVE_PREFIX) ||
	    has_prefix(detail, len, REJECT_PREFIX)) {
		size_t plen;

		r->approve = has_prefix(detail, len, APPROVE_PREFIX);
		plen = strlen(r->approve ? APPROVE_PREFIX : REJECT_PREFIX);
		parse_decision(detail + plen, len - plen, r);
		return;
	}
	for (size_t i = 0; i < G_N_ELEMENTS(words); i++) {
		if (strlen(words[i].word) == len &&
		    g_ascii_strncasecmp(words[i].word, detail, len) == 0) {
			r->cmd = words[i].cmd;
			r->mode = words[i].mode;
			r->weekly = words[i].weekly;
			g_strlcpy(r->lang, words[i].lang, sizeof r->lang);
			return;
		}
	}
	r->cmd = MCMD_HELP;
	keep_unknown(detail, len, r);
	if (r->unknown[0] == '\0')
		g_strlcpy(r->unknown, "?", sizeof r->unknown);
}

/* SUBJECT past the reply and forward prefixes mail programs add. */
static const char *
skip_reply_prefixes(const char *subject)
{
	static const char *const prefixes[] = {
		"re:", "aw:", "antw:", "fw:", "fwd:", "doorst:",
	};
	bool again = true;

	while (again) {
		again = false;
		while (g_ascii_isspace(*subject))
			subject++;
		for (size_t i = 0; i < G_N_ELEMENTS(prefixes); i++) {
			size_t n = strlen(prefixes[i]);

			if (g_ascii_strncasecmp(subject, prefixes[i], n) == 0) {
				subject += n;
				again = true;
			}
		}
	}
	return subject;
}

void
member_request_from_subject(const char *subject, struct member_request *r,
    const char **rest)
{
	const char *word = skip_reply_prefixes(subject), *end = word;
	char joined[sizeof r->token + sizeof CONFIRM_PREFIX];

	while (*end != '\0' && !g_ascii_isspace(*end))
		end++;
	*rest = end;
	while (g_ascii_isspace(**rest))
		(*rest)++;
	if (end == word) {	/* no Subject: the help */
		memset(r, 0, sizeof *r);
		r->cmd = MCMD_HELP;
		return;
	}
	if ((size_t)(end - word) == strlen("confirm") &&
	    g_ascii_strncasecmp(word, "confirm", strlen("confirm")) == 0 &&
	    **rest != '\0') {	/* "confirm TOKEN" */
		const char *tok = *rest, *tend = tok;

		while (*tend != '\0' && !g_ascii_isspace(*tend))
			tend++;
		if ((size_t)(tend - tok) < sizeof r->token) {
			snprintf(joined, sizeof joined, "%s%.*s", CONFIRM_PREFIX,
			    (int)(tend - tok), tok);
			member_request_parse(joined, strlen(joined), r);
		} else
			member_request_parse(CONFIRM_PREFIX,
			    strlen(CONFIRM_PREFIX), r);	/* too long: malformed */
		return;
	}
	member_request_parse(word, (size_t)(end - word), r);
}

const char *
member_cmd_name(enum member_cmd cmd)
{
	static const char *const names[] = {
		[MCMD_HELP] = "help", [MCMD_SUBSCRIBE] = "subscribe",
		[MCMD_UNSUBSCRIBE] = "unsubscribe",
		[MCMD_SETTINGS] = "settings", [MCMD_MODE] = "mode",
		[MCMD_NAME] = "name", [MCMD_LANG] = "lang",
		[MCMD_CONFIRM] = "confirm", [MCMD_DECIDE] = "decide",
		[MCMD_MODERATE] = "moderate", [MCMD_RESUME] = "resume",
	};

	return (size_t)cmd < G_N_ELEMENTS(names) && names[cmd] ? names[cmd] :
	    "?";
}
