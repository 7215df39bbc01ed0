#!/bin/sh
test_description='open-relay tries: kringd takes mail only for its communities

The percent hack, source routes, quoted local parts, a second @, an
address literal and foreign domains: each recipient that is not one of
a community'"'"'s own addresses is refused at RCPT with 550 5.1.1, so
nothing can be relayed through kringd; a source route in front of a
community address is ignored (RFC 5321 4.1.1.3) and the mail is kept
as a post of that community, never sent anywhere else.'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-kringd.sh"
. "$TEST_DIR/lib-smtp.sh"

test_expect_success 'setup' '
	kringd_config &&
	kringd_start
'

test_expect_success 'every relay try is 550 5.1.1 at RCPT' '
	: >script &&
	printf "< 220\n> EHLO relay.test\n< 250\n> MAIL FROM:<a@attacker.example>\n< 250\n" >>script &&
	for r in "kring%victim.example@example.org" "victim%example.org@example.org" \
		"@a.example,@b.example:victim@victim.example" "\"kring@victim.example\"@example.org" \
		"kring@victim.example@example.org" "kring@example.org@victim.example" \
		"victim@victim.example" "kring@[127.0.0.1]" "kring@example.org.victim.example" \
		"victim@example.org" "kring\\@victim.example@example.org"; do
		printf "> RCPT TO:<%s>\n< 550 5.1.1\n" "$r" >>script || return 1
	done &&
	printf "> DATA\n< 554 5.5.1\n> QUIT\n< 221\n" >>script &&
	smtp_chat <script &&
	test "$(grep -c "^S: 550 5.1.1" chat.out)" = 11
'

test_expect_success 'a source route before a community address is ignored; the mail stays a post here' '
	smtp_chat <<-\EOF &&
	< 220
	> EHLO relay.test
	< 250
	> MAIL FROM:<a@attacker.example>
	< 250
	> RCPT TO:<@relay.victim.example:kring@example.org>
	< 250
	> DATA
	< 354
	> From: a@attacker.example
	> Subject: routed
	> Message-ID: <routed@attacker.example>
	>
	> Where does this go?
	> .
	< 250
	> QUIT
	< 221
	EOF
	test "$(stored_count kring)" = 1 &&
	kring show -s store "<routed@attacker.example>" | grep -q "^Subject: routed" &&
	test -z "$(kring outbox -s store)"
'

test_expect_success 'stop' '
	kringd_stop &&
	kringd_log_clean
'

test_done
