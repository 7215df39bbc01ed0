#!/bin/sh
test_description='bounces: attributed by the signed return path, classified, counted, suspending and resuming

Each member'"'"'s copy goes out with a return path that names the member
and the post, signed.  The bounces of t/data/bounces (written for these
tests in the formats of several MTAs) come back to it: a forged return
path changes nothing; delay notices and policy refusals are recorded,
not counted; hard and soft failures count, one a day, with a score that
halves every bounce_half_life_days.  At bounce_score_limit delivery is
suspended and the member told; +resume, a reply to that notice, a post
of theirs or a success notice starts it again.  kringd runs on a test
clock (KRING_NOW=TIME+), restarted a day later where days matter.'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-kringd.sh"
. "$TEST_DIR/lib-sink.sh"
. "$TEST_DIR/lib-held.sh"

SAMPLES=$TEST_DIR/data/bounces

cat >kring.conf <<\EOF
hostname = "kring.test"
store = "store"
community "kring" {
	address = "kring@example.org"
	description = "Kring"
	bounce_score_limit = 2
	bounce_half_life_days = 7
	staff "carla@example.org" { name = "Carla" }
}
EOF

T0=2026-12-01T09:00:00Z

start() {
	KRING_NOW=$1+ kringd_start -r 127.0.0.1:$SINK_PORT
}

# restart TIME: kringd again, on a clock from TIME.
restart() {
	kringd_stop && start "$1"
}

member() {
	KRING_NOW=${NOW:-$T0} kring member -c kring.conf "$@"
}

# The return path of the last copy to $1.
verp_of() {
	f=$(mails_to "$1" . | tail -1) &&
	sed -n 's/^MAIL FROM:<\([^>]*\)>.*/\1/p' "${f%.eml}.env"
}

# bounce SAMPLE VERP RCPT: the sample, filled in, to VERP from <>.
bounce() {
	sed -e "s/@@VERP@@/$2/g" -e "s/@@RCPT@@/$3/g" \
		-e "s/@@MSGID@@/copy-$$@example.org/g" "$SAMPLES/$1" >bounce.eml &&
	swaks --server 127.0.0.1:"$KRINGD_PORT" --from "<>" --to "$2" \
		--data @bounce.eml --silent 1
}

# The log's last bounce line (since the last start).
last_bounce() {
	tail -c +$((kringd_log_offset + 1)) kringd.log | grep ": bounce to " | tail -1
}

# bounce_logged N: until N bounce lines since the last start.
bounce_logged() {
	i=0
	until [ "$(tail -c +$((kringd_log_offset + 1)) kringd.log | grep -c ": bounce to ")" -ge "$1" ]; do
		i=$((i + 1))
		[ $i -le 400 ] || { echo "no bounce $1 in the log" >&2; return 1; }
		sleep 0.05
	done
}

# Until the outbox is empty (everything queued has been delivered).
outbox_drained() {
	i=0
	while [ -n "$(kring outbox -s store)" ]; do
		i=$((i + 1))
		[ $i -le 400 ] || { kring outbox -s store >&2; return 1; }
		sleep 0.05
	done
}

test_expect_success 'setup: a post reaches the members with signed return paths' '
	member add ann@example.net --name Ann >/dev/null &&
	member add bob@example.net --name Bob >/dev/null &&
	sink_start &&
	start $T0 &&
	post carla@example.org "Post one" &&
	sink_wait_count 2 &&
	ANN=$(verp_of ann@example.net) && BOB=$(verp_of bob@example.net) &&
	echo "$ANN" | grep -Eq "^kring\+bounce-m[0-9]+-[0-9]+-[0-9a-f]{10}@example\.org$" &&
	test "$ANN" != "$BOB" &&
	echo "$ANN" >ann.verp && echo "$BOB" >bob.verp
'
ANN=$(cat ann.verp 2>/dev/null)
BOB=$(cat bob.verp 2>/dev/null)

# VERP with the last digit of its MAC changed.
forge() {
	case "$1" in
	*0@*) echo "$1" | sed "s/0@/1@/" ;;
	*) echo "$1" | sed "s/[0-9a-f]@/0@/" ;;
	esac
}

test_expect_success 'a bounce to a forged return path changes nothing' '
	forged=$(forge "$ANN") &&
	test "$forged" != "$ANN" &&
	n=$(sink_count) &&
	bounce postfix-hard.eml "$forged" ann@example.net &&
	bounce postfix-hard.eml "$(echo "$ANN" | sed "s/-[0-9a-f]*@/@/")" ann@example.net &&
	bounce_logged 2 &&
	test "$(tail -c +$((kringd_log_offset + 1)) kringd.log | grep -c "return path forged: not counted")" = 2 &&
	member --json show ann@example.net | grep -q "\"bounces\":null" &&
	! kring threads -c kring.conf --community kring | grep -qi "undeliver\|returned\|failure" &&
	outbox_drained &&
	test "$(sink_count)" = "$n"
'

test_expect_success 'a delay notice is recorded, not counted' '
	bounce postfix-delayed.eml "$ANN" ann@example.net &&
	bounce_logged 3 &&
	last_bounce | grep -q "ann@example.net: delayed 4.4.1 (dsn), score 0.0 of 2" &&
	member show ann@example.net | grep -q "bounces: score 0.0, 0 counted, 0 policy, 1 delayed"
'

test_expect_success 'a policy refusal (5.7.1) is recorded, not counted' '
	bounce exchange-policy.eml "$ANN" ann@example.net &&
	bounce_logged 4 &&
	last_bounce | grep -q "ann@example.net: policy 5.7.1 (dsn), score 0.0 of 2, not counted" &&
	member show ann@example.net | grep -q "0 counted, 1 policy, 1 delayed; last .* policy 5.7.1"
'

test_expect_success 'a hard failure counts once a day' '
	bounce postfix-hard.eml "$ANN" ann@example.net &&
	bounce qmail.eml "$ANN" ann@example.net &&
	bounce_logged 6 &&
	tail -c +$((kringd_log_offset + 1)) kringd.log | grep ": bounce to " | tail -2 | head -1 |
		grep -q "ann@example.net: hard 5.1.1 (dsn), score 1.0 of 2$" &&
	last_bounce | grep -q "ann@example.net: hard 5.1.1 (text), score 1.0 of 2, not counted" &&
	member show ann@example.net | grep -q "score 1.0, 1 counted" &&
	! member show ann@example.net | grep -q SUSPENDED
'

test_expect_success 'a day later the score has decayed and counts again' '
	restart 2026-12-02T10:00:00Z &&
	bounce exim-dsn.eml "$ANN" ann@example.net &&
	bounce_logged 1 &&
	last_bounce | grep -q "ann@example.net: soft 5.2.2 (dsn), score 1.4 of 2$" &&
	! NOW=2026-12-02T10:00:00Z member show ann@example.net | grep -q SUSPENDED
'

test_expect_success 'past the limit delivery is suspended and the member told' '
	restart 2026-12-03T11:00:00Z &&
	n=$(sink_count) &&
	bounce gmail-hard.eml "$ANN" ann@example.net &&
	bounce_logged 1 &&
	last_bounce | grep -q "ann@example.net: hard 5.1.1 (dsn), score 2.3 of 2; delivery suspended" &&
	sink_wait_count $((n + 1)) &&
	note=$(mail_to ann@example.net "paused") && test -n "$note" &&
	test "$(reply_to "$note")" = kring+resume@example.org &&
	grep -q "The email account that you tried to reach does not exist" "$note" &&
	grep -q "kring+resume@example.org" "$note" &&
	NOW=2026-12-03T11:00:00Z member show ann@example.net | grep -q "SUSPENDED (bounces)" &&
	NOW=2026-12-03T11:00:00Z member --json show ann@example.net | grep -q "\"suspended\":true"
'

test_expect_success 'the staff newsletter names the suspended member' '
	KRING_NOW=2026-12-03T11:00:00Z kring newsletter -c kring.conf \
		--since 2026-11-30T00:00:00Z --until 2026-12-03T00:00:00Z >news.mbox &&
	/usr/bin/python3 "$TEST_DIR/helper/mail-part.py" news.mbox text >news.txt &&
	grep -q "^MAIL THAT DOES NOT ARRIVE" news.txt &&
	grep -q "^1 member gets no posts because mail to them bounced" news.txt &&
	grep -qx -- "- ann@example.net (since 2026-12-03, 5.1.1)" news.txt &&
	! grep -q "bob@example.net" news.txt
'

test_expect_success 'a suspended member gets no posts; the others do' '
	n=$(sink_count) &&
	post carla@example.org "Post two" &&
	sink_wait_count $((n + 1)) &&
	outbox_drained &&
	test "$(count_to bob@example.net "Post two")" = 1 &&
	test "$(count_to ann@example.net "Post two")" = 0
'

test_expect_success 'a reply to the notice (+resume) starts the mail again' '
	note=$(mail_to ann@example.net "paused") &&
	n=$(sink_count) &&
	post ann@example.net "Re: paused" "$(reply_to "$note")" "I fixed my mailbox." &&
	sink_wait_count $((n + 1)) &&
	grep -q "no longer paused" "$(mail_to ann@example.net "settings")" &&
	! NOW=2026-12-03T11:00:00Z member show ann@example.net | grep -q SUSPENDED &&
	NOW=2026-12-03T11:00:00Z member show ann@example.net | grep -q "bounces: score 0.0" &&
	post carla@example.org "Post three" &&
	sink_wait_count $((n + 3)) &&
	test "$(count_to ann@example.net "Post three")" = 1
'

test_expect_success 'suspended again, a post of the member lifts it' '
	ANN=$(verp_of ann@example.net) &&
	bounce postfix-hard.eml "$ANN" ann@example.net &&
	bounce_logged 2 &&
	last_bounce | grep -q "ann@example.net: hard 5.1.1 (dsn), score 1.0 of 2$" &&
	restart 2026-12-04T12:00:00Z &&
	bounce yahoo-text.eml "$ANN" ann@example.net &&
	bounce_logged 1 &&
	last_bounce | grep -q "score 1.9 of 2$" &&
	restart 2026-12-05T13:00:00Z &&
	n=$(sink_count) &&
	bounce postfix-multi.eml "$ANN" ann@example.net &&
	bounce_logged 1 &&
	last_bounce | grep -q "ann@example.net: hard 5.1.1 (dsn), score 2.7 of 2; delivery suspended" &&
	sink_wait_count $((n + 1)) &&
	NOW=2026-12-05T13:00:00Z member show ann@example.net | grep -q SUSPENDED &&
	post ann@example.net "Back again" &&
	sink_wait_count $((n + 2)) &&
	grep -q "ann@example.net wrote: delivery resumed" kringd.log &&
	! NOW=2026-12-05T13:00:00Z member show ann@example.net | grep -q SUSPENDED
'

test_expect_success 'with nobody suspended the newsletter has no such section' '
	KRING_NOW=2026-12-05T13:00:00Z kring newsletter -c kring.conf \
		--since 2026-11-30T00:00:00Z --until 2026-12-05T00:00:00Z >news.mbox &&
	! grep -q "DOES NOT ARRIVE\|Mail that does not arrive" news.mbox
'

test_expect_success 'a success notice clears the score; an auto-reply is no bounce' '
	bounce exim-text.eml "$BOB" bob@example.net &&
	bounce_logged 2 &&
	last_bounce | grep -q "bob@example.net: hard 5.1.1 (text), score 1.0 of 2$" &&
	bounce success-dsn.eml "$BOB" bob@example.net &&
	bounce_logged 3 &&
	last_bounce | grep -q "bob@example.net: success 2.0.0 (dsn), score 0.0 of 2" &&
	bounce vacation.eml "$BOB" bob@example.net &&
	bounce_logged 4 &&
	last_bounce | grep -q "bob@example.net: none (none), score 0.0 of 2$" &&
	NOW=2026-12-05T13:00:00Z member show bob@example.net | grep -q "1 counted, 0 policy, 0 delayed; last .* success 2.0.0"
'

test_expect_success 'the bounce of a note to one person is kept, not counted' '
	bounce postfix-hard.eml kring+bounce-1@example.org ann@example.net &&
	bounce_logged 5 &&
	last_bounce | grep -q "return path outbox: not counted" &&
	test_expect_code 0 kring member -c kring.conf resume bob@example.net >out &&
	grep -q "was not suspended" out
'

test_expect_success 'stop' '
	kringd_stop &&
	sink_stop
'

test_done
