# lib-kringd.sh: start and stop the real kringd for a test script.
#
#   . "$(dirname "$0")/lib-kringd.sh"
#   kringd_config              # writes kring.conf (communities below)
#   kringd_start               # SMTP and LMTP on free loopback ports
#   ... swaks --server 127.0.0.1:$KRINGD_PORT ...
#   kringd_stop                # SIGTERM; fails on a bad exit or a
#                              # sanitizer report in kringd.log
#
# kringd picks free ports itself (-l 127.0.0.1:0) and logs them; we wait
# for its "ready" line, never for a fixed time.

# Write kring.conf with communities "kring" (kring@example.org) and
# "bank" (leden@bank.example); extra lines (limits etc.) from stdin if
# a "-" argument is given.  Both take posts from anyone, since most
# tests are about SMTP and storing, not membership (t08xx tests that).
kringd_config() {
	{
		echo 'hostname = "kring.test"'
		echo 'store = "store"'
		echo 'community "kring" { address = "kring@example.org" outside_posts = true }'
		echo 'community "bank" { address = "leden@bank.example" outside_posts = true }'
		if [ "$1" = "-" ]; then cat; fi
	} >kring.conf
}

# savers_config LANG [TOP] [COMMUNITY]: kring.conf with the staff tools'
# community "kring" ("Savers Club", kring@example.org, a promise of 24 h,
# staff Anna, a manager, and Bob, an owner) in language LANG; the lines
# TOP go at the top level, COMMUNITY into the community.
savers_config() {
	cat >kring.conf <<-EOF
	hostname = "kring.test"
	store = "store"
	authserv_id = "mx.bank.example"
	${2-}
	community "kring" {
		address = "kring@example.org"
		description = "Savers Club"
		language = "$1"
		response_hours = 24
		${3-}
		staff "anna@bank.example" {
			name = "Anna de Boer"
			roles = {"manager"}
		}
		staff "bob@bank.example" {
			name = "Bob Jansen"
			roles = {"owner"}
		}
	}
	EOF
}

# Start kringd; extra arguments are passed on.  Sets KRINGD_PID,
# KRINGD_PORT (SMTP) and KRINGD_LMTP_PORT.
kringd_start() {
	[ -f kring.conf ] || kringd_config
	: >>kringd.log
	kringd_log_offset=$(wc -c <kringd.log)
	kringd -f -c kring.conf -l 127.0.0.1:0 -l 127.0.0.1:0/lmtp \
		-p kringd.pid "$@" 2>>kringd.log &
	KRINGD_PID=$!
	test_at_exit "kill -9 $KRINGD_PID 2>/dev/null"
	kringd_wait_ready || return 1
	KRINGD_PORT=$(tail -c +$((kringd_log_offset + 1)) kringd.log |
		sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\) (smtp).*/\1/p' | tail -1)
	KRINGD_LMTP_PORT=$(tail -c +$((kringd_log_offset + 1)) kringd.log |
		sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\) (lmtp).*/\1/p' | tail -1)
	[ -n "$KRINGD_PORT" ] && [ -n "$KRINGD_LMTP_PORT" ]
}

# Wait (up to 20 s) for the "ready" line since the last start.
kringd_wait_ready() {
	i=0
	while [ $i -lt 400 ]; do
		if tail -c +$((kringd_log_offset + 1)) kringd.log | grep -q 'ready: '; then
			return 0
		fi
		if ! kill -0 "$KRINGD_PID" 2>/dev/null; then
			echo "kringd died at start:" >&2
			cat kringd.log >&2
			return 1
		fi
		sleep 0.05
		i=$((i + 1))
	done
	echo "kringd not ready after 20 s" >&2
	return 1
}

# No sanitizer report or crash in kringd.log.
kringd_log_clean() {
	if grep -E 'runtime error|AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|SUMMARY:' kringd.log >&2; then
		echo "sanitizer report in kringd.log" >&2
		return 1
	fi
}

# SIGTERM and wait; kringd must exit 0 with a clean log.
kringd_stop() {
	kill -TERM "$KRINGD_PID" || return 1
	status=0
	wait "$KRINGD_PID" || status=$?
	if [ "$status" -ne 0 ]; then
		echo "kringd exited with $status" >&2
		tail -20 kringd.log >&2
		return 1
	fi
	kringd_log_clean
}

# log_wait PATTERN N [FILE]: until FILE (default kringd.log, all of it,
# over restarts) has PATTERN N times; 20 s at most, then its tail.
log_wait() {
	i=0
	until [ "$(grep -c "$1" "${3:-kringd.log}")" -ge "$2" ]; do
		i=$((i + 1))
		[ $i -lt 400 ] || { tail -20 "${3:-kringd.log}"; return 1; }
		sleep 0.05
	done
}

# kill -9: what a crash looks like.
kringd_kill9() {
	kill -9 "$KRINGD_PID" 2>/dev/null
	wait "$KRINGD_PID" 2>/dev/null || true
}

# Send a message file with swaks: kringd_send FILE [RCPT [swaks args]].
kringd_send() {
	file=$1
	rcpt=${2:-kring@example.org}
	shift; [ $# -gt 0 ] && shift
	swaks --server 127.0.0.1:"$KRINGD_PORT" --from sender@example.net \
		--to "$rcpt" --data "@$file" --silent 1 "$@"
}

# The stored bytes minus the Received header kringd prepends (stdin to
# stdout, byte for byte).
strip_received() {
	"$PYTHON" -c 'import re, sys
d = sys.stdin.buffer.read()
m = re.match(rb"Received: from [^\n]*\n(?:[ \t][^\n]*\n)*", d)
sys.stdout.buffer.write(d[m.end():] if m else d)'
}
