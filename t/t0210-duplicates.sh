#!/bin/sh
test_description='duplicates: a Message-ID is stored once; a missing one is derived'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-kringd.sh"
. "$TEST_DIR/lib-smtp.sh"

# send FILE [RCPT]: one message over SMTP; it must get 250.
send() {
	printf "< 220\n> EHLO c\n< 250\n> MAIL FROM:<a@example.net>\n< 250\n> RCPT TO:<%s>\n< 250\n> DATA\n< 354\n>data %s\n< 250 2.0.0\n> QUIT\n< 221\n" \
		"${2:-kring@example.org}" "$1" | smtp_chat
}

printf 'From: Anna <anna@example.net>\r\nSubject: once\r\nMessage-ID: <once@example.net>\r\n\r\nThe first copy.\r\n' >once
printf 'From: Anna <anna@example.net>\r\nSubject: once, changed\r\nMessage-ID: <once@example.net>\r\n\r\nAnother text under the same Message-ID.\r\n' >once-changed
printf 'From: Bert <bert@example.net>\r\nSubject: no id\r\nDate: Sun, 22 Nov 2026 10:00:00 +0100\r\n\r\nA message without a Message-ID.\r\n' >noid
printf 'From: Bert <bert@example.net>\r\nSubject: no id\r\nDate: Sun, 22 Nov 2026 10:00:00 +0100\r\n\r\nA different body, still no Message-ID.\r\n' >noid-body
printf 'From: Bert <bert@example.net>\r\nSubject: no id, other subject\r\nDate: Sun, 22 Nov 2026 10:00:00 +0100\r\n\r\nA message without a Message-ID.\r\n' >noid-subject

test_expect_success 'kringd starts' '
	kringd_start
'

test_expect_success 'the same Message-ID twice: both 250, stored once' '
	send once &&
	send once &&
	test "$(stored_count)" = 1 &&
	grep "duplicate id=1 message-id=<once@example.net>" kringd.log
'

test_expect_success 'the same Message-ID with other content: 250, the first copy is kept' '
	send once-changed &&
	test "$(stored_count)" = 1 &&
	stored_body once@example.net >actual &&
	test_cmp once actual &&
	! kring show -s store 2
'

test_expect_success 'twice in one connection, pipelined: 250 250, stored once' '
	smtp_chat <<-\EOF &&
	< 220
	> EHLO c
	< 250
	>raw MAIL FROM:<a@example.net>\r\nRCPT TO:<kring@example.org>\r\nDATA\r\nMessage-ID: <twice@example.net>\r\n\r\nx\r\n.\r\nMAIL FROM:<a@example.net>\r\nRCPT TO:<kring@example.org>\r\nDATA\r\nMessage-ID: <twice@example.net>\r\n\r\nx\r\n.\r\nQUIT\r\n
	<< 250 250 354 250 250 250 354 250 221
	EOF
	test "$(stored_count)" = 2
'

test_expect_success 'eight clients at once with one Message-ID (one group commit): all 250, stored once' '
	printf "Subject: race\r\nMessage-ID: <race@example.net>\r\n\r\nsame\r\n" >race &&
	printf "< 220\n> EHLO c\n< 250\n> MAIL FROM:<a@example.net>\n< 250\n> RCPT TO:<kring@example.org>\n< 250\n> DATA\n< 354\n>data race\n< 250\n> QUIT\n< 221\n" >race.script &&
	pids= &&
	for i in 1 2 3 4 5 6 7 8; do
		"$PYTHON" "$SMTP_CHAT" 127.0.0.1:$KRINGD_PORT race.script >race.$i.out &
		pids="$pids $!"
	done &&
	for p in $pids; do wait $p || { cat race.*.out; return 1; }; done &&
	test "$(stored_count)" = 3 &&
	test $(grep -c "stored id=[0-9]* message-id=<race@example.net>" kringd.log) = 1 &&
	test $(grep -c "duplicate id=[0-9]* message-id=<race@example.net>" kringd.log) = 7
'

test_expect_success 'the same Message-ID in another community is stored there too' '
	send once leden@bank.example &&
	test "$(stored_count bank)" = 1 &&
	test "$(stored_count kring)" = 3 &&
	stored_body once@example.net --community bank >actual &&
	test_cmp once actual
'

test_expect_success 'no Message-ID: one is derived, and kring show finds the message by it' '
	send noid &&
	test "$(stored_count)" = 4 &&
	derived=$(sed -n "s/.* stored id=[0-9]* message-id=<\([^>]*@derived\.kring\.invalid\)>.*/\1/p" kringd.log) &&
	test $(echo "$derived" | wc -l) = 1 &&
	test -n "$derived" &&
	stored_body "<$derived>" >actual &&
	test_cmp noid actual
'

test_expect_success 'the identical message again (new Received, new queue id): the same, stored once' '
	send noid &&
	send noid &&
	test "$(stored_count)" = 4 &&
	test $(grep -c "duplicate id=[0-9]* message-id=<$derived>" kringd.log) = 2
'

test_expect_success 'a different body or subject without Message-ID is another message' '
	send noid-body &&
	test "$(stored_count)" = 5 &&
	send noid-subject &&
	test "$(stored_count)" = 6 &&
	test $(grep -c "stored id=[0-9]* message-id=<[^>]*@derived\.kring\.invalid>" kringd.log) = 3
'

# Malformed mail has no empty line after the header: then there is no
# body to tell two messages apart, but they are still different messages.
printf 'X-Note: first\r\nThis is one message, and no empty line before it.\r\n' >nosep-1
printf 'X-Note: second\r\nThis is quite another message.\r\n' >nosep-2

test_expect_success 'two different messages without Message-ID and without an empty line are both stored' '
	before=$(stored_count) &&
	send nosep-1 &&
	send nosep-2 &&
	test "$(stored_count)" = $((before + 2))
'

test_expect_success 'after a restart a duplicate is still recognised' '
	kringd_stop &&
	kringd_start &&
	n=$(stored_count) &&
	send once &&
	send noid &&
	test "$(stored_count)" = $n
'

test_expect_success 'kringd stops cleanly' '
	kringd_stop
'

test_done
