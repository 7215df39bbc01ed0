#!/bin/sh
test_description='kring mod, and what time does to held posts

kring mod lists and shows held posts and decides on them (a preview
unless --send); kringd fans out a post the tool approved.  Undecided,
a post gets one reminder to the moderators a day before it expires,
and at expiry its sender is told (its addresses then say so, and stop
working at the end of that day); the records of decisions go after 30
days.  kringd runs on a test clock
(KRING_NOW=TIME+) restarted at later times.'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-kringd.sh"
. "$TEST_DIR/lib-sink.sh"
. "$TEST_DIR/lib-held.sh"

cat >kring.conf <<\EOF
hostname = "kring.test"
store = "store"
community "kring" {
	address = "kring@example.org"
	description = "Kring"
	hold_outside_posts = true
	hold_days = 3
	staff "carla@example.org" { name = "Carla" }
}
EOF

T0=2026-12-01T09:00:00Z

mod() {
	KRING_NOW=${NOW:-$T0} kring mod -c kring.conf "$@"
}

# The held id of the post with subject $1.
id_of() {
	mod list --all | grep "\"$1\"\$" | cut -d" " -f1
}

# start TIME: kringd on a test clock from TIME.
start() {
	KRING_NOW=$1+ kringd_start -r 127.0.0.1:$SINK_PORT
}

# log_wait_since_start PATTERN: until kringd logs it (since the last start), 20 s.
log_wait_since_start() {
	i=0
	until tail -c +$((kringd_log_offset + 1)) kringd.log | grep -q "$1"; do
		i=$((i + 1))
		[ $i -le 400 ] || { echo "not logged: $1" >&2; return 1; }
		sleep 0.05
	done
}

test_expect_success 'setup: four posts from outsiders are held' '
	kring member -c kring.conf add ann@example.net --name Ann >/dev/null &&
	sink_start &&
	start $T0 &&
	post eve@example.com "Tool one" &&
	post eve@example.com "Tool two" &&
	post eve@example.com "Tool three" &&
	post frank@example.com "Expire me" &&
	sink_wait_count 8 &&
	test "$(grep -c "held id=" kringd.log)" = 4
'

test_expect_success 'mod list: the waiting posts, why, until when' '
	mod list >list &&
	test "$(wc -l <list)" = 4 &&
	test "$(grep -c " waiting  outsider  came 2026-12-01T09:00:0[0-9]Z  expires 2026-12-04T09:00:0[0-9]Z  " list)" = 4 &&
	grep -q "eve@example.com  \"Tool two\"$" list &&
	mod --json list >list.json &&
	/usr/bin/python3 -c "
import json, sys
rows = [json.loads(l) for l in open(\"list.json\")]
assert len(rows) == 4, rows
assert all(r[\"state\"] == \"waiting\" and r[\"why\"] == \"outsider\" for r in rows)
assert [r[\"subject\"] for r in rows] == [\"Tool one\", \"Tool two\", \"Tool three\", \"Expire me\"], rows
"
'

test_expect_success 'mod show: the record, then the message as it came' '
	mod show "$(id_of "Tool one")" >show &&
	head -1 show | grep -q " waiting  outsider " &&
	grep -q "^Subject: Tool one" show &&
	grep -q "A question about savings." show &&
	! grep -q "^Received: from .* by kring.test" show
'

test_expect_success 'mod approve previews; with --send kringd sends it on' '
	id=$(id_of "Tool one") &&
	mod approve "$id" >out 2>err &&
	grep -q "preview: nothing changed" err &&
	mod list | grep -q "^$id  waiting" &&
	! stored Tool-one &&
	n=$(sink_count) &&
	mod approve "$id" --send 2>err &&
	grep -q "approved; kringd sends it to the members" err &&
	sink_wait_count $((n + 1)) &&
	test "$(count_to ann@example.net "Tool one")" = 1 &&
	stored Tool-one &&
	mod list --all | grep -q "^$id  approved  outsider .* by .*(kring mod)"
'

test_expect_success 'mod reject --reason: the sender gets the reason' '
	id=$(id_of "Tool two") &&
	mod reject "$id" --reason "Members only, please." >preview 2>err &&
	grep -q "^From " preview &&
	grep -q "^To: <*eve@example.com" preview &&
	grep -q "Members only, please." preview &&
	mod list | grep -q "^$id  waiting" &&
	n=$(sink_count) &&
	mod reject "$id" --reason "Members only, please." --send &&
	sink_wait_count $((n + 1)) &&
	grep -q "Members only, please." "$(mail_to eve@example.com "not accepted")" &&
	! stored Tool-two
'

test_expect_success 'a second decision is refused, saying the first' '
	id=$(id_of "Tool one") &&
	test_expect_code 65 mod reject "$id" --send 2>err &&
	grep -q "was approved already by" err &&
	test_expect_code 65 mod approve "$(id_of "Tool two")" 2>err &&
	grep -q "was rejected already" err
'

test_expect_success 'mod discard drops it without a word' '
	id=$(id_of "Tool three") &&
	mod discard "$id" >preview &&
	test ! -s preview &&
	mod discard "$id" --send &&
	mod list --all | grep -q "^$id  discarded" &&
	! stored Tool-three
'

test_expect_success 'bad use: no such post, not an id, wrong option, no config' '
	test_expect_code 65 mod approve 999 2>err &&
	grep -q "no held post 999" err &&
	test_expect_code 64 mod approve x1 2>err &&
	grep -q "not a held post id" err &&
	test_expect_code 64 mod approve "$(id_of "Expire me")" --reason r 2>err &&
	grep -q -- "--reason goes with reject" err &&
	test_expect_code 64 mod frob 2>err &&
	grep -q "no such command" err &&
	test_expect_code 64 kring mod -s store list 2>err &&
	grep -q "needs the config" err &&
	mod --help >help &&
	grep -q "^usage: kring mod" help &&
	mod list | grep -q "\"Expire me\"$"
'

test_expect_success 'a day and a bit later: one more post held, no reminders yet' '
	kringd_stop &&
	start 2026-12-02T12:00:00Z &&
	n=$(sink_count) &&
	post frank@example.com "Later one" &&
	sink_wait_count $((n + 2)) &&
	test "$(count_to carla@example.org "Reminder:")" = 0
'

test_expect_success 'a day before expiry the moderators get one reminder' '
	kringd_stop &&
	n=$(sink_count) &&
	start 2026-12-03T10:00:00Z &&
	log_wait_since_start "held posts of kring: 1 reminded, 0 expired" &&
	sink_wait_count $((n + 1)) &&
	r=$(mail_to carla@example.org "Reminder: .*frank@example.com") &&
	test -n "$r" &&
	test "$(count_to carla@example.org "Reminder:")" = 1 &&
	tr -d "\\r" <"$r" | grep -q "expires in$" &&
	tr -d "\\r" <"$r" | grep -q "^1 day\\.$" &&
	grep -q "Expire me" "$r" &&
	test -n "$(address_in "$r" mod-approve)" &&
	NOW=2026-12-03T10:00:00Z mod list --json | grep "Expire me" | grep -q "\"reminded\":true" &&
	NOW=2026-12-03T10:00:00Z mod list --json | grep "Later one" | grep -q "\"reminded\":false"
'

test_expect_success 'at expiry the sender is told; its addresses stop working' '
	kringd_stop &&
	n=$(sink_count) &&
	start 2026-12-04T10:00:00Z &&
	log_wait_since_start "held posts of kring: 0 reminded, 1 expired" &&
	sink_wait_count $((n + 1)) &&
	e=$(mail_to frank@example.com "has expired") && test -n "$e" &&
	grep -q "Expire me" "$e" &&
	test "$(count_to carla@example.org "Reminder:")" = 1 &&
	NOW=2026-12-04T10:00:00Z mod list --all | grep -q "\"Expire me\"$" &&
	NOW=2026-12-04T10:00:00Z mod list --all | grep "\"Expire me\"$" | grep -q "  expired  " &&
	a=$(address_in "$(mail_to carla@example.org "Reminder:")" mod-approve) &&
	n=$(sink_count) &&
	post carla@example.org "ok" "$a" &&
	sink_wait_count $((n + 1)) &&
	d=$(mail_to carla@example.org "was already decided on") &&
	grep -q "expired, unsent" "$d" &&
	! stored Expire-me
'

test_expect_success 'a post past its time expires at the next start' '
	kringd_stop &&
	n=$(sink_count) &&
	start 2026-12-05T13:00:00Z &&
	log_wait_since_start "held posts of kring: 0 reminded, 1 expired" &&
	sink_wait_count $((n + 1)) &&
	grep -q "Later one" "$(mail_to frank@example.com "has expired")" &&
	test -z "$(NOW=2026-12-05T13:00:00Z mod list)" &&
	# three held-notes and the rejection; the discard said nothing
	test "$(count_to eve@example.com .)" = 4
'

test_expect_success 'thirty days on, the records of the decisions go' '
	kringd_stop &&
	start 2027-01-10T00:00:00Z &&
	log_wait_since_start "held posts: 5 records of old decisions dropped" &&
	test -z "$(NOW=2027-01-10T00:00:00Z mod list --all)" &&
	a=$(address_in "$(mail_to carla@example.org "frank@example.com waits")" mod-approve) &&
	n=$(sink_count) &&
	post carla@example.org "ok" "$a" &&
	sink_wait_count $((n + 1)) &&
	test -n "$(mail_to carla@example.org "moderation address has expired")"
'

test_expect_success 'stop' '
	kringd_stop &&
	sink_stop
'

test_done
