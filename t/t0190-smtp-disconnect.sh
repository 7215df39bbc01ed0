#!/bin/sh
test_description='clients that go away at any point, and many clients at once'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-kringd.sh"
. "$TEST_DIR/lib-smtp.sh"

# stored_soon ID: wait (at most 10 s) until kring show finds ID.
stored_soon() {
	i=0
	until kring show -s store "$1" >/dev/null 2>&1; do
		i=$((i + 1))
		[ $i -lt 200 ] || return 1
		sleep 0.05
	done
}

test_expect_success 'kringd starts' '
	kringd_start
'

test_expect_success 'a client gone in the middle of a command line' '
	printf "< 220\n>raw EHLO half-a-comm\n" | smtp_chat &&
	printf "< 220\n> EHLO c\n< 250\n>raw MAIL FROM:<a@exa\n" | smtp_chat &&
	kringd_alive
'

test_expect_success 'a client gone in the middle of DATA: nothing stored' '
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
	> Subject: cut
	> Message-ID: <cut@example.net>
	>
	>raw half a line
	EOF
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
	> Subject: cut
	> Message-ID: <cut@example.net>
	>
	>raw all lines but no dot\r\n
	EOF
	kringd_alive &&
	printf "< 220\n> NOOP\n< 250\n" | smtp_chat &&
	test "$(stored_count)" = 0
'

test_expect_success 'a client that sends the dot and goes without waiting: the message is stored' '
	smtp_chat <<-\EOF &&
	< 220
	> EHLO c
	< 250
	>raw MAIL FROM:<a@example.net>\r\nRCPT TO:<kring@example.org>\r\nDATA\r\n
	<< 250 250 354
	>raw Subject: hit and run\r\nMessage-ID: <gone@example.net>\r\n\r\nbye\r\n.\r\nQUIT\r\n
	EOF
	stored_soon gone@example.net &&
	kringd_alive
'

test_expect_success 'a client gone between MAIL and RCPT, and after a pipelined burst' '
	printf "< 220\n> EHLO c\n< 250\n> MAIL FROM:<a@example.net>\n< 250\n" | smtp_chat &&
	printf "< 220\n>raw EHLO c\\\\r\\\\nMAIL FROM:<a@example.net>\\\\r\\\\nRCPT TO:<kring@example.org>\\\\r\\\\nDATA\\\\r\\\\n\n" | smtp_chat &&
	kringd_alive &&
	printf "< 220\n> NOOP\n< 250\n" | smtp_chat
'

test_expect_success 'twenty SMTP and LMTP clients at once: every message 250 and stored' '
	pids= &&
	for i in 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19; do
		if [ $((i % 2)) = 0 ]; then
			port=$KRINGD_PORT hello=EHLO rcpt="<< 250 250" rcpts="RCPT TO:<kring@example.org>\\\\r\\\\n"
		else
			port=$KRINGD_LMTP_PORT hello=LHLO rcpt="<< 250 250 250" rcpts="RCPT TO:<kring@example.org>\\\\r\\\\nRCPT TO:<leden@bank.example>\\\\r\\\\n"
		fi
		printf "< 220\n> $hello c$i\n< 250\n>raw MAIL FROM:<c$i@example.net>\\\\r\\\\n${rcpts}DATA\\\\r\\\\n\n$rcpt 354\n>raw Subject: many $i\\\\r\\\\nMessage-ID: <many$i@example.net>\\\\r\\\\n\\\\r\\\\nclient $i\\\\r\\\\n.\\\\r\\\\n\n" >many.$i.script &&
		case $hello in
		LHLO) printf "<< 250 250\n> QUIT\n< 221\n" ;;
		*) printf "< 250\n> QUIT\n< 221\n" ;;
		esac >>many.$i.script || return 1
		"$PYTHON" "$SMTP_CHAT" 127.0.0.1:$port many.$i.script >many.$i.out &
		pids="$pids $!"
	done &&
	for p in $pids; do wait $p || { cat many.*.out; return 1; }; done &&
	for i in 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19; do
		stored_body many$i@example.net >actual &&
		grep "^client $i" actual || return 1
	done &&
	test "$(stored_count bank)" = 10
'

test_expect_success 'kringd stops cleanly' '
	kringd_stop
'

test_done
