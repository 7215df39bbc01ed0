/*
 * msginfo.c: read what threading and the store need from a message's
 * header.  Only the six fields kring uses are picked out of the header
 * block (unfolded, first of each), and each is decoded with gmime's own
 * field parsers; building a whole GMimeMessage would cost most of the
 * ingest time.  The body is stored as it came and parsed later by the
 * tools that show it.
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

enum field { F_MESSAGE_ID, F_REFERENCES, F_IN_REPLY_TO, F_SUBJECT, F_FROM,
    F_DATE, F__COUNT };

static const char *const field_names[F__COUNT] = {
	"Message-ID", "References", "In-Reply-To", "Subject", "From", "Date",
};

/* The header fields kring reads: unfolded values, NULL when absent. */
struct fields {
	char *value[F__COUNT];
};

/* Which wanted field NAME (LEN bytes) is, or F__COUNT. */
static enum field
field_lookup(const char *name, size_t len)
{
	for (int f = 0; f < F__COUNT; f++)
		if (strlen(field_names[f]) == len &&
		    g_ascii_strncasecmp(name, field_names[f], len) == 0)
			return (enum field)f;
	return F__COUNT;
}

/* The value from P (after the colon) to the end of the field, unfolded:
 * line breaks before white space dropped, ends trimmed.  *NEXT gets the
 * start of the next field. */
static char *
field_value(const char *p, const char *end, const char **next)
{
	GString *v = g_string_new(NULL);

	for (;;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *stop = nl ? nl : end;

		if (stop > p && stop[-1] == '\r')
			stop--;
		g_string_append_len(v, p, stop - p);
		p = nl ? nl + 1 : end;
		if (p >= end || (*p != ' ' && *p != '\t'))
			break;
	}
	*next = p;
	return g_strstrip(g_string_free(v, FALSE));
}

/* Pick the wanted fields out of the header block RAW[0..LEN). */
static void
fields_scan(const char *raw, size_t len, struct fields *fs)
{
	const char *p = raw, *end = raw + msg_body_offset(raw, len);

	memset(fs, 0, sizeof *fs);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		const char *colon = memchr(p, ':', (size_t)(eol - p));
		size_t nlen;
		enum field f;

		if (eol == p || (eol == p + 1 && *p == '\r'))
			break;		/* the empty line */
		nlen = colon ? (size_t)(colon - p) : 0;
		while (nlen > 0 && (p[nlen - 1] == ' ' || p[nlen - 1] == '\t'))
			nlen--;
		f = colon ? field_lookup(p, nlen) : F__COUNT;
		if (f != F__COUNT && fs->value[f] == NULL) {
			fs->value[f] = field_value(colon + 1, end, &p);
			continue;
		}
		/* Not wanted, a repeat, or not a field ("From " lines): skip
		 * it with its continuation lines. */
		p = nl ? nl + 1 : end;
		while (p < end && (*p == ' ' || *p == '\t')) {
			nl = memchr(p, '\n', (size_t)(end - p));
			p = nl ? nl + 1 : end;
		}
	}
}

char *
msg_header_get(const char *raw, size_t len, const char *name)
{
	const char *p = raw, *end = raw + msg_body_offset(raw, len);
	size_t nlen = strlen(name);

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		if ((size_t)(end - p) > nlen && p[nlen] == ':' &&
		    g_ascii_strncasecmp(p, name, nlen) == 0)
			return field_value(p + nlen + 1, end, &p);
		p = nl ? nl + 1 : end;
	}
	return NULL;
}

static void
fields_release(struct fields *fs)
{
	for (int f = 0; f < F__COUNT; f++)
		g_free(fs->value[f]);
}

/* References oldest first, then In-Reply-To: so the last one is the
 * parent, and In-Reply-To decides it when both are present. */
static void
msginfo_read_refs(struct msginfo *mi, const struct fields *fs)
{
	const enum field order[] = { F_REFERENCES, F_IN_REPLY_TO };

	for (size_t n = 0; n < G_N_ELEMENTS(order); n++) {
		const char *text = fs->value[order[n]];
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
msginfo_read_from(struct msginfo *mi, const char *text)
{
	InternetAddressList *list;

	if (text == NULL || (list = internet_address_list_parse(NULL, text)) == NULL)
		return;
	for (int i = 0; i < internet_address_list_length(list); i++) {
		InternetAddress *a = internet_address_list_get_address(list, i);

		if (INTERNET_ADDRESS_IS_MAILBOX(a)) {
			const char *addr = internet_address_mailbox_get_addr(
			    INTERNET_ADDRESS_MAILBOX(a));

			if (addr != NULL && *addr != '\0') {
				g_free(mi->from);
				mi->from = ascii_lower(g_strdup(addr));
				break;
			}
		}
	}
	g_object_unref(list);
}

/*
 * A Message-ID for a message that has none, from what a resend or a
 * re-import keeps the same: From, Date, Subject and the body.
 */
static char *
msginfo_derive_id(const char *raw, size_t len, const struct fields *fs)
{
	GChecksum *sum = g_checksum_new(G_CHECKSUM_SHA256);
	const enum field parts[] = { F_FROM, F_DATE, F_SUBJECT };
	size_t body = msg_body_offset(raw, len);
	char *id;

	for (size_t i = 0; i < G_N_ELEMENTS(parts); i++) {
		const char *v = fs->value[parts[i]];

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
	struct fields fs;
	char *id = NULL;
	GDateTime *date;

	memset(mi, 0, sizeof *mi);
	fields_scan(raw, len, &fs);
	if (fs.value[F_MESSAGE_ID] != NULL)
		id = g_mime_utils_decode_message_id(fs.value[F_MESSAGE_ID]);
	if (id != NULL && *id != '\0' && strlen(id) < 4096) {
		mi->message_id = id;
	} else {
		g_free(id);
		mi->message_id = msginfo_derive_id(raw, len, &fs);
		mi->derived_id = true;
	}
	mi->subject = fs.value[F_SUBJECT] ?
	    g_mime_utils_header_decode_text(NULL, fs.value[F_SUBJECT]) :
	    g_strdup("");
	mi->from = g_strdup("");
	msginfo_read_refs(mi, &fs);
	msginfo_read_from(mi, fs.value[F_FROM]);
	if (fs.value[F_DATE] != NULL &&
	    (date = g_mime_utils_header_decode_date(fs.value[F_DATE])) != NULL) {
		mi->date = g_date_time_to_unix(date);
		mi->has_date = true;
		g_date_time_unref(date);
	}
	fields_release(&fs);
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
