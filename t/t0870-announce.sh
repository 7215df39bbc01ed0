#!/bin/sh
test_description='announcements: kring announce FILE and community+announce@ by staff

An announcement reaches every active member once, whatever the delivery
mode (each, digest, nomail), the members of local communities too; a
member of both gets it once, and a member whose mail bounces is left
out.  kring announce previews by default (an mbox and who it would
reach, nothing stored) and with --send stores the post and its fan-out,
which the real kringd expands into the real SMTP sink.  By mail it needs
a staff member with the manager or owner role and a proof, as every
staff action does.  Digests leave announcements out: the members have
them already.'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-kringd.sh"
. "$TEST_DIR/lib-sink.sh"
. "$TEST_DIR/lib-smtp.sh"

AR="Authentication-Results: mx.bank.example; dkim=pass header.d=bank.example header.s=s1"

cat >kring.conf <<\EOF
hostname = "kring.test"
store = "store"
authserv_id = "mx.bank.example"
delivery {
	retry_min = 1
	retry_max = 2
}
community "kring" {
	address = "kring@example.org"
	description = "Kring"
	staff "carla@bank.example" {
		name = "Carla Visser"
		roles = { "manager" }
	}
	staff "olga@bank.example" {
		name = "Olga"
		roles = { "owner" }
	}
	staff "mod@bank.example" {
		name = "Mo"
		roles = { "moderator" }
	}
}
community "noord" {
	address = "noord@example.org"
	description = "Kring Noord"
	parent = "kring"
	language = "nl"
}
EOF

member() {
	kring member -c kring.conf "$@" >/dev/null
}

# Wait until the outbox is empty (every copy made has reached the sink).
drained() {
	i=0
	while [ -n "$(kring outbox -c kring.conf)" ] ||
	    kring outbox -c kring.conf 2>&1 | grep -q .; do
		i=$((i + 1)); [ $i -le 300 ] || return 1; sleep 0.05
	done
}

part() {
	"$PYTHON" "$TEST_DIR/helper/mail-part.py" "$@"
}

# with_subject SUBJECT: the sink's mails with SUBJECT.
with_subject() {
	for f in $(sink_messages); do
		[ "$(part "$f" header:Subject)" != "$1" ] || echo "$f"
	done
}

# rcpts SUBJECT: the recipients of the sink's mails with SUBJECT, sorted.
rcpts() {
	for f in $(with_subject "$1"); do
		sed -n "s/^RCPT TO:<\(.*\)>\r*$/\1/p" "${f%.eml}.env"
	done | sort
}

test_expect_success 'setup: members in every mode and state, central and local' '
	member add ann@example.net --name Ann --mode each &&
	member add dan@example.net --name Dan --mode digest &&
	member add nora@example.net --name Nora --mode nomail &&
	member add lea@example.net --name Lea &&
	member remove lea@example.net &&
	member add carla@bank.example --name Carla --mode each &&
	member --community noord add both@example.net --mode digest &&
	member add both@example.net --mode nomail &&
	member --community noord add fenna@example.net --name Fenna &&
	printf "# New rules\n\nFrom **1 January** the community has new house rules.\n" >rules.md &&
	sink_start &&
	kringd_start -r 127.0.0.1:$SINK_PORT
'

test_expect_success 'kring announce without --send: the mail and who it reaches; nothing stored' '
	kring announce -c kring.conf --subject "New  house
rules" --from carla@bank.example rules.md >preview.mbox 2>err &&
	test "$(part preview.mbox count)" = 1 &&
	test "$(part preview.mbox header:Subject)" = "New house rules" &&
	test "$(part preview.mbox header:From)" = "Carla Visser <carla@bank.example>" &&
	test "$(part preview.mbox header:Reply-To)" = "Kring <kring@example.org>" &&
	part preview.mbox text | grep -q "From \*\*1 January\*\* the community" &&
	part preview.mbox html | grep -q "<strong>1 January</strong>" &&
	grep -qx "it would reach 5 members (2 each post, 1 digest, 2 no mail)" err &&
	grep -q "nothing sent (--send" err &&
	test "$(stored_count kring)" = 0 &&
	test -z "$(kring outbox -c kring.conf)"
'

test_expect_success 'refused: not staff, a moderator only, no subject, an empty file' '
	test_expect_code 65 kring announce -c kring.conf --subject S --from ann@example.net rules.md 2>err &&
	grep -q "ann@example.net is not staff of kring; nothing sent" err &&
	test_expect_code 65 kring announce -c kring.conf --subject S --from mod@bank.example rules.md 2>err &&
	grep -q "neither the manager nor the owner role" err &&
	test_expect_code 64 kring announce -c kring.conf rules.md 2>err &&
	: >empty.md &&
	test_expect_code 65 kring announce -c kring.conf --subject S empty.md 2>err &&
	grep -q "empty.md: empty" err &&
	test "$(stored_count kring)" = 0
'

test_expect_success 'with --send: every member once, whatever the mode; not the author, not who left' '
	kring announce -c kring.conf --subject "New house rules" --from carla@bank.example \
		rules.md --send >out &&
	grep -q "^announcement <.*@example.org> stored as message [0-9]*; kringd sends it to 5 members (2 each post, 1 digest, 2 no mail)$" out &&
	sink_wait_count 5 && drained &&
	rcpts "New house rules" >got &&
	printf "%s\n" ann@example.net both@example.net dan@example.net fenna@example.net nora@example.net >expect &&
	test_cmp expect got &&
	test "$(stored_count kring)" = 1
'

test_expect_success 'each copy says it goes to every member, in text and HTML; signed return paths' '
	test "$(with_subject "New house rules" | wc -l)" = 5 &&
	for f in $(with_subject "New house rules"); do
		part "$f" text | tr -s " \n" "  " | grep -q "This is an announcement to every member of Kring: it reaches you whatever your delivery settings" &&
		part "$f" html | tr -s " \n" "  " | grep -q "<em>This is an announcement to every member of Kring: it reaches you whatever your delivery settings.</em>" &&
		grep -q "^MAIL FROM:<kring+bounce-m[0-9]*-[0-9]*-[0-9a-f]\{10\}@example.org>" "${f%.eml}.env" || return 1
	done
'

test_expect_success 'the digest leaves the announcement out' '
	KRING_NOW=$(date -u -d "+1 hour" +%Y-%m-%dT%H:%M:%SZ) kring digest -c kring.conf \
		--since "$(date -u -d "-1 day" +%Y-%m-%dT%H:%M:%SZ)" >digest.mbox 2>derr &&
	grep -q "0 message(s) previewed" derr &&
	! grep -q "New house rules" digest.mbox
'

test_expect_success 'by mail to kring+announce@ from staff with a proof: everyone once' '
	n=$(sink_count) &&
	swaks --server 127.0.0.1:$KRINGD_PORT --from carla@bank.example \
		--to kring+announce@example.org --header "From: Carla Visser <carla@bank.example>" \
		--header "Subject: The community closes" --header "$AR" \
		--body "We close on 1 March; the archive stays." --silent 1 &&
	sink_wait_count $((n + 6)) && drained &&
	rcpts "The community closes" >got &&
	test_cmp expect got &&
	test "$(stored_count kring)" = 2
'

test_expect_success 'the staff member gets a confirmation that says how many it reaches' '
	f=$(with_subject "Kring: your announcement goes to 5 members") &&
	test "$(echo $f | wc -w)" = 1 &&
	grep -qx "RCPT TO:<carla@bank.example>" "${f%.eml}.env" &&
	part "$f" text | tr -s " \n" "  " | grep -q "Hello Carla Visser, Done: your announcement \"The community closes\" goes to 5 members of Kring, whatever their delivery settings, once each." &&
	part "$f" text | grep -q "You get this email as staff of Kring." &&
	test "$(part "$f" header:Auto-Submitted)" = auto-replied
'

test_expect_success 'a plain-text announcement by mail: the footer says so, in each member'"'"'s community language' '
	for f in $(with_subject "The community closes"); do
		if grep -q "^RCPT TO:<fenna@example.net>" "${f%.eml}.env"; then
			part "$f" text | tr -s " \n" "  " | grep -q "Deze mededeling gaat naar alle leden van Kring Noord, wat hun instellingen voor de bezorging ook zijn" || return 1
		else
			part "$f" text | tr -s " \n" "  " | grep -q "This announcement goes to every member of Kring, whatever their delivery settings" || return 1
		fi
	done
'

test_expect_success 'by mail: no proof, not staff, the wrong role: refused, nothing stored or sent' '
	! swaks --server 127.0.0.1:$KRINGD_PORT --from carla@bank.example \
		--to kring+announce@example.org --header "From: <carla@bank.example>" \
		--header "Subject: Fake" --body x >s1 2>&1 &&
	grep -q "550 5.7.1 not authenticated" s1 &&
	! swaks --server 127.0.0.1:$KRINGD_PORT --from mod@bank.example \
		--to kring+announce@example.org --header "From: <mod@bank.example>" \
		--header "Subject: Fake" --header "$AR" --body x >s2 2>&1 &&
	grep -q "550 5.7.1 mod@bank.example does not have the manager or owner role" s2 &&
	! swaks --server 127.0.0.1:$KRINGD_PORT --from ann@example.net \
		--to kring+announce@example.org --header "From: <ann@example.net>" \
		--header "Subject: Fake" --body x >s3 2>&1 &&
	grep -q "550 5.7.1 ann@example.net is not staff of kring" s3 &&
	test "$(stored_count kring)" = 2 &&
	drained && test -z "$(rcpts Fake)"
'

test_expect_success 'a topic by mail: the question reaches the members, the owner gets a confirmation' '
	n=$(sink_count) &&
	swaks --server 127.0.0.1:$KRINGD_PORT --from olga@bank.example \
		--to kring+topic@example.org --header "From: Olga <olga@bank.example>" \
		--header "Subject: Which app features?" --header "$AR" \
		--body "What do you miss in the app?" --silent 1 &&
	sink_wait_count $((n + 4)) && drained &&
	test "$(rcpts "Which app features?" | tr "\n" " ")" = "ann@example.net carla@bank.example fenna@example.net " &&
	f=$(with_subject "Kring: topic 1 is open") &&
	grep -qx "RCPT TO:<olga@bank.example>" "${f%.eml}.env" &&
	part "$f" text | tr -s " \n" "  " | grep -q "Done: your email \"Which app features?\" opened topic 1, \"Which app features?\". The question goes to the members as a post"
'

test_expect_success 'a summary by mail: the manager gets a confirmation naming the topic' '
	n=$(sink_count) &&
	swaks --server 127.0.0.1:$KRINGD_PORT --from carla@bank.example \
		--to kring+summary-1@example.org --header "From: Carla Visser <carla@bank.example>" \
		--header "Subject: Re: Which app features?" --header "$AR" \
		--body "Most of you want a savings goal." --silent 1 &&
	sink_wait_count $((n + 3)) && drained &&
	f=$(with_subject "Kring: the summary of topic 1 is recorded") &&
	grep -qx "RCPT TO:<carla@bank.example>" "${f%.eml}.env" &&
	part "$f" text | tr -s " \n" "  " | grep -q "Done: your email is recorded as the summary of topic 1, \"Which app features?\"" &&
	kring topic -c kring.conf show 1 | grep -q "savings goal"
'

test_expect_success 'an ordinary post still reaches only the each-post members' '
	n=$(sink_count) &&
	swaks --server 127.0.0.1:$KRINGD_PORT --from ann@example.net \
		--to kring@example.org --header "From: Ann <ann@example.net>" \
		--header "Subject: Just a post" --body "Hello." --silent 1 &&
	sink_wait_count $((n + 1)) && drained &&
	test "$(rcpts "Just a post" | tr "\n" " ")" = "carla@bank.example fenna@example.net "
'

test_expect_success 'stop' '
	kringd_stop &&
	kringd_log_clean &&
	sink_stop
'

test_done
