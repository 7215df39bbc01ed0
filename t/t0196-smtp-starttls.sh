#!/bin/sh
test_description='STARTTLS on the SMTP listener (RFC 3207): swaks --tls, no plaintext injection, reload, bad certificates as config errors'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-kringd.sh"
. "$TEST_DIR/lib-smtp.sh"

if ! command -v openssl >/dev/null; then
	test_skip_all 'openssl is needed to make a test certificate'
fi

# cert NAME: a self-signed certificate NAME.pem with key NAME.key.
cert() {
	openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=$1.test" \
		-keyout "$1.key" -out "$1.pem" 2>openssl.err ||
	{ cat openssl.err; return 1; }
}

test_expect_success 'setup: two certificates, and kringd with the first' '
	cert one && cert two &&
	kringd_config - <<-\EOF &&
	tls_cert_file = "one.pem"
	tls_key_file = "one.key"
	limits { timeout_command = 3 }
	EOF
	kringd -n -c kring.conf &&
	kringd_start
'

test_expect_success 'EHLO offers STARTTLS on SMTP; LHLO does not, and STARTTLS there is 502' '
	smtp_chat <<-\EOF &&
	< 220
	> EHLO c
	< 250 STARTTLS
	> QUIT
	< 221
	EOF
	lmtp_chat <<-\EOF &&
	< 220
	> LHLO c
	< 250
	> STARTTLS
	< 502 5.5.1
	> QUIT
	< 221
	EOF
	! grep STARTTLS chat.out | grep "^S: 250"
'

test_expect_success 'swaks --tls delivers; the message is stored' '
	printf "From: Anna <anna@example.net>\r\nSubject: over tls\r\nMessage-ID: <tls-1@example.net>\r\n\r\nsecret body\r\n" >msg &&
	swaks --tls --server 127.0.0.1:$KRINGD_PORT --from anna@example.net \
		--to kring@example.org --data msg >swaks.out 2>&1 ||
	{ cat swaks.out; return 1; } &&
	grep "TLS started" swaks.out &&
	grep "<~ *250 2.0.0 Ok: queued" swaks.out &&
	stored_body tls-1@example.net >actual &&
	grep "^Subject: over tls" actual && grep "^secret body" actual
'

test_expect_success 'its Received field says ESMTPS and the protocol; the log says STARTTLS' '
	kring show -s store tls-1@example.net >shown &&
	sed -n "1,/^[^ \t]*;/p" shown | sed "/^[^R \t]/,\$d" >received &&
	cat received &&
	grep "with ESMTPS id" received &&
	grep "(using TLSv1\.[23] with cipher " received &&
	grep "STARTTLS from 127.0.0.1: TLSv1" kringd.log
'

test_expect_success 'a message sent in clear says ESMTP, not ESMTPS' '
	printf "Subject: clear\r\nMessage-ID: <clear-1@example.net>\r\n\r\nx\r\n" >clear &&
	swaks --server 127.0.0.1:$KRINGD_PORT --from anna@example.net \
		--to kring@example.org --data clear >swaks.out 2>&1 &&
	kring show -s store clear-1@example.net >shown &&
	head -3 shown | grep "with ESMTP id" &&
	! head -3 shown | grep -e ESMTPS -e "using TLS"
'

test_expect_success 'a 3 MB message over TLS, pipelined, is stored byte for byte' '
	"$PYTHON" -c "
import sys
sys.stdout.write(\"From: a@example.net\r\nSubject: big\r\nMessage-ID: <tls-big@example.net>\r\n\r\n\")
for i in range(40000):
    sys.stdout.write(\"%06d %s\r\n\" % (i, \"x\" * 70))
" >big &&
	smtp_chat <<-\EOF &&
	< 220
	> EHLO c
	< 250
	> STARTTLS
	< 220
	tls
	> EHLO c
	< 250
	>raw MAIL FROM:<a@example.net>\r\nRCPT TO:<kring@example.org>\r\nDATA\r\n
	<< 250 250 354
	>data big
	< 250 2.0.0 Ok: queued
	> QUIT
	< 221
	EOF
	stored_body tls-big@example.net >actual &&
	cmp big actual
'

test_expect_success 'the certificate is the configured one (it verifies against one.pem only)' '
	smtp_chat <<-\EOF &&
	< 220
	> EHLO c
	< 250
	> STARTTLS
	< 220 2.0.0
	tls one.pem
	> EHLO c
	< 250
	> QUIT
	< 221
	EOF
	! smtp_chat <<-\EOF &&
	< 220
	> EHLO c
	< 250
	> STARTTLS
	< 220
	tls two.pem
	EOF
	grep "TLS handshake failed" chat.out
'

test_expect_success 'commands sent with STARTTLS in clear are dropped, not run under TLS' '
	smtp_chat <<-\EOF
	< 220
	> EHLO c
	< 250
	>raw STARTTLS\r\nMAIL FROM:<evil@example.net>\r\nRCPT TO:<kring@example.org>\r\n
	< 220 2.0.0 Ready to start TLS
	tls
	> EHLO c
	< 250
	> RCPT TO:<kring@example.org>
	< 503 5.5.1
	> QUIT
	< 221
	EOF
'

test_expect_success 'after TLS the client greets again; the old EHLO is forgotten' '
	smtp_chat <<-\EOF
	< 220
	> EHLO first.example
	< 250
	> STARTTLS
	< 220
	tls
	> MAIL FROM:<a@example.net>
	< 503 5.5.1 Error: send HELO/EHLO first
	> EHLO second.example
	< 250
	> QUIT
	< 221
	EOF
'

test_expect_success 'STARTTLS is refused before EHLO, with an argument, in a transaction, and twice' '
	smtp_chat <<-\EOF
	< 220
	> STARTTLS
	< 503 5.5.1
	> EHLO c
	< 250 STARTTLS
	> STARTTLS now
	< 501 5.5.4
	> MAIL FROM:<a@example.net>
	< 250
	> STARTTLS
	< 503 5.5.1 Error: MAIL transaction in progress
	> RSET
	< 250
	> STARTTLS
	< 220
	tls
	> EHLO c
	< 250
	> STARTTLS
	< 503 5.5.1 Error: TLS already active
	> QUIT
	< 221
	EOF
	! grep "^S: 250.STARTTLS" chat.out | sed -n 2p | grep .
'

test_expect_success 'EHLO under TLS no longer offers STARTTLS' '
	smtp_chat <<-\EOF &&
	< 220
	> EHLO c
	< 250
	> STARTTLS
	< 220
	tls
	> EHLO c
	< 250
	> QUIT
	< 221
	EOF
	test $(grep -c "^S: 250.STARTTLS" chat.out) = 1
'

test_expect_success 'a client that sends no TLS after the 220 is cut off; kringd goes on' '
	smtp_chat <<-\EOF &&
	< 220
	> EHLO c
	< 250
	> STARTTLS
	< 220
	> EHLO this is not a TLS ClientHello
	expect-close
	EOF
	grep "TLS handshake with 127.0.0.1: " kringd.log &&
	smtp_chat <<-\EOF
	< 220
	> QUIT
	< 221
	EOF
'

test_expect_success 'a client silent after the 220 is timed out (timeout_command)' '
	start=$(date +%s) &&
	smtp_chat -t 10 <<-\EOF &&
	< 220
	> EHLO c
	< 250
	> STARTTLS
	< 220
	expect-close
	EOF
	end=$(date +%s) &&
	test $((end - start)) -ge 2 && test $((end - start)) -le 6
'

# serves CAFILE: a new session's certificate verifies against CAFILE.
serves() {
	printf "< 220\n> EHLO c\n< 250\n> STARTTLS\n< 220\ntls %s\n> QUIT\n< 221\n" \
		"$1" | smtp_chat
}

test_expect_success 'SIGHUP with a new certificate: new sessions get it' '
	cp two.pem one.pem && cp two.key one.key &&
	kill -HUP $KRINGD_PID &&
	wait_for kringd.log "configuration reloaded" &&
	serves two.pem
'

test_expect_success 'SIGHUP with a broken certificate keeps the old one in use' '
	echo "not a certificate" >one.pem &&
	kill -HUP $KRINGD_PID &&
	wait_for kringd.log "STARTTLS keeps the old certificate" &&
	grep "kring.conf:5: tls_cert_file: .*one.pem: " kringd.log &&
	serves two.pem
'

test_expect_success 'SIGTERM while a client is in the handshake: kringd still stops at once' '
	{ smtp_chat -t 20 >held.out <<-\EOF &
	< 220
	> EHLO c
	< 250
	> STARTTLS
	< 220
	wait 15
	EOF
	} &&
	chat_pid=$! &&
	wait_for held.out "Ready to start TLS" &&
	start=$(date +%s) &&
	kringd_stop &&
	test $(($(date +%s) - start)) -le 3 &&
	kill $chat_pid 2>/dev/null; true
'

# check_config WHAT LINE...: kringd -n refuses kring.conf with exit 78
# and an error naming kring.conf:LINE and WHAT.
check_config() {
	status=0
	kringd -n -c kring.conf 2>err || status=$?
	cat err
	test "$status" = 78 && grep "kring.conf:$2: $1" err
}

# tls_conf CERT KEY: kring.conf with those two lines on lines 6 and 7.
tls_conf() {
	kringd_config - <<-EOF
	# STARTTLS
	$1
	$2
	EOF
}

test_expect_success 'a missing certificate file: config error on its line' '
	tls_conf "tls_cert_file = \"nope.pem\"" "tls_key_file = \"two.key\"" &&
	check_config "tls_cert_file: .*nope.pem: No such file or directory" 6
'

test_expect_success 'a missing key file, and a folder as certificate: config errors on their lines' '
	tls_conf "tls_cert_file = \"two.pem\"" "tls_key_file = \"nope.key\"" &&
	check_config "tls_key_file: .*nope.key: No such file" 7 &&
	mkdir adir &&
	tls_conf "tls_cert_file = \"adir\"" "tls_key_file = \"two.key\"" &&
	check_config "tls_cert_file: .*adir: not a file" 6
'

test_expect_success 'a certificate without a key, and a key without a certificate' '
	tls_conf "tls_cert_file = \"two.pem\"" "" &&
	check_config "tls_cert_file is set but tls_key_file is not" 6 &&
	tls_conf "" "tls_key_file = \"two.key\"" &&
	check_config "tls_key_file is set but tls_cert_file is not" 7
'

test_expect_success 'a file that is no PEM certificate, or no key: errors on their lines' '
	tls_conf "tls_cert_file = \"one.pem\"" "tls_key_file = \"two.key\"" &&
	check_config "tls_cert_file: .*one.pem: .*" 6 &&
	tls_conf "tls_cert_file = \"two.pem\"" "tls_key_file = \"two.pem\"" &&
	check_config "tls_key_file: .*two.pem: .*" 7
'

test_expect_success 'a key that is not the certificate'"'"'s: an error on the key'"'"'s line' '
	cert three &&
	tls_conf "tls_cert_file = \"two.pem\"" "tls_key_file = \"three.key\"" &&
	check_config "tls_key_file: .*three.key: not the key of the certificate in tls_cert_file" 7
'

test_expect_success 'kringd does not start on a bad certificate: exit 78' '
	tls_conf "tls_cert_file = \"one.pem\"" "tls_key_file = \"two.key\"" &&
	status=0 &&
	kringd -f -c kring.conf -l 127.0.0.1:0 2>err || status=$? &&
	cat err &&
	test "$status" = 78 && grep "kring.conf:6: tls_cert_file" err
'

if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
test_expect_success 'a key only root may read, and user = nobody: read before the drop' '
	cert four && chmod 600 four.key &&
	mkdir -p store-nobody && chown nobody store-nobody &&
	kringd_config - <<-\EOF &&
	tls_cert_file = "four.pem"
	tls_key_file = "four.key"
	user = "nobody"
	EOF
	kringd_start -s store-nobody &&
	grep "running as nobody" kringd.log &&
	serves four.pem &&
	kill -HUP $KRINGD_PID &&
	wait_for kringd.log "four.key: .*STARTTLS keeps the old certificate" &&
	serves four.pem &&
	kringd_stop
'
else
	test_skip 'a root-only key with a user drop' 'not root, or no user nobody'
fi

test_expect_success 'without a certificate, no STARTTLS: not offered, 502' '
	kringd_config &&
	kringd_start &&
	smtp_chat <<-\EOF &&
	< 220
	> EHLO c
	< 250
	> STARTTLS
	< 502 5.5.1
	> QUIT
	< 221
	EOF
	! grep "^S: 250.STARTTLS" chat.out &&
	kringd_stop
'

test_done
