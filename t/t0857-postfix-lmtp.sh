#!/bin/sh
test_description='kringd behind a real Postfix, wired as conf/postfix/ says

A private Postfix instance (t/lib-postfix.sh) takes the community
domain example.org and hands it to kringd over LMTP (transport_maps,
lmtp:[127.0.0.1]:PORT), and is the relay kringd delivers through; the
members'"'"' domain example.net goes from Postfix to the SMTP sink.
Checked: a member'"'"'s post sent to Postfix reaches the other members
through Postfix; a member command works the same way; a copy to a
dead address bounces back through Postfix into kringd and is counted;
mail that Postfix took while kringd was down, across a Postfix restart,
arrives once when kringd is back.'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-kringd.sh"
. "$TEST_DIR/lib-sink.sh"
. "$TEST_DIR/lib-smtp.sh"
. "$TEST_DIR/lib-postfix.sh"

postfix_usable || test_skip_all "a private Postfix needs root and Postfix (/usr/sbin/postfix); scripts/install-deps installs it"

cat >kring.conf <<\EOF
hostname = "kring.test"
store = "store"
delivery {
	retry_min = 1
	retry_max = 2
}
community "kring" {
	address = "kring@example.org"
	description = "Kring"
}
EOF

member() {
	kring member -c kring.conf "$@" >/dev/null
}

# Poll until the sink has a mail to $1 whose Message-ID is $2 (20 s).
arrived() {
	i=0
	until grep -lx "Message-I[Dd]: <$2>.\?" $(grep -lx "RCPT TO:<$1>" "$SINK_DIR"/*.env 2>/dev/null | sed "s/\.env\$/.eml/") /dev/null 2>/dev/null | grep -q .; do
		i=$((i + 1))
		[ $i -le 400 ] || { echo "nothing to $1 with <$2>"; tail -20 "$POSTFIX_LOG"; return 1; }
		sleep 0.05
	done
}

test_expect_success 'setup: Postfix hands example.org to kringd over LMTP; kringd relays through Postfix' '
	member add ann@example.net --name Ann &&
	member add bob@example.net --name Bob &&
	member add dan@hard.example --name Dan &&
	sink_start &&
	LPORT=$(free_port) &&
	POSTFIX_LMTP_PORT=$LPORT && export POSTFIX_LMTP_PORT &&
	postfix_start "$SINK_PORT" &&
	grep -x "example.org lmtp:\[127.0.0.1\]:$LPORT" "$POSTFIX_CONF/transport" &&
	kringd_start -r 127.0.0.1:$POSTFIX_PORT -l 127.0.0.1:$LPORT/lmtp
'

test_expect_success 'a post sent to Postfix is stored by kringd and reaches the members through Postfix' '
	postfix_send ann@example.net kring@example.org "Savings rates" \
		--header "From: Ann <ann@example.net>" --header "Message-Id: <pf1@example.net>" &&
	arrived bob@example.net pf1@example.net &&
	f=$(grep -l "Message-I[Dd]: <pf1@example.net>" "$SINK_DIR"/*.eml | head -1) &&
	grep -q "^Received: from .*mx.postfix.test" "$f" &&
	test "$(stored_count)" = 1 &&
	grep -q "status=sent (250 2.0.0 Ok: queued as" "$POSTFIX_LOG" &&
	grep -q "relay=127.0.0.1\[127.0.0.1\]:$LPORT" "$POSTFIX_LOG"
'

test_expect_success 'a member command through Postfix: the answer comes back through Postfix' '
	postfix_send cleo@example.net kring+subscribe@example.org "join" &&
	i=0; until grep -lx "RCPT TO:<cleo@example.net>" "$SINK_DIR"/*.env >/dev/null 2>&1; do
		i=$((i + 1)); [ $i -le 400 ] || return 1; sleep 0.05; done &&
	f=$(grep -lx "RCPT TO:<cleo@example.net>" "$SINK_DIR"/*.env | head -1) &&
	grep -q "^Reply-To: .*kring+confirm-" "${f%.env}.eml" &&
	test "$(stored_count)" = 1
'

test_expect_success 'the copy to a dead address bounces back through Postfix and counts' '
	i=0; until grep -q ": bounce to .*: dan@hard.example: hard 5.1.1" kringd.log; do
		i=$((i + 1)); [ $i -le 400 ] || { tail -20 "$POSTFIX_LOG"; return 1; }; sleep 0.05; done &&
	kring member -c kring.conf show dan@hard.example | grep -q "bounces: score 1.0, 1 counted"
'

test_expect_success 'kringd down: Postfix keeps the post, across its own restart; it arrives once kringd is back' '
	kringd_stop &&
	postfix_send ann@example.net kring@example.org "While you were out" \
		--header "From: Ann <ann@example.net>" --header "Message-Id: <pf2@example.net>" &&
	i=0; until grep -q "<pf2@example.net>\|status=deferred" "$POSTFIX_LOG" && grep -q "status=deferred" "$POSTFIX_LOG"; do
		i=$((i + 1)); [ $i -le 400 ] || { tail -20 "$POSTFIX_LOG"; return 1; }; sleep 0.05; done &&
	postfix_restart &&
	kringd_start -r 127.0.0.1:$POSTFIX_PORT -l 127.0.0.1:$LPORT/lmtp &&
	postfix_flush &&
	arrived bob@example.net pf2@example.net &&
	test "$(stored_count)" = 2 &&
	test "$(grep -c "message-id=<pf2@example.net>" kringd.log)" = 1
'

test_expect_success 'stop' '
	kringd_stop &&
	kringd_log_clean &&
	postfix_stop &&
	sink_stop
'

test_done
