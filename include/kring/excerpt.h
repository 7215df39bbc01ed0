/*
 * excerpt.h: a short plain-text excerpt of what a member wrote, for
 * quotes in the newsletter and "your posts" in feedback digests: the
 * message's first text/plain part (or its HTML part stripped of tags),
 * without quoted lines ("> "), the "On ... wrote:" line before them,
 * and the signature; runs of white space become one space.
 */
#ifndef KRING_EXCERPT_H
#define KRING_EXCERPT_H

#include <stddef.h>

/*
 * The excerpt of message RAW (LEN bytes), at most MAX bytes of UTF-8
 * (cut at a word, with "…" when cut), or "" when it has no text.  Needs
 * msginfo_global_init() first.  g_free the result.
 */
char *msg_excerpt(const char *raw, size_t len, size_t max);

/* The same, one own line a line (blank lines and quotes dropped): a
 * staff member's summary or outcome sent by mail. */
char *msg_own_text(const char *raw, size_t len, size_t max);

#endif
