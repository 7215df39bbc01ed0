#!/bin/sh
test_description='every figure of the staff mail, worked out here from the posts

One table (posts.tab) holds every message of a small community: member
posts, staff answers within and outside the promise, staff actions by
mail (community+topic@, +summary-1@ and +outcome-1-implemented@ as
replies to member posts, +announce@), a staff post of its own and
member posts still unanswered.  The messages are made from the table
(staff actions through the real kringd, the rest imported), and
figures.py works out from the same table what the newsletter, the
thank-you notes, the feedback digests and the sla alert must say, in
English and in Dutch, with the singular where a count is 1.'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-kringd.sh"

[ -x "$PYTHON" ] || test_skip_all "no $PYTHON"
PART="$PYTHON $TEST_DIR/helper/mail-part.py"
AR="Authentication-Results: mx.bank.example; dkim=pass header.d=bank.example header.s=s1"
NOW=2026-11-15T09:00:00Z
PERIOD="--since 2026-11-01 --until 2026-11-15"

# id from time parent kind subject: kind is member or staff (imported),
# or the detail of a command address (sent to kringd at its time).
cat >posts.tab <<\EOF
t1 bob@bank.example 2026-11-02T09:00:00Z - topic Savings app: what do you miss?
m1 ann@example.net 2026-11-03T10:00:00Z t1 member Re: Savings app: what do you miss?
m2 ben@example.net 2026-11-03T11:00:00Z t1 member Re: Savings app: what do you miss?
s1 anna@bank.example 2026-11-03T13:00:00Z m1 staff Re: Savings app: what do you miss?
m3 ann@example.net 2026-11-04T08:00:00Z t1 member Re: Savings app: what do you miss?
s2 anna@bank.example 2026-11-04T17:00:00Z m2 staff Re: Savings app: what do you miss?
x1 anna@bank.example 2026-11-05T09:00:00Z m3 summary-1 Re: Savings app: what do you miss?
m4 cas@example.net 2026-11-05T12:00:00Z - member Opening hours
x2 bob@bank.example 2026-11-06T09:00:00Z m4 outcome-1-implemented Re: Opening hours
x3 anna@bank.example 2026-11-06T09:00:00Z - announce Branch closed on Monday
s3 bob@bank.example 2026-11-06T10:00:00Z - staff Survey closes Friday
m5 dee@example.net 2026-11-14T20:00:00Z - member Card swallowed
EOF

# The figures of the table for the period SINCE..UNTIL at NOW, as
# KEY=VALUE lines: the staff tools' definitions (templates/README.md),
# worked out without kring.
cat >figures.py <<\EOF
import sys, time, calendar
since, until, now = (calendar.timegm(time.strptime(a, "%Y-%m-%dT%H:%M:%SZ"))
                     for a in sys.argv[1:4])
PROMISE = 24 * 3600
rows = [l.split(None, 5) for l in open("posts.tab")]
msgs = {r[0]: dict(id=r[0], frm=r[1], t=calendar.timegm(time.strptime(
    r[2], "%Y-%m-%dT%H:%M:%SZ")), parent=r[3], kind=r[4], subj=r[5].strip())
    for r in rows}
def root(m):
    while m["parent"] != "-":
        m = msgs[m["parent"]]
    return m["id"]
inp = [m for m in msgs.values() if since <= m["t"] < until]
member = sorted((m for m in inp if m["kind"] == "member"), key=lambda m: m["t"])
staff = [m for m in inp if m["kind"] == "staff"]
out = {}
out["POSTS"] = len(member)
out["MEMBERS"] = len({m["frm"] for m in member})
out["STAFF_POSTS"] = len(staff)
everything = [m for m in msgs.values() if m["kind"] == "member"]
out["NEW"] = sum(1 for a in {m["frm"] for m in member}
                 if all(since <= m["t"] < until for m in everything if m["frm"] == a))
answers, due, within, unanswered, overdue = [], 0, 0, 0, []
for m in member:
    a = [c["t"] for c in msgs.values() if c["parent"] == m["id"] and
         c["kind"] == "staff" and c["t"] <= now]
    if a:
        answers.append((min(a) - m["t"]) // 60)
        due += 1
        within += min(a) - m["t"] <= PROMISE
    else:
        unanswered += 1
        if now - m["t"] > PROMISE:
            due += 1
            overdue.append(m)
answers.sort()
k = len(answers)
med = (answers[k // 2] if k % 2 else (answers[k // 2 - 1] + answers[k // 2]) // 2) if k else None
out["ANSWERED"] = k
out["MEDIAN"] = "-" if med is None else ("%d min" % med if med < 60 else "%.1f h" % (med / 60))
out["DUE"] = due
out["WITHIN"] = within
out["PCT"] = within * 100 // due if due else "-"
out["UNANSWERED"] = unanswered
out["OVERDUE"] = len(overdue)
print("\n".join("%s=%s" % kv for kv in out.items()))
for m in overdue:
    print("OVERDUE_POST=%s %s %d" % (m["subj"], m["frm"], (now - m["t"]) // 3600))
day = since
while day < until:
    n = sum(1 for m in member if day <= m["t"] < day + 86400)
    print("DAY=%s %d" % (time.strftime("%Y-%m-%d", time.gmtime(day)), n))
    day += 86400
threads = {}
for m in member:
    r = threads.setdefault(root(m), [0, set(), 0])
    r[0] += 1; r[1].add(m["frm"]); r[2] = m["t"]
for r in sorted(threads.values(), key=lambda r: (-r[0], -r[2])):
    print("THREAD=%d %d %s" % (r[0], len(r[1]), time.strftime("%Y-%m-%d", time.gmtime(r[2]))))
# thanks: each author's posts, and the topics (threads of a topic) of them
for a in sorted({m["frm"] for m in member}):
    mine = [m for m in member if m["frm"] == a]
    topics = {root(m) for m in mine if msgs[root(m)]["kind"] == "topic"}
    print("THANKS=%s %d %d" % (a, len(mine), len(topics)))
# feedback: participants of topics with an outcome in the period
for t in (m for m in msgs.values() if m["kind"] == "topic"):
    outcome = [x for x in msgs.values() if x["kind"].startswith("outcome-1-")
               and since <= x["t"] < until]
    if not outcome:
        continue
    for a in sorted({m["frm"] for m in msgs.values() if m["kind"] == "member"
                     and root(m) == t["id"]}):
        print("FEEDBACK=%s %d" % (a, sum(1 for m in msgs.values() if
              m["kind"] == "member" and root(m) == t["id"] and m["frm"] == a)))
EOF

fig() {
	sed -n "s/^$1=//p" figures
}

# news FILE LABEL: the value after LABEL (two spaces at least).
news() {
	sed -n "s/^  $2   *//p" "$1"
}

same() {
	[ "$2" = "$3" ] || test_fail "$1: kring says \"$2\", the posts say \"$3\""
}

write_config() {
	savers_config "$1"
}

# Send the staff actions of the table of day DAY through kringd, its
# clock standing at their time.
send_actions() {
	while read -r id from when parent kind subject; do
		case $kind in member|staff) continue ;; esac
		case $when in $1*) ;; *) continue ;; esac
		[ "$parent" != - ] || parent=
		KRING_NOW=$when kringd_start || return 1
		if [ "$kind" = topic ]; then to=kring+topic@example.org; else
			to=kring+$kind@example.org; fi
		swaks --server 127.0.0.1:$KRINGD_PORT --from $from --to $to \
			--header "From: <$from>" --header "Subject: $subject" \
			--header "Message-Id: <$id@x>" --header "$AR" \
			${parent:+--header} ${parent:+"In-Reply-To: <$parent@x>"} \
			--body "Text of $id, a staff action by mail." >swaks.out 2>&1 ||
			{ cat swaks.out; return 1; }
		kringd_stop || return 1
	done <posts.tab
}

test_expect_success 'the figures of the posts, worked out without kring' '
	write_config en &&
	$PYTHON figures.py 2026-11-01T00:00:00Z 2026-11-15T00:00:00Z $NOW >figures &&
	cat figures &&
	test "$(fig POSTS)" = 5 && test "$(fig STAFF_POSTS)" = 3 &&
	test "$(fig OVERDUE)" = 2
'

# The member and staff posts of the table as an mbox.
mbox() {
	while read -r id from when parent kind subject; do
		case $kind in member|staff) ;; *) continue ;; esac
		printf 'From %s %s\n' $from "$(date -u -d $when '+%a %b %e %H:%M:%S %Y')"
		printf 'From: <%s>\nTo: kring@example.org\nDate: %s\n' $from \
			"$(date -u -R -d $when)"
		printf 'Message-ID: <%s@x>\nSubject: %s\n' $id "$subject"
		[ "$parent" = - ] ||
			printf 'In-Reply-To: <%s@x>\nReferences: <%s@x>\n' $parent $parent
		printf '\nThe text of %s, long enough to be quoted in the newsletter.\n\n' $id
	done <posts.tab
}

test_expect_success 'the posts: the topic by mail, the posts imported, the other actions by mail' '
	send_actions 2026-11-02 &&
	kring topic -c kring.conf list --json >topics.json &&
	grep "\"id\":1," topics.json &&
	mbox >posts.mbox &&
	kring import -c kring.conf --community kring posts.mbox &&
	send_actions 2026-11-05 && send_actions 2026-11-06 &&
	kring topic -c kring.conf show 1 --json >topic.json &&
	grep "\"status\":\"implemented\"" topic.json &&
	kring stats -c kring.conf --community kring --json >stats.json &&
	grep "\"messages\":$(grep -c "" posts.tab)," stats.json
'

# render LANG TOOL ARGS: the tool's mbox in LANG at NOW.
render() {
	lang=$1 tool=$2
	shift 2
	write_config $lang &&
	KRING_NOW=$NOW kring $tool -c kring.conf --community kring "$@"
}

test_expect_success 'newsletter: every figure is the one of the posts' '
	render en newsletter $PERIOD >news.mbox 2>news.err &&
	$PART news.mbox text >news.txt &&
	cat news.txt &&
	same "Member posts" "$(news news.txt "Member posts")" "$(fig POSTS)" &&
	same "Members who posted" "$(news news.txt "Members who posted")" "$(fig MEMBERS)" &&
	same "First-time posters" "$(news news.txt "First-time posters")" "$(fig NEW)" &&
	same "Staff posts" "$(news news.txt "Staff posts")" "$(fig STAFF_POSTS)" &&
	same "Posts answered" "$(news news.txt "Posts answered")" "$(fig ANSWERED)" &&
	same "Median answer time" "$(news news.txt "Median answer time")" "$(fig MEDIAN)" &&
	same "Within the promise" "$(news news.txt "Within the promise")" \
		"$(fig PCT)% ($(fig WITHIN) of $(fig DUE) due)" &&
	same "Still unanswered" "$(news news.txt "Still unanswered")" "$(fig UNANSWERED)" &&
	grep -x "PAST THE PROMISE, STILL WITHOUT A STAFF ANSWER ($(fig OVERDUE))" news.txt &&
	sed -n "/^PAST THE PROMISE/,/^[A-Z][A-Z ]*\$/{/^- /{s/^- //;h;};/^  by /{s/^  by \([^,]*\), waiting \([0-9]*\) h\$/\1 \2/;H;x;s/\n/ /;p;};}" \
		news.txt >overdue.kring &&
	fig OVERDUE_POST >overdue.posts &&
	test_cmp overdue.posts overdue.kring &&
	sed -n "s/^\([0-9]\{4\}-[0-9][0-9]-[0-9][0-9]\) #* *\([0-9]*\) posts\{0,1\}, [0-9]* members\{0,1\}\$/\1 \2/p" \
		news.txt >days.kring &&
	fig DAY >days.posts &&
	test_cmp days.posts days.kring &&
	sed -n "s/^  member posts: \([0-9]*\), members: \([0-9]*\), last post: \(.*\)\$/\1 \2 \3/p" \
		news.txt >threads.kring &&
	fig THREAD >threads.posts &&
	test_cmp threads.posts threads.kring &&
	$PART news.mbox header:Subject >subject &&
	grep "2026-11-01 – 2026-11-14: $(fig POSTS) posts from $(fig MEMBERS) members\$" subject &&
	grep -x "You get this email as staff of Savers Club." news.txt &&
	! grep "member of" news.txt &&
	grep -x "\* Savings app: what do you miss? (implemented)" news.txt
'

test_expect_success 'newsletter: no empty section, no share of nothing, the singular for one' '
	render en newsletter --since 2026-11-14 --until 2026-11-15 >one.mbox &&
	$PART one.mbox text >one.txt &&
	$PART one.mbox header:Subject >one.subject &&
	grep "2026-11-14 – 2026-11-14: 1 post from 1 member\$" one.subject &&
	grep -x "  Posts answered         0" one.txt &&
	grep -x "  Within the promise     none due yet (no post has waited 24 h)" one.txt &&
	! grep "%\|Median\|PAST THE PROMISE\|None\|No .* in this period" one.txt &&
	$PART one.mbox html >one.html &&
	! grep "%</strong>\|median answer time" one.html &&
	render nl newsletter --since 2026-11-14 --until 2026-11-15 >een.mbox &&
	$PART een.mbox header:Subject | grep ": 1 bericht van 1 lid\$" &&
	$PART een.mbox text >een.txt &&
	grep -x "  Op tijd beantwoord           nog niet te zeggen (geen bericht wacht al 24 uur)" een.txt &&
	grep -x "Je krijgt deze e-mail als teamlid van Savers Club." een.txt &&
	! grep "%\|Geen" een.txt &&
	render en newsletter --since 2026-11-20 --until 2026-11-21 >none.mbox &&
	$PART none.mbox text >none.txt &&
	grep -x "No member posts in this period: nothing to answer." none.txt &&
	! grep "POSTS PER DAY\|%\|Posts answered" none.txt
'

test_expect_success 'newsletter in Dutch: the same figures, plurals' '
	render nl newsletter $PERIOD >nieuws.mbox &&
	$PART nieuws.mbox text >nieuws.txt &&
	cat nieuws.txt &&
	same "Berichten van leden" "$(news nieuws.txt "Berichten van leden")" "$(fig POSTS)" &&
	same "Berichten van medewerkers" "$(news nieuws.txt "Berichten van medewerkers")" "$(fig STAFF_POSTS)" &&
	same "Op tijd beantwoord" "$(news nieuws.txt "Op tijd beantwoord")" \
		"$(fig PCT)% ($(fig WITHIN) van de $(fig DUE) die al een antwoord moesten hebben)" &&
	same "Mediane antwoordtijd" "$(news nieuws.txt "Mediane antwoordtijd")" "$(fig MEDIAN | tr . , | sed "s/ h\$/ uur/")" &&
	$PART nieuws.mbox header:Subject | grep ": $(fig POSTS) berichten van $(fig MEMBERS) leden\$" &&
	$PART nieuws.mbox html >nieuws.html &&
	xmllint --html --noout nieuws.html
'

test_expect_success 'thanks: a note per member naming their posts and topics, no empty section' '
	render en thanks $PERIOD >thanks.mbox 2>thanks.err &&
	fig THANKS >thanks.posts &&
	test "$($PART thanks.mbox count)" = "$(grep -c "" thanks.posts)" &&
	i=0 &&
	while read -r addr posts topics; do
		i=$((i + 1)) &&
		$PART thanks.mbox $i header:To | grep -x -F "$addr" &&
		$PART thanks.mbox $i text >note.$i &&
		if [ $posts = 1 ]; then grep -x "Your post:" note.$i; else
			grep -x "Your $posts posts:" note.$i; fi &&
		test "$(grep -c "^- 2026-11-" note.$i)" = $posts &&
		if [ $topics = 0 ]; then ! grep -i "topic" note.$i; else
			grep -x "The topic you took part in, and what came of it:" note.$i &&
			grep -x "\* Savings app: what do you miss? (implemented)" note.$i &&
			grep -x "Text of x2, a staff action by mail." note.$i; fi &&
		! grep -i "none\|nothing" note.$i &&
		grep -x "You get this email because you are a member of Savers Club." note.$i ||
		return 1
	done <thanks.posts &&
	grep -x "Your 2 posts:" note.1 && grep -x "Your post:" note.2
'

test_expect_success 'thanks in Dutch: de meervouden' '
	render nl thanks $PERIOD >bedankt.mbox &&
	$PART bedankt.mbox 1 text >bedankt.1 &&
	$PART bedankt.mbox 2 text >bedankt.2 &&
	grep -x "Je 2 berichten:" bedankt.1 && grep -x "Je bericht:" bedankt.2 &&
	grep -x "Het onderwerp waarin je meepraatte, en wat ermee gebeurd is:" bedankt.1 &&
	grep -x "\* Savings app: what do you miss? (doorgevoerd)" bedankt.1 &&
	$PART bedankt.mbox 3 text >bedankt.3 &&
	! grep -i "onderwerp\|geen" bedankt.3 &&
	$PART bedankt.mbox 1 html >bedankt.html &&
	xmllint --html --noout bedankt.html &&
	grep ">Je 2 berichten</h2>" bedankt.html
'

test_expect_success 'thanks: with nothing new to thank for, no note, and the tool says so' '
	write_config en &&
	KRING_NOW=$NOW kring thanks -c kring.conf --community kring $PERIOD --send 2>sent.err &&
	grep "$(grep -c "" thanks.posts) message(s) queued" sent.err &&
	render en thanks $PERIOD >again.mbox 2>again.err &&
	test ! -s again.mbox &&
	grep "no note to $(grep -c "" thanks.posts) member(s): 0 chose no thanks, $(grep -c "" thanks.posts) thanked before" again.err &&
	render en thanks --since 2026-11-20 --until 2026-11-21 >empty.mbox 2>empty.err &&
	test ! -s empty.mbox &&
	grep "no note: no member posted in the period" empty.err
'

test_expect_success 'feedback: to each participant of the topic, their own posts' '
	render en feedback $PERIOD >fb.mbox 2>fb.err &&
	fig FEEDBACK >fb.posts &&
	test "$($PART fb.mbox count)" = "$(grep -c "" fb.posts)" &&
	i=0 &&
	while read -r addr posts; do
		i=$((i + 1)) &&
		$PART fb.mbox $i header:To | grep -x -F "$addr" &&
		$PART fb.mbox $i text >fb.$i &&
		if [ $posts = 1 ]; then grep -x "Your post in this topic:" fb.$i; else
			grep -x "Your $posts posts in this topic:" fb.$i; fi &&
		test "$(grep -c "^- 2026-11-" fb.$i)" = $posts &&
		grep -x "Text of x2, a staff action by mail." fb.$i &&
		! grep -x "None\\." fb.$i || return 1
	done <fb.posts &&
	render nl feedback $PERIOD >fbnl.mbox &&
	$PART fbnl.mbox 1 text | grep -x "Je 2 berichten in dit onderwerp:" &&
	$PART fbnl.mbox 2 text | grep -x "Je bericht in dit onderwerp:"
'

test_expect_success 'sla: the overdue posts, the figures on stderr, singular and plural' '
	render en sla $PERIOD >sla.mbox 2>sla.err &&
	cat sla.err &&
	grep -F "$(fig POSTS) member post(s), $(fig ANSWERED) answered (median $(fig MEDIAN)), $(fig PCT)% of $(fig DUE) due within 24 h; $(fig OVERDUE) overdue" sla.err &&
	$PART sla.mbox header:Subject | grep -x "Savers Club: $(fig OVERDUE) member posts unanswered for more than 24 h" &&
	$PART sla.mbox text >sla.txt &&
	grep -x "These $(fig OVERDUE) member posts have waited longer than our promise of" sla.txt &&
	grep -x "You get this email as staff of Savers Club." sla.txt &&
	test "$(grep -c "^  by " sla.txt)" = "$(fig OVERDUE)" &&
	render en sla --since 2026-11-05 --until 2026-11-06 >sla1.mbox 2>sla1.err &&
	$PART sla1.mbox header:Subject | grep -x "Savers Club: 1 member post unanswered for more than 24 h" &&
	$PART sla1.mbox text | grep -x "This member post has waited longer than our promise of" &&
	render nl sla --since 2026-11-05 --until 2026-11-06 >sla1nl.mbox &&
	$PART sla1nl.mbox header:Subject | grep -x "Savers Club: 1 bericht van leden onbeantwoord na meer dan 24 uur" &&
	render nl sla $PERIOD >slanl.mbox &&
	$PART slanl.mbox header:Subject | grep -x "Savers Club: 2 berichten van leden onbeantwoord na meer dan 24 uur" &&
	render en sla --since 2026-11-14 --until 2026-11-15 >sla0.mbox 2>sla0.err &&
	test ! -s sla0.mbox &&
	grep "1 member post(s), 0 answered (median -), none due within 24 h" sla0.err
'

test_done
