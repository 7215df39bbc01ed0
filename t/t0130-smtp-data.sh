#!/bin/sh
test_description='message data: dot-stuffing, bare LF, SMTP smuggling, 8-bit, SMTPUTF8'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-kringd.sh"
. "$TEST_DIR/lib-smtp.sh"

# chat_data ID: MAIL, RCPT, DATA, then the data lines from the file
# data.raw (smtp-chat >raw escapes), then one reply: 250.
chat_data() {
	{
		printf '< 220\n> EHLO client.test\n< 250\n'
		printf '> MAIL FROM:<anna@example.net>\n< 250\n'
		printf '> RCPT TO:<kring@example.org>\n< 250\n> DATA\n< 354\n>raw '
		cat data.raw
		printf '\n< 250\n> QUIT\n< 221\n'
	} >chat.script &&
	smtp_chat <chat.script
}

test_expect_success 'kringd starts' '
	kringd_start
'

test_expect_success 'dot-stuffing (RFC 5321 4.5.2): the leading dot is removed' '
	printf "%s" "Subject: dots\r\nMessage-ID: <dots@example.net>\r\n\r\n..x\r\n...\r\n..\r\n. \r\nend\r\n.\r\n" >data.raw &&
	chat_data &&
	printf "Subject: dots\r\nMessage-ID: <dots@example.net>\r\n\r\n.x\r\n..\r\n.\r\n \r\nend\r\n" >expect &&
	stored_body dots@example.net >actual &&
	test_cmp expect actual
'

test_expect_success 'a message with leading dots sent stuffed is stored as written' '
	printf "Subject: dotted lines\r\nMessage-ID: <dotted@example.net>\r\n\r\n.\r\n..\r\n.hidden\r\n. .\r\nlast\r\n" >msg &&
	printf "< 220\n> EHLO c\n< 250\n> MAIL FROM:<a@example.net>\n< 250\n> RCPT TO:<kring@example.org>\n< 250\n> DATA\n< 354\n>data msg\n< 250\n" |
	smtp_chat &&
	grep -F "\\r\\n..\\r\\n...\\r\\n..hidden\\r\\n.. .\\r\\n" chat.out &&
	stored_body dotted@example.net >actual &&
	test_cmp msg actual
'

test_expect_success 'bare LF and bare CR lines are taken and stored as sent' '
	printf "%s" "Subject: lf\nMessage-ID: <lf@example.net>\n\nline one\nline two\r\nbare\rcr\r\nmixed\n\r\n.\r\n" >data.raw &&
	chat_data &&
	printf "Subject: lf\nMessage-ID: <lf@example.net>\n\nline one\nline two\r\nbare\rcr\r\nmixed\n\r\n" >expect &&
	stored_body lf@example.net >actual &&
	test_cmp expect actual
'

# SMTP smuggling: a sender's MTA that takes only CRLF.CRLF as the end
# passes "\n.\n" through; kringd must do the same, or the rest becomes
# a second, forged message.
n=0
for case in 'LF.LF:\n.\n' 'LF.CRLF:\n.\r\n' 'CRLF.LF:\r\n.\n' 'CR.CRLF:\r.\r\n' \
	'CRLF.CR CRLF:\r\n.\r\r\n'
do
	n=$((n + 1))
	name=${case%%:*}
	sep=${case#*:}
	test_expect_success "smuggling: $name does not end the data" '
		printf "%s" "Subject: outer $n\r\nMessage-ID: <outer$n@example.net>\r\n\r\nbody$sep" >data.raw &&
		printf "%s" "MAIL FROM:<evil@example.net>\r\nRCPT TO:<kring@example.org>\r\nDATA\r\nFrom: ceo@example.org\r\nSubject: smuggled\r\nMessage-ID: <smuggled$n@example.net>\r\n\r\nforged\r\n.\r\n" >>data.raw &&
		before=$(stored_count) &&
		chat_data &&
		test "$(stored_count)" = $((before + 1)) &&
		test $(grep -c "^S: 250 2.0.0 Ok: queued" chat.out) = 1 &&
		stored_body outer$n@example.net >actual &&
		grep "^MAIL FROM:<evil@example.net>" actual &&
		grep "^Message-ID: <smuggled$n@example.net>" actual &&
		! kring show -s store smuggled$n@example.net
	'
done

test_expect_success 'smuggling: an over-long line ended by a bare LF, then .CRLF, does not end the data' '
	printf "%s" "Subject: long then dot\r\nMessage-ID: <outer-long@example.net>\r\n\r\n" >data.raw &&
	awk "BEGIN { for (i = 0; i < 9000; i++) printf \"x\" }" >>data.raw &&
	printf "%s" "\n.\r\nMAIL FROM:<evil@example.net>\r\nRCPT TO:<kring@example.org>\r\nDATA\r\nSubject: smuggled\r\nMessage-ID: <smuggled-long@example.net>\r\n\r\nforged\r\n.\r\n" >>data.raw &&
	{
		printf "< 220\n> EHLO client.test\n< 250\n"
		printf "> MAIL FROM:<anna@example.net>\n< 250\n"
		printf "> RCPT TO:<kring@example.org>\n< 250\n> DATA\n< 354\n>raw "
		cat data.raw
		printf "\n< 500 5.5.2\n> QUIT\n< 221\n"
	} >chat.script &&
	smtp_chat <chat.script &&
	! kring show -s store smuggled-long@example.net &&
	! grep "^S: 250 2.0.0 Ok: queued" chat.out
'

test_expect_success '8-bit body and header (BODY=8BITMIME) stored byte for byte' '
	printf "From: J\303\266ran <joran@example.net>\r\nSubject: caf\303\251 \351t\351\r\nMessage-ID: <8bit@example.net>\r\n\r\nK\303\244se \344 \377\376\r\n\200\201\r\n" >msg8 &&
	printf "< 220\n> EHLO c\n< 250\n> MAIL FROM:<joran@example.net> BODY=8BITMIME\n< 250\n> RCPT TO:<kring@example.org>\n< 250\n> DATA\n< 354\n>data msg8\n< 250\n" |
	smtp_chat &&
	stored_body 8bit@example.net >actual &&
	cmp msg8 actual
'

test_expect_success 'NUL bytes in the body are stored as sent' '
	printf "Subject: nul\r\nMessage-ID: <nul@example.net>\r\n\r\na\000b\r\n\000\r\n" >msg0 &&
	printf "< 220\n> EHLO c\n< 250\n> MAIL FROM:<a@example.net>\n< 250\n> RCPT TO:<kring@example.org>\n< 250\n> DATA\n< 354\n>data msg0\n< 250\n" |
	smtp_chat &&
	stored_body nul@example.net >actual &&
	cmp msg0 actual
'

test_expect_success 'SMTPUTF8: a UTF-8 sender and recipients are taken, the message kept byte for byte' '
	printf "From: J\303\266ran <j\303\266ran@ex\303\244mple.net>\r\nTo: kring+gr\303\274\303\237e@example.org\r\nSubject: gr\303\274\303\237e\r\nMessage-ID: <utf8@ex\303\244mple.net>\r\n\r\nHall\303\266\r\n" >msgu &&
	printf "< 220\n> EHLO c\n< 250\n> MAIL FROM:<j\303\266ran@ex\303\244mple.net> SMTPUTF8\n< 250\n> RCPT TO:<kring+gr\303\274\303\237e@example.org>\n< 250\n> RCPT TO:<kring@example.org>\n< 250\n> DATA\n< 354\n>data msgu\n< 250\n" |
	smtp_chat &&
	stored_body "utf8@ex$(printf "\303\244")mple.net" >actual &&
	cmp msgu actual &&
	grep "with UTF8SMTP" stored.raw
'

test_expect_success 'a UTF-8 sender without SMTPUTF8: 501, nothing begun' '
	printf "< 220\n> EHLO c\n< 250\n> MAIL FROM:<j\303\266ran@example.net>\n< 501\n> RCPT TO:<kring@example.org>\n< 503\n> QUIT\n< 221\n" |
	smtp_chat
'

test_expect_success 'a UTF-8 recipient in a transaction without SMTPUTF8: 501' '
	printf "< 220\n> EHLO c\n< 250\n> MAIL FROM:<joran@example.net>\n< 250\n> RCPT TO:<kring+gr\303\274\303\237e@example.org>\n< 501\n> RCPT TO:<kring@example.org>\n< 250\n> QUIT\n< 221\n" |
	smtp_chat
'

test_expect_success 'SMTPUTF8 takes no value: 555' '
	printf "< 220\n> EHLO c\n< 250\n> MAIL FROM:<j\303\266ran@example.net> SMTPUTF8=yes\n< 555\n> QUIT\n< 221\n" |
	smtp_chat
'

test_expect_success 'Received names the protocol: SMTP after HELO, ESMTP after EHLO' '
	printf "%s" "Subject: helo\r\nMessage-ID: <helo@example.net>\r\n\r\nx\r\n.\r\n" >data.raw &&
	printf "< 220\n> HELO old.client.test\n< 250\n> MAIL FROM:<a@example.net>\n< 250\n> RCPT TO:<kring@example.org>\n< 250\n> DATA\n< 354\n>raw " >chat.script &&
	cat data.raw >>chat.script &&
	printf "\n< 250\n" >>chat.script &&
	smtp_chat <chat.script &&
	stored_body helo@example.net >/dev/null &&
	grep "^Received: from old.client.test (\[127.0.0.1\])" stored.raw &&
	grep "with SMTP id" stored.raw &&
	stored_body dots@example.net >/dev/null &&
	grep "with ESMTP id" stored.raw
'

test_expect_success 'an empty message is refused (554) and not stored' '
	before=$(stored_count) &&
	printf "< 220\n> EHLO c\n< 250\n> MAIL FROM:<a@example.net>\n< 250\n> RCPT TO:<kring@example.org>\n< 250\n> DATA\n< 354\n>raw .\\\\r\\\\n\n< 554\n> NOOP\n< 250\n" |
	smtp_chat &&
	test "$(stored_count)" = "$before"
'

test_expect_success 'kringd stops cleanly' '
	kringd_stop
'

test_done
