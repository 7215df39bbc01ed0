/*
 * test-template: unit tests of the template engine (template.h),
 * printing TAP.
 *
 *   test-template                 the tests; templates are written under
 *                                 a mkdtemp folder in $TMPDIR and removed
 *   test-template render DIR LANG NAME [ARG...]
 *                                 render template NAME of LANG in folder
 *                                 DIR (DIR:DIR...: in these folders, in
 *                                 order), then the build's templates
 *                                 folder (its compiled catalogs), to
 *                                 stdout.  Each ARG is NAME=VALUE
 *                                 (a string), "@LIST" (a new item of
 *                                 LIST: the NAME=VALUE after it fill the
 *                                 item) or "@" (back to the top)
 *
 *   test-template pot FILE...     the texts to translate of the template
 *                                 FILEs ({{#_}}, as the engine parses
 *                                 them), as a gettext template (.pot) on
 *                                 stdout: what scripts/extract-pot runs
 *
 * Exit status 1 when a test failed or the rendering failed.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "kring/template.h"
#include "kring/util.h"
#include "tap.h"



static void G_GNUC_NORETURN G_GNUC_PRINTF(1, 2)
bail(const char *fmt, ...)
{
	va_list ap;

	printf("Bail out! ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	exit(1);
}

/* ------------------------------------------------------------ fixture */

/* The scratch folder, and in it the admin's and the shipped folder. */
static char *root, *admin, *shipped;

static char *
path_of(const char *dir, const char *lang, const char *name)
{
	return g_build_filename(dir, lang, name, NULL);
}

/* Write LEN bytes of TEXT (-1: a string) as DIR/LANG/NAME. */
static void
put_len(const char *dir, const char *lang, const char *name,
    const char *text, gssize len)
{
	char *folder = g_build_filename(dir, lang, NULL);
	char *path = path_of(dir, lang, name);
	GError *error = NULL;

	if (g_mkdir_with_parents(folder, 0755) == -1)
		bail("mkdir %s: %s", folder, g_strerror(errno));
	if (!g_file_set_contents(path, text, len, &error))
		bail("%s", error->message);
	g_free(folder);
	g_free(path);
}

static void
put(const char *dir, const char *lang, const char *name, const char *text)
{
	put_len(dir, lang, name, text, -1);
}

/* Render LANG/NAME with a new set over the admin's and the shipped
 * folder: the output, or "ERR: " and the error. */
static char *
render(const char *lang, const char *name, struct tmpl_ctx *ctx)
{
	const char *dirs[] = { admin, shipped, NULL };
	struct tmpl_set *set = tmpl_set_new(dirs);
	GString *out = g_string_new(NULL);
	char err[512];

	if (tmpl_render(set, lang, name, ctx, out, err, sizeof err) == -1) {
		g_string_assign(out, "ERR: ");
		g_string_append(out, err);
	}
	tmpl_set_free(set);
	return g_string_free(out, FALSE);
}

static int n_written;

/* Write SRC as a new shipped en template ending in EXT; its name. */
static char *
put_new(const char *ext, const char *src)
{
	char *name = g_strdup_printf("t%d.%s", ++n_written, ext);

	put(shipped, "en", name, src);
	return name;
}

static void
check(const char *ext, const char *src, struct tmpl_ctx *ctx,
    const char *want, const char *what)
{
	char *name = put_new(ext, src);
	char *got = render("en", name, ctx);

	is_str(got, want, "%s", what);
	g_free(got);
	g_free(name);
}

/* Expect SRC to fail with "FILE:LINE: WANT", FILE the template. */
static void
check_err(const char *ext, const char *src, struct tmpl_ctx *ctx, int line,
    const char *want, const char *what)
{
	char *name = put_new(ext, src);
	char *path = path_of(shipped, "en", name);
	char *full = g_strdup_printf("ERR: %s:%d: %s", path, line, want);
	char *got = render("en", name, ctx);

	is_str(got, full, "error: %s", what);
	g_free(got);
	g_free(full);
	g_free(path);
	g_free(name);
}

/* The values most tests render with. */
static struct tmpl_ctx *
ctx_make(void)
{
	struct tmpl_ctx *ctx = tmpl_ctx_new(), *item, *tag;
	const char *titles[] = { "a", "b", "c" };
	int rc = 0;

	rc |= tmpl_ctx_set(ctx, "name", "Anna");
	rc |= tmpl_ctx_set(ctx, "html", "<b>&\"'");
	rc |= tmpl_ctx_set(ctx, "empty", "");
	rc |= tmpl_ctx_set(ctx, "community", "Kring");
	rc |= tmpl_ctx_set_int(ctx, "count", 42);
	rc |= tmpl_ctx_set_int(ctx, "neg", -7);
	rc |= tmpl_ctx_set_int(ctx, "zero", 0);
	rc |= tmpl_ctx_set_bool(ctx, "yes", true);
	rc |= tmpl_ctx_set_bool(ctx, "no", false);
	rc |= tmpl_ctx_set(ctx, "sender.name", "Bob");
	rc |= tmpl_ctx_set(ctx, "sender.address", "bob@example.net");
	for (size_t i = 0; i < G_N_ELEMENTS(titles); i++) {
		if ((item = tmpl_ctx_add_item(ctx, "items")) == NULL)
			bail("tmpl_ctx_add_item");
		rc |= tmpl_ctx_set(item, "title", titles[i]);
	}
	/* The first item shadows "community" and has a list of its own. */
	item = tmpl_ctx_add_item(ctx, "shadow");
	if (item == NULL)
		bail("tmpl_ctx_add_item");
	rc |= tmpl_ctx_set(item, "community", "Inner");
	rc |= tmpl_ctx_set(item, "sender.nick", "bobby");
	for (int i = 0; i < 2; i++) {
		if ((tag = tmpl_ctx_add_item(item, "tags")) == NULL)
			bail("tmpl_ctx_add_item");
		rc |= tmpl_ctx_set_int(tag, "n", i);
	}
	if (rc != 0)
		bail("tmpl_ctx_set");
	return ctx;
}

/* --------------------------------------------------------------- tags */

static void
test_tags(struct tmpl_ctx *ctx)
{
	check("txt", "plain text\n", ctx, "plain text\n", "text as is");
	check("txt", "{{name}} {{ name }}", ctx, "Anna Anna",
	    "{{name}}, blanks inside");
	check("txt", "[{{html}}]", ctx, "[<b>&\"']",
	    "{{name}} in .txt is not escaped");
	check("html", "[{{html}}]", ctx, "[&lt;b&gt;&amp;&quot;&#39;]",
	    "{{name}} in .html escapes & < > \" '");
	check("html", "[{{{html}}}] [{{{ html }}}]", ctx,
	    "[<b>&\"'] [<b>&\"']", "{{{name}}} is never escaped");
	check("html", "[{{&html}}] [{{& html}}]", ctx, "[<b>&\"'] [<b>&\"']",
	    "{{& name}} is never escaped");
	check("txt", "[{{missing}}][{{{missing}}}][{{a.b.c}}]", ctx, "[][][]",
	    "missing names write nothing");
	check("txt", "{{count}} {{neg}} {{zero}} {{yes}} {{no}} {{items}}",
	    ctx, "42 -7 0 true false ", "integers, booleans, lists");
	check("txt", "a{{! a comment }}b{{!\nover\nlines}}c", ctx, "abc",
	    "comments write nothing");
	check("txt", "{ {name} }} }{", ctx, "{ {name} }} }{",
	    "lone braces are text");
}

static void
test_sections(struct tmpl_ctx *ctx)
{
	check("txt", "{{#items}}[{{title}}]{{/items}}", ctx, "[a][b][c]",
	    "a section runs once per list item");
	check("txt", "{{#yes}}Y{{/yes}}{{#no}}N{{/no}}"
	    "{{#missing}}M{{/missing}}", ctx, "Y", "a section on true, false, missing");
	check("txt", "{{#name}}<{{.}}>{{/name}}{{#empty}}E{{/empty}}", ctx,
	    "<Anna>", "a section on a string: once, the string as \".\"");
	check("txt", "{{#count}}<{{.}}>{{/count}}{{#zero}}Z{{/zero}}", ctx,
	    "<42>", "a section on an integer: false when 0");
	check("txt", "{{^no}}1{{/no}}{{^missing}}2{{/missing}}"
	    "{{^empty}}3{{/empty}}{{^zero}}4{{/zero}}{{^yes}}5{{/yes}}"
	    "{{^items}}6{{/items}}{{^name}}7{{/name}}", ctx, "1234",
	    "inverted sections");
	check("txt", "{{#items}}{{title}}{{^title}}none{{/title}}{{/items}}",
	    ctx, "abc", "inverted inside a list");
	check("txt", "{{#shadow}}{{#tags}}{{n}}{{community}};{{/tags}}"
	    "{{/shadow}}", ctx, "0Inner;1Inner;", "nested lists");
}

static void
test_names(struct tmpl_ctx *ctx)
{
	check("txt", "{{sender.name}} <{{sender.address}}>", ctx,
	    "Bob <bob@example.net>", "dotted names");
	check("txt", "{{#sender}}{{name}}/{{community}}{{/sender}}", ctx,
	    "Bob/Kring", "a map as a section, outer names still found");
	check("txt", "{{#items}}{{title}}@{{community}} {{/items}}", ctx,
	    "a@Kring b@Kring c@Kring ", "lookup goes up the context stack");
	check("txt", "{{#shadow}}{{community}}{{/shadow}} {{community}}", ctx,
	    "Inner Kring", "an inner name shadows an outer one");
	check("txt", "{{#shadow}}[{{sender.nick}}][{{sender.name}}]{{/shadow}}",
	    ctx, "[bobby][]", "a dotted name does not fall back after its "
	    "first part is found");
	check("txt", "{{#sender}}{{sender.name}}{{/sender}}", ctx, "Bob",
	    "a dotted name's first part from further up");
	check("txt", "{{.}}{{#.}}x{{/.}}", ctx, "x",
	    "\".\" at the top: the map itself");
}

static void
test_standalone(struct tmpl_ctx *ctx)
{
	check("txt", "a\n{{#yes}}\nb\n{{/yes}}\nc\n", ctx, "a\nb\nc\n",
	    "standalone section lines leave no line");
	check("txt", "a\n  {{#no}}  \nb\n\t{{/no}}\t\nc\n", ctx, "a\nc\n",
	    "... with blanks around them");
	check("txt", "a\r\n{{#yes}}\r\nb\r\n{{/yes}}\r\nc", ctx, "a\r\nb\r\nc",
	    "... ended by CRLF");
	check("txt", "a\n{{^no}}\nb\n{{/no}}", ctx, "a\nb\n",
	    "... inverted, and at the end without a newline");
	check("txt", "{{#items}}\n- {{title}}\n{{/items}}\n", ctx,
	    "- a\n- b\n- c\n", "... a list, one line per item");
	check("txt", "a\n  {{! c }}  \nb\n{{! one\ntwo }}\nc\n", ctx,
	    "a\nb\nc\n", "standalone comments, also over lines");
	check("txt", "a {{#yes}}b{{/yes}} c\n{{#yes}}{{/yes}}\n", ctx,
	    "a b c\n\n", "tags with other text on the line stay inline");
	check("txt", "{{empty}}\n{{{empty}}}\nx", ctx, "\n\nx",
	    "variables are never standalone");
}

static void
test_partials(struct tmpl_ctx *ctx)
{
	char *got;

	put(shipped, "en", "_k.html", "<H>{{html}}");
	put(shipped, "en", "_k.txt", "<T>{{html}}");
	check("html", "{{> _k}}|{{>_k}}", ctx,
	    "<H>&lt;b&gt;&amp;&quot;&#39;|<H>&lt;b&gt;&amp;&quot;&#39;",
	    "an .html template includes the .html partial, escaped");
	check("txt", "{{> _k}}", ctx, "<T><b>&\"'",
	    "a .txt template includes the .txt partial");
	put(shipped, "en", "_item.txt", "({{title}}/{{community}})\n");
	check("txt", "{{#items}}\n{{> _item}}\n{{/items}}\nend\n", ctx,
	    "(a/Kring)\n(b/Kring)\n(c/Kring)\nend\n",
	    "a partial sees the context stack; standalone partial lines");
	put(shipped, "nl", "_k.txt", "<NL>");
	put(shipped, "nl", "lang.txt", "{{> _k}}");
	got = render("nl", "lang.txt", ctx);
	is_str(got, "<NL>", "a partial of the template's own language");
	g_free(got);
	for (int i = 1; i <= 9; i++) {
		char *name = g_strdup_printf("_p%d.txt", i);
		char *text = g_strdup_printf("%d{{> _p%d}}", i, i + 1);

		put(shipped, "en", name, i == 8 ? "8" : text);
		g_free(name);
		g_free(text);
	}
	check("txt", "0{{> _p1}}", ctx, "012345678",
	    "partials nested 8 deep");
}

static void
test_override(struct tmpl_ctx *ctx)
{
	char *got;

	put(shipped, "en", "o.txt", "shipped {{> _o}}");
	put(shipped, "en", "_o.txt", "shipped-partial");
	put(shipped, "nl", "o.txt", "nl shipped");
	got = render("en", "o.txt", ctx);
	is_str(got, "shipped shipped-partial", "the shipped template");
	g_free(got);
	put(admin, "en", "_o.txt", "admin-partial");
	got = render("en", "o.txt", ctx);
	is_str(got, "shipped admin-partial", "the admin's partial wins");
	g_free(got);
	put(admin, "en", "o.txt", "admin {{> _o}}");
	got = render("en", "o.txt", ctx);
	is_str(got, "admin admin-partial", "the admin's template wins");
	g_free(got);
	got = render("nl", "o.txt", ctx);
	is_str(got, "nl shipped", "a language the admin has not overridden");
	g_free(got);
}

/* A set keeps what it parsed; OUT is appended to, and left alone on
 * error. */
static void
test_set(struct tmpl_ctx *ctx)
{
	const char *dirs[] = { admin, shipped, NULL };
	struct tmpl_set *set = tmpl_set_new(dirs);
	GString *out = g_string_new("keep:");
	char err[512];
	int rc1, rc2, rc3;

	put(shipped, "en", "c.txt", "one {{name}}");
	rc1 = tmpl_render(set, "en", "c.txt", ctx, out, err, sizeof err);
	put(shipped, "en", "c.txt", "two {{name}}");
	rc2 = tmpl_render(set, "en", "c.txt", ctx, out, err, sizeof err);
	ok(rc1 == 0 && rc2 == 0 && strcmp(out->str, "keep:one Annaone Anna")
	    == 0, "a set parses a file once and appends to OUT");
	put(shipped, "en", "bad.txt", "ok {{> _missing}}");
	rc3 = tmpl_render(set, "en", "bad.txt", ctx, out, err, sizeof err);
	ok(rc3 == -1 && strcmp(out->str, "keep:one Annaone Anna") == 0,
	    "on error OUT is left as it was");
	g_string_truncate(out, 0);
	rc1 = tmpl_render(set, "en", "c.txt", NULL, out, err, sizeof err);
	ok(rc1 == 0 && strcmp(out->str, "one ") == 0, "no context at all");
	g_string_free(out, TRUE);
	tmpl_set_free(set);
	set = tmpl_set_new(NULL);
	out = g_string_new(NULL);
	rc1 = tmpl_render(set, "en", "c.txt", ctx, out, err, sizeof err);
	ok(rc1 == -1 && strcmp(err, "en/c.txt: not found in no folder") == 0,
	    "a set of no folders");
	g_string_free(out, TRUE);
	tmpl_set_free(set);
}

/* ------------------------------------------------------------- errors */

static void
test_errors(struct tmpl_ctx *ctx)
{
	char *got, *want, *name, *path;
	char dirs[1024];

	check_err("txt", "a\n{{#items}}\nb\n", ctx, 2,
	    "{{#items}} is not closed", "unclosed section");
	check_err("txt", "{{^a}}{{#b}}\n{{/b}}", ctx, 1,
	    "{{^a}} is not closed", "unclosed inverted section");
	check_err("txt", "{{#a}}\n\n{{/b}}{{/a}}", ctx, 3,
	    "{{/b}} where {{#a}} of line 1 is open", "mismatched close");
	check_err("txt", "x\n\n{{/a}}", ctx, 3, "{{/a}} closes no section",
	    "close without open");
	check_err("txt", "{{=<% %>=}}", ctx, 1, "unknown tag {{=",
	    "set delimiters are not supported");
	check_err("txt", "a\n{{ }}", ctx, 2, "empty tag", "empty tag");
	check_err("txt", "{{}}", ctx, 1, "empty tag", "empty tag {{}}");
	check_err("txt", "\n{{# }}{{/}}", ctx, 2, "empty tag",
	    "empty section name");
	check_err("txt", "{{a b}}", ctx, 1, "bad name \"a b\"", "name with a "
	    "blank");
	check_err("txt", "{{a..b}}", ctx, 1, "bad name \"a..b\"",
	    "name with an empty part");
	check_err("txt", "{{> ../../etc/passwd}}", ctx, 1,
	    "bad name \"../../etc/passwd\"", "partial name with a path");
	check_err("txt", "{{> a.b}}", ctx, 1, "bad name \"a.b\"",
	    "partial name with a dot");
	check_err("txt", "a\nb {{name", ctx, 2, "{{ without }}",
	    "unclosed {{");
	check_err("txt", "{{{name}}", ctx, 1, "{{{ closed by }}, not }}}",
	    "{{{ closed by }}");
	check_err("txt", "\n\n{{{name", ctx, 3, "{{{ without }}}",
	    "unclosed {{{");
	check_err("txt", "ok\n{{> _nope}}", ctx, 2,
	    "partial en/_nope.txt not found", "missing partial");
	check_err("html", "{{#yes}}\n{{> _k}}{{> _nope}}\n{{/yes}}", ctx, 2,
	    "partial en/_nope.html not found", "missing partial of .html");
	check_err("txt", "ok\n\xff\n", ctx, 2, "not valid UTF-8",
	    "invalid UTF-8 in a template");

	name = put_new("txt", "");
	path = path_of(shipped, "en", name);
	put_len(shipped, "en", name, "a\0b", 3);
	want = g_strdup_printf("ERR: %s:1: not valid UTF-8", path);
	got = render("en", name, ctx);
	is_str(got, want, "error: a NUL byte in a template");
	g_free(got);
	g_free(want);
	g_free(path);
	g_free(name);

	put(admin, "en", "_broken.txt", "x\n{{#a}}\n");
	name = put_new("txt", "{{> _broken}}");
	path = path_of(admin, "en", "_broken.txt");
	want = g_strdup_printf("ERR: %s:2: {{#a}} is not closed", path);
	got = render("en", name, ctx);
	is_str(got, want, "error: in a partial, naming the partial's file");
	g_free(got);
	g_free(want);
	g_free(path);
	g_free(name);

	snprintf(dirs, sizeof dirs, "%s, %s", admin, shipped);
	want = g_strdup_printf("ERR: en/nope.txt: not found in %s", dirs);
	got = render("en", "nope.txt", ctx);
	is_str(got, want, "error: missing template");
	g_free(got);
	g_free(want);
	got = render("en", "../t1.txt", ctx);
	is_str(got, "ERR: en/../t1.txt: not a template name",
	    "error: a path as template name");
	g_free(got);
	got = render("en", "t1.md", ctx);
	is_str(got, "ERR: en/t1.md: not a template name",
	    "error: neither .txt nor .html");
	g_free(got);
	got = render("../en", "t1.txt", ctx);
	is_str(got, "ERR: ../en/t1.txt: not a template name",
	    "error: a path as language");
	g_free(got);

	path = path_of(shipped, "en", "dir.txt");
	if (g_mkdir_with_parents(path, 0755) == -1)
		bail("mkdir %s: %s", path, g_strerror(errno));
	want = g_strdup_printf("ERR: %s: not a regular file", path);
	got = render("en", "dir.txt", ctx);
	is_str(got, want, "error: a folder as template");
	g_free(got);
	g_free(want);
	g_free(path);
}

static void
test_limits(struct tmpl_ctx *ctx)
{
	GString *src = g_string_new(NULL);
	char *big, *name, *path, *want, *got, *dots;
	struct tmpl_ctx *many = tmpl_ctx_new();
	int i;

	put(shipped, "en", "self.txt", "a\n{{> self}}");
	path = path_of(shipped, "en", "self.txt");
	want = g_strdup_printf("ERR: %s:2: partials nested deeper than 8",
	    path);
	got = render("en", "self.txt", ctx);
	is_str(got, want, "error: a partial including itself stops at 8");
	g_free(got);
	g_free(want);
	g_free(path);
	put(shipped, "en", "_p8.txt", "8{{> _p9}}");
	put(shipped, "en", "_p9.txt", "9");
	path = path_of(shipped, "en", "_p8.txt");
	want = g_strdup_printf("ERR: %s:1: partials nested deeper than 8",
	    path);
	put(shipped, "en", "chain.txt", "0{{> _p1}}");
	got = render("en", "chain.txt", ctx);
	is_str(got, want, "error: partials nested 9 deep");
	g_free(got);
	g_free(want);
	g_free(path);

	for (i = 0; i < TMPL_MAX_NESTING; i++)
		g_string_append_printf(src, "{{#yes}}\n");
	g_string_append(src, "deep\n");
	for (i = 0; i < TMPL_MAX_NESTING; i++)
		g_string_append_printf(src, "{{/yes}}\n");
	check("txt", src->str, ctx, "deep\n", "sections nested 64 deep");
	g_string_prepend(src, "{{#yes}}\n");
	g_string_append(src, "{{/yes}}\n");
	check_err("txt", src->str, ctx, 65, "sections nested deeper than 64",
	    "sections nested 65 deep");

	big = g_malloc(TMPL_MAX_FILE + 2);
	memset(big, 'x', TMPL_MAX_FILE + 1);
	big[TMPL_MAX_FILE + 1] = '\0';
	if (tmpl_ctx_set(many, "big", big) != 0)
		bail("tmpl_ctx_set");
	name = put_new("txt", "");
	put_len(shipped, "en", name, big, TMPL_MAX_FILE);
	got = render("en", name, ctx);
	ok(strlen(got) == TMPL_MAX_FILE && got[0] == 'x',
	    "a template of exactly 1 MiB");
	g_free(got);
	g_free(name);
	name = put_new("txt", "");
	put_len(shipped, "en", name, big, TMPL_MAX_FILE + 1);
	path = path_of(shipped, "en", name);
	want = g_strdup_printf("ERR: %s: larger than 1 MiB", path);
	got = render("en", name, ctx);
	is_str(got, want, "error: a template over 1 MiB");
	g_free(got);
	g_free(want);
	g_free(path);
	g_free(name);
	g_free(big);

	/* Each {{big}} is 1 MiB + 1 byte: three are under 4 MiB. */
	name = put_new("txt", "{{big}}{{big}}\n{{big}}");
	got = render("en", name, many);
	ok(strlen(got) == 3 * (TMPL_MAX_FILE + 1) + 1, "output of 3 MiB");
	g_free(got);
	g_free(name);
	check_err("txt", "{{big}}{{big}}\n{{big}}\n\n{{big}}", many, 4,
	    "output larger than 4 MiB", "output over 4 MiB");

	for (i = 0; i < 2000; i++)
		if (tmpl_ctx_add_item(many, "l") == NULL)
			bail("tmpl_ctx_add_item");
	dots = g_strnfill(2000, '.');
	check("txt", "{{#l}}{{/l}}{{#l}}.{{/l}}", many, dots,
	    "a list of 2000 items");
	g_free(dots);
	check_err("txt", "\n{{#l}}{{#l}}{{#l}}{{/l}}{{/l}}{{/l}}", many, 2,
	    "more than 1048576 steps of work", "too much work");
	tmpl_ctx_free(many);
	g_string_free(src, TRUE);
}

/* ------------------------------------------------------------- values */

static void
test_values(void)
{
	struct tmpl_ctx *ctx = tmpl_ctx_new(), *item;
	const char *bad[] = { "", ".", "a..b", ".a", "a.", "a b", "{{a}}",
	    "a/b", "\xc3\xa9" };
	bool refused = true;
	char *got, *want;

	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++)
		refused = refused && tmpl_ctx_set(ctx, bad[i], "x") == -1 &&
		    tmpl_ctx_set_int(ctx, bad[i], 1) == -1 &&
		    tmpl_ctx_set_bool(ctx, bad[i], true) == -1 &&
		    tmpl_ctx_set(ctx, bad[i], NULL) == -1 &&
		    tmpl_ctx_add_item(ctx, bad[i]) == NULL;
	ok(refused && tmpl_ctx_set(ctx, NULL, "x") == -1,
	    "bad names are refused");
	ok(tmpl_ctx_set(ctx, "v", "\xff\xfe" "ok\xc3") == 0 &&
	    tmpl_ctx_set(ctx, "crlf", "Hi\r\nBcc: evil@example.net\r\n") == 0 &&
	    tmpl_ctx_set(ctx, "tag", "{{v}} {{> x}} }}") == 0 &&
	    tmpl_ctx_set_int(ctx, "min", LONG_MIN) == 0 &&
	    tmpl_ctx_set(ctx, "gone", "x") == 0 &&
	    tmpl_ctx_set(ctx, "gone", NULL) == 0 &&
	    tmpl_ctx_set(ctx, "never.there", NULL) == 0 &&
	    tmpl_ctx_set(ctx, "s", "first") == 0 &&
	    tmpl_ctx_set(ctx, "s", "second") == 0, "setting values");
	check("txt", "{{v}}", ctx, "\xef\xbf\xbd\xef\xbf\xbdok\xef\xbf\xbd",
	    "invalid UTF-8 in a value becomes U+FFFD");
	check("txt", "Subject: {{crlf}}\nBody", ctx,
	    "Subject: Hi\r\nBcc: evil@example.net\r\n\nBody",
	    "CR LF in a value is text, in .txt");
	check("html", "<p>{{crlf}}</p>", ctx,
	    "<p>Hi\r\nBcc: evil@example.net\r\n</p>", "... and in .html");
	check("html", "{{tag}}|{{{tag}}}", ctx,
	    "{{v}} {{&gt; x}} }}|{{v}} {{> x}} }}",
	    "tags in values are not expanded");
	want = g_strdup_printf("%ld[]second", LONG_MIN);
	check("txt", "{{min}}[{{gone}}]{{s}}", ctx, want,
	    "LONG_MIN, removed and replaced values");
	g_free(want);

	/* A value replaced by a list, a list by a map, a map by a value. */
	ok(tmpl_ctx_set(ctx, "x", "str") == 0 &&
	    (item = tmpl_ctx_add_item(ctx, "x")) != NULL &&
	    tmpl_ctx_set(item, "t", "1") == 0 &&
	    (item = tmpl_ctx_add_item(ctx, "x")) != NULL &&
	    tmpl_ctx_set(item, "t", "2") == 0 &&
	    tmpl_ctx_set(ctx, "y", "str") == 0 &&
	    tmpl_ctx_set(ctx, "y.z", "deep") == 0 &&
	    tmpl_ctx_set(ctx, "w.z", "map") == 0 &&
	    tmpl_ctx_set_bool(ctx, "w", true) == 0 &&
	    (item = tmpl_ctx_add_item(ctx, "m.list")) != NULL &&
	    tmpl_ctx_set(item, "t", "3") == 0, "replacing values");
	check("txt", "{{#x}}{{t}}{{/x}} {{y.z}} {{w}}{{w.z}} {{#m.list}}{{t}}"
	    "{{/m.list}}", ctx, "12 deep true 3", "... as replaced");
	got = render("en", "t1.txt", ctx);
	ok(g_utf8_validate(got, -1, NULL), "output is valid UTF-8");
	g_free(got);
	tmpl_ctx_free(ctx);
	tmpl_ctx_free(NULL);
	tmpl_set_free(NULL);
}

/* ------------------------------------------------------------- render */

/* The folders of a render: DIRS split at ':', then the build's own
 * templates folder beside this program (where make puts the compiled
 * catalogs), NULL-ended (g_strfreev). */
static char **
render_dirs(const char *dirs)
{
	char **list = g_strsplit(dirs, ":", -1);
	char *bindir = program_dir();
	guint n = g_strv_length(list);

	if (bindir == NULL)
		return list;
	list = g_renew(char *, list, n + 2);
	list[n] = g_build_filename(bindir, "..", "templates", NULL);
	list[n + 1] = NULL;
	g_free(bindir);
	return list;
}

static int
cmd_render(int argc, char **argv)
{
	char **dirs = render_dirs(argv[0]);
	struct tmpl_ctx *ctx = tmpl_ctx_new(), *cur = ctx;
	struct tmpl_set *set = tmpl_set_new((const char *const *)dirs);
	GString *out = g_string_new(NULL);
	char err[512];
	int rc = 1;

	for (int i = 3; i < argc; i++) {
		char *eq = strchr(argv[i], '=');

		if (argv[i][0] == '@')
			cur = argv[i][1] == '\0' ? ctx :
			    tmpl_ctx_add_item(ctx, argv[i] + 1);
		else if (eq != NULL) {
			*eq = '\0';
			if (tmpl_ctx_set(cur, argv[i], eq + 1) == -1)
				cur = NULL;
		} else
			cur = NULL;
		if (cur == NULL) {
			fprintf(stderr, "test-template: bad argument %s\n",
			    argv[i]);
			goto out;
		}
	}
	if (tmpl_render(set, argv[1], argv[2], ctx, out, err,
	    sizeof err) == -1) {
		fprintf(stderr, "test-template: %s\n", err);
		goto out;
	}
	if (fwrite(out->str, 1, out->len, stdout) != out->len ||
	    fflush(stdout) != 0) {
		perror("test-template: stdout");
		goto out;
	}
	rc = 0;
out:
	g_string_free(out, TRUE);
	tmpl_set_free(set);
	tmpl_ctx_free(ctx);
	g_strfreev(dirs);
	return rc;
}

/* ---------------------------------------------------------------- pot */

struct pot {
	const char *file;	/* the template being read */
	GPtrArray *keys;	/* in the order first found */
	GHashTable *where;	/* key -> GString of "#: FILE:LINE" lines */
};

static void
pot_text(void *arg, const char *context, const char *msgid, int line)
{
	struct pot *pot = arg;
	char *key = context != NULL ? g_strconcat(context, "\004", msgid,
	    NULL) : g_strdup(msgid);
	GString *where = g_hash_table_lookup(pot->where, key);

	if (where == NULL) {
		where = g_string_new(NULL);
		g_ptr_array_add(pot->keys, key);
		g_hash_table_insert(pot->where, key, where);
	} else
		g_free(key);
	g_string_append_printf(where, "#: %s:%d\n", pot->file, line);
}

static void
pot_where_free(gpointer p)
{
	g_string_free(p, TRUE);
}

/* KEYWORD and S quoted as in a .po file: a text of several lines starts
 * with "" and has a quoted line each. */
static void
pot_quote(GString *out, const char *keyword, const char *s)
{
	bool lines = strchr(s, '\n') != NULL;

	g_string_append_printf(out, "%s %s\"", keyword, lines ? "\"\"\n" : "");
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '"': g_string_append(out, "\\\""); break;
		case '\\': g_string_append(out, "\\\\"); break;
		case '\t': g_string_append(out, "\\t"); break;
		case '\n':
			g_string_append(out, s[1] != '\0' ? "\\n\"\n\"" :
			    "\\n");
			break;
		default: g_string_append_c(out, *s); break;
		}
	}
	g_string_append(out, "\"\n");
}

static const char pot_header[] =
    "# The texts of kring's mail templates, to translate in po/LANG.po.\n"
    "# Made by `make pot` (scripts/extract-pot) from the templates in\n"
    "# templates/: do not edit.\n"
    "msgid \"\"\n"
    "msgstr \"\"\n"
    "\"Project-Id-Version: kring\\n\"\n"
    "\"MIME-Version: 1.0\\n\"\n"
    "\"Content-Type: text/plain; charset=UTF-8\\n\"\n"
    "\"Content-Transfer-Encoding: 8bit\\n\"\n";

static int
cmd_pot(int argc, char **argv)
{
	struct pot pot = {
		.keys = g_ptr_array_new(),
		.where = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
		    pot_where_free),
	};
	GString *out = g_string_new(pot_header);
	char err[512];
	int rc = 1;

	for (int i = 0; i < argc; i++) {
		pot.file = argv[i];
		if (tmpl_file_texts(argv[i], pot_text, &pot, err,
		    sizeof err) == -1) {
			fprintf(stderr, "test-template: %s\n", err);
			goto out;
		}
	}
	for (guint i = 0; i < pot.keys->len; i++) {
		const char *key = pot.keys->pdata[i], *eot = strchr(key, '\004');
		char *context = eot ? g_strndup(key, (gsize)(eot - key)) : NULL;

		g_string_append_printf(out, "\n%s",
		    ((GString *)g_hash_table_lookup(pot.where, key))->str);
		if (context != NULL)
			pot_quote(out, "msgctxt", context);
		pot_quote(out, "msgid", eot ? eot + 1 : key);
		g_string_append(out, "msgstr \"\"\n");
		g_free(context);
	}
	if (fwrite(out->str, 1, out->len, stdout) != out->len ||
	    fflush(stdout) != 0) {
		perror("test-template: stdout");
		goto out;
	}
	rc = 0;
out:
	g_string_free(out, TRUE);
	g_hash_table_destroy(pot.where);
	g_ptr_array_free(pot.keys, TRUE);
	return rc;
}

static void
rm_tree(const char *path)
{
	GDir *dir = g_dir_open(path, 0, NULL);
	const char *entry;

	/* Three levels at most: root, folder, language. */
	if (dir != NULL) {
		while ((entry = g_dir_read_name(dir)) != NULL) {
			char *sub = g_build_filename(path, entry, NULL);

			rm_tree(sub);
			g_free(sub);
		}
		g_dir_close(dir);
	}
	if (g_remove(path) == -1)
		printf("# cannot remove %s: %s\n", path, g_strerror(errno));
}

int
main(int argc, char **argv)
{
	const char *tmp = getenv("TMPDIR");
	struct tmpl_ctx *ctx;

	if (argc >= 5 && strcmp(argv[1], "render") == 0)
		return cmd_render(argc - 2, argv + 2);
	if (argc >= 2 && strcmp(argv[1], "pot") == 0)
		return cmd_pot(argc - 2, argv + 2);
	if (argc > 1) {
		fprintf(stderr, "usage: test-template [render DIR LANG NAME "
		    "[ARG...] | pot FILE...]\n");
		return 2;
	}
	root = g_build_filename(tmp && *tmp ? tmp : "/tmp",
	    "template-XXXXXX", NULL);
	if (g_mkdtemp(root) == NULL)
		bail("mkdtemp %s: %s", root, g_strerror(errno));
	admin = g_build_filename(root, "admin", NULL);
	shipped = g_build_filename(root, "shipped", NULL);
	ctx = ctx_make();
	test_tags(ctx);
	test_sections(ctx);
	test_names(ctx);
	test_standalone(ctx);
	test_partials(ctx);
	test_override(ctx);
	test_set(ctx);
	test_errors(ctx);
	test_limits(ctx);
	test_values();
	tmpl_ctx_free(ctx);
	rm_tree(root);
	printf("1..%d\n", t_count);
	if (t_failed)
		printf("# failed %d of %d\n", t_failed, t_count);
	fflush(stdout);
	g_free(admin);
	g_free(shipped);
	g_free(root);
	return t_failed ? 1 : 0;
}
