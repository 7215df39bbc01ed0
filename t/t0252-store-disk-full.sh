#!/bin/sh
test_description='a full disk: 452 4.3.1, kringd goes on, nothing lost, ingest resumes when space returns

The store folder is a tmpfs of 3 MiB mounted in the scratch folder
(skipped where mount is not permitted), with a 512 KiB filler file in
it beside the LMDB files; the map (4 GiB) is far larger, so the disk fills first.
Messages of about 100 KB are sent until three get 452 4.3.1 (LMDB
reports a page write cut short by the full disk as EIO: store_commit
makes that ENOSPC, so the client hears 452 and not 451).  Space comes
back twice, with kringd left alone: the filler is deleted, then the
tmpfs is remounted at 8 MiB; each time the refused messages, sent
again, get 250.  Every message that got 250 is in the store byte for
byte, also after a restart; none that got 452 is.'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-kringd.sh"
. "$TEST_DIR/lib-smtp.sh"

# Unmount the store (a kringd killed at exit may take a moment to let go).
store_umount() {
	i=0
	while mountpoint -q "$TRASH/store" && ! umount "$TRASH/store"; do
		i=$((i + 1))
		[ $i -lt 50 ] || return 1
		sleep 0.1
	done
}
store_umount &&	# left by an earlier run that was killed
mkdir -p store &&
mount -t tmpfs -o size=3m,mode=0750 kring-t0252 store 2>mount.err ||
	test_skip_all "cannot mount a tmpfs here: $(cat mount.err)"
test_at_exit store_umount
kringd_config

# send N: message N once; appends N to "taken" on 250, to "refused" on
# 452 4.3.1; anything else fails.
send() {
	[ -f msg.$1 ] || big_message $1 >msg.$1
	printf "< 220\n> EHLO c\n< 250\n> MAIL FROM:<a@example.net>\n< 250\n> RCPT TO:<kring@example.org>\n< 250\n> DATA\n< 354\n>data msg.$1\n< 250|452\n> NOOP\n< 250\n> QUIT\n< 221\n" |
	smtp_chat >/dev/null || { cat chat.out; return 1; }
	if grep -q "^S: 250 2.0.0 Ok: queued" chat.out; then
		echo $1 >>taken
	elif grep -q "^S: 452 4.3.1 " chat.out; then
		echo $1 >>refused
	else
		cat chat.out; return 1
	fi
}

# fill: send new messages until 3 in a row got 452 (at most 100 tries).
fill() {
	: >refused &&
	tries=0 &&
	while [ $(wc -l <refused) -lt 3 ]; do
		n=$((n + 1)) && tries=$((tries + 1)) &&
		[ $tries -le 100 ] || { echo "no 452 after 100 messages"; return 1; }
		send $n || return 1
	done &&
	echo "taken so far: $(wc -l <taken), refused now: $(wc -l <refused)" &&
	df -k store
}

# resend: the refused messages again; each must get 250 now.
resend() {
	mv refused refused.before &&
	: >refused &&
	while read m; do
		send $m || return 1
	done <refused.before &&
	test ! -s refused &&
	for m in $(cat refused.before); do grep -qx $m taken || return 1; done
}

# Every message that got 250 is stored byte for byte; the count is exact.
all_there() {
	while read m; do
		stored_body full-$m@example.net >actual &&
		cmp msg.$m actual || return 1
	done <taken &&
	test "$(stored_count)" = $(wc -l <taken)
}

n=0
: >taken
test_expect_success 'kringd starts on a 3 MiB tmpfs holding a 512 KiB filler' '
	dd if=/dev/zero of=store/filler bs=1024 count=512 2>/dev/null &&
	kringd_start
'

test_expect_success 'send 100 KB messages until three get 452 4.3.1' '
	fill &&
	test -s taken &&
	grep "not stored in kring: No space left on device" kringd.log &&
	! grep "not stored in kring: Input/output error" kringd.log
'

test_expect_success 'kringd keeps running and answers' '
	kringd_alive &&
	printf "< 220\n> EHLO c\n< 250\n> NOOP\n< 250\n> QUIT\n< 221\n" | smtp_chat
'

test_expect_success 'every message that got 250 is there; none that got 452' '
	all_there &&
	while read m; do
		! kring show -s store full-$m@example.net || return 1
	done <refused
'

test_expect_success 'the filler deleted: the refused ones, sent again, get 250' '
	rm store/filler &&
	resend &&
	all_there
'

test_expect_success 'full again, then the tmpfs remounted at 8 MiB: 250 again' '
	fill &&
	mount -o remount,size=8m store &&
	resend &&
	all_there
'

test_expect_success 'kringd stops cleanly, and after a restart all is still there' '
	kringd_stop &&
	kringd_start &&
	all_there &&
	kringd_stop
'

test_done
