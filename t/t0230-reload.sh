#!/bin/sh
test_description='SIGHUP: kringd reads kring.conf again; a broken file keeps the old one'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-kringd.sh"
. "$TEST_DIR/lib-smtp.sh"

# hup PATTERN: send SIGHUP and wait (at most 10 s) for one more log line
# matching PATTERN.
hup() {
	n=$(grep -c "$1" kringd.log)
	kill -HUP "$KRINGD_PID" || return 1
	i=0
	while [ "$(grep -c "$1" kringd.log)" -le "$n" ]; do
		i=$((i + 1))
		[ $i -lt 200 ] || { tail kringd.log; return 1; }
		sleep 0.05
	done
}

# rcpts N: a transaction where N recipients are taken and the next gets 452.
rcpts() {
	{
		printf '< 220\n> EHLO c\n< 250\n> MAIL FROM:<a@example.net>\n< 250\n'
		i=0
		while [ $i -lt "$1" ]; do
			printf '> RCPT TO:<kring+%d@example.org>\n< 250\n' $i
			i=$((i + 1))
		done
		printf '> RCPT TO:<kring+over@example.org>\n< 452 4.5.3\n> QUIT\n< 221\n'
	} | smtp_chat
}

test_expect_success 'kringd starts with recipients = 2' '
	kringd_config - <<-\EOF &&
	limits {
		recipients = 2
	}
	EOF
	kringd_start &&
	rcpts 2
'

test_expect_success 'recipients = 3 in kring.conf and SIGHUP: three are taken' '
	kringd_config - <<-\EOF &&
	limits {
		recipients = 3
	}
	EOF
	hup "configuration reloaded" &&
	rcpts 3
'

test_expect_success 'a session open across the reload goes on with the new limits' '
	printf "< 220\n> EHLO c\n< 250\nwait-file reloaded\n> MAIL FROM:<a@example.net>\n< 250\n> RCPT TO:<kring+1@example.org>\n< 250\n> RCPT TO:<kring+2@example.org>\n< 250\n> RCPT TO:<kring+3@example.org>\n< 250\n> RCPT TO:<kring+4@example.org>\n< 250\n> RCPT TO:<kring+5@example.org>\n< 452\n> QUIT\n< 221\n" >open.script || return 1
	"$PYTHON" "$SMTP_CHAT" 127.0.0.1:$KRINGD_PORT open.script >open.out &
	open_pid=$!
	wait_for open.out "^S: 250 SMTPUTF8" &&
	kringd_config - <<-\EOF &&
	limits {
		recipients = 4
	}
	EOF
	hup "configuration reloaded" &&
	: >reloaded &&
	wait $open_pid || { cat open.out; false; }
'

test_expect_success 'a broken kring.conf on SIGHUP: "reload failed" logged, the old limits stay' '
	kringd_config - <<-\EOF &&
	limits {
		recipients = 7
		frobnicate = 1
	}
	EOF
	hup "reload failed" &&
	grep "reload failed.*frobnicate" kringd.log &&
	kringd_alive &&
	rcpts 4
'

test_expect_success 'kringd keeps taking mail after the failed reload' '
	printf "Subject: after\r\nMessage-ID: <after@example.net>\r\n\r\nstill here\r\n" >after &&
	printf "< 220\n> EHLO c\n< 250\n> MAIL FROM:<a@example.net>\n< 250\n> RCPT TO:<kring@example.org>\n< 250\n> DATA\n< 354\n>data after\n< 250\n" |
	smtp_chat &&
	stored_body after@example.net >actual &&
	test_cmp after actual
'

test_expect_success 'a syntax error on SIGHUP is refused the same way' '
	printf "hostname = \"kring.test\"\nstore = \"store\"\ncommunity \"kring\" { address = \"kring@example.org\" \n limits { recipients = = 1 }\n" >kring.conf &&
	hup "reload failed" &&
	kringd_alive &&
	rcpts 4
'

test_expect_success 'a new community and hostname after SIGHUP' '
	kringd_config - <<-\EOF &&
	community "club" { address = "club@example.com" outside_posts = true }
	EOF
	sed "s/kring\.test/kring2.test/" kring.conf >kring.conf.new &&
	mv kring.conf.new kring.conf &&
	hup "configuration reloaded" &&
	printf "Subject: club\r\nMessage-ID: <club@example.net>\r\n\r\nnew community\r\n" >club &&
	smtp_chat <<-\EOF &&
	< 220 kring2.test
	> EHLO c
	< 250 kring2.test
	> MAIL FROM:<a@example.net>
	< 250
	> RCPT TO:<club@example.com>
	< 250
	> DATA
	< 354
	>data club
	< 250
	EOF
	stored_body club@example.net --community club >actual &&
	test_cmp club actual &&
	grep "by kring2.test (kringd)" stored.raw
'

test_expect_success 'a community taken out by SIGHUP takes no more mail' '
	printf "hostname = \"kring.test\"\nstore = \"store\"\ncommunity \"kring\" { address = \"kring@example.org\" }\n" >kring.conf &&
	hup "configuration reloaded" &&
	smtp_chat <<-\EOF
	< 220
	> EHLO c
	< 250
	> MAIL FROM:<a@example.net>
	< 250
	> RCPT TO:<club@example.com>
	< 550 5.1.1
	> RCPT TO:<leden@bank.example>
	< 550 5.1.1
	> RCPT TO:<kring@example.org>
	< 250
	> QUIT
	< 221
	EOF
'

test_expect_success 'kringd stops cleanly' '
	kringd_stop
'

test_done
