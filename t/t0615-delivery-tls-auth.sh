#!/bin/sh
test_description='delivery with STARTTLS (if offered, required, verified) and AUTH'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-kringd.sh"
. "$TEST_DIR/lib-sink.sh"

command -v openssl >/dev/null || test_skip_all "no openssl command"

# delivery_config TLS VERIFY [extra lines]: kring.conf for this test.
delivery_config() {
	kringd_config - <<-EOF
	delivery {
		retry_min = 1
		retry_max = 1
		timeout = 10
		tls = "$1"
		tls_verify = $2
		$3
	}
	EOF
}

msg() {
	printf 'From: staff@example.org\nTo: %s\nSubject: %s\n\nHello.\n' "$1" "$2"
}

# kringd_start, after killing a kringd that a failed test left running
# (so one failure does not pile onto the next tests).
kringd_fresh() {
	if [ -n "$KRINGD_PID" ] && kill -0 "$KRINGD_PID" 2>/dev/null; then
		kringd_kill9
	fi
	kringd_start "$@"
}

outbox_wait_for() {
	i=0
	until kring outbox -s store --json | grep -q "$1"; do
		i=$((i + 1))
		[ $i -lt 400 ] || { kring outbox -s store --json; return 1; }
		sleep 0.05
	done
}

outbox_clear() {
	for id in $(kring outbox -s store --json | sed -n "s/^{\"id\":\([0-9]*\),.*/\1/p"); do
		kring outbox -s store drop "$id" >/dev/null || return 1
	done
}

test_expect_success 'a self-signed certificate for the sink' '
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=127.0.0.1" \
		-addext "subjectAltName=DNS:127.0.0.1,IP:127.0.0.1" \
		-keyout key.pem -out cert.pem 2>openssl.err
'

test_expect_success 'tls = if-offered, not verified: delivered over TLS' '
	delivery_config if-offered false &&
	sink_start --tls cert.pem key.pem &&
	kringd_fresh -r 127.0.0.1:$SINK_PORT &&
	msg a@example.net "over tls" | kring send -c kring.conf -s store &&
	sink_wait_count 1 &&
	sink_envelope $(sink_messages | tail -1) | grep "^TLS yes" &&
	kringd_stop
'

test_expect_success 'tls = required and verified: a self-signed relay is refused' '
	delivery_config required true &&
	kringd_fresh -r 127.0.0.1:$SINK_PORT &&
	msg b@example.net "not trusted" | kring send -c kring.conf -s store &&
	outbox_wait_for "\"state\":\"deferred\"" &&
	kring outbox -s store --json | grep "\"last_error\":\"[^\"]" &&
	test $(sink_count) = 1 &&
	kringd_stop
'

test_expect_success 'the same with the sink certificate as CA file: delivered' '
	outbox_clear &&
	delivery_config required true "tls_ca_file = \"$PWD/cert.pem\"" &&
	kringd_fresh -r 127.0.0.1:$SINK_PORT &&
	msg c@example.net "trusted" | kring send -c kring.conf -s store &&
	sink_wait_count 2 &&
	sink_envelope $(sink_messages | tail -1) | grep "^TLS yes" &&
	kringd_stop
'

test_expect_success 'tls = off: plain even where TLS is offered' '
	delivery_config off false &&
	kringd_fresh -r 127.0.0.1:$SINK_PORT &&
	msg d@example.net "plain" | kring send -c kring.conf -s store &&
	sink_wait_count 3 &&
	sink_envelope $(sink_messages | tail -1) | grep "^TLS no" &&
	kringd_stop &&
	# Not sink_stop: the refused handshake above left a traceback in
	# the sink log, as it should.
	kill -TERM $SINK_PID && wait $SINK_PID
'

test_expect_success 'tls = required and no STARTTLS offered: deferred, not sent in clear' '
	rm -rf sink sink.log && sink_start &&
	delivery_config required false &&
	kringd_fresh -r 127.0.0.1:$SINK_PORT &&
	msg e@example.net "must be tls" | kring send -c kring.conf -s store &&
	outbox_wait_for "\"state\":\"deferred\"" &&
	test $(sink_count) = 0 &&
	kringd_stop && sink_stop && outbox_clear
'

test_expect_success 'AUTH with the password from its file' '
	rm -rf sink sink.log && sink_start --auth kring:s3cret &&
	printf "s3cret\n" >password && chmod 600 password &&
	delivery_config off false "user = \"kring\"
		password_file = \"$PWD/password\"" &&
	kringd_fresh -r 127.0.0.1:$SINK_PORT &&
	msg f@example.net "authenticated" | kring send -c kring.conf -s store &&
	sink_wait_count 1 &&
	sink_envelope $(sink_messages | tail -1) | grep "^AUTH yes" &&
	kringd_stop
'

test_expect_success 'AUTH with a wrong password: deferred' '
	printf "wrong\n" >password &&
	kringd_fresh -r 127.0.0.1:$SINK_PORT &&
	msg g@example.net "wrong password" | kring send -c kring.conf -s store &&
	outbox_wait_for "\"state\":\"deferred\"" &&
	test $(sink_count) = 1 &&
	kringd_stop && sink_stop
'

test_done
