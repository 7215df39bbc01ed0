/*
 * Fuzz target: the template engine, parser and renderer.  The input is
 * written as en/t.txt and en/t.html into a scratch folder (made once,
 * removed at exit, beside a fixed partial en/_p) and rendered as both,
 * with a small context and a new set each time, so that every input is
 * parsed.  {{> t}} makes the input include itself.  Output that is not
 * valid UTF-8 or over the limit, or an error that leaves output or says
 * nothing, is a bug: abort.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib.h>

#include "kring/template.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char scratch[] = "/tmp/kring-fuzz-template.XXXXXX";
static char *lang_dir;
static struct tmpl_ctx *ctx;
static const char *const files[] = { "t.txt", "t.html", "_p.txt", "_p.html" };

static void
cleanup(void)
{
	for (size_t i = 0; i < G_N_ELEMENTS(files); i++) {
		char *path = g_build_filename(lang_dir, files[i], NULL);

		(void)unlink(path);
		g_free(path);
	}
	(void)rmdir(lang_dir);
	(void)rmdir(scratch);
	g_free(lang_dir);
	tmpl_ctx_free(ctx);
}

static int
write_file(const char *name, const uint8_t *data, size_t size)
{
	char *path = g_build_filename(lang_dir, name, NULL);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	int rc = -1;

	g_free(path);
	if (fd == -1)
		return -1;
	if (write(fd, data, size) == (ssize_t)size)
		rc = 0;
	if (close(fd) == -1)
		rc = -1;
	return rc;
}

static struct tmpl_ctx *
ctx_make(void)
{
	struct tmpl_ctx *c = tmpl_ctx_new(), *item, *sub;
	int rc = 0;

	rc |= tmpl_ctx_set(c, "name", "Anna <&> \"'");
	rc |= tmpl_ctx_set(c, "empty", "");
	rc |= tmpl_ctx_set(c, "crlf", "a\r\nBcc: x@example.net");
	rc |= tmpl_ctx_set(c, "a.b.c", "deep");
	rc |= tmpl_ctx_set_bool(c, "yes", true);
	rc |= tmpl_ctx_set_bool(c, "no", false);
	rc |= tmpl_ctx_set_int(c, "n", 0);
	rc |= tmpl_ctx_set_int(c, "count", 3);
	for (int i = 0; i < 3; i++) {
		if ((item = tmpl_ctx_add_item(c, "items")) == NULL)
			abort();
		rc |= tmpl_ctx_set_int(item, "n", i);
		rc |= tmpl_ctx_set(item, "title", "<item>");
		if ((sub = tmpl_ctx_add_item(item, "items")) == NULL)
			abort();
		rc |= tmpl_ctx_set(sub, "title", "sub");
	}
	if (rc != 0)
		abort();
	return c;
}

static int
setup(void)
{
	static const char partial[] =
	    "[{{name}}{{#items}}{{title}}{{n}}{{/items}}]\n";

	if (mkdtemp(scratch) == NULL)
		return -1;
	lang_dir = g_build_filename(scratch, "en", NULL);
	ctx = ctx_make();
	if (atexit(cleanup) != 0 || mkdir(lang_dir, 0700) == -1 ||
	    write_file("_p.txt", (const uint8_t *)partial,
	    sizeof partial - 1) == -1 ||
	    write_file("_p.html", (const uint8_t *)partial,
	    sizeof partial - 1) == -1)
		return -1;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int state;	/* 0: not set up, 1: ready, -1: cannot */
	const char *dirs[] = { scratch, NULL };
	struct tmpl_set *set;
	GString *out;
	char err[512];

	if (state == 0)
		state = setup() == 0 ? 1 : -1;
	if (state == -1 || write_file("t.txt", data, size) == -1 ||
	    write_file("t.html", data, size) == -1)
		return 0;
	set = tmpl_set_new(dirs);
	out = g_string_new(NULL);
	for (size_t i = 0; i < 2; i++) {
		g_string_truncate(out, 0);
		err[0] = '\0';
		if (tmpl_render(set, "en", files[i], ctx, out, err,
		    sizeof err) == -1) {
			/* An error leaves OUT alone and says what it is. */
			if (out->len != 0 || err[0] == '\0')
				abort();
		} else if (!g_utf8_validate(out->str, (gssize)out->len, NULL) ||
		    out->len > TMPL_MAX_OUTPUT)
			abort();
	}
	g_string_free(out, TRUE);
	tmpl_set_free(set);
	return 0;
}
