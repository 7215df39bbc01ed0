/*
 * membercmd.c: the sub-address commands of members (membercmd.h).
 */
#include <string.h>
#include <glib.h>

#include "kring/member.h"
#include "kring/membercmd.h"

static const struct {
	const char *word;
	enum member_cmd cmd;
	int mode;		/* MCMD_MODE */
	const char *lang;	/* MCMD_LANG: the language; else a hint */
} words[] = {
	{ "subscribe", MCMD_SUBSCRIBE, 0, "" },
	{ "join", MCMD_SUBSCRIBE, 0, "" },
	{ "aanmelden", MCMD_SUBSCRIBE, 0, "nl" },
	{ "unsubscribe", MCMD_UNSUBSCRIBE, 0, "" },
	{ "leave", MCMD_UNSUBSCRIBE, 0, "" },
	{ "afmelden", MCMD_UNSUBSCRIBE, 0, "nl" },
	{ "help", MCMD_HELP, 0, "" },
	{ "hulp", MCMD_HELP, 0, "nl" },
	{ "settings", MCMD_SETTINGS, 0, "" },
	{ "instellingen", MCMD_SETTINGS, 0, "nl" },
	{ "each", MCMD_MODE, MODE_EACH, "" },
	{ "digest", MCMD_MODE, MODE_DIGEST, "" },
	{ "nomail", MCMD_MODE, MODE_NOMAIL, "" },
	{ "name", MCMD_NAME, 0, "" },
	{ "naam", MCMD_NAME, 0, "nl" },
	{ "lang-en", MCMD_LANG, 0, "en" },
	{ "lang-nl", MCMD_LANG, 0, "nl" },
	{ "taal-en", MCMD_LANG, 0, "en" },
	{ "taal-nl", MCMD_LANG, 0, "nl" },
};

#define CONFIRM_PREFIX "confirm-"

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

void
member_request_parse(const char *detail, size_t len, struct member_request *r)
{
	size_t plen = strlen(CONFIRM_PREFIX);

	memset(r, 0, sizeof *r);
	if (len > plen && g_ascii_strncasecmp(detail, CONFIRM_PREFIX, plen) == 0) {
		r->cmd = MCMD_CONFIRM;
		if (len - plen < sizeof r->token) {
			for (size_t i = 0; i < len - plen; i++)
				r->token[i] = g_ascii_tolower(detail[plen + i]);
		}
		return;
	}
	for (size_t i = 0; i < G_N_ELEMENTS(words); i++) {
		if (strlen(words[i].word) == len &&
		    g_ascii_strncasecmp(words[i].word, detail, len) == 0) {
			r->cmd = words[i].cmd;
			r->mode = words[i].mode;
			g_strlcpy(r->lang, words[i].lang, sizeof r->lang);
			return;
		}
	}
	r->cmd = MCMD_HELP;
	keep_unknown(detail, len, r);
	if (r->unknown[0] == '\0')
		g_strlcpy(r->unknown, "?", sizeof r->unknown);
}

const char *
member_cmd_name(enum member_cmd cmd)
{
	static const char *const names[] = {
		[MCMD_HELP] = "help", [MCMD_SUBSCRIBE] = "subscribe",
		[MCMD_UNSUBSCRIBE] = "unsubscribe",
		[MCMD_SETTINGS] = "settings", [MCMD_MODE] = "mode",
		[MCMD_NAME] = "name", [MCMD_LANG] = "lang",
		[MCMD_CONFIRM] = "confirm",
	};

	return (size_t)cmd < G_N_ELEMENTS(names) && names[cmd] ? names[cmd] :
	    "?";
}
