#!/bin/sh
test_description='schedules: kringd runs the staff tools as children

A biweekly newsletter on Mondays 09:00 UTC: its slots are 2026-11-09,
2026-11-23, 2026-12-07 and 2026-12-21 (every 14 days from Monday
1970-01-05).  kringd runs on a test clock (KRING_NOW=TIME+, which then
runs on) so a slot falls due while it runs; a later start catches up
the slots it missed, one period each, and never repeats one.'
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
		staff "anna@bank.example" {
			name = "Anna de Boer"
			roles = {"manager", "owner"}
		}
	}
	community "nostaff" {
		address = "empty@example.org"
	}
	schedule newsletter {
		every = "14 days"
		at = "Mon 09:00"
		community = {"kring"}
	}
	$1
	EOF
}

# The subjects the sink got, in order.
subjects() {
	for f in $(sink_messages); do $PART "$f" header:Subject; done
}

test_expect_success 'bad schedules are config errors with file and line' '
	write_config "schedule weekly { every = \"7 days\" }" &&
	test_expect_code 78 kringd -n -c kring.conf 2>err &&
	grep "kring.conf:[0-9]*: schedule \"weekly\"" err &&
	write_config "schedule thanks { every = \"often\" }" &&
	test_expect_code 78 kringd -n -c kring.conf 2>err &&
	grep "kring.conf:[0-9]*: schedule \"thanks\": every" err &&
	write_config "schedule sla { every = \"1 day\" at = \"Someday 9:00\" }" &&
	test_expect_code 78 kringd -n -c kring.conf 2>err &&
	write_config "schedule sla { every = \"1 day\" community = {\"nope\"} }" &&
	test_expect_code 78 kringd -n -c kring.conf 2>err &&
	grep "no community \"nope\"" err
'

test_expect_success 'the last period sent by hand ended at the 2026-11-09 slot' '
	write_config &&
	sink_start &&
	printf "From: m1@example.net\nTo: kring@example.org\nSubject: hello\nDate: Mon, 02 Nov 2026 10:00:00 +0000\n\nHi all.\n" >m1.eml &&
	kring import -c kring.conf --community kring m1.eml &&
	KRING_NOW=2026-11-09T09:00:00Z kring newsletter -c kring.conf \
		--community kring --since 2026-10-26T09:00:00Z \
		--until 2026-11-09T09:00:00Z --send
'

test_expect_success 'the 2026-11-23 slot falls due while kringd runs' '
	KRING_NOW=2026-11-23T08:59:58Z+ kringd_start -r 127.0.0.1:$SINK_PORT &&
	sink_wait_count 1 &&
	log_wait "schedule newsletter/kring: done" 1 &&
	sink_wait_count 2 &&
	subjects >subjects &&
	sed -n 2p subjects | grep "2026-11-09 .* 2026-11-23" &&
	! grep "overdue" kringd.log
'

test_expect_success 'a schedule never runs a period twice' '
	sleep 2 &&
	test $(grep -c "schedule newsletter/kring: started" kringd.log) = 1 &&
	kringd_stop &&
	KRING_NOW=2026-11-23T10:00:00Z+ kringd_start -r 127.0.0.1:$SINK_PORT &&
	sleep 2 &&
	test $(grep -c "schedule newsletter/kring: started" kringd.log) = 1 &&
	kringd_stop
'

test_expect_success 'two slots missed while down: caught up in order, with a warning' '
	KRING_NOW=2026-12-22T10:00:00Z+ kringd_start -r 127.0.0.1:$SINK_PORT &&
	log_wait "schedule newsletter/kring: done" 3 &&
	sink_wait_count 4 &&
	grep "schedule newsletter/kring is overdue: its last period ended 2026-11-23T09:00:00Z" kringd.log &&
	subjects >subjects &&
	sed -n 3p subjects | grep "2026-11-23 .* 2026-12-07" &&
	sed -n 4p subjects | grep "2026-12-07 .* 2026-12-21" &&
	sleep 2 &&
	test $(grep -c "schedule newsletter/kring: started" kringd.log) = 3 &&
	kringd_stop
'

test_expect_success 'a failing run is a warning and is tried again' '
	write_config "schedule thanks { every = \"1 day\" at = \"09:00\" retry = 1 }" &&
	sed -i "s/community = {\"kring\"}/retry = 1/" kring.conf &&
	printf "From: m2@example.net\nTo: empty@example.org\nSubject: anyone?\nDate: Mon, 21 Dec 2026 10:00:00 +0000\n\nHello?\n" >m2.eml &&
	kring import -c kring.conf --community nostaff m2.eml &&
	KRING_NOW=2026-12-22T10:00:00Z+ kringd_start -r 127.0.0.1:$SINK_PORT &&
	log_wait "schedule newsletter/nostaff: the run failed (exit 78); trying again in 1 s" 2 &&
	grep "schedule newsletter/nostaff: .*has no staff" kringd.log &&
	kringd_stop
'

test_expect_success 'stop the sink' '
	sink_stop
'

test_done
