#!/bin/sh
test_description='the SMTP sink (t/helper/sink.py, lib-sink.sh) that catches outbound mail'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-sink.sh"

"$PYTHON" -c 'import aiosmtpd' 2>/dev/null ||
	test_skip_all "no aiosmtpd for $PYTHON (apt-get install python3-aiosmtpd)"
command -v swaks >/dev/null || test_skip_all "no swaks"

# swaks_send FILE RCPTS [swaks args]: send FILE to the sink; swaks's
# transcript, with the raw bytes (-raw), goes to swaks.out.
swaks_send() {
	swaks_file=$1
	swaks_rcpts=$2
	shift 2
	swaks --server 127.0.0.1:"$SINK_PORT" --helo client.test \
		--from anna@example.net --to "$swaks_rcpts" \
		--data "@$swaks_file" -raw "$@" >swaks.out 2>&1
}

# The DATA bytes swaks put on the wire, from its -raw hex dump in
# swaks.out: everything after the 354 up to the final reply, the
# terminating dot included.
swaks_sent_data() {
	"$PYTHON" -c 'import sys
out, state = bytearray(), 0
for line in open("swaks.out", encoding="utf-8", errors="replace"):
    if state == 0 and line.startswith("<-  354"):
        state = 1
    elif state == 1 and line.startswith("  > "):
        out += bytes.fromhex(line[10:62].replace(" ", ""))
    elif state == 1 and line.startswith("<"):
        break
sys.stdout.buffer.write(out)'
}

# The envelope of message FILE with the peer port made constant.
envelope_of() {
	sink_envelope "$1" | sed 's/^PEER 127\.0\.0\.1:[0-9][0-9]*$/PEER 127.0.0.1:PORT/'
}

test_expect_success 'the sink starts: ready file, pid file, empty folder' '
	sink_start &&
	test "$SINK_PORT" -gt 0 &&
	echo "ready $SINK_PORT" >expect &&
	test_cmp expect sink.ready &&
	echo "$SINK_PID" >expect &&
	test_cmp expect sink.pid &&
	test "$SINK_DIR" = "$TRASH/sink" &&
	test "$(sink_count)" = 0 &&
	test -z "$(sink_messages)" &&
	grep "listening on 127.0.0.1:$SINK_PORT" sink.log
'

test_expect_success 'EHLO offers PIPELINING, 8BITMIME, SMTPUTF8, SIZE; no STARTTLS, no AUTH' '
	printf "< 220\n> EHLO client.test\n< 250\n> QUIT\n< 221\n" | sink_chat &&
	for ext in PIPELINING 8BITMIME SMTPUTF8 "SIZE 33554432"; do
		grep "^S: 250.$ext\\\\r\\\\n\$" chat.out || return 1
	done &&
	! grep -e STARTTLS -e AUTH chat.out
'

test_expect_success 'a message sent with swaks arrives byte for byte' '
	printf "From: Anna <anna@example.net>\r\nTo: kring@example.org\r\nSubject: byte for byte\r\nMessage-ID: <m1@example.net>\r\n\r\nplain line\r\n.leading dot\r\n.\r\n..\r\nutf-8: \303\251\342\202\254\r\n\ttab, trailing space \r\n\r\nlast\r\n" >msg1 &&
	swaks_send msg1 kring@example.org,leden@bank.example &&
	test "$(sink_count)" = 1 &&
	test "$(sink_messages)" = "$SINK_DIR/000001.eml" &&
	# swaks stuffs the dots and adds a CRLF before the terminating dot
	printf "From: Anna <anna@example.net>\r\nTo: kring@example.org\r\nSubject: byte for byte\r\nMessage-ID: <m1@example.net>\r\n\r\nplain line\r\n..leading dot\r\n..\r\n...\r\nutf-8: \303\251\342\202\254\r\n\ttab, trailing space \r\n\r\nlast\r\n\r\n.\r\n" >expect.wire &&
	swaks_sent_data >sent.wire &&
	test_cmp expect.wire sent.wire &&
	{ cat msg1 && printf "\r\n"; } >expect &&
	test_cmp expect "$SINK_DIR/000001.eml"
'

test_expect_success 'the envelope file: MAIL FROM, RCPT TO per recipient, PEER, SESSION' '
	cat >expect <<-EOF &&
	MAIL FROM:<anna@example.net>
	RCPT TO:<kring@example.org>
	RCPT TO:<leden@bank.example>
	PEER 127.0.0.1:PORT
	SESSION 2
	HELO client.test
	TLS no
	EOF
	envelope_of "$SINK_DIR/000001.eml" >actual &&
	test_cmp expect actual &&
	grep "session 2: DATA 1: 250, stored 000001.eml" sink.log
'

test_expect_success 'two messages on one connection (the second pipelined) share a SESSION' '
	printf "Subject: first of two\r\n\r\none\r\n" >msg2 &&
	printf "Subject: second of two\r\n\r\n.two\r\n" >msg3 &&
	cat >chat.script <<-EOF &&
	< 220
	> EHLO client.test
	< 250
	> MAIL FROM:<anna@example.net>
	< 250
	> RCPT TO:<kring@example.org>
	< 250
	> DATA
	< 354
	>data msg2
	< 250 000002
	>raw MAIL FROM:<> BODY=8BITMIME\r\nRCPT TO:<one@example.org>\r\nRCPT TO:<two@example.org>\r\nDATA\r\n
	<< 250 250 250 354
	>data msg3
	< 250 000003
	> QUIT
	< 221
	EOF
	sink_chat <chat.script &&
	test "$(sink_count)" = 3 &&
	test_cmp msg2 "$SINK_DIR/000002.eml" &&
	test_cmp msg3 "$SINK_DIR/000003.eml" &&
	cat >expect <<-EOF &&
	MAIL FROM:<>
	RCPT TO:<one@example.org>
	RCPT TO:<two@example.org>
	PEER 127.0.0.1:PORT
	SESSION 3
	HELO client.test
	MAIL-PARAMS BODY=8BITMIME
	TLS no
	EOF
	envelope_of "$SINK_DIR/000003.eml" >actual &&
	test_cmp expect actual &&
	s1=$(grep ^SESSION "$SINK_DIR/000001.env") &&
	s2=$(grep ^SESSION "$SINK_DIR/000002.env") &&
	s3=$(grep ^SESSION "$SINK_DIR/000003.env") &&
	test "$s2" = "$s3" &&
	test "$s1" != "$s2"
'

test_expect_success 'dot-stuffed lines are unstuffed; a bare-LF dot line does not end the data' '
	cat >chat.script <<-\EOF &&
	< 220
	> EHLO client.test
	< 250
	> MAIL FROM:<anna@example.net>
	< 250
	> RCPT TO:<kring@example.org>
	< 250
	> DATA
	< 354
	>raw Subject: dots\r\n\r\n..x\r\n...\r\n..\r\n. \r\nbare\n.\nlf\r\nend\r\n.\r\n
	< 250 000004
	EOF
	sink_chat <chat.script &&
	printf "Subject: dots\r\n\r\n.x\r\n..\r\n.\r\n \r\nbare\n.\nlf\r\nend\r\n" >expect &&
	test_cmp expect "$SINK_DIR/000004.eml"
'

test_expect_success 'SMTPUTF8: an 8-bit envelope is stored as UTF-8' '
	printf "Subject: utf8\r\n\r\nk\303\266\r\n" >msg5 &&
	# (printf, for the octal escapes: smtp-chat sends ">" lines as they are)
	printf "< 220\n> EHLO client.test\n< 250\n> MAIL FROM:<j\303\266rg@example.net> SMTPUTF8\n< 250\n" >chat.script &&
	printf "> RCPT TO:<r\303\251ception@example.org>\n< 250\n> DATA\n< 354\n>data msg5\n< 250 000005\n" >>chat.script &&
	sink_chat <chat.script &&
	test_cmp msg5 "$SINK_DIR/000005.eml" &&
	printf "MAIL FROM:<j\303\266rg@example.net>\nRCPT TO:<r\303\251ception@example.org>\n" >expect &&
	head -2 "$SINK_DIR/000005.env" >actual &&
	test_cmp expect actual &&
	grep "^MAIL-PARAMS SMTPUTF8\$" "$SINK_DIR/000005.env"
'

test_expect_success 'SIGTERM stops the sink: exit 0, files gone, port closed' '
	sink_stop &&
	! kill -0 "$SINK_PID" 2>/dev/null &&
	test ! -e sink.ready &&
	test ! -e sink.pid &&
	grep "stopped" sink.log &&
	{ sink_chat </dev/null; test $? = 2; }
'

test_expect_success 'SIGTERM with a session open closes it and still exits 0' '
	sink_start &&
	printf "< 220\n> EHLO client.test\n< 250\n> MAIL FROM:<a@example.net>\n< 250\nexpect-close\n" >chat.script &&
	{ "$PYTHON" "$TEST_DIR/helper/smtp-chat.py" 127.0.0.1:"$SINK_PORT" chat.script >chat-bg.out & chat_pid=$!; } &&
	i=0 &&
	until grep -q "^S: 250 2.1.0" chat-bg.out; do
		i=$((i + 1)) &&
		test $i -lt 200 || { cat chat-bg.out; return 1; }
		sleep 0.05
	done &&
	sink_stop &&
	wait $chat_pid &&
	cat chat-bg.out &&
	grep "^# closed by the server" chat-bg.out
'

test_expect_success 'a restart into the same folder carries on the numbering' '
	sink_start &&
	test "$(sink_count)" = 5 &&
	swaks_send msg2 kring@example.org &&
	sink_wait_count 6 &&
	test "$(sink_messages | tail -1)" = "$SINK_DIR/000006.eml" &&
	sink_stop
'

test_expect_success '--tempfail-first 1: 451 4.3.0 and nothing stored, then 250 on retry' '
	sink_start --dir tempfail --tempfail-first 1 &&
	test "$SINK_DIR" = "$TRASH/tempfail" &&
	! swaks_send msg1 kring@example.org &&
	grep "^<\*\* 451 4.3.0" swaks.out &&
	test "$(sink_count)" = 0 &&
	test -z "$(ls -A tempfail)" &&
	swaks_send msg1 kring@example.org &&
	grep "^<-  250 2.0.0 Ok: stored as 000001" swaks.out &&
	test "$(sink_count)" = 1 &&
	sink_stop
'

test_expect_success '--reject-rcpt: 550 5.1.1 for the matching recipient only' '
	sink_start --dir rcpt --reject-rcpt "^bad@" --tempfail-rcpt "^later@" &&
	swaks_send msg1 good@example.org,bad@example.org,also-bad@example.org &&
	grep "^<\*\* 550 5.1.1 <bad@example.org>" swaks.out &&
	test $(grep -c "^<\*\* " swaks.out) = 1 &&
	test $(grep -c "^<-  250 2.1.5" swaks.out) = 2 &&
	sink_messages >list &&
	test $(wc -l <list) = 1 &&
	sink_envelope "$(cat list)" | grep "^RCPT" >actual &&
	printf "RCPT TO:<good@example.org>\nRCPT TO:<also-bad@example.org>\n" >expect &&
	test_cmp expect actual
'

test_expect_success '--tempfail-rcpt: 451 4.2.0 for the matching recipient only; all refused means no DATA' '
	swaks_send msg1 later@example.org,good@example.org &&
	grep "^<\*\* 451 4.2.0 <later@example.org>" swaks.out &&
	test "$(sink_count)" = 2 &&
	sink_envelope "$(sink_messages | tail -1)" | grep "^RCPT" >actual &&
	echo "RCPT TO:<good@example.org>" >expect &&
	test_cmp expect actual &&
	! swaks_send msg1 later@example.org,bad@example.org &&
	! grep "^ -> DATA" swaks.out &&
	test "$(sink_count)" = 2 &&
	sink_stop
'

test_expect_success '--reject-data 1 --delay: 554 5.6.0, then 250, each final reply delayed' '
	sink_start --dir data --reject-data 1 --delay 0.3 &&
	cat >chat.script <<-EOF &&
	< 220
	> EHLO client.test
	< 250
	> MAIL FROM:<anna@example.net>
	< 250
	> RCPT TO:<kring@example.org>
	< 250
	> DATA
	< 354
	>data msg2
	< 554 5.6.0
	> MAIL FROM:<anna@example.net>
	< 250
	> RCPT TO:<kring@example.org>
	< 250
	> DATA
	< 354
	>data msg2
	< 250 000001
	EOF
	t0=$(date +%s%N) &&
	sink_chat <chat.script &&
	t1=$(date +%s%N) &&
	test $(( (t1 - t0) / 1000000 )) -ge 600 &&
	test "$(sink_count)" = 1 &&
	test_cmp msg2 "$SINK_DIR/000001.eml" &&
	grep "DATA 1: 554 (reject-data 1)" sink.log &&
	sink_stop
'

test_expect_success '--max-messages 1: the second MAIL gets 452 4.3.1' '
	sink_start --dir max --max-messages 1 &&
	swaks_send msg2 kring@example.org &&
	! swaks_send msg2 kring@example.org &&
	grep "^<\*\* 452 4.3.1" swaks.out &&
	test "$(sink_count)" = 1 &&
	sink_stop
'

if command -v openssl >/dev/null; then
	test_expect_success '--tls: STARTTLS offered and used, envelope says TLS yes' '
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
			-nodes -keyout key.pem -out cert.pem -days 2 \
			-subj /CN=sink.test 2>/dev/null &&
		sink_start --dir tls --tls cert.pem key.pem &&
		"$PYTHON" - "$SINK_PORT" msg2 <<-\EOF &&
		import smtplib, ssl, sys
		ctx = ssl.create_default_context(cafile="cert.pem")
		ctx.check_hostname = False
		s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), local_hostname="client.test")
		s.ehlo()
		assert s.has_extn("starttls"), s.esmtp_features
		s.starttls(context=ctx)
		s.ehlo()
		assert not s.has_extn("starttls"), s.esmtp_features
		assert not s.has_extn("auth"), s.esmtp_features
		s.sendmail("anna@example.net", ["kring@example.org"],
		           open(sys.argv[2], "rb").read())
		s.quit()
		EOF
		test "$(sink_count)" = 1 &&
		test_cmp msg2 "$SINK_DIR/000001.eml" &&
		grep "^TLS yes\$" "$SINK_DIR/000001.env" &&
		sink_stop
	'
else
	test_skip '--tls: STARTTLS' 'no openssl'
fi

test_expect_success 'no traceback in the sink log' '
	sink_log_clean
'

test_done
