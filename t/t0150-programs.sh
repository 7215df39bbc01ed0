#!/bin/sh
test_description='every program: --help, usage errors, daemon mode, user drop'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-kringd.sh"

test_expect_success 'every program answers --help with its usage, exit 0' '
	for p in kringd kring kring-threads kring-thread kring-show kring-send kring-outbox \
		kring-import kring-stats kring-topic kring-member kring-newsletter \
		kring-thanks kring-feedback kring-sla kring-token; do
		$p --help >help.out || test_fail "$p --help"
		grep -i "^usage: " help.out || test_fail "$p: no usage line"
	done
'

test_expect_success 'kring CMD --help reaches kring-CMD' '
	kring threads --help >out && grep "usage: kring threads" out
'

test_expect_success 'unknown command and bad option: exit 64 (EX_USAGE)' '
	status=0; kring nonsense 2>err || status=$?
	test $status = 64 && grep "no such command" err &&
	status=0; kring-threads --bogus 2>err || status=$?
	test $status = 64 &&
	status=0; kringd --bogus 2>err || status=$?
	test $status = 64
'

test_expect_success 'a tool on a missing store: exit 66 (EX_NOINPUT)' '
	status=0; kring threads -s does-not-exist 2>err || status=$?
	test $status = 66 && grep "does-not-exist" err
'

test_expect_success 'kring show of a missing message: exit 65 (EX_DATAERR)' '
	kringd_config && kringd_start && kringd_stop &&
	status=0; kring show -s store "<nope@example.net>" 2>err || status=$?
	test $status = 65 && grep "no such message" err
'

test_expect_success 'without -f kringd detaches, writes its pid file, stops on SIGTERM' '
	kringd -c kring.conf -l 127.0.0.1:0 -p daemon.pid &&
	i=0; while [ ! -s daemon.pid ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done &&
	pid=$(cat daemon.pid) && kill -0 "$pid" &&
	kill -TERM "$pid" &&
	i=0; while kill -0 "$pid" 2>/dev/null && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done &&
	! kill -0 "$pid" 2>/dev/null
'

if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
test_expect_success 'with user = "nobody" kringd runs as nobody after binding' '
	mkdir -p store-nobody && chown nobody store-nobody &&
	kringd_config - <<-\EOF &&
	user = "nobody"
	EOF
	kringd_start -s store-nobody &&
	uid=$(awk "/^Uid:/ { print \$2 }" /proc/$KRINGD_PID/status) &&
	test "$uid" = "$(id -u nobody)" &&
	grep "running as nobody" kringd.log &&
	printf "Subject: x\r\nMessage-ID: <n@x>\r\n\r\nbody\r\n" >m &&
	kringd_send m >/dev/null &&
	kringd_stop &&
	kring show -s store-nobody "<n@x>" | grep "^Message-ID: <n@x>"
'
else
	test_skip 'user drop' 'not root, or no user nobody'
fi

test_expect_success 'a user that does not exist: exit 67 (EX_NOUSER)' '
	kringd_config - <<-\EOF &&
	user = "no-such-user-kring"
	EOF
	status=0; kringd -f -c kring.conf -l 127.0.0.1:0 2>err || status=$?
	test $status = 67 && grep "no-such-user-kring" err
'

test_expect_success 'make install DESTDIR=: a config with an absolute store, never overwritten; it checks OK' '
	top=$(cd "$TEST_DIR/.." && pwd) &&
	make -s -C "$top" install DESTDIR="$TRASH/root" PREFIX=/usr SYSCONFDIR=/etc/kring \
		STATEDIR=/var/lib/kring >install.out 2>&1 &&
	etc="$TRASH/root/etc/kring" &&
	test -x "$TRASH/root/usr/sbin/kringd" && test -x "$TRASH/root/usr/bin/kring" &&
	test -x "$TRASH/root/usr/libexec/kring/kring-digest" &&
	test -s "$TRASH/root/usr/share/kring/templates/digest.txt" &&
	test -s "$TRASH/root/usr/share/kring/templates/nl/kring.mo" &&
	test -s "$TRASH/root/usr/share/man/man1/kring.1" &&
	grep -x "store = \"/var/lib/kring\"" "$etc/kring.conf" &&
	cmp "$etc/kring.conf" "$etc/kring.conf.sample" &&
	kringd -n -c "$etc/kring.conf" &&
	echo "# the admin was here" >>"$etc/kring.conf" &&
	make -s -C "$top" install DESTDIR="$TRASH/root" PREFIX=/usr SYSCONFDIR=/etc/kring >>install.out 2>&1 &&
	test "$(tail -1 "$etc/kring.conf")" = "# the admin was here"
'

test_expect_success 'a port in use: exit 69 (EX_UNAVAILABLE), the reason in words' '
	kringd_config &&
	"$PYTHON" -c "import socket, sys, time
s = socket.socket(); s.bind((\"127.0.0.1\", 0)); s.listen(1)
print(s.getsockname()[1]); sys.stdout.flush(); time.sleep(30)" >port &
	holder=$! &&
	i=0; until [ -s port ]; do i=$((i + 1)); [ $i -le 200 ] || return 1; sleep 0.05; done &&
	port=$(cat port) &&
	status=0; kringd -f -c kring.conf -l 127.0.0.1:$port 2>err || status=$?
	kill $holder; wait $holder 2>/dev/null;
	test $status = 69 &&
	grep -x "kringd: listen 127.0.0.1:$port: Address already in use" err
'

test_done
