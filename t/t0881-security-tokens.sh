#!/bin/sh
test_description='security: tokens replayed across actions, communities and addresses; a closed community stays closed

Confirm tokens of one action, community or address used for another,
a used token used again, a staff approve or reject token replayed or
turned on another applicant, a one-click unsubscribe link used at
another community or for another address: each is refused with a note
(or a 403) and changes nothing, checked with kring member show.  Then a
closed community'"'"'s posts, digest, announcement and relay addresses
reach its members only: a non-member, an applicant still waiting, a
member who left, a member of another community and a rejected applicant
get none of it, checked in the sink'"'"'s full recipient log.'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-kringd.sh"
. "$TEST_DIR/lib-sink.sh"

if ! command -v curl >/dev/null 2>&1; then
	test_skip_all 'no curl (scripts/install-deps installs it)'
fi

PART="$PYTHON $TEST_DIR/helper/mail-part.py"

cat >kring.conf <<\EOF
hostname = "kring.test"
store = "store"
web_url = "https://kring.example.org/lists"
limits {
	member_requests_per_address = 100
	member_requests_per_client = 1000
}
community "kring" { address = "kring@example.org" description = "Kring" }
community "other" { address = "other@example.org" description = "Other" }
community "club" {
	address = "club@example.org"
	description = "Club"
	policy = "closed"
	staff "anna@bank.example" {
		name = "Anna"
		roles = { "manager" }
	}
}
EOF

MSGNO=0
send() {	# send FROM TO [SUBJECT [BODY]]: fails unless 250
	[ -n "$2" ] || { echo "FAIL: send: no recipient"; return 1; }
	MSGNO=$((MSGNO + 1))
	swaks --server 127.0.0.1:"$KRINGD_PORT" --from "$1" --to "$2" \
		--header "Subject: ${3:-request}" \
		--header "Message-Id: <t$MSGNO.$$@example.net>" \
		--body "${4:-Please.}" </dev/null >swaks.out 2>&1 ||
		{ cat swaks.out; return 1; }
}

# mail_for ADDR SUBJECT-PART: the one mail of NEW to ADDR whose Subject
# has SUBJECT-PART, into MAIL.
mail_for() {
	MAIL=
	for f in $NEW; do
		grep -Fqx "RCPT TO:<$1>" "${f%.eml}.env" || continue
		$PART "$f" header:Subject | grep -qF -- "$2" || continue
		[ -z "$MAIL" ] || { echo "FAIL: two mails to $1 ($2)"; return 1; }
		MAIL=$f
	done
	[ -n "$MAIL" ] || { echo "FAIL: no mail to $1 ($2)"; return 1; }
}

says() {	# says TEXT: the text part of MAIL has TEXT
	$PART "$MAIL" text | tr -s " \n" "  " | grep -qF -- "$1" ||
		{ echo "FAIL: $MAIL does not say: $1"; $PART "$MAIL" text; return 1; }
}

reply_to() {
	$PART "$MAIL" header:Reply-To | sed "s/.*<\(.*\)>.*/\1/"
}

# state ADDR COMMUNITY: the member state (none when no record).
state() {
	kring member -c kring.conf --community "$2" --json show "$1" |
		"$PYTHON" -c 'import json, sys; print(json.load(sys.stdin)["state"])'
}

# token_of CONFIRM-ADDRESS
token_of() {
	t_=${1#*+confirm-}
	echo "${t_%@*}"
}

NOT_VALID="This confirmation address is not valid for this email address, so nothing was changed."

test_expect_success 'setup: members, the sink, kringd with its web server' '
	kring member -c kring.conf add ann@example.net --name Ann >/dev/null &&
	kring member -c kring.conf add bob@example.net --name Bob >/dev/null &&
	kring member -c kring.conf --community other add bob@example.net >/dev/null &&
	kring member -c kring.conf --community other add cleo@example.net >/dev/null &&
	kring member -c kring.conf --community club add mem@example.net --name Mem >/dev/null &&
	kring member -c kring.conf --community club add dig@example.net --mode digest >/dev/null &&
	kring member -c kring.conf --community club add left@example.net >/dev/null &&
	kring member -c kring.conf --community club remove left@example.net >/dev/null &&
	test "$(state left@example.net club)" = left &&
	sink_start &&
	kringd_start -r 127.0.0.1:$SINK_PORT -w 127.0.0.1:0 &&
	WEB_PORT=$(sed -n "s/.*listening on 127\\.0\\.0\\.1:\\([0-9]*\\) (http).*/\\1/p" \
		kringd.log | tail -1) &&
	test -n "$WEB_PORT" && W=http://127.0.0.1:$WEB_PORT
'

test_expect_success 'tokens: dan asks to join kring, ann to leave it; three apply to the club' '
	send dan@example.net kring+subscribe@example.org &&
	send ann@example.net kring+unsubscribe@example.org &&
	for who in app1 app2 app3; do
		send $who@example.net club+subscribe@example.org || return 1
	done &&
	sink_collect 5 &&
	mail_for dan@example.net "Confirm that you want to join Kring" &&
	DAN=$(reply_to) && DAN_TOK=$(token_of "$DAN") &&
	case $DAN_TOK in s*) ;; *) false ;; esac &&
	mail_for ann@example.net "Confirm that you want to leave Kring" &&
	ANN=$(reply_to) && ANN_TOK=$(token_of "$ANN") &&
	case $ANN_TOK in u*) ;; *) false ;; esac &&
	for who in app1 app2 app3; do
		mail_for $who@example.net "Confirm that you want to join Club" &&
		reply_to >confirm.$who || return 1
	done
'

test_expect_success 'a join token turned into a leave token, and the other way: refused, nothing changed' '
	send ann@example.net "kring+confirm-u${DAN_TOK#s}@example.org" &&
	send dan@example.net "kring+confirm-u${DAN_TOK#s}@example.org" &&
	send ann@example.net "kring+confirm-s${ANN_TOK#u}@example.org" &&
	sink_collect 3 &&
	test "$(for f in $NEW; do grep -l "^RCPT TO:<ann@example.net>" "${f%.eml}.env"; done | wc -l)" = 2 &&
	mail_for dan@example.net "is not valid" && says "$NOT_VALID" &&
	test "$(state ann@example.net kring)" = member &&
	test "$(state dan@example.net kring)" = none
'

test_expect_success 'a token of kring at other, and from another address: refused, nothing changed' '
	send dan@example.net "other+confirm-$DAN_TOK@example.org" &&
	send eve@example.net "$DAN" &&
	send bob@example.net "other+confirm-$ANN_TOK@example.org" &&
	sink_collect 3 &&
	mail_for dan@example.net "Other: this confirmation address is not valid" &&
	mail_for eve@example.net "Kring: this confirmation address is not valid" &&
	says "$NOT_VALID" &&
	mail_for bob@example.net "Other: this confirmation address is not valid" &&
	test "$(state dan@example.net other)" = none &&
	test "$(state dan@example.net kring)" = none &&
	test "$(state eve@example.net kring)" = none &&
	test "$(state bob@example.net other)" = member &&
	test "$(state ann@example.net kring)" = member
'

test_expect_success 'the right use works (the positive case); used again: "already used"' '
	send dan@example.net "$DAN" &&
	sink_collect 1 && mail_for dan@example.net "Welcome to Kring" &&
	test "$(state dan@example.net kring)" = member &&
	send dan@example.net "$DAN" &&
	sink_collect 1 && mail_for dan@example.net "this confirmation was already used" &&
	test "$(state dan@example.net kring)" = member
'

test_expect_success 'the club applications: each staff mail has approve and reject addresses' '
	for who in app1 app2 app3; do
		send $who@example.net "$(cat confirm.$who)" || return 1
	done &&
	sink_collect 6 &&
	for who in app1 app2 app3; do
		test "$(state $who@example.net club)" = applied &&
		mail_for anna@bank.example "$who@example.net asks to join" &&
		tr -d "\r" <"$MAIL" | grep -o "club+approve-[0-9]*-[a-z0-9.]*@example.org" | head -1 >approve.$who &&
		tr -d "\r" <"$MAIL" | grep -o "club+reject-[0-9]*-[a-z0-9.]*@example.org" | head -1 >reject.$who &&
		test -s approve.$who && test -s reject.$who || return 1
	done
'

test_expect_success 'staff tokens: on another applicant, at another community, by a non-staff: refused' '
	a1=$(cat approve.app1) && local1=${a1%@*} && tok1=${local1##*-} &&
	id2=$(sed "s/^club+approve-\([0-9]*\)-.*/\1/" approve.app2) &&
	send anna@bank.example "club+approve-$id2-$tok1@example.org" &&
	send anna@bank.example "kring+approve-${local1#club+approve-}@example.org" &&
	send eve@example.net "$(cat approve.app2)" &&
	sink_collect 3 &&
	mail_for anna@bank.example "Club: this decision address is not valid" &&
	mail_for anna@bank.example "Kring:" &&
	mail_for eve@example.net "only staff decide" &&
	for who in app1 app2 app3; do
		test "$(state $who@example.net club)" = applied || return 1
	done
'

test_expect_success 'approve app1 (positive), reject app3; replays of either are "already decided"' '
	send anna@bank.example "$(cat approve.app1)" &&
	send anna@bank.example "$(cat reject.app3)" &&
	sink_collect 4 &&
	mail_for app1@example.net "Welcome to Club" &&
	mail_for app3@example.net "was not accepted" &&
	test "$(state app1@example.net club)" = member &&
	test "$(state app3@example.net club)" = none &&
	send anna@bank.example "$(cat approve.app1)" &&
	send anna@bank.example "$(cat reject.app1)" &&
	send anna@bank.example "$(cat approve.app3)" &&
	sink_collect 3 &&
	test "$(for f in $NEW; do $PART $f header:Subject; done | grep -c "was already decided on")" = 3 &&
	test "$(state app1@example.net club)" = member &&
	test "$(state app3@example.net club)" = none &&
	test "$(state app2@example.net club)" = applied
'

# ----------------------------------------------------- one-click links

web() {		# web URL: POST the one-click form; the status code
	curl -s -o page -w '%{http_code}' --data List-Unsubscribe=One-Click "$@"
}

test_expect_success 'one-click: a link used for another address or at another community: 403' '
	send ann@example.net kring@example.org "Links" &&
	sink_collect 2 &&
	mail_for bob@example.net "Links" &&
	p=$(tr -d "\r" <"$MAIL" | sed -n "s|.*<https://kring.example.org/lists\(/u/[^>]*\)>.*|\1|p") &&
	case $p in /u/kring/bob%40example.net/*) ;; *) false ;; esac &&
	tok=${p##*/} &&
	test "$(web "$W/u/kring/dan%40example.net/$tok")" = 403 &&
	test "$(web "$W/u/other/bob%40example.net/$tok")" = 403 &&
	test "$(web "$W/u/club/bob%40example.net/$tok")" = 403 &&
	sink_collect 0 &&
	test "$(state dan@example.net kring)" = member &&
	test "$(state bob@example.net other)" = member &&
	test "$(state bob@example.net kring)" = member &&
	test "$(web "$W$p")" = 200 &&
	sink_collect 1 && mail_for bob@example.net "You have left Kring" &&
	test "$(state bob@example.net kring)" = left &&
	test "$(state bob@example.net other)" = member
'

# --------------------------------------------- the closed community

OUTSIDERS="nm@example.net app2@example.net left@example.net cleo@example.net app3@example.net"

test_expect_success 'closed: the outsiders cannot post; a member'"'"'s post reaches the members only' '
	for who in $OUTSIDERS; do
		! send $who club@example.org "Let me in" || return 1
	done &&
	send mem@example.net club@example.org "CLUBSECRET one" "CLUBSECRET body" &&
	sink_collect 1 &&
	mail_for app1@example.net "CLUBSECRET one" &&
	RELAY=$($PART "$MAIL" rawheader:From | sed "s/.*<\(.*\)>.*/\1/") &&
	case $RELAY in club+to-*@example.org) ;; *) false ;; esac
'

test_expect_success 'closed: the relay address takes mail from members only' '
	for who in $OUTSIDERS; do
		! send $who "$RELAY" "CLUBSECRET relay" || return 1
	done &&
	send app1@example.net "$RELAY" "CLUBSECRET private" &&
	sink_collect 1 && mail_for mem@example.net "CLUBSECRET private"
'

test_expect_success 'closed: the digest and an announcement reach the members only' '
	KRING_NOW=$(date -u -d "+2 seconds" +%Y-%m-%dT%H:%M:%SZ) kring digest -c kring.conf \
		--community club --since "$(date -u -d "-1 day" +%Y-%m-%dT%H:%M:%SZ)" --send 2>digest.err &&
	grep "1 message(s) queued" digest.err &&
	printf "CLUBSECRET announcement\n" >ann.md &&
	kring announce -c kring.conf --community club --subject "CLUBSECRET news" \
		--from anna@bank.example ann.md --send >announce.out &&
	sink_collect 4 &&
	mail_for dig@example.net "digest" &&
	for who in mem dig app1; do
		mail_for $who@example.net "CLUBSECRET news" || return 1
	done
'

test_expect_success 'closed: in the whole recipient log no outsider got anything of the club'"'"'s' '
	for f in $(sink_messages); do
		if grep -q "CLUBSECRET" "$f"; then grep "^RCPT TO:" "${f%.eml}.env"; fi
	done | sort | uniq -c >club.rcpts &&
	cat club.rcpts &&
	for who in $OUTSIDERS; do
		! grep -F "<$who>" club.rcpts || return 1
	done &&
	sed "s/^ *[0-9]* //" club.rcpts | sort -u >got &&
	printf "RCPT TO:<app1@example.net>\nRCPT TO:<dig@example.net>\nRCPT TO:<mem@example.net>\n" >expect &&
	test_cmp expect got &&
	for who in $OUTSIDERS; do
		for f in $(sink_messages); do
			if grep -Fqx "RCPT TO:<$who>" "${f%.eml}.env"; then
				echo "$who $($PART $f header:Subject)"
			fi
		done
	done >outsider.mail &&
	cat outsider.mail &&
	! grep -v "^app[23]@example.net \(Confirm that you want to join Club\|Your request to join Club is with the staff\|Your request to join Club was not accepted\)$" outsider.mail &&
	! grep "CLUBSECRET" outsider.mail
'

test_expect_success 'kringd and the sink stop cleanly' '
	kringd_stop &&
	sink_stop
'

test_done
