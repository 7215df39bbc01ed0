/*
 * kring-token: the address a staff member writes to, to act by mail
 * without DKIM or SPF: community+ACTION.EXPIRY.MAC@domain (staffauth.h).
 */
#include <err.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "kring/cli.h"
#include "kring/staffaction.h"
#include "kring/staffauth.h"
#include "kring/util.h"

static void
usage(FILE *out, int status)
{
	fprintf(out, "usage: kring token [-s DIR] [-c FILE] [--community C] "
	    "--for ADDR [--days N] ACTION\n\n"
	    "Print the address staff member ADDR writes to for ACTION (topic,\n"
	    "announce, summary-ID or outcome-ID-STATUS) without DKIM or SPF: a\n"
	    "token\n"
	    "signed with the store's secret, valid for N days (default 30).\n");
	exit(status);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_LONGOPTS,
		{ "for", required_argument, NULL, 'F' },
		{ "days", required_argument, NULL, 'D' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli cli = { .need_config = true };
	const struct community_conf *c;
	const char *who = NULL;
	unsigned char key[STAFF_KEY_LEN];
	char name[256], errbuf[512], *probe, *token;
	struct staff_action a;
	long days = 30;
	MDB_txn *txn;
	int ch;

	while ((ch = getopt_long(argc, argv, CLI_SHORTOPTS, longopts,
	    NULL)) != -1) {
		if (ch == 'h')
			usage(stdout, 0);
		else if (ch == 'F')
			who = optarg;
		else if (ch == 'D' && parse_long(optarg, 1, 3650, &days) == 0)
			;
		else if (!cli_option(&cli, ch, optarg))
			usage(stderr, EX_USAGE);
	}
	if (who == NULL || argc - optind != 1)
		usage(stderr, EX_USAGE);
	cli_open_store(&cli, false);
	txn = cli_begin(&cli, false);
	/* A token needs only the config and the secret: a community with
	 * no mail stored yet has tokens too. */
	if ((c = config_community(&cli.conf, cli.community)) == NULL) {
		cli_community(&cli, txn, name, sizeof name);
		if ((c = config_community(&cli.conf, name)) == NULL)
			errx(EX_CONFIG, "no community \"%s\" in the config",
			    name);
	}
	if (config_staff(c, who) == NULL)
		errx(EX_DATAERR, "%s is not staff of %s", who, c->name);
	probe = g_strdup_printf("%s+%s@%s", c->local, argv[optind], c->domain);
	if (staff_action_parse(probe, c->name, &a) != 0 || a.token[0] != '\0')
		errx(EX_USAGE, "%s: not topic, announce, summary-ID or "
		    "outcome-ID-STATUS",
		    argv[optind]);
	if (staff_key_load(cli.st.path, false, key, errbuf, sizeof errbuf) != 0)
		errx(EX_NOINPUT, "%s (kringd makes it on its first start)",
		    errbuf);
	token = staff_token_make(key, who, c->name, a.action,
	    kring_now() + days * 86400);
	printf("%s+%s.%s@%s\n", c->local, a.action, token, c->domain);
	g_free(token);
	g_free(probe);
	cli_finish(&cli, txn);
	return 0;
}
