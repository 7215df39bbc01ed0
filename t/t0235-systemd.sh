#!/bin/sh
test_description='kringd under systemd: the unit make install writes, and sd_notify

The unit (conf/systemd/kringd.service.in, written by make install with
its paths) passes systemd-analyze verify, and its sandbox is rated by
systemd-analyze security.  kringd, given a NOTIFY_SOCKET as systemd
gives one, says READY=1 once it listens, RELOADING=1 and READY=1 around
a SIGHUP, and STOPPING=1 on SIGTERM; a Python datagram socket plays
systemd and records what it is told.'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-kringd.sh"

command -v systemd-analyze >/dev/null ||
	test_skip_all "no systemd-analyze (Debian package systemd; scripts/install-deps installs it)"

top=$(cd "$TEST_DIR/.." && pwd)

test_expect_success 'make install writes the unit with the paths it is given' '
	make -s -C "$top" install DESTDIR="$TRASH/root" PREFIX=/usr \
		SBINDIR="$KRING_BUILD/bin" SYSCONFDIR=/etc/kring STATEDIR=/var/lib/kring \
		>install.out 2>&1 &&
	unit="$TRASH/root/usr/lib/systemd/system/kringd.service" &&
	grep -x "ExecStart=$KRING_BUILD/bin/kringd -f -c /etc/kring/kring.conf" "$unit" &&
	grep -x "Type=notify" "$unit" &&
	grep -x "ReadWritePaths=/var/lib/kring" "$unit" &&
	! grep "@[A-Z]*@" "$unit"
'

test_expect_success 'systemd-analyze verify passes' '
	systemd-analyze verify --man=no "$TRASH/root/usr/lib/systemd/system/kringd.service" >verify.out 2>&1 ||
		{ cat verify.out; return 1; }
	test ! -s verify.out
'

test_expect_success 'the sandbox: NoNewPrivileges, ProtectSystem=strict, PrivateTmp; exposure rated OK or better' '
	unit="$TRASH/root/usr/lib/systemd/system/kringd.service" &&
	grep -x "NoNewPrivileges=yes" "$unit" &&
	grep -x "ProtectSystem=strict" "$unit" &&
	grep -x "PrivateTmp=yes" "$unit" &&
	grep -x "DynamicUser=yes" "$unit" &&
	systemd-analyze security --offline=yes "$unit" >security.out 2>&1 &&
	level=$(sed -n "s/.*Overall exposure level for kringd.service: \([0-9.]*\) .*/\1/p" security.out) &&
	test -n "$level" &&
	awk -v l="$level" "BEGIN { exit !(l <= 3.0) }"
'

cat >notify.py <<\EOF
import os, socket, sys
path = sys.argv[1]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
with open(sys.argv[2], "a") as out:
    while True:
        data = s.recv(4096).decode()
        for line in data.split("\n"):
            out.write(line + "\n")
        out.flush()
        if "STOPPING=1" in data:
            break
EOF

# Wait (at most 10 s) until notify.log has the line $1 $2 times.
notified() {
	i=0
	until [ "$(grep -cx "$1" notify.log 2>/dev/null)" -ge "${2:-1}" ]; do
		i=$((i + 1)); [ $i -le 200 ] || { cat notify.log; return 1; }
		sleep 0.05
	done
}

test_expect_success 'sd_notify: READY=1 once it listens' '
	: >notify.log &&
	"$PYTHON" notify.py "$TRASH/notify.sock" notify.log &
	echo $! >notify.pid &&
	i=0; until [ -S notify.sock ]; do i=$((i + 1)); [ $i -le 200 ] || return 1; sleep 0.05; done &&
	NOTIFY_SOCKET="$TRASH/notify.sock" kringd_start &&
	notified READY=1 &&
	grep -x "STATUS=taking mail" notify.log
'

test_expect_success 'sd_notify: RELOADING=1, then READY=1 again, on SIGHUP' '
	kill -HUP $KRINGD_PID &&
	notified RELOADING=1 &&
	notified READY=1 2 &&
	grep -x "STATUS=configuration reloaded" notify.log &&
	test "$(grep -x -e RELOADING=1 -e READY=1 notify.log | tr "\n" " ")" = "READY=1 RELOADING=1 READY=1 "
'

test_expect_success 'sd_notify: STOPPING=1 on SIGTERM, and a clean exit' '
	kringd_stop &&
	notified STOPPING=1 &&
	wait $(cat notify.pid)
'

test_done
