/*
 * driver.c: runs a fuzz target without libFuzzer, over each file named
 * on the command line (or stdin), so the targets build with any compiler
 * in the normal build and run over the corpora in the test suite.  With
 * clang, `make fuzz` links the same targets against libFuzzer instead.
 */
#include <err.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sysexits.h>
#include <glib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
run_one(const char *path)
{
	gchar *data;
	gsize len;
	GError *error = NULL;

	if (!g_file_get_contents(path, &data, &len, &error))
		errx(EX_NOINPUT, "%s", error->message);
	LLVMFuzzerTestOneInput((const uint8_t *)data, len);
	g_free(data);
}

int
main(int argc, char **argv)
{
	if (argc < 2) {
		GByteArray *in = g_byte_array_new();
		guint8 buf[65536];
		size_t n;

		while ((n = fread(buf, 1, sizeof buf, stdin)) > 0)
			g_byte_array_append(in, buf, (guint)n);
		if (ferror(stdin))
			err(EX_IOERR, "stdin");
		LLVMFuzzerTestOneInput(in->data, in->len);
		g_byte_array_unref(in);
		return 0;
	}
	for (int i = 1; i < argc; i++)
		run_one(argv[i]);
	return 0;
}
