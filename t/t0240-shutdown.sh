#!/bin/sh
test_description='SIGTERM: mail in flight is finished, idle clients get 421, exit 0'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-kringd.sh"
. "$TEST_DIR/lib-smtp.sh"

# bg NAME: run the chat script NAME.script in the background; transcript
# in NAME.out, process id in NAME_pid.
bg() {
	"$PYTHON" "$SMTP_CHAT" -t 20 127.0.0.1:"$KRINGD_PORT" "$1.script" >"$1.out" &
	eval "$1_pid=\$!"
}

# bg_ok NAME: the background chat NAME ended with status 0.
bg_ok() {
	eval "wait \$$1_pid" || { cat "$1.out"; return 1; }
}

# kringd_exited: kringd ends by itself within 10 s, with status 0 and a
# clean log.
kringd_exited() {
	i=0
	while kill -0 "$KRINGD_PID" 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt 200 ] || { echo "kringd still running" >&2; return 1; }
		sleep 0.05
	done
	status=0
	wait "$KRINGD_PID" || status=$?
	test $status = 0 || { echo "kringd exited with $status" >&2; return 1; }
	kringd_log_clean
}

cat >mid.script <<\EOF
< 220
> EHLO c
< 250
> MAIL FROM:<anna@example.net>
< 250
> RCPT TO:<kring@example.org>
< 250
> DATA
< 354
> Subject: in flight
> Message-ID: <inflight@example.net>
>
> The first half,
wait-file term-sent
> and the second half after SIGTERM.
> .
< 250 2.0.0
> MAIL FROM:<anna@example.net>
< 421 4.3.2
expect-close
EOF

cat >inmail.script <<\EOF
< 220
> EHLO c
< 250
> MAIL FROM:<bert@example.net>
< 250
> RCPT TO:<kring@example.org>
< 250
wait-file term-sent
> DATA
< 354
> Subject: begun before
> Message-ID: <inmail@example.net>
>
> MAIL and RCPT came before SIGTERM, DATA after.
> .
< 250
> QUIT
< 221
EOF

cat >idle.script <<\EOF
< 220
> EHLO c
< 250
< 421 4.3.2
expect-close
EOF

test_expect_success 'kringd starts' '
	kringd_start
'

test_expect_success 'three clients: one in DATA, one after RCPT, one idle' '
	bg mid && bg inmail && bg idle &&
	wait_for mid.out "^C: The first half" &&
	wait_for inmail.out "^S: 250 2.1.5" &&
	wait_for idle.out "^S: 250 SMTPUTF8"
'

test_expect_success 'SIGTERM: the idle client gets 421 4.3.2 at once' '
	kill -TERM $KRINGD_PID &&
	wait_for kringd.log "stopping; 3 session(s) in flight" &&
	bg_ok idle
'

test_expect_success 'no new connections are taken' '
	! printf "< 220\n" | smtp_chat
'

test_expect_success 'the client in DATA finishes and gets 250, then no new MAIL' '
	: >term-sent &&
	bg_ok mid
'

test_expect_success 'the client after RCPT may still send DATA and gets 250' '
	bg_ok inmail
'

test_expect_success 'then kringd exits 0 by itself, log clean' '
	kringd_exited &&
	! grep "cut off" kringd.log
'

test_expect_success 'both messages are in the store' '
	printf "Subject: in flight\r\nMessage-ID: <inflight@example.net>\r\n\r\nThe first half,\r\nand the second half after SIGTERM.\r\n" >expect &&
	stored_body inflight@example.net >actual &&
	test_cmp expect actual &&
	stored_body inmail@example.net >actual &&
	grep "DATA after" actual
'

test_expect_success 'shutdown_grace = 1: a client stuck in DATA is cut off, kringd exits 0' '
	kringd_config - <<-\EOF &&
	limits {
		shutdown_grace = 1
	}
	EOF
	rm -f term-sent &&
	cat >stuck.script <<-\EOF &&
	< 220
	> EHLO c
	< 250
	> MAIL FROM:<anna@example.net>
	< 250
	> RCPT TO:<kring@example.org>
	< 250
	> DATA
	< 354
	> Subject: never finished
	> Message-ID: <stuck@example.net>
	>
	> half
	expect-close
	EOF
	kringd_start &&
	bg stuck &&
	wait_for stuck.out "^C: half" &&
	kill -TERM $KRINGD_PID &&
	kringd_exited &&
	grep "grace period over, 1 session(s) cut off" kringd.log &&
	bg_ok stuck &&
	! kring show -s store stuck@example.net
'

# An MTA keeps its connection open after a message, for the next one.
# Once its message is in, such a client is idle like any other: it
# should hear 421 and be let go, not hold kringd up to shutdown_grace.
test_expect_success 'a client idle after its 250 during shutdown gets 421 4.3.2 at once' '
	kringd_config - <<-\EOF &&
	limits {
		shutdown_grace = 30
	}
	EOF
	rm -f term-sent &&
	cat >linger.script <<-\EOF &&
	< 220
	> EHLO c
	< 250
	> MAIL FROM:<anna@example.net>
	< 250
	> RCPT TO:<kring@example.org>
	< 250
	> DATA
	< 354
	> Subject: then idle
	> Message-ID: <linger@example.net>
	>
	wait-file term-sent
	> body
	> .
	< 250
	< 421 4.3.2
	expect-close
	EOF
	kringd_start || return 1
	"$PYTHON" "$SMTP_CHAT" -t 5 127.0.0.1:"$KRINGD_PORT" linger.script >linger.out &
	linger_pid=$!
	wait_for linger.out "^S: 354" &&
	kill -TERM $KRINGD_PID &&
	wait_for kringd.log "stopping; 1 session(s) in flight" &&
	: >term-sent &&
	bg_ok linger &&
	kringd_exited &&
	stored_body linger@example.net >/dev/null
'

test_expect_success 'SIGTERM with no client: exit 0 at once' '
	kringd_start &&
	kringd_stop
'

test_done
