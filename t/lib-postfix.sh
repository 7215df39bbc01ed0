# lib-postfix.sh: a private, throw-away Postfix instance, to make real
# Postfix bounces (DSNs) while a test runs.
#
#   . "$TEST_DIR/lib-postfix.sh"
#   postfix_usable || test_skip_all "..."
#   postfix_start RELAY_PORT   # smtpd on 127.0.0.1:$POSTFIX_PORT
#   ... kringd -r 127.0.0.1:$POSTFIX_PORT ...
#   postfix_stop
#
# Its config, queue and data live in ./postfix of the scratch folder
# (postfix -c DIR); it never reads /etc/postfix's config, never listens
# on port 25, and needs no system instance.  It relays from 127.0.0.1 and
# routes by the recipient's domain:
#
#   example.org            smtp to 127.0.0.1:RELAY_PORT (kringd: where the
#                          bounces go)
#   hard.example           error: 5.1.1 user unknown
#   full.example           error: 5.2.2 mailbox full
#   spam.example           error: 5.7.1 rejected as spam
#   slow.example           retry: 4.4.1, so the mail stays queued and a
#                          delay warning (Action: delayed) goes out at once
#                          (delay_warning_time = 1s)
#
# Postfix logs to syslog unless it has a terminal; maillog_file
# ($POSTFIX_LOG, through postlogd) makes its log readable here, and
# "script" gives postfix(1) the terminal its start-up errors need.

POSTFIX_DIR=$TRASH/postfix
POSTFIX_LOG=$POSTFIX_DIR/maillog

# True when a private Postfix can run here: as root, with Postfix.
postfix_usable() {
	[ "$(id -u)" = 0 ] && [ -x /usr/sbin/postfix ] &&
		[ -x /usr/lib/postfix/sbin/master ] && id postfix >/dev/null 2>&1 &&
		command -v script >/dev/null 2>&1
}

# A free TCP port on 127.0.0.1 (free when asked: used at once).
free_port() {
	"$PYTHON" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# postfix(1) with the private config, its messages on stdout.
postfix_cmd() {
	script -qec "/usr/sbin/postfix -c $POSTFIX_DIR/etc $*" /dev/null
}

postfix_write_config() {
	mkdir -p "$POSTFIX_DIR/etc" "$POSTFIX_DIR/queue" "$POSTFIX_DIR/data" &&
	chown postfix:postfix "$POSTFIX_DIR/data" &&
	cat >"$POSTFIX_DIR/etc/main.cf" <<EOF_MAIN
compatibility_level = 3.6
queue_directory = $POSTFIX_DIR/queue
data_directory = $POSTFIX_DIR/data
command_directory = /usr/sbin
daemon_directory = /usr/lib/postfix/sbin
meta_directory = /etc/postfix
shlib_directory = /usr/lib/postfix
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.postfix.test
mydomain = postfix.test
myorigin = \$myhostname
mydestination =
local_recipient_maps =
local_transport = error:5.1.1 no local delivery here
relay_domains =
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject
smtpd_reject_unlisted_recipient = no
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
smtp_host_lookup = native
disable_dns_lookups = yes
transport_maps = texthash:$POSTFIX_DIR/etc/transport
maillog_file = $POSTFIX_LOG
maillog_file_prefixes = $POSTFIX_DIR
delay_warning_time = 1s
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
maximal_queue_lifetime = 1h
bounce_queue_lifetime = 1h
notify_classes =
biff = no
EOF_MAIN
	cat >"$POSTFIX_DIR/etc/transport" <<EOF_TRANSPORT
example.org smtp:[127.0.0.1]:$1
hard.example error:5.1.1 <user unknown>: no such user here
full.example error:5.2.2 mailbox full
spam.example error:5.7.1 message rejected as spam
slow.example retry:4.4.1 mailbox temporarily unavailable
EOF_TRANSPORT
	cat >"$POSTFIX_DIR/etc/master.cf" <<EOF_MASTER
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
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF_MASTER
}

# postfix_start RELAY_PORT: start it; sets POSTFIX_PORT.  Waits (polling,
# 20 s at most) until its smtpd answers.
postfix_start() {
	POSTFIX_PORT=$(free_port) && [ -n "$POSTFIX_PORT" ] || return 1
	postfix_write_config "$1" || return 1
	test_at_exit "postfix_stop >/dev/null 2>&1"
	if ! postfix_cmd start >"$POSTFIX_DIR/start.out" 2>&1; then
		echo "postfix did not start:" >&2
		cat "$POSTFIX_DIR/start.out" "$POSTFIX_LOG" >&2 2>/dev/null
		return 1
	fi
	postfix_i_=0
	until swaks --server 127.0.0.1:"$POSTFIX_PORT" --quit-after EHLO \
		--silent 2 >/dev/null 2>&1; do
		postfix_i_=$((postfix_i_ + 1))
		if [ $postfix_i_ -gt 400 ]; then
			echo "postfix smtpd not answering after 20 s" >&2
			tail -20 "$POSTFIX_LOG" >&2
			return 1
		fi
		sleep 0.05
	done
}

# The master's pid, or nothing.
postfix_master_pid() {
	[ -s "$POSTFIX_DIR/queue/pid/master.pid" ] &&
		tr -d ' ' <"$POSTFIX_DIR/queue/pid/master.pid"
}

# Stop it and wait for the master to be gone (kill it if it lingers).
postfix_stop() {
	pid_=$(postfix_master_pid)
	[ -n "$pid_" ] || return 0
	postfix_cmd stop >/dev/null 2>&1
	postfix_i_=0
	while kill -0 "$pid_" 2>/dev/null; do
		postfix_i_=$((postfix_i_ + 1))
		if [ $postfix_i_ -gt 200 ]; then
			kill -9 "$pid_" 2>/dev/null
			break
		fi
		sleep 0.05
	done
	rm -f "$POSTFIX_DIR/queue/pid/master.pid"
}
