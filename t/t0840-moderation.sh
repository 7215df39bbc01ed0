#!/bin/sh
test_description='moderation by mail: held posts, verdicts, withdrawal

A non-member'"'"'s post (hold_outside_posts) and a new member'"'"'s first
post (hold_first_posts) wait for a moderator: each moderator (staff
and members with the role moderator) gets it with approve, reject and
discard addresses, the sender with a withdraw address.  Approving
sends it to the members; a rejection'"'"'s text goes to the sender; the
first decision wins; bad tokens and non-moderators change nothing.
The sender'"'"'s notes count against limits.member_requests_per_address
(a forged sender gets a few a day), so the last cases use another
outsider.'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-kringd.sh"
. "$TEST_DIR/lib-sink.sh"
. "$TEST_DIR/lib-held.sh"

cat >kring.conf <<\EOF
hostname = "kring.test"
store = "store"
community "kring" {
	address = "kring@example.org"
	description = "Kring"
	hold_outside_posts = true
	hold_first_posts = 1
	staff "carla@example.org" { name = "Carla" }
}
EOF

member() {
	kring member -c kring.conf "$@" >/dev/null
}

test_expect_success 'setup' '
	member add ann@example.net --name "Ann" &&
	member add bob@example.net --name "Bob" &&
	member add mo@example.net --name "Mo" --role moderator &&
	sink_start &&
	kringd_start -r 127.0.0.1:$SINK_PORT
'

test_expect_success 'a non-member'"'"'s post is held: moderators and sender told' '
	post eve@example.com "Outsider one" &&
	sink_wait_count 3 &&
	test "$(held_log)" = 1 &&
	! stored Outsider-one &&
	c=$(mail_to carla@example.org "waits for a moderator") && test -n "$c" &&
	m=$(mail_to mo@example.net "waits for a moderator") && test -n "$m" &&
	e=$(mail_to eve@example.com "waits for a moderator") && test -n "$e" &&
	grep -q "because the sender is not a member" "$c" &&
	grep -q "because you are not a member" "$e" &&
	grep -q "as staff of Kring" "$c" &&
	grep -q "in answer to a request for this address" "$e" &&
	! grep -qi "^Reply-To:" "$e" &&
	test "$(count_to ann@example.net .)" = 0 &&
	test "$(count_to bob@example.net .)" = 0
'

test_expect_success 'the approve address sends it to the members, once' '
	c=$(mail_to carla@example.org "eve@example.com waits") &&
	a=$(address_in "$c" mod-approve) && test -n "$a" &&
	n=$(sink_count) &&
	post carla@example.org "ok" "$a" "yes" &&
	sink_wait_count $((n + 4)) &&
	stored Outsider-one &&
	test "$(count_to ann@example.net "Outsider one")" = 1 &&
	test "$(count_to bob@example.net "Outsider one")" = 1 &&
	d=$(mail_to carla@example.org "is sent") && test -n "$d" &&
	grep -q "is sent to the members" "$d"
'

test_expect_success 'a second decision changes nothing and is told the first' '
	m=$(mail_to mo@example.net "eve@example.com waits") &&
	r=$(address_in "$m" mod-reject) && test -n "$r" &&
	n=$(sink_count) &&
	post mo@example.net "no" "$r" "Off topic." &&
	sink_wait_count $((n + 1)) &&
	d=$(mail_to mo@example.net "already decided") && test -n "$d" &&
	grep -q "sent to the members" "$d" &&
	grep -q "carla@example.org" "$d" &&
	test "$(count_to eve@example.com "not accepted")" = 0 &&
	test "$(count_to ann@example.net "Outsider one")" = 1
'

test_expect_success 'a reply "reject REASON" rejects; the sender gets the reason' '
	n=$(sink_count) &&
	post eve@example.com "Outsider two" &&
	sink_wait_count $((n + 3)) &&
	c=$(mail_to carla@example.org "eve@example.com waits") &&
	decide=$(reply_to "$c") &&
	case "$decide" in kring+mod-[0-9]*-*@example.org) ;; *) false ;; esac &&
	n=$(sink_count) &&
	post carla@example.org "Re: held" "$decide" "reject This is for members only." &&
	sink_wait_count $((n + 2)) &&
	e=$(mail_to eve@example.com "not accepted") && test -n "$e" &&
	grep -q "This is for members only." "$e" &&
	! stored Outsider-two &&
	test "$(count_to ann@example.net "Outsider two")" = 0
'

test_expect_success 'a new member'"'"'s first post is held, the second is not' '
	n=$(sink_count) &&
	post ann@example.net "First from Ann" &&
	sink_wait_count $((n + 3)) &&
	e=$(mail_to ann@example.net "waits for a moderator") && test -n "$e" &&
	grep -q "first posts" "$e" &&
	c=$(mail_to carla@example.org "ann@example.net waits") &&
	a=$(address_in "$c" mod-approve) &&
	n=$(sink_count) &&
	post carla@example.org "ok" "$a" &&
	sink_wait_count $((n + 3)) &&
	test "$(count_to bob@example.net "First from Ann")" = 1 &&
	n=$(sink_count) && h=$(held_log) &&
	post ann@example.net "Second from Ann" &&
	sink_wait_count $((n + 2)) &&
	test "$(held_log)" = "$h" &&
	test "$(count_to bob@example.net "Second from Ann")" = 1
'

test_expect_success 'the sender withdraws; a later approval is too late' '
	n=$(sink_count) &&
	post eve@example.com "Outsider three" &&
	sink_wait_count $((n + 3)) &&
	e=$(mail_to eve@example.com "waits for a moderator") &&
	w=$(address_in "$e" withdraw) && test -n "$w" &&
	n=$(sink_count) &&
	post eve@example.com "withdraw" "$w" &&
	sink_wait_count $((n + 1)) &&
	test -n "$(mail_to eve@example.com "is withdrawn")" &&
	c=$(mail_to carla@example.org "eve@example.com waits") &&
	a=$(address_in "$c" mod-approve) &&
	n=$(sink_count) &&
	post carla@example.org "ok" "$a" &&
	sink_wait_count $((n + 1)) &&
	grep -q "withdrawn by its sender" "$(mail_to carla@example.org "already decided")" &&
	! stored Outsider-three
'

test_expect_success 'a forged token, a non-moderator and an unclear reply change nothing' '
	n=$(sink_count) &&
	post frank@example.com "Outsider four" &&
	sink_wait_count $((n + 3)) &&
	c=$(mail_to carla@example.org "frank@example.com waits") &&
	a=$(address_in "$c" mod-approve) &&
	forged=$(echo "$a" | sed "s/\\.\\([0-9a-f]\\)/.x\\1/; s/\\.x0/.1/; s/\\.x[1-9a-f]/.0/") &&
	test "$forged" != "$a" &&
	decide=$(reply_to "$c") &&
	n=$(sink_count) &&
	post carla@example.org "ok" "$forged" &&
	post bob@example.net "ok" "$a" &&
	post carla@example.org "Re: held" "$decide" "Hmm, not sure." &&
	sink_wait_count $((n + 3)) &&
	test -n "$(mail_to carla@example.org "not valid")" &&
	test -n "$(mail_to bob@example.net "only moderators")" &&
	test -n "$(mail_to carla@example.org "not understood")" &&
	! stored Outsider-four &&
	n=$(sink_count) &&
	post carla@example.org "ok" "$a" &&
	sink_wait_count $((n + 3)) &&
	stored Outsider-four
'

test_expect_success 'a notice sent back to the list is neither held nor sent on' '
	c=$(mail_to carla@example.org "frank@example.com waits") &&
	n=$(sink_count) && h=$(held_log) &&
	printf "%s" "$(cat "$c")" >notice.eml &&
	swaks --server 127.0.0.1:"$KRINGD_PORT" --from carla@example.org \
		--to kring@example.org --data @notice.eml --silent 1 &&
	sleep 1 &&
	test "$(held_log)" = "$h" &&
	test "$(sink_count)" = "$n"
'

test_expect_success 'stop' '
	kringd_stop &&
	sink_stop
'

test_done
