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

#include "kring/template.h"

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

enum node_kind { N_TEXT, N_VAR, N_RAW, N_SECTION, N_INVERTED, N_PARTIAL };

struct node {
	enum node_kind kind;
	int line;
	const char *text;	/* N_TEXT: LEN bytes of the source */
	size_t len;
	char *name;		/* tags: the name as written */
	char **path;		/* its dotted parts; NULL for "." */
	size_t end;		/* sections: the node past the body */
};

struct tmpl {
	char *file;		/* the path it was read from, for errors */
	bool html;
	char *src;
	GArray *nodes;		/* struct node */
};

struct tmpl_set {
	char **dirs;
	GHashTable *cache;	/* "LANG/NAME" -> struct tmpl */
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
	if (a != ps->src && a[-1] != '\n')
		return false;
	while (b < ps->end && (*b == ' ' || *b == '\t'))
		b++;
	if (b + 1 < ps->end && b[0] == '\r' && b[1] == '\n')
		b += 2;
	else if (b < ps->end && b[0] == '\n')
		b++;
	else if (b != ps->end)
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
		    n->kind == N_SECTION ? '#' : '^', n->name, n->line);
	n->end = ps->t->nodes->len;
	g_array_set_size(ps->open, ps->open->len - 1);
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
		if (parser_tag(ps, &tag) == -1)
			return -1;
		seg = next;
	}
	if (ps->open->len > 0) {
		size_t i = g_array_index(ps->open, size_t, ps->open->len - 1);
		const struct node *n = &g_array_index(ps->t->nodes, struct node,
		    i);

		return parser_fail(ps, n->line, "{{%c%s}} is not closed",
		    n->kind == N_SECTION ? '#' : '^', n->name);
	}
	return 0;
}

/* Parse the LEN bytes of T->src into T->nodes. */
static int
tmpl_parse(struct tmpl *t, size_t len, char *err, size_t errlen)
{
	struct parser ps = {
		.t = t, .src = t->src, .end = t->src + len, .lp = t->src,
		.line = 1, .err = err, .errlen = errlen,
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

/* Read PATH whole into *DATA (NUL-terminated).  0, or 1 when there is no
 * such file, or -1 with ERR. */
static int
read_file(const char *path, char **data, size_t *len, char *err,
    size_t errlen)
{
	struct stat sb;
	char *buf = NULL;
	size_t cap, n = 0;
	ssize_t r;
	int fd, rc = -1;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 1;
		return fail(err, errlen, "%s: %s", path, g_strerror(errno));
	}
	if (fstat(fd, &sb) == -1) {
		fail(err, errlen, "%s: %s", path, g_strerror(errno));
		goto out;
	}
	if (!S_ISREG(sb.st_mode) || sb.st_size > TMPL_MAX_FILE) {
		fail(err, errlen, "%s: %s", path, S_ISREG(sb.st_mode) ?
		    "larger than 1 MiB" : "not a regular file");
		goto out;
	}
	/* One byte more than its size, to see it grow while we read. */
	cap = (size_t)sb.st_size + 1;
	buf = g_malloc(cap + 1);
	while (n < cap) {
		if ((r = read(fd, buf + n, cap - n)) == -1) {
			if (errno == EINTR)
				continue;
			fail(err, errlen, "%s: %s", path, g_strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n == cap) {
		fail(err, errlen, "%s: changed while read", path);
		goto out;
	}
	buf[n] = '\0';
	*data = buf;
	*len = n;
	buf = NULL;
	rc = 0;
out:
	g_free(buf);
	close(fd);
	return rc;
}

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
	set->cache = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	    tmpl_free);
	return set;
}

void
tmpl_set_free(struct tmpl_set *set)
{
	if (set == NULL)
		return;
	g_hash_table_destroy(set->cache);
	g_strfreev(set->dirs);
	g_free(set);
}

/*
 * Template FILE of LANG into *OUT (owned by the set): from the cache, or
 * read from the first folder that has it and parsed.  0, 1 when no
 * folder has it, or -1 with ERR.
 */
static int
set_load(struct tmpl_set *set, const char *lang, const char *file,
    struct tmpl **out, char *err, size_t errlen)
{
	char *key = g_strconcat(lang, "/", file, NULL);
	char *path = NULL, *src = NULL;
	struct tmpl *t;
	size_t len = 0;
	int rc = 1;

	if ((t = g_hash_table_lookup(set->cache, key)) != NULL) {
		*out = t;
		rc = 0;
		goto out;
	}
	for (size_t i = 0; rc == 1 && set->dirs[i] != NULL; i++) {
		g_free(path);
		path = g_build_filename(set->dirs[i], lang, file, NULL);
		rc = read_file(path, &src, &len, err, errlen);
	}
	if (rc != 0)
		goto out;
	t = g_new0(struct tmpl, 1);
	t->file = path;
	path = NULL;
	t->src = src;
	t->html = g_str_has_suffix(file, ".html");
	t->nodes = g_array_new(FALSE, FALSE, sizeof(struct node));
	g_array_set_clear_func(t->nodes, node_clear);
	if ((rc = tmpl_parse(t, len, err, errlen)) == -1) {
		tmpl_free(t);
		goto out;
	}
	g_hash_table_insert(set->cache, key, t);
	key = NULL;
	*out = t;
out:
	g_free(path);
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
 * template.h: NAME_count, the number of items of list NAME (0 when NAME
 * is missing); NAME_one,
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
