#!/bin/sh
test_description='SMTP PIPELINING (RFC 2920): bursts in one write, replies in order'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-kringd.sh"
. "$TEST_DIR/lib-smtp.sh"

test_expect_success 'kringd starts' '
	kringd_start
'

test_expect_success 'a whole transaction in one write: replies in order, one each' '
	smtp_chat <<-\EOF &&
	< 220
	> EHLO client.test
	< 250
	>raw MAIL FROM:<anna@example.net>\r\nRCPT TO:<nobody@example.org>\r\nRCPT TO:<kring@example.org>\r\nDATA\r\nSubject: piped\r\nMessage-ID: <p1@example.net>\r\n\r\nbody one\r\n.\r\nVRFY x\r\nQUIT\r\n
	<< 250 550 250 354 250 252 221
	expect-close
	EOF
	printf "Subject: piped\r\nMessage-ID: <p1@example.net>\r\n\r\nbody one\r\n" >expect &&
	stored_body "<p1@example.net>" >actual &&
	test_cmp expect actual &&
	test "$(stored_count)" = 1
'

test_expect_success 'two messages in one connection, the second pipelined after the first dot' '
	smtp_chat <<-\EOF &&
	< 220
	> EHLO client.test
	< 250
	>raw MAIL FROM:<anna@example.net>\r\nRCPT TO:<kring@example.org>\r\nDATA\r\n
	<< 250 250 354
	>raw Subject: two-a\r\nMessage-ID: <p2a@example.net>\r\n\r\nfirst\r\n.\r\nMAIL FROM:<bert@example.net>\r\nRCPT TO:<KRING@example.org>\r\nDATA\r\nSubject: two-b\r\nMessage-ID: <p2b@example.net>\r\n\r\nsecond\r\n.\r\nQUIT\r\n
	<< 250 250 250 354 250 221
	EOF
	test $(grep -c "^S: 250 2.0.0 Ok: queued as" chat.out) = 2 &&
	printf "Subject: two-a\r\nMessage-ID: <p2a@example.net>\r\n\r\nfirst\r\n" >expect-a &&
	printf "Subject: two-b\r\nMessage-ID: <p2b@example.net>\r\n\r\nsecond\r\n" >expect-b &&
	stored_body "<p2a@example.net>" >actual-a &&
	stored_body "<p2b@example.net>" >actual-b &&
	test_cmp expect-a actual-a &&
	test_cmp expect-b actual-b &&
	grep "for <KRING@example.org>" stored.raw &&
	test "$(stored_count)" = 3
'

test_expect_success 'commands pipelined after the final dot wait for the commit, then run in order' '
	smtp_chat <<-\EOF
	< 220
	> EHLO client.test
	< 250
	> MAIL FROM:<anna@example.net>
	< 250
	> RCPT TO:<kring@example.org>
	< 250
	> DATA
	< 354
	>raw Subject: after the dot\r\nMessage-ID: <p3@example.net>\r\n\r\nx\r\n.\r\nRSET\r\nNOOP\r\nVRFY y\r\nRCPT TO:<kring@example.org>\r\nHELP\r\nQUIT\r\n
	<< 250 250 250 252 503 214 221
	expect-close
	EOF
'

test_expect_success 'a pipelined RSET after DATA content discards nothing that was committed' '
	test "$(stored_count)" = 4 &&
	stored_body p3@example.net >actual &&
	printf "Subject: after the dot\r\nMessage-ID: <p3@example.net>\r\n\r\nx\r\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'the end of data split over several writes (CR, LF, dot apart)' '
	smtp_chat <<-\EOF &&
	< 220
	> EHLO client.test
	< 250
	>raw MAIL FROM:<anna@example.net>\r\nRCPT TO:<kring@example.org>\r\nDATA\r\n
	<< 250 250 354
	>raw Subject: split\r\nMessage-ID: <p4@example.net>\r\n\r\nline\r
	wait 0.1
	>raw \n.
	wait 0.1
	>raw \r
	wait 0.1
	>raw \nNO
	wait 0.1
	>raw OP\r\n
	<< 250 250
	> QUIT
	< 221
	EOF
	printf "Subject: split\r\nMessage-ID: <p4@example.net>\r\n\r\nline\r\n" >expect &&
	stored_body p4@example.net >actual &&
	test_cmp expect actual
'

test_expect_success 'a burst of ten transactions in one write: ten 250s, ten messages' '
	i=0 && : >burst &&
	while [ $i -lt 10 ]; do
		printf "MAIL FROM:<s%d@example.net>\\\\r\\\\nRCPT TO:<kring@example.org>\\\\r\\\\nDATA\\\\r\\\\nSubject: burst %d\\\\r\\\\nMessage-ID: <burst%d@example.net>\\\\r\\\\n\\\\r\\\\nbody %d\\\\r\\\\n.\\\\r\\\\n" $i $i $i $i >>burst
		i=$((i + 1))
	done &&
	{ printf "< 220\n> EHLO client.test\n< 250\n>raw " &&
	  cat burst && printf "QUIT\\\\r\\\\n\n<< " &&
	  for i in 0 1 2 3 4 5 6 7 8 9; do printf "250 250 354 250 "; done &&
	  printf "221\n"; } >burst.chat &&
	smtp_chat <burst.chat &&
	test "$(stored_count)" = 15 &&
	for i in 0 1 2 3 4 5 6 7 8 9; do
		stored_body burst$i@example.net >actual &&
		grep "^body $i" actual || return 1
	done
'

test_expect_success 'kringd stops cleanly' '
	kringd_stop
'

test_done
