# lib-sink.sh: a real SMTP server (t/helper/sink.py, on aiosmtpd) that
# catches the mail kringd sends out.
#
#   . "$TEST_DIR/lib-sink.sh"
#   sink_start [--tempfail-first 1 ...]   # free loopback port: SINK_PORT
#   kringd_start -r 127.0.0.1:$SINK_PORT
#   ...
#   sink_wait_count 1                     # poll, never a fixed sleep
#   for f in $(sink_messages); do sink_envelope "$f"; done
#   sink_stop                             # SIGTERM; must exit 0
#
# Each message lands in $SINK_DIR (default sink/ in the scratch folder)
# as NNNNNN.eml (the DATA bytes as received, dot-unstuffed, CRLF kept)
# and NNNNNN.env ("MAIL FROM:<..>", "RCPT TO:<..>" lines, "PEER h:p",
# "SESSION n", "HELO name", "MAIL-PARAMS ..." if any, "TLS yes|no").
# sink.py's options (failure switches and all) are in its docstring.
# The sink's log is sink.log in the scratch folder.  One sink at a time;
# sink_stop then sink_start again (same or another --dir) is fine, the
# numbering carries on after what the folder already holds.

SINK_PY=$TEST_DIR/helper/sink.py
SINK_LOG=$TRASH/sink.log
SINK_READY=$TRASH/sink.ready
SINK_PIDFILE=$TRASH/sink.pid

# Start the sink; arguments go to sink.py.  Sets SINK_PORT, SINK_PID and
# SINK_DIR (absolute).  Waits (polling, at most 20 s) for its ready file.
sink_start() {
	SINK_DIR=$TRASH/sink
	sink_prev_=
	for sink_arg_ in "$@"; do
		case $sink_prev_ in
		--dir) SINK_DIR=$sink_arg_ ;;
		esac
		case $sink_arg_ in
		--dir=*) SINK_DIR=${sink_arg_#--dir=} ;;
		esac
		sink_prev_=$sink_arg_
	done
	case $SINK_DIR in
	/*) ;;
	*) SINK_DIR=$PWD/$SINK_DIR ;;
	esac
	mkdir -p "$SINK_DIR" || return 1
	rm -f "$SINK_READY" "$SINK_PIDFILE"
	SINK_PORT=
	"$PYTHON" "$SINK_PY" --dir "$SINK_DIR" --ready "$SINK_READY" \
		--pid "$SINK_PIDFILE" "$@" </dev/null >>"$SINK_LOG" 2>&1 &
	SINK_PID=$!
	test_at_exit "kill -9 $SINK_PID 2>/dev/null"
	sink_i_=0
	until [ -s "$SINK_READY" ]; do
		if ! kill -0 "$SINK_PID" 2>/dev/null; then
			echo "sink died at start:" >&2
			tail -20 "$SINK_LOG" >&2
			return 1
		fi
		sink_i_=$((sink_i_ + 1))
		if [ $sink_i_ -gt 400 ]; then
			echo "sink not ready after 20 s" >&2
			tail -20 "$SINK_LOG" >&2
			return 1
		fi
		sleep 0.05
	done
	read -r sink_word_ SINK_PORT <"$SINK_READY"
	if [ "$sink_word_" != ready ] || [ -z "$SINK_PORT" ]; then
		echo "sink: bad ready file:" >&2
		cat "$SINK_READY" >&2
		return 1
	fi
}

# No Python traceback (a bug in sink.py or aiosmtpd) in sink.log.
sink_log_clean() {
	if grep -n -A 20 '^Traceback' "$SINK_LOG" >&2; then
		echo "traceback in sink.log" >&2
		return 1
	fi
}

# SIGTERM and wait; the sink must exit 0 with a clean log.
sink_stop() {
	kill -TERM "$SINK_PID" || return 1
	sink_status_=0
	wait "$SINK_PID" || sink_status_=$?
	if [ "$sink_status_" -ne 0 ]; then
		echo "sink exited with $sink_status_" >&2
		tail -20 "$SINK_LOG" >&2
		return 1
	fi
	sink_log_clean
}

# Fail unless the sink (SINK_PID) is still running.
sink_alive() {
	kill -0 "$SINK_PID" 2>/dev/null || test_fail "the sink is gone"
}

# The stored messages (.eml paths), in arrival order, one a line.
sink_messages() {
	for sink_f_ in "$SINK_DIR"/[0-9]*.eml; do
		[ -e "$sink_f_" ] && echo "$sink_f_"
	done
	return 0
}

# The number of stored messages.
sink_count() {
	sink_n_=0
	for sink_f_ in "$SINK_DIR"/[0-9]*.eml; do
		[ -e "$sink_f_" ] && sink_n_=$((sink_n_ + 1))
	done
	echo $sink_n_
}

# sink_wait_count N [SECONDS]: poll until at least N messages are stored
# (default: at most 20 s; whole seconds); fail, with the sink's log,
# otherwise.
sink_wait_count() {
	sink_max_=$(( ${2:-20} * 20 ))
	sink_i_=0
	while [ "$(sink_count)" -lt "$1" ]; do
		sink_i_=$((sink_i_ + 1))
		if [ $sink_i_ -gt $sink_max_ ]; then
			echo "sink: $(sink_count) message(s), not $1, after ${2:-20} s" >&2
			tail -20 "$SINK_LOG" >&2
			return 1
		fi
		sleep 0.05
	done
}

# sink_envelope FILE.eml: print the envelope stored beside it.
sink_envelope() {
	cat "${1%.eml}.env"
}

# sink_chat [-t SECONDS] <SCRIPT: a raw SMTP session with the sink through
# t/helper/smtp-chat.py (script syntax there).  The transcript goes to
# stdout and to chat.out.
sink_chat() {
	sink_rc_=0
	"$PYTHON" "$TEST_DIR/helper/smtp-chat.py" "$@" 127.0.0.1:"$SINK_PORT" \
		>chat.out || sink_rc_=$?
	cat chat.out
	return $sink_rc_
}

# sink_settle: poll (10 s at most) until kringd's outbox is empty and no
# fan-out waits (store ./store): every mail that anything so far caused
# has then reached the sink.  An answer or a private copy enters the
# outbox in the transaction that takes the mail (before the 250); a
# post's fan-out job too, the copies it makes soon after.
sink_settle() {
	sink_settle_i_=0
	while [ -n "$(kring outbox -s store)" ] ||
	      ! mdb_stat -s fanout store | grep -qx "  Entries: 0"; do
		sink_settle_i_=$((sink_settle_i_ + 1))
		if [ $sink_settle_i_ -gt 200 ]; then
			echo "FAIL: outbox or fan-out not empty after 10 s:"
			kring outbox -s store
			mdb_stat -s fanout store
			tail -5 kringd.log
			return 1
		fi
		sleep 0.05
	done
}

SEEN=0
# sink_collect N: exactly N mails came since the last sink_collect (NEW:
# their .eml files, in order): polled for with sink_wait_count, then
# counted again once all has settled (sink_settle), so that one too many
# fails as well as one too few.
sink_collect() {
	sink_collect_ok_=true
	if [ "$1" -gt 0 ]; then
		sink_wait_count $((SEEN + $1)) 10 || sink_collect_ok_=false
	fi
	sink_settle || sink_collect_ok_=false
	NEW=
	sink_collect_n_=$(sink_count)
	sink_collect_i_=$((SEEN + 1))
	while [ $sink_collect_i_ -le "$sink_collect_n_" ]; do
		NEW="$NEW $SINK_DIR/$(printf %06d $sink_collect_i_).eml"
		sink_collect_i_=$((sink_collect_i_ + 1))
	done
	sink_collect_got_=$((sink_collect_n_ - SEEN))
	SEEN=$sink_collect_n_
	if ! $sink_collect_ok_ || [ $sink_collect_got_ -ne "$1" ]; then
		echo "FAIL: $sink_collect_got_ new mail(s), not $1:"
		for f in $NEW; do
			grep "^RCPT" "${f%.eml}.env"
			grep "^Subject: " "$f"
		done
		tail -5 kringd.log
		return 1
	fi
}
