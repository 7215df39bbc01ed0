/*
 * template.h: the mail templates, a small subset of mustache.
 *
 * A template set is an ordered list of folders; template NAME in language
 * LANG is the file DIR/LANG/NAME of the first folder that has it, so an
 * admin's folder listed before the shipped one overrides single files;
 * when no folder has LANG/NAME, it is the language-neutral DIR/NAME of
 * the first folder that has that, with the texts marked {{#_}}..{{/_}}
 * in it translated by LANG's catalogs: DIR/LANG/kring.mo of every folder
 * that has one (catalog.h), the first that has a text winning; a text
 * none has stays as written (English, TMPL_SOURCE_LANG).  A language
 * other than TMPL_SOURCE_LANG needs at least one catalog for a neutral
 * template.  Partials are looked up the same way.  NAME ends in ".html"
 * (values are HTML-escaped) or ".txt" (they are not).
 *
 * Tags:
 *   {{name}}           the value; escaped & < > " ' in an .html template
 *   {{{name}}}         the value, never escaped
 *   {{& name}}         the same
 *   {{#name}}..{{/name}}  a list: the body once per item, the item as the
 *                      innermost context; any other true value: once, the
 *                      value as the innermost context; false: not at all
 *   {{^name}}..{{/name}}  the body once when the value is false
 *   {{> partial}}      the template "partial.html" (from an .html
 *                      template) or "partial.txt" (from a .txt one), same
 *                      set and language, in the current context
 *   {{! comment}}      nothing
 *   {{#_}}..{{/_}}     a text to translate (the msgid is the body as
 *                      written, tags and all; {{#_ CONTEXT}} gives it the
 *                      msgctxt CONTEXT, a word): the translation, or the
 *                      body when there is none, rendered as template text
 *                      where the tag stands (same context and escaping;
 *                      its tags are escaped as any, its own text is
 *                      not).  It may hold any tag but {{#_}}; its lines
 *                      are lines as in the file, so a standalone tag in a
 *                      translation takes its line as it would there.
 * A name is "." (the innermost context) or parts of letters, digits, "_"
 * and "-" joined by dots: "a.b" finds "a" in the innermost context that
 * has it, then "b" inside that value only (mustache's rules).  A
 * section, inverted, closing, comment or partial tag alone on its line
 * (but for spaces and tabs) takes the whole line with it.  A standalone
 * partial's indentation is not carried into its lines, and there are no
 * set-delimiter tags or lambdas.
 *
 * Values: a string (UTF-8; invalid bytes become U+FFFD when set) is false
 * when empty; an integer is written in decimal and false when 0; a
 * boolean is written "true" or "false"; a list is false when it has no
 * items; a map (what a dotted set or a list item makes) is true and
 * writes nothing.  A missing name is false and writes nothing.
 *
 * "lang", when the context has no value of that name, is LANG.
 *
 * Counts and plurals, for names that have no value of their own:
 * NAME_count is the number of items of list NAME (0 when NAME is
 * missing), so "{{#posts_count}}" tests a list once, not per item;
 * NAME_one is a boolean, true when NAME is a count of exactly 1 (an
 * integer 1, a list of one item, the text "1", or NAME_count of 1) and
 * false for any other count, so that "{{n}} post{{^n_one}}s{{/n_one}}"
 * writes "1 post" and "2 posts" (English and Dutch have one form for 1
 * and one for every other number, 0 too).  When NAME is no count,
 * NAME_one is missing.
 *
 * Limits: a template file is at most TMPL_MAX_FILE bytes of valid UTF-8,
 * sections nest at most TMPL_MAX_NESTING deep in a file, partials at most
 * TMPL_MAX_PARTIALS deep, one rendering appends at most TMPL_MAX_OUTPUT
 * bytes and takes at most TMPL_MAX_STEPS steps (a step: a tag, a piece of
 * text, or a list item), so that no template loops for long.
 */
#ifndef KRING_TEMPLATE_H
#define KRING_TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>
#include <glib.h>

#define TMPL_MAX_FILE		(1024 * 1024)
#define TMPL_MAX_OUTPUT		(4 * 1024 * 1024)
#define TMPL_MAX_PARTIALS	8
#define TMPL_MAX_NESTING	64
#define TMPL_MAX_STEPS		(1L << 20)

/* The language of the texts in neutral templates, and the file name of a
 * language's catalog in its folder. */
#define TMPL_SOURCE_LANG	"en"
#define TMPL_CATALOG		"kring.mo"

/* A map of names to values, the data of one rendering. */
struct tmpl_ctx;

/* A new empty map; free with tmpl_ctx_free. */
struct tmpl_ctx *tmpl_ctx_new(void);

/*
 * Set NAME in CTX, replacing what it had.  A dotted NAME ("sender.name")
 * sets the last part in maps made (or replacing a value that is not a
 * map) for the parts before it.  tmpl_ctx_set copies VALUE; a NULL VALUE
 * removes NAME.  Returns 0, or -1 when NAME is not a valid name ("." is
 * not settable).
 */
int tmpl_ctx_set(struct tmpl_ctx *ctx, const char *name, const char *value);
int tmpl_ctx_set_bool(struct tmpl_ctx *ctx, const char *name, bool value);
int tmpl_ctx_set_int(struct tmpl_ctx *ctx, const char *name, long value);

/*
 * Append a new empty map to list LISTNAME in CTX (making the list, or
 * replacing a value that is not a list) and return it to be filled.  CTX
 * owns it: it lives until tmpl_ctx_free(CTX) or until LISTNAME is
 * replaced.  NULL when LISTNAME is not a valid name.
 */
struct tmpl_ctx *tmpl_ctx_add_item(struct tmpl_ctx *ctx, const char *listname);

/* Free CTX and everything in it.  NULL is fine. */
void tmpl_ctx_free(struct tmpl_ctx *ctx);

/* Folders of templates and the templates parsed so far. */
struct tmpl_set;

/*
 * A set over DIRS, a NULL-terminated list of folders, searched in order
 * (the list and strings are copied).  Templates are read and parsed when
 * first rendered and kept until tmpl_set_free: a changed file is seen by
 * a new set only.  Use a set from one thread at a time.
 */
struct tmpl_set *tmpl_set_new(const char *const *dirs);

/* Free SET and every template parsed in it.  NULL is fine. */
void tmpl_set_free(struct tmpl_set *set);

/*
 * Render template NAME ("thanks.html") of language LANG ("nl") of SET
 * with CTX (NULL: no values) and append the result to OUT (always valid
 * UTF-8).  LANG is letters, digits, "_" and "-"; NAME is such a word and
 * ".html" or ".txt".  Returns 0, or -1 with OUT as it was and ERR holding
 * "FILE:LINE: what went wrong" (or "FILE: ..." or "LANG/NAME: ..." when
 * there is no line to name; "CATALOG (msgid "...")":LINE for a
 * translation): a template or partial not found or not readable, a
 * catalog broken or missing for a neutral template, a file too large or not UTF-8, a tag not closed, empty,
 * unknown or with a bad name, a section not closed or closed by the
 * wrong name, or a limit reached.
 */
int tmpl_render(struct tmpl_set *set, const char *lang, const char *name,
    struct tmpl_ctx *ctx, GString *out, char *err, size_t errlen);

/*
 * The texts to translate of the template file at PATH: FN(ARG, CONTEXT,
 * MSGID, LINE) for each {{#_}} in it, in order (CONTEXT NULL when it has
 * none; LINE the line its text starts on), as tmpl_render finds them.
 * For extracting a catalog template (scripts/extract-pot).  Returns 0, or
 * -1 with ERR as tmpl_render has it.
 */
typedef void tmpl_text_fn(void *arg, const char *context, const char *msgid,
    int line);
int tmpl_file_texts(const char *path, tmpl_text_fn *fn, void *arg,
    char *err, size_t errlen);

#endif
