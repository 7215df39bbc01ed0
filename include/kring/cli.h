/*
 * cli.h: what every tool shares: finding the store (-s DIR, KRING_STORE,
 * or the config's), the config (-c FILE, KRING_CONFIG, or the default),
 * and the community.
 */
#ifndef KRING_CLI_H
#define KRING_CLI_H

#include <stdbool.h>
#include <stdio.h>
#include <glib.h>
#include "kring/config.h"
#include "kring/store.h"

struct cli {
	const char *store_dir;	/* -s */
	const char *config_path;	/* -c */
	const char *community;	/* --community */
	const char *since, *until;	/* CLI_PERIOD_LONGOPTS, or NULL */
	bool json;
	bool need_config;	/* read the config even when given a store */
	struct kring_config conf;
	bool have_conf;
	struct store st;
};

/* Options every tool takes: -c FILE, -s DIR, --community C, --json,
 * --help.  Put CLI_LONGOPTS first in a tool's option table and
 * CLI_SHORTOPTS in its short-option string. */
#define CLI_SHORTOPTS "c:hs:"
#define CLI_LONGOPTS \
	{ "help", no_argument, NULL, 'h' }, \
	{ "community", required_argument, NULL, 'C' }, \
	{ "json", no_argument, NULL, 'J' }, \
	{ "config", required_argument, NULL, 'c' }, \
	{ "store", required_argument, NULL, 's' }

/* --since and --until, for the tools that report on a period
 * (period.h): after CLI_LONGOPTS in the tools that take them.  Their
 * codes are no characters, so no tool's own option meets them. */
#define CLI_OPT_SINCE 0x100
#define CLI_OPT_UNTIL 0x101
#define CLI_PERIOD_LONGOPTS \
	{ "since", required_argument, NULL, CLI_OPT_SINCE }, \
	{ "until", required_argument, NULL, CLI_OPT_UNTIL }

/* Take option CH (with optarg) if it is a common one; returns true then. */
bool cli_option(struct cli *cli, int ch, const char *arg);

/*
 * For tools with only the common options: parse them, calling USAGE
 * (which exits) for --help or a bad option; NARGS is how many operands
 * must follow (-1: any number).  Returns the index of the first operand.
 */
int cli_parse_common(struct cli *cli, int argc, char **argv, int nargs,
    void (*usage)(FILE *, int));

/* Begin a read (or write) transaction on the store, or exit. */
MDB_txn *cli_begin(struct cli *cli, bool write);

/* Write OUT to stdout and free it; exit on a write error. */
void cli_emit(GString *out);

/* Flush stdout, end TXN, close the store: the end of a tool's main. */
void cli_finish(struct cli *cli, MDB_txn *txn);

/*
 * Open the store: from -s, else KRING_STORE, else the
 * config's store.  Exits with a sysexits code and a message on failure.
 */
void cli_open_store(struct cli *cli, bool write);
void cli_close(struct cli *cli);

/* The community to work on: --community, else the config's first, else
 * the store's only/first.  Exits EX_USAGE / EX_DATAERR when none. */
uint32_t cli_community(struct cli *cli, MDB_txn *txn,
    char *name, size_t namelen);

/* The Markdown of PATH ("-": stdin) as valid UTF-8 with LF line ends
 * (g_free).  Exits when it cannot be read, is empty or longer than MAX
 * bytes. */
char *cli_read_markdown(const char *path, size_t max);

/* TEXT as one line (a title, a Subject): valid UTF-8, each run of white
 * space and control characters one space, trimmed.  g_free. */
char *cli_one_line(const char *text);

#endif
