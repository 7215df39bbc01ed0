/*
 * Fuzz target: reading a message's header (Message-ID, References,
 * In-Reply-To, Subject, From, Date) and the subject rules, as ingest
 * does for every message received or imported.
 */
#include <stdint.h>
#include <glib.h>

#include "kring/msginfo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int initialised;
	struct msginfo mi;
	char *base;

	if (!initialised) {
		msginfo_global_init();
		initialised = 1;
	}
	if (msginfo_parse((const char *)data, size, &mi) != 0)
		return 0;
	base = subject_base(mi.subject);
	(void)subject_is_reply(mi.subject);
	g_free(base);
	msginfo_release(&mi);
	return 0;
}
