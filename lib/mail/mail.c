/*
 * mail.c: render, compose, and preview or enqueue the mail of the staff
 * tools (mail.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <glib.h>

#include "kring/mail.h"
#include "kring/markdown.h"
#include "kring/outbox.h"
#include "kring/topic.h"
#include "kring/util.h"

/* Template folders shipped beside the program: build/bin/../../templates
 * in the source tree and build/bin/../templates (the catalogs make
 * compiles), PREFIX/libexec/kring/../../share/kring/templates when
 * installed. */
static const char *const beside_program[] = {
	"../../templates", "../templates", "../../share/kring/templates",
};

/* The config's folders that exist, then the ones shipped beside the
 * program, so that an admin's folder overrides single files and the
 * rest still comes from the shipped set; NULL-ended list into DIRS
 * (g_free each). */
static void
template_dirs(const struct kring_config *conf, char **dirs, size_t max)
{
	size_t n = 0;
	char *bindir = program_dir();

	for (size_t i = 0; conf->template_dirs[i] != NULL && n < max - 1; i++)
		if (g_file_test(conf->template_dirs[i], G_FILE_TEST_IS_DIR))
			dirs[n++] = g_strdup(conf->template_dirs[i]);
	if (bindir != NULL) {
		for (size_t i = 0; i < G_N_ELEMENTS(beside_program); i++) {
			char *d = g_build_filename(bindir, beside_program[i], NULL);

			if (n < max - 1 && g_file_test(d, G_FILE_TEST_IS_DIR))
				dirs[n++] = d;
			else
				g_free(d);
		}
		g_free(bindir);
	}
	dirs[n] = NULL;
}

void
mail_out_init(struct mail_out *mo, const struct kring_config *conf,
    const struct community_conf *c, struct store *st, MDB_txn *txn,
    bool send, int64_t now)
{
	char *dirs[KRING_MAX_TEMPLATE_DIRS + 4];

	memset(mo, 0, sizeof *mo);
	mo->conf = conf;
	mo->community = c;
	mo->st = st;
	mo->txn = txn;
	mo->send = send;
	mo->now = now;
	mo->preview = g_byte_array_new();
	template_dirs(conf, dirs, G_N_ELEMENTS(dirs));
	mo->templates = tmpl_set_new((const char *const *)dirs);
	for (size_t i = 0; dirs[i] != NULL; i++)
		g_free(dirs[i]);
}

char *
mail_render_one(const struct kring_config *conf, const struct community_conf *c,
    const char *lang, const char *name, struct tmpl_ctx *ctx, char *err,
    size_t errlen)
{
	char *dirs[KRING_MAX_TEMPLATE_DIRS + 4];
	struct tmpl_set *set;
	GString *out = g_string_new(NULL);
	int rc;

	template_dirs(conf, dirs, G_N_ELEMENTS(dirs));
	set = tmpl_set_new((const char *const *)dirs);
	for (size_t i = 0; dirs[i] != NULL; i++)
		g_free(dirs[i]);
	tmpl_ctx_set(ctx, "community_name", c->description[0] ?
	    c->description : c->name);
	if (lang == NULL || lang[0] == '\0')
		lang = c->language;
	tmpl_ctx_set(ctx, "lang", lang);
	rc = tmpl_render(set, lang, name, ctx, out, err, errlen);
	tmpl_set_free(set);
	return g_string_free(out, rc != 0);
}

void
mail_out_free(struct mail_out *mo)
{
	tmpl_set_free(mo->templates);
	if (mo->preview != NULL)
		g_byte_array_unref(mo->preview);
	memset(mo, 0, sizeof *mo);
}

void
mail_set_markdown(struct tmpl_ctx *ctx, const char *text_name,
    const char *html_name, const char *md)
{
	char *html, *text;

	if (md == NULL || md[0] == '\0')
		return;
	html = markdown_to_html(md, strlen(md));
	text = markdown_to_text(md, strlen(md));
	tmpl_ctx_set(ctx, html_name, html);
	tmpl_ctx_set(ctx, text_name, text);
	g_free(html);
	g_free(text);
}

/* Render KIND's subject, text and HTML into the three strings. */
static int
render_parts(struct mail_out *mo, const char *kind, struct tmpl_ctx *ctx,
    GString *parts[3], char *err, size_t errlen)
{
	const char *lang = mo->lang ? mo->lang : mo->community->language;
	char *names[3] = {
		g_strconcat(kind, "-subject.txt", NULL),
		g_strconcat(kind, ".txt", NULL),
		g_strconcat(kind, ".html", NULL),
	};
	int rc = 0;

	for (int i = 0; i < 3 && rc == 0; i++) {
		rc = tmpl_render(mo->templates, lang, names[i], ctx, parts[i],
		    err, errlen);
		if (i == 0 && rc == 0) {
			/* The subject: its first line, trimmed. */
			char *nl = strchr(parts[0]->str, '\n');

			if (nl != NULL)
				g_string_truncate(parts[0], (gsize)(nl - parts[0]->str));
			g_strstrip(parts[0]->str);
			tmpl_ctx_set(ctx, "subject", parts[0]->str);
		}
	}
	for (int i = 0; i < 3; i++)
		g_free(names[i]);
	return rc;
}

/* Enqueue MSG to TO, or append it to the preview. */
static int
mail_deliver(struct mail_out *mo, const GByteArray *msg,
    const struct compose_addr *to, size_t nto, char *err, size_t errlen)
{
	const char **rcpts;
	uint64_t id;
	int rc;

	if (!mo->send) {
		compose_mbox_append(mo->preview, msg, mo->now);
		return 0;
	}
	rcpts = g_new(const char *, nto);
	for (size_t i = 0; i < nto; i++)
		rcpts[i] = to[i].addr;
	rc = outbox_enqueue(mo->st, mo->txn, mo->community->address,
	    mo->conf->hostname, rcpts, nto, (const char *)msg->data, msg->len,
	    mo->now, &id);
	g_free(rcpts);
	if (rc != 0)
		snprintf(err, errlen, "outbox: %s", rc == EINVAL ?
		    "too many recipients" : mdb_strerror(rc));
	return rc;
}

/* Of MO's inline parts, those the rendered HTML refers to ("cid:ID"),
 * into a new array (g_free) and their number into *N: a template of an
 * admin's that shows no picture gets none attached. */
static struct compose_inline *
inlines_shown(const struct mail_out *mo, const char *html, size_t *n)
{
	struct compose_inline *in = g_new(struct compose_inline,
	    mo->ninline + 1);

	*n = 0;
	for (size_t i = 0; i < mo->ninline; i++) {
		char *ref = g_strconcat("cid:", mo->inlines[i].content_id, NULL);

		if (strstr(html, ref) != NULL)
			in[(*n)++] = mo->inlines[i];
		g_free(ref);
	}
	return in;
}

int
mail_kind_build(struct mail_out *mo, const char *kind, struct tmpl_ctx *ctx,
    const struct compose_addr *to, size_t nto, const char *auto_submitted,
    GByteArray *msg, char **message_id, char *err, size_t errlen)
{
	const struct community_conf *c = mo->community;
	GString *parts[3] = { g_string_new(NULL), g_string_new(NULL),
	    g_string_new(NULL) };
	char *list_id = g_strdup_printf("<%s.%s>", c->local, c->domain);
	struct compose_header *fields = g_new(struct compose_header,
	    mo->nheaders + 1);
	struct compose_msg m = {
		.from_name = c->description[0] ? c->description : c->name,
		.from_addr = c->address, .to = to, .nto = nto,
		.reply_to = mo->reply_to, .auto_submitted = auto_submitted,
		.headers = fields, .nheaders = mo->nheaders + 1,
		.date = mo->now, .digest = mo->digest, .ndigest = mo->ndigest,
	};
	struct compose_inline *shown = NULL;
	int rc;

	fields[0].name = "List-Id";
	fields[0].value = list_id;
	for (size_t i = 0; i < mo->nheaders; i++)
		fields[i + 1] = mo->headers[i];
	tmpl_ctx_set(ctx, "community_name", m.from_name);
	tmpl_ctx_set(ctx, "lang", mo->lang ? mo->lang : c->language);
	rc = render_parts(mo, kind, ctx, parts, err, errlen);
	if (rc == 0) {
		m.subject = parts[0]->str;
		m.text = parts[1]->str;
		m.html = parts[2]->str;
		m.inlines = shown = inlines_shown(mo, m.html, &m.ninline);
		rc = compose_build(&m, msg, message_id, err, errlen);
	}
	g_free(shown);
	for (int i = 0; i < 3; i++)
		g_string_free(parts[i], TRUE);
	g_free(list_id);
	g_free(fields);
	return rc;
}

int
mail_kind(struct mail_out *mo, const char *kind, struct tmpl_ctx *ctx,
    const struct compose_addr *to, size_t nto, const char *auto_submitted,
    char *err, size_t errlen)
{
	GByteArray *msg = g_byte_array_new();
	int rc = mail_kind_build(mo, kind, ctx, to, nto, auto_submitted, msg,
	    NULL, err, errlen);

	if (rc == 0 && (rc = mail_deliver(mo, msg, to, nto, err, errlen)) == 0)
		mo->count++;
	g_byte_array_unref(msg);
	return rc;
}

int
mail_send_one(const struct mail_one *one, const char *kind,
    struct tmpl_ctx *ctx, const struct compose_addr *to, char *err,
    size_t errlen)
{
	struct mail_out mo;
	int rc;

	mail_out_init(&mo, one->conf, one->c, one->st, one->txn,
	    one->preview == NULL, one->now);
	mo.lang = one->lang;
	mo.reply_to = one->reply_to;
	rc = mail_kind(&mo, kind, ctx, to, 1, one->auto_submitted, err,
	    errlen);
	if (rc == 0 && one->preview != NULL)
		g_byte_array_append(one->preview, mo.preview->data,
		    mo.preview->len);
	mail_out_free(&mo);
	return rc;
}

void
mail_set_topic_status(struct tmpl_ctx *ctx, uint32_t status)
{
	static const char *const flags[TOPIC__NSTATUS] = {
		[TOPIC_OPEN] = "status_open",
		[TOPIC_SUMMARISED] = "status_summarised",
		[TOPIC_IN_PROGRESS] = "status_in_progress",
		[TOPIC_IMPLEMENTED] = "status_implemented",
		[TOPIC_DECLINED] = "status_declined",
	};

	tmpl_ctx_set(ctx, "status", topic_status_name(status));
	if (status < TOPIC__NSTATUS)
		tmpl_ctx_set_bool(ctx, flags[status], true);
}
