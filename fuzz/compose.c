/*
 * Fuzz target: building a message from member-written text.  The input,
 * split on NUL bytes, gives the subject, the From, To and Reply-To
 * names, the text and HTML bodies, an extra field's value, and then
 * (when present) the extra field's name and a second recipient's
 * address, so the checks of both are fuzzed too.  The message built is
 * read back: every header line must start a field that was asked for
 * (or continue one), gmime must find the recipients given and no more,
 * the subject must decode to what went in, and the mbox preview must
 * read back as the message.  Anything else aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <gmime/gmime.h>

#include "kring/compose.h"
#include "kring/mbox.h"
#include "kring/msginfo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { F_SUBJECT, F_FROM, F_TO, F_TEXT, F_HTML, F_VALUE, F_REPLY,
    F_NAME, F_ADDR, F__COUNT };

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

/* TEXT as compose means it: valid UTF-8, controls as spaces, white
 * space squeezed (folding may change it; what it separates may not). */
static char *
squeezed(const char *text)
{
	char *valid = g_utf8_make_valid(text, -1);
	GString *out = g_string_new(NULL);
	bool space = false;

	for (const char *p = valid; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;

		if (c <= 0x20 || c == 0x7f) {
			space = true;
			continue;
		}
		if (space && out->len > 0)
			g_string_append_c(out, ' ');
		space = false;
		g_string_append_c(out, *p);
	}
	g_free(valid);
	return g_string_free(out, FALSE);
}

static bool
is_encoded_word(const char *w, size_t len)
{
	return len >= 4 && memcmp(w, "=?", 2) == 0 &&
	    memcmp(w + len - 2, "?=", 2) == 0;
}

/* VALUE decoded a word at a time (gmime 3.2.13 loses text when it
 * decodes adjacent base64 words together: its issue 133). */
static char *
decode_by_word(const char *value)
{
	GString *out = g_string_new(NULL);
	const char *p = value;
	bool last = false;

	while (*p != '\0') {
		size_t ws = strspn(p, " \t\r\n"), len;
		char *word, *text;

		len = strcspn(p + ws, " \t\r\n");
		if (len == 0)
			break;
		if (!(last && is_encoded_word(p + ws, len)))
			g_string_append_len(out, p, (gssize)ws);
		word = g_strndup(p + ws, len);
		text = g_mime_utils_header_decode_text(NULL, word);
		g_string_append(out, text);
		last = is_encoded_word(p + ws, len);
		g_free(text);
		g_free(word);
		p += ws + len;
	}
	return g_string_free(out, FALSE);
}

/* Each line of the header block of RAW continues a field or starts one
 * of the NAMES, each of which is there once. */
static void
check_header_lines(const GByteArray *raw, const char *const *names,
    size_t nnames)
{
	size_t end = msg_body_offset((const char *)raw->data, raw->len);
	const char *p = (const char *)raw->data, *stop = p + end;
	unsigned seen[16] = { 0 };

	CHECK(nnames <= G_N_ELEMENTS(seen));
	CHECK(end > 2 && p[0] != ' ' && p[0] != '\t');
	while (p < stop - 2) {		/* the empty line ends it */
		const char *nl = memchr(p, '\n', (size_t)(stop - p));
		const char *colon;
		size_t i;

		CHECK(nl != NULL);
		colon = memchr(p, ':', (size_t)(nl - p));

		if (*p != ' ' && *p != '\t') {
			CHECK(colon != NULL);
			for (i = 0; i < nnames; i++)
				if ((size_t)(colon - p) == strlen(names[i]) &&
				    g_ascii_strncasecmp(p, names[i],
				    strlen(names[i])) == 0)
					break;
			CHECK(i < nnames);
			seen[i]++;
		}
		p = nl + 1;
	}
	for (size_t i = 0; i < nnames; i++)
		CHECK(seen[i] == 1);
}

/* Every line ends in CRLF and holds at most 998 octets. */
static void
check_lines(const GByteArray *raw)
{
	size_t col = 0;

	CHECK(raw->len >= 2 && raw->data[raw->len - 1] == '\n');
	for (size_t i = 0; i < raw->len; i++) {
		if (raw->data[i] == '\r')
			CHECK(i + 1 < raw->len && raw->data[i + 1] == '\n');
		if (raw->data[i] == '\n')
			CHECK(i > 0 && raw->data[i - 1] == '\r');
		col = raw->data[i] == '\n' ? 0 : col + 1;
		CHECK(col <= 999);
	}
}

static int
count(GMimeMessage *msg, GMimeAddressType type)
{
	InternetAddressList *l = g_mime_message_get_addresses(msg, type);

	return l == NULL ? 0 : internet_address_list_length(l);
}

/* Address I of list TYPE. */
static const char *
addr_at(GMimeMessage *msg, GMimeAddressType type, int i)
{
	InternetAddress *a = internet_address_list_get_address(
	    g_mime_message_get_addresses(msg, type), i);

	CHECK(INTERNET_ADDRESS_IS_MAILBOX(a));
	return internet_address_mailbox_get_idn_addr(
	    INTERNET_ADDRESS_MAILBOX(a));
}

static void
check_parsed(const GByteArray *raw, const char *subject,
    const struct compose_addr *to, size_t nto)
{
	GMimeStream *s = g_mime_stream_mem_new_with_buffer(
	    (const char *)raw->data, raw->len);
	GMimeParser *p = g_mime_parser_new_with_stream(s);
	GMimeMessage *msg = g_mime_parser_construct_message(p, NULL);
	char *value, *got, *want;

	CHECK(msg != NULL);
	CHECK(count(msg, GMIME_ADDRESS_TYPE_FROM) == 1);
	CHECK(count(msg, GMIME_ADDRESS_TYPE_REPLY_TO) == 1);
	CHECK(count(msg, GMIME_ADDRESS_TYPE_TO) == (int)nto);
	CHECK(count(msg, GMIME_ADDRESS_TYPE_CC) == 0);
	CHECK(count(msg, GMIME_ADDRESS_TYPE_BCC) == 0);
	for (size_t i = 0; i < nto; i++)
		CHECK(strcmp(addr_at(msg, GMIME_ADDRESS_TYPE_TO, (int)i),
		    to[i].addr) == 0);
	/* Text that is itself an encoded word is written as it is (see
	 * compose.h), so it decodes: nothing to compare then. */
	if (strstr(subject, "=?") == NULL) {
		value = msg_header_get((const char *)raw->data, raw->len,
		    "Subject");
		CHECK(value != NULL);
		got = decode_by_word(value);
		g_free(value);
		value = got;
		got = squeezed(value);
		want = squeezed(subject);
		CHECK(strcmp(got, want) == 0);
		g_free(want);
		g_free(got);
		g_free(value);
	}
	g_object_unref(msg);
	g_object_unref(p);
	g_object_unref(s);
}

static void
check_mbox(const GByteArray *raw)
{
	GByteArray *mbox = g_byte_array_new(), *buf = g_byte_array_new();
	GByteArray *lf = g_byte_array_new();
	struct mbox_reader r;
	int64_t when;

	for (size_t i = 0; i < raw->len; i++)
		if (raw->data[i] != '\r')
			g_byte_array_append(lf, &raw->data[i], 1);
	compose_mbox_append(mbox, raw, 1700000000);
	mbox_reader_init(&r, (const char *)mbox->data, mbox->len);
	CHECK(mbox_next(&r, buf, &when) == 1);
	CHECK(when == 1700000000);
	CHECK(buf->len == lf->len && memcmp(buf->data, lf->data, lf->len) == 0);
	CHECK(mbox_next(&r, buf, &when) == 0);
	g_byte_array_unref(lf);
	g_byte_array_unref(buf);
	g_byte_array_unref(mbox);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int initialised;
	const char *f[F__COUNT] = { NULL };
	char *copy = g_malloc(size + 1), *p = copy, *id = NULL;
	struct compose_addr to[2], reply;
	struct compose_header extra;
	struct compose_msg m = {
		.from_addr = "news@kring.example.org", .to = to, .nto = 1,
		.reply_to = &reply, .message_id_domain = "kring.example.org",
		.auto_submitted = "auto-generated", .headers = &extra,
		.nheaders = 1, .date = 1700000000,
	};
	const char *names[] = { "From", "To", "Reply-To", "Subject", "Date",
	    "Message-ID", "MIME-Version", "Auto-Submitted", "Content-Type",
	    "Content-Transfer-Encoding", NULL };
	GByteArray *out = g_byte_array_new();
	char err[256] = "";
	int rc;

	if (!initialised) {
		msginfo_global_init();
		initialised = 1;
	}
	memcpy(copy, data, size);
	copy[size] = '\0';
	for (int i = 0; i < F__COUNT && p <= copy + size; i++) {
		f[i] = p;
		p += strlen(p) + 1;
	}
	m.subject = f[F_SUBJECT] ? f[F_SUBJECT] : "";
	m.from_name = f[F_FROM];
	to[0] = (struct compose_addr){ f[F_TO], "jw@example.nl" };
	to[1] = (struct compose_addr){ "Second", f[F_ADDR] };
	m.nto = f[F_ADDR] != NULL ? 2 : 1;
	reply = (struct compose_addr){ f[F_REPLY], "team@kring.example.org" };
	m.text = f[F_TEXT];
	m.html = f[F_HTML];
	extra = (struct compose_header){ f[F_NAME] ? f[F_NAME] : "List-Id",
	    f[F_VALUE] };
	names[G_N_ELEMENTS(names) - 1] = extra.name;

	rc = compose_build(&m, out, &id, err, sizeof err);
	if (rc != 0) {
		/* Refused: said why, built nothing; and only for what the
		 * input may get wrong. */
		CHECK(err[0] != '\0' && out->len == 0 && id == NULL);
		CHECK(f[F_NAME] != NULL || f[F_ADDR] != NULL ||
		    strstr(err, "too long") != NULL);
		goto out;
	}
	check_lines(out);
	for (size_t i = 0; i < msg_body_offset((const char *)out->data,
	    out->len); i++)
		CHECK(out->data[i] < 0x80 && out->data[i] != 0);
	/* Content-Transfer-Encoding is absent for 7bit: count it as there
	 * by checking the names that must appear once, less that one. */
	if (m.html == NULL && g_strstr_len((const char *)out->data,
	    (gssize)msg_body_offset((const char *)out->data, out->len),
	    "\nContent-Transfer-Encoding:") != NULL) {
		check_header_lines(out, names, G_N_ELEMENTS(names));
	} else {
		names[9] = names[10];
		check_header_lines(out, names, G_N_ELEMENTS(names) - 1);
	}
	CHECK(compose_addr_valid(to[m.nto - 1].addr));
	check_parsed(out, m.subject, to, m.nto);
	check_mbox(out);
out:
	g_free(id);
	g_byte_array_unref(out);
	g_free(copy);
	return 0;
}
