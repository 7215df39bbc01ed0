#!/bin/sh
test_description='the staff tools end to end: newsletter, thanks, feedback, sla

A community with staff (en) and one in Dutch (nl); a topic, member
replies and staff answers at known times (imported, so their times are
the Date headers); each tool previewed, then sent through the real
kringd into the SMTP sink.  The figures checked are worked out here
from the messages this test wrote.'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-kringd.sh"
. "$TEST_DIR/lib-sink.sh"

PART="$PYTHON $TEST_DIR/helper/mail-part.py"

write_config() {
	cat >kring.conf <<-EOF
	hostname = "kring.test"
	store = "store"
	delivery {
		retry_min = 1
		retry_max = 1
	}
	community "kring" {
		address = "kring@example.org"
		description = "Savers Club"
		language = "en"
		response_hours = 24
		staff "anna@bank.example" {
			name = "Anna de Boer"
			roles = {"manager"}
		}
		staff "bob@bank.example" {
			name = "Bob Jansen"
			roles = {"owner"}
		}
	}
	community "bank" {
		address = "leden@bank.example"
		description = "Ledenpanel"
		language = "nl"
		staff "anna@bank.example" {
			name = "Anna de Boer"
			roles = {"manager", "owner"}
		}
	}
	EOF
}

# post FROM-NAME FROM DATE MSGID SUBJECT [IN-REPLY-TO] <BODY: one mbox entry.
post() {
	printf 'From %s %s\n' "$2" "$(date -u -d "$3" '+%a %b %e %H:%M:%S %Y')"
	printf 'From: %s <%s>\nTo: kring@example.org\nDate: %s\n' "$1" "$2" \
		"$(date -u -R -d "$3")"
	printf 'Message-ID: <%s>\nSubject: %s\n' "$4" "$5"
	[ -z "$6" ] || printf 'In-Reply-To: <%s>\nReferences: <%s>\n' "$6" "$6"
	printf '\n'
	cat
	printf '\n'
}

# KRING_NOW for a command: at TIME.
at() {
	when=$1
	shift
	KRING_NOW=$when "$@"
}

test_expect_success 'config, sink and kringd' '
	write_config &&
	sink_start &&
	kringd_start -r 127.0.0.1:$SINK_PORT
'

test_expect_success 'a topic by its owner' '
	printf "What do you miss in the **savings app**?\n" >question.md &&
	at 2026-11-02T09:00:00Z kring topic -c kring.conf --community kring \
		new --title "Savings app: what do you miss?" \
		--owner bob@bank.example --body question.md >topic.id &&
	test "$(cat topic.id)" = 1 &&
	kring topic -c kring.conf --community kring show 1 --json >topic.json &&
	TOPIC_MID=$(sed -n "s/.*\"message_id\":\"<\([^>]*\)>\".*/\1/p" topic.json |
		head -1) &&
	test -n "$TOPIC_MID"
'

# Four members answer the topic on 3 and 4 November; staff answer m1
# after 3 hours and m2 after 30 hours; m3 and m4 stay unanswered; m5
# starts a thread of their own; a staff post of its own in the period.
test_expect_success 'member posts and staff answers, imported' '
	{
	echo "The interest per month, please. Now I calculate it myself every time." |
		post "Marie Peeters" m1@example.net 2026-11-03T10:00:00Z m1@x "Re: Savings app: what do you miss?" "$TOPIC_MID"
	echo "A savings goal with a picture would motivate me a lot more than numbers." |
		post "\"Jan <b>de</b> Vries\"" m2@example.net 2026-11-03T11:00:00Z m2@x "Re: Savings app: what do you miss?" "$TOPIC_MID"
	echo "Round-up savings from my debit card payments, like other banks have." |
		post "Kees" m3@example.net 2026-11-04T08:00:00Z m3@x "Re: Savings app: what do you miss?" "$TOPIC_MID"
	echo "Please let me export my savings history to a spreadsheet file." |
		post "=?utf-8?q?Evil=0D=0ABcc=3A_spy=40evil=2Eexample?=" m4@example.net 2026-11-04T09:00:00Z m4@x "Re: Savings app: what do you miss?" "$TOPIC_MID"
	echo "Thanks Marie, the monthly interest is a good idea; we take it along." |
		post "Anna de Boer" anna@bank.example 2026-11-03T13:00:00Z s1@x "Re: Savings app: what do you miss?" m1@x
	echo "Hi Jan, a goal with a picture: noted for the next sprint review." |
		post "Anna de Boer" anna@bank.example 2026-11-04T17:00:00Z s2@x "Re: Savings app: what do you miss?" m2@x
	echo "My card was swallowed by the machine on Sunday, what now? Please help." |
		post "Piet" m5@example.net 2026-11-05T12:00:00Z m5@x "Card swallowed"
	echo "Reminder: the savings app survey closes on Friday for everyone." |
		post "Bob Jansen" bob@bank.example 2026-11-06T09:00:00Z s3@x "Survey closes Friday"
	} >posts.mbox &&
	kring import -c kring.conf --community kring posts.mbox &&
	kring stats -c kring.conf --community kring --json >stats.json &&
	grep "\"messages\":9" stats.json
'

test_expect_success 'newsletter preview: one message to all staff, nothing queued' '
	at 2026-11-15T09:00:00Z kring newsletter -c kring.conf --community kring \
		--since 2026-11-01 --until 2026-11-15 >news.mbox 2>news.err &&
	test "$($PART news.mbox count)" = 1 &&
	$PART news.mbox header:To >to &&
	grep "anna@bank.example" to && grep "bob@bank.example" to &&
	$PART news.mbox header:Auto-Submitted | grep -x auto-generated &&
	$PART news.mbox structure >structure &&
	printf "multipart/alternative\n  text/plain\n  multipart/related\n    text/html\n    image/png\n    image/png\n    image/png\n" >expect &&
	test_cmp expect structure &&
	kring outbox -c kring.conf --json >outbox.json &&
	test ! -s outbox.json
'

# Nine messages: the question, four replies, two answers, m5, bob's
# notice.  Member posts: m1..m5, by five members.  Staff posts: two
# answers and the notice = 3 (the question is a staff action, no post).
# m1 answered in 3 h, m2 in 30 h (late); m3, m4 and m5 unanswered and
# long past the promise: 1 of 5 due within 24 h.
test_expect_success 'newsletter figures are those of the posts written' '
	$PART news.mbox text >news.txt &&
	grep -E "^ *Member posts +5\$" news.txt &&
	grep -E "^ *Members who posted +5\$" news.txt &&
	grep -E "^ *Staff posts +3\$" news.txt &&
	grep -E "^ *First-time posters +5\$" news.txt &&
	grep -E "^ *Within the promise +20% \(1 of 5 due\)\$" news.txt &&
	grep -E "^ *Posts answered +2\$" news.txt &&
	grep -E "^ *Median answer time +16.5 h\$" news.txt &&
	grep -E "^ *Still unanswered +3\$" news.txt &&
	grep "Savings app: what do you miss?" news.txt &&
	grep -E "^2026-11-03 #+ +2 posts?, [0-9]+ members?\$" news.txt &&
	grep -E "^2026-11-04 #+ +2 posts?, [0-9]+ members?\$" news.txt &&
	grep -E "^2026-11-05 #+ +1 posts?, [0-9]+ members?\$" news.txt &&
	grep -E "^2026-11-06 +0 posts, 0 members\$" news.txt &&
	grep -E "^2026-11-07 +0 posts, 0 members\$" news.txt
'

test_expect_success 'newsletter subject: singular for one post from one member' '
	at 2026-11-15T09:00:00Z kring newsletter -c kring.conf --community kring \
		--since 2026-11-05 --until 2026-11-06 >one.mbox &&
	$PART one.mbox header:Subject >one.subject &&
	grep "2026-11-05 – 2026-11-05: 1 post from 1 member\$" one.subject &&
	$PART news.mbox header:Subject >news.subject &&
	grep "2026-11-01 – 2026-11-14: 5 posts from 5 members\$" news.subject
'

test_expect_success 'newsletter HTML: member text escaped, charts as table cells' '
	$PART news.mbox html >news.html &&
	xmllint --html --noout news.html 2>xmllint.err &&
	! grep "<b>de</b>" news.html &&
	grep "width:[0-9]*%" news.html
'

test_expect_success 'newsletter in Dutch for the Dutch community' '
	kring import -c kring.conf --community bank posts.mbox &&
	at 2026-11-15T09:00:00Z kring newsletter -c kring.conf --community bank \
		--since 2026-11-01 --until 2026-11-15 >nieuws.mbox &&
	$PART nieuws.mbox text >nieuws.txt &&
	$PART nieuws.mbox header:Subject >subject &&
	grep -i "nieuwsbrief" subject &&
	grep -i "berichten" nieuws.txt &&
	grep -E "antwoordtijd +16,5 uur\$" nieuws.txt &&
	! grep -i "newsletter" nieuws.txt
'

test_expect_success 'newsletter --send: delivered to the staff, period recorded' '
	at 2026-11-15T09:00:00Z kring newsletter -c kring.conf --community kring \
		--since 2026-11-01 --until 2026-11-15 --send 2>send.err &&
	sink_wait_count 1 &&
	sink_envelope $(sink_messages | tail -1) >env &&
	grep -x "RCPT TO:<anna@bank.example>" env &&
	grep -x "RCPT TO:<bob@bank.example>" env &&
	grep -x "MAIL FROM:<kring+bounce-1@example.org>" env
'

test_expect_success 'kring newsletter | kring send queues the same as --send' '
	at 2026-11-15T09:00:00Z kring newsletter -c kring.conf --community kring \
		--since 2026-11-01 --until 2026-11-15 >piped.mbox &&
	kring send -c kring.conf --community kring <piped.mbox &&
	sink_wait_count 2 &&
	sink_envelope $(sink_messages | tail -1) >env2 &&
	grep -x "RCPT TO:<anna@bank.example>" env2 &&
	grep -x "RCPT TO:<bob@bank.example>" env2 &&
	for f in $(sink_messages); do $PART "$f" text; done >both.txt &&
	test $(grep -c -E "^ *Member posts +5\$" both.txt) = 2
'

test_expect_success 'the next newsletter starts where the last ended' '
	at 2026-11-29T09:00:00Z kring newsletter -c kring.conf --community kring \
		>next.mbox 2>next.err &&
	grep "2026-11-15 to 2026-11-29" next.err
'

test_expect_success 'thanks: one note per member, none to m2 who said no' '
	kring member -c kring.conf --community kring set m2@example.net thanks=no &&
	at 2026-11-15T09:00:00Z kring thanks -c kring.conf --community kring \
		--since 2026-11-01 --until 2026-11-15 >thanks.mbox &&
	test "$($PART thanks.mbox count)" = 4 &&
	for n in 1 2 3 4; do $PART thanks.mbox $n header:To; done >to &&
	grep m1@example.net to && grep m3@example.net to &&
	grep m4@example.net to && grep m5@example.net to &&
	! grep m2@example.net to &&
	$PART thanks.mbox 1 text >thanks1.txt &&
	grep "Marie Peeters" thanks1.txt &&
	grep "Savings app: what do you miss?" thanks1.txt
'

test_expect_success 'no header injection through a member name' '
	for n in 1 2 3 4; do $PART thanks.mbox $n rawheader:Bcc; done >bcc &&
	test ! -s bcc &&
	! grep -i "^Bcc:" thanks.mbox
'

test_expect_success 'thanks --send delivers four; again: none, also after a restart' '
	at 2026-11-15T09:00:00Z kring thanks -c kring.conf --community kring \
		--since 2026-11-01 --until 2026-11-15 --send &&
	sink_wait_count 6 &&
	at 2026-11-15T10:00:00Z kring thanks -c kring.conf --community kring \
		--since 2026-11-01 --until 2026-11-15 --send 2>again.err &&
	grep "0 message(s) queued" again.err &&
	kringd_stop && kringd_start -r 127.0.0.1:$SINK_PORT &&
	at 2026-11-16T10:00:00Z kring thanks -c kring.conf --community kring \
		--since 2026-10-01 --send 2>again2.err &&
	grep "0 message(s) queued" again2.err &&
	sleep 2 && test $(sink_count) = 6
'

test_expect_success 'feedback: none before an outcome' '
	at 2026-11-20T09:00:00Z kring feedback -c kring.conf --community kring \
		--since 2026-11-01 --until 2026-11-21 >fb0.mbox &&
	test ! -s fb0.mbox
'

test_expect_success 'feedback after summary and outcome: to each participant once' '
	printf "Most of you want **monthly interest** shown.\n" >summary.md &&
	printf "The app shows the monthly interest from December.\n" >outcome.md &&
	at 2026-11-18T09:00:00Z kring topic -c kring.conf --community kring \
		summary 1 summary.md &&
	at 2026-11-18T10:00:00Z kring feedback -c kring.conf --community kring \
		--since 2026-11-18 --until 2026-11-18T10:00:00Z >fbs.mbox &&
	test "$($PART fbs.mbox count)" = 4 &&
	test "$($PART fbs.mbox 1 header:Subject | tr -d " ")" = "Whatweheardon“Savingsapp:whatdoyoumiss?”" &&
	$PART fbs.mbox 1 text >fbs1.txt &&
	grep -q "Here is what we heard from everyone who took part; the decision" fbs1.txt &&
	grep -q "^What we heard:" fbs1.txt && grep -q "monthly interest" fbs1.txt &&
	! grep -qi "outcome" fbs1.txt &&
	grep -q "We will let you know when a decision has" fbs1.txt &&
	$PART fbs.mbox 1 html | grep -q "<h1[^>]*>What we heard</h1>" &&
	! $PART fbs.mbox 1 html | grep -q "The outcome" &&
	at 2026-11-19T09:00:00Z kring topic -c kring.conf --community kring \
		outcome 1 outcome.md --status implemented &&
	at 2026-11-20T09:00:00Z kring feedback -c kring.conf --community kring \
		--since 2026-11-01 --until 2026-11-21 >fb.mbox &&
	test "$($PART fb.mbox count)" = 4 &&
	$PART fb.mbox 1 text >fb1.txt &&
	grep "monthly interest" fb1.txt &&
	grep "from December" fb1.txt &&
	grep "Now I calculate it myself" fb1.txt &&
	at 2026-11-20T09:00:00Z kring feedback -c kring.conf --community kring \
		--since 2026-11-01 --until 2026-11-21 --send &&
	sink_wait_count 10 &&
	at 2026-11-20T10:00:00Z kring feedback -c kring.conf --community kring \
		--since 2026-11-01 --until 2026-11-21 --send 2>fbagain.err &&
	grep "0 message(s) queued" fbagain.err
'

test_expect_success 'sla: a post is not overdue at exactly 24 hours' '
	at 2026-11-06T12:00:00Z kring sla -c kring.conf --community kring \
		--since 2026-11-01 --until 2026-11-06T12:00:00Z >sla0.mbox 2>sla0.err &&
	grep "5 member post(s), 2 answered (median 16.5 h), 25% of 4 due within 24 h; 2 overdue" sla0.err
'

test_expect_success 'sla: the three overdue member posts, alerted once' '
	at 2026-11-06T12:00:01Z kring sla -c kring.conf --community kring \
		--since 2026-11-01 --until 2026-11-06T12:00:00Z >sla.mbox 2>sla.err &&
	grep "3 overdue" sla.err &&
	$PART sla.mbox text >sla.txt &&
	grep "Card swallowed" sla.txt &&
	at 2026-11-06T12:00:01Z kring sla -c kring.conf --community kring \
		--since 2026-11-01 --until 2026-11-06T12:00:00Z --send &&
	sink_wait_count 11 &&
	at 2026-11-06T13:00:00Z kring sla -c kring.conf --community kring \
		--since 2026-11-01 --until 2026-11-06T13:00:00Z --send 2>sla2.err &&
	grep "0 not alerted before" sla2.err
'

test_expect_success 'bad use: an unknown option, a bad date, no staff' '
	test_expect_code 64 kring newsletter -c kring.conf --bogus &&
	test_expect_code 64 kring sla -c kring.conf --json &&
	test_expect_code 64 kring thanks -c kring.conf --since yesterday &&
	sed "/staff/,/}/d" kring.conf >nostaff.conf &&
	test_expect_code 78 kring newsletter -c nostaff.conf --community kring \
		--since 2026-11-01
'

test_expect_success 'stop' '
	kringd_stop && sink_stop
'

test_done
