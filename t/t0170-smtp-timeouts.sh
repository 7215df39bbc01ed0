#!/bin/sh
test_description='timeouts (RFC 5321 4.5.3.2): idle clients get 421 4.4.2 and are cut off'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-kringd.sh"
. "$TEST_DIR/lib-smtp.sh"

kringd_config - <<\EOF
limits {
	timeout_command = 1
	timeout_data_block = 2
}
EOF

test_expect_success 'kringd starts' '
	kringd_start
'

# The client waits at most 3 s for what should come after 1 s (DATA: 4.5 s
# for 2 s): a kringd that took the wrong timeout would fail.
test_expect_success 'a client idle after the greeting gets 421 4.4.2, then the connection closes' '
	smtp_chat -t 3 <<-\EOF &&
	< 220
	< 421 4.4.2
	expect-close
	EOF
	grep "timeout after command from 127.0.0.1" kringd.log
'

test_expect_success 'a command sent after the timeout gets no answer: the connection is gone' '
	smtp_chat -t 3 <<-\EOF
	< 220
	> EHLO c
	< 250
	< 421 4.4.2
	> NOOP
	expect-close
	EOF
'

test_expect_success 'idle in the middle of a transaction: 421 4.4.2 and closed' '
	smtp_chat -t 3 <<-\EOF
	< 220
	> EHLO c
	< 250
	> MAIL FROM:<a@example.net>
	< 250
	> RCPT TO:<kring@example.org>
	< 250
	< 421 4.4.2
	expect-close
	EOF
'

test_expect_success 'the timeout is per command: a client busy for 2 s is not cut off' '
	smtp_chat <<-\EOF
	< 220
	> EHLO c
	< 250
	wait 0.5
	> NOOP
	< 250
	wait 0.5
	> NOOP
	< 250
	wait 0.5
	> NOOP
	< 250
	wait 0.5
	> NOOP
	< 250
	> QUIT
	< 221
	EOF
'

test_expect_success 'DATA uses timeout_data_block: slow lines within it are fine' '
	smtp_chat <<-\EOF &&
	< 220
	> EHLO c
	< 250
	> MAIL FROM:<a@example.net>
	< 250
	> RCPT TO:<kring@example.org>
	< 250
	> DATA
	< 354
	> Subject: slow
	> Message-ID: <slow@example.net>
	>
	> line one
	wait 1.4
	> line two
	wait 1.4
	> .
	< 250
	> QUIT
	< 221
	EOF
	stored_body slow@example.net >actual &&
	printf "Subject: slow\r\nMessage-ID: <slow@example.net>\r\n\r\nline one\r\nline two\r\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'a client idle inside DATA gets 421 4.4.2; nothing is stored' '
	smtp_chat -t 4.5 <<-\EOF &&
	< 220
	> EHLO c
	< 250
	> MAIL FROM:<a@example.net>
	< 250
	> RCPT TO:<kring@example.org>
	< 250
	> DATA
	< 354
	> Subject: stalled
	> Message-ID: <stalled@example.net>
	>
	> half a message
	< 421 4.4.2
	expect-close
	EOF
	grep "timeout after DATA from 127.0.0.1" kringd.log &&
	! kring show -s store stalled@example.net &&
	test "$(stored_count)" = 1
'

test_expect_success 'all of the data and the dot, but not its CRLF: not done; 421 4.4.2, nothing stored' '
	smtp_chat -t 4.5 <<-\EOF &&
	< 220
	> EHLO c
	< 250
	> MAIL FROM:<a@example.net>
	< 250
	> RCPT TO:<kring@example.org>
	< 250
	> DATA
	< 354
	> Subject: almost
	> Message-ID: <almost@example.net>
	>
	> all of it
	>raw .
	< 421 4.4.2
	expect-close
	EOF
	test $(grep -c "timeout after DATA from 127.0.0.1" kringd.log) = 2 &&
	! kring show -s store almost@example.net &&
	test "$(stored_count)" = 1
'

# trickle N BYTE: N times, BYTE and a 0.4 s pause, as smtp-chat lines.
trickle() {
	i=0
	while [ $i -lt "$1" ]; do
		printf ">raw %s\nwait 0.4\n" "$2"
		i=$((i + 1))
	done
}

test_expect_success 'a byte now and then in DATA, never a whole line: cut off after timeout_data_block' '
	# Lines of 30 bytes at 2.5 bytes a second: one every 12 s, while
	# timeout_data_block is 2 s.  A timeout per read would never fire.
	before=$(grep -c "timeout after DATA from 127.0.0.1" kringd.log) &&
	smtp_hold trickle 1 --rate 2.5 &&
	sleep 4 &&
	: >release &&
	! wait $HOLD_PID &&
	cat hold.out &&
	test $(grep -c "timeout after DATA from 127.0.0.1" kringd.log) = $((before + 1)) &&
	test "$(stored_count)" = 1
'

test_expect_success 'the same in a command: cut off after timeout_command' '
	{
		printf "< 220\n"
		trickle 2 N
		printf "< 421 4.4.2\nexpect-close\n"
	} | smtp_chat -t 4 &&
	grep "timeout after command from 127.0.0.1" kringd.log
'

test_expect_success 'whole lines a second apart in DATA go on past the timeout' '
	{
		printf "< 220\n> EHLO c\n< 250\n> MAIL FROM:<a@example.net>\n< 250\n"
		printf "> RCPT TO:<kring@example.org>\n< 250\n> DATA\n< 354\n"
		printf "> Subject: steady\n> Message-ID: <steady@example.net>\n>\n"
		for n in 1 2 3 4; do printf "wait 1\n> line %s\n" $n; done
		printf "> .\n< 250\n> QUIT\n< 221\n"
	} | smtp_chat -t 6 &&
	kring show -s store steady@example.net | grep "^line 4"
'

test_expect_success 'kringd still takes new connections' '
	smtp_chat <<-\EOF
	< 220
	> NOOP
	< 250
	> QUIT
	< 221
	EOF
'

test_expect_success 'kringd stops cleanly' '
	kringd_stop
'

test_done
