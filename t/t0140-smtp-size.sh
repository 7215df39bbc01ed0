#!/bin/sh
test_description='size limits: SIZE=, message_size, command and data line length, huge lines'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-kringd.sh"
. "$TEST_DIR/lib-smtp.sh"

kringd_config - <<\EOF
limits {
	message_size = 20000
	line_length = 1000
}
EOF

# make_msg ID SIZE [LINE]: a message of exactly SIZE octets with CRLF
# lines of LINE octets (default 100, CRLF included) to stdout.
make_msg() {
	"$PYTHON" - "$@" <<\EOF
import sys
mid, size = sys.argv[1], int(sys.argv[2])
line = int(sys.argv[3]) if len(sys.argv) > 3 else 100
out = b"Subject: size %d\r\nMessage-ID: <%s>\r\n\r\n" % (size, mid.encode())
left = size - len(out)
while left > 0:
    n = min(line, left)
    if left - n == 1:   # never leave a last line of a bare LF
        n -= 1
    out += b"x" * (n - 2) + b"\r\n"
    left -= n
sys.stdout.buffer.write(out)
EOF
}

# send_msg FILE [REPLY]: one transaction with FILE as data; the reply
# after the dot must be REPLY (default 250), then NOOP must still work.
send_msg() {
	printf "< 220\n> EHLO c\n< 250\n> MAIL FROM:<a@example.net>\n< 250\n> RCPT TO:<kring@example.org>\n< 250\n> DATA\n< 354\n>data %s\n< %s\n> NOOP\n< 250\n> QUIT\n< 221\n" \
		"$1" "${2:-250}" | smtp_chat
}

# The resident set of kringd in kB, now (VmRSS) or at its peak (VmHWM).
rss_kb() {
	sed -n "s/^${1:-VmRSS}:[^0-9]*\([0-9]*\) kB/\1/p" /proc/"$KRINGD_PID"/status
}

# The memory checks compare kringd's peak resident set with its start;
# under AddressSanitizer freed memory waits in a quarantine (256 MB by
# default) and would count as growth, so keep that small here.
ASAN_OPTIONS=$ASAN_OPTIONS:quarantine_size_mb=1:thread_local_quarantine_size_kb=64

test_expect_success 'kringd starts' '
	kringd_start &&
	rss_start=$(rss_kb) &&
	test -n "$rss_start"
'

test_expect_success 'EHLO advertises SIZE 20000' '
	printf "< 220\n> EHLO c\n< 250 SIZE 20000\n" | smtp_chat
'

test_expect_success 'MAIL FROM SIZE= at the limit: 250; over it: 552 5.3.4' '
	smtp_chat <<-\EOF
	< 220
	> EHLO c
	< 250
	> MAIL FROM:<a@example.net> SIZE=20001
	< 552 5.3.4
	> MAIL FROM:<a@example.net> SIZE=999999999
	< 552 5.3.4
	> MAIL FROM:<a@example.net> SIZE=20000
	< 250
	> QUIT
	< 221
	EOF
'

test_expect_success 'a message of exactly message_size octets is taken' '
	make_msg exact@example.net 20000 >exact &&
	test $(wc -c <exact) = 20000 &&
	send_msg exact &&
	stored_body exact@example.net >actual &&
	cmp exact actual
'

test_expect_success 'one octet more: 552 5.3.4 after the dot, nothing stored, session usable' '
	make_msg over@example.net 20001 >over &&
	test $(wc -c <over) = 20001 &&
	before=$(stored_count) &&
	send_msg over "552 5.3.4" &&
	test "$(stored_count)" = "$before" &&
	! kring show -s store over@example.net
'

test_expect_success 'after a refused message the same session stores the next one' '
	make_msg next@example.net 500 >next &&
	smtp_chat <<-\EOF &&
	< 220
	> EHLO c
	< 250
	> MAIL FROM:<a@example.net>
	< 250
	> RCPT TO:<kring@example.org>
	< 250
	> DATA
	< 354
	>data over
	< 552
	> MAIL FROM:<a@example.net>
	< 250
	> RCPT TO:<kring@example.org>
	< 250
	> DATA
	< 354
	>data next
	< 250
	> QUIT
	< 221
	EOF
	stored_body next@example.net >actual &&
	cmp next actual &&
	! kring show -s store over@example.net
'

test_expect_success 'a command line of 2048 octets (CRLF included) is taken, 2049 is 500 5.5.2' '
	x2041=$(awk "BEGIN { for (i = 0; i < 2041; i++) printf \"x\" }") &&
	{ printf "< 220\n> NOOP %s\n< 250\n" "$x2041" &&
	  printf "> NOOP %sy\n< 500 5.5.2\n" "$x2041" &&
	  printf "> NOOP\n< 250\n> QUIT\n< 221\n"; } | smtp_chat
'

test_expect_success 'a MAIL command far over 2048 octets: 500 5.5.2, not taken' '
	{ printf "< 220\n> EHLO c\n< 250\n> MAIL FROM:<a@example.net> " &&
	  awk "BEGIN { for (i = 0; i < 5000; i++) printf \"x\" }" &&
	  printf "\n< 500 5.5.2\n> RCPT TO:<kring@example.org>\n< 503\n> QUIT\n< 221\n"; } | smtp_chat
'

test_expect_success 'a data line of line_length octets is taken' '
	make_msg line-ok@example.net 3000 1000 >line-ok &&
	grep -c "^x\{998\}.$" line-ok &&
	send_msg line-ok &&
	stored_body line-ok@example.net >actual &&
	cmp line-ok actual
'

test_expect_success 'a data line one octet longer: refused after the dot (500 5.5.2), nothing stored' '
	make_msg line-long@example.net 3000 1001 >line-long &&
	grep "^x\{999\}.$" line-long &&
	before=$(stored_count) &&
	send_msg line-long "500 5.5.2" &&
	test "$(stored_count)" = "$before" &&
	! kring show -s store line-long@example.net
'

test_expect_success 'a path over 256 octets: 501' '
	{ printf "< 220\n> EHLO c\n< 250\n> MAIL FROM:<" &&
	  awk "BEGIN { for (i = 0; i < 300; i++) printf \"a\" }" &&
	  printf "@example.net>\n< 501\n> QUIT\n< 221\n"; } | smtp_chat
'

test_expect_success 'a 16 MB command line without a newline: kringd stays small, the session sane' '
	smtp_chat -t 30 <<-\EOF &&
	< 220
	> EHLO c
	< 250
	>repeat 262144 xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx
	>raw \r\n
	< 500 5.5.2
	> NOOP
	< 250
	> QUIT
	< 221
	EOF
	kringd_alive &&
	hwm=$(rss_kb VmHWM) &&
	echo "VmRSS at start $rss_start kB, peak now $hwm kB" &&
	test "$hwm" -lt $((rss_start + 8192))
'

test_expect_success 'a 16 MB data line without a newline: refused after the dot, kringd stays small' '
	before=$(stored_count) &&
	smtp_chat -t 30 <<-\EOF &&
	< 220
	> EHLO c
	< 250
	> MAIL FROM:<a@example.net>
	< 250
	> RCPT TO:<kring@example.org>
	< 250
	> DATA
	< 354
	>raw Subject: huge line\r\nMessage-ID: <hugeline@example.net>\r\n\r\n
	>repeat 262144 yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy
	>raw \r\n.\r\n
	< 500 5.5.2
	> NOOP
	< 250
	> QUIT
	< 221
	EOF
	test "$(stored_count)" = "$before" &&
	hwm=$(rss_kb VmHWM) &&
	echo "VmRSS at start $rss_start kB, peak now $hwm kB" &&
	test "$hwm" -lt $((rss_start + 8192))
'

test_expect_success 'a 16 MB message of short lines: 552 after the dot, kringd stays small' '
	before=$(stored_count) &&
	smtp_chat -t 30 <<-\EOF &&
	< 220
	> EHLO c
	< 250
	> MAIL FROM:<a@example.net>
	< 250
	> RCPT TO:<kring@example.org>
	< 250
	> DATA
	< 354
	>raw Subject: huge message\r\nMessage-ID: <hugemsg@example.net>\r\n\r\n
	>repeat 262144 zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz\r\n
	>raw .\r\n
	< 552 5.3.4
	> NOOP
	< 250
	> QUIT
	< 221
	EOF
	test "$(stored_count)" = "$before" &&
	hwm=$(rss_kb VmHWM) &&
	echo "VmRSS at start $rss_start kB, peak now $hwm kB" &&
	test "$hwm" -lt $((rss_start + 8192))
'

# A pipelining client that never reads: each HELP of 6 octets asks for
# about 90 octets of replies.  kringd must stop reading (the client's
# writes then block) rather than queue the replies without end.
test_expect_success 'a client that sends 8 MB of commands and never reads a reply: kringd stays small' '
	smtp_chat -t 30 <<-\EOF &&
	< 220
	>flood 1400000 HELP\r\n
	EOF
	kringd_alive &&
	hwm=$(rss_kb VmHWM) &&
	echo "VmRSS at start $rss_start kB, peak now $hwm kB" &&
	test "$hwm" -lt $((rss_start + 16384))
'

test_expect_success 'kringd still answers' '
	printf "< 220\n> NOOP\n< 250\n> QUIT\n< 221\n" | smtp_chat
'

test_expect_success 'kringd stops cleanly' '
	kringd_stop
'

test_done
