/*
 * template.c: the mustache subset of template.h.  A template file is
 * parsed once into a flat array of nodes, each section node knowing
 * where its body ends; rendering walks that array with a stack of
 * contexts.  Template files come from the admin and from us, values from
 * the mail being answered; neither is trusted to be small or well made,
 * so files, nesting, partials, output and work are all bounded.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib.h>

#include "kring/catalog.h"
#include "kring/template.h"
#include "kring/util.h"

enum val_kind { VAL_STR, VAL_INT, VAL_BOOL, VAL_LIST, VAL_MAP };

struct tmpl_val {
	enum val_kind kind;
	union {
		char *s;		/* valid UTF-8 */
		long i;
		bool b;
		GPtrArray *items;	/* of struct tmpl_val, each a VAL_MAP */
		struct tmpl_ctx *map;
	} u;
};

struct tmpl_ctx {
	GHashTable *vals;	/* name -> struct tmpl_val */
};

enum node_kind {
	N_TEXT, N_VAR, N_RAW, N_SECTION, N_INVERTED, N_PARTIAL, N_TRANS
};

struct node {
	enum node_kind kind;
	int line;
	const char *text;	/* N_TEXT: LEN bytes of the source */
	size_t len;
	char *name;		/* tags: the name as written */
	char **path;		/* its dotted parts; NULL for "." */
	size_t end;		/* sections: the node past the body */
	char *msgid;		/* N_TRANS: its body as written */
	char *key;		/* N_TRANS: "CONTEXT\004" and MSGID, or MSGID */
	int body_line;		/* N_TRANS: the line its body starts on */
	bool bol;		/* N_TRANS: the body starts a line */
};

struct tmpl {
	char *file;		/* the path it was read from, for errors */
	bool html;
	char *src;
	GArray *nodes;		/* struct node */
};

struct tmpl_set {
	char **dirs;
	GPtrArray *parsed;	/* struct tmpl: every template read */
	GHashTable *cache;	/* "LANG/NAME" -> struct tmpl, in PARSED */
	GHashTable *catalogs;	/* "LANG" -> GPtrArray of struct catalog */
	GHashTable *trans;	/* "LANG h|t MSGID" -> struct tmpl */
};

/* A tag as found in the source. */
struct tag {
	int line;
	const char *after;	/* past its closing braces */
	char sigil;		/* '#', '^', '/', '>', '!', '&', '{'... or 0 */
	const char *name;	/* without the blanks around it */
	size_t len;
};

struct parser {
	struct tmpl *t;
	const char *src, *end;
	const char *lp;		/* newlines are counted up to here */
	int line;
	GArray *open;		/* size_t: node indices of the open sections */
	const char *tag_from;	/* the tag being parsed, with its line */
	const char *tag_to;	/* when standalone */
	bool bol;		/* SRC starts a line (a translation may not) */
	bool eol;		/* END ends a line */
	bool in_trans;		/* parsing a translation: no {{#_}} */
	char *err;
	size_t errlen;
};

struct render {
	struct tmpl_set *set;
	const char *lang;
	GString *out;
	size_t start;		/* the length OUT had */
	GPtrArray *stack;	/* const struct tmpl_val *, innermost last */
	GPtrArray *made;	/* struct tmpl_val *: NAME_count values */
	long steps;
	char *err;
	size_t errlen;
};

static int G_GNUC_PRINTF(3, 4)
fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (errlen == 0)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* ------------------------------------------------------------- values */

static bool
word_ok(const char *s, size_t len)
{
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!g_ascii_isalnum(s[i]) && s[i] != '_' && s[i] != '-')
			return false;
	return true;
}

/* "." or words joined by single dots. */
static bool
name_ok(const char *s, size_t len)
{
	size_t start = 0;

	if (len == 1 && s[0] == '.')
		return true;
	for (size_t i = 0; i <= len; i++)
		if (i == len || s[i] == '.') {
			if (!word_ok(s + start, i - start))
				return false;
			start = i + 1;
		}
	return true;
}

static struct tmpl_val *
val_new(enum val_kind kind)
{
	struct tmpl_val *v = g_new0(struct tmpl_val, 1);

	v->kind = kind;
	if (kind == VAL_MAP)
		v->u.map = tmpl_ctx_new();
	return v;
}

static void
val_free(gpointer p)
{
	struct tmpl_val *v = p;

	switch (v->kind) {
	case VAL_STR:
		g_free(v->u.s);
		break;
	case VAL_LIST:
		g_ptr_array_unref(v->u.items);
		break;
	case VAL_MAP:
		tmpl_ctx_free(v->u.map);
		break;
	case VAL_INT:
	case VAL_BOOL:
		break;
	}
	g_free(v);
}

static bool
val_true(const struct tmpl_val *v)
{
	if (v == NULL)
		return false;
	switch (v->kind) {
	case VAL_STR:
		return v->u.s[0] != '\0';
	case VAL_INT:
		return v->u.i != 0;
	case VAL_BOOL:
		return v->u.b;
	case VAL_LIST:
		return v->u.items->len > 0;
	case VAL_MAP:
		return true;
	}
	return false;
}

struct tmpl_ctx *
tmpl_ctx_new(void)
{
	struct tmpl_ctx *ctx = g_new(struct tmpl_ctx, 1);

	ctx->vals = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	    val_free);
	return ctx;
}

void
tmpl_ctx_free(struct tmpl_ctx *ctx)
{
	if (ctx == NULL)
		return;
	g_hash_table_destroy(ctx->vals);
	g_free(ctx);
}

/* A name a value can be set at: "." is only read. */
static bool
settable(const char *name)
{
	return name != NULL && strcmp(name, ".") != 0 &&
	    name_ok(name, strlen(name));
}

/*
 * The map holding the last part of settable NAME, with *LAST pointing to
 * that part.  When CREATE, the maps on the way are made (replacing other
 * values); otherwise NULL when one is missing.
 */
static struct tmpl_ctx *
ctx_parent(struct tmpl_ctx *ctx, const char *name, bool create,
    const char **last)
{
	const char *dot;

	while ((dot = strchr(name, '.')) != NULL) {
		char *part = g_strndup(name, (gsize)(dot - name));
		struct tmpl_val *v = g_hash_table_lookup(ctx->vals, part);

		if (v != NULL && v->kind == VAL_MAP)
			g_free(part);
		else if (create) {
			v = val_new(VAL_MAP);
			g_hash_table_replace(ctx->vals, part, v);
		} else {
			g_free(part);
			return NULL;
		}
		ctx = v->u.map;
		name = dot + 1;
	}
	*last = name;
	return ctx;
}

/* Put V at NAME, taking V; -1 (V freed) for a bad NAME. */
static int
ctx_put(struct tmpl_ctx *ctx, const char *name, struct tmpl_val *v)
{
	const char *last;
	struct tmpl_ctx *parent;

	if (!settable(name)) {
		val_free(v);
		return -1;
	}
	parent = ctx_parent(ctx, name, true, &last);
	g_hash_table_replace(parent->vals, g_strdup(last), v);
	return 0;
}

int
tmpl_ctx_set(struct tmpl_ctx *ctx, const char *name, const char *value)
{
	struct tmpl_ctx *parent;
	struct tmpl_val *v;
	const char *last;

	if (value == NULL) {
		if (!settable(name))
			return -1;
		parent = ctx_parent(ctx, name, false, &last);
		if (parent != NULL)
			g_hash_table_remove(parent->vals, last);
		return 0;
	}
	v = val_new(VAL_STR);
	v->u.s = g_utf8_make_valid(value, -1);
	return ctx_put(ctx, name, v);
}

int
tmpl_ctx_set_bool(struct tmpl_ctx *ctx, const char *name, bool value)
{
	struct tmpl_val *v = val_new(VAL_BOOL);

	v->u.b = value;
	return ctx_put(ctx, name, v);
}

int
tmpl_ctx_set_int(struct tmpl_ctx *ctx, const char *name, long value)
{
	struct tmpl_val *v = val_new(VAL_INT);

	v->u.i = value;
	return ctx_put(ctx, name, v);
}

struct tmpl_ctx *
tmpl_ctx_add_item(struct tmpl_ctx *ctx, const char *listname)
{
	const char *last;
	struct tmpl_ctx *parent;
	struct tmpl_val *list, *item;

	if (!settable(listname))
		return NULL;
	parent = ctx_parent(ctx, listname, true, &last);
	list = g_hash_table_lookup(parent->vals, last);
	if (list == NULL || list->kind != VAL_LIST) {
		list = val_new(VAL_LIST);
		list->u.items = g_ptr_array_new_with_free_func(val_free);
		g_hash_table_replace(parent->vals, g_strdup(last), list);
	}
	item = val_new(VAL_MAP);
	g_ptr_array_add(list->u.items, item);
	return item->u.map;
}

/* ------------------------------------------------------------ parsing */

static void
node_clear(gpointer p)
{
	struct node *n = p;

	g_free(n->name);
	g_strfreev(n->path);
	g_free(n->msgid);
	g_free(n->key);
}

static void
tmpl_free(gpointer p)
{
	struct tmpl *t = p;

	g_array_free(t->nodes, TRUE);
	g_free(t->src);
	g_free(t->file);
	g_free(t);
}

/* The line of Q; Q never goes back between calls. */
static int
parser_line(struct parser *ps, const char *q)
{
	for (; ps->lp < q; ps->lp++)
		if (*ps->lp == '\n')
			ps->line++;
	return ps->line;
}

static int G_GNUC_PRINTF(3, 4)
parser_fail(struct parser *ps, int line, const char *fmt, ...)
{
	va_list ap;
	char *what;

	va_start(ap, fmt);
	what = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	fail(ps->err, ps->errlen, "%s:%d: %s", ps->t->file, line, what);
	g_free(what);
	return -1;
}

/* At most 40 bytes of a name for a message, not cut inside a character. */
static int
shown(const struct tag *tag)
{
	size_t n = tag->len;

	if (n > 40) {
		n = 40;
		while (n > 0 && ((unsigned char)tag->name[n] & 0xc0) == 0x80)
			n--;
	}
	return (int)n;
}

/* Read the tag at START ("{{") into *TAG. */
static int
parser_tag_read(struct parser *ps, const char *start, struct tag *tag)
{
	bool triple = start + 2 < ps->end && start[2] == '{';
	const char *in = start + (triple ? 3 : 2), *close, *e;

	tag->line = parser_line(ps, start);
	close = memmem(in, (size_t)(ps->end - in), "}}", 2);
	if (close == NULL)
		return parser_fail(ps, tag->line, triple ? "{{{ without }}}" :
		    "{{ without }}");
	if (triple && (close + 2 >= ps->end || close[2] != '}'))
		return parser_fail(ps, tag->line, "{{{ closed by }}, not }}}");
	tag->after = close + (triple ? 3 : 2);
	while (in < close && g_ascii_isspace(*in))
		in++;
	tag->sigil = 0;
	if (triple)
		tag->sigil = '{';
	else if (in < close && !g_ascii_isalnum(*in) && *in != '_' &&
	    *in != '-' && *in != '.')
		tag->sigil = *in++;
	for (e = close; e > in && g_ascii_isspace(e[-1]); e--)
		;
	while (in < e && g_ascii_isspace(*in))
		in++;
	tag->name = in;
	tag->len = (size_t)(e - in);
	return 0;
}

/*
 * Whether the tag from *FROM to *TO is alone on its line but for blanks
 * (SEG: where the text before it starts).  If so, widen FROM and TO to
 * the whole line, its end of line included.
 */
static bool
standalone(const struct parser *ps, const char *seg, const char **from,
    const char **to)
{
	const char *a = *from, *b = *to;

	while (a > seg && (a[-1] == ' ' || a[-1] == '\t'))
		a--;
	if (a == ps->src ? !ps->bol : a[-1] != '\n')
		return false;
	while (b < ps->end && (*b == ' ' || *b == '\t'))
		b++;
	if (b + 1 < ps->end && b[0] == '\r' && b[1] == '\n')
		b += 2;
	else if (b < ps->end && b[0] == '\n')
		b++;
	else if (b != ps->end || !ps->eol)
		return false;
	*from = a;
	*to = b;
	return true;
}

static struct node *
parser_add(struct parser *ps, enum node_kind kind, int line)
{
	struct node n = { .kind = kind, .line = line };

	g_array_append_val(ps->t->nodes, n);
	return &g_array_index(ps->t->nodes, struct node, ps->t->nodes->len - 1);
}

static void
parser_text(struct parser *ps, int line, const char *from, const char *to)
{
	struct node *n;

	if (from == to)
		return;
	n = parser_add(ps, N_TEXT, line);
	n->text = from;
	n->len = (size_t)(to - from);
}

static void
parser_named(struct parser *ps, enum node_kind kind, const struct tag *tag)
{
	struct node *n = parser_add(ps, kind, tag->line);

	n->name = g_strndup(tag->name, tag->len);
	if (kind != N_PARTIAL && strcmp(n->name, ".") != 0)
		n->path = g_strsplit(n->name, ".", -1);
}

static int
parser_close(struct parser *ps, const struct tag *tag)
{
	struct node *n;
	size_t i;

	if (ps->open->len == 0)
		return parser_fail(ps, tag->line, "{{/%.*s}} closes no section",
		    shown(tag), tag->name);
	i = g_array_index(ps->open, size_t, ps->open->len - 1);
	n = &g_array_index(ps->t->nodes, struct node, i);
	if (strlen(n->name) != tag->len ||
	    memcmp(n->name, tag->name, tag->len) != 0)
		return parser_fail(ps, tag->line, "{{/%.*s}} where {{%c%s}} of "
		    "line %d is open", shown(tag), tag->name,
		    n->kind == N_INVERTED ? '^' : '#', n->name, n->line);
	if (n->kind == N_TRANS) {
		n->msgid = g_strndup(n->text, (gsize)(ps->tag_from - n->text));
		n->key = n->path == NULL ? g_strdup(n->msgid) :
		    g_strconcat(n->path[0], "\004", n->msgid, NULL);
	}
	n->end = ps->t->nodes->len;
	g_array_set_size(ps->open, ps->open->len - 1);
	return 0;
}

/* Whether a translation is open in PS. */
static bool
parser_in_trans(const struct parser *ps)
{
	if (ps->in_trans)
		return true;
	for (guint k = 0; k < ps->open->len; k++) {
		size_t i = g_array_index(ps->open, size_t, k);

		if (g_array_index(ps->t->nodes, struct node, i).kind == N_TRANS)
			return true;
	}
	return false;
}

/* Whether TAG is {{#_}} or {{#_ CONTEXT}}. */
static bool
tag_is_trans(const struct tag *tag)
{
	return tag->sigil == '#' && tag->len > 0 && tag->name[0] == '_' &&
	    (tag->len == 1 || tag->name[1] == ' ');
}

/* {{#_}} or {{#_ CONTEXT}}, a text to translate, as node I: its body
 * (the msgid) starts where the tag (a standalone one with its line)
 * ends; CONTEXT (a word) is the msgctxt, in n->path[0]. */
static int
parser_trans(struct parser *ps, const struct tag *tag, size_t i)
{
	const char *ctx = tag->name + 1;
	size_t clen = tag->len - 1;
	struct node *n;

	while (clen > 0 && *ctx == ' ') {
		ctx++;
		clen--;
	}
	if (tag->len > 1 && !word_ok(ctx, clen))
		return parser_fail(ps, tag->line, "bad context \"%.*s\" of "
		    "{{#_}}", (int)MIN(clen, 40), ctx);
	if (parser_in_trans(ps))
		return parser_fail(ps, tag->line, "{{#_}} inside a text to "
		    "translate");
	n = parser_add(ps, N_TRANS, tag->line);
	n->name = g_strdup("_");
	if (tag->len > 1) {
		n->path = g_new0(char *, 2);
		n->path[0] = g_strndup(ctx, clen);
	}
	n->text = ps->tag_to;
	n->bol = ps->tag_to == ps->src ? ps->bol : ps->tag_to[-1] == '\n';
	n->body_line = parser_line(ps, ps->tag_to);
	g_array_append_val(ps->open, i);
	return 0;
}

static int
parser_tag(struct parser *ps, const struct tag *tag)
{
	size_t i;

	if (tag->sigil == '!')
		return 0;
	if (tag->len == 0)
		return parser_fail(ps, tag->line, "empty tag");
	if (tag_is_trans(tag))
		return parser_trans(ps, tag, ps->t->nodes->len);
	if (tag->sigil != 0 && strchr("#^/>&{", tag->sigil) == NULL)
		return parser_fail(ps, tag->line, "unknown tag {{%c",
		    tag->sigil);
	if (tag->sigil == '>' ? !word_ok(tag->name, tag->len) :
	    !name_ok(tag->name, tag->len))
		return parser_fail(ps, tag->line, "bad name \"%.*s\"",
		    shown(tag), tag->name);
	switch (tag->sigil) {
	case '#':
	case '^':
		if (ps->open->len >= TMPL_MAX_NESTING)
			return parser_fail(ps, tag->line, "sections nested "
			    "deeper than %d", TMPL_MAX_NESTING);
		i = ps->t->nodes->len;
		parser_named(ps, tag->sigil == '#' ? N_SECTION : N_INVERTED,
		    tag);
		g_array_append_val(ps->open, i);
		return 0;
	case '/':
		return parser_close(ps, tag);
	case '>':
		parser_named(ps, N_PARTIAL, tag);
		return 0;
	case '&':
	case '{':
		parser_named(ps, N_RAW, tag);
		return 0;
	default:
		parser_named(ps, N_VAR, tag);
		return 0;
	}
}

static int
parser_run(struct parser *ps)
{
	const char *seg = ps->src;

	while (seg < ps->end) {
		int line = parser_line(ps, seg);
		const char *open, *text_end, *next;
		struct tag tag = { 0 };

		open = memmem(seg, (size_t)(ps->end - seg), "{{", 2);
		if (open == NULL) {
			parser_text(ps, line, seg, ps->end);
			break;
		}
		if (parser_tag_read(ps, open, &tag) == -1)
			return -1;
		text_end = open;
		next = tag.after;
		if (tag.sigil != 0 && strchr("#^/!>", tag.sigil) != NULL)
			(void)standalone(ps, seg, &text_end, &next);
		parser_text(ps, line, seg, text_end);
		ps->tag_from = text_end;
		ps->tag_to = next;
		if (parser_tag(ps, &tag) == -1)
			return -1;
		seg = next;
	}
	if (ps->open->len > 0) {
		size_t i = g_array_index(ps->open, size_t, ps->open->len - 1);
		const struct node *n = &g_array_index(ps->t->nodes, struct node,
		    i);

		return parser_fail(ps, n->line, "{{%c%s}} is not closed",
		    n->kind == N_INVERTED ? '^' : '#', n->name);
	}
	return 0;
}

/*
 * Parse the LEN bytes of T->src into T->nodes: a file (FROM NULL), or a
 * text to translate or its translation, parsed as if it stood where
 * {{#_}} node FROM stands (its first line numbered LINE).
 */
static int
tmpl_parse(struct tmpl *t, size_t len, const struct node *from, int line,
    char *err, size_t errlen)
{
	struct parser ps = {
		.t = t, .src = t->src, .end = t->src + len, .lp = t->src,
		.line = line, .err = err, .errlen = errlen,
		.bol = from == NULL || from->bol, .eol = from == NULL,
		.in_trans = from != NULL,
	};
	const char *bad;
	int rc;

	if (!g_utf8_validate(t->src, (gssize)len, &bad))
		return parser_fail(&ps, parser_line(&ps, bad),
		    "not valid UTF-8");
	ps.open = g_array_new(FALSE, FALSE, sizeof(size_t));
	rc = parser_run(&ps);
	g_array_free(ps.open, TRUE);
	return rc;
}

/* ------------------------------------------------------------ the set */

struct tmpl_set *
tmpl_set_new(const char *const *dirs)
{
	struct tmpl_set *set = g_new(struct tmpl_set, 1);
	size_t n = 0;

	while (dirs != NULL && dirs[n] != NULL)
		n++;
	set->dirs = g_new0(char *, n + 1);
	for (size_t i = 0; i < n; i++)
		set->dirs[i] = g_strdup(dirs[i]);
	set->parsed = g_ptr_array_new_with_free_func(tmpl_free);
	set->cache = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	    NULL);
	set->catalogs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	    (GDestroyNotify)g_ptr_array_unref);
	set->trans = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	    NULL);
	return set;
}

void
tmpl_set_free(struct tmpl_set *set)
{
	if (set == NULL)
		return;
	g_hash_table_destroy(set->trans);
	g_hash_table_destroy(set->catalogs);
	g_hash_table_destroy(set->cache);
	g_ptr_array_unref(set->parsed);
	g_strfreev(set->dirs);
	g_free(set);
}

/* A template named FILE (taken) in errors, of SRC (taken). */
static struct tmpl *
tmpl_new(char *file, char *src, bool html)
{
	struct tmpl *t = g_new0(struct tmpl, 1);

	t->file = file;
	t->src = src;
	t->html = html;
	t->nodes = g_array_new(FALSE, FALSE, sizeof(struct node));
	g_array_set_clear_func(t->nodes, node_clear);
	return t;
}

/*
 * FILE of the first folder that has it, in its LANG folder (LANG NULL:
 * in the folder itself), read into *PATH and *SRC.  0, 1 when no folder
 * has it, or -1 with ERR.
 */
static int
set_read(const struct tmpl_set *set, const char *lang, const char *file,
    char **path, char **src, size_t *len, char *err, size_t errlen)
{
	int rc = 1;

	for (size_t i = 0; rc == 1 && set->dirs[i] != NULL; i++) {
		g_free(*path);
		*path = lang != NULL ?
		    g_build_filename(set->dirs[i], lang, file, NULL) :
		    g_build_filename(set->dirs[i], file, NULL);
		rc = read_file_max(*path, TMPL_MAX_FILE, src, len, err, errlen);
	}
	return rc;
}

/*
 * The catalogs of LANG into *OUT (owned by the set): DIR/LANG/kring.mo
 * of every folder that has one, in the order of the folders, read once.
 * 0, or -1 with ERR naming a catalog that is broken.
 */
static int
set_catalogs(struct tmpl_set *set, const char *lang, GPtrArray **out,
    char *err, size_t errlen)
{
	GPtrArray *cats = g_hash_table_lookup(set->catalogs, lang);
	struct catalog *cat;

	if (cats != NULL) {
		*out = cats;
		return 0;
	}
	cats = g_ptr_array_new_with_free_func((GDestroyNotify)catalog_free);
	for (size_t i = 0; set->dirs[i] != NULL; i++) {
		char *path = g_build_filename(set->dirs[i], lang, TMPL_CATALOG,
		    NULL);
		int rc = catalog_load(path, &cat, err, errlen);

		g_free(path);
		if (rc == -1) {
			g_ptr_array_unref(cats);
			return -1;
		}
		if (rc == 0)
			g_ptr_array_add(cats, cat);
	}
	g_hash_table_insert(set->catalogs, g_strdup(lang), cats);
	*out = cats;
	return 0;
}

/*
 * Read and parse the file at PATH (taken) of SRC (taken) into *OUT,
 * owned by the set and cached as KEY.  0, or -1 with ERR.
 */
static int
set_parse(struct tmpl_set *set, const char *key, char *path, char *src,
    size_t len, struct tmpl **out, char *err, size_t errlen)
{
	struct tmpl *t = tmpl_new(path, src, g_str_has_suffix(key, ".html"));

	if (tmpl_parse(t, len, NULL, 1, err, errlen) == -1) {
		tmpl_free(t);
		return -1;
	}
	g_ptr_array_add(set->parsed, t);
	g_hash_table_insert(set->cache, g_strdup(key), t);
	*out = t;
	return 0;
}

/*
 * The language-neutral FILE for LANG into *OUT: cached, or read from the
 * first folder that has it.  LANG must have a catalog unless it is the
 * language of the texts themselves.  0, 1 when no folder has it, or -1.
 */
static int
set_load_neutral(struct tmpl_set *set, const char *lang, const char *file,
    struct tmpl **out, char *err, size_t errlen)
{
	char *path = NULL, *src = NULL, *dirs;
	GPtrArray *cats;
	size_t len = 0;
	int rc;

	if (set_catalogs(set, lang, &cats, err, errlen) == -1)
		return -1;
	if ((*out = g_hash_table_lookup(set->cache, file)) == NULL) {
		if ((rc = set_read(set, NULL, file, &path, &src, &len, err,
		    errlen)) != 0) {
			g_free(path);
			return rc;
		}
		if (set_parse(set, file, path, src, len, out, err, errlen) == -1)
			return -1;
	}
	if (cats->len > 0 || strcmp(lang, TMPL_SOURCE_LANG) == 0)
		return 0;
	dirs = g_strjoinv(", ", set->dirs);
	fail(err, errlen, "%s/%s: no catalog %s/%s (nor %s/%s) in %s", lang,
	    file, lang, TMPL_CATALOG, lang, file, dirs);
	g_free(dirs);
	return -1;
}

/*
 * Template FILE of LANG into *OUT (owned by the set): LANG/FILE of the
 * first folder that has it, else the language-neutral FILE of the first
 * folder that has it, with LANG's catalogs; read and parsed once.  0, 1
 * when no folder has either, or -1 with ERR.
 */
static int
set_load(struct tmpl_set *set, const char *lang, const char *file,
    struct tmpl **out, char *err, size_t errlen)
{
	char *key = g_strconcat(lang, "/", file, NULL);
	char *path = NULL, *src = NULL;
	size_t len = 0;
	int rc = 0;

	if ((*out = g_hash_table_lookup(set->cache, key)) != NULL)
		goto out;
	rc = set_read(set, lang, file, &path, &src, &len, err, errlen);
	if (rc == 0) {
		rc = set_parse(set, key, path, src, len, out, err, errlen);
		path = NULL;
	} else if (rc == 1 && (rc = set_load_neutral(set, lang, file, out,
	    err, errlen)) == 0)
		g_hash_table_insert(set->cache, g_strdup(key), *out);
out:
	g_free(path);
	g_free(key);
	return rc;
}

/* At most the first line and 40 bytes of MSGID, for a message. */
static char *
msgid_shown(const char *msgid)
{
	size_t n = strcspn(msgid, "\n");

	if (n > 40) {
		n = 40;
		while (n > 0 && ((unsigned char)msgid[n] & 0xc0) == 0x80)
			n--;
	}
	return g_strdup_printf("%.*s%s", (int)n, msgid,
	    msgid[n] != '\0' ? "..." : "");
}

/*
 * The text of {{#_}} node N of template T in LANG, parsed, into *OUT
 * (owned by the set): its translation from the first of LANG's catalogs
 * that has one, else the text itself.  0, or -1 with ERR.
 */
static int
set_trans(struct tmpl_set *set, const char *lang, const struct tmpl *t,
    const struct node *n, struct tmpl **out, char *err, size_t errlen)
{
	char *key = g_strdup_printf("%s %c%s", lang, t->html ? 'h' : 't',
	    n->key), *shown_id;
	const char *str = NULL;
	struct tmpl *tt;
	GPtrArray *cats;
	int rc = 0;

	if ((*out = g_hash_table_lookup(set->trans, key)) != NULL)
		goto out;
	if ((rc = set_catalogs(set, lang, &cats, err, errlen)) == -1)
		goto out;
	for (guint i = 0; str == NULL && i < cats->len; i++)
		if ((str = catalog_lookup(cats->pdata[i], n->key)) != NULL) {
			shown_id = msgid_shown(n->msgid);
			tt = tmpl_new(g_strdup_printf("%s (msgid \"%s\")",
			    catalog_name(cats->pdata[i]), shown_id),
			    g_strdup(str), t->html);
			g_free(shown_id);
		}
	if (str == NULL) {
		str = n->msgid;
		tt = tmpl_new(g_strdup(t->file), g_strdup(str), t->html);
	}
	if ((rc = tmpl_parse(tt, strlen(str), n, str == n->msgid ?
	    n->body_line : 1, err, errlen)) == -1) {
		tmpl_free(tt);
		goto out;
	}
	g_ptr_array_add(set->parsed, tt);
	g_hash_table_insert(set->trans, key, tt);
	key = NULL;
	*out = tt;
out:
	g_free(key);
	return rc;
}

/* ---------------------------------------------------------- rendering */

static int G_GNUC_PRINTF(4, 5)
render_fail(struct render *r, const struct tmpl *t, const struct node *n,
    const char *fmt, ...)
{
	va_list ap;
	char *what;

	va_start(ap, fmt);
	what = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	fail(r->err, r->errlen, "%s:%d: %s", t->file, n->line, what);
	g_free(what);
	return -1;
}

/* Count one step of work; -1 past the limit. */
static int
render_step(struct render *r, const struct tmpl *t, const struct node *n)
{
	if (++r->steps > TMPL_MAX_STEPS)
		return render_fail(r, t, n, "more than %ld steps of work",
		    TMPL_MAX_STEPS);
	return 0;
}

/* PATH in the innermost context that has its first part (NULL: "."). */
static const struct tmpl_val *
render_find(const struct render *r, char **path)
{
	const struct tmpl_val *v = NULL;

	if (path == NULL)
		return r->stack->len > 0 ?
		    g_ptr_array_index(r->stack, r->stack->len - 1) : NULL;
	for (guint i = r->stack->len; v == NULL && i-- > 0;) {
		const struct tmpl_val *c = g_ptr_array_index(r->stack, i);

		if (c->kind == VAL_MAP)
			v = g_hash_table_lookup(c->u.map->vals, path[0]);
	}
	for (size_t k = 1; v != NULL && path[k] != NULL; k++)
		v = v->kind == VAL_MAP ?
		    g_hash_table_lookup(v->u.map->vals, path[k]) : NULL;
	return v;
}

/* The count V stands for: an integer, the items of a list, or a text
 * that is a decimal number; -1 for anything else. */
static long
val_count(const struct tmpl_val *v)
{
	char *end;
	long n;

	if (v == NULL)
		return -1;
	if (v->kind == VAL_INT)
		return v->u.i;
	if (v->kind == VAL_LIST)
		return (long)v->u.items->len;
	if (v->kind != VAL_STR || !g_ascii_isdigit(v->u.s[0]))
		return -1;
	n = strtol(v->u.s, &end, 10);
	return *end == '\0' ? n : -1;
}

/* A copy of PATH with SUFFIX cut from its last part (g_strfreev), or
 * NULL when the last part is not longer than SUFFIX and ends in it. */
static char **
path_less(char **path, const char *suffix)
{
	size_t last, len, slen = strlen(suffix);
	char **base;

	for (last = 0; path[last + 1] != NULL; last++)
		;
	len = strlen(path[last]);
	if (len <= slen || strcmp(path[last] + len - slen, suffix) != 0)
		return NULL;
	base = g_strdupv(path);
	base[last][len - slen] = '\0';
	return base;
}

/*
 * PATH as render_find has it; when it has no value, the helpers of
 * template.h: lang, the language rendered; NAME_count, the number of
 * items of list NAME (0 when NAME is missing); NAME_one,
 * true when NAME (NAME_count too) is a count of exactly 1.
 */
static const struct tmpl_val *
render_lookup(struct render *r, char **path)
{
	static const struct tmpl_val one = { .kind = VAL_BOOL, .u.b = true };
	static const struct tmpl_val other = { .kind = VAL_BOOL, .u.b = false };
	const struct tmpl_val *v = render_find(r, path);
	struct tmpl_val *made;
	char **base;
	long n;

	if (v != NULL || path == NULL)
		return v;
	if (path[1] == NULL && strcmp(path[0], "lang") == 0) {
		made = val_new(VAL_STR);
		made->u.s = g_strdup(r->lang);
		g_ptr_array_add(r->made, made);
		return made;
	}
	if ((base = path_less(path, "_count")) != NULL) {
		v = render_find(r, base);
		g_strfreev(base);
		if (v != NULL && v->kind != VAL_LIST)
			return NULL;
		/* A list no item was added to is missing: 0 items. */
		made = val_new(VAL_INT);
		made->u.i = v != NULL ? (long)v->u.items->len : 0;
		g_ptr_array_add(r->made, made);	/* lives as long as R */
		return made;
	}
	if ((base = path_less(path, "_one")) == NULL)
		return NULL;
	n = val_count(render_lookup(r, base));
	g_strfreev(base);
	if (n < 0)
		return NULL;	/* no count of that name: missing */
	return n == 1 ? &one : &other;
}

static void
append_html(GString *out, const char *s)
{
	const char *run = s, *rep;

	for (; *s != '\0'; s++) {
		switch (*s) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		default: continue;
		}
		g_string_append_len(out, run, s - run);
		g_string_append(out, rep);
		run = s + 1;
	}
	g_string_append(out, run);
}

static void
render_value(struct render *r, const struct tmpl_val *v, bool escape)
{
	if (v == NULL)
		return;
	switch (v->kind) {
	case VAL_STR:
		if (escape)
			append_html(r->out, v->u.s);
		else
			g_string_append(r->out, v->u.s);
		break;
	case VAL_INT:
		g_string_append_printf(r->out, "%ld", v->u.i);
		break;
	case VAL_BOOL:
		g_string_append(r->out, v->u.b ? "true" : "false");
		break;
	case VAL_LIST:
	case VAL_MAP:
		break;
	}
}

static int render_nodes(struct render *, const struct tmpl *, size_t,
    size_t, int);

/* Nodes FROM to TO of T with CTX as the innermost context. */
static int
render_with(struct render *r, const struct tmpl *t,
    const struct tmpl_val *ctx, size_t from, size_t to, int depth)
{
	int rc;

	g_ptr_array_add(r->stack, (gpointer)ctx);
	rc = render_nodes(r, t, from, to, depth);
	g_ptr_array_set_size(r->stack, r->stack->len - 1);
	return rc;
}

/* The section or inverted section at node I of T. */
static int
render_section(struct render *r, const struct tmpl *t, size_t i, int depth)
{
	const struct node *n = &g_array_index(t->nodes, struct node, i);
	const struct tmpl_val *v = render_lookup(r, n->path);

	if (n->kind == N_INVERTED)
		return val_true(v) ? 0 : render_nodes(r, t, i + 1, n->end,
		    depth);
	if (!val_true(v))
		return 0;
	if (v->kind != VAL_LIST)
		return render_with(r, t, v, i + 1, n->end, depth);
	for (guint k = 0; k < v->u.items->len; k++)
		if (render_step(r, t, n) == -1 ||
		    render_with(r, t, g_ptr_array_index(v->u.items, k), i + 1,
		    n->end, depth) == -1)
			return -1;
	return 0;
}

/* The partial of node N of T, DEPTH partials deep already. */
static int
render_partial(struct render *r, const struct tmpl *t, const struct node *n,
    int depth)
{
	char *file;
	struct tmpl *p;
	int rc;

	if (depth >= TMPL_MAX_PARTIALS)
		return render_fail(r, t, n, "partials nested deeper than %d",
		    TMPL_MAX_PARTIALS);
	file = g_strconcat(n->name, t->html ? ".html" : ".txt", NULL);
	rc = set_load(r->set, r->lang, file, &p, r->err, r->errlen);
	if (rc == 1)
		rc = render_fail(r, t, n, "partial %s/%s not found", r->lang,
		    file);
	else if (rc == 0)
		rc = render_nodes(r, p, 0, p->nodes->len, depth + 1);
	g_free(file);
	return rc;
}

/* The text to translate of node N of T, in the language rendered. */
static int
render_trans(struct render *r, const struct tmpl *t, const struct node *n,
    int depth)
{
	struct tmpl *tt;

	if (set_trans(r->set, r->lang, t, n, &tt, r->err, r->errlen) == -1)
		return -1;
	return render_nodes(r, tt, 0, tt->nodes->len, depth);
}

static int
render_nodes(struct render *r, const struct tmpl *t, size_t i, size_t end,
    int depth)
{
	while (i < end) {
		const struct node *n = &g_array_index(t->nodes, struct node, i);

		if (render_step(r, t, n) == -1)
			return -1;
		switch (n->kind) {
		case N_TEXT:
			g_string_append_len(r->out, n->text, (gssize)n->len);
			break;
		case N_VAR:
		case N_RAW:
			render_value(r, render_lookup(r, n->path),
			    n->kind == N_VAR && t->html);
			break;
		case N_SECTION:
		case N_INVERTED:
			if (render_section(r, t, i, depth) == -1)
				return -1;
			i = n->end - 1;
			break;
		case N_PARTIAL:
			if (render_partial(r, t, n, depth) == -1)
				return -1;
			break;
		case N_TRANS:
			if (render_trans(r, t, n, depth) == -1)
				return -1;
			i = n->end - 1;
			break;
		}
		if (r->out->len - r->start > TMPL_MAX_OUTPUT)
			return render_fail(r, t, n, "output larger than 4 MiB");
		i++;
	}
	return 0;
}

static bool
file_name_ok(const char *name)
{
	const char *dot = strrchr(name, '.');

	return dot != NULL && word_ok(name, (size_t)(dot - name)) &&
	    (strcmp(dot, ".html") == 0 || strcmp(dot, ".txt") == 0);
}

int
tmpl_render(struct tmpl_set *set, const char *lang, const char *name,
    struct tmpl_ctx *ctx, GString *out, char *err, size_t errlen)
{
	struct render r = {
		.set = set, .lang = lang, .out = out, .start = out->len,
		.err = err, .errlen = errlen,
	};
	struct tmpl_val root = { .kind = VAL_MAP, .u.map = ctx };
	struct tmpl *t;
	char *dirs;
	int rc;

	if (!word_ok(lang, strlen(lang)) || !file_name_ok(name))
		return fail(err, errlen, "%s/%s: not a template name", lang,
		    name);
	if ((rc = set_load(set, lang, name, &t, err, errlen)) == 1) {
		dirs = g_strjoinv(", ", set->dirs);
		fail(err, errlen, "%s/%s: not found in %s", lang, name,
		    *dirs != '\0' ? dirs : "no folder");
		g_free(dirs);
		return -1;
	}
	if (rc == -1)
		return -1;
	r.stack = g_ptr_array_new();
	r.made = g_ptr_array_new_with_free_func(val_free);
	if (ctx != NULL)
		g_ptr_array_add(r.stack, &root);
	rc = render_nodes(&r, t, 0, t->nodes->len, 0);
	g_ptr_array_free(r.stack, TRUE);
	g_ptr_array_unref(r.made);
	if (rc == -1)
		g_string_truncate(out, r.start);
	return rc;
}

int
tmpl_file_texts(const char *path, tmpl_text_fn *fn, void *arg, char *err,
    size_t errlen)
{
	struct tmpl *t;
	char *src = NULL;
	size_t len = 0;
	int rc;

	if ((rc = read_file_max(path, TMPL_MAX_FILE, &src, &len, err,
	    errlen)) != 0)
		return rc == 1 ? fail(err, errlen, "%s: no such file", path) :
		    -1;
	t = tmpl_new(g_strdup(path), src, g_str_has_suffix(path, ".html"));
	if ((rc = tmpl_parse(t, len, NULL, 1, err, errlen)) == 0)
		for (guint i = 0; i < t->nodes->len; i++) {
			const struct node *n = &g_array_index(t->nodes,
			    struct node, i);

			if (n->kind == N_TRANS)
				fn(arg, n->path != NULL ? n->path[0] : NULL,
				    n->msgid, n->body_line);
		}
	tmpl_free(t);
	return rc;
}
