#!/bin/sh
test_description='50 clients sending their message one byte a second do not slow a normal client

The normal client (smtp-chat.py, from 127.0.0.2) delivers a message
five times with no slow client connected, then five times while 50
clients (t/helper/smtp-hold.py trickle, from 127.0.0.1) are in DATA,
each sending one byte a second.  The median delivery with them must be
within three times the median without them plus a quarter of a
second: kringd serves each byte as it comes and never waits for the
rest of a line, so the slow ones cost it next to nothing; a kringd that
blocked on a slow client (a read waiting for a whole line) would be
seconds over.  The slow clients are not cut off within the test (a
30-byte line takes them 30 s, timeout_data_block is 30 s, counted from
the last whole line; t0170 covers clients that never finish one), and
when they hang up without the final dot nothing of theirs is stored.'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-kringd.sh"
. "$TEST_DIR/lib-smtp.sh"

SLOW=50
ROUNDS=5

kringd_config - <<\EOF
limits {
	timeout_data_block = 30
}
EOF

now() {
	date +%s.%N
}

# deliver TAG: one message from 127.0.0.2, which must be stored; its
# wall time (seconds) is appended to times.TAG.
deliver() {
	n=$((n + 1)) &&
	printf "From: b@example.net\r\nSubject: normal %s\r\nMessage-ID: <normal-%s@example.net>\r\n\r\nHello.\r\n" $n $n >normal.$n &&
	printf "< 220\n> EHLO normal.example\n< 250\n> MAIL FROM:<b@example.net>\n< 250\n> RCPT TO:<kring@example.org>\n< 250\n> DATA\n< 354\n>data normal.$n\n< 250\n> QUIT\n< 221\n" >normal.$n.chat &&
	t0=$(now) &&
	smtp_chat -s 127.0.0.2 <normal.$n.chat >/dev/null &&
	t1=$(now) &&
	awk -v a=$t0 -v b=$t1 "BEGIN { printf \"%.4f\\n\", b - a }" >>times.$1 &&
	stored_body normal-$n@example.net >actual &&
	test_cmp normal.$n actual
}

median() {
	sort -n "$1" | awk "{ v[NR] = \$1 } END { print v[int((NR + 1) / 2)] }"
}

n=0
test_expect_success 'kringd starts; a first message warms it up' '
	kringd_start &&
	deliver warm
'

test_expect_success "$ROUNDS deliveries with no slow client" '
	i=0 &&
	while [ $i -lt $ROUNDS ]; do
		deliver alone || return 1
		i=$((i + 1))
	done
'

test_expect_success "$SLOW clients in DATA, each sending one byte a second" '
	smtp_hold trickle $SLOW --rate 1 &&
	grep -x "trickling $SLOW" hold.ready
'

test_expect_success "meanwhile $ROUNDS deliveries, within 3 x the time alone + 0.25 s" '
	sleep 1 &&
	i=0 &&
	while [ $i -lt $ROUNDS ]; do
		deliver slow || return 1
		i=$((i + 1))
	done &&
	alone=$(median times.alone) && slow=$(median times.slow) &&
	echo "median delivery: alone $alone s, with $SLOW slow clients $slow s" >figure &&
	cat figure &&
	awk -v a=$alone -v s=$slow "BEGIN { exit !(s <= 3 * a + 0.25) }"
'
test -f figure && sed "s/^/# /" figure

test_expect_success 'the slow clients were served all along and not cut off' '
	sleep 1 &&
	smtp_release &&
	grep -x "smtp-hold: trickle $SLOW, all fine" hold.out &&
	! grep "timeout after" kringd.log
'

test_expect_success 'they hung up without the final dot: none of theirs is stored' '
	test "$(stored_count)" = $((2 * ROUNDS + 1)) &&
	kring threads -s store >threads &&
	! grep "slow" threads &&
	kringd_alive
'

test_expect_success 'kringd stops cleanly' '
	kringd_stop
'

test_done
