#!/bin/sh
test_description='10,000 connections held open at once; a normal client still delivers meanwhile

t/helper/smtp-hold.py opens the connections from 127.0.0.1 (220, EHLO,
250, then idle) and holds them all; with all of them open, a client
from 127.0.0.2 delivers a message, a further one from 127.0.0.1 is over
connections_per_client, and kringd'"'"'s resident memory per connection is
within the goal of 8 KiB (bench/connections measures it; here only the
bound is checked, and not under a sanitizer build, whose heap is
larger by design).  Then every held connection says QUIT and gets 221.'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-kringd.sh"
. "$TEST_DIR/lib-smtp.sh"

N=${KRING_TEST_CONNECTIONS:-10000}
# Both kringd and the holder need a descriptor per connection.
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt $((N + 200)) ]; then
	ulimit -n $((N + 200)) 2>/dev/null ||
		test_skip_all "ulimit -n is $(ulimit -n) and cannot be raised to $((N + 200))"
fi

kringd_config - <<EOF
limits {
	connections = $((N + 1))
	connections_per_client = $N
	timeout_command = 60
}
EOF

rss() {
	sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB$/\1/p' /proc/$KRINGD_PID/status
}

test_expect_success 'kringd starts and takes a first message' '
	kringd_start &&
	printf "From: a@example.net\r\nSubject: first\r\nMessage-ID: <first@example.net>\r\n\r\nHello.\r\n" >first.eml &&
	kringd_send first.eml &&
	rss >rss.before && test -s rss.before
'

test_expect_success "$N connections from 127.0.0.1 are held open at once" '
	smtp_hold hold $N &&
	grep -x "held $N" hold.ready &&
	test "$(ls /proc/$KRINGD_PID/fd | wc -l)" -gt $N
'

test_expect_success 'meanwhile a client from 127.0.0.2 delivers a message' '
	printf "From: b@example.net\r\nSubject: meanwhile\r\nMessage-ID: <meanwhile@example.net>\r\n\r\nStill here.\r\n" >meanwhile.eml &&
	smtp_chat -s 127.0.0.2 <<-\EOF &&
	< 220
	> EHLO normal.example
	< 250
	> MAIL FROM:<b@example.net>
	< 250
	> RCPT TO:<kring@example.org>
	< 250
	> DATA
	< 354
	>data meanwhile.eml
	< 250
	> QUIT
	< 221
	EOF
	stored_body meanwhile@example.net >actual &&
	test_cmp meanwhile.eml actual
'

test_expect_success 'one more from 127.0.0.1 is over connections_per_client: 421 4.7.0' '
	smtp_chat <<-\EOF &&
	< 421 4.7.0
	expect-close
	EOF
	grep "too many connections from 127.0.0.1" chat.out
'

test_expect_success "kringd's memory per held connection is within 8 KiB" '
	after=$(rss) && before=$(cat rss.before) &&
	per=$(awk -v a=$before -v b=$after -v n=$N "BEGIN { printf \"%.2f\", (b - a) / n }") &&
	echo "VmRSS $before KiB, with $N held $after KiB: $per KiB a connection" >rss.figure &&
	cat rss.figure &&
	if grep -q __asan_init "$KRING_BUILD/bin/kringd"; then
		echo "sanitizer build: bound not checked"
	else
		awk -v p=$per "BEGIN { exit !(p <= 8) }"
	fi
'
test -f rss.figure && sed "s/^/# /" rss.figure

test_expect_success 'released, every held connection says QUIT and gets 221' '
	smtp_release &&
	grep -x "smtp-hold: hold $N, all fine" hold.out
'

test_expect_success 'the slots are given back: 127.0.0.1 is taken again; both messages stored' '
	i=0 &&
	until printf "< 220\n> QUIT\n< 221\n" | smtp_chat >/dev/null; do
		i=$((i + 1))
		[ $i -lt 50 ] || { cat chat.out; return 1; }
		sleep 0.1
	done &&
	test "$(stored_count)" = 2 &&
	kringd_alive
'

test_expect_success 'kringd stops cleanly' '
	kringd_stop
'

test_done
