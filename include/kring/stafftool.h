/*
 * stafftool.h: what kring newsletter, thanks, feedback and sla share:
 * their options (the common ones, --send, --since, --until), the store,
 * the community from the config (its staff and language), the period,
 * and the end of a run: the mbox preview on stdout, or with --send the
 * mail enqueued and the period recorded in one commit.
 */
#ifndef KRING_STAFFTOOL_H
#define KRING_STAFFTOOL_H

#include <stdbool.h>
#include <stdio.h>
#include "kring/cli.h"
#include "kring/mail.h"
#include "kring/period.h"

struct staff_run {
	const char *tool;	/* "newsletter", ... */
	struct cli cli;
	bool send;
	bool once;		/* --once: skip a period run before */
	MDB_txn *txn;		/* a write transaction with --send */
	uint32_t comm_id;
	const struct community_conf *community;
	struct period period;
	struct mail_out mo;
	int64_t now;
};

/*
 * Parse ARGV (USAGE exits for --help and bad options), open the store,
 * find the community and the period (DEFAULT_DAYS on a first run).
 * Exits with a sysexits code and a message on any error.
 */
void staff_run_start(struct staff_run *r, const char *tool, int argc,
    char **argv, long default_days, void (*usage)(FILE *, int));

/* The end of a successful run: print the preview, or record the period
 * and commit; a line on stderr says what was done.  Frees R. */
void staff_run_finish(struct staff_run *r);

/* Exit with STATUS and the message; nothing is committed. */
void staff_run_fail(struct staff_run *r, int status, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4) G_GNUC_NORETURN;

/* Send (or preview) KIND, rendered with CTX, to the NTO recipients TO,
 * as auto-generated mail (RFC 3834); exits on a template, composing or
 * outbox error. */
void staff_run_mail(struct staff_run *r, const char *kind,
    struct tmpl_ctx *ctx, const struct compose_addr *to, size_t nto);

/* The community's staff as recipients (NULL-ended count in *N); g_free. */
struct compose_addr *staff_run_staff(const struct staff_run *r, size_t *n);

#endif
