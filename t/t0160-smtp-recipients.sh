#!/bin/sh
test_description='recipients: no relaying, sub-addresses, the recipients limit'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-kringd.sh"
. "$TEST_DIR/lib-smtp.sh"

kringd_config - <<\EOF
limits {
	recipients = 2
	bad_commands = 100
}
EOF

test_expect_success 'kringd starts' '
	kringd_start
'

test_expect_success 'relay attempts to other domains: 550 5.1.1' '
	smtp_chat <<-\EOF
	< 220
	> EHLO c
	< 250
	> MAIL FROM:<a@example.net>
	< 250
	> RCPT TO:<kring@elsewhere.example>
	< 550 5.1.1
	> RCPT TO:<victim@gmail.example>
	< 550 5.1.1
	> RCPT TO:<kring@example.org.evil.example>
	< 550 5.1.1
	> RCPT TO:<kring@sub.example.org>
	< 550 5.1.1
	> RCPT TO:<kring@example.org@evil.example>
	< 550 5.1.1
	> RCPT TO:<kring@bank.example>
	< 550 5.1.1
	> DATA
	< 554|503
	> QUIT
	< 221
	EOF
'

test_expect_success 'other local parts at our domains: 550 5.1.1' '
	smtp_chat <<-\EOF
	< 220
	> EHLO c
	< 250
	> MAIL FROM:<a@example.net>
	< 250
	> RCPT TO:<other@example.org>
	< 550 5.1.1
	> RCPT TO:<kringx@example.org>
	< 550 5.1.1
	> RCPT TO:<krin@example.org>
	< 550 5.1.1
	> RCPT TO:<kring-list@example.org>
	< 550 5.1.1
	> RCPT TO:<kring%evil.example@example.org>
	< 550 5.1.1
	> RCPT TO:<leden@example.org>
	< 550 5.1.1
	> QUIT
	< 221
	EOF
'

test_expect_success 'a source route to a community address is taken for that address' '
	smtp_chat <<-\EOF
	< 220
	> EHLO c
	< 250
	> MAIL FROM:<a@example.net>
	< 250
	> RCPT TO:<@relay.example:victim@gmail.example>
	< 550 5.1.1
	> RCPT TO:<@relay.example,@other.example:kring@example.org>
	< 250
	> QUIT
	< 221
	EOF
'

test_expect_success 'sub-addresses community+anything@domain are taken, any case' '
	smtp_chat <<-\EOF
	< 220
	> EHLO c
	< 250
	> MAIL FROM:<a@example.net>
	< 250
	> RCPT TO:<kring+anything@example.org>
	< 250 2.1.5
	> RCPT TO:<KRING+Help@Example.ORG>
	< 250 2.1.5
	> RSET
	< 250
	> MAIL FROM:<a@example.net>
	< 250
	> RCPT TO:<kring+a+b@example.org>
	< 250
	> RCPT TO:<leden+unsubscribe@bank.example>
	< 250
	> QUIT
	< 221
	EOF
'

test_expect_success 'a message to a member command sub-address is taken, never stored as a post' '
	printf "Subject: sub\r\nMessage-ID: <sub@example.net>\r\n\r\nvia a sub-address\r\n" >sub &&
	smtp_chat <<-\EOF &&
	< 220
	> EHLO c
	< 250
	> MAIL FROM:<a@example.net>
	< 250
	> RCPT TO:<kring+join@example.org>
	< 250
	> DATA
	< 354
	>data sub
	< 250
	EOF
	test "$(stored_count kring)" = 0 &&
	test "$(stored_count bank)" = 0 &&
	grep "member subscribe from=<a@example.net> community=kring" kringd.log
'

test_expect_success 'recipients = 2: the third RCPT gets 452 4.5.3' '
	smtp_chat <<-\EOF
	< 220
	> EHLO c
	< 250
	> MAIL FROM:<a@example.net>
	< 250
	> RCPT TO:<kring@example.org>
	< 250
	> RCPT TO:<leden@bank.example>
	< 250
	> RCPT TO:<kring+third@example.org>
	< 452 4.5.3
	> RCPT TO:<kring+fourth@example.org>
	< 452 4.5.3
	> QUIT
	< 221
	EOF
'

test_expect_success 'refused recipients do not count towards the limit' '
	smtp_chat <<-\EOF
	< 220
	> EHLO c
	< 250
	> MAIL FROM:<a@example.net>
	< 250
	> RCPT TO:<nobody@example.org>
	< 550
	> RCPT TO:<kring@example.org>
	< 250
	> RCPT TO:<nobody@elsewhere.example>
	< 550
	> RCPT TO:<leden@bank.example>
	< 250
	> RCPT TO:<kring+x@example.org>
	< 452
	> QUIT
	< 221
	EOF
'

test_expect_success 'the limit is per transaction: after the message, two more are taken' '
	printf "Subject: limit\r\nMessage-ID: <limit@example.net>\r\n\r\ntwo recipients\r\n" >limit &&
	smtp_chat <<-\EOF &&
	< 220
	> EHLO c
	< 250
	> MAIL FROM:<a@example.net>
	< 250
	> RCPT TO:<kring@example.org>
	< 250
	> RCPT TO:<leden@bank.example>
	< 250
	> RCPT TO:<kring+3@example.org>
	< 452
	> DATA
	< 354
	>data limit
	< 250
	> MAIL FROM:<a@example.net>
	< 250
	> RCPT TO:<kring@example.org>
	< 250
	> RCPT TO:<kring+2@example.org>
	< 250
	> RSET
	< 250
	> MAIL FROM:<a@example.net>
	< 250
	> RCPT TO:<kring@example.org>
	< 250
	> RCPT TO:<kring+2@example.org>
	< 250
	> RCPT TO:<kring+3@example.org>
	< 452
	> QUIT
	< 221
	EOF
	stored_body limit@example.net --community kring >actual &&
	test_cmp limit actual &&
	stored_body limit@example.net --community bank >actual &&
	test_cmp limit actual &&
	test "$(stored_count kring)" = 1 &&
	test "$(stored_count bank)" = 1
'

test_expect_success 'kringd stops cleanly' '
	kringd_stop
'

test_done
