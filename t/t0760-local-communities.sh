#!/bin/sh
test_description='central and local communities: the figures per local one

A community naming a parent is a local one.  The central staff'"'"'s
newsletter has a section with each local community'"'"'s figures,
computed here from what was posted; a local staff'"'"'s newsletter has
no such section, and a central community without locals neither.'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-kringd.sh"

cat >kring.conf <<\EOF
hostname = "kring.test"
store = "store"
community "central" {
	address = "leden@bank.example"
	description = "Ledenraad"
	outside_posts = true
	staff "carla@bank.example" { name = "Carla" }
}
community "utrecht" {
	address = "utrecht@bank.example"
	description = "Ledenraad Utrecht"
	parent = "central"
	outside_posts = true
	staff "ursula@bank.example" { name = "Ursula" }
}
community "zwolle" {
	address = "zwolle@bank.example"
	description = "Ledenraad Zwolle"
	parent = "central"
	outside_posts = true
	staff "zeger@bank.example" { name = "Zeger" }
}
EOF

post() {	# post FROM TO MESSAGE-ID [IN-REPLY-TO]
	swaks --server 127.0.0.1:"$KRINGD_PORT" --from "$1" --to "$2" \
		--header "Subject: Post $3" --header "Message-Id: <$3@x>" \
		${4:+--header "In-Reply-To: <$4@x>"} --body "Text $3." --silent 1
}

# newsletter COMMUNITY: the preview's text part on stdout, its HTML part
# in html.
newsletter() {
	kring newsletter -c kring.conf --community "$1" \
		--since 2000-01-01 --until 2100-01-01 >mail 2>err &&
	"$PYTHON" -c 'import email, sys
m = email.message_from_binary_file(open("mail", "rb"))
for part in m.walk():
    body = part.get_payload(decode=True)
    if part.get_content_type() == "text/plain":
        sys.stdout.write(body.decode())
    elif part.get_content_type() == "text/html":
        open("html", "w").write(body.decode())'
}

test_expect_success 'posts in the central and one local community' '
	kringd_start &&
	post anna@example.net utrecht@bank.example u1 &&
	post bram@example.net utrecht@bank.example u2 &&
	post anna@example.net utrecht@bank.example u3 &&
	post ursula@bank.example utrecht@bank.example u4 u1 &&
	post carl@example.net leden@bank.example c1 &&
	kringd_stop
'

test_expect_success 'the central newsletter has each local community'"'"'s figures' '
	newsletter central >text &&
	sed -n "/^LOCAL COMMUNITIES$/,/^[A-Z]/p" text >section &&
	cat >expect <<-\EOF &&
	LOCAL COMMUNITIES

	- Ledenraad Utrecht
	  member posts: 3, members who posted: 2, staff posts: 1
	  answered within the promise: 100% of 1, still unanswered: 2
	- Ledenraad Zwolle
	  no posts in this period


	POSTS PER DAY
	EOF
	test_cmp expect section &&
	grep ">Local communities</h2>" html &&
	grep "member posts 3, members who posted 2, staff posts 1<br>answered within the promise 100% of 1, still unanswered 2" html &&
	grep "<strong>Ledenraad Zwolle</strong><br><span[^>]*>no posts in this period</span>" html
'

test_expect_success 'a local newsletter has no section of locals' '
	newsletter utrecht >text &&
	! grep "LOCAL COMMUNITIES" text &&
	grep "^To: .*ursula@bank.example" mail &&
	! grep "Local communities" html
'

test_expect_success 'in Dutch too' '
	sed "s/description = \"Ledenraad\"/description = \"Ledenraad\"\n\tlanguage = \"nl\"/" \
		kring.conf >nl.conf &&
	mv nl.conf kring.conf &&
	newsletter central >text &&
	grep -x "LOKALE COMMUNITIES" text &&
	grep -x "  berichten van leden: 3, leden die schreven: 2, van medewerkers: 1" text &&
	grep -x "  geen berichten in deze periode" text &&
	grep -x "  op tijd beantwoord: 100% van 1, nog onbeantwoord: 2" text &&
	grep ">Lokale communities</h2>" html
'

test_done
