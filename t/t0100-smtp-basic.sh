#!/bin/sh
test_description='one message over SMTP with swaks, shown byte for byte'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-kringd.sh"

printf 'From: Anna <anna@example.net>\r\nTo: kring@example.org\r\nSubject: First post\r\nMessage-ID: <first@example.net>\r\nDate: Sun, 22 Nov 2026 10:00:00 +0100\r\n\r\nHello, community.\r\n' >msg1

test_expect_success 'kringd starts on a free port' '
	kringd_start
'

test_expect_success 'swaks delivers a message: 250' '
	kringd_send msg1 >swaks.out 2>&1 || { cat swaks.out; false; }
'

# swaks ends the data with its own CRLF before the dot.
test_expect_success 'kring show prints it byte for byte, after our Received' '
	kring show -s store "<first@example.net>" >shown &&
	head -1 shown | grep "^Received: from " &&
	strip_received <shown >body &&
	{ cat msg1; printf "\r\n"; } >expect &&
	cmp expect body
'

test_expect_success 'kring show finds it by store id and by bare Message-ID' '
	kring show -s store 1 >by-id &&
	kring show -s store first@example.net >by-bare &&
	cmp shown by-id && cmp shown by-bare
'

test_expect_success 'kring threads lists one thread with the JSON keys' '
	kring threads -s store --json >threads &&
	test $(wc -l <threads) = 1 &&
	grep "\"subject\":\"First post\"" threads &&
	grep "\"root\":\"<first@example.net>\"" threads &&
	grep "\"messages\":1," threads
'

test_expect_success 'kringd stops on SIGTERM with status 0 and a clean log' '
	kringd_stop
'

test_expect_success 'after a restart the message is still there' '
	kringd_start &&
	kring show -s store "<first@example.net>" >again &&
	cmp shown again &&
	kringd_stop
'

test_done
