#!/bin/sh
test_description='kring stats --since --until: the figures of a period

A community in Europe/Amsterdam gets member posts, staff answers within
and outside the promise, staff actions by mail (topics, summaries,
outcomes, replying to member posts too), a post from outside, posts a
minute around the local midnights of the period, and posts after it;
members join before, in and after the period, two leave.  A second
community has nothing in the period.  figures.py works out every
figure from the same tables, without kring, and the JSON, the CSV and
the text must say the same; bad input exits with a usage error.'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-kringd.sh"

[ -x "$PYTHON" ] || test_skip_all "no $PYTHON"
AR="Authentication-Results: mx.bank.example; dkim=pass header.d=bank.example header.s=s1"
PERIOD="--since 2026-11-01 --until 2026-11-15"
NOW=2026-11-20T09:00:00Z	# everything due; some answers came after the period
NOW2=2026-11-15T09:00:00Z	# the morning after: one answer not yet, one post not due

cat >kring.conf <<\EOF
hostname = "kring.test"
store = "store"
authserv_id = "mx.bank.example"
community "kring" {
	address = "kring@example.org"
	description = "Savers Club"
	timezone = "Europe/Amsterdam"
	outside_posts = true
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
community "quiet" {
	address = "quiet@example.org"
	outside_posts = true
	staff "anna@bank.example" { name = "Anna de Boer" }
}
EOF

# id from time parent kind subject: kind member or staff (a post to the
# community), topic or the detail of a command address (a staff action).
# Topic ids: 1 is made by kring topic new on 2026-10-15, then 2.. as the
# topics below come.
cat >posts.tab <<\EOF
p0 ann@example.net 2026-10-20T10:00:00Z - member Before the period
q0 qua@example.net 2026-10-20T11:00:00Z - quiet Quiet before the period
e0 eve@example.net 2026-10-31T22:30:00Z - member Late on the 31st
d1 dee@example.net 2026-10-31T23:30:00Z - member Early on the 1st
a1 anna@bank.example 2026-11-01T09:30:00Z d1 staff Re: Early on the 1st
t1 bob@bank.example 2026-11-02T09:00:00Z - topic Savings app
m1 ann@example.net 2026-11-03T10:00:00Z t1 member Re: Savings app
m2 ben@example.net 2026-11-03T11:00:00Z t1 member Re: Savings app
x1 anna@bank.example 2026-11-03T12:00:00Z m2 summary-2 Re: Savings app
s1 anna@bank.example 2026-11-03T13:00:00Z m1 staff Re: Savings app
e1 eve@example.net 2026-11-04T08:00:00Z - member Card fees
s2 anna@bank.example 2026-11-05T17:00:00Z m2 staff Re: Savings app
t2 bob@bank.example 2026-11-06T09:00:00Z - topic Opening hours
c1 cas@example.net 2026-11-06T12:00:00Z t2 member Re: Opening hours
x2 anna@bank.example 2026-11-07T09:00:00Z c1 summary-3 Re: Opening hours
x3 bob@bank.example 2026-11-08T09:00:00Z c1 outcome-3-implemented Re: Opening hours
s3 bob@bank.example 2026-11-08T10:00:00Z - staff Branch news
t3 bob@bank.example 2026-11-09T09:00:00Z - topic Fees
x4 anna@bank.example 2026-11-09T10:00:00Z t3 summary-4 Re: Fees
x5 bob@bank.example 2026-11-09T11:00:00Z t3 outcome-4-declined Re: Fees
z1 zed@example.com 2026-11-12T08:00:00Z - member Hello from outside
b2 ben@example.net 2026-11-14T20:00:00Z - member Late question
l1 dee@example.net 2026-11-14T23:30:00Z - member After the period
s4 anna@bank.example 2026-11-15T10:00:00Z z1 staff Re: Hello from outside
t4 bob@bank.example 2026-11-16T09:00:00Z - topic Later topic
b3 ben@example.net 2026-11-17T09:00:00Z - member Again
x6 bob@bank.example 2026-11-17T10:00:00Z t1 outcome-2-in-progress Re: Savings app
EOF

# address joined left (- : a member now) community
cat >members.tab <<\EOF
ann@example.net 2026-09-01T00:00:00Z - kring
ben@example.net 2026-11-03T08:00:00Z - kring
cas@example.net 2026-11-10T12:00:00Z - kring
dee@example.net 2026-10-31T23:30:00Z - kring
eve@example.net 2026-10-31T22:30:00Z - kring
fay@example.net 2026-11-16T00:00:00Z - kring
gus@example.net 2026-10-01T00:00:00Z 2026-11-10T12:00:00Z kring
hal@example.net 2026-10-01T00:00:00Z 2026-11-18T12:00:00Z kring
ivy@example.net 2026-11-05T12:00:00Z - kring
qua@example.net 2026-09-01T00:00:00Z - quiet
EOF

# The figures of each community for the period at NOW (argv), as JSON
# lines with kring stats' keys: the definitions of kring-stats(1)
# worked out from the tables.  The period runs from the local midnight
# of 1 November to that of 15 November: in Amsterdam (CET, +01:00) for
# kring, in UTC for quiet.
cat >figures.py <<\EOF
import sys, json, calendar, time
def t(s): return calendar.timegm(time.strptime(s, "%Y-%m-%dT%H:%M:%SZ"))
now = t(sys.argv[1])
STAFF = {"anna@bank.example", "bob@bank.example"}
msgs = []
for l in open("posts.tab"):
    i, frm, when, parent, kind, subj = l.split(None, 5)
    msgs.append(dict(id=i, frm=frm, t=t(when), parent=parent, kind=kind))
members = [l.split() for l in open("members.tab")]
topics = [dict(created=t("2026-10-15T09:00:00Z"), state="open")]
for m in msgs:		# ids in the order they come, states as they change
    if m["kind"] == "topic":
        topics.append(dict(created=m["t"], state="open"))
    elif m["kind"].startswith("summary-"):
        tp = topics[int(m["kind"].split("-")[1]) - 1]
        if tp["state"] == "open": tp["state"] = "summarised"
    elif m["kind"].startswith("outcome-"):
        n, state = m["kind"].split("-", 2)[1:]
        topics[int(n) - 1]["state"] = state
def comm(m): return "quiet" if m["kind"] == "quiet" else "kring"
def figures(c, tz, offset, promise_h, with_topics):
    since = t("2026-11-01T00:00:00Z") - offset * 3600
    until = t("2026-11-15T00:00:00Z") - offset * 3600
    zone = "+%02d:00" % offset if offset else "Z"
    inp = [m for m in msgs if comm(m) == c and since <= m["t"] < until]
    member = [m for m in inp if m["kind"] in ("member", "quiet") and m["frm"] not in STAFF]
    staff = [m for m in inp if m["kind"] == "staff"]
    authors = {m["frm"] for m in member}
    first = [a for a in authors if not any(m["frm"] == a and m["t"] < since
                                           for m in msgs if comm(m) == c)]
    mine = [r for r in members if r[3] == c]
    f = dict(community=c, timezone=tz,
             since="2026-11-01T00:00:00" + zone, until="2026-11-15T00:00:00" + zone,
             first_day="2026-11-01", last_day="2026-11-14",
             member_posts=len(member), staff_posts=len(staff),
             active_members=len(authors), first_time_posters=len(first),
             new_members=sum(1 for r in mine if since <= t(r[1]) < until),
             members=sum(1 for r in mine if t(r[1]) < until and
                         (r[2] == "-" or t(r[2]) >= until)),
             promise_hours=promise_h)
    mins, due, within, unanswered, overdue = [], 0, 0, 0, 0
    for m in member:
        a = [x["t"] for x in msgs if x["parent"] == m["id"] and
             x["kind"] == "staff" and x["t"] <= now]
        if a:
            mins.append((min(a) - m["t"]) // 60)
            due += 1
            within += min(a) - m["t"] <= promise_h * 3600
        else:
            unanswered += 1
            if now - m["t"] > promise_h * 3600:
                due += 1; overdue += 1
    mins.sort()
    k = len(mins)
    med = (mins[k // 2] if k % 2 else (mins[k // 2 - 1] + mins[k // 2]) // 2) if k else None
    f.update(answered=k, median_answer_hours=None if med is None else
             float("%.2f" % (med / 60)), due=due,
             within=within if due else None,
             within_pct=within * 100 // due if due else None,
             unanswered=unanswered, overdue=overdue)
    mytopics = [x for x in topics if with_topics and x["created"] < until]
    f["topics_started"] = sum(1 for x in mytopics if x["created"] >= since)
    for s in ("open", "summarised", "in-progress", "implemented", "declined"):
        f["topics_" + s.replace("-", "_")] = sum(1 for x in mytopics if x["state"] == s)
    return f
print(json.dumps(figures("kring", "Europe/Amsterdam", 1, 24, True)))
print(json.dumps(figures("quiet", "UTC", 0, 24, False)))
EOF

# post ID FROM WHEN PARENT KIND SUBJECT: through kringd, its clock at WHEN.
post() {
	id=$1 from=$2 when=$3 parent=$4 kind=$5
	shift 5
	case $kind in
	member|staff) to=kring@example.org ;;
	quiet) to=quiet@example.org ;;
	*) to=kring+$kind@example.org ;;
	esac
	[ "$parent" != - ] || parent=
	KRING_NOW=$when kringd_start || return 1
	swaks --server 127.0.0.1:$KRINGD_PORT --from $from --to $to \
		--header "From: <$from>" --header "Subject: $*" \
		--header "Message-Id: <$id@x>" --header "$AR" \
		${parent:+--header} ${parent:+"In-Reply-To: <$parent@x>"} \
		--body "Text of $id." >swaks.out 2>&1 || { cat swaks.out; return 1; }
	kringd_stop
}

test_expect_success 'the members: imported with their joining, one added, two leave' '
	awk "\$4 == \"kring\" { print \$1 \",,,,,\" \$2 }" members.tab >kring.csv &&
	grep -v ivy kring.csv >import.csv &&
	kring member -c kring.conf --community kring import import.csv &&
	KRING_NOW=2026-11-05T12:00:00Z kring member -c kring.conf --community kring add ivy@example.net &&
	KRING_NOW=2026-11-10T12:00:00Z kring member -c kring.conf --community kring remove gus@example.net &&
	KRING_NOW=2026-11-18T12:00:00Z kring member -c kring.conf --community kring remove hal@example.net &&
	echo "qua@example.net,,,,,2026-09-01T00:00:00Z" >quiet.csv &&
	kring member -c kring.conf --community quiet import quiet.csv
'

test_expect_success 'the posts, each through kringd at its time' '
	KRING_NOW=2026-10-15T09:00:00Z kring topic -c kring.conf --community kring \
		new --title "An old question" --owner bob@bank.example --body - <<-\EOF &&
	What should we ask next?
	EOF
	while read -r id from when parent kind subject; do
		post $id $from $when $parent $kind $subject || return 1
	done <posts.tab &&
	kring topic -c kring.conf --community kring list >topics &&
	cat topics &&
	test $(grep -c "" topics) = 5 &&
	kring stats -c kring.conf --json >all.json &&
	grep "\"community\":\"kring\",\"messages\":$(grep -c -v " quiet " posts.tab | awk "{ print \$1 + 1 }")," all.json
'

# check NOW: kring stats at NOW in JSON, CSV and text against figures.py.
check_period() {
	$PYTHON figures.py $1 >expect.json &&
	KRING_NOW=$1 kring stats -c kring.conf $PERIOD --json >got.json &&
	KRING_NOW=$1 kring stats -c kring.conf $PERIOD --csv >got.csv &&
	KRING_NOW=$1 kring stats -c kring.conf $PERIOD >got.txt &&
	cat expect.json got.json got.csv got.txt &&
	$PYTHON - <<-\EOF
	import json, csv, sys
	want = [json.loads(l) for l in open("expect.json")]
	got = [json.loads(l) for l in open("got.json")]
	def same(what, w, g):
	    if w != g:
	        sys.exit("%s: kring says %r, the posts say %r" % (what, g, w))
	for w, g in zip(want, got):
	    same("keys", list(w), list(g))
	    for k in w:
	        same("json %s %s" % (w["community"], k), w[k], g[k])
	same("communities", len(want), len(got))
	raw = open("got.csv", newline="").read()
	same("CSV line ends", raw.count("\r\n"), raw.count("\n"))
	rows = list(csv.reader(raw.splitlines()))
	same("CSV header", list(want[0]), rows[0])
	for w, r in zip(want, rows[1:]):
	    for k, v in zip(rows[0], r):
	        x = w[k]
	        text = "" if x is None else "%.2f" % x if isinstance(x, float) else str(x)
	        same("csv %s %s" % (w["community"], k), text, v)
	same("CSV rows", len(want) + 1, len(rows))
	labels = {"member_posts": "Member posts", "staff_posts": "Staff posts",
	    "active_members": "Members who posted", "first_time_posters": "First-time posters",
	    "new_members": "New members", "members": "Members at the end",
	    "promise_hours": "Promise, hours", "answered": "Posts answered",
	    "median_answer_hours": "Median answer, hours", "due": "Due",
	    "within": "Within the promise", "within_pct": "Within the promise, %",
	    "unanswered": "Still unanswered", "overdue": "Past the promise",
	    "topics_started": "Topics started", "topics_open": "Topics open",
	    "topics_summarised": "Topics summarised",
	    "topics_in_progress": "Topics in progress",
	    "topics_implemented": "Topics implemented", "topics_declined": "Topics declined"}
	nones = {"median_answer_hours": "none answered", "within": "none due yet",
	    "within_pct": "none due yet"}
	blocks = open("got.txt").read().split("\n\n")
	same("text blocks", len(want), len(blocks))
	for w, b in zip(want, blocks):
	    lines = b.strip("\n").split("\n")
	    same("text heading", "%s: %s to %s (%s)" % (w["community"], w["first_day"],
	         w["last_day"], w["timezone"]), lines[0])
	    text = {}
	    for l in lines[1:]:
	        label, value = l[2:].rsplit("  ", 1)
	        text[label.strip()] = value.strip()
	    for k, label in labels.items():
	        x = w[k]
	        v = nones[k] if x is None else "%.2f" % x if isinstance(x, float) else str(x)
	        same("text %s %s" % (w["community"], label), v, text.pop(label))
	    same("text lines left", {}, text)
	EOF
}

test_expect_success 'every figure at the end: JSON, CSV and text as the posts say' '
	check_period $NOW &&
	grep "\"within\":2,\"within_pct\":28," got.json &&
	grep "\"community\":\"quiet\",.*\"member_posts\":0,.*\"median_answer_hours\":null,\"due\":0,\"within\":null,\"within_pct\":null," got.json &&
	! grep "100" got.json &&
	grep -x "  Within the promise, %      none due yet" got.txt
'

test_expect_success 'the morning after: an answer not there yet, a post not due yet' '
	check_period $NOW2 &&
	grep "\"answered\":3,\"median_answer_hours\":10.00,\"due\":6,\"within\":2,\"within_pct\":33," got.json
'

# figure FILE KEY: KEY of the first object in the JSON lines of FILE.
figure() {
	$PYTHON -c 'import json, sys; print(json.loads(open(sys.argv[1]).readline())[sys.argv[2]])' "$1" "$2"
}

# news LABEL: the value after LABEL in the newsletter's text.
news() {
	sed -n "s/^  $1   *//p" news.txt
}

test_expect_success 'the newsletter of the period has the same figures' '
	KRING_NOW=$NOW kring stats -c kring.conf --community kring $PERIOD --json >s.json &&
	KRING_NOW=$NOW kring newsletter -c kring.conf --community kring $PERIOD >news.mbox &&
	$PYTHON $TEST_DIR/helper/mail-part.py news.mbox text >news.txt &&
	test "$(news "Member posts")" = "$(figure s.json member_posts)" &&
	test "$(news "Members who posted")" = "$(figure s.json active_members)" &&
	test "$(news "First-time posters")" = "$(figure s.json first_time_posters)" &&
	test "$(news "Staff posts")" = "$(figure s.json staff_posts)" &&
	test "$(news "Posts answered")" = "$(figure s.json answered)" &&
	test "$(news "Within the promise")" = "$(figure s.json within_pct)% ($(figure s.json within) of $(figure s.json due) due)" &&
	test "$(news "Still unanswered")" = "$(figure s.json unanswered)"
'

test_expect_success 'one community; a period of one day; --until alone is 14 days back' '
	KRING_NOW=$NOW kring stats -c kring.conf --community kring $PERIOD --json >one.json &&
	test $(grep -c "" one.json) = 1 && grep "\"community\":\"kring\"" one.json &&
	KRING_NOW=$NOW kring stats -c kring.conf --community kring --since 2026-11-14 \
		--until 2026-11-15 --json >day.json &&
	grep "\"since\":\"2026-11-14T00:00:00+01:00\",\"until\":\"2026-11-15T00:00:00+01:00\",\"first_day\":\"2026-11-14\",\"last_day\":\"2026-11-14\",\"member_posts\":1," day.json &&
	KRING_NOW=$NOW kring stats -c kring.conf --community kring --until 2026-11-15 --json >until.json &&
	grep "\"since\":\"2026-11-01T00:00:00+01:00\"" until.json
'

test_expect_success 'without a period: the counts stored, as before, and as CSV' '
	kring stats -c kring.conf >stored.txt &&
	grep -x "quiet: 1 messages, 1 threads, 1 senders" stored.txt &&
	kring stats -c kring.conf --csv >stored.csv &&
	printf "community,messages,threads,senders\r\n" >expect &&
	head -1 stored.csv >actual &&
	test_cmp expect actual &&
	grep "^quiet,1,1,1" stored.csv
'

# bad CODE MESSAGE ARGS: kring stats ARGS exits CODE, says MESSAGE on
# stderr and prints nothing.
bad() {
	code=$1 msg=$2
	shift 2
	test_expect_code $code kring stats -c kring.conf "$@" >out 2>err &&
	cat err && grep -F -e "$msg" err && test ! -s out
}

test_expect_success 'bad input: usage errors, nothing printed' '
	bad 64 "--since: \"yesterday\" is not a date" --since yesterday --until 2026-11-15 &&
	bad 64 "--until: \"2026-13-01\" is not a date" --since 2026-11-01 --until 2026-13-01 &&
	bad 64 "the period is empty: --since \"2026-11-15\" is not before --until \"2026-11-01\"" \
		--since 2026-11-15 --until 2026-11-01 &&
	bad 64 "the period is empty: --since \"2026-11-15\" is not before --until \"2026-11-15\"" \
		--since 2026-11-15 --until 2026-11-15 &&
	bad 64 "no community \"nosuch\" in kring.conf" --community nosuch $PERIOD &&
	bad 64 "no community \"nosuch\"" --community nosuch &&
	bad 64 "--json and --csv: choose one" $PERIOD --json --csv &&
	bad 64 "usage: kring stats" $PERIOD extra &&
	bad 64 "usage: kring stats" --bogus &&
	kring stats --help >help && grep "usage: kring stats" help && grep -e "--csv" help
'

test_expect_success 'a period needs the configuration' '
	test_expect_code 78 kring stats -s store $PERIOD >out 2>err &&
	grep "need the configured communities" err && test ! -s out
'

test_done
