#!/bin/sh
test_description='kill -9 in the middle of a fan-out to 2,000 members: nobody missed, duplicates only for copies in flight

2,000 members (and the author) are imported by CSV; the author posts,
kringd expands the post into 2,000 outbox entries (fanout.c, a batch of
1,000 per transaction with a durable cursor) and delivers them into the
real SMTP sink (t/helper/sink.py, with a small per-message delay so the
fan-out takes a few seconds).  While some but not all copies have
arrived, kringd is killed with SIGKILL, then started again on the same
store, and every member must end up with their copy.

What the design promises (fanout.h, deliver.c):
  - the expansion neither skips nor doubles anyone: each member gets an
    outbox entry exactly once, whenever the kill lands;
  - delivery is at least once: a worker sends its batch (delivery.batch
    messages on one connection) and only then records the outcomes in
    one transaction, so a copy the relay accepted (250) whose entry was
    not yet recorded is sent again after the restart.
So, with the sink'"'"'s state and the outbox read while kringd is dead:
  - a member with a copy in the sink and no entry left in the outbox was
    recorded as delivered: exactly one copy in the end;
  - a member with a copy in the sink and an entry still in the outbox
    was in flight at the kill: exactly two copies in the end (sent
    again, once), and there are at most connections x batch of them
    (the batches in the workers'"'"' hands at the kill);
  - every other member (an entry waiting, or not yet expanded): exactly
    one copy.
Two rounds: one killed at the first copy (the expansion may still be
going), one with about a third of the copies in.'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-kringd.sh"
. "$TEST_DIR/lib-sink.sh"

MEMBERS=2000
CONNECTIONS=2
BATCH=20
IN_FLIGHT_MAX=$((CONNECTIONS * BATCH))

cat >kring.conf <<EOF
hostname = "kring.test"
store = "store"
delivery {
	connections = $CONNECTIONS
	batch = $BATCH
	retry_min = 1
	retry_max = 2
}
community "kring" {
	address = "kring@example.org"
	description = "Kring"
}
EOF

# tally.py: counts the sink's copies of one post per recipient, reads
# the outbox, and checks the outcome against the state at the kill.
cat >tally.py <<\EOF
import glob, json, os, re, sys

def copies(sink, msgid):
    """{rcpt: [return path, ...]} for the copies of MSGID in SINK."""
    out = {}
    for eml in glob.glob(os.path.join(sink, "[0-9]*.eml")):
        with open(eml, "rb") as f:
            head = f.read(4096).split(b"\r\n\r\n", 1)[0].decode("utf-8", "replace")
        m = re.search(r"(?mi)^Message-ID:\s*(\S+)", head)
        if not m or m.group(1) != msgid:
            continue
        mail_from, rcpts = None, []
        with open(eml[:-4] + ".env") as f:
            for line in f:
                line = line.rstrip("\n")
                if line.startswith("MAIL FROM:<"):
                    mail_from = line[11:-1]
                elif line.startswith("RCPT TO:<"):
                    rcpts.append(line[9:-1])
        for r in rcpts:
            out.setdefault(r, []).append(mail_from)
    return out

cmd, args = sys.argv[1], sys.argv[2:]
if cmd == "distinct":		# distinct SINK MSGID: members with a copy
    print(len(copies(args[0], args[1])))
elif cmd == "counts":		# counts SINK MSGID: "rcpt n" lines
    for r, rps in sorted(copies(args[0], args[1]).items()):
        print(r, len(rps))
elif cmd == "pending":		# pending < outbox --json: rcpts not yet sent
    for line in sys.stdin:
        e = json.loads(line)
        for r in e["recipients"]:
            if r["status"] == "pending":
                print(r["address"])
elif cmd == "check":
    # check SINK MSGID POST MEMBERS AT_KILL PENDING IN_FLIGHT_MAX
    sink, msgid, post, members, at_kill, pending, maxfl = args
    want_members = set(open(members).read().split())
    before = {}
    for line in open(at_kill):
        r, n = line.split()
        before[r] = int(n)
    waiting = set(open(pending).read().split())
    final = copies(sink, msgid)
    bad = []
    twice_before = [r for r, n in before.items() if n != 1]
    if twice_before:
        bad.append("more than one copy before the kill: %s" % twice_before[:5])
    if set(waiting) - want_members:
        bad.append("outbox entries for non-members: %s" % sorted(set(waiting) - want_members)[:5])
    in_flight = set(before) & waiting
    if len(in_flight) > int(maxfl):
        bad.append("%d copies in flight at the kill, more than %s" % (len(in_flight), maxfl))
    strangers = set(final) - want_members
    if strangers:
        bad.append("copies to non-members: %s" % sorted(strangers)[:5])
    missed = want_members - set(final)
    if missed:
        bad.append("%d members without a copy: %s" % (len(missed), sorted(missed)[:5]))
    rp_re = re.compile(r"^kring\+bounce-m([0-9]+)-%s-[0-9a-f]{10}@example\.org$" % post)
    ids = {}
    for r in sorted(want_members & set(final)):
        n = len(final[r])
        want = 2 if r in in_flight else 1
        if n != want:
            bad.append("%s: %d copies, not %d (%s)" % (r, n, want,
                "in flight at the kill" if want == 2 else
                "delivered and recorded before the kill" if r in before else
                "waiting in the outbox" if r in waiting else "not yet expanded"))
        rps = set(final[r])
        if len(rps) != 1 or not rp_re.match(next(iter(rps))):
            bad.append("%s: return paths %s" % (r, sorted(rps)))
        else:
            ids[r] = rp_re.match(next(iter(rps))).group(1)
    if len(set(ids.values())) != len(ids):
        bad.append("two members share a VERP member id")
    expanded = len(set(before) | waiting)
    print("at the kill: %d copies in the sink, %d entries waiting, %d in flight "
          "(sent, not recorded), %d members not yet expanded"
          % (len(before), len(waiting - set(before)), len(in_flight),
             len(want_members) - expanded))
    print("in the end: %d members, %d copies, %d duplicates"
          % (len(final), sum(len(v) for v in final.values()),
             sum(len(v) - 1 for v in final.values())))
    for b in bad[:20]:
        print("FAIL: " + b)
    sys.exit(1 if bad else 0)
EOF

tally() {
	"$PYTHON" "$TRASH/tally.py" "$@"
}

# Wait (up to 20 s) until every SMTP session the sink had is closed: a
# copy whose data it had read is then either stored or never will be
# (aiosmtpd cancels the handler when the client is gone).
sink_wait_idle() {
	i=0
	while :; do
		opened=$(grep -c ": connect from " "$SINK_LOG")
		closed=$(grep -c "^sink\[[0-9]*\] [0-9:.]* session [0-9]*: closed" "$SINK_LOG")
		[ "$opened" -eq "$closed" ] && return 0
		i=$((i + 1))
		[ $i -lt 400 ] || { echo "sink: $opened sessions, $closed closed" >&2; return 1; }
		sleep 0.05
	done
}

# wait_all MSGID SECONDS: until every member has a copy of MSGID and the
# outbox is empty.
wait_all() {
	i=0
	max=$(($2 * 10))
	until [ "$(tally distinct "$SINK_DIR" "$1")" -ge $MEMBERS ] &&
	    [ -z "$(kring outbox -s store)" ]; do
		i=$((i + 1))
		if [ $i -gt $max ]; then
			echo "after $2 s: $(tally distinct "$SINK_DIR" "$1") members have a copy" >&2
			kring outbox -s store | head -5 >&2
			return 1
		fi
		sleep 0.1
	done
}

# The store id kringd logged for MSGID.
store_id() {
	sed -n "s/.*stored id=\([0-9]*\) message-id=$1 .*/\1/p" kringd.log | tail -1
}

test_expect_success "setup: $MEMBERS members and the author imported by CSV" '
	awk -v n=$MEMBERS "BEGIN {
		print \"address,name,mode\"
		print \"author@example.net,The Author,each\"
		for (i = 1; i <= n; i++)
			printf \"m%04d@example.net,Member %d,each\\n\", i, i
	}" >members.csv &&
	sed -n "s/^\\(m[0-9]*@example.net\\),.*/\\1/p" members.csv >members &&
	test "$(sort -u members | wc -l)" -eq $MEMBERS &&
	kring member -c kring.conf import members.csv >import.out &&
	grep -x "kring: $((MEMBERS + 1)) added, 0 already members" import.out &&
	test "$(kring member -c kring.conf list | wc -l)" -eq $((MEMBERS + 1))
'

test_expect_success 'the sink (10 ms a message) and kringd' '
	sink_start --delay 0.01 &&
	kringd_start -r 127.0.0.1:$SINK_PORT
'

# round N KILL_AT: the author posts; kill -9 once KILL_AT members have
# a copy; the state at the kill is kept in at_kill.N and pending.N.
round() {
	r=$1 kill_at=$2
	msgid="<crash-$r@example.net>"
	printf "From: The Author <author@example.net>\nTo: kring@example.org\nSubject: Round %s\nMessage-ID: %s\n\nTo all %s of you.\n" \
		$r "$msgid" $MEMBERS >post.$r &&
	printf "%s" "$(cat post.$r)" >post.$r.data &&
	swaks --server 127.0.0.1:"$KRINGD_PORT" --from author@example.net \
		--to kring@example.org --data @post.$r.data --silent 1 &&
	i=0 &&
	while [ "$(sink_count)" -lt $((base + kill_at)) ]; do
		i=$((i + 1))
		[ $i -lt 1200 ] || { echo "no $kill_at copies after 60 s" >&2; return 1; }
		kill -0 $KRINGD_PID || { echo "kringd died by itself" >&2; return 1; }
		sleep 0.05
	done &&
	kringd_kill9 &&
	sink_wait_idle &&
	tally counts "$SINK_DIR" "$msgid" >at_kill.$r &&
	n=$(wc -l <at_kill.$r) &&
	echo "killed with $n of $MEMBERS members served" &&
	test "$n" -gt 0 && test "$n" -lt $MEMBERS &&
	kring outbox -s store --json | tally pending >pending.$r &&
	post_id=$(store_id "$msgid") && test -n "$post_id"
}

base=0
test_expect_success 'round 1: kill -9 at the first copy' '
	round 1 1
'

test_expect_success 'round 1: after a restart every member has the copy; duplicates only from flight' '
	kringd_start -r 127.0.0.1:$SINK_PORT &&
	wait_all "<crash-1@example.net>" 60 &&
	tally check "$SINK_DIR" "<crash-1@example.net>" "$post_id" members \
		at_kill.1 pending.1 $IN_FLIGHT_MAX >check.1 || { cat check.1; false; }
'
test -f check.1 && sed "s/^/# round 1: /" check.1

test_expect_success 'round 1: the author got none; the fan-out is over' '
	! grep -l "^RCPT TO:<author@example.net>" "$SINK_DIR"/*.env &&
	grep "fan-out of message $post_id: done" kringd.log &&
	test -z "$(kring outbox -s store)" &&
	tally counts "$SINK_DIR" "<crash-1@example.net>" >final.1
'

base=$(sink_count)
test_expect_success 'round 2: kill -9 with about a third of the copies in' '
	round 2 $((MEMBERS / 3))
'

test_expect_success 'round 2: after a restart every member has the copy; duplicates only from flight' '
	kringd_start -r 127.0.0.1:$SINK_PORT &&
	wait_all "<crash-2@example.net>" 60 &&
	tally check "$SINK_DIR" "<crash-2@example.net>" "$post_id" members \
		at_kill.2 pending.2 $IN_FLIGHT_MAX >check.2 || { cat check.2; false; }
'
test -f check.2 && sed "s/^/# round 2: /" check.2

test_expect_success 'round 2: nothing else came: round 1 was not sent again' '
	tally counts "$SINK_DIR" "<crash-1@example.net>" >now.1 &&
	test_cmp final.1 now.1 &&
	r1=$(awk "{ s += \$2 } END { print s }" final.1) &&
	r2=$(tally counts "$SINK_DIR" "<crash-2@example.net>" |
		awk "{ s += \$2 } END { print s }") &&
	test "$(sink_count)" -eq $((r1 + r2))
'

test_expect_success 'kringd stops cleanly; the sink too' '
	kringd_stop &&
	sink_stop
'

test_done
