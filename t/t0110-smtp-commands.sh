#!/bin/sh
test_description='SMTP commands, replies and sequence errors (RFC 5321 4.1, 4.3)'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-kringd.sh"
. "$TEST_DIR/lib-smtp.sh"

kringd_config - <<\EOF
limits {
	message_size = 123456
	bad_commands = 3
}
EOF

test_expect_success 'kringd starts' '
	kringd_start
'

test_expect_success 'greeting: 220 with the configured hostname' '
	smtp_chat <<-\EOF &&
	< 220
	> QUIT
	< 221
	expect-close
	EOF
	grep "^S: 220 kring\.test " chat.out
'

test_expect_success 'EHLO lists PIPELINING, SIZE <limit>, 8BITMIME, ENHANCEDSTATUSCODES, SMTPUTF8' '
	smtp_chat <<-\EOF &&
	< 220
	> EHLO client.test
	< 250
	> QUIT
	< 221
	EOF
	grep "^S: 250-kring\.test\\\\r" chat.out &&
	for ext in PIPELINING "SIZE 123456" 8BITMIME ENHANCEDSTATUSCODES SMTPUTF8
	do
		grep "^S: 250[- ]$ext\\\\r\\\\n\$" chat.out || return 1
	done &&
	test $(grep -c "^S: 250 " chat.out) = 1
'

test_expect_success 'EHLO and HELO without a hostname: 501' '
	smtp_chat <<-\EOF
	< 220
	> EHLO
	< 501 5.5.4
	> HELO
	< 501 5.5.4
	> MAIL FROM:<anna@example.net>
	< 503
	> QUIT
	< 221
	EOF
'

test_expect_success 'HELO works: one line, no extensions, then a transaction' '
	smtp_chat <<-\EOF &&
	< 220
	> HELO client.test
	< 250 kring.test
	> MAIL FROM:<anna@example.net>
	< 250 2.1.0
	> RCPT TO:<kring@example.org>
	< 250 2.1.5
	> QUIT
	< 221 2.0.0
	EOF
	! grep PIPELINING chat.out
'

test_expect_success 'HELP 214, VRFY 252, NOOP and RSET 250 (any case, before and after EHLO)' '
	smtp_chat <<-\EOF
	< 220
	> HELP
	< 214 2.0.0
	> VRFY kring@example.org
	< 252
	> NOOP
	< 250 2.0.0
	> RSET
	< 250 2.0.0
	> EHLO client.test
	< 250
	> help
	< 214 QUIT
	> vrfy kring
	< 252 2.5.0
	> noop
	< 250
	> rset
	< 250
	> QUIT
	< 221 2.0.0
	expect-close
	EOF
'

test_expect_success 'MAIL, RCPT, DATA before HELO/EHLO: 503' '
	smtp_chat <<-\EOF
	< 220
	> MAIL FROM:<anna@example.net>
	< 503 5.5.1
	> RCPT TO:<kring@example.org>
	< 503 5.5.1
	> DATA
	< 503 5.5.1
	> QUIT
	< 221
	EOF
'

test_expect_success 'RCPT before MAIL: 503; DATA before MAIL: 503' '
	smtp_chat <<-\EOF
	< 220
	> EHLO client.test
	< 250
	> RCPT TO:<kring@example.org>
	< 503 5.5.1
	> DATA
	< 503 5.5.1
	> QUIT
	< 221
	EOF
'

test_expect_success 'DATA without an accepted RCPT: 554 or 503' '
	smtp_chat <<-\EOF
	< 220
	> EHLO client.test
	< 250
	> MAIL FROM:<anna@example.net>
	< 250
	> DATA
	< 554|503
	> RCPT TO:<nobody@elsewhere.example>
	< 550
	> DATA
	< 554|503
	> QUIT
	< 221
	EOF
'

test_expect_success 'DATA with an argument: 501' '
	smtp_chat <<-\EOF
	< 220
	> EHLO client.test
	< 250
	> MAIL FROM:<anna@example.net>
	< 250
	> RCPT TO:<kring@example.org>
	< 250
	> DATA now
	< 501
	> QUIT
	< 221
	EOF
'

test_expect_success 'nested MAIL: 503 and the first transaction goes on; RSET ends it' '
	smtp_chat <<-\EOF
	< 220
	> EHLO client.test
	< 250
	> MAIL FROM:<anna@example.net>
	< 250
	> MAIL FROM:<bert@example.net>
	< 503 5.5.1
	> RCPT TO:<kring@example.org>
	< 250 2.1.5
	> RSET
	< 250
	> RCPT TO:<kring@example.org>
	< 503
	> MAIL FROM:<bert@example.net>
	< 250
	> QUIT
	< 221
	EOF
'

test_expect_success 'EHLO again resets the transaction' '
	smtp_chat <<-\EOF
	< 220
	> EHLO client.test
	< 250
	> MAIL FROM:<anna@example.net>
	< 250
	> EHLO client.test
	< 250
	> RCPT TO:<kring@example.org>
	< 503
	> QUIT
	< 221
	EOF
'

test_expect_success 'unknown command: 500 5.5.2; EXPN: 502' '
	smtp_chat <<-\EOF
	< 220
	> XYZZY plugh
	< 500 5.5.2
	> EHLO client.test
	< 250
	> EXPN kring
	< 502 5.5.1
	> QUIT
	< 221
	EOF
'

test_expect_success 'bad MAIL syntax: 501; unknown MAIL parameters: 555' '
	smtp_chat <<-\EOF &&
	< 220
	> EHLO client.test
	< 250
	> MAIL anna@example.net
	< 501 5.5.4
	> MAIL FROM:anna@example.net
	< 501
	> QUIT
	< 221
	EOF
	smtp_chat <<-\EOF &&
	< 220
	> EHLO client.test
	< 250
	> MAIL FROM:<anna@example.net> FOO=BAR
	< 555 5.5.4
	> MAIL FROM:<anna@example.net> BODY=BINARYMIME
	< 555
	> MAIL FROM:<anna@example.net> BODY=8BITMIME SIZE=100
	< 250
	> QUIT
	< 221
	EOF
	smtp_chat <<-\EOF
	< 220
	> EHLO client.test
	< 250
	> MAIL FROM:<anna@example.net> SIZE=big
	< 555
	> MAIL FROM:<anna@example.net> BODY=7BIT
	< 250
	> QUIT
	< 221
	EOF
'

test_expect_success 'bad RCPT syntax: 501 5.1.3; RCPT parameters: 555' '
	smtp_chat <<-\EOF &&
	< 220
	> EHLO client.test
	< 250
	> MAIL FROM:<anna@example.net>
	< 250
	> RCPT TO:kring@example.org
	< 501 5.1.3
	> RCPT TO:<>
	< 501 5.1.3
	> RCPT TO:<kring@example.org>
	< 250
	> QUIT
	< 221
	EOF
	smtp_chat <<-\EOF
	< 220
	> EHLO client.test
	< 250
	> MAIL FROM:<anna@example.net>
	< 250
	> RCPT TO:<kring@example.org> NOTIFY=NEVER
	< 555
	> QUIT
	< 221
	EOF
'

test_expect_success 'the null reverse path <> is accepted (bounces)' '
	smtp_chat <<-\EOF
	< 220
	> EHLO client.test
	< 250
	> MAIL FROM:<>
	< 250
	> RCPT TO:<kring@example.org>
	< 250
	> QUIT
	< 221
	EOF
'

test_expect_success 'bad_commands = 3: two errors pass, the third gets 421 and a close' '
	smtp_chat <<-\EOF
	< 220
	> XYZZY
	< 500
	> EHLO client.test
	< 250
	> PLUGH
	< 500
	> NOOP
	< 250
	> FROBOZZ
	< 500
	< 421 4.7.0
	expect-close
	EOF
'

test_expect_success 'bad commands pipelined: after the 421 nothing more is answered' '
	smtp_chat <<-\EOF
	< 220
	>raw XYZZY\r\nPLUGH\r\nFROBOZZ\r\nNOOP\r\nNOOP\r\n
	<< 500 500 500 421
	expect-close
	EOF
'

test_expect_success 'the error count is per connection: a new one starts afresh' '
	smtp_chat <<-\EOF
	< 220
	> XYZZY
	< 500
	> PLUGH
	< 500
	> NOOP
	< 250
	> QUIT
	< 221
	EOF
'

test_expect_success 'a NUL byte in a command: 500' '
	smtp_chat <<-\EOF
	< 220
	>raw NOOP\0x\r\n
	< 500 5.5.2
	> NOOP
	< 250
	> QUIT
	< 221
	EOF
'

test_expect_success 'a command ended by a bare LF is taken as well' '
	smtp_chat <<-\EOF
	< 220
	>raw EHLO client.test\nNOOP\n
	<< 250 250
	> QUIT
	< 221
	EOF
'

test_expect_success 'nothing was stored by all this' '
	test "$(stored_count)" = 0
'

test_expect_success 'kringd stops cleanly' '
	kringd_stop
'

test_done
