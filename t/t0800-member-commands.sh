#!/bin/sh
test_description='members by mail, end to end: join, confirm, settings, leave

Members (swaks) mail the command sub-addresses of a community
(kring+subscribe@, +confirm-TOKEN@, +settings@, ...) to the real kringd;
kringd answers through the real SMTP sink (t/helper/sink.py).  Joining
and leaving are double opt-in; bad, used, expired and foreign tokens
get a note and change nothing; robots and the null sender get no
answer; answers per address and commands per client are limited; a
closed community makes a join an application (kring member approve /
reject), and an invitation admits.  No command is ever stored as a
post.'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-kringd.sh"
. "$TEST_DIR/lib-sink.sh"
. "$TEST_DIR/lib-smtp.sh"

MAILPART="$TEST_DIR/helper/mail-part.py"

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
		--from "${ENVFROM:-$from_addr}" --to "$2" --data @msg.eml \
		>swaks.out 2>&1 || { cat swaks.out; return 1; }
}

# The queue id kringd gave the last mail sent.
queue_id() {
	sed -n 's/.*250 2\.0\.0 Ok: queued as \([0-9A-F]*\).*/\1/p' swaks.out
}

# Wait until the outbox is empty: every answer kringd made (each enters
# the outbox in the transaction that took the command, before the 250)
# has reached the sink.  Polls; at most 10 s.
settle() {
	settle_i=0
	while [ -n "$(kring outbox -s store)" ]; do
		settle_i=$((settle_i + 1))
		if [ $settle_i -gt 200 ]; then
			echo "FAIL: the outbox is not empty after 10 s:"
			kring outbox -s store
			tail -5 kringd.log
			return 1
		fi
		sleep 0.05
	done
}

SEEN=0
# collect N: the mails that came since the last collect (NEW, a list of
# .eml files) must be exactly N, counted once the outbox is empty, so
# that a mail too many fails as well as one too few.
collect() {
	settle || return 1
	if [ "$1" -gt 0 ]; then
		sink_wait_count $((SEEN + $1)) 5 || { SEEN=$(sink_count); return 1; }
	fi
	NEW=
	collect_n=$(sink_count)
	collect_i=$((SEEN + 1))
	while [ $collect_i -le "$collect_n" ]; do
		NEW="$NEW $SINK_DIR/$(printf %06d $collect_i).eml"
		collect_i=$((collect_i + 1))
	done
	collect_got=$((collect_n - SEEN))
	SEEN=$collect_n
	if [ $collect_got -ne "$1" ]; then
		echo "FAIL: $collect_got new mail(s), not $1:"
		for f in $NEW; do
			grep "^RCPT" "${f%.eml}.env"
			"$PYTHON" "$MAILPART" "$f" header:Subject
		done
		tail -5 kringd.log
		return 1
	fi
}

# mail_for ADDR: the mail of NEW to ADDR into MAIL, its decoded Subject
# into the file subject, its text part into body and, with the lines
# joined and spaces squeezed, into flat.
mail_for() {
	MAIL=
	for f in $NEW; do
		if grep -Fqx "RCPT TO:<$1>" "${f%.eml}.env"; then
			[ -z "$MAIL" ] || { echo "FAIL: two mails to $1"; return 1; }
			MAIL=$f
		fi
	done
	[ -n "$MAIL" ] || { echo "FAIL: no mail to $1 among:$NEW"; return 1; }
	"$PYTHON" "$MAILPART" "$MAIL" header:Subject >subject &&
	"$PYTHON" "$MAILPART" "$MAIL" text >body &&
	tr -s ' \n' '  ' <body >flat
}

# header FIELD: the decoded FIELD of MAIL (<> taken off an address).
header() {
	"$PYTHON" "$MAILPART" "$MAIL" header:"$1" | sed 's/^<\(.*\)>$/\1/'
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
	! grep -qF -- "$1" flat || { echo "FAIL: the mail says \"$1\""; return 1; }
}

# A note or other answer (not a confirmation): no confirm address in it.
no_confirm_address() {
	test -z "$(header Reply-To)" &&
	! grep -q "+confirm-" "$MAIL"
}

# mfield ADDR FIELD [COMMUNITY]: FIELD of kring member show --json.
mfield() {
	kring member -c kring.conf --community "${3:-kring}" --json \
		show "$1" >show.json &&
	"$PYTHON" -c 'import json, sys
v = json.load(open("show.json"))[sys.argv[1]]
print("null" if v is None else str(v).lower() if isinstance(v, bool) else v)' "$2"
}

# no_member ADDR [COMMUNITY]: no record at all, so not a member.
no_member() {
	test "$(mfield "$1" record "$2")" = false &&
	test "$(mfield "$1" state "$2")" = none
}

# The confirm address of MAIL: its Reply-To, checked for shape.
confirm_address() {
	header Reply-To >reply_to &&
	grep -Eqx "${1:-kring}\+confirm-[a-z0-9.]+@example\.org" reply_to &&
	cat reply_to
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

test_expect_success 'setup: the sink, kringd delivering to it' '
	write_config 100 1000 &&
	sink_start &&
	kringd_start -r 127.0.0.1:$SINK_PORT &&
	test -s store/hmac.key
'

# ---------------------------------------------------------------- join

test_expect_success 'subscribe: a confirmation to the sender, Reply-To the confirm address' '
	t0=$(date +%s) &&
	send "Ann Smith <ann@example.net>" kring+subscribe@example.org "Sign me up" &&
	t1=$(date +%s) &&
	collect 1 &&
	mail_for ann@example.net &&
	grep -Fqx "MAIL FROM:<kring+bounce-1@example.org>" "${MAIL%.eml}.env" &&
	test "$(header To)" = "Ann Smith <ann@example.net>" &&
	test "$(header From)" = "kring <kring@example.org>" &&
	test "$(header Auto-Submitted)" = auto-replied &&
	subject_is "Confirm that you want to join kring" &&
	ANN_JOIN=$(confirm_address) &&
	says "Hello Ann Smith," \
		"Someone, probably you, asked to join kring with this email address." \
		"To confirm, just reply to this email" \
		"Or send an email to $ANN_JOIN." \
		"Please do this within 48 hours." \
		"you can ignore this email: nothing will change" &&
	"$PYTHON" "$MAILPART" "$MAIL" html | grep -F "mailto:$ANN_JOIN" &&
	no_member ann@example.net
'

test_expect_success 'the token is the HMAC over action, community, address and expiry day' '
	tok=${ANN_JOIN#kring+confirm-} && tok=${tok%@example.org} &&
	day=${tok%%.*} && day=${day#s} &&
	lo=$(( (t0 + 48 * 3600 + 86399) / 86400 )) &&
	hi=$(( (t1 + 48 * 3600 + 86399) / 86400 )) &&
	test $((0x$day)) -ge $lo && test $((0x$day)) -le $hi &&
	test "$(mktoken s kring ann@example.net "$day")" = "$tok" &&
	test "$(mktoken s kring bob@example.net "$day")" != "$tok" &&
	test "$(mktoken s club ann@example.net "$day")" != "$tok" &&
	test "$(mktoken u kring ann@example.net "$day")" != "$tok"
'

test_expect_success 'confirm by replying to the Reply-To address: welcome, member by mail' '
	send "Ann Smith <ann@example.net>" "$ANN_JOIN" \
		"Re: Confirm that you want to join kring" \
		"In-Reply-To: $("$PYTHON" "$MAILPART" "$MAIL" rawheader:Message-Id)" &&
	collect 1 &&
	mail_for ann@example.net &&
	subject_is "Welcome to kring" &&
	test "$(header Auto-Submitted)" = auto-replied &&
	no_confirm_address &&
	says "Hello Ann Smith," "Welcome to kring! ann@example.net is now a member." \
		"You will get each post by email, as it comes in." \
		"write to kring@example.org and every member gets it" \
		"To leave: kring+unsubscribe@example.org" &&
	test "$(mfield ann@example.net state)" = member &&
	test "$(mfield ann@example.net how)" = mail &&
	test "$(mfield ann@example.net mode)" = each &&
	test "$(mfield ann@example.net name)" = "Ann Smith" &&
	ANN_JOINED=$(mfield ann@example.net joined) &&
	test "$ANN_JOINED" != null &&
	grep "member confirm from=<ann@example.net> community=kring: joined" kringd.log
'

test_expect_success 'subscribe again: one note "already a member", no new confirmation' '
	send "Ann Smith <ann@example.net>" kring+subscribe@example.org &&
	collect 1 &&
	mail_for ann@example.net &&
	subject_is "You are already a member of kring" &&
	no_confirm_address &&
	says "This address is already a member of kring, so nothing was changed." \
		"To leave, send an email to kring+unsubscribe@example.org." &&
	test "$(mfield ann@example.net state)" = member &&
	test "$(mfield ann@example.net joined)" = "$ANN_JOINED"
'

test_expect_success 'the join token again (a replay): note "already used", nothing changed' '
	send "Ann Smith <ann@example.net>" "$ANN_JOIN" "Re: again" &&
	collect 1 &&
	mail_for ann@example.net &&
	subject_is "kring: this confirmation was already used" &&
	says "This confirmation was already used, so nothing was changed again." &&
	no_confirm_address &&
	test "$(mfield ann@example.net state)" = member &&
	test "$(mfield ann@example.net joined)" = "$ANN_JOINED"
'

# ------------------------------------------------------------ settings

test_expect_success '+settings: the settings, as they are' '
	send "Ann Smith <ann@example.net>" kring+settings@example.org &&
	collect 1 &&
	mail_for ann@example.net &&
	subject_is "Your settings in kring" &&
	says "Address ann@example.net" "Name Ann Smith" \
		"Delivery each post by email" "Language English" \
		"Member since $(echo "$ANN_JOINED" | cut -c1-10)" &&
	says_not "Done:"
'

test_expect_success '+digest, +nomail, +each: the mode changes, each answered' '
	send "Ann Smith <ann@example.net>" kring+digest@example.org &&
	collect 1 && mail_for ann@example.net &&
	subject_is "Done: your settings in kring" &&
	says "Done: your delivery is changed." \
		"Delivery the posts together, in a digest" &&
	test "$(mfield ann@example.net mode)" = digest &&
	send "Ann Smith <ann@example.net>" kring+nomail@example.org &&
	collect 1 && mail_for ann@example.net &&
	says "Done: your delivery is changed." "Delivery no posts by email" &&
	test "$(mfield ann@example.net mode)" = nomail &&
	send "Ann Smith <ann@example.net>" KRING+Each@Example.ORG &&
	collect 1 && mail_for ann@example.net &&
	says "Done: your delivery is changed." "Delivery each post by email" &&
	test "$(mfield ann@example.net mode)" = each &&
	test "$(mfield ann@example.net state)" = member
'

test_expect_success '+name: the Subject is the new display name' '
	send "Ann Smith <ann@example.net>" kring+name@example.org "  Ann   van Dijk " &&
	collect 1 && mail_for ann@example.net &&
	subject_is "Done: your settings in kring" &&
	says "Hello Ann van Dijk," \
		"Done: the name shown for you is changed." "Name Ann van Dijk" &&
	test "$(mfield ann@example.net name)" = "Ann van Dijk"
'

test_expect_success '+name with an 8-bit UTF-8 Subject, and an RFC 2047 one' '
	utf8=$(printf "\303\205nne M\303\274ller-\303\230rsted") &&
	send "Ann Smith <ann@example.net>" kring+name@example.org "$utf8" &&
	collect 1 && mail_for ann@example.net &&
	says "Done: the name shown for you is changed." "Name $utf8" &&
	test "$(mfield ann@example.net name)" = "$utf8" &&
	send "Ann Smith <ann@example.net>" kring+name@example.org \
		"=?UTF-8?Q?Ann_=C3=A9=C3=A9n?=" &&
	collect 1 && mail_for ann@example.net &&
	says "Name $(printf "Ann \303\251\303\251n")" &&
	test "$(mfield ann@example.net name)" = "$(printf "Ann \303\251\303\251n")"
'

test_expect_success '+name: 64 bytes taken; 65, a huge Subject or none refused with the name note' '
	n64=$(printf "%064d" 0 | tr 0 n) &&
	send "Ann Smith <ann@example.net>" kring+name@example.org "$n64" &&
	collect 1 && mail_for ann@example.net &&
	says "Name $n64" &&
	test "$(mfield ann@example.net name)" = "$n64" &&
	for subj in "${n64}x" "$(printf "%02000d" 0 | tr 0 y)" -; do
		send "Ann Smith <ann@example.net>" kring+name@example.org "$subj" &&
		collect 1 && mail_for ann@example.net &&
		subject_is "kring: this name cannot be used" &&
		says "This name cannot be used: write the name you want as the subject of an email to kring+name@example.org, not empty, and at most 64 characters. Nothing was changed." &&
		no_confirm_address &&
		test "$(mfield ann@example.net name)" = "$n64" || return 1
	done
'

test_expect_success 'an empty message to a command: 554 5.6.0, no answer, nothing changed' '
	before=$(mfield ann@example.net changed) &&
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
	collect 0 &&
	test "$(mfield ann@example.net mode)" = each &&
	test "$(mfield ann@example.net changed)" = "$before"
'

test_expect_success '+lang-nl: answered in Dutch, and so is what follows; +lang-en back' '
	send "Ann Smith <ann@example.net>" kring+lang-nl@example.org &&
	collect 1 && mail_for ann@example.net &&
	subject_is "Gedaan: je instellingen bij kring" &&
	says "Gedaan: we schrijven je voortaan in het Nederlands." \
		"Taal Nederlands" "Bezorging elk bericht per e-mail" &&
	says_not "Kind regards" &&
	test "$(mfield ann@example.net lang)" = nl &&
	send "Ann Smith <ann@example.net>" kring+settings@example.org &&
	collect 1 && mail_for ann@example.net &&
	subject_is "Je instellingen bij kring" &&
	says "JE INSTELLINGEN" "Taal Nederlands" &&
	send "Ann Smith <ann@example.net>" kring+help@example.org &&
	collect 1 && mail_for ann@example.net &&
	subject_is "Zo werkt kring per e-mail" &&
	says "kring werkt per e-mail." "Je bent lid, en je krijgt elk bericht per e-mail." &&
	send "Ann Smith <ann@example.net>" kring+lang-en@example.org &&
	collect 1 && mail_for ann@example.net &&
	subject_is "Done: your settings in kring" &&
	says "Done: from now on we write to you in English." "Language English" &&
	test "$(mfield ann@example.net lang)" = en
'

test_expect_success 'an unknown command: the help, "Not understood", nothing changed' '
	before=$(mfield ann@example.net changed) &&
	send "Ann Smith <ann@example.net>" kring+frobnicate@example.org &&
	collect 1 && mail_for ann@example.net &&
	subject_is "Not understood: “frobnicate” – how kring works by email" &&
	says "We did not understand “frobnicate” as a command, so nothing was changed." \
		"You are a member, and you get each post by email." \
		"To see your settings: kring+settings@example.org" &&
	no_confirm_address &&
	test "$(mfield ann@example.net changed)" = "$before" &&
	send bob@example.net "kring+what=ever@example.org" &&
	collect 1 && mail_for bob@example.net &&
	subject_is "Not understood: “what=ever” – how kring works by email" &&
	says "This address is not a member." "To join: kring+subscribe@example.org" &&
	says_not "To see your settings" &&
	no_member bob@example.net
'

# --------------------------------------------------------------- leave

test_expect_success 'unsubscribe: a leave confirmation; still a member until confirmed' '
	send "Ann Smith <ann@example.net>" kring+unsubscribe@example.org &&
	collect 1 && mail_for ann@example.net &&
	subject_is "Confirm that you want to leave kring" &&
	ANN_LEAVE=$(confirm_address) &&
	test "$ANN_LEAVE" != "$ANN_JOIN" &&
	case $ANN_LEAVE in kring+confirm-u*) ;; *) false ;; esac &&
	says "asked to take this email address off kring." \
		"Or send an email to $ANN_LEAVE." &&
	test "$(mfield ann@example.net state)" = member
'

test_expect_success 'confirming the leave: goodbye, state left' '
	send "Ann van Dijk <ann@example.net>" "$ANN_LEAVE" "Re: leave" &&
	collect 1 && mail_for ann@example.net &&
	subject_is "You have left kring" &&
	says "ann@example.net is no longer a member of kring." \
		"You will get no more posts from us." \
		"Send an email to kring+subscribe@example.org." &&
	test "$(mfield ann@example.net state)" = left
'

test_expect_success 'after leaving: the old join token does not bring her back; +settings is a note' '
	send "Ann Smith <ann@example.net>" "$ANN_JOIN" "Re: join" &&
	collect 1 && mail_for ann@example.net &&
	subject_is "kring: this confirmation was already used" &&
	test "$(mfield ann@example.net state)" = left &&
	send "Ann Smith <ann@example.net>" "$ANN_LEAVE" "Re: leave" &&
	collect 1 && mail_for ann@example.net &&
	subject_is "kring: this confirmation was already used" &&
	send "Ann Smith <ann@example.net>" kring+settings@example.org &&
	collect 1 && mail_for ann@example.net &&
	subject_is "This address is not a member of kring" &&
	says "This address is not a member of kring, so nothing was changed." \
		"To join, send an email to kring+subscribe@example.org." &&
	test "$(mfield ann@example.net state)" = left
'

# -------------------------------------------------------------- tokens

test_expect_success '+join (an alias): bob gets his confirmation' '
	send "Bob Jansen <bob@example.net>" kring+join@example.org &&
	collect 1 && mail_for bob@example.net &&
	subject_is "Confirm that you want to join kring" &&
	BOB_JOIN=$(confirm_address) &&
	BOB_TOK=${BOB_JOIN#kring+confirm-} && BOB_TOK=${BOB_TOK%@example.org} &&
	BOB_DAY=${BOB_TOK%%.*} && BOB_DAY=${BOB_DAY#s} &&
	BOB_MAC=${BOB_TOK#*.} &&
	no_member bob@example.net
'

# token_note FROM TOKEN SUBJECT TEXT: mailing +confirm-TOKEN as FROM gets
# one note with SUBJECT and TEXT, and no confirm address.
token_note() {
	send "$1" "kring+confirm-$2@example.org" "Re: confirm" &&
	collect 1 &&
	mail_for "$(printf "%s\n" "$1" | sed "s/.*<\(.*\)>.*/\1/")" &&
	subject_is "$3" &&
	says "$4" &&
	no_confirm_address
}

FORGED="This confirmation address is not valid for this email address, so nothing was changed."
MALFORMED="This confirmation address is not complete or not valid, so nothing was changed."

test_expect_success 'a forged token (one character of the MAC, or the expiry, changed): note, nothing changed' '
	last=${BOB_MAC#"${BOB_MAC%?}"} &&
	if [ "$last" = 0 ]; then other=1; else other=0; fi &&
	token_note "Bob Jansen <bob@example.net>" "s$BOB_DAY.${BOB_MAC%?}$other" \
		"kring: this confirmation address is not valid" "$FORGED" &&
	no_member bob@example.net &&
	token_note "Bob Jansen <bob@example.net>" "s$(printf %x $((0x$BOB_DAY + 30))).$BOB_MAC" \
		"kring: this confirmation address is not valid" "$FORGED" &&
	token_note "Bob Jansen <bob@example.net>" "u$BOB_DAY.$BOB_MAC" \
		"kring: this confirmation address is not valid" "$FORGED" &&
	no_member bob@example.net &&
	grep "member confirm from=<bob@example.net> community=kring: token forged or for another address" kringd.log
'

test_expect_success 'bob'"'"'s token mailed by another address: note, neither changed' '
	token_note "Carl <carl@example.net>" "$BOB_TOK" \
		"kring: this confirmation address is not valid" "$FORGED" &&
	no_member carl@example.net &&
	no_member bob@example.net
'

test_expect_success 'a genuine token for another action (a staff approve token): note, nothing changed' '
	token_note "Bob Jansen <bob@example.net>" "$(mktoken a kring bob@example.net "$BOB_DAY")" \
		"kring: this confirmation address is not valid" \
		"This address is not for confirming a membership, so nothing was changed." &&
	no_member bob@example.net &&
	grep "member confirm from=<bob@example.net> community=kring: token for another action" kringd.log
'

test_expect_success 'empty and garbage tokens: the note "not complete or not valid", nothing changed' '
	token_note gina@example.net "" \
		"kring: this confirmation address is not valid" "$MALFORMED" &&
	token_note gina@example.net zzz \
		"kring: this confirmation address is not valid" "$MALFORMED" &&
	token_note gina@example.net "s$BOB_DAY.$BOB_MAC$BOB_MAC" \
		"kring: this confirmation address is not valid" "$MALFORMED" &&
	token_note gina@example.net "s$BOB_DAY" \
		"kring: this confirmation address is not valid" "$MALFORMED" &&
	no_member gina@example.net
'

test_expect_success 'a 300-character token: refused at RCPT (local part too long), no answer' '
	long=$(printf "%0300d" 0 | tr 0 a) &&
	! send gina@example.net "kring+confirm-$long@example.org" &&
	grep "^<\*\* *501 5.1.3" swaks.out &&
	collect 0 &&
	no_member gina@example.net
'

test_expect_success 'none of that used up bob'"'"'s token: it still works (in any case)' '
	upper=$(printf "%s\n" "$BOB_JOIN" | tr a-z A-Z) &&
	send "Bob Jansen <bob@example.net>" "$upper" "Re: Confirm" &&
	collect 1 && mail_for bob@example.net &&
	subject_is "Welcome to kring" &&
	says "Hello Bob Jansen," "bob@example.net is now a member." &&
	test "$(mfield bob@example.net state)" = member &&
	test "$(mfield bob@example.net how)" = mail
'

test_expect_success 'a confirmation asked for now, to expire later (see below)' '
	send "Late Comer <late@example.net>" kring+subscribe@example.org &&
	collect 1 && mail_for late@example.net &&
	subject_is "Confirm that you want to join kring" &&
	LATE_JOIN=$(confirm_address) &&
	no_member late@example.net
'

# -------------------------------------------------- robots, no backscatter

test_expect_success 'the null sender to +subscribe: taken, not answered (no backscatter)' '
	ENVFROM="<>" &&
	send "Gus <gus@example.net>" kring+subscribe@example.org &&
	ENVFROM= &&
	grep -F "MAIL FROM:<>" swaks.out &&
	qid=$(queue_id) && test -n "$qid" &&
	grep "$qid: 1 member request(s) from a robot or a loop: not answered" kringd.log &&
	collect 0 &&
	no_member gus@example.net
'

test_expect_success 'Auto-Submitted: auto-replied, or Precedence: bulk, to a command: not answered' '
	send "Gus <gus@example.net>" kring+subscribe@example.org "Out of office" \
		"Auto-Submitted: auto-replied" &&
	qid=$(queue_id) && test -n "$qid" &&
	grep "$qid: 1 member request(s) from a robot or a loop: not answered" kringd.log &&
	send "Hal <hal@example.net>" kring+help@example.org "Newsletter" \
		"Precedence: bulk" &&
	qid=$(queue_id) && test -n "$qid" &&
	grep "$qid: 1 member request(s) from a robot or a loop: not answered" kringd.log &&
	collect 0 &&
	no_member gus@example.net
'

test_expect_success 'Auto-Submitted: no is a person: answered' '
	send "Ivo <ivo@example.net>" kring+help@example.org "Help?" "Auto-Submitted: no" &&
	collect 1 && mail_for ivo@example.net &&
	subject_is "How kring works by email" &&
	says "Hello Ivo," "kring works by email." "This address is not a member." &&
	says_not "Not understood"
'

# ----------------------------------------------------- closed community

# apply FROM ADDR: subscribe to club and confirm; the confirmation
# checked on the way.
apply() {
	send "$1" club+subscribe@example.org &&
	collect 1 && mail_for "$2" &&
	subject_is "Confirm that you want to join The Savers Club" &&
	says "asked to join The Savers Club" &&
	send "$1" "$(confirm_address club)" "Re: Confirm"
}

test_expect_success 'closed: a confirmed join is an application, "with the staff"' '
	apply "Dora Dekker <dora@example.net>" dora@example.net &&
	collect 1 && mail_for dora@example.net &&
	subject_is "Your request to join The Savers Club is with the staff" &&
	says "Hello Dora Dekker," \
		"Your request to join The Savers Club is with the staff. They decide on each request, and you get an email either way." &&
	says_not "Welcome" &&
	test "$(mfield dora@example.net state club)" = applied &&
	test "$(mfield dora@example.net joined club)" = null &&
	no_member dora@example.net kring &&
	grep "member confirm from=<dora@example.net> community=club: applied: for the staff; no staff to tell" kringd.log
'

test_expect_success 'closed: subscribing again while applied is a note, not a new confirmation' '
	send "Dora Dekker <dora@example.net>" club+subscribe@example.org &&
	collect 1 && mail_for dora@example.net &&
	subject_is "Your request to join The Savers Club is with the staff" &&
	no_confirm_address &&
	test "$(mfield dora@example.net state club)" = applied
'

test_expect_success 'closed: kring member approve previews, changes nothing; --send welcomes' '
	kring member -c kring.conf --community club approve dora@example.net >preview.mbox 2>err &&
	grep "preview: nothing changed" err &&
	test "$("$PYTHON" "$MAILPART" preview.mbox count)" = 1 &&
	"$PYTHON" "$MAILPART" preview.mbox header:Subject | grep -Fx "Welcome to The Savers Club" &&
	collect 0 &&
	test "$(mfield dora@example.net state club)" = applied &&
	kring member -c kring.conf --community club approve dora@example.net --send 2>err &&
	grep "dora@example.net: approved" err &&
	collect 1 && mail_for dora@example.net &&
	subject_is "Welcome to The Savers Club" &&
	test "$(header Auto-Submitted)" = auto-generated &&
	says "Welcome to The Savers Club! dora@example.net is now a member." &&
	test "$(mfield dora@example.net state club)" = member &&
	test "$(mfield dora@example.net how club)" = approval &&
	test_expect_code 65 kring member -c kring.conf --community club approve dora@example.net 2>err &&
	grep "has not applied" err
'

test_expect_success 'closed: apply, then kring member reject --send: "not accepted", no member' '
	apply "Erik <erik@example.net>" erik@example.net &&
	collect 1 && mail_for erik@example.net &&
	subject_is "Your request to join The Savers Club is with the staff" &&
	kring member -c kring.conf --community club reject erik@example.net --send 2>err &&
	grep "erik@example.net: turned down" err &&
	collect 1 && mail_for erik@example.net &&
	subject_is "Your request to join The Savers Club was not accepted" &&
	says "The staff of The Savers Club did not accept your request to join. You are not a member, and you will get no posts from us." &&
	says_not "Welcome" &&
	test "$(mfield erik@example.net state club)" = none &&
	test_expect_code 65 kring member -c kring.conf --community club reject erik@example.net 2>err
'

test_expect_success 'closed: an invitation (kring member invite --send) admits when accepted by mail' '
	kring member -c kring.conf --community club invite fay@example.net --send 2>err &&
	grep "1 invited" err &&
	collect 1 && mail_for fay@example.net &&
	subject_is "You are invited to join The Savers Club" &&
	FAY=$(confirm_address club) &&
	case $FAY in club+confirm-i*) ;; *) false ;; esac &&
	says "You are invited to join The Savers Club" \
		"To accept, just reply to this email" "Or send an email to $FAY." \
		"The invitation is valid for 48 hours." &&
	test "$(mfield fay@example.net state club)" = invited &&
	send "Fay Visser <fay@example.net>" "$FAY" "Re: You are invited" &&
	collect 1 && mail_for fay@example.net &&
	subject_is "Welcome to The Savers Club" &&
	says "Hello Fay Visser," "fay@example.net is now a member." &&
	test "$(mfield fay@example.net state club)" = member &&
	test "$(mfield fay@example.net how club)" = invitation &&
	test "$(mfield fay@example.net name club)" = "Fay Visser"
'

test_expect_success 'an invitation is for its address only' '
	send "Eve <eve@example.net>" "$FAY" "Re: You are invited" &&
	collect 1 && mail_for eve@example.net &&
	subject_is "The Savers Club: this confirmation address is not valid" &&
	says "$FORGED" &&
	no_member eve@example.net club
'

# --------------------------------------------------------------- Dutch

test_expect_success '+aanmelden: the confirmation in Dutch' '
	send "Ineke de Vries <ineke@example.net>" kring+aanmelden@example.org &&
	collect 1 && mail_for ineke@example.net &&
	subject_is "Bevestig je aanmelding bij kring" &&
	INEKE=$(confirm_address) &&
	says "Hallo Ineke de Vries," \
		"Iemand, waarschijnlijk jij, wil zich met dit e-mailadres aanmelden bij kring." \
		"Of stuur een e-mail naar $INEKE." "Doe dit binnen 48 uur." &&
	says_not "Kind regards"
'

test_expect_success '... and her welcome, after she confirms, in Dutch too' '
	test -n "$INEKE" &&
	send "Ineke de Vries <ineke@example.net>" "$INEKE" "Re: Bevestig" &&
	collect 1 && mail_for ineke@example.net &&
	subject_is "Welkom bij kring" &&
	says "Welkom bij kring! ineke@example.net is nu lid." &&
	test "$(mfield ineke@example.net state)" = member
'

# ----------------------------------------------------- never a post

test_expect_success 'no command was stored as a post; a non-member post is refused' '
	test "$(stored_count kring)" = 0 &&
	test "$(stored_count club)" = 0 &&
	test -z "$(kring threads -s store --community kring)" &&
	! send "Zed <zed@example.net>" kring@example.org "Hello all" &&
	grep "550 5.7.1 <zed@example.net>: only members of kring@example.org may post; to join, write to kring+subscribe@example.org" swaks.out &&
	test "$(stored_count kring)" = 0 &&
	collect 0
'

# ------------------------------------------------ expiry and the limits
#
# kringd reads the clock through kring_now(), which honours KRING_NOW
# ("TIME+": starts at TIME and runs on).  Restarted four days on, with
# tighter limits, late's 48-hour token from above has expired.  Limits:
# 2 answers per address a day, 6 commands per client an hour (counted in
# kringd's memory, so from 0 after the restart).

test_expect_success 'restart four days later, with tighter limits' '
	kringd_stop &&
	write_config 2 6 &&
	KRING_NOW="$(( $(date +%s) + 4 * 86400 ))+" &&
	export KRING_NOW &&
	kringd_start -r 127.0.0.1:$SINK_PORT &&
	unset KRING_NOW
'

test_expect_success 'an expired token: note "has expired", nothing changed' '
	send "Late Comer <late@example.net>" "$LATE_JOIN" "Re: Confirm" &&
	collect 1 && mail_for late@example.net &&
	subject_is "kring: this confirmation has expired" &&
	says "Hello Late Comer," \
		"This confirmation has expired, so nothing was changed. Please ask again: we will send you a new one." &&
	no_confirm_address &&
	no_member late@example.net &&
	grep "member confirm from=<late@example.net> community=kring: token expired" kringd.log
'

test_expect_success 'per address: the third request in a day is carried out but not answered' '
	kring member -c kring.conf add rita@example.net >/dev/null &&
	collect 0 &&
	send "Rita <rita@example.net>" kring+digest@example.org &&
	collect 1 && mail_for rita@example.net && says "Delivery the posts together, in a digest" &&
	send "Rita <rita@example.net>" kring+nomail@example.org &&
	collect 1 && mail_for rita@example.net && says "Delivery no posts by email" &&
	send "Rita <rita@example.net>" kring+each@example.org &&
	qid=$(queue_id) &&
	grep "$qid: member mode from=<rita@example.net> community=kring: mode each, no answer: over the daily limit" kringd.log &&
	collect 0 &&
	test "$(mfield rita@example.net mode)" = each
'

test_expect_success 'per client: the seventh command in the hour gets 450 4.7.1, and is not carried out' '
	send "Una <una@example.net>" kring+help@example.org &&
	send "Una <una@example.net>" kring+help@example.org &&
	collect 2 &&
	! send "Vic <vic@example.net>" kring+subscribe@example.org &&
	grep "450 4.7.1 too many member requests from \[127.0.0.1\]" swaks.out &&
	collect 0 &&
	no_member vic@example.net
'

test_expect_success 'per client: another client is not held up' '
	SOURCE=127.0.0.2 &&
	send "Vic <vic@example.net>" kring+subscribe@example.org &&
	SOURCE=127.0.0.1 &&
	collect 1 && mail_for vic@example.net &&
	subject_is "Confirm that you want to join kring"
'

test_expect_success 'kringd and the sink stop cleanly' '
	kringd_stop &&
	sink_stop
'

test_done
