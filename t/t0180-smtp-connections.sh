#!/bin/sh
test_description='connection limits: per client address and in all'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-kringd.sh"
. "$TEST_DIR/lib-smtp.sh"

kringd_config - <<\EOF
limits {
	connections_per_client = 2
}
EOF

# hold NAME [SOURCE]: a connection in the background (from SOURCE) that
# says NOOP, then waits for the file "release" before QUIT; transcript in
# NAME.out, process id in NAME_pid.
hold() {
	printf '< 220\n> NOOP\n< 250\nwait-file release\n> QUIT\n< 221\n' >"$1.script"
	"$PYTHON" "$SMTP_CHAT" -t 30 ${2:+-s "$2"} 127.0.0.1:"$KRINGD_PORT" \
		"$1.script" >"$1.out" &
	eval "$1_pid=\$!"
}

# held NAME...: wait until each holder has had its 250.
held() {
	for h in "$@"; do
		wait_for "$h.out" "^S: 250" || return 1
	done
}

# release NAME...: let the holders QUIT; each must have exited 0.
release() {
	: >release &&
	for h in "$@"; do
		eval "wait \$${h}_pid" || { cat "$h.out"; return 1; }
	done &&
	rm -f release
}

# A new connection from 127.0.0.1 is greeted with 220 (within 5 s: the
# slots of connections that just ended are given back).
greeted() {
	i=0
	until printf '< 220\n> QUIT\n< 221\n' | smtp_chat "$@" >/dev/null; do
		i=$((i + 1))
		[ $i -lt 50 ] || return 1
		sleep 0.1
	done
}

test_expect_success 'kringd starts' '
	kringd_start
'

test_expect_success 'two connections from 127.0.0.1 are taken' '
	hold h1 && hold h2 &&
	held h1 h2
'

test_expect_success 'the third at once from 127.0.0.1 gets 421 4.7.0 and is closed' '
	smtp_chat <<-\EOF &&
	< 421 4.7.0
	expect-close
	EOF
	grep "too many connections from 127.0.0.1" chat.out
'

test_expect_success 'another client address (127.0.0.2) is still taken' '
	smtp_chat -s 127.0.0.2 <<-\EOF
	< 220
	> EHLO c
	< 250
	> QUIT
	< 221
	EOF
'

test_expect_success 'the held connections still work and end normally' '
	release h1 h2
'

test_expect_success 'when they are gone, 127.0.0.1 is taken again' '
	greeted
'

test_expect_success 'the count does not drift: again two taken, the third refused' '
	hold h3 && hold h4 &&
	held h3 h4 &&
	printf "< 421 4.7.0\nexpect-close\n" | smtp_chat &&
	printf "< 421 4.7.0\nexpect-close\n" | smtp_chat &&
	release h3 h4 &&
	greeted
'

test_expect_success 'kringd stops cleanly' '
	kringd_stop
'

test_expect_success 'connections = 3 in all: the fourth, from any address, gets 421 4.7.0' '
	kringd_config - <<-\EOF &&
	limits {
		connections = 3
	}
	EOF
	kringd_start &&
	hold g1 && hold g2 127.0.0.2 && hold g3 127.0.0.3 &&
	held g1 g2 g3 &&
	printf "< 421 4.7.0\nexpect-close\n" | smtp_chat -s 127.0.0.4 &&
	grep "too many connections" chat.out &&
	release g1 g2 g3 &&
	greeted -s 127.0.0.4
'

test_expect_success 'kringd stops cleanly' '
	kringd_stop
'

test_done
