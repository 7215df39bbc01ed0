#!/bin/sh
test_description='the request address: community-request@, commands in the Subject

As Mailman'"'"'s: the first word of the Subject (after Re: and the like)
is the command, "confirm TOKEN" confirms, "name Ann" sets the name, an
empty Subject gets the help.  Nothing sent there is stored as a post.'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-kringd.sh"
. "$TEST_DIR/lib-sink.sh"

cat >kring.conf <<\EOF
hostname = "kring.test"
store = "store"
community "kring" { address = "kring@example.org" description = "Kring" }
EOF

send() {	# send FROM SUBJECT [TO]
	swaks --server 127.0.0.1:"$KRINGD_PORT" --from "$1" \
		--to "${3:-kring-request@example.org}" --header "Subject: $2" \
		--body "Please." --silent 1
}

# The Subject of the newest sink message, decoded.
last_subject() {
	"$PYTHON" -c 'import email, email.header, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"))
print(str(email.header.make_header(email.header.decode_header(m["Subject"]))))' \
		"$(sink_messages | tail -1)"
}

# The text part of the newest sink message, decoded.
last_text() {
	"$PYTHON" -c 'import email, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"))
for part in m.walk():
    if part.get_content_type() == "text/plain":
        sys.stdout.write(part.get_payload(decode=True).decode())
        break' "$(sink_messages | tail -1)"
}

member_field() {	# member_field ADDRESS KEY
	kring member -c kring.conf --json show "$1" |
		"$PYTHON" -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$2"
}

test_expect_success 'setup' '
	sink_start &&
	kringd_start -r 127.0.0.1:$SINK_PORT
'

test_expect_success '"subscribe" in the Subject: a confirmation' '
	send ann@example.net subscribe &&
	sink_wait_count 1 &&
	test "$(last_subject)" = "Confirm that you want to join Kring" &&
	f=$(sink_messages | tail -1) &&
	tr -d "\\r" <"$f" | sed -n "s/^Reply-To: <*kring+confirm-\\([^@]*\\)@example.org>*$/\\1/p" >token &&
	test -s token
'

test_expect_success '"Re: confirm TOKEN" to the request address joins' '
	send ann@example.net "Re: confirm $(cat token)" &&
	sink_wait_count 2 &&
	test "$(last_subject)" = "Welcome to Kring" &&
	test "$(member_field ann@example.net state)" = member
'

test_expect_success '"name Ann de Vries" sets the name; the address in any case' '
	send ann@example.net "name Ann de Vries" KRING-Request@Example.ORG &&
	sink_wait_count 3 &&
	test "$(last_subject)" = "Done: your settings in Kring" &&
	test "$(member_field ann@example.net name)" = "Ann de Vries"
'

test_expect_success 'an empty Subject gets the help; an unknown word "not understood"' '
	send bob@example.net "" &&
	sink_wait_count 4 &&
	test "$(last_subject)" = "How Kring works by email" &&
	send bob@example.net "Fwd: frobnicate now" &&
	sink_wait_count 5 &&
	test "$(last_subject)" = "Not understood: “frobnicate” – how Kring works by email" &&
	last_text | grep "^We did not understand “frobnicate” as a command, so$"
'

test_expect_success '"confirm" with a bad token: a note, nothing changed' '
	send bob@example.net "confirm s1234.0123456789abcdef" &&
	sink_wait_count 6 &&
	test "$(last_subject)" = "Kring: this confirmation address is not valid" &&
	test "$(member_field bob@example.net state)" = none
'

test_expect_success 'nothing sent to the request address is a post' '
	kring stats -c kring.conf --json >stats &&
	grep -x "{\"community\":\"kring\",\"messages\":0,\"threads\":0,\"senders\":0}" stats
'

test_expect_success 'another-request@ is no address of ours' '
	! swaks --server 127.0.0.1:"$KRINGD_PORT" --from x@example.net \
		--to other-request@example.org --silent 1 >out 2>&1 &&
	grep "550 5.1.1" out
'

test_expect_success 'stop' '
	kringd_stop &&
	sink_stop
'

test_done
