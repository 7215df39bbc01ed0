#!/bin/sh
test_description='the private Postfix of t/lib-postfix.sh makes real DSNs

A throw-away Postfix instance relays to the sink: mail for example.net
arrives as is; mail for hard.example, full.example and spam.example
fails at once (5.1.1, 5.2.2, 5.7.1) and Postfix sends a
multipart/report DSN (Action: failed) to the sender, from <>, through
the sink; mail for slow.example is deferred (4.4.1) and Postfix sends
a delay warning (Action: delayed).  Stopping leaves no process of the
instance behind.'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-sink.sh"
. "$TEST_DIR/lib-postfix.sh"

postfix_usable || test_skip_all "a private Postfix needs root, Postfix (/usr/sbin/postfix, /usr/lib/postfix/sbin/master, user postfix), script(1) and swaks"

SENDER=bounces+x1@example.org

# find_dsn RCPT ACTION: the sink's message (.eml) that is a DSN with
# Final-Recipient RCPT and Action ACTION, or nothing.  Its text without
# CRs is left beside it as .txt.
find_dsn() {
	for f in $(sink_messages); do
		t=${f%.eml}.txt
		[ -f "$t" ] || tr -d '\r' <"$f" >"$t"
		grep -q "^Final-Recipient: rfc822; *$1\$" "$t" &&
			grep -q "^Action: $2\$" "$t" &&
			echo "$f" && return 0
	done
	return 0
}

# wait_dsn RCPT ACTION [SECONDS]: find_dsn, polling (20 s at most).
wait_dsn() {
	i=0
	until d=$(find_dsn "$1" "$2") && [ -n "$d" ]; do
		i=$((i + 1))
		if [ $i -gt $(( ${3:-20} * 10 )) ]; then
			echo "no DSN ($2) for $1 after ${3:-20} s; the sink has $(sink_count)" >&2
			postfix_queue >&2
			tail -30 "$POSTFIX_LOG" >&2
			return 1
		fi
		sleep 0.1
	done
	echo "$d"
}

# check_dsn FILE RCPT ACTION STATUS: a DSN to $SENDER from <>, as
# Postfix makes them.
check_dsn() {
	t=${1%.eml}.txt &&
	env=$(sink_envelope "$1") &&
	echo "$env" | grep -qx "MAIL FROM:<>" &&
	echo "$env" | grep -qx "RCPT TO:<$SENDER>" &&
	test "$(echo "$env" | grep -c "^RCPT TO:")" = 1 &&
	grep -qi "^Content-Type: multipart/report; report-type=delivery-status;" "$t" &&
	grep -qi "^Content-Type: message/delivery-status" "$t" &&
	grep -q "^From: Mail Delivery System <MAILER-DAEMON@mx.postfix.test>\$" "$t" &&
	grep -q "^Auto-Submitted: auto-replied\$" "$t" &&
	grep -q "^To: $SENDER\$" "$t" &&
	grep -q "^Reporting-MTA: dns; mx.postfix.test\$" "$t" &&
	grep -q "^Final-Recipient: rfc822; *$2\$" "$t" &&
	grep -q "^Action: $3\$" "$t" &&
	grep -q "^Status: $4\$" "$t" &&
	grep -q "^Subject: Harness test to $2\$" "$t"
}

test_expect_success 'setup: a sink and a private Postfix relaying to it' '
	sink_start &&
	postfix_start "$SINK_PORT" &&
	test -n "$POSTFIX_PORT" && test "$POSTFIX_PORT" != 25 &&
	test "$POSTFIX_PORT" != "$SINK_PORT" &&
	test -n "$(postfix_master_pid)" &&
	test "$(postconf -c "$POSTFIX_CONF" -h config_directory)" = "$POSTFIX_CONF" &&
	test "$(postconf -c "$POSTFIX_CONF" -h queue_directory)" = "$POSTFIX_DIR/queue" &&
	! postconf -c "$POSTFIX_CONF" -M | grep -q "^smtp *inet" &&
	test -s "$POSTFIX_LOG" && grep -q "starting the Postfix mail system" "$POSTFIX_LOG"
'

test_expect_success 'it takes mail for each kind of domain' '
	t0=$(date +%s) &&
	for r in ann@hard.example bob@full.example cy@spam.example \
		dee@slow.example eve@example.net; do
		postfix_send "$SENDER" "$r" "Harness test to $r" || return 1
	done
'

# wait_env LINE: the sink's .env files holding LINE, waited for (20 s at
# most).
wait_env() {
	i=0
	until grep -lxF "$1" "$SINK_DIR"/*.env 2>/dev/null; do
		i=$((i + 1))
		if [ $i -gt 200 ]; then
			echo "no mail with $1 at the sink after 20 s" >&2
			postfix_queue >&2
			tail -30 "$POSTFIX_LOG" >&2
			return 1
		fi
		sleep 0.1
	done
}

test_expect_success 'example.net is relayed to the sink as is' '
	e=$(wait_env "RCPT TO:<eve@example.net>") &&
	test "$(echo "$e" | wc -l)" = 1 &&
	grep -qx "MAIL FROM:<$SENDER>" "$e" &&
	tr -d "\r" <"${e%.env}.eml" >eve.txt &&
	grep -q "^Subject: Harness test to eve@example.net\$" eve.txt &&
	grep -q "^A test message to eve@example.net.\$" eve.txt &&
	grep -q "^Received: from client.postfix.test (unknown \[127.0.0.1\])\$" eve.txt &&
	grep -q "^	by mx.postfix.test (Postfix) with ESMTP id " eve.txt
'

test_expect_success 'user unknown: a DSN, failed 5.1.1' '
	d=$(wait_dsn ann@hard.example failed) &&
	check_dsn "$d" ann@hard.example failed 5.1.1 &&
	grep -q "^Diagnostic-Code: X-Postfix; <user unknown>" "${d%.eml}.txt"
'

test_expect_success 'mailbox full: a DSN, failed 5.2.2' '
	d=$(wait_dsn bob@full.example failed) &&
	check_dsn "$d" bob@full.example failed 5.2.2 &&
	grep -q "^Diagnostic-Code: X-Postfix; mailbox full" "${d%.eml}.txt"
'

test_expect_success 'refused as spam: a DSN, failed 5.7.1' '
	d=$(wait_dsn cy@spam.example failed) &&
	check_dsn "$d" cy@spam.example failed 5.7.1 &&
	grep -q "^Diagnostic-Code: X-Postfix; message rejected as spam" "${d%.eml}.txt"
'

delay_secs=
if postfix_can_delay; then
	test_expect_success 'deferred: a delay warning, delayed 4.4.1, stays queued' '
		d=$(wait_dsn dee@slow.example delayed 30) &&
		delay_secs=$(( $(date +%s) - t0 )) &&
		check_dsn "$d" dee@slow.example delayed 4.4.1 &&
		grep -q "^Will-Retry-Until: " "${d%.eml}.txt" &&
		grep -q "^Your message could not be delivered for more than 1 second(s)\.\$" "${d%.eml}.txt" &&
		test -z "$(find_dsn dee@slow.example failed)" &&
		postfix_queue >queue.out &&
		grep -q "dee@slow.example" queue.out &&
		test "$(grep -c "^[0-9A-F][0-9A-F]*[*!]\{0,1\} " queue.out)" = 1
	'
	[ -n "$delay_secs" ] && echo "# the delay warning came within $delay_secs s"
else
	test_skip 'deferred: a delay warning' 'postfix_can_delay is false'
fi

test_expect_success 'nothing else came; flush asks for another try' '
	n=$(sink_count) &&
	if postfix_can_delay; then test "$n" = 5; else test "$n" = 4; fi &&
	for e in "$SINK_DIR"/*.env; do
		grep -q "^PEER 127.0.0.1:" "$e" || return 1
	done &&
	postfix_flush &&
	test "$(sink_count)" = "$n" &&
	! grep -E "(warning|error|fatal|panic): " "$POSTFIX_LOG"
'

test_expect_success 'stop: no process of the instance is left' '
	master=$(postfix_master_pid) && test -n "$master" &&
	test -n "$(postfix_pids)" &&
	postfix_stop &&
	! postfix_alive "$master" &&
	test -z "$(postfix_master_pid)" &&
	test -z "$(postfix_pids)" &&
	sink_stop
'

test_done
