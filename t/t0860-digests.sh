#!/bin/sh
test_description='member digests: who gets one, what it says, when

kring digest makes one digest a period for the members in digest mode:
a table of contents that says who wrote what (staff topics first, a
private-reply address only where the author allows it), then every
post as a message/rfc822 part of a multipart/digest.  Daily members get
the period, weekly members the week before its end on digest_weekday
(here Tuesday).  A local community'"'"'s member gets the local posts and
the central ones, each under its heading.  The posts are imported with
their dates; kringd runs the digest on a schedule, catches up after
downtime and never sends a period twice.'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-kringd.sh"
. "$TEST_DIR/lib-sink.sh"

cat >kring.conf <<\EOF
hostname = "kring.test"
store = "store"
web_url = "https://kring.example.org/lists"
community "kring" {
	address = "kring@example.org"
	description = "Kring"
	digest_weekday = "Tue"
	staff "carla@example.org" {
		name = "Carla"
		roles = { "manager", "owner" }
	}
}
community "noord" {
	address = "noord@example.org"
	description = "Kring Noord"
	parent = "kring"
}
schedule digest {
	every = "1 day"
	at = "07:00"
}
EOF

# msg FILE COMMUNITY FROM DATE SUBJECT [MESSAGE-ID]: import one post.
msg() {
	printf "From: %s\nTo: %s@example.org\nSubject: %s\nDate: %s\nMessage-ID: <%s@t>\n\nAbout %s.\n" \
		"$3" "$2" "$5" "$4" "${6:-$(echo "$5" | tr -c a-zA-Z0-9 -)}" "$5" >"$1" &&
	kring import -c kring.conf --community "$2" "$1" >/dev/null
}

member() {
	kring member -c kring.conf "$@" >/dev/null
}

# digest SINCE UNTIL [ARGS]: a preview into digest.mbox.
digest() {
	since_=$1 until_=$2 && shift 2 &&
	KRING_NOW=$until_ kring digest -c kring.conf --since "$since_" --until "$until_" "$@" >digest.mbox 2>digest.err
}

part() {
	/usr/bin/python3 "$TEST_DIR/helper/mail-part.py" "$@"
}

# The digest in digest.mbox to $1: its number (1-based), or nothing.
nth_to() {
	n=$(part digest.mbox count) && i=1
	while [ $i -le "$n" ]; do
		part digest.mbox $i header:To | grep -qx "<*$1>*" && { echo $i; return 0; }
		i=$((i + 1))
	done
	return 1
}

test_expect_success 'setup: members in each mode, posts of a week' '
	member add ann@example.net --name Ann --mode digest &&
	member add bob@example.net --name Bob --mode digest &&
	member set bob@example.net weekly_digest=yes &&
	member add cy@example.net --name Cy --mode each &&
	member add dee@example.net --name Dee --mode nomail &&
	member add gus@example.net --name Gus --mode digest &&
	member set gus@example.net address_public=yes &&
	member --community noord add fay@example.net --name Fay --mode digest &&
	msg m0.eml kring "Gus <gus@example.net>" "Mon, 30 Nov 2026 10:00:00 +0000" "Week start" &&
	msg m1.eml kring "Ann <ann@example.net>" "Thu, 03 Dec 2026 09:00:00 +0000" "Fees question" &&
	msg m2.eml kring "Gus <gus@example.net>" "Thu, 03 Dec 2026 11:00:00 +0000" "Re: Fees question" &&
	msg m3.eml noord "Fay <fay@example.net>" "Thu, 03 Dec 2026 13:00:00 +0000" "Local meetup" &&
	printf "What do you think of the new app?\n" >q.md &&
	KRING_NOW=2026-12-03T12:00:00Z kring topic -c kring.conf new --title "The new app" \
		--owner carla@example.org --body q.md >/dev/null
'

test_expect_success 'a daily digest goes to daily digest members only' '
	digest 2026-12-03T07:00:00Z 2026-12-04T07:00:00Z &&
	test "$(part digest.mbox count)" = 2 &&
	nth_to ann@example.net >/dev/null && nth_to gus@example.net >/dev/null &&
	! nth_to bob@example.net && ! nth_to cy@example.net && ! nth_to dee@example.net &&
	! nth_to fay@example.net &&
	grep -q "2 message(s) previewed for 2026-12-03 to 2026-12-04 (nothing sent" digest.err
'

test_expect_success 'its structure: the contents, then each post as message/rfc822' '
	i=$(nth_to ann@example.net) &&
	part digest.mbox $i structure >structure &&
	printf "%s\n" multipart/mixed "  multipart/alternative" "    text/plain" "    text/html" \
		"  multipart/digest" "    message/rfc822" "      multipart/alternative" \
		"        text/plain" "        text/html" "    message/rfc822" "      text/plain" \
		"    message/rfc822" "      text/plain" >expect &&
	test_cmp expect structure &&
	part digest.mbox $i header:Subject | grep -qx "Kring daily digest, 2026-12-04: 3 posts" &&
	part digest.mbox $i header:Auto-Submitted | grep -qx auto-generated
'

test_expect_success 'who wrote what: staff topics first, the address only where allowed, else a relay address' '
	i=$(nth_to ann@example.net) &&
	part digest.mbox $i text >toc &&
	sed -n "/^QUESTIONS FROM THE STAFF/,/^POSTS/p" toc | grep -q "^1. The new app$" &&
	grep -A1 "^1. The new app$" toc | grep -q "by Carla (staff), 2026-12-03 12:00" &&
	grep -A2 "^1. The new app$" toc | grep -q "to Carla alone: carla@example.org" &&
	grep -A1 "^2. Fees question$" toc | grep -q "by Ann, 2026-12-03 09:00" &&
	relay=$(grep -A2 "^2. Fees question$" toc | sed -n "s/^ *to Ann alone: //p") &&
	"$PYTHON" "$TEST_DIR/helper/relay.py" check store kring "$relay" &&
	! grep -q "ann@example.net" toc &&
	part digest.mbox $i html | grep -q "href=\"mailto:$relay\"" &&
	part digest.mbox $i rawheader:List-Unsubscribe >unsub &&
	grep -q "^<mailto:kring+unsubscribe@example.org>, <https://kring.example.org/lists/u/kring/ann%40example.net/u[0-9a-f]*\.[0-9a-f]*>$" unsub &&
	test "$(part digest.mbox $i rawheader:List-Unsubscribe-Post)" = "List-Unsubscribe=One-Click" &&
	part digest.mbox "$(nth_to gus@example.net)" raw >gus.eml &&
	grep -q "^From: Ann via Kring <$relay>" gus.eml &&
	! grep -q "ann@example.net" gus.eml &&
	grep -A2 "^3. Re: Fees question$" toc | grep -q "to Gus alone: gus@example.net" &&
	! grep -q "Week start\|Local meetup" toc &&
	grep -q "2026-12-03 to 2026-12-04: 3 posts" toc
'

test_expect_success 'the parts are the posts, in the order of the contents' '
	i=$(nth_to ann@example.net) &&
	/usr/bin/python3 - digest.mbox $i >subjects <<-\EOF &&
	import mailbox, sys
	m = list(mailbox.mbox(sys.argv[1]))[int(sys.argv[2]) - 1]
	for p in m.walk():
	    if p.get_content_type() == "message/rfc822":
	        inner = p.get_payload()[0]
	        print(inner["Subject"], "|", inner["List-Id"])
	EOF
	printf "%s\n" "The new app | \"Kring\" <kring.example.org>" \
		"Fees question | \"Kring\" <kring.example.org>" \
		"Re: Fees question | \"Kring\" <kring.example.org>" >expect &&
	test_cmp expect subjects
'

test_expect_success 'a local member gets the local posts and the central ones, headed' '
	digest 2026-12-03T07:00:00Z 2026-12-04T07:00:00Z --community noord &&
	test "$(part digest.mbox count)" = 1 &&
	i=$(nth_to fay@example.net) &&
	part digest.mbox $i text >toc.fay &&
	grep -q "^POSTS IN Kring Noord$" toc.fay &&
	grep -q "^1. Local meetup$" toc.fay &&
	grep -q "^FROM Kring (everyone.s community, kring@example.org)$" toc.fay &&
	grep -q "^2. The new app (a question from the staff)$" toc.fay &&
	grep -q "^4. Re: Fees question$" toc.fay &&
	part digest.mbox $i header:Subject | grep -q "4 posts"
'

test_expect_success 'in Dutch for a member who chose Dutch' '
	member set ann@example.net lang=nl &&
	digest 2026-12-03T07:00:00Z 2026-12-04T07:00:00Z &&
	i=$(nth_to ann@example.net) &&
	part digest.mbox $i header:Subject | grep -qx "Kring dagoverzicht, 2026-12-04: 3 berichten" &&
	part digest.mbox $i text >toc.nl &&
	grep -q "^VRAGEN VAN DE MEDEWERKERS" toc.nl &&
	grep -A1 "^2. Fees question$" toc.nl | grep -q "door Ann, 2026-12-03 09:00" &&
	grep -A2 "^3. Re: Fees question$" toc.nl | grep -q "alleen aan Gus: gus@example.net" &&
	i=$(nth_to gus@example.net) &&
	part digest.mbox $i header:Subject | grep -qx "Kring daily digest, 2026-12-04: 3 posts"
'

test_expect_success 'a digest says "in the last day" of one day only, not of a catch-up over days' '
	digest 2026-12-03T07:00:00Z 2026-12-04T07:00:00Z &&
	part digest.mbox "$(nth_to gus@example.net)" text >one-day &&
	grep -qx "Here is what was written in Kring in the last day," one-day &&
	part digest.mbox "$(nth_to ann@example.net)" text >one-day.nl &&
	grep -q "^Dit is wat er het afgelopen etmaal in Kring is geschreven," one-day.nl &&
	digest 2026-12-01T07:00:00Z 2026-12-04T07:00:00Z &&
	part digest.mbox "$(nth_to gus@example.net)" text >days &&
	grep -qx "Here is what was written in Kring," days &&
	grep -q "^2026-12-01 to 2026-12-04: " days &&
	part digest.mbox "$(nth_to gus@example.net)" html | sed "s/<[^>]*>//g" | grep -q "written in Kring, 2026-12-01 to 2026-12-04" &&
	part digest.mbox "$(nth_to ann@example.net)" text >days.nl &&
	grep -q "^Dit is wat er in Kring is geschreven," days.nl &&
	! grep -q "last day\|etmaal" days days.nl
'

test_expect_success 'on the weekday the weekly member gets the week; no posts, no digest' '
	digest 2026-12-07T07:00:00Z 2026-12-08T07:00:00Z &&
	test "$(part digest.mbox count)" = 1 &&
	i=$(nth_to bob@example.net) &&
	part digest.mbox $i header:Subject | grep -qx "Kring weekly digest, 2026-12-08: 3 posts" &&
	part digest.mbox $i text | grep -q "2026-12-01 to 2026-12-08" &&
	part digest.mbox $i text | grep -qx "Here is what was written in Kring this week," &&
	! part digest.mbox $i text | grep -q "Week start"
'

test_expect_success 'sent with --send, the schedule does not send that day again; the topic reaches the each-post member' '
	sink_start &&
	KRING_NOW=2026-12-04T07:00:00Z kring digest -c kring.conf \
		--since 2026-12-03T07:00:00Z --until 2026-12-04T07:00:00Z --send 2>err &&
	grep -q "2 message(s) queued" err &&
	KRING_NOW=2026-12-04T07:00:00Z kring digest -c kring.conf --community noord \
		--since 2026-12-03T07:00:00Z --until 2026-12-04T07:00:00Z --send 2>err &&
	grep -q "1 message(s) queued" err &&
	KRING_NOW=2026-12-04T07:00:05Z+ kringd_start -r 127.0.0.1:$SINK_PORT &&
	sink_wait_count 4 &&
	sleep 2 &&
	! grep -q "schedule digest/.*: started" kringd.log &&
	test "$(sink_count)" = 4 &&
	for f in $(sink_messages); do
		if grep -qx "RCPT TO:<cy@example.net>" "${f%.eml}.env"; then
			grep -q "^Subject: The new app" "$f" || return 1
			continue
		fi
		grep -q "^MAIL FROM:<\(kring\|noord\)+bounce-m[0-9]*-0-[0-9a-f]\{10\}@example.org>" "${f%.eml}.env" || return 1
	done &&
	kringd_stop
'

test_expect_success 'after downtime the schedule catches up, one day at a time, locals too' '
	msg m4.eml kring "Ann <ann@example.net>" "Sat, 05 Dec 2026 10:00:00 +0000" "Saturday thoughts" &&
	KRING_NOW=2026-12-06T07:00:05Z+ kringd_start -r 127.0.0.1:$SINK_PORT &&
	i=0; until [ "$(grep -c "schedule digest/.*: done" kringd.log)" -ge 4 ]; do
		i=$((i + 1)); [ $i -le 400 ] || return 1; sleep 0.05; done &&
	sink_wait_count 7 &&
	grep -q "schedule digest/kring is overdue" kringd.log &&
	grep -q "schedule digest/kring: kring digest: 0 message(s) queued for 2026-12-04 to 2026-12-05" kringd.log &&
	test "$(grep -l "^Subject: .*2026-12-06: 1 \(post\|bericht\)" $(sink_messages) | wc -l)" = 3 &&
	kringd_stop &&
	KRING_NOW=2026-12-06T08:00:00Z+ kringd_start -r 127.0.0.1:$SINK_PORT &&
	sleep 2 &&
	test "$(grep -c "schedule digest/.*: started" kringd.log)" = 4 &&
	test "$(sink_count)" = 7
'

test_expect_success 'a member chooses the weekly digest by mail' '
	n=$(sink_count) &&
	swaks --server 127.0.0.1:"$KRINGD_PORT" --from cy@example.net \
		--to kring+digest-weekly@example.org --silent 1 &&
	sink_wait_count $((n + 1)) &&
	f=$(ls "$SINK_DIR"/*.eml | tail -1) &&
	part "$f" text | grep -q "Delivery *the posts together, in a weekly digest" &&
	kring member -c kring.conf --json show cy@example.net >cy.json &&
	grep -q "\"mode\":\"digest\"" cy.json &&
	grep -q "\"weekly_digest\":true" cy.json
'

test_expect_success 'stop' '
	kringd_stop &&
	sink_stop
'

test_done
