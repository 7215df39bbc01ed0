#!/bin/sh
test_description='private replies through relay addresses, end to end

A member who keeps their address to themselves is shown to the other
members by a relay address LOCAL+to-ID-MAC@DOMAIN (in list copies and
digests).  Mail to it goes on to the member from the sender'"'"'s own
relay address, with a header that tells nothing of the sender but the
name: members only, within relays_per_sender a day, robots dropped,
never stored as a post.

The real kringd delivers into the real SMTP sink (t/helper/sink.py);
swaks (and t/helper/smtp-chat.py for whole sessions) plays the members.
Every relay address is checked apart from kring'"'"'s code with
t/helper/relay.py, from the store'"'"'s secret.  Each round of mail is
collected as exactly N new mails, counted again once the outbox and the
fan-out queue are empty, so one too many fails as well as one too few.'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-kringd.sh"
. "$TEST_DIR/lib-sink.sh"
. "$TEST_DIR/lib-smtp.sh"

cat >kring.conf <<\EOF
hostname = "kring.test"
store = "store"
delivery {
	retry_min = 1
	retry_max = 2
}
limits {
	relays_per_sender = 3
}
community "kring" {
	address = "kring@example.org"
	description = "Kring"
}
community "central" {
	address = "central@example.org"
	description = "Central"
}
community "local" {
	address = "local@example.org"
	description = "Local"
	parent = "central"
}
EOF

# --- helpers --------------------------------------------------------

# mail.py: reads the sink's mails with Python's email module.
cat >mail.py <<\EOF
import re, sys
from email import policy
from email.header import decode_header, make_header
from email.parser import BytesParser
from email.utils import getaddresses

def load(path):
    with open(path, "rb") as f:
        return BytesParser(policy=policy.compat32).parse(f)

def unfold(v):
    return re.sub(r"\r?\n(?=[ \t])", "", str(v)).strip()

def decoded(v):
    return str(make_header(decode_header(unfold(v))))

cmd, args = sys.argv[1], sys.argv[2:]
if cmd == "hdr":		# hdr FILE NAME: each value, unfolded
    for v in load(args[0]).get_all(args[1]) or []:
        print(unfold(v))
elif cmd == "addrs":		# addrs FILE NAME: "name<TAB>address", decoded
    vals = [unfold(v) for v in load(args[0]).get_all(args[1]) or []]
    for name, addr in getaddresses(vals):
        print("%s\t%s" % (decoded(name), addr))
elif cmd == "names":		# names FILE: the header field names, in order
    for k in load(args[0]).keys():
        print(k)
elif cmd == "body":		# body FILE: the body, bytes as they came
    with open(args[0], "rb") as f:
        raw = f.read()
    sys.stdout.buffer.write(raw.split(b"\r\n\r\n", 1)[1])
EOF

mail() {
	"$PYTHON" "$TRASH/mail.py" "$@"
}

relay_py() {
	"$PYTHON" "$TEST_DIR/helper/relay.py" "$@"
}

member() {
	kring member -c kring.conf "$@" >/dev/null
}

# relay_from FILE COMMUNITY: the address in FILE's From, when it is a
# genuine relay address of COMMUNITY (relay.py checks the MAC).
relay_from() {
	ra_=$(mail addrs "$1" From | cut -f2) &&
	relay_py check store "$2" "$ra_" >/dev/null &&
	echo "$ra_"
}

# The member id in relay address $2 of community $1 (fails when forged).
relay_id() {
	relay_py check store "$1" "$2"
}

# eml FILE HEADER-LINE... -- BODY-LINE...: a message with CRLF line ends
# and no line end after the last body line (swaks adds CRLF . CRLF).
eml() {
	eml_f_=$1
	shift
	: >"$eml_f_"
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		printf '%s\r\n' "$1" >>"$eml_f_"
		shift
	done
	shift
	printf '\r\n' >>"$eml_f_"
	eml_first_=true
	for eml_l_ in "$@"; do
		$eml_first_ || printf '\r\n' >>"$eml_f_"
		printf '%s' "$eml_l_" >>"$eml_f_"
		eml_first_=false
	done
}

# send ENVFROM FILE RCPT[,RCPT...]: swaks sends FILE; fails unless
# every reply was good (250).  The transcript is in swaks.out, and the
# queue id of the mail in QID.
send() {
	swaks --server 127.0.0.1:"$KRINGD_PORT" --from "$1" --to "$3" \
		--data "@$2" >swaks.out 2>&1 || { cat swaks.out; return 1; }
	QID=$(sed -n 's/.*250 2\.0\.0 Ok: queued as \([0-9A-F]*\).*/\1/p' swaks.out)
	test -n "$QID"
}

# refused ENVFROM FILE RCPT REPLY: swaks fails, and the server's reply
# line (the last error reply) is REPLY exactly.
refused() {
	refused_rc_=0
	swaks --server 127.0.0.1:"$KRINGD_PORT" --from "$1" --to "$3" \
		--data "@$2" >swaks.out 2>&1 || refused_rc_=$?
	test "$refused_rc_" -ne 0 || { cat swaks.out; test_fail "taken: $2 to $3"; return 1; }
	grep "^<\*\* " swaks.out | tail -1 >reply.got &&
	printf '<** %s\n' "$4" >reply.want &&
	test_cmp reply.want reply.got
}

# mail_to ADDR [MESSAGE-ID]: the one mail of NEW to ADDR (with that
# Message-ID); fails when there is none or more than one.
mail_to() {
	mail_to_=
	for f in $NEW; do
		grep -Fqx "RCPT TO:<$1>" "${f%.eml}.env" || continue
		if [ -n "$2" ] && [ "$(mail hdr "$f" Message-ID)" != "$2" ]; then
			continue
		fi
		[ -z "$mail_to_" ] || { echo "FAIL: two mails to $1 $2" >&2; return 1; }
		mail_to_=$f
	done
	[ -n "$mail_to_" ] || { echo "FAIL: no mail to $1 $2" >&2; return 1; }
	echo "$mail_to_"
}

# The recipients of NEW, one a line, sorted ("RCPT MESSAGE-ID").
new_rcpts() {
	for f in $NEW; do
		r_=$(sed -n 's/^RCPT TO:<\(.*\)>$/\1/p' "${f%.eml}.env") &&
		echo "$r_ $(mail hdr "$f" Message-ID)" || return 1
	done | sort
}

# hdr_is FILE NAME VALUE: NAME occurs exactly once, with VALUE.
hdr_is() {
	mail hdr "$1" "$2" >hdr.got &&
	printf '%s\n' "$3" >hdr.want &&
	test_cmp hdr.want hdr.got
}

# from_is FILE NAME ADDRESS: From and Reply-To are both exactly
# "NAME" <ADDRESS>, one address each.
from_is() {
	printf '%s\t%s\n' "$2" "$3" >from.want &&
	mail addrs "$1" From >from.got &&
	test_cmp from.want from.got &&
	mail addrs "$1" Reply-To >from.got &&
	test_cmp from.want from.got
}

# The envelope of FILE: MAIL FROM and RCPT TO lines only.
envelope() {
	grep "^MAIL FROM:\|^RCPT TO:" "${1%.eml}.env"
}

# relay_envelope FILE RCPT: the envelope of a relayed mail: our
# return path kring+bounce-N@example.org, and RCPT alone.
relay_envelope() {
	envelope "$1" >env.got &&
	sed -n 1p env.got | grep -x "MAIL FROM:<kring+bounce-[0-9][0-9]*@example\.org>" &&
	sed 1d env.got >env.rcpt &&
	printf 'RCPT TO:<%s>\n' "$2" >env.want &&
	test_cmp env.want env.rcpt
}

# The number of kringd.log lines with TEXT (0 is not a failure).
log_count() {
	grep -c -F -- "$1" kringd.log || :
}

# --- the tests ------------------------------------------------------

test_expect_success 'setup: members of kring and of a central/local pair, the sink, kringd' '
	member add ann@example.net --name "Ann Smith" &&
	member add bob@example.net &&
	member add dan@example.net --name "Dan Brown" &&
	member add hal@example.net --name "Hal" &&
	member add fred@example.net --name "Fred" --mode nomail &&
	member add gus@example.net --name "Gus" --mode digest &&
	member set gus@example.net address_public=yes &&
	member add dora@example.net --name "Dora" --mode digest &&
	member --community central add gina@example.net --name "Gina" &&
	member --community local add cleo@example.net --name "Cleo Local" &&
	kring member -c kring.conf list >list &&
	test "$(wc -l <list)" -eq 7 &&
	grep "^gus@example.net  member  mode=digest .* address_public=yes" list &&
	grep "^ann@example.net  member  mode=each .* address_public=no" list &&
	sink_start &&
	kringd_start -r 127.0.0.1:$SINK_PORT &&
	test -s store/hmac.key &&
	posts0=$(stored_count) && test "$posts0" -eq 0
'

eml p1.eml "From: Ann Smith <ann@example.net>" "To: Kring <kring@example.org>" \
	"Reply-To: Ann at home <ann@home.example>" \
	"Subject: Savings rates" "Message-ID: <p1@example.net>" \
	"Date: Mon, 07 Dec 2026 10:00:00 +0000" -- \
	"What do you think of the savings rates?" "Ann"
eml p2.eml "From: Dan Brown <dan@example.net>" "To: kring@example.org" \
	"Subject: Fees" "Message-ID: <p2@example.net>" -- "The fees went up."
eml g1.eml "From: Gus <gus@example.net>" "To: kring@example.org" \
	"Subject: Interest" "Message-ID: <g1@example.net>" -- "Interest is low."
eml c1.eml "From: Gina <gina@example.net>" "To: central@example.org" \
	"Subject: From the centre" "Message-ID: <c1@example.net>" -- "News."

test_expect_success 'posts: the list copies show a private author by a genuine relay address' '
	send ann@example.net p1.eml kring@example.org &&
	send dan@example.net p2.eml kring@example.org &&
	send gus@example.net g1.eml kring@example.org &&
	send gina@example.net c1.eml central@example.org &&
	sink_collect 11 &&
	new_rcpts >rcpts &&
	cat >expect <<-\EOF &&
	ann@example.net <g1@example.net>
	ann@example.net <p2@example.net>
	bob@example.net <g1@example.net>
	bob@example.net <p1@example.net>
	bob@example.net <p2@example.net>
	cleo@example.net <c1@example.net>
	dan@example.net <g1@example.net>
	dan@example.net <p1@example.net>
	hal@example.net <g1@example.net>
	hal@example.net <p1@example.net>
	hal@example.net <p2@example.net>
	EOF
	test_cmp expect rcpts &&
	test "$(stored_count)" -eq 3 && test "$(stored_count central)" -eq 1 &&
	f=$(mail_to bob@example.net "<p1@example.net>") &&
	ANN_RELAY=$(relay_from "$f" kring) &&
	ANN_ID=$(relay_id kring "$ANN_RELAY") &&
	echo "$ANN_RELAY" | grep -x "kring+to-$ANN_ID-[0-9a-f]\{12\}@example\.org" &&
	from_is "$f" "Ann Smith via Kring" "$ANN_RELAY" &&
	test -z "$(mail hdr "$f" X-Original-From)" &&
	test -z "$(mail hdr "$f" Sender)" &&
	hdr_is "$f" List-Id "\"Kring\" <kring.example.org>" &&
	! grep -i "ann@\|ann@home" "$f" &&
	for who in dan hal; do
		f=$(mail_to $who@example.net "<p1@example.net>") &&
		from_is "$f" "Ann Smith via Kring" "$ANN_RELAY" &&
		! grep -i "ann@" "$f" || return 1
	done &&
	f=$(mail_to bob@example.net "<p2@example.net>") &&
	DAN_RELAY=$(relay_from "$f" kring) &&
	DAN_ID=$(relay_id kring "$DAN_RELAY") &&
	test "$DAN_ID" != "$ANN_ID" &&
	from_is "$f" "Dan Brown via Kring" "$DAN_RELAY" &&
	f=$(mail_to cleo@example.net "<c1@example.net>") &&
	GINA_RELAY=$(relay_from "$f" central) &&
	echo "$GINA_RELAY" | grep "^central+to-[0-9]*-[0-9a-f]\{12\}@example\.org$" &&
	from_is "$f" "Gina via Central" "$GINA_RELAY" &&
	! grep -i "gina@" "$f" &&
	! relay_id kring "$GINA_RELAY"
'

test_expect_success 'an author with address_public=yes: their own address, no relay' '
	f=$(mail_to bob@example.net "<g1@example.net>") &&
	mail addrs "$f" From >from.got &&
	printf "Gus via Kring\tkring@example.org\n" >from.want &&
	test_cmp from.want from.got &&
	hdr_is "$f" X-Original-From "Gus <gus@example.net>" &&
	mail addrs "$f" Reply-To >rt.got &&
	printf "Gus\tgus@example.net\n" >rt.want &&
	test_cmp rt.want rt.got &&
	! grep "+to-" "$f"
'

test_expect_success 'a private reply: one mail to the author, only the allowed fields, body byte for byte' '
	eml r1.eml \
		"Received: from laptop.example.net (laptop [192.0.2.7]) by mx.example.net; Mon, 07 Dec 2026 11:00:00 +0000" \
		"From: \"bob@example.net\" <bob@example.net>" \
		"To: $ANN_RELAY" \
		"Cc: Carl <carl@example.com>" \
		"Subject: Re: Savings rates" \
		"Date: Mon, 07 Dec 2026 11:00:00 +0000" \
		"Message-ID: <r1@example.net>" \
		"In-Reply-To: <p1@example.net>" \
		"References: <p0@example.net>" \
		" <p1@example.net>" \
		"X-Mailer: BobMail 1.0 (bob@example.net)" \
		"Sender: bob@example.net" \
		"MIME-Version: 1.0" \
		"Content-Type: text/plain; charset=utf-8" \
		"Content-Transfer-Encoding: 8bit" -- \
		"Dear Ann,  I agree with you.  " \
		".. and a line that starts with dots" &&
	send bob@example.net r1.eml "$ANN_RELAY" &&
	sink_collect 1 &&
	f=$(mail_to ann@example.net) &&
	relay_envelope "$f" ann@example.net &&
	BOB_RELAY=$(relay_from "$f" kring) &&
	BOB_ID=$(relay_id kring "$BOB_RELAY") &&
	test "$BOB_ID" != "$ANN_ID" && test "$BOB_ID" != "$DAN_ID" &&
	from_is "$f" "A member via Kring" "$BOB_RELAY" &&
	hdr_is "$f" To ann@example.net &&
	mail names "$f" >names.got &&
	printf "%s\n" From Reply-To To Subject Date Message-ID In-Reply-To \
		References MIME-Version Content-Type Content-Transfer-Encoding >names.want &&
	test_cmp names.want names.got &&
	hdr_is "$f" Subject "Re: Savings rates" &&
	hdr_is "$f" Date "Mon, 07 Dec 2026 11:00:00 +0000" &&
	hdr_is "$f" Message-ID "<r1@example.net>" &&
	hdr_is "$f" In-Reply-To "<p1@example.net>" &&
	hdr_is "$f" References "<p0@example.net> <p1@example.net>" &&
	hdr_is "$f" Content-Type "text/plain; charset=utf-8" &&
	! grep -i "bob@\|carl@\|laptop\|BobMail\|192\.0\.2\.7" "$f" &&
	mail body "$f" >body.got &&
	printf "Dear Ann,  I agree with you.  \r\n.. and a line that starts with dots\r\n" >body.want &&
	test_cmp body.want body.got &&
	cmp body.want body.got &&
	test "$(stored_count)" -eq 3 &&
	! kring show -s store "<r1@example.net>" >/dev/null 2>&1 &&
	grep -x ".*$QID: private reply community=kring: from member $BOB_ID to member $ANN_ID: outbox [0-9]*" kringd.log
'

test_expect_success 'the author answers the relay address: the round trip' '
	eml r2.eml "From: Ann Smith <ann@example.net>" "To: $BOB_RELAY" \
		"Subject: Re: Re: Savings rates" "Message-ID: <r2@example.net>" \
		"In-Reply-To: <r1@example.net>" \
		"References: <p1@example.net> <r1@example.net>" -- \
		"Thanks, bob." &&
	send ann@example.net r2.eml "$BOB_RELAY" &&
	sink_collect 1 &&
	f=$(mail_to bob@example.net) &&
	relay_envelope "$f" bob@example.net &&
	from_is "$f" "Ann Smith via Kring" "$ANN_RELAY" &&
	hdr_is "$f" To bob@example.net &&
	hdr_is "$f" In-Reply-To "<r1@example.net>" &&
	hdr_is "$f" Message-ID "<r2@example.net>" &&
	! grep -i "ann@" "$f" &&
	mail body "$f" >body.got &&
	printf "Thanks, bob.\r\n" >body.want &&
	cmp body.want body.got &&
	grep -x ".*$QID: private reply community=kring: from member $ANN_ID to member $BOB_ID: outbox [0-9]*" kringd.log &&
	test "$(stored_count)" -eq 3
'

test_expect_success 'forged and malformed relay addresses: 550 5.1.1 at RCPT; a valid MAC of no member: 550 at DATA' '
	mac=${ANN_RELAY#kring+to-$ANN_ID-} && mac=${mac%@example.org} &&
	test ${#mac} -eq 12 &&
	last=$(printf %s "$mac" | cut -c12) &&
	if [ "$last" = 0 ]; then other=1; else other=0; fi &&
	forged=kring+to-$ANN_ID-$(printf %s "$mac" | cut -c1-11)$other@example.org &&
	! relay_id kring "$forged" &&
	other_id=kring+to-$BOB_ID-$mac@example.org &&
	nobody=$(relay_py make store kring 999 kring example.org) &&
	relay_id kring "$nobody" >id999 && test "$(cat id999)" = 999 &&
	eml x1.eml "From: bob@example.net" "To: ann" "Subject: Hi" \
		"Message-ID: <x1@example.net>" -- "Hello." &&
	n=0 && : >chat.in &&
	for a in "$forged" "$other_id" kring+to-abc@example.org kring+to-1@example.org \
		kring+to-1-xyz@example.org "kring+to-$ANN_ID-${mac}0@example.org" \
		"kring+to-$ANN_ID-@example.org" "kring+to--$mac@example.org" \
		"kring+to-0-$mac@example.org" "kring+to-$ANN_ID-$mac-1@example.org" \
		"kring+to-0$ANN_ID-$mac@example.org"; do
		printf "> RCPT TO:<%s>\n< 550 5.1.1 <%s>: Recipient address rejected: not a private-reply address of kring@example.org\n" "$a" "$a" >>chat.in || return 1
	done &&
	smtp_chat >chat.log <<-ENDCHAT &&
	< 220
	> EHLO member.test
	< 250
	> MAIL FROM:<bob@example.net>
	< 250
	$(cat chat.in)
	> RCPT TO:<$nobody>
	< 250 2.1.5
	> DATA
	< 354
	>data x1.eml
	< 550 5.1.1 the member you wrote to is not, or no longer, a member of kring@example.org
	> QUIT
	< 221
	ENDCHAT
	test "$(grep -c "^S: 550 5.1.1 <.*not a private-reply address of kring@example.org" chat.log)" -eq 11 &&
	sink_collect 0 &&
	test "$(stored_count)" -eq 3
'

test_expect_success 'a non-member writing to a relay address: 550 5.7.1; the From counts, not the envelope' '
	eml z1.eml "From: Zed <zed@example.com>" "To: $ANN_RELAY" "Subject: Hi Ann" \
		"Message-ID: <z1@example.com>" -- "Cheap watches." &&
	refused zed@example.com z1.eml "$ANN_RELAY" \
		"550 5.7.1 <zed@example.com>: private replies through kring@example.org are for its members" &&
	refused bob@example.net z1.eml "$ANN_RELAY" \
		"550 5.7.1 <zed@example.com>: private replies through kring@example.org are for its members" &&
	eml z2.eml "From: Gina <gina@example.net>" "To: $ANN_RELAY" "Subject: Hi Ann" \
		"Message-ID: <z2@example.net>" -- "From another family." &&
	refused gina@example.net z2.eml "$ANN_RELAY" \
		"550 5.7.1 <gina@example.net>: private replies through kring@example.org are for its members" &&
	grep "refused from=<zed@example.com>: 5.7.1 <zed@example.com>: private replies through kring@example.org are for its members" kringd.log &&
	sink_collect 0 &&
	test "$(stored_count)" -eq 3
'

test_expect_success 'a member who left: 550 5.1.1 to them, 550 5.7.1 from them' '
	member remove dan@example.net &&
	eml d1.eml "From: bob@example.net" "To: $DAN_RELAY" "Subject: Fees" \
		"Message-ID: <d1@example.net>" -- "Still there?" &&
	refused bob@example.net d1.eml "$DAN_RELAY" \
		"550 5.1.1 the member you wrote to is not, or no longer, a member of kring@example.org" &&
	eml d2.eml "From: Dan Brown <dan@example.net>" "To: $ANN_RELAY" "Subject: Bye" \
		"Message-ID: <d2@example.net>" -- "I left." &&
	refused dan@example.net d2.eml "$ANN_RELAY" \
		"550 5.7.1 <dan@example.net>: private replies through kring@example.org are for its members" &&
	sink_collect 0
'

test_expect_success 'the null sender and robots: taken (250) and dropped; Auto-Submitted: no is a person' '
	dropped0=$(log_count "private reply from a robot or a loop: dropped") &&
	eml n1.eml "From: bob@example.net" "To: $ANN_RELAY" "Subject: Undeliverable" \
		"Message-ID: <n1@example.net>" -- "A bounce." &&
	send "<>" n1.eml "$ANN_RELAY" && qids=$QID &&
	i=2 &&
	for h in "Auto-Submitted: auto-replied" "Precedence: bulk" "X-Autoreply: yes" \
		"List-Id: Kring <kring.example.org>"; do
		eml n$i.eml "From: bob@example.net" "To: $ANN_RELAY" "$h" \
			"Subject: Out of office" "Message-ID: <n$i@example.net>" -- "Away." &&
		send bob@example.net n$i.eml "$ANN_RELAY" && qids="$qids $QID" &&
		i=$((i + 1)) || return 1
	done &&
	eml n9.eml "From: Gus <gus@example.net>" "To: $ANN_RELAY" "Auto-Submitted: no" \
		"Subject: A person" "Message-ID: <n9@example.net>" -- "Written by hand." &&
	send gus@example.net n9.eml "$ANN_RELAY" &&
	sink_collect 1 &&
	f=$(mail_to ann@example.net "<n9@example.net>") &&
	from_is "$f" "Gus via Kring" "$(relay_from "$f" kring)" &&
	test "$(log_count "private reply from a robot or a loop: dropped")" -eq $((dropped0 + 5)) &&
	for q in $qids; do
		grep -x ".*$q: private reply from a robot or a loop: dropped" kringd.log || return 1
	done &&
	test "$(stored_count)" -eq 3
'

test_expect_success 'the family: a member of the local community writes to a central relay address' '
	eml l1.eml "From: Cleo <cleo@example.net>" "To: $GINA_RELAY" "Subject: Re: From the centre" \
		"Message-ID: <l1@example.net>" "In-Reply-To: <c1@example.net>" -- "From the region." &&
	send cleo@example.net l1.eml "$GINA_RELAY" &&
	eml l2.eml "From: Ann Smith <ann@example.net>" "To: $GINA_RELAY" "Subject: Hi" \
		"Message-ID: <l2@example.net>" -- "Not in your family." &&
	refused ann@example.net l2.eml "$GINA_RELAY" \
		"550 5.7.1 <ann@example.net>: private replies through central@example.org are for its members" &&
	sink_collect 1 &&
	f=$(mail_to gina@example.net) &&
	envelope "$f" >env.got &&
	printf "MAIL FROM:<central+bounce-%s@example.org>\nRCPT TO:<gina@example.net>\n" \
		"$(sed -n "s/^MAIL FROM:<central+bounce-\([0-9]*\)@.*/\1/p" env.got)" >env.want &&
	test_cmp env.want env.got &&
	cleo_relay=$(relay_from "$f" central) &&
	echo "$cleo_relay" | grep "^central+to-[0-9]*-[0-9a-f]\{12\}@example\.org$" &&
	from_is "$f" "Cleo Local via Central" "$cleo_relay" &&
	! grep -i "cleo@" "$f" &&
	test "$(stored_count central)" -eq 1 && test "$(stored_count local)" -eq 0
'

test_expect_success 'to a relay address and the community at once: one post, one private copy, the list copies' '
	eml b1.eml "From: Bobby B <bob@example.net>" "To: kring@example.org, $ANN_RELAY" \
		"Subject: Both ways" "Message-ID: <b1@example.net>" -- "To all, and to Ann." &&
	send bob@example.net b1.eml "kring@example.org,$ANN_RELAY" &&
	sink_collect 3 &&
	new_rcpts >rcpts &&
	printf "%s\n" "ann@example.net <b1@example.net>" "ann@example.net <b1@example.net>" \
		"hal@example.net <b1@example.net>" >expect &&
	test_cmp expect rcpts &&
	test "$(stored_count)" -eq 4 &&
	test "$(kring show -s store "<b1@example.net>" | grep -c "^Message-ID: <b1@example.net>")" -eq 1 &&
	relayed= listed= &&
	for f in $NEW; do
		if envelope "$f" | grep -q "^MAIL FROM:<kring+bounce-[0-9]*@"; then
			test -z "$relayed" && relayed=$f || return 1
		elif envelope "$f" | grep -q "^RCPT TO:<ann@"; then
			listed=$f
		fi
	done &&
	test -n "$relayed" && test -n "$listed" &&
	relay_envelope "$relayed" ann@example.net &&
	from_is "$relayed" "Bobby B via Kring" "$BOB_RELAY" &&
	test -z "$(mail hdr "$relayed" List-Id)" &&
	test -z "$(mail hdr "$relayed" Cc)" &&
	hdr_is "$relayed" To ann@example.net &&
	hdr_is "$listed" List-Id "\"Kring\" <kring.example.org>" &&
	f=$(mail_to hal@example.net) &&
	from_is "$f" "Bobby B via Kring" "$BOB_RELAY" &&
	hdr_is "$f" List-Id "\"Kring\" <kring.example.org>" &&
	! grep -i "bob@" "$relayed" "$listed" "$f" &&
	grep -x ".*$QID: stored id=[0-9]* message-id=<b1@example.net> .* community=kring" kringd.log &&
	grep -x ".*$QID: private reply community=kring: from member $BOB_ID to member $ANN_ID: outbox [0-9]*" kringd.log
'

test_expect_success 'relays_per_sender = 3: the fourth of the day is 450 4.7.1 and not sent' '
	for i in 1 2 3 4; do
		eml f$i.eml "From: Fred <fred@example.net>" "To: $ANN_RELAY" "Subject: Note $i" \
			"Message-ID: <f$i@example.net>" -- "Note $i." || return 1
	done &&
	send fred@example.net f1.eml "$ANN_RELAY" &&
	send fred@example.net f2.eml "$ANN_RELAY" &&
	send fred@example.net f3.eml "$ANN_RELAY" &&
	refused fred@example.net f4.eml "$ANN_RELAY" \
		"450 4.7.1 <fred@example.net>: too many private replies today; try again tomorrow" &&
	grep "refused from=<fred@example.net>: 4.7.1 <fred@example.net>: too many private replies today; try again tomorrow" kringd.log &&
	eml b2.eml "From: bob@example.net" "To: $ANN_RELAY" "Subject: Third" \
		"Message-ID: <b2@example.net>" -- "My third today." &&
	send bob@example.net b2.eml "$ANN_RELAY" &&
	sed "s/b2@/b3@/; s/Third/Fourth/" b2.eml >b3.eml &&
	refused bob@example.net b3.eml "$ANN_RELAY" \
		"450 4.7.1 <bob@example.net>: too many private replies today; try again tomorrow" &&
	sink_collect 4 &&
	new_rcpts >rcpts &&
	printf "%s\n" "ann@example.net <b2@example.net>" "ann@example.net <f1@example.net>" \
		"ann@example.net <f2@example.net>" "ann@example.net <f3@example.net>" >expect &&
	test_cmp expect rcpts &&
	f=$(mail_to ann@example.net "<f3@example.net>") &&
	from_is "$f" "Fred via Kring" "$(relay_from "$f" kring)" &&
	test "$(stored_count)" -eq 4
'

test_expect_success 'the limit counts copies, and an address in any case is one sender' '
	eml h1.eml "From: Hal <hal@example.net>" "To: two members" "Subject: Two at once" \
		"Message-ID: <h1@example.net>" -- "To both of you." &&
	send hal@example.net h1.eml "$ANN_RELAY,$BOB_RELAY" &&
	eml h2.eml "Subject: No From" "Message-ID: <h2@example.net>" -- "Again." &&
	refused Hal@Example.NET h2.eml "$ANN_RELAY,$BOB_RELAY" \
		"450 4.7.1 <hal@example.net>: too many private replies today; try again tomorrow" &&
	sink_collect 2 &&
	new_rcpts >rcpts &&
	printf "%s\n" "ann@example.net <h1@example.net>" "bob@example.net <h1@example.net>" >expect &&
	test_cmp expect rcpts
'

test_expect_success 'the digest: a private author by the relay address, a public one by theirs' '
	since=$(date -u -d "-2 hours" +%Y-%m-%dT%H:%M:%SZ) &&
	until=$(date -u -d "+1 hour" +%Y-%m-%dT%H:%M:%SZ) &&
	KRING_NOW=$until kring digest -c kring.conf --since "$since" --until "$until" \
		>digest.mbox 2>digest.err &&
	part() { "$PYTHON" "$TEST_DIR/helper/mail-part.py" "$@"; } &&
	test "$(part digest.mbox count)" = 2 &&
	n=1 && dora= &&
	while [ $n -le 2 ]; do
		if part digest.mbox $n header:To | grep -qx "<*dora@example.net>*"; then
			dora=$n
		fi
		n=$((n + 1))
	done &&
	test -n "$dora" &&
	part digest.mbox $dora text >toc &&
	cat toc &&
	grep -A2 "^[0-9]*\. Savings rates$" toc >item.ann &&
	grep -x " *to Ann Smith alone: $ANN_RELAY" item.ann &&
	grep -A2 "^[0-9]*\. Interest$" toc >item.gus &&
	grep -x " *to Gus alone: gus@example.net" item.gus &&
	grep -A2 "^[0-9]*\. Both ways$" toc >item.bob &&
	grep -x " *to Bobby B alone: $BOB_RELAY" item.bob &&
	! grep -i "ann@example\|bob@example" toc &&
	! grep "Re: Savings rates\|Note 1\|Out of office" toc &&
	! grep -E "runtime error|Sanitizer" digest.err
'

test_expect_success 'kringd stops cleanly, the sink too; no sanitizer report' '
	kringd_stop &&
	sink_stop &&
	kringd_log_clean
'

test_done
