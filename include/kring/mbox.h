/*
 * mbox.h: split an mbox file into messages.  A message starts at a line
 * "From " at the start of the file or after an empty line.  ">From "
 * lines (any number of '>') lose one '>' (mboxrd).  CRLF files work.
 */
#ifndef KRING_MBOX_H
#define KRING_MBOX_H

#include <stddef.h>
#include <stdint.h>
#include <glib.h>

struct mbox_reader {
	const char *data;	/* the whole file */
	size_t len, pos;
};

void mbox_reader_init(struct mbox_reader *r, const char *data, size_t len);

/*
 * Next message into BUF (cleared first, un-escaped, From_ line removed).
 * *FROM_TIME gets the From_ line's date (Unix UTC) or 0.  Returns 1 when a
 * message was read, 0 at the end.
 */
int mbox_next(struct mbox_reader *r, GByteArray *buf, int64_t *from_time);

/* True when DATA looks like an mbox (starts with "From "). */
int mbox_looks_like(const char *data, size_t len);

#endif
