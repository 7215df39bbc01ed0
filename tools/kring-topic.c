/*
 * kring-topic: topics, the questions staff put to a community.  `new`
 * stores the question as the first post of a thread of the community
 * (through ingest_message, as if it had been received) and the topic
 * record in the same transaction; `summary` records the community
 * manager's summary, `outcome` what the topic owner did and the status;
 * `list` and `show` count the members' responses in the thread.
 *
 * Staff and their roles come from the config; the text of a summary or
 * an outcome is Markdown, read from a file or stdin before the store is
 * opened, so no transaction waits on input.
 */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <glib.h>

#include "kring/activity.h"
#include "kring/cli.h"
#include "kring/compose.h"
#include "kring/fanout.h"
#include "kring/ingest.h"
#include "kring/json.h"
#include "kring/markdown.h"
#include "kring/msginfo.h"
#include "kring/topic.h"
#include "kring/util.h"

/* Options beyond the common ones, a bit each, so that a command can
 * refuse those that are not its own. */
enum {
	OPT_TITLE = 1u << 0,
	OPT_OWNER = 1u << 1,
	OPT_BODY = 1u << 2,
	OPT_STATUS = 1u << 3,
	OPT_BY = 1u << 4,
};

static const struct {
	unsigned bit;
	const char *name;
} opt_names[] = {
	{ OPT_TITLE, "title" }, { OPT_OWNER, "owner" }, { OPT_BODY, "body" },
	{ OPT_STATUS, "status" }, { OPT_BY, "by" },
};

struct topic_cmd {
	struct cli cli;
	const char *title, *owner, *body, *status, *by;	/* the options */
	unsigned given;		/* OPT_* seen */
	const struct community_conf *community;
	int64_t now;
};

/* What the thread of a topic's question says about it. */
struct topic_stats {
	uint64_t thread;
	char *message_id;	/* the question's, without <> */
	GPtrArray *posts;	/* struct post *, in time order */
	unsigned responses;	/* posts by members (not staff), the question aside */
	GPtrArray *participants;	/* char *, authors but the owner, by first post */
};

static void
usage(FILE *out, int status)
{
	fprintf(out,
	    "usage: kring topic [-c FILE] [-s DIR] [--community C] COMMAND\n\n"
	    "  new --title T --owner ADDR --body FILE [--json]\n"
	    "      Put a question to the community: a message From the topic\n"
	    "      owner ADDR (staff with the role owner) To the community,\n"
	    "      Subject T, the Markdown FILE (- for stdin) as its body.\n"
	    "      Prints the topic id.\n"
	    "  summary ID FILE [--by ADDR]\n"
	    "      Record the community manager's summary (Markdown); an open\n"
	    "      topic becomes summarised.\n"
	    "  outcome ID FILE --status S [--by ADDR]\n"
	    "      Record what the topic owner did (Markdown) and the status S:\n"
	    "      in-progress, implemented or declined.  Needs a summary.\n"
	    "  list [--json]\n"
	    "      One topic a line: id, status, responses, participants,\n"
	    "      created, owner, title.\n"
	    "  show ID [--json]\n"
	    "      Everything about topic ID: question, summary, outcome,\n"
	    "      participants and the posts of its thread.\n\n"
	    "--by ADDR refuses the change unless ADDR is staff with the role\n"
	    "(manager for a summary, owner for an outcome).  Responses are the\n"
	    "posts of members (not staff) in the question's thread;\n"
	    "participants are the authors there other than the topic owner.\n");
	exit(status);
}

/* The community from the config (--community, else the first): its
 * staff and address are needed by every command. */
static void
topic_community(struct topic_cmd *tc)
{
	tc->community = config_community(&tc->cli.conf, tc->cli.community);
	if (tc->community != NULL)
		return;
	if (tc->cli.community != NULL)
		errx(EX_CONFIG, "%s: no community \"%s\" in the config",
		    tc->cli.have_conf ? tc->cli.conf.path : "(no config)",
		    tc->cli.community);
	errx(EX_CONFIG, "kring topic needs a community with its staff from "
	    "the config (-c FILE)");
}

/* The community's id in the store; false when nothing of it is stored. */
static bool
stored_community(struct topic_cmd *tc, MDB_txn *txn, uint32_t *comm)
{
	int rc = store_community_id(&tc->cli.st, txn, tc->community->name,
	    false, comm);

	if (rc == MDB_NOTFOUND)
		return false;
	if (rc != 0)
		errx(EX_SOFTWARE, "%s: %s", tc->cli.st.path, mdb_strerror(rc));
	return true;
}

static uint64_t
parse_topic_id(const char *text)
{
	long id;

	if (parse_long(text, 1, 0x7fffffffffffffffL, &id) != 0)
		errx(EX_USAGE, "%s: not a topic id", text);
	return (uint64_t)id;
}


static const char *
role_list(unsigned roles, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s%s%s", roles & ROLE_MANAGER ? "manager" : "",
	    (roles & ROLE_MANAGER) && (roles & ~ROLE_MANAGER) ? ", " : "",
	    roles & ROLE_OWNER ? "owner" : "",
	    (roles & ROLE_OWNER) && (roles & ROLE_MODERATOR) ? ", " : "",
	    roles & ROLE_MODERATOR ? "moderator" : "");
	if (buf[0] == '\0')
		snprintf(buf, len, "none");
	return buf;
}

/*
 * Staff member ADDR of the community, who must have ROLE (named
 * ROLE_NAME) for WHAT; exits with STATUS and a message otherwise.
 */
static const struct staff_conf *
staff_with_role(struct topic_cmd *tc, const char *addr, unsigned role,
    const char *role_name, const char *what, int status)
{
	const struct staff_conf *s = config_staff(tc->community, addr);
	char roles[64];

	if (s == NULL)
		errx(status, "%s is not staff of community \"%s\" (staff are "
		    "configured in %s); only a %s %s", addr,
		    tc->community->name, tc->cli.conf.path, role_name, what);
	if ((s->roles & role) == 0)
		errx(status, "%s is staff of community \"%s\" (roles: %s) but "
		    "not a %s; only a %s %s", addr, tc->community->name,
		    role_list(s->roles, roles, sizeof roles), role_name,
		    role_name, what);
	return s;
}

/* Topic ID of community COMM into T, or exit. */
static void
load_topic(struct topic_cmd *tc, MDB_txn *txn, uint64_t id, struct topic *t)
{
	uint32_t comm;
	int rc = MDB_NOTFOUND;

	if (stored_community(tc, txn, &comm) &&
	    (rc = topic_get(&tc->cli.st, txn, id, t)) == 0 &&
	    t->rec.community != comm) {
		topic_clear(t);
		rc = MDB_NOTFOUND;
	}
	if (rc == MDB_NOTFOUND)
		errx(EX_DATAERR, "topic %llu: no such topic in community \"%s\"",
		    (unsigned long long)id, tc->community->name);
	if (rc != 0)
		errx(EX_SOFTWARE, "%s: topic %llu: %s", tc->cli.st.path,
		    (unsigned long long)id, mdb_strerror(rc));
}

/* Write T and commit TXN, or exit with nothing changed. */
static void
save_topic(struct topic_cmd *tc, MDB_txn *txn, struct topic *t)
{
	int rc;

	if ((rc = topic_put(&tc->cli.st, txn, t)) == EINVAL)
		errx(EX_DATAERR, "topic %llu: a text is too long",
		    (unsigned long long)t->id);
	if (rc != 0 || (rc = mdb_txn_commit(txn)) != 0)
		errx(EX_CANTCREAT, "%s: %s", tc->cli.st.path, mdb_strerror(rc));
}

static void
stats_free(struct topic_stats *s)
{
	g_free(s->message_id);
	g_ptr_array_unref(s->posts);
	g_ptr_array_unref(s->participants);
}

/* Read the thread of topic T's question into S (free with stats_free). */
static void
stats_load(struct topic_cmd *tc, MDB_txn *txn, const struct topic *t,
    struct topic_stats *s)
{
	struct msg_view mv;
	int rc;

	memset(s, 0, sizeof *s);
	s->posts = g_ptr_array_new_with_free_func((GDestroyNotify)post_free);
	s->participants = g_ptr_array_new();
	if ((rc = store_msg_get(&tc->cli.st, txn, t->rec.msg, &mv)) != 0)
		errx(EX_DATAERR, "topic %llu: its question, message %llu: %s",
		    (unsigned long long)t->id, (unsigned long long)t->rec.msg,
		    mdb_strerror(rc));
	s->thread = mv.rec.thread;
	s->message_id = g_strdup(mv.message_id);
	if ((rc = activity_thread_posts(&tc->cli.st, txn, t->rec.community,
	    tc->community, s->thread, s->posts)) != 0)
		errx(EX_SOFTWARE, "%s: thread %llu: %s", tc->cli.st.path,
		    (unsigned long long)s->thread, mdb_strerror(rc));
	for (guint i = 0; i < s->posts->len; i++) {
		struct post *p = s->posts->pdata[i];
		bool seen = false;

		if (p->msg == t->rec.msg)
			continue;
		if (post_is_member(p))
			s->responses++;
		if (p->from[0] == '\0' || g_ascii_strcasecmp(p->from,
		    t->owner) == 0)
			continue;
		for (guint j = 0; j < s->participants->len && !seen; j++)
			seen = strcmp(s->participants->pdata[j], p->from) == 0;
		if (!seen)
			g_ptr_array_add(s->participants, p->from);
	}
}

static void
json_field(GString *out, const char *key, const char *value)
{
	g_string_append_printf(out, ",\"%s\":", key);
	json_string(out, value, strlen(value));
}

/* KEY: the time T in ISO 8601, or null when T is 0. */
static void
json_time(GString *out, const char *key, int64_t t)
{
	char buf[32];

	if (t == 0) {
		g_string_append_printf(out, ",\"%s\":null", key);
		return;
	}
	time_iso(t, buf, sizeof buf);
	json_field(out, key, buf);
}

/* KEY: TEXT, or null when it is empty (not recorded). */
static void
json_text(GString *out, const char *key, const char *text)
{
	if (text[0] == '\0')
		g_string_append_printf(out, ",\"%s\":null", key);
	else
		json_field(out, key, text);
}

/* ---- new ---- */

/* The question as a message From OWNER To the community: TITLE its
 * Subject, QUESTION (Markdown) its text and HTML.  *MESSAGE_ID gets its
 * Message-ID (g_free). */
static GByteArray *
question_build(struct topic_cmd *tc, const struct staff_conf *owner,
    const char *title, const char *question, char **message_id)
{
	const struct community_conf *c = tc->community;
	char *html = markdown_to_html(question, strlen(question));
	char *list = g_strdup_printf("<%s.%s>", c->local, c->domain);
	struct compose_addr to = {
		c->description[0] ? c->description : c->name, c->address };
	struct compose_header list_id = { "List-Id", list };
	/* Answers go to the community, where they thread with the question. */
	struct compose_msg m = {
		.from_name = owner->name, .from_addr = owner->address,
		.to = &to, .nto = 1, .reply_to = &to, .subject = title,
		.text = question, .html = html, .message_id_domain = c->domain,
		.headers = &list_id, .nheaders = 1, .date = tc->now,
	};
	GByteArray *msg = g_byte_array_new();
	char errbuf[256];

	msginfo_global_init();
	if (compose_build(&m, msg, message_id, errbuf, sizeof errbuf) != 0)
		errx(EX_DATAERR, "the question: %s", errbuf);
	g_free(html);
	g_free(list);
	return msg;
}

/* Store MSG as the question and topic T with it, in one transaction;
 * *THREAD gets the question's thread. */
static void
topic_store(struct topic_cmd *tc, const GByteArray *msg, const char *msgid,
    struct topic *t, uint64_t *thread)
{
	const struct community_conf *c = tc->community;
	MDB_txn *txn = cli_begin(&tc->cli, true);
	struct ingest_result res;
	int rc;

	if ((rc = store_community_id(&tc->cli.st, txn, c->name, true,
	    &t->rec.community)) != 0 ||
	    (rc = ingest_message(&tc->cli.st, txn, c->name,
	    (const char *)msg->data, msg->len, 0, tc->now, t->owner,
	    &res)) != 0)
		errx(EX_CANTCREAT, "%s: %s; no topic made", tc->cli.st.path,
		    mdb_strerror(rc));
	if (res.duplicate)
		errx(EX_SOFTWARE, "<%s>: a message of that Message-ID is "
		    "already stored; no topic made", msgid);
	/* The question reaches the members as a post does: each-post
	 * members now (kringd's fan-out), digest members in their digest. */
	if ((rc = fanout_add(&tc->cli.st, txn, &tc->cli.conf, c->name,
	    res.msg_id, tc->now, 0)) != 0)
		errx(EX_CANTCREAT, "%s: %s; no topic made", tc->cli.st.path,
		    mdb_strerror(rc));
	t->rec.status = TOPIC_OPEN;
	t->rec.msg = res.msg_id;
	t->rec.created = tc->now;
	*thread = res.thread;
	save_topic(tc, txn, t);
}

static void
print_new(struct topic_cmd *tc, const struct topic *t, const char *msgid,
    uint64_t thread)
{
	GString *out;
	char *bracketed;

	if (!tc->cli.json) {
		printf("%llu\n", (unsigned long long)t->id);
		return;
	}
	out = g_string_new(NULL);
	bracketed = g_strdup_printf("<%s>", msgid);
	g_string_append_printf(out, "{\"id\":%llu", (unsigned long long)t->id);
	json_field(out, "message_id", bracketed);
	g_string_append_printf(out, ",\"thread\":%llu}\n",
	    (unsigned long long)thread);
	cli_emit(out);
	g_free(bracketed);
}

static void
cmd_new(struct topic_cmd *tc, char **args)
{
	const struct staff_conf *owner;
	struct topic t = { 0 };
	GByteArray *msg;
	uint64_t thread;
	char *title, *question, *message_id = NULL;

	if ((tc->given & (OPT_TITLE | OPT_OWNER | OPT_BODY)) !=
	    (OPT_TITLE | OPT_OWNER | OPT_BODY))
		errx(EX_USAGE, "topic new needs --title, --owner and --body");
	title = cli_one_line(tc->title);
	if (title[0] == '\0')
		errx(EX_USAGE, "the title is empty");
	if (strlen(title) > TOPIC_TITLE_MAX)
		errx(EX_USAGE, "the title is longer than %d bytes",
		    TOPIC_TITLE_MAX);
	question = cli_read_markdown(tc->body, TOPIC_TEXT_MAX);
	cli_open_store(&tc->cli, true);
	topic_community(tc);
	owner = staff_with_role(tc, tc->owner, ROLE_OWNER, "topic owner",
	    "puts a topic to the community", EX_DATAERR);
	msg = question_build(tc, owner, title, question, &message_id);
	t.title = title;
	t.owner = g_strdup(owner->address);
	t.question = question;
	t.summary = g_strdup("");
	t.outcome = g_strdup("");
	topic_store(tc, msg, message_id, &t, &thread);
	print_new(tc, &t, message_id, thread);
	topic_clear(&t);	/* title and question too */
	g_free(message_id);
	g_byte_array_unref(msg);
	cli_finish(&tc->cli, NULL);
}

/* ---- summary, outcome ---- */

static void
cmd_summary(struct topic_cmd *tc, char **args)
{
	uint64_t id = parse_topic_id(args[0]);
	struct topic t;
	MDB_txn *txn;
	char *text = cli_read_markdown(args[1], TOPIC_TEXT_MAX);

	cli_open_store(&tc->cli, true);
	topic_community(tc);
	if (tc->by != NULL)
		staff_with_role(tc, tc->by, ROLE_MANAGER, "community manager",
		    "records a summary", EX_NOPERM);
	txn = cli_begin(&tc->cli, true);
	load_topic(tc, txn, id, &t);
	g_free(t.summary);
	t.summary = text;
	t.rec.summary_time = tc->now;
	if (t.rec.status == TOPIC_OPEN)
		t.rec.status = TOPIC_SUMMARISED;
	save_topic(tc, txn, &t);
	printf("topic %llu: summary recorded; status %s\n",
	    (unsigned long long)id, topic_status_name(t.rec.status));
	topic_clear(&t);
	cli_finish(&tc->cli, NULL);
}

static void
cmd_outcome(struct topic_cmd *tc, char **args)
{
	uint64_t id = parse_topic_id(args[0]);
	struct topic t;
	MDB_txn *txn;
	char *text;
	int status;

	if (tc->status == NULL)
		errx(EX_USAGE, "topic outcome needs --status in-progress, "
		    "implemented or declined");
	status = topic_status_parse(tc->status);
	if (status != TOPIC_IN_PROGRESS && status != TOPIC_IMPLEMENTED &&
	    status != TOPIC_DECLINED)
		errx(EX_USAGE, "%s: not the status of an outcome (in-progress, "
		    "implemented, declined)", tc->status);
	text = cli_read_markdown(args[1], TOPIC_TEXT_MAX);
	cli_open_store(&tc->cli, true);
	topic_community(tc);
	if (tc->by != NULL)
		staff_with_role(tc, tc->by, ROLE_OWNER, "topic owner",
		    "records an outcome", EX_NOPERM);
	txn = cli_begin(&tc->cli, true);
	load_topic(tc, txn, id, &t);
	if (t.rec.summary_time == 0)
		errx(EX_DATAERR, "topic %llu has no summary yet: the community "
		    "manager's summary comes before the outcome",
		    (unsigned long long)id);
	g_free(t.outcome);
	t.outcome = text;
	t.rec.outcome_time = tc->now;
	t.rec.outcome_rev++;
	t.rec.status = (uint32_t)status;
	save_topic(tc, txn, &t);
	printf("topic %llu: outcome %u recorded; status %s\n",
	    (unsigned long long)id, t.rec.outcome_rev,
	    topic_status_name(t.rec.status));
	topic_clear(&t);
	cli_finish(&tc->cli, NULL);
}

/* ---- list ---- */

struct list_arg {
	struct topic_cmd *tc;
	MDB_txn *txn;
};

static int
list_one(struct topic *t, void *arg)
{
	struct list_arg *la = arg;
	struct topic_stats s;
	GString *out = g_string_new(NULL);
	char created[32];

	stats_load(la->tc, la->txn, t, &s);
	time_iso(t->rec.created, created, sizeof created);
	if (la->tc->cli.json) {
		char *bracketed = g_strdup_printf("<%s>", s.message_id);

		g_string_append_printf(out, "{\"id\":%llu",
		    (unsigned long long)t->id);
		json_field(out, "community", la->tc->community->name);
		json_field(out, "status", topic_status_name(t->rec.status));
		json_field(out, "title", t->title);
		json_field(out, "owner", t->owner);
		json_field(out, "created", created);
		json_field(out, "message_id", bracketed);
		g_string_append_printf(out, ",\"thread\":%llu,\"responses\":%u,"
		    "\"participants\":%u}\n", (unsigned long long)s.thread,
		    s.responses, s.participants->len);
		g_free(bracketed);
	} else
		g_string_append_printf(out, "%-6llu %-11s %3u resp %3u ppl  %s  "
		    "%s  %s\n", (unsigned long long)t->id,
		    topic_status_name(t->rec.status), s.responses,
		    s.participants->len, created, t->owner, t->title);
	cli_emit(out);
	stats_free(&s);
	return 0;
}

static void
cmd_list(struct topic_cmd *tc, char **args)
{
	struct list_arg la = { tc, NULL };
	uint32_t comm;
	int rc;

	cli_open_store(&tc->cli, false);
	topic_community(tc);
	la.txn = cli_begin(&tc->cli, false);
	if (stored_community(tc, la.txn, &comm) &&
	    (rc = topic_each(&tc->cli.st, la.txn, comm, list_one, &la)) != 0)
		errx(EX_SOFTWARE, "%s: %s", tc->cli.st.path, mdb_strerror(rc));
	cli_finish(&tc->cli, la.txn);
}

/* ---- show ---- */

static void
show_json(struct topic_cmd *tc, const struct topic *t,
    const struct topic_stats *s)
{
	const struct staff_conf *owner = config_staff(tc->community, t->owner);
	GString *out = g_string_new(NULL);
	char *bracketed = g_strdup_printf("<%s>", s->message_id);
	char date[32];

	g_string_append_printf(out, "{\"id\":%llu", (unsigned long long)t->id);
	json_field(out, "community", tc->community->name);
	json_field(out, "status", topic_status_name(t->rec.status));
	json_field(out, "title", t->title);
	json_field(out, "owner", t->owner);
	json_field(out, "owner_name", owner != NULL ? owner->name : "");
	json_time(out, "created", t->rec.created);
	json_field(out, "message_id", bracketed);
	g_string_append_printf(out, ",\"thread\":%llu",
	    (unsigned long long)s->thread);
	json_field(out, "question", t->question);
	json_text(out, "summary", t->summary);
	json_time(out, "summary_time", t->rec.summary_time);
	json_text(out, "outcome", t->outcome);
	json_time(out, "outcome_time", t->rec.outcome_time);
	g_string_append_printf(out, ",\"outcome_rev\":%u,\"responses\":%u,"
	    "\"participants\":[", t->rec.outcome_rev, s->responses);
	for (guint i = 0; i < s->participants->len; i++) {
		const char *a = s->participants->pdata[i];

		if (i > 0)
			g_string_append_c(out, ',');
		json_string(out, a, strlen(a));
	}
	g_string_append(out, "],\"posts\":[");
	for (guint i = 0; i < s->posts->len; i++) {
		const struct post *p = s->posts->pdata[i];
		char *mid = g_strdup_printf("<%s>", p->message_id);

		time_iso(p->time, date, sizeof date);
		g_string_append_printf(out, "%s{\"id\":%llu", i ? "," : "",
		    (unsigned long long)p->msg);
		json_field(out, "date", date);
		json_field(out, "author", p->from);
		g_string_append_printf(out, ",\"staff\":%s,\"question\":%s",
		    p->staff ? "true" : "false",
		    p->msg == t->rec.msg ? "true" : "false");
		json_field(out, "subject", p->subject);
		json_field(out, "message_id", mid);
		g_string_append_c(out, '}');
		g_free(mid);
	}
	g_string_append(out, "]}\n");
	cli_emit(out);
	g_free(bracketed);
}

/* TEXT indented by two spaces, each line. */
static void
append_indented(GString *out, const char *text)
{
	gchar **lines = g_strsplit(text, "\n", -1);
	guint n = g_strv_length(lines);

	/* A final line end leaves an empty last piece: not a line. */
	if (n > 0 && lines[n - 1][0] == '\0')
		n--;
	for (guint i = 0; i < n; i++)
		g_string_append_printf(out, lines[i][0] ? "  %s\n" : "\n",
		    lines[i]);
	g_strfreev(lines);
}

static void
show_text(struct topic_cmd *tc, const struct topic *t,
    const struct topic_stats *s)
{
	const struct staff_conf *owner = config_staff(tc->community, t->owner);
	GString *out = g_string_new(NULL);
	char date[32];

	time_iso(t->rec.created, date, sizeof date);
	g_string_append_printf(out, "topic %llu: %s\n", (unsigned long long)t->id,
	    t->title);
	g_string_append_printf(out, "status:       %s\n",
	    topic_status_name(t->rec.status));
	if (owner != NULL && owner->name[0] != '\0')
		g_string_append_printf(out, "owner:        %s <%s>\n",
		    owner->name, t->owner);
	else
		g_string_append_printf(out, "owner:        %s\n", t->owner);
	g_string_append_printf(out, "created:      %s\n", date);
	g_string_append_printf(out, "message-id:   <%s>\n", s->message_id);
	g_string_append_printf(out, "thread:       %llu\n",
	    (unsigned long long)s->thread);
	g_string_append_printf(out, "responses:    %u\n", s->responses);
	g_string_append(out, "participants:");
	for (guint i = 0; i < s->participants->len; i++)
		g_string_append_printf(out, "%s%s", i ? ", " : " ",
		    (const char *)s->participants->pdata[i]);
	g_string_append(out, s->participants->len ? "\n" : " none\n");

	g_string_append(out, "\nquestion:\n");
	append_indented(out, t->question);
	if (t->rec.summary_time != 0) {
		time_iso(t->rec.summary_time, date, sizeof date);
		g_string_append_printf(out, "\nsummary (%s):\n", date);
		append_indented(out, t->summary);
	} else
		g_string_append(out, "\nsummary: none yet\n");
	if (t->rec.outcome_rev != 0) {
		time_iso(t->rec.outcome_time, date, sizeof date);
		g_string_append_printf(out, "\noutcome %u (%s):\n",
		    t->rec.outcome_rev, date);
		append_indented(out, t->outcome);
	} else
		g_string_append(out, "\noutcome: none yet\n");

	g_string_append_printf(out, "\nposts (%u):\n", s->posts->len);
	for (guint i = 0; i < s->posts->len; i++) {
		const struct post *p = s->posts->pdata[i];
		gchar *subj = g_utf8_make_valid(p->subject, -1);

		time_iso(p->time, date, sizeof date);
		g_string_append_printf(out, "  %-6llu %s  %s%s  %s\n",
		    (unsigned long long)p->msg, date, p->from,
		    p->msg == t->rec.msg ? " (question)" :
		    p->staff ? " (staff)" : "", subj);
		g_free(subj);
	}
	cli_emit(out);
}

static void
cmd_show(struct topic_cmd *tc, char **args)
{
	uint64_t id = parse_topic_id(args[0]);
	struct topic_stats s;
	struct topic t;
	MDB_txn *txn;

	cli_open_store(&tc->cli, false);
	topic_community(tc);
	txn = cli_begin(&tc->cli, false);
	load_topic(tc, txn, id, &t);
	stats_load(tc, txn, &t, &s);
	if (tc->cli.json)
		show_json(tc, &t, &s);
	else
		show_text(tc, &t, &s);
	stats_free(&s);
	topic_clear(&t);
	cli_finish(&tc->cli, txn);
}

static const struct command {
	const char *name;
	int nargs;		/* operands after the command's name */
	unsigned opts;		/* OPT_* it takes */
	void (*run)(struct topic_cmd *, char **);
} commands[] = {
	{ "new", 0, OPT_TITLE | OPT_OWNER | OPT_BODY, cmd_new },
	{ "summary", 2, OPT_BY, cmd_summary },
	{ "outcome", 2, OPT_STATUS | OPT_BY, cmd_outcome },
	{ "list", 0, 0, cmd_list },
	{ "show", 1, 0, cmd_show },
};

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_LONGOPTS,
		{ "title", required_argument, NULL, 'T' },
		{ "owner", required_argument, NULL, 'O' },
		{ "body", required_argument, NULL, 'B' },
		{ "status", required_argument, NULL, 'S' },
		{ "by", required_argument, NULL, 'Y' },
		{ NULL, 0, NULL, 0 },
	};
	struct topic_cmd tc = { .cli.need_config = true };
	const struct command *cmd = NULL;
	int ch, arg;

	while ((ch = getopt_long(argc, argv, CLI_SHORTOPTS, longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'h':
			usage(stdout, 0);
			break;
		case 'T':
			tc.title = optarg;
			tc.given |= OPT_TITLE;
			break;
		case 'O':
			tc.owner = optarg;
			tc.given |= OPT_OWNER;
			break;
		case 'B':
			tc.body = optarg;
			tc.given |= OPT_BODY;
			break;
		case 'S':
			tc.status = optarg;
			tc.given |= OPT_STATUS;
			break;
		case 'Y':
			tc.by = optarg;
			tc.given |= OPT_BY;
			break;
		default:
			if (!cli_option(&tc.cli, ch, optarg))
				usage(stderr, EX_USAGE);
		}
	}
	arg = optind;
	if (arg == argc)
		usage(stderr, EX_USAGE);
	for (size_t i = 0; i < G_N_ELEMENTS(commands) && cmd == NULL; i++)
		if (strcmp(commands[i].name, argv[arg]) == 0)
			cmd = &commands[i];
	if (cmd == NULL) {
		warnx("%s: no such command", argv[arg]);
		usage(stderr, EX_USAGE);
	}
	if (argc - arg - 1 != cmd->nargs) {
		warnx("%s takes %d operand%s", cmd->name, cmd->nargs,
		    cmd->nargs == 1 ? "" : "s");
		usage(stderr, EX_USAGE);
	}
	for (size_t i = 0; i < G_N_ELEMENTS(opt_names); i++)
		if ((tc.given & ~cmd->opts & opt_names[i].bit) != 0)
			errx(EX_USAGE, "topic %s does not take --%s", cmd->name,
			    opt_names[i].name);
	tc.now = kring_now();
	cmd->run(&tc, argv + arg + 1);
	return 0;
}
