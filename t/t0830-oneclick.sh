#!/bin/sh
test_description='one-click unsubscribe over HTTP (RFC 8058): kringd -w

Members get posts whose List-Unsubscribe carries their own https link;
curl plays the mail provider and the member.  A GET or HEAD (a link
scanner) shows a page and unsubscribes nobody; only a POST with
List-Unsubscribe=One-Click does, at once, with a goodbye mail.  Forged,
other-address, expired and garbage links, bad methods and big bodies
are refused and change nothing.'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-kringd.sh"
. "$TEST_DIR/lib-sink.sh"

if ! command -v curl >/dev/null 2>&1; then
	test_skip_all 'no curl (scripts/install-deps installs it)'
fi

cat >kring.conf <<\EOF
hostname = "kring.test"
store = "store"
web_url = "https://kring.example.org/lists"
community "kring" { address = "kring@example.org" description = "Kring" }
EOF

member() {
	kring member -c kring.conf "$@"
}

state_of() {	# state_of ADDRESS: member, left, ...
	member --json show "$1" | /usr/bin/python3 -c \
		'import json, sys; print(json.load(sys.stdin)["state"])'
}

post() {	# post FROM SUBJECT
	swaks --server 127.0.0.1:"$KRINGD_PORT" --from "$1" \
		--to kring@example.org --header "Subject: $2" \
		--body "Hello from $1." --silent 1
}

# The copy to $1 among the sink's messages (the last one, if several).
copy_to() {
	for f in $(sink_messages); do
		grep -q "^RCPT TO:<$1>" "${f%.eml}.env" && echo "$f"
	done | tail -1
}

# The path of the https link in the List-Unsubscribe of mail file $1.
link_path() {
	tr -d '\r' <"$1" | sed -n '/^List-Unsubscribe:/,/^[^ ]/p' |
		sed -n 's|.*<https://kring.example.org/lists\(/u/[^>]*\)>.*|\1|p'
}

web() {		# web [CURL ARGS] URL: the status code; the body in page
	curl -s -o page -D headers -w '%{http_code}' "$@"
}

goodbyes_to() {
	n=0
	for f in $(sink_messages); do
		if grep -q "^RCPT TO:<$1>" "${f%.eml}.env" &&
		    grep -q "^Subject: You have left Kring" "$f"; then
			n=$((n + 1))
		fi
	done
	echo $n
}

test_expect_success 'setup: members, a post, kringd with -w' '
	for who in ann bob carl dora; do
		member add $who@example.net --name "$who" >/dev/null || return 1
	done &&
	member set dora@example.net lang=nl >/dev/null &&
	sink_start &&
	kringd_start -r 127.0.0.1:$SINK_PORT -w 127.0.0.1:0 &&
	WEB_PORT=$(sed -n "s/.*listening on 127\\.0\\.0\\.1:\\([0-9]*\\) (http).*/\\1/p" \
		kringd.log | tail -1) &&
	test -n "$WEB_PORT" &&
	W=http://127.0.0.1:$WEB_PORT &&
	post ann@example.net "First post" &&
	sink_wait_count 3
'

test_expect_success 'each copy has its own https link and List-Unsubscribe-Post' '
	for who in bob carl dora; do
		f=$(copy_to $who@example.net) &&
		test -n "$f" &&
		link_path "$f" >path.$who &&
		grep -x "/u/kring/$who%40example.net/[^/]*" path.$who &&
		tr -d "\\r" <"$f" | grep -x \
			"List-Unsubscribe: <mailto:kring+unsubscribe@example.org>," &&
		tr -d "\\r" <"$f" |
			grep -x "List-Unsubscribe-Post: List-Unsubscribe=One-Click" ||
			return 1
	done &&
	test "$(sort -u path.bob path.carl path.dora | wc -l)" -eq 3
'

test_expect_success 'GET and HEAD show a page with a button and unsubscribe nobody' '
	p=$(cat path.bob) &&
	test "$(web "$W$p")" = 200 &&
	grep "<html lang=\"en\">" page &&
	grep "Leave Kring?" page &&
	grep "<strong style=\"word-break:break-all;\">bob@example.net</strong>" page &&
	grep "<form method=\"post\" style" page &&
	grep "<input type=\"hidden\" name=\"List-Unsubscribe\" value=\"One-Click\">" page &&
	tr -d "\\r" <headers | grep -x "Cache-Control: no-store" &&
	tr -d "\\r" <headers | grep -x "Referrer-Policy: no-referrer" &&
	test "$(web "$W$p")" = 200 &&
	test "$(web -I "$W$p")" = 200 &&
	test "$(state_of bob@example.net)" = member
'

test_expect_success 'the page is in the member'"'"'s language' '
	test "$(web "$W$(cat path.dora)")" = 200 &&
	grep "<html lang=\"nl\">" page &&
	grep "Afmelden bij Kring?" page &&
	! grep "Leave" page
'

test_expect_success 'a POST without List-Unsubscribe=One-Click changes nothing' '
	p=$(cat path.bob) &&
	test "$(web -X POST "$W$p")" = 400 &&
	grep "List-Unsubscribe=One-Click" page &&
	test "$(web --data List-Unsubscribe=Yes "$W$p")" = 400 &&
	test "$(web --data Other=One-Click "$W$p")" = 400 &&
	test "$(web -H "Content-Type: text/plain" \
		--data List-Unsubscribe=One-Click "$W$p")" = 400 &&
	test "$(state_of bob@example.net)" = member
'

test_expect_success 'forged, other-address and garbage links are refused' '
	p=$(cat path.bob) &&
	token=${p##*/} &&
	last=$(printf "%s" "$token" | tail -c 1) &&
	if [ "$last" = 0 ]; then other=1; else other=0; fi &&
	forged=${p%?}$other &&
	test "$(web --data List-Unsubscribe=One-Click "$W$forged")" = 403 &&
	grep "This link is not valid" page &&
	test "$(web --data List-Unsubscribe=One-Click \
		"$W/u/kring/carl%40example.net/$token")" = 403 &&
	test "$(web --data List-Unsubscribe=One-Click \
		"$W/u/kring/bob%40example.net/")" = 404 &&
	test "$(web --data List-Unsubscribe=One-Click \
		"$W/u/nosuch/bob%40example.net/$token")" = 404 &&
	test "$(web "$W/u/kring/bob%40example.net/garbage")" = 403 &&
	test "$(web "$W/")" = 404 &&
	test "$(web "$W/u/kring/$(printf "%02000d" 0)/x")" = 404 &&
	test "$(state_of bob@example.net)" = member &&
	test "$(state_of carl@example.net)" = member
'

test_expect_success 'other methods get 405 with Allow; a big body 413' '
	p=$(cat path.bob) &&
	test "$(web -X DELETE "$W$p")" = 405 &&
	tr -d "\\r" <headers | grep -x "Allow: GET, HEAD, POST" &&
	test "$(web -X PUT --data x "$W$p")" = 405 &&
	head -c 20000 /dev/zero | tr "\\0" a >big &&
	test "$(web --data-binary @big "$W$p")" = 413 &&
	test "$(state_of bob@example.net)" = member
'

test_expect_success 'POST List-Unsubscribe=One-Click: left at once, one goodbye' '
	p=$(cat path.bob) &&
	before=$(sink_count) &&
	test "$(web --data List-Unsubscribe=One-Click "$W$p")" = 200 &&
	grep "You have left Kring" page &&
	test "$(state_of bob@example.net)" = left &&
	sink_wait_count $((before + 1)) &&
	test "$(goodbyes_to bob@example.net)" = 1 &&
	f=$(copy_to bob@example.net) &&
	tr -d "\\r" <"$f" | grep -x "Auto-Submitted: auto-replied" &&
	grep "bob@example.net is no longer a member of Kring" "$f" &&
	grep "kringd: web: bob@example.net left kring by one click" kringd.log
'

test_expect_success 'a second POST: "not a member", no second goodbye' '
	p=$(cat path.bob) &&
	test "$(web --data List-Unsubscribe=One-Click "$W$p")" = 200 &&
	grep "Not a member" page &&
	test "$(web "$W$p")" = 200 &&
	grep "Not a member" page &&
	! grep "<form" page &&
	before=$(sink_count) &&
	post ann@example.net "Second post" &&
	sink_wait_count $((before + 2)) &&
	test "$(goodbyes_to bob@example.net)" = 1 &&
	test "$(sink_count)" -eq $((before + 2))
'

test_expect_success 'the form of the page works as multipart/form-data too' '
	test "$(web -F List-Unsubscribe=One-Click "$W$(cat path.carl)")" = 200 &&
	test "$(state_of carl@example.net)" = left &&
	test "$(web --data List-Unsubscribe=One-Click "$W$(cat path.dora)")" = 200 &&
	grep "Je bent afgemeld bij Kring" page &&
	test "$(state_of dora@example.net)" = left
'

test_expect_success 'a form part without a name (a fuzz-http finding): an answer, kringd goes on' '
	printf -- "--XX\r\nContent-Disposition: form-data\r\n\r\nOne-Click\r\n--XX--\r\n" >nameless &&
	code=$(web -H "Content-Type: multipart/form-data; boundary=XX" \
		--data-binary @nameless "$W$(cat path.carl)") &&
	test "$code" = 200 &&
	kill -0 $KRINGD_PID &&
	kringd_log_clean
'

test_expect_success 'an expired link: 410, nothing changed' '
	member add erik@example.net >/dev/null &&
	before=$(sink_count) &&
	post ann@example.net "Third post" &&
	sink_wait_count $((before + 1)) &&
	link_path "$(copy_to erik@example.net)" >path.erik &&
	test -s path.erik &&
	kringd_stop &&
	KRING_NOW=$(($(date -u +%Y) + 2))-01-01T00:00:00Z+ &&
	export KRING_NOW &&
	kringd_start -r 127.0.0.1:$SINK_PORT -w 127.0.0.1:$WEB_PORT &&
	unset KRING_NOW &&
	test "$(web --data List-Unsubscribe=One-Click "$W$(cat path.erik)")" = 410 &&
	grep "This link has expired" page &&
	grep "kring+unsubscribe@example.org" page &&
	test "$(state_of erik@example.net)" = member
'

test_expect_success 'without web_url the copies carry only the mailto link' '
	kringd_stop &&
	sed "/^web_url/d" kring.conf >kring.conf.new &&
	mv kring.conf.new kring.conf &&
	kringd_start -r 127.0.0.1:$SINK_PORT &&
	before=$(sink_count) &&
	post ann@example.net "Fourth post" &&
	sink_wait_count $((before + 1)) &&
	f=$(copy_to erik@example.net) &&
	tr -d "\\r" <"$f" | grep -x \
		"List-Unsubscribe: <mailto:kring+unsubscribe@example.org>" &&
	! grep "^List-Unsubscribe-Post:" "$f"
'

test_expect_success 'kringd -w with a bad address: a usage error, no start' '
	status=0 &&
	kringd -f -c kring.conf -l 127.0.0.1:0 -w nowhere 2>err || status=$? &&
	test "$status" = 78 &&
	grep -- "-w nowhere: not HOST:PORT" err
'

test_expect_success 'stop' '
	kringd_stop &&
	sink_stop
'

test_done
