/*
 * author.c: the author's display name (author.h).
 */
#include <gmime/gmime.h>

#include "kring/author.h"
#include "kring/msginfo.h"

char *
msg_author_name(const char *raw, size_t len)
{
	char *from = msg_header_get(raw, len, "From");
	InternetAddressList *list;
	const char *name = NULL;
	char *out;

	if (from == NULL)
		return g_strdup("");
	list = internet_address_list_parse(NULL, from);
	if (list != NULL && internet_address_list_length(list) > 0)
		name = internet_address_get_name(
		    internet_address_list_get_address(list, 0));
	out = g_strdup(name ? name : "");
	for (char *p = out; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	g_strstrip(out);
	if (list != NULL)
		g_object_unref(list);
	g_free(from);
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
