/*
 * kring-mod: the posts held for a moderator (moderation.h), for admins.
 *
 *   list [--all]                      the posts that wait (--all: every
 *                                     record, decided ones too)
 *   show ID                           one held post, with its message
 *   approve ID [--send]               send it to the members
 *   reject ID [--reason TEXT] [--send]  turn it down, telling the sender
 *   discard ID [--send]               drop it without a word
 *
 * A decision previews the mail it makes (an mbox on stdout) and changes
 * nothing unless --send is given; kringd fans an approved post out
 * within a second.  The first decision wins, by mail or here.
 */
#include <err.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <glib.h>

#include "kring/cli.h"
#include "kring/json.h"
#include "kring/moderation.h"
#include "kring/msginfo.h"
#include "kring/staffauth.h"
#include "kring/util.h"

struct opts {
	const char *reason;
	bool all, send;
};

static void
usage(FILE *out, int status)
{
	fprintf(out,
	    "usage: kring mod [-c FILE] [-s DIR] [--community C] [--json] "
	    "COMMAND\n\n"
	    "  list [--all]               the held posts that wait (--all: "
	    "decided too)\n"
	    "  show ID                    one held post and its message\n"
	    "  approve ID [--send]        send it to the members\n"
	    "  reject ID [--reason TEXT] [--send]  turn it down; the sender "
	    "is told\n"
	    "  discard ID [--send]        drop it; the sender is not told\n\n"
	    "A decision prints the mail it would send (an mbox) and changes\n"
	    "nothing, unless --send is given.\n");
	exit(status);
}

/* The configured community, or exit (after cli_open_store, which
 * reads the config). */
static const struct community_conf *
mod_community(struct cli *cli)
{
	const struct community_conf *c;

	if (!cli->have_conf)
		errx(EX_USAGE, "kring mod needs the config (-c)");
	c = config_community(&cli->conf, cli->community);
	if (c == NULL && cli->community != NULL)
		errx(EX_USAGE, "%s: no community \"%s\" in the config",
		    cli->conf.path, cli->community);
	if (c == NULL)
		errx(EX_USAGE, "%s: no community", cli->conf.path);
	return c;
}

static uint64_t
held_id_arg(const char *arg)
{
	guint64 id;

	if (!g_ascii_string_to_unsigned(arg, 10, 1, G_MAXUINT64, &id, NULL))
		errx(EX_USAGE, "%s: not a held post id", arg);
	return id;
}

static void
print_held(struct cli *cli, const struct held *h)
{
	GString *out = g_string_new(NULL);
	char came[32], expires[32], decided[32] = "";

	time_iso(h->rec.time, came, sizeof came);
	time_iso(h->rec.expires, expires, sizeof expires);
	if (h->rec.decided != 0)
		time_iso(h->rec.decided, decided, sizeof decided);
	if (cli->json) {
		g_string_append_printf(out, "{\"id\":%" G_GUINT64_FORMAT
		    ",\"state\":\"%s\",\"why\":\"%s\",\"size\":%u,\"came\":\"%s\""
		    ",\"expires\":\"%s\",\"reminded\":%s,\"sender\":", h->id,
		    held_state_name(h->rec.state), held_why_name(h->rec.why),
		    h->rec.size, came, expires,
		    h->rec.flags & HELD_REMINDED ? "true" : "false");
		json_string(out, h->sender, strlen(h->sender));
		g_string_append(out, ",\"author\":");
		json_string(out, h->author, strlen(h->author));
		g_string_append(out, ",\"subject\":");
		json_string(out, h->subject, strlen(h->subject));
		g_string_append(out, ",\"decided\":");
		if (h->rec.decided != 0)
			g_string_append_printf(out, "\"%s\"", decided);
		else
			g_string_append(out, "null");
		g_string_append(out, ",\"decided_by\":");
		json_string(out, h->decided_by, strlen(h->decided_by));
		g_string_append(out, "}\n");
	} else {
		g_string_append_printf(out, "%" G_GUINT64_FORMAT "  %s  %s  "
		    "came %s  ", h->id, held_state_name(h->rec.state),
		    held_why_name(h->rec.why), came);
		if (h->rec.state == HELD_WAITING)
			g_string_append_printf(out, "expires %s", expires);
		else
			g_string_append_printf(out, "decided %s%s%s", decided,
			    h->decided_by[0] ? " by " : "", h->decided_by);
		g_string_append_printf(out, "  %s  \"%s\"\n", h->author[0] ?
		    h->author : h->sender, h->subject);
	}
	cli_emit(out);
}

struct listing {
	struct cli *cli;
	uint32_t comm;
	bool all;
};

static int
list_one(const struct held *h, void *arg)
{
	struct listing *l = arg;

	if (h->rec.community == l->comm &&
	    (l->all || h->rec.state == HELD_WAITING))
		print_held(l->cli, h);
	return 0;
}

/* The store id of C; false when it has never had mail. */
static bool
stored_community(struct cli *cli, MDB_txn *txn, const struct community_conf *c,
    uint32_t *comm)
{
	int rc = store_community_id(&cli->st, txn, c->name, false, comm);

	if (rc != 0 && rc != MDB_NOTFOUND)
		errx(EX_SOFTWARE, "%s: %s", cli->st.path, mdb_strerror(rc));
	return rc == 0;
}

static void
cmd_list(struct cli *cli, int nargs, char **args, const struct opts *o)
{
	const struct community_conf *c;
	struct listing l = { cli, 0, o->all };
	MDB_txn *txn;
	int rc;

	if (nargs != 0)
		usage(stderr, EX_USAGE);
	cli_open_store(cli, false);
	c = mod_community(cli);
	txn = cli_begin(cli, false);
	if (stored_community(cli, txn, c, &l.comm) &&
	    (rc = held_walk(&cli->st, txn, list_one, &l)) != 0)
		errx(EX_DATAERR, "%s: held posts: %s", cli->st.path,
		    mdb_strerror(rc));
	cli_finish(cli, txn);
}

/* Held post ID of C into *H, or exit. */
static void
held_of(struct cli *cli, MDB_txn *txn, const struct community_conf *c,
    uint64_t id, struct held *h)
{
	uint32_t comm;
	int rc = held_get(&cli->st, txn, id, h);

	if (rc == 0 && (!stored_community(cli, txn, c, &comm) ||
	    h->rec.community != comm))
		rc = MDB_NOTFOUND;
	if (rc == MDB_NOTFOUND)
		errx(EX_DATAERR, "%s: no held post %" G_GUINT64_FORMAT,
		    c->name, id);
	if (rc != 0)
		errx(EX_DATAERR, "%s: held post %" G_GUINT64_FORMAT ": %s",
		    cli->st.path, id, mdb_strerror(rc));
}

static void
cmd_show(struct cli *cli, int nargs, char **args, const struct opts *o)
{
	const struct community_conf *c;
	struct held h;
	MDB_val raw;
	MDB_txn *txn;

	if (nargs != 1)
		usage(stderr, EX_USAGE);
	cli_open_store(cli, false);
	c = mod_community(cli);
	txn = cli_begin(cli, false);
	held_of(cli, txn, c, held_id_arg(args[0]), &h);
	print_held(cli, &h);
	if (!cli->json && held_raw(&cli->st, txn, h.id, &raw) == 0) {
		GString *msg = g_string_new("\n");

		g_string_append_len(msg, (const char *)raw.mv_data +
		    h.rec.header_len, (gssize)(raw.mv_size - h.rec.header_len));
		cli_emit(msg);
	}
	cli_finish(cli, txn);
}

static void
decide(struct cli *cli, int nargs, char **args, const struct opts *o,
    enum mod_verdict verdict)
{
	const struct community_conf *c;
	unsigned char key[STAFF_KEY_LEN];
	struct moderation m;
	char errbuf[512], *by;
	struct held h;
	bool fanned;
	MDB_txn *txn;
	int rc;

	if (nargs != 1)
		usage(stderr, EX_USAGE);
	if (o->reason != NULL && verdict != MOD_REJECT)
		errx(EX_USAGE, "--reason goes with reject");
	cli_open_store(cli, true);
	c = mod_community(cli);
	if (staff_key_load(cli->st.path, true, key, errbuf, sizeof errbuf) != 0)
		errx(EX_CANTCREAT, "%s", errbuf);
	msginfo_global_init();
	txn = cli_begin(cli, true);
	held_of(cli, txn, c, held_id_arg(args[0]), &h);
	m = (struct moderation){ &cli->st, txn, &cli->conf, c, key,
	    kring_now(), o->send ? NULL : g_byte_array_new() };
	by = g_strdup_printf("%s (kring mod)", g_get_user_name());
	rc = moderation_decide(&m, h.id, verdict, by, o->reason, &h, &fanned);
	g_free(by);
	if (rc == -2)
		errx(EX_DATAERR, "held post %" G_GUINT64_FORMAT " was %s "
		    "already%s%s", h.id, held_state_name(h.rec.state),
		    h.decided_by[0] ? " by " : "", h.decided_by);
	if (rc != 0)
		errx(EX_SOFTWARE, "held post %" G_GUINT64_FORMAT ": %s", h.id,
		    mdb_strerror(rc));
	fprintf(stderr, "held post %" G_GUINT64_FORMAT ": %s%s\n", h.id,
	    held_state_name(h.rec.state), o->send ? (fanned ?
	    "; kringd sends it to the members" : "") :
	    " (preview: nothing changed; --send to act)");
	if (m.preview != NULL) {
		mdb_txn_abort(txn);
		if (m.preview->len > 0 && fwrite(m.preview->data, 1,
		    m.preview->len, stdout) != m.preview->len)
			err(EX_IOERR, "stdout");
		g_byte_array_unref(m.preview);
	} else if ((rc = mdb_txn_commit(txn)) != 0)
		errx(EX_CANTCREAT, "%s: %s", cli->st.path, mdb_strerror(rc));
	cli_finish(cli, NULL);
}

static void
cmd_approve(struct cli *cli, int nargs, char **args, const struct opts *o)
{
	decide(cli, nargs, args, o, MOD_APPROVE);
}

static void
cmd_reject(struct cli *cli, int nargs, char **args, const struct opts *o)
{
	decide(cli, nargs, args, o, MOD_REJECT);
}

static void
cmd_discard(struct cli *cli, int nargs, char **args, const struct opts *o)
{
	decide(cli, nargs, args, o, MOD_DISCARD);
}

static const struct command {
	const char *name;
	void (*run)(struct cli *, int, char **, const struct opts *);
} commands[] = {
	{ "list", cmd_list }, { "show", cmd_show },
	{ "approve", cmd_approve }, { "reject", cmd_reject },
	{ "discard", cmd_discard },
};

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_LONGOPTS,
		{ "reason", required_argument, NULL, 'R' },
		{ "all", no_argument, NULL, 'A' },
		{ "send", no_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli cli = { .need_config = true };
	struct opts o = { 0 };
	int ch;

	while ((ch = getopt_long(argc, argv, CLI_SHORTOPTS, longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'h': usage(stdout, 0); break;
		case 'R': o.reason = optarg; break;
		case 'A': o.all = true; break;
		case 'S': o.send = true; break;
		default:
			if (!cli_option(&cli, ch, optarg))
				usage(stderr, EX_USAGE);
		}
	}
	if (optind == argc)
		usage(stderr, EX_USAGE);
	for (size_t i = 0; i < G_N_ELEMENTS(commands); i++)
		if (strcmp(commands[i].name, argv[optind]) == 0) {
			commands[i].run(&cli, argc - optind - 1,
			    argv + optind + 1, &o);
			return 0;
		}
	warnx("%s: no such command", argv[optind]);
	usage(stderr, EX_USAGE);
	return EX_USAGE;
}
