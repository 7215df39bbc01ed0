#!/bin/sh
test_description='a scheduled run left behind by a killed kringd does not send its period twice

kringd runs the newsletter as a child (kring-newsletter --send --once).
When kringd is killed, the child outlives it and may still commit; the
restarted kringd, finding the period not recorded yet, starts a second
child for the same period.  Here the first child is stopped while it
waits for the store'"'"'s write lock (which the test holds), kringd is
killed, and the restarted kringd'"'"'s run sends the period.  Let go, the
first child finds the period recorded and does nothing: each staff
member gets the newsletter once.'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-kringd.sh"
. "$TEST_DIR/lib-sink.sh"

cat >kring.conf <<\EOF
hostname = "kring.test"
store = "store"
delivery {
	retry_min = 1
	retry_max = 1
}
community "kring" {
	address = "kring@example.org"
	description = "Savers Club"
	staff "s1@bank.example" { name = "Staff One" }
	staff "s2@bank.example" { name = "Staff Two" }
	staff "s3@bank.example" { name = "Staff Three" }
}
schedule newsletter {
	every = "14 days"
	at = "Mon 09:00"
}
EOF

# The pid of the Nth child kringd started.
child() {
	sed -n "s/.*schedule newsletter\/kring: started .* (pid \([0-9]*\)).*/\1/p" \
		kringd.log | sed -n "$1p"
}

# The recipients of the sink's copies of the newsletter from 2026-10-26,
# one line each.
recipients() {
	grep -l "^Subject: .*newsletter 2026-10-26 " "$SINK_DIR"/[0-9]*.eml 2>/dev/null |
	sed "s/\.eml$/.env/" | xargs -r grep -h "^RCPT TO:<" | sort
}

test_expect_success 'the sink, and a post to write about' '
	sink_start &&
	printf "From: m1@example.net\nTo: kring@example.org\nSubject: hello\nDate: Mon, 02 Nov 2026 10:00:00 +0000\n\nHi all.\n" >m1.eml &&
	kring import -c kring.conf --community kring m1.eml &&
	kring newsletter -c kring.conf --since 2026-10-26 --until 2026-11-09 >/dev/null 2>preview.err &&
	grep "1 message(s) previewed" preview.err
'

test_expect_success 'the first run waits for the write lock, is stopped there, and kringd is killed' '
	KRING_NOW=2026-11-09T08:59:57Z+ kringd_start -r 127.0.0.1:$SINK_PORT &&
	log_wait "schedule newsletter/kring: done" 1 &&
	grep "1 message(s) queued for 2026-10-12 to 2026-10-26" kringd.log &&
	mkfifo hold.in &&
	{ test-tool hold-store store <hold.in >hold.out 2>&1 & } &&
	exec 9>hold.in &&
	i=0 &&
	until grep -q held hold.out; do
		i=$((i + 1)); [ $i -lt 400 ] || return 1; sleep 0.05
	done &&
	log_wait "schedule newsletter/kring: started" 2 &&
	first=$(child 2) &&
	sleep 0.5 &&
	kill -STOP $first &&
	exec 9>&- &&
	kringd_kill9 &&
	kill -0 $first &&
	test_at_exit "kill -9 $first 2>/dev/null"
'

test_expect_success 'restarted, kringd runs the same period again and sends it' '
	KRING_NOW=2026-11-09T09:00:05Z+ kringd_start -r 127.0.0.1:$SINK_PORT &&
	log_wait "schedule newsletter/kring: started" 3 &&
	log_wait "schedule newsletter/kring: done" 2 &&
	grep "kring newsletter: 1 message(s) queued for 2026-10-26 to 2026-11-09" kringd.log &&
	i=0 &&
	until [ -z "$(kring outbox -s store)" ] && [ "$(recipients | wc -l)" -ge 3 ]; do
		i=$((i + 1)); [ $i -lt 400 ] || return 1; sleep 0.05
	done
'

test_expect_success 'the first run, let go, finds the period covered and sends nothing' '
	kill -CONT $first &&
	i=0 &&
	while kill -0 $first 2>/dev/null; do
		i=$((i + 1)); [ $i -lt 400 ] || return 1; sleep 0.05
	done &&
	sleep 3 &&
	test -z "$(kring outbox -s store)" &&
	recipients >got &&
	printf "RCPT TO:<s%d@bank.example>\n" 1 2 3 >want &&
	test_cmp want got &&
	test "$(sink_count)" -eq 2
'

test_expect_success 'with --once, a covered period is nothing to do, and says so' '
	kring newsletter -c kring.conf --since 2026-10-26 --until 2026-11-09T09:00:00Z \
		--send --once 2>once.err &&
	grep -x "kring newsletter: 2026-10-26 to 2026-11-09 was covered by an earlier run; nothing to do" once.err &&
	test -z "$(kring outbox -s store)"
'

test_expect_success 'kringd stops cleanly; the sink too' '
	kringd_stop &&
	sink_stop
'

test_done
