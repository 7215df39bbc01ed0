#!/bin/sh
test_description='closed community: the staff decide on applications by mail

A confirmed join request to a closed community is an application: the
applicant is told it is with the staff, and each staff member gets it
with an approve and a reject address (community+approve-ID-TOKEN@).
Mailing one decides; the first decision counts and a later one is told
so; a non-staff sender, a forged token or another applicant'"'"'s id
change nothing.'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-kringd.sh"
. "$TEST_DIR/lib-sink.sh"

cat >kring.conf <<\EOF
hostname = "kring.test"
store = "store"
community "leden" {
	address = "leden@bank.example"
	description = "Ledenraad"
	policy = "closed"
	staff "carla@bank.example" { name = "Carla" }
	staff "dirk@bank.example" { name = "Dirk" }
}
EOF

send() {	# send FROM TO [SUBJECT]
	swaks --server 127.0.0.1:"$KRINGD_PORT" --from "$1" --to "$2" \
		--header "Subject: ${3:-request}" --body "Please." --silent 1
}

# The newest sink message to $1 whose Subject has $2; its file name.
mail_to() {
	for f in $(sink_messages); do
		grep -q "^RCPT TO:<$1>" "${f%.eml}.env" &&
			grep -q "^Subject: .*$2" "$f" && echo "$f"
	done | tail -1
}

state_of() {
	kring member -c kring.conf --community leden --json show "$1" |
		"$PYTHON" -c 'import json, sys; print(json.load(sys.stdin)["state"])'
}

# Apply as $1: subscribe, then confirm by mailing the Reply-To.
apply() {
	n=$(sink_count) &&
	send "$1" leden+subscribe@bank.example &&
	sink_wait_count $((n + 1)) &&
	f=$(mail_to "$1" "Confirm") &&
	confirm=$(tr -d "\\r" <"$f" | sed -n "s/^Reply-To: <*\\([^>]*\\)>*$/\\1/p") &&
	test -n "$confirm" &&
	send "$1" "$confirm" "Re: confirm" &&
	sink_wait_count $((n + 4))	# a note to them, one to each staff
}

test_expect_success 'setup' '
	sink_start &&
	kringd_start -r 127.0.0.1:$SINK_PORT
'

test_expect_success 'an application: the applicant is told, each staff member gets it' '
	apply ann@example.net &&
	test "$(state_of ann@example.net)" = applied &&
	f=$(mail_to ann@example.net "is with the staff") &&
	test -n "$f" &&
	grep "Your request to join Ledenraad is with the staff" "$f" &&
	for who in carla dirk; do
		f=$(mail_to $who@bank.example "asks to join") &&
		test -n "$f" &&
		grep "^Subject: Ledenraad: ann@example.net asks to join" "$f" &&
		tr -d "\\r" <"$f" | grep -x "Auto-Submitted: auto-generated" &&
		tr -d "\\r" <"$f" | grep -x "You get this email as staff of Ledenraad." ||
			return 1
	done &&
	f=$(mail_to carla@bank.example "asks to join") &&
	tr -d "\r" <"$f" | grep -x "Hello Carla," &&
	tr -d "\\r" <"$f" | sed -n "s/^  \\(leden+approve-[0-9]*-[^@]*@bank.example\\)$/\\1/p" >approve.ann &&
	tr -d "\\r" <"$f" | sed -n "s/^  \\(leden+reject-[0-9]*-[^@]*@bank.example\\)$/\\1/p" >reject.ann &&
	test "$(wc -l <approve.ann)" -eq 1 &&
	test "$(wc -l <reject.ann)" -eq 1 &&
	f=$(mail_to dirk@bank.example "asks to join") &&
	tr -d "\\r" <"$f" | grep -x "  $(cat approve.ann)"
'

test_expect_success 'an applicant cannot post yet' '
	! swaks --server 127.0.0.1:"$KRINGD_PORT" --from ann@example.net \
		--to leden@bank.example --body "Hi" >out 2>&1 &&
	grep "550 5.7.1" out
'

test_expect_success 'a non-staff sender using the approve address changes nothing' '
	n=$(sink_count) &&
	send eve@example.net "$(cat approve.ann)" &&
	sink_wait_count $((n + 1)) &&
	f=$(mail_to eve@example.net "only staff decide") &&
	test -n "$f" &&
	grep "this address is not staff" "$f" &&
	test "$(state_of ann@example.net)" = applied
'

test_expect_success 'a forged token or another id changes nothing' '
	a=$(cat approve.ann) &&
	local=${a%@*} &&
	token=${local##*-} &&
	last=$(printf "%s" "$token" | tail -c 1) &&
	if [ "$last" = 0 ]; then other=1; else other=0; fi &&
	n=$(sink_count) &&
	send carla@bank.example "${local%?}$other@bank.example" &&
	id=$(echo "$local" | sed "s/^leden+approve-\\([0-9]*\\)-.*/\\1/") &&
	send carla@bank.example "leden+approve-$((id + 1000))-$token@bank.example" &&
	send carla@bank.example "leden+approve-x-$token@bank.example" &&
	send carla@bank.example "leden+approve-@bank.example" &&
	sink_wait_count $((n + 4)) &&
	test "$(for f in $(sink_messages); do
		grep -l "^Subject: Ledenraad: this decision address is not valid" "$f"
	done | wc -l)" -eq 4 &&
	test "$(state_of ann@example.net)" = applied
'

test_expect_success 'a staff member approves by mail: welcome, and they are told' '
	n=$(sink_count) &&
	send carla@bank.example "$(cat approve.ann)" &&
	sink_wait_count $((n + 2)) &&
	test "$(state_of ann@example.net)" = member &&
	kring member -c kring.conf --community leden --json show ann@example.net |
		grep "\"how\":\"approval\"" &&
	f=$(mail_to ann@example.net "Welcome to Ledenraad") &&
	test -n "$f" &&
	f=$(mail_to carla@bank.example "is admitted") &&
	grep "Done: ann@example.net is now a member of Ledenraad" "$f"
'

test_expect_success 'the second decision: "already decided", nothing changed' '
	n=$(sink_count) &&
	send dirk@bank.example "$(cat reject.ann)" &&
	sink_wait_count $((n + 1)) &&
	f=$(mail_to dirk@bank.example "already decided on") &&
	test -n "$f" &&
	grep "The first decision counts" "$f" &&
	test "$(state_of ann@example.net)" = member &&
	test -z "$(mail_to ann@example.net "not accepted")"
'

test_expect_success 'a reject by mail: the applicant is told' '
	apply bob@example.net &&
	f=$(mail_to dirk@bank.example "bob@example.net asks to join") &&
	reject=$(tr -d "\\r" <"$f" | sed -n "s/^  \\(leden+reject-[0-9]*-[^@]*@bank.example\\)$/\\1/p") &&
	n=$(sink_count) &&
	send dirk@bank.example "$reject" &&
	sink_wait_count $((n + 2)) &&
	f=$(mail_to bob@example.net "was not accepted") &&
	grep "did not accept your request" "$f" &&
	f=$(mail_to dirk@bank.example "is turned down") &&
	test -n "$f" &&
	test "$(state_of bob@example.net)" = none
'

test_expect_success 'the decisions are logged' '
	grep "member decide from=<carla@bank.example> community=leden: approved" kringd.log &&
	grep "member decide from=<eve@example.net> community=leden: decision refused: not staff" kringd.log
'

test_expect_success 'stop' '
	kringd_stop &&
	sink_stop
'

test_done
