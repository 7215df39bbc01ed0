#!/bin/sh
test_description='time zones: a community in Europe/Amsterdam

Around both 2026 switch nights in Europe/Amsterdam (29 March, 02:00 CET
becomes 03:00 CEST; 25 October, 03:00 CEST becomes 02:00 CET) a member
posts a minute before and a minute after local midnight.  The periods
of the staff tools start and end at local midnight (a day of 23 or 25
hours), the dates in their mail are local, and a daily schedule at
02:30 runs once on each night: at 03:00 CEST in March (02:30 does not
exist), at the second 02:30 (CET) in October.  Every expected time is
worked out here with TZ=Europe/Amsterdam date, never by kring.'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-kringd.sh"

PART="$PYTHON $TEST_DIR/helper/mail-part.py"
ZONE=Europe/Amsterdam

# Unix time of local time TEXT in Amsterdam; iso: the same as ISO UTC.
local_time() { TZ=$ZONE date -d "$1" +%s; }
iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }

write_config() {
	cat >kring.conf <<-EOF
	hostname = "kring.test"
	store = "store"
	community "kring" {
		address = "kring@example.org"
		description = "Savers Club"
		timezone = "$ZONE"
		staff "anna@bank.example" {
			name = "Anna de Boer"
			roles = {"manager"}
		}
	}
	community "plain" {
		address = "plain@example.org"
	}
	schedule newsletter {
		every = "1 day"
		at = "02:30"
		community = {"kring"}
	}
	schedule sla {
		every = "1 hour"
		community = {"kring"}
	}
	schedule digest {
		every = "1 day"
		community = {"kring"}
	}
	EOF
}

# post SUBJECT UNIX-TIME: one mbox entry from m1, at that time.
post() {
	printf 'From m1@example.net %s\n' "$(date -u -d "@$2" '+%a %b %e %H:%M:%S %Y')"
	printf 'From: Marie Peeters <m1@example.net>\nTo: kring@example.org\n'
	printf 'Date: %s\nMessage-ID: <%s@x>\nSubject: %s\n\n' \
		"$(date -u -R -d "@$2")" "$1" "$1"
	printf 'Posted at %s.\n\n' "$(TZ=$ZONE date -d "@$2" '+%F %T %Z')"
}

started() { grep -c "schedule newsletter/kring: started" kringd.log; }

test_expect_success 'an unknown zone is a config error naming its line' '
	write_config &&
	sed -i "s|\"$ZONE\"|\"Europe/Atlantis\"|" kring.conf &&
	line=$(grep -n Atlantis kring.conf | cut -d: -f1) &&
	test_expect_code 78 kringd -n -c kring.conf 2>err &&
	grep "kring.conf:$line: .*\"Europe/Atlantis\" is not a time zone" err &&
	test_expect_code 78 kring thanks -c kring.conf --community kring 2>err &&
	grep "kring.conf:$line: " err &&
	sed -i "s|\"Europe/Atlantis\"|\"\"|" kring.conf &&
	test_expect_code 78 kringd -n -c kring.conf 2>err &&
	grep "kring.conf:$line: " err &&
	write_config &&
	kringd -n -c kring.conf
'

test_expect_success 'posts a minute before and after local midnight' '
	MAR_A=$(local_time "2026-03-28 23:59") &&
	MAR_B=$(local_time "2026-03-29 00:01") &&
	MAR_C=$(local_time "2026-03-29 23:59") &&
	MAR_D=$(local_time "2026-03-30 00:01") &&
	OCT_A=$(local_time "2026-10-24 23:59") &&
	OCT_B=$(local_time "2026-10-25 00:01") &&
	OCT_C=$(local_time "2026-10-25 23:59") &&
	OCT_D=$(local_time "2026-10-26 00:01") &&
	{
		post mar-a $MAR_A && post mar-b $MAR_B &&
		post mar-c $MAR_C && post mar-d $MAR_D &&
		post oct-a $OCT_A && post oct-b $OCT_B &&
		post oct-c $OCT_C && post oct-d $OCT_D
	} >posts.mbox &&
	kring import -c kring.conf --community kring posts.mbox &&
	# In UTC, mar-b and oct-b are still on the day before.
	test "$(date -u -d @$MAR_B +%F)" = 2026-03-28 &&
	test "$(date -u -d @$OCT_B +%F)" = 2026-10-24
'

# thanks_posts SINCE UNTIL: the subjects and dates in the note to m1.
thanks_posts() {
	KRING_NOW=2026-12-01T00:00:00Z kring thanks -c kring.conf \
		--community kring --since "$1" --until "$2" >thanks.mbox \
		2>thanks.err &&
	$PART thanks.mbox 1 text >thanks.txt &&
	sed -n "s/^- \([0-9-]*\)  \(.*\)/\1 \2/p" thanks.txt
}

test_expect_success 'March: the day of the switch is 23 hours, its posts shown on it' '
	test $((MAR_C - MAR_B)) = $((23 * 3600 - 120)) &&
	thanks_posts 2026-03-29 2026-03-30 >actual &&
	printf "%s mar-b\n%s mar-c\n" \
		"$(TZ=$ZONE date -d @$MAR_B +%F)" \
		"$(TZ=$ZONE date -d @$MAR_C +%F)" >expect &&
	test_cmp expect actual &&
	# period_from and period_until, as the note shows them
	grep "previewed for 2026-03-29 to 2026-03-29" thanks.err &&
	tr "\\n" " " <thanks.txt | grep -E "2026-03-29[^0-9]{1,6}2026-03-29"
'

test_expect_success 'October: the day of the switch is 25 hours, its posts shown on it' '
	test $((OCT_C - OCT_B)) = $((25 * 3600 - 120)) &&
	thanks_posts 2026-10-25 2026-10-26 >actual &&
	printf "%s oct-b\n%s oct-c\n" \
		"$(TZ=$ZONE date -d @$OCT_B +%F)" \
		"$(TZ=$ZONE date -d @$OCT_C +%F)" >expect &&
	test_cmp expect actual &&
	# period_from and period_until, as the note shows them
	grep "previewed for 2026-10-25 to 2026-10-25" thanks.err &&
	tr "\\n" " " <thanks.txt | grep -E "2026-10-25[^0-9]{1,6}2026-10-25"
'

test_expect_success 'an ISO time with its own offset is that instant' '
	thanks_posts "$(iso $MAR_B)" "$(iso $MAR_C)" >actual &&
	echo "2026-03-29 mar-b" >expect &&
	test_cmp expect actual &&
	thanks_posts "$(iso $((MAR_B + 1)))" "$(iso $((MAR_C + 1)))" >actual &&
	echo "2026-03-29 mar-c" >expect &&
	test_cmp expect actual
'

test_expect_success 'newsletter: posts per local day across both switches' '
	KRING_NOW=2026-12-01T00:00:00Z kring newsletter -c kring.conf \
		--community kring --since 2026-03-28 --until 2026-03-31 >news.mbox &&
	$PART news.mbox 1 text >news.txt &&
	sed -n "s/^\(2026-[0-9-]*\) [# ]*\([0-9]*\) posts\{0,1\}, [0-9]* members\{0,1\}$/\1 \2/p" news.txt >actual &&
	printf "2026-03-28 1\n2026-03-29 2\n2026-03-30 1\n" >expect &&
	test_cmp expect actual &&
	$PART news.mbox 1 header:Subject | grep "2026-03-28 – 2026-03-30" &&
	KRING_NOW=2026-12-01T00:00:00Z kring newsletter -c kring.conf \
		--community kring --since 2026-10-24 --until 2026-10-27 >news.mbox &&
	$PART news.mbox 1 text >news.txt &&
	sed -n "s/^\(2026-[0-9-]*\) [# ]*\([0-9]*\) posts\{0,1\}, [0-9]* members\{0,1\}$/\1 \2/p" news.txt >actual &&
	printf "2026-10-24 1\n2026-10-25 2\n2026-10-26 1\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'sla: the times of the posts waiting, with the local offset' '
	KRING_NOW=2026-04-02T00:00:00Z kring sla -c kring.conf \
		--community kring --since 2026-03-29 --until 2026-03-30 \
		>sla.mbox 2>sla.err &&
	grep "kring sla: 2026-03-2[0-9] to 2026-03-29" sla.err &&
	$PART sla.mbox text >sla.txt &&
	sed -n "s/^  by .* on \(.*\), waiting.*/\1/p" sla.txt >actual &&
	for t in $MAR_B $MAR_C; do
		TZ=$ZONE date -d @$t --iso-8601=seconds || return 1
	done >expect &&
	test_cmp expect actual
'

test_expect_success 'a first run goes back calendar days: 14 days before local midnight' '
	now=$(local_time "2026-03-30 00:00") &&
	from=$(TZ=$ZONE date -d "2026-03-30 00:00 14 days ago" +%F) &&
	test "$from" = 2026-03-16 &&
	KRING_NOW=$now kring thanks -c kring.conf --community kring \
		>/dev/null 2>err &&
	grep "previewed for $from to 2026-03-29" err
'

test_expect_success 'a community without a zone keeps UTC' '
	sed "s/kring@example.org/plain@example.org/" posts.mbox >plain.mbox &&
	kring import -c kring.conf --community plain plain.mbox &&
	KRING_NOW=2026-12-01T00:00:00Z kring thanks -c kring.conf \
		--community plain --since 2026-03-29 --until 2026-03-30 >plain.out &&
	$PART plain.out 1 text >plain.txt &&
	sed -n "s/^- \([0-9-]*\)  \(.*\)/\1 \2/p" plain.txt >actual &&
	for p in mar-a:$MAR_A mar-b:$MAR_B mar-c:$MAR_C mar-d:$MAR_D; do
		day=$(date -u -d @${p#*:} +%F) &&
		if [ "$day" = 2026-03-29 ]; then echo "$day ${p%:*}"; fi
	done >expect &&
	test $(wc -l <expect) = 2 &&
	test_cmp expect actual
'

# slots TOOL FROM UNTIL: the slots kring finds between two local times.
slots() {
	test-schedule kring.conf "$1" kring "$(iso $(local_time "$2"))" \
		"$(iso $(local_time "$3"))"
}

test_expect_success 'a daily 02:30 slot: once a night, at the switch in March' '
	slots newsletter "2026-03-28 00:00" "2026-03-30 12:00" >actual &&
	{
		iso $(local_time "2026-03-28 02:30") &&
		iso $(local_time "2026-03-29 03:00") &&
		iso $(local_time "2026-03-30 02:30")
	} >expect &&
	test_cmp expect actual
'

test_expect_success 'a daily 02:30 slot: once a night, the second 02:30 in October' '
	slots newsletter "2026-10-24 00:00" "2026-10-26 12:00" >actual &&
	{
		iso $(local_time "2026-10-24 02:30") &&
		iso $(local_time "2026-10-25 02:30 CET") &&
		iso $(local_time "2026-10-26 02:30")
	} >expect &&
	test_cmp expect actual
'

test_expect_success 'midnight slots make days of 23 and 25 hours; hourly ones count real hours' '
	slots digest "2026-03-28 12:00" "2026-03-30 12:00" >actual &&
	{
		iso $(local_time "2026-03-29 00:00") &&
		iso $(local_time "2026-03-30 00:00")
	} >expect &&
	test_cmp expect actual &&
	slots sla "2026-03-29 00:00" "2026-03-30 00:00" >actual &&
	test $(wc -l <actual) = 23 &&
	slots sla "2026-10-25 00:00" "2026-10-26 00:00" >actual &&
	test $(wc -l <actual) = 25 &&
	test $(sort -u actual | wc -l) = 25
'

test_expect_success 'March night: kringd runs the 02:30 newsletter once, at 03:00 CEST' '
	sed -i "/^schedule sla/,\$d" kring.conf &&
	KRING_NOW=2026-03-28T12:00:00Z kring newsletter -c kring.conf \
		--community kring --since "2026-03-27T02:30:00+01:00" \
		--until "$(iso $(local_time "2026-03-28 02:30"))" --send 2>err &&
	slot=$(local_time "2026-03-29 03:00") &&
	KRING_NOW=$(iso $((slot - 4)))+ kringd_start &&
	test $(started) = 0 &&
	log_wait "schedule newsletter/kring: done" 1 &&
	grep "schedule newsletter/kring: .*queued for 2026-03-28 to 2026-03-29" kringd.log &&
	sleep 2 &&
	test $(started) = 1 &&
	kringd_stop
'

test_expect_success 'October night: not at the first 02:30, once at the second' '
	KRING_NOW=2026-10-24T12:00:00Z kring newsletter -c kring.conf \
		--community kring --since "$(iso $(local_time "2026-10-23 02:30"))" \
		--until "$(iso $(local_time "2026-10-24 02:30"))" --send 2>err &&
	first=$(local_time "2026-10-25 02:30 CEST") &&
	KRING_NOW=$(iso $((first - 1)))+ kringd_start &&
	sleep 3 &&
	test $(started) = 1 &&
	kringd_stop &&
	second=$(local_time "2026-10-25 02:30 CET") &&
	KRING_NOW=$(iso $((second - 2)))+ kringd_start &&
	log_wait "schedule newsletter/kring: done" 2 &&
	grep "schedule newsletter/kring: .*queued for 2026-10-24 to 2026-10-25" kringd.log &&
	sleep 2 &&
	test $(started) = 2 &&
	kringd_stop &&
	KRING_NOW=$(iso $((second + 1800)))+ kringd_start &&
	sleep 2 &&
	test $(started) = 2 &&
	kringd_stop
'

test_done
