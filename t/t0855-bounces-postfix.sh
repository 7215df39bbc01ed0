#!/bin/sh
test_description='real Postfix bounces, end to end

kringd delivers a post through a private Postfix instance
(t/lib-postfix.sh) to members whose domains Postfix cannot deliver to:
a user that does not exist (5.1.1), a full mailbox (5.2.2), a spam
refusal (5.7.1) and a mailbox that is away for now (4.4.1, deferred).
Postfix makes its own DSNs and sends them to the copies'"'"' signed
return paths, back into kringd, which must attribute and classify each
one: hard and soft count, the refusal is recorded, the delay warning is
not counted.'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-kringd.sh"
. "$TEST_DIR/lib-postfix.sh"

postfix_usable || test_skip_all "a private Postfix needs root and Postfix (/usr/sbin/postfix); scripts/install-deps installs it"

cat >kring.conf <<\EOF
hostname = "kring.test"
store = "store"
community "kring" {
	address = "kring@example.org"
	description = "Kring"
	staff "carla@example.org" { name = "Carla" }
}
EOF

member() {
	kring member -c kring.conf "$@"
}

# bounce_line ADDRESS: the log line of the bounce for ADDRESS, waited
# for (20 s at most).
bounce_line() {
	i=0
	until grep ": bounce to .*: $1: " kringd.log; do
		i=$((i + 1))
		[ $i -le 400 ] || { echo "no bounce for $1" >&2; tail -20 "$POSTFIX_LOG" >&2; return 1; }
		sleep 0.05
	done
}

test_expect_success 'setup: kringd relays through a private Postfix' '
	for m in dan@hard.example fay@full.example gus@spam.example hal@slow.example; do
		member add $m >/dev/null || return 1
	done &&
	KPORT=$(free_port) &&
	postfix_start "$KPORT" &&
	kringd_start -r 127.0.0.1:$POSTFIX_PORT -l 127.0.0.1:$KPORT &&
	swaks --server 127.0.0.1:"$KRINGD_PORT" --from carla@example.org \
		--to kring@example.org --header "Subject: Savings rates" \
		--header "Message-Id: <rates@t>" --body "The new rates." --silent 1
'

test_expect_success 'user unknown (5.1.1): hard, counted' '
	bounce_line dan@hard.example | grep -q "dan@hard.example: hard 5.1.1 (dsn), score 1.0 of 5$" &&
	member show dan@hard.example | grep -q "bounces: score 1.0, 1 counted, 0 policy, 0 delayed; last .* hard 5.1.1"
'

test_expect_success 'mailbox full (5.2.2): soft, counted half' '
	bounce_line fay@full.example | grep -q "fay@full.example: soft 5.2.2 (dsn), score 0.5 of 5$" &&
	member show fay@full.example | grep -q "mailbox full"
'

test_expect_success 'refused as spam (5.7.1): policy, recorded, not counted' '
	bounce_line gus@spam.example | grep -q "gus@spam.example: policy 5.7.1 (dsn), score 0.0 of 5, not counted$" &&
	member show gus@spam.example | grep -q "0 counted, 1 policy"
'

test_expect_success 'deferred (4.4.1): Postfix warns; not counted' '
	bounce_line hal@slow.example | grep -q "hal@slow.example: delayed 4.4.1 (dsn), score 0.0 of 5, not counted$" &&
	member show hal@slow.example | grep -q "0 counted, 0 policy, 1 delayed"
'

test_expect_success 'the bounces are kept apart, not posts; nobody is suspended' '
	test "$(kring threads -c kring.conf --community kring | wc -l)" = 1 &&
	! member list | grep -q SUSPENDED &&
	test "$(grep -c "stored id=[0-9]* .*community=.bounces" kringd.log)" = 4
'

test_expect_success 'stop' '
	kringd_stop &&
	postfix_stop &&
	test -z "$(postfix_master_pid)"
'

test_done
