# lib-smtp.sh: talk to the kringd of lib-kringd.sh with t/helper/smtp-chat.py.
#
#   smtp_chat <<-EOF          # script on stdin, see smtp-chat.py
#   < 220
#   > EHLO client.test
#   < 250
#   EOF
#
# The transcript goes to stdout (so a failing test shows it) and to
# chat.out (to grep).  smtp_chat talks to $KRINGD_PORT, lmtp_chat to
# $KRINGD_LMTP_PORT; both read the script from stdin and pass their
# arguments (options: -t SECONDS) on to smtp-chat.py.

SMTP_CHAT=$TEST_DIR/helper/smtp-chat.py

chat_to_() {
	port=$1
	shift
	chat_rc=0
	"$PYTHON" "$SMTP_CHAT" "$@" 127.0.0.1:"$port" >chat.out || chat_rc=$?
	cat chat.out
	return $chat_rc
}

smtp_chat() {
	chat_to_ "$KRINGD_PORT" "$@"
}

lmtp_chat() {
	chat_to_ "$KRINGD_LMTP_PORT" "$@"
}

# The number of messages kring stats counts in COMMUNITY (default kring);
# 0 when the community has nothing stored yet.
stored_count() {
	n=$(kring stats -s store --community "${1:-kring}" --json |
		sed -n 's/.*"messages":\([0-9]*\).*/\1/p')
	echo "${n:-0}"
}

# The stored body of message ID (store id or Message-ID) without our
# Received header: stored_body ID [kring show options].
stored_body() {
	id=$1
	shift
	kring show -s store "$@" "$id" >stored.raw &&
	head -1 stored.raw | grep -q "^Received: from " &&
	strip_received <stored.raw
}

# Fail unless kringd (KRINGD_PID) is still running.
kringd_alive() {
	kill -0 "$KRINGD_PID" 2>/dev/null || test_fail "kringd is gone"
}

# wait_for FILE PATTERN: poll (at most 10 s) until FILE has a line
# matching the grep PATTERN (e.g. a background chat's transcript or
# kringd.log).
wait_for() {
	i=0
	until grep -q -e "$2" "$1" 2>/dev/null; do
		i=$((i + 1))
		if [ $i -gt 200 ]; then
			echo "no \"$2\" in $1 after 10 s:" >&2
			cat "$1" >&2
			return 1
		fi
		sleep 0.05
	done
}

# smtp_hold MODE N [OPTION...]: t/helper/smtp-hold.py MODE (hold or
# trickle) with N connections to kringd, in the background; returns once
# all N are there (30 s at most), with the ready line in hold.ready.
# Sets HOLD_PID; the holder's output goes to hold.out.
smtp_hold() {
	hold_mode_=$1 hold_n_=$2
	shift 2
	rm -f hold.ready release
	"$PYTHON" "$TEST_DIR/helper/smtp-hold.py" "$hold_mode_" \
		--port "$KRINGD_PORT" --count "$hold_n_" --ready hold.ready \
		--release release "$@" >hold.out 2>&1 &
	HOLD_PID=$!
	test_at_exit "kill $HOLD_PID 2>/dev/null"
	hold_i_=0
	until [ -e hold.ready ]; do
		kill -0 "$HOLD_PID" 2>/dev/null || { cat hold.out; return 1; }
		hold_i_=$((hold_i_ + 1))
		[ $hold_i_ -lt 600 ] || { echo "not all $hold_n_ there after 30 s"; return 1; }
		sleep 0.05
	done
}

# smtp_release: let smtp_hold's connections go; the holder must exit 0,
# having found all of them fine.
smtp_release() {
	: >release &&
	{ wait "$HOLD_PID" || { cat hold.out; return 1; }; } &&
	grep "all fine" hold.out
}

# big_message N: a message of about 100 KB with Message-ID
# <full-N@example.net> (CRLF line ends), for filling a store.
big_message() {
	awk -v n="$1" 'BEGIN {
		printf "From: Anna <anna@example.net>\r\nSubject: full %d\r\n", n
		printf "Message-ID: <full-%d@example.net>\r\n\r\n", n
		for (i = 0; i < 1300; i++) printf "%d %075d\r\n", n, i
	}'
}
