# lib-postfix.sh: a private, throw-away Postfix instance, to make real
# Postfix bounces (DSNs) while a test runs.
#
#   . "$TEST_DIR/lib-postfix.sh"
#   postfix_usable || test_skip_all "..."
#   postfix_start RELAY_PORT      # smtpd on 127.0.0.1:$POSTFIX_PORT
#   postfix_send FROM TO [SUBJECT [SWAKS-ARG...]]
#   ... or kringd -r 127.0.0.1:$POSTFIX_PORT ...
#   postfix_flush                 # deliver what is queued, now
#   postfix_restart               # stop and start again, same port
#   postfix_can_delay && ...      # delay warnings (Action: delayed) come
#   postfix_stop                  # master and all its children gone
#
# Its config, queue and data live in ./postfix of the scratch folder
# (postfix -c DIR, DIR = $POSTFIX_CONF): it never reads /etc/postfix's
# main.cf or master.cf (there need be none), never listens on port 25,
# needs no system instance and leaves any system instance alone; several
# instances (tests run in parallel) each have their own folder and a
# free port.  Only meta_directory stays /etc/postfix: the package's list
# of its own files (postfix-files), which "postfix start" reads to check
# and create the queue's folders.
#
# It takes mail from 127.0.0.0/8 only, relays it all, delivers nothing
# locally, looks nothing up in the DNS, and routes by the recipient's
# domain (transport_maps):
#
#   example.org, example.net,
#   example.com            smtp to [127.0.0.1]:RELAY_PORT (the sink or
#                          kringd: where relayed mail and bounces go)
#   hard.example           error: 5.1.1 user unknown
#   full.example           error: 5.2.2 mailbox full
#   spam.example           error: 5.7.1 rejected as spam
#   slow.example           retry: 4.4.1, so the mail stays queued, is
#                          tried again every second or two, and a delay
#                          warning (Action: delayed, Status: 4.4.1) goes
#                          to the sender within a few seconds
#   anything else          error: 5.4.4 (never the Internet)
#
# With POSTFIX_LMTP_PORT set before postfix_start, example.org (the
# community domain) goes over LMTP to 127.0.0.1:POSTFIX_LMTP_PORT
# instead, as conf/postfix/ wires Postfix to kringd.
#
# The error(8) bounces go out at once.  The delay warning is fast because
# delay_warning_time = 1s (Postfix counts whole seconds): if the first
# attempt (at once) is too early for it, the message is deferred for
# minimal_backoff_time = 1s, the queue manager looks at the deferred
# queue every queue_run_delay = 1s, and the next attempt sends the
# warning (once only).  The message is bounced only after
# maximal_queue_lifetime = 1h, long after any test.  The warning arrives
# 0-2 s after the message.  bounce_template_file: the built-in delay
# warning text says "$delay_warning_time_hours hour(s)", which is "0"
# (and a log warning) for 1s; ours is the built-in text in seconds and
# minutes, made with postconf -t.
#
# Postfix logs to syslog unless told otherwise: maillog_file (through
# postlogd, in master.cf) makes its log the file $POSTFIX_LOG.  postfix(1)
# itself writes its start-up errors to stderr only when that is a
# terminal, so it runs under script(1), which gives it one.

POSTFIX_DIR=$TRASH/postfix
POSTFIX_CONF=$POSTFIX_DIR/etc
POSTFIX_LOG=$POSTFIX_DIR/maillog
POSTFIX_PORT=
export POSTFIX_DIR POSTFIX_CONF POSTFIX_LOG POSTFIX_PORT

# True when a private Postfix can run here: as root, with Postfix (and
# what it needs: its daemons, the postfix user, script(1), swaks).
postfix_usable() {
	[ "$(id -u)" = 0 ] && [ -x /usr/sbin/postfix ] &&
		[ -x /usr/lib/postfix/sbin/master ] &&
		id postfix >/dev/null 2>&1 &&
		command -v script >/dev/null 2>&1 &&
		command -v swaks >/dev/null 2>&1
}

# True: the instance sends delay warnings within seconds (see above).
postfix_can_delay() {
	return 0
}

# A free TCP port on 127.0.0.1 (free when asked: use it at once).
free_port() {
	"$PYTHON" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# postfix_cmd ARG...: postfix(1) on the private config, under a terminal
# (see above); its messages on stdout.
postfix_cmd() {
	script -qec "/usr/sbin/postfix -c $POSTFIX_CONF $*" /dev/null
}

# postfix_queue: the queue, as postqueue -p shows it.
postfix_queue() {
	/usr/sbin/postqueue -c "$POSTFIX_CONF" -p
}

# postfix_write_config RELAY_PORT: main.cf, master.cf and the transport
# map, for the smtpd port $POSTFIX_PORT.
postfix_write_config() {
	mkdir -p "$POSTFIX_CONF" "$POSTFIX_DIR/queue" "$POSTFIX_DIR/data" &&
	chown postfix:postfix "$POSTFIX_DIR/data" &&
	cat >"$POSTFIX_CONF/main.cf" <<EOF_MAIN
# A private test instance: see t/lib-postfix.sh.
compatibility_level = 3.6
config_directory = $POSTFIX_CONF
queue_directory = $POSTFIX_DIR/queue
data_directory = $POSTFIX_DIR/data
command_directory = /usr/sbin
daemon_directory = /usr/lib/postfix/sbin
meta_directory = /etc/postfix
shlib_directory = /usr/lib/postfix
mail_owner = postfix
setgid_group = postdrop
syslog_name = postfix-test
maillog_file = $POSTFIX_LOG
maillog_file_prefixes = $POSTFIX_DIR

myhostname = mx.postfix.test
mydomain = postfix.test
myorigin = \$myhostname
inet_interfaces = 127.0.0.1
inet_protocols = ipv4

# Relay for loopback clients; deliver nothing here.
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject
smtpd_recipient_restrictions =
smtpd_reject_unlisted_recipient = no
mydestination =
relay_domains =
local_recipient_maps =
local_transport = error:5.1.1 no local delivery here
alias_maps =
alias_database =
transport_maps = texthash:$POSTFIX_CONF/transport
default_transport = error:5.4.4 no route to this domain in the test Postfix

# No DNS, no TLS, no waiting.
smtp_host_lookup = native
smtp_dns_support_level = disabled
lmtp_host_lookup = native
smtpd_peername_lookup = no
smtp_tls_security_level = none
smtpd_tls_security_level = none
smtp_connect_timeout = 5s
in_flow_delay = 0s
biff = no

# Bounce at once, warn of delays within seconds, give up late.
soft_bounce = no
delay_warning_time = 1s
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
maximal_queue_lifetime = 1h
bounce_queue_lifetime = 1h
notify_classes =
# The built-in templates, the delay warning in seconds (see above).
bounce_template_file = $POSTFIX_CONF/bounce.cf
EOF_MAIN
	/usr/sbin/postconf -c "$POSTFIX_CONF" -t /dev/null | sed \
		-e 's/\$delay_warning_time_hours hour(s)/$delay_warning_time_seconds second(s)/' \
		-e 's/\$maximal_queue_lifetime_days day(s)/$maximal_queue_lifetime_minutes minute(s)/' \
		>"$POSTFIX_CONF/bounce.cf" &&
	grep -q 'delay_warning_time_seconds second' "$POSTFIX_CONF/bounce.cf" &&
	postfix_org_="smtp:[127.0.0.1]:$1"
	[ -z "${POSTFIX_LMTP_PORT:-}" ] ||
		postfix_org_="lmtp:[127.0.0.1]:$POSTFIX_LMTP_PORT"
	cat >"$POSTFIX_CONF/transport" <<EOF_TRANSPORT
example.org $postfix_org_
example.net smtp:[127.0.0.1]:$1
example.com smtp:[127.0.0.1]:$1
hard.example error:5.1.1 <user unknown>: no such user here
full.example error:5.2.2 mailbox full
spam.example error:5.7.1 message rejected as spam
slow.example retry:4.4.1 mailbox temporarily unavailable
EOF_TRANSPORT
	# Nothing chrooted (column 5 "n"); "retry" is error(8) under the
	# name that defers instead of bouncing; postlog is postlogd, which
	# writes maillog_file.
	cat >"$POSTFIX_CONF/master.cf" <<EOF_MASTER
127.0.0.1:$POSTFIX_PORT inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
lmtp      unix  -       -       n       -       -       lmtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF_MASTER
}

# postfix_start RELAY_PORT: start it; sets and exports POSTFIX_PORT (and
# POSTFIX_RELAY_PORT).  Waits (polling, 20 s at most) until its smtpd
# answers; on failure shows postfix's messages and log.  A port taken
# between free_port and the start (another test) means another try.
postfix_start() {
	POSTFIX_RELAY_PORT=$1
	export POSTFIX_RELAY_PORT
	[ -n "$POSTFIX_RELAY_PORT" ] || { echo "postfix_start: no RELAY_PORT" >&2; return 1; }
	test_at_exit "postfix_stop >/dev/null 2>&1"
	postfix_try_=1
	while :; do
		POSTFIX_PORT=$(free_port) && [ -n "$POSTFIX_PORT" ] ||
			{ echo "postfix_start: no free port" >&2; return 1; }
		postfix_write_config "$POSTFIX_RELAY_PORT" || return 1
		: >>"$POSTFIX_LOG"
		postfix_log_offset_=$(wc -c <"$POSTFIX_LOG")
		postfix_cmd start >"$POSTFIX_DIR/start.out" 2>&1 && break
		if [ $postfix_try_ -lt 3 ] &&
			tail -c +$((postfix_log_offset_ + 1)) "$POSTFIX_LOG" |
			grep -q "bind 127.0.0.1 port $POSTFIX_PORT: Address already in use"; then
			postfix_try_=$((postfix_try_ + 1))
			continue
		fi
		echo "postfix did not start:" >&2
		cat "$POSTFIX_DIR/start.out" >&2
		tail -40 "$POSTFIX_LOG" >&2
		return 1
	done
	postfix_wait_smtpd
}

# postfix_wait_smtpd: poll (20 s at most) until the smtpd answers.
postfix_wait_smtpd() {
	postfix_i_=0
	until swaks --server 127.0.0.1:"$POSTFIX_PORT" --quit-after EHLO \
		--silent 2 >/dev/null 2>&1; do
		postfix_i_=$((postfix_i_ + 1))
		if [ $postfix_i_ -gt 200 ] || [ -z "$(postfix_master_pid)" ]; then
			echo "postfix smtpd not answering on 127.0.0.1:$POSTFIX_PORT" >&2
			tail -40 "$POSTFIX_LOG" >&2
			return 1
		fi
		sleep 0.1
	done
}

# postfix_restart: stop it (all its processes gone) and start it again
# on the same port, with the same queue.
postfix_restart() {
	postfix_stop &&
	postfix_cmd start >"$POSTFIX_DIR/start.out" 2>&1 ||
		{ cat "$POSTFIX_DIR/start.out" >&2; return 1; }
	postfix_wait_smtpd
}

# postfix_send FROM TO [SUBJECT [SWAKS-ARG...]]: one message into the
# instance over SMTP; fails unless Postfix accepts it.
postfix_send() {
	postfix_from_=$1 postfix_to_=$2
	postfix_subject_=${3:-Test to $2}
	shift 2
	[ $# -gt 0 ] && shift
	swaks --server 127.0.0.1:"$POSTFIX_PORT" --from "$postfix_from_" \
		--to "$postfix_to_" --helo client.postfix.test \
		--header "Subject: $postfix_subject_" \
		--body "A test message to $postfix_to_." --silent 1 "$@"
}

# postfix_flush: ask for delivery attempts of all queued mail, now.
postfix_flush() {
	postfix_cmd flush
}

# postfix_alive PID: true while process PID runs.  A master that has
# exited stays a zombie for a moment (it is no child of ours: whoever
# reaps orphans here reaps it, in its own time), and kill -0 still
# succeeds on a zombie; so look at its state.
postfix_alive() {
	postfix_state_=$(sed 's/^.*) \([A-Za-z]\).*/\1/' "/proc/$1/stat" 2>/dev/null) &&
		[ -n "$postfix_state_" ] && [ "$postfix_state_" != Z ] &&
		[ "$postfix_state_" != X ]
}

# The master's pid (while it runs), or nothing.
postfix_master_pid() {
	[ -s "$POSTFIX_DIR/queue/pid/master.pid" ] || return 0
	postfix_mpid_=$(tr -d ' \n' <"$POSTFIX_DIR/queue/pid/master.pid")
	[ -n "$postfix_mpid_" ] && postfix_alive "$postfix_mpid_" &&
		echo "$postfix_mpid_"
	return 0
}

# The pids of all processes of this instance (master and children: they
# have MAIL_CONFIG=$POSTFIX_CONF in their environment), one a line.
postfix_pids() {
	grep -lzxF "MAIL_CONFIG=$POSTFIX_CONF" /proc/[0-9]*/environ 2>/dev/null |
		sed -n 's,^/proc/\([0-9]*\)/environ$,\1,p'
	return 0
}

# Stop it and wait for the master and its children to be
# gone (zombies count as gone: see postfix_alive; postfix_pids never
# lists them, their environment is gone); kill what lingers (the
# master's process group, which is the instance's, then any stragglers
# of it).  "postfix stop" waits 5 s for the master, then kills it
# itself (which does not always work: a stopped master survives it);
# we wait 5 s more.
postfix_stop() {
	postfix_pid_=$(postfix_master_pid)
	[ -n "$postfix_pid_" ] && postfix_cmd stop >/dev/null 2>&1
	postfix_i_=0
	while { [ -n "$postfix_pid_" ] && postfix_alive "$postfix_pid_"; } ||
		[ -n "$(postfix_pids)" ]; do
		postfix_i_=$((postfix_i_ + 1))
		if [ $postfix_i_ -gt 50 ]; then
			echo "postfix_stop: killing what is left" >&2
			[ -n "$postfix_pid_" ] && kill -9 -- -"$postfix_pid_" 2>/dev/null
			for postfix_p_ in $(postfix_pids); do
				kill -9 "$postfix_p_" 2>/dev/null
			done
			break
		fi
		sleep 0.1
	done
	rm -f "$POSTFIX_DIR/queue/pid/master.pid"
	return 0
}
