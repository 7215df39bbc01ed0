/*
 * msginfo.c: read what threading and the store need from a message's
 * header, with gmime.  Only the header block is handed to gmime: the body
 * is stored as it came and is parsed later by the tools that show it.
 * Untrusted input: nothing here trusts a length or a count from the mail.
 */
#include <string.h>
#include <gmime/gmime.h>

#include "kring/msginfo.h"
#include "kring/util.h"

void
msginfo_global_init(void)
{
	g_mime_init();
}

size_t
msg_body_offset(const char *raw, size_t len)
{
	const char *p = raw, *end = raw + len;

	/* An empty line (LF or CRLF) ends the header; a message that starts
	 * with one has no header. */
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		if (nl == NULL)
			return len;
		if (nl == p || (nl == p + 1 && *p == '\r'))
			return (size_t)(nl + 1 - raw);
		p = nl + 1;
	}
	return len;
}

/* A References value is kept only when it looks like a Message-ID:
 * misconfigured mailers write "<yes>" or similar, which would otherwise
 * tie unrelated messages into one thread. */
static bool
ref_plausible(const char *id)
{
	return id[0] != '\0' && strchr(id, '@') != NULL && strlen(id) < 1000;
}

static void
refs_add(struct msginfo *mi, const char *id)
{
	if (!ref_plausible(id) || strcmp(id, mi->message_id) == 0)
		return;
	for (size_t i = 0; i < mi->nrefs; i++) {
		if (strcmp(mi->refs[i], id) == 0) {
			/* Only In-Reply-To names an id twice: when it is not
			 * the last of References, their order is off. */
			if (i != mi->nrefs - 1)
				mi->refs_unordered = true;
			/* Move it to the end: the later mention wins. */
			char *keep = mi->refs[i];

			memmove(&mi->refs[i], &mi->refs[i + 1],
			    (mi->nrefs - i - 1) * sizeof mi->refs[0]);
			mi->refs[mi->nrefs - 1] = keep;
			return;
		}
	}
	if (mi->nrefs == MSGINFO_MAX_REFS) {
		/* Keep the newest: the parent matters most. */
		g_free(mi->refs[0]);
		memmove(&mi->refs[0], &mi->refs[1],
		    (MSGINFO_MAX_REFS - 1) * sizeof mi->refs[0]);
		mi->nrefs--;
	}
	mi->refs[mi->nrefs++] = g_strdup(id);
}

/* References oldest first, then In-Reply-To: so the last one is the
 * parent, and In-Reply-To decides it when both are present. */
static void
msginfo_read_refs(struct msginfo *mi, GMimeMessage *msg)
{
	const char *names[] = { "References", "In-Reply-To" };

	for (size_t n = 0; n < G_N_ELEMENTS(names); n++) {
		const char *text = g_mime_object_get_header(GMIME_OBJECT(msg),
		    names[n]);
		GMimeReferences *refs;
		int count;

		if (text == NULL)
			continue;
		refs = g_mime_references_parse(NULL, text);
		if (refs == NULL)
			continue;
		count = g_mime_references_length(refs);
		for (int i = 0; i < count; i++) {
			const char *id = g_mime_references_get_message_id(refs, i);

			refs_add(mi, id);
			/* Of In-Reply-To only the first real id is the parent;
			 * the rest is junk such as "<id>; from x on date". */
			if (n == 1 && ref_plausible(id))
				break;
		}
		g_mime_references_free(refs);
	}
}

static void
msginfo_read_from(struct msginfo *mi, GMimeMessage *msg)
{
	InternetAddressList *list = g_mime_message_get_from(msg);

	for (int i = 0; list && i < internet_address_list_length(list); i++) {
		InternetAddress *a = internet_address_list_get_address(list, i);

		if (INTERNET_ADDRESS_IS_MAILBOX(a)) {
			const char *addr = internet_address_mailbox_get_addr(
			    INTERNET_ADDRESS_MAILBOX(a));

			if (addr != NULL && *addr != '\0') {
				g_free(mi->from);
				mi->from = ascii_lower(g_strdup(addr));
				return;
			}
		}
	}
}

/*
 * A Message-ID for a message that has none, from what a resend or a
 * re-import keeps the same: From, Date, Subject and the body.
 */
static char *
msginfo_derive_id(const char *raw, size_t len, GMimeMessage *msg)
{
	GChecksum *sum = g_checksum_new(G_CHECKSUM_SHA256);
	const char *names[] = { "From", "Date", "Subject" };
	size_t body = msg_body_offset(raw, len);
	char *id;

	for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
		const char *v = msg ? g_mime_object_get_header(GMIME_OBJECT(msg),
		    names[i]) : NULL;

		g_checksum_update(sum, (const guchar *)(v ? v : ""), -1);
		g_checksum_update(sum, (const guchar *)"\n", 1);
	}
	/* Without an empty line everything is "header": hash it all, or
	 * different messages would share an id. */
	if (body == len)
		body = 0;
	g_checksum_update(sum, (const guchar *)raw + body, (gssize)(len - body));
	id = g_strdup_printf("%.32s@derived.kring.invalid",
	    g_checksum_get_string(sum));
	g_checksum_free(sum);
	return id;
}

int
msginfo_parse(const char *raw, size_t len, struct msginfo *mi)
{
	size_t hlen = msg_body_offset(raw, len);
	GMimeStream *stream;
	GMimeParser *parser;
	GMimeMessage *msg;
	const char *id, *subject;
	GDateTime *date;

	memset(mi, 0, sizeof *mi);
	mi->from = g_strdup("");
	stream = g_mime_stream_mem_new_with_buffer(raw, hlen);
	parser = g_mime_parser_new_with_stream(stream);
	g_object_unref(stream);
	g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
	msg = g_mime_parser_construct_message(parser, NULL);
	g_object_unref(parser);

	id = msg ? g_mime_message_get_message_id(msg) : NULL;
	if (id != NULL && *id != '\0' && strlen(id) < 4096) {
		mi->message_id = g_strdup(id);
	} else {
		mi->message_id = msginfo_derive_id(raw, len, msg);
		mi->derived_id = true;
	}
	subject = msg ? g_mime_message_get_subject(msg) : NULL;
	mi->subject = g_strdup(subject ? subject : "");
	if (msg != NULL) {
		msginfo_read_refs(mi, msg);
		msginfo_read_from(mi, msg);
		date = g_mime_message_get_date(msg);
		if (date != NULL) {
			mi->date = g_date_time_to_unix(date);
			mi->has_date = true;
		}
		g_object_unref(msg);
	}
	return 0;
}

void
msginfo_release(struct msginfo *mi)
{
	g_free(mi->message_id);
	for (size_t i = 0; i < mi->nrefs; i++)
		g_free(mi->refs[i]);
	g_free(mi->subject);
	g_free(mi->from);
	memset(mi, 0, sizeof *mi);
}

/* Length of a reply/forward prefix at S ("Re:", "AW[2]:", ...), or 0. */
static size_t
reply_prefix_len(const char *s)
{
	static const char *const prefixes[] = {
		"re", "aw", "antw", "sv", "vs", "fwd", "fw", "wg", "tr", "ynt",
		"odp", "res", "rif", "r", "ref", "rv", "vb", "doorst", "fs",
	};

	for (size_t i = 0; i < G_N_ELEMENTS(prefixes); i++) {
		size_t n = strlen(prefixes[i]);
		const char *p = s + n;

		if (g_ascii_strncasecmp(s, prefixes[i], n) != 0)
			continue;
		if (*p == '[') {	/* "Re[2]:" */
			while (g_ascii_isdigit(p[1]))
				p++;
			if (p[1] != ']')
				continue;
			p += 2;
		}
		if (*p == ' ' && p[1] == ':')	/* French "Re :" */
			p++;
		if (*p == ':')
			return (size_t)(p + 1 - s);
	}
	return 0;
}

/* Skip white space and any "[tag]"s at S (list tags go before or
 * after "Re:", depending on the list manager). */
static const char *
skip_tags(const char *s)
{
	for (;;) {
		while (g_ascii_isspace(*s))
			s++;
		if (*s != '[')
			return s;
		const char *close = strchr(s, ']');

		if (close == NULL || close[1] == '\0')
			return s;	/* "[...]" is all there is: keep it */
		s = close + 1;
	}
}

bool
subject_is_reply(const char *subject)
{
	return reply_prefix_len(skip_tags(subject)) > 0;
}

char *
subject_base(const char *subject)
{
	const char *s = skip_tags(subject);
	GString *out = g_string_new(NULL);
	size_t n;
	bool space = false;

	while ((n = reply_prefix_len(s)) > 0)
		s = skip_tags(s + n);
	for (; *s; s++) {
		if (g_ascii_isspace(*s)) {
			space = true;
			continue;
		}
		if (space && out->len > 0)
			g_string_append_c(out, ' ');
		space = false;
		g_string_append_c(out, g_ascii_tolower(*s));
	}
	/* A trailing "(fwd)" is a forward marker too. */
	if (g_str_has_suffix(out->str, " (fwd)"))
		g_string_truncate(out, out->len - 6);
	return g_string_free(out, FALSE);
}
