/*
 * kring.c: `kring CMD ARGS` runs `kring-CMD ARGS`, like git: first beside
 * this program, then in the libexec folder, then on PATH.
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>
#include <glib.h>

#include "kring/util.h"

static const char *const commands[][2] = {
	{ "threads", "list the threads of a community" },
	{ "thread", "show one thread as a tree" },
	{ "show", "print a stored message byte for byte" },
	{ "import", "import mbox files and Maildir folders" },
	{ "stats", "count messages, threads and senders" },
	{ "send", "queue messages from stdin for delivery" },
	{ "outbox", "list, retry or drop mail waiting to go out" },
	{ "topic", "start topics, record summaries and outcomes" },
	{ "member", "the members: add, invite, approve, settings" },
	{ "mod", "posts held for a moderator: list, approve, reject" },
	{ "newsletter", "the staff newsletter of a period" },
	{ "digest", "the member digests of a period" },
	{ "announce", "an announcement that reaches every member" },
	{ "thanks", "thank-you notes to the members who took part" },
	{ "feedback", "what was done with their input, to participants" },
	{ "sla", "member posts waiting too long for a staff answer" },
	{ "token", "the address staff write to, to act by mail" },
};

static void
usage(FILE *out, int status)
{
	fprintf(out, "usage: kring COMMAND [ARGS]\n\n"
	    "Work with a kring store.  Every command takes --help.\n\n");
	for (size_t i = 0; i < G_N_ELEMENTS(commands); i++)
		fprintf(out, "  %-10s %s\n", commands[i][0], commands[i][1]);
	fprintf(out, "\nThe store comes from -s DIR, KRING_STORE, or the "
	    "config (-c FILE, KRING_CONFIG).\nSee kring(1).\n");
	exit(status);
}

static void
try_exec(const char *dir, const char *prog, char **argv)
{
	char *path = g_build_filename(dir, prog, NULL);

	if (access(path, X_OK) == 0) {
		argv[0] = path;
		execv(path, argv);
		err(EX_OSERR, "%s", path);
	}
	g_free(path);
}

int
main(int argc, char **argv)
{
	char *prog, *dir;

	if (argc < 2)
		usage(stderr, EX_USAGE);
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0)
		usage(stdout, 0);
	if (strchr(argv[1], '/') != NULL || argv[1][0] == '-')
		errx(EX_USAGE, "%s: not a command; see kring --help", argv[1]);
	prog = g_strconcat("kring-", argv[1], NULL);
	if ((dir = program_dir()) != NULL) {
		try_exec(dir, prog, argv + 1);
		/* Installed: PREFIX/bin/kring beside PREFIX/libexec/kring/. */
		char *rel = g_build_filename(dir, "..", "libexec", "kring", NULL);
		try_exec(rel, prog, argv + 1);
		g_free(rel);
		g_free(dir);
	}
	try_exec(KRING_LIBEXECDIR, prog, argv + 1);
	argv[1] = prog;
	execvp(prog, argv + 1);
	errx(EX_USAGE, "%s: no such command; see kring --help", argv[1] + 6);
}
