/*
 * Fuzz target: splitting an mbox into messages (kring import).
 */
#include <stdint.h>
#include <glib.h>

#include "kring/mbox.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mbox_reader r;
	GByteArray *buf = g_byte_array_new();
	int64_t when;
	size_t total = 0;

	mbox_reader_init(&r, (const char *)data, size);
	while (mbox_next(&r, buf, &when) == 1) {
		total += buf->len;
		if (total > size)	/* un-escaping only ever shrinks */
			__builtin_trap();
	}
	g_byte_array_unref(buf);
	return 0;
}
