#!/bin/sh
test_description='postmaster@ and abuse@ kept for the admin; bounces kept apart from posts'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-kringd.sh"
. "$TEST_DIR/lib-smtp.sh"

test_expect_success 'kringd starts' '
	kringd_start
'

test_expect_success 'postmaster@ and abuse@ of a community domain: 250, any case' '
	smtp_chat <<-\EOF
	< 220
	> EHLO c
	< 250
	> MAIL FROM:<a@example.net>
	< 250
	> RCPT TO:<postmaster@example.org>
	< 250 2.1.5
	> RCPT TO:<PostMaster@Bank.Example>
	< 250 2.1.5
	> RCPT TO:<abuse@example.org>
	< 250 2.1.5
	> RSET
	< 250
	> QUIT
	< 221
	EOF
'

test_expect_success 'postmaster@ of other domains, and look-alikes: 550 5.1.1' '
	smtp_chat <<-\EOF
	< 220
	> EHLO c
	< 250
	> MAIL FROM:<a@example.net>
	< 250
	> RCPT TO:<postmaster@elsewhere.example>
	< 550 5.1.1
	> RCPT TO:<postmaster@sub.example.org>
	< 550 5.1.1
	> RCPT TO:<postmasterx@example.org>
	< 550 5.1.1
	> RCPT TO:<postmaster+x@example.org>
	< 550 5.1.1
	> RCPT TO:<abus@example.org>
	< 550 5.1.1
	> QUIT
	< 221
	EOF
'

test_expect_success 'a message to postmaster@ is stored for the admin, not as a post' '
	printf "From: Eve <eve@example.net>\nSubject: Your server\nMessage-Id: <pm1@example.net>\n\nHello postmaster.\n" >pm.eml &&
	kringd_send pm.eml postmaster@example.org &&
	test "$(stored_count .postmaster)" = 1 &&
	test "$(stored_count kring)" = 0 &&
	kring show -s store "<pm1@example.net>" >shown &&
	grep -q "^Hello postmaster." shown &&
	grep -q "for <postmaster@example.org>" shown
'

test_expect_success 'a bounce to a return path is stored apart, not as a post' '
	printf "From: MAILER-DAEMON@mx.example.net\nSubject: Undelivered Mail Returned to Sender\nMessage-Id: <b1@mx.example.net>\nAuto-Submitted: auto-replied\n\nThe mail could not be delivered.\n" >bounce.eml &&
	swaks --server 127.0.0.1:"$KRINGD_PORT" --from "<>" \
		--to kring+bounce-1@example.org --data @bounce.eml --silent 1 &&
	swaks --server 127.0.0.1:"$KRINGD_PORT" --from "<>" \
		--to LEDEN+Bounce-7@bank.example --data @bounce.eml --silent 1 &&
	test "$(stored_count .bounces)" = 1 &&
	test "$(stored_count kring)" = 0 &&
	test "$(stored_count bank)" = 0 &&
	grep -q ": bounce to leden+bounce-7@bank.example community=bank: " kringd.log
'

test_expect_success 'a post is a post; a look-alike of a return path is a member command, not a bounce' '
	printf "From: Ann <ann@example.net>\nSubject: Hello\nMessage-Id: <p1@example.net>\n\nHi all.\n" >post.eml &&
	kringd_send post.eml kring@example.org &&
	printf "From: Ann <ann@example.net>\nSubject: Hello 2\nMessage-Id: <p2@example.net>\n\nHi again.\n" >post2.eml &&
	kringd_send post2.eml kring+bouncer@example.org &&
	test "$(stored_count kring)" = 1 &&
	test "$(stored_count .bounces)" = 1 &&
	grep "member help from=<ann@example.net> community=kring: not understood" kringd.log
'

test_expect_success 'the community threads hold only the posts' '
	kring threads -s store --community kring >threads &&
	test "$(wc -l <threads)" -eq 1 &&
	grep -q "Hello" threads &&
	! grep -q "Your server" threads &&
	! grep -q "Undelivered" threads
'

test_expect_success 'a community name with a leading dot is a config error with its line' '
	cat >dot.conf <<-\EOF &&
	store = "store2"
	community "ok" { address = "ok@example.org" }
	community ".postmaster" { address = "x@example.org" }
	EOF
	test_expect_code 78 kringd -n -c dot.conf 2>err &&
	grep -F "dot.conf:3: community \".postmaster\"" err
'

test_expect_success 'kringd stops cleanly' '
	kringd_stop
'

test_done
