#!/bin/sh
test_description='the outbox: kring send, delivery by kringd into a real SMTP sink, retries, failures, kill -9'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-kringd.sh"
. "$TEST_DIR/lib-sink.sh"

kringd_config - <<\EOF
delivery {
	retry_min = 1
	retry_max = 2
	timeout = 10
}
EOF

# kring send with the test's config and store.
ksend() {
	kring send -c kring.conf -s store "$@"
}

# Wait (up to 20 s) until the outbox is empty.
outbox_wait_empty() {
	i=0
	while [ -n "$(kring outbox -s store)" ]; do
		i=$((i + 1))
		[ $i -lt 400 ] || { kring outbox -s store; return 1; }
		sleep 0.05
	done
}

# Wait (up to 20 s) until kring outbox --json matches PATTERN.
outbox_wait_for() {
	i=0
	until kring outbox -s store --json | grep -q "$1"; do
		i=$((i + 1))
		[ $i -lt 400 ] || { kring outbox -s store --json; return 1; }
		sleep 0.05
	done
}

msg() {	# msg TO SUBJECT
	printf 'From: Staff <staff@example.org>\nTo: %s\nSubject: %s\n\nDear member,\nthank you.\n' "$1" "$2"
}

test_expect_success 'kring send queues a message; kring outbox shows it' '
	msg "Anna <anna@example.net>, bert@example.net" "Thanks" | ksend >out &&
	grep "queued 1 message" out &&
	kring outbox -s store --json >queued &&
	grep "\"state\":\"queued\"" queued &&
	grep "\"return_path\":\"kring+bounce-1@example.org\"" queued &&
	grep "anna@example.net" queued && grep "bert@example.net" queued
'

test_expect_success 'kringd delivers it to the relay within seconds' '
	sink_start &&
	kringd_start -r 127.0.0.1:$SINK_PORT &&
	sink_wait_count 1 &&
	outbox_wait_empty &&
	m=$(sink_messages | head -1) &&
	sink_envelope "$m" >env &&
	grep "^MAIL FROM:<kring+bounce-1@example.org>" env &&
	grep "^RCPT TO:<anna@example.net>" env &&
	grep "^RCPT TO:<bert@example.net>" env &&
	grep "^Message-ID: <kring\.1\..*@kring.test>" "$m" &&
	grep "^Subject: Thanks" "$m" &&
	grep "outbox 1: .* 2 sent, 0 failed, 0 deferred" kringd.log
'

test_expect_success 'the delivered message has CRLF line ends and its body' '
	m=$(sink_messages | head -1) &&
	n=$(grep -c "$(printf "\r")\$" "$m") &&
	test "$n" -ge 5 &&
	grep "^thank you\." "$m"
'

test_expect_success 'an mbox of 40 queued by another process while kringd runs' '
	i=1; : >stream &&
	while [ $i -le 40 ]; do
		printf "From staff@example.org Sun Nov 22 10:00:00 2026\n" >>stream
		printf "Message-ID: <note-$i@example.org>\n" >>stream
		msg "m$i@example.net" "note $i" >>stream
		printf "\n" >>stream
		i=$((i + 1))
	done &&
	ksend <stream >out && grep "queued 40 messages" out &&
	sink_wait_count 41 &&
	outbox_wait_empty &&
	for i in 1 2 3 20 40; do
		grep -l "^Message-ID: <note-$i@example.org>" $(sink_messages) >/dev/null ||
			test_fail "note-$i not delivered"
	done
'

test_expect_success 'several messages share one connection' '
	for m in $(sink_messages); do sink_envelope "$m"; done |
		sed -n "s/^SESSION //p" | sort | uniq -c |
		awk "\$1 > 1 { shared = 1 } END { exit !shared }"
'

test_expect_success 'Bcc recipients get it, without the Bcc field' '
	printf "From: staff@example.org\nTo: a@example.net\nBcc: secret@example.net\nSubject: bcc\n\nx\n" | ksend &&
	sink_wait_count 42 &&
	m=$(sink_messages | tail -1) &&
	sink_envelope "$m" | grep "^RCPT TO:<secret@example.net>" &&
	! grep -i "^Bcc:" "$m"
'

test_expect_success 'with -t as well: the Bcc field never goes out' '
	printf "From: staff@example.org\nTo: a@example.net\nBcc: hidden@example.net\nSubject: bcc -t\n\nx\n" |
		ksend -t b@example.net &&
	sink_wait_count 43 &&
	m=$(sink_messages | tail -1) &&
	test "$(sink_envelope "$m" | grep "^RCPT TO:")" = "RCPT TO:<b@example.net>" &&
	! grep -i "^Bcc:\|hidden@" "$m"
'

test_expect_success 'stop kringd and the sink' '
	kringd_stop && sink_stop
'

test_expect_success 'a 4xx from the relay: deferred, then delivered on the retry' '
	rm -rf sink && sink_start --tempfail-first 1 &&
	kringd_start -r 127.0.0.1:$SINK_PORT &&
	msg "carla@example.net" "retry me" | ksend &&
	outbox_wait_for "\"state\":\"deferred\"" &&
	kring outbox -s store --json | grep "\"attempts\":1" &&
	kring outbox -s store --json | grep "\"last_error\":\"[^\"]*4" &&
	sink_wait_count 1 &&
	outbox_wait_empty &&
	grep "^To: carla@example.net" $(sink_messages | head -1)
'

test_expect_success 'a 5xx for one recipient: the others get it, that one failed' '
	kringd_stop && sink_stop && rm -rf sink &&
	sink_start --reject-rcpt "^bad@" &&
	kringd_start -r 127.0.0.1:$SINK_PORT &&
	msg "good@example.net, bad@example.net" "partly" | ksend &&
	sink_wait_count 1 &&
	outbox_wait_for "\"state\":\"failed\"" &&
	kring outbox -s store --json >failed &&
	grep "{\"address\":\"bad@example.net\",\"status\":\"failed\"}" failed &&
	grep "{\"address\":\"good@example.net\",\"status\":\"sent\"}" failed &&
	sink_envelope $(sink_messages | head -1) >env &&
	grep "^RCPT TO:<good@example.net>" env &&
	! grep "bad@example.net" env
'

test_expect_success 'kring outbox retry makes a failed one due again; drop removes it' '
	id=$(kring outbox -s store --json | sed -n "s/^{\"id\":\([0-9]*\),.*/\1/p" | head -1) &&
	kring outbox -s store retry "$id" | grep "due now: $id" &&
	outbox_wait_for "\"attempts\":2" &&
	kring outbox -s store drop "$id" | grep "dropped $id" &&
	test -z "$(kring outbox -s store)" &&
	status=0 && { kring outbox -s store drop "$id" 2>err || status=$?; } &&
	test $status = 65
'

test_expect_success 'relay down: deferred with the connection error, kept' '
	kringd_stop &&
	kringd_start -r 127.0.0.1:1 &&
	msg "dora@example.net" "nobody listens" | ksend &&
	outbox_wait_for "\"state\":\"deferred\"" &&
	kringd_stop
'

test_expect_success 'kill -9 during delivery, restart: all delivered, Message-IDs kept' '
	sink_stop && rm -rf sink &&
	sink_start --delay 1 &&
	for id in $(kring outbox -s store --json | sed -n "s/^{\"id\":\([0-9]*\),.*/\1/p"); do
		kring outbox -s store drop $id >/dev/null
	done &&
	i=1 && : >stream &&
	while [ $i -le 6 ]; do
		printf "From staff@example.org Sun Nov 22 10:00:00 2026\n" >>stream
		printf "Message-ID: <crash-$i@example.org>\n" >>stream
		msg "c$i@example.net" "crash $i" >>stream
		printf "\n" >>stream
		i=$((i + 1))
	done &&
	ksend <stream &&
	kringd_start -r 127.0.0.1:$SINK_PORT &&
	sink_wait_count 1 &&
	kringd_kill9 &&
	kringd_start -r 127.0.0.1:$SINK_PORT &&
	outbox_wait_empty &&
	i=1 && while [ $i -le 6 ]; do
		grep -l "^Message-ID: <crash-$i@example.org>" $(sink_messages) >/dev/null ||
			test_fail "crash-$i lost"
		i=$((i + 1))
	done &&
	kringd_stop
'

test_expect_success 'kring send refuses a message without recipients, queues nothing' '
	printf "Subject: nobody\n\nx\n" >norcpt &&
	status=0 && { ksend <norcpt 2>err || status=$?; } &&
	test $status = 65 && grep "no recipients" err &&
	test -z "$(kring outbox -s store)"
'

test_done
