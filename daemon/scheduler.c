/*
 * scheduler.c: the schedules of kring.conf.  Once a second (in the
 * event loop) each schedule and community is checked: when a slot has
 * passed that the tool has not covered yet, kring-TOOL --send runs as a
 * child process for the next period not covered, so periods missed
 * while kringd was down are caught up one by one, in order.
 *
 * What a tool covered is what it recorded itself (period.h: the end of
 * its last period, in the ledger, committed with its mail): a crash
 * between the mail and that record cannot happen, and a period is
 * never sent twice.  A run that fails is logged as a warning and tried
 * again after the schedule's retry; a schedule more than one slot behind
 * is logged as overdue, so digests are never lost silently.
 *
 * sla is different: it looks back by itself (overdue posts are alerted
 * once each), so it runs with --send only, once per slot.
 *
 * Slots are in the time zone of each community (schedule.h): a schedule
 * naming communities in different zones runs for each at its own local
 * "at", as each community has its own job and its own record anyway.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <event2/buffer.h>

#include "daemon.h"
#include "kring/ledger.h"
#include "kring/log.h"
#include "kring/period.h"
#include "kring/schedule.h"
#include "kring/util.h"

#define TICK_SECONDS 1
#define MAX_CHILD_OUTPUT 65536	/* bytes logged of one run */

/* One schedule for one community: its child and what it last said. */
struct job {
	char *key;		/* "tool/community" */
	char *tool, *community;
	pid_t pid;		/* running child, or 0 */
	struct bufferevent *out;	/* the child's stdout and stderr */
	int64_t until;		/* the period end the child was given */
	int64_t next_try;	/* after a failure */
	int64_t warned_slot;	/* the overdue slot last warned about */
};

struct scheduler {
	struct server *srv;
	struct event *tick;
	GHashTable *jobs;	/* key -> struct job * */
};

static void
job_free(struct job *j)
{
	if (j->pid > 0)
		kill(j->pid, SIGTERM);
	if (j->out != NULL)
		bufferevent_free(j->out);
	g_free(j->key);
	g_free(j->tool);
	g_free(j->community);
	g_free(j);
}

/* The path of kring-TOOL: beside kringd (a build tree), in
 * ../libexec/kring from it (an install, also a relocated one), else in
 * LIBEXECDIR. */
static char *
tool_path(const char *tool)
{
	static const char *const beside[] = { "", "../libexec/kring" };
	char *dir = program_dir(), *name = g_strconcat("kring-", tool, NULL);
	char *path = NULL;

	if (dir != NULL) {
		for (size_t i = 0; i < G_N_ELEMENTS(beside) && !path; i++) {
			path = g_build_filename(dir, beside[i], name, NULL);
			if (access(path, X_OK) != 0)
				g_clear_pointer(&path, g_free);
		}
		g_free(dir);
	}
	if (path == NULL)
		path = g_build_filename(KRING_LIBEXECDIR, name, NULL);
	g_free(name);
	return path;
}

/* The end of the last period TOOL covered for COMMUNITY; 0: none. */
static int64_t
covered_until(struct server *srv, const char *tool, const char *community)
{
	GByteArray *key = g_byte_array_new();
	MDB_txn *txn;
	uint32_t comm;
	int64_t until = 0;

	if (store_begin(&srv->store, false, &txn) != 0) {
		g_byte_array_unref(key);
		return -1;
	}
	if (store_community_id(&srv->store, txn, community, false, &comm) == 0) {
		ledger_key(key, "run", comm, &tool, 1);
		if (ledger_get(&srv->store, txn, key, &until) != 0)
			until = 0;
	}
	mdb_txn_abort(txn);
	g_byte_array_unref(key);
	return until;
}

/* Log each line the child wrote. */
static void
on_child_output(struct bufferevent *bev, void *arg)
{
	struct job *j = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	char *line;

	while ((line = evbuffer_readln(in, NULL, EVBUFFER_EOL_LF)) != NULL) {
		log_info("schedule %s: %s", j->key, line);
		free(line);
	}
}

static void
on_child_event(struct bufferevent *bev, short what, void *arg)
{
	struct job *j = arg;

	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
		on_child_output(bev, j);
		bufferevent_free(bev);
		j->out = NULL;
	}
}

/* Arguments of one run: a period from SINCE to UNTIL (0: the tool's own). */
static char **
job_argv(struct server *srv, const struct job *j, int64_t since,
    int64_t until)
{
	GPtrArray *av = g_ptr_array_new();
	char iso[32];

	g_ptr_array_add(av, tool_path(j->tool));
	if (srv->config_path != NULL) {
		g_ptr_array_add(av, g_strdup("-c"));
		g_ptr_array_add(av, g_strdup(srv->config_path));
	}
	g_ptr_array_add(av, g_strdup("-s"));
	g_ptr_array_add(av, g_strdup(srv->store.path));	/* the one open */
	g_ptr_array_add(av, g_strdup("--community"));
	g_ptr_array_add(av, g_strdup(j->community));
	g_ptr_array_add(av, g_strdup("--send"));
	g_ptr_array_add(av, g_strdup("--once"));	/* see skip_covered_period */
	if (since != 0) {
		time_iso(since, iso, sizeof iso);
		g_ptr_array_add(av, g_strconcat("--since=", iso, NULL));
		time_iso(until, iso, sizeof iso);
		g_ptr_array_add(av, g_strconcat("--until=", iso, NULL));
	}
	g_ptr_array_add(av, NULL);
	return (char **)g_ptr_array_free(av, FALSE);
}

/* The child's environment: ours, with KRING_NOW set to NOW, so that the
 * tool's "now" is kringd's, also under a test clock. */
static char **
job_envp(int64_t now)
{
	char nowbuf[32], **env = g_get_environ();

	time_iso(now, nowbuf, sizeof nowbuf);
	return g_environ_setenv(env, "KRING_NOW", nowbuf, TRUE);
}

/* Start the child for the period SINCE..UNTIL at NOW. */
static void
job_spawn(struct scheduler *sc, struct job *j, int64_t since, int64_t until,
    int64_t now)
{
	char **argv = job_argv(sc->srv, j, since, until);
	char **envp = job_envp(now);	/* made before fork: kringd has threads */
	int fds[2];
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) != 0 || (pid = fork()) < 0) {
		log_warn("schedule %s: cannot start %s", j->key, argv[0]);
		j->next_try = now + 60;
		g_strfreev(argv);
		g_strfreev(envp);
		return;
	}
	if (pid == 0) {
		/* Only async-signal-safe calls between fork and exec. */
		dup2(fds[1], STDOUT_FILENO);
		dup2(fds[1], STDERR_FILENO);
		close(fds[0]);
		close(fds[1]);
		execve(argv[0], argv, envp);
		_exit(127);
	}
	g_strfreev(envp);
	close(fds[1]);
	evutil_make_socket_nonblocking(fds[0]);
	j->out = bufferevent_socket_new(sc->srv->base, fds[0],
	    BEV_OPT_CLOSE_ON_FREE);
	if (j->out != NULL) {
		bufferevent_setcb(j->out, on_child_output, NULL, on_child_event, j);
		bufferevent_setwatermark(j->out, EV_READ, 0, MAX_CHILD_OUTPUT);
		bufferevent_enable(j->out, EV_READ);
	} else
		close(fds[0]);
	j->pid = pid;
	j->until = until;
	log_info("schedule %s: started %s (pid %ld)", j->key, argv[0], (long)pid);
	g_strfreev(argv);
}

/* Reap J's child if it has ended; log how. */
static void
job_reap(const struct schedule_conf *s, struct job *j, int64_t now)
{
	int status;
	pid_t r = waitpid(j->pid, &status, WNOHANG);

	if (r == 0 || (r < 0 && errno == EINTR))
		return;
	j->pid = 0;
	if (r > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		log_info("schedule %s: done", j->key);
		j->next_try = 0;
		return;
	}
	log_warnx("schedule %s: the run failed (%s %d); trying again in %ld s",
	    j->key, r > 0 && WIFSIGNALED(status) ? "signal" : "exit",
	    r > 0 ? (WIFSIGNALED(status) ? WTERMSIG(status) :
	    WEXITSTATUS(status)) : -1, s->retry);
	j->next_try = now + s->retry;
}

/* Check schedule S for job J, whose community's zone is TZ, at NOW:
 * reap, warn, or start a run. */
static void
job_check(struct scheduler *sc, const struct schedule_conf *s, GTimeZone *tz,
    struct job *j, int64_t now)
{
	int64_t slot = schedule_slot_at(s, tz, now), covered, since, until;
	int64_t before;		/* the slot before SLOT */

	if (j->pid > 0) {
		job_reap(s, j, now);
		return;
	}
	if (now < j->next_try)
		return;
	covered = covered_until(sc->srv, j->tool, j->community);
	if (covered < 0 || covered >= slot)
		return;		/* store busy, or nothing due */
	before = schedule_slot_at(s, tz, slot - 1);
	since = covered ? covered : before;
	until = schedule_slot_after(s, tz, since);
	if (until > slot)
		until = slot;
	if (covered != 0 && covered < before && j->warned_slot != slot) {
		char iso[32];

		time_iso(covered, iso, sizeof iso);
		log_warnx("schedule %s is overdue: its last period ended %s; "
		    "catching up", j->key, iso);
		j->warned_slot = slot;
	}
	if (strcmp(s->tool, "sla") == 0)
		since = until = 0;	/* it looks back by itself */
	job_spawn(sc, j, since, until, now);
}

static struct job *
job_get(struct scheduler *sc, const char *tool, const char *community)
{
	char *key = g_strdup_printf("%s/%s", tool, community);
	struct job *j = g_hash_table_lookup(sc->jobs, key);

	if (j != NULL) {
		g_free(key);
		return j;
	}
	j = g_new0(struct job, 1);
	j->key = key;
	j->tool = g_strdup(tool);
	j->community = g_strdup(community);
	g_hash_table_insert(sc->jobs, j->key, j);
	return j;
}

static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct scheduler *sc = arg;
	struct kring_config *conf = sc->srv->conf;
	int64_t now = kring_now();

	if (sc->srv->stopping)
		return;
	for (size_t i = 0; i < conf->nschedules; i++) {
		const struct schedule_conf *s = &conf->schedules[i];

		for (size_t c = 0; c < conf->ncommunities; c++) {
			const char *name = conf->communities[c].name;

			if (s->communities != NULL &&
			    !g_strv_contains((const char *const *)s->communities,
			    name))
				continue;
			job_check(sc, s, conf->communities[c].tz,
			    job_get(sc, s->tool, name), now);
		}
	}
}

/* Wait up to GRACE seconds for J's child, then end it (job_free). */
static void
job_wait(struct job *j, long grace)
{
	for (long i = 0; i < grace * 10; i++) {
		if (waitpid(j->pid, NULL, WNOHANG) != 0) {
			j->pid = 0;
			return;
		}
		g_usleep(100000);
	}
	log_warnx("schedule %s: run still going after %ld s, stopped", j->key,
	    grace);
	kill(j->pid, SIGTERM);
	if (waitpid(j->pid, NULL, 0) == j->pid)
		j->pid = 0;
}

struct scheduler *
scheduler_start(struct server *srv)
{
	struct scheduler *sc = g_new0(struct scheduler, 1);
	struct timeval tv = { TICK_SECONDS, 0 };

	sc->srv = srv;
	sc->jobs = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
	    (GDestroyNotify)job_free);
	sc->tick = event_new(srv->base, -1, EV_PERSIST, on_tick, sc);
	if (sc->tick == NULL || event_add(sc->tick, &tv) != 0) {
		log_warnx("cannot start the scheduler");
		scheduler_stop(sc);
		return NULL;
	}
	on_tick(-1, 0, sc);
	return sc;
}

void
scheduler_stop(struct scheduler *sc)
{
	GHashTableIter it;
	gpointer v;

	if (sc == NULL)
		return;
	/* A run in flight may finish within the grace period: its commit is
	 * all or nothing, and the next start sees what it covered.  Its
	 * output is no longer read (a write fails and ends it early). */
	g_hash_table_iter_init(&it, sc->jobs);
	while (g_hash_table_iter_next(&it, NULL, &v)) {
		struct job *j = v;

		if (j->out != NULL) {
			bufferevent_free(j->out);
			j->out = NULL;
		}
		if (j->pid > 0)
			job_wait(j, sc->srv->conf->limits.shutdown_grace);
	}
	if (sc->tick != NULL)
		event_free(sc->tick);
	g_hash_table_unref(sc->jobs);
	g_free(sc);
}
