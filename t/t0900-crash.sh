#!/bin/sh
test_description='kill -9 under load: every message that got 250 is kept, once'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-kringd.sh"

# Each round: six SMTP clients send distinct messages at once (a few per
# connection, random bodies of 50 bytes to 200 KB, dot-stuffed) and note
# which got 2xx after the final dot; once all six are sending, kringd is
# killed with SIGKILL after a random delay (20 to 300 ms), and started
# again on the same store.
# Then every acknowledged message must be there, byte for byte after our
# Received line, and nothing twice.  Messages that were in flight may or
# may not be there; sent again, every one gets 250 and is stored once.
#
# CRASH_ROUNDS and CRASH_SEED (it decides the messages; the kill moment
# is random) may be set to repeat a run.

BLAST="$PYTHON $TEST_DIR/helper/smtp-blast.py"
ROUNDS=${CRASH_ROUNDS:-5}
SEED=${CRASH_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
echo "# seed $SEED (CRASH_SEED=$SEED to send the same messages again)"

total=0		# distinct Message-IDs in the store after each round

# A random kill delay: 0.020 to 0.300 s after every client has started.
kill_delay() {
	ms=$(( $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 281 + 20 ))
	printf '%d.%03d' $((ms / 1000)) $((ms % 1000))
}

# Wait (up to 20 s) for file $1, or for process $2 to end.
wait_for_file() {
	i=0
	while [ $i -lt 2000 ]; do
		test -f "$1" && return 0
		kill -0 "$2" 2>/dev/null || { echo "gone before $1" >&2; return 1; }
		sleep 0.01
		i=$((i + 1))
	done
	echo "no $1 after 20 s" >&2
	return 1
}

# The number of distinct lines in file $1.
count_ids() {
	sort -u "$1" | wc -l | tr -d ' '
}

test_expect_success 'kringd starts on a fresh store' '
	kringd_start
'

r=1
while [ $r -le "$ROUNDS" ]; do
	delay=$(kill_delay)
	sent= acked=

	test_expect_success "round $r: six clients send, kringd is killed -9 ${delay}s in" '
		$BLAST blast --port "$KRINGD_PORT" --dir d --tag r$r --seed "$SEED" \
			--clients 6 --max-per-client 50 --max-seconds 20 \
			2>blast.err.$r &
		blast_pid=$! &&
		{ wait_for_file d/started.r$r $blast_pid ||
			{ cat blast.err.$r d/other.r$r; false; }; } &&
		sleep "$delay" &&
		{ kill -0 $KRINGD_PID || { echo "kringd died by itself"; false; }; } &&
		kringd_kill9 &&
		{ wait $blast_pid || { cat blast.err.$r; false; }; } &&
		sent=$(count_ids d/sent.r$r) && acked=$(count_ids d/acked.r$r) &&
		echo "sent $sent acked $acked" &&
		test "$sent" -gt 0 &&
		{ ! test -s d/other.r$r || { echo "replies that were not 2xx:";
			cat d/other.r$r; false; }; }
	'
	test -n "$acked" &&
		echo "# round $r: sent $sent, acked $acked, in flight at the kill $((sent - acked))"

	stored= late=
	test_expect_success "round $r: after a restart every acked message is there, byte for byte, once" '
		kringd_start &&
		$BLAST verify --store store --dir d --acked d/acked.r$r \
			--sent d/sent.r$r --missing d/missing.r$r >verify.$r &&
		cat verify.$r &&
		stored=$(sed -n "s/.* stored \([0-9]*\) .*/\1/p" verify.$r) &&
		test -n "$stored" &&
		$BLAST census --store store --expect $((total + stored)) &&
		late=$((stored - acked))
	'
	test -n "$late" &&
		echo "# round $r: of the $((sent - acked)) in flight, $late were stored"

	test_expect_success "round $r: sent again, all get 250 and are stored once" '
		$BLAST send --port "$KRINGD_PORT" --dir d d/sent.r$r &&
		$BLAST verify --store store --dir d --acked d/missing.r$r \
			--sent d/missing.r$r &&
		total=$((total + sent)) &&
		$BLAST census --store store --expect $total
	'
	r=$((r + 1))
done

test_expect_success 'the whole store reads: each thread walks, no Message-ID twice' '
	$BLAST census --store store --expect $total --full d/sent.r*
'

test_expect_success 'the last kringd stops on SIGTERM with status 0 and a clean log' '
	kringd_stop
'

test_expect_success 'the store opens again after the stop, with the same counts' '
	$BLAST census --store store --expect $total
'

test_done
