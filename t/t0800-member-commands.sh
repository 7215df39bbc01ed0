#!/bin/sh
test_description='members by mail, end to end: join, confirm, settings, leave

Members (swaks) mail the command sub-addresses of a community
(kring+subscribe@, +confirm-TOKEN@, +settings@, ...) to the real kringd,
which answers through the real SMTP sink (t/helper/sink.py).  Joining
and leaving are double opt-in; forged, foreign, used, expired and
garbage tokens get a note and change nothing; robots and the null
sender get no answer; answers per address and commands per client are
limited; in a closed community a join is an application (kring member
approve / reject), and an invitation admits.  No command is ever stored
as a post.'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-kringd.sh"
. "$TEST_DIR/lib-sink.sh"
. "$TEST_DIR/lib-smtp.sh"

# kringd hands the outbox to the relay on a one-second tick, so each
# exchange costs about a second.  To stay fast, independent members act
# in the same round: a test sends one mail for each, collects all the
# answers at once (exactly as many as expected), and it and the tests
# after it read each member's answer from that round (mail_for).

# write_config PER_ADDRESS PER_CLIENT: "kring" takes posts from members
# only (no outside_posts); "club" is closed and has no staff, so that its
# applications wait for kring member approve|reject.
write_config() {
	cat >kring.conf <<-EOF
	hostname = "kring.test"
	store = "store"
	limits {
		member_requests_per_address = $1
		member_requests_per_client = $2
		confirm_hours = 48
	}
	community "kring" { address = "kring@example.org" }
	community "club" {
		address = "club@example.org"
		description = "The Savers Club"
		policy = "closed"
	}
	EOF
}

# parse.py FILE: of a mail in the sink, the decoded Subject into
# "subject", the text part into "body", and some header fields, decoded,
# one "Field: value" a line, into "headers".
cat >parse.py <<\EOF
import email, email.header, email.policy, sys
msg = email.message_from_binary_file(open(sys.argv[1], "rb"),
                                     policy=email.policy.compat32)
def dec(v):
    return "".join(p.decode(c or "ascii", "replace") if isinstance(p, bytes)
                   else p for p, c in email.header.decode_header(v))
with open("headers", "w") as f:
    for k in ("From", "To", "Reply-To", "Auto-Submitted", "Message-Id",
              "List-Id", "Content-Language"):
        for v in msg.get_all(k, []):
            f.write("%s: %s\n" % (k, " ".join(dec(v).split())))
open("subject", "w").write(dec(msg.get("Subject", "")) + "\n")
text = None
for p in msg.walk():
    if p.get_content_type() == "text/plain":
        text = p.get_payload(decode=True).decode(
            p.get_content_charset() or "utf-8", "replace")
        break
if text is None:
    sys.exit("no text/plain part")
open("body", "w").write(text.replace("\r\n", "\n"))
EOF

MSGNO=0
ENVFROM=
SOURCE=127.0.0.1
# send FROM TO [SUBJECT [HEADER]]: one mail over SMTP.  FROM is "Name
# <addr>" or a bare address, the envelope sender too unless ENVFROM is
# set ("<>": the null sender); SUBJECT "-" leaves the Subject out.  The
# transcript is in swaks.out; fails unless the mail was taken (250).
send() {
	MSGNO=$((MSGNO + 1))
	from_addr=$(printf '%s\n' "$1" | sed 's/.*<\(.*\)>.*/\1/')
	{
		printf 'From: %s\r\nTo: %s\r\n' "$1" "$2"
		if [ "${3-request}" != "-" ]; then
			printf 'Subject: %s\r\n' "${3-request}"
		fi
		printf 'Date: Mon, 2 Mar 2026 10:00:00 +0000\r\n'
		printf 'Message-Id: <m%d.%d@example.net>\r\n' "$MSGNO" "$$"
		if [ -n "$4" ]; then
			printf '%s\r\n' "$4"
		fi
		printf '\r\nPlease.\r\n'
	} >msg.eml
	swaks --server 127.0.0.1:"$KRINGD_PORT" --local-interface "$SOURCE" \
		--helo member.test --from "${ENVFROM:-$from_addr}" --to "$2" \
		--data @msg.eml >swaks.out 2>&1 || { cat swaks.out; return 1; }
}

# The queue id kringd gave the last mail sent.
queue_id() {
	sed -n 's/.*250 2\.0\.0 Ok: queued as \([0-9A-F]*\).*/\1/p' swaks.out
}

# mail_for ADDR: the one mail of NEW to ADDR into MAIL, parsed (parse.py;
# the text with its lines joined and spaces squeezed also into "flat").
mail_for() {
	MAIL=
	for f in $NEW; do
		if grep -Fqx "RCPT TO:<$1>" "${f%.eml}.env"; then
			[ -z "$MAIL" ] || { echo "FAIL: two mails to $1"; return 1; }
			MAIL=$f
		fi
	done
	[ -n "$MAIL" ] || { echo "FAIL: no mail to $1 in this round"; return 1; }
	"$PYTHON" parse.py "$MAIL" &&
	tr -s ' \n' '  ' <body >flat
}

# no_mail_for ADDR: none of NEW goes to ADDR.
no_mail_for() {
	for f in $NEW; do
		if grep -Fqx "RCPT TO:<$1>" "${f%.eml}.env"; then
			echo "FAIL: a mail to $1:"
			cat "$f"
			return 1
		fi
	done
}

# header FIELD: FIELD of MAIL, decoded (<> taken off an address alone).
header() {
	sed -n "s/^$1: //p" headers | sed 's/^<\([^<>]*\)>$/\1/'
}

subject_is() {
	test "$(cat subject)" = "$1" ||
		test_fail "Subject is \"$(cat subject)\", not \"$1\""
}

# says TEXT...: the text part has each TEXT (across line breaks).
says() {
	for says_t in "$@"; do
		grep -qF -- "$says_t" flat || {
			echo "FAIL: the mail does not say \"$says_t\":"
			cat body
			return 1
		}
	done
}

says_not() {
	! grep -qF -- "$1" flat || {
		echo "FAIL: the mail says \"$1\":"
		cat body
		return 1
	}
}

# A note or other answer, not a confirmation: no confirm address in it.
no_confirm_address() {
	test -z "$(header Reply-To)" &&
	! grep -q "+confirm-" "$MAIL"
}

# The confirm address of MAIL: its Reply-To, checked for its shape (a
# language suffix when the answer is not in the community's).
confirm_address() {
	header Reply-To >reply_to &&
	grep -Eqx "${1:-kring}\+confirm-[a-z0-9.]+(-en|-nl)?@example\.org" reply_to &&
	cat reply_to
}

# member ADDR [COMMUNITY]: kring member show --json into m_state, m_how,
# m_mode, m_name, m_lang, m_joined, m_changed and m_record.
member() {
	kring member -c kring.conf --community "${2:-kring}" --json \
		show "$1" >show.json &&
	"$PYTHON" -c 'import json, shlex
m = json.load(open("show.json"))
for k in ("state", "how", "mode", "name", "lang", "joined", "changed", "record"):
    v = m[k]
    v = "null" if v is None else str(v).lower() if isinstance(v, bool) else v
    print("m_%s=%s" % (k, shlex.quote(v)))' >member.sh &&
	. ./member.sh
}

# no_member ADDR [COMMUNITY]: no record at all, so not a member.
no_member() {
	member "$1" "$2" &&
	test "$m_record" = false && test "$m_state" = none
}

# mktoken ACTION COMMUNITY ADDRESS DAY-HEX: a member token made here from
# the store's secret, as membertoken.h describes it (HMAC-SHA256 of
# "kring-member-v1\nA\nCOMMUNITY\naddress\nDAY", first 16 hex digits).
mktoken() {
	"$PYTHON" -c 'import hashlib, hmac, sys
a, c, addr, day = sys.argv[1:]
key = open("store/hmac.key", "rb").read()
msg = "kring-member-v1\n%s\n%s\n%s\n%s" % (a, c, addr.lower(), day)
print("%s%s.%s" % (a, day, hmac.new(key, msg.encode(), hashlib.sha256).hexdigest()[:16]))' "$@"
}

# TOKEN of a confirm address.
token_of() {
	t_=${1#*+confirm-}
	echo "${t_%@*}"
}

FORGED="This confirmation address is not valid for this email address, so nothing was changed."
MALFORMED="This confirmation address is not complete or not valid, so nothing was changed."

# note_for ADDR SUBJECT TEXT: ADDR's mail of this round is a note with
# SUBJECT and TEXT, and no confirm address.
note_for() {
	mail_for "$1" &&
	subject_is "$2" &&
	says "$3" &&
	no_confirm_address
}

SQ="'"

test_expect_success 'setup: the sink, kringd delivering to it' '
	write_config 100 1000 &&
	sink_start &&
	kringd_start -r 127.0.0.1:$SINK_PORT &&
	test -s store/hmac.key
'

# ------------------------------------------------------------ round 1
# ann, lena and late subscribe, bob by +join, dora and erik to the closed
# club; fay is invited to the club (kring member invite --send).

test_expect_success 'subscribe: a confirmation to the sender, Reply-To its confirm address' '
	t0=$(date +%s) &&
	send "Ann Smith <ann@example.net>" kring+subscribe@example.org "Sign me up" &&
	t1=$(date +%s) &&
	send "Bob Jansen <bob@example.net>" kring+join@example.org &&
	send "Lena <lena@example.net>" kring+subscribe@example.org &&
	send "Late Comer <late@example.net>" kring+subscribe@example.org &&
	send "Dora Dekker <dora@example.net>" club+subscribe@example.org &&
	send "Erik <erik@example.net>" club+subscribe@example.org &&
	kring member -c kring.conf --community club invite fay@example.net --send 2>err &&
	grep "1 invited" err &&
	sink_collect 7 &&
	mail_for ann@example.net &&
	grep -Fqx "MAIL FROM:<kring+bounce-1@example.org>" "${MAIL%.eml}.env" &&
	test "$(header To)" = "Ann Smith <ann@example.net>" &&
	test "$(header From)" = "kring <kring@example.org>" &&
	test "$(header Auto-Submitted)" = auto-replied &&
	subject_is "Confirm that you want to join kring" &&
	ANN_JOIN=$(confirm_address) &&
	case $ANN_JOIN in kring+confirm-s*) ;; *) false ;; esac &&
	says "Hello Ann Smith," \
		"Someone, probably you, asked to join kring with this email address." \
		"To confirm, just reply to this email: you don${SQ}t need to write anything." \
		"Or send an email to $ANN_JOIN." \
		"Please do this within 48 hours." \
		"you can ignore this email: nothing will change" &&
	"$PYTHON" "$TEST_DIR/helper/mail-part.py" "$MAIL" html >html &&
	grep -F "mailto:$ANN_JOIN" html &&
	ANN_MSGID=$(header Message-Id) &&
	no_member ann@example.net
'

test_expect_success 'the token is the HMAC over action, community, address and expiry day' '
	tok=$(token_of "$ANN_JOIN") &&
	day=${tok%%.*} && day=${day#s} &&
	lo=$(( (t0 + 48 * 3600 + 86399) / 86400 )) &&
	hi=$(( (t1 + 48 * 3600 + 86399) / 86400 )) &&
	test $((0x$day)) -ge $lo && test $((0x$day)) -le $hi &&
	test "$(mktoken s kring ann@example.net "$day")" = "$tok" &&
	test "$(mktoken s kring bob@example.net "$day")" != "$tok" &&
	test "$(mktoken s club ann@example.net "$day")" != "$tok" &&
	test "$(mktoken u kring ann@example.net "$day")" != "$tok"
'

test_expect_success '+join is +subscribe; each address has its own token; no record yet' '
	mail_for bob@example.net &&
	subject_is "Confirm that you want to join kring" &&
	says "Hello Bob Jansen," "asked to join kring with this email address." &&
	BOB_JOIN=$(confirm_address) &&
	BOB_TOK=$(token_of "$BOB_JOIN") &&
	BOB_DAY=${BOB_TOK%%.*} && BOB_DAY=${BOB_DAY#s} && BOB_MAC=${BOB_TOK#*.} &&
	test "$BOB_TOK" = "$(mktoken s kring bob@example.net "$BOB_DAY")" &&
	mail_for lena@example.net && LENA_JOIN=$(confirm_address) &&
	mail_for late@example.net && LATE_JOIN=$(confirm_address) &&
	test "$LENA_JOIN" != "$BOB_JOIN" && test "$LATE_JOIN" != "$LENA_JOIN" &&
	no_member bob@example.net && no_member lena@example.net &&
	no_member late@example.net
'

test_expect_success 'closed club: the confirmation names the club; an invitation went to fay' '
	mail_for dora@example.net &&
	subject_is "Confirm that you want to join The Savers Club" &&
	says "Hello Dora Dekker," "asked to join The Savers Club with this email address." &&
	DORA_JOIN=$(confirm_address club) &&
	mail_for erik@example.net && ERIK_JOIN=$(confirm_address club) &&
	no_member dora@example.net club &&
	mail_for fay@example.net &&
	subject_is "You are invited to join The Savers Club" &&
	test "$(header Auto-Submitted)" = auto-generated &&
	FAY_JOIN=$(confirm_address club) &&
	case $FAY_JOIN in club+confirm-i*) ;; *) false ;; esac &&
	says "You are invited to join The Savers Club" \
		"To accept, just reply to this email" "Or send an email to $FAY_JOIN." \
		"The invitation is valid for 48 hours." &&
	member fay@example.net club && test "$m_state" = invited
'

# ------------------------------------------------------------ round 2
# ann confirms by reply; bad tokens: bob's with its MAC changed, lena's
# with its expiry changed, bob's mailed by carl, a staff (approve) token
# for kim, garbage from gina, hank, ivan and jan; dora and erik confirm
# their applications; fay accepts her invitation, eve tries fay's.

test_expect_success 'confirm by replying to the Reply-To address: welcome, a member by mail' '
	send "Ann Smith <ann@example.net>" "$ANN_JOIN" \
		"Re: Confirm that you want to join kring" "In-Reply-To: <$ANN_MSGID>" &&
	last=${BOB_MAC#"${BOB_MAC%?}"} &&
	if [ "$last" = 0 ]; then other=1; else other=0; fi &&
	send "Bob Jansen <bob@example.net>" "kring+confirm-s$BOB_DAY.${BOB_MAC%?}$other@example.org" &&
	lena=$(token_of "$LENA_JOIN") &&
	send "Lena <lena@example.net>" "kring+confirm-s$(printf %x $((0x$BOB_DAY + 30))).${lena#*.}@example.org" &&
	send "Carl <carl@example.net>" "$BOB_JOIN" "Re: Confirm" &&
	send "Kim <kim@example.net>" "kring+confirm-$(mktoken a kring kim@example.net "$BOB_DAY")@example.org" &&
	send gina@example.net kring+confirm-@example.org &&
	send hank@example.net kring+confirm-zzz@example.org &&
	send ivan@example.net "kring+confirm-s$BOB_DAY.$BOB_MAC$BOB_MAC@example.org" &&
	send jan@example.net "kring+confirm-s$BOB_DAY@example.org" &&
	send "Dora Dekker <dora@example.net>" "$DORA_JOIN" "Re: Confirm" &&
	send "Erik <erik@example.net>" "$ERIK_JOIN" "Re: Confirm" &&
	send "Fay Visser <fay@example.net>" "$FAY_JOIN" "Re: You are invited" &&
	send "Eve <eve@example.net>" "$FAY_JOIN" "Re: You are invited" &&
	sink_collect 13 &&
	mail_for ann@example.net &&
	subject_is "Welcome to kring" &&
	test "$(header Auto-Submitted)" = auto-replied &&
	no_confirm_address &&
	cp body welcome.ann &&
	says "Hello Ann Smith," "Welcome to kring! ann@example.net is now a member." \
		"You will get each post by email, as it comes in." \
		"write to kring@example.org and every member gets it" &&
	member ann@example.net &&
	test "$m_state" = member && test "$m_how" = mail && test "$m_mode" = each &&
	test "$m_name" = "Ann Smith" && test "$m_joined" != null &&
	ANN_JOINED=$m_joined &&
	grep "member confirm from=<ann@example.net> community=kring: joined" kringd.log
'

test_expect_success 'a forged token (one character of the MAC, or the expiry, changed): note, nothing changed' '
	note_for bob@example.net "kring: this confirmation address is not valid" "$FORGED" &&
	says "Please reply to the confirmation from the address it was sent to." &&
	note_for lena@example.net "kring: this confirmation address is not valid" "$FORGED" &&
	no_member bob@example.net && no_member lena@example.net &&
	grep "member confirm from=<bob@example.net> community=kring: token forged or for another address" kringd.log
'

test_expect_success 'bob'"'"'s token mailed by another address: note, neither changed' '
	note_for carl@example.net "kring: this confirmation address is not valid" "$FORGED" &&
	no_member carl@example.net && no_member bob@example.net
'

test_expect_success 'a genuine token for another action (a staff approve token): note, nothing changed' '
	note_for kim@example.net "kring: this confirmation address is not valid" \
		"This address is not for confirming a membership, so nothing was changed." &&
	no_member kim@example.net &&
	grep "member confirm from=<kim@example.net> community=kring: token for another action" kringd.log
'

test_expect_success 'empty and garbage tokens (none, zzz, too long, no MAC): note, nothing changed' '
	for who in gina hank ivan jan; do
		note_for $who@example.net "kring: this confirmation address is not valid" \
			"$MALFORMED" &&
		says "Please reply to the confirmation itself, or copy its address in full." &&
		no_member $who@example.net || return 1
	done
'

test_expect_success 'closed: a confirmed join is an application, "with the staff"' '
	for who in dora erik; do
		mail_for $who@example.net &&
		subject_is "Your request to join The Savers Club is with the staff" &&
		says "Your request to join The Savers Club is with the staff. They decide on each request, and you get an email either way." &&
		says_not "Welcome" && no_confirm_address &&
		member $who@example.net club &&
		test "$m_state" = applied && test "$m_joined" = null || return 1
	done &&
	mail_for dora@example.net && says "Hello Dora Dekker," &&
	no_member dora@example.net kring &&
	grep "member confirm from=<dora@example.net> community=club: applied: for the staff; no staff to tell" kringd.log
'

test_expect_success 'closed: the invitation accepted by mail admits' '
	mail_for fay@example.net &&
	subject_is "Welcome to The Savers Club" &&
	says "Hello Fay Visser," "Welcome to The Savers Club! fay@example.net is now a member." &&
	member fay@example.net club &&
	test "$m_state" = member && test "$m_how" = invitation &&
	test "$m_name" = "Fay Visser"
'

test_expect_success 'an invitation works for its address only' '
	note_for eve@example.net "The Savers Club: this confirmation address is not valid" "$FORGED" &&
	no_member eve@example.net club
'

test_expect_success 'a 300-character token: refused at RCPT (local part too long), no answer' '
	long=$(printf "%0300d" 0 | tr 0 a) &&
	! send gina@example.net "kring+confirm-$long@example.org" &&
	grep "^<\*\* *501 5.1.3" swaks.out &&
	sink_collect 0 &&
	no_member gina@example.net
'

# ------------------------------------------------------------ round 3
# ann subscribes again; bob confirms at last; dora subscribes again;
# otto asks for settings; ivo, gus (null sender, then auto-replied) and
# hal (Precedence: bulk) ask for help or to join.

test_expect_success 'subscribe again: one note "already a member", no new confirmation' '
	send "Ann Smith <ann@example.net>" kring+subscribe@example.org &&
	upper=$(printf "%s\n" "$BOB_JOIN" | tr a-z A-Z) &&
	send "Bob Jansen <bob@example.net>" "$upper" "Re: Confirm" &&
	send "Dora Dekker <dora@example.net>" club+subscribe@example.org &&
	send "Otto <otto@example.net>" kring+settings@example.org &&
	send "Ivo <ivo@example.net>" kring+help@example.org "Help?" "Auto-Submitted: no" &&
	ENVFROM="<>" &&
	send "Gus <gus@example.net>" kring+subscribe@example.org &&
	ENVFROM= &&
	grep -F "MAIL FROM:<>" swaks.out &&
	qid_null=$(queue_id) &&
	send "Gus <gus@example.net>" kring+subscribe@example.org "Out of office" \
		"Auto-Submitted: auto-replied" &&
	qid_auto=$(queue_id) &&
	send "Hal <hal@example.net>" kring+help@example.org "Newsletter" \
		"Precedence: bulk" &&
	qid_bulk=$(queue_id) &&
	sink_collect 5 &&
	note_for ann@example.net "You are already a member of kring" \
		"This address is already a member of kring, so nothing was changed." &&
	says "To leave, send an email to kring+unsubscribe@example.org." &&
	member ann@example.net &&
	test "$m_state" = member && test "$m_joined" = "$ANN_JOINED"
'

test_expect_success 'none of the bad tries used up bob'"'"'s token: it works, in upper case too' '
	mail_for bob@example.net &&
	subject_is "Welcome to kring" &&
	says "Hello Bob Jansen," "bob@example.net is now a member." &&
	member bob@example.net &&
	test "$m_state" = member && test "$m_how" = mail
'

test_expect_success 'closed: subscribing again while applied is a note, no new confirmation' '
	note_for dora@example.net "Your request to join The Savers Club is with the staff" \
		"Your request to join The Savers Club is with the staff." &&
	member dora@example.net club && test "$m_state" = applied
'

test_expect_success '+settings from a non-member: note "not a member"' '
	note_for otto@example.net "This address is not a member of kring" \
		"This address is not a member of kring, so nothing was changed." &&
	says "To join, send an email to kring+subscribe@example.org." &&
	no_member otto@example.net
'

test_expect_success 'the null sender, Auto-Submitted: auto-replied, Precedence: bulk: taken, not answered' '
	test -n "$qid_null" && test -n "$qid_auto" && test -n "$qid_bulk" &&
	for q in $qid_null $qid_auto $qid_bulk; do
		grep "$q: 1 member request(s) from a robot or a loop: not answered" kringd.log ||
			return 1
	done &&
	no_mail_for gus@example.net && no_mail_for hal@example.net &&
	no_member gus@example.net
'

test_expect_success 'Auto-Submitted: no is a person: answered with the help' '
	mail_for ivo@example.net &&
	subject_is "How kring works by email" &&
	says "Hello Ivo," "kring works by email." "This address is not a member." \
		"To join: kring+subscribe@example.org" &&
	says_not "Not understood"
'

test_expect_success 'an empty message to a command: 554 5.6.0, no answer, nothing changed' '
	member ann@example.net && before=$m_changed &&
	smtp_chat <<-\EOF &&
	< 220
	> EHLO member.test
	< 250
	> MAIL FROM:<ann@example.net>
	< 250
	> RCPT TO:<kring+digest@example.org>
	< 250
	> DATA
	< 354
	> .
	< 554 5.6.0
	> QUIT
	< 221
	EOF
	sink_collect 0 &&
	member ann@example.net &&
	test "$m_mode" = each && test "$m_changed" = "$before"
'

# ------------------------------------------------------------ round 4
# ann replays her join token; the admin approves dora and rejects erik;
# bob switches to the digest.

test_expect_success 'the join token again (a replay): note "already used", nothing changed' '
	kring member -c kring.conf --community club approve dora@example.net >preview.mbox 2>err &&
	grep "preview: nothing changed" err &&
	test "$("$PYTHON" "$TEST_DIR/helper/mail-part.py" preview.mbox count)" = 1 &&
	"$PYTHON" "$TEST_DIR/helper/mail-part.py" preview.mbox header:Subject >preview.subject &&
	grep -Fx "Welcome to The Savers Club" preview.subject &&
	sink_collect 0 &&
	member dora@example.net club && test "$m_state" = applied &&
	send "Ann Smith <ann@example.net>" "$ANN_JOIN" "Re: again" &&
	kring member -c kring.conf --community club approve dora@example.net --send 2>err &&
	grep "dora@example.net: approved" err &&
	kring member -c kring.conf --community club reject erik@example.net --send 2>err &&
	grep "erik@example.net: turned down" err &&
	send "Bob Jansen <bob@example.net>" kring+digest@example.org &&
	sink_collect 4 &&
	note_for ann@example.net "kring: this confirmation was already used" \
		"This confirmation was already used, so nothing was changed again." &&
	member ann@example.net &&
	test "$m_state" = member && test "$m_joined" = "$ANN_JOINED"
'

test_expect_success 'closed: kring member approve --send welcomes the applicant' '
	mail_for dora@example.net &&
	subject_is "Welcome to The Savers Club" &&
	test "$(header Auto-Submitted)" = auto-generated &&
	says "Welcome to The Savers Club! dora@example.net is now a member." &&
	member dora@example.net club &&
	test "$m_state" = member && test "$m_how" = approval &&
	test_expect_code 65 kring member -c kring.conf --community club approve dora@example.net 2>err &&
	grep "has not applied" err
'

test_expect_success 'closed: kring member reject --send: "not accepted", not a member' '
	mail_for erik@example.net &&
	subject_is "Your request to join The Savers Club was not accepted" &&
	says "The staff of The Savers Club did not accept your request to join. You are not a member, and you will get no posts from us." &&
	says_not "Welcome" &&
	member erik@example.net club && test "$m_state" = none &&
	test_expect_code 65 kring member -c kring.conf --community club reject erik@example.net 2>err
'

test_expect_success '+digest: the mode changes, answered with the settings' '
	mail_for bob@example.net &&
	subject_is "Done: your settings in kring" &&
	says "Done: your delivery is changed." "Address bob@example.net" \
		"Name Bob Jansen" "Delivery the posts together, in a daily digest" &&
	member bob@example.net && test "$m_mode" = digest
'

# ------------------------------------------------------- rounds 5 to 11
# ann's settings, modes and language; bob's name, good and bad.

test_expect_success '+settings: the settings as they are; +name: the Subject is the new name' '
	send "Ann Smith <ann@example.net>" kring+settings@example.org &&
	send "Bob Jansen <bob@example.net>" kring+name@example.org "  Bob   van Dijk " &&
	sink_collect 2 &&
	mail_for ann@example.net &&
	subject_is "Your settings in kring" &&
	cp body settings.ann &&
	says "Address ann@example.net" "Name Ann Smith" \
		"Delivery each post by email" "Language English" \
		"Member since $(echo "$ANN_JOINED" | cut -c1-10)" &&
	says_not "Done:" &&
	mail_for bob@example.net &&
	subject_is "Done: your settings in kring" &&
	says "Hello Bob van Dijk," "Done: the name shown for you is changed." \
		"Name Bob van Dijk" "Delivery the posts together, in a daily digest" &&
	member bob@example.net && test "$m_name" = "Bob van Dijk"
'

test_expect_success 'the welcome and the settings tell a member how to change them and leave' '
	for f in welcome.ann settings.ann; do
		cp $f body && tr -s " \n" "  " <body >flat &&
		says "To see your settings: kring+settings@example.org" \
			"To get the posts together, in a digest each day: kring+digest@example.org or once a week: kring+digest-weekly@example.org" \
			"To leave: kring+unsubscribe@example.org" \
			"Leaving is confirmed" &&
		says_not "To join:" || return 1
	done
'

test_expect_success '+nomail, +each (any case); +name with an 8-bit UTF-8 or an RFC 2047 Subject' '
	utf8=$(printf "\303\205nne M\303\274ller-\303\230rsted") &&
	send "Ann Smith <ann@example.net>" kring+nomail@example.org &&
	send "Bob Jansen <bob@example.net>" kring+name@example.org "$utf8" &&
	sink_collect 2 &&
	mail_for ann@example.net && subject_is "Done: your settings in kring" &&
	says "Done: your delivery is changed." "Delivery no posts by email" &&
	member ann@example.net && test "$m_mode" = nomail &&
	mail_for bob@example.net &&
	says "Done: the name shown for you is changed." "Name $utf8" &&
	member bob@example.net && test "$m_name" = "$utf8" &&
	send "Ann Smith <ann@example.net>" KRING+Each@Example.ORG &&
	send "Bob Jansen <bob@example.net>" kring+name@example.org "=?UTF-8?Q?Bob_=C3=A9=C3=A9n?=" &&
	sink_collect 2 &&
	mail_for ann@example.net &&
	says "Done: your delivery is changed." "Delivery each post by email" &&
	member ann@example.net && test "$m_mode" = each && test "$m_state" = member &&
	mail_for bob@example.net &&
	says "Name $(printf "Bob \303\251\303\251n")" &&
	member bob@example.net && test "$m_name" = "$(printf "Bob \303\251\303\251n")"
'

test_expect_success '+lang-nl: answered in Dutch, and so is what follows; +name: 64 bytes taken' '
	n64=$(printf "%064d" 0 | tr 0 n) &&
	send "Ann Smith <ann@example.net>" kring+lang-nl@example.org &&
	send "Bob Jansen <bob@example.net>" kring+name@example.org "$n64" &&
	sink_collect 2 &&
	mail_for ann@example.net &&
	subject_is "Gedaan: je instellingen bij kring" &&
	says "Hallo Ann Smith," "Gedaan: we schrijven je voortaan in het Nederlands." \
		"Taal Nederlands" "Bezorging elk bericht per e-mail" &&
	says_not "Kind regards" &&
	member ann@example.net && test "$m_lang" = nl &&
	mail_for bob@example.net && says "Name $n64" &&
	member bob@example.net && test "$m_name" = "$n64"
'

# bob_name_refused: bob's mail of this round is the name note; his name
# is still the 64 n's.
bob_name_refused() {
	note_for bob@example.net "kring: this name cannot be used" \
		"This name cannot be used: write the name you want as the subject of an email to kring+name@example.org, not empty, and at most 64 characters. Nothing was changed." &&
	member bob@example.net && test "$m_name" = "$n64"
}

test_expect_success '+instellingen and +hulp in Dutch; +name with 65 bytes or a huge Subject: refused' '
	send "Ann Smith <ann@example.net>" kring+instellingen@example.org &&
	send "Bob Jansen <bob@example.net>" kring+name@example.org "${n64}x" &&
	sink_collect 2 &&
	mail_for ann@example.net &&
	subject_is "Je instellingen bij kring" &&
	says "JE INSTELLINGEN" "Adres ann@example.net" "Taal Nederlands" &&
	says_not "Gedaan" &&
	bob_name_refused &&
	send "Ann Smith <ann@example.net>" kring+hulp@example.org &&
	send "Bob Jansen <bob@example.net>" kring+name@example.org \
		"$(printf "%02000d" 0 | tr 0 y)" &&
	sink_collect 2 &&
	mail_for ann@example.net &&
	subject_is "Zo werkt kring per e-mail" &&
	says "kring werkt per e-mail." \
		"Je bent lid, en je krijgt elk bericht per e-mail." &&
	bob_name_refused
'

test_expect_success '+lang-en: English again; +name without a Subject: refused' '
	send "Ann Smith <ann@example.net>" kring+lang-en@example.org &&
	send "Bob Jansen <bob@example.net>" kring+name@example.org - &&
	sink_collect 2 &&
	mail_for ann@example.net &&
	subject_is "Done: your settings in kring" &&
	says "Done: from now on we write to you in English." "Language English" &&
	member ann@example.net && test "$m_lang" = en &&
	bob_name_refused
'

test_expect_success 'an unknown command: the help, "Not understood", nothing changed' '
	member ann@example.net && before=$m_changed &&
	send "Ann Smith <ann@example.net>" kring+frobnicate@example.org &&
	send nina@example.net "kring+what=ever@example.org" &&
	sink_collect 2 &&
	mail_for ann@example.net &&
	subject_is "Not understood: “frobnicate” – how kring works by email" &&
	says "We did not understand “frobnicate” as a command, so nothing was changed." \
		"You are a member, and you get each post by email." \
		"To see your settings: kring+settings@example.org" &&
	no_confirm_address &&
	member ann@example.net && test "$m_changed" = "$before" &&
	mail_for nina@example.net &&
	subject_is "Not understood: “what=ever” – how kring works by email" &&
	says "This address is not a member." "To join: kring+subscribe@example.org" &&
	says_not "To see your settings" &&
	no_member nina@example.net
'

# -------------------------------------------------------------- leave

test_expect_success 'unsubscribe: a leave confirmation; a member until it is confirmed' '
	send "Ann Smith <ann@example.net>" kring+unsubscribe@example.org &&
	sink_collect 1 && mail_for ann@example.net &&
	subject_is "Confirm that you want to leave kring" &&
	ANN_LEAVE=$(confirm_address) &&
	case $ANN_LEAVE in kring+confirm-u*) ;; *) false ;; esac &&
	says "Someone, probably you, asked to take this email address off kring." \
		"Or send an email to $ANN_LEAVE." &&
	member ann@example.net && test "$m_state" = member
'

test_expect_success 'confirming the leave: goodbye, state left' '
	send "Ann Smith <ann@example.net>" "$ANN_LEAVE" "Re: leave" &&
	sink_collect 1 && mail_for ann@example.net &&
	subject_is "You have left kring" &&
	no_confirm_address &&
	says "ann@example.net is no longer a member of kring." \
		"You will get no more posts from us." \
		"Send an email to kring+subscribe@example.org." &&
	member ann@example.net && test "$m_state" = left
'

test_expect_success 'after leaving, the old join token does not bring her back' '
	send "Ann Smith <ann@example.net>" "$ANN_JOIN" "Re: join" &&
	sink_collect 1 &&
	note_for ann@example.net "kring: this confirmation was already used" \
		"This confirmation was already used" &&
	member ann@example.net && test "$m_state" = left
'

# -------------------------------------------------------------- Dutch

test_expect_success '+aanmelden: the confirmation in Dutch' '
	send "Ineke de Vries <ineke@example.net>" kring+aanmelden@example.org &&
	sink_collect 1 && mail_for ineke@example.net &&
	subject_is "Bevestig je aanmelding bij kring" &&
	INEKE=$(confirm_address) &&
	says "Hallo Ineke de Vries," \
		"Iemand, waarschijnlijk jij, wil zich met dit e-mailadres aanmelden bij kring." \
		"Of stuur een e-mail naar $INEKE." "Doe dit binnen 48 uur." &&
	says_not "Kind regards"
'

test_expect_success '... and, once she confirms, her welcome in Dutch too' '
	test -n "$INEKE" &&
	send "Ineke de Vries <ineke@example.net>" "$INEKE" "Re: Bevestig" &&
	sink_collect 1 && mail_for ineke@example.net &&
	subject_is "Welkom bij kring" &&
	says "Welkom bij kring! ineke@example.net is nu lid." &&
	member ineke@example.net && test "$m_state" = member
'

# ------------------------------------------------------- never a post

test_expect_success 'no command was stored as a post; a non-member post is refused' '
	test "$(stored_count kring)" = 0 &&
	test "$(stored_count club)" = 0 &&
	test -z "$(kring threads -s store --community kring)" &&
	! send "Zed <zed@example.net>" kring@example.org "Hello all" &&
	grep "550 5.7.1 <zed@example.net>: only members of kring@example.org may post; to join, write to kring+subscribe@example.org" swaks.out &&
	test "$(stored_count kring)" = 0 &&
	sink_collect 0
'

# ---------------------------------------------- expiry and the limits
#
# kringd reads the clock through kring_now(), which honours KRING_NOW
# ("TIME+": starts at TIME and runs on).  Restarted four days on, late's
# 48-hour token from round 1 has expired.  The tighter limits: 2 answers
# per address a day, 6 commands per client an hour (counted in kringd's
# memory, so from 0 after the restart).

test_expect_success 'restart four days later, with tighter limits' '
	kringd_stop &&
	write_config 2 6 &&
	KRING_NOW="$(( $(date +%s) + 4 * 86400 ))+" &&
	export KRING_NOW &&
	kringd_start -r 127.0.0.1:$SINK_PORT &&
	unset KRING_NOW &&
	kring member -c kring.conf add rita@example.net >/dev/null &&
	sink_collect 0
'

test_expect_success 'an expired token: note "has expired", nothing changed' '
	send "Late Comer <late@example.net>" "$LATE_JOIN" "Re: Confirm" &&
	send "Rita <rita@example.net>" kring+digest@example.org &&
	send "Una <una@example.net>" kring+help@example.org &&
	sink_collect 3 &&
	note_for late@example.net "kring: this confirmation has expired" \
		"This confirmation has expired, so nothing was changed. Please ask again: we will send you a new one." &&
	says "Hello Late Comer," &&
	no_member late@example.net &&
	grep "member confirm from=<late@example.net> community=kring: token expired" kringd.log
'

test_expect_success 'per address: the third request in a day is carried out, not answered' '
	mail_for rita@example.net && says "Delivery the posts together, in a daily digest" &&
	send "Rita <rita@example.net>" kring+nomail@example.org &&
	send "Una <una@example.net>" kring+help@example.org &&
	sink_collect 2 &&
	mail_for rita@example.net && says "Delivery no posts by email" &&
	send "Rita <rita@example.net>" kring+each@example.org &&
	qid=$(queue_id) && test -n "$qid" &&
	grep "$qid: member mode from=<rita@example.net> community=kring: mode each, no answer: over the daily limit" kringd.log &&
	sink_collect 0 &&
	member rita@example.net && test "$m_mode" = each
'

# kringd refuses it at the end of DATA (membermail.c, member_requests_for),
# not at RCPT; the transaction is refused as a whole.
test_expect_success 'per client: the seventh command in the hour gets 450 4.7.1, not carried out' '
	! send "Vic <vic@example.net>" kring+subscribe@example.org &&
	grep "450 4.7.1 too many member requests from \[127.0.0.1\]" swaks.out &&
	sink_collect 0 &&
	no_member vic@example.net
'

test_expect_success 'per client: another client is not held up' '
	SOURCE=127.0.0.2 &&
	send "Vic <vic@example.net>" kring+subscribe@example.org &&
	SOURCE=127.0.0.1 &&
	sink_collect 1 && mail_for vic@example.net &&
	subject_is "Confirm that you want to join kring" &&
	says "Hello Vic,"
'

test_expect_success 'kringd and the sink stop cleanly' '
	kringd_stop &&
	sink_stop
'

test_done
