/*
 * mbox.c: split an mbox file into messages (mboxrd un-escaping), for
 * `kring import` and the benchmarks.
 */
#include <string.h>
#include <time.h>

#include "kring/mbox.h"

void
mbox_reader_init(struct mbox_reader *r, const char *data, size_t len)
{
	r->data = data;
	r->len = len;
	r->pos = 0;
}

int
mbox_looks_like(const char *data, size_t len)
{
	return len >= 5 && memcmp(data, "From ", 5) == 0;
}

/* The date at the end of a From_ line "From addr Www Mmm dd hh:mm:ss yyyy". */
static int64_t
from_line_time(const char *line, size_t len)
{
	char buf[128];
	const char *sp;
	struct tm tm;
	char *end;

	if (len >= sizeof buf)
		return 0;
	memcpy(buf, line, len);
	buf[len] = '\0';
	sp = strchr(buf + 5, ' ');	/* after the address */
	if (sp == NULL)
		return 0;
	while (*sp == ' ')
		sp++;
	memset(&tm, 0, sizeof tm);
	end = strptime(sp, "%a %b %d %H:%M:%S %Y", &tm);
	if (end == NULL)
		return 0;
	return (int64_t)timegm(&tm);
}

/* Is the line at P (in R) the start of a message? */
static int
is_from_line(const struct mbox_reader *r, size_t p)
{
	if (r->len - p < 5 || memcmp(r->data + p, "From ", 5) != 0)
		return 0;
	if (p == 0)
		return 1;
	/* Preceded by an empty line (LF LF or CRLF CRLF) or the file start. */
	return (p >= 2 && r->data[p - 1] == '\n' && r->data[p - 2] == '\n') ||
	    (p >= 3 && r->data[p - 1] == '\n' && r->data[p - 2] == '\r' &&
	    r->data[p - 3] == '\n');
}

int
mbox_next(struct mbox_reader *r, GByteArray *buf, int64_t *from_time)
{
	size_t p = r->pos, line_end;
	const char *nl;

	g_byte_array_set_size(buf, 0);
	*from_time = 0;
	if (p >= r->len)
		return 0;
	if (is_from_line(r, p)) {
		nl = memchr(r->data + p, '\n', r->len - p);
		line_end = nl ? (size_t)(nl - r->data) + 1 : r->len;
		*from_time = from_line_time(r->data + p,
		    line_end - p - (nl ? 1 : 0) - (nl && nl > r->data + p &&
		    nl[-1] == '\r' ? 1 : 0));
		p = line_end;
	}
	while (p < r->len && !is_from_line(r, p)) {
		const char *line = r->data + p;
		size_t gt = 0;

		nl = memchr(line, '\n', r->len - p);
		line_end = nl ? (size_t)(nl - r->data) + 1 : r->len;
		while (p + gt < line_end && line[gt] == '>')
			gt++;
		/* mboxrd: ">From " with any number of '>' loses one. */
		if (gt > 0 && line_end - p - gt >= 5 &&
		    memcmp(line + gt, "From ", 5) == 0)
			g_byte_array_append(buf, (const guint8 *)line + 1,
			    (guint)(line_end - p - 1));
		else
			g_byte_array_append(buf, (const guint8 *)line,
			    (guint)(line_end - p));
		p = line_end;
	}
	r->pos = p;
	/* The empty line before the next From_ (or at the end of the file)
	 * belongs to the mbox format, not to the message. */
	if (buf->len >= 2 && buf->data[buf->len - 1] == '\n' &&
	    (buf->data[buf->len - 2] == '\n' || (buf->len >= 4 &&
	    memcmp(buf->data + buf->len - 4, "\r\n\r\n", 4) == 0))) {
		g_byte_array_set_size(buf, buf->len - 1);
		if (buf->len > 0 && buf->data[buf->len - 1] == '\r')
			g_byte_array_set_size(buf, buf->len - 1);
	}
	return 1;
}
