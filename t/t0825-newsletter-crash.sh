#!/bin/sh
test_description='kill -9 while the scheduled newsletter goes out to 200 staff: each gets it once

The biweekly newsletter (slots on Mondays 09:00 UTC: 2026-11-09,
2026-11-23; see t0730) goes to the 200 staff of a community.  kringd
runs it as a child (kring-newsletter --send: one message to all staff,
queued in the outbox in the same transaction as the period it covers)
and delivers it into the sink.  Two rounds, each killed with SIGKILL:

  1. at once when the first run (2026-10-26 to 2026-11-09, started as
     kringd starts on 2026-11-16) has started: the child may still be running
     (it outlives kringd and finishes on its own) or done; the message
     may or may not have reached the sink.
  2. while the sink (--delay 3) has the data of the next one (2026-11-09
     to 2026-11-23, due while kringd runs) in and has not answered yet:
     the delivery is in flight.

Then kringd starts again on the same store.  With the sink'"'"'s copies
and the outbox read while kringd is dead (as t0820 does for a fan-out),
the outcome must be: a staff member with a copy at the kill and no
entry left waiting was recorded as delivered: one copy in the end; with
a copy and an entry still waiting the copy was in flight (sent, not yet
recorded): exactly two; everyone else: exactly one.  And the period is
never run twice.'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-kringd.sh"
. "$TEST_DIR/lib-sink.sh"

STAFF=200

{
	cat <<-\EOF
	hostname = "kring.test"
	store = "store"
	delivery {
		connections = 2
		retry_min = 1
		retry_max = 1
	}
	community "kring" {
		address = "kring@example.org"
		description = "Savers Club"
	EOF
	awk -v n=$STAFF 'BEGIN {
		for (i = 1; i <= n; i++)
			printf "\tstaff \"s%03d@bank.example\" { name = \"Staff %d\" roles = {\"manager\"} }\n", i, i
	}'
	cat <<-\EOF
	}
	schedule newsletter {
		every = "14 days"
		at = "Mon 09:00"
	}
	EOF
} >kring.conf
awk -v n=$STAFF 'BEGIN { for (i = 1; i <= n; i++) printf "s%03d@bank.example\n", i }' >staff

# count.py SINK SUBJECT-PART: "rcpt n" for every recipient of the copies
# in SINK whose Subject has SUBJECT-PART.
cat >count.py <<\EOF
import glob, os, re, sys
from email.header import decode_header, make_header
sink, part = sys.argv[1], sys.argv[2]
n = {}
for eml in glob.glob(os.path.join(sink, "[0-9]*.eml")):
    head = open(eml, "rb").read().split(b"\r\n\r\n", 1)[0].decode("utf-8", "replace")
    head = re.sub(r"\r\n[ \t]+", " ", head)
    m = re.search(r"(?mi)^Subject:(.*)$", head)
    if not m or part not in str(make_header(decode_header(m.group(1).strip()))):
        continue
    for line in open(eml[:-4] + ".env"):
        if line.startswith("RCPT TO:<"):
            r = line.strip()[9:-1]
            n[r] = n.get(r, 0) + 1
for r in sorted(n):
    print(r, n[r])
EOF
count() {
	"$PYTHON" count.py "$SINK_DIR" "$1"
}

# The recipients still waiting in the outbox.
pending() {
	kring outbox -s store --json | "$PYTHON" -c 'import json, sys
for line in sys.stdin:
    for r in json.loads(line)["recipients"]:
        if r["status"] == "pending":
            print(r["address"])'
}

# Wait (20 s at most) until every SMTP session the sink had is closed: a
# copy whose data it had read is then either stored or never will be.
sink_wait_idle() {
	i=0
	until [ "$(grep -c ": connect from " "$SINK_LOG")" -eq \
	    "$(grep -c "^sink\[[0-9]*\] [0-9:.]* session [0-9]*: closed" "$SINK_LOG")" ]; do
		i=$((i + 1))
		[ $i -lt 400 ] || return 1
		sleep 0.05
	done
}

# at_kill R PART: after the kill, keep the sink's copies of PART and the
# waiting recipients in at_kill.R and pending.R.
at_kill() {
	kringd_kill9 &&
	sink_wait_idle &&
	count "$2" >at_kill.$1 &&
	pending | sort >pending.$1 &&
	echo "round $1: at the kill $(wc -l <at_kill.$1) staff had a copy, $(wc -l <pending.$1) waiting" >state.$1
}

# check R PART: after the restart, once nothing waits: each staff member
# has exactly the copies the state at the kill allows.
check() {
	i=0 &&
	until [ -z "$(kring outbox -s store)" ] && [ "$(count "$2" | wc -l)" -eq $STAFF ]; do
		i=$((i + 1))
		[ $i -lt 400 ] || { echo "after 20 s: $(count "$2" | wc -l) staff have it"; kring outbox -s store | head -3; return 1; }
		sleep 0.05
	done &&
	count "$2" >final.$1 &&
	while read r; do
		had=$(sed -n "s/^$r \([0-9]*\)$/\1/p" at_kill.$1)
		got=$(sed -n "s/^$r \([0-9]*\)$/\1/p" final.$1)
		if [ -n "$had" ] && grep -qx "$r" pending.$1; then
			want=2	# in flight at the kill
		else
			want=1
		fi
		[ "$had" != 2 ] && [ "$got" = "$want" ] ||
			{ echo "$r: $got copies, not $want (at the kill: ${had:-0})"; return 1; }
	done <staff &&
	test "$(wc -l <final.$1)" -eq $STAFF &&
	awk "{ s += \$2 } END { print \"round $1: \" NR \" staff, \" s \" copies\" }" final.$1
}

test_expect_success 'the sink, and a post to write about' '
	sink_start --delay 0.2 &&
	printf "From: m1@example.net\nTo: kring@example.org\nSubject: hello\nDate: Mon, 16 Nov 2026 10:00:00 +0000\n\nHi all.\n" >m1.eml &&
	kring import -c kring.conf --community kring m1.eml
'

test_expect_success 'round 1: kill -9 as soon as the first run has started' '
	KRING_NOW=2026-11-16T12:00:00Z+ kringd_start -r 127.0.0.1:$SINK_PORT &&
	log_wait "schedule newsletter/kring: started" 1 &&
	child=$(sed -n "s/.*schedule newsletter\/kring: started .* (pid \([0-9]*\)).*/\1/p" kringd.log) &&
	at_kill 1 "newsletter 2026-10-26 " &&
	i=0 &&
	while kill -0 $child 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt 400 ] || { echo "the child $child still runs"; return 1; }
		sleep 0.05
	done
'

test_expect_success 'round 1: restarted, every staff member gets it once; the period is not run again' '
	KRING_NOW=2026-11-16T12:00:02Z+ kringd_start -r 127.0.0.1:$SINK_PORT &&
	check 1 "newsletter 2026-10-26 " >check.1 &&
	cat check.1 &&
	sleep 1.5 &&
	test $(grep -c "schedule newsletter/kring: started" kringd.log) = 1
'
cat state.1 check.1 2>/dev/null | sed "s/^/# /"

test_expect_success 'round 2: kill -9 while the sink has the 2026-11-23 newsletter in and not answered' '
	kringd_stop &&
	sink_stop &&
	sink_start --delay 3 &&
	KRING_NOW=2026-11-23T08:59:59Z+ kringd_start -r 127.0.0.1:$SINK_PORT &&
	log_wait "schedule newsletter/kring: started" 2 &&
	log_wait "DATA [0-9]*: [0-9]* bytes in, waiting" 1 "$SINK_LOG" &&
	at_kill 2 "newsletter 2026-11-09 "
'

test_expect_success 'round 2: restarted, every staff member gets it once' '
	KRING_NOW=2026-11-23T09:00:05Z+ kringd_start -r 127.0.0.1:$SINK_PORT &&
	check 2 "newsletter 2026-11-09 " >check.2 &&
	cat check.2 &&
	test $(grep -c "schedule newsletter/kring: started" kringd.log) = 2
'
cat state.2 check.2 2>/dev/null | sed "s/^/# /"

test_expect_success 'round 1 was not sent again; nothing else came' '
	count "newsletter 2026-10-26 " >now.1 &&
	test_cmp final.1 now.1 &&
	test "$(sink_count)" -eq $(($(awk "{ s += \$2 } END { print s }" final.1 final.2) / STAFF))
'

test_expect_success 'kringd stops cleanly; the sink too' '
	kringd_stop &&
	sink_stop
'

test_done
