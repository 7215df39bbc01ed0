/*
 * kring-thread: one thread as an indented tree.  Placeholders (messages
 * referred to but not stored) show as "[not here]".
 */
#include <err.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "kring/cli.h"
#include "kring/json.h"
#include "kring/thread.h"
#include "kring/util.h"

struct tnode {
	char *idkey;
	char *shown;		/* the Message-ID (idkeys of long ones are hashes) */
	char *parent;		/* idkey, or NULL */
	struct node_rec rec;
	GPtrArray *children;	/* struct tnode * */
};

static void
usage(FILE *out, int status)
{
	fprintf(out, "usage: kring thread [-s DIR] [-c FILE] [--json] ID\n\n"
	    "Show thread ID (from kring threads) as a tree: store id, date,\n"
	    "author, subject and Message-ID of each message.  --json prints\n"
	    "one object a node, parents before children, with the keys\n"
	    "message_id, parent (null at the top), id (null for a message\n"
	    "referred to but not stored), depth.\n");
	exit(status);
}

static void
tnode_free(gpointer p)
{
	struct tnode *n = p;

	g_free(n->idkey);
	g_free(n->shown);
	g_free(n->parent);
	g_ptr_array_free(n->children, TRUE);
	g_free(n);
}

static int
by_date(gconstpointer a, gconstpointer b)
{
	const struct tnode *x = *(struct tnode *const *)a;
	const struct tnode *y = *(struct tnode *const *)b;

	if (x->rec.date != y->rec.date)
		return x->rec.date < y->rec.date ? -1 : 1;
	return strcmp(x->idkey, y->idkey);
}

static void
print_node_json(const struct tnode *n, const struct tnode *parent, int depth)
{
	GString *out = g_string_new("{\"message_id\":");
	char *id = g_strdup_printf("<%s>", n->shown);

	json_string(out, id, strlen(id));
	g_free(id);
	g_string_append(out, ",\"parent\":");
	if (parent != NULL) {
		id = g_strdup_printf("<%s>", parent->shown);
		json_string(out, id, strlen(id));
		g_free(id);
	} else
		g_string_append(out, "null");
	if (n->rec.msg != 0)
		g_string_append_printf(out, ",\"id\":%llu",
		    (unsigned long long)n->rec.msg);
	else
		g_string_append(out, ",\"id\":null");
	g_string_append_printf(out, ",\"depth\":%d}\n", depth);
	cli_emit(out);
}

static void
print_node(struct cli *cli, MDB_txn *txn, struct tnode *n,
    const struct tnode *parent, int depth)
{
	struct msg_view mv;
	char date[32];

	/* A placeholder with nothing below it says nothing (JWZ drops
	 * such empty containers). */
	if (n->rec.msg == 0 && n->children->len == 0)
		return;
	if (cli->json)
		print_node_json(n, parent, depth);
	else if (n->rec.msg != 0 && store_msg_get(&cli->st, txn, n->rec.msg, &mv) == 0) {
		gchar *subj = g_utf8_make_valid(mv.subject, -1);

		time_iso(mv.rec.date, date, sizeof date);
		printf("%*s%llu  %s  %s  %s  <%s>\n", depth * 2, "",
		    (unsigned long long)n->rec.msg, date, mv.from, subj,
		    mv.message_id);
		g_free(subj);
	} else {
		printf("%*s[not here]  <%s>\n", depth * 2, "", n->shown);
	}
	g_ptr_array_sort(n->children, by_date);
	for (guint i = 0; i < n->children->len; i++)
		print_node(cli, txn, n->children->pdata[i], n, depth + 1);
}

/* Read every node of thread ID into NODES (idkey -> struct tnode). */
static void
load_nodes(struct cli *cli, MDB_txn *txn, uint32_t comm, uint64_t id,
    GHashTable *nodes)
{
	unsigned char kb[8];
	MDB_val k = { 8, kb }, v;
	MDB_cursor *cur;
	char parent[KRING_IDKEY_MAX + 65];
	struct msg_view mv;
	size_t plen;
	int rc;

	be64_put(kb, id);
	if ((rc = mdb_cursor_open(txn, cli->st.dbi[DB_THREAD_NODE], &cur)) != 0)
		errx(EX_SOFTWARE, "%s", mdb_strerror(rc));
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_KEY);
	for (; rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT_DUP)) {
		struct tnode *n = g_new0(struct tnode, 1);

		n->idkey = g_strndup(v.mv_data, v.mv_size);
		n->children = g_ptr_array_new();
		if (thread_node_get(&cli->st, txn, comm, v.mv_data, v.mv_size,
		    &n->rec, parent, &plen) == 0 && plen > 0)
			n->parent = g_strndup(parent, plen);
		n->shown = g_strdup(n->idkey);
		if (n->rec.msg != 0 && store_msg_get(&cli->st, txn, n->rec.msg,
		    &mv) == 0) {
			g_free(n->shown);
			n->shown = g_strdup(mv.message_id);
		}
		g_hash_table_insert(nodes, n->idkey, n);
	}
	if (rc != MDB_NOTFOUND)
		errx(EX_SOFTWARE, "%s", mdb_strerror(rc));
	mdb_cursor_close(cur);
}

int
main(int argc, char **argv)
{
	struct cli cli = { 0 };
	struct thread_rec t;
	GHashTable *nodes;
	GPtrArray *tops;
	GHashTableIter it;
	gpointer key, val;
	MDB_txn *txn;
	long id;
	int arg, rc;

	arg = cli_parse_common(&cli, argc, argv, 1, usage);
	if (parse_long(argv[arg], 1, 0x7fffffffffffffffL, &id) != 0)
		errx(EX_USAGE, "%s: not a thread id", argv[arg]);
	cli_open_store(&cli, false);
	txn = cli_begin(&cli, false);
	if ((rc = thread_get(&cli.st, txn, (uint64_t)id, &t, NULL, NULL)) != 0)
		errx(EX_DATAERR, "thread %ld: %s", id, rc == MDB_NOTFOUND ?
		    "no such thread" : mdb_strerror(rc));
	nodes = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, tnode_free);
	load_nodes(&cli, txn, t.community, (uint64_t)id, nodes);
	tops = g_ptr_array_new();
	g_hash_table_iter_init(&it, nodes);
	while (g_hash_table_iter_next(&it, &key, &val)) {
		struct tnode *n = val, *p = NULL;

		if (n->parent != NULL)
			p = g_hash_table_lookup(nodes, n->parent);
		g_ptr_array_add(p ? p->children : tops, n);
	}
	g_ptr_array_sort(tops, by_date);
	for (guint i = 0; i < tops->len; i++)
		print_node(&cli, txn, tops->pdata[i], NULL, 0);
	g_ptr_array_free(tops, TRUE);
	g_hash_table_destroy(nodes);
	cli_finish(&cli, txn);
	return 0;
}
