#!/bin/sh
test_description='LMTP (RFC 2033): LHLO, one reply per recipient, two communities'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-kringd.sh"
. "$TEST_DIR/lib-smtp.sh"

kringd_config - <<\EOF
limits {
	message_size = 5000
}
EOF

test_expect_success 'kringd starts with an LMTP listener' '
	kringd_start &&
	test "$KRINGD_LMTP_PORT" != "$KRINGD_PORT"
'

test_expect_success 'the LMTP greeting says LMTP' '
	printf "< 220\n> QUIT\n< 221\n" | lmtp_chat &&
	grep "^S: 220 kring\.test LMTP" chat.out
'

test_expect_success 'HELO and EHLO are refused on LMTP; MAIL wants LHLO first' '
	lmtp_chat <<-\EOF
	< 220
	> HELO mta.test
	< 500
	> EHLO mta.test
	< 500
	> MAIL FROM:<a@example.net>
	< 503 LHLO
	> LHLO mta.test
	< 250
	> MAIL FROM:<a@example.net>
	< 250
	> QUIT
	< 221
	EOF
'

test_expect_success 'LHLO lists the extensions like EHLO' '
	printf "< 220\n> LHLO mta.test\n< 250\n> QUIT\n< 221\n" | lmtp_chat &&
	for ext in PIPELINING "SIZE 5000" 8BITMIME ENHANCEDSTATUSCODES SMTPUTF8
	do
		grep "^S: 250[- ]$ext\\\\r" chat.out || return 1
	done
'

test_expect_success 'LHLO is refused on the SMTP port' '
	smtp_chat <<-\EOF
	< 220
	> LHLO mta.test
	< 500
	> EHLO mta.test
	< 250
	> QUIT
	< 221
	EOF
'

printf 'From: Anna <anna@example.net>\r\nTo: kring@example.org, leden@bank.example\r\nSubject: to both\r\nMessage-ID: <both@example.net>\r\n\r\nOne message, two communities.\r\n' >both

test_expect_success 'three accepted recipients: three replies after the dot, no more' '
	lmtp_chat <<-\EOF
	< 220
	> LHLO mta.test
	< 250
	> MAIL FROM:<anna@example.net>
	< 250
	> RCPT TO:<kring@example.org>
	< 250
	> RCPT TO:<nobody@example.org>
	< 550 5.1.1
	> RCPT TO:<leden@bank.example>
	< 250
	> RCPT TO:<kring+copy@example.org>
	< 250
	> DATA
	< 354
	>data both
	<< 250 250 250
	> VRFY x
	< 252
	> QUIT
	< 221
	EOF
'

test_expect_success 'the message is stored in both communities, byte for byte' '
	stored_body both@example.net --community kring >actual &&
	test_cmp both actual &&
	stored_body both@example.net --community bank >actual &&
	test_cmp both actual &&
	grep "with LMTP id" stored.raw &&
	kring stats -s store >stats &&
	cat stats &&
	grep "^kring: 1 messages" stats &&
	grep "^bank: 1 messages" stats
'

test_expect_success 'kring threads of each community lists it' '
	kring threads -s store --community kring --json >threads &&
	grep "\"root\":\"<both@example.net>\"" threads &&
	kring threads -s store --community bank --json >threads &&
	grep "\"root\":\"<both@example.net>\"" threads
'

awk 'BEGIN {
	printf "Subject: big\r\nMessage-ID: <big@example.net>\r\n\r\n"
	for (i = 0; i < 60; i++) printf "%098d\r\n", i
}' >big

test_expect_success 'a refused message: one 552 per recipient, nothing stored' '
	test $(wc -c <big) -gt 5000 &&
	lmtp_chat <<-\EOF &&
	< 220
	> LHLO mta.test
	< 250
	> MAIL FROM:<anna@example.net>
	< 250
	> RCPT TO:<kring@example.org>
	< 250
	> RCPT TO:<leden@bank.example>
	< 250
	> DATA
	< 354
	>data big
	<< 552 552
	> VRFY x
	< 252
	> QUIT
	< 221
	EOF
	! kring show -s store big@example.net &&
	test "$(stored_count kring)" = 1 &&
	test "$(stored_count bank)" = 1
'

test_expect_success 'a pipelined LMTP transaction: replies in order' '
	lmtp_chat <<-\EOF &&
	< 220
	> LHLO mta.test
	< 250
	>raw MAIL FROM:<b@example.net>\r\nRCPT TO:<leden@bank.example>\r\nRCPT TO:<leden+x@bank.example>\r\nRCPT TO:<kring@example.org>\r\nDATA\r\nSubject: piped\r\nMessage-ID: <lmtp-piped@example.net>\r\n\r\nx\r\n.\r\nQUIT\r\n
	<< 250 250 250 250 354 250 250 250 221
	expect-close
	EOF
	test "$(stored_count kring)" = 2 &&
	test "$(stored_count bank)" = 2
'

test_expect_success 'DATA without recipients on LMTP: 554 or 503' '
	lmtp_chat <<-\EOF
	< 220
	> LHLO mta.test
	< 250
	> MAIL FROM:<a@example.net>
	< 250
	> RCPT TO:<nobody@example.org>
	< 550
	> DATA
	< 554|503
	> QUIT
	< 221
	EOF
'

test_expect_success 'kringd stops cleanly' '
	kringd_stop
'

test_done
