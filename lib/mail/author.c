/*
 * author.c: the author's display name (author.h).
 */
#include <gmime/gmime.h>

#include "kring/author.h"
#include "kring/msginfo.h"

/* The first address of RAW's From, or NULL; unref *LIST when set. */
static InternetAddress *
first_from(const char *raw, size_t len, InternetAddressList **list)
{
	char *from = msg_header_get(raw, len, "From");

	*list = NULL;
	if (from == NULL)
		return NULL;
	*list = internet_address_list_parse(NULL, from);
	g_free(from);
	if (*list == NULL || internet_address_list_length(*list) == 0)
		return NULL;
	return internet_address_list_get_address(*list, 0);
}

char *
msg_author_address(const char *raw, size_t len)
{
	InternetAddressList *list;
	InternetAddress *ia = first_from(raw, len, &list);
	const char *addr = ia != NULL && INTERNET_ADDRESS_IS_MAILBOX(ia) ?
	    internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia)) :
	    NULL;
	char *out = g_ascii_strdown(addr ? addr : "", -1);

	if (list != NULL)
		g_object_unref(list);
	return out;
}

char *
msg_author_name(const char *raw, size_t len)
{
	InternetAddressList *list;
	InternetAddress *ia = first_from(raw, len, &list);
	const char *name = ia ? internet_address_get_name(ia) : NULL;
	char *out;

	out = g_strdup(name ? name : "");
	for (char *p = out; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	g_strstrip(out);
	if (list != NULL)
		g_object_unref(list);
	return out;
}

char *
author_label(struct store *st, MDB_txn *txn, uint64_t msg, const char *addr)
{
	MDB_val raw;
	char *name, *label;

	if (store_raw_get(st, txn, msg, &raw) != 0)
		return g_strdup(addr);
	name = msg_author_name(raw.mv_data, raw.mv_size);
	label = name[0] ? g_strdup_printf("%s (%s)", name, addr) :
	    g_strdup(addr);
	g_free(name);
	return label;
}
